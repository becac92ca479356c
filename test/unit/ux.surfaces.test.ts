import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import { batchesNeeded, batchHtml, batchProgressHtml, batchProgressText, batchSplitNote, BATCH_MAX_BYTES, BATCH_MAX_REQUESTS } from '../../src/core/batch/view';
import { estimateBatchFile } from '../../src/core/batch';
import { rateLookup } from '../../src/core/cost/rates';
import { figureFor, shortText } from '../../src/core/present';
import { estimateRequest } from '../../src/core/report';
import { reportHtml } from '../../src/core/report/html';
import { malformedJsonlLines, STALE_JSON, TokenCountService, type ServiceOptions } from '../../src/core/service';
import type { CountRequest, CountResult, Counter, MessagesBody } from '../../src/core/types';

const rates = rateLookup(() => ({}));
const options: ServiceOptions = { mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false };

class Chars implements Counter {
	readonly id = 'offline' as const;
	async count(request: CountRequest): Promise<CountResult> {
		return { inputTokens: JSON.stringify(request.body.messages).length, source: 'offline', exact: false, approximate: true, notes: [] };
	}
}

const GOOD = '{\n  "model": "claude-sonnet-4-5",\n  "messages": [{ "role": "user", "content": "Explain optimistic locking with one example." }]\n}\n';

