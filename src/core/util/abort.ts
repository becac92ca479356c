/** The error every cancelled operation rejects with. Cancellation is not a failure and is never shown. */
export class CancelledError extends Error {
	override readonly name = 'AbortError';
	constructor(message = 'Cancelled') {
		super(message);
	}
}

export function isCancellation(err: unknown): boolean {
	if (!err || typeof err !== 'object') {
		return false;
	}
	const e = err as { name?: string; constructor?: { name?: string } };
	return e instanceof CancelledError || e.name === 'AbortError' || e.constructor?.name === 'APIUserAbortError';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) {
		throw new CancelledError();
	}
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) {
			reject(new CancelledError());
			return;
		}
		const onAbort = () => {
			clearTimeout(timer);
			reject(new CancelledError());
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
