import type { Counter } from '../types';
import { CancelledError, delay, throwIfAborted } from '../util/abort';
import { CountError } from './errors';

/**
 * Client-side requests-per-minute limit over a sliding 60 s window, plus a shared pause after the
 * endpoint answers 429/529 with retry-after. Calls wait their turn in FIFO order; a cancelled waiter
 * gives its place up.
 */
export class RateLimiter {
	private readonly starts: number[] = [];
	private pausedUntil = 0;
	private queue: Promise<void> = Promise.resolve();

	constructor(
		private rpm: number,
		private readonly now: () => number = Date.now,
		private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = delay,
	) {}

	setRpm(rpm: number): void {
		this.rpm = rpm;
	}

	/** Stops every call until `ms` from now (the longest pause wins). */
	pause(ms: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
	}

	/** Resolves when a call may start; the start is then recorded. */
	acquire(signal?: AbortSignal): Promise<void> {
		const turn = this.queue.then(() => this.waitForSlot(signal));
		// The next waiter queues behind this one whether it succeeds or is cancelled.
		this.queue = turn.catch(() => undefined);
		return turn;
	}

	private async waitForSlot(signal?: AbortSignal): Promise<void> {
		for (;;) {
			throwIfAborted(signal);
			const now = this.now();
			while (this.starts.length && this.starts[0] <= now - 60_000) {
				this.starts.shift();
			}
			let wait = Math.max(0, this.pausedUntil - now);
			const limit = Math.max(1, Math.floor(this.rpm));
			if (wait === 0 && this.starts.length >= limit) {
				wait = this.starts[this.starts.length - limit] + 60_000 - now;
			}
			if (wait <= 0) {
				this.starts.push(now);
				return;
			}
			await this.sleep(wait, signal).catch((err) => {
				throw err instanceof CancelledError ? err : new CancelledError();
			});
		}
	}

	/** Calls started in the last minute (for tests and the status tooltip). */
	get recentCalls(): number {
		const now = this.now();
		return this.starts.filter((t) => t > now - 60_000).length;
	}
}

/**
 * The counter behind a limiter: each call waits for its turn, and an answer with retry-after (429, 529)
 * pauses every later call for that long. `onCall` sees each call as it actually starts.
 */
export function withRateLimit(counter: Counter, limiter: RateLimiter, onCall?: () => void): Counter {
	return {
		id: counter.id,
		async count(request, signal) {
			await limiter.acquire(signal);
			onCall?.();
			try {
				return await counter.count(request, signal);
			} catch (err) {
				if (err instanceof CountError && err.retryAfterMs !== undefined) {
					limiter.pause(err.retryAfterMs);
				}
				throw err;
			}
		},
	};
}
