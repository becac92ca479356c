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
}
