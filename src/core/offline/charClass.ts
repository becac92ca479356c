/**
 * Character classes of the marked stream. Each code point belongs to exactly one class; the stream
 * builder cuts the text into runs of one class and writes boundary markers by class.
 */

export const enum CharClass {
	/** U+0020: the only character the seam rule deletes and the only one that "borders" a run. */
	Space = 1,
	/** Every other whitespace (tab, newline, U+3000 …): its own runs, never markers. */
	Whitespace = 2,
	/** Letters that form words (Latin, Cyrillic, Arabic, Brahmic, kana …). */
	Letter = 3,
	/** Han, Hangul, every astral code point, other numbers, private use …: tiled as they are, never markers. */
	Hard = 4,
	/** A combining mark that stays inside its word (vowel signs, points, combining letters). */
	Mark = 5,
	/** A mark that closes its word before itself (accents, viramas, nuktas, tone marks, annotations). */
	Killer = 6,
	/** ASCII 0-9: no markers of their own. */
	AsciiDigit = 7,
	/** Any other decimal digit: punctuation's border markers, judged per border character. */
	OtherDigit = 8,
	/** Punctuation, symbols, format and control characters: markers only against a single space. */
	Punct = 9,
	/** Ideographic punctuation U+3001–U+303F: never markers. */
	IdeoPunct = 10,
}

// Canonical combining class 9 (viramas), except U+0E3A THAI PHINTHU, which behaves as an ordinary mark.
const VIRAMAS = [
	0x94d, 0x9cd, 0xa4d, 0xacd, 0xb4d, 0xbcd, 0xc4d, 0xccd, 0xd3b, 0xd3c, 0xd4d, 0xdca, 0xeba, 0xf84, 0x1039,
	0x103a, 0x1714, 0x1715, 0x1734, 0x17d2, 0x1a60, 0x1b44, 0x1baa, 0x1bab, 0x1bf2, 0x1bf3, 0x2d7f, 0xa806, 0xa82c,
	0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed, 0x10a3f, 0x11046, 0x11070, 0x1107f, 0x110b9, 0x11133, 0x11134, 0x111c0,
	0x11235, 0x112ea, 0x1134d, 0x11442, 0x114c2, 0x115bf, 0x1163f, 0x116b6, 0x1172b, 0x11839, 0x1193d, 0x1193e,
	0x119e0, 0x11a34, 0x11a47, 0x11a99, 0x11c3f, 0x11d44, 0x11d45, 0x11d97,
];
// Canonical combining class 7 (nuktas).
const NUKTAS = [
	0x93c, 0x9bc, 0xa3c, 0xabc, 0xb3c, 0xc3c, 0xcbc, 0x1037, 0x1b34, 0x1be6, 0x1c37, 0xa9b3, 0x110ba, 0x11173, 0x111ca,
	0x11236, 0x112e9, 0x1133b, 0x1133c, 0x11446, 0x114c3, 0x115c0, 0x116b7, 0x1183a, 0x11943, 0x11d42, 0x1e94a,
];
/** Inclusive ranges of marks that stand outside their word (besides viramas and nuktas). */
const KILLER_RANGES: ReadonlyArray<readonly [number, number]> = [
	// Combining diacritical marks that do not form letters (U+0345 and U+0363–U+036F stay inside).
	[0x300, 0x33f], [0x342, 0x342], [0x346, 0x362],
	// Cyrillic titlo and pokrytie.
	[0x483, 0x487],
	// Hebrew cantillation.
	[0x591, 0x5af],
	// Thai and Lao tone marks.
	[0xe48, 0xe4b], [0xec8, 0xecb],
	// Combining marks for symbols, diacritical extensions and supplements (accents, not letters).
	[0x1ab0, 0x1abe], [0x1dc0, 0x1dd2], [0x20d0, 0x20f0], [0xfe20, 0xfe2f],
];

const killerSet = new Set<number>([...VIRAMAS, ...NUKTAS]);

function isKillerMark(cp: number): boolean {
	if (killerSet.has(cp)) {
		return true;
	}
	for (const [lo, hi] of KILLER_RANGES) {
		if (cp >= lo && cp <= hi) {
			return true;
		}
	}
	return false;
}

const reLetter = /^\p{L}$/u;
const reMark = /^\p{M}$/u;
const reDecimal = /^\p{Nd}$/u;
const reWhite = /^\p{White_Space}$/u;
const reHan = /^[\p{Script=Han}\p{Script=Hangul}]$/u;

function classify(cp: number): CharClass {
	if (cp === 0x20) {
		return CharClass.Space;
	}
	if (cp >= 0x30 && cp <= 0x39) {
		return CharClass.AsciiDigit;
	}
	if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
		return CharClass.Letter;
	}
	if (cp < 0x80) {
		return cp === 0x09 || cp === 0x0a || cp === 0x0b || cp === 0x0c || cp === 0x0d ? CharClass.Whitespace : CharClass.Punct;
	}
	if (cp >= 0xd800 && cp <= 0xdfff) {
		// A lone surrogate: the API sees U+FFFD in its place.
		return CharClass.Punct;
	}
	if (cp > 0xffff) {
		// No piece holds an astral code point and none takes a marker: letters, marks, punctuation and
		// emoji alike are spelled in bytes.
		return CharClass.Hard;
	}
	const ch = String.fromCodePoint(cp);
	if (cp !== 0xa0 && reWhite.test(ch)) {
		return CharClass.Whitespace;
	}
	if (reLetter.test(ch)) {
		return reHan.test(ch) ? CharClass.Hard : CharClass.Letter;
	}
	if (reMark.test(ch)) {
		return isKillerMark(cp) ? CharClass.Killer : CharClass.Mark;
	}
	if (reDecimal.test(ch)) {
		return CharClass.OtherDigit;
	}
	if (cp >= 0x3001 && cp <= 0x303f) {
		return CharClass.IdeoPunct;
	}
	if (reHan.test(ch)) {
		return CharClass.Hard;
	}
	const cat = /^\p{N}$/u.test(ch) ? 'N' : /^[\p{Co}\p{Cn}\p{Cs}]$/u.test(ch) ? 'C' : '';
	if (cat === 'N' || cat === 'C') {
		return CharClass.Hard;
	}
	return CharClass.Punct;
}

// Lazily filled: 0 means "not classified yet". One byte per code point keeps lookups O(1) and cheap.
const table = new Uint8Array(0x110000);

export function charClass(cp: number): CharClass {
	let c = table[cp];
	if (c === 0) {
		c = classify(cp);
		table[cp] = c;
	}
	return c as CharClass;
}
