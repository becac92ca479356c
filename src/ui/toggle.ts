import type * as vscode from 'vscode';
import { Disposable } from './dispose';

/**
 * Keeps a registration alive only while its feature is enabled, so a disabled provider costs nothing and
 * needs no "if (!enabled) return" on every call.
 */
export class ConditionalRegistration extends Disposable {
	private registration: vscode.Disposable | undefined;

	constructor(private readonly register: () => vscode.Disposable) {
		super();
		this._register({ dispose: () => this.setEnabled(false) });
	}

	setEnabled(enabled: boolean): void {
		if (enabled && !this.registration && !this.isDisposed) {
			this.registration = this.register();
		} else if (!enabled && this.registration) {
			this.registration.dispose();
			this.registration = undefined;
		}
	}
}
