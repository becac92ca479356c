/*
 * Framing rules: what the API renders around the text of a request, measured on the recorded requests
 * in `shared/requests/` (real bodies with the API's own counts). The text tokenizer is exact, so each
 * rule was found by subtracting the tokens of the pieces known to be rendered from the API's figure and
 * fitting what was left as a template. Unless a comment says otherwise, a rule was fitted on the v3
 * recordings of the `exact` and `reserialized_length_verified` tiers and holds on the others too.
 */
import { parseClaudeVersion } from './families';
import type { Family } from './tokenizer';

/**
 * Each message after the first costs its role header: 3 tokens (v3: every user/assistant/user exchange
 * of text, 93 of 93 exact). A final assistant message (prefill) costs nothing extra: it continues the
 * frame's own assistant header (v3: 19 of 20 user/assistant pairs exact).
 */
export const TURN_HEADER = 3;

/**
 * A tool_result block costs its text plus 6 tokens of wrapper (v3: the most common residual over
 * 821 tool_use/tool_result exchanges once tool_use blocks are rendered as below); ids are not rendered.
 */
export const TOOL_RESULT_WRAPPER = 6;

/**
 * A tool_result with `is_error: true` costs 8 tokens more than the same result without it, 7 in a request
 * that defines no tools (v3, Haiku 4.5 and Sonnet 4.5: 5 pydantic-ai recordings with tools 8 under each
 * without it, 3 of them exact with it and 2 that also hold another miss; 2 exact phoenix recordings
 * without tools 7 under). `is_error: false` costs nothing (136 exact recordings carry it). Not measured
 * outside v3: the same figure is assumed.
 */
export function toolErrorTokens(toolsDefined: boolean): number {
	return toolsDefined ? 8 : 7;
}

/**
 * A tool_reference block (a tool search's result naming a deferred tool) costs 8 tokens besides the
 * tool definition it loads (v3, pydantic-ai's tool results holding one, Sonnet 4.5, 4.6 and Haiku 4.5,
 * without other misses: 23 of 36 exact with 8 against 12 with 7; Sonnet 4.5's 8 whose reference is
 * followed by more turns are 1 over with it, the rest of its 14 exact or under: the majority and the
 * over-count are taken). Outside v3 7, the figure before (v5: 1 of 3 recordings exact with it, the
 * only one without other misses). An estimate: the spread is not explained.
 */
export function toolReferenceTokens(family: Family): number {
	return family === 'v3' ? 8 : 7;
}

/**
 * A tool_search_tool_result block (the server tool search's answer in the assistant turn) costs 13
 * tokens besides its references (v3, pydantic-ai, Sonnet 4.5 and 4.6: 8 recordings of one reference,
 * 6 exact, the 2 a text follows 1 under). An estimate.
 */
export const TOOL_SEARCH_RESULT = 13;

/**
 * A web_search_tool_result's pages reach the model decrypted; offline only their encrypted content's
 * length is known: 0.4 token a character (the median over 10 recordings with search results, 0.29–0.46;
 * counting the JSON over-counted them 2–2.5 times).
 */
export const WEB_SEARCH_TOKENS_PER_CHAR = 0.4;

/**
 * A web_fetch_tool_result is its page's document plus the tool result's wrapper and 11 tokens (its URL
 * and fetch time, presumably: 6 recordings of 2 projects, Sonnet 4 and Haiku 4.5, 9–12 over the
 * document alone; counting the JSON over-counted them 5–12 %).
 */
export const WEB_FETCH_EXTRA = 11;

/**
 * Each prompt section the API adds (the tool-use prompt, the thinking instruction, the structured-output
 * instruction, tool results in the conversation) is set off from a system prompt by one token: v3, e.g.
 * Haiku 4.5 with tools 498 against 497 over 23 recordings with a system prompt; thinking with a system
 * prompt 20 of 20 one token over.
 */
export const SYSTEM_SEPARATOR = 1;

export interface ToolPrompt {
	/** tool_choice auto or none (measured equal: Haiku 4.5 497/497, Sonnet 4 314/314, Haiku 3.5 264/263). */
	auto: number;
	/** tool_choice any. */
	any: number;
	/** tool_choice auto or none given explicitly, where it differs from leaving tool_choice out. */
	autoExplicit?: number;
	/** tool_choice tool, before the tokens of the forced tool's name. */
	tool: number;
	label: string;
	/** True when the figures come from recordings of the model, false when from the docs' table. */
	measured: boolean;
}

/**
 * Tool-use system prompt by model generation: the recordings' residual after the rendered tool
 * definitions (mode over each generation; the docs' 2026-09 table where no recording exists, its
 * tool figure assumed 2 above any as measured on every recorded generation).
 */
