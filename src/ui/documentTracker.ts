import * as vscode from 'vscode';
import type { TokenCountService } from '../core/service';
import { blankMagics } from '../core/notebook';
import { Disposable } from './dispose';

/** The scheme of a notebook cell's text document; a Python cell has the language id `python`, so the selectors match it. */
const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';

/** Language ids whose documents may hold requests; the CodeLens and hover selectors use the same list. */
export const LANGUAGES = ['json', 'jsonc', 'jsonl', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python', 'go', 'java', 'ruby', 'csharp', 'php'] as const;

export const DOCUMENT_SELECTOR: vscode.DocumentSelector = [
	...LANGUAGES.map((language) => ({ language })),
	{ pattern: '**/*.{jsonl,ndjson}' },
];

/** Whether a document is one we scan (by language, or by file name for JSONL without a language mode). */
export function isSupported(doc: vscode.TextDocument): boolean {
	if ((LANGUAGES as readonly string[]).includes(doc.languageId)) {
		return true;
	}
	return /\.(jsonl|ndjson)$/i.test(doc.fileName);
}

/** Quiet time before a changed document is re-scanned; counting has its own, longer debounce per site. */
const RESCAN_DELAY_MS = 60;

/**
 * Schemes of documents a person edits (a notebook's code cells included); other extensions' virtual documents
 * (git:, output:) are left alone.
 */
const SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-userdata', NOTEBOOK_CELL_SCHEME]);

/** Whether an editor shows the document: a text editor, or the notebook editor of the cell it is. */
function isVisible(doc: vscode.TextDocument): boolean {
	if (vscode.window.visibleTextEditors.some((e) => e.document === doc)) {
		return true;
	}
	return doc.uri.scheme === NOTEBOOK_CELL_SCHEME
		&& vscode.window.visibleNotebookEditors.some((e) => e.notebook.getCells().some((c) => c.document === doc));
}

/**
 * Keeps the result store in step with the editor: scans every open document when it opens or changes and
 * forgets it when it closes. Visible documents are counted exactly (when a key is set); documents in hidden
 * tabs are counted offline only, so their diagnostics stay (as TypeScript's and ESLint's do) and no API call
 * is spent on them.
 */
export class DocumentTracker extends Disposable {
	private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
	/** Documents whose pending re-scan comes from an undo or redo. */
	private readonly undone = new Set<string>();

	constructor(private readonly service: TokenCountService, private readonly enabled: () => boolean) {
		super();
		this._register(vscode.workspace.onDidChangeTextDocument((e) => {
			if (e.contentChanges.length > 0) {
				const undo = e.reason === vscode.TextDocumentChangeReason.Undo || e.reason === vscode.TextDocumentChangeReason.Redo;
				if (undo) { this.undone.add(e.document.uri.toString()); } else { this.undone.delete(e.document.uri.toString()); }
				this.schedule(e.document);
			}
		}));
		this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.scanVisible()));
		this._register(vscode.window.onDidChangeVisibleNotebookEditors(() => this.scanVisible()));
		this._register(vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)));
		this._register(vscode.workspace.onDidCloseTextDocument((doc) => {
			this.cancel(doc.uri.toString());
			this.service.forget(doc.uri.toString());
		}));
		this._register({ dispose: () => { for (const t of this.timers.values()) { clearTimeout(t); } this.timers.clear(); } });
		this.scanVisible();
	}

	/** Brings every open document up to date: visible ones counted exactly, hidden ones offline. */
	scanVisible(): void {
		for (const doc of vscode.workspace.textDocuments) {
			this.schedule(doc, 0);
		}
	}

	/** Runs every pending re-scan now (tests and commands that need the store current). */
	async flush(): Promise<void> {
		const pending = [...this.timers.keys()];
		const docs = vscode.workspace.textDocuments.filter((d) => pending.includes(d.uri.toString()));
		await Promise.all(docs.map((d) => this.ensure(d)));
	}

	/** Brings one document up to date now (providers call this so they never show an older version). */
	async ensure(doc: vscode.TextDocument): Promise<void> {
		if (!this.enabled() || !isSupported(doc) || !SCHEMES.has(doc.uri.scheme)) {
			return;
		}
		this.cancel(doc.uri.toString());
		const undoRedo = this.undone.delete(doc.uri.toString());
		await this.service.update({
			uri: doc.uri.toString(),
			version: doc.version,
			languageId: /\.(jsonl|ndjson)$/i.test(doc.fileName) ? 'jsonl' : doc.languageId,
			fileName: doc.fileName,
			// A notebook cell may hold IPython magics and shell lines (`%pip …`, `!ls`): blanked, offsets kept.
			getText: () => (doc.uri.scheme === NOTEBOOK_CELL_SCHEME ? blankMagics(doc.getText()) : doc.getText()),
			offlineOnly: !isVisible(doc),
			undoRedo,
		});
	}

	private schedule(doc: vscode.TextDocument, delay = RESCAN_DELAY_MS): void {
		if (!this.enabled() || !isSupported(doc) || !SCHEMES.has(doc.uri.scheme) || this.isDisposed) {
			return;
		}
		const key = doc.uri.toString();
		this.cancel(key);
		this.timers.set(key, setTimeout(() => {
			this.timers.delete(key);
			if (!doc.isClosed) {
				void this.ensure(doc);
			}
		}, delay));
	}

	private cancel(key: string): void {
		const timer = this.timers.get(key);
		if (timer) {
			clearTimeout(timer);
			this.timers.delete(key);
		}
	}
}
