import type { MessagesBody } from '../types';
import { familyForModel } from './families';
import { decodeBase64, imageSize, pdfPageCount } from './media';
import { type Family, countText, loadFamily } from './tokenizer';

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
 * Frame estimates. Only the single-user-message frame is measured (the vocabulary file's
 * `message_overhead`, or v5's). Everything below is an estimate, chosen to be conservative (to
 * over- rather than under-count) and always reported as approximate:
 * - each further message costs the role header and turn separator: 4 tokens;
 * - a system prompt costs its text plus 4 tokens of framing;
 * - each extra content block in a message costs 1 separator token;
 * - a tool_use block costs its name and JSON input plus 8 tokens of wrapper, a tool_result its content
 *   plus 8 (ids are not counted by the API as text the user wrote, but the wrapper is);
 * - a tool definition costs its JSON (name, description, input_schema) plus 4.
 */
const EXTRA_MESSAGE = 4;
const SYSTEM_FRAME = 4;
const EXTRA_BLOCK = 1;
const TOOL_BLOCK_FRAME = 8;
const TOOL_DEF_FRAME = 4;

/**
 * Tool-use system prompt added when `tools` is present (Anthropic docs, 2026-09 copy):
 * [tool_choice auto/none, tool_choice any/tool].
 */
const TOOL_PROMPT: Array<{ test: RegExp; auto: number; any: number; label: string }> = [
	{ test: /opus-4-7/, auto: 675, any: 804, label: 'Opus 4.7' },
	{ test: /opus-4-8/, auto: 290, any: 410, label: 'Opus 4.8' },
	{ test: /opus-4-6/, auto: 497, any: 589, label: 'Opus 4.6' },
	{ test: /sonnet-4-6/, auto: 497, any: 589, label: 'Sonnet 4.6' },
	{ test: /haiku-4-5/, auto: 496, any: 588, label: 'Haiku 4.5' },
	{ test: /(?:3-5-haiku|haiku-3-5)/, auto: 264, any: 355, label: 'Haiku 3.5' },
	{ test: /sonnet-5/, auto: 354, any: 474, label: 'Sonnet 5' },
	{ test: /opus-5/, auto: 286, any: 406, label: 'Opus 5' },
];
/** Used when the model has no published figure: the family's closest published model. */
const TOOL_PROMPT_BY_FAMILY: Record<Family, { auto: number; any: number; label: string }> = {
	'v3': { auto: 497, any: 589, label: 'Opus 4.6' },
	'v4.7': { auto: 675, any: 804, label: 'Opus 4.7' },
	'v5': { auto: 286, any: 406, label: 'Opus 5' },
};

/** Image limits per family: long edge and pixel budget after the API's own resizing. */
const IMAGE_LIMITS: Record<Family, { longEdge: number; maxTokens: number }> = {
	'v3': { longEdge: 1568, maxTokens: 1600 },
	'v4.7': { longEdge: 2576, maxTokens: 4784 },
	'v5': { longEdge: 2576, maxTokens: 4784 },
};
/** A PDF page: text (1,500–3,000 tokens published; the lower end, as pages are often sparse) plus its image. */
const PDF_TEXT_PER_PAGE = 1500;
/** A US-letter page rendered within the image limits. */
const PDF_PAGE_SHAPE = { width: 1700, height: 2200 };

function fmt(n: number): string {
	return n.toLocaleString('en-US');
}

/** Tokens of an image after the API's downscaling (≈ width × height / 750). */
export function imageTokens(width: number, height: number, family: Family): { tokens: number; width: number; height: number } {
	const lim = IMAGE_LIMITS[family];
	let w = width;
	let h = height;
	const long = Math.max(w, h);
	if (long > lim.longEdge) {
		const s = lim.longEdge / long;
		w = Math.max(1, Math.round(w * s));
		h = Math.max(1, Math.round(h * s));
	}
	const maxPixels = lim.maxTokens * 750;
	if (w * h > maxPixels) {
		const s = Math.sqrt(maxPixels / (w * h));
		w = Math.max(1, Math.floor(w * s));
		h = Math.max(1, Math.floor(h * s));
	}
	return { tokens: Math.max(1, Math.ceil((w * h) / 750)), width: w, height: h };
}

function toolPrompt(model: string, family: Family): { auto: number; any: number; label: string; published: boolean } {
	const id = model.toLowerCase();
	for (const t of TOOL_PROMPT) {
		if (t.test.test(id)) {
			return { ...t, published: true };
		}
	}
	return { ...TOOL_PROMPT_BY_FAMILY[family], published: false };
}

