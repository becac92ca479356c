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
 * Each prompt section the API adds (the tool-use prompt, the thinking instruction, the structured-output
 * instruction) is set off from a system prompt by one token: v3, e.g. Haiku 4.5 with tools 498 against
 * 497 over 23 recordings with a system prompt; thinking with a system prompt 20 of 20 one token over.
 */
export const SYSTEM_SEPARATOR = 1;

export interface ToolPrompt {
	/** tool_choice auto or none (measured equal: Haiku 4.5 497/497, Sonnet 4 314/314, Haiku 3.5 264/263). */
	auto: number;
	/** tool_choice any. */
	any: number;
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
	// Haiku 3 and Haiku 3.5: 48 auto, 17 any, 27 tool recordings (docs: 264/340).
	{ test: (M, m, id) => M === 3 && /haiku/.test(id), prompt: { auto: 264, any: 354, tool: 358, label: 'Haiku 3 / 3.5', measured: true } },
	// Opus 3: 9 auto, 2 any, 3 tool recordings.
	{ test: (M, m, id) => M === 3 && m === 0 && /opus|sonnet/.test(id), prompt: { auto: 534, any: 297, tool: 299, label: 'Claude 3 Opus', measured: true } },
	// Sonnet 3.5 (June 2024): 6 tool recordings; auto and any assumed as the later 3.5 Sonnet.
	{ test: (M, m, id) => M === 3 && m === 5 && /20240620/.test(id), prompt: { auto: 314, any: 277, tool: 279, label: 'Sonnet 3.5 (June 2024)', measured: true } },
	// Sonnet 3.5 (Oct 2024) and 3.7: 44 auto, 6 any, 13 tool recordings.
	{ test: (M) => M === 3, prompt: { auto: 314, any: 315, tool: 317, label: 'Sonnet 3.5 / 3.7', measured: true } },
	// Opus 4, Opus 4.1, Sonnet 4: 101 auto, 21 any, 23 tool recordings.
	{ test: (M, m) => M === 4 && m <= 1, prompt: { auto: 314, any: 316, tool: 318, label: 'Claude 4 / 4.1', measured: true } },
	// Haiku 4.5, Sonnet 4.5, Opus 4.5, Opus 4.6, Sonnet 4.6: 595 auto, 90 any, 125 tool recordings (docs: 497/589).
	{ test: (M, m) => M === 4 && m <= 6, prompt: { auto: 497, any: 589, tool: 591, label: 'Claude 4.5 / 4.6', measured: true } },
	{ test: (M, m) => M === 4 && m === 7, prompt: { auto: 675, any: 804, tool: 806, label: 'Opus 4.7', measured: false } },
	{ test: (M, m) => M === 4 && m >= 8, prompt: { auto: 290, any: 410, tool: 412, label: 'Opus 4.8', measured: false } },
	// Sonnet 5: 14 auto recordings give 354 (docs: 354/474).
	{ test: (M, m, id) => M === 5 && /sonnet/.test(id), prompt: { auto: 354, any: 474, tool: 476, label: 'Sonnet 5', measured: true } },
	{ test: (M) => M === 5, prompt: { auto: 286, any: 406, tool: 408, label: 'Opus 5', measured: false } },
];

/** The newest generation of each family stands in for a model the table does not know. */
const FALLBACK: Record<Family, ToolPrompt> = {
	'v3': TOOL_PROMPTS[5].prompt,
	'v4.7': TOOL_PROMPTS[6].prompt,
	'v5': TOOL_PROMPTS[9].prompt,
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
 * keys in the order given). The compact form misfits 70 % of the v3 tool recordings, this one 32 %.
 */
export function promptJson(v: unknown): string {
	if (v === null || v === undefined) {
		return 'null';
	}
	if (Array.isArray(v)) {
		return `[${v.map(promptJson).join(', ')}]`;
	}
	if (typeof v === 'object') {
		return `{${Object.entries(v as Record<string, unknown>)
			.map(([k, x]) => `${JSON.stringify(k)}: ${promptJson(x)}`)
			.join(', ')}}`;
	}
	return JSON.stringify(v) ?? 'null';
}

/**
 * A custom tool definition as rendered into the tool-use prompt: `<function>{"description": …,
 * "name": …, "parameters": <input_schema>}</function>`, one a line; an empty description is left out
 * (v3: 2 recordings with `"description": ""` sit 4 tokens under the others otherwise).
 */
export function renderToolDefinitions(tools: ReadonlyArray<Record<string, unknown>>): string {
	return tools
		.map((t) => {
			const def: Record<string, unknown> = {};
			if (typeof t.description === 'string' && t.description !== '') {
				def.description = t.description;
			}
			def.name = t.name;
			def.parameters = t.input_schema ?? {};
			return `<function>${promptJson(def)}</function>`;
		})
		.join('\n');
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
	const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'null');
	return (
		`<${NS}function_calls>\n<${NS}invoke name="${String(name ?? '')}">\n` +
		params.map(([k, v]) => `<${NS}parameter name="${k}">${value(v)}</${NS}parameter>\n`).join('') +
		`</${NS}invoke>\n</${NS}function_calls>`
	);
}

/**
 * Extended thinking switched on adds an instruction to the prompt, whatever the budget: 28 tokens on
 * Claude 3.7, 4 and 4.1, 29 on Claude 4.5 and 4.6 (v3, one user message, budgets 1,024–10,000: the
 * same bodies recorded on Opus 4.1 and Opus 4.5 differ by exactly this token; a few older recordings of
 * 4.5 models give 28: the count drifts on thinking requests, the majority is taken). `adaptive` costs 1
 * (Sonnet 4.6, Opus 4.6, Opus 4.8, Claude 5 against the same bodies with `disabled`); `disabled` nothing.
 */
export function thinkingPromptTokens(thinking: unknown, model: string): number {
	const type = thinking && typeof thinking === 'object' ? (thinking as Record<string, unknown>).type : undefined;
	if (type === 'adaptive') {
		return 1;
	}
	if (type !== 'enabled') {
		return 0;
	}
	const v = parseClaudeVersion(model);
	return v && v[0] === 4 && v[1] >= 5 ? 29 : 28;
}

/**
 * Structured output (`output_config.format` or the older `output_format`, type json_schema): the schema
 * is written into the prompt as JSON indented by 2 spaces, after an instruction of 81 tokens (v3: 31 of
 * 35 recordings without tools; the compact and the ", " forms leave a residual that grows with the
 * schema); with tools one separator token more (v3: 22 of 28).
 */
export const STRUCTURED_OUTPUT_PROMPT = 81;

export function structuredOutputSchema(body: Record<string, unknown>): unknown {
	const oc = body.output_config && typeof body.output_config === 'object' ? (body.output_config as Record<string, unknown>).format : undefined;
	const format = (oc ?? body.output_format) as Record<string, unknown> | undefined;
	return format && typeof format === 'object' && format.type === 'json_schema' && format.schema !== undefined ? format.schema : undefined;
}

export function renderStructuredOutput(schema: unknown): string {
	return JSON.stringify(schema, null, 2) ?? '';
}
