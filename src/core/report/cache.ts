/**
 * Prompt-cache analysis: every `cache_control` breakpoint in the order the API builds the prompt (tools →
 * system → messages), the tokens of the prefix it caches (counted on the request cut after that block),
 * whether that reaches the model's minimum cacheable length, and what caching costs and saves.
 */
import { cacheReadCost, cacheWriteCost, type CacheTtl, inputCost, lookupModel, type ModelInfo } from '../cost';
import type { MessagesBody } from '../types';
import { forModel } from './breakdown';
import { blocksOf, blockType, isObject, type Json, placeholderMessage, roleOf, toolName, toolResultIds, toolUseIds, withToolsUpTo } from './edit';
import { DEFAULT_CONCURRENCY, runBounded, Tally } from './pool';
import type { CacheAnalysis, CacheBreakpoint, CountFn, PricingOptions, RunOptions } from './types';

/** The API accepts at most this many breakpoints per request. */
export const MAX_BREAKPOINTS = 4;

export interface BreakpointSite {
	readonly location: CacheBreakpoint['location'];
	readonly path: string;
	readonly label: string;
	readonly ttl: CacheTtl;
	/** The request cut after the breakpoint's block, with `copies` placeholder messages where one is needed. */
	readonly truncate?: (copies: number) => { body: MessagesBody; standIn: boolean; notes: string[] };
}

function ttlOf(control: unknown): CacheTtl {
	return isObject(control) && control.ttl === '1h' ? '1h' : '5m';
}

function hasControl(v: unknown): v is Json & { cache_control: unknown } {
	return isObject(v) && isObject(v.cache_control);
}

function placeholders(copies: number): Json[] {
	return Array.from({ length: copies }, placeholderMessage);
}

/** Cut the history after block `k` (and inner block `j` of a tool_result) of message `i`. */
function cutMessages(body: MessagesBody, i: number, k: number, j?: number): { body: MessagesBody; standIn: boolean; notes: string[] } {
	const messages = body.messages.slice(0, i + 1);
	const blocks = (blocksOf(messages[i]) ?? []).slice(0, k + 1);
	if (j !== undefined) {
		const result = blocks[k] as Json;
		blocks[k] = { ...result, content: (result.content as unknown[]).slice(0, j + 1) };
	}
	const last: Json = { ...(messages[i] as Json), content: blocks };
	messages[i] = last;
	const notes: string[] = [];
	// Results cut off after the breakpoint would leave tool_use blocks unanswered: answer them minimally.
	if (roleOf(last) === 'user' && i > 0 && roleOf(messages[i - 1]) === 'assistant') {
		const answered = toolResultIds(last);
		const missing = [...toolUseIds(messages[i - 1])].filter((id) => !answered.has(id));
		if (missing.length > 0) {
			blocks.push(...missing.map((id) => ({ type: 'tool_result', tool_use_id: id })));
			notes.push(`${missing.length} empty tool_result block${missing.length === 1 ? '' : 's'} added after the prefix to keep the request valid`);
		}
	}
	// A prefix ending in a tool_use turn gets the minimal answer the API requires after it (unless the request
	// itself ends there).
	const pending = roleOf(last) === 'assistant' && i < body.messages.length - 1 ? [...toolUseIds(last)] : [];
	if (pending.length > 0) {
		messages.push({ role: 'user', content: pending.map((id) => ({ type: 'tool_result', tool_use_id: id })) });
		notes.push('a user turn with empty tool_result blocks added after the prefix to keep the request valid');
	}
	return { body: { ...body, messages }, standIn: false, notes };
}

/** Every breakpoint, in the order the API processes the prompt. */
export function breakpointSites(body: MessagesBody): BreakpointSite[] {
	const sites: BreakpointSite[] = [];
	(body.tools ?? []).forEach((tool, t) => {
		if (hasControl(tool)) {
			sites.push({
				location: 'tools',
				path: `/tools/${t}`,
				label: `Tool ${toolName(tool) ?? `#${t + 1}`}`,
				ttl: ttlOf(tool.cache_control),
				truncate: (copies) => {
					const { system: _system, ...cut } = withToolsUpTo(body, t);
					return { body: { ...cut, messages: placeholders(copies) }, standIn: true, notes: [] };
				},
			});
		}
	});
	if (Array.isArray(body.system)) {
		body.system.forEach((block, s) => {
			if (hasControl(block)) {
				sites.push({
					location: 'system',
					path: `/system/${s}`,
					label: `System block ${s + 1}`,
					ttl: ttlOf(block.cache_control),
					truncate: (copies) => ({
						body: { ...body, system: (body.system as unknown[]).slice(0, s + 1), messages: placeholders(copies) },
						standIn: true,
						notes: [],
					}),
				});
			}
		});
	}
	body.messages.forEach((message, i) => {
		(blocksOf(message) ?? []).forEach((block, k) => {
			if (hasControl(block)) {
				sites.push({
					location: 'messages',
					path: `/messages/${i}/content/${k}`,
					label: `Message ${i + 1} · block ${k + 1} (${blockType(block) ?? '?'})`,
					ttl: ttlOf(block.cache_control),
					truncate: () => cutMessages(body, i, k),
				});
			}
			if (blockType(block) === 'tool_result' && Array.isArray((block as Json).content)) {
				((block as Json).content as unknown[]).forEach((inner, j) => {
					if (hasControl(inner)) {
						sites.push({
							location: 'messages',
							path: `/messages/${i}/content/${k}/content/${j}`,
							label: `Message ${i + 1} · block ${k + 1} · tool result part ${j + 1}`,
							ttl: ttlOf(inner.cache_control),
							truncate: () => cutMessages(body, i, k, j),
						});
					}
				});
			}
		});
	});
	if (isObject(body.cache_control)) {
		// Automatic caching puts the breakpoint on the last cacheable block: the whole prompt.
		sites.push({ location: 'automatic', path: '/cache_control', label: 'Automatic (top-level cache_control)', ttl: ttlOf(body.cache_control) });
	}
	return sites;
}

