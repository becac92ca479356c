import * as vscode from 'vscode';
import { formatTokens, formatUsd, lookupModel, type ModelOverrides } from '../core/cost';
import { inputUsd, type RateLookup } from '../core/present';
import type { VocabStore } from '../core/offline';
import { countBoundedSlices, EXACT_COUNT_LIMIT, familyFor } from '../core/prompt/count';
import { Disposable } from './dispose';
import { codeSpan } from './markdownText';

export const SELECTION_ITEM_ID = 'claudeTokenMeter.selection';

/** Selections up to this many characters are counted as the selection changes; larger ones after a pause. */
const INSTANT_CHARS = 20_000;
const PAUSE_MS = 120;

export interface SelectionFigure {
	readonly tokens: number;
	readonly selections: number;
	readonly chars: number;
	readonly estimated: boolean;
	readonly family: string;
	readonly model: string;
}

/**
 * The selection's tokens in the status bar, in any document: offline, on the default model's tokenizer,
 * several selections summed. Work is bounded: past EXACT_COUNT_LIMIT characters only evenly spread
 * samples are read and counted, and the figure is marked "≈".
 */
export class SelectionStatusController extends Disposable {
	private readonly item: vscode.StatusBarItem;
	private timer: ReturnType<typeof setTimeout> | undefined;
	private last: { key: string; figure: SelectionFigure } | undefined;

	constructor(
		private readonly rates: RateLookup,
		/** The run's vocabularies: the selection is counted offline on them. */
		private readonly vocabs: VocabStore,
		private readonly settings: () => { readonly enabled: boolean; readonly defaultModel: string; readonly overrides: ModelOverrides },
	) {
		super();
		this.item = this._register(vscode.window.createStatusBarItem(SELECTION_ITEM_ID, vscode.StatusBarAlignment.Right, 98));
		this.item.name = 'Claude Token Meter: selection';
		this._register(vscode.window.onDidChangeTextEditorSelection((e) => {
			if (e.textEditor === vscode.window.activeTextEditor) {
				this.schedule(e.textEditor);
			}
		}));
		this._register(vscode.window.onDidChangeActiveTextEditor((editor) => this.schedule(editor)));
		this._register({ dispose: () => clearTimeout(this.timer) });
		this.schedule(vscode.window.activeTextEditor);
	}

	get text(): string {
		return this.item.text;
	}

	/** The figure last shown (tests). */
	get figure(): SelectionFigure | undefined {
		return this.item.text ? this.last?.figure : undefined;
	}

	private schedule(editor: vscode.TextEditor | undefined): void {
		clearTimeout(this.timer);
		if (!editor || !this.settings().enabled || editor.selections.every((s) => s.isEmpty)) {
			this.item.hide();
			this.item.text = '';
			return;
		}
		const chars = this.selectedChars(editor);
		if (chars <= INSTANT_CHARS) {
			this.update(editor);
		} else {
			this.timer = setTimeout(() => this.update(editor), PAUSE_MS);
		}
	}

	private selectedChars(editor: vscode.TextEditor): number {
		const doc = editor.document;
		let n = 0;
		for (const s of editor.selections) {
			n += doc.offsetAt(s.end) - doc.offsetAt(s.start);
		}
		return n;
	}

	/** Counts the active editor's selections now. */
	update(editor = vscode.window.activeTextEditor): SelectionFigure | undefined {
		if (!editor || editor !== vscode.window.activeTextEditor || editor.selections.every((s) => s.isEmpty)) {
			this.item.hide();
			this.item.text = '';
			return undefined;
		}
		const { defaultModel: model, overrides } = this.settings();
		const family = familyFor(model, lookupModel(model, overrides));
		const doc = editor.document;
		const ranges = editor.selections.filter((s) => !s.isEmpty).map((s) => [doc.offsetAt(s.start), doc.offsetAt(s.end)] as const);
		const key = `${doc.uri.toString()}@${doc.version}:${family}:${ranges.map((r) => r.join('-')).join(',')}`;
		let figure = this.last?.key === key ? this.last.figure : undefined;
		if (!figure) {
			const total = ranges.reduce((n, [a, b]) => n + (b - a), 0);
			let tokens = 0;
			let estimated = false;
			for (const [a, b] of ranges) {
				// Each selection gets its share of the bound, so many selections cost no more than one.
				const limit = Math.max(4096, Math.floor((EXACT_COUNT_LIMIT * (b - a)) / Math.max(total, 1)));
				const r = countBoundedSlices(b - a, (s, e) => doc.getText(new vscode.Range(doc.positionAt(a + s), doc.positionAt(a + e))), (t) => this.vocabs.countText(t, family), limit);
				tokens += r.tokens;
				estimated ||= r.estimated;
			}
			figure = { tokens, selections: ranges.length, chars: total, estimated, family, model };
			this.last = { key, figure };
		}
		this.render(figure);
		return figure;
	}

	private render(f: SelectionFigure): void {
		const mark = f.estimated ? '≈' : '';
		const what = f.selections > 1 ? `${f.selections} selections` : 'selected';
		this.item.text = `$(selection) ${mark}${formatTokens(f.tokens)} tok ${what}`;
		const rate = this.rates(f.model);
		const md = new vscode.MarkdownString('', true);
		md.isTrusted = { enabledCommands: ['claudeTokenMeter.countSelection', 'claudeTokenMeter.selectModel'] };
		md.appendMarkdown(`**Selection: ${mark}${formatTokens(f.tokens)} tokens** on the ${f.family} tokenizer (the default model's, ${codeSpan(f.model)})\n\n`);
		md.appendMarkdown(`${formatTokens(f.chars)} characters${f.selections > 1 ? ` in ${f.selections} selections, summed` : ''}. ${inputUsd(rate, f.tokens) !== undefined ? `As input: ${mark}${formatUsd(inputUsd(rate, f.tokens)!)}.` : 'No price for this model.'}\n\n`);
		if (f.estimated) {
			md.appendMarkdown('≈ A large selection: counted from evenly spread samples and scaled to its length.\n\n');
		}
		md.appendMarkdown('Counted offline: the text only, no message frame; nothing was sent.\n\n[Count as One User Message](command:claudeTokenMeter.countSelection) · [Select Model](command:claudeTokenMeter.selectModel)');
		this.item.tooltip = md;
		this.item.command = 'claudeTokenMeter.countSelection';
		this.item.accessibilityInformation = { label: `Selection: ${mark}${formatTokens(f.tokens)} tokens` };
		this.item.show();
	}

	refresh(): void {
		this.last = undefined;
		this.schedule(vscode.window.activeTextEditor);
	}
}
