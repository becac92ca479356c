import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { detectRequests } from '../core';
import { Detector, GrammarLoader } from '../../src/core/detect';
import { RemoteDetector } from '../../src/core/detect/remote';
import { TokenCountService, bestResult, type ServiceOptions } from '../../src/core/service';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';

/** Counts characters of the JSON body: deterministic and sensitive to every edit. */
class FakeCounter implements Counter {
	calls: CountRequest[] = [];
	constructor(readonly id: 'api' | 'offline') {}
	async count(request: CountRequest): Promise<CountResult> {
		this.calls.push(request);
		return { inputTokens: JSON.stringify(request.body).length, source: this.id, exact: false, approximate: false, notes: [] };
	}
}

const options: ServiceOptions = { mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false };

/** A deterministic sequence of pseudo-random numbers in [0, n). */
function random(seed: number): (n: number) => number {
	let x = seed;
	return (n) => {
		x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
		return x % n;
	};
}

/**
 * One random keystroke: mostly typing inside a string (the common case), sometimes any character anywhere;
 * a deletion one time in four. The new text and where it was typed.
 */
function randomEdit(text: string, languageId: string, rnd: (n: number) => number): { text: string; at: number } {
	const chars = languageId === 'jsonl' ? 'ab 1"{}\n,' : 'ab 1"\'(){}\n,';
	const strings = [...text.matchAll(/"[^"\n]{3,}"|'[^'\n]{3,}'/g)];
	const inString = rnd(4) > 0 && strings.length > 0;
	const q = strings[rnd(strings.length)];
	const at = inString ? q.index! + 1 + rnd(q[0].length - 2) : rnd(text.length);
	return { at, text: rnd(4) === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + (inString ? 'xy z'[rnd(4)] : chars[rnd(chars.length)]) + text.slice(at) };
}

/** What a surface reads of a document: each site's id, ranges, payload and figure. */
function shown(service: TokenCountService, uri: string): unknown[] {
	return (service.get(uri)?.sites ?? []).map((s) => ({
		id: s.site.id, range: s.site.range, anchor: s.site.anchor, parts: s.site.parts, unresolved: s.site.unresolved,
		payload: JSON.parse(JSON.stringify(s.site.payload)) as unknown, model: s.model, status: s.status, tokens: bestResult(s)?.inputTokens,
	}));
}

/** Batch lines: some numbered by line (no custom_id), and with `repeated` some custom_ids repeated. */
function batchLines(n: number, repeated = true): string[] {
	return Array.from({ length: n }, (_, i) => (i % 5 === 3
		? JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: `numbered ${i}` }] })
		: JSON.stringify({ custom_id: `r${repeated ? i % 40 : i}`, params: { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: `line ${i}` }] } })));
}

