/**
 * Reading a PDF's pages (size in points and text) for the offline estimate, with Mozilla's PDF.js.
 *
 * PDF.js is large, so it is loaded on the first PDF only: from `pdfjs.js` next to the bundle (built by
 * esbuild.js) or, in the compiled tests and scripts, from node_modules. Reading is asynchronous while
 * the request counter is not, so a counter first calls `preparePdfs(body)`, which reads every base64
 * PDF of the request into a small cache that `cachedPdf` then answers from synchronously.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { decodeBase64 } from './media';

export interface PdfPage {
	/** Page size in PDF points (1/72 inch), after the page's rotation. */
	width: number;
	height: number;
	/** The page's text as PDF.js extracts it: runs in content order, a newline at each line end. */
	text: string;
}

export interface PdfInfo {
	pages: PdfPage[];
	/** Pages the file has; more than `pages.length` when reading stopped at MAX_PAGES. */
	pageCount: number;
	/** Kerning adjustments inside words over the whole file (see `kerningSplits`). */
	kerningSplits: number;
}

/** What `cachedPdf` knows: the pages, or why they could not be read. */
export type PdfRead = { ok: true; info: PdfInfo } | { ok: false; reason: string };

/** The Messages API takes requests up to 32 MB; a larger PDF is not read (its page count still is). */
const MAX_BYTES = 32 * 1024 * 1024;
/** The API's own page limit is 600 on its largest context windows; text is read up to there. */
const MAX_PAGES = 600;
/** Recently read PDFs, by a hash of their base64 text. */
const CACHE_SIZE = 16;
const cache = new Map<string, PdfRead>();

interface TextItem {
	str?: string;
	hasEOL?: boolean;
}
interface PdfjsPage {
	getViewport(o: { scale: number }): { width: number; height: number };
	getTextContent(): Promise<{ items: TextItem[] }>;
	cleanup(): void;
}
interface PdfjsDocument {
	numPages: number;
	getPage(n: number): Promise<PdfjsPage>;
	destroy(): Promise<void>;
}
interface Pdfjs {
	getDocument(src: Record<string, unknown>): { promise: Promise<PdfjsDocument>; destroy?(): Promise<void> };
}

let pdfjs: Promise<Pdfjs> | undefined;

/** Where the bundled copy lives: next to the extension's or the CLI's bundle. */
function bundledPath(): string {
	return path.join(__dirname, 'pdfjs.js');
}

// A real dynamic import for the unbundled case (tsc turns `import()` into `require()`, which cannot load ESM).
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

/**
 * PDF.js prints "Warning: Cannot polyfill `DOMMatrix`…" while loading in node without a canvas
 * package: it only renders with those, and only text is read here. Keep that out of the logs.
 */
async function quietly<T>(load: () => Promise<T> | T): Promise<T> {
	const log = console.log;
	const warn = console.warn;
	const filter = (orig: (...a: unknown[]) => void) => (...a: unknown[]) => {
		if (typeof a[0] === 'string' && /^Warning: Cannot (polyfill|access the `require`)/.test(a[0])) {
			return;
		}
		orig(...a);
	};
	console.log = filter(log);
	console.warn = filter(warn);
	try {
		return await load();
	} finally {
		console.log = log;
		console.warn = warn;
	}
}