const TOOL_PROMPTS: Array<{ test: (major: number, minor: number, id: string) => boolean; prompt: ToolPrompt }> = [
	// Haiku 3 and Haiku 3.5: 265 auto, none or left out, 356 any (one user message with tools: 50 of 50 and
	// 6 of 6 exact once definitions are rendered with sorted keys; docs: 264/340), 358 tool (21 of 23).
	{ test: (M, m, id) => M === 3 && /haiku/.test(id), prompt: { auto: 265, any: 356, tool: 358, label: 'Haiku 3 / 3.5', measured: true } },
	// Opus 3: 9 auto, 2 any, 3 tool recordings.
	{ test: (M, m, id) => M === 3 && m === 0 && /opus|sonnet/.test(id), prompt: { auto: 534, any: 297, tool: 299, label: 'Claude 3 Opus', measured: true } },
	// Sonnet 3.5 (June 2024): 6 tool recordings; auto 295 (7 exact auto recordings, 4 exact with it, the rest
	// 1–3 over where a schema ends in an array); any assumed as the later 3.5 Sonnet.
	{ test: (M, m, id) => M === 3 && m === 5 && /20240620/.test(id), prompt: { auto: 295, any: 277, tool: 279, label: 'Sonnet 3.5 (June 2024)', measured: true } },
	// Sonnet 3.5 (Oct 2024) and 3.7: 44 auto, 6 any, 13 tool recordings.
	{ test: (M) => M === 3, prompt: { auto: 314, any: 315, tool: 317, label: 'Sonnet 3.5 / 3.7', measured: true } },
	// Opus 4, Opus 4.1, Sonnet 4: 101 auto, 21 any, 23 tool recordings.
	{ test: (M, m) => M === 4 && m <= 1, prompt: { auto: 314, any: 316, tool: 318, label: 'Claude 4 / 4.1', measured: true } },
	// Opus 4.6, Sonnet 4.6: one more than 4.5 (16 of 16 exact recordings without thinking, or with it
	// disabled, 1 under at 4.5's; see thinkingWithTools for thinking on).
	{ test: (M, m) => M === 4 && m === 6, prompt: { auto: 498, any: 590, tool: 592, label: 'Claude 4.6', measured: true } },
	// Haiku 4.5, Sonnet 4.5, Opus 4.5: 595 auto, 90 any, 125 tool recordings (docs: 497/589).
	{ test: (M, m) => M === 4 && m <= 5, prompt: { auto: 497, any: 589, tool: 591, label: 'Claude 4.5', measured: true } },
	{ test: (M, m) => M === 4 && m === 7, prompt: { auto: 675, any: 804, tool: 806, label: 'Opus 4.7', measured: false } },
	// Opus 4.8 in the v5 frame: auto 290 and any 410 as the docs say (1 and 2 exact recordings, with
	// v5ToolPromptEnd).
	{ test: (M, m) => M === 4 && m >= 8, prompt: { auto: 290, any: 410, tool: 412, label: 'Opus 4.8', measured: true } },
	// Sonnet 5: 14 auto recordings give 354 (docs: 354/474).
	{ test: (M, m, id) => M === 5 && /sonnet/.test(id), prompt: { auto: 354, any: 474, tool: 476, label: 'Sonnet 5', measured: true } },
	{ test: (M) => M === 5, prompt: { auto: 286, any: 406, tool: 408, label: 'Opus 5', measured: false } },
];

/** The newest generation of each family stands in for a model the table does not know. */
const promptLabelled = (label: string): ToolPrompt => TOOL_PROMPTS.find((t) => t.prompt.label === label)!.prompt;
const FALLBACK: Record<Family, ToolPrompt> = {
	'v3': promptLabelled('Claude 4.6'),
	'v4.7': promptLabelled('Opus 4.7'),
	'v5': promptLabelled('Opus 5'),
};

export function toolPromptFor(model: string, family: Family): ToolPrompt & { known: boolean } {
	const id = model.toLowerCase();
	const v = parseClaudeVersion(id);
	if (v) {
		for (const t of TOOL_PROMPTS) {
			if (t.test(v[0], v[1], id)) {
				return { ...t.prompt, known: true };
			}
		}
	}
	return { ...FALLBACK[family], known: false };
}

/**
 * JSON as the tool-use prompt writes it: Python's `json.dumps` defaults (", " and ": " separators,
 * keys in the order given, characters outside ASCII escaped as `\uXXXX`). The compact form misfits 70 %
 * of the v3 tool recordings, this one 32 %. The escapes: pydantic-ai's tool search description holds an
 * em dash its recorder folds to "--" (v3, 33 recordings of Sonnet 4.5 and Haiku 4.5 4 under, exactly
 * what `\u2014` costs over "--" or the raw dash); no recording keeps a non-ASCII character in a tool.
 */
export function promptJson(v: unknown, sortKeys = false): string {
	if (v === null || v === undefined) {
		return 'null';
	}
	if (Array.isArray(v)) {
		return `[${v.map((x) => promptJson(x, sortKeys)).join(', ')}]`;
	}
	if (typeof v === 'object') {
		const entries = Object.entries(v as Record<string, unknown>);
		if (sortKeys) {
			entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		}
		return `{${entries.map(([k, x]) => `${asciiJson(k)}: ${promptJson(x, sortKeys)}`).join(', ')}}`;
	}
	return typeof v === 'string' ? asciiJson(v) : (JSON.stringify(v) ?? 'null');
}

