import * as vscode from 'vscode';
import { formatTokens, formatUsd } from '../core/cost';
import { inputUsd, type RateLookup } from '../core/present';
import { noLinks } from '../core/util/markdown';
import type { TokenCountService } from '../core/service';
import { SECTION, readConfig } from './config';
import { Disposable } from './dispose';
import type { Log } from './log';
import type { ApiKeyStore } from './secrets';

export interface CommandDeps {
	readonly service: TokenCountService;
	readonly keys: ApiKeyStore;
	readonly log: Log;
	readonly rates: RateLookup;
	/** Where exact counts go (named in the key prompt, so the user knows before typing a key). */
	readonly endpoint: () => string;
	/** The example request the walkthrough opens (shipped in media/walkthrough). */
	readonly exampleUri?: vscode.Uri;
	/** Model ids offered by Select Model, with a label each. */
	readonly models: () => { id: string; label: string; detail?: string }[];
}

/** Set/Clear API Key, Show Log, Select Model and Recount. */
export class Commands extends Disposable {
	constructor(private readonly deps: CommandDeps) {
		super();
		// No argument is ever taken as the key: a link in a document or tooltip could otherwise plant its own.
		this._register(vscode.commands.registerCommand('claudeTokenMeter.setApiKey', () => this.setApiKey()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.clearApiKey', () => this.clearApiKey()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.showLog', () => deps.log.show()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.recount', () => this.recount()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.selectModel', () => this.selectModel()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.countSelection', () => this.countSelection()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.openExample', () => this.openExample()));
	}

