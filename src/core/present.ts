/**
 * How a count is phrased on every surface (status bar, CodeLens, hover, CLI), so they always agree.
 * Pure: no editor dependency.
 */
import {
	cacheMinimumText, formatPct, formatRate, formatTokens, formatUsd, formatWindow, type ModelInfo, type PriceOptions, priceChangesText, priceOptionsOf,
	priceProvenance, requestCost, type RequestCost,
} from './cost';
import { mdText } from './util/markdown';
import type { SiteState } from './service';
import { bestResult, countedOfflineOnly } from './service';
import { formatWait } from './count/rateLimiter';
import type { CountResult } from './types';

/** What the surfaces need to know of a model's prices. */
export interface RateCard {
	readonly displayName: string;
	readonly contextWindow?: number;
	/**
	 * The one price of a request of `tokens` input tokens (request-level tiers, Batch API, data residency, fast
	 * mode), the same function on every surface so their figures cannot disagree.
	 */
	readonly cost: (tokens: number, opts?: PriceOptions) => RequestCost;
	/** "prices as of 2026-11-23 · <source>". */
	readonly provenance: string;
}

/** USD for `tokens` input tokens of a request through the one price path; undefined without a price. */
export function inputUsd(rate: RateCard | undefined, tokens: number, opts?: PriceOptions): number | undefined {
	if (!rate) {
		return undefined;
	}
	const usd = rate.cost(tokens, opts).totalUsd;
	return Number.isFinite(usd) ? usd : undefined;
}

/** The per-MTok input rate a request of `tokens` tokens is billed at ("$0.50" above Haiku 5.5's 100K tier). */
export function inputRate(rate: RateCard, tokens: number, opts?: PriceOptions): number {
	return rate.cost(tokens, opts).rates.input;
}

export type RateLookup = (model: string) => RateCard | undefined;

export interface Figure {
	readonly tokens: number;
	/** "≥" when parts could not be resolved, "≈" when part of the figure is estimated, "" when exact. */
	readonly mark: '' | '≥' | '≈';
	readonly result: CountResult;
	readonly offline: boolean;
	/** USD for the input through the one price path (tiers and the request's modifiers); undefined without a price. */
	readonly costUsd?: number;
	readonly contextWindow?: number;
	/** Share of the context window, 0..∞ (percent). */
	readonly windowPct?: number;
	/** Input + max_tokens beyond the context window (tokens), when the call cannot fit. */
	readonly overWindow?: number;
}

export function figureFor(state: SiteState, rates: RateLookup): Figure | undefined {
	const result = bestResult(state);
	if (!result) {
		return undefined;
	}
	const rate = rates(state.model);
	const tokens = result.inputTokens;
	const mark = state.site.unresolved.length > 0 ? '≥' : result.approximate ? '≈' : '';
	return {
		tokens,
		mark,
		result,
		offline: result.source === 'offline',
		costUsd: inputUsd(rate, tokens, priceOptionsOf(state.site.pricing)),
		contextWindow: rate?.contextWindow,
		windowPct: rate?.contextWindow ? (tokens / rate.contextWindow) * 100 : undefined,
		overWindow: rate?.contextWindow && tokens + (state.site.maxTokens ?? 0) > rate.contextWindow
			? tokens + (state.site.maxTokens ?? 0) - rate.contextWindow : undefined,
	};
}

/** "(exact + ≈1,200 for web_search)" when part of an API figure is an offline estimate, else "". */
export function estimatedPart(f: Figure): string {
	const e = f.result.estimated;
	return e ? ` (exact + ≈${formatTokens(e.tokens)} for ${e.for})` : '';
}

