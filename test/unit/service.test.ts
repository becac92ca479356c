import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import { CountError } from '../../src/core/count/errors';
import { RateLimiter } from '../../src/core/count/rateLimiter';
import { CHANGE_BATCH_MS, MAX_DOCUMENT_CHARS, TokenCountService, bestResult, type ServiceOptions } from '../../src/core/service';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';

/** Counts characters of the JSON body: deterministic and sensitive to every edit. */
class FakeCounter implements Counter {
	calls: CountRequest[] = [];
	failNext: Error | undefined;
	constructor(readonly id: 'api' | 'offline', private readonly factor = 1) {}
	async count(request: CountRequest): Promise<CountResult> {
		this.calls.push(request);
		if (this.failNext) {
			const e = this.failNext;
			this.failNext = undefined;
			throw e;
		}
		return {
			inputTokens: Math.round(JSON.stringify(request.body.messages).length * this.factor),
			source: this.id, exact: this.id === 'api', approximate: false, notes: [],
		};
	}
}

const options: ServiceOptions = { mode: 'auto', debounceMs: 10, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false };

function doc(text: string, version: number, uri = 'file:///r.json') {
	return { uri, version, languageId: 'json', getText: () => text };
}

const ONE = '{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hello"}]}';
const TWO = `[${ONE}, {"model":"claude-opus-4-5","max_tokens":5,"messages":[{"role":"user","content":"bye"}]}]`;

