import { type Vocab, isCutCandidate } from './vocab';

const INF = 0x3fffffff;
/** Segments up to this many code points are memoised; longer ones (rare) are tiled directly. */
const MAX_CACHED = 64;
/** Memo bounds: slots (a power of two, at most half full) and code points of stored keys. */
const MEMO_MIN_SLOTS = 1 << 12;
const MEMO_MAX_SLOTS = 1 << 17;
const MEMO_MIN_POOL = 1 << 15;
const MEMO_MAX_POOL = 1 << 20;

const tilers = new Set<Tiler>();

/** Empties every tiler's memo (the benchmark measures cold and warm runs). */
export function clearTilerMemos(): void {
	for (const t of tilers) {
		t.clearMemo();
	}
}

/**
 * Minimum-cost tiling of a marked stream: every vocabulary piece costs one token, and any single code
 * point can always be spelled in its UTF-8 byte tokens.
 *
 * The stream is first cut where the vocabulary says no piece can span (after ⟨eow⟩, before a word's
 * case marker or ⟨bow⟩, between whitespace and anything else), so every tiling has a boundary there and
 * the minimum is the sum of the segments' minima. Text repeats its words, so each segment's minimum is
 * memoised by content in a bounded open-addressing table; a miss runs the DP, which keeps a window of
 * `maxPieceLength` positions (a ring buffer) so long segments cost constant memory and linear time.
 */
export class Tiler {
	private ring: Int32Array;
	private readonly ringMask: number;
	private readonly scratch = new Int32Array(MAX_CACHED + 1);
	private memoHash = new Int32Array(0);
	private memoOffset = new Int32Array(0);
	private memoLength = new Uint8Array(0);
	private memoCost = new Int32Array(0);
	private memoPool = new Int32Array(0);
	private memoUsed = 0;
	private memoCount = 0;

	constructor(private readonly vocab: Vocab) {
		let size = 1;
		while (size < vocab.maxPieceLength + 2) {
			size <<= 1;
		}
		this.ring = new Int32Array(size);
		this.ringMask = size - 1;
		tilers.add(this);
	}

	clearMemo(): void {
		this.memoLength.fill(0);
		this.memoUsed = 0;
		this.memoCount = 0;
	}

	/** Tokens needed for `stream[start, start + length)`. */
	tile(stream: Int32Array, start: number, length: number): number {
		if (length <= 0) {
			return 0;
		}
		const vocab = this.vocab;
		const end = start + length;
		let total = 0;
		let from = start;
		let prev = stream[start];
		let prevCandidate = isCutCandidate(prev);
		for (let i = start + 1; i < end; i++) {
			const cp = stream[i];
			const candidate = isCutCandidate(cp);
			if ((candidate || prevCandidate) && vocab.cutBetween(prev, cp)) {
				total += this.segment(stream, from, i - from);
				from = i;
			}
			prev = cp;
			prevCandidate = candidate;
		}
		return total + this.segment(stream, from, end - from);
	}

	private segment(stream: Int32Array, start: number, length: number): number {
		if (length === 1) {
			const cp = stream[start];
			const node = this.vocab.child(0, cp);
			return node >= 0 && this.vocab.isPiece(node) ? 1 : this.vocab.byteCost(cp);
		}
		if (length > MAX_CACHED) {
			return this.tileLong(stream, start, length);
		}
		// FNV-1a over whole code points, then a final mix.
		let h = 0x811c9dc5 ^ length;
		for (let i = start, e = start + length; i < e; i++) {
			h = Math.imul(h ^ stream[i], 0x01000193);
		}
		h ^= h >>> 16;
		if (this.memoLength.length === 0) {
			this.allocMemo(MEMO_MIN_SLOTS, MEMO_MIN_POOL);
		}
		const mask = this.memoLength.length - 1;
		let slot = h & mask;
		for (;;) {
			const len = this.memoLength[slot];
			if (len === 0) {
				break;
			}
			if (len === length && this.memoHash[slot] === h && this.sameKey(stream, start, length, this.memoOffset[slot])) {
				return this.memoCost[slot];
			}
			slot = (slot + 1) & mask;
		}
		const cost = this.tileShort(stream, start, length);
		this.remember(stream, start, length, h, cost);
		return cost;
	}

	private sameKey(stream: Int32Array, start: number, length: number, offset: number): boolean {
		const pool = this.memoPool;
		for (let k = 0; k < length; k++) {
			if (pool[offset + k] !== stream[start + k]) {
				return false;
			}
		}
		return true;
	}

