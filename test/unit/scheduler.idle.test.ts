import * as assert from 'node:assert/strict';
import { CountScheduler } from '../../src/core/count/scheduler';
import { RateLimiter } from '../../src/core/count/rateLimiter';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';

/** Answers every call at once with the length of the message, and records the calls. */
class EchoCounter implements Counter {
	readonly id = 'api' as const;
	readonly calls: CountRequest[] = [];
	async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		this.calls.push(request);
		await new Promise((r) => setTimeout(r, 1));
		if (signal?.aborted) { throw Object.assign(new Error('aborted'), { name: 'AbortError' }); }
		return { inputTokens: JSON.stringify(request.body.messages).length, source: 'api', exact: true, approximate: false, notes: [] };
	}
}

function req(text: string): CountRequest {
	return { provider: 'anthropic', model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: text }] } };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string): Promise<void> {
	for (let i = 0; i < 500 && !check(); i++) { await tick(10); }
	assert.ok(check(), what);
}

describe('CountScheduler: counting when typing pauses', () => {
	it('counts a site seen for the first time after the short debounce', async () => {
		const counter = new EchoCounter();
		const s = new CountScheduler(counter, { debounceMs: 5, idleMs: 400 });
		const p = s.schedule('site', req('a'));
		await until(() => counter.calls.length === 1, 'the first count of a site starts after the debounce');
		await p;
		s.dispose();
	});

	it('holds the waiting calls of an edited document until resumed, then waits the quiet time again; other documents\' calls run', async () => {
		const counter = new EchoCounter();
		const s = new CountScheduler(counter, { debounceMs: 100, idleMs: 100 });
		const edited = s.schedule('file:///a.json#r0', req('a'));
		const other = s.schedule('file:///b.json#r0', req('b'));
		await tick(50);
		s.hold('file:///a.json#');
		await until(() => counter.calls.length === 1, 'the other document is counted on time');
		await other;
		await tick(300);
		assert.deepEqual(counter.calls.map((c) => (c.body.messages[0] as { content: string }).content), ['b'], 'nothing goes out while held');
		const resumed = Date.now();
		s.resume('file:///a.json#');
		await edited;
		assert.equal(counter.calls.length, 2);
		assert.ok(Date.now() - resumed >= 95, `after resume the call waited its quiet time again (${Date.now() - resumed} ms)`);
		s.dispose();
	});

	it('waits for a pause in a typing burst instead of counting every short gap', async () => {
		const counter = new EchoCounter();
		const s = new CountScheduler(counter, { debounceMs: 5, idleMs: 400 });
		let text = 'a';
		await s.schedule('site', req(text));
		assert.equal(counter.calls.length, 1);
		// Keystrokes: each one re-arms the idle timer.
		const pending: Promise<unknown>[] = [];
		for (let i = 0; i < 6; i++) {
			text += 'b';
			pending.push(s.schedule('site', req(text)).catch((e) => e));
		}
		await tick(60);
		assert.equal(counter.calls.length, 1, 'no call 60 ms into a pause: a burst waits longer than the 5 ms debounce');
		const last = await pending[pending.length - 1];
		assert.equal((last as CountResult).inputTokens, JSON.stringify(req(text).body.messages).length);
		assert.equal(counter.calls.length, 2, 'one call for the pause');
		for (const p of pending.slice(0, -1)) { assert.ok(isCancellation(await p)); }
		s.dispose();
	});

	it('drops a superseded call that is still waiting for its rate-limit turn', async () => {
		const counter = new EchoCounter();
		const now = 0;
		// One call a minute: the second site's call waits for its turn in the limiter.
		const limiter = new RateLimiter(1, () => now, (ms, signal) => new Promise((resolve, reject) => {
			const t = setTimeout(resolve, 50);
			signal?.addEventListener('abort', () => { clearTimeout(t); reject(Object.assign(new Error('aborted'), { name: 'AbortError' })); });
		}));
		const s = new CountScheduler(counter, { debounceMs: 0, limiter });
		await s.schedule('a', req('first'));
		const waiting = s.schedule('b', req('queued')).catch((e) => e);
		await tick(5);
		assert.equal(s.flightCount, 1);
		s.cancel('b');
		assert.ok(isCancellation(await waiting));
		await tick(80);
		assert.equal(counter.calls.length, 1, 'the queued call never went out');
		assert.equal(s.flightCount, 0);
		s.dispose();
	});
});

describe('CountScheduler: counts for one caller', () => {
	it('cancelling one caller never rejects another caller\'s identical count; they share one call', async () => {
		const counter = new EchoCounter();
		const s = new CountScheduler(counter, { debounceMs: 0 });
		const a = new AbortController();
		const first = s.count(req('same'), a.signal);
		const second = s.count(req('same'));
		a.abort();
		assert.ok(isCancellation(await first.catch((e) => e)));
		assert.equal((await second).inputTokens, JSON.stringify(req('same').body.messages).length);
		assert.equal(counter.calls.length, 1);
		s.dispose();
	});
});
