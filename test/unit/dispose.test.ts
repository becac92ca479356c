import * as assert from 'node:assert/strict';
import { abortOnCancel, Disposable, disposeAll } from '../../src/ui/dispose';

class Owner extends Disposable {
	add(d: { dispose(): void }): void { this._register(d); }
}

/** A cancellation token with the shape VS Code's has, and a count of its live listeners. */
function token(cancelled = false) {
	const listeners = new Set<() => void>();
	return {
		get isCancellationRequested() { return cancelled; },
		onCancellationRequested(fn: () => void) {
			listeners.add(fn);
			return { dispose: () => { listeners.delete(fn); } };
		},
		cancel() { cancelled = true; for (const fn of [...listeners]) { fn(); } },
		listeners,
	};
}

describe('disposal', () => {
	it('disposes every item, in reverse order, even when some throw, then rethrows the one error', () => {
		const order: string[] = [];
		const owner = new Owner();
		owner.add({ dispose: () => { order.push('a'); } });
		owner.add({ dispose: () => { order.push('b'); throw new Error('b failed'); } });
		owner.add({ dispose: () => { order.push('c'); } });
		assert.throws(() => owner.dispose(), /b failed/);
		assert.deepEqual(order, ['c', 'b', 'a']);
		owner.dispose(); // a second dispose does nothing and does not throw again
		assert.deepEqual(order, ['c', 'b', 'a']);
	});

	it('rethrows several failures together', () => {
		const err = (() => { try { disposeAll([{ dispose: () => { throw new Error('x'); } }, { dispose: () => { throw new Error('y'); } }]); } catch (e) { return e; } return undefined; })();
		assert.ok(err instanceof AggregateError);
		assert.deepEqual((err as AggregateError).errors.map((e: Error) => e.message), ['x', 'y']);
	});

	it('a token bridge aborts on cancellation and leaves no listener once disposed', () => {
		const t = token();
		const c = new AbortController();
		const sub = abortOnCancel(t as never, c);
		assert.equal(t.listeners.size, 1);
		t.cancel();
		assert.equal(c.signal.aborted, true);
		sub.dispose();
		assert.equal(t.listeners.size, 0);
	});

	it('a token cancelled before the bridge aborts at once; no token is no-op', () => {
		const c = new AbortController();
		abortOnCancel(token(true) as never, c).dispose();
		assert.equal(c.signal.aborted, true);
		const d = new AbortController();
		abortOnCancel(undefined, d).dispose();
		assert.equal(d.signal.aborted, false);
	});
});