	/**
	 * Recount All Requests: the cache is cleared and every open file's requests counted again, with the work
	 * shown in the status bar and a summary at the end ("recounted 12 requests in 3 open files: 10 exact,
	 * 2 offline estimates"). Returns the summary.
	 */
	private async recount(): Promise<string> {
		const service = this.deps.service;
		const files = service.documents().filter((uri) => (service.get(uri)?.sites.length ?? 0) > 0);
		const requests = files.reduce((n, uri) => n + service.get(uri)!.sites.length, 0);
		if (requests === 0) {
			const message = 'no Claude requests in the open files to recount.';
			void vscode.window.showInformationMessage(`Claude Token Meter: ${message}`);
			return message;
		}
		const plural = (n: number, word: string) => `${formatTokens(n)} ${word}${n === 1 ? '' : 's'}`;
		service.recountAll({ clearCache: true });
		await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Window, title: `Claude Token Meter: recounting ${plural(requests, 'request')}…` },
			() => service.whenIdle(),
		);
		let exact = 0;
		let offline = 0;
		let failed = 0;
		for (const uri of files) {
			for (const s of service.get(uri)?.sites ?? []) {
				if (s.exact) { exact++; } else if (s.offline) { offline++; }
				if (s.status === 'error' && !s.exact) { failed++; }
			}
		}
		const counted = [exact ? `${formatTokens(exact)} exact` : '', offline ? plural(offline, 'offline estimate') : ''].filter(Boolean).join(', ');
		const message = `recounted ${plural(requests, 'request')} in ${plural(files.length, 'open file')}: ${counted || 'none counted yet'}${failed ? ` (${formatTokens(failed)} failed: see Show Log)` : ''}.`;
		this.deps.log.info(`Recount All Requests: ${message}`);
		void vscode.window.showInformationMessage(`Claude Token Meter: ${message}`);
		return message;
	}

	/** Opens the walkthrough's example request as a new untitled JSON document, so editing it changes no file. */
	private async openExample(): Promise<vscode.TextEditor | undefined> {
		if (!this.deps.exampleUri) {
			return undefined;
		}
		try {
			const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(this.deps.exampleUri));
			const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
			return await vscode.window.showTextDocument(doc);
		} catch (err) {
			void vscode.window.showErrorMessage(`Claude Token Meter: could not open the example: ${(err as Error).message}`);
			return undefined;
		}
	}

	/** Stores the key the user types into a password box in SecretStorage. The key is never logged or echoed. */
	private async setApiKey(): Promise<boolean> {
		const endpoint = this.deps.endpoint();
		const key = (await vscode.window.showInputBox({
			title: 'Claude Token Meter: Set API Key',
			prompt: `Anthropic API key. It is kept in VS Code's secret storage. With a key, request payloads you edit are sent to ${endpoint}/v1/messages/count_tokens (free) for exact counts; set claudeTokenMeter.countingMode to "offline" to never send anything.`,
			password: true,
			ignoreFocusOut: true,
			placeHolder: 'sk-ant-…',
			validateInput: (v) => (v.trim().length < 8 ? 'That does not look like an API key.' : /\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined),
		}))?.trim();
		if (!key) {
			return false;
		}
		await this.storeKey(key);
		return true;
	}

	/** What happens once the user has typed a key (extension tests come in here too). */
	async storeKey(key: string): Promise<void> {
		await this.deps.keys.set(key);
		this.deps.log.info('API key stored in secret storage.');
		void vscode.window.showInformationMessage('Claude Token Meter: API key saved. Requests are now counted exactly.');
	}

	private async clearApiKey(): Promise<void> {
		await this.deps.keys.clear();
		this.deps.log.info('API key removed from secret storage.');
		void vscode.window.showInformationMessage('Claude Token Meter: API key cleared. Counting continues offline.');
	}

	/**
	 * Counts the selection (or the whole document) as one user message on the default model. Plain text is
	 * only ever sent when the user asks like this, and only to the configured endpoint with a key set.
	 */
	private async countSelection(): Promise<string | undefined> {
		const editor = vscode.window.activeTextEditor;
		if (!editor) {
			return undefined;
		}
		const text = editor.selection.isEmpty ? editor.document.getText() : editor.document.getText(editor.selection);
		if (!text.trim()) {
			void vscode.window.showInformationMessage('Claude Token Meter: nothing to count.');
			return undefined;
		}
		const model = readConfig().defaultModel;
		try {
			const r = await this.deps.service.countFnFor('anthropic')({ model, messages: [{ role: 'user', content: text }] }, model);
			const rate = this.deps.rates(model);
			const usd = inputUsd(rate, r.inputTokens);
			const cost = usd !== undefined ? ` · ${formatUsd(usd)}` : ' · no price';
			const what = editor.selection.isEmpty ? 'The document' : 'The selection';
			const message = `${what} as one user message on ${model}: ${r.approximate ? '≈' : ''}${formatTokens(r.inputTokens)} tokens${cost} (${r.source === 'offline' ? 'offline' : 'exact'}).`;
			void vscode.window.showInformationMessage(noLinks(`Claude Token Meter: ${message}`));
			return message;
		} catch (err) {
			void vscode.window.showErrorMessage(noLinks(`Claude Token Meter: could not count: ${(err as Error).message}`));
			return undefined;
		}
	}

	/** Lists the models with the current default first, marked, and highlighted so Enter keeps it. */
	private async selectModel(): Promise<string | undefined> {
		const current = readConfig().defaultModel;
		const models = this.deps.models();
		const known = models.some((m) => m.id === current);
		const items: (vscode.QuickPickItem & { id: string })[] = [
			...(known ? [] : [{ id: current, label: `$(check) ${current}`, description: 'current default · not in the pricing table (no price)' }]),
			...models.map((m) => (m.id === current
				? { id: m.id, label: `$(check) ${m.id}`, description: `current default · ${m.label}`, detail: m.detail }
				: { id: m.id, label: m.id, description: m.label, detail: m.detail })),
		].sort((a, b) => Number(b.id === current) - Number(a.id === current));
		const quickPick = vscode.window.createQuickPick<(typeof items)[number]>();
		quickPick.title = 'Default model for requests that do not name one';
		quickPick.placeholder = `Current: ${current}`;
		quickPick.matchOnDescription = true;
		quickPick.items = items;
		quickPick.activeItems = items.filter((i) => i.id === current);
		const pick = await new Promise<(typeof items)[number] | undefined>((resolve) => {
			quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]));
			quickPick.onDidHide(() => resolve(undefined));
			quickPick.show();
		});
		quickPick.dispose();
		if (pick && pick.id !== current) {
			await vscode.workspace.getConfiguration(SECTION).update('defaultModel', pick.id, vscode.ConfigurationTarget.Global);
		}
		return pick?.id;
	}
}
