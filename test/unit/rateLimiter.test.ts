/**
 * The rate limiter and its retry wrapper on an injected clock: the limit holds in every sliding 60 s window
 * over hundreds of calls, the budget is spread over the minute, retries go through the limit, and a
 * retry-after longer than the cap fails at once instead of hanging.
 */
import * as assert from 'node:assert/strict';
import { MAX_RETRY_WAIT_MS, RateLimiter, burstFor, withRateLimit } from '../../src/core/count/rateLimiter';
import { CountError } from '../../src/core/count/errors';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';

/** A clock that only moves when the limiter sleeps (or the test moves it). */
function fakeClock(start = 1_000_000) {
	const clock = {
		now: start,
		sleeps: [] as number[],
		read: () => clock.now,
		sleep: async (ms: number) => { clock.sleeps.push(ms); clock.now += ms; },
	};
	return clock;
}

/** The most starts in any half-open window [t, t + windowMs), over windows starting at each start. */
function maxInWindow(starts: readonly number[], windowMs: number): number {
	const sorted = [...starts].sort((a, b) => a - b);
	let best = 0;
	let j = 0;
	for (let i = 0; i < sorted.length; i++) {
		while (j < sorted.length && sorted[j] < sorted[i] + windowMs) { j++; }
		best = Math.max(best, j - i);
	}
	return best;
}

/** Deterministic pseudo-random numbers in [0, 1). */
function prng(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

const request: CountRequest = { provider: 'anthropic', model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } };
const ok = (n: number): CountResult => ({ inputTokens: n, source: 'api', exact: true, approximate: false, notes: [] });

/** A counter answering from a script of outcomes; records the clock at each call. */
function scripted(clock: { read(): number }, outcomes: (CountError | number)[]): Counter & { calls: number[] } {
	const calls: number[] = [];
	return {
		id: 'api',
		calls,
		async count() {
			calls.push(clock.read());
			const next = outcomes.length > 1 ? outcomes.shift()! : outcomes[0];
			if (next instanceof CountError) { throw next; }
			return ok(next);
		},
	};
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
	try { await p; } catch (e) { return e; }
	assert.fail('expected a rejection');
}

describe('RateLimiter on an injected clock', () => {
	it('keeps to rpm in every sliding 60 s window over 300 calls queued at once, 5 back to back at most', async () => {
		const clock = fakeClock();
		const limiter = new RateLimiter(100, clock.read, clock.sleep);
		const starts: number[] = [];
		await Promise.all(Array.from({ length: 300 }, () => limiter.acquire().then(() => { starts.push(clock.now); })));
		assert.equal(starts.length, 300);
		assert.ok(maxInWindow(starts, 60_000) <= 100, `${maxInWindow(starts, 60_000)} calls in one 60 s window`);
		// Spread: at most the burst (5) in any 3 s (5 × 60 s / 100), never a minute's worth in the first second.
		assert.equal(burstFor(100), 5);
		assert.ok(maxInWindow(starts, 3_000) <= 5, `${maxInWindow(starts, 3_000)} calls in one 3 s window`);
		assert.ok(maxInWindow(starts, 1_000) <= 5);
		// …while the budget is still used: 300 calls take about three minutes, not more.
		const span = Math.max(...starts) - Math.min(...starts);
		assert.ok(span >= 2 * 60_000 && span <= 3 * 60_000, `300 calls spread over ${span} ms`);
	});

	it('holds for calls arriving at random times and for several limits', async () => {
		for (const rpm of [1, 7, 50, 100, 1000]) {
			const clock = fakeClock();
			const random = prng(rpm);
			const limiter = new RateLimiter(rpm, clock.read, clock.sleep);
			const starts: number[] = [];
			let arrival = clock.now;
			for (let i = 0; i < 150; i++) {
				// Bursts of arrivals with quiet gaps between them.
				arrival += random() < 0.2 ? random() * 90_000 : random() * 50;
				clock.now = Math.max(clock.now, arrival);
				await limiter.acquire();
				starts.push(clock.now);
			}
			const burst = burstFor(rpm);
			assert.ok(maxInWindow(starts, 60_000) <= rpm, `rpm ${rpm}: ${maxInWindow(starts, 60_000)} in a minute`);
			assert.ok(maxInWindow(starts, Math.floor((burst * 60_000) / rpm)) <= burst, `rpm ${rpm}: more than ${burst} back to back`);
		}
	});

	it('lets a paused call wait up to the cap, and fails at once beyond it without sleeping', async () => {
		const clock = fakeClock();
		const limiter = new RateLimiter(50, clock.read, clock.sleep);
		limiter.pause(30_000, new CountError('rate-limit', 'slow', 429, 30_000));
		await limiter.acquire();
		assert.deepEqual(clock.sleeps, [30_000]);

		limiter.pause(3_600_000, new CountError('rate-limit', 'slow', 429, 3_600_000));
		const err = await rejection(limiter.acquire());
		assert.ok(err instanceof CountError);
		assert.equal(err.kind, 'rate-limit');
		assert.match(err.message, /asked to wait 1 h more \(retry-after\), longer than the 60 s Claude Token Meter waits/);
		assert.deepEqual(clock.sleeps, [30_000], 'no sleep through the hour');
		// Once the hour has passed, calls go again.
		clock.now += 3_600_000;
		await limiter.acquire();
	});

	it('resume ends a pause at once (the endpoint that asked for it was changed)', async () => {
		const clock = fakeClock();
		const limiter = new RateLimiter(50, clock.read, clock.sleep);
		limiter.pause(3_600_000, new CountError('rate-limit', 'slow', 429, 3_600_000));
		assert.ok((await rejection(limiter.acquire())) instanceof CountError);
		limiter.resume();
		await limiter.acquire();
		assert.deepEqual(clock.sleeps, [], 'no wait left after resume');
	});
});

