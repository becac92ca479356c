import { CharClass, charClass } from './charClass';
import { BOW, CAPS, EOW, SHIFT } from './vocab';

/** Rules of one family's stream (from the vocabulary's `meta` plus the frame's edge rules). */
export interface StreamRules {
	/** v3 folds curly quotes to ASCII before anything else. */
	readonly foldQuotes: boolean;
	/** Minimum letters for an all-caps word to be spelled ⟨caps⟩ + lower case; null = never. */
	readonly allcapsMin: number | null;
	/** Contraction suffixes, apostrophe included (`'s`, `'ll` …). */
	readonly contractions: readonly string[];
	/**
	 * v3/v4.7: the frame ends in a word boundary, which reads as one space before the text (a first run
	 * that writes ⟨bow⟩ absorbs it; otherwise it costs a token). v5: no such space.
	 */
	readonly leadingSpace: boolean;
	/** v5 strips trailing whitespace from the message. */
	readonly stripTrailingWhitespace: boolean;
}

/** Free marker standing for the frame's own word end; never tiled. */
const FRAME_EOW = 0x110010;
/** Zero-cost barrier: no piece spans it. */
export const SPLIT = 0x110011;
const APOSTROPHE = 0x27;
const SPACE = 0x20;
const DOTTED_CAPITAL_I = 0x130;

/** C0 and C1 controls except TAB, LF and NUL. */
const STRIPPED_CONTROLS = /[\u0001-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Private use in the Basic Multilingual Plane (the supplementary planes are unmeasured and kept). */
const PRIVATE_USE_BMP = /[\ue000-\uf8ff]/g;
/** Zs except U+3000 (which has its own cost), plus U+2028 and U+2029. */
const SPACE_SEPARATORS = /[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * NFC, quote folding and (v5) the trailing-whitespace strip: the text the stream is built from.
 * `edges: false` leaves out the message edge rules (final newline, trailing spaces) for text that sits
 * inside a longer rendered prompt.
 */
export function normalizeText(text: string, rules: StreamRules, edges = true): string {
	// The method's published normalisation (the constants of the measured vocabularies, sanderland/ctok):
	// lone surrogates read as U+FFFD; after NFC every C0/C1 control but TAB, LF and NUL costs nothing
	// (CR included, so CRLF text counts as LF text); NUL tokenizes as a space; BMP private-use
	// characters cost nothing; the space separators other than U+3000 count as U+0020.
	let s = text
		.replace(LONE_SURROGATE, '\ufffd')
		.normalize('NFC')
		.replace(STRIPPED_CONTROLS, '')
		.replace(/\u0000/g, ' ')
		.replace(PRIVATE_USE_BMP, '');
	if (rules.foldQuotes) {
		s = s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"');
	}
	s = s.replace(SPACE_SEPARATORS, ' ');
	if (!edges) {
		return s;
	}
	// A final newline joins the frame's own newline: it costs nothing (measured on every family). So
	// does a final run of them after visible text (v3: 12 recorded texts ending in a blank line, each 1
	// over otherwise); a text of nothing but newlines keeps the rest of its run (unmeasured).
	let end = s.length;
	while (end > 0 && s.charCodeAt(end - 1) === 0x0a) {
		end--;
	}
	s = end > 0 ? s.slice(0, end) : s.slice(0, Math.max(0, s.length - 1));
	if (rules.stripTrailingWhitespace) {
		// Only spaces after the last visible character: a trailing newline still counts.
		s = s.replace(/(\S) +$/u, '$1');
	}
	return s;
}

/** Code points of a string (lone surrogates kept as themselves). */
export function toCodePoints(s: string): Int32Array {
	const out = new Int32Array(s.length);
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			const d = s.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) {
				out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
				i++;
				continue;
			}
		}
		out[n++] = c;
	}
	return out.subarray(0, n);
}

function isPunctRun(c: CharClass): boolean {
	return c === CharClass.Punct || c === CharClass.Killer;
}

function isWordClass(c: CharClass): boolean {
	return c === CharClass.Letter || c === CharClass.Mark;
}

