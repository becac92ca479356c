/**
 * Shapes of the "Estimate Request" analysis. Pure: no editor dependency, so the webview and the CLI share it.
 */
import type { MessagesBody } from '../types';
import type { CacheTtl, ModelOverrides, Tier, TokenizerFamily } from '../cost';

/** Every figure of the report comes through a CountFn (API or offline). */
export type { CountAnswer, CountFn } from '../types';

export interface RunOptions {
	/** Counts in flight at once (default 4). */
	concurrency?: number;
	signal?: AbortSignal;
}

export type SectionKind = 'system' | 'tool' | 'message' | 'image' | 'document';

export interface Section {
	readonly kind: SectionKind;
	/** "System", "Tool get_weather", "Message 3 · user", "Image 1 in message 3". */
	readonly label: string;
	/** JSON-pointer path inside the body: `/system`, `/tools/0`, `/messages/2`, `/messages/2/content/1`. */
	readonly path: string;
	/** Differential tokens: total − count(request without this section) (+ any stand-in's own cost). */
	readonly tokens: number;
	/** Share of the request's total, in percent. */
	readonly pct: number;
	/** The first words of a message's text, for the report's rows. */
	readonly preview?: string;
	/** Image / document blocks of a message: within the message's figure, not added to the sum again. */
	readonly children?: readonly Section[];
	/** What had to be done to keep the request valid without this section. */
	readonly notes?: readonly string[];
}

export interface Breakdown {
	readonly model: string;
	readonly total: number;
	/** Top-level sections in request order: system, tools, messages. */
	readonly sections: readonly Section[];
	/** The fixed frame (message framing, tool-use system prompt …): total − Σ top-level section tokens. */
	readonly overhead: number;
	readonly overheadPct: number;
	readonly approximate: boolean;
	/** Count calls made (cached answers included). */
	readonly counts: number;
}

export interface ModelCost {
	readonly model: string;
	readonly displayName: string;
	/** Whether the price table knows the model; unknown models get tokens but no price. */
	readonly known: boolean;
	readonly family?: TokenizerFamily | string;
	readonly tokens: number;
	readonly approximate: boolean;
	/** The model id the count was made with (another model of the same family when counts are shared). */
	readonly countedAs: string;
	readonly inputUsd?: number;
	readonly batchInputUsd?: number;
	/** Input plus a full `max_tokens` (or thinking budget) of output; undefined without `maxTokens`. */
	readonly worstCaseUsd?: number;
	readonly batchWorstCaseUsd?: number;
	readonly outputTokens?: number;
	readonly contextWindow?: number;
	/** Input + max_tokens within the window. */
	readonly fits?: boolean;
	readonly current?: boolean;
}

export interface CacheBreakpoint {
	/** Path of the block that carries `cache_control` (`/cache_control` for automatic caching). */
	readonly path: string;
	readonly label: string;
	readonly location: 'tools' | 'system' | 'messages' | 'automatic';
	readonly ttl: CacheTtl;
	/** Tokens of the request up to and including this block. */
	readonly prefixTokens: number;
	readonly minCacheable?: number;
	/** The prefix reaches the model's minimum cacheable length (undefined when the minimum is unknown). */
	readonly eligible?: boolean;
	/** USD of the first call: prefix written at the ttl's rate, the rest at the input rate. */
	readonly firstCallUsd?: number;
	/** USD of each later call within the ttl: prefix read, the rest at the input rate. */
	readonly laterCallUsd?: number;
	/** Calls after which caching at this breakpoint costs less than not caching (undefined: never). */
	readonly breakEvenCalls?: number;
	readonly approximate: boolean;
	readonly notes?: readonly string[];
}

export interface CacheAnalysis {
	readonly model: string;
	readonly total: number;
	readonly minCacheable?: number;
	readonly breakpoints: readonly CacheBreakpoint[];
	/** USD of one call without any caching. */
	readonly baselineUsd?: number;
	/** All eligible breakpoints as the API applies them: segments written at their ttl, deepest prefix read. */
	readonly combined?: {
		readonly cachedTokens: number;
		readonly firstCallUsd: number;
		readonly laterCallUsd: number;
		readonly breakEvenCalls?: number;
	};
	readonly warnings: readonly string[];
	readonly approximate: boolean;
}

export interface ToolCost {
	readonly name: string;
	readonly path: string;
	readonly index: number;
	readonly tokens: number;
	readonly pct: number;
	readonly notes?: readonly string[];
}

export interface ToolAudit {
	readonly model: string;
	readonly total: number;
	/** Tool definitions, most expensive first. */
	readonly tools: readonly ToolCost[];
	/** Σ tool definition tokens. */
	readonly definitionsTokens: number;
	/** The tool-use system prompt the API adds once any tool is present (for this `tool_choice`). */
	readonly systemPromptTokens: number;
	readonly toolChoice: string;
	readonly approximate: boolean;
}

export interface ContextFitReport {
	readonly model: string;
	readonly total: number;
	readonly maxTokens: number;
	readonly contextWindow?: number;
	readonly budgetTokens?: number;
	/** Why the request does not fit as it is: the window, the token budget, or both. */
	readonly over: readonly ('window' | 'budget')[];
	readonly fits: boolean;
	/** Oldest turns to drop (0 when it fits); undefined when even the last turn alone does not fit. */
	readonly dropTurns?: number;
	readonly droppedMessages?: number;
	readonly trimmedTokens?: number;
	/** The request without those turns, ready to copy (`max_tokens` is not part of a counted body). */
	readonly trimmedBody?: MessagesBody;
	/** Turns that could be dropped at most (user turns after the first). */
	readonly droppableTurns: number;
	/** Counts made while searching. */
	readonly probes: number;
	readonly approximate: boolean;
	readonly reason: string;
}

export interface RoutingAdvice {
	readonly tokens: number;
	readonly tier: Tier;
	readonly model?: { readonly id: string; readonly displayName: string };
	readonly thresholds: { readonly haiku: number; readonly sonnet: number };
	readonly reason: string;
}

export interface PricingOptions {
	/** User overrides of the price table (settings). */
	overrides?: ModelOverrides;
}

export interface Report {
	readonly model: string;
	readonly title?: string;
	readonly breakdown: Breakdown;
	readonly models: readonly ModelCost[];
	readonly cache: CacheAnalysis;
	readonly tools: ToolAudit;
	readonly contextFit: ContextFitReport;
	readonly routing: RoutingAdvice;
	readonly approximate: boolean;
	/**
	 * Parts whose value is known only at run time (a variable, a function call): not in any figure, so every
	 * figure is a lower bound ("≥") when there are any.
	 */
	readonly unresolved?: readonly { readonly path: string; readonly text: string; readonly reason: string }[];
}

/** "lower bound: 2 run-time values not counted", or undefined when everything was counted. */
export function lowerBoundNote(report: Pick<Report, 'unresolved'>): string | undefined {
	const n = report.unresolved?.length ?? 0;
	return n ? `lower bound: ${n} run-time value${n === 1 ? '' : 's'} not counted` : undefined;
}
