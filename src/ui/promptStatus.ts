import * as vscode from 'vscode';
import { formatRate, formatTokens, formatUsd, lookupModel, type ModelOverrides } from '../core/cost';
import { type Figure, inputRate, inputUsd, type RateLookup, shortText } from '../core/present';
import type { VocabStore } from '../core/offline';
import { asSystemRequests, countPrompt, familyFor, type PromptCount } from '../core/prompt/count';
import { analyzePrompt, type PromptDocument, type PromptKind } from '../core/prompt/promptFile';
import type { TokenCountService } from '../core/service';
import { isCancellation } from '../core/util/abort';
import { Disposable } from './dispose';
import { isSupported } from './documentTracker';
import { codeSpan, escapeMarkdownText } from './markdownText';

export const PROMPT_ITEM_ID = 'claudeTokenMeter.prompt';

export interface PromptSettings {
	readonly enabled: boolean;
	readonly include: readonly string[];
	readonly apiCounting: boolean;
	readonly defaultModel: string;
	/** The setting `api.countDelay`: how long an exact count waits for typing to stop. */
	readonly countDelay: number;
	readonly overrides: ModelOverrides;
}

/** One prompt file's figures for one document version and model. */
export interface PromptFigure {
	readonly uri: string;
	readonly version: number;
	readonly model: string;
	readonly doc: PromptDocument;
	readonly count: PromptCount;
	/** What the text adds as a system prompt, from the counting API (only with prompts.apiCounting). */
	exact?: number;
	exactError?: string;
}

const KIND_LABEL: Record<PromptKind, string> = {
	'markdown': 'Prompt file',
	'vscode-prompt': 'VS Code prompt file',
	'prompty': 'Prompty template',
	'claude-md': 'Claude Code memory file',
	'claude-skill': 'Claude Code skill',
	'claude-agent': 'Claude Code sub-agent',
	'claude-rule': 'Claude Code rule',
	'claude-command': 'Claude Code command',
};

const FRONT_MATTER_NOTE: Record<PromptKind, string> = {
	'markdown': 'counted: plain Markdown sends it with the text',
	'vscode-prompt': 'not sent: the editor reads it as the prompt file\'s settings',
	'prompty': 'not sent: model configuration and sample inputs',
	'claude-md': 'counted: Claude Code loads the file as it is',
	'claude-skill': 'not sent with the body: its name and description form the skill listing',
	'claude-agent': 'not sent: configuration of the sub-agent',
	'claude-rule': 'not sent: its paths decide when the rule loads',
	'claude-command': 'not sent: the command\'s settings',
};

/**
 * The status bar item for prompt files (the include globs, or any file after "Count File as Prompt"):
 * tokens on the default model, cost as a system prompt, share of the window, and a breakdown on hover.
 * Counted offline at once; sent to the counting API only when prompts.apiCounting is on.
 */
export class PromptStatusController extends Disposable {
	private readonly item: vscode.StatusBarItem;
	private readonly figures = new Map<string, PromptFigure>();
	/** Files the user asked to count although no glob matches them. */
	private readonly forced = new Set<string>();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private exactTimer: ReturnType<typeof setTimeout> | undefined;
	private exactAbort: AbortController | undefined;
	private shown = false;
	/** How long the last update took, count included (tests and the log). */
	lastUpdateMs = 0;

	constructor(
		private readonly service: TokenCountService,
		private readonly rates: RateLookup,
		/** The run's vocabularies: prompt files are counted offline on them. */
		private readonly vocabs: VocabStore,
		private readonly settings: () => PromptSettings,
		private readonly log: { warn(msg: string): void },
	) {
		super();
		this.item = this._register(vscode.window.createStatusBarItem(PROMPT_ITEM_ID, vscode.StatusBarAlignment.Right, 99));
		this.item.name = 'Claude Token Meter: prompt file';
		this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
		this._register(vscode.workspace.onDidChangeTextDocument((e) => {
			if (e.document === vscode.window.activeTextEditor?.document && e.contentChanges.length > 0) {
				this.schedule(e.document);
			}
		}));
		this._register(vscode.workspace.onDidCloseTextDocument((d) => {
			this.figures.delete(d.uri.toString());
			this.forced.delete(d.uri.toString());
		}));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.countFile', (uri?: unknown) => this.countFile(uri)));
		this._register({ dispose: () => { clearTimeout(this.timer); clearTimeout(this.exactTimer); this.exactAbort?.abort(); } });
		this.update();
	}

	/** The text currently shown; empty while the item is hidden (tests). */
	get text(): string {
		return this.shown ? this.item.text : '';
	}

