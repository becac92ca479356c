import type { CountRequest, CountResult, Counter } from '../types';
import { CancelledError, throwIfAborted } from '../util/abort';
import { canonicalJson, sha256 } from '../util/hash';
import { withRateLimit, type RateLimiter } from './rateLimiter';

export interface SchedulerOptions {
	/** Quiet time per site before a call starts. 0 starts at once. */
	debounceMs: number;
	/** Results kept (least recently used are dropped first). */
	cacheSize?: number;
	limiter?: RateLimiter;
	/**
	 * Quiet time after an edit of a site already counted before its new call starts (never less than
	 * `debounceMs`, which is the default): the pause of someone who stopped typing, longer than the gaps
	 * between keystrokes. The editor uses DEFAULT_IDLE_MS.
	 */
	idleMs?: number;
	/** Called whenever a call settles (the service uses it to tell when everything is idle). */
	onSettled?: () => void;
}

export const DEFAULT_IDLE_MS = 1000;
/** Edits closer together than this are one typing burst; a longer gap is a pause, not typing speed. */
const GAP_WITHIN_BURST_MS = 3000;

/** Cache key of a request for one counter: the same text on another model or tokenizer is another key. */
export function requestKey(counterId: string, request: CountRequest): string {
	return `${counterId}\u0000${request.provider}\u0000${request.model}\u0000${bodyDigest(request)}`;
}

/**
 * The hash of a request's body, made once per request object: the offline and the exact scheduler both key
 * the same request (requests are not changed once made).
 */
const digests = new WeakMap<CountRequest, string>();

function bodyDigest(request: CountRequest): string {
	let digest = digests.get(request);
	if (digest === undefined) {
		digest = sha256(canonicalJson(request.body));
		digests.set(request, digest);
	}
	return digest;
}

interface Flight {
	promise: Promise<CountResult>;
	readonly controller: AbortController;
	refs: number;
	settled: boolean;
	/** The call has gone out (past the rate limiter): it then runs to the end and fills the cache. */
	started: boolean;
}

interface SiteWork {
	readonly key: string;
	readonly promise: Promise<CountResult>;
	/** Drops this site's interest: rejects its promise with CancelledError, aborts the call if nobody else waits. */
	cancel(): void;
	/** A call still waiting for its quiet time does not start until `resume`. */
	hold(): void;
	/** A held call waits its quiet time again from now. */
	resume(): void;
}

/**
 * Decides when a counter is called: one idle timer per request site (waiting for a pause in the typing, not
 * every short gap between keys), identical requests from several sites or callers sharing one call, and results cached by
 * request key so that undo/redo and untouched sites cost nothing. A call that has gone out is never aborted by
 * a newer edit: its answer lands in the cache (the edit may be undone); one still waiting for its turn is
 * dropped when nobody wants it any more.
 */
export class CountScheduler {
	private readonly cache = new Map<string, CountResult>();
	private readonly flights = new Map<string, Flight>();
	private readonly sites = new Map<string, SiteWork>();
	/** The key of each request object seen (requests are not changed once made). */
	private readonly keys = new WeakMap<CountRequest, { readonly counterId: string; readonly key: string }>();
	/** Sites scheduled before: their next schedule is an edit, counted when the typing pauses. */
	private readonly seen = new Set<string>();
	/** When any site was last edited, and the usual gap between edits (moving average over typing bursts). */
	private lastEdit = 0;
	private usualGap: number | undefined;
	private calls = 0;

	constructor(private counter: Counter, private options: SchedulerOptions) {}

	/** Counts with another counter of the same kind from now on (a new endpoint); calls under way finish. */
	setCounter(counter: Counter): void {
		this.counter = counter;
	}

	/** Number of calls made to the counter so far. */
	get callCount(): number {
		return this.calls;
	}

	get pendingCount(): number {
		return this.sites.size;
	}

	/** Calls under way, including those no site waits for any more (they finish into the cache). */
	get flightCount(): number {
		return this.flights.size;
	}

	setDebounce(ms: number, idleMs = this.options.idleMs): void {
		this.options = { ...this.options, debounceMs: ms, idleMs };
	}

