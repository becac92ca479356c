/**
 * Prices, context windows and cost arithmetic for Claude models (DESIGN §5). Pure: no editor dependency.
 *
 * The table is a dated data file (`pricing.json`); users override rows or add models in settings.
 * An id that matches no row gets `undefined` — callers show "no price", never a borrowed one.
 */
import { DEFAULTS, type Settings } from '../defaults';
import table from './pricing.json';

export type TokenizerFamily = 'v3' | 'v4.7' | 'v5';
export type CacheTtl = '5m' | '1h';
export type Tier = 'haiku' | 'sonnet' | 'opus';
/**
 * Lifecycle on the Claude API: 'current' (the lineup), 'legacy' (callable, not in the lineup), 'deprecated'
 * (callable until `retires`), 'retired' (requests fail; kept so old files and partner platforms keep a price).
 */
export type ModelStatus = 'current' | 'legacy' | 'deprecated' | 'retired';

/** USD per million tokens. */
export interface Rates {
	readonly input: number;
	readonly output: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	readonly cacheRead: number;
}

/** Premium rates billed for the whole request once its input exceeds `threshold` tokens. */
export interface LongContextTier extends Rates {
	readonly threshold: number;
}

export interface ModelInfo extends Rates {
	/** Canonical id (the alias Anthropic documents). */
	readonly id: string;
	readonly displayName: string;
	/** Every Claude API id of the model: alias first, then dated snapshots. */
	readonly ids: readonly string[];
	readonly bedrockIds: readonly string[];
	/** Fraction taken off input and output by the Batch API (0.5 = −50 %). */
	readonly batchDiscount: number;
	readonly longContext?: LongContextTier;
	readonly contextWindow: number;
	/** Larger window available with a beta header (Sonnet 4 / 4.5: 1M). */
	readonly extendedContextWindow?: number;
	readonly maxOutput?: number;
	readonly minCacheablePrefix?: number;
	readonly tokenizer?: TokenizerFamily;
	/** In the lineup of current models (the "cost on every current model" table). */
	readonly current: boolean;
	/** Fields whose values are assumed rather than confirmed by the cited sources. */
	readonly assumed: readonly string[];
	/** Lifecycle status from the sources of the row (table rows only). */
	readonly status?: ModelStatus;
	/** Retirement date (YYYY-MM-DD) when the sources give one. */
	readonly retires?: string;
	/** Where the row's values come from, with the date they were seen (table rows only). */
	readonly source?: string;
	/** 'table' for a row of pricing.json, 'override' when settings changed or added it. */
	readonly origin: 'table' | 'override';
	/** The date the row's prices are from (seen on, or effective since), YYYY-MM-DD. */
	readonly pricesAsOf?: string;
	/** Address of the page the row's prices come from. */
	readonly priceSource?: string;
	/** Prices that changed, with the date the new price took effect. */
	readonly priceChanges?: readonly PriceChange[];
	/** Address of the page that gives `minCacheablePrefix`. */
	readonly minCacheablePrefixSource?: string;
	/** Set when first-party sources conflict or give no minimum: which value was kept and why. */
	readonly minCacheablePrefixNote?: string;
	/** Fast mode prices where a first-party page gives them. */
	readonly fastMode?: { readonly input: number; readonly output: number; readonly source: string };
}

export interface PriceChange {
	readonly field: string;
	readonly from: number;
	readonly to: number;
	readonly effective: string;
	readonly source: string;
}

/** One settings entry: a partial entry changes fields of an existing row, a complete one adds a model. */
export interface ModelOverride {
	displayName?: string;
	input?: number;
	output?: number;
	cacheWrite5m?: number;
	cacheWrite1h?: number;
	cacheRead?: number;
	batchDiscount?: number;
	contextWindow?: number;
	maxOutput?: number;
	minCacheablePrefix?: number;
	tokenizer?: TokenizerFamily;
	current?: boolean;
}

/** `{ "<model id>": { input, output, …, contextWindow } }` as in settings. */
export type ModelOverrides = Readonly<Record<string, ModelOverride>>;

export const PRICING_AS_OF: string = table.asOf;
export const PRICING_SOURCE: string = table.source;
export const PRICING_NOTES: readonly string[] = table.notes;

