/**
 * Context fit: when input + max_tokens is over the model's window (or the input over the token budget), the
 * fewest oldest turns to drop for the request to fit, found by counting trimmed requests (binary search).
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { formatTokens, lookupModel } from '../cost';
import type { MessagesBody } from '../types';
import { clone, hasToolResult, roleOf } from './edit';
import { forModel } from './breakdown';
import { Tally } from './pool';
import type { ContextFitReport, CountFn, PricingOptions, RunOptions } from './types';

export interface ContextFitOptions extends RunOptions, PricingOptions {
	/** Input-token budget (settings); the request must also stay within it. */
	budgetTokens?: number;
	/** The model's window when known better than the table (e.g. from the Models API). */
	contextWindow?: number;
}

/**
 * Indices where a kept history may start: a user turn that is not a tool_result continuation. Cutting there
 * keeps a user message first and never separates a tool_use from its tool_result (a result always sits in the
 * user turn right after its call).
 */
export function turnStarts(messages: readonly unknown[]): number[] {
	const starts: number[] = [];
	for (let i = 1; i < messages.length; i++) {
		if (roleOf(messages[i]) === 'user' && !hasToolResult(messages[i])) {
			starts.push(i);
		}
	}
	return starts;
}

/** The request without its oldest `turns` turns (0 = unchanged); shares the kept parts with `body`. */
export function dropOldestTurns(body: MessagesBody, turns: number): MessagesBody {
	if (turns <= 0) {
		return { ...body };
	}
	const starts = turnStarts(body.messages);
	const cut = starts[Math.min(turns, starts.length) - 1];
	return { ...body, messages: body.messages.slice(cut) };
}

export async function contextFit(body: MessagesBody, model: string, maxTokens: number, count: CountFn, options: ContextFitOptions = {}): Promise<ContextFitReport> {
	const tally = new Tally(count, options.signal);
	const request = forModel(body, model);
	const window = options.contextWindow ?? lookupModel(model, options.overrides)?.contextWindow;
	const budget = options.budgetTokens !== undefined && options.budgetTokens > 0 ? options.budgetTokens : undefined;
	const output = Number.isFinite(maxTokens) && maxTokens > 0 ? maxTokens : 0;
	const overOf = (tokens: number): ('window' | 'budget')[] => {
		const over: ('window' | 'budget')[] = [];
		if (window !== undefined && tokens + output > window) {
			over.push('window');
		}
		if (budget !== undefined && tokens > budget) {
			over.push('budget');
		}
		return over;
	};
	const total = await tally.tokens(request, model);
	const over = overOf(total);
	const droppable = turnStarts(request.messages).length;
	const base = { model, total, maxTokens: output, contextWindow: window, budgetTokens: budget, over, droppableTurns: droppable };
	const describe = (which: readonly ('window' | 'budget')[]) => which
		.map((w) => (w === 'window' ? `${formatTokens(window!)}-token window (with max_tokens)` : `${formatTokens(budget!)}-token budget`))
		.join(' and ');
	// Name only the limits that are exceeded; when it fits, every limit that was checked.
	const limits = describe(over);
	if (over.length === 0) {
		const checked = describe([...(window !== undefined ? ['window' as const] : []), ...(budget !== undefined ? ['budget' as const] : [])]);
		const reason = checked ? `Fits the ${checked}.` : `No context window known for ${model} and no budget set.`;
		return { ...base, fits: true, dropTurns: 0, droppedMessages: 0, trimmedTokens: total, probes: 0, approximate: tally.approximate, reason };
	}
	const counted = new Map<number, number>();
	const probe = async (turns: number): Promise<number> => {
		let tokens = counted.get(turns);
		if (tokens === undefined) {
			tokens = await tally.tokens(dropOldestTurns(request, turns), model);
			counted.set(turns, tokens);
		}
		return tokens;
	};
	// Dropping more turns never adds tokens, so the smallest fitting number is found by bisection over
	// [1, droppable]; first make sure dropping all but the last turn fits at all.
	if (droppable === 0 || overOf(await probe(droppable)).length > 0) {
		const reason = droppable === 0
			? `Over the ${limits}, and there is no earlier turn to drop.`
			: `Over the ${limits} even with only the last turn kept (${formatTokens(counted.get(droppable)!)} tokens): the system prompt, tools or the last turn must shrink.`;
		return { ...base, fits: false, probes: counted.size, approximate: tally.approximate, reason };
	}
	let lo = 1;
	let hi = droppable;
	while (lo < hi) {
		const mid = Math.floor((lo + hi) / 2);
		if (overOf(await probe(mid)).length === 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	// The trimmed body leaves this module (to be copied or edited): give it its own objects.
	const trimmedBody = clone(dropOldestTurns(request, lo));
	const droppedMessages = request.messages.length - trimmedBody.messages.length;
	const trimmedTokens = counted.get(lo)!;
	return {
		...base,
		fits: false,
		dropTurns: lo,
		droppedMessages,
		trimmedTokens,
		trimmedBody,
		probes: counted.size,
		approximate: tally.approximate,
		reason: `Over the ${limits}: dropping the oldest ${lo} turn${lo === 1 ? '' : 's'} (${droppedMessages} message${droppedMessages === 1 ? '' : 's'}) brings the input to ${formatTokens(trimmedTokens)} tokens.`,
	};
}

/**
 * `source` (one request's JSON text, or a batch line's with its `params`) without the first `n` elements of
 * its `messages` array: the cut runs from the first message to the first one kept, so everything else keeps
 * its key order and layout. Undefined when there is no such array or `n` would leave no message.
 */
export function withoutFirstMessages(source: string, n: number): string | undefined {
	const root = parseTree(source);
	if (!root || root.type !== 'object') { return undefined; }
	const owner = findNodeAtLocation(root, ['messages']) ? root : findNodeAtLocation(root, ['params', 'messages']) ? findNodeAtLocation(root, ['params']) : undefined;
	const messages = owner && findNodeAtLocation(owner, ['messages']);
	const items = messages?.type === 'array' ? messages.children ?? [] : [];
	if (n <= 0 || n >= items.length) { return n <= 0 ? source : undefined; }
	return source.slice(0, items[0].offset) + source.slice(items[n].offset);
}