function loadPdfjs(): Promise<Pdfjs> {
	pdfjs ??= quietly(async () => {
		const bundled = bundledPath();
		let lib: Record<string, unknown>;
		let worker: unknown;
		if (fs.existsSync(bundled)) {
			const m = require(bundled) as { pdfjs: Record<string, unknown>; worker: unknown };
			lib = m.pdfjs;
			worker = m.worker;
		} else {
			lib = await importEsm('pdfjs-dist/legacy/build/pdf.mjs');
			worker = await importEsm('pdfjs-dist/legacy/build/pdf.worker.mjs');
		}
		// In node PDF.js runs its worker in this thread; handing it the module spares a file lookup.
		(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
		return lib as unknown as Pdfjs;
	}).catch((err: unknown) => {
		pdfjs = undefined;
		throw err;
	});
	return pdfjs;
}

/** Reads the pages of a PDF. Rejects when the bytes are not a readable PDF. */
export async function readPdf(bytes: Uint8Array, maxPages = MAX_PAGES): Promise<PdfInfo> {
	const lib = await loadPdfjs();
	// PDF.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
	const task = lib.getDocument({
		data: new Uint8Array(bytes),
		verbosity: 0,
		isEvalSupported: false,
		disableFontFace: true,
		useSystemFonts: false,
		stopAtErrors: false,
	});
	const doc = await task.promise;
	try {
		const pages: PdfPage[] = [];
		const n = Math.min(doc.numPages, maxPages);
		for (let i = 1; i <= n; i++) {
			const page = await doc.getPage(i);
			const vp = page.getViewport({ scale: 1 });
			const content = await page.getTextContent();
			let text = '';
			for (const item of content.items) {
				text += (item.str ?? '') + (item.hasEOL ? '\n' : '');
			}
			pages.push({ width: vp.width, height: vp.height, text });
			page.cleanup();
		}
		return { pages, pageCount: doc.numPages, kerningSplits: kerningSplits(bytes) };
	} finally {
		await doc.destroy();
	}
}

function keyOf(data: string): string {
	return createHash('sha1').update(data).digest('base64');
}

/** What was read for this base64 PDF by an earlier `preparePdfs`, or undefined when it was not. */
export function cachedPdf(data: string): PdfRead | undefined {
	const key = keyOf(data);
	const hit = cache.get(key);
	if (hit) {
		// Most recently used last.
		cache.delete(key);
		cache.set(key, hit);
	}
	return hit;
}

function remember(key: string, read: PdfRead): void {
	cache.set(key, read);
	while (cache.size > CACHE_SIZE) {
		cache.delete(cache.keys().next().value as string);
	}
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The base64 data of every PDF document block of a request, tool results included. */
export function pdfSources(body: unknown): string[] {
	const out: string[] = [];
	const visit = (blocks: unknown): void => {
		if (!Array.isArray(blocks)) {
			return;
		}
		for (const b of blocks) {
			const r = asRecord(b);
			if (!r) {
				continue;
			}
			const src = asRecord(r.source);
			if (r.type === 'document' && src?.type === 'base64' && typeof src.data === 'string') {
				out.push(src.data);
			}
			if (r.type === 'tool_result') {
				visit(r.content);
			}
		}
	};
	const messages = asRecord(body)?.messages;
	if (Array.isArray(messages)) {
		for (const m of messages) {
			visit(asRecord(m)?.content);
		}
	}
	return out;
}

/**
 * Reads every base64 PDF of the request that is not cached yet, so that the synchronous counter can
 * price its pages. Never rejects: a PDF that cannot be read is cached with the reason.
 */
export async function preparePdfs(body: unknown, signal?: AbortSignal): Promise<void> {
	for (const data of pdfSources(body)) {
		if (signal?.aborted) {
			return;
		}
		const key = keyOf(data);
		if (cache.has(key)) {
			continue;
		}
		const bytes = decodeBase64(data);
		let read: PdfRead;
		if (!bytes) {
			read = { ok: false, reason: 'the data is not valid base64' };
		} else if (bytes.length > MAX_BYTES) {
			read = { ok: false, reason: `the file is larger than the API's ${MAX_BYTES / 1024 / 1024} MB request limit` };
		} else {
			try {
				read = { ok: true, info: await readPdf(bytes) };
			} catch (err) {
				const msg = err instanceof Error ? err.message : String(err);
				read = { ok: false, reason: `it could not be read as a PDF (${msg.slice(0, 120)})` };
			}
		}
		remember(key, read);
	}
}

/**
 * Kerning adjustments inside words, counted in the page content streams: a `TJ` array that moves the
 * pen between two letters, by less than a word space (`(Lor) 17 (em)`). count_tokens' text of a PDF
 * breaks the word there, PDF.js's does not (measured: a page with 32 of them was 31 tokens over the
 * PDF.js text; pages without them match). Only Flate-compressed and plain streams are read.
 */
export function kerningSplits(bytes: Uint8Array, maxInflated = 64 * 1024 * 1024): number {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const text = buf.toString('latin1');
	let splits = 0;
	let budget = maxInflated;
	const start = /stream\r?\n/g;
	for (let m = start.exec(text); m && budget > 0; m = start.exec(text)) {
		const from = m.index + m[0].length;
		const to = text.indexOf('endstream', from);
		if (to < 0) {
			break;
		}
		const dict = text.slice(Math.max(0, text.lastIndexOf('<<', m.index)), m.index);
		let content: string | undefined;
		if (/\/FlateDecode/.test(dict)) {
			try {
				const out = inflateSync(buf.subarray(from, to), { maxOutputLength: budget });
				budget -= out.length;
				content = out.toString('latin1');
			} catch {
				content = undefined;
			}
		} else if (!/\/Filter/.test(dict)) {
			content = text.slice(from, to);
		}
		if (content && content.includes('TJ')) {
			for (const k of content.matchAll(/[A-Za-z]\)\s*(-?\d+(?:\.\d+)?)\s*\([A-Za-z]/g)) {
				// A larger negative move is a word space: extractors put a space there.
				if (Number(k[1]) > -100) {
					splits++;
				}
			}
		}
		start.lastIndex = to;
	}
	return splits;
}

/** For tests: forget what was read. */
export function clearPdfCache(): void {
	cache.clear();
}
