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
 * Keeps the result store in step with the editor: scans visible documents when they open or change and
 * forgets them when they close. Documents that are not visible are not counted, so no calls are spent on them.
 */
export class DocumentTracker extends Disposable {
	private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

	constructor(private readonly service: TokenCountService, private readonly enabled: () => boolean) {
		super();
		this._register(vscode.workspace.onDidChangeTextDocument((e) => {
			if (e.contentChanges.length > 0) {
				this.schedule(e.document);
			}
		}));
		this._register(vscode.window.onDidChangeVisibleTextEditors(() => {
			this.forgetHidden();
			this.scanVisible();
		}));
		this._register(vscode.workspace.onDidOpenTextDocument((doc) => {
			if (vscode.window.visibleTextEditors.some((e) => e.document === doc)) {
				this.schedule(doc, 0);
			}
		}));
		this._register(vscode.workspace.onDidCloseTextDocument((doc) => {
			this.cancel(doc.uri.toString());
			this.service.forget(doc.uri.toString());
		}));
		this._register({ dispose: () => { for (const t of this.timers.values()) { clearTimeout(t); } this.timers.clear(); } });
		this.scanVisible();
	}

	/**
	 * Drops documents no editor shows any more: they are not recounted when the key or settings change, so
	 * no calls are spent on them. Showing one again scans it afresh (the request cache still answers).
	 */
	private forgetHidden(): void {
		const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
		for (const uri of this.service.documents()) {
			if (!visible.has(uri)) {
				this.cancel(uri);
				this.service.forget(uri);
			}
		}
	}

	scanVisible(): void {
		for (const editor of vscode.window.visibleTextEditors) {
			this.schedule(editor.document, 0);
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
		if (!this.enabled() || !isSupported(doc)) {
			return;
		}
		this.cancel(doc.uri.toString());
		await this.service.update({
			uri: doc.uri.toString(),
			version: doc.version,
			languageId: /\.(jsonl|ndjson)$/i.test(doc.fileName) ? 'jsonl' : doc.languageId,
			fileName: doc.fileName,
			// A notebook cell may hold IPython magics and shell lines (`%pip …`, `!ls`): blanked, offsets kept.
			getText: () => (doc.uri.scheme === NOTEBOOK_CELL_SCHEME ? blankMagics(doc.getText()) : doc.getText()),
		});
	}

	private schedule(doc: vscode.TextDocument, delay = RESCAN_DELAY_MS): void {
		if (!this.enabled() || !isSupported(doc) || this.isDisposed) {
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
