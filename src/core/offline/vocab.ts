import * as fs from 'fs';
import * as path from 'path';

/** Marker code points live above Unicode so they can never collide with text. */
export const BOW = 0x110000;
export const EOW = 0x110001;
export const SHIFT = 0x110002;
export const CAPS = 0x110003;

const MARKER_NAMES: Record<string, number> = { bow: BOW, eow: EOW, shift: SHIFT, caps: CAPS };

export type VocabFamily = 'v3' | 'v4.7';

/** The constants a vocabulary file declares for its family (`meta`). */
export interface VocabMeta {
	readonly family: string;
	readonly base: number;
	readonly messageOverhead: number;
	readonly foldQuotes: boolean;
	readonly allcapsMin: number | null;
	readonly digitGroup: number;
}

/**
 * A vocabulary compiled for tiling: a trie over code points whose edges live in one open-addressing
 * hash table (typed arrays), so the tiler walks it without allocating.
 */
export interface Vocab {
	readonly meta: VocabMeta;
	readonly pieceCount: number;
	/** Longest piece, in stream code points. */
	readonly maxPieceLength: number;
	readonly contractions: readonly string[];
	/** Child of `node` on `cp`, or -1. The root is node 0. */
	child(node: number, cp: number): number;
	isPiece(node: number): boolean;
	/** Cost of a code point spelled in UTF-8 byte tokens (using the measured byte-prefix tokens). */
	byteCost(cp: number): number;
	/** True when the stream spelled by these code points is one piece. */
	has(stream: readonly number[]): boolean;
}

const FILES: Record<VocabFamily, string> = { 'v3': 'pieces_v3.json', 'v4.7': 'pieces_v4_7.json' };

let dataDirOverride: string | undefined;
let foundDataDir: string | undefined;

/** Point the loader at a directory holding `pieces_v3.json` and `pieces_v4_7.json`. */
export function setOfflineDataDir(dir: string | undefined): void {
	dataDirOverride = dir;
	foundDataDir = undefined;
}

/** Walks up from this file (out/src/core/offline when compiled, dist/ when bundled) to `data/ctok`. */
export function offlineDataDir(): string {
	if (dataDirOverride) {
		return dataDirOverride;
	}
	if (foundDataDir) {
		return foundDataDir;
	}
	let dir = __dirname;
	for (let i = 0; i < 8; i++) {
		const candidate = path.join(dir, 'data', 'ctok');
		if (fs.existsSync(path.join(candidate, FILES['v3']))) {
			foundDataDir = candidate;
			return candidate;
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			break;
		}
		dir = parent;
	}
	throw new Error(`Offline tokenizer data (data/ctok/${FILES['v3']}) was not found above ${__dirname}.`);
}

/** Converts a piece in marker notation (`⟨bow⟩the⟨eow⟩`) to stream code points. */
export function pieceToStream(piece: string): number[] {
	const out: number[] = [];
	let i = 0;
	while (i < piece.length) {
		if (piece.startsWith('⟨', i)) {
			const close = piece.indexOf('⟩', i);
			const name = close > 0 ? piece.slice(i + 1, close) : '';
			const marker = MARKER_NAMES[name];
			if (marker !== undefined) {
				out.push(marker);
				i = close + 1;
				continue;
			}
		}
		const cp = piece.codePointAt(i)!;
		out.push(cp);
		i += cp > 0xffff ? 2 : 1;
	}
	return out;
}

interface RawFile {
	meta: {
		family: string;
		base: number;
		message_overhead: number;
		fold_quotes: boolean;
		allcaps_min: number | null;
		digit_group: number;
	};
	tokens: Record<string, Record<string, unknown>>;
}

function hashEdge(node: number, cp: number): number {
	let h = Math.imul(node, 0x9e3779b1) ^ Math.imul(cp + 0x7f4a7c15, 0x85ebca77);
	h ^= h >>> 15;
	h = Math.imul(h, 0x2c1b3c6d);
	return (h ^ (h >>> 12)) >>> 0;
}

class CompiledVocab implements Vocab {
	readonly meta: VocabMeta;
	readonly pieceCount: number;
	readonly maxPieceLength: number;
	readonly contractions: readonly string[];
	private readonly keyNode: Int32Array;
	private readonly keyCp: Int32Array;
	private readonly value: Int32Array;
	private readonly mask: number;
	private readonly terminal: Uint8Array;
	private readonly prefix2: Set<number>;
	private readonly prefix3: Set<number>;
	private readonly byteCosts = new Map<number, number>();

