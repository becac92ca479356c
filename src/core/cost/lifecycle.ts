/**
 * Model lifecycle: what a request naming a deprecated or retired model should be told, and which current
 * model takes its place. Pure; the dates come from the pricing table's `status` and `retires`.
 */
import { currentModels, formatTokens, formatUsd, type ModelInfo, type ModelOverrides, type PriceOptions, requestCost, type Tier } from './index';

export interface LifecycleProblem {
	/** 'retired': requests fail; 'deprecated': they work until `retires`. */
	readonly kind: 'retired' | 'deprecated';
	readonly model: ModelInfo;
	/** YYYY-MM-DD, when the sources give one. */
	readonly retires?: string;
	/** Whole days until retirement (deprecated models with a date). */
	readonly daysLeft?: number;
	/** The current model of the same tier, if the lineup has one. */
	readonly successor?: ModelInfo;
	readonly message: string;
}

const TIERS: readonly Tier[] = ['haiku', 'sonnet', 'opus'];

function tierOf(model: ModelInfo): Tier | undefined {
	return TIERS.find((t) => model.id.includes(`-${t}-`) || model.id.endsWith(`-${t}`));
}

/** The current model that replaces `model`: the lineup's model of the same tier (Sonnet 4.5 → Sonnet 5.5). */
export function successorOf(model: ModelInfo, overrides?: ModelOverrides): ModelInfo | undefined {
	const tier = tierOf(model);
	if (!tier) {
		return undefined;
	}
	return currentModels(overrides).find((m) => m.id !== model.id && tierOf(m) === tier);
}

function isoDay(d: Date): string {
	return d.toISOString().slice(0, 10);
}

/**
 * A deprecated model is retired once its retirement date has passed, whatever the table's status says: the
 * table is dated, the editor is used later.
 */
export function lifecycleProblem(model: ModelInfo, today: Date = new Date(), overrides?: ModelOverrides): LifecycleProblem | undefined {
	const status = model.status;
	if (status !== 'deprecated' && status !== 'retired') {
		return undefined;
	}
	const day = isoDay(today);
	const retired = status === 'retired' || (model.retires !== undefined && model.retires <= day);
	const successor = successorOf(model, overrides);
	const instead = successor ? ` Use ${successor.displayName} (${successor.id}) instead.` : '';
	if (retired) {
		const since = model.retires ? ` since ${model.retires}` : '';
		return { kind: 'retired', model, retires: model.retires, successor, message: `${model.displayName} is retired: requests to this model fail${since}.${instead}` };
	}
	const daysLeft = model.retires ? Math.round((Date.parse(`${model.retires}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 86_400_000) : undefined;
	const when = model.retires ? ` and retires on ${model.retires}${daysLeft !== undefined ? ` (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})` : ''}` : '';
	return { kind: 'deprecated', model, retires: model.retires, daysLeft, successor, message: `${model.displayName} is deprecated${when}.${instead}` };
}

export interface SwitchEffect {
	readonly model: ModelInfo;
	readonly tokens: number;
	readonly usd: number;
	/** Change against the current request, in percent; NaN when the current figure is 0 or unknown. */
	readonly tokensPct: number;
	readonly usdPct: number;
	/** The successor counts on a different tokenizer family. */
	readonly newTokenizer: boolean;
	/** "Sonnet 5.5: 1,412 tokens (+9 %, new tokenizer), $0.0028 (−31 %)". */
	readonly text: string;
}

function signedPct(pct: number): string {
	if (!Number.isFinite(pct)) {
		return '';
	}
	const r = Math.round(pct);
	return r === 0 ? '±0 %' : `${r > 0 ? '+' : '−'}${Math.abs(r)} %`;
}

/**
 * What switching a request to `to` does to it: its input tokens counted for `to` (on `to`'s tokenizer family)
 * and its input cost through the same price path as every surface.
 */
export function switchEffect(from: ModelInfo, current: { tokens: number; usd?: number }, to: ModelInfo, toTokens: number, opts: PriceOptions = {}, approximate = false): SwitchEffect {
	const usd = requestCost(to, { input: toTokens }, opts).totalUsd;
	const tokensPct = current.tokens > 0 ? ((toTokens - current.tokens) / current.tokens) * 100 : NaN;
	const usdPct = current.usd !== undefined && current.usd > 0 ? ((usd - current.usd) / current.usd) * 100 : NaN;
	const newTokenizer = from.tokenizer !== undefined && to.tokenizer !== undefined && from.tokenizer !== to.tokenizer;
	const tokenNote = [signedPct(tokensPct), newTokenizer ? 'new tokenizer' : ''].filter(Boolean).join(', ');
	const usdNote = signedPct(usdPct);
	const name = to.displayName.replace(/^Claude /, '');
	const text = `${name}: ${approximate ? '≈' : ''}${formatTokens(toTokens)} tokens${tokenNote ? ` (${tokenNote})` : ''}, ${Number.isFinite(usd) ? formatUsd(usd) : 'no price'}${usdNote && Number.isFinite(usd) ? ` (${usdNote})` : ''}`;
	return { model: to, tokens: toTokens, usd, tokensPct, usdPct, newTokenizer, text };
}
