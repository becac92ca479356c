import type { MessagesBody } from '../types';
import { familyForModel } from './families';
import {
	structuredOutputPromptFor,
	TASK_BUDGET_PROMPT,
	taskBudgetFigure,
	SYSTEM_SEPARATOR,
	frameFamily,
	TOOL_RESULT_WRAPPER,
	toolReferenceTokens,
	TOOL_SEARCH_RESULT,
	TOOL_EXAMPLES_PROMPT,
	forcedToolSeparator,
	WEB_SEARCH_TOKENS_PER_CHAR,
	WEB_FETCH_EXTRA,
	PARALLEL_CALL,
	PARALLEL_CALL_V3,
	parallelResultTokens,
	resultGroupTokens,
	toolErrorTokens,
	mergesIntoResultTurn,
	TEXT_AFTER_RESULTS,
	turnHeaderTokens,
	joinsPrevious,
	endsWithToolResult,
	renderStructuredOutput,
	renderToolDefinitions,
	noParallelDelta,
	onlyToolResults,
	renderToolUse,
	toolResultInner,
	serverToolTokens,
	structuredOutputSchema,
	thinkingPromptTokens,
	thinkingBlockFrame,
	afterCompaction,
	compactionTrigger,
	COMPACTION_FRAME,
	COMPACTION_PROMPT,
	keepsEarlierThinking,
	EARLIER_THINKING_FRAME,
	LEADING_ASSISTANT,
	toolBlocksWithoutTools,
	toolPromptFor,
	toolResultTurnTokens,
	renderedTools,
	joinsResultTurn,
	thinkingWithTools,
	adaptiveWithoutSystemTokens,
	isDeferred,
	deferredToolsTokens,
	TOOL_ADDITION_FRAME,
	TOOL_REMOVAL_FRAME,
	V5_SYSTEM_NEWLINE,
	V5_TOOL_USE_DELTA,
	v5ToolPromptEnd,
} from './framing';
import { FAMILY_LABELS, KIND_LABELS, requestKind, type RequestKind } from './kinds';
import { measuredKind, reproducedExactly } from './measuredAccuracy';
import {
	DOCUMENT_FIELD_FRAME,
	FETCHED_TITLE_FRAME,
	IMAGE_IN_RESULT,
	DOCUMENT_IN_RESULT,
	TEXT_DOCUMENT_IN_RESULT,
	KERNING_SPLITS_FREE,
	TEXT_IMAGE_IN_RESULT,
	MAX_IMAGE_EDGE,
	SEARCH_RESULT_EXTRA,
	TEXT_AFTER_MEDIA,
	citationTokens,
	citationsThinkingSeparator,
	decodeBase64,
	documentAfterMedia,
	imageSize,
	imageTokens,
	largestImageTokens,
	pdfFrame,
	pdfPageCount,
	pdfPagePatches,
	sentenceCount,
	textDocumentFrame,
} from './media';
import { cachedPdf } from './pdf';
import type { VocabStore } from './store';
import type { Family } from './tokenizer';

export interface OfflineRequestCount {
	inputTokens: number;
	/** True when any part of the figure is an estimate (see `notes`). */
	approximate: boolean;
	notes: string[];
	family: Family;
	/** True when the request is one user message of plain text: the case the method reproduces exactly. */
	plainText: boolean;
}

/*
 * The text framing (system prompt, turns, tool definitions, tool_use / tool_result) follows the rules
 * measured in `framing.ts`. What the recordings do not pin down yet is estimated and always reported
 * as approximate:
 * - thinking in the current assistant turn: its text plus a wrapper (thinkingBlockFrame);
 * - a block of an unknown type or a server tool definition: the tokens of its JSON.
 * Images, documents and search results follow the media rules in `media.ts`.
 */

