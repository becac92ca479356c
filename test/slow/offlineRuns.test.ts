import * as assert from 'node:assert/strict';
import { nextCut, normalizeText, StreamBuilder, toCodePoints } from '../../src/core/offline/stream';
import { Tiler } from '../../src/core/offline/tiler';
import { type Family, FAMILIES } from '../../src/core/offline/tokenizer';
import type { Vocab } from '../../src/core/offline/vocab';
import { countText, loadFamily } from '../core';

/** Counts a text the way `countContent` does, with the given tiler. */
function counter(family: Family, tiler: Tiler): (text: string) => number {
	const t = loadFamily(family);
	const builder = new StreamBuilder(t.rules);
	return (text) => {
		const cps = toCodePoints(normalizeText(text, t.rules));
		let total = 0;
		for (let from = 0; from < cps.length; ) {
			const to = nextCut(cps, from, 4096);
			const { stream, start, length } = builder.build(cps, from, to);
			total += tiler.tile(stream, start, length);
			from = to;
		}
		return total;
	};
}

/** Deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	};
}

/** Characters with long run pieces in some family, plus letters, CJK, emoji and whitespace. */
const RUN_CHARS = ['.', '\n', ' ', '-', '=', 'a', 'あ', '😀', '*', '#', '_', '~', '/', '\t', '0', '!', '>', 'X', '\u0301', '…'];
const CONTEXTS: ReadonlyArray<[string, string]> = [
	['', ''],
	['word', 'word'],
	['Hello ', ' world'],
	['\n', '\n'],
	['(', ')'],
	['x.', '.y'],
	['  ', '  '],
	['\n\n', ' --'],
];
const WORDS = ['the', 'Run', 'x', 'ABC', 'données', 'テスト', '42', "don't", '→', '😀'];

/**
 * A vocabulary whose only pieces are runs of `cp` with the given lengths (node k spells cp^k), plus
 * `other` as a piece of its own: sparse length sets make the run costs settle late, unlike the real
 * vocabularies, which hold nearly every length.
 */
function runVocab(cp: number, lengths: readonly number[], other: number, byteCost: number): Vocab {
	const max = Math.max(...lengths);
	const set = new Set(lengths);
	const OTHER = max + 1;
	return {
		meta: { family: 'test', base: 0, messageOverhead: 0, foldQuotes: false, allcapsMin: null, digitGroup: 3 },
		pieceCount: lengths.length + 1,
		maxPieceLength: max,
		contractions: [],
		child: (node, c) => (c === cp && node < max ? node + 1 : node === 0 && c === other ? OTHER : -1),
		isPiece: (node) => set.has(node) || node === OTHER,
		byteCost: () => byteCost,
		has: () => false,
		cutBetween: () => false,
	};
}

describe('offline tiler: run jump on sparse run pieces (against the plain DP)', function () {
	this.timeout(120_000);
	it('random length sets, byte costs and run lengths', () => {
		const next = rng(2024);
		const A = 0x2e;
		const B = 0x41;
		let jumps = 0;
		for (let v = 0; v < 150; v++) {
			const count = 1 + Math.floor(next() * 4);
			const lengths = Array.from({ length: count }, () => 1 + Math.floor(next() * 40));
			const vocab = runVocab(A, lengths, B, 1 + Math.floor(next() * 4));
			const fast = new Tiler(vocab, true);
			const slow = new Tiler(vocab, false);
			for (let c = 0; c < 20; c++) {
				const cps: number[] = [];
				const parts = 1 + Math.floor(next() * 4);
				for (let k = 0; k < parts; k++) {
					const n = Math.floor(next() * 3000);
					for (let i = 0; i < n; i++) {
						cps.push(A);
					}
					for (let i = Math.floor(next() * 3); i > 0; i--) {
						cps.push(next() < 0.5 ? B : 0x42);
					}
				}
				const stream = Int32Array.from(cps);
				assert.equal(fast.tile(stream, 0, stream.length), slow.tile(stream, 0, stream.length), `lengths ${lengths.join(',')}, ${cps.length} code points`);
			}
			jumps += fast.runJumps;
		}
		assert.ok(jumps > 0, 'the run jump never ran');
	});
});

