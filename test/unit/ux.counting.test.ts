import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import { CountError } from '../../src/core/count/errors';
import { RateLimiter } from '../../src/core/count/rateLimiter';
import { countState, figureFor, stateLine } from '../../src/core/present';
import { breakdown, estimateRequest, scaledToExact, toMarkdown } from '../../src/core/report';
import { reportHtml } from '../../src/core/report/html';
import { TokenCountService, type ServiceOptions } from '../../src/core/service';
import { rateLookup } from '../../src/core/cost/rates';
import type { CountRequest, CountResult, Counter, MessagesBody } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';

const rates = rateLookup(() => ({}));
const options: ServiceOptions = { mode: 'auto', debounceMs: 0, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false };
const ONE = '{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hello there"}]}';
const doc = (text: string, version = 1) => ({ uri: 'file:///r.json', version, languageId: 'json', getText: () => text });

/** Counts characters of the messages; `fail` makes every call throw it. */
class Fake implements Counter {
	calls = 0;
	fail: Error | undefined;
	constructor(readonly id: 'api' | 'offline', private readonly factor = 1, private readonly delayMs = 0) {}
	async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		this.calls++;
		if (this.delayMs) { await new Promise((r) => setTimeout(r, this.delayMs)); }
		if (signal?.aborted) { throw Object.assign(new Error('aborted'), { name: 'AbortError' }); }
		if (this.fail) { throw this.fail; }
		return { inputTokens: Math.round(JSON.stringify(request.body).length * this.factor), source: this.id, exact: this.id === 'api', approximate: this.id === 'offline', notes: [] };
	}
}

describe('Counting states the user sees', () => {
	it('during a 429 storm a site is rate-limited, with the time to its next exact count', async () => {
		const api = new Fake('api');
		api.fail = new CountError('rate-limit', 'Rate limited by the counting endpoint (429).', 429, 20_000);
		const service = new TokenCountService({ detect: detectRequests, api, offline: new Fake('offline'), limiter: new RateLimiter(50), hasApiKey: () => true }, options);
		await service.update(doc(ONE));
		// The endpoint's retry-after pauses the limiter: the retry waits its turn (so the store is not idle).
		const first = () => service.get('file:///r.json')!.sites[0];
		for (let i = 0; i < 100 && service.rateLimitedUntil(first()) === undefined; i++) { await new Promise((r) => setTimeout(r, 10)); }
		const site = first();
		const until = service.rateLimitedUntil(site);
		assert.ok(until !== undefined, 'the site is rate-limited');
		const f = figureFor(site, rates);
		assert.ok(f?.offline, 'the offline estimate stays on screen');
		assert.equal(countState(site, f, until), 'rate-limited');
		assert.match(stateLine('rate-limited', until), /^rate-limited: next exact count in (19|20) s$/);
		service.dispose();
	});

	it('says rate-limited while the exact count waits for its turn in our own requests-per-minute budget', async () => {
		const api = new Fake('api');
		const limiter = new RateLimiter(1);
		const service = new TokenCountService({ detect: detectRequests, api, offline: new Fake('offline'), limiter, hasApiKey: () => true }, options);
		await service.update(doc(ONE));
		await new Promise((r) => setTimeout(r, 20));
		await service.update(doc(ONE.replace('there', 'again'), 2));
		await new Promise((r) => setTimeout(r, 20));
		const site = service.get('file:///r.json')!.sites[0];
		assert.equal(site.status, 'counting');
		const until = service.rateLimitedUntil(site);
		assert.ok(until !== undefined && until - Date.now() > 50_000, 'the next call is a minute away');
		assert.equal(countState(site, figureFor(site, rates), until), 'rate-limited');
		service.dispose();
	});

	it('an exact figure pending is "counting", not "offline"; no key is "offline estimate"', async () => {
		const service = new TokenCountService({ detect: detectRequests, api: new Fake('api', 1, 50), offline: new Fake('offline'), hasApiKey: () => true }, options);
		await service.update(doc(ONE));
		await new Promise((r) => setTimeout(r, 5));
		const pending = service.get('file:///r.json')!.sites[0];
		assert.equal(countState(pending, figureFor(pending, rates)), 'counting');
		await service.whenIdle();
		const done = service.get('file:///r.json')!.sites[0];
		assert.equal(countState(done, figureFor(done, rates)), 'exact');
		service.dispose();
		const offline = new TokenCountService({ detect: detectRequests, api: new Fake('api'), offline: new Fake('offline'), hasApiKey: () => false }, options);
		await offline.update(doc(ONE));
		await offline.whenIdle();
		const o = offline.get('file:///r.json')!.sites[0];
		assert.equal(countState(o, figureFor(o, rates)), 'offline');
		offline.dispose();
	});
});