describe('Half-typed JSON keeps the last good figure, marked stale', () => {
	for (const [what, broken] of [
		['a stray word', GOOD.replace('"messages"', 'oops "messages"')],
		['an unclosed string', GOOD.replace('example."', 'example.')],
		['five parse errors that swallow the content into a bad key', GOOD.replace(/"/g, '').replace('{', '{"x": ')],
	] as const) {
		it(`after ${what}`, async () => {
			const service = new TokenCountService({ detect: detectRequests, offline: new Chars(), hasApiKey: () => false }, options);
			const uri = 'file:///r.json';
			await service.update({ uri, version: 1, languageId: 'json', getText: () => GOOD });
			await service.whenIdle();
			const good = service.get(uri)!.sites[0].offline!.inputTokens;
			await service.update({ uri, version: 2, languageId: 'json', getText: () => broken });
			await service.whenIdle();
			const doc = service.get(uri)!;
			assert.equal(doc.version, 2);
			assert.equal(doc.stale, STALE_JSON);
			assert.equal(doc.sites.length, 1, 'the site stays');
			assert.equal(doc.sites[0].offline!.inputTokens, good, 'the last good figure, not a partial re-parse');
			// Valid again: the figure is current and the mark goes.
			const fixed = GOOD.replace('example.', 'example, please.');
			await service.update({ uri, version: 3, languageId: 'json', getText: () => fixed });
			await service.whenIdle();
			assert.equal(service.get(uri)!.stale, undefined);
			assert.ok(service.get(uri)!.sites[0].offline!.inputTokens > good);
			service.dispose();
		});
	}
});

describe('Malformed JSONL lines', () => {
	it('are found without parsing the lines that hold requests', async () => {
		const ok = '{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}}';
		const text = [ok, '{"custom_id": "bad", "params": ', '', ok.replace('"a"', '"b"'), 'not json'].join('\n');
		const sites = await detectRequests(text, 'jsonl', {});
		const bad = malformedJsonlLines(text, sites);
		assert.equal(bad.count, 2);
		assert.deepEqual(bad.lines.map((l) => l.line), [1, 4]);
		assert.equal(text.slice(bad.lines[1].start, bad.lines[1].end), 'not json');
		assert.match(bad.lines[0].reason, /^not valid JSON/);
	});
});

describe('Message Batches limits', () => {
	it('says how many batches a file needs (100,000 requests or 256 MB each)', () => {
		assert.equal(batchesNeeded(10, 1000), 1);
		assert.equal(batchSplitNote(BATCH_MAX_REQUESTS, 1000), undefined);
		assert.equal(batchesNeeded(BATCH_MAX_REQUESTS + 1, 1000), 2);
		assert.match(batchSplitNote(150_000, 1000)!, /^needs 2 batches: 150,000 requests \(limit 100,000\)/);
		assert.equal(batchesNeeded(10, BATCH_MAX_BYTES * 2 + 1), 3);
		assert.match(batchSplitNote(10, 600_000_000)!, /^needs 3 batches: 600 MB \(limit 256 MB\)/);
	});

	it('the batch view says so at the top and lists skipped lines', async () => {
		const line = '{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}}';
		const est = await estimateBatchFile((async function* () { yield line; yield 'oops'; })(), { defaultModel: 'claude-haiku-4-5', count: async () => ({ inputTokens: 8 }) });
		const html = batchHtml('b.jsonl', { ...est, requests: 120_000 }, false);
		assert.ok(html.indexOf('needs 2 batches') < html.indexOf('<header>'));
		assert.match(html, /Skipped lines: 1/);
		assert.match(batchHtml('b.jsonl', est, false), /fits one Message Batch/);
	});
});

describe('Batch estimate progress', () => {
	it('says the same line in the notification and the view, with the percentage floored and clamped', () => {
		assert.equal(batchProgressText({ pct: 6.9, requests: 2271, inputTokens: 103897 }), '6 % · 2,271 requests · 103,897 tokens');
		assert.equal(batchProgressText({ pct: 140, requests: 1, inputTokens: 5 }), '100 % · 1 request · 5 tokens');
		assert.equal(batchProgressText({ pct: undefined, requests: 3, inputTokens: 12 }), '3 requests · 12 tokens');
	});

	it('marks the line and the bar the view updates in place, and escapes the file name', () => {
		const html = batchProgressHtml({ name: 'a<b>.jsonl', pct: 12.4, requests: 5047, inputTokens: 230899 });
		assert.match(html, /<p class="status" data-progress-text>Estimating… 12 % · 5,047 requests · 230,899 tokens<\/p>/);
		assert.match(html, /<div class="fill w12" data-progress-fill><\/div>/);
		assert.ok(html.includes('a&lt;b&gt;.jsonl') && !html.includes('a<b>'));
		assert.ok(!batchProgressHtml({ name: 'x', requests: 0, inputTokens: 0 }).includes('data-progress-fill'), 'no bar when the size is unknown');
	});
});

describe('Overflow shows plainly', () => {
	const state = (tokens: number, maxTokens: number) => ({
		site: { id: 'json:', range: { start: 0, end: 1 }, anchor: { start: 0, end: 0 }, language: 'json' as const, shape: 'messages' as const, provider: 'anthropic' as const, payload: { model: 'claude-sonnet-4-5', messages: [] }, modelFromDocument: true, unresolved: [], parts: [], maxTokens },
		model: 'claude-sonnet-4-5', request: { provider: 'anthropic' as const, model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [] } },
		status: 'ready' as const, exact: { inputTokens: tokens, source: 'api' as const, exact: true, approximate: false, notes: [] },
	});

	it('"208,939 / 200K — 8,939 over" when input + max_tokens exceed the window', () => {
		const f = figureFor(state(200_939, 8_000), rates)!;
		assert.equal(f.overWindow, 8_939);
		assert.match(shortText(f), /· 208,939 \/ 200K — 8,939 over$/);
		assert.match(shortText(figureFor(state(1_000, 8_000), rates)!), /% of 200K$/);
	});

	it('the report opens with a "does not fit" banner and folds a long conversation', async () => {
		const messages = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} `.repeat(400) }));
		const body: MessagesBody = { model: 'claude-sonnet-4-5', messages };
		const count = async (b: MessagesBody) => ({ inputTokens: JSON.stringify(b).length * 3 });
		const report = await estimateRequest(body, 'claude-sonnet-4-5', count, { maxTokens: 8000, contextWindow: 200_000 });
		assert.equal(report.contextFit.fits, false);
		const html = reportHtml(report, { countedBy: 'exact', canCopyTrimmed: true });
		const banner = html.indexOf('class="banner bad"');
		assert.ok(banner >= 0 && banner < html.indexOf('<header>'), 'the banner is above everything');
		assert.ok(html.indexOf('data-command="copyTrimmed"') < html.indexOf('<header>'), 'the trim action is in the banner');
		assert.match(html, /Show 22 more messages/);
		assert.match(html, /<tbody id="folded-messages" hidden>/);
	});

	it('a report whose request changed says so, with a Recount button', async () => {
		const report = await estimateRequest({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, 'claude-sonnet-4-5', async () => ({ inputTokens: 10 }));
		const html = reportHtml(report, { countedBy: 'exact', canCopyTrimmed: false, changed: true });
		assert.match(html, /Changed since this report<\/strong>.*data-command="recount"/);
		assert.doesNotMatch(reportHtml(report, { countedBy: 'exact', canCopyTrimmed: false }), /Changed since/);
	});
});

describe('Documents in hidden tabs', () => {
	it('are counted offline only (no API call), and exactly once they show again', async () => {
		let apiCalls = 0;
		const api: Counter = { id: 'api', count: async (r) => { apiCalls++; return { inputTokens: JSON.stringify(r.body.messages).length * 2, source: 'api', exact: true, approximate: false, notes: [] }; } };
		const service = new TokenCountService({ detect: detectRequests, offline: new Chars(), api, hasApiKey: () => true }, { ...options, mode: 'auto' });
		const uri = 'file:///hidden.json';
		await service.update({ uri, version: 1, languageId: 'json', getText: () => GOOD, offlineOnly: true });
		await service.whenIdle();
		const hidden = service.get(uri)!.sites[0];
		assert.equal(apiCalls, 0);
		assert.equal(hidden.status, 'ready');
		assert.ok(hidden.offline && !hidden.exact);
		await service.update({ uri, version: 1, languageId: 'json', getText: () => GOOD });
		await service.whenIdle();
		assert.equal(apiCalls, 1, 'shown again: counted exactly');
		assert.equal(service.get(uri)!.sites[0].exact?.source, 'api');
		service.dispose();
	});
});
