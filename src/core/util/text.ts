/**
 * What counts as a text file, decided by one rule wherever the bytes sit (first byte or last of a 1 GB file):
 * - a UTF-8 byte-order mark is dropped; UTF-16 with a byte-order mark (LE or BE) is decoded;
 * - otherwise the bytes must be valid UTF-8;
 * - and the text must hold no NUL character (binary data renamed `.json` has them; text never does).
 * The same rule serves whole files (`decodeText`) and streams of any size (`TextGuard`). Pure: no editor
 * dependency.
 */

/** The bytes are not text by the rule above; the message says why, for the user. */
export class NotTextError extends Error {
	override readonly name = 'NotTextError';
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

function sniff(head: Uint8Array): { encoding: Encoding; bomBytes: number } | undefined {
	if (head.length >= 3 && head[0] === UTF8_BOM[0] && head[1] === UTF8_BOM[1] && head[2] === UTF8_BOM[2]) {
		return { encoding: 'utf-8', bomBytes: 3 };
	}
	if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) {
		return { encoding: 'utf-16le', bomBytes: 2 };
	}
	if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) {
		return { encoding: 'utf-16be', bomBytes: 2 };
	}
	return undefined;
}

/** Enough bytes to tell every byte-order mark apart. */
const SNIFF_BYTES = 3;

/**
 * Checks bytes chunk by chunk and hands back UTF-8 bytes: unchanged for UTF-8 (without its BOM), re-encoded
 * for UTF-16. Throws NotTextError at the first chunk that breaks the rule; `end()` checks that the input did
 * not stop inside a character. Memory: one chunk.
 */
export class TextGuard {
	private decoder: TextDecoder | undefined;
	private encoding: Encoding = 'utf-8';
	private head: Uint8Array | undefined = new Uint8Array(0);
	private offset = 0;
	private readonly encoder = new TextEncoder();
	/** Bytes of the byte-order mark that was dropped (0 without one). */
	bomBytes = 0;

	/** The next chunk's bytes, as UTF-8; may be empty while the byte-order mark is still undecided. */
	push(chunk: Uint8Array): Uint8Array {
		let bytes = chunk;
		if (this.head) {
			// Undecided: wait for enough bytes to see a byte-order mark.
			const joined = new Uint8Array(this.head.length + chunk.length);
			joined.set(this.head);
			joined.set(chunk, this.head.length);
			if (joined.length < SNIFF_BYTES && chunk.length > 0) {
				this.head = joined;
				return new Uint8Array(0);
			}
			this.head = undefined;
			const bom = sniff(joined);
			this.encoding = bom?.encoding ?? 'utf-8';
			this.offset = bom?.bomBytes ?? 0;
			this.bomBytes = this.offset;
			bytes = joined.subarray(this.offset);
			this.decoder = new TextDecoder(this.encoding, { fatal: true });
		}
		const start = this.offset;
		this.offset += bytes.length;
		if (this.encoding === 'utf-8') {
			const nul = bytes.indexOf(0);
			if (nul >= 0) {
				throw new NotTextError(`looks like a binary file (a NUL byte at byte ${start + nul})`);
			}
			this.decode(bytes, start, true);
			return bytes;
		}
		const text = this.decode(bytes, start, true);
		const nul = text.indexOf('\u0000');
		if (nul >= 0) {
			throw new NotTextError(`looks like a binary file (a NUL character in its ${this.encoding.toUpperCase()} text)`);
		}
		return this.encoder.encode(text);
	}

	/** The input is over; returns the last UTF-8 bytes. */
	end(): Uint8Array {
		const tail = this.head ? this.push(new Uint8Array(0)) : new Uint8Array(0);
		const rest = this.decode(new Uint8Array(0), this.offset, false);
		if (this.encoding !== 'utf-8' && rest) {
			return concat(tail, this.encoder.encode(rest));
		}
		return tail;
	}

	private decode(bytes: Uint8Array, start: number, stream: boolean): string {
		try {
			return this.decoder!.decode(bytes, { stream });
		} catch {
			throw new NotTextError(this.encoding === 'utf-8'
				? `is not UTF-8 text (${bytes.length ? `an invalid byte sequence at byte ${start + firstInvalidUtf8(bytes)}` : 'it ends inside a character'}; save it as UTF-8)`
				: `is not valid ${this.encoding.toUpperCase()} text (after its byte-order mark)`);
		}
	}
}

/**
 * Where the first invalid UTF-8 sequence starts: a valid prefix survives a decode and re-encode unchanged, an
 * invalid sequence comes back as U+FFFD (EF BF BD). Only called once a check has failed.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
	const again = new TextEncoder().encode(new TextDecoder('utf-8').decode(bytes));
	let i = 0;
	while (i < bytes.length && i < again.length && bytes[i] === again[i]) { i++; }
	// A U+FFFD that was in the text itself matches its first bytes; step back to where the sequence starts.
	while (i > 0 && (bytes[i] & 0xc0) === 0x80) { i--; }
	return i;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	if (a.length === 0) { return b; }
	const out = new Uint8Array(a.length + b.length);
	out.set(a);
	out.set(b, a.length);
	return out;
}

/** A whole file's bytes as text by the rule above; throws NotTextError. */
export function decodeText(bytes: Uint8Array): string {
	const guard = new TextGuard();
	const body = concat(guard.push(bytes), guard.end());
	return new TextDecoder('utf-8').decode(body);
}
