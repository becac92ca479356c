import * as vscode from 'vscode';
import { Disposable } from './dispose';

const KEY_ID = 'claudeTokenMeter.anthropicApiKey';

/**
 * The API key, kept only in SecretStorage. A synchronous copy is held in memory so that every keystroke
 * can ask "is there a key?" without an async round trip.
 */
export class ApiKeyStore extends Disposable {
	private current: string | undefined;
	private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<void>());
	readonly onDidChange = this.onDidChangeEmitter.event;

	constructor(private readonly secrets: vscode.SecretStorage, private readonly allowEnvironment: () => boolean) {
		super();
		// Our own set/clear already fired: announce only a change made elsewhere (another window), so one key
		// change is one event (one recount, one Models API read).
		this._register(secrets.onDidChange(async (e) => {
			if (e.key === KEY_ID) {
				const before = this.current;
				await this.load();
				if (this.current !== before) {
					this.onDidChangeEmitter.fire();
				}
			}
		}));
	}

	async load(): Promise<void> {
		this.current = (await this.secrets.get(KEY_ID))?.trim() || undefined;
	}

	/** The key in use: SecretStorage first; the environment only when the user opted in. */
	get(): string | undefined {
		if (this.current) {
			return this.current;
		}
		if (this.allowEnvironment()) {
			return process.env.ANTHROPIC_API_KEY?.trim() || undefined;
		}
		return undefined;
	}

	has(): boolean {
		return Boolean(this.get());
	}

	async set(key: string): Promise<void> {
		this.current = key.trim();
		await this.secrets.store(KEY_ID, this.current);
		this.onDidChangeEmitter.fire();
	}

	async clear(): Promise<void> {
		this.current = undefined;
		await this.secrets.delete(KEY_ID);
		this.onDidChangeEmitter.fire();
	}
}
