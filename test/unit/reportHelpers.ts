/**
 * A deterministic, additive stand-in for count_tokens used by the report tests: every part of a request has a
 * known cost, so differential figures can be checked against the truth. It also rejects the requests the
 * Messages API rejects (conservatively), so every edited request the report counts is checked for validity.
 */
import type { MessagesBody } from '../../src/core/types';
import type { CountAnswer, CountFn } from '../../src/core/report';

export const FRAME = 7;
export const MESSAGE_FRAME = 3;
export const TOOL_PROMPT_AUTO = 300;
export const TOOL_PROMPT_ANY = 350;
export const IMAGE_TOKENS = 100;
export const DOCUMENT_TOKENS = 200;

type Json = Record<string, any>;

const FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config', 'mcp_servers']);

function fail(message: string): never {
	throw Object.assign(new Error(`invalid request: ${message}`), { status: 400 });
}

/** The checks of the Messages API the report's edits must satisfy. */
export function assertValidRequest(body: MessagesBody): void {
	for (const key of Object.keys(body)) {
		if (!FIELDS.has(key)) {
			fail(`${key}: extra inputs are not permitted`);
		}
	}
	if (typeof body.model !== 'string' || !body.model) {
		fail('model required');
	}
	if (!Array.isArray(body.messages) || body.messages.length === 0) {
		fail('messages: at least one message');
	}
	const messages = body.messages as Json[];
	if (messages[0].role !== 'user') {
		fail('the first message must use the user role');
	}
	let toolBlocks = false;
	messages.forEach((m, i) => {
		if (m.role !== 'user' && m.role !== 'assistant') {
			fail(`messages.${i}.role`);
		}
		if (m.content === '' || (Array.isArray(m.content) && m.content.length === 0) || m.content === undefined) {
			fail(`messages.${i}: content must be non-empty`);
		}
		const blocks: Json[] = Array.isArray(m.content) ? m.content : [];
		for (const b of blocks) {
			if (b.type === 'text' && (typeof b.text !== 'string' || b.text === '')) {
				fail(`messages.${i}: text blocks must be non-empty`);
			}
			if (b.type === 'tool_use' || b.type === 'tool_result') {
				toolBlocks = true;
			}
		}
		const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
		const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
		if (results.length > 0) {
			const prev: Json | undefined = messages[i - 1];
			const prevUses = prev && prev.role === 'assistant' && Array.isArray(prev.content) ? prev.content.filter((b: Json) => b.type === 'tool_use').map((b: Json) => b.id) : [];
			for (const id of results) {
				if (!prevUses.includes(id)) {
					fail(`messages.${i}: unexpected tool_use_id ${id} in tool_result blocks`);
				}
			}
		}
		if (uses.length > 0) {
			const next: Json | undefined = messages[i + 1];
			const nextResults = next && next.role === 'user' && Array.isArray(next.content) ? next.content.filter((b: Json) => b.type === 'tool_result').map((b: Json) => b.tool_use_id) : [];
			for (const id of uses) {
				if (!nextResults.includes(id)) {
					fail(`messages.${i}: tool_use ${id} without a tool_result immediately after`);
				}
			}
		}
	});
	const tools = body.tools as Json[] | undefined;
	if (tools !== undefined) {
		if (!Array.isArray(tools) || tools.length === 0) {
			fail('tools: must be a non-empty list when given');
		}
		const names = tools.map((t) => t.name);
		if (new Set(names).size !== names.length) {
			fail('tools: names must be unique');
		}
	}
	if (toolBlocks && !tools) {
		fail('requests which include tool_use or tool_result blocks must define tools');
	}
	const choice = body.tool_choice as Json | undefined;
	if (choice !== undefined) {
		if (!tools) {
			fail('tool_choice may only be specified while providing tools');
		}
		if (choice.type === 'tool' && !tools.some((t) => t.name === choice.name)) {
			fail(`tool_choice names ${choice.name}, which is not a tool`);
		}
	}
}

function textLength(s: unknown): number {
	return typeof s === 'string' ? [...s].length : 0;
}

export function blockCost(b: Json): number {
	switch (b.type) {
		case 'text':
			return textLength(b.text);
		case 'image':
			return IMAGE_TOKENS;
		case 'document':
			return DOCUMENT_TOKENS;
		case 'tool_use':
			return 5 + textLength(b.name) + JSON.stringify(b.input ?? {}).length;
		case 'tool_result':
			return 5 + contentCost(b.content);
		default:
			return JSON.stringify(b).length;
	}
}

export function contentCost(content: unknown): number {
	if (typeof content === 'string') {
		return textLength(content);
	}
	return Array.isArray(content) ? content.reduce((sum: number, b: Json) => sum + blockCost(b), 0) : 0;
}

export function messageCost(m: Json): number {
	return MESSAGE_FRAME + contentCost(m.content);
}

export function toolCost(t: Json): number {
	return JSON.stringify(t).length;
}

export function systemCost(system: unknown): number {
	return contentCost(system);
}

export function toolPrompt(body: MessagesBody): number {
	if (!body.tools || body.tools.length === 0) {
		return 0;
	}
	const type = (body.tool_choice as Json | undefined)?.type;
	return type === 'any' || type === 'tool' ? TOOL_PROMPT_ANY : TOOL_PROMPT_AUTO;
}

/** The fake's figure for a valid request: the sum of its parts plus the frame. */
export function fakeTokens(body: MessagesBody): number {
	assertValidRequest(body);
	return FRAME
		+ toolPrompt(body)
		+ (body.tools ?? []).reduce((sum: number, t) => sum + toolCost(t as Json), 0)
		+ systemCost(body.system)
		+ (body.messages as Json[]).reduce((sum, m) => sum + messageCost(m), 0);
}

export interface FakeCounter {
	count: CountFn;
	calls: { body: MessagesBody; model: string }[];
	maxInFlight: number;
}

/** The fake as a count function; `delayMs` makes calls overlap so the concurrency bound can be observed. */
export function fakeCounter(options: { delayMs?: number; approximate?: boolean; perModel?: (model: string) => number } = {}): FakeCounter {
	const state: FakeCounter = { calls: [], maxInFlight: 0, count: undefined as unknown as CountFn };
	let inFlight = 0;
	state.count = async (body, model, signal): Promise<CountAnswer> => {
		state.calls.push({ body: structuredClone(body), model });
		inFlight++;
		state.maxInFlight = Math.max(state.maxInFlight, inFlight);
		try {
			if (options.delayMs) {
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(resolve, options.delayMs);
					signal?.addEventListener('abort', () => {
						clearTimeout(timer);
						reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
					}, { once: true });
				});
			}
			if (body.model !== model) {
				throw new Error(`body.model ${body.model} differs from the model counted for (${model})`);
			}
			const tokens = fakeTokens(body) + (options.perModel?.(model) ?? 0);
			return { inputTokens: tokens, ...(options.approximate ? { approximate: true } : {}) };
		} finally {
			inFlight--;
		}
	};
	return state;
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