	constructor(raw: RawFile) {
		const m = raw.meta;
		this.meta = {
			family: m.family,
			base: m.base,
			messageOverhead: m.message_overhead,
			foldQuotes: !!m.fold_quotes,
			allcapsMin: m.allcaps_min ?? null,
			digitGroup: m.digit_group,
		};
		const pieces: number[][] = [];
		const contractions: string[] = [];
		this.prefix2 = new Set();
		this.prefix3 = new Set();
		for (const [group, entries] of Object.entries(raw.tokens)) {
			for (const key of Object.keys(entries)) {
				if (group === 'bytes_fallback') {
					const v = parseInt(key, 16);
					if (key.length === 4) {
						this.prefix2.add(v);
					} else if (key.length === 6) {
						this.prefix3.add(v);
					}
					continue;
				}
				if (group === 'contractions') {
					contractions.push(key);
				}
				pieces.push(pieceToStream(key));
			}
		}
		this.pieceCount = pieces.length;
		this.contractions = contractions;
		let edges = 0;
		let maxLen = 0;
		for (const p of pieces) {
			edges += p.length;
			maxLen = Math.max(maxLen, p.length);
		}
		this.maxPieceLength = maxLen;
		let size = 1;
		while (size < edges * 2) {
			size <<= 1;
		}
		this.mask = size - 1;
		this.keyNode = new Int32Array(size).fill(-1);
		this.keyCp = new Int32Array(size);
		this.value = new Int32Array(size);
		const terminal = new Uint8Array(edges + 1);
		let nodes = 1;
		for (const p of pieces) {
			let node = 0;
			for (const cp of p) {
				let next = this.child(node, cp);
				if (next < 0) {
					next = nodes++;
					this.insert(node, cp, next);
				}
				node = next;
			}
			terminal[node] = 1;
		}
		this.terminal = terminal;
	}

	private insert(node: number, cp: number, child: number): void {
		let slot = hashEdge(node, cp) & this.mask;
		while (this.keyNode[slot] !== -1) {
			slot = (slot + 1) & this.mask;
		}
		this.keyNode[slot] = node;
		this.keyCp[slot] = cp;
		this.value[slot] = child;
	}

	child(node: number, cp: number): number {
		const mask = this.mask;
		const keyNode = this.keyNode;
		let slot = hashEdge(node, cp) & mask;
		for (;;) {
			const k = keyNode[slot];
			if (k === -1) {
				return -1;
			}
			if (k === node && this.keyCp[slot] === cp) {
				return this.value[slot];
			}
			slot = (slot + 1) & mask;
		}
	}

	isPiece(node: number): boolean {
		return this.terminal[node] === 1;
	}

	has(stream: readonly number[]): boolean {
		let node = 0;
		for (const cp of stream) {
			node = this.child(node, cp);
			if (node < 0) {
				return false;
			}
		}
		return this.isPiece(node);
	}

	byteCost(cp: number): number {
		if (cp < 0x80 || cp >= 0x110000) {
			return cp === 0x110011 || cp === 0x110010 ? 0 : 1;
		}
		const cached = this.byteCosts.get(cp);
		if (cached !== undefined) {
			return cached;
		}
		// Lone surrogates reach the API as U+FFFD.
		const c = cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
		const bytes = Buffer.from(String.fromCodePoint(c), 'utf8');
		const n = bytes.length;
		let cost = n;
		if (n >= 3 && this.prefix3.has((bytes[0] << 16) | (bytes[1] << 8) | bytes[2])) {
			cost = Math.min(cost, 1 + n - 3);
		}
		if (n >= 2 && this.prefix2.has((bytes[0] << 8) | bytes[1])) {
			cost = Math.min(cost, 1 + n - 2);
		}
		this.byteCosts.set(cp, cost);
		return cost;
	}
}

const cache = new Map<VocabFamily, Vocab>();
const loadListeners: Array<(family: VocabFamily) => void> = [];

/** Loads (once) and compiles a vocabulary file. */
export function loadVocab(family: VocabFamily): Vocab {
	let v = cache.get(family);
	if (!v) {
		const file = path.join(offlineDataDir(), FILES[family]);
		const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RawFile;
		v = new CompiledVocab(raw);
		cache.set(family, v);
		for (const l of loadListeners) {
			l(family);
		}
	}
	return v;
}

/** Which vocabularies are loaded in this process (for tests of lazy loading). */
export function loadedVocabs(): VocabFamily[] {
	return [...cache.keys()];
}

/** Drops loaded vocabularies (tests; or after `setOfflineDataDir`). */
export function unloadVocabs(): void {
	cache.clear();
}

export function onVocabLoad(listener: (family: VocabFamily) => void): void {
	loadListeners.push(listener);
}
