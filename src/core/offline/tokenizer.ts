import { StreamBuilder, type StreamRules, nextCut, normalizeText, toCodePoints } from './stream';
import { Tiler } from './tiler';
import type { Vocab, VocabFamily } from './vocab';

export type Family = 'v3' | 'v4.7' | 'v5';

export const FAMILIES: readonly Family[] = ['v3', 'v4.7', 'v5'];

/** Which vocabulary file a family reads: v5 borrows v4.7's. */
export function vocabFamilyOf(family: Family): VocabFamily {
	return family === 'v3' ? 'v3' : 'v4.7';
}

/**
 * One-user-message frame per family. v3 and v4.7 take `meta.message_overhead` from their file; v5's
 * frame is measured separately (a one-character message is 7 tokens on v5 against 12 on v4.7), and it
 * strips trailing whitespace and ends in no word boundary.
 */
const FRAME: Record<Family, { overhead?: number; leadingSpace: boolean; stripTrailingWhitespace: boolean }> = {
	'v3': { leadingSpace: true, stripTrailingWhitespace: false },
	'v4.7': { leadingSpace: true, stripTrailingWhitespace: false },
	'v5': { overhead: 6, leadingSpace: false, stripTrailingWhitespace: true },
};

/**
 * Both families split the same contraction suffixes off a word; the v4.7 vocabulary merely lacks single
 * pieces for `'m`, `'ll` and `'d`, which then tile as an apostrophe plus letters.
 */
const CONTRACTIONS: readonly string[] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

const MARKER_NAMES: Record<number, string> = { 0x110000: '⟨bow⟩', 0x110001: '⟨eow⟩', 0x110002: '⟨shift⟩', 0x110003: '⟨caps⟩' };

/** A family's loaded tokenizer: vocabulary, stream rules and a reusable tiler. */
export class FamilyTokenizer {
	readonly messageOverhead: number;
	readonly rules: StreamRules;
	private readonly builder: StreamBuilder;
	private readonly innerBuilder: StreamBuilder;
	private readonly tiler: Tiler;

	constructor(readonly family: Family, readonly vocab: Vocab) {
		const frame = FRAME[family];
		this.messageOverhead = frame.overhead ?? vocab.meta.messageOverhead;
		this.rules = {
			foldQuotes: vocab.meta.foldQuotes,
			allcapsMin: vocab.meta.allcapsMin,
			contractions: CONTRACTIONS,
			leadingSpace: frame.leadingSpace,
			stripTrailingWhitespace: frame.stripTrailingWhitespace,
		};
		this.builder = new StreamBuilder(this.rules);
		this.innerBuilder = new StreamBuilder({ ...this.rules, leadingSpace: false, stripTrailingWhitespace: false });
		this.tiler = new Tiler(vocab);
	}

	/** Tokens of the text as the content of one message (frame excluded). */
	countContent(text: string): number {
		return this.tileAll(toCodePoints(normalizeText(text, this.rules)), this.builder);
	}

	/**
	 * Tokens of the text where it stands inside a longer rendered prompt, after a piece boundary: no
	 * frame space before it and no edge rule at its end (how tool definitions and other rendered
	 * structure are counted).
	 */
	countInner(text: string): number {
		return this.tileAll(toCodePoints(normalizeText(text, this.rules, false)), this.innerBuilder);
	}

	private tileAll(cps: Int32Array, builder: StreamBuilder): number {
		let total = 0;
		let from = 0;
		while (from < cps.length) {
			const to = nextCut(cps, from, 4096);
			const { stream, start, length } = builder.build(cps, from, to);
			total += this.tiler.tile(stream, start, length);
			from = to;
		}
		return total;
	}

	/**
	 * The marked stream of a text in the vocabulary's notation, before tiling (for debugging and tests).
	 * Zero-cost barriers are left out.
	 */
	stream(text: string): string {
		const cps = toCodePoints(normalizeText(text, this.rules));
		const { stream, start, length } = this.builder.build(cps, 0, cps.length);
		let out = '';
		for (let i = start; i < start + length; i++) {
			const cp = stream[i];
			out += MARKER_NAMES[cp] ?? (cp > 0x10ffff ? '' : String.fromCodePoint(cp));
		}
		return out;
	}

	/** The marked stream of a text, in the vocabulary's notation (for debugging and tests). */
	explain(text: string): string {
		const cps = toCodePoints(normalizeText(text, this.rules));
		const { stream, start, length } = this.builder.build(cps, 0, cps.length);
		const show = (a: number, b: number) => {
			let out = '';
			for (let i = a; i < b; i++) {
				out += MARKER_NAMES[stream[i]] ?? String.fromCodePoint(stream[i] > 0x10ffff ? 0x2502 : stream[i]);
			}
			return out;
		};
		return this.tiler
			.spans(stream, start, length)
			.map(([a, b, isPiece]) => (isPiece ? show(start + a, start + b) : `⟨bytes ${show(start + a, start + b)}⟩`))
			.join(' · ');
	}
}