/** A JSON string with every UTF-16 unit outside ASCII escaped, as Python's `ensure_ascii` writes it. */
function asciiJson(s: string): string {
	return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A custom tool definition as rendered into the tool-use prompt: `<function>{"description": …,
 * "name": …, "parameters": <input_schema>}</function>`, one a line; an empty description is left out
 * (v3: 2 recordings with `"description": ""` sit 4 tokens under the others otherwise).
 * On v3 every object's keys are sorted, the schema's included (Python's `sort_keys`): one user message
 * and tools, 228 → 274 of 300 exact with the Haiku 3 figures below (Haiku 4.5 32 → 45 of 45, Sonnet 4
 * 34 → 37 of 37); the misses were ±1–2 where a schema's keys were not in alphabetical order (the docs'
 * example, `type` before `properties`: 404 against 403). v5 keeps the order given (Sonnet 5: an exact
 * recording with unsorted schema keys is 2 over with them sorted).
 */
export function renderToolDefinitions(tools: ReadonlyArray<Record<string, unknown>>, sortKeys = false): string {
	return tools
		.map((t) => {
			const def: Record<string, unknown> = {};
			if (typeof t.description === 'string' && t.description !== '') {
				def.description = t.description;
			}
			if (Array.isArray(t.input_examples) && t.input_examples.length > 0) {
				def.input_examples = t.input_examples;
			}
			def.name = t.name;
			def.parameters = t.input_schema ?? {};
			return `<function>${promptJson(def, sortKeys)}</function>`;
		})
		.join('\n');
}

/**
 * Tool definitions with `input_examples` carry them in their JSON (see renderToolDefinitions) and add an
 * instruction once, 69 tokens (v3, Opus 4.6: 2 pydantic-ai recordings of one tool with one example, 82
 * under without either; the instruction is what remains once the example's JSON is counted). An
 * estimate: how it grows with more examples is not recorded, nor other families.
 */
export const TOOL_EXAMPLES_PROMPT = 69;

/**
 * The custom tools rendered into the prompt: those with `defer_loading: true` stay out until a
 * `tool_reference` in the conversation (a tool search's result) loads them (v3: 4 recordings of Sonnet
 * 4.5 with 3 deferred tools sat 79 over with them rendered; 16 that load one sit 6–10 under with its
 * definition counted, 72–95 without).
 */
export function renderedTools(tools: ReadonlyArray<Record<string, unknown>>, messages: readonly unknown[], family: Family): Array<Record<string, unknown>> {
	// v3: the 35 recordings with deferred tools and no tool search tool, 3 more exact with them left out.
	// The v5 frame leaves them out too and adds a section of its own (see deferredToolsTokens).
	if (!tools.some((t) => t.defer_loading === true)) {
		return [...tools];
	}
	const loaded = referencedTools(messages, family);
	return tools.filter((t) => t.defer_loading !== true || loaded.has(String(t.name)));
}

/**
 * The tool names `tool_reference` blocks name anywhere in the messages; outside v3 only those in tool
 * results (Opus 4.8: 2 recordings whose server search results name the tool sit 89 over with it loaded,
 * 11 under without).
 */
function referencedTools(messages: readonly unknown[], family: Family): Set<string> {
	const names = new Set<string>();
	const visit = (v: unknown, depth: number): void => {
		if (depth > 6 || !v || typeof v !== 'object') {
			return;
		}
		if (Array.isArray(v)) {
			v.forEach((x) => visit(x, depth + 1));
			return;
		}
		const r = v as Record<string, unknown>;
		if (r.type === 'tool_reference' && typeof r.tool_name === 'string') {
			names.add(r.tool_name);
		}
		for (const k of family === 'v3' ? ['content', 'tool_references'] : ['content']) {
			visit(r[k], depth + 1);
		}
	};
	visit(messages, 0);
	return names;
}

const NS = 'antml:';

/**
 * A tool_use block as rendered in the assistant turn: a function_calls block with one parameter
 * element per input key, strings bare and other values as JSON. Measured: with this template the
 * residual per exchange no longer grows with the number of input keys (it did by ~6 a key with plain
 * JSON input or unprefixed tags).
 */
export function renderToolUse(name: unknown, input: unknown): string {
	const params = input && typeof input === 'object' && !Array.isArray(input) ? Object.entries(input as Record<string, unknown>) : [];
	// Other values as the prompt's JSON (nested objects under compact JSON sat 7–9 tokens under the API).
	const value = (v: unknown) => (typeof v === 'string' ? v : promptJson(v));
	return (
		`<${NS}function_calls>\n<${NS}invoke name="${String(name ?? '')}">\n` +
		params.map(([k, v]) => `<${NS}parameter name="${k}">${value(v)}</${NS}parameter>\n`).join('') +
		`</${NS}invoke>\n</${NS}function_calls>`
	);
}

/**
 * Extended thinking switched on adds an instruction to the prompt, whatever the budget: 28 tokens on
 * Claude 3.7, 4 and 4.1, 29 on Claude 4.5 and 4.6 (v3, one user message, budgets 1,024–10,000: the
 * same bodies recorded on Opus 4.1 and Opus 4.5 differ by exactly this token). `adaptive` costs 1
 * (Sonnet 4.6, Opus 4.6, Opus 4.8, Claude 5 against the same bodies with `disabled`); `disabled` nothing.
 * The ±1 misses are the API's count moving over time, not anything in the body: by the dates in the
 * recordings' cassettes the instruction grew by one token on every model between 2025-10-29 and
 * 2025-11-15. Claude 3.7–4.1: every recording dated up to 2025-10-29 gives 28, the 9 dated
 * January–February 2026 give 29; Claude 4.5: 28 on the 21 dated October 2025 (the same body and
 * headers re-recorded in January 2026: 29), 29 from 2025-11-15 on. The majority of each model's
 * recordings is kept (28 on 3.7–4.1: 29 there would leave 58 fewer system/turns recordings exact and lower the tools
 * kind from 87.5 to 84.8 % exact), so on Claude 3.7–4.1 this can sit one under today's API.
 */
export function thinkingPromptTokens(thinking: unknown, model: string): number {
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	if (type === 'adaptive') {
		// In the v5 frame the one token is the system prompt's newline (see V5_SYSTEM_NEWLINE): every
		// recorded adaptive request there has a system prompt, and counts as the same body without both.
		// Opus 4.7 (v4.7 frame) adds nothing either: 1 recording, one message without a system prompt.
		const a = parseClaudeVersion(model);
		return inV5Frame(model) || (!!a && a[0] === 4 && a[1] === 7) ? 0 : 1;
	}
	if (type !== 'enabled') {
		return 0;
	}
	const v = parseClaudeVersion(model);
	return v && v[0] === 4 && v[1] >= 5 ? 29 : 28;
}

/**
 * Adaptive thinking on Claude 4.6 with neither a system prompt nor tools costs 16 tokens more than its
 * one (Opus 4.6: 2 recordings of one user message, one exact, both 16 under without it; the 10 adaptive
 * recordings of Claude 4.6 with a system prompt and no tools, and the 3 with tools and none, are exact
 * without it). Sonnet 4.6 has no
 * such recording: taken as Opus 4.6, as every other 4.6 rule holds for both; structured output is
 * assumed not to stand in for a system prompt here (unrecorded; the higher figure is kept).
 */
export const ADAPTIVE_WITHOUT_SYSTEM = 16;

export function adaptiveWithoutSystemTokens(model: string, family: Family, thinking: unknown, hasSystem: boolean, tools: boolean): number {
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	return type === 'adaptive' && family === 'v3' && is46(model) && !hasSystem && !tools ? ADAPTIVE_WITHOUT_SYSTEM : 0;
}

/**
 * A thinking block in the current assistant turn costs its text plus 8 tokens on Claude 3.7–4.1 and 7
 * on Claude 4.5 and later (v3 with tools, a call after its thinking: Sonnet 4 and Opus 4.1 20 of 20
 * exact with 8; Haiku, Sonnet and Opus 4.5, Opus and Sonnet 4.6 10 of 11 one over with 8, exact with 7;
 * the same requests without a thinking block are exact, so the token is the block's). v5: one
 * recording of an empty block, exact with 8 (kept).
 */
export function thinkingBlockFrame(model: string, thinking?: unknown): number {
	const v = parseClaudeVersion(model);
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	// With adaptive thinking on Claude 4.6 the block costs what an earlier turn's kept block does
	// (EARLIER_THINKING_FRAME): Sonnet 4.6, a call after its thinking, 2 exact recordings 7 under at 7,
	// a third of another project 9 under (its request without the turn: 1 under).
	if (type === 'adaptive' && is46(model)) {
		return EARLIER_THINKING_FRAME;
	}
	return v && v[0] === 4 && v[1] >= 5 && !inV5Frame(model) && v[1] <= 6 ? 7 : 8;
}

/**
 * Thinking blocks of earlier assistant turns stay in the model's context on Opus 4.5 and later and on
 * Sonnet 4.6 and later; Haiku through 4.5, Sonnet through 4.5 and Opus through 4.1 keep only the current
 * turn's (Anthropic's extended-thinking docs). Measured: Opus 4.5, 1 exact recording of a thinking block
 * in an earlier turn, 40 under without it; Haiku 4.5 (23) and Sonnet 4.5 (4) multi-turn recordings stay
 * exact without it. A later Haiku is assumed to keep them (the higher figure).
 */
export function keepsEarlierThinking(model: string): boolean {
	const v = parseClaudeVersion(model);
	if (!v) {
		return false;
	}
	const id = model.toLowerCase();
	const at = (M: number, m: number) => v[0] > M || (v[0] === M && v[1] >= m);
	return /opus/.test(id) ? at(4, 5) : /sonnet/.test(id) ? at(4, 6) : at(5, 0);
}

/**
 * An earlier turn's thinking block, where it is kept, costs its text plus 14 tokens (the Opus 4.5
 * recording above: 26 of text, 40 in all; the current turn's frame is 7). An estimate from one
 * recording. A block whose text is empty (display omitted) is read by the model from its signature,
 * whose size offline says nothing about: counted as nothing.
 */
export const EARLIER_THINKING_FRAME = 14;

/**
 * Compaction (context_management edit `compact_…`): a `compaction` block in an assistant message stands
 * for everything before it, which the API drops (Anthropic's compaction docs). The block costs its
 * summary plus 86 tokens, on top of the 12 of a conversation that now opens with the assistant (Sonnet
 * 4.6: 2 recordings of one project, summaries of 25 and 499 characters, both 86 under with the summary
 * counted as a text block; reserialized, unverified: an estimate).
 */
export const COMPACTION_FRAME = 86;

/**
 * A request whose input reaches the compaction trigger is compacted first: the count is the whole
 * input plus the compaction instruction, 169 tokens (Sonnet 4.6: 2 recordings of one 55,000-token
 * message over a 50,000 trigger, both 169 under; an estimate). The default trigger is 150,000 input
 * tokens (Anthropic's compaction docs).
 */
export const COMPACTION_PROMPT = 169;
export const DEFAULT_COMPACTION_TRIGGER = 150_000;

/** The input-token trigger of the request's compaction edit, or undefined when it asks for none. */
export function compactionTrigger(body: Record<string, unknown>): number | undefined {
	const cm = body.context_management && typeof body.context_management === 'object' ? (body.context_management as Record<string, unknown>) : undefined;
	const edits = Array.isArray(cm?.edits) ? cm.edits : [];
	for (const e of edits) {
		const edit = e && typeof e === 'object' ? (e as Record<string, unknown>) : undefined;
		if (typeof edit?.type === 'string' && edit.type.startsWith('compact_')) {
			const trigger = edit.trigger && typeof edit.trigger === 'object' ? (edit.trigger as Record<string, unknown>) : undefined;
			return trigger?.type === 'input_tokens' && typeof trigger.value === 'number' && trigger.value > 0 ? trigger.value : DEFAULT_COMPACTION_TRIGGER;
		}
	}
	return undefined;
}

/** The messages the API reads: from the last compaction block on (the blocks before it are dropped). */
export function afterCompaction(messages: readonly unknown[]): unknown[] {
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = messages[i] && typeof messages[i] === 'object' ? (messages[i] as Record<string, unknown>) : undefined;
		const content = m?.content;
		if (!Array.isArray(content)) {
			continue;
		}
		for (let j = content.length - 1; j >= 0; j--) {
			const blk = content[j];
			if (blk && typeof blk === 'object' && (blk as Record<string, unknown>).type === 'compaction') {
				return [{ ...m, content: content.slice(j) }, ...messages.slice(i + 1)];
			}
		}
	}
	return [...messages];
}

