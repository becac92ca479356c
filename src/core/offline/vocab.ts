import * as fs from 'fs';
import * as os from 'os';
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
 * A vocabulary compiled for tiling: a trie over code points. Edges out of the root for BMP code points
 * sit in a direct table (every tiling step starts there); all other edges live in one open-addressing
 * hash table. Everything is typed arrays, so the tiler walks it without allocating.
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
	/**
	 * True when no piece holds `a` directly followed by `b`, so every tiling has a boundary between
	 * them and the two sides can be counted apart. Conservative: false when unsure. Only markers and
	 * ASCII whitespace are ever cut points (see `isCutCandidate`).
	 */
	cutBetween(a: number, b: number): boolean;
}

/** Code points whose neighbours the vocabulary records: markers and ASCII whitespace. */
export function isCutCandidate(cp: number): boolean {
	return cp >= BOW ? cp < BOW + 32 : cp <= 0x20 && (cp === 0x20 || (cp >= 0x09 && cp <= 0x0d));
}

function candidateSlot(cp: number): number {
	return cp >= BOW ? cp - BOW + 0x21 : cp;
}

/** `meta` as the file spells it. */
interface RawVocabMeta {
	family: string;
	base: number;
	message_overhead: number;
	fold_quotes: boolean;
	allcaps_min: number | null;
	digit_group: number;
}

/** A vocabulary file reduced to what compiling needs: `meta` and the piece names by group. */
interface VocabSource {
	readonly meta: RawVocabMeta;
	readonly tokens: Record<string, Record<string, unknown>>;
}

const FILES: Record<VocabFamily, string> = { 'v3': 'pieces_v3.json', 'v4.7': 'pieces_v4_7.json' };

/** Walks up from this file (out/src/core/offline when compiled, dist/ when bundled) to `data/ctok`. */
export function findDataDir(from: string = __dirname): string {
	let dir = from;
	for (let i = 0; i < 8; i++) {
		const candidate = path.join(dir, 'data', 'ctok');
		if (fs.existsSync(path.join(candidate, FILES['v3']))) {
			return candidate;
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			break;
		}
		dir = parent;
	}
	throw new Error(`Offline tokenizer data (data/ctok/${FILES['v3']}) was not found above ${from}.`);
}

/** The file of a family's vocabulary in a `data/ctok` folder. */
export function vocabFile(dataDir: string, family: VocabFamily): string {
	return path.join(dataDir, FILES[family]);
}

/** Converts a piece in marker notation (`⟨bow⟩the⟨eow⟩`) to stream code points. */
export function pieceToStream(piece: string): number[] {
	const out: number[] = [];
	forEachStreamCp(piece, (cp) => out.push(cp));
	return out;
}

function forEachStreamCp(piece: string, f: (cp: number) => void): void {
	let i = 0;
	while (i < piece.length) {
		// 0x27e8 is '⟨'.
		if (piece.charCodeAt(i) === 0x27e8) {
			const close = piece.indexOf('⟩', i);
			const name = close > 0 ? piece.slice(i + 1, close) : '';
			const marker = MARKER_NAMES[name];
			if (marker !== undefined) {
				f(marker);
				i = close + 1;
				continue;
			}
		}
		const cp = piece.codePointAt(i)!;
		f(cp);
		i += cp > 0xffff ? 2 : 1;
	}
}

function hashEdge(node: number, cp: number): number {
	const h = Math.imul(node, 0x9e3779b1) ^ Math.imul(cp, 0x85ebca77);
	return h ^ (h >>> 15);
}

/** Children of the root on BMP code points: a direct table. */
const ROOT_DIRECT = 0x10000;

class CompiledVocab implements Vocab {
	readonly meta: VocabMeta;
	readonly pieceCount: number;
	readonly maxPieceLength: number;
	readonly contractions: readonly string[];
	private readonly root: Int32Array;
	/** Edges as [node, cp, child] triples, so one probe touches one cache line. */
	private table: Int32Array;
	private mask: number;
	private edges: number;
	private terminal: Uint8Array;
	private readonly prefix2: Set<number>;
	private readonly prefix3: Set<number>;
	/** Byte-fallback cost per BMP code point, 0 = not computed yet. */
	private readonly bmpByteCost = new Uint8Array(0x10000);
	private readonly astralByteCost = new Map<number, number>();
	/** Per cut candidate: some piece has it followed (preceded) by a non-candidate code point. */
	private readonly joinsRight: Uint8Array;
	private readonly joinsLeft: Uint8Array;
	/** Candidate pairs that occur inside a piece, as `a * 2^21 + b`. */
	private readonly candidatePairs: Set<number>;