const MTOK = 1_000_000;
const FAMILIES: readonly TokenizerFamily[] = ['v3', 'v4.7', 'v5'];
const NUMBER_FIELDS = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'batchDiscount', 'contextWindow', 'maxOutput', 'minCacheablePrefix'] as const;
/** What a settings entry must give to define a model the table does not know. */
const REQUIRED_FOR_NEW = ['input', 'output', 'contextWindow'] as const;

const BASE_MODELS: readonly ModelInfo[] = table.models.map((row): ModelInfo => ({
	id: row.id,
	displayName: row.displayName,
	ids: row.ids,
	bedrockIds: row.bedrockIds,
	input: row.input,
	output: row.output,
	cacheWrite5m: row.cacheWrite5m,
	cacheWrite1h: row.cacheWrite1h,
	cacheRead: row.cacheRead,
	batchDiscount: row.batchDiscount,
	longContext: 'longContext' in row ? row.longContext : undefined,
	contextWindow: row.contextWindow,
	extendedContextWindow: 'extendedContextWindow' in row ? row.extendedContextWindow : undefined,
	maxOutput: row.maxOutput,
	minCacheablePrefix: 'minCacheablePrefix' in row ? row.minCacheablePrefix : undefined,
	tokenizer: row.tokenizer as TokenizerFamily,
	current: row.current,
	assumed: ('assumed' in row ? row.assumed : undefined) ?? [],
	status: row.status as ModelStatus,
	retires: 'retires' in row ? row.retires : undefined,
	source: row.source,
	origin: 'table',
	pricesAsOf: row.pricesAsOf,
	priceSource: row.priceSource,
	priceChanges: 'priceChanges' in row ? row.priceChanges : undefined,
	minCacheablePrefixSource: 'minCacheablePrefixSource' in row ? row.minCacheablePrefixSource : undefined,
	minCacheablePrefixNote: 'minCacheablePrefixNote' in row ? row.minCacheablePrefixNote : undefined,
	fastMode: 'fastMode' in row ? row.fastMode : undefined,
}));

/** Bedrock cross-region inference profiles prefix the model id with a geography. */
const REGION_PREFIX = /^(us|eu|apac|global|us-gov|jp|au|ca)\./;

/**
 * Reduce a platform id to the Claude API id it names: Bedrock ARNs, region prefixes, the `anthropic.`
 * vendor prefix and `-v1:0` version suffix; Vertex's `@` before the snapshot date. Nothing else is changed,
 * so an unknown version stays unknown.
 */
export function normalizeModelId(id: string): string {
	let s = id.trim().toLowerCase();
	if (s.startsWith('arn:')) {
		s = s.slice(s.lastIndexOf('/') + 1);
	}
	s = s.replace(REGION_PREFIX, '').replace(/^anthropic\./, '').replace(/-v\d+(:\d+)?$/, '');
	return s.replace(/@(\d{8})$/, '-$1');
}

interface ModelTable {
	readonly models: readonly ModelInfo[];
	readonly byId: ReadonlyMap<string, ModelInfo>;
	readonly problems: readonly string[];
}

function indexModels(models: readonly ModelInfo[]): Map<string, ModelInfo> {
	const byId = new Map<string, ModelInfo>();
	for (const m of models) {
		for (const id of [m.id, ...m.ids, ...m.bedrockIds]) {
			byId.set(id.toLowerCase(), m);
		}
	}
	return byId;
}

function find(byId: ReadonlyMap<string, ModelInfo>, id: string): ModelInfo | undefined {
	if (typeof id !== 'string' || id.trim() === '') {
		return undefined;
	}
	return byId.get(id.trim().toLowerCase()) ?? byId.get(normalizeModelId(id));
}

