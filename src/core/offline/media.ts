/**
 * Media for the offline estimate: image dimensions from the header of a PNG, JPEG, GIF or WebP file,
 * the page count of a PDF, and the rules that price images, PDF pages and text documents. Never throws
 * on bad input.
 *
 * The rules were fitted on recorded requests with the API's own counts: for each media block, the
 * count minus the exactly known text around it. "Measured" below names what each figure rests on.
 */
import { parseClaudeVersion } from './families';
import type { Family } from './tokenizer';

export interface ImageSize {
	width: number;
	height: number;
	format: 'png' | 'jpeg' | 'gif' | 'webp';
}

/** Strict base64 decode: undefined when the string is not base64 (after removing whitespace). */
export function decodeBase64(data: string, maxBytes = Infinity): Uint8Array | undefined {
	if (typeof data !== 'string') {
		return undefined;
	}
	let s = data.replace(/\s+/g, '');
	// Accept a data: URL prefix, as people paste them.
	const comma = s.startsWith('data:') ? s.indexOf(',') : -1;
	if (comma >= 0) {
		s = s.slice(comma + 1);
	}
	if (s.length === 0 || s.length % 4 === 1 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) {
		return undefined;
	}
	if (maxBytes !== Infinity) {
		// Decode only the head when only the header is needed.
		const chars = Math.ceil(maxBytes / 3) * 4;
		if (s.length > chars) {
			s = s.slice(0, chars);
		}
	}
	return new Uint8Array(Buffer.from(s, 'base64'));
}

function u16be(b: Uint8Array, o: number): number {
	return (b[o] << 8) | b[o + 1];
}
function u32be(b: Uint8Array, o: number): number {
	return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}
function u16le(b: Uint8Array, o: number): number {
	return b[o] | (b[o + 1] << 8);
}
function u24le(b: Uint8Array, o: number): number {
	return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
}

/** Dimensions from an image's header bytes, or undefined when the format is unknown or truncated. */
export function imageSize(b: Uint8Array): ImageSize | undefined {
	const n = b.length;
	// PNG: signature, then the IHDR chunk (width, height as big-endian u32).
	if (n >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
		return valid({ width: u32be(b, 16), height: u32be(b, 20), format: 'png' });
	}
	// GIF87a/GIF89a: logical screen size, little-endian u16.
	if (n >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) {
		return valid({ width: u16le(b, 6), height: u16le(b, 8), format: 'gif' });
	}
	// WebP: RIFF....WEBP then a VP8 / VP8L / VP8X chunk.
	if (n >= 30 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) {
		const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
		if (chunk === 'VP8X') {
			return valid({ width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, format: 'webp' });
		}
		if (chunk === 'VP8L' && b[20] === 0x2f) {
			const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
			return valid({ width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, format: 'webp' });
		}
		if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
			return valid({ width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, format: 'webp' });
		}
		return undefined;
	}
	// JPEG: walk the segments to the first start-of-frame marker.
	if (n >= 4 && b[0] === 0xff && b[1] === 0xd8) {
		let o = 2;
		while (o + 9 < n) {
			if (b[o] !== 0xff) {
				o++;
				continue;
			}
			const marker = b[o + 1];
			if (marker === 0xff) {
				o++;
				continue;
			}
			if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
				o += 2;
				continue;
			}
			const len = u16be(b, o + 2);
			const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
			if (isSof) {
				return valid({ width: u16be(b, o + 7), height: u16be(b, o + 5), format: 'jpeg' });
			}
			if (len < 2) {
				return undefined;
			}
			o += 2 + len;
		}
	}
	return undefined;
}

function valid(s: ImageSize): ImageSize | undefined {
	return s.width > 0 && s.height > 0 ? s : undefined;
}

/**
 * Page count of a PDF: the largest `/Count` of a `/Type /Pages` node when present, else the number of
 * `/Type /Page` objects. Undefined when the bytes are not a PDF. Compressed object streams can hide
 * page objects; the `/Count` path covers most real files.
 */
export function pdfPageCount(b: Uint8Array): number | undefined {
	if (b.length < 5 || b[0] !== 0x25 || b[1] !== 0x50 || b[2] !== 0x44 || b[3] !== 0x46) {
		return undefined;
	}
	const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
	let maxCount = 0;
	// A /Count belongs to a page-tree node when /Type /Pages sits in the same dictionary nearby.
	for (const m of text.matchAll(/\/Count\s+(\d+)/g)) {
		const at = m.index ?? 0;
		const around = text.slice(Math.max(0, at - 400), at + 400);
		const v = Number(m[1]);
		if (/\/Type\s*\/Pages\b/.test(around) && v > maxCount && v < 1_000_000) {
			maxCount = v;
		}
	}
	if (maxCount > 0) {
		return maxCount;
	}
	const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g);
	return pages ? pages.length : 0;
}