class Tally {
	tokens = 0;
	approximate = false;
	readonly notes: string[] = [];

	estimate(tokens: number, note?: string): void {
		this.tokens += tokens;
		this.approximate = true;
		if (note && !this.notes.includes(note)) {
			this.notes.push(note);
		}
	}
}

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

/** Counts a whole Messages API request offline. Never throws on malformed input: it notes it. */
export function countRequest(body: MessagesBody, model: string): OfflineRequestCount {
	const guess = familyForModel(model || (asRecord(body)?.model as string) || '');
	const family = guess.family;
	const tok = loadFamily(family);
	const t = new Tally();
	if (guess.guessed && guess.note) {
		t.notes.push(guess.note);
	}
	const b = asRecord(body) ?? {};
	const messages = Array.isArray(b.messages) ? b.messages : [];
	const text = (s: string) => countText(s, family);

	// The measured frame of one user message.
	t.tokens += tok.messageOverhead;
	let plainText = messages.length === 1 && b.system === undefined && !(Array.isArray(b.tools) && b.tools.length > 0);

	if (b.system !== undefined) {
		const sys = b.system;
		let n = 0;
		if (typeof sys === 'string') {
			n = text(sys);
		} else if (Array.isArray(sys)) {
			for (const block of sys) {
				const r = asRecord(block);
				if (r && typeof r.text === 'string') {
					n += text(r.text);
				}
			}
			n += Math.max(0, sys.length - 1) * EXTRA_BLOCK;
		}
		t.estimate(n + SYSTEM_FRAME, 'System prompt framing is estimated.');
	}

	if (messages.length > 1) {
		t.estimate(EXTRA_MESSAGE * (messages.length - 1), `Framing of ${messages.length} messages is estimated.`);
	}
	if (messages.length === 0) {
		t.notes.push('The request has no messages.');
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
		const content = m?.content;
		const onlyToolResults = Array.isArray(content) && content.length > 0 && content.every((c) => asRecord(c)?.type === 'tool_result');
		if (!onlyToolResults) {
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
		const content = m.content;
		if (m.role !== 'user') {
			plainText = false;
		}
		if (typeof content === 'string') {
			t.tokens += text(content);
			continue;
		}
		if (!Array.isArray(content)) {
			t.notes.push(`Message ${i + 1} has no content.`);
			plainText = false;
			continue;
		}
		if (content.length > 1) {
			t.estimate(EXTRA_BLOCK * (content.length - 1), 'Separators between content blocks are estimated.');
		}
		for (const block of content) {
			const blk = asRecord(block);
			if (!blk) {
				continue;
			}
			if (blk.type !== 'text') {
				plainText = false;
			}
			countBlock(blk, t, family, i === currentAssistant, text);
		}
	}

	if (Array.isArray(b.tools) && b.tools.length > 0) {
		const choice = asRecord(b.tool_choice)?.type;
		const forced = choice === 'any' || choice === 'tool';
		const p = toolPrompt(String(b.model ?? model ?? ''), family);
		const prompt = forced ? p.any : p.auto;
		t.estimate(
			prompt,
			`Tool-use system prompt ${fmt(prompt)} tokens (${p.label}${p.published ? '' : ' figure, none published for this model'}, tool_choice ${forced ? choice : 'auto'}).`,
		);
		let defs = 0;
		for (const tool of b.tools) {
			const r = asRecord(tool);
			if (!r) {
				continue;
			}
			const def = r.input_schema !== undefined ? { name: r.name, description: r.description, input_schema: r.input_schema } : r;
			defs += text(stringify(def)) + TOOL_DEF_FRAME;
		}
		t.estimate(defs, `${b.tools.length} tool definition${b.tools.length === 1 ? '' : 's'} ≈ ${fmt(defs)} tokens (estimated from their JSON).`);
	}

	return { inputTokens: t.tokens, approximate: t.approximate, notes: t.notes, family, plainText: plainText && !t.approximate && !guess.guessed };
}

function countBlock(blk: Record<string, unknown>, t: Tally, family: Family, currentTurn: boolean, text: (s: string) => number): void {
	switch (blk.type) {
		case 'text':
			t.tokens += typeof blk.text === 'string' ? text(blk.text) : 0;
			return;
		case 'image':
			countImage(asRecord(blk.source), t, family);
			return;
		case 'document':
			countDocument(blk, t, family, text);
			return;
		case 'tool_use':
		case 'server_tool_use':
			t.estimate(text(String(blk.name ?? '')) + text(stringify(blk.input ?? {})) + TOOL_BLOCK_FRAME, 'tool_use blocks are estimated from their JSON input.');
			return;
		case 'tool_result': {
			let n = TOOL_BLOCK_FRAME;
			const c = blk.content;
			if (typeof c === 'string') {
				n += text(c);
			} else if (Array.isArray(c)) {
				for (const inner of c) {
					const r = asRecord(inner);
					if (r?.type === 'text' && typeof r.text === 'string') {
						n += text(r.text);
					} else if (r?.type === 'image') {
						countImage(asRecord(r.source), t, family);
					} else if (r?.type === 'document') {
						countDocument(r, t, family, text);
					}
				}
			}
			t.estimate(n, 'tool_result framing is estimated.');
			return;
		}
		case 'thinking':
			if (currentTurn) {
				t.estimate(text(String(blk.thinking ?? '')) + TOOL_BLOCK_FRAME, 'Thinking in the current assistant turn is counted (estimated framing).');
			} else {
				t.notes.push('Thinking blocks of earlier assistant turns are not counted.');
			}
			return;
		case 'redacted_thinking':
			if (currentTurn) {
				// Redacted thinking is encrypted: its size is all we have (≈ 4 base64 characters a token).
				t.estimate(Math.ceil(String(blk.data ?? '').length / 4), 'Redacted thinking ≈ its data length / 4.');
			}
			return;
		default:
			t.estimate(text(stringify(blk)), `A "${String(blk.type)}" block is estimated from its JSON.`);
	}
}

function countImage(source: Record<string, unknown> | undefined, t: Tally, family: Family): void {
	const lim = IMAGE_LIMITS[family];
	if (source?.type === 'base64' && typeof source.data === 'string') {
		const bytes = decodeBase64(source.data, 64 * 1024);
		if (!bytes) {
			t.estimate(lim.maxTokens, `Image data is not valid base64: assumed the largest image (≈ ${fmt(lim.maxTokens)} tokens).`);
			return;
		}
		const size = imageSize(bytes);
		if (!size) {
			t.estimate(lim.maxTokens, `Image format not recognised: assumed the largest image (≈ ${fmt(lim.maxTokens)} tokens).`);
			return;
		}
		const r = imageTokens(size.width, size.height, family);
		const resized = r.width !== size.width || r.height !== size.height ? `, resized to ${r.width}×${r.height}` : '';
		t.estimate(r.tokens, `image ≈ ${fmt(r.tokens)} tokens (${size.width}×${size.height}${resized}, estimated)`);
		return;
	}
	const kind = source?.type === 'url' ? 'an image URL' : source?.type === 'file' ? 'an uploaded file' : 'an image without data';
	t.estimate(lim.maxTokens, `image ≈ ${fmt(lim.maxTokens)} tokens (${kind}: size unknown offline, assumed the largest)`);
}

function countDocument(blk: Record<string, unknown>, t: Tally, family: Family, text: (s: string) => number): void {
	const source = asRecord(blk.source);
	if (source?.type === 'text' && typeof source.data === 'string') {
		t.estimate(text(source.data) + TOOL_BLOCK_FRAME, 'Plain-text document framing is estimated.');
		return;
	}
	if (source?.type === 'content' && Array.isArray(source.content)) {
		let n = TOOL_BLOCK_FRAME;
		for (const c of source.content) {
			const r = asRecord(c);
			if (r?.type === 'text' && typeof r.text === 'string') {
				n += text(r.text);
			}
		}
		t.estimate(n, 'Document framing is estimated.');
		return;
	}
	const page = imageTokens(PDF_PAGE_SHAPE.width, PDF_PAGE_SHAPE.height, family).tokens;
	const perPage = PDF_TEXT_PER_PAGE + page;
	if (source?.type === 'base64' && typeof source.data === 'string') {
		const bytes = decodeBase64(source.data);
		const pages = bytes ? pdfPageCount(bytes) : undefined;
		if (pages === undefined) {
			t.estimate(perPage, `PDF data is not readable${bytes ? '' : ' (invalid base64)'}: assumed one page (≈ ${fmt(perPage)} tokens).`);
			return;
		}
		const n = Math.max(1, pages);
		t.estimate(n * perPage, `PDF ≈ ${fmt(n * perPage)} tokens (${n} page${n === 1 ? '' : 's'} × (${fmt(PDF_TEXT_PER_PAGE)} text + ${fmt(page)} image), estimated)`);
		return;
	}
	t.estimate(perPage, `PDF ≈ ${fmt(perPage)} tokens per page (page count unknown offline, assumed one page)`);
}
