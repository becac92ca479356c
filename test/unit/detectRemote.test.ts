/**
 * Detection in a worker thread (src/core/detect/remote.ts): the same sites as in this thread, the same site and
 * payload objects for what an edit did not touch (the result store's "unchanged"), and a read that still
 * answers when the worker cannot start, dies or hangs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Detector, GrammarLoader } from '../../src/core/detect';
import { RemoteDetector } from '../../src/core/detect/remote';
import { TokenCountService } from '../../src/core/service';
import type { Counter, CountRequest, CountResult, DetectProblem, RequestSite } from '../../src/core/types';

const WORKER = path.resolve(__dirname, '..', '..', 'src', 'core', 'detect', 'worker.js');
const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'detect');

const fixtures: { file: string; languageId: string; marker: string }[] = [
	{ file: 'support.ts', languageId: 'typescript', marker: "text: '" },
	{ file: 'bedrock.js', languageId: 'javascript', marker: "text: '" },
	{ file: 'support.py', languageId: 'python', marker: '"text": "' },
	{ file: 'requests.jsonc', languageId: 'jsonc', marker: '"text": "' },
	{ file: 'batch.jsonl', languageId: 'jsonl', marker: '"content": "' },
	{ file: 'sdk/messages.go', languageId: 'go', marker: 'NewTextBlock("' },
	{ file: 'sdk/Messages.java', languageId: 'java', marker: 'addUserMessage("' },
	{ file: 'sdk/messages.rb', languageId: 'ruby', marker: 'content: "' },
	{ file: 'sdk/Program.cs', languageId: 'csharp', marker: 'Content = "' },
	{ file: 'sdk/messages.php', languageId: 'php', marker: "'content' => \"" },
];

/** A worker that takes every message and answers none. */
const hangingWorker = () => new Worker('require("node:worker_threads").parentPort.on("message", () => {})', { eval: true });

function remote(log?: (m: string) => void, start: () => Worker = () => new Worker(WORKER)): RemoteDetector {
	return new RemoteDetector({ start, inProcess: () => new Detector(new GrammarLoader()), log });
}

/** For each site: which site of the last read it is, or whose payload it keeps ('-' for neither). */
function reusePattern(sites: readonly RequestSite[], last: readonly RequestSite[]): string[] {
	return sites.map((s) => {
		const same = last.indexOf(s);
		if (same >= 0) {
			return `same ${same}`;
		}
		const payload = last.findIndex((l) => l.payload === s.payload);
		return payload >= 0 ? `payload ${payload}` : '-';
	});
}

/**
 * `text` with one character typed inside a string: after the last (or the first) occurrence of `marker`, which
 * ends with its opening quote.
 */
function typed(text: string, marker: string, where: 'last' | 'first' = 'last'): string {
	const at = where === 'last' ? text.lastIndexOf(marker) : text.indexOf(marker);
	assert.ok(at >= 0, `marker ${marker}`);
	const to = at + marker.length;
	return `${text.slice(0, to)}x${text.slice(to)}`;
}