/** One image token is one 28 × 28 px patch (fits every recorded image exactly, 1×1 to 3008×2000 px). */
const PATCH = 28;

interface ImageRule {
	/** Long-edge limit of the API's resize, in px. */
	longEdge: number;
	/** Patch budget: a larger image is scaled to fit it. */
	maxPatches: number;
	/** Tokens an image block adds beyond its patches, inside a message. */
	frame: number;
}

/**
 * Per family. v3: 1568 px / 1,600 patches, +3 (measured: 60 one-message requests on 14 models,
 * exact on all but Claude 3.5 Haiku, which drifts 3–35 over on 5 of 12); 3008×2000 → 49×32 and
 * 1191×1128 → 41×38 patches fix the over-budget rounding (scale to the budget, then floor).
 * v4.7: −2 and v5: +3 (measured: 11 requests with one 330×291 image; both totals are 156 for the
 * same body, the offset is v5's shorter one-message frame). Their 2576 px / 4,784-patch limits are
 * Anthropic's published high-resolution figures; no recording reaches them.
 */
const IMAGE_RULES: Record<Family, ImageRule> = {
	'v3': { longEdge: 1568, maxPatches: 1600, frame: 3 },
	'v4.7': { longEdge: 2576, maxPatches: 4784, frame: -2 },
	'v5': { longEdge: 2576, maxPatches: 4784, frame: 3 },
};

/** The API rejects images above 8000 px on a side (Anthropic's vision docs). */
export const MAX_IMAGE_EDGE = 8000;

export interface ImageTokens {
	/** Tokens of the image block: patches plus its frame. */
	tokens: number;
	patches: number;
	/** Size after the API's resize (px). */
	width: number;
	height: number;
}

function grid(width: number, height: number, longEdge: number, maxPatches: number, fill: boolean): { cols: number; rows: number; scale: number } {
	const w = Number.isFinite(width) && width > 1 ? width : 1;
	const h = Number.isFinite(height) && height > 1 ? height : 1;
	const budget = Math.sqrt((maxPatches * PATCH * PATCH) / (w * h));
	const scale = Math.min(fill ? budget : Math.min(1, budget), longEdge / Math.max(w, h));
	if (scale >= 1 && !fill) {
		// Not resized: the patches that cover the image (measured: 330×291 → 12×11).
		return { cols: Math.ceil(w / PATCH), rows: Math.ceil(h / PATCH), scale: 1 };
	}
	// Resized to the budget: whole patches only (measured: 3008×2000 → 49×32, a US-letter page → 35×45).
	return { cols: Math.max(1, Math.floor((w * scale) / PATCH)), rows: Math.max(1, Math.floor((h * scale) / PATCH)), scale };
}

/**
 * Claude 3.5 Haiku covers an image with patches in pairs: each side's patch count is rounded up to an
 * even number (v3, 7 sizes from 1×1 to 603×427 in 5 projects: 1×1 → 2×2, 128×128 → 6×6, 330×291 →
 * 12×12, 540×360 → 20×14, 420×512 → 16×20, and 499×313, 603×427 already even; 21 of 21 recordings
 * exact, 18 of them 3–35 under with the plain grid). Other models keep the plain grid (Haiku 4.5 128×128
 * and 330×291, Claude 3 Haiku 50×65, Sonnet 3.5 228×148: exact). Resized images are not recorded on it:
 * the same rounding is assumed after the resize.
 */
export function pairsImagePatches(model: string): boolean {
	const v = parseClaudeVersion(model);
	return !!v && v[0] === 3 && v[1] === 5 && /haiku/.test(model.toLowerCase());
}

/** Tokens of an image of this size in a message, after the API's resize for the family (and model). */
export function imageTokens(width: number, height: number, family: Family, model = ''): ImageTokens {
	const rule = IMAGE_RULES[family];
	const g = grid(width, height, rule.longEdge, rule.maxPatches, false);
	if (family === 'v3' && pairsImagePatches(model)) {
		g.cols += g.cols % 2;
		g.rows += g.rows % 2;
	}
	const patches = g.cols * g.rows;
	return {
		tokens: Math.max(1, patches + rule.frame),
		patches,
		width: Math.max(1, Math.round((Number.isFinite(width) ? width : 1) * g.scale)),
		height: Math.max(1, Math.round((Number.isFinite(height) ? height : 1) * g.scale)),
	};
}