describe('Ad-hoc counts are keyed per caller', () => {
	it('cancelling one caller\'s count never rejects another caller\'s identical count', async () => {
		const api = new Fake('api', 1, 20);
		const service = new TokenCountService({ detect: detectRequests, api, offline: new Fake('offline'), hasApiKey: () => true }, options);
		const request: CountRequest = { provider: 'anthropic', model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'same' }] } };
		const hover = new AbortController();
		const first = service.countNow(request, hover.signal);
		const second = service.countNow(request);
		hover.abort();
		assert.ok(isCancellation(await first.catch((e) => e)));
		const r = await second;
		assert.equal(r.source, 'api');
		assert.equal(api.calls, 1, 'both callers shared one call');
		service.dispose();
	});
});

describe('Report sections derived offline and scaled to one exact total', () => {
	const body: MessagesBody = {
		model: 'claude-sonnet-4-5',
		system: 'You are a terse assistant for a hardware store.',
		messages: [
			{ role: 'user', content: 'Which drill bit for tiles?' },
			{ role: 'assistant', content: 'A spear-point carbide bit.' },
			{ role: 'user', content: 'And for glass?' },
		],
	};
	const offline = async (b: MessagesBody) => ({ inputTokens: JSON.stringify(b).length, approximate: true });

	it('costs no exact call beyond the total, and its sections add up to the exact total', async () => {
		const scaled = await scaledToExact(offline, body, 'claude-sonnet-4-5', 500);
		const b = await breakdown(body, 'claude-sonnet-4-5', scaled.count);
		assert.equal(b.total, 500, 'the total is the exact one');
		assert.equal(b.sections.reduce((n, s) => n + s.tokens, 0) + b.overhead, 500);
		assert.ok(b.sections.every((s) => s.tokens > 0));
		assert.ok(scaled.extraBodies() >= b.sections.length, 'an exact breakdown would cost a call per section at least');
		const report = await estimateRequest(body, 'claude-sonnet-4-5', scaled.count, { cached: true });
		const html = reportHtml(report, { countedBy: 'exact total', canCopyTrimmed: false, exactBreakdownCalls: scaled.extraBodies() });
		assert.match(html, new RegExp(`Count every section exactly \\(${scaled.extraBodies()} API calls\\)`));
		assert.match(html, /<span class="big">500<\/span>/, 'the scaled total carries no ≈');
	});

	it('shows a banner at the top when the report fell back to the offline estimate', async () => {
		const report = await estimateRequest(body, 'claude-sonnet-4-5', offline, { offline: true });
		const html = reportHtml(report, { countedBy: 'offline estimate', canCopyTrimmed: false, notice: 'Offline estimate: The counting endpoint is overloaded (529).' });
		assert.ok(html.indexOf('class="banner') < html.indexOf('<header>'));
		assert.match(html, /Offline estimate: The counting endpoint is overloaded \(529\)\./);
	});
});

describe('Log lines', () => {
	it('name the file and line of a failing request, not the site id', async () => {
		const api = new Fake('api');
		api.fail = new CountError('server', 'The counting endpoint failed (500).', 500);
		const lines: string[] = [];
		const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
		const service = new TokenCountService({ detect: detectRequests, api, offline: new Fake('offline'), hasApiKey: () => true, log }, options);
		await service.update({ uri: 'file:///work/my%20requests.json', version: 1, languageId: 'json', getText: () => `\n\n${ONE}` });
		await service.whenIdle();
		assert.ok(lines.some((l) => l.startsWith('my requests.json:3: count failed (claude-haiku-4-5): The counting endpoint failed (500).')), lines.join('\n'));
		assert.ok(!lines.some((l) => /json:\//.test(l)));
		service.dispose();
	});
});

describe('Lower bounds carry their ≥ into the report', () => {
	it('puts "lower bound: N run-time values not counted" at the top and lists each unresolved part as a row', async () => {
		const body: MessagesBody = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Summarise this report:' }] };
		const count = async (b: MessagesBody) => ({ inputTokens: JSON.stringify(b).length, approximate: false });
		const base = await estimateRequest(body, 'claude-sonnet-4-5', count);
		const report = { ...base, unresolved: [{ path: '/messages/0/content/1', text: 'reportText', reason: 'identifier' }] };
		const html = reportHtml(report, { countedBy: 'exact', canCopyTrimmed: false });
		assert.ok(html.indexOf('Lower bound: 1 run-time value not counted') < html.indexOf('<header>'));
		assert.match(html, /<span class="big">≥[\d,]+<\/span>/);
		assert.match(html, /Not counted: <code>reportText<\/code>/);
		assert.match(html, /<tr class="sum"><td>Total<\/td><td class="num">≥/);
		const md = toMarkdown(report);
		assert.match(md, /Lower bound: 1 run-time value not counted/);
		assert.match(md, /\| Not counted: reportText \(identifier\) \| `\/messages\/0\/content\/1` \| \? \|/);
		assert.match(md, /\*\*≥[\d,]+\*\*/);
		assert.doesNotMatch(reportHtml(base, { countedBy: 'exact', canCopyTrimmed: false }), /Lower bound/);
	});
});
