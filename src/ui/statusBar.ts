import * as vscode from 'vscode';
import { caveats, countState, figureFor, inputRate, LEGEND, type RateLookup, shortText, stateLine, type Totals, totalsFor, waitText } from '../core/present';
import type { SiteState, TokenCountService } from '../core/service';
import { formatRate, formatTokens, formatUsd, priceOptionsOf } from '../core/cost';
import { Disposable } from './dispose';
import { isSupported } from './documentTracker';
import { mdText, TOOLTIP_COMMANDS } from './markdown';

export const STATUS_ITEM_ID = 'claudeTokenMeter.status';

/**
 * The status bar item: the request under the cursor, or the file's total when the cursor is outside
 * every request. A small state machine: hidden → counting → figure (exact / offline) → error / no key.
 */
export class StatusBarController extends Disposable {
	private readonly item: vscode.StatusBarItem;
	/** The file total of the last document shown, kept until the store says that document changed. */
	private total: { uri: string; revision: number; totals: Totals } | undefined;
	/** Ticks once a second while the figure under the cursor is rate-limited, so the countdown stays true. */
	private ticker: ReturnType<typeof setInterval> | undefined;

	constructor(private readonly service: TokenCountService, private readonly rates: RateLookup, private readonly enabled: () => boolean) {
		super();
		this.item = this._register(vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100));
		this.item.name = 'Claude Token Meter';
		this._register(service.onDidChange((uri) => {
			if (vscode.window.activeTextEditor?.document.uri.toString() === uri) {
				this.render();
			}
		}));
		this._register(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
		this._register(vscode.window.onDidChangeTextEditorSelection((e) => {
			if (e.textEditor === vscode.window.activeTextEditor) {
				this.render();
			}
		}));
		this._register({ dispose: () => this.setTicking(false) });
		this.render();
	}

	private setTicking(on: boolean): void {
		if (on && !this.ticker) {
			this.ticker = setInterval(() => this.render(), 1000);
		} else if (!on && this.ticker) {
			clearInterval(this.ticker);
			this.ticker = undefined;
		}
	}

	/** The text currently shown (for tests and the log). */
	get text(): string {
		return this.item.text;
	}

	/** The tooltip's Markdown source and the commands it may run (for tests). */
	tooltipSource(): { markdown: string; enabledCommands: readonly string[] } | undefined {
		const t = this.item.tooltip;
		if (!(t instanceof vscode.MarkdownString)) { return undefined; }
		const trusted = t.isTrusted;
		return { markdown: t.value, enabledCommands: typeof trusted === 'object' ? trusted.enabledCommands : trusted ? ['*'] : [] };
	}

	/** Redraws from scratch (after a settings or pricing change, which the store's revision does not see). */
	update(): void {
		this.total = undefined;
		this.render();
	}

	private render(): void {
		this.setTicking(false);
		const editor = vscode.window.activeTextEditor;
		if (!this.enabled() || !editor || !isSupported(editor.document)) {
			this.item.hide();
			return;
		}
		const uri = editor.document.uri.toString();
		const doc = this.service.get(uri);
		if (doc?.notice && doc.sites.length === 0) {
			// Say why a file that may hold requests shows no figure (too large, unreadable).
			this.item.text = '$(info) Claude: not scanned';
			this.item.tooltip = doc.notice;
			this.item.command = 'claudeTokenMeter.showLog';
			this.item.backgroundColor = undefined;
			this.item.show();
			return;
		}
		if (!doc || doc.sites.length === 0) {
			this.item.hide();
			return;
		}
		const offset = editor.document.offsetAt(editor.selection.active);
		const site = this.service.siteAt(uri, offset);
		if (site) {
			this.showSite(site);
		} else {
			this.showTotal(uri, doc.sites);
		}
		// Half-typed JSON: the last good figure, dimmed and marked, never a partial re-parse shown as current.
		this.item.color = doc.stale ? new vscode.ThemeColor('disabledForeground') : undefined;
		if (doc.stale) {
			this.item.text = `$(circle-slash) ${this.item.text.replace(/^\$\([^)]*\)\s*/, '')} · ${doc.stale}`;
			this.setTicking(false);
			const tooltip = new vscode.MarkdownString(`**${doc.stale}**: the figure is the last one counted before the document stopped parsing; it updates once the JSON is valid again.`);
			this.item.tooltip = tooltip;
		}
		this.item.show();
	}

