/**
 * Token figures of prompt text with the offline tokenizer: a prompt file's breakdown, and bounded counts
 * for arbitrarily large text (selections). Pure: no editor dependency.
 */
import { type Family, type VocabStore, familyForModel } from '../offline';
import type { ModelInfo } from '../cost';
import type { MessagesBody } from '../types';
import { type PromptDocument, placeholderSummary } from './promptFile';

/** The tokenizer family a model is counted with: the pricing row's own when it names one. */
export function familyFor(model: string, info?: ModelInfo): Family {
	return info?.tokenizer ?? familyForModel(model).family;
}

export interface BoundedCount {
	readonly tokens: number;
	/** True when the text was longer than the bound and the figure is extrapolated from samples. */
	readonly estimated: boolean;
	/** Characters actually tokenized. */
	readonly countedChars: number;
}

/**
 * Text up to this many UTF-16 units is counted exactly: about 0.15 s on the offline tokenizer (1 MB of
 * Markdown measured at 0.12 s on the development machine, after warm-up).
 */
export const EXACT_COUNT_LIMIT = 1_000_000;
const SAMPLES = 8;

/** Tokens of a piece of text, on one tokenizer family (e.g. `(s) => vocabs.countText(s, family)`). */
export type TextCount = (text: string) => number;

/**
 * Tokens of `text`; above `limit` characters, `SAMPLES` evenly spread windows of `limit / SAMPLES`
 * characters are counted and the figure is scaled by length, so the work stays bounded on any input.
 */
export function countBounded(text: string, count: TextCount, limit = EXACT_COUNT_LIMIT): BoundedCount {
	return countBoundedSlices(text.length, (start, end) => text.slice(start, end), count, limit);
}

/**
 * The same over text read piecewise (an editor selection of any size): only the sampled windows are ever
 * materialised. `slice` returns the text between two offsets of the whole.
 */
export function countBoundedSlices(length: number, slice: (start: number, end: number) => string, count: TextCount, limit = EXACT_COUNT_LIMIT): BoundedCount {
	if (length <= limit) {
		return { tokens: count(slice(0, length)), estimated: false, countedChars: length };
	}
	const width = Math.max(1024, Math.floor(limit / SAMPLES));
	const stride = (length - width) / (SAMPLES - 1);
	let tokens = 0;
	let chars = 0;
	for (let i = 0; i < SAMPLES; i++) {
		const from = Math.floor(i * stride);
		// Read a little more than the window, to cut it at whitespace: no window starts or ends inside a word.
		const raw = slice(from, Math.min(length, from + width + 128));
		const start = from === 0 ? 0 : snap(raw, 0);
		const end = from + width >= length ? raw.length : snap(raw, Math.min(raw.length, width));
		if (end <= start) {
			continue;
		}
		tokens += count(raw.slice(start, end));
		chars += end - start;
	}
	return { tokens: chars ? Math.round((tokens * length) / chars) : 0, estimated: true, countedChars: chars };
}

function snap(text: string, at: number): number {
	if (at <= 0 || at >= text.length) {
		return Math.max(0, Math.min(text.length, at));
	}
	const limit = Math.min(text.length, at + 64);
	for (let i = at; i < limit; i++) {
		if (text.charCodeAt(i) <= 32) {
			return i;
		}
	}
	// A low surrogate must not start a window.
	const c = text.charCodeAt(at);
	return c >= 0xdc00 && c <= 0xdfff ? at + 1 : at;
}

export interface PromptCount {
	readonly family: Family;
	/** Tokens of the counted text (front matter of formats that say so, placeholders and comments left out). */
	readonly tokens: number;
	/** True when placeholders were left unresolved: the figure is a lower bound ("≥"). */
	readonly lowerBound: boolean;
	/** True when the file was too long to count whole and the figure is extrapolated ("≈"). */
	readonly estimated: boolean;
	readonly frontMatter?: { readonly tokens: number; readonly counted: boolean; readonly error?: string };
	/** Tokens of the counted text after the front matter (all of it when the front matter is left out). */
	readonly bodyTokens: number;
	readonly placeholders: readonly { readonly name: string; readonly text: string; readonly count: number }[];
	readonly removed: readonly { readonly reason: string; readonly count: number }[];
}

/** The offline figure of a prompt file and its parts on one tokenizer family. */
export function countPrompt(doc: PromptDocument, source: string, family: Family, vocabs: VocabStore): PromptCount {
	const count: TextCount = (text) => vocabs.countText(text, family);
	const whole = countBounded(doc.countedText, count);
	let frontMatter: PromptCount['frontMatter'];
	let bodyTokens = whole.tokens;
	if (doc.frontMatter) {
		const fmTokens = countBounded(source.slice(doc.frontMatter.range.start, doc.frontMatter.range.end), count).tokens;
		frontMatter = { tokens: fmTokens, counted: doc.frontMatterCounted, error: doc.frontMatter.error };
		if (doc.frontMatterCounted) {
			bodyTokens = Math.max(0, whole.tokens - fmTokens);
		}
	}
	const reasons = new Map<string, number>();
	for (const r of doc.removed) {
		reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
	}
	return {
		family,
		tokens: whole.tokens,
		lowerBound: doc.placeholders.length > 0,
		estimated: whole.estimated,
		frontMatter,
		bodyTokens,
		placeholders: placeholderSummary(doc.placeholders),
		removed: [...reasons].map(([reason, count]) => ({ reason, count })),
	};
}

/** A one-character turn: count_tokens needs a user message, so a system prompt is measured beside one. */
const FILLER: MessagesBody['messages'] = [{ role: 'user', content: '.' }];

/** The request that holds the prompt text as one user message. */
export function asUserRequest(text: string, model: string): MessagesBody {
	return { model, messages: [{ role: 'user', content: text }] };
}

/**
 * The two requests whose difference is what the text adds as a system prompt: with it, and without it
 * (the same one-character user turn in both). Counting both on any counter gives the system prompt's share.
 */
export function asSystemRequests(text: string, model: string): { withPrompt: MessagesBody; without: MessagesBody } {
	return { withPrompt: { model, system: text, messages: FILLER }, without: { model, messages: FILLER } };
}
