import type * as vscode from 'vscode';

/** Owns disposables so that subclasses never hand-write dispose() per field. */
export abstract class Disposable implements vscode.Disposable {
	private readonly disposables: vscode.Disposable[] = [];
	private disposed = false;

	protected get isDisposed(): boolean {
		return this.disposed;
	}

	protected _register<T extends vscode.Disposable>(d: T): T {
		if (this.disposed) {
			d.dispose();
		} else {
			this.disposables.push(d);
		}
		return d;
	}

	dispose(): void {
		if (this.disposed) {
			return;
		}
		this.disposed = true;
		disposeAll(this.disposables.splice(0).reverse());
	}
}

/**
 * Disposes every item even when some throw, then rethrows: the one error as it is, several together as an
 * AggregateError (as VS Code's own `dispose(iterable)` does), so a failing dispose is never silent.
 */
export function disposeAll(items: Iterable<vscode.Disposable>): void {
	const errors: unknown[] = [];
	for (const d of items) {
		try {
			d.dispose();
		} catch (err) {
			errors.push(err);
		}
	}
	if (errors.length === 1) {
		throw errors[0];
	}
	if (errors.length > 1) {
		throw new AggregateError(errors, `${errors.length} errors while disposing`);
	}
}

/**
 * The one bridge from a VS Code cancellation token to an AbortController: aborts it when the token is (or
 * already was) cancelled. Dispose the result when the work ends, so the token holds no listener after it.
 */
export function abortOnCancel(token: vscode.CancellationToken | undefined, controller: AbortController): vscode.Disposable {
	if (!token) {
		return { dispose: () => undefined };
	}
	if (token.isCancellationRequested) {
		controller.abort();
	}
	return token.onCancellationRequested(() => controller.abort());
}
