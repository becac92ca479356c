import { randomBytes } from 'node:crypto';
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { lookupModel, type ModelOverrides, type RoutingThresholds } from '../core/cost';
import { CountError } from '../core/count/errors';
import { estimateRequest, scaledToExact, toMarkdown, withoutFirstMessages, type CountFn, type Report } from '../core/report';
import { reportHtml, reportPage, escapeHtml, type ReportHtmlContext } from '../core/report/html';
import { canonicalJson } from '../core/util/hash';
import type { SiteState, TokenCountService } from '../core/service';
import { isCancellation } from '../core/util/abort';
import { abortOnCancel, Disposable } from './dispose';
import type { DocumentTracker } from './documentTracker';
import type { Log } from './log';

export interface EstimateSettings {
	readonly pricing: { readonly overrides: ModelOverrides };
	readonly budget: { readonly maxInputTokens?: number };
	readonly routing: RoutingThresholds;
}

interface Target {
	readonly uri: vscode.Uri;
	readonly state: SiteState;
	readonly line: number;
}

/** A report and how its figures were counted. */
interface Estimated {
	readonly report: Report;
	readonly countedBy: string;
	/** Shown as a banner at the top (the offline fallback after an endpoint failure). */
	readonly notice?: string;
	/** Offered when the sections were scaled: the API calls an exact breakdown costs. */
	readonly exactBreakdownCalls?: number;
}

/**
 * The "Estimate Request" report: one webview panel, reused, for the request at the cursor (or the one whose
 * CodeLens was clicked). All counting goes through the shared service, so it is cached and rate limited.
 */
export class EstimatePanel extends Disposable {
	private panel: vscode.WebviewPanel | undefined;
	private target: Target | undefined;
	private report: Report | undefined;
	private notice: string | undefined;
	/** What the report on screen was rendered with, and the request text it counted (to tell it went stale). */
	private shown: { ctx: ReportHtmlContext; request: string; uri: string; siteId: string } | undefined;
	private running: AbortController | undefined;