	private hide(): void {
		this.shown = false;
		this.item.hide();
	}

	/** Whether a document is counted as a prompt file (by glob, or because the user asked). */
	isPromptDocument(doc: vscode.TextDocument): boolean {
		const s = this.settings();
		if (!s.enabled || isSupported(doc)) {
			return false;
		}
		if (this.forced.has(doc.uri.toString())) {
			return true;
		}
		// Globs are relative to the file's workspace folder (a folder named "prompts" above it must not match).
		const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
		return s.include.some((glob) => vscode.languages.match({ pattern: folder ? new vscode.RelativePattern(folder, glob) : glob }, doc) > 0);
	}

	/** The figure of a document, computed now if it is not current (offline, synchronous). */
	figureFor(doc: vscode.TextDocument): PromptFigure {
		const uri = doc.uri.toString();
		const model = this.settings().defaultModel;
		const cached = this.figures.get(uri);
		if (cached && cached.version === doc.version && cached.model === model) {
			return cached;
		}
		const text = doc.getText();
		const analysed = analyzePrompt(text, doc.fileName);
		const count = countPrompt(analysed, text, familyFor(model, lookupModel(model, this.settings().overrides)), this.vocabs);
		const figure: PromptFigure = { uri, version: doc.version, model, doc: analysed, count };
		this.figures.set(uri, figure);
		return figure;
	}

	/** Recounts and redraws for the active editor. */
	update(): void {
		const started = performance.now();
		try {
			this.updateNow();
		} finally {
			this.lastUpdateMs = performance.now() - started;
		}
	}

	private updateNow(): void {
		clearTimeout(this.timer);
		const editor = vscode.window.activeTextEditor;
		if (!editor || !this.isPromptDocument(editor.document)) {
			this.hide();
			return;
		}
		let figure: PromptFigure;
		try {
			figure = this.figureFor(editor.document);
		} catch (err) {
			this.item.text = '$(warning) Prompt: not counted';
			this.item.tooltip = `Claude Token Meter could not count this file: ${(err as Error).message}`;
			this.shown = true;
			this.item.show();
			return;
		}
		this.render(figure);
		this.item.show();
		this.scheduleExact(figure);
	}

	private schedule(doc: vscode.TextDocument): void {
		clearTimeout(this.timer);
		// Small files recount at once; large ones after a pause in typing.
		const delay = doc.getText().length < 50_000 ? 15 : 150;
		this.timer = setTimeout(() => this.update(), delay);
	}

	private figureOf(f: PromptFigure): Figure {
		const rate = this.rates(f.model);
		const tokens = f.exact ?? f.count.tokens;
		const mark = f.count.lowerBound ? '≥' : f.exact === undefined && f.count.estimated ? '≈' : '';
		return {
			tokens,
			mark,
			result: { inputTokens: tokens, source: f.exact === undefined ? 'offline' : 'api', exact: f.exact !== undefined, approximate: mark === '≈', notes: [] },
			offline: f.exact === undefined,
			costUsd: inputUsd(rate, tokens),
			contextWindow: rate?.contextWindow,
			windowPct: rate?.contextWindow ? (tokens / rate.contextWindow) * 100 : undefined,
		};
	}