describe('detection in a worker thread', function () {
	this.timeout(60_000);
	const detectors: RemoteDetector[] = [];
	const make = (...args: Parameters<typeof remote>) => {
		const d = remote(...args);
		detectors.push(d);
		return d;
	};
	afterEach(() => {
		for (const d of detectors.splice(0)) {
			d.dispose();
		}
	});

	it('finds the same sites and problems as detection in this thread, in every language', async () => {
		const worker = make();
		const here = new Detector(new GrammarLoader());
		for (const { file, languageId } of fixtures) {
			const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
			const there = await worker.detect(text, languageId, { fileName: `a-${file}` });
			const local = await here.detect(text, languageId, { fileName: `a-${file}` });
			assert.ok(local.length > 0, `${file} has requests`);
			assert.deepEqual(there, local, file);
		}
		const deep = `client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }], metadata: { x: ${'['.repeat(100_000)}${']'.repeat(100_000)} } });`;
		const nested = `{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":${'['.repeat(2000)}${']'.repeat(2000)}}]}`;
		for (const [text, languageId, fileName] of [[deep, 'typescript', 'deep.ts'], [nested, 'json', 'deep.json']]) {
			const problemsThere: DetectProblem[] = [];
			const problemsHere: DetectProblem[] = [];
			const there = await worker.detect(text, languageId, { fileName, problems: problemsThere });
			const local = await here.detect(text, languageId, { fileName, problems: problemsHere });
			assert.deepEqual(there, local, fileName);
			assert.deepEqual(problemsThere, problemsHere, fileName);
			assert.match(problemsThere[0]?.message ?? '', /^Too deeply nested/, fileName);
		}
		assert.ok((await worker.detect('{"model": 1', 'json', {})).length === 0, 'malformed JSON: no sites');
	});

	it('hands back the very site and payload objects of requests an edit did not touch, as in this thread', async () => {
		const worker = make();
		const here = new Detector(new GrammarLoader());
		for (const { file, languageId, marker } of fixtures) {
			const fileName = `b-${file}`;
			const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
			let before = { there: await worker.detect(text, languageId, { fileName }), here: await here.detect(text, languageId, { fileName }) };
			let after = before;
			let edited = text;
			// In the last request (the others stay where they are), then in the first (the others after it move).
			for (const where of ['last', 'first'] as const) {
				edited = typed(edited, marker, where);
				after = { there: await worker.detect(edited, languageId, { fileName }), here: await here.detect(edited, languageId, { fileName }) };
				assert.deepEqual(after.there, after.here, `${file}, an edit in the ${where} request`);
				const pattern = reusePattern(after.here, before.here);
				assert.deepEqual(reusePattern(after.there, before.there), pattern, file);
				// A JSON document is read whole again (the store compares its requests' text instead).
				if (after.here.length > 1 && languageId !== 'jsonc') {
					assert.ok(pattern.some((p) => p !== '-'), `${file}: an edit in one request keeps the others`);
				}
				before = after;
			}
			// The same text again: every code site as it was.
			const again = { there: await worker.detect(edited, languageId, { fileName }), here: await here.detect(edited, languageId, { fileName }) };
			assert.deepEqual(reusePattern(again.there, after.there), reusePattern(again.here, after.here), file);
			if (languageId !== 'jsonc') {
				assert.ok(again.there.every((s, i) => s === after.there[i]), `${file}: the same text gives the same objects`);
			}
		}
	});

	it('reads back a reply of thousands of sites in parts, with the same sites and objects as in this thread', async () => {
		const worker = make();
		const here = new Detector(new GrammarLoader());
		const line = (i: number) => JSON.stringify({ custom_id: `t-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: `ticket ${i}` }] } });
		const text = Array.from({ length: 2_500 }, (_, i) => line(i)).join('\n');
		const before = { there: await worker.detect(text, 'jsonl', { fileName: 'big.jsonl' }), here: await here.detect(text, 'jsonl', { fileName: 'big.jsonl' }) };
		assert.equal(before.there.length, 2_500);
		assert.deepEqual(before.there, before.here);
		const edited = typed(text, '"content":"ticket 1234');
		const after = { there: await worker.detect(edited, 'jsonl', { fileName: 'big.jsonl' }), here: await here.detect(edited, 'jsonl', { fileName: 'big.jsonl' }) };
		assert.deepEqual(after.there, after.here);
		const pattern = reusePattern(after.there, before.there);
		assert.deepEqual(pattern, reusePattern(after.here, before.here));
		assert.equal(pattern.filter((p) => p.startsWith('same')).length, 2_499, 'every line but the edited one is the same object');
		// Lines without a custom_id are named by their line number: a line added above renumbers those below.
		const plain = Array.from({ length: 300 }, (_, i) => JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: `note ${i}` }] })).join('\n');
		let was = { there: await worker.detect(plain, 'jsonl', { fileName: 'plain.jsonl' }), here: await here.detect(plain, 'jsonl', { fileName: 'plain.jsonl' }) };
		for (const text of [`${plain.split('\n')[7]}\n${plain}`, `\n\n${plain.split('\n')[7]}\n${plain}`]) {
			const now = { there: await worker.detect(text, 'jsonl', { fileName: 'plain.jsonl' }), here: await here.detect(text, 'jsonl', { fileName: 'plain.jsonl' }) };
			assert.deepEqual(now.there, now.here);
			assert.deepEqual(reusePattern(now.there, was.there), reusePattern(now.here, was.here));
			was = now;
		}
		assert.equal(was.there[300].id, 'jsonl:L303');
	});

	it('starts a document afresh once it is forgotten', async () => {
		const worker = make();
		const text = fs.readFileSync(path.join(FIXTURES, 'support.py'), 'utf8');
		const first = await worker.detect(text, 'python', { fileName: 'c.py' });
		worker.forgetDocument('c.py');
		const second = await worker.detect(text, 'python', { fileName: 'c.py' });
		assert.deepEqual(second, first);
		assert.ok(second.every((s, i) => s !== first[i] && s.payload !== first[i].payload), 'nothing is taken from the forgotten read');
	});

	it('keeps the result store from counting an untouched request again after an edit', async () => {
		const calls: CountRequest[] = [];
		const counter: Counter = {
			id: 'offline',
			count: async (request: CountRequest): Promise<CountResult> => {
				calls.push(request);
				return { inputTokens: JSON.stringify(request.body).length, source: 'offline', exact: false, approximate: false, notes: [] };
			},
		} as Counter;
		const worker = make();
		const service = new TokenCountService({ detect: (...a) => worker.detect(...a), forgetDocument: (f) => worker.forgetDocument(f), offline: counter, hasApiKey: () => false },
			{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false });
		try {
			const text = fs.readFileSync(path.join(FIXTURES, 'sdk', 'messages.go'), 'utf8');
			const uri = 'file:///d.go';
			const first = await service.update({ uri, version: 1, languageId: 'go', fileName: 'd.go', getText: () => text });
			await service.whenIdle();
			const sites = first?.sites.length ?? 0;
			assert.ok(sites > 2, 'several requests');
			assert.equal(calls.length, sites, 'each request counted once');
			calls.length = 0;
			const edited = typed(text, 'NewTextBlock("');
			await service.update({ uri, version: 2, languageId: 'go', fileName: 'd.go', getText: () => edited });
			await service.whenIdle();
			assert.equal(calls.length, 1, 'only the edited request is counted again');
		} finally {
			service.dispose();
		}
	});

	it('reads in this thread, and says why, when the worker cannot start or stops before it runs', async () => {
		const text = fs.readFileSync(path.join(FIXTURES, 'support.ts'), 'utf8');
		const expected = await new Detector(new GrammarLoader()).detect(text, 'typescript', { fileName: 'e.ts' });
		const logged: string[] = [];
		const noStart = make((m) => logged.push(m), () => { throw new Error('no threads here'); });
		assert.deepEqual(await noStart.detect(text, 'typescript', { fileName: 'e.ts' }), expected);
		assert.match(logged.join('\n'), /worker did not start \(no threads here\)/);
		logged.length = 0;
		const missing = make((m) => logged.push(m), () => new Worker(path.join(path.dirname(WORKER), 'no-such-worker.js')));
		assert.deepEqual(await missing.detect(text, 'typescript', { fileName: 'e.ts' }), expected);
		assert.match(logged.join('\n'), /its worker (failed|stopped)/);
		logged.length = 0;
		// A worker that stops before it says it runs: what waits for it is read here.
		const exits = make((m) => logged.push(m), () => new Worker('setTimeout(() => process.exit(3), 200)', { eval: true }));
		const answers = await Promise.all([exits.detect(text, 'typescript', { fileName: 'e.ts' }), exits.detect(text, 'typescript', { fileName: 'f.ts' })]);
		assert.deepEqual(answers, [expected, expected]);
		assert.match(logged.join('\n'), /stopped \(exit code 3\) before it could read/);
		assert.equal(exits.runsIn, 'caller');
	});

	it('does not read again in this thread a document whose read stopped the worker: it is not counted, a new worker reads the rest', async () => {
		const text = fs.readFileSync(path.join(FIXTURES, 'support.ts'), 'utf8');
		const expected = await new Detector(new GrammarLoader()).detect(text, 'typescript', { fileName: 'e.ts' });
		const logged: string[] = [];
		// Says it runs, then stops as if the read it is on ran it out of memory.
		const dies = () => new Worker('require("node:worker_threads").parentPort.postMessage({ ready: true }); setTimeout(() => process.exit(134), 300)', { eval: true });
		let started = 0;
		const once = make((m) => logged.push(m), () => (++started === 1 ? dies() : new Worker(WORKER)));
		const problems: DetectProblem[] = [];
		const [stopped, next] = await Promise.all([once.detect(text, 'typescript', { fileName: 'big.ts', problems }), once.detect(text, 'typescript', { fileName: 'e.ts' })]);
		assert.deepEqual(stopped, []);
		assert.match(problems[0]?.message ?? '', /^Not counted: reading this document stopped the detection worker \(it stopped \(exit code 134\)\)/);
		assert.match(logged.join('\n'), /while reading big\.ts, which is not counted/);
		assert.deepEqual(next, expected, 'the read behind it is answered by a new worker');
		assert.equal(once.runsIn, 'worker');
		// Workers that keep stopping: after three, documents are read here (but not the one each stopped on).
		logged.length = 0;
		const always = make((m) => logged.push(m), dies);
		for (let i = 0; i < 3; i++) {
			assert.deepEqual(await always.detect(text, 'typescript', { fileName: `s${i}.ts` }), [], `stop ${i + 1}`);
		}
		assert.match(logged.join('\n'), /its worker stopped 3 times/);
		assert.equal(always.runsIn, 'caller');
		assert.deepEqual(await always.detect(text, 'typescript', { fileName: 'e.ts' }), expected);
	});

	it('gives up on a read that hangs, with a message, and reads the next documents in a new worker', async () => {
		const logged: string[] = [];
		let started = 0;
		const text = fs.readFileSync(path.join(FIXTURES, 'support.py'), 'utf8');
		const expected = await new Detector(new GrammarLoader()).detect(text, 'python', { fileName: 'h.py' });
		const hangsFirst = new RemoteDetector({
			// The first worker never answers; the second is a real one.
			start: () => (++started === 1 ? hangingWorker() : new Worker(WORKER)),
			inProcess: () => new Detector(new GrammarLoader()),
			timeoutMs: 500,
			log: (m) => logged.push(m),
		});
		detectors.push(hangsFirst);
		const problems: DetectProblem[] = [];
		const [hung, waiting] = await Promise.all([
			hangsFirst.detect(text, 'python', { fileName: 'g.py', problems }),
			hangsFirst.detect(text, 'python', { fileName: 'h.py' }),
		]);
		assert.deepEqual(hung, []);
		assert.match(problems[0]?.message ?? '', /^Not counted: reading this document took longer than 1 s/);
		assert.match(logged.join('\n'), /Reading g\.py took longer than 1 s/);
		assert.deepEqual(waiting, expected, 'the read waiting behind it is answered by the new worker');
		assert.equal(started, 2);
		assert.deepEqual(await hangsFirst.detect(text, 'python', { fileName: 'g.py' }), expected, 'later reads go to the new worker');
	});

	it('gives a large document more time before giving up on it', async () => {
		const hangs = new RemoteDetector({
			start: () => hangingWorker(),
			inProcess: () => new Detector(new GrammarLoader()),
			timeoutMs: 100,
		});
		detectors.push(hangs);
		const problems: DetectProblem[] = [];
		const started = Date.now();
		// 300,000 characters: 100 ms and 5 s per MB, 1.6 s.
		assert.deepEqual(await hangs.detect(`{"messages": []}${' '.repeat(300_000)}`, 'json', { fileName: 'big.json', problems }), []);
		assert.ok(Date.now() - started >= 1500, 'not given up before its time');
		assert.match(problems[0]?.message ?? '', /took longer than 2 s/);
	});

	it('answers what is waiting with no sites once disposed', async () => {
		const worker = make(undefined, () => hangingWorker());
		const waiting = worker.detect('{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}', 'json', { fileName: 'x.json' });
		worker.dispose();
		assert.deepEqual(await waiting, []);
	});
});