describe('offline tiler: runs of one code point (fast path against the plain DP)', function () {
	this.timeout(300_000);

	for (const family of FAMILIES) {
		describe(family, () => {
			const fast = new Tiler(loadFamily(family).vocab, true);
			const slow = new Tiler(loadFamily(family).vocab, false);
			const countFast = counter(family, fast);
			const countSlow = counter(family, slow);
			const same = (text: string): void => {
				const expected = countSlow(text);
				assert.equal(countFast(text), expected, `${family} ${JSON.stringify(text.length > 80 ? `${text.slice(0, 40)}…${text.slice(-40)}` : text)}`);
			};

			it('runs of 1..600 of one character, bare and in context', () => {
				const before = fast.runJumps;
				for (const ch of RUN_CHARS) {
					for (let n = 1; n <= 600; n++) {
						same(ch.repeat(n));
						// Contexts on a sparser grid: the run lengths near multiples of the longest pieces matter most.
						if (n <= 140 || n % 7 === 0 || n % 128 < 3 || n % 128 > 125) {
							for (const [pre, post] of CONTEXTS) {
								same(pre + ch.repeat(n) + post);
							}
						}
					}
				}
				assert.ok(fast.runJumps > before, 'the run jump never ran');
				assert.equal(slow.runJumps, 0);
			});

			it('runs embedded in words, punctuation and newlines, and mixed runs (random)', () => {
				const next = rng(family.length * 7919 + 17);
				const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
				for (let c = 0; c < 2000; c++) {
					let text = '';
					const parts = 1 + Math.floor(next() * 6);
					for (let k = 0; k < parts; k++) {
						const r = next();
						if (r < 0.5) {
							// Runs from 1 to 600, skewed towards the long ones the fast path handles.
							text += pick(RUN_CHARS).repeat(1 + Math.floor(next() ** 0.5 * 600));
						} else if (r < 0.8) {
							text += pick(WORDS);
						} else {
							text += pick([' ', '\n', ', ', '. ', '\n\n', '\t', '  ']);
						}
					}
					same(text);
				}
			});

			it('long runs of 2..4 alternating characters and runs in long segments', () => {
				const next = rng(family.length * 104729 + 3);
				for (let c = 0; c < 60; c++) {
					const a = RUN_CHARS[Math.floor(next() * RUN_CHARS.length)];
					const b = RUN_CHARS[Math.floor(next() * RUN_CHARS.length)];
					let text = '';
					for (let k = 0; k < 8; k++) {
						text += (k % 2 ? a : b).repeat(1 + Math.floor(next() * 600));
					}
					same(text);
				}
				// Thousands of units, one long segment each.
				for (const ch of ['.', '\n', '-', '=', 'a', ' ']) {
					same(`${ch.repeat(5000)}x${ch.repeat(4099)}`);
				}
			});

			it('200,000 of one repeated character, alone and in context', () => {
				for (const ch of ['.', '\n', ' ', '-', '=', 'a', 'あ', '😀']) {
					same(ch.repeat(200_000));
					same(`Hello ${ch.repeat(199_999)}.\n`);
				}
			});

			it('10 MB of one repeated character completes', () => {
				for (const ch of ['.', '\n', ' ', '-', '=', 'a', 'あ', '😀']) {
					const n = Math.floor(10_000_000 / Buffer.byteLength(ch, 'utf8'));
					const tokens = countText(ch.repeat(n), family);
					assert.ok(tokens > 0 && tokens <= 4 * n, `${family} ${JSON.stringify(ch)}: ${tokens}`);
				}
			});
		});
	}
});