function isPrice(v: unknown): v is number {
	return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Keep the valid fields of one settings entry; report the others. */
function cleanOverride(id: string, entry: unknown, problems: string[]): ModelOverride {
	const clean: Record<string, unknown> = {};
	if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
		problems.push(`${id}: expected an object of prices`);
		return clean;
	}
	const e = entry as Record<string, unknown>;
	for (const field of NUMBER_FIELDS) {
		if (e[field] === undefined) {
			continue;
		}
		const valid = isPrice(e[field])
			&& (field !== 'batchDiscount' || (e[field] as number) <= 1)
			&& (!['contextWindow', 'maxOutput', 'minCacheablePrefix'].includes(field) || Number.isInteger(e[field]));
		if (valid) {
			clean[field] = e[field];
		} else {
			problems.push(`${id}.${field}: ${JSON.stringify(e[field])} is not a valid number`);
		}
	}
	if (e.displayName !== undefined) {
		if (typeof e.displayName === 'string' && e.displayName.trim()) {
			clean.displayName = e.displayName.trim();
		} else {
			problems.push(`${id}.displayName: expected text`);
		}
	}
	if (e.tokenizer !== undefined) {
		if (FAMILIES.includes(e.tokenizer as TokenizerFamily)) {
			clean.tokenizer = e.tokenizer;
		} else {
			problems.push(`${id}.tokenizer: expected one of ${FAMILIES.join(', ')}`);
		}
	}
	if (e.current !== undefined) {
		if (typeof e.current === 'boolean') {
			clean.current = e.current;
		} else {
			problems.push(`${id}.current: expected true or false`);
		}
	}
	return clean as ModelOverride;
}

function buildTable(overrides: ModelOverrides | undefined): ModelTable {
	if (!overrides || Object.keys(overrides).length === 0) {
		return { models: BASE_MODELS, byId: indexModels(BASE_MODELS), problems: [] };
	}
	const baseIndex = indexModels(BASE_MODELS);
	const patched = new Map<ModelInfo, ModelInfo>();
	const added: ModelInfo[] = [];
	const problems: string[] = [];
	for (const [rawId, entry] of Object.entries(overrides)) {
		const id = rawId.trim();
		if (!id) {
			problems.push('an override has an empty model id');
			continue;
		}
		const o = cleanOverride(id, entry, problems);
		const base = find(baseIndex, id);
		if (base) {
			// Several keys may name the same row (alias and dated id): apply them in order.
			const current = patched.get(base) ?? base;
			patched.set(base, { ...current, ...o, origin: 'override' });
			continue;
		}
		const missing = REQUIRED_FOR_NEW.filter((f) => o[f] === undefined);
		if (missing.length > 0) {
			problems.push(`${id}: unknown model; to add it give ${missing.join(', ')}`);
			continue;
		}
		const input = o.input!;
		// Cache rates not given follow Anthropic's documented multipliers of the user's own input price.
		added.push({
			id,
			displayName: o.displayName ?? id,
			ids: [id],
			bedrockIds: [],
			input,
			output: o.output!,
			cacheWrite5m: o.cacheWrite5m ?? input * 1.25,
			cacheWrite1h: o.cacheWrite1h ?? input * 2,
			cacheRead: o.cacheRead ?? input * 0.1,
			batchDiscount: o.batchDiscount ?? 0.5,
			contextWindow: o.contextWindow!,
			maxOutput: o.maxOutput,
			minCacheablePrefix: o.minCacheablePrefix,
			tokenizer: o.tokenizer,
			current: o.current ?? false,
			assumed: [],
			origin: 'override',
		});
	}
	const models = [...BASE_MODELS.map((m) => patched.get(m) ?? m), ...added];
	return { models, byId: indexModels(models), problems };
}

const BASE_TABLE = buildTable(undefined);
// Settings objects are replaced, not mutated, when they change: cache the merged table per object.
const tables = new WeakMap<object, ModelTable>();

function tableFor(overrides: ModelOverrides | undefined): ModelTable {
	if (!overrides || Object.keys(overrides).length === 0) {
		return BASE_TABLE;
	}
	let t = tables.get(overrides);
	if (!t) {
		t = buildTable(overrides);
		tables.set(overrides, t);
	}
	return t;
}

/** The row for a Claude API id, alias, dated id, Bedrock id/ARN or Vertex id; undefined when unknown. */
export function lookupModel(id: string, overrides?: ModelOverrides): ModelInfo | undefined {
	return find(tableFor(overrides).byId, id);
}

/** Every model of the table (with overrides), table order then added models. */
export function allModels(overrides?: ModelOverrides): readonly ModelInfo[] {
	return tableFor(overrides).models;
}

