import * as assert from 'node:assert/strict';
import { charClass, CharClass } from '../../src/core/offline/charClass';
import { type Family, FAMILIES } from '../../src/core/offline/tokenizer';
import { countText, loadFamily } from '../core';

/**
 * The stream rewrite rules that the recorded count_tokens corpora pin down, each checked on the marked
 * stream itself or on a cost difference that only that rule explains.
 */
const stream = (text: string, family: Family = 'v5') => loadFamily(family).stream(text);

describe('offline rules: spaces', () => {
	for (const family of FAMILIES) {
		it(`${family}: a run of several spaces keeps every space before punctuation`, () => {
			// The run tiles in pieces of at most 16 spaces; the punctuation opens with ⟨bow⟩ on its own.
			const base = countText('a\n(', family);
			for (let n = 2; n <= 49; n++) {
				assert.equal(countText(`a\n${' '.repeat(n)}(`, family) - base, Math.ceil(n / 16), `${n} spaces`);
			}
		});
	}

	it('one space between words is absorbed by the word boundary', () => {
		assert.equal(stream('a pple'), '⟨bow⟩a⟨eow⟩⟨bow⟩pple⟨eow⟩');
		assert.equal(stream('a  ('), '⟨bow⟩a⟨eow⟩  ⟨bow⟩(');
	});

	it('v3 and v4.7: a text opening with a space costs the same as without it', () => {
		for (const family of ['v3', 'v4.7'] as const) {
			assert.equal(countText(' procedure main()', family), countText('procedure main()', family));
			assert.equal(stream(' procedure', family), '⟨bow⟩procedure⟨eow⟩');
		}
		// v5 has no frame space to merge with.
		assert.equal(countText(' procedure', 'v5'), countText('procedure', 'v5') + 1);
	});
});

describe('offline rules: astral code points', () => {
	it('letters, marks and punctuation above U+FFFF take no markers and cost their UTF-8 bytes', () => {
		// Chakma letters, virama and danda: 6 code points of 4 bytes, two spaces.
		const text = '𑄃𑄳𑄃 𑄃𑅁 𑄃';
		assert.equal(stream(text), text);
		assert.equal(countText(text, 'v5'), 6 * 4 + 2);
		for (const cp of [0x11103, 0x11133, 0x11141, 0x1e900, 0x1f42b]) {
			assert.equal(charClass(cp), CharClass.Hard, cp.toString(16));
		}
	});
});

describe('offline rules: combining marks', () => {
	it('an Alphabetic mark stays inside its word; any other mark closes it', () => {
		// Tai Tham vowel sign AA (Alphabetic) against tone mark 1 (not Alphabetic).
		assert.equal(stream('ᨠᩣᨠ'), '⟨bow⟩ᨠᩣᨠ⟨eow⟩');
		assert.equal(stream('ᨠ᩵ᨠ'), '⟨bow⟩ᨠ⟨eow⟩᩵⟨bow⟩ᨠ⟨eow⟩');
		// Every mark the vocabularies measured inside a word (mark_mid) or as a separator (mark_sep).
		const inside = [0x5b0, 0x5bc, 0x64b, 0x652, 0xe38, 0xeb9, 0xf72, 0xf7c, 0x93f, 0x9be, 0xabe, 0x17b6];
		const separate = [0x301, 0x93c, 0x94d, 0x9cd, 0xbcd, 0xd4d, 0xdca, 0xe48, 0xec8, 0x1037, 0x1039, 0x103a, 0x17d2];
		for (const cp of inside) {
			assert.equal(charClass(cp), CharClass.Mark, cp.toString(16));
		}
		for (const cp of separate) {
			assert.equal(charClass(cp), CharClass.Killer, cp.toString(16));
		}
	});
});

describe('offline rules: apostrophes and contractions', () => {
	it('a contraction followed by more letters is no contraction', () => {
		assert.equal(stream("i'tuto"), "⟨bow⟩i⟨eow⟩'⟨bow⟩tuto⟨eow⟩");
		assert.equal(stream("ke'sa"), "⟨bow⟩ke⟨eow⟩'⟨bow⟩sa⟨eow⟩");
		assert.equal(stream("don't go"), "⟨bow⟩don⟨eow⟩'t⟨bow⟩go⟨eow⟩");
	});

	it('a contraction splits off after a space too, but punctuation keeps its apostrophe', () => {
		assert.equal(stream("say 's1:'"), "⟨bow⟩say⟨eow⟩ 's1:'");
		assert.equal(stream("f(x)'s y"), "⟨bow⟩f⟨eow⟩(⟨bow⟩x⟨eow⟩)'⟨bow⟩s⟨eow⟩⟨bow⟩y⟨eow⟩");
	});

	it("v4.7 splits 'll, 'm and 'd too, though it has no single piece for them", () => {
		for (const family of FAMILIES) {
			assert.equal(stream("we'll go", family), "⟨bow⟩we⟨eow⟩'ll⟨bow⟩go⟨eow⟩");
			assert.equal(stream("I'm in", family).includes("'m⟨bow⟩in"), true, family);
		}
	});
});

describe('offline rules: numbers and private use', () => {
	it('other numbers (², ½) are punctuation: markers against single spaces', () => {
		assert.equal(charClass(0xb2), CharClass.Punct);
		assert.equal(charClass(0xbd), CharClass.Punct);
		assert.equal(stream('x²  ½  y'), '⟨bow⟩x⟨eow⟩²  ⟨bow⟩½  ⟨bow⟩y⟨eow⟩');
	});

	it('private-use characters cost nothing', () => {
		for (const family of FAMILIES) {
			assert.equal(countText('put "\uf8ffpple" into x', family), countText('put "pple" into x', family));
		}
	});
});