/** The largest image a family takes, for an image whose size is unknown. */
export function largestImageTokens(family: Family): number {
	const rule = IMAGE_RULES[family];
	return rule.maxPatches + rule.frame;
}

/**
 * A PDF page is rendered as large as its covering patch grid allows within v3's budget (1,600 patches,
 * 1568 px), whatever the family. Measured: a US-letter page is 35×45 = 1,575 patches on v3, v4.7 and
 * v5 alike (8 models), an A4 page 34×47 = 1,598 (3 recordings); scaling to the pixel budget as images
 * do would give A4 33×47, 47 short.
 */
const PAGE_BUDGET = { longEdge: 1568, maxPatches: 1600 };

/** Patches of one PDF page of this size in points. */
export function pdfPagePatches(widthPt: number, heightPt: number): number {
	const w = Number.isFinite(widthPt) && widthPt > 0 ? widthPt : 612;
	const h = Number.isFinite(heightPt) && heightPt > 0 ? heightPt : 792;
	const cover = (scale: number) => Math.max(1, Math.ceil((w * scale) / PATCH - 1e-9)) * Math.max(1, Math.ceil((h * scale) / PATCH - 1e-9));
	const limit = PAGE_BUDGET.longEdge / Math.max(w, h);
	// The covering grid only grows with the scale, and changes where a side reaches a whole patch:
	// the largest scale that fits is one of those points (or the long-edge limit).
	let best = 0;
	const consider = (scale: number) => {
		if (scale > best && scale <= limit && cover(scale) <= PAGE_BUDGET.maxPatches) {
			best = scale;
		}
	};
	consider(limit);
	for (let n = 1; n <= PAGE_BUDGET.maxPatches; n++) {
		consider((PATCH * n) / w);
		consider((PATCH * n) / h);
	}
	return best > 0 ? cover(best) : 1;
}

/**
 * Tokens a PDF document block adds beyond its pages (patches + text), per family and model.
 * Measured on one-page PDFs in one-message requests: v3 −2 (12 exact recordings: Haiku 4.5, Sonnet 4
 * and 4.5, Opus 4.1 and 4.5, Sonnet 3.7; Claude 3.5 Sonnet's two are 1–2 lower); Opus/Sonnet 4.6 0
 * (2); Claude 3.5 Haiku +32 (4, two files); v4.7 −2 (2); v5 +3 (1). Multi-page PDFs were not recorded: pages are
 * assumed to add nothing beyond their own patches and text.
 */
export function pdfFrame(family: Family, model: string): number {
	if (family !== 'v3') {
		return family === 'v5' ? 3 : -2;
	}
	const id = model.toLowerCase();
	if (/3-5-haiku|haiku-3-5/.test(id)) {
		return 32;
	}
	if (/(?:opus|sonnet)-4-6/.test(id)) {
		return 0;
	}
	return -2;
}

/**
 * A text or content document: its text plus a frame. Measured: v3 plain-text documents without
 * citations, text + 35–38 (4 recordings; 38 taken, the current models' figure). No recording has one
 * on v4.7 or v5: v3's figure shifted by the image frame's offset (v4.7 −5, v5 0).
 */
export function textDocumentFrame(family: Family): number {
	return family === 'v4.7' ? 33 : 38;
}

/**
 * Citations enabled add a prompt once per request plus a cost per citable chunk (a sentence of a text
 * or PDF document, a block of a content document or search result), on top of the block's own frame.
 * Measured: v3 477 + 17 per sentence (35 recordings of 1, 2 and 4 sentences; Opus/Sonnet 4.6 +2; two
 * and four cited search results in one request pay the prompt once; 477, not 478: the 23 exact
 * recordings of one cited text document without thinking, on 8 models, were all 1 over with 478, and
 * the same bodies with thinking enabled take the separator of citationsThinkingSeparator), v4.7 721 +
 * 17 (2 recordings of 2 sentences: the per-sentence figure is v3's). v5 has none recorded: v4.7's.
 */
export function citationTokens(family: Family, model: string, chunks: number, withPrompt: boolean): number {
	const prompt = family === 'v3' ? 477 + (/(?:opus|sonnet)-4-6/.test(model.toLowerCase()) ? 2 : 0) : 721;
	return (withPrompt ? prompt : 0) + 17 * Math.max(1, chunks);
}