/** "≥1,284 tok · $0.0039 · 0.6% of 200K" — the figure in its short form. */
export function shortText(f: Figure, unit = 'tok'): string {
	const parts = [`${f.mark}${formatTokens(f.tokens)} ${unit}${estimatedPart(f)}`];
	parts.push(f.costUsd !== undefined ? `${f.mark === '≥' ? '≥' : ''}${formatUsd(f.costUsd)}` : 'no price');
	if (f.overWindow !== undefined && f.contextWindow) {
		// Input + max_tokens against the window: "208,939 / 200K — 8,939 over".
		parts.push(`${formatTokens(f.contextWindow + f.overWindow)} / ${formatWindow(f.contextWindow)} — ${formatTokens(f.overWindow)} over`);
	} else if (f.windowPct !== undefined && f.contextWindow) {
		parts.push(`${formatPct(f.windowPct)} of ${formatWindow(f.contextWindow)}`);
	}
	return parts.join(' · ');
}

export interface Totals {
	readonly sites: number;
	readonly counted: number;
	readonly tokens: number;
	readonly costUsd?: number;
	/** The same input through the Batch API. */
	readonly batchCostUsd?: number;
	readonly mark: '' | '≥' | '≈';
	readonly offline: boolean;
	readonly counting: number;
	readonly errors: number;
}

/** Sum over a document's requests; the cost is missing when any counted model has no price. */
export function totalsFor(states: readonly SiteState[], rates: RateLookup): Totals {
	let tokens = 0;
	let cost: number | undefined = 0;
	let batch: number | undefined = 0;
	let counted = 0;
	let counting = 0;
	let errors = 0;
	let mark: '' | '≥' | '≈' = '';
	let offline = false;
	// One price lookup per model, not per request: a batch file has thousands of requests and a few models.
	const known = new Map<string, RateCard | undefined>();
	const rateOf: RateLookup = (model) => {
		if (!known.has(model)) { known.set(model, rates(model)); }
		return known.get(model);
	};
	for (const s of states) {
		if (s.status === 'counting') { counting++; }
		if (s.status === 'error' || s.status === 'no-key') { errors++; }
		const f = figureFor(s, rateOf);
		if (!f) { continue; }
		counted++;
		tokens += f.tokens;
		cost = cost !== undefined && f.costUsd !== undefined ? cost + f.costUsd : undefined;
		const b = inputUsd(rateOf(s.model), f.tokens, { ...priceOptionsOf(s.site.pricing), batch: true });
		batch = batch !== undefined && b !== undefined ? batch + b : undefined;
		if (f.mark === '≥' || (f.mark === '≈' && mark === '')) { mark = f.mark; }
		offline ||= f.offline;
	}
	return { sites: states.length, counted, tokens, costUsd: counted ? cost : undefined, batchCostUsd: counted ? batch : undefined, mark, offline, counting, errors };
}

/**
 * The four states a figure can be in, the same on every surface: `counting…` (the offline estimate shows
 * while the exact count is on its way), `exact`, `offline estimate` (no API call will be made), and
 * `rate-limited` (the offline estimate shows until the next exact count is allowed).
 */
export type CountState = 'counting' | 'exact' | 'offline' | 'rate-limited';

export const STATE_LABEL: Readonly<Record<CountState, string>> = {
	counting: 'counting…',
	exact: 'exact',
	offline: 'offline estimate',
	'rate-limited': 'rate-limited',
};

/** The one legend of the marks and states, shown in the status bar and CodeLens tooltips. */
export const LEGEND = 'No mark: exact count (count_tokens API). ≈ estimate by the offline tokenizer. ≥ lower bound: parts known only at run time are not counted. '
	+ 'States: counting… (the estimate shows until the exact count arrives) · exact · offline estimate (no API call) · rate-limited (the estimate shows until the next exact count is allowed).';

export function countState(state: SiteState, f: Figure | undefined, rateLimitedUntil?: number): CountState {
	if (rateLimitedUntil !== undefined && !(f && !f.offline)) { return 'rate-limited'; }
	if (f && !f.offline) { return 'exact'; }
	return state.status === 'counting' ? 'counting' : 'offline';
}

/** "20 s", "58 min", "1 h": the time left until `until`, at least a second. */
export function waitText(until: number | undefined, now = Date.now()): string {
	return formatWait(Math.max(1000, (until ?? now) - now));
}

