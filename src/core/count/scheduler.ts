import type { CountRequest, CountResult, Counter } from '../types';
import { CancelledError } from '../util/abort';
import { canonicalJson, sha256 } from '../util/hash';
import { withRateLimit, type RateLimiter } from './rateLimiter';

export interface SchedulerOptions {
	/** Quiet time per site before a call starts. 0 starts at once. */
	debounceMs: number;
	/** Results kept (least recently used are dropped first). */
	cacheSize?: number;
	limiter?: RateLimiter;
}

/** Cache key of a request for one counter: the same text on another model or tokenizer is another key. */
export function requestKey(counterId: string, request: CountRequest): string {
	return sha256(`${counterId}\u0000${request.provider}\u0000${request.model}\u0000${canonicalJson(request.body)}`);
}

interface Flight {
	readonly promise: Promise<CountResult>;
	readonly controller: AbortController;
	refs: number;
	settled: boolean;
}

interface SiteWork {
	readonly key: string;
	readonly promise: Promise<CountResult>;
	/** Drops this site's interest: rejects its promise with CancelledError, aborts the call if nobody else waits. */
	cancel(): void;
}

/**
 * Decides when a counter is called: one debounce timer per request site, the in-flight call cancelled when
 * the site changes, identical requests from several sites sharing one call, and results cached by request
 * key so that undo/redo and untouched sites cost nothing.
 */
export class CountScheduler {
	private readonly cache = new Map<string, CountResult>();
	private readonly flights = new Map<string, Flight>();
	private readonly sites = new Map<string, SiteWork>();
	private calls = 0;

	/** The counter as this scheduler calls it: behind the rate limiter when there is one. */
	private readonly limited: Counter;

	constructor(private readonly counter: Counter, private options: SchedulerOptions) {
		const countCall = () => { this.calls++; };
		this.limited = options.limiter
			? withRateLimit(counter, options.limiter, { onCall: countCall })
			: { id: counter.id, count: (request, signal) => { countCall(); return counter.count(request, signal); } };
	}

	/** Number of calls made to the counter so far. */
	get callCount(): number {
		return this.calls;
	}

	get pendingCount(): number {
		return this.sites.size;
	}

	setDebounce(ms: number): void {
		this.options = { ...this.options, debounceMs: ms };
	}

	keyOf(request: CountRequest): string {
		return requestKey(this.counter.id, request);
	}

	cached(request: CountRequest): CountResult | undefined {
		return this.peek(this.keyOf(request));
	}

	peek(key: string): CountResult | undefined {
		const hit = this.cache.get(key);
		if (hit) {
			// Refresh its place in the LRU order.
			this.cache.delete(key);
			this.cache.set(key, hit);
		}
		return hit;
	}

	/**
	 * Counts `request` for `siteId`. A newer call for the same site supersedes this one: its promise then
	 * rejects with CancelledError, so a stale answer can never be taken for the current one.
	 */
	schedule(siteId: string, request: CountRequest, opts: { debounceMs?: number } = {}): Promise<CountResult> {
		const key = this.keyOf(request);
		const current = this.sites.get(siteId);
		if (current?.key === key) {
			return current.promise;
		}
		current?.cancel();
		const hit = this.peek(key);
		if (hit) {
			return Promise.resolve(hit);
		}
		const debounceMs = opts.debounceMs ?? this.options.debounceMs;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let flight: Flight | undefined;
		let cancelled = false;
		let rejectSite: (err: unknown) => void = () => undefined;
		const promise = new Promise<CountResult>((resolve, reject) => {
			rejectSite = reject;
			const start = () => {
				timer = undefined;
				if (cancelled) { return; }
				flight = this.join(key, request);
				flight.promise.then(
					(result) => { if (!cancelled) { resolve(result); } },
					(err) => { if (!cancelled) { reject(err); } },
				);
			};
			if (debounceMs > 0) {
				timer = setTimeout(start, debounceMs);
			} else {
				start();
			}
		});
		const work: SiteWork = {
			key,
			promise,
			cancel: () => {
				if (cancelled) { return; }
				cancelled = true;
				if (timer) { clearTimeout(timer); }
				if (flight) { this.release(key, flight); }
				rejectSite(new CancelledError('Superseded by a newer edit'));
			},
		};
		this.sites.set(siteId, work);
		const forget = () => {
			if (this.sites.get(siteId) === work) {
				this.sites.delete(siteId);
			}
		};
		promise.then(forget, forget);
		return promise;
	}

	/** Cancels whatever is scheduled or running for the site. */
	cancel(siteId: string): void {
		this.sites.get(siteId)?.cancel();
	}

	cancelAll(): void {
		for (const work of [...this.sites.values()]) {
			work.cancel();
		}
	}

	clearCache(): void {
		this.cache.clear();
	}

	dispose(): void {
		this.cancelAll();
		this.cache.clear();
	}

	private join(key: string, request: CountRequest): Flight {
		let flight = this.flights.get(key);
		if (!flight) {
			const controller = new AbortController();
			const promise = this.limited.count(request, controller.signal).then((result) => {
				this.remember(key, result);
				return result;
			});
			const created: Flight = { promise, controller, refs: 0, settled: false };
			const settle = () => {
				created.settled = true;
				if (this.flights.get(key) === created) {
					this.flights.delete(key);
				}
			};
			promise.then(settle, settle);
			this.flights.set(key, created);
			flight = created;
		}
		flight.refs++;
		return flight;
	}

	private release(key: string, flight: Flight): void {
		flight.refs--;
		if (flight.refs <= 0 && !flight.settled) {
			flight.controller.abort();
			if (this.flights.get(key) === flight) {
				this.flights.delete(key);
			}
		}
	}

	private remember(key: string, result: CountResult): void {
		this.cache.delete(key);
		this.cache.set(key, result);
		const max = this.options.cacheSize ?? 1000;
		while (this.cache.size > max) {
			const oldest = this.cache.keys().next().value as string;
			this.cache.delete(oldest);
		}
	}
}