	private allocMemo(slots: number, pool: number): void {
		this.memoHash = new Int32Array(slots);
		this.memoOffset = new Int32Array(slots);
		this.memoLength = new Uint8Array(slots);
		this.memoCost = new Int32Array(slots);
		this.memoPool = new Int32Array(pool);
		this.memoUsed = 0;
		this.memoCount = 0;
	}

	private remember(stream: Int32Array, start: number, length: number, h: number, cost: number): void {
		const slots = this.memoLength.length;
		if ((this.memoCount + 1) * 2 > slots || this.memoUsed + length > this.memoPool.length) {
			if (slots < MEMO_MAX_SLOTS) {
				// Grow by starting over at twice the size: entries are cheap to recompute.
				this.allocMemo(slots * 2, Math.min(this.memoPool.length * 2, MEMO_MAX_POOL));
			} else {
				this.clearMemo();
			}
		}
		const mask = this.memoLength.length - 1;
		let slot = h & mask;
		while (this.memoLength[slot] !== 0) {
			slot = (slot + 1) & mask;
		}
		// A plain loop: subarray() would allocate a view per miss.
		const pool = this.memoPool;
		for (let k = 0, at = this.memoUsed; k < length; k++) {
			pool[at + k] = stream[start + k];
		}
		this.memoHash[slot] = h;
		this.memoOffset[slot] = this.memoUsed;
		this.memoLength[slot] = length;
		this.memoCost[slot] = cost;
		this.memoUsed += length;
		this.memoCount++;
	}

	/** The DP over a short segment, with every position in a scratch array. */
	private tileShort(stream: Int32Array, start: number, length: number): number {
		const vocab = this.vocab;
		const cost = this.scratch;
		cost[0] = 0;
		for (let k = 1; k <= length; k++) {
			cost[k] = INF;
		}
		for (let p = 0; p < length; p++) {
			const here = cost[p];
			const fallback = here + vocab.byteCost(stream[start + p]);
			if (fallback < cost[p + 1]) {
				cost[p + 1] = fallback;
			}
			const candidate = here + 1;
			let node = 0;
			for (let q = p; q < length; q++) {
				node = vocab.child(node, stream[start + q]);
				if (node < 0) {
					break;
				}
				if (candidate < cost[q + 1] && vocab.isPiece(node)) {
					cost[q + 1] = candidate;
				}
			}
		}
		return cost[length];
	}

	/** The DP over a long segment, keeping only a window of positions. */
	private tileLong(stream: Int32Array, start: number, length: number): number {
		const vocab = this.vocab;
		const ring = this.ring.fill(INF);
		const mask = this.ringMask;
		const end = start + length;
		ring[0] = 0;
		for (let i = start; i < end; i++) {
			const pos = i - start;
			const here = ring[pos & mask];
			// This slot is about to be reused for position pos + size; reset it once read.
			ring[pos & mask] = INF;
			const fallback = here + vocab.byteCost(stream[i]);
			const nextSlot = (pos + 1) & mask;
			if (fallback < ring[nextSlot]) {
				ring[nextSlot] = fallback;
			}
			let node = 0;
			const candidate = here + 1;
			for (let j = i; j < end; j++) {
				node = vocab.child(node, stream[j]);
				if (node < 0) {
					break;
				}
				if (candidate < ring[(j + 1 - start) & mask] && vocab.isPiece(node)) {
					ring[(j + 1 - start) & mask] = candidate;
				}
			}
		}
		return ring[length & mask];
	}

	/** One minimum-cost tiling as [start, end, isPiece] spans (small inputs; for diagnostics). */
	spans(stream: Int32Array, start: number, length: number): Array<[number, number, boolean]> {
		const vocab = this.vocab;
		const cost = new Int32Array(length + 1).fill(INF);
		const from = new Int32Array(length + 1);
		const piece = new Uint8Array(length + 1);
		cost[0] = 0;
		for (let p = 0; p < length; p++) {
			if (cost[p] >= INF) {
				continue;
			}
			const fb = cost[p] + vocab.byteCost(stream[start + p]);
			if (fb < cost[p + 1]) {
				cost[p + 1] = fb;
				from[p + 1] = p;
				piece[p + 1] = 0;
			}
			let node = 0;
			for (let q = p; q < length; q++) {
				node = vocab.child(node, stream[start + q]);
				if (node < 0) {
					break;
				}
				if (vocab.isPiece(node) && cost[p] + 1 < cost[q + 1]) {
					cost[q + 1] = cost[p] + 1;
					from[q + 1] = p;
					piece[q + 1] = 1;
				}
			}
		}
		const out: Array<[number, number, boolean]> = [];
		for (let q = length; q > 0; q = from[q]) {
			out.push([from[q], q, piece[q] === 1]);
		}
		return out.reverse();
	}
}
