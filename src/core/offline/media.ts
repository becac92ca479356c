/**
 * Reading what the offline estimate needs from media bytes: image dimensions from the header of a
 * PNG, JPEG, GIF or WebP file, and the page count of a PDF. Never throws on bad input.
 */

export interface ImageSize {
	width: number;
	height: number;
	format: 'png' | 'jpeg' | 'gif' | 'webp';
}

/** Strict base64 decode: undefined when the string is not base64 (after removing whitespace). */
export function decodeBase64(data: string, maxBytes = Infinity): Uint8Array | undefined {
	if (typeof data !== 'string') {
		return undefined;
	}
	let s = data.replace(/\s+/g, '');
	// Accept a data: URL prefix, as people paste them.
	const comma = s.startsWith('data:') ? s.indexOf(',') : -1;
	if (comma >= 0) {
		s = s.slice(comma + 1);
	}
	if (s.length === 0 || s.length % 4 === 1 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) {
		return undefined;
	}
	if (maxBytes !== Infinity) {
		// Decode only the head when only the header is needed.
		const chars = Math.ceil(maxBytes / 3) * 4;
		if (s.length > chars) {
			s = s.slice(0, chars);
		}
	}
	return new Uint8Array(Buffer.from(s, 'base64'));
}

function u16be(b: Uint8Array, o: number): number {
	return (b[o] << 8) | b[o + 1];
}
function u32be(b: Uint8Array, o: number): number {
	return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}
function u16le(b: Uint8Array, o: number): number {
	return b[o] | (b[o + 1] << 8);
}
function u24le(b: Uint8Array, o: number): number {
	return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
}

/** Dimensions from an image's header bytes, or undefined when the format is unknown or truncated. */
export function imageSize(b: Uint8Array): ImageSize | undefined {
	const n = b.length;
	// PNG: signature, then the IHDR chunk (width, height as big-endian u32).
	if (n >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
		return valid({ width: u32be(b, 16), height: u32be(b, 20), format: 'png' });
	}
	// GIF87a/GIF89a: logical screen size, little-endian u16.
	if (n >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) {
		return valid({ width: u16le(b, 6), height: u16le(b, 8), format: 'gif' });
	}
	// WebP: RIFF....WEBP then a VP8 / VP8L / VP8X chunk.
	if (n >= 30 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) {
		const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
		if (chunk === 'VP8X') {
			return valid({ width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, format: 'webp' });
		}
		if (chunk === 'VP8L' && b[20] === 0x2f) {
			const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
			return valid({ width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, format: 'webp' });
		}
		if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
			return valid({ width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, format: 'webp' });
		}
		return undefined;
	}
	// JPEG: walk the segments to the first start-of-frame marker.
	if (n >= 4 && b[0] === 0xff && b[1] === 0xd8) {
		let o = 2;
		while (o + 9 < n) {
			if (b[o] !== 0xff) {
				o++;
				continue;
			}
			const marker = b[o + 1];
			if (marker === 0xff) {
				o++;
				continue;
			}
			if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
				o += 2;
				continue;
			}
			const len = u16be(b, o + 2);
			const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
			if (isSof) {
				return valid({ width: u16be(b, o + 7), height: u16be(b, o + 5), format: 'jpeg' });
			}
			if (len < 2) {
				return undefined;
			}
			o += 2 + len;
		}
	}
	return undefined;
}

function valid(s: ImageSize): ImageSize | undefined {
	return s.width > 0 && s.height > 0 ? s : undefined;
}

/**
 * Page count of a PDF: the largest `/Count` of a `/Type /Pages` node when present, else the number of
 * `/Type /Page` objects. Undefined when the bytes are not a PDF. Compressed object streams can hide
 * page objects; the `/Count` path covers most real files.
 */
export function pdfPageCount(b: Uint8Array): number | undefined {
	if (b.length < 5 || b[0] !== 0x25 || b[1] !== 0x50 || b[2] !== 0x44 || b[3] !== 0x46) {
		return undefined;
	}
	const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
	let maxCount = 0;
	// A /Count belongs to a page-tree node when /Type /Pages sits in the same dictionary nearby.
	for (const m of text.matchAll(/\/Count\s+(\d+)/g)) {
		const at = m.index ?? 0;
		const around = text.slice(Math.max(0, at - 400), at + 400);
		const v = Number(m[1]);
		if (/\/Type\s*\/Pages\b/.test(around) && v > maxCount && v < 1_000_000) {
			maxCount = v;
		}
	}
	if (maxCount > 0) {
		return maxCount;
	}
	const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g);
	return pages ? pages.length : 0;
}
