/**
 * The request's cost on several models side by side. Tokens are counted per model: tokenizer families differ,
 * so a figure is never reused across families. An offline counter gives the same figure for every model of a
 * family that shares the message frame and thinking instruction (unless tools are present: the tool-use system
 * prompt differs per model), so it is asked once per such group; an exact counter is asked once per model.
 */
import { contextFit as windowFit, currentModels, inputCost, lookupModel, type ModelInfo, priceOptionsOf, worstCaseCost } from '../cost';
import { familyForModel } from '../offline/families';
import { offlineCountGroup } from '../offline/framing';
import type { Family } from '../offline/tokenizer';
import type { MessagesBody } from '../types';
import { forModel } from './breakdown';
import { DEFAULT_CONCURRENCY, runBounded, Tally } from './pool';
import type { CountFn, ModelCost, PricingOptions, RunOptions } from './types';

export interface ModelCostOptions extends RunOptions, PricingOptions {
	/** The count function is the offline tokenizer: share one count per tokenizer family. */
	offline?: boolean;
	/** `max_tokens` of the call, for the worst case and the window check. */
	maxTokens?: number;
	/** The request's fields that change its price (`inference_geo`, `speed`): `RequestSite.pricing`. */
	pricing?: { readonly inference_geo?: string; readonly speed?: string };
}

export function familyOf(model: string, info?: ModelInfo): string {
	return info?.tokenizer ?? familyForModel(model).family;
}

function thinkingBudget(body: MessagesBody): number | undefined {
	const t = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
	return t && t.type === 'enabled' && typeof t.budget_tokens === 'number' ? t.budget_tokens : undefined;
}

/** `models` defaults to the current lineup of the price table. */
export async function costAcrossModels(body: MessagesBody, models: readonly string[] | undefined, count: CountFn, options: ModelCostOptions = {}): Promise<ModelCost[]> {
	const ids = models && models.length > 0 ? [...models] : currentModels(options.overrides).map((m) => m.id);
	const infos = ids.map((id) => lookupModel(id, options.overrides));
	const hasTools = (body.tools ?? []).length > 0;
	// One count per group: per family offline (per model when tools make the frame model-specific), else per model.
	const groupOf = (i: number) => options.offline && !hasTools ? `family:${offlineCountGroup(body, ids[i], familyOf(ids[i], infos[i]) as Family)}` : `model:${ids[i]}`;
	const groups = new Map<string, number>();
	ids.forEach((_, i) => {
		if (!groups.has(groupOf(i))) {
			groups.set(groupOf(i), i);
		}
	});
	const leaders = [...groups.values()];
	const tallies = leaders.map(() => new Tally(count, options.signal));
	const counted = await runBounded(leaders.map((i, k) => () => tallies[k].tokens(forModel(body, ids[i]), ids[i])), options.concurrency ?? DEFAULT_CONCURRENCY, options.signal);
	const byGroup = new Map(leaders.map((i, k) => [groupOf(i), { tokens: counted[k], approximate: tallies[k].approximate, countedAs: ids[i] }]));
	const budget = thinkingBudget(body);
	// The request's own modifiers (inference_geo, fast mode), priced as on every other surface.
	const priceOpts = priceOptionsOf(options.pricing);
	const known = (x: number) => (Number.isFinite(x) ? x : undefined);
	return ids.map((id, i): ModelCost => {
		const info = infos[i];
		const c = byGroup.get(groupOf(i))!;
		const base = { model: id, family: familyOf(id, info), tokens: c.tokens, approximate: c.approximate, countedAs: c.countedAs };
		if (!info) {
			return { ...base, displayName: id, known: false };
		}
		const maxTokens = options.maxTokens;
		const worst = maxTokens !== undefined ? worstCaseCost(c.tokens, maxTokens, info, { ...priceOpts, thinkingBudget: budget }) : undefined;
		const batchWorst = maxTokens !== undefined ? worstCaseCost(c.tokens, maxTokens, info, { ...priceOpts, thinkingBudget: budget, batch: true }) : undefined;
		return {
			...base,
			displayName: info.displayName,
			known: true,
			current: info.current,
			inputUsd: known(inputCost(c.tokens, info, priceOpts)),
			batchInputUsd: known(inputCost(c.tokens, info, { ...priceOpts, batch: true })),
			...(worst && batchWorst ? { worstCaseUsd: worst.totalUsd, batchWorstCaseUsd: batchWorst.totalUsd, outputTokens: worst.outputTokens } : {}),
			contextWindow: info.contextWindow,
			fits: windowFit(c.tokens, maxTokens, info).fits,
		};
	});
}
