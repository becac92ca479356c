import type { MessagesBody } from '../types';
import { CancelledError, throwIfAborted } from '../util/abort';
import type { CountAnswer, CountFn } from './types';

export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs the tasks with at most `concurrency` of them in flight. The first failure or an abort stops launching
 * further tasks and rejects (in-flight ones see the same signal through their count calls).
 */
export function runBounded<T>(tasks: readonly (() => Promise<T>)[], concurrency = DEFAULT_CONCURRENCY, signal?: AbortSignal): Promise<T[]> {
	throwIfAborted(signal);
	const limit = Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 1;
	const results = new Array<T>(tasks.length);
	if (tasks.length === 0) {
		return Promise.resolve(results);
	}
	return new Promise<T[]>((resolve, reject) => {
		let next = 0;
		let active = 0;
		let finished = 0;
		let settled = false;
		const settle = (err?: unknown) => {
			if (settled) {
				return;
			}
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			if (err === undefined) {
				resolve(results);
			} else {
				reject(err);
			}
		};
		const onAbort = () => settle(new CancelledError());
		signal?.addEventListener('abort', onAbort, { once: true });
		const launch = () => {
			while (!settled && active < limit && next < tasks.length) {
				if (signal?.aborted) {
					settle(new CancelledError());
					return;
				}
				const i = next++;
				active++;
				let p: Promise<T>;
				try {
					p = tasks[i]();
				} catch (err) {
					p = Promise.reject(err);
				}
				p.then((value) => {
					active--;
					results[i] = value;
					finished++;
					if (finished === tasks.length) {
						settle();
					} else {
						launch();
					}
				}, (err: unknown) => {
					active--;
					settle(err ?? new Error('count failed'));
				});
			}
		};
		launch();
	});
}

/**
 * A count function that tallies its calls and whether any answer was approximate, so an analysis can report
 * both without threading them through every step.
 */
export class Tally {
	calls = 0;
	approximate = false;

	constructor(private readonly count: CountFn, private readonly signal?: AbortSignal) {}

	async tokens(body: MessagesBody, model: string): Promise<number> {
		throwIfAborted(this.signal);
		this.calls++;
		const answer = await this.count(body, model, this.signal);
		throwIfAborted(this.signal);
		if (!answer || typeof answer.inputTokens !== 'number' || !Number.isFinite(answer.inputTokens)) {
			throw new Error('The count function returned no token figure.');
		}
		if (answer.approximate) {
			this.approximate = true;
		}
		return answer.inputTokens;
	}
}

/**
 * Wraps a count function with a cache keyed by (model, body), sharing in-flight calls; failures and
 * cancellations are not cached. For callers (CLI, tests) that have no cache of their own.
 */
export function memoCount(count: CountFn, maxEntries = 5000): CountFn {
	const cache = new Map<string, Promise<CountAnswer>>();
	return (body, model, signal) => {
		const key = `${model}\u0000${JSON.stringify(body)}`;
		const hit = cache.get(key);
		if (hit) {
			return hit;
		}
		const p = count(body, model, signal);
		cache.set(key, p);
		if (cache.size > maxEntries) {
			cache.delete(cache.keys().next().value as string);
		}
		p.catch(() => cache.delete(key));
		return p;
	};
}
