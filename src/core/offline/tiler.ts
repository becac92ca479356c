import type { Vocab } from './vocab';

const INF = 0x3fffffff;

/**
 * Minimum-cost tiling of a marked stream: every vocabulary piece costs one token, and any single code
 * point can always be spelled in its UTF-8 byte tokens. The DP keeps only a window of `maxPieceLength`
 * positions (a ring buffer), so memory is constant and the work is linear in the stream length times
 * the depth of trie matches.
 */
export class Tiler {
	private ring: Int32Array;
	private readonly ringMask: number;

	constructor(private readonly vocab: Vocab) {
		let size = 1;
		while (size < vocab.maxPieceLength + 2) {
			size <<= 1;
		}
		this.ring = new Int32Array(size);
		this.ringMask = size - 1;
	}

	/** Tokens needed for `stream[start, start + length)`. */
	tile(stream: Int32Array, start: number, length: number): number {
		if (length <= 0) {
			return 0;
		}
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
			if (here >= INF) {
				continue;
			}
			const cp = stream[i];
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
				if (vocab.isPiece(node)) {
					const slot = (j + 1 - start) & mask;
					if (candidate < ring[slot]) {
						ring[slot] = candidate;
					}
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