/** The lineup for "cost on every current model". */
export function currentModels(overrides?: ModelOverrides): readonly ModelInfo[] {
	return allModels(overrides).filter((m) => m.current);
}

/** Settings entries that were ignored, and why (for the log). */
export function overrideProblems(overrides?: ModelOverrides): readonly string[] {
	return tableFor(overrides).problems;
}

// ---- cost arithmetic ------------------------------------------------------------------------------------

export interface PriceOptions {
	/** Batch API: input and output at `1 − batchDiscount`. */
	readonly batch?: boolean;
	/**
	 * The request's total input tokens, which decide the long-context tier. `inputCost` defaults it to its own
	 * token count; `true`/`false` in `longContext` forces the tier either way.
	 */
	readonly requestInputTokens?: number;
	readonly longContext?: boolean;
	/** `inference_geo` of the request: "us" bills every token at the documented data-residency multiplier. */
	readonly inferenceGeo?: string;
	/** `speed: "fast"` (fast mode): priced only where a first-party page gives the model's fast-mode prices. */
	readonly speed?: string;
}

/** What one request uses, in tokens, plus per-use server tools (`{ web_search: 3 }`). */
export interface RequestUsage {
	/** Uncached input tokens. */
	readonly input?: number;
	readonly cacheWrite5m?: number;
	readonly cacheWrite1h?: number;
	readonly cacheRead?: number;
	/** Output tokens, thinking included. */
	readonly output?: number;
	readonly serverToolUses?: Readonly<Record<string, number>>;
}

export interface RequestCost {
	/** USD; NaN when some part of the request has no price (`unpriced` says which). */
	readonly totalUsd: number;
	readonly inputUsd: number;
	readonly cacheWriteUsd: number;
	readonly cacheReadUsd: number;
	readonly outputUsd: number;
	readonly serverToolUsd: number;
	/** 'long-context' when the prompt passed the model's tier threshold and every token is repriced. */
	readonly tier: 'standard' | 'long-context';
	/** The per-MTok rates billed, after the tier, fast mode and the data-residency multiplier (before Batch). */
	readonly rates: Rates;
	/** Modifiers that changed the price, in words ("Batch API −50 %", "US-only inference ×1.1"). */
	readonly applied: readonly string[];
	/** Parts of the request with no known price ("fast mode on Claude Opus 5.5"). */
	readonly unpriced: readonly string[];
	/** Addresses of the sources of every price used. */
	readonly sources: readonly string[];
}

interface ModifierTable {
	readonly batch: { readonly source: string };
	readonly dataResidency: Readonly<Record<string, { readonly multiplier: number; readonly models: readonly string[]; readonly source: string }>>;
	readonly serverTools: Readonly<Record<string, { readonly usdPerUse: number; readonly source: string; readonly asOf: string; readonly note: string }>>;
}
const MODIFIERS: ModifierTable = table.modifiers;

/** Per-use fees of server tools (web search: $10 per 1,000), with their sources. */
export const SERVER_TOOL_FEES: ModifierTable['serverTools'] = MODIFIERS.serverTools;

function validTokens(tokens: number): boolean {
	return typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0;
}

/** The rates that apply to a request of `requestInputTokens` input tokens. */
export function ratesFor(model: ModelInfo, requestInputTokens?: number, longContext?: boolean): Rates {
	const tier = model.longContext;
	if (!tier) {
		return model;
	}
	const premium = longContext ?? (requestInputTokens !== undefined && requestInputTokens > tier.threshold);
	return premium ? tier : model;
}

function scaled(r: Rates, k: number): Rates {
	return { input: r.input * k, output: r.output * k, cacheWrite5m: r.cacheWrite5m * k, cacheWrite1h: r.cacheWrite1h * k, cacheRead: r.cacheRead * k };
}

/**
 * The one price of a request, used by every surface: the request-level tier (a prompt — input, cache writes
 * and reads — over the threshold reprices every token, output included), fast mode, the data-residency
 * multiplier, Batch API, cache writes and reads, and per-use server-tool fees. A part with no known price makes
 * the total NaN ("no price"), never a borrowed figure.
 */