	constructor(
		private readonly extensionUri: vscode.Uri,
		private readonly service: TokenCountService,
		private readonly tracker: DocumentTracker,
		private readonly settings: () => EstimateSettings,
		private readonly log: Log,
	) {
		super();
		this._register(vscode.commands.registerCommand('claudeTokenMeter.estimateRequest', (uri?: unknown, siteId?: unknown, opts?: unknown) =>
			this.run(uri, siteId, { exactBreakdown: (opts as { exactBreakdown?: unknown } | undefined)?.exactBreakdown === true })));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.copyTrimmedRequest', () => this.copyTrimmed()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.exportReport', () => this.exportMarkdown()));
		this._register({ dispose: () => { this.running?.abort(); this.panel?.dispose(); } });
		this._register(service.onDidChange((uri) => this.checkStale(uri)));
	}

	/** Whether the report on screen still matches its request (for tests). */
	get isStale(): boolean {
		return this.shown?.ctx.changed === true;
	}

	/** After an edit of the reported request, the report says so and offers a recount (no call is made). */
	private checkStale(uri: string): void {
		const shown = this.shown;
		if (!shown || shown.uri !== uri || shown.ctx.changed || !this.report || !this.panel) { return; }
		const site = this.service.get(uri)?.sites.find((s) => s.site.id === shown.siteId);
		if (site && canonicalJson(site.request) === shown.request) { return; }
		this.shown = { ...shown, ctx: { ...shown.ctx, changed: true } };
		this.show(reportHtml(this.report, this.shown.ctx));
	}

	/** The report on screen (for tests and the export command). */
	get lastReport(): Report | undefined {
		return this.report;
	}

	/** The banner of the report on screen, if any (why it is an offline estimate). */
	get lastNotice(): string | undefined {
		return this.notice;
	}

	async run(uriArg?: unknown, siteIdArg?: unknown, options: { exactBreakdown?: boolean } = {}): Promise<Report | undefined> {
		const target = await this.resolveTarget(uriArg, siteIdArg);
		if (!target) {
			return undefined;
		}
		this.target = target;
		const panel = this.ensurePanel();
		panel.title = `Estimate: ${target.state.model}`;
		this.show(`<p class="status">Counting the sections of the request on ${escapeHtml(target.state.model)}…</p>`);
		this.running?.abort();
		const controller = new AbortController();
		this.running = controller;
		try {
			const report = await vscode.window.withProgress({
				location: vscode.ProgressLocation.Notification,
				title: 'Claude Token Meter: estimating request',
				cancellable: true,
			}, (_progress, token) => {
				const sub = abortOnCancel(token, controller);
				return this.estimate(target, controller.signal, options.exactBreakdown === true).finally(() => sub.dispose());
			});
			if (controller.signal.aborted || this.running !== controller) {
				return undefined;
			}
			// Run-time values the request leaves out make every figure a lower bound: the report says so and lists them.
			const unresolved = target.state.site.unresolved.map((u) => ({ path: u.path, text: u.text, reason: u.reason }));
			this.report = unresolved.length ? { ...report.report, unresolved } : report.report;
			this.notice = report.notice;
			const ctx: ReportHtmlContext = {
				source: `${vscode.workspace.asRelativePath(target.uri)}:${target.line + 1}`,
				countedBy: report.countedBy,
				notice: report.notice,
				exactBreakdownCalls: report.exactBreakdownCalls,
				canCopyTrimmed: true,
			};
			this.shown = { ctx, request: canonicalJson(target.state.request), uri: target.uri.toString(), siteId: target.state.site.id };
			this.show(reportHtml(this.report, ctx));
			return this.report;
		} catch (err) {
			if (isCancellation(err)) {
				this.show('<p class="status">Cancelled.</p>');
				return undefined;
			}
			const message = (err as Error)?.message ?? String(err);
			this.log.warn(`Estimate failed: ${message}`);
			this.show(`<p class="status bad">Could not estimate this request: ${escapeHtml(message)}</p>`);
			return undefined;
		} finally {
			if (this.running === controller) { this.running = undefined; }
		}
	}

	/**
	 * Counts the report. With a key, the sections are derived offline and scaled to the request's one exact
	 * total (usually already cached: no call), unless an exact breakdown is asked for. In `auto` mode a failing
	 * endpoint (bad key, overloaded, unreachable) gives the offline report with a notice, not an error.
	 */
	private async estimate(target: Target, signal: AbortSignal, exactBreakdown: boolean): Promise<Estimated> {
		const state = target.state;
		const provider = state.site.provider;
		const offlineCount = this.service.countFnFor(provider, { offlineOnly: true });
		if (!this.service.canCountExactly(provider)) {
			return { report: await this.analyse(target, offlineCount, signal, true), countedBy: 'offline estimate (no API key)' };
		}
		try {
			if (exactBreakdown) {
				return { report: await this.analyse(target, this.service.countFnFor(provider), signal, false), countedBy: 'exact counts (count_tokens API) for every section' };
			}
			const total = await this.service.countNow(state.request, signal);
			const scaled = await scaledToExact(offlineCount, state.request.body, state.model, total.inputTokens, signal);
			const report = await this.analyse(target, scaled.count, signal, false);
			return {
				report,
				countedBy: 'exact total (count_tokens API); sections estimated offline and scaled to it',
				exactBreakdownCalls: scaled.extraBodies(),
			};
		} catch (err) {
			if (this.service.currentOptions.mode !== 'auto' || !(err instanceof CountError) || isCancellation(err)) {
				throw err;
			}
			this.log.warn(`Estimate: ${err.message} Showing the offline estimate instead.`);
			return {
				report: await this.analyse(target, offlineCount, signal, true),
				countedBy: 'offline estimate',
				notice: `Offline estimate: ${err.message}`,
			};
		}
	}

	private analyse(target: Target, count: CountFn, signal: AbortSignal, offline: boolean): Promise<Report> {
		const s = this.settings();
		const state = target.state;
		const model = state.model;
		return estimateRequest(state.request.body, model, count, {
			maxTokens: state.site.maxTokens,
			pricing: state.site.pricing,
			offline,
			budgetTokens: s.budget.maxInputTokens,
			contextWindow: lookupModel(model, s.pricing.overrides)?.contextWindow,
			thresholds: s.routing,
			overrides: s.pricing.overrides,
			concurrency: 4,
			signal,
			title: `${vscode.workspace.asRelativePath(target.uri)} · line ${target.line + 1}`,
			cached: true,
		});
	}

	private async resolveTarget(uriArg: unknown, siteIdArg: unknown): Promise<Target | undefined> {
		let uri: vscode.Uri | undefined = uriArg instanceof vscode.Uri ? uriArg : undefined;
		const editor = vscode.window.activeTextEditor;
		uri ??= editor?.document.uri;
		if (!uri) {
			void vscode.window.showInformationMessage('Claude Token Meter: open a file with a Claude request first.');
			return undefined;
		}
		const document = await vscode.workspace.openTextDocument(uri);
		await this.tracker.ensure(document);
		const doc = this.service.get(uri.toString());
		const sites = doc?.sites ?? [];
		if (sites.length === 0) {
			void vscode.window.showInformationMessage('Claude Token Meter: no Claude request found in this file.');
			return undefined;
		}
		let state = typeof siteIdArg === 'string' ? sites.find((s) => s.site.id === siteIdArg) : undefined;
		if (!state && editor && editor.document.uri.toString() === uri.toString()) {
			state = this.service.siteAt(uri.toString(), editor.document.offsetAt(editor.selection.active));
		}
		if (!state && sites.length === 1) {
			state = sites[0];
		}
		if (!state) {
			const pick = await vscode.window.showQuickPick(sites.map((s) => ({
				label: `Line ${document.positionAt(s.site.anchor.start).line + 1}`,
				description: s.model,
				state: s,
			})), { title: 'Which request?' });
			state = pick?.state;
		}
		if (!state) {
			return undefined;
		}
		return { uri, state, line: document.positionAt(state.site.anchor.start).line };
	}

	private ensurePanel(): vscode.WebviewPanel {
		if (this.panel) {
			this.panel.reveal(vscode.ViewColumn.Beside, true);
			return this.panel;
		}
		const media = vscode.Uri.joinPath(this.extensionUri, 'media');
		const panel = vscode.window.createWebviewPanel('claudeTokenMeter.report', 'Estimate', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
			enableScripts: true,
			localResourceRoots: [media],
		});
		panel.onDidDispose(() => {
			this.panel = undefined;
			this.running?.abort();
		});
		panel.webview.onDidReceiveMessage((msg: { command?: string }) => {
			if (msg?.command === 'export') { void this.exportMarkdown(); }
			if (msg?.command === 'copyTrimmed') { void this.copyTrimmed(); }
			if (msg?.command === 'recount' && this.target) { void this.run(this.target.uri, this.target.state.site.id); }
			if (msg?.command === 'exactBreakdown' && this.target) { void this.run(this.target.uri, this.target.state.site.id, { exactBreakdown: true }); }
		});
		this.panel = panel;
		return panel;
	}

	private show(fragment: string): void {
		if (!this.panel) { return; }
		const webview = this.panel.webview;
		const media = vscode.Uri.joinPath(this.extensionUri, 'media');
		webview.html = reportPage(fragment, {
			cspSource: webview.cspSource,
			nonce: randomBytes(16).toString('base64'),
			styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.css')).toString(),
			scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.js')).toString(),
		});
	}

	/**
	 * The report as Markdown, in an untitled document named after the request's file ("support-agent-with-tools
	 * cost report.md"), opened beside the report rather than over it. Exporting again reuses that document.
	 */
	private async exportMarkdown(): Promise<vscode.TextDocument | undefined> {
		if (!this.report) {
			void vscode.window.showInformationMessage('Claude Token Meter: run Estimate Request first; there is no report to export.');
			return undefined;
		}
		const base = this.target ? this.target.uri.path.split('/').pop()!.replace(/\.[^.]*$/, '') || 'request' : 'request';
		const uri = vscode.Uri.from({ scheme: 'untitled', path: `${base} cost report.md` });
		const doc = await vscode.workspace.openTextDocument(uri);
		const edit = new vscode.WorkspaceEdit();
		edit.replace(uri, new vscode.Range(new vscode.Position(0, 0), doc.lineAt(doc.lineCount - 1).range.end), toMarkdown(this.report));
		await vscode.workspace.applyEdit(edit);
		const markdown = doc.languageId === 'markdown' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
		// Never in the report's own group, so the report stays in view: where the export already shows, or in
		// the group right of the report ("Beside" is relative to the active group, which may be the request's).
		const reportColumn = this.panel?.viewColumn;
		const showing = vscode.window.visibleTextEditors.find((e) => e.document === markdown && e.viewColumn !== reportColumn)?.viewColumn;
		const column = showing ?? (reportColumn !== undefined ? reportColumn + 1 : vscode.ViewColumn.Beside);
		await vscode.window.showTextDocument(markdown, { viewColumn: column, preserveFocus: false, preview: false });
		return markdown;
	}

	/**
	 * Copies the request without the oldest turns that had to go for it to fit (max_tokens kept). A JSON
	 * request is copied from its own text with those messages cut out, so its key order, indentation and
	 * everything else stay as written; a request in code is copied as JSON. Returns what was copied.
	 */
	private async copyTrimmed(): Promise<string | undefined> {
		const fit = this.report?.contextFit;
		if (!fit?.trimmedBody) {
			void vscode.window.showInformationMessage('Claude Token Meter: the request fits; nothing to trim.');
			return undefined;
		}
		const dropped = fit.droppedMessages ?? 0;
		const target = this.target;
		let text: string | undefined;
		if (target && (target.state.site.language === 'json' || target.state.site.language === 'jsonl')) {
			const document = await vscode.workspace.openTextDocument(target.uri);
			const source = document.getText(new vscode.Range(document.positionAt(target.state.site.range.start), document.positionAt(target.state.site.range.end)));
			text = withoutFirstMessages(source, dropped);
			// Only if the cut left exactly the messages the report kept (a message the request skips would shift it).
			const kept = text === undefined ? undefined : parse(text) as { messages?: unknown[]; params?: { messages?: unknown[] } } | undefined;
			if ((kept?.messages ?? kept?.params?.messages)?.length !== fit.trimmedBody.messages.length) { text = undefined; }
		}
		if (text === undefined) {
			const maxTokens = target?.state.site.maxTokens;
			const body = maxTokens !== undefined ? { ...fit.trimmedBody, max_tokens: maxTokens } : fit.trimmedBody;
			text = JSON.stringify(body, null, 2);
		}
		await vscode.env.clipboard.writeText(text);
		void vscode.window.showInformationMessage(`Claude Token Meter: copied the request without its ${fit.dropTurns} oldest turn(s) (${dropped} messages).`);
		return text;
	}
}