	private showSite(state: SiteState): void {
		const f = figureFor(state, this.rates);
		const tooltip = new vscode.MarkdownString('', true);
		// Only our own links may run, and only commands that take nothing from a link; document text is escaped.
		tooltip.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
		tooltip.supportThemeIcons = true;
		const rate = this.rates(state.model);
		tooltip.appendMarkdown(`**Claude Token Meter** — ${mdText(state.model)}${rate ? ` (${mdText(rate.displayName)})` : ''}\n\n`);
		this.item.backgroundColor = undefined;
		this.item.command = 'claudeTokenMeter.estimateRequest';

		if (state.status === 'no-key' && !f) {
			this.item.text = '$(key) Claude: set API key';
			this.item.command = 'claudeTokenMeter.setApiKey';
			tooltip.appendMarkdown('Counting through the API needs a key. [Set API Key](command:claudeTokenMeter.setApiKey)');
		} else if (!f) {
			if (state.status === 'error') {
				this.item.text = '$(warning) Claude: count failed';
				this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
				tooltip.appendMarkdown(`${mdText(state.error?.message ?? 'Counting failed.')}\n\n`);
			} else {
				this.item.text = '$(sync~spin) Claude: counting…';
				tooltip.appendMarkdown('Counting…\n\n');
			}
		} else {
			const until = this.service.rateLimitedUntil(state);
			const kind = countState(state, f, until);
			const failed = state.status === 'error' && kind !== 'rate-limited';
			const icon = kind === 'rate-limited' ? '$(clock)' : kind === 'counting' ? '$(sync~spin)' : failed ? '$(warning)' : '$(symbol-numeric)';
			// While the exact count is pending the spinner says so: no "(offline)" that would flicker away.
			// Rate-limited: the offline figure, and for how long no exact count is made (the same words as the CodeLens).
			const suffix = kind === 'rate-limited' ? ` (offline) · rate-limited ${waitText(until)}` : kind === 'offline' ? ' (offline)' : '';
			this.item.text = `${icon} ${shortText(f)}${suffix}`;
			if (f.overWindow !== undefined) {
				this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
			} else if (failed || kind === 'rate-limited') {
				this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
			}
			this.setTicking(kind === 'rate-limited');
			tooltip.appendMarkdown(`**${f.mark}${formatTokens(f.tokens)} input tokens**`);
			tooltip.appendMarkdown(f.costUsd !== undefined && rate ? ` · ${f.mark === '≥' ? '≥' : ''}${formatUsd(f.costUsd)} at ${formatRate(inputRate(rate, f.tokens, priceOptionsOf(state.site.pricing)))}/MTok input (${mdText(rate.provenance)})\n\n` : ' · no price for this model\n\n');
			const source = kind === 'exact' ? (f.result.source === 'bedrock' ? 'Bedrock CountTokens' : 'count_tokens API') : 'offline tokenizer';
			tooltip.appendMarkdown(`**${mdText(stateLine(kind, until))}** · ${source}${kind === 'rate-limited' ? ' (the offline estimate shows meanwhile)' : ''}\n\n`);
			if (f.overWindow !== undefined && f.contextWindow) {
				tooltip.appendMarkdown(`$(error) **Does not fit**: input + max_tokens ${formatTokens(f.tokens + (state.site.maxTokens ?? 0))} is ${formatTokens(f.overWindow)} over the ${formatTokens(f.contextWindow)}-token window. [Estimate Request](command:claudeTokenMeter.estimateRequest) shows what to trim.\n\n`);
			}
			if (state.error && (failed || kind === 'rate-limited')) {
				tooltip.appendMarkdown(`$(warning) ${mdText(state.error.message)}\n\n`);
			}
			if (state.status === 'no-key') {
				tooltip.appendMarkdown('No API key: showing the offline figure.\n\n');
			}
		}
		for (const line of caveats(state, f)) {
			tooltip.appendMarkdown(`- ${mdText(line)}\n`);
		}
		tooltip.appendMarkdown(`\n${mdText(LEGEND)}\n\n`);
		tooltip.appendMarkdown('[Estimate Request](command:claudeTokenMeter.estimateRequest) · [Select Model](command:claudeTokenMeter.selectModel) · [Set API Key](command:claudeTokenMeter.setApiKey) · [Show Log](command:claudeTokenMeter.showLog)');
		this.item.tooltip = tooltip;
		this.item.accessibilityInformation = { label: `Claude request: ${this.item.text.replace(/\$\([^)]*\)\s*/g, '')}` };
	}

	private showTotal(uri: string, states: readonly SiteState[]): void {
		// Moving the cursor between requests of a large file must not re-add thousands of figures each time.
		const revision = this.service.revision(uri);
		if (this.total?.uri !== uri || this.total.revision !== revision) {
			this.total = { uri, revision, totals: totalsFor(states, this.rates) };
		}
		const t = this.total.totals;
		this.item.backgroundColor = t.errors && !t.counted ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
		const icon = t.counting ? '$(sync~spin)' : t.errors ? '$(warning)' : '$(symbol-numeric)';
		const n = `${states.length} request${states.length === 1 ? '' : 's'}`;
		this.item.text = t.counted
			? `${icon} ${n} · ${t.mark}${formatTokens(t.tokens)} tok · ${t.costUsd !== undefined ? `${t.mark === '≥' ? '≥' : ''}${formatUsd(t.costUsd)}` : 'no price'}${t.offline && !t.counting ? ' (offline)' : ''}`
			: `${icon} ${n}`;
		this.item.command = 'claudeTokenMeter.estimateRequest';
		const tooltip = new vscode.MarkdownString(`**Claude Token Meter** — file total over ${n}` +
			(t.counting ? `, ${t.counting} still counting` : '') + (t.errors ? `, ${t.errors} failed` : '') +
			'\n\nPlace the cursor inside a request for its own figure.\n\n[Show Log](command:claudeTokenMeter.showLog)', true);
		tooltip.isTrusted = { enabledCommands: ['claudeTokenMeter.showLog'] };
		this.item.tooltip = tooltip;
		this.item.accessibilityInformation = { label: `Claude requests in this file: ${this.item.text.replace(/\$\([^)]*\)\s*/g, '')}` };
	}
}