describe('withRateLimit: retries through the limit', () => {
	it('obeys a short retry-after, then succeeds', async () => {
		const clock = fakeClock();
		const counter = scripted(clock, [new CountError('rate-limit', 'Rate limited by the counting endpoint (429).', 429, 2_000), 42]);
		const limited = withRateLimit(counter, new RateLimiter(50, clock.read, clock.sleep));
		assert.equal((await limited.count(request)).inputTokens, 42);
		assert.equal(counter.calls.length, 2);
		assert.ok(counter.calls[1] - counter.calls[0] >= 2_000);
	});

	it('fails at once on a retry-after over the cap, says so, and makes no further call until it has passed', async () => {
		const clock = fakeClock();
		const counter = scripted(clock, [new CountError('rate-limit', 'Rate limited by the counting endpoint (429).', 429, 3_600_000), 42]);
		const limiter = new RateLimiter(50, clock.read, clock.sleep);
		const limited = withRateLimit(counter, limiter, { maxRetries: 2 });
		const err = await rejection(limited.count(request));
		assert.ok(err instanceof CountError);
		assert.match(err.message, /^Rate limited by the counting endpoint \(429\): it asked to wait 1 h \(retry-after\), longer than the 60 s Claude Token Meter waits/);
		assert.equal(err.retryAfterMs, 3_600_000);
		assert.deepEqual(clock.sleeps, []);
		// The next call fails fast too, without reaching the endpoint.
		await rejection(limited.count(request));
		assert.equal(counter.calls.length, 1);
		assert.equal(MAX_RETRY_WAIT_MS, 60_000);
	});

	it('backs off without retry-after, gives up after maxRetries and says how many attempts were made', async () => {
		const clock = fakeClock();
		const counter = scripted(clock, [new CountError('server', 'The counting endpoint failed (500).', 500)]);
		const limited = withRateLimit(counter, new RateLimiter(1000, clock.read, clock.sleep), { maxRetries: 2 });
		const err = await rejection(limited.count(request));
		assert.ok(err instanceof CountError);
		assert.equal(err.message, 'The counting endpoint failed (500) (gave up after 3 attempts).');
		assert.equal(counter.calls.length, 3);
		assert.ok(counter.calls[1] - counter.calls[0] >= 500 && counter.calls[2] - counter.calls[1] >= 1_000, `calls at ${counter.calls}`);
	});

	it('does not retry a failure that another try cannot fix', async () => {
		for (const kind of ['auth', 'permission', 'not-found', 'invalid', 'too-large'] as const) {
			const clock = fakeClock();
			const counter = scripted(clock, [new CountError(kind, kind, 400)]);
			const err = await rejection(withRateLimit(counter, new RateLimiter(50, clock.read, clock.sleep), { maxRetries: 3 }).count(request));
			assert.equal((err as CountError).kind, kind);
			assert.equal(counter.calls.length, 1, kind);
		}
	});

	it('counts retries against the limit: 120 calls that each fail once keep to 100 a minute', async () => {
		const clock = fakeClock();
		let n = 0;
		const calls: number[] = [];
		const flaky: Counter = {
			id: 'api',
			async count() {
				calls.push(clock.now);
				if (n++ % 2 === 0) { throw new CountError('overloaded', 'The counting endpoint is overloaded (529).', 529, 1_000); }
				return ok(1);
			},
		};
		const limited = withRateLimit(flaky, new RateLimiter(100, clock.read, clock.sleep), { maxRetries: 1 });
		for (let i = 0; i < 120; i++) {
			await limited.count(request);
		}
		assert.equal(calls.length, 240);
		assert.ok(maxInWindow(calls, 60_000) <= 100, `${maxInWindow(calls, 60_000)} calls in one 60 s window`);
	});
});