	constructor(raw: VocabSource | Buffer) {
		if (Buffer.isBuffer(raw)) {
			const c = readCompact(raw);
			this.meta = c.meta;
			this.pieceCount = c.pieceCount;
			this.maxPieceLength = c.maxPieceLength;
			this.contractions = c.contractions;
			this.mask = c.mask;
			this.edges = c.edges;
			this.root = c.arrays[0] as Int32Array;
			this.table = c.arrays[1] as Int32Array;
			this.terminal = c.arrays[2] as Uint8Array;
			this.joinsRight = c.arrays[3] as Uint8Array;
			this.joinsLeft = c.arrays[4] as Uint8Array;
			this.prefix2 = new Set(c.prefix2);
			this.prefix3 = new Set(c.prefix3);
			this.candidatePairs = new Set(c.candidatePairs);
			return;
		}
		const m = raw.meta;
		this.edges = 0;
		this.candidatePairs = new Set<number>();
		this.joinsLeft = new Uint8Array(0x21 + 32);
		this.joinsRight = new Uint8Array(0x21 + 32);
		this.prefix3 = new Set<number>();
		this.prefix2 = new Set<number>();
		this.root = new Int32Array(ROOT_DIRECT).fill(-1);
		this.meta = {
			family: m.family,
			base: m.base,
			messageOverhead: m.message_overhead,
			foldQuotes: !!m.fold_quotes,
			allcapsMin: m.allcaps_min ?? null,
			digitGroup: m.digit_group,
		};
		const contractions: string[] = [];
		// Stream length is at most the UTF-16 length, so this bounds the number of trie nodes.
		const groups = Object.entries(raw.tokens).map(([name, entries]) => [name, Object.keys(entries)] as const);
		let bound = 1;
		for (const [, keys] of groups) {
			for (const key of keys) {
				bound += key.length;
			}
		}
		// Most edges share prefixes: start at a quarter of the bound and grow at half load.
		let size = 1024;
		while (size * 4 < bound) {
			size <<= 1;
		}
		this.mask = size - 1;
		this.table = new Int32Array(size * 3).fill(-1);
		this.terminal = new Uint8Array(bound);
		let nodes = 1;
		let pieces = 0;
		let maxLen = 0;
		for (const [group, keys] of groups) {
			for (const key of keys) {
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
				pieces++;
				let node = 0;
				let len = 0;
				let prev = -1;
				forEachStreamCp(key, (cp) => {
					let next = this.child(node, cp);
					if (next < 0) {
						next = nodes++;
						this.insert(node, cp, next);
					}
					node = next;
					if (prev >= 0) {
						this.notePair(prev, cp);
					}
					prev = cp;
					len++;
				});
				this.terminal[node] = 1;
				maxLen = Math.max(maxLen, len);
			}
		}
		this.terminal = this.terminal.slice(0, nodes);
		this.pieceCount = pieces;
		this.maxPieceLength = maxLen;
		this.contractions = contractions;
	}

	private notePair(a: number, b: number): void {
		const ca = isCutCandidate(a);
		const cb = isCutCandidate(b);
		if (ca && cb) {
			this.candidatePairs.add(a * 0x200000 + b);
		} else if (ca) {
			this.joinsRight[candidateSlot(a)] = 1;
		} else if (cb) {
			this.joinsLeft[candidateSlot(b)] = 1;
		}
	}

	private insert(node: number, cp: number, child: number): void {
		if (node === 0 && cp < ROOT_DIRECT) {
			this.root[cp] = child;
			return;
		}
		if ((this.edges + 1) * 2 > this.mask + 1) {
			this.grow();
		}
		this.place(node, cp, child);
		this.edges++;
	}

	private place(node: number, cp: number, child: number): void {
		const table = this.table;
		const mask = this.mask;
		let slot = hashEdge(node, cp) & mask;
		while (table[slot * 3] !== -1) {
			slot = (slot + 1) & mask;
		}
		table[slot * 3] = node;
		table[slot * 3 + 1] = cp;
		table[slot * 3 + 2] = child;
	}