	private render(f: PromptFigure): void {
		const fig = this.figureOf(f);
		const rate = this.rates(f.model);
		this.item.text = `$(note) ${shortText(fig)}`;
		this.shown = true;
		this.item.command = 'claudeTokenMeter.countFile';
		this.item.accessibilityInformation = { label: `Prompt file: ${shortText(fig)}` };
		const c = f.count;
		const md = new vscode.MarkdownString('', true);
		md.isTrusted = { enabledCommands: ['claudeTokenMeter.selectModel', 'claudeTokenMeter.showContext', 'workbench.action.openSettings'] };
		md.appendMarkdown(`**${KIND_LABEL[f.doc.kind]}** on ${codeSpan(f.model)}${rate ? ` (${escapeMarkdownText(rate.displayName)})` : ''} · ${c.family} tokenizer\n\n`);
		md.appendMarkdown(`**${fig.mark}${formatTokens(fig.tokens)} tokens**`);
		md.appendMarkdown(rate && fig.costUsd !== undefined ? ` · ${fig.mark === '≥' ? '≥' : ''}${formatUsd(fig.costUsd)} per request as a system prompt (${formatRate(inputRate(rate, fig.tokens))}/MTok input)\n\n` : ' · no price for this model\n\n');
		const lines: string[] = [];
		if (c.frontMatter) {
			lines.push(`Front matter: ${formatTokens(c.frontMatter.tokens)} tokens, ${FRONT_MATTER_NOTE[f.doc.kind]}${c.frontMatter.error ? ` (${escapeMarkdownText(c.frontMatter.error)})` : ''}`);
		}
		lines.push(`Body: ${c.lowerBound ? '≥' : ''}${formatTokens(c.bodyTokens)} tokens`);
		for (const p of c.placeholders) {
			lines.push(`≥ ${codeSpan(p.text, 80)}${p.count > 1 ? ` ×${p.count}` : ''}: unresolved placeholder, counted as 0`);
		}
		for (const r of c.removed) {
			lines.push(`${r.count} ${escapeMarkdownText(r.reason)}: not counted`);
		}
		if (c.estimated) {
			lines.push('≈ Too long to count whole: extrapolated from evenly spread samples.');
		}
		md.appendMarkdown(lines.map((l) => `- ${l}`).join('\n') + '\n\n');
		if (f.exact !== undefined) {
			md.appendMarkdown(`Exact figure from the counting API (what the text adds as a system prompt); offline: ${formatTokens(c.tokens)}.\n\n`);
		} else {
			md.appendMarkdown(`Counted offline: nothing was sent.${f.exactError ? ` The counting API failed: ${escapeMarkdownText(f.exactError)}` : ''}\n\n`);
		}
		const links = ['[Select Model](command:claudeTokenMeter.selectModel)'];
		if (f.doc.kind.startsWith('claude-')) {
			links.push('[Claude Code Context](command:claudeTokenMeter.showContext)');
		}
		links.push(`[Prompt Settings](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['claudeTokenMeter.prompts']))})`);
		md.appendMarkdown(links.join(' · '));
		this.item.tooltip = md;
	}

	/** With prompts.apiCounting on and a key set, the exact figure follows after the usual debounce. */
	private scheduleExact(f: PromptFigure): void {
		clearTimeout(this.exactTimer);
		const s = this.settings();
		if (!s.apiCounting || f.exact !== undefined || !this.service.canCountExactly('anthropic') || f.doc.countedText.trim() === '') {
			return;
		}
		this.exactTimer = setTimeout(() => {
			this.exactAbort?.abort();
			const abort = new AbortController();
			this.exactAbort = abort;
			const { withPrompt, without } = asSystemRequests(f.doc.countedText, f.model);
			const countFn = this.service.countFnFor('anthropic');
			const count = (body: typeof withPrompt) => countFn(body, f.model, abort.signal);
			Promise.all([count(withPrompt), count(without)]).then(([a, b]) => {
				if (a.source === 'offline' || b.source === 'offline') {
					return;
				}
				f.exact = Math.max(0, a.inputTokens - b.inputTokens);
				if (vscode.window.activeTextEditor?.document.uri.toString() === f.uri) {
					this.render(f);
				}
			}, (err) => {
				if (isCancellation(err)) {
					return;
				}
				f.exactError = (err as Error).message;
				this.log.warn(`Prompt file count through the API failed: ${f.exactError}`);
				if (vscode.window.activeTextEditor?.document.uri.toString() === f.uri) {
					this.render(f);
				}
			});
		}, s.countDelay);
	}

	/** "Count File as Prompt": the active file, or the one given (explorer); shown until it closes. */
	private async countFile(arg: unknown): Promise<string | undefined> {
		let doc: vscode.TextDocument | undefined;
		try {
			doc = arg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(arg) : vscode.window.activeTextEditor?.document;
		} catch (err) {
			void vscode.window.showErrorMessage(`Claude Token Meter: cannot open the file: ${(err as Error).message}`);
			return undefined;
		}
		if (!doc) {
			void vscode.window.showInformationMessage('Claude Token Meter: open a file to count it.');
			return undefined;
		}
		if (isSupported(doc)) {
			await vscode.commands.executeCommand('claudeTokenMeter.estimateRequest');
			return undefined;
		}
		this.forced.add(doc.uri.toString());
		const f = this.figureFor(doc);
		const fig = this.figureOf(f);
		if (vscode.window.activeTextEditor?.document === doc) {
			this.update();
		}
		const name = vscode.workspace.asRelativePath(doc.uri);
		const message = `${name}: ${shortText(fig)} on ${f.model}, as a system prompt (${fig.offline ? 'offline' : 'exact'}).`;
		void vscode.window.showInformationMessage(`Claude Token Meter: ${message}`);
		return message;
	}

	/** Drops cached figures (after the default model or pricing changed) and redraws. */
	refresh(): void {
		this.figures.clear();
		this.update();
	}
}
