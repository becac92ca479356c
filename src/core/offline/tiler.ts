import { type Vocab, isCutCandidate } from './vocab';

const INF = 0x3fffffff;
/** Segments up to this many code points are memoised; longer ones (rare) are tiled directly. */
const MAX_CACHED = 64;
/** Memo bounds: slots (a power of two, at most half full) and code points of stored keys. */
const MEMO_MIN_SLOTS = 1 << 12;
const MEMO_MAX_SLOTS = 1 << 17;
const MEMO_MIN_POOL = 1 << 15;
const MEMO_MAX_POOL = 1 << 20;
/** Run tables kept per tiler before they are dropped (each holds about (longest run piece)² costs). */
const MAX_RUN_TABLES = 64;

/**
 * Costs of tiling `c^d` for one code point `c`, pieces made only of `c` and byte fallbacks alone.
 * With `period` the longest such piece (1 when there is none), every optimal tiling of more than
 * (period - 1)² units holds a longest piece: any `period` shorter pieces contain a subset whose lengths
 * sum to a multiple t·period, and t longest pieces would replace more than t tokens. So past the table,
 * cost(d) = cost(d - period) + step exactly.
 */
interface RunTable {
	/** Lengths of the pieces made only of `c`, ascending. */
	readonly pieces: Int32Array;
	readonly period: number;
	/** cost[d] for d = 0 … cost.length - 1. */
	readonly cost: Int32Array;
	readonly step: number;
}

function runCost(table: RunTable, d: number): number {
	const last = table.cost.length - 1;
	if (d <= last) {
		return table.cost[d];
	}
	const jumps = Math.ceil((d - last) / table.period);
	return table.cost[d - jumps * table.period] + jumps * table.step;
}

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
 *
 * Inside a long run of one code point every position would try every run piece (v3 has pieces of up
 * to 128 dots or newlines), so the DP jumps over the run's middle with the run's cost table: only the
 * edges, where pieces can reach out of the run, are tiled position by position.
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
	private readonly runTables = new Map<number, RunTable>();
	/** Runs jumped over so far (tests check that the fast path ran). */
	runJumps = 0;

	/** `jumpRuns` false keeps the plain DP everywhere (the reference the run jump is tested against). */
	constructor(
		private readonly vocab: Vocab,
		private readonly jumpRuns = true,
	) {
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
		const maxLen = vocab.maxPieceLength;
		const end = start + length;
		ring[0] = 0;
		let runCp = -1;
		let runStart = start;
		for (let i = start; i < end; i++) {
			const cp = stream[i];
			if (cp !== runCp) {
				runCp = cp;
				runStart = i;
			} else if (i - runStart === maxLen && this.jumpRuns) {
				// No piece from before the run reaches past here: the run's own costs take over.
				i = this.jumpRun(stream, start, i, end);
			}
			const pos = i - start;
			const here = ring[pos & mask];
			// This slot is about to be reused for position pos + size; reset it once read.
			ring[pos & mask] = INF;
			const fallback = here + vocab.byteCost(cp);
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

	/**
	 * At position `i`, at least `maxPieceLength` deep into a run of one code point and not yet processed,
	 * moves the ring to a later position of the run and returns it (or `i` when the run is too short).
	 *
	 * Every piece landing at or after `i` from before it lies inside the run, so the ring holds, for
	 * j < period, the best cost of a tiling whose first boundary at or after `i` is `i + j` (INF beyond).
	 * From that boundary on, a tiling stays in the run up to `to`, so cost(x) = min_j ring[i + j] +
	 * runCost(x − i − j) for x ≤ `to`; the ring at `to` is rebuilt from those costs and the run's pieces.
	 * `to` is chosen so that no piece from before it leaves the run.
	 */
	private jumpRun(stream: Int32Array, start: number, i: number, end: number): number {
		const cp = stream[i];
		let runEnd = i + 1;
		while (runEnd < end && stream[runEnd] === cp) {
			runEnd++;
		}
		const to = runEnd - this.vocab.maxPieceLength;
		const table = this.runTable(cp);
		const period = table.period;
		if (to - i < 2 * period + 2) {
			return i;
		}
		const ring = this.ring;
		const mask = this.ringMask;
		const from: number[] = [];
		for (let j = 0; j < period; j++) {
			from.push(ring[(i - start + j) & mask]);
		}
		// cost[k] is the cost at to − period + 1 + k, for k = 0 … period − 1.
		const cost = new Array<number>(period);
		for (let k = 0; k < period; k++) {
			const d = to - period + 1 + k - i;
			let best = INF;
			for (let j = 0; j < period; j++) {
				if (from[j] < INF) {
					const c = from[j] + runCost(table, d - j);
					if (c < best) {
						best = c;
					}
				}
			}
			cost[k] = best;
		}
		this.runJumps++;
		ring.fill(INF);
		const base = to - start;
		ring[base & mask] = cost[period - 1];
		// Pieces from before `to` landing after it: a piece of length p ends at to + j from to + j − p.
		const pieces = table.pieces;
		for (let j = 1; j < period; j++) {
			let best = INF;
			for (let t = 0; t < pieces.length; t++) {
				const p = pieces[t];
				if (p > j && cost[period - 1 + j - p] + 1 < best) {
					best = cost[period - 1 + j - p] + 1;
				}
			}
			ring[(base + j) & mask] = best;
		}
		return to;
	}

	/** The cost table of runs of `cp` (built once per code point). */
	private runTable(cp: number): RunTable {
		let table = this.runTables.get(cp);
		if (table) {
			return table;
		}
		const vocab = this.vocab;
		const lengths: number[] = [];
		for (let k = 1, node = vocab.child(0, cp); node >= 0 && k <= vocab.maxPieceLength; k++, node = vocab.child(node, cp)) {
			if (vocab.isPiece(node)) {
				lengths.push(k);
			}
		}
		const pieces = Int32Array.from(lengths);
		const period = Math.max(1, lengths.length > 0 ? lengths[lengths.length - 1] : 1);
		const size = (period - 1) * (period - 1) + 2 * period + 1;
		const cost = new Int32Array(size);
		const bytes = vocab.byteCost(cp);
		for (let d = 1; d < size; d++) {
			let best = cost[d - 1] + bytes;
			for (let t = 0; t < pieces.length && pieces[t] <= d; t++) {
				const c = cost[d - pieces[t]] + 1;
				if (c < best) {
					best = c;
				}
			}
			cost[d] = best;
		}
		table = { pieces, period, cost, step: cost[size - 1] - cost[size - 1 - period] };
		if (this.runTables.size >= MAX_RUN_TABLES) {
			this.runTables.clear();
		}
		this.runTables.set(cp, table);
		return table;
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