/**
 * Structured output (`output_config.format` or the older `output_format`, type json_schema): the schema
 * is written into the prompt as JSON indented by 2 spaces, after an instruction of 81 tokens on v3 (31
 * of 35 recordings without tools; the compact and the ", " forms leave a residual that grows with the
 * schema), 116 on v4.7 and 120 in the v5 frame; with tools one separator token more (v3: 22 of 28).
 * See structuredOutputPromptFor for Claude 4.6 and thinking.
 */
export const STRUCTURED_OUTPUT_PROMPT: Record<Family, number> = { 'v3': 81, 'v4.7': 116, 'v5': 120 };

function is46(model: string): boolean {
	const v = parseClaudeVersion(model);
	return !!v && v[0] === 4 && v[1] === 6;
}

/**
 * The structured-output instruction's tokens on this model, thinking included (v3 exact recordings of
 * one schema on 7 models, with thinking disabled, enabled and adaptive, and 8 of other schemas):
 * - Claude 4.6 takes one token more, as its tool-use prompt does (4 of 4 exact recordings without
 *   thinking or with it disabled, Opus and Sonnet 4.6, all 1 under at 81).
 * - Extended thinking (enabled) is set off from it by one token unless a system prompt already paid the
 *   separator, as with tools; on Claude 4.6 the extra token stands in for it (no system prompt: Sonnet
 *   4.5 and Opus 4.5 3 of 3 one under without it, Opus and Sonnet 4.6 2 of 2 exact at 82 alone).
 * - Adaptive thinking costs one token less with it on Claude 4.6 and in the v5 frame (Sonnet 4.6, Opus
 *   4.8, Opus 5, Sonnet 5: 4 of 4 exact, all with a system prompt; Sonnet 5 with thinking disabled and
 *   no system prompt is exact at 120). Whether the token is adaptive thinking's or the system prompt's
 *   is not decidable from these bodies: it is taken as thinking's, so a system prompt alone keeps the
 *   higher figure (a budget must not under-count).
 * Without tools only: with tools defined, thinkingWithTools sets thinking off instead (not recorded together).
 */