describe('TokenCountService (the shared result store)', () => {
	it('shows the offline figure at once, then the exact one, with one API call', async () => {
		const api = new FakeCounter('api', 2);
		const offline = new FakeCounter('offline', 1);
		let key = true;
		const service = new TokenCountService({ detect: detectRequests, api, offline, hasApiKey: () => key }, options);
		const state = await service.update(doc(ONE, 1));
		assert.equal(state?.sites.length, 1);
		await service.whenIdle();
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'ready');
		assert.equal(site.offline?.source, 'offline');
		assert.equal(site.exact?.source, 'api');
		assert.equal(bestResult(site)?.source, 'api');
		assert.equal(api.calls.length, 1);
		assert.equal(api.calls[0].model, 'claude-haiku-4-5');
		key = false;
		service.dispose();
	});

	it('sends no exact call for a text typed over while its successor is still being read (detection answering late)', async () => {
		const api = new FakeCounter('api');
		// From the second keystroke on, reads answer after 250 ms, as a busy worker thread may; the quiet time is 100 ms.
		const detect: typeof detectRequests = async (text, languageId, opts) => {
			const sites = await detectRequests(text, languageId, opts);
			if (text.includes('helloxy')) {
				await new Promise((r) => setTimeout(r, 250));
			}
			return sites;
		};
		const service = new TokenCountService({ detect, api, offline: new FakeCounter('offline'), hasApiKey: () => true }, { ...options, debounceMs: 100, idleMs: 100 });
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		assert.equal(api.calls.length, 1);
		// Three keystrokes 60 ms apart: the first one is read at once, the other two late.
		const texts = ['hellox', 'helloxy', 'helloxyz'].map((t) => ONE.replace('hello', t));
		for (let i = 0; i < texts.length; i++) {
			void service.update(doc(texts[i], 2 + i));
			await new Promise((r) => setTimeout(r, 60));
		}
		await service.whenIdle();
		assert.deepEqual(api.calls.slice(1).map((c) => (c.body.messages[0] as { content: string }).content), ['helloxyz'], 'one call, for the last text');
		service.dispose();
	});

	it('counters replaced through setCounters count from then on; the old one gets no further call', async () => {
		const before = new FakeCounter('api', 2);
		const after = new FakeCounter('api', 3);
		const service = new TokenCountService({ detect: detectRequests, api: before, offline: new FakeCounter('offline'), hasApiKey: () => true }, options);
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		assert.equal(before.calls.length, 1);
		service.setCounters({ api: after });
		service.recountAll({ clearCache: true });
		await service.whenIdle();
		assert.equal(before.calls.length, 1, 'the replaced counter is not called again');
		assert.equal(after.calls.length, 1);
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.exact?.inputTokens, Math.round(JSON.stringify(after.calls[0].body.messages).length * 3));
		assert.equal((await service.countNow(after.calls[0])).inputTokens, site.exact?.inputTokens, 'ad-hoc counts use the new counter (its cache)');
		service.dispose();
	});

	it('with no key the offline figure is the answer and nothing is sent', async () => {
		const api = new FakeCounter('api');
		const service = new TokenCountService({ detect: detectRequests, api, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
		await service.update(doc(TWO, 1));
		await service.whenIdle();
		const sites = service.get('file:///r.json')!.sites;
		assert.equal(sites.length, 2);
		assert.ok(sites.every((s) => s.status === 'ready' && s.offline && !s.exact));
		assert.equal(api.calls.length, 0);
		service.dispose();
	});

	it('recounts only the site that changed; the untouched one keeps its cached figure', async () => {
		const api = new FakeCounter('api');
		const service = new TokenCountService({ detect: detectRequests, api, hasApiKey: () => true }, options);
		await service.update(doc(TWO, 1));
		await service.whenIdle();
		assert.equal(api.calls.length, 2);
		await service.update(doc(TWO.replace('bye', 'goodbye'), 2));
		await service.whenIdle();
		assert.equal(api.calls.length, 3, 'one new call, for the edited request only');
		assert.match(JSON.stringify(api.calls[2].body), /goodbye/);
		// Undo: the old text is served from the cache.
		await service.update(doc(TWO, 3));
		await service.whenIdle();
		assert.equal(api.calls.length, 3);
		service.dispose();
	});

	it('typed back to a counted text before the debounce ends: the text in between is never counted', async () => {
		const api = new FakeCounter('api');
		const service = new TokenCountService({ detect: detectRequests, api, hasApiKey: () => true }, options);
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		assert.equal(api.calls.length, 1);
		// An edit waits for the debounce (or an undo for its quiet time); the next one returns to the first text.
		await service.update(doc(ONE.replace('hello', 'hello!'), 2));
		await service.update({ ...doc(ONE, 3), undoRedo: true });
		await service.whenIdle();
		assert.equal(api.calls.length, 1, 'the cache answers the first text, and the one in between is dropped');
		assert.equal(bestResult(service.get('file:///r.json')!.sites[0])?.source, 'api');
		service.dispose();
	});

	it('recounts a code site when a const it uses changes, though the call itself is untouched', async () => {
		const api = new FakeCounter('api');
		const service = new TokenCountService({ detect: detectRequests, api, hasApiKey: () => true }, options);
		const code = (prompt: string) => `const SYSTEM = '${prompt}';\nclient.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, system: SYSTEM, messages: [{ role: 'user', content: 'hi' }] });\n`;
		const ts = (text: string, version: number) => ({ uri: 'file:///a.ts', version, languageId: 'typescript', fileName: '/a.ts', getText: () => text });
		await service.update(ts(code('Be brief.'), 1));
		await service.whenIdle();
		await service.update(ts(code('Be brief and kind.'), 2));
		await service.whenIdle();
		assert.equal(api.calls.length, 2);
		assert.equal(api.calls[1].body.system, 'Be brief and kind.');
		service.dispose();
	});

	it('keeps the figures of untouched lines of a large batch file without recounting them', async () => {
		const offline = new FakeCounter('offline');
		const service = new TokenCountService({ detect: detectRequests, offline, hasApiKey: () => false }, options);
		const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, params: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: `line ${i}` }] } }));
		const jsonl = (text: string, version: number) => ({ uri: 'file:///b.jsonl', version, languageId: 'jsonl', fileName: '/b.jsonl', getText: () => text });
		await service.update(jsonl(lines.join('\n'), 1));
		await service.whenIdle();
		assert.equal(offline.calls.length, 500);
		const first = service.get('file:///b.jsonl')!.sites.map((s) => s.offline);
		lines[250] = lines[250].replace('line 250', 'line two hundred and fifty');
		await service.update(jsonl(`\n${lines.join('\n')}`, 2));
		await service.whenIdle();
		assert.equal(offline.calls.length, 501, 'only the edited line is counted again');
		const after = service.get('file:///b.jsonl')!.sites;
		assert.equal(after[0].site.range.start, 1, 'ranges follow the edit');
		assert.equal(after[0].offline, first[0], 'an untouched line keeps its result');
		assert.notEqual(after[250].offline, first[250]);
		service.dispose();
	});

	it('never lets a stale answer overwrite a newer version', async () => {
		let release: (() => void) | undefined;
		const slow: Counter = {
			id: 'api',
			count: (req, signal) => new Promise((resolve, reject) => {
				const text = JSON.stringify(req.body.messages);
				signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
				if (text.includes('hello')) {
					release = () => resolve({ inputTokens: 111, source: 'api', exact: true, approximate: false, notes: [] });
				} else {
					resolve({ inputTokens: 222, source: 'api', exact: true, approximate: false, notes: [] });
				}
			}),
		};
		const service = new TokenCountService({ detect: detectRequests, api: slow, hasApiKey: () => true }, { ...options, debounceMs: 0 });
		await service.update(doc(ONE, 1));
		await new Promise((r) => setTimeout(r, 5));
		await service.update(doc(ONE.replace('hello', 'hi there'), 2));
		release?.();
		await service.whenIdle();
		assert.equal(service.get('file:///r.json')!.sites[0].exact?.inputTokens, 222);
		service.dispose();
	});

	it('keeps the offline figure and records the error when the API fails', async () => {
		const api = new FakeCounter('api');
		api.failNext = new CountError('auth', 'The API key was rejected (401).', 401);
		const service = new TokenCountService({ detect: detectRequests, api, offline: new FakeCounter('offline'), hasApiKey: () => true }, options);
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'error');
		assert.equal(site.error?.kind, 'auth');
		assert.ok(site.offline, 'the offline figure remains');
		service.dispose();
	});

	it('uses the default model for requests without one, and says so', async () => {
		const api = new FakeCounter('api');
		const service = new TokenCountService({ detect: detectRequests, api, hasApiKey: () => true }, options);
		await service.update(doc('{"messages":[{"role":"user","content":"x"}], "model": ""}', 1));
		await service.whenIdle();
		const sites = service.get('file:///r.json')!.sites;
		assert.equal(sites.length, 1);
		assert.equal(sites[0].model, 'claude-sonnet-4-5');
		assert.equal(api.calls[0].model, 'claude-sonnet-4-5');
		service.dispose();
	});

	it('in api mode without a key, sites are in the no-key state', async () => {
		const service = new TokenCountService({ detect: detectRequests, api: new FakeCounter('api'), offline: new FakeCounter('offline'), hasApiKey: () => false }, { ...options, mode: 'api' });
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'no-key');
		assert.equal(site.offline, undefined, 'api mode shows no offline figure');
		service.dispose();
	});

	it('finds the innermost site under the cursor', async () => {
		const service = new TokenCountService({ detect: detectRequests, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
		await service.update(doc(TWO, 1));
		const at = TWO.indexOf('bye');
		assert.equal(service.siteAt('file:///r.json', at)?.model, 'claude-opus-4-5');
		assert.equal(service.siteAt('file:///r.json', TWO.indexOf('hello'))?.model, 'claude-haiku-4-5');
		assert.equal(service.siteAt('file:///r.json', 0), undefined);
		service.dispose();
	});

	it('does not scan documents over the size limit, and says why', async () => {
		let scanned = 0;
		const service = new TokenCountService({ detect: async (...a) => { scanned++; return detectRequests(...a); }, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
		const big = 'x'.repeat(MAX_DOCUMENT_CHARS + 1);
		const state = await service.update({ uri: 'file:///big.json', version: 1, languageId: 'json', getText: () => big });
		assert.equal(scanned, 0);
		assert.equal(state?.sites.length, 0);
		assert.match(state?.notice ?? '', /larger than 64 MB/);
		service.dispose();
	});

	it('survives malformed and binary documents', async () => {
		const service = new TokenCountService({ detect: detectRequests, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
		for (const text of ['{"model": "x", "messages": [', '\u0000\u0001\uffff messages \ud800', '']) {
			const state = await service.update(doc(text, Math.random()));
			assert.ok(state);
		}
		service.dispose();
	});

	it('retries a transient failure after a recount replaced the failed state (a key change right before it)', async function () {
		this.timeout(10_000);
		const api = new FakeCounter('api');
		// The first call fails as an outage does; the SDK's retry-after says: try again in 1 s.
		api.failNext = new CountError('overloaded', 'The API is overloaded (529).', 529, 1_000);
		const service = new TokenCountService({ detect: detectRequests, api, offline: new FakeCounter('offline'), hasApiKey: () => true }, options);
		await service.update(doc(ONE, 1));
		// Two recounts back to back, as two change events for one key change used to cause.
		service.recountAll();
		service.recountAll();
		await service.whenIdle();
		assert.equal(service.get('file:///r.json')!.sites[0].status, 'error');
		// No edit: the retry timer alone must bring the exact figure.
		const deadline = Date.now() + 5_000;
		while (!service.get('file:///r.json')!.sites[0].exact && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 50));
		}
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'ready', 'retried without an edit');
		assert.equal(site.exact?.source, 'api');
		assert.equal(api.calls.length, 2, 'one failed call and one retry');
		service.dispose();
	});

	it('a failure right after a key change goes through the rate limiter\'s retry, then is retried by the store, with no edit', async function () {
		this.timeout(20_000);
		// The editor's path: counts behind the RateLimiter (withRateLimit retries once after 0.5 s), then the
		// store's own retry of the failed site 5 s later. A recount during the failing call (a second event,
		// a setting) replaces the site's state: the retry must follow whichever state is current.
		let key = false;
		let failures = 2;
		const calls: number[] = [];
		const api: Counter = {
			id: 'api',
			async count(request) {
				calls.push(Date.now());
				await new Promise((r) => setTimeout(r, 100));
				if (failures > 0) { failures--; throw new CountError('overloaded', 'The counting endpoint is overloaded (529).', 529); }
				return { inputTokens: JSON.stringify(request.body.messages).length, source: 'api', exact: true, approximate: false, notes: [] };
			},
		};
		const service = new TokenCountService({ detect: detectRequests, api, offline: new FakeCounter('offline'), limiter: new RateLimiter(50), hasApiKey: () => key }, options);
		await service.update(doc(ONE, 1));
		await service.whenIdle();
		assert.equal(calls.length, 0, 'no key: no call');
		key = true;
		service.recountAll();
		// The call is under way; a recount replaces the state it was made for.
		while (calls.length === 0) { await new Promise((r) => setTimeout(r, 5)); }
		service.recountAll();
		const deadline = Date.now() + 15_000;
		while (!service.get('file:///r.json')!.sites[0].exact && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 50));
		}
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'ready', 'retried without an edit');
		assert.equal(site.exact?.source, 'api');
		assert.equal(calls.length, 3, 'the failed call, the rate limiter\'s retry, and the store\'s retry');
		assert.ok(calls[2] - calls[1] >= 4_000, `the store's retry waits its 5 s (${calls[2] - calls[1]} ms)`);
		service.dispose();
	});

	it('counts batch-file (JSONL) lines offline even with a key, in auto and api mode', async () => {
		for (const mode of ['auto', 'api'] as const) {
			const api = new FakeCounter('api');
			const service = new TokenCountService({ detect: detectRequests, api, offline: new FakeCounter('offline'), hasApiKey: () => true }, { ...options, mode });
			const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, params: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: `line ${i}` }] } }));
			await service.update({ uri: 'file:///b.jsonl', version: 1, languageId: 'jsonl', fileName: '/b.jsonl', getText: () => lines.join('\n') });
			await service.whenIdle();
			service.recountAll({ clearCache: true });
			await service.whenIdle();
			const sites = service.get('file:///b.jsonl')!.sites;
			assert.equal(sites.length, 30);
			assert.ok(sites.every((s) => s.status === 'ready' && s.offline && !s.exact), `${mode}: offline figures`);
			assert.equal(api.calls.length, 0, `${mode}: nothing sent`);
			// Asked for explicitly (Estimate Request), one line is counted exactly.
			await service.countNow(sites[0].request);
			assert.equal(api.calls.length, 1);
			service.dispose();
		}
	});

	it('announces a document once per batch of results, not once per site', async () => {
		const service = new TokenCountService({ detect: detectRequests, offline: new FakeCounter('offline'), hasApiKey: () => false }, options);
		const events: number[] = [];
		service.onDidChange(() => events.push(Date.now()));
		const lines = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, params: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: `line ${i}` }] } }));
		const t0 = Date.now();
		await service.update({ uri: 'file:///b.jsonl', version: 1, languageId: 'jsonl', fileName: '/b.jsonl', getText: () => lines.join('\n') });
		await service.whenIdle();
		assert.ok(service.get('file:///b.jsonl')!.sites.every((s) => s.offline), 'every line counted');
		// Before batching this was 2,001 events (one per site plus the scan); now at most one per batch interval.
		const bound = 2 + Math.ceil((Date.now() - t0) / CHANGE_BATCH_MS);
		assert.ok(events.length <= bound, `${events.length} events, bound ${bound}`);
		const rev = service.revision('file:///b.jsonl');
		assert.ok(rev > 0);
		service.dispose();
	});
});