interface Scenario {
	firstCallUsd: number;
	laterCallUsd: number;
	breakEvenCalls?: number;
}

/**
 * Smallest n with first + (n − 1)·later ≤ n·baseline: the call from which caching has paid for its write.
 * Undefined when later calls save nothing.
 */
export function breakEven(first: number, later: number, baseline: number): number | undefined {
	const extra = first - baseline;
	const saving = baseline - later;
	if (extra <= 0) {
		return 1;
	}
	if (!(saving > 0)) {
		return undefined;
	}
	// A relative epsilon keeps exact ratios (e.g. 0.25/0.25) from rounding up a call.
	return 1 + Math.ceil(extra / saving - 1e-9);
}

function scenario(info: ModelInfo, total: number, segments: readonly { tokens: number; ttl: CacheTtl }[], baseline: number): Scenario {
	const opts = { requestInputTokens: total };
	const cached = segments.reduce((sum, s) => sum + s.tokens, 0);
	const rest = inputCost(total - cached, info, opts);
	const write = segments.reduce((sum, s) => sum + cacheWriteCost(s.tokens, info, s.ttl, opts), 0);
	const firstCallUsd = write + rest;
	const laterCallUsd = cacheReadCost(cached, info, opts) + rest;
	return { firstCallUsd, laterCallUsd, breakEvenCalls: breakEven(firstCallUsd, laterCallUsd, baseline) };
}

export async function cacheAnalysis(body: MessagesBody, model: string, count: CountFn, options: RunOptions & PricingOptions = {}): Promise<CacheAnalysis> {
	const tally = new Tally(count, options.signal);
	const request = forModel(body, model);
	const info = lookupModel(model, options.overrides);
	const minCacheable = info?.minCacheablePrefix;
	const sites = breakpointSites(request);
	const total = await tally.tokens(request, model);
	const measured = await runBounded(sites.map((site) => async () => {
		if (!site.truncate) {
			return { tokens: total, notes: [] as string[] };
		}
		const cut = site.truncate(1);
		let tokens = await tally.tokens(cut.body, model);
		if (cut.standIn) {
			// The placeholder message is not part of the prefix: take its own cost off.
			const doubled = await tally.tokens(site.truncate(2).body, model);
			tokens -= doubled - tokens;
		}
		return { tokens: Math.max(0, Math.min(total, tokens)), notes: cut.notes };
	}), options.concurrency ?? DEFAULT_CONCURRENCY, options.signal);
	const baselineUsd = info ? inputCost(total, info) : undefined;
	const breakpoints: CacheBreakpoint[] = sites.map((site, i) => {
		const prefixTokens = measured[i].tokens;
		const eligible = minCacheable !== undefined ? prefixTokens >= minCacheable : undefined;
		const costs = info && baselineUsd !== undefined
			? eligible === false
				? { firstCallUsd: baselineUsd, laterCallUsd: baselineUsd }
				: scenario(info, total, [{ tokens: prefixTokens, ttl: site.ttl }], baselineUsd)
			: {};
		const notes = [...measured[i].notes];
		if (eligible === false) {
			notes.push(`below the ${minCacheable}-token minimum: nothing is cached here`);
		}
		return {
			path: site.path,
			label: site.label,
			location: site.location,
			ttl: site.ttl,
			prefixTokens,
			minCacheable,
			eligible,
			...costs,
			approximate: tally.approximate || measured[i].notes.length > 0,
			...(notes.length > 0 ? { notes } : {}),
		};
	});
	const warnings: string[] = [];
	if (sites.length > MAX_BREAKPOINTS) {
		warnings.push(`${sites.length} cache breakpoints: the API accepts at most ${MAX_BREAKPOINTS}.`);
	}
	const firstFiveMinute = sites.findIndex((s) => s.ttl === '5m');
	if (firstFiveMinute >= 0 && sites.slice(firstFiveMinute).some((s) => s.ttl === '1h')) {
		warnings.push('A 1-hour breakpoint follows a 5-minute one: 1-hour entries must come first.');
	}
	if (info && minCacheable === undefined && sites.length > 0) {
		warnings.push(`The minimum cacheable length of ${info.displayName} is not known.`);
	}
	if (!info) {
		warnings.push(`No price for ${model}: cache costs cannot be given.`);
	}
	let combined: CacheAnalysis['combined'];
	const usable = breakpoints.filter((b) => b.eligible !== false);
	if (info && baselineUsd !== undefined && usable.length > 0) {
		// Each segment between breakpoints is written at the ttl of the breakpoint that closes it.
		const segments: { tokens: number; ttl: CacheTtl }[] = [];
		let covered = 0;
		for (const b of [...usable].sort((a, c) => a.prefixTokens - c.prefixTokens)) {
			if (b.prefixTokens > covered) {
				segments.push({ tokens: b.prefixTokens - covered, ttl: b.ttl });
				covered = b.prefixTokens;
			}
		}
		const s = scenario(info, total, segments, baselineUsd);
		combined = { cachedTokens: covered, ...s };
	}
	return {
		model,
		total,
		minCacheable,
		breakpoints,
		baselineUsd,
		combined,
		warnings,
		approximate: tally.approximate,
	};
}
