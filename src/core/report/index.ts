/**
 * The "Estimate Request" analysis: breakdown, cost by model, cache scenarios, tool audit, context fit and
 * routing for one request, all counted through an injected count function (API or offline). Pure: the
 * webview and the CLI render the same `Report`.
 */
import { currentModels, lookupModel, type ModelOverrides, type RoutingThresholds } from '../cost';
import type { MessagesBody } from '../types';
import { breakdown } from './breakdown';
import { cacheAnalysis } from './cache';
import { contextFit } from './contextFit';
import { costAcrossModels } from './models';
import { memoCount } from './pool';
import { DEFAULT_ROUTING, routing } from './routing';
import { toolAudit } from './tools';
import type { CountFn, Report } from './types';

export * from './types';
export { breakdown, flattenSections, measurePart, sectionTargets, targetForPath } from './breakdown';
export { breakEven, breakpointSites, cacheAnalysis, MAX_BREAKPOINTS } from './cache';
export { contextFit, dropOldestTurns, turnStarts, withoutFirstMessages, type ContextFitOptions } from './contextFit';
export { costAcrossModels, familyOf, type ModelCostOptions } from './models';
export { DEFAULT_CONCURRENCY, memoCount, runBounded } from './pool';
export { DEFAULT_ROUTING, routing, routingHint, type RoutingThresholds } from './routing';
export { toMarkdown } from './markdown';
export { toolAudit } from './tools';
export { scaledToExact, type ScaledCount } from './scaled';
export { repairMessages, withoutBlock, withoutMessage, withoutSystem, withoutTool } from './edit';

export interface EstimateOptions {
	/** `max_tokens` of the call (not part of a counted body). */
	maxTokens?: number;
	/** Models for the side-by-side costs; when omitted, `model` and then the current lineup. */
	models?: readonly string[];
	/** The request's fields that change its price (`inference_geo`, `speed`): `RequestSite.pricing`. */
	pricing?: { readonly inference_geo?: string; readonly speed?: string };
	/** The count function is the offline tokenizer (one count per family in the model table). */
	offline?: boolean;
	budgetTokens?: number;
	contextWindow?: number;
	thresholds?: RoutingThresholds;
	overrides?: ModelOverrides;
	concurrency?: number;
	signal?: AbortSignal;
	title?: string;
	/** Set when `count` already caches; otherwise the report shares one cache across its parts. */
	cached?: boolean;
}

/**
 * Runs every analysis for `model`. The parts run one after another, each with at most `concurrency` counts
 * in flight, and share a cache so the total and repeated bodies are counted once.
 */
export async function estimateRequest(body: MessagesBody, model: string, count: CountFn, options: EstimateOptions = {}): Promise<Report> {
	const c = options.cached ? count : memoCount(count);
	const run = { concurrency: options.concurrency, signal: options.signal };
	const priced = { ...run, overrides: options.overrides };
	const b = await breakdown(body, model, c, run);
	// The request's own model first, then the lineup, so the report always prices what the request names.
	const lineup = options.models ?? [model, ...currentModels(options.overrides).map((m) => m.id).filter((id) => lookupModel(id, options.overrides) !== lookupModel(model, options.overrides))];
	const models = await costAcrossModels(body, lineup, c, { ...priced, offline: options.offline, maxTokens: options.maxTokens, pricing: options.pricing });
	const cache = await cacheAnalysis(body, model, c, priced);
	const tools = await toolAudit(body, model, c, run);
	const fit = await contextFit(body, model, options.maxTokens ?? 0, c, { ...priced, budgetTokens: options.budgetTokens, contextWindow: options.contextWindow });
	const parts = { b, models, cache, tools, fit };
	const approximate = parts.b.approximate || parts.cache.approximate || parts.tools.approximate || parts.fit.approximate;
	return {
		model,
		...(options.title !== undefined ? { title: options.title } : {}),
		breakdown: parts.b,
		models: parts.models,
		cache: parts.cache,
		tools: parts.tools,
		contextFit: parts.fit,
		routing: routing(parts.b.total, options.thresholds ?? DEFAULT_ROUTING, options.overrides),
		approximate,
	};
}
