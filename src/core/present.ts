/**
 * How a count is phrased on every surface (status bar, CodeLens, hover, CLI), so they always agree.
 * Pure: no editor dependency.
 */
import { formatPct, formatTokens, formatUsd, formatWindow } from './cost';
import type { SiteState } from './service';
import { bestResult, countedOfflineOnly } from './service';
import { formatWait } from './count/rateLimiter';
import type { CountResult } from './types';

/** What the surfaces need to know of a model's prices. */
export interface RateCard {
	readonly displayName: string;
	/** USD per million input tokens. */
	readonly inputPerMTok: number;
	readonly outputPerMTok: number;
	/** USD per million input tokens through the Batch API. */
	readonly batchInputPerMTok: number;
	readonly contextWindow?: number;
}

export type RateLookup = (model: string) => RateCard | undefined;

export interface Figure {
	readonly tokens: number;
	/** "≥" when parts could not be resolved, "≈" when part of the figure is estimated, "" when exact. */
	readonly mark: '' | '≥' | '≈';
	readonly result: CountResult;
	readonly offline: boolean;
	/** USD for the input at the model's standard rate; undefined when the model has no price. */
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
		costUsd: rate ? (tokens * rate.inputPerMTok) / 1e6 : undefined,
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
		const rate = rateOf(s.model);
		batch = batch !== undefined && rate ? batch + (f.tokens * rate.batchInputPerMTok) / 1e6 : undefined;
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