/** "rate-limited: next exact count in 20 s" and the like: the state in one phrase. */
export function stateLine(kind: CountState, rateLimitedUntil?: number, now = Date.now()): string {
	switch (kind) {
		case 'rate-limited': {
			return `rate-limited: next exact count in ${waitText(rateLimitedUntil, now)}`;
		}
		case 'counting': return 'counting…: the exact count is on its way';
		case 'exact': return 'exact';
		case 'offline': return 'offline estimate (no API call)';
	}
}

/** One line per note or caveat for tooltips and hovers. */
export function caveats(state: SiteState, f: Figure | undefined): string[] {
	const out: string[] = [];
	if (f?.offline && countedOfflineOnly(state.site)) {
		out.push('Batch-file lines are counted offline (no API call); Estimate Request counts this one exactly.');
	}
	for (const u of state.site.unresolved) {
		out.push(`Not counted: \`${u.text}\` at ${u.path || '/'} (${u.reason})`);
	}
	for (const n of f?.result.notes ?? []) {
		out.push(n);
	}
	if (!state.site.modelFromDocument) {
		out.push(`No model in the request: counted for ${state.model} (setting claudeTokenMeter.defaultModel).`);
	}
	return out;
}

/** "$0.0039", or "no price" when some part of the request has none. */
export function usdText(usd: number | undefined): string {
	return usd !== undefined && Number.isFinite(usd) ? formatUsd(usd) : 'no price';
}

/**
 * The hover's line for a request's input: "This request: **150,000 tokens → $0.075** input ($0.038 in a batch)",
 * through the one price path with the request's own modifiers, and what changed the price.
 */
export function requestCostLine(info: ModelInfo, tokens: number, payload?: Readonly<Record<string, unknown>>, mark: '' | '≈' | '≥' = ''): string {
	const opts = priceOptionsOf(payload);
	const c = requestCost(info, { input: tokens }, opts);
	const batch = requestCost(info, { input: tokens }, { ...opts, batch: true });
	const why = [...c.applied, ...c.unpriced.map((u) => `no price for ${u}`)];
	// A lower bound's cost is a lower bound too.
	const at = mark === '≥' ? '≥' : '';
	return `This request: **${mark}${formatTokens(tokens)} tokens → ${at}${usdText(c.totalUsd)}** input (${at}${usdText(batch.totalUsd)} in a batch)${why.length ? ` · ${mdText(why.join('; '))}` : ''}`;
}

/** The rate card of a model in Markdown: standard rates, the long-context tier, the window, sources and dates. */
export function rateCardMarkdown(info: ModelInfo): string {
	const lines = ['| | per MTok |', '|---|---:|',
		`| Input | ${formatRate(info.input)} |`, `| Output | ${formatRate(info.output)} |`,
		`| Cache write 5 m | ${formatRate(info.cacheWrite5m)} |`, `| Cache write 1 h | ${formatRate(info.cacheWrite1h)} |`, `| Cache read | ${formatRate(info.cacheRead)} |`,
		`| Batch input / output | ${formatRate(info.input * (1 - info.batchDiscount))} / ${formatRate(info.output * (1 - info.batchDiscount))} |`];
	const tier = info.longContext;
	if (tier) {
		lines.push(`| Prompt over ${formatWindow(tier.threshold)}: input / output | ${formatRate(tier.input)} / ${formatRate(tier.output)} |`);
	}
	if (info.fastMode) {
		lines.push(`| Fast mode input / output | ${formatRate(info.fastMode.input)} / ${formatRate(info.fastMode.output)} |`);
	}
	return `${lines.join('\n')}\n\n`;
}

/** The sources under a rate card: prices as of … · source, price changes, the cache minimum and its source. */
export function priceSourcesMarkdown(info: ModelInfo): string {
	const out = [mdText(`${priceProvenance(info).replace(/^p/, 'P')}.`)];
	for (const change of priceChangesText(info)) {
		out.push(mdText(`Changed: ${change}.`));
	}
	const minimum = cacheMinimumText(info);
	if (minimum) {
		out.push(mdText(`${minimum}.`));
	}
	return out.join('\n\n');
}
