/**
 * Runs synchronous work in slices of a few milliseconds, yielding to the event loop between slices, so a
 * burst of thousands of small jobs (every line of a batch file counted offline) never holds the thread:
 * the editor's messages, timers and other extensions get their turn between two slices.
 */
export class TimeSlicer {
	private readonly queue: (() => void)[] = [];
	private scheduled = false;

	constructor(private readonly budgetMs = 8) {}

	/** Runs `job` in a later slice and resolves with its value (or rejects with what it threw). */
	run<T>(job: () => T): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.queue.push(() => {
				try {
					resolve(job());
				} catch (err) {
					reject(err);
				}
			});
			this.schedule();
		});
	}

	private schedule(): void {
		if (this.scheduled) { return; }
		this.scheduled = true;
		void nextTurn().then(() => this.slice());
	}

	private slice(): void {
		this.scheduled = false;
		const end = Date.now() + this.budgetMs;
		while (this.queue.length > 0) {
			this.queue.shift()!();
			if (Date.now() >= end) { break; }
		}
		if (this.queue.length > 0) { this.schedule(); }
	}
}

/** One slicer for all offline counting in the process, so concurrent documents share the budget too. */
export const sharedSlicer = new TimeSlicer();

/** Resolves on a later turn of the event loop, after pending I/O (setImmediate; a timer where there is none). */
export function nextTurn(): Promise<void> {
	return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * For a long loop over thousands of items: `due()` says when the current slice has used its budget, then
 * `await pause()` lets the event loop run before the next slice begins.
 */
export class SliceClock {
	private end: number;

	constructor(private readonly budgetMs = 8) {
		this.end = Date.now() + budgetMs;
	}

	due(): boolean {
		return Date.now() >= this.end;
	}

	async pause(): Promise<void> {
		await nextTurn();
		this.end = Date.now() + this.budgetMs;
	}
}
