import * as vscode from 'vscode';
import { estimateBatchFile, type BatchEstimate } from '../core/batch';
import { formatTokens, formatUsd, type ModelOverrides } from '../core/cost';
import type { TokenCountService } from '../core/service';
import { isCancellation } from '../core/util/abort';
import { noLinks } from '../core/util/markdown';
import { Disposable } from './dispose';
import type { Log } from './log';

export interface BatchSettings {
	readonly defaultModel: string;
	readonly modelOverrides: ModelOverrides;
	readonly api: { readonly requestsPerMinute: number };
}

/**
 * "Estimate Batch File": streams a JSONL file of any size (never loading it whole), with a cancellable
 * progress notification, and opens the totals at the Batch API price as a Markdown summary.
 */
export class BatchCommand extends Disposable {
	private last: BatchEstimate | undefined;

	constructor(private readonly service: TokenCountService, private readonly settings: () => BatchSettings, private readonly log: Log) {
		super();
		this._register(vscode.commands.registerCommand('claudeTokenMeter.estimateBatchFile', (uri?: unknown) => this.run(uri)));
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
		try {
			const estimate = await vscode.window.withProgress({
				location: vscode.ProgressLocation.Notification,
				title: `Estimating ${name}`,
				cancellable: true,
			}, async (progress, token) => {
				const controller = new AbortController();
				token.onCancellationRequested(() => controller.abort());
				let reported = 0;
				return estimateBatchFile(source, {
					defaultModel: s.defaultModel,
					pricing: s.modelOverrides,
					signal: controller.signal,
					progressIntervalMs: 200,
					count: async (body, model, signal) => {
						const request = { provider: 'anthropic' as const, model, body: { ...body, model } };
						const r = exact ? await this.service.countNow(request, signal) : await this.service.countOffline(request, signal);
						return { inputTokens: r.inputTokens, approximate: r.approximate };
					},
					onProgress: (p) => {
						const pct = p.totalBytes ? Math.min(100, (p.bytesRead / p.totalBytes) * 100) : undefined;
						progress.report({
							message: `${formatTokens(p.requests)} requests · ${formatTokens(p.inputTokens)} tokens`,
							increment: pct !== undefined ? pct - reported : undefined,
						});
						if (pct !== undefined) { reported = pct; }
					},
				});
			});
			this.last = estimate;
			await this.show(name, estimate, exact);
			return estimate;
		} catch (err) {
			if (isCancellation(err)) {
				void vscode.window.showInformationMessage(noLinks(`Claude Token Meter: estimate of ${name} cancelled.`));
				return undefined;
			}
			const message = (err as Error)?.message ?? String(err);
			this.log.warn(`Batch estimate of ${name} failed: ${message}`);
			void vscode.window.showErrorMessage(noLinks(`Claude Token Meter: could not estimate ${name}: ${message}`));
			return undefined;
		}
	}

	private async pickFile(arg: unknown): Promise<vscode.Uri | undefined> {
		if (arg instanceof vscode.Uri) { return arg; }
		const active = vscode.window.activeTextEditor?.document;
		if (active && /\.(jsonl|ndjson)$/i.test(active.fileName)) { return active.uri; }
		const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'JSON Lines': ['jsonl', 'ndjson'] }, title: 'Batch file to estimate' });
		return picked?.[0];
	}

	private async show(name: string, e: BatchEstimate, exact: boolean): Promise<void> {
		const lines: string[] = [];
		lines.push(`# Batch estimate: ${name}`, '');
		lines.push(`${formatTokens(e.requests)} requests · ${e.approximateRequests ? '≈' : ''}${formatTokens(e.inputTokens)} input tokens · ${exact ? 'exact counts (count_tokens API)' : 'offline estimate'}`, '');
		lines.push(`- Input at the Batch API price (−50 %): **${formatUsd(e.inputCostUsd)}**`);
		lines.push(`- Worst case output (every request reaching max_tokens, ${formatTokens(e.maxOutputTokens)} tokens): ${formatUsd(e.maxOutputCostUsd)}`);
		lines.push(`- Worst case total: **${formatUsd(e.inputCostUsd + e.maxOutputCostUsd)}**`);
		if (e.requestsWithoutMaxTokens) { lines.push(`- ${e.requestsWithoutMaxTokens} request(s) without max_tokens: their output is not bounded here.`); }
		if (e.unpricedRequests) { lines.push(`- ${e.unpricedRequests} request(s) on models without a price (${e.unknownModels.join(', ')}): counted, not priced.`); }
		lines.push('', '| Model | Requests | Input tokens | Input (batch) | Max output (batch) |', '|---|---:|---:|---:|---:|');
		for (const m of e.models) {
			lines.push(`| ${m.displayName ?? `${m.model} (no price)`} | ${formatTokens(m.requests)} | ${m.approximateRequests ? '≈' : ''}${formatTokens(m.inputTokens)} | ${m.inputCostUsd === null ? '—' : formatUsd(m.inputCostUsd)} | ${m.maxOutputCostUsd === null ? '—' : formatUsd(m.maxOutputCostUsd)} |`);
		}
		for (const [title, problems] of [['Malformed lines', e.malformed], ['Lines that could not be counted', e.failed]] as const) {
			if (problems.count) {
				lines.push('', `## ${title}: ${problems.count}`, '');
				for (const p of problems.examples) { lines.push(`- line ${p.line}: ${p.reason}`); }
			}
		}
		const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') + '\n' });
		await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
	}
}

async function* linesOf(document: vscode.TextDocument): AsyncIterable<string> {
	for (let i = 0; i < document.lineCount; i++) {
		yield document.lineAt(i).text;
	}
}