export function structuredOutputPromptFor(model: string, frame: Family, thinking: unknown, hasSystem: boolean, tools: boolean): number {
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	const on46 = frame === 'v3' && is46(model);
	let n = STRUCTURED_OUTPUT_PROMPT[frame] + (on46 ? 1 : 0);
	if (!tools && type === 'enabled' && frame === 'v3' && !hasSystem && !on46) {
		n += SYSTEM_SEPARATOR;
	}
	if (!tools && type === 'adaptive' && (on46 || frame === 'v5')) {
		n -= 1;
	}
	return n;
}

export function structuredOutputSchema(body: Record<string, unknown>): unknown {
	const oc = body.output_config && typeof body.output_config === 'object' ? (body.output_config as Record<string, unknown>).format : undefined;
	const format = (oc ?? body.output_format) as Record<string, unknown> | undefined;
	return format && typeof format === 'object' && format.type === 'json_schema' && format.schema !== undefined ? format.schema : undefined;
}

export function renderStructuredOutput(schema: unknown): string {
	return JSON.stringify(schema, null, 2) ?? '';
}

/**
 * output_config.task_budget writes the budget into the prompt: 34 tokens of instruction and the figure
 * it counts down from, `remaining` or else `total` (Opus 4.7, 2 reserialized recordings: remaining 500
 * of 20,000 gives 35, 20,000 alone 36: the one token between them is the figure's). An estimate.
 */
export const TASK_BUDGET_PROMPT = 34;

/** The figure a task budget counts down from, as written into the prompt; undefined without one. */
export function taskBudgetFigure(body: Record<string, unknown>): string | undefined {
	const oc = body.output_config && typeof body.output_config === 'object' ? (body.output_config as Record<string, unknown>) : undefined;
	const tb = oc?.task_budget && typeof oc.task_budget === 'object' ? (oc.task_budget as Record<string, unknown>) : undefined;
	const figure = typeof tb?.remaining === 'number' ? tb.remaining : tb?.total;
	return typeof figure === 'number' && Number.isFinite(figure) ? String(figure) : undefined;
}

/**
 * A tool result's text sits between the wrapper's `>` and `</` with nothing in between, so characters
 * at its edges merge with the wrapper's tokens (`>{`, `.</`, `}</`, …): on v3 its tokens are counted in
 * that place. Measured: exact recordings of results opening with `{` or ending with `.`, `)`, `}` or `!`
 * (Haiku 3.5: 15 → 33 of 61 changed exact, a result like `{:posts=>…}` 2 over each before; Sonnet 4.5:
 * 4 → 25 of 53; one project's 52 Haiku 4.5 results ending with "." stay exact without the −1 a result
 * turn once fitted for them); v3 tools 1,265 → 1,309 of 1,575 exact together with the rules it replaces
 * (see toolResultTurnTokens and joinsResultTurn), both halves of the recordings alike (+25, +19).
 */
export function toolResultInner(content: string, count: (s: string) => number): number {
	if (content === '') {
		return 0;
	}
	return count(`>${content}</`) - count('>') - count('</');
}

/** True when a message's content is nothing but tool_result blocks. */
export function onlyToolResults(content: unknown): boolean {
	return Array.isArray(content) && content.length > 0 && content.every((c) => !!c && typeof c === 'object' && (c as Record<string, unknown>).type === 'tool_result');
}

/**
 * What message `i` costs before its content: TURN_HEADER, or nothing for a final assistant message
 * (prefill). A message of the same role as the one before joins it instead, for one token (v3: two user
 * texts in a row 2 recordings, a user text after tool results 3 recordings, all 2 under with the header;
 * Sonnet 5 and Opus 4.8: 4 of 4 with user/user or system/system neighbours). Tool results after tool
 * results take no join token: they keep the header (v3: see joinsResultTurn; elsewhere not recorded).
 * In the v5 frame a change of role costs 2 (Sonnet 5 and Opus 4.8: 9 recordings with user, assistant
 * and mid-conversation system messages, all exact with 2 and 1 against 1–3 over each with 3 and 3).
 */
export function turnHeaderTokens(messages: readonly unknown[], i: number, model = ''): number {
	if (i === 0) {
		return 0;
	}
	if (i === messages.length - 1 && roleOf(messages[i]) === 'assistant') {
		return 0;
	}
	if (joinsPrevious(messages, i, model)) {
		return SAME_ROLE_JOIN;
	}
	return inV5Frame(model) ? V5_TURN_HEADER : TURN_HEADER;
}

function roleOf(m: unknown): unknown {
	return m && typeof m === 'object' ? (m as Record<string, unknown>).role : undefined;
}