	keyOf(request: CountRequest): string {
		// A store's request is looked up, then scheduled: its key (a hash of the whole body) is made once.
		const known = this.keys.get(request);
		if (known && known.counterId === this.counter.id) {
			return known.key;
		}
		const key = requestKey(this.counter.id, request);
		this.keys.set(request, { counterId: this.counter.id, key });
		return key;
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
		const idleMs = this.idleWait(siteId);
		const current = this.sites.get(siteId);
		if (current?.key === key) {
			return current.promise;
		}
		current?.cancel();
		const hit = this.peek(key);
		if (hit) {
			return Promise.resolve(hit);
		}
		const debounceMs = opts.debounceMs ?? idleMs;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let flight: Flight | undefined;
		let cancelled = false;
		let held = false;
		let rejectSite: (err: unknown) => void = () => undefined;
		let start: () => void = () => undefined;
		const promise = new Promise<CountResult>((resolve, reject) => {
			rejectSite = reject;
			start = () => {
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
			hold: () => {
				if (timer && !cancelled) {
					clearTimeout(timer);
					timer = undefined;
					held = true;
				}
			},
			resume: () => {
				if (held && !cancelled) {
					held = false;
					timer = setTimeout(start, debounceMs);
				}
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

	/**
	 * The document is being edited again: its sites' calls still waiting for a pause (ids starting with
	 * `prefix`) do not start until `resume(prefix)`. The new text is read first, which can take longer than a
	 * gap between keystrokes (detection runs in a worker thread); the text typed over must not be sent meanwhile.
	 */
	hold(prefix: string): void {
		this.eachSite(prefix, (work) => work.hold());
	}

	/** The document's new text is read and its calls scheduled: the held ones still wanted wait their quiet time from now. */
	resume(prefix: string): void {
		this.eachSite(prefix, (work) => work.resume());
	}

	private eachSite(prefix: string, act: (work: SiteWork) => void): void {
		for (const [siteId, work] of this.sites) {
			if (siteId.startsWith(prefix)) {
				act(work);
			}
		}
	}

	/**
	 * Counts `request` for one caller (reports, hovers, the CLI), now. Callers asking for the same request
	 * share one call; a caller's abort rejects only its own promise, and the call is dropped only when no
	 * caller is left and it has not gone out yet.
	 */
	count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		const key = this.keyOf(request);
		const hit = this.peek(key);
		if (hit) {
			return Promise.resolve(hit);
		}
		try {
			throwIfAborted(signal);
		} catch (err) {
			return Promise.reject(err);
		}
		const flight = this.join(key, request);
		return new Promise<CountResult>((resolve, reject) => {
			let done = false;
			const onAbort = () => {
				if (done) { return; }
				done = true;
				this.release(key, flight);
				reject(new CancelledError());
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			const finish = () => { done = true; signal?.removeEventListener('abort', onAbort); };
			flight.promise.then(
				(result) => { if (!done) { finish(); resolve(result); } },
				(err) => { if (!done) { finish(); reject(err); } },
			);
		});
	}

	/** Cancels whatever is scheduled for the site; a call already sent still finishes into the cache. */
	/**
	 * The site no longer waits for the count it was scheduled for (its new text is answered from the cache):
	 * that count, if still waiting for its turn, is dropped; a call already out finishes into the cache.
	 */
	dropPending(siteId: string): void {
		this.sites.get(siteId)?.cancel();
	}

	cancel(siteId: string): void {
		this.sites.get(siteId)?.cancel();
		this.seen.delete(siteId);
	}

	cancelAll(): void {
		for (const work of [...this.sites.values()]) {
			work.cancel();
		}
		this.seen.clear();
	}

	clearCache(): void {
		this.cache.clear();
	}

	dispose(): void {
		this.cancelAll();
		for (const flight of this.flights.values()) {
			flight.controller.abort();
		}
		this.flights.clear();
		this.cache.clear();
	}

	/**
	 * The quiet time before this site's call: `debounceMs` for a site seen for the first time (a file being
	 * opened); for an edit, `idleMs` or three of the usual gaps between edits if that is longer (at most three
	 * times `idleMs`). An edit is counted once the typing pauses, not at every gap between keystrokes: a slow
	 * typist leaves 300–500 ms between keys, a hunt-and-peck one a second.
	 */
	private idleWait(siteId: string): number {
		const debounce = this.options.debounceMs;
		const now = Date.now();
		const gap = now - this.lastEdit;
		this.lastEdit = now;
		if (!this.seen.has(siteId)) {
			this.seen.add(siteId);
			return debounce;
		}
		if (gap < GAP_WITHIN_BURST_MS) {
			this.usualGap = this.usualGap === undefined ? gap : 0.7 * this.usualGap + 0.3 * gap;
		}
		const idle = Math.max(debounce, this.options.idleMs ?? debounce);
		return Math.min(3 * idle, Math.max(idle, 3 * (this.usualGap ?? 0)));
	}

	private join(key: string, request: CountRequest): Flight {
		let flight = this.flights.get(key);
		if (!flight) {
			const controller = new AbortController();
			const created: Flight = { promise: Promise.resolve() as unknown as Promise<CountResult>, controller, refs: 0, settled: false, started: false };
			const onCall = () => { this.calls++; created.started = true; };
			const limiter = this.options.limiter;
			const call = limiter
				? withRateLimit(this.counter, limiter, { onCall }).count(request, controller.signal)
				: (onCall(), this.counter.count(request, controller.signal));
			created.promise = call.then((result) => {
				if (!controller.signal.aborted) { this.remember(key, result); }
				return result;
			});
			const settle = () => {
				created.settled = true;
				if (this.flights.get(key) === created) {
					this.flights.delete(key);
				}
				this.options.onSettled?.();
			};
			created.promise.then(settle, settle);
			this.flights.set(key, created);
			flight = created;
		}
		flight.refs++;
		return flight;
	}

	/** Drops one waiter's interest; a call nobody waits for is dropped only if it has not gone out yet. */
	private release(key: string, flight: Flight): void {
		flight.refs--;
		if (flight.refs <= 0 && !flight.settled && !flight.started) {
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
