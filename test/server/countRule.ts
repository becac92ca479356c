/**
 * The test server's default counting rule, used until the offline tokenizer is wired in.
 *
 * Rule (deterministic, documented so tests can compute expectations by hand):
 *   tokens = 7                                  (request frame)
 *          + 3 per message
 *          + Σ ceil(utf8Bytes(s) / 4)            over every string value under
 *                                                `system`, `messages`, `tools` and `tool_choice`,
 *                                                except the values of `type` and `role` keys.
 * It is not Claude's tokenizer; it only has to change when the text changes and be easy to predict.
 */

export const FRAME_TOKENS = 7;
export const PER_MESSAGE_TOKENS = 3;

/** Tokens the rule gives one string: a quarter of its UTF-8 length, rounded up. */
export function stringTokens(s: string): number {
	return Math.ceil(Buffer.byteLength(s, 'utf8') / 4);
}

function walk(value: unknown, key: string | undefined): number {
	if (typeof value === 'string') {
		return key === 'type' || key === 'role' ? 0 : stringTokens(value);
	}
	if (Array.isArray(value)) {
		let sum = 0;
		for (const item of value) {
			sum += walk(item, undefined);
		}
		return sum;
	}
	if (value !== null && typeof value === 'object') {
		let sum = 0;
		for (const [k, v] of Object.entries(value)) {
			sum += walk(v, k);
		}
		return sum;
	}
	return 0;
}

/** Count a Messages API body (`model`, `messages`, `system`, `tools`, …) by the rule above. */
export function utf8CountRule(body: any): number {
	const messages: unknown[] = Array.isArray(body?.messages) ? body.messages : [];
	let tokens = FRAME_TOKENS + PER_MESSAGE_TOKENS * messages.length;
	for (const field of ['system', 'messages', 'tools', 'tool_choice']) {
		tokens += walk(body?.[field], field);
	}
	return tokens;
}