export function requestCost(model: ModelInfo, usage: RequestUsage, opts: PriceOptions = {}): RequestCost {
	const input = usage.input ?? 0;
	const w5 = usage.cacheWrite5m ?? 0;
	const w1 = usage.cacheWrite1h ?? 0;
	const read = usage.cacheRead ?? 0;
	const output = usage.output ?? 0;
	const applied: string[] = [];
	const unpriced: string[] = [];
	const sources = new Set<string>();
	if (model.priceSource) { sources.add(model.priceSource); }
	const prompt = opts.requestInputTokens ?? input + w5 + w1 + read;
	let rates = ratesFor(model, prompt, opts.longContext);
	const tier = rates === model ? 'standard' : 'long-context';
	if (tier === 'long-context') {
		applied.push(`prompt over ${formatTokens(model.longContext!.threshold)} tokens: every token at the long-context rates`);
	}
	if (opts.speed === 'fast') {
		if (model.fastMode) {
			rates = { ...rates, input: model.fastMode.input, output: model.fastMode.output };
			sources.add(model.fastMode.source);
			applied.push(`fast mode (${formatRate(model.fastMode.input)} / ${formatRate(model.fastMode.output)} per MTok)`);
			// The fast-mode page gives input and output only: cache tokens in fast mode have no price.
			if (w5 + w1 + read > 0) { unpriced.push(`cache tokens in fast mode on ${model.displayName}`); }
		} else {
			unpriced.push(`fast mode on ${model.displayName}`);
		}
	}
	const geo = opts.inferenceGeo;
	if (geo !== undefined && geo !== 'global') {
		const rule = MODIFIERS.dataResidency[geo];
		if (rule && rule.models.includes(model.id)) {
			rates = scaled(rates, rule.multiplier);
			sources.add(rule.source);
			applied.push(`inference_geo "${geo}" ×${rule.multiplier}`);
		} else {
			unpriced.push(rule ? `inference_geo "${geo}" on ${model.displayName} (not supported: the API returns 400)` : `inference_geo "${geo}"`);
		}
	}
	const discount = opts.batch ? model.batchDiscount : 0;
	if (opts.batch) {
		sources.add(MODIFIERS.batch.source);
		applied.push(`Batch API −${Math.round(model.batchDiscount * 100)} %`);
	}
	const usd = (tokens: number, perMTok: number) => (validTokens(tokens) ? (tokens * perMTok * (1 - discount)) / MTOK : NaN);
	const inputUsd = usd(input, rates.input);
	const cacheWriteUsd = usd(w5, rates.cacheWrite5m) + usd(w1, rates.cacheWrite1h);
	const cacheReadUsd = usd(read, rates.cacheRead);
	const outputUsd = usd(output, rates.output);
	let serverToolUsd = 0;
	for (const [tool, uses] of Object.entries(usage.serverToolUses ?? {})) {
		if (!(uses > 0)) { continue; }
		const fee = MODIFIERS.serverTools[tool];
		if (fee) {
			serverToolUsd += uses * fee.usdPerUse;
			sources.add(fee.source);
			applied.push(`${formatTokens(uses)} ${tool} use${uses === 1 ? '' : 's'} at ${formatUsd(fee.usdPerUse)}`);
		} else {
			unpriced.push(`per-use fee of ${tool}`);
		}
	}
	const sum = inputUsd + cacheWriteUsd + cacheReadUsd + outputUsd + serverToolUsd;
	return { totalUsd: unpriced.length ? NaN : sum, inputUsd, cacheWriteUsd, cacheReadUsd, outputUsd, serverToolUsd, tier, rates, applied, unpriced, sources: [...sources] };
}

/** USD for `tokens` uncached input tokens. */
export function inputCost(tokens: number, model: ModelInfo, opts: PriceOptions = {}): number {
	const c = requestCost(model, { input: tokens }, { ...opts, requestInputTokens: opts.requestInputTokens ?? tokens });
	return c.unpriced.length ? NaN : c.inputUsd;
}

/** USD for `tokens` output tokens (thinking included); the tier follows `requestInputTokens`. */
export function outputCost(tokens: number, model: ModelInfo, opts: PriceOptions = {}): number {
	const c = requestCost(model, { output: tokens }, { ...opts, requestInputTokens: opts.requestInputTokens ?? 0 });
	return c.unpriced.length ? NaN : c.outputUsd;
}

