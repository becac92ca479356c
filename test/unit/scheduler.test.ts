import * as assert from 'node:assert/strict';
import { CountScheduler } from '../../src/core/count/scheduler';
import { RateLimiter } from '../../src/core/count/rateLimiter';
import { CountError } from '../../src/core/count/errors';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';

interface Call { request: CountRequest; signal?: AbortSignal; resolve(n: number): void; reject(e: unknown): void }

/** A counter whose answers the test hands out by hand, in any order. */
class ManualCounter implements Counter {
	readonly id = 'api' as const;
	readonly calls: Call[] = [];
	count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		return new Promise((resolve, reject) => {
			signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
			this.calls.push({
				request, signal,
				resolve: (n) => resolve({ inputTokens: n, source: 'api', exact: true, approximate: false, notes: [] }),
				reject,
			});
		});
	}
}

function req(text: string, model = 'claude-sonnet-4-5'): CountRequest {
	return { provider: 'anthropic', model, body: { model, messages: [{ role: 'user', content: text }] } };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<unknown> {
	try { await p; } catch (e) { return e; }
	assert.fail('expected a rejection');
}

describe('CountScheduler', () => {
	it('debounces a site: only the last of a burst of edits is counted', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 40 });
		const p1 = s.schedule('site', req('a'));
		const p2 = s.schedule('site', req('ab'));
		const p3 = s.schedule('site', req('abc'));
		await tick(10);
		assert.equal(counter.calls.length, 0, 'no call before the quiet time has passed');
		await tick(60);
		assert.equal(counter.calls.length, 1);
		assert.deepEqual(counter.calls[0].request.body.messages, [{ role: 'user', content: 'abc' }]);
		counter.calls[0].resolve(12);
		assert.equal((await p3).inputTokens, 12);
		assert.ok(isCancellation(await rejection(p1)));
		assert.ok(isCancellation(await rejection(p2)));
	});

	it('lets the in-flight call finish into the cache when the site changes; the stale answer never reaches the site', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const first = s.schedule('site', req('old'));
		assert.equal(counter.calls.length, 1);
		const second = s.schedule('site', req('new'));
		assert.equal(counter.calls.length, 2);
		assert.equal(counter.calls[0].signal?.aborted, false, 'a call that has gone out is not thrown away');
		counter.calls[1].resolve(20);
		counter.calls[0].resolve(999); // a late answer to the old text
		assert.equal((await second).inputTokens, 20);
		assert.ok(isCancellation(await rejection(first)));
		await tick();
		assert.equal(s.cached(req('old'))?.inputTokens, 999, 'the late answer is kept for an undo');
		assert.equal((await s.schedule('site', req('old'))).inputTokens, 999);
		assert.equal(counter.calls.length, 2, 'undo back to the old text costs no call');
	});

	it('keeps the newest answer when answers come back out of order across sites', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const a = s.schedule('a', req('one'));
		const b = s.schedule('b', req('two'));
		counter.calls[1].resolve(2);
		counter.calls[0].resolve(1);
		assert.equal((await a).inputTokens, 1);
		assert.equal((await b).inputTokens, 2);
	});

	it('coalesces identical requests from several sites into one call', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const a = s.schedule('a', req('same'));
		const b = s.schedule('b', req('same'));
		assert.equal(counter.calls.length, 1);
		// One site moving on must not abort the call the other still waits for.
		s.cancel('a');
		assert.equal(counter.calls[0].signal?.aborted, false);
		counter.calls[0].resolve(7);
		assert.equal((await b).inputTokens, 7);
		assert.ok(isCancellation(await rejection(a)));
	});

	it('serves undo/redo from the cache keyed by model and canonical request', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const p = s.schedule('site', req('hello'));
		counter.calls[0].resolve(9);
		await p;
		// Same request with keys in another order: no new call.
		const reordered: CountRequest = { provider: 'anthropic', model: 'claude-sonnet-4-5', body: { messages: [{ content: 'hello', role: 'user' }], model: 'claude-sonnet-4-5' } };
		assert.equal((await s.schedule('site', reordered)).inputTokens, 9);
		assert.equal(counter.calls.length, 1);
		// The same text on another model is another request.
		void s.schedule('site', req('hello', 'claude-opus-4-7')).catch(() => undefined);
		assert.equal(counter.calls.length, 2);
	});

	it('passes errors through and does not cache them', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const p = s.schedule('site', req('x'));
		counter.calls[0].reject(new CountError('server', 'boom', 500));
		const err = await rejection(p);
		assert.ok(err instanceof CountError && err.kind === 'server');
		void s.schedule('site', req('x')).catch(() => undefined);
		assert.equal(counter.calls.length, 2, 'a failed request is tried again');
	});

	it('bounds the cache', async () => {
		const counter = new ManualCounter();
		const s = new CountScheduler(counter, { debounceMs: 0, cacheSize: 2 });
		for (const t of ['a', 'b', 'c']) {
			const p = s.schedule(t, req(t));
			counter.calls[counter.calls.length - 1].resolve(1);
			await p;
		}
		assert.equal(s.cached(req('a')), undefined);
		assert.ok(s.cached(req('b')));
		assert.ok(s.cached(req('c')));
	});

	it('pauses the limiter when the endpoint says retry-after, and retries once the pause is over', async () => {
		const counter = new ManualCounter();
		let now = 1_000_000;
		const sleeps: number[] = [];
		const limiter = new RateLimiter(100, () => now, async (ms) => { sleeps.push(ms); now += ms; });
		const s = new CountScheduler(counter, { debounceMs: 0, limiter });
		const p = s.schedule('site', req('x'));
		await tick();
		counter.calls[0].reject(new CountError('rate-limit', 'slow down', 429, 2_000));
		await tick();
		// The scheduler's own limiter got the same pause, and the retry started only after it.
		assert.ok((limiter as unknown as { pausedUntil: number }).pausedUntil >= 1_000_000 + 2_000);
		assert.deepEqual(sleeps, [2_000]);
		assert.equal(counter.calls.length, 2);
		counter.calls[1].resolve(5);
		assert.equal((await p).inputTokens, 5);
		assert.equal(s.callCount, 2, 'the retry is a call of its own');
	});
});

describe('RateLimiter', () => {
	it('never lets more than rpm calls start within 60 s, spread over the minute', async () => {
		let now = 0;
		const sleeps: number[] = [];
		const limiter = new RateLimiter(3, () => now, async (ms) => { sleeps.push(ms); now += ms; });
		const starts: number[] = [];
		for (let i = 0; i < 7; i++) {
			await limiter.acquire();
			starts.push(now);
			now += 1_000;
		}
		// 3 a minute: one every 20 s, each call after the first waiting out the rest of its 20 s.
		assert.deepEqual(starts, [0, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000]);
		assert.deepEqual(sleeps, Array(6).fill(19_000));
		assert.ok(limiter.recentCalls <= 3);
	});

	it('gives up a cancelled waiter without blocking the next one', async () => {
		let now = 0;
		const limiter = new RateLimiter(1, () => now, (ms, signal) => new Promise((resolve, reject) => {
			signal?.addEventListener('abort', () => reject(new Error('aborted')));
			setTimeout(() => { now += ms; resolve(); }, 5);
		}));
		await limiter.acquire();
		const controller = new AbortController();
		const waiting = limiter.acquire(controller.signal);
		controller.abort();
		assert.ok(isCancellation(await rejection(waiting)));
		await limiter.acquire(); // proceeds once the window slides
		assert.equal(limiter.recentCalls, 1);
	});
});
