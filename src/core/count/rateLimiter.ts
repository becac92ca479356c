import type { Counter } from '../types';
import { CancelledError, delay, throwIfAborted } from '../util/abort';
import { CountError } from './errors';

/**
 * The longest a call waits because the endpoint said so (`retry-after`, `retry-after-ms`). A longer wait is
 * not obeyed by sleeping: the call fails at once with a message saying how long the endpoint asked for, and
 * later calls keep failing fast (without reaching the endpoint) until that time has passed.
 */
export const MAX_RETRY_WAIT_MS = 60_000;

/** Calls a minute may start back to back; the rest of the budget is spread over the minute. */
export function burstFor(rpm: number): number {
	return Math.max(1, Math.min(5, Math.floor(rpm / 10)));
}

/** "45 s", "2 min", "1 h 5 min". */
export function formatWait(ms: number): string {
	const s = Math.ceil(ms / 1000);
	if (s < 120) {
		return `${s} s`;
	}
	const min = Math.round(s / 60);
	return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/**
 * Client-side requests-per-minute limit, plus a shared pause after the endpoint answers 429/529 with
 * retry-after. Two rules hold for the call starts at every moment: at most `rpm` in any 60 s window, and at
 * most `burstFor(rpm)` in any window of `burst × 60 s / rpm` — so the budget is spread over the minute
 * (e.g. 100 a minute: 5 back to back, then one every 0.6 s) instead of spent at once. Calls wait their
 * turn in FIFO order; a cancelled waiter gives its place up.
 */
export class RateLimiter {
	private readonly starts: number[] = [];
	private pausedUntil = 0;
	/** The answer that asked for the current pause. */
	private pauseCause: CountError | undefined;
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
	pause(ms: number, cause?: CountError): void {
		const until = this.now() + ms;
		if (until > this.pausedUntil) {
			this.pausedUntil = until;
			this.pauseCause = cause;
		}
	}

	/** Ends a pause early: the endpoint (or account) that asked for it is no longer the one counted against. */
	resume(): void {
		this.pausedUntil = 0;
		this.pauseCause = undefined;
	}

	/** How long the endpoint's retry-after pause has left, ms (0: no pause). */
	get pauseLeftMs(): number {
		return Math.max(0, this.pausedUntil - this.now());
	}

	/** Waits `ms` on the limiter's clock (retry back-off). */
	wait(ms: number, signal?: AbortSignal): Promise<void> {
		return this.sleep(ms, signal).catch((err) => {
			throw err instanceof CancelledError ? err : new CancelledError();
		});
	}

	/**
	 * Resolves when a call may start; the start is then recorded. Rejects with a CountError at once when the
	 * endpoint's pause has more than `maxPauseMs` left: waiting that long would look like a hang.
	 */
	acquire(signal?: AbortSignal, maxPauseMs = MAX_RETRY_WAIT_MS): Promise<void> {
		const turn = this.queue.then(() => this.waitForSlot(signal, maxPauseMs));
		// The next waiter queues behind this one whether it succeeds or is cancelled.
		this.queue = turn.catch(() => undefined);
		return turn;
	}

	private async waitForSlot(signal: AbortSignal | undefined, maxPauseMs: number): Promise<void> {
		for (;;) {
			throwIfAborted(signal);
			const now = this.now();
			while (this.starts.length && this.starts[0] <= now - 60_000) {
				this.starts.shift();
			}
			let wait = Math.max(0, this.pausedUntil - now);
			if (wait > maxPauseMs) {
				throw pausedError(this.pauseCause, wait, maxPauseMs);
			}
			if (wait === 0) {
				for (const { count, windowMs } of this.windows()) {
					if (this.starts.length >= count) {
						wait = Math.max(wait, this.starts[this.starts.length - count] + windowMs - now);
					}
				}
			}
			if (wait <= 0) {
				this.starts.push(now);
				return;
			}
			await this.wait(Math.ceil(wait), signal);
		}
	}

	/** At most `count` starts in any `windowMs`. */
	private windows(): { count: number; windowMs: number }[] {
		const rpm = Math.max(1, Math.floor(this.rpm));
		const burst = burstFor(rpm);
		return [{ count: rpm, windowMs: 60_000 }, { count: burst, windowMs: (burst * 60_000) / rpm }];
	}

	/** How long a call asked for now would wait for its turn, ms (0: it could start at once). Changes nothing. */
	get waitMs(): number {
		const now = this.now();
		let wait = Math.max(0, this.pausedUntil - now);
		for (const w of this.windows()) {
			const recent = this.starts.filter((t) => t > now - w.windowMs);
			if (recent.length >= w.count) { wait = Math.max(wait, recent[recent.length - w.count] + w.windowMs - now); }
		}
		return wait;
	}

	/** Calls started in the last minute (for tests and the status tooltip). */
	get recentCalls(): number {
		const now = this.now();
		return this.starts.filter((t) => t > now - 60_000).length;
	}
}

function pausedError(cause: CountError | undefined, leftMs: number, maxMs: number): CountError {
	const what = cause?.kind === 'overloaded' ? 'The counting endpoint is overloaded' : 'Rate limited by the counting endpoint';
	return new CountError(
		cause?.kind ?? 'rate-limit',
		`${what}${cause?.status ? ` (${cause.status})` : ''}: it asked to wait ${formatWait(leftMs)} more (retry-after), longer than the ${formatWait(maxMs)} Claude Token Meter waits; no call is made until then.`,
		cause?.status,
		leftMs,
	);
}

export interface RetryOptions {
	/** Sees each call as it actually starts (retries included). */
	onCall?: () => void;
	/** Further attempts after a transient failure (429, 529, 5xx, network); default 1. */
	maxRetries?: number;
	/** The longest retry-after obeyed; default MAX_RETRY_WAIT_MS. */
	maxWaitMs?: number;
}

/** Back-off before retry `n` (0-based) when the endpoint gave no retry-after: 0.5 s, 1 s, 2 s … at most 8 s. */
function backoffMs(n: number): number {
	return Math.min(500 * 2 ** n, 8_000);
}

/**
 * The counter behind a limiter: each call — and each retry — waits for its turn, so retries count against
 * the limit too. An answer with retry-after (429, 529) pauses every later call for that long; a retry-after
 * longer than `maxWaitMs` is not slept through: the call fails at once, saying so. Transient failures are
 * retried up to `maxRetries` times. The wrapped counter must not retry by itself.
 */
export function withRateLimit(counter: Counter, limiter: RateLimiter, options: RetryOptions = {}): Counter {
	const maxRetries = options.maxRetries ?? 1;
	const maxWaitMs = options.maxWaitMs ?? MAX_RETRY_WAIT_MS;
	return {
		id: counter.id,
		async count(request, signal) {
			for (let attempt = 0; ; attempt++) {
				await limiter.acquire(signal, maxWaitMs);
				options.onCall?.();
				try {
					return await counter.count(request, signal);
				} catch (err) {
					if (!(err instanceof CountError)) {
						throw err;
					}
					if (err.retryAfterMs !== undefined) {
						limiter.pause(err.retryAfterMs, err);
						if (err.retryAfterMs > maxWaitMs) {
							throw new CountError(err.kind, `${withoutStop(err.message)}: it asked to wait ${formatWait(err.retryAfterMs)} (retry-after), longer than the ${formatWait(maxWaitMs)} Claude Token Meter waits; no call is made until then.`, err.status, err.retryAfterMs);
						}
					}
					if (!err.transient || attempt >= maxRetries) {
						throw attempt === 0 ? err : new CountError(err.kind, `${withoutStop(err.message)} (gave up after ${attempt + 1} attempts).`, err.status, err.retryAfterMs);
					}
					if (err.retryAfterMs === undefined) {
						await limiter.wait(backoffMs(attempt), signal);
					}
				}
			}
		},
	};
}

function withoutStop(message: string): string {
	return message.replace(/\.\s*$/, '');
}