/** USD for writing `tokens` to the prompt cache with the given lifetime. */
export function cacheWriteCost(tokens: number, model: ModelInfo, ttl: CacheTtl = '5m', opts: PriceOptions = {}): number {
	const c = requestCost(model, ttl === '1h' ? { cacheWrite1h: tokens } : { cacheWrite5m: tokens }, { ...opts, requestInputTokens: opts.requestInputTokens ?? tokens });
	return c.unpriced.length ? NaN : c.cacheWriteUsd;
}

/** USD for reading `tokens` from the prompt cache. */
export function cacheReadCost(tokens: number, model: ModelInfo, opts: PriceOptions = {}): number {
	const c = requestCost(model, { cacheRead: tokens }, { ...opts, requestInputTokens: opts.requestInputTokens ?? tokens });
	return c.unpriced.length ? NaN : c.cacheReadUsd;
}

export interface WorstCase {
	readonly inputUsd: number;
	readonly outputUsd: number;
	/** Per-use server-tool fees at the request's `max_uses` (web search). */
	readonly serverToolUsd: number;
	readonly totalUsd: number;
	/** Output tokens assumed: `max_tokens`, or the thinking budget when that is larger (interleaved thinking). */
	readonly outputTokens: number;
}

/**
 * The most a call can cost: the input plus a full `max_tokens` of output (and every allowed server-tool use).
 * Thinking tokens are billed as output and normally fit inside `max_tokens`; a larger budget (allowed with
 * interleaved thinking) raises the ceiling.
 */
export function worstCaseCost(inputTokens: number, maxTokens: number, model: ModelInfo, opts: PriceOptions & { thinkingBudget?: number; serverToolUses?: Readonly<Record<string, number>> } = {}): WorstCase {
	const budget = opts.thinkingBudget !== undefined && validTokens(opts.thinkingBudget) ? opts.thinkingBudget : 0;
	const outputTokens = validTokens(maxTokens) ? Math.max(maxTokens, budget) : NaN;
	const c = requestCost(model, { input: inputTokens, output: outputTokens, serverToolUses: opts.serverToolUses }, { ...opts, requestInputTokens: inputTokens });
	const known = c.unpriced.length === 0;
	return {
		inputUsd: known ? c.inputUsd : NaN,
		outputUsd: known ? c.outputUsd : NaN,
		serverToolUsd: known ? c.serverToolUsd : NaN,
		totalUsd: c.totalUsd,
		outputTokens,
	};
}

export interface ContextFit {
	readonly window: number;
	/** Input plus `max_tokens`: what the window must hold. */
	readonly used: number;
	readonly fits: boolean;
	/** `used` as a percentage of the window. */
	readonly pct: number;
	/** Tokens over the window (0 when it fits). */
	readonly over: number;
}

/** Whether input + `max_tokens` fit the model's window (`extended`: the 1M beta where the model has one). */
export function contextFit(inputTokens: number, maxTokens: number | undefined, model: ModelInfo, opts: { extended?: boolean } = {}): ContextFit {
	const window = opts.extended && model.extendedContextWindow ? model.extendedContextWindow : model.contextWindow;
	const used = inputTokens + (maxTokens ?? 0);
	return { window, used, fits: used <= window, pct: (used / window) * 100, over: Math.max(0, used - window) };
}

/**
 * The routing settings (`routing.haikuBelow`, `routing.sonnetBelow`): below `haikuBelow` input tokens Haiku,
 * below `sonnetBelow` (and not Haiku) Sonnet, otherwise Opus.
 */
export type RoutingThresholds = Settings['routing'];

/** The routing settings' defaults (core/defaults.ts). */
export const DEFAULT_ROUTING: RoutingThresholds = DEFAULTS.routing;

/** The seed routing rule of DESIGN §1: small requests to Haiku, medium to Sonnet, large to Opus. */
export function routingHint(tokens: number, thresholds: RoutingThresholds = DEFAULT_ROUTING): Tier {
	if (tokens < thresholds.haikuBelow) {
		return 'haiku';
	}
	return tokens < thresholds.sonnetBelow ? 'sonnet' : 'opus';
}

