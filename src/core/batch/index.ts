/**
 * The batch-file estimator: a JSONL file of Messages requests or Message Batches entries
 * (`{custom_id, params}`) → tokens and cost at the Batch API price, per model.
 *
 * Streams the file: bytes are pulled chunk by chunk and split into lines here, and no further chunk is
 * read while `concurrency` lines are being counted, so memory stays bounded by one chunk, one line and
 * the lines in flight — whatever the size of the file. Pure: no editor dependency.
 */
import * as fs from 'node:fs';
import { detectJsonl } from '../detect/json';
import { inputCost, lookupModel, outputCost, priceOptionsOf, type ModelInfo, type ModelOverrides } from '../cost';
import type { CountFn, RequestSite } from '../types';
import { CancelledError, isCancellation, throwIfAborted } from '../util/abort';
import { TextGuard } from '../util/text';
import { siteModel } from '../siteModel';

/**
 * What to read: a file path, a byte stream (a `fs.ReadStream`, `process.stdin` …), or an async iterable
 * of lines (each item one line; a trailing newline is ignored).
 */
export type BatchSource = string | NodeJS.ReadableStream | AsyncIterable<string>;

export interface BatchProgress {
	/** Bytes taken from the source so far (for an iterable of lines: the UTF-8 bytes of the lines). */
	readonly bytesRead: number;
	/** Size of the file when known (path or `fs.ReadStream`). */
	readonly totalBytes?: number;
	/** Lines read so far (blank ones included). */
	readonly lines: number;
	/** Requests counted so far. */
	readonly requests: number;
	readonly inputTokens: number;
}

export interface BatchOptions {
	/** Counts one line's request; the estimator passes its own signal to cancel in-flight counts. */
	readonly count: CountFn;
	/** Model for requests that do not name one. */
	readonly defaultModel: string;
	/** Count and price every request as this model, whatever the file says. */
	readonly model?: string;
	/** Lines counted at the same time (default 8). */
	readonly concurrency?: number;
	readonly onProgress?: (progress: BatchProgress) => void;
	/** Minimum time between two progress reports in milliseconds (default 100); the last one always comes. */
	readonly progressIntervalMs?: number;
	readonly signal?: AbortSignal;
	/** Pricing overrides from settings. */
	readonly pricing?: ModelOverrides;
	/** Lines longer than this are reported as malformed without being held in memory (default 32 MB, count_tokens' limit). */
	readonly maxLineBytes?: number;
	/** Bytes per read from a file (default 64 KiB). */
	readonly chunkBytes?: number;
}

export interface LineProblem {
	/** 1-based line number. */
	readonly line: number;
	readonly reason: string;
}

/** Lines that could not be used: all their numbers (up to a cap) and the first few reasons. */
export interface LineProblems {
	readonly count: number;
	readonly lines: readonly number[];
	readonly examples: readonly LineProblem[];
}

export interface ModelTotals {
	/** The model id as the file names it (or the default model). */
	readonly model: string;
	/** Display name of the priced model; undefined when the model has no price. */
	readonly displayName?: string;
	readonly requests: number;
	readonly inputTokens: number;
	/** Requests whose count is partly estimated (offline: tools, images, documents). */
	readonly approximateRequests: number;
	/** Sum of `max_tokens` over the requests that give one. */
	readonly maxOutputTokens: number;
	/** USD at the Batch API price; null when the model has no price. */
	readonly inputCostUsd: number | null;
	readonly maxOutputCostUsd: number | null;
}

export interface BatchEstimate {
	/** Lines read, blank ones included. */
	readonly lines: number;
	readonly blankLines: number;
	/** Requests counted. */
	readonly requests: number;
	readonly inputTokens: number;
	readonly approximateRequests: number;
	/** Requests without `max_tokens` (their output cannot be bounded). */
	readonly requestsWithoutMaxTokens: number;
	readonly maxOutputTokens: number;
	/** USD for the input of the priced requests at the Batch API price. */
	readonly inputCostUsd: number;
	/** USD for a full `max_tokens` of output on every priced request, at the Batch API price. */
	readonly maxOutputCostUsd: number;
	/** Requests whose model has no price: they are in the token totals but not in the costs. */
	readonly unpricedRequests: number;
	/** Models without a price, in order of first appearance. */
	readonly unknownModels: readonly string[];
	/** Per-model split, most input tokens first. */
	readonly models: readonly ModelTotals[];
	/** Lines that are not JSON, not a request, or too long. */
	readonly malformed: LineProblems;
	/** Requests the count function failed on. */
	readonly failed: LineProblems;
	readonly bytesRead: number;
	readonly totalBytes?: number;
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CHUNK = 64 * 1024;
const DEFAULT_MAX_LINE = 32 * 1024 * 1024;
/** How many line numbers and example reasons a LineProblems keeps. */
const MAX_LINE_NUMBERS = 1000;
const MAX_EXAMPLES = 5;
const NEWLINE = 0x0a;

class ProblemList {
	count = 0;
	readonly lines: number[] = [];
	readonly examples: LineProblem[] = [];

