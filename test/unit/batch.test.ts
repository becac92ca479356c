import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { estimateBatchFile, type BatchProgress } from '../../src/core/batch';
import type { CountFn, MessagesBody } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';
import { utf8CountRule } from '../server/countRule';

const ruleCount: CountFn = async (body) => ({ inputTokens: utf8CountRule(body) });

function entry(id: string, model: string | undefined, text: string, maxTokens?: number): string {
	const params: Record<string, unknown> = { messages: [{ role: 'user', content: text }] };
	if (model !== undefined) { params.model = model; }
	if (maxTokens !== undefined) { params.max_tokens = maxTokens; }
	return JSON.stringify({ custom_id: id, params });
}

function close(actual: number, expected: number, what: string): void {
	assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

/** The text of a request's first message, for count functions that key on it. */
function firstText(body: MessagesBody): string {
	const m = body.messages[0] as { content: string };
	return m.content;
}

describe('estimateBatchFile', function () {
	this.timeout(60_000);
	let dir: string;

	before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-batch-')); });
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	function write(name: string, text: string): string {
		const file = path.join(dir, name);
		fs.writeFileSync(file, text);
		return file;
	}

	it('totals requests and tokens, splits them per model and lists malformed lines with reasons', async () => {
		const lines = [
			entry('a', 'claude-haiku-4-5', 'Tag this ticket: charged twice.', 200),
			JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'A plain Messages request.' }] }),
			'',
			'{"custom_id": "broken", "params": {',
			'[1, 2, 3]',
			JSON.stringify({ custom_id: 'x', params: 'nope' }),
			JSON.stringify({ hello: 'world' }),
			entry('b', 'claude-haiku-4-5', 'Tag this ticket: parcel stuck in Memphis.', 300),
			entry('c', 'claude-nonexistent-9', 'Which price?', 100),
			entry('d', undefined, 'No model given here.'),
			'   ',
		];
		const file = write('mixed.jsonl', lines.join('\n') + '\n');
		const e = await estimateBatchFile(file, { count: ruleCount, defaultModel: 'claude-sonnet-4-5' });

		assert.equal(e.lines, 11);
		assert.equal(e.blankLines, 2);
		assert.equal(e.requests, 5);
		assert.deepEqual(e.malformed.lines, [4, 5, 6, 7]);
		assert.equal(e.malformed.count, 4);
		assert.match(e.malformed.examples[0].reason, /not valid JSON/);
		assert.match(e.malformed.examples[1].reason, /expected a JSON object, found an array/);
		assert.match(e.malformed.examples[2].reason, /batch entry without a params object/);
		assert.match(e.malformed.examples[3].reason, /no messages array/);
		assert.equal(e.failed.count, 0);

		const tokensOf = (text: string) => utf8CountRule({ messages: [{ role: 'user', content: text }] });
		const haikuTokens = tokensOf('Tag this ticket: charged twice.') + tokensOf('Tag this ticket: parcel stuck in Memphis.');
		const sonnetTokens = tokensOf('A plain Messages request.') + tokensOf('No model given here.');
		const unknownTokens = tokensOf('Which price?');
		assert.equal(e.inputTokens, haikuTokens + sonnetTokens + unknownTokens);

		const byModel = new Map(e.models.map((m) => [m.model, m]));
		assert.deepEqual([...byModel.keys()].sort(), ['claude-haiku-4-5', 'claude-nonexistent-9', 'claude-sonnet-4-5']);
		const haiku = byModel.get('claude-haiku-4-5')!;
		assert.equal(haiku.requests, 2);
		assert.equal(haiku.inputTokens, haikuTokens);
		assert.equal(haiku.maxOutputTokens, 500);
		// Haiku 4.5: $1 in / $5 out per MTok, halved by the Batch API.
		close(haiku.inputCostUsd!, (haikuTokens * 1 * 0.5) / 1e6, 'haiku input');
		close(haiku.maxOutputCostUsd!, (500 * 5 * 0.5) / 1e6, 'haiku output');
		const sonnet = byModel.get('claude-sonnet-4-5')!;
		assert.equal(sonnet.requests, 2, 'the request without a model goes to the default model');
		assert.equal(sonnet.maxOutputTokens, 1000);
		close(sonnet.inputCostUsd!, (sonnetTokens * 3 * 0.5) / 1e6, 'sonnet input');
		close(sonnet.maxOutputCostUsd!, (1000 * 15 * 0.5) / 1e6, 'sonnet output');

		// An unknown model has no price, and none is borrowed from another row.
		const unknown = byModel.get('claude-nonexistent-9')!;
		assert.equal(unknown.inputCostUsd, null);
		assert.equal(unknown.maxOutputCostUsd, null);
		assert.equal(unknown.displayName, undefined);
		assert.deepEqual(e.unknownModels, ['claude-nonexistent-9']);
		assert.equal(e.unpricedRequests, 1);
		close(e.inputCostUsd, haiku.inputCostUsd! + sonnet.inputCostUsd!, 'total input');
		close(e.maxOutputCostUsd, haiku.maxOutputCostUsd! + sonnet.maxOutputCostUsd!, 'total output');
		assert.equal(e.maxOutputTokens, 200 + 1000 + 300 + 100, "unpriced requests count in the token totals");
		assert.equal(e.requestsWithoutMaxTokens, 1);
		assert.equal(e.bytesRead, fs.statSync(file).size);
		assert.equal(e.totalBytes, fs.statSync(file).size);
	});

	it('prices at the batch rate per request, long-context tier included', async () => {
		// Fixed counts make the arithmetic checkable by hand.
		const counts: Record<string, number> = { small: 1_000_000, large: 300_000 };
		const file = write('price.jsonl', [
			entry('1', 'claude-haiku-4-5', 'small', 1_000_000),
			entry('2', 'claude-opus-4-1', 'small', 2_000),
			entry('3', 'claude-sonnet-4-5-20250929', 'large', 10_000),
		].join('\n'));
		const e = await estimateBatchFile(file, { count: async (body) => ({ inputTokens: counts[firstText(body)] }), defaultModel: 'claude-sonnet-4-5' });
		const m = new Map(e.models.map((x) => [x.model, x]));
		close(m.get('claude-haiku-4-5')!.inputCostUsd!, 0.5, 'haiku: 1M × $1 × 0.5');
		close(m.get('claude-haiku-4-5')!.maxOutputCostUsd!, 2.5, 'haiku: 1M × $5 × 0.5');
		close(m.get('claude-opus-4-1')!.inputCostUsd!, 7.5, 'opus 4.1: 1M × $15 × 0.5');
		close(m.get('claude-opus-4-1')!.maxOutputCostUsd!, (2_000 * 75 * 0.5) / 1e6, 'opus 4.1 output');
		// Sonnet 4.5 above 200K input is billed at the premium $6 / $22.50, then halved.
		close(m.get('claude-sonnet-4-5-20250929')!.inputCostUsd!, (300_000 * 6 * 0.5) / 1e6, 'sonnet long-context input');
		close(m.get('claude-sonnet-4-5-20250929')!.maxOutputCostUsd!, (10_000 * 22.5 * 0.5) / 1e6, 'sonnet long-context output');
		close(e.inputCostUsd, 0.5 + 7.5 + 0.9, 'total');
		assert.equal(e.models[0].model, 'claude-haiku-4-5', 'most tokens first');
		assert.equal(e.bytesRead, fs.statSync(file).size, 'the last line has no newline');
	});

	it('streams a multi-MB file: reads ahead at most a few chunks and counts at most `concurrency` lines at once', async () => {
		const lineCount = 24_000;
		const filler = 'lorem ipsum dolor sit amet '.repeat(12);
		const ends: number[] = [];
		const fd = fs.openSync(path.join(dir, 'big.jsonl'), 'w');
		let offset = 0;
		let longest = 0;
		for (let i = 0; i < lineCount; i++) {
			const model = i % 3 === 0 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5';
			const line = entry(`r${i}`, model, `#${i} ${filler}`, 100) + '\n';
			fs.writeSync(fd, line);
			offset += Buffer.byteLength(line);
			longest = Math.max(longest, Buffer.byteLength(line));
			ends.push(offset);
		}
		fs.closeSync(fd);
		const file = path.join(dir, 'big.jsonl');
		assert.ok(offset > 8 * 1024 * 1024, `file is ${offset} bytes`);

		const chunk = 16 * 1024;
		const concurrency = 6;
		const stream = fs.createReadStream(file, { highWaterMark: chunk });
		let inFlight = 0;
		let peakInFlight = 0;
		let maxReadAhead = 0;
		let calls = 0;
		const progress: BatchProgress[] = [];
		const e = await estimateBatchFile(stream, {
			defaultModel: 'claude-sonnet-4-5',
			concurrency,
			progressIntervalMs: 0,
			onProgress: (p) => progress.push(p),
			count: async (body) => {
				calls++;
				inFlight++;
				peakInFlight = Math.max(peakInFlight, inFlight);
				const index = Number(/^#(\d+)/.exec(firstText(body))![1]);
				// How far the file has been read beyond the end of the line being counted.
				maxReadAhead = Math.max(maxReadAhead, stream.bytesRead - ends[index]);
				await new Promise((r) => setImmediate(r));
				inFlight--;
				return { inputTokens: utf8CountRule(body) };
			},
		});
		assert.equal(e.requests, lineCount);
		assert.equal(calls, lineCount);
		assert.ok(peakInFlight <= concurrency, `peak in flight ${peakInFlight}`);
		assert.ok(peakInFlight >= 2, 'lines are counted concurrently');
		// Bounded by the chunk being split, the stream's own buffer and the lines in the pool, not by the file.
		const bound = 4 * chunk + concurrency * longest;
		assert.ok(maxReadAhead <= bound, `read ahead ${maxReadAhead} bytes > ${bound}`);
		assert.ok(maxReadAhead < offset / 50, 'never anywhere near the whole file');
		const haiku = e.models.find((m) => m.model === 'claude-haiku-4-5')!;
		assert.equal(haiku.requests, lineCount / 3);
		assert.equal(e.models.find((m) => m.model === 'claude-sonnet-4-5')!.requests, (lineCount * 2) / 3);
		const last = progress[progress.length - 1];
		assert.equal(last.bytesRead, offset);
		assert.equal(last.totalBytes, offset);
		assert.equal(last.lines, lineCount);
		assert.equal(last.requests, lineCount);
		for (let i = 1; i < progress.length; i++) {
			assert.ok(progress[i].bytesRead >= progress[i - 1].bytesRead, 'progress never goes back');
		}
	});

	it('pulls from an iterable of lines no faster than it counts them', async () => {
		const total = 5_000;
		const concurrency = 4;
		let yielded = 0;
		let completed = 0;
		let maxAhead = 0;
		async function* source(): AsyncGenerator<string> {
			for (let i = 0; i < total; i++) {
				yielded++;
				maxAhead = Math.max(maxAhead, yielded - completed);
				yield entry(`r${i}`, 'claude-haiku-4-5', `line ${i}`, 10);
			}
		}
		const e = await estimateBatchFile(source(), {
			defaultModel: 'claude-sonnet-4-5',
			concurrency,
			count: async (body) => {
				await new Promise((r) => setTimeout(r, 0));
				completed++;
				return { inputTokens: utf8CountRule(body) };
			},
		});
		assert.equal(e.requests, total);
		// The pool plus the one line waiting for a free slot.
		assert.ok(maxAhead <= concurrency + 1, `buffered ${maxAhead} lines`);
	});

	it('cancels: rejects with a cancellation, aborts in-flight counts and stops reading', async () => {
		const lines: string[] = [];
		for (let i = 0; i < 20_000; i++) {
			lines.push(entry(`r${i}`, 'claude-haiku-4-5', `text ${i} `.repeat(20), 50));
		}
		const file = write('cancel.jsonl', lines.join('\n'));
		const controller = new AbortController();
		let calls = 0;
		let withoutSignal = 0;
		let abortedInFlight = 0;
		let lastProgress: BatchProgress | undefined;
		const run = estimateBatchFile(file, {
			defaultModel: 'claude-sonnet-4-5',
			concurrency: 4,
			chunkBytes: 8 * 1024,
			signal: controller.signal,
			progressIntervalMs: 0,
			onProgress: (p) => { lastProgress = p; },
			count: (body, _model, signal) => new Promise((resolve, reject) => {
				calls++;
				if (!signal) {
					withoutSignal++;
					resolve({ inputTokens: utf8CountRule(body) });
					return;
				}
				if (calls === 100) {
					controller.abort();
				}
				const onAbort = () => {
					clearTimeout(timer);
					abortedInFlight++;
					const err = new Error('aborted');
					err.name = 'AbortError';
					reject(err);
				};
				const timer = setTimeout(() => {
					signal.removeEventListener('abort', onAbort);
					resolve({ inputTokens: utf8CountRule(body) });
				}, 5);
				signal.addEventListener('abort', onAbort, { once: true });
			}),
		});
		await assert.rejects(run, (err) => isCancellation(err));
		assert.equal(withoutSignal, 0, 'the estimator passes its own signal to every count');
		assert.ok(calls < 200, `${calls} counts started after cancelling`);
		assert.ok(abortedInFlight >= 1, 'the counts in flight saw the abort');
		assert.ok(!lastProgress || lastProgress.lines < 20_000, 'reading stopped early');
	});

	it('rejects at once when the signal is already aborted', async () => {
		const file = write('one.jsonl', entry('a', 'claude-haiku-4-5', 'x', 1));
		const controller = new AbortController();
		controller.abort();
		let calls = 0;
		await assert.rejects(
			estimateBatchFile(file, { defaultModel: 'm', signal: controller.signal, count: async () => { calls++; return { inputTokens: 1 }; } }),
			(err) => isCancellation(err),
		);
		assert.equal(calls, 0);
	});

	it('reports a line longer than the limit as malformed without keeping it, and goes on', async () => {
		const long = entry('big', 'claude-haiku-4-5', 'y'.repeat(300_000), 10);
		const file = write('long.jsonl', [entry('a', 'claude-haiku-4-5', 'short', 10), long, entry('b', 'claude-haiku-4-5', 'after', 10)].join('\n') + '\n');
		const e = await estimateBatchFile(file, { count: ruleCount, defaultModel: 'claude-sonnet-4-5', maxLineBytes: 64 * 1024, chunkBytes: 4096 });
		assert.equal(e.requests, 2);
		assert.deepEqual(e.malformed.lines, [2]);
		assert.match(e.malformed.examples[0].reason, /longer than/);
		assert.equal(e.bytesRead, fs.statSync(file).size);
	});

	it('handles CRLF, a byte-order mark, multi-byte text split across chunks and a missing final newline', async () => {
		const texts = ['héllo wörld ✓ 日本語のテキスト', 'second', '🎉 emoji'];
		const body = '\uFEFF' + texts.map((t, i) => entry(`c${i}`, 'claude-haiku-4-5', t.repeat(40), 5)).join('\r\n');
		const file = write('crlf.jsonl', body);
		const seen: string[] = [];
		const e = await estimateBatchFile(file, {
			defaultModel: 'claude-sonnet-4-5',
			chunkBytes: 7, // splits UTF-8 sequences across chunks
			count: async (b) => { seen.push(firstText(b)); return { inputTokens: utf8CountRule(b) }; },
		});
		assert.equal(e.requests, 3);
		assert.equal(e.malformed.count, 0);
		assert.deepEqual(seen.sort(), texts.map((t) => t.repeat(40)).sort());
		assert.equal(e.bytesRead, Buffer.byteLength(body));
	});

	it('lists requests the counter fails on, separately from malformed lines', async () => {
		const file = write('fail.jsonl', [entry('a', 'claude-haiku-4-5', 'fine', 1), entry('b', 'claude-haiku-4-5', 'boom', 1), entry('c', 'claude-haiku-4-5', 'fine too', 1)].join('\n'));
		const e = await estimateBatchFile(file, {
			defaultModel: 'claude-sonnet-4-5',
			count: async (b) => {
				if (firstText(b) === 'boom') { throw new Error('The counting endpoint rejected the request (400): bad block'); }
				return { inputTokens: 10, approximate: firstText(b) === 'fine' };
			},
		});
		assert.equal(e.requests, 2);
		assert.equal(e.inputTokens, 20);
		assert.equal(e.approximateRequests, 1);
		assert.equal(e.malformed.count, 0);
		assert.deepEqual(e.failed.lines, [2]);
		assert.match(e.failed.examples[0].reason, /rejected the request/);
	});

	it('counts every request for the model given in place of the file\'s, and passes it to the counter', async () => {
		const file = write('override.jsonl', [entry('a', 'claude-haiku-4-5', 'x', 1), entry('b', 'claude-opus-4-1', 'y', 1)].join('\n'));
		const models: string[] = [];
		const e = await estimateBatchFile(file, {
			defaultModel: 'claude-sonnet-4-5',
			model: 'claude-sonnet-5',
			count: async (b, model) => { models.push(model, b.model); return { inputTokens: 1000 }; },
		});
		assert.deepEqual(models, ['claude-sonnet-5', 'claude-sonnet-5', 'claude-sonnet-5', 'claude-sonnet-5']);
		assert.deepEqual(e.models.map((m) => m.model), ['claude-sonnet-5']);
		close(e.inputCostUsd, (2000 * 2 * 0.5) / 1e6, 'sonnet 5 at batch price');
	});

	it('reads a byte stream that is not a file', async () => {
		const text = [entry('a', 'claude-haiku-4-5', 'one', 1), entry('b', 'claude-haiku-4-5', 'two', 1)].join('\n') + '\n';
		const e = await estimateBatchFile(Readable.from([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))]), { count: ruleCount, defaultModel: 'm' });
		assert.equal(e.requests, 2);
		assert.equal(e.totalBytes, undefined);
		assert.equal(e.bytesRead, Buffer.byteLength(text));
	});

	it('rejects when the file does not exist', async () => {
		await assert.rejects(estimateBatchFile(path.join(dir, 'missing.jsonl'), { count: ruleCount, defaultModel: 'm' }), /ENOENT/);
	});
});