function contentOf(m: unknown): unknown {
	return m && typeof m === 'object' ? (m as Record<string, unknown>).content : undefined;
}

/**
 * True when message `i` joins the one before it: same role, and not tool results after tool results;
 * after tool results only on Claude 4 and later (see textJoinsResults).
 */
export function joinsPrevious(messages: readonly unknown[], i: number, model: string): boolean {
	const prev = messages[i - 1];
	const cur = messages[i];
	if (i === 0 || roleOf(prev) === undefined || roleOf(prev) !== roleOf(cur)) {
		return false;
	}
	if (endsWithToolResult(prev)) {
		return !onlyToolResults(contentOf(cur)) && textJoinsResults(model);
	}
	return true;
}

/**
 * On Claude 4 and later, and on Haiku 3 / 3.5, a user message right after a message of tool results
 * joins it, so its text opens a user turn as a text after the results in the same message does
 * (TEXT_AFTER_RESULTS; v3: Sonnet 4.5, 3 recordings, 1 exact, all 3 under with the header alone).
 * Claude 3.5 Haiku: 14 exact recordings of one project, 2 under each with the header, exact with the
 * join once tool results are counted in their wrapper (toolResultInner) and the results' turn is not
 * counted as followed by the text that joins it (toolResultTurnTokens). Sonnet 3.x: not recorded.
 */
export function textJoinsResults(model: string): boolean {
	const v = parseClaudeVersion(model);
	return !!v && (v[0] >= 4 || (v[0] === 3 && /haiku/.test(model.toLowerCase())));
}

/** True when a message's content ends with a tool_result block. */
export function endsWithToolResult(message: unknown): boolean {
	const c = contentOf(message);
	const lastBlock = Array.isArray(c) ? c[c.length - 1] : undefined;
	return !!lastBlock && typeof lastBlock === 'object' && (lastBlock as Record<string, unknown>).type === 'tool_result';
}

/** A message joining one of the same role before it (see turnHeaderTokens). */
export const SAME_ROLE_JOIN = 1;

/** A change of role in the v5 frame (see turnHeaderTokens). */
export const V5_TURN_HEADER = 2;

/**
 * A conversation that opens with an assistant message costs 12 tokens more (v3: 2 recordings, Haiku
 * 4.5 and Sonnet 3.5, with and without a system prompt, both 12 under without it; presumably the empty
 * user turn the API puts before it). Not measured on v4.7 or v5.
 */
export const LEADING_ASSISTANT = 12;

/**
 * Each tool_use after the first in one assistant message (parallel calls) costs 12 tokens more than its
 * own rendering outside v3 (not measured there: v3's figure before the rule below). On v3 the calls'
 * cost is shared with the turn of results that answers them (see resultGroupTokens): 2 a further call.
 */
export const PARALLEL_CALL = 12;
export const PARALLEL_CALL_V3 = 2;

/**
 * v3: a result turn holding two or more tool results (in one user message, or in result messages that
 * follow each other: the API merges them, the same bodies recorded both ways give the same count) costs
 * 20 tokens and the names of its first two results' calls besides each result, and a result message
 * merged into the turn before it pays no turn header. Measured with PARALLEL_CALL_V3 on the v3 recordings
 * of parallel calls: two calls (7 projects, Claude 3.5 Haiku to Sonnet 4.5, names of 1 to 7 tokens)
 * were 0–10 under with a constant 12, by the two names' tokens less 2, and are exact; three calls
 * (ruby-llm, Claude 3.5 Haiku and Haiku 4.5, 22 recordings, one message or three) exact; four calls
 * (pydantic-ai, 3.5 Haiku, 4 recordings) 1 over as before. Which names count past the second is not
 * measured (the three- and four-call recordings repeat one name).
 */
export const RESULT_GROUP = 20;

export function resultGroupTokens(callNames: readonly string[], count: (s: string) => number): number {
	if (callNames.length < 2) {
		return 0;
	}
	return RESULT_GROUP + count(callNames[0]) + count(callNames[1]);
}

/**
 * On Claude 4 and later, outside v3, each tool_result after the first in one user message costs 12
 * tokens more, as the parallel call did (v3's figure before resultGroupTokens: Sonnet 4 13 of 14 exact).
 */
export function parallelResultTokens(model: string): number {
	const v = parseClaudeVersion(model);
	return v && v[0] >= 4 ? 12 : 0;
}

/**
 * tool_use / tool_result blocks in a request that defines no tools cost one token more on Claude 4 and
 * later (v3: 22 of 22 such recordings on Opus 4, 4.1, Sonnet 4, 4.5 and Haiku 4.5; Claude 3.x: 13 of 14
 * exact without it).
 */
export function toolBlocksWithoutTools(model: string): number {
	const v = parseClaudeVersion(model);
	return v && v[0] >= 4 ? 1 : 0;
}

/**
 * What the user turns holding tool results cost beyond their blocks, on v3 with tools defined (v3 exact
 * and length-verified tiers, definitions rendered with sorted keys):
 * - Claude 4 and later, tool_choice auto / none / left out: one token per such turn, with or without a
 *   system prompt (without one: 167 of 218 recordings exact, 17 without the rule, most 1 under per
 *   turn; with one: 88 of 121 against 80). A forced tool_choice (any, tool) adds only the separator
 *   after a system prompt (Sonnet 4 and 4.5: 106 of 108 exact; Haiku 4.5's 52 recordings of one project,
 *   once fitted with one token less a turn, fit it with their results counted as in toolResultInner).
 * - Claude 3.x: no separator after a system prompt, one token on Haiku 3 / 3.5 for a result turn another
 *   message follows (Haiku: 216 of 259 exact without a system prompt against 110, 60 of 82 with one
 *   against 37; Sonnet 3.5 / 3.7 with a system prompt 4 of 4 against 0).
 * Elsewhere (v4.7, v5, or no tools defined: unchanged) one separator after a system prompt.
 */
