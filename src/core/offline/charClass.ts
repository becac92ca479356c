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
	/** Han, Hangul, every astral code point, letter numbers, private use …: tiled as they are, never markers. */
	Hard = 4,
	/** A combining mark that stays inside its word: an Alphabetic mark (vowel signs, points, combining letters). */
	Mark = 5,
	/** A non-Alphabetic mark, closing its word before itself (accents, viramas, nuktas, tone marks). */
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

// A mark stays inside its word exactly when it is Alphabetic (vowel signs, Hebrew and Arabic points,
// combining Latin letters, Thai phinthu); every other mark (accents, viramas, nuktas, tone marks,
// cantillation) closes the word before itself. This matches every mark the vocabularies measured.
const reAlphabetic = /^\p{Alphabetic}$/u;

function isKillerMark(cp: number): boolean {
	return !reAlphabetic.test(String.fromCodePoint(cp));
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
	// Letter numbers, private use and unassigned code points take no markers. Other numbers (², ½)
	// behave as punctuation: the vocabulary holds `²⟨eow⟩` and `²}-.⟨eow⟩`.
	if (/^[\p{Nl}\p{Co}\p{Cn}\p{Cs}]$/u.test(ch)) {
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
