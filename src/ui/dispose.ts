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
		for (const d of this.disposables.splice(0).reverse()) {
			try {
				d.dispose();
			} catch {
				// Keep disposing the rest.
			}
		}
	}
}