export function toolResultTurnTokens(
	model: string,
	family: Family,
	o: { hasSystem: boolean; forced: boolean; tools: boolean; resultTurns: readonly boolean[] },
): number {
	if (o.resultTurns.length === 0) {
		return 0;
	}
	const v = parseClaudeVersion(model);
	if (family !== 'v3' || !v || !o.tools) {
		return o.hasSystem ? SYSTEM_SEPARATOR : 0;
	}
	if (v[0] >= 4) {
		if (o.forced) {
			// Haiku 4.5 alone: one token less per result turn (52 of 52 recordings of one project, any and tool).
			return o.hasSystem ? SYSTEM_SEPARATOR : 0;
		}
		return o.resultTurns.length;
	}
	if (o.forced && forcedToolSeparator(model)) {
		return o.resultTurns.length;
	}
	return /haiku/.test(model.toLowerCase()) ? o.resultTurns.filter((followed) => followed).length : 0;
}

/**
 * Claude 3 Haiku with a forced tool_choice sets the forced tool off by one token from what follows: a
 * system prompt (2 exact langsmith recordings, tool_choice tool, 1 under each without it) or each turn
 * of tool results, followed or not (4 exact magentic recordings, 1 under each). Claude 3.5 Haiku and the
 * Claude 4 models take no such token (see toolResultTurnTokens).
 */
export function forcedToolSeparator(model: string): boolean {
	const v = parseClaudeVersion(model);
	return !!v && v[0] === 3 && v[1] === 0 && /haiku/.test(model.toLowerCase());
}

/**
 * A user message of tool results right after a user message of tool results joins its turn: one result
 * turn for the rules above and one group for resultGroupTokens; on v3 a message of nothing but results
 * so merged pays no turn header (see mergesIntoResultTurn).
 */
export function joinsResultTurn(messages: readonly unknown[], i: number): boolean {
	const holdsResults = (m: unknown) => {
		const r = m && typeof m === 'object' ? (m as Record<string, unknown>) : undefined;
		return r?.role === 'user' && Array.isArray(r.content) && r.content.some((c) => !!c && typeof c === 'object' && (c as Record<string, unknown>).type === 'tool_result');
	};
	return i > 0 && holdsResults(messages[i]) && holdsResults(messages[i - 1]);
}

/**
 * v3: true when message `i` holds nothing but tool results and merges into the result turn before it,
 * so it pays no turn header (resultGroupTokens: 22 recordings of three calls answered in three messages
 * count as the same results in one; 9 of two calls so answered were 15 under with the header).
 */
export function mergesIntoResultTurn(messages: readonly unknown[], i: number): boolean {
	return joinsResultTurn(messages, i) && onlyToolResults(contentOf(messages[i]));
}

/**
 * What thinking adds with tools defined, beyond its instruction (v3 only): enabled, one separator from
 * the tool-use prompt unless a system prompt already paid it (no system prompt: 46 of 97 recordings
 * exact with it, 14 without, the 46 then 1 under; with one, 16 of 18 exact). On Claude 4.6 the tool-use
 * prompt's extra token stands in for it, and adaptive thinking costs one less (genai and pydantic-ai:
 * enabled 3 of 3, adaptive 6 of 6 exact). 30 other recordings, one project's requests without
 * tool_choice, sit 148–149 under whatever the rule: their count includes something the body does not
 * show (a beta header, presumably).
 */
export function thinkingWithTools(model: string, family: Family, thinking: unknown, hasSystem: boolean): number {
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	const v = parseClaudeVersion(model);
	if (family !== 'v3' || !v) {
		return 0;
	}
	const is46 = v[0] === 4 && v[1] === 6;
	if (type === 'enabled') {
		return hasSystem || is46 ? 0 : SYSTEM_SEPARATOR;
	}
	return type === 'adaptive' && is46 ? -1 : 0;
}

/**
 * A text block after tool results in the same user message opens a user turn of its own: 5 tokens (v3:
 * 27 of 27); so does an image or document there (v3, pydantic-ai, Sonnet 4.5: 10 recordings of an image
 * or PDF after a result 4–5 under without it, 8 exact with it).
 */
export const TEXT_AFTER_RESULTS = 5;

/**
 * What a server tool's definition adds (its own instructions, beyond the tool-use prompt), per tool
 * version and message frame (Opus 4.8 counts in v5's); `claude3` for the Claude 3.x models of v3 and
 * `claude4` for Claude 4 / 4.1 where they differ from Claude 4.5 / 4.6 (`v3`). Measured as the residual of
 * recordings holding only that server tool (web_search 2025-03-05 on v3 Claude 4+: 1,709–1,710 over
 * 25; two server tools together add up within a token). On Claude 4.5 and 4.6 web_fetch 2025-09-10 and
 * code_execution 2025-05-22 take one token less than on Claude 4 (web_fetch: 9 of 9 exact-tier
 * recordings of Haiku 4.5, Sonnet 4.5, Opus and Sonnet 4.6 one over at 525, Sonnet 4's 6 exact at it;
 * code_execution: 2 of 2 on Sonnet 4.6), and so do the later tool versions recorded on them only
 * (code_execution 2026-01-20: 8 of 8 one over at 1,740; text_editor 2025-07-28 2 of 3, computer
 * 2025-11-24 1 exact recording). Versions not listed, and families without a recording, are estimated
 * from their JSON.
 */
