import * as vscode from 'vscode';
import { redact } from '../core/util/redact';

/** The extension's log channel; every line passes through redaction so the key can never reach it. */
export class Log implements vscode.Disposable {
	private readonly channel: vscode.LogOutputChannel;
	private secrets: () => readonly (string | undefined)[] = () => [];

	constructor(name = 'Claude Token Meter') {
		this.channel = vscode.window.createOutputChannel(name, { log: true });
	}

	/** Tells the log which secret values to strip (read at every line, so a new key is covered at once). */
	setSecrets(provider: () => readonly (string | undefined)[]): void {
		this.secrets = provider;
	}

	private clean(msg: unknown): string {
		const text = msg instanceof Error ? `${msg.name}: ${msg.message}` : typeof msg === 'string' ? msg : JSON.stringify(msg);
		return redact(text, this.secrets());
	}

	trace(msg: unknown): void { this.channel.trace(this.clean(msg)); }
	debug(msg: unknown): void { this.channel.debug(this.clean(msg)); }
	info(msg: unknown): void { this.channel.info(this.clean(msg)); }
	warn(msg: unknown): void { this.channel.warn(this.clean(msg)); }
	error(msg: unknown): void { this.channel.error(this.clean(msg)); }
	show(): void { this.channel.show(true); }

	dispose(): void {
		this.channel.dispose();
	}
}