describe('result store: an edit re-keys only the requests it touched', () => {
	const documents: [string, string, string][] = [
		['jsonl', 'b.jsonl', batchLines(60).join('\n')],
		['python', 'a.py', 'SYSTEM = "Be brief."\n' + Array.from({ length: 12 }, (_, i) => `def f${i}(client):\n    return client.messages.create(model="claude-haiku-4-5", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": "Question ${i}"}])\n`).join('')],
		['go', 'a.go', 'package main\n\nconst system = "Be brief."\n' + Array.from({ length: 12 }, (_, i) => `\nfunc ask${i}(ctx context.Context, client anthropic.Client) {\n\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.ModelClaudeSonnet4_5, MaxTokens: 512, System: []anthropic.TextBlockParam{{Text: system}}, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Question ${i}"))}})\n}\n`).join('')],
		['typescript', 'a.ts', "const SYSTEM = 'Be brief.';\n" + Array.from({ length: 12 }, (_, i) => `export const f${i} = () => client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, system: SYSTEM, messages: [{ role: 'user', content: 'Question ${i}' }] });\n`).join('')],
	];
	for (const [languageId, fileName, base] of documents) {
		it(`${languageId}: after each of 50 random edits the store shows what a fresh store shows`, async function () {
			this.timeout(60_000);
			const rnd = random(fileName.length * 7919 + languageId.length);
			const service = new TokenCountService({ detect: detectRequests, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
			const uri = `file:///${fileName}`;
			let text = base;
			await service.update({ uri, version: 1, languageId, fileName, getText: () => text });
			await service.whenIdle();
			for (let v = 2; v < 52; v++) {
				const edit = randomEdit(text, languageId, rnd);
				text = edit.text;
				const at = edit.at;
				await service.update({ uri, version: v, languageId, fileName, getText: () => text });
				await service.whenIdle();
				const fresh = new TokenCountService({ detect: detectRequests, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
				// A fresh store, and no file name: detection keeps nothing of this run or reuses anything of the last.
				await fresh.update({ uri, version: 1, languageId, getText: () => text });
				await fresh.whenIdle();
				assert.deepEqual(shown(service, uri), shown(fresh, uri), `edit ${v} at ${at}`);
				fresh.dispose();
			}
			service.dispose();
		});
	}

	for (const [languageId, fileName, base] of documents) {
		it(`${languageId}, detected in the worker thread: after each of 50 random edits the store shows and counts what it does with detection in its own thread`, async function () {
			this.timeout(60_000);
			const rnd = random(fileName.length * 104729 + languageId.length);
			const worker = new RemoteDetector({ start: () => new Worker(path.resolve(__dirname, '..', '..', 'src', 'core', 'detect', 'worker.js')), inProcess: () => new Detector(new GrammarLoader()) });
			const here = new Detector(new GrammarLoader());
			const counters = { worker: new FakeCounter('offline'), here: new FakeCounter('offline') };
			const services = {
				worker: new TokenCountService({ detect: (...a) => worker.detect(...a), offline: counters.worker, hasApiKey: () => false }, options),
				here: new TokenCountService({ detect: (...a) => here.detect(...a), offline: counters.here, hasApiKey: () => false }, options),
			};
			const uri = `file:///${fileName}`;
			let text = base;
			const update = async (version: number) => {
				for (const service of Object.values(services)) {
					await service.update({ uri, version, languageId, fileName, getText: () => text });
					await service.whenIdle();
				}
			};
			try {
				await update(1);
				for (let v = 2; v < 52; v++) {
					const edit = randomEdit(text, languageId, rnd);
					text = edit.text;
					const at = edit.at;
					await update(v);
					assert.deepEqual(shown(services.worker, uri), shown(services.here, uri), `edit ${v} at ${at}`);
					assert.equal(counters.worker.calls.length, counters.here.calls.length, `edit ${v}: as many counts`);
				}
			} finally {
				services.worker.dispose();
				services.here.dispose();
				worker.dispose();
			}
		});
	}

	it('a keystroke in a batch file: the sites before it and after it keep their states (the ones after moved by the edit), one line is counted', async () => {
		const offline = new FakeCounter('offline');
		const service = new TokenCountService({ detect: detectRequests, offline, hasApiKey: () => false }, options);
		const lines = batchLines(400, false);
		const uri = 'file:///k.jsonl';
		const input = (text: string, version: number) => ({ uri, version, languageId: 'jsonl', fileName: 'k.jsonl', getText: () => text });
		await service.update(input(lines.join('\n'), 1));
		await service.whenIdle();
		const before = service.get(uri)!.sites;
		// Read before the edit: detection moves the later lines' sites in place.
		const starts = before.map(s => s.site.range.start);
		const calls = offline.calls.length;
		lines[200] = lines[200].replace('line 200', 'line 200, urgent');
		await service.update(input(lines.join('\n'), 2));
		await service.whenIdle();
		const after = service.get(uri)!.sites;
		assert.equal(offline.calls.length, calls + 1, 'only the edited line is counted');
		assert.equal(after.length, before.length);
		for (let i = 0; i < 200; i++) {
			assert.equal(after[i], before[i], `line ${i} keeps its state`);
		}
		assert.notEqual(after[200].offline, before[200].offline);
		for (let i = 201; i < after.length; i++) {
			assert.equal(after[i].offline, before[i].offline, `line ${i} keeps its figure`);
			assert.equal(after[i].request, before[i].request, `line ${i} keeps its count request`);
			assert.equal(after[i], before[i], `line ${i} keeps its state`);
			assert.equal(after[i].site.range.start, starts[i] + ', urgent'.length);
		}
		service.dispose();
	});
});