/**
 * A search_result block beyond a content document's frame: 15 (v3, cited results in a tool_result:
 * Haiku 4.5 one result, 2 exact recordings 16 over with 30, now 1 over; Sonnet 4.6 two and four
 * results, 4 reserialized recordings 39 and 63 over with 30, now 9 and 3 over. 14 would make the exact
 * pair exact but the four-result pair 1 under: the over-count taken). Its two fields take
 * DOCUMENT_FIELD_FRAME each, so 15 − 2 × 4 here.
 */
export const SEARCH_RESULT_EXTRA = 7;

/** Sentences of a text, as citations chunk a plain-text or PDF document. */
export function sentenceCount(text: string): number {
	return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim().length > 0).length;
}

/**
 * A document's title and context (and a search result's title and source) are text with a frame of
 * 11. Measured (v3, Haiku 4.5): a cited text document titled "facts.txt", 2 exact recordings 4 under
 * with 7, exact with 11; an uncited one titled "quarterly_sales.csv", 1 reserialized recording 3
 * under with 7, 1 over with 11 (they disagree by one: the over-count taken). Context was not recorded
 * and is assumed alike.
 */
export const DOCUMENT_FIELD_FRAME = 11;

/**
 * The title of a page a web_fetch result holds keeps the frame of 7 that WEB_FETCH_EXTRA was fitted
 * with (11 would put 5 exact web_fetch recordings on v3 and v5 over).
 */
export const FETCHED_TITLE_FRAME = 7;

/** A text block right after an image or a document costs one token more (measured: 3 recordings). */
export const TEXT_AFTER_MEDIA = 1;

/**
 * A document right after another media block in the same message: after an image it costs one token
 * more (v3: text, image, PDF on Claude 3.5 Haiku, Haiku 4.5 twice, 3 exact recordings 1 under without
 * it); after a document one less on Claude 3.5 Haiku (the same one-page PDF twice: 10 exact recordings
 * 1 over without it, the PDF alone exact). No other model has two documents recorded: they keep the
 * full cost, the over-count.
 */
export function documentAfterMedia(previous: unknown, model: string): number {
	if (previous === 'image') {
		return 1;
	}
	const v = parseClaudeVersion(model);
	return previous === 'document' && !!v && v[0] === 3 && v[1] === 5 && /haiku/.test(model.toLowerCase()) ? -1 : 0;
}

/**
 * An image inside a tool_result costs 11 tokens more than the same image as a block of its own, and
 * each change between text and image inside the result 7 more (v3, Claude 4 and later, one call and its
 * result: image alone 14 recordings (4 exact) all 11 under without it; text then image 11 recordings, 9
 * at 18 = 11 + 7; image then text 1 at 18; text, image, text 4 at 24, one over with 7 twice). Claude 3.5
 * Haiku's one shape (text then image, 5 recordings) is exact too once its image is covered in pairs of
 * patches (pairsImagePatches).
 */
export const IMAGE_IN_RESULT = 11;
export const TEXT_IMAGE_IN_RESULT = 7;

/**
 * A document inside a tool_result costs 2 tokens more than as a block of its own, and a change between
 * text and a document inside the result 15 more (v3: pydantic-ai, Sonnet 4.5, 7 results holding one
 * PDF or text document 1–2 under without it, the larger taken: a budget must not under-count; ruby-llm,
 * Haiku 4.5, text then a PDF, 2 recordings of one body 17 under without either). An estimate.
 */
export const DOCUMENT_IN_RESULT = 2;
export const TEXT_DOCUMENT_IN_RESULT = 15;

/**
 * Of the words a PDF's kerning breaks (see kerningSplits in pdf.ts), one costs nothing: the two PDFs
 * recorded with such breaks, 32 and 4 of them, are 31 and 3 tokens over the PDF.js text (v3: 37 and 2
 * recordings, every one 1 over when each break costs a token; PDFs without breaks unchanged).
 */
export const KERNING_SPLITS_FREE = 1;

/**
 * Extended thinking after the citations prompt is set off from it by one token, as after a system
 * prompt, on v3 except Claude 4.6 (one cited text document, thinking enabled: Sonnet 4, Opus 4.1,
 * Sonnet 4.5, Opus 4.5 8 of 8 exact with it; Opus and Sonnet 4.6 4 of 4 exact without).
 */
export function citationsThinkingSeparator(family: Family, model: string): number {
	return family === 'v3' && !/(?:opus|sonnet|haiku)-4-6/.test(model.toLowerCase()) ? 1 : 0;
}