/** The current model of a tier, to name in the routing hint. */
export function modelForTier(tier: Tier, overrides?: ModelOverrides): ModelInfo | undefined {
	return currentModels(overrides).find((m) => m.id.includes(`-${tier}-`) || m.id.endsWith(`-${tier}`));
}

export interface BudgetCheck {
	readonly overTokens: boolean;
	readonly overUsd: boolean;
	readonly over: boolean;
	/** Share of each budget used, in percent; undefined when that budget is not set. */
	readonly tokensPct?: number;
	readonly usdPct?: number;
}

/** Compare a request with the configured budgets; a budget of 0 or less, or unset, is off. */
export function budgetCheck(tokens: number, usd: number | undefined, budget: { maxTokens?: number; maxUsd?: number }): BudgetCheck {
	const tokenLimit = budget.maxTokens !== undefined && budget.maxTokens > 0 ? budget.maxTokens : undefined;
	const usdLimit = budget.maxUsd !== undefined && budget.maxUsd > 0 ? budget.maxUsd : undefined;
	const overTokens = tokenLimit !== undefined && tokens > tokenLimit;
	const overUsd = usdLimit !== undefined && usd !== undefined && usd > usdLimit;
	return {
		overTokens,
		overUsd,
		over: overTokens || overUsd,
		tokensPct: tokenLimit !== undefined ? (tokens / tokenLimit) * 100 : undefined,
		usdPct: usdLimit !== undefined && usd !== undefined ? (usd / usdLimit) * 100 : undefined,
	};
}

// ---- formatting -------------------------------------------------------------------------------------------

const DASH = '—';
// Built on first use: the first Intl.NumberFormat loads ICU's locale data (about 8 ms of loading
// the bundle, measured with node --cpu-prof), which a module load need not pay.
let grouping: Intl.NumberFormat | undefined;
let dollars: Intl.NumberFormat | undefined;

function finite(x: number): boolean {
	return typeof x === 'number' && Number.isFinite(x);
}

/** Drop trailing zeros of a fixed-point string ("0.50" → "0.5", "2.0" → "2"). */
function trimZeros(s: string): string {
	return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Drop trailing zeros beyond the second decimal ("0.0040" → "0.004", "0.100" → "0.10"). */
function trimToTwo(s: string): string {
	while (/\.\d{3,}$/.test(s) && s.endsWith('0')) {
		s = s.slice(0, -1);
	}
	return s;
}

/** "1,284" — whole tokens with thousands separators; "—" when not a number. */
export function formatTokens(n: number): string {
	return finite(n) ? (grouping ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(Math.round(n)) : DASH;
}

/**
 * "$12.40", "$0.38", "$0.0039", "$0.00007": two decimals from a dollar up; below, two significant digits so
 * that tiny request costs stay readable (one token is a few millionths of a dollar); "<$0.00000001" below that.
 */
export function formatUsd(x: number): string {
	if (!finite(x)) {
		return DASH;
	}
	const sign = x < 0 ? '-' : '';
	const a = Math.abs(x);
	if (a === 0) {
		return '$0.00';
	}
	if (a < 0.000000005) {
		return `${sign}<$0.00000001`;
	}
	if (a >= 1 || Number(a.toFixed(2)) >= 1) {
		return `${sign}$${(dollars ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(a)}`;
	}
	const decimals = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(a))));
	return `${sign}$${trimToTwo(a.toFixed(decimals))}`;
}

/**
 * A percentage given in percent: "12%", "2.5%", "0.6%", "0.025%"; "<0.001%" below that; "—" when not a number.
 * Small shares keep two significant digits so a request's share of a 1M window never reads as 0.
 */
export function formatPct(pct: number): string {
	if (!finite(pct)) {
		return DASH;
	}
	const sign = pct < 0 ? '-' : '';
	const a = Math.abs(pct);
	if (a === 0) {
		return '0%';
	}
	if (a < 0.001) {
		return `${sign}<0.001%`;
	}
	if (a >= 10) {
		return `${sign}${Math.round(a)}%`;
	}
	if (a >= 1) {
		return `${sign}${trimZeros(a.toFixed(1))}%`;
	}
	const decimals = Math.min(3, 1 - Math.floor(Math.log10(a)));
	return `${sign}${trimZeros(a.toFixed(decimals))}%`;
}

