import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { estimateBatchFile, type BatchEstimate } from '../core/batch';
import { batchHtml, batchProgressHtml, batchProgressText } from '../core/batch/view';
import type { ModelOverrides } from '../core/cost';
import { escapeHtml as escapeText, reportPage } from '../core/report/html';
import type { TokenCountService } from '../core/service';
import { isCancellation } from '../core/util/abort';
import { noLinks } from '../core/util/markdown';
import { abortOnCancel, Disposable } from './dispose';
import type { Log } from './log';

export interface BatchSettings {
	readonly defaultModel: string;
	readonly pricing: { readonly overrides: ModelOverrides };
	readonly api: { readonly requestsPerMinute: number };
}

/**
 * "Estimate Batch File": streams a JSONL file of any size (never loading it whole), with a cancellable,
 * determinate progress notification, and shows the totals at the Batch API price in one reused, rendered
 * "Batch estimate" view (no untitled document to save).
 */
export class BatchCommand extends Disposable {
	private last: BatchEstimate | undefined;
	private panel: vscode.WebviewPanel | undefined;
	private running: AbortController | undefined;
	private lastUri: vscode.Uri | undefined;

	constructor(private readonly service: TokenCountService, private readonly settings: () => BatchSettings, private readonly log: Log, private readonly extensionUri?: vscode.Uri) {
		super();
		this._register(vscode.commands.registerCommand('claudeTokenMeter.estimateBatchFile', (uri?: unknown) => this.run(uri)));
		this._register({ dispose: () => { this.running?.abort(); this.panel?.dispose(); } });
	}

	/** The view's title and whether it is open (for tests). */
	get viewTitle(): string | undefined {
		return this.panel?.title;
	}

	private ensurePanel(): vscode.WebviewPanel {
		if (this.panel) {
			this.panel.reveal(vscode.ViewColumn.Beside, true);
			return this.panel;
		}
		const roots = this.extensionUri ? [vscode.Uri.joinPath(this.extensionUri, 'media')] : [];
		const panel = vscode.window.createWebviewPanel('claudeTokenMeter.batch', 'Batch estimate', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
			enableScripts: true,
			localResourceRoots: roots,
		});
		panel.onDidDispose(() => { this.panel = undefined; });
		panel.webview.onDidReceiveMessage((msg: { command?: string }) => {
			if (msg?.command === 'cancel') { this.running?.abort(); }
			if (msg?.command === 'rerun' && this.lastUri) { void this.run(this.lastUri); }
		});
		this.panel = panel;
		return panel;
	}

	private render(fragment: string): void {
		const panel = this.panel;
		if (!panel) { return; }
		const media = this.extensionUri ? vscode.Uri.joinPath(this.extensionUri, 'media') : undefined;
		panel.webview.html = reportPage(fragment, {
			cspSource: panel.webview.cspSource,
			nonce: randomBytes(16).toString('base64'),
			styleUri: media ? panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.css')).toString() : '',
			scriptUri: media ? panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.js')).toString() : '',
		});
	}

	get lastEstimate(): BatchEstimate | undefined {
		return this.last;
	}

	async run(uriArg?: unknown): Promise<BatchEstimate | undefined> {
		const uri = await this.pickFile(uriArg);
		if (!uri) { return undefined; }
		const s = this.settings();
		// Thousands of lines through the API would take hours at the account's rate limit; offer it only on request.
		let exact = false;
		if (this.service.canCountExactly('anthropic')) {
			const pick = await vscode.window.showQuickPick([
				{ label: 'Offline estimate', description: 'instant, nothing is sent', exact: false },
				{ label: 'Exact counts through the API', description: `one count_tokens call per line, at most ${s.api.requestsPerMinute} per minute`, exact: true },
			], { title: 'Estimate Batch File' });
			if (!pick) { return undefined; }
			exact = pick.exact;
		}
		const name = vscode.workspace.asRelativePath(uri);
		const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
		// Unsaved edits are estimated as shown; a file on disk is streamed.
		const source: string | AsyncIterable<string> = document && (document.isDirty || document.isUntitled)
			? linesOf(document)
			: uri.fsPath;
		this.lastUri = uri;
		this.running?.abort();
		const controller = new AbortController();
		this.running = controller;
		this.ensurePanel().title = `Batch estimate: ${name.split('/').pop()}`;
		this.render(batchProgressHtml({ name, pct: 0, requests: 0, inputTokens: 0 }));
		try {
			const estimate = await vscode.window.withProgress({
				location: vscode.ProgressLocation.Notification,
				title: `Estimating ${name}`,
				cancellable: true,
			}, async (progress, token) => {
				const sub = abortOnCancel(token, controller);
				let reported = 0;
				return await estimateBatchFile(source, {
					defaultModel: s.defaultModel,
					pricing: s.pricing.overrides,
					signal: controller.signal,
					progressIntervalMs: 200,
					count: this.service.countFnFor('anthropic', { offlineOnly: !exact }),
					onProgress: (p) => {
						const pct = p.totalBytes ? Math.min(100, (p.bytesRead / p.totalBytes) * 100) : undefined;
						const text = batchProgressText({ pct, requests: p.requests, inputTokens: p.inputTokens });
						progress.report({ message: text, increment: pct !== undefined ? pct - reported : undefined });
						if (pct !== undefined) { reported = pct; }
						// The view shows the same figures at the same moment, updated in place (no page reload).
						void this.panel?.webview.postMessage({ type: 'progress', text: `Estimating… ${text}`, pct: pct === undefined ? undefined : Math.floor(pct) });
					},
				}).finally(() => sub.dispose());
			});
			if (this.running !== controller) { return undefined; }
			this.last = estimate;
			this.ensurePanel();
			this.render(batchHtml(name, estimate, exact));
			return estimate;
		} catch (err) {
			if (isCancellation(err)) {
				this.render(`<h1>Batch estimate: ${escapeText(name)}</h1><p class="status">Cancelled.</p><div class="actions"><button data-command="rerun" class="secondary">Estimate again</button></div>`);
				void vscode.window.showInformationMessage(noLinks(`Claude Token Meter: estimate of ${name} cancelled.`));
				return undefined;
			}
			const message = (err as Error)?.message ?? String(err);
			this.log.warn(`Batch estimate of ${name} failed: ${message}`);
			this.render(`<h1>Batch estimate: ${escapeText(name)}</h1><p class="status bad">Could not estimate this file: ${escapeText(message)}</p>`);
			void vscode.window.showErrorMessage(noLinks(`Claude Token Meter: could not estimate ${name}: ${message}`));
			return undefined;
		} finally {
			if (this.running === controller) { this.running = undefined; }
		}
	}

	private async pickFile(arg: unknown): Promise<vscode.Uri | undefined> {
		if (arg instanceof vscode.Uri) { return arg; }
		const active = vscode.window.activeTextEditor?.document;
		if (active && /\.(jsonl|ndjson)$/i.test(active.fileName)) { return active.uri; }
		const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'JSON Lines': ['jsonl', 'ndjson'] }, title: 'Batch file to estimate' });
		return picked?.[0];
	}
}

async function* linesOf(document: vscode.TextDocument): AsyncIterable<string> {
	for (let i = 0; i < document.lineCount; i++) {
		yield document.lineAt(i).text;
	}
}