function lowerCp(cp: number): number {
	const s = String.fromCodePoint(cp).toLowerCase();
	const l = s.codePointAt(0)!;
	// Only simple one-to-one mappings; anything else (İ → i̇) stays literal.
	return s.length === (l > 0xffff ? 2 : 1) ? l : cp;
}

function isUpper(cp: number): boolean {
	if (cp < 0x80) {
		return cp >= 0x41 && cp <= 0x5a;
	}
	const ch = String.fromCodePoint(cp);
	return ch !== ch.toLowerCase() && /^[\p{Lu}\p{Lt}]$/u.test(ch);
}

function isLower(cp: number): boolean {
	if (cp < 0x80) {
		return cp >= 0x61 && cp <= 0x7a;
	}
	return /^\p{Ll}$/u.test(String.fromCodePoint(cp));
}

/**
 * Builds the marked stream for the code points `cps[from, to)` into `out` (grown as needed) and
 * returns the stream and its length. `from`/`to` must be cut points where no marker decision and no
 * piece crosses (see `cutPoints`); neighbours outside the range are still consulted.
 */
export class StreamBuilder {
	private buf = new Int32Array(1024);
	private len = 0;
	private contractionCps: number[][];

	constructor(private readonly rules: StreamRules) {
		// Longest first, so `'ll` wins over a hypothetical `'l`.
		this.contractionCps = rules.contractions
			.map((c) => Array.from(c, (ch) => ch.codePointAt(0)!))
			.sort((a, b) => b.length - a.length);
	}

	private push(cp: number): void {
		if (this.len === this.buf.length) {
			const next = new Int32Array(this.buf.length * 2);
			next.set(this.buf);
			this.buf = next;
		}
		this.buf[this.len++] = cp;
	}

	/** ⟨bow⟩, applying the seam rule: `⟨eow⟩ ␣ ⟨bow⟩` loses its space. */
	private pushBow(caseMarker = 0): void {
		const b = this.buf;
		const n = this.len;
		if (n >= 2 && b[n - 1] === SPACE && (b[n - 2] === EOW || b[n - 2] === FRAME_EOW)) {
			this.len--;
		}
		if (caseMarker) {
			this.push(caseMarker);
		}
		this.push(BOW);
	}

	build(cps: Int32Array, from: number, to: number): { stream: Int32Array; start: number; length: number } {
		this.len = 0;
		const n = cps.length;
		const atStart = this.rules.leadingSpace && from === 0;
		// A text that opens with a space uses it as the frame's own space instead of adding one.
		const lead = atStart && !(n > 0 && cps[0] === SPACE);
		const spaceAt = (j: number): boolean => (j >= 0 ? j < n && cps[j] === SPACE : j === -1 && lead);
		const leftSingle = (i: number): boolean => spaceAt(i - 1) && !spaceAt(i - 2);
		const rightSingle = (j: number): boolean => j < n && cps[j] === SPACE && !(j + 1 < n && cps[j + 1] === SPACE);
		if (atStart) {
			this.push(FRAME_EOW);
		}
		if (lead) {
			this.push(SPACE);
		}
		let i = from;
		while (i < to) {
			const cp = cps[i];
			const cls = charClass(cp);
			if (isWordClass(cls)) {
				let j = i + 1;
				while (j < to && isWordClass(charClass(cps[j]))) {
					j++;
				}
				this.emitWord(cps, i, j);
				i = j;
				continue;
			}
			// A contraction splits off wherever its apostrophe starts a run (`don't`, `say 's1`), but not after
			// punctuation, whose run swallows the apostrophe (`)'s`, `<'m'`).
			if (cp === APOSTROPHE && (i === 0 || !isPunctRun(charClass(cps[i - 1])))) {
				const len = this.contractionAt(cps, i, to);
				if (len > 0) {
					for (let k = 0; k < len; k++) {
						this.push(cps[i + k]);
					}
					i += len;
					// A contraction ends its word: a following single space is absorbed like after ⟨eow⟩.
					this.push(FRAME_EOW);
					continue;
				}
			}
			switch (cls) {
				case CharClass.Space:
				case CharClass.Whitespace:
				case CharClass.Hard:
				case CharClass.IdeoPunct:
				case CharClass.AsciiDigit: {
					this.push(cp);
					i++;
					break;
				}
				default: {
					// Punctuation, killer marks and non-ASCII digits: markers only against one space.
					let j = i + 1;
					while (j < to && charClass(cps[j]) === cls) {
						j++;
					}
					// A lone apostrophe directly before a letter opens that word and takes no ⟨bow⟩ of its own.
					const opensWord = j - i === 1 && cp === APOSTROPHE && j < to && isWordClass(charClass(cps[j]));
					if (leftSingle(i) && !opensWord) {
						this.pushBow();
					} else if (!opensWord && spaceAt(i - 1) && spaceAt(i - 2)) {
						// After a longer run the punctuation still opens with ⟨bow⟩, but the run keeps all its spaces.
						this.push(SPLIT);
						this.push(BOW);
					}
					for (let k = i; k < j; k++) {
						this.push(cps[k]);
					}
					if (rightSingle(j)) {
						this.push(EOW);
					}
					i = j;
					break;
				}
			}
		}
		let start = 0;
		if (atStart && this.buf[0] === FRAME_EOW) {
			start = 1;
		}
		return { stream: this.buf, start, length: this.len - start };
	}

