import * as assert from 'node:assert/strict';
import { TimeSlicer } from '../../src/core/util/slices';

describe('TimeSlicer', () => {
	it('yields to the event loop between slices while a burst of jobs runs', async () => {
		const slicer = new TimeSlicer(5);
		const busy = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) { /* work */ } };
		let ticks = 0;
		const timer = setInterval(() => ticks++, 1);
		const results = await Promise.all(Array.from({ length: 200 }, (_, i) => slicer.run(() => { busy(1); return i; })));
		clearInterval(timer);
		assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i), 'every job ran, in order');
		// 200 ms of work in 5 ms slices: other callbacks got the thread in between (run at once, they would not).
		assert.ok(ticks >= 2, `timer ran ${ticks} times during the burst`);
	});

	it('rejects with what a job threw and carries on with the rest', async () => {
		const slicer = new TimeSlicer();
		const failed = slicer.run(() => { throw new Error('boom'); });
		const ok = slicer.run(() => 42);
		await assert.rejects(failed, /boom/);
		assert.equal(await ok, 42);
	});
});
