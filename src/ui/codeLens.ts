import * as vscode from 'vscode';
import { formatTokens, formatUsd } from '../core/cost';
import { countState, figureFor, LEGEND, type RateLookup, shortText, stateLine, totalsFor } from '../core/present';
import type { SiteState, TokenCountService } from '../core/service';
import { Disposable } from './dispose';
import type { DocumentTracker } from './documentTracker';

/** The title of one request's CodeLens; the same phrasing as the status bar. */
export function lensTitle(state: SiteState, rates: RateLookup, rateLimitedUntil?: number): string {
	const f = figureFor(state, rates);
	if (!f) {
		if (state.status === 'no-key') { return '$(key) Set an API key to count this request'; }
		if (state.status === 'error') { return `$(warning) Token count unavailable: ${state.error?.message ?? 'error'}`; }
		return '$(sync~spin) Counting tokens…';
	}
	const kind = countState(state, f, rateLimitedUntil);
	const icon = kind === 'rate-limited' ? '$(clock) ' : kind === 'counting' ? '$(sync~spin) ' : state.status === 'error' ? '$(warning) ' : '';
	// Rate-limited: the offline figure shows, and the title says why (the tooltip says until when).
	const suffix = kind === 'rate-limited' ? ' (offline) · rate-limited' : kind === 'offline' ? ' (offline)' : '';
	// A lower bound says how much it leaves out: "≥33 tokens · … · 1 expression not counted".
	const left = state.site.unresolved.length;
	const notCounted = left > 0 ? ` · ${left} expression${left === 1 ? '' : 's'} not counted` : '';
	return `${icon}${shortText(f, 'tokens')} · ${state.model}${suffix}${notCounted}`;
}

/** The lens tooltip: the figure's state, what its mark means, and what a click does. */
export function lensTooltip(state: SiteState, rates: RateLookup, rateLimitedUntil?: number): string {
	const f = figureFor(state, rates);
	const lines: string[] = [];
	// The error says why (a retry-after longer than the wait is capped at, an outage); the state says what now.
	if (state.error) { lines.push(state.error.message); }
	if (f) {
		const kind = countState(state, f, rateLimitedUntil);
		lines.push(`State: ${stateLine(kind, rateLimitedUntil)}${kind === 'rate-limited' ? ' (the offline estimate shows meanwhile)' : ''}.`);
	}
	lines.push(LEGEND, 'Click: open the cost report for this request.');
	return lines.join('\n');
}

/** Above this many requests, a document gets lenses only around what its editors show (plus the total). */
export const ALL_LENSES_UP_TO = 500;
/** Lines above and below the visible range that get their lenses too, so scrolling a little shows them at once. */
const LENS_MARGIN_LINES = 200;

/**
 * One CodeLens above each request. Titles come straight from the shared result store; the store's change
 * event refreshes them, so the lens never triggers a count of its own beyond bringing the store up to date.
 * A batch file of thousands of requests gets lenses only near the visible lines: 20,000 lenses per refresh
 * would hold the extension host and the workbench for seconds.
 */
export class TokenCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
	private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<void>());
	readonly onDidChangeCodeLenses = this.onDidChangeEmitter.event;
	private scrollTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly service: TokenCountService, private readonly tracker: DocumentTracker, private readonly rates: RateLookup) {
		super();
		this._register(service.onDidChange(() => this.onDidChangeEmitter.fire()));
		this._register(vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
			if ((this.service.get(e.textEditor.document.uri.toString())?.sites.length ?? 0) <= ALL_LENSES_UP_TO || this.scrollTimer) { return; }
			this.scrollTimer = setTimeout(() => { this.scrollTimer = undefined; this.onDidChangeEmitter.fire(); }, 150);
		}));
		this._register({ dispose: () => clearTimeout(this.scrollTimer) });
	}

	refresh(): void {
		this.onDidChangeEmitter.fire();
	}

	async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
		await this.tracker.ensure(document);
		if (token.isCancellationRequested) {
			return [];
		}
		const doc = this.service.get(document.uri.toString());
		if (!doc || doc.version !== document.version) {
			return [];
		}
		const lenses: vscode.CodeLens[] = [];
		// A batch file also gets its total on the first line, at the Batch API price.
		const skipped = doc.skippedCount ? ` · ${doc.skippedCount} line${doc.skippedCount === 1 ? '' : 's'} skipped` : '';
		if ((doc.sites.length > 1 || skipped) && doc.sites.every((s) => s.site.language === 'jsonl')) {
			const t = totalsFor(doc.sites, this.rates);
			let title = t.counted
				? `$(layers) ${doc.sites.length} requests · ${t.mark}${formatTokens(t.tokens)} tokens · ${t.costUsd !== undefined ? `${t.mark === '≥' ? '≥' : ''}${formatUsd(t.costUsd)}${t.batchCostUsd !== undefined ? ` (${formatUsd(t.batchCostUsd)} as a batch)` : ''}` : 'no price'}${t.offline && !t.counting ? ' (offline)' : ''}`
				: `$(sync~spin) ${doc.sites.length} requests · counting…`;
			title += skipped;
			lenses.push(new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
				title,
				tooltip: `Estimate the whole batch file (streams the file; any size)${skipped ? `. ${doc.skippedCount} line(s) are not valid JSON: see the Problems panel.` : ''}`,
				command: 'claudeTokenMeter.estimateBatchFile',
				arguments: [document.uri],
			}));
		}
		return lenses.concat(this.shownSites(document, doc.sites).map((state) => {
			const start = document.positionAt(state.site.anchor.start);
			const range = new vscode.Range(start, start);
			return new vscode.CodeLens(range, {
				title: doc.stale
					? `$(circle-slash) ${doc.stale} · ${lensTitle(state, this.rates).replace(/^\$\([^)]*\)\s*/, '')}`
					: lensTitle(state, this.rates, this.service.rateLimitedUntil(state)),
				tooltip: lensTooltip(state, this.rates, this.service.rateLimitedUntil(state)),
				command: state.status === 'no-key' && !state.offline ? 'claudeTokenMeter.setApiKey' : 'claudeTokenMeter.estimateRequest',
				arguments: [document.uri, state.site.id],
			});
		}));
	}

	/** Every site of an ordinary document; of a very large one, the sites near the lines its editors show. */
	private shownSites(document: vscode.TextDocument, sites: readonly SiteState[]): readonly SiteState[] {
		if (sites.length <= ALL_LENSES_UP_TO) {
			return sites;
		}
		const windows = vscode.window.visibleTextEditors
			.filter((e) => e.document === document)
			.flatMap((e) => e.visibleRanges)
			.map((r) => [document.offsetAt(new vscode.Position(Math.max(0, r.start.line - LENS_MARGIN_LINES), 0)),
				document.offsetAt(new vscode.Position(r.end.line + LENS_MARGIN_LINES, 0))] as const);
		return sites.filter((s) => windows.some(([from, to]) => s.site.anchor.start >= from && s.site.anchor.start <= to));
	}
}