	private contractionAt(cps: Int32Array, i: number, to: number): number {
		outer: for (const c of this.contractionCps) {
			if (i + c.length > to) {
				continue;
			}
			for (let k = 0; k < c.length; k++) {
				if (cps[i + k] !== c[k]) {
					continue outer;
				}
			}
			// `i'tuto`, `ke'sa`: a suffix followed by more of the word is no contraction.
			if (i + c.length < to && isWordClass(charClass(cps[i + c.length]))) {
				continue;
			}
			return c.length;
		}
		return 0;
	}

	private emitWord(cps: Int32Array, i: number, j: number): void {
		const headIsMark = charClass(cps[i]) === CharClass.Mark;
		let mode = 0; // 0 literal, 1 shift, 2 caps
		if (!headIsMark && isUpper(cps[i]) && cps[i] !== DOTTED_CAPITAL_I) {
			let otherUpper = false;
			let letters = 0;
			let allUpper = true;
			let caseless = false;
			for (let k = i; k < j; k++) {
				const c = cps[k];
				if (charClass(c) !== CharClass.Letter) {
					continue;
				}
				letters++;
				if (k > i && isUpper(c)) {
					if (c !== DOTTED_CAPITAL_I) {
						otherUpper = true;
					}
				} else if (k > i) {
					allUpper = false;
					if (!isLower(c)) {
						caseless = true;
					}
				}
			}
			if (!otherUpper) {
				mode = 1;
			} else if (allUpper && !caseless && this.rules.allcapsMin !== null && letters >= this.rules.allcapsMin) {
				mode = 2;
			}
		}
		const caseMarker = mode === 1 ? SHIFT : mode === 2 ? CAPS : 0;
		// The case marker stands before the word's ⟨bow⟩; the seam looks through it.
		this.pushBow(caseMarker);
		for (let k = i; k < j; k++) {
			const c = cps[k];
			if (mode === 2 || (mode === 1 && k === i)) {
				this.push(c === 0x3a3 ? 0x3c3 : lowerCp(c));
			} else {
				this.push(c);
			}
		}
		this.push(EOW);
	}
}

/**
 * Indices where the text can be cut into independently counted chunks: right after a non-space
 * whitespace character and before a non-whitespace one. No piece mixes whitespace with anything else
 * and no marker decision looks across such a point, so the chunks' counts add up exactly.
 */
export function nextCut(cps: Int32Array, from: number, minLength: number): number {
	const n = cps.length;
	for (let k = Math.max(from + minLength, 1); k < n; k++) {
		const prev = charClass(cps[k - 1]);
		if (prev === CharClass.Whitespace) {
			const c = charClass(cps[k]);
			if (c !== CharClass.Whitespace && c !== CharClass.Space) {
				return k;
			}
		}
	}
	return n;
}