	private grow(): void {
		const old = this.table;
		this.mask = this.mask * 2 + 1;
		this.table = new Int32Array((this.mask + 1) * 3).fill(-1);
		for (let i = 0; i < old.length; i += 3) {
			if (old[i] !== -1) {
				this.place(old[i], old[i + 1], old[i + 2]);
			}
		}
	}

	child(node: number, cp: number): number {
		if (node === 0 && cp < ROOT_DIRECT) {
			return cp >= 0 ? this.root[cp] : -1;
		}
		const mask = this.mask;
		const table = this.table;
		let slot = hashEdge(node, cp) & mask;
		for (;;) {
			const at = slot * 3;
			const k = table[at];
			if (k === node && table[at + 1] === cp) {
				return table[at + 2];
			}
			if (k === -1) {
				return -1;
			}
			slot = (slot + 1) & mask;
		}
	}

	/** The compiled form as bytes (see `readCompact`). */
	toCompact(): Buffer {
		const header = Buffer.from(
			JSON.stringify({
				meta: this.meta,
				pieceCount: this.pieceCount,
				maxPieceLength: this.maxPieceLength,
				contractions: this.contractions,
				mask: this.mask,
				edges: this.edges,
				prefix2: [...this.prefix2],
				prefix3: [...this.prefix3],
				candidatePairs: [...this.candidatePairs],
			}),
			'utf8',
		);
		const arrays = [this.root, this.table, this.terminal, this.joinsRight, this.joinsLeft];
		const parts: Buffer[] = [];
		const lead = Buffer.alloc(12 + 4 * arrays.length);
		lead.write(COMPACT_MAGIC, 0, 'latin1');
		lead.writeUInt32LE(header.length, 4);
		lead.writeUInt32LE(arrays.length, 8);
		arrays.forEach((a, k) => lead.writeUInt32LE(a.byteLength, 12 + 4 * k));
		parts.push(lead, header);
		for (const a of arrays) {
			parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
		}
		return Buffer.concat(parts);
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

	cutBetween(a: number, b: number): boolean {
		const ca = isCutCandidate(a);
		const cb = isCutCandidate(b);
		if (ca && cb) {
			return !this.candidatePairs.has(a * 0x200000 + b);
		}
		if (ca) {
			return this.joinsRight[candidateSlot(a)] === 0;
		}
		if (cb) {
			return this.joinsLeft[candidateSlot(b)] === 0;
		}
		return false;
	}

	byteCost(cp: number): number {
		if (cp < 0x80 || cp >= 0x110000) {
			return cp === 0x110011 || cp === 0x110010 ? 0 : 1;
		}
		if (cp < 0x10000) {
			const known = this.bmpByteCost[cp];
			if (known !== 0) {
				return known;
			}
			const cost = this.computeByteCost(cp);
			this.bmpByteCost[cp] = cost;
			return cost;
		}
		let cost = this.astralByteCost.get(cp);
		if (cost === undefined) {
			cost = this.computeByteCost(cp);
			this.astralByteCost.set(cp, cost);
		}
		return cost;
	}

	private computeByteCost(cp: number): number {
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
		return cost;
	}
}

/** Bumped whenever the compiled layout changes; part of the cache file name. */
const COMPACT_MAGIC = 'CTV1';

interface CompactVocab {
	meta: VocabMeta;
	pieceCount: number;
	maxPieceLength: number;
	contractions: string[];
	mask: number;
	edges: number;
	prefix2: number[];
	prefix3: number[];
	candidatePairs: number[];
	arrays: Array<Int32Array | Uint8Array>;
}

/** Parses `toCompact` output: magic, header length, array count and sizes, JSON header, then the arrays. */
function readCompact(buf: Buffer): CompactVocab {
	if (buf.length < 12 || buf.toString('latin1', 0, 4) !== COMPACT_MAGIC) {
		throw new Error('not a compiled vocabulary');
	}
	const headerLength = buf.readUInt32LE(4);
	const count = buf.readUInt32LE(8);
	let at = 12 + 4 * count;
	const header = JSON.parse(buf.toString('utf8', at, at + headerLength)) as Omit<CompactVocab, 'arrays'>;
	at += headerLength;
	const kinds = [Int32Array, Int32Array, Uint8Array, Uint8Array, Uint8Array];
	const arrays: Array<Int32Array | Uint8Array> = [];
	for (let k = 0; k < count; k++) {
		const bytes = buf.readUInt32LE(12 + 4 * k);
		if (at + bytes > buf.length || k >= kinds.length) {
			throw new Error('truncated compiled vocabulary');
		}
		// Copied out: the file buffer need not be 4-byte aligned.
		const copy = new Uint8Array(bytes);
		copy.set(buf.subarray(at, at + bytes));
		arrays.push(kinds[k] === Int32Array ? new Int32Array(copy.buffer) : copy);
		at += bytes;
	}
	if (arrays.length !== kinds.length || (arrays[1].length !== (header.mask + 1) * 3)) {
		throw new Error('inconsistent compiled vocabulary');
	}
	return { ...header, arrays };
}

/**
 * Where compiled vocabularies are read from and cached. `shipped`: the folder a build puts them in
 * (dist/ctok-compact), read first. `cache`: where one compiled here is written and read again (`null`:
 * nowhere); by default a folder in the system temp directory.
 */
export interface CompiledDirs {
	readonly shipped?: string;
	readonly cache?: string | null;
}

function cacheDirs(dirs: CompiledDirs): string[] {
	const out = [dirs.shipped ?? path.join(__dirname, 'ctok-compact')];
	if (dirs.cache !== null) {
		out.push(dirs.cache ?? path.join(os.tmpdir(), 'claude-token-meter-ctok'));
	}
	return out;
}

/**
 * Names the compiled form of a vocabulary file after its size and a hash of its first and last 64 KB
 * (the head holds `meta.built`), so an edited or replaced file never reuses a stale cache.
 */
export function compactFileName(jsonFile: string): string {
	const fd = fs.openSync(jsonFile, 'r');
	try {
		const size = fs.fstatSync(fd).size;
		const chunk = Buffer.alloc(Math.min(size, 1 << 16));
		let h = 0x811c9dc5;
		for (const pos of [0, Math.max(0, size - chunk.length)]) {
			const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
			for (let i = 0; i < n; i++) {
				h = Math.imul(h ^ chunk[i], 0x01000193);
			}
		}
		const base = path.basename(jsonFile).replace(/\.json$/, '');
		return `${base}.${COMPACT_MAGIC}.${size.toString(36)}.${(h >>> 0).toString(36)}.bin`;
	} finally {
		fs.closeSync(fd);
	}
}

/** Writes the compiled form of a vocabulary file into `dir` (build step or cache); returns its path. */
export function writeCompactVocab(jsonFile: string, dir: string): string {
	const v = new CompiledVocab(parseSource(fs.readFileSync(jsonFile, 'utf8'), jsonFile));
	return writeCompact(v, dir, compactFileName(jsonFile));
}

function writeCompact(v: CompiledVocab, dir: string, name: string): string {
	fs.mkdirSync(dir, { recursive: true });
	const target = path.join(dir, name);
	// Write then rename, so a concurrent reader never sees half a file.
	const tmp = `${target}.${process.pid}.tmp`;
	fs.writeFileSync(tmp, v.toCompact());
	fs.renameSync(tmp, target);
	return target;
}

function parseSource(text: string, file?: string): VocabSource {
	try {
		// JSON.parse is native and beats a scanner written in (cold) JavaScript; the compact cache skips both.
		return JSON.parse(text) as VocabSource;
	} catch (err) {
		throw new Error(`${file ?? 'vocabulary'}: ${(err as Error).message}`);
	}
}

/** Compiled vocabulary for a JSON file: from a compact copy when one matches, else compiled and cached. */
export function loadCompiled(jsonFile: string, where: CompiledDirs = {}): Vocab {
	const name = compactFileName(jsonFile);
	const dirs = cacheDirs(where);
	for (const dir of dirs) {
		let buf: Buffer;
		try {
			buf = fs.readFileSync(path.join(dir, name));
		} catch {
			continue;
		}
		try {
			return new CompiledVocab(buf);
		} catch {
			// A damaged copy: fall through and rebuild.
		}
	}
	const v = new CompiledVocab(parseSource(fs.readFileSync(jsonFile, 'utf8'), jsonFile));
	if (dirs.length > 1) {
		try {
			writeCompact(v, dirs[dirs.length - 1], name);
		} catch {
			// Caching is an optimisation; a read-only or full disk only costs the next load time.
		}
	}
	return v;
}

/** Compiles a vocabulary file's text (exported for tests and the benchmark). */
export function compileVocab(text: string, file?: string): Vocab {
	return new CompiledVocab(parseSource(text, file));
}