function capitalize(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

function fmt(n: number): string {
	// toLocaleString goes through the locale data on every call (a few µs, and every request's note has three):
	// whole numbers get their thousands separators here, the same characters en-US gives them.
	return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}

/** The accuracy note of a kind of request on a family: the same text for every request of that kind, made once. */
const kindNotes = new Map<string, { note: string; estimated: boolean }>();

function kindNote(family: Family, kind: Exclude<RequestKind, 'plain'>): { note: string; estimated: boolean } {
	const key = `${family}\u0000${kind}`;
	let found = kindNotes.get(key);
	if (!found) {
		const m = measuredKind(family, kind);
		found = !reproducedExactly(m)
			? {
				estimated: true,
				note: m
					? `${capitalize(KIND_LABELS[kind])} on ${FAMILY_LABELS[family]}: exact on ${fmt(m.exact)} of ${fmt(m.requests)} recorded requests, within 5 % on ${fmt(m.within5pct)}.`
					: `${capitalize(KIND_LABELS[kind])} on ${FAMILY_LABELS[family]}: no recorded requests to check the offline count against.`,
			}
			: { estimated: false, note: `${capitalize(KIND_LABELS[kind])} on ${FAMILY_LABELS[family]}: exact on ${fmt(m!.exact)} of ${fmt(m!.requests)} recorded requests.` };
		kindNotes.set(key, found);
	}
	return found;
}

class Tally {
	tokens = 0;
	approximate = false;
	/** The citations prompt is paid once per request. */
	citations = false;
	readonly notes: string[] = [];

	/** The run's vocabularies, which every part of the request is tokenized with. */
	constructor(readonly vocabs: VocabStore) {}

	estimate(tokens: number, note?: string): void {
		this.tokens += tokens;
		this.approximate = true;
		if (note && !this.notes.includes(note)) {
			this.notes.push(note);
		}
	}
}

/** Custom tool definitions by name. */
type ToolDefs = Map<string, Record<string, unknown>>;

function asRecord(v: unknown): Record<string, unknown> | undefined {
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function stringify(v: unknown): string {
	try {
		return JSON.stringify(v) ?? '';
	} catch {
		return '';
	}
}

/** Counts a whole Messages API request offline on `vocabs`. Never throws on malformed input: it notes it. */
export function countRequest(body: MessagesBody, model: string, vocabs: VocabStore): OfflineRequestCount {
	const modelId = model || (asRecord(body)?.model as string) || '';
	const guess = familyForModel(modelId);
	const family = guess.family;
	// The text is tokenized with the family's vocabulary inside the model's message frame.
	const frame = frameFamily(modelId, family);
	const tok = vocabs.tokenizer(frame);
	const t = new Tally(vocabs);
	if (guess.guessed && guess.note) {
		t.notes.push(guess.note);
	}
	const b = asRecord(body) ?? {};
	// A compaction block stands for everything before it (see afterCompaction).
	const messages = afterCompaction(Array.isArray(b.messages) ? b.messages : []);
	const text = (s: string) => vocabs.countText(s, frame);
	const tools = Array.isArray(b.tools) ? b.tools.map(asRecord).filter((x): x is Record<string, unknown> => !!x) : [];
	const defs: ToolDefs = new Map(tools.filter((x) => x.type === undefined || x.type === 'custom').map((x) => [String(x.name ?? ''), x]));

	// The measured frame of one user message.
	t.tokens += tok.messageOverhead;
	let plainText = messages.length === 1 && b.system === undefined && tools.length === 0;

	// A system prompt costs its text and nothing more (v3: 23 of 23 string system prompts exact).
	const hasSystem = countSystem(b.system, t, text, family);
	if (hasSystem && frame === 'v5' && systemHasText(b.system) && !opensWithNewline(messages[0])) {
		t.tokens += V5_SYSTEM_NEWLINE;
	}

	if (messages.length === 0) {
		t.notes.push('The request has no messages.');
	} else if (asRecord(messages[0])?.role === 'assistant') {
		if (family === 'v3') {
			t.tokens += LEADING_ASSISTANT;
		} else {
			t.estimate(LEADING_ASSISTANT, `A first message from the assistant ≈ ${LEADING_ASSISTANT} tokens more (measured on Claude 3–4.6 only).`);
		}
	}

	// Thinking blocks count only in the current assistant turn: the last assistant message, when
	// nothing but tool results follow it.
	let currentAssistant = -1;
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = asRecord(messages[i]);
		if (m?.role === 'assistant') {
			currentAssistant = i;
			break;
		}
		if (!onlyToolResults(m?.content)) {
			break;
		}
	}

	for (let i = 0; i < messages.length; i++) {
		const m = asRecord(messages[i]);
		if (!m) {
			t.notes.push(`Message ${i + 1} is not an object.`);
			plainText = false;
			continue;
		}
		t.tokens += family === 'v3' && mergesIntoResultTurn(messages, i) ? 0 : turnHeaderTokens(messages, i, modelId);
		// A message joining tool results before it continues their message: its text opens a user turn.
		const resultsBefore = joinsPrevious(messages, i, modelId) && endsWithToolResult(messages[i - 1]);
		const content = m.content;
		if (m.role !== 'user') {
			plainText = false;
		}
		if (typeof content === 'string') {
			t.tokens += text(content) + (resultsBefore ? TEXT_AFTER_RESULTS : 0);
			continue;
		}
		if (!Array.isArray(content)) {
			t.notes.push(`Message ${i + 1} has no content.`);
			plainText = false;
			continue;
		}
		// Consecutive text blocks in one message are read as one text: where one block's end meets the
		// next one's start they tokenize together (v3: 6 conversations of one project whose assistant
		// messages hold 2–7 text blocks, 2–5 over with each block counted alone, 5 exact and 1 under by 1
		// with them joined; the 8 two-block messages exact before stay exact).
		let prevText: string | undefined;
		let afterMedia = false;
		let prevType: unknown;
		let calls = 0;
		let afterResults = resultsBefore;
		let opening = true;
		let results = 0;
		for (const block of content) {
			const blk = asRecord(block);
			if (!blk) {
				continue;
			}
			if (blk.type !== 'text') {
				plainText = false;
			} else if (afterMedia) {
				t.tokens += TEXT_AFTER_MEDIA;
			}
			if (blk.type === 'document') {
				t.tokens += documentAfterMedia(prevType, modelId);
			}
			if (blk.type === 'tool_use' && calls++ > 0) {
				t.tokens += family === 'v3' ? PARALLEL_CALL_V3 : PARALLEL_CALL;
			}
			if ((blk.type === 'text' || isMedia(blk)) && afterResults) {
				t.tokens += TEXT_AFTER_RESULTS;
				afterResults = false;
			}
			if (blk.type === 'tool_result') {
				if (results++ > 0 && family !== 'v3') {
					t.tokens += parallelResultTokens(modelId);
				}
				if (blk.is_error === true) {
					t.tokens += toolErrorTokens(tools.length > 0);
				}
				afterResults = true;
			}
			afterMedia = isMedia(blk);
			prevType = blk.type;
			// Media frames follow the message frame, not the vocabulary: Opus 4.8 images, PDFs and text
			// documents cost what Claude 5's do (4 one-message recordings, 5 under the v4.7 offsets each).
			if (blk.type === 'text' && typeof blk.text === 'string' && prevText !== undefined) {
				t.tokens += joinedTextTokens(prevText, blk.text, text);
			} else {
				countBlock(blk, t, frame, i === currentAssistant, text, modelId, opening, defs, b.thinking);
			}
			prevText = blk.type === 'text' && typeof blk.text === 'string' ? blk.text : undefined;
			opening = false;
		}
	}

	if (family === 'v3') {
		for (const { names } of resultTurnGroups(messages, family)) {
			t.tokens += resultGroupTokens(names, (s) => vocabs.countInner(s, family));
		}
	}

	if (tools.length > 0) {
		countTools(tools, asRecord(b.tool_choice), hasSystem, modelId, family, frame, t, messages);
		if (frame === 'v5') {
			const roles = messages.map((m) => asRecord(m)?.role);
			t.tokens += v5ToolPromptEnd(hasSystem || roles.includes('system'), messages.some((m) => blockTypes(m).some((x) => /(^|_)tool_result$/.test(x))));
		}
	} else if (messages.some((m) => Array.isArray(asRecord(m)?.content) && (asRecord(m)!.content as unknown[]).some((c) => /^(tool_use|tool_result)$/.test(String(asRecord(c)?.type))))) {
		t.tokens += toolBlocksWithoutTools(modelId);
	}

	t.tokens += toolResultTurnTokens(modelId, family, {
		hasSystem,
		forced: tools.length > 0 && /^(any|tool)$/.test(String(asRecord(b.tool_choice)?.type)),
		tools: tools.length > 0,
		resultTurns: resultTurns(messages, family, modelId),
	});

	const thinking = thinkingPromptTokens(b.thinking, modelId);
	t.tokens += thinking;
	if (thinking > 1 && hasSystem) {
		t.tokens += SYSTEM_SEPARATOR;
	} else if (thinking > 1 && t.citations && tools.length === 0) {
		t.tokens += citationsThinkingSeparator(family, modelId);
	}
	if (tools.length > 0) {
		t.tokens += thinkingWithTools(modelId, family, b.thinking, hasSystem);
	}
	t.tokens += adaptiveWithoutSystemTokens(modelId, family, b.thinking, hasSystem, tools.length > 0);

	const schema = structuredOutputSchema(b);
	if (schema !== undefined) {
		t.tokens += structuredOutputPromptFor(modelId, frame, b.thinking, hasSystem, tools.length > 0) + vocabs.countInner(renderStructuredOutput(schema), family) + (tools.length > 0 ? 1 : 0);
		if (hasSystem) {
			t.tokens += SYSTEM_SEPARATOR;
		}
	}

	const budget = taskBudgetFigure(b);
	if (budget !== undefined) {
		const n = TASK_BUDGET_PROMPT + vocabs.countInner(budget, family);
		t.estimate(n, `Task budget ≈ ${fmt(n)} tokens (its instruction measured on 2 Opus 4.7 recordings).`);
	}

	const trigger = compactionTrigger(b);
	if (trigger !== undefined && t.tokens >= trigger) {
		t.estimate(COMPACTION_PROMPT, `Over the compaction trigger (${fmt(trigger)} input tokens): the API compacts first, its instruction ≈ ${COMPACTION_PROMPT} tokens.`);
	}

	// "≈" only where the recordings do not reproduce this kind of request exactly on this family.
	const kind = requestKind(b as MessagesBody);
	if (kind !== 'plain') {
		const { note, estimated } = kindNote(family, kind);
		if (estimated) {
			t.estimate(0, note);
		} else {
			t.notes.push(note);
		}
	}

	return { inputTokens: t.tokens, approximate: t.approximate, notes: t.notes, family, plainText: plainText && !t.approximate && !guess.guessed };
}

/**
 * What a text block adds after the text block before it when both are read as one text: the joined
 * tail of the previous text and this one, less that tail alone (the tail's last 256 characters are all
 * a boundary merge can reach).
 */
function joinedTextTokens(prev: string, cur: string, text: (s: string) => number): number {
	const tail = prev.slice(-256);
	return text(tail + cur) - text(tail);
}

/** True when the system prompt holds some text (an empty one is assumed to add no newline: unmeasured). */
function systemHasText(sys: unknown): boolean {
	return typeof sys === 'string' ? sys.length > 0 : Array.isArray(sys) && sys.some((b) => typeof asRecord(b)?.text === 'string' && (asRecord(b)!.text as string).length > 0);
}

/** For each user turn holding tool results: whether another message follows it (one joining it does not). */
function resultTurns(messages: readonly unknown[], family: Family, model: string): boolean[] {
	const followed = (i: number) => i < messages.length - 1 && !joinsPrevious(messages, i + 1, model);
	return resultTurnGroups(messages, family).map((g) => followed(g.last));
}

/**
 * The result turns, in order: a user message holding tool results, with the result messages merged into
 * it on v3 (joinsResultTurn); for each, the names of the calls its results answer ('' for a result whose
 * call is not found) and the index of its last message.
 */
function resultTurnGroups(messages: readonly unknown[], family: Family): { names: string[]; last: number }[] {
	const callNames = new Map<string, string>();
	for (const m of messages) {
		const content = asRecord(m)?.content;
		if (Array.isArray(content)) {
			for (const c of content) {
				const r = asRecord(c);
				if (r?.type === 'tool_use' && typeof r.id === 'string') {
					callNames.set(r.id, String(r.name ?? ''));
				}
			}
		}
	}
	const groups: { names: string[]; last: number }[] = [];
	messages.forEach((m, i) => {
		const content = asRecord(m)?.content;
		if (!Array.isArray(content) || !content.some((c) => asRecord(c)?.type === 'tool_result')) {
			return;
		}
		const names = content.filter((c) => asRecord(c)?.type === 'tool_result').map((c) => callNames.get(String(asRecord(c)!.tool_use_id)) ?? '');
		if (family === 'v3' && joinsResultTurn(messages, i) && groups.length > 0) {
			const g = groups[groups.length - 1];
			g.names.push(...names);
			g.last = i;
		} else {
			groups.push({ names, last: i });
		}
	});
	return groups;
}

/** The types of a message's content blocks. */
function blockTypes(message: unknown): string[] {
	const content = asRecord(message)?.content;
	return Array.isArray(content) ? content.map((c) => String(asRecord(c)?.type)) : [];
}

/** True when a message's text opens with a newline. */
function opensWithNewline(message: unknown): boolean {
	const content = asRecord(message)?.content;
	const first = typeof content === 'string' ? content : Array.isArray(content) ? asRecord(content[0])?.text : undefined;
	return typeof first === 'string' && first.startsWith('\n');
}

/** Adds the system prompt's tokens; true when there is one. */
function countSystem(sys: unknown, t: Tally, text: (s: string) => number, family: Family): boolean {
	// v3: the prompt's trailing white space is dropped (spaces after its last newline cost nothing: 8
	// chatlas recordings ending in a newline and 8 spaces 2 over each, 3 ending in a space 1 over; a final
	// newline was already free). Not measured elsewhere: kept.
	const end = (s: string) => (family === 'v3' ? s.trimEnd() : s);
	if (typeof sys === 'string') {
		t.tokens += text(end(sys));
		return true;
	}
	if (!Array.isArray(sys)) {
		return false;
	}
	// System blocks are read as one text, as a message's consecutive text blocks are; no separator
	// (v3: 17 of 18 one-block prompts exact; 8 of 8 two-block prompts, 6 of them with a first block
	// ending in a newline that counted one under when the blocks were counted alone).
	const texts = sys.map(asRecord).flatMap((r) => (r && typeof r.text === 'string' ? [r.text] : []));
	t.tokens += texts.length > 0 ? text(end(texts.join(''))) : 0;
	return sys.length > 0;
}

function countTools(
	tools: Array<Record<string, unknown>>,
	choice: Record<string, unknown> | undefined,
	hasSystem: boolean,
	model: string,
	family: Family,
	frame: Family,
	t: Tally,
	messages: readonly unknown[],
): void {
	const type = typeof choice?.type === 'string' ? choice.type : 'auto';
	const p = toolPromptFor(model, family);
	const forced = type === 'tool';
	const prompt = forced ? p.tool : type === 'any' ? p.any : choice?.type !== undefined && p.autoExplicit !== undefined ? p.autoExplicit : p.auto;
	t.tokens += prompt;
	if (forced) {
		// tool_choice tool names the tool in the prompt (v3: constant residual once its name is counted).
		t.tokens += t.vocabs.countInner(String(choice?.name ?? ''), family) + (hasSystem && forcedToolSeparator(model) ? SYSTEM_SEPARATOR : 0);
	} else if (hasSystem) {
		t.tokens += SYSTEM_SEPARATOR;
	}
	if (!p.known || !p.measured) {
		t.estimate(0, `Tool-use system prompt ${fmt(prompt)} tokens (${p.label}${p.known ? ' figure from the docs' : ' figure, none known for this model'}, tool_choice ${type}).`);
	}
	if (choice?.disable_parallel_tool_use === true) {
		t.tokens += noParallelDelta(model);
	}
	// Tools with defer_loading are not rendered until a tool search finds them (see renderedTools).
	const server = tools.filter((x) => !(x.type === undefined || x.type === 'custom'));
	const custom = renderedTools(tools.filter((x) => x.type === undefined || x.type === 'custom'), messages, family);
	t.tokens += t.vocabs.countInner(renderToolDefinitions(custom, family === 'v3'), family);
	if (custom.some((x) => Array.isArray(x.input_examples) && x.input_examples.length > 0)) {
		t.estimate(TOOL_EXAMPLES_PROMPT, `Tool input examples: their JSON and an instruction of ≈ ${TOOL_EXAMPLES_PROMPT} tokens (measured on one recorded tool).`);
	}
	if (tools.some(isDeferred)) {
		const n = deferredToolsTokens(frame);
		if (n > 0) {
			t.estimate(n, `Deferred tools ≈ ${fmt(n)} tokens (measured on one request of one deferred tool).`);
		}
	}
	for (const s of server) {
		const measured = serverToolTokens(String(s.type), model, frame);
		if (measured !== undefined) {
			t.tokens += measured;
		} else {
			const n = t.vocabs.countText(stringify(s), family);
			t.estimate(n, `Server tool ${String(s.type)} ≈ ${fmt(n)} tokens (estimated from its JSON: no recording of it on this family).`);
		}
	}
}

function toolResultText(content: unknown, t: Tally, family: Family, text: (s: string) => number, model: string): number {
	const resultText = (s: string) => (family === 'v3' ? toolResultInner(s, (x) => t.vocabs.countInner(x, family)) : t.vocabs.countInner(s, family));
	if (typeof content === 'string') {
		return resultText(content);
	}
	let n = 0;
	if (Array.isArray(content)) {
		let prev: unknown;
		for (const inner of content) {
			const r = asRecord(inner);
			const pair = [prev, r?.type];
			if (pair.includes('text') && pair.includes('image')) {
				n += TEXT_IMAGE_IN_RESULT;
			} else if (pair.includes('text') && pair.includes('document')) {
				n += TEXT_DOCUMENT_IN_RESULT;
			}
			prev = r?.type;
			if (r?.type === 'text' && typeof r.text === 'string') {
				n += resultText(r.text);
			} else if (r?.type === 'image') {
				countImage(asRecord(r.source), t, family, model);
				n += IMAGE_IN_RESULT;
			} else if (r?.type === 'document') {
				countDocument(r, t, family, text, model);
				n += DOCUMENT_IN_RESULT;
			} else if (r?.type === 'search_result') {
				countSearchResult(r, t, family, text, model);
			} else if (r?.type === 'tool_reference') {
				n += toolReferenceTokens(family);
			}
		}
	}
	return n;
}

function isMedia(blk: Record<string, unknown> | undefined): boolean {
	return blk?.type === 'image' || blk?.type === 'document' || blk?.type === 'search_result';
}

function countBlock(
	blk: Record<string, unknown>,
	t: Tally,
	family: Family,
	currentTurn: boolean,
	text: (s: string) => number,
	model: string,
	opensMessage = true,
	defs: ToolDefs = new Map(),
	thinking?: unknown,
): void {
	switch (blk.type) {
		case 'text':
			t.tokens += typeof blk.text === 'string' ? text(blk.text) : 0;
			return;
		case 'image':
			countImage(asRecord(blk.source), t, family, model);
			return;
		case 'document':
			countDocument(blk, t, family, text, model);
			return;
		case 'search_result':
			countSearchResult(blk, t, family, text, model);
			return;
		case 'tool_use':
			t.tokens += t.vocabs.countInner(renderToolUse(blk.name, blk.input), family) + (family === 'v5' && opensMessage ? V5_TOOL_USE_DELTA : 0);
			return;
		case 'server_tool_use':
			// Rendered as a call: in the v5 frame one that opens its message takes the same delta (Sonnet 5:
			// 2 exact web_fetch recordings 20 over without it).
			t.estimate(t.vocabs.countInner(renderToolUse(blk.name, blk.input), family) + (family === 'v5' && opensMessage ? V5_TOOL_USE_DELTA : 0), 'server_tool_use blocks are estimated as tool calls.');
			return;
		case 'web_search_tool_result': {
			// The results' encrypted content is all the size we have (see WEB_SEARCH_TOKENS_PER_CHAR).
			const results = Array.isArray(blk.content) ? blk.content.map(asRecord) : [];
			const chars = results.reduce((a, r) => a + (typeof r?.encrypted_content === 'string' ? r.encrypted_content.length : 0), 0);
			const n = TOOL_RESULT_WRAPPER + Math.round(chars * WEB_SEARCH_TOKENS_PER_CHAR);
			t.estimate(n, `web_search results ≈ ${fmt(n)} tokens (from their encrypted content's length).`);
			return;
		}
		case 'web_fetch_tool_result': {
			// The fetched page is a document block: count it as one.
			const doc = asRecord(asRecord(blk.content)?.content);
			if (doc?.type === 'document') {
				t.tokens += TOOL_RESULT_WRAPPER + WEB_FETCH_EXTRA;
				countDocument(doc, t, family, text, model, FETCHED_TITLE_FRAME);
			} else {
				t.estimate(text(stringify(blk)), 'A web_fetch result without a document is estimated from its JSON.');
			}
			return;
		}
		case 'tool_search_tool_result': {
			// Its frame and its references (estimated: see TOOL_SEARCH_RESULT).
			const refs = asRecord(blk.content)?.tool_references;
			t.estimate(TOOL_SEARCH_RESULT + (Array.isArray(refs) ? refs.length : 0) * toolReferenceTokens(family), 'Tool search results are estimated from their references (measured on one project\'s recordings).');
			return;
		}
		case 'tool_result': {
			// Nested media add their own tokens to the tally: take the text first, then add (not `+=` around the call).
			const inner = toolResultText(blk.content, t, family, text, model);
			t.tokens += TOOL_RESULT_WRAPPER + inner;
			return;
		}
		case 'tool_addition': {
			// A mid-conversation system message that loads a deferred tool: its definition and a frame.
			const name = String(asRecord(blk.tool)?.name ?? '');
			const def = defs.get(name);
			const n = (def ? t.vocabs.countInner(renderToolDefinitions([def], family === 'v3'), family) : 0) + TOOL_ADDITION_FRAME;
			if (def && family === 'v5') {
				t.tokens += n;
			} else {
				t.estimate(n, def ? 'tool_addition blocks are measured in the v5 frame only (estimated here).' : `A tool_addition names "${name}", which the request does not define.`);
			}
			return;
		}
		case 'compaction': {
			// The summary that replaces the conversation before it (see COMPACTION_FRAME).
			const summary = typeof blk.content === 'string' ? blk.content : '';
			t.estimate(text(summary) + COMPACTION_FRAME, `Compaction summary ≈ ${fmt(text(summary) + COMPACTION_FRAME)} tokens; the messages before it are not sent to the model.`);
			return;
		}
		case 'tool_removal':
			t.estimate(TOOL_REMOVAL_FRAME, `tool_removal ≈ ${TOOL_REMOVAL_FRAME} tokens (one recording).`);
			return;
		case 'thinking':
			if (currentTurn) {
				t.estimate(text(String(blk.thinking ?? '')) + thinkingBlockFrame(model, thinking), 'Thinking in the current assistant turn is counted (estimated framing).');
			} else if (keepsEarlierThinking(model)) {
				const thought = String(blk.thinking ?? '');
				if (thought !== '') {
					t.estimate(text(thought) + EARLIER_THINKING_FRAME, 'This model keeps the thinking of earlier assistant turns: counted (estimated framing, measured on one Opus 4.5 request).');
				} else {
					t.estimate(0, 'This model keeps the thinking of earlier assistant turns; a block whose text is omitted cannot be counted offline.');
				}
			} else {
				t.notes.push('Thinking blocks of earlier assistant turns are not counted.');
			}
			return;
		case 'redacted_thinking':
			if (currentTurn || keepsEarlierThinking(model)) {
				// Redacted thinking is encrypted: its size is all we have (≈ 4 base64 characters a token).
				t.estimate(Math.ceil(String(blk.data ?? '').length / 4), 'Redacted thinking ≈ its data length / 4.');
			}
			return;
		default:
			t.estimate(text(stringify(blk)), `A "${String(blk.type)}" block is estimated from its JSON.`);
	}
}

function countImage(source: Record<string, unknown> | undefined, t: Tally, family: Family, model: string): void {
	const largest = largestImageTokens(family);
	if (source?.type === 'base64' && typeof source.data === 'string') {
		// The header is all the size needs: decode only its first bytes.
		const bytes = decodeBase64(source.data, 64 * 1024);
		if (!bytes) {
			t.estimate(largest, `Image data is not valid base64: the API will reject it; counted as the largest image (≈ ${fmt(largest)} tokens).`);
			return;
		}
		const size = imageSize(bytes);
		if (!size) {
			t.estimate(largest, `Image format not recognised or the data is cut short: counted as the largest image (≈ ${fmt(largest)} tokens).`);
			return;
		}
		const r = imageTokens(size.width, size.height, family, model);
		const resized = r.width !== size.width || r.height !== size.height ? `, resized to ${r.width}×${r.height}` : '';
		const tooBig = Math.max(size.width, size.height) > MAX_IMAGE_EDGE ? `; the API rejects images over ${fmt(MAX_IMAGE_EDGE)} px on a side` : '';
		t.estimate(r.tokens, `image ${fmt(r.tokens)} tokens (${size.width}×${size.height}${resized}: ${fmt(r.patches)} patches of 28 px${tooBig})`);
		return;
	}
	const kind = source?.type === 'url' ? 'an image URL' : source?.type === 'file' ? 'an uploaded file' : 'an image without data';
	t.estimate(largest, `image ≈ ${fmt(largest)} tokens (${kind}: size unknown offline, counted as the largest)`);
}

function documentFields(blk: Record<string, unknown>, text: (s: string) => number, frame: number): number {
	let n = 0;
	for (const key of ['title', 'context'] as const) {
		const v = blk[key];
		if (typeof v === 'string' && v.length > 0) {
			n += text(v) + frame;
		}
	}
	return n;
}

function citationsOn(blk: Record<string, unknown>): boolean {
	return asRecord(blk.citations)?.enabled === true;
}

/** Citation tokens of a block with this many chunks: the prompt on the request's first cited block. */
function citations(t: Tally, family: Family, model: string, chunks: number): number {
	const n = citationTokens(family, model, chunks, !t.citations);
	t.citations = true;
	return n;
}

function countDocument(blk: Record<string, unknown>, t: Tally, family: Family, text: (s: string) => number, model: string, fieldFrame = DOCUMENT_FIELD_FRAME): void {
	const source = asRecord(blk.source);
	const fields = documentFields(blk, text, fieldFrame);
	const cite = citationsOn(blk);
	if ((source?.type === 'text' && typeof source.data === 'string') || (source?.type === 'content' && Array.isArray(source.content))) {
		let body = 0;
		let chunks = 0;
		if (source.type === 'text') {
			body = text(source.data as string);
			chunks = sentenceCount(source.data as string);
		} else {
			for (const c of source.content as unknown[]) {
				const r = asRecord(c);
				if (r?.type === 'text' && typeof r.text === 'string') {
					body += text(r.text);
					chunks++;
				}
			}
		}
		const extra = cite ? citations(t, family, model, chunks) : 0;
		const n = body + textDocumentFrame(family) + fields + extra;
		t.estimate(n, `${source.type === 'text' ? 'Text' : 'Content'} document ${fmt(n)} tokens (${fmt(body)} of text${cite ? `, citations ${fmt(extra)} for ${chunks} chunk${chunks === 1 ? '' : 's'}` : ''}; framing measured on recorded requests).`);
		return;
	}
	if (source?.type === 'base64' && typeof source.data === 'string') {
		countPdf(source.data, t, family, text, model, fields, cite);
		return;
	}
	const kind = source?.type === 'url' ? 'a PDF URL' : source?.type === 'file' ? 'an uploaded file' : 'a document without data';
	const page = pdfPagePatches(612, 792) + PDF_TEXT_PER_PAGE;
	t.estimate(page, `document ≈ ${fmt(page)} tokens (${kind}: content unknown offline, counted as one US-letter page of dense text)`);
}

/** A page whose text could not be read: Anthropic's published 1,500–3,000 text tokens a page, the lower end. */
const PDF_TEXT_PER_PAGE = 1500;

function countPdf(data: string, t: Tally, family: Family, text: (s: string) => number, model: string, fields: number, cite: boolean): void {
	const read = cachedPdf(data);
	if (read?.ok) {
		const { pages, pageCount, kerningSplits } = read.info;
		let patches = 0;
		let words = 0;
		let sentences = 0;
		for (const p of pages) {
			patches += pdfPagePatches(p.width, p.height);
			words += text(p.text);
			sentences += sentenceCount(p.text);
		}
		// Pages past the read limit: priced like the average read page.
		const unread = pageCount - pages.length;
		const avg = pages.length > 0 ? (patches + words) / pages.length : pdfPagePatches(612, 792) + PDF_TEXT_PER_PAGE;
		const extra = cite ? citations(t, family, model, sentences) : 0;
		// Words broken by kerning cost one token each, but for one (see KERNING_SPLITS_FREE).
		words += Math.max(0, kerningSplits - KERNING_SPLITS_FREE);
		const n = Math.max(1, patches + words + Math.round(unread * avg) + pdfFrame(family, model) + fields + extra);
		t.estimate(
			n,
			`PDF ${fmt(n)} tokens (${pageCount} page${pageCount === 1 ? '' : 's'}: ${fmt(patches)} of page images + ${fmt(words)} of text${unread > 0 ? `, ${unread} unread pages at the average` : ''}${cite ? `, citations ${fmt(extra)}` : ''})`,
		);
		return;
	}
	const bytes = decodeBase64(data);
	const pages = bytes ? pdfPageCount(bytes) : undefined;
	const perPage = pdfPagePatches(612, 792) + PDF_TEXT_PER_PAGE;
	if (pages === undefined) {
		t.estimate(perPage, `PDF data is not readable${bytes ? '' : ' (invalid base64)'}: the API will reject it; counted as one page (≈ ${fmt(perPage)} tokens).`);
		return;
	}
	const n = Math.max(1, pages) * perPage + fields;
	const why = read ? `its text could not be read: ${read.reason}` : 'its text was not read';
	t.estimate(n, `PDF ≈ ${fmt(n)} tokens (${Math.max(1, pages)} page${pages === 1 ? '' : 's'} × ${fmt(perPage)}; ${why})`);
}

/** A search_result block: a content document whose title and source are its fields (see media.ts). */
function countSearchResult(blk: Record<string, unknown>, t: Tally, family: Family, text: (s: string) => number, model: string): void {
	let body = 0;
	let chunks = 0;
	if (Array.isArray(blk.content)) {
		for (const c of blk.content) {
			const r = asRecord(c);
			if (r?.type === 'text' && typeof r.text === 'string') {
				body += text(r.text);
				chunks++;
			}
		}
	}
	let fields = 0;
	for (const key of ['title', 'source'] as const) {
		const v = blk[key];
		if (typeof v === 'string' && v.length > 0) {
			fields += text(v) + DOCUMENT_FIELD_FRAME;
		}
	}
	const extra = citationsOn(blk) ? citations(t, family, model, chunks) : 0;
	const n = body + fields + textDocumentFrame(family) + SEARCH_RESULT_EXTRA + extra;
	t.estimate(n, `search_result ${fmt(n)} tokens (${fmt(body)} of text${extra ? `, citations ${fmt(extra)}` : ''}; estimated like a document)`);
}