	add(line: number, reason: string): void {
		this.count++;
		if (this.lines.length < MAX_LINE_NUMBERS) {
			this.lines.push(line);
		}
		if (this.examples.length < MAX_EXAMPLES) {
			this.examples.push({ line, reason });
		}
	}

	freeze(): LineProblems {
		// Lines finish out of order when counted concurrently.
		const lines = [...this.lines].sort((a, b) => a - b);
		const examples = [...this.examples].sort((a, b) => a.line - b.line);
		return { count: this.count, lines, examples };
	}
}

interface ModelAccumulator {
	model: string;
	info: ModelInfo | undefined;
	requests: number;
	inputTokens: number;
	approximateRequests: number;
	maxOutputTokens: number;
	inputCostUsd: number;
	maxOutputCostUsd: number;
}

/** A line of the source with the byte count it took, for progress. */
interface RawLine {
	readonly text: string;
	readonly bytes: number;
	/** Set when the line was dropped for being too long; `text` is then empty. */
	readonly tooLong?: boolean;
}

function isLineIterable(source: BatchSource): source is AsyncIterable<string> {
	return typeof source === 'object' && source !== null && !isReadable(source) && Symbol.asyncIterator in source;
}

function isReadable(source: unknown): source is NodeJS.ReadableStream {
	return typeof source === 'object' && source !== null && typeof (source as NodeJS.ReadableStream).pipe === 'function';
}

/** Lines of an iterable of lines, with their sizes. */
async function* fromLineIterable(source: AsyncIterable<string>): AsyncGenerator<RawLine> {
	for await (const item of source) {
		const text = item.endsWith('\n') ? item.slice(0, item.endsWith('\r\n') ? -2 : -1) : item;
		yield { text, bytes: Buffer.byteLength(item) + (item.endsWith('\n') ? 0 : 1) };
	}
}

/**
 * Splits a byte stream into lines. Pulling from the stream's async iterator reads the next chunk only
 * when the consumer asks for the next line, so a slow consumer holds the file back. The bytes must be text
 * by the one rule of util/text.ts (a NUL byte or invalid UTF-8 anywhere: NotTextError; UTF-16 with a BOM is
 * decoded), checked chunk by chunk as they arrive.
 */
async function* fromByteStream(stream: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<RawLine> {
	const guard = new TextGuard();
	let first = true;
	for await (const line of splitLines(guarded(stream, guard), maxLineBytes)) {
		// The byte-order mark belongs to the first line's share of the file.
		yield first ? { ...line, bytes: line.bytes + guard.bomBytes } : line;
		first = false;
	}
}

/** The stream's bytes as checked UTF-8. */
async function* guarded(stream: AsyncIterable<Buffer | string>, guard: TextGuard): AsyncGenerator<Buffer> {
	for await (const raw of stream) {
		const bytes = guard.push(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
		if (bytes.length > 0) {
			yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
		}
	}
	const tail = guard.end();
	if (tail.length > 0) {
		yield Buffer.from(tail.buffer, tail.byteOffset, tail.length);
	}
}

async function* splitLines(stream: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<RawLine> {
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	let overflow = false;
	const take = (tail: Buffer): RawLine => {
		const size = pendingBytes + tail.length + 1;
		let line: RawLine;
		if (overflow || pendingBytes + tail.length > maxLineBytes) {
			line = { text: '', bytes: size, tooLong: true };
		} else {
			const buf = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
			let text = buf.toString('utf8');
			if (text.endsWith('\r')) {
				text = text.slice(0, -1);
			}
			line = { text, bytes: size };
		}
		pending = [];
		pendingBytes = 0;
		overflow = false;
		return line;
	};
	for await (const chunk of stream) {
		let from = 0;
		for (;;) {
			const nl = chunk.indexOf(NEWLINE, from);
			if (nl < 0) {
				break;
			}
			yield take(chunk.subarray(from, nl));
			from = nl + 1;
		}
		if (from < chunk.length) {
			const rest = chunk.subarray(from);
			if (overflow || pendingBytes + rest.length > maxLineBytes) {
				// Too long to be a request we could count: remember its size only, drop the bytes.
				overflow = true;
				pending = [];
			} else {
				// Copy: the stream may reuse its buffer.
				pending.push(Buffer.from(rest));
			}
			pendingBytes += rest.length;
		}
	}
	if (pendingBytes > 0 || overflow) {
		const last = take(Buffer.alloc(0));
		yield { ...last, bytes: last.bytes - 1 };
	}
}

function describeJsonError(text: string): string {
	try {
		JSON.parse(text);
		return 'not valid JSON';
	} catch (err) {
		return `not valid JSON: ${(err as Error).message}`;
	}
}

/** Why a line that parsed is still not a request. */
function describeNonRequest(text: string): string {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return describeJsonError(text);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
	}
	const obj = value as Record<string, unknown>;
	if ('custom_id' in obj && !(typeof obj.params === 'object' && obj.params !== null)) {
		return 'batch entry without a params object';
	}
	const body = 'custom_id' in obj ? obj.params as Record<string, unknown> : obj;
	if (!Array.isArray(body.messages)) {
		return 'no messages array (expected a Messages request or a {custom_id, params} entry)';
	}
	return 'not a Messages request or a Message Batches entry';
}

/**
 * Why a request's `max_tokens` cannot be used (the API takes a whole number ≥ 1), or undefined when it can or
 * is absent. `1e308` or `-5` would make the worst-case cost infinite or negative.
 */
export function maxTokensProblem(maxTokens: number | undefined): string | undefined {
	if (maxTokens === undefined || (Number.isSafeInteger(maxTokens) && maxTokens >= 1)) {
		return undefined;
	}
	return `max_tokens must be a whole number ≥ 1, not ${String(maxTokens)}`;
}

/** The request sites of one line, or a reason why there are none. */
function parseLine(text: string): { sites: RequestSite[] } | { reason: string } {
	const sites: RequestSite[] = [];
	if (text.includes('messages')) {
		detectJsonl(text, {}, sites);
	}
	if (sites.length > 0) {
		return { sites };
	}
	return { reason: describeNonRequest(text) };
}

function openSource(source: BatchSource, chunkBytes: number, maxLineBytes: number): { lines: AsyncGenerator<RawLine>; totalBytes?: number; close(): void } {
	if (typeof source === 'string') {
		const stat = fs.statSync(source);
		if (!stat.isFile()) {
			throw new Error(`${source} is not a file.`);
		}
		const stream = fs.createReadStream(source, { highWaterMark: chunkBytes });
		return { lines: fromByteStream(stream, maxLineBytes), totalBytes: stat.size, close: () => stream.destroy() };
	}
	if (isLineIterable(source)) {
		return { lines: fromLineIterable(source), close: () => undefined };
	}
	const stream = source as NodeJS.ReadableStream & { destroy?: () => void; path?: unknown };
	let totalBytes: number | undefined;
	if (stream instanceof fs.ReadStream && typeof stream.path === 'string') {
		try {
			totalBytes = fs.statSync(stream.path).size;
		} catch {
			totalBytes = undefined;
		}
	}
	return { lines: fromByteStream(stream as AsyncIterable<Buffer | string>, maxLineBytes), totalBytes, close: () => stream.destroy?.() };
}

/**
 * Estimates a JSONL batch file. Rejects with a CancelledError when `signal` aborts (in-flight counts are
 * aborted too); rejects when the source cannot be read. Count failures of single requests do not stop it:
 * they are listed in `failed`.
 */
export async function estimateBatchFile(source: BatchSource, options: BatchOptions): Promise<BatchEstimate> {
	const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
	const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE;
	const progressInterval = options.progressIntervalMs ?? 100;
	throwIfAborted(options.signal);

	// One controller for the run: the caller's abort reaches every in-flight count through it.
	const controller = new AbortController();
	const onAbort = () => controller.abort();
	options.signal?.addEventListener('abort', onAbort, { once: true });

	const opened = openSource(source, options.chunkBytes ?? DEFAULT_CHUNK, maxLineBytes);
	const malformed = new ProblemList();
	const failed = new ProblemList();
	const byModel = new Map<string, ModelAccumulator>();
	const unknownModels: string[] = [];
	let lines = 0;
	let blankLines = 0;
	let bytesRead = 0;
	let requests = 0;
	let inputTokens = 0;
	let approximateRequests = 0;
	let withoutMaxTokens = 0;
	let lastReport = 0;

	const report = (force: boolean) => {
		if (!options.onProgress) {
			return;
		}
		const now = Date.now();
		if (!force && now - lastReport < progressInterval) {
			return;
		}
		lastReport = now;
		options.onProgress({ bytesRead, totalBytes: opened.totalBytes, lines, requests, inputTokens });
	};

	const accumulatorFor = (model: string): ModelAccumulator => {
		let acc = byModel.get(model);
		if (!acc) {
			const info = lookupModel(model, options.pricing);
			acc = { model, info, requests: 0, inputTokens: 0, approximateRequests: 0, maxOutputTokens: 0, inputCostUsd: 0, maxOutputCostUsd: 0 };
			byModel.set(model, acc);
			if (!info) {
				unknownModels.push(model);
			}
		}
		return acc;
	};

	const countSite = async (site: RequestSite, lineNumber: number): Promise<void> => {
		const { model } = siteModel(site, { override: options.model, defaultModel: options.defaultModel });
		let result: { inputTokens: number; approximate?: boolean };
		try {
			result = await options.count({ ...site.payload, model }, model, controller.signal);
		} catch (err) {
			if (isCancellation(err) || controller.signal.aborted) {
				return;
			}
			failed.add(lineNumber, (err as Error)?.message ?? String(err));
			return;
		}
		if (!Number.isFinite(result.inputTokens) || result.inputTokens < 0) {
			failed.add(lineNumber, `the counter returned ${String(result.inputTokens)} tokens`);
			return;
		}
		const acc = accumulatorFor(model);
		const tokens = result.inputTokens;
		requests++;
		inputTokens += tokens;
		acc.requests++;
		acc.inputTokens += tokens;
		if (result.approximate) {
			approximateRequests++;
			acc.approximateRequests++;
		}
		if (site.maxTokens === undefined) {
			withoutMaxTokens++;
		} else {
			acc.maxOutputTokens += site.maxTokens;
		}
		if (acc.info) {
			// Priced per request: the long-context tier depends on each request's own input.
			const opts = { ...priceOptionsOf(site.pricing), batch: true };
			acc.inputCostUsd += inputCost(tokens, acc.info, opts);
			if (site.maxTokens !== undefined) {
				acc.maxOutputCostUsd += outputCost(site.maxTokens, acc.info, { ...opts, requestInputTokens: tokens });
			}
		}
	};

	const inFlight = new Set<Promise<void>>();
	const launch = (task: Promise<void>) => {
		const tracked = task.finally(() => {
			inFlight.delete(tracked);
			report(false);
		});
		inFlight.add(tracked);
	};

	try {
		for await (const raw of opened.lines) {
			if (controller.signal.aborted) {
				break;
			}
			lines++;
			bytesRead += raw.bytes;
			const lineNumber = lines;
			let text = raw.text;
			if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) {
				text = text.slice(1);
			}
			if (raw.tooLong) {
				malformed.add(lineNumber, `line longer than ${Math.round(maxLineBytes / 1024 / 1024)} MB`);
				continue;
			}
			if (text.trim() === '') {
				blankLines++;
				continue;
			}
			const parsed = parseLine(text);
			if ('reason' in parsed) {
				malformed.add(lineNumber, parsed.reason);
				report(false);
				continue;
			}
			const badMaxTokens = parsed.sites.map((s) => maxTokensProblem(s.maxTokens)).find((p) => p !== undefined);
			if (badMaxTokens) {
				// The API would refuse the request, and one such line would turn the worst case into nonsense.
				malformed.add(lineNumber, badMaxTokens);
				report(false);
				continue;
			}
			for (const site of parsed.sites) {
				// Backpressure: read no further while the pool is full.
				while (inFlight.size >= concurrency) {
					await Promise.race(inFlight);
				}
				if (controller.signal.aborted) {
					break;
				}
				launch(countSite(site, lineNumber));
			}
		}
		await Promise.all(inFlight);
	} catch (err) {
		// The source failed: stop the counts still running before passing the error on.
		controller.abort();
		throw err;
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
		opened.close();
		await opened.lines.return(undefined);
	}
	if (controller.signal.aborted) {
		throw new CancelledError('Batch estimate cancelled');
	}
	report(true);

	const models = [...byModel.values()]
		.sort((a, b) => b.inputTokens - a.inputTokens || a.model.localeCompare(b.model))
		.map((acc): ModelTotals => ({
			model: acc.model,
			displayName: acc.info?.displayName,
			requests: acc.requests,
			inputTokens: acc.inputTokens,
			approximateRequests: acc.approximateRequests,
			maxOutputTokens: acc.maxOutputTokens,
			inputCostUsd: acc.info ? acc.inputCostUsd : null,
			maxOutputCostUsd: acc.info ? acc.maxOutputCostUsd : null,
		}));
	const priced = models.filter((m) => m.inputCostUsd !== null);
	return {
		lines,
		blankLines,
		requests,
		inputTokens,
		approximateRequests,
		requestsWithoutMaxTokens: withoutMaxTokens,
		maxOutputTokens: models.reduce((s, m) => s + m.maxOutputTokens, 0),
		inputCostUsd: priced.reduce((s, m) => s + (m.inputCostUsd ?? 0), 0),
		maxOutputCostUsd: priced.reduce((s, m) => s + (m.maxOutputCostUsd ?? 0), 0),
		unpricedRequests: models.filter((m) => m.inputCostUsd === null).reduce((s, m) => s + m.requests, 0),
		unknownModels,
		models,
		malformed: malformed.freeze(),
		failed: failed.freeze(),
		bytesRead,
		totalBytes: opened.totalBytes,
	};
}