const SERVER_TOOLS: Record<string, Partial<Record<Family | 'claude3' | 'claude4', number>>> = {
	'web_search_20250305': { 'claude3': 2354, 'v3': 1709, 'v5': 2439 },
	'web_fetch_20250910': { 'claude4': 525, 'v3': 524, 'v5': 759 },
	'code_execution_20250522': { 'claude4': 424, 'v3': 423 },
	'code_execution_20260120': { 'v3': 1739 },
	'memory_20250818': { 'v3': 1067 },
	'computer_20250124': { 'v3': 1319 },
	'computer_20251124': { 'v3': 1325 },
	'text_editor_20250728': { 'v3': 744 },
	// Advisor: 1 Sonnet 5 recording of it alone (with v5ToolPromptEnd).
	'advisor_20260301': { 'v5': 751 },
	// Tool search (with deferred tools, see deferredToolsTokens): one user message, Sonnet 4.5 7 recordings
	// and Haiku 4.5 2 exact ones at 188 (189); regex 1 at 212; v5 frame: 1 Claude 5 recording (268).
	'tool_search_tool_bm25_20251119': { 'v3': 188, 'v5': 268 },
	'tool_search_tool_regex_20251119': { 'v3': 212 },
};

/** True for a tool definition with `defer_loading: true`. */
export function isDeferred(tool: Record<string, unknown>): boolean {
	return tool.defer_loading === true;
}

/**
 * Deferred tools (`defer_loading: true`) are left out of the tool-use prompt until loaded (see
 * renderedTools). The v5 frame adds a section of its own, 93 tokens (Opus 5 and Sonnet 5: one body of
 * one deferred tool, whether it grows with more is not measured: an estimate).
 */
export function deferredToolsTokens(frame: Family): number {
	return frame === 'v5' ? 93 : 0;
}

/**
 * A tool_addition block (in a mid-conversation system message) loads a deferred definition: its
 * rendering plus 39 tokens (Opus 4.8 and Claude 5 in the v5 frame: 6 recordings, 38–39 in 4, 43 and 15
 * in the others). A tool_removal: about 30 (one recording). Not measured outside the v5 frame.
 */
export const TOOL_ADDITION_FRAME = 39;
export const TOOL_REMOVAL_FRAME = 30;

export function serverToolTokens(type: string, model: string, family: Family): number | undefined {
	const row = SERVER_TOOLS[type];
	if (!row) {
		return undefined;
	}
	const v = parseClaudeVersion(model);
	if (family === 'v3' && v && v[0] === 3 && row.claude3 !== undefined) {
		return row.claude3;
	}
	if (family === 'v3' && v && v[0] === 4 && v[1] <= 1 && row.claude4 !== undefined) {
		return row.claude4;
	}
	return row[family];
}

/**
 * In the v5 frame (Claude 5, Opus 4.8) the tool-use prompt costs one token more when neither a system
 * prompt (or a system message in the conversation) nor tool results (a server tool's too) follow it,
 * each of which brings its own separator (SYSTEM_SEPARATOR) instead: exact recordings without either,
 * Sonnet 5 auto, any and tool and Opus 4.8 auto and any, 6 of 6 one under without it (the Opus 4.8 any
 * figure had been fitted 1 over the docs' for it); with a system prompt (8) or tool results (7) exact
 * as they were.
 */
export function v5ToolPromptEnd(hasSystem: boolean, hasResults: boolean): number {
	return hasSystem || hasResults ? 0 : 1;
}

/**
 * disable_parallel_tool_use drops the prompt's paragraph on parallel calls: −208 tokens on Claude
 * 4.5 (11 of 11 exact recordings, Haiku 4.5 and Sonnet 4.5, once definitions are rendered with sorted
 * keys; −209 fitted the unsorted rendering), +3 on Haiku 3 / 3.5 (2 recordings); unmeasured elsewhere (0).
 */
export function noParallelDelta(model: string): number {
	const v = parseClaudeVersion(model);
	if (!v) {
		return 0;
	}
	if (v[0] === 4 && v[1] >= 5 && v[1] <= 6) {
		return -208;
	}
	return v[0] === 3 && /haiku/.test(model.toLowerCase()) ? 3 : 0;
}

/**
 * The message frame a model's text sits in. Opus 4.8 and 4.9 keep the v4.7 vocabulary but use v5's
 * frame (no leading space, 6 tokens): the same bodies recorded on Opus 4.8 and Sonnet 5 give the same
 * counts (3 exact recordings, 5 under the v4.7 frame each; their structured-output instruction, 38
 * over v3's, matches v5's too). Opus 4.7 keeps the v4.7 frame (3 recordings).
 */
/** True for the models counted in v5's message frame: Opus 4.8, 4.9 and Claude 5. */
export function inV5Frame(model: string): boolean {
	const v = parseClaudeVersion(model);
	return !!v && (v[0] >= 5 || (v[0] === 4 && v[1] >= 8));
}

/**
 * In the v5 frame a system prompt is followed by a newline token of its own, which a first message
 * opening with a newline absorbs (Sonnet 5: 4 exact recordings of a system prompt 1 under without it,
 * 3 whose first message opens with a newline exact; 12 with adaptive thinking unchanged, see above).
 */
export const V5_SYSTEM_NEWLINE = 1;

/**
 * In the v5 frame a tool_use that opens its message costs 20 tokens less than its v3 rendering
 * (Sonnet 5 and Opus 4.8: one call and its result, 5 of 8 exact recordings 20 over without it, the
 * others 19 and 22; 2 calls after a text fit without it, 1 and 2 over; a call after a thinking block
 * pays the full rendering: 1 exact recording, 20 under with the delta). Fitted together with
 * V5_TURN_HEADER: with the v3 header of 3 the same recordings gave 22.
 */
export const V5_TOOL_USE_DELTA = -20;

export function frameFamily(model: string, family: Family): Family {
	if (family !== 'v4.7') {
		return family; // only a v4.7 id can be read in another frame: no need to parse the others' versions
	}
	const v = parseClaudeVersion(model);
	return v && v[0] === 4 && v[1] >= 8 ? 'v5' : family;
}

/**
 * Models whose offline count of this body is the same: same family, same message frame and the same
 * thinking instruction (tools make the count model-specific on their own).
 */
export function offlineCountGroup(body: { thinking?: unknown }, model: string, family: Family): string {
	return `${family}:${frameFamily(model, family)}:${thinkingPromptTokens(body.thinking, model)}`;
}