/** Context window sizes as Anthropic writes them: 200000 → "200K", 1000000 → "1M", 8192 → "8.2K". */
export function formatWindow(tokens: number): string {
	if (!finite(tokens) || tokens < 0) {
		return DASH;
	}
	if (tokens >= 1_000_000) {
		return `${trimZeros((tokens / 1_000_000).toFixed(1))}M`;
	}
	if (tokens >= 1000) {
		const k = trimZeros((tokens / 1000).toFixed(1));
		// 999,999 rounds to "1000.0K": say "1M" instead.
		return k === '1000' ? '1M' : `${k}K`;
	}
	return String(Math.round(tokens));
}

/** Per-MTok prices for rate cards: "$3", "$22.50", "$0.08", "$0.025". */
export function formatRate(perMTok: number): string {
	if (!finite(perMTok)) {
		return DASH;
	}
	return `$${Number.isInteger(perMTok) ? String(perMTok) : trimToTwo(perMTok.toFixed(3))}`;
}

/** Where a row's prices come from, for hovers: "prices as of 2026-11-23 · platform.claude.com/docs/…". */
export function priceProvenance(model: ModelInfo): string {
	if (model.origin === 'override') {
		return 'prices from your settings (claudeTokenMeter.pricing.overrides)';
	}
	const asOf = model.pricesAsOf ?? PRICING_AS_OF;
	return `prices as of ${asOf}${model.priceSource ? ` · ${model.priceSource}` : ''}`;
}

/** Price changes of a row in words: "cache read $0.20 → $0.10 since 2026-10-07". */
export function priceChangesText(model: ModelInfo): string[] {
	const label: Record<string, string> = { input: 'input', output: 'output', cacheRead: 'cache read', cacheWrite5m: 'cache write 5 m', cacheWrite1h: 'cache write 1 h' };
	return (model.priceChanges ?? []).map((c) => `${label[c.field] ?? c.field} ${formatRate(c.from)} → ${formatRate(c.to)} since ${c.effective} (${c.source})`);
}

/**
 * The minimum cacheable prefix with its source, and, when first-party sources conflict or give none, which
 * value was kept: "Minimum cacheable prefix 2,048 tokens (kept the higher value: …) · <source>".
 */
export function cacheMinimumText(model: ModelInfo): string | undefined {
	if (model.minCacheablePrefix === undefined) {
		return undefined;
	}
	const note = model.minCacheablePrefixNote ? ` (conservative: ${model.minCacheablePrefixNote})` : '';
	const source = model.minCacheablePrefixSource ? ` · ${model.minCacheablePrefixSource}` : '';
	return `Minimum cacheable prefix ${formatTokens(model.minCacheablePrefix)} tokens${note}${source}`;
}

/** What in a request body changes its price: `inference_geo` (data residency) and `speed: "fast"` (fast mode). */
export function priceOptionsOf(payload: Readonly<Record<string, unknown>> | undefined): PriceOptions {
	const geo = payload?.inference_geo;
	const speed = payload?.speed;
	return { ...(typeof geo === 'string' ? { inferenceGeo: geo } : {}), ...(typeof speed === 'string' && speed !== 'standard' ? { speed } : {}) };
}

/** The most server-tool uses a request allows, by tool: `web_search` with `max_uses` (unbounded uses are not counted). */
export function serverToolUsesOf(payload: Readonly<Record<string, unknown>> | undefined): Record<string, number> {
	const uses: Record<string, number> = {};
	const tools = Array.isArray(payload?.tools) ? payload.tools as unknown[] : [];
	for (const t of tools) {
		if (t === null || typeof t !== 'object') { continue; }
		const { type, max_uses: max } = t as { type?: unknown; max_uses?: unknown };
		const name = typeof type === 'string' ? /^(web_search)_\d{8}$/.exec(type)?.[1] : undefined;
		if (name && typeof max === 'number' && Number.isInteger(max) && max > 0) {
			uses[name] = (uses[name] ?? 0) + max;
		}
	}
	return uses;
}
