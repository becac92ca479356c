import * as vscode from 'vscode';
import { budgetCheck, contextFit, formatTokens, formatUsd, formatWindow, inputCost, lookupModel, modelForTier, allModels, type ModelOverrides } from '../core/cost';
import { bestResult, type TokenCountService } from '../core/service';
import type { SitePart } from '../core/types';
import { Disposable } from './dispose';
import { noLinks } from '../core/util/markdown';

export const DIAGNOSTIC_SOURCE = 'Claude Token Meter';

export const enum DiagnosticCode {
	OverBudget = 'over-budget',
	OverWindow = 'over-context-window',
	OverMaxOutput = 'max-tokens-over-model-limit',
	Unreadable = 'not-counted',
}

export interface DiagnosticsSettings {
	readonly budget: { readonly maxInputTokens?: number; readonly maxCostUsd?: number };
	readonly modelOverrides: ModelOverrides;
}

/** Data a quick fix needs, keyed by the diagnostic it belongs to. */
interface FixData {
	readonly modelPart?: SitePart;
	readonly suggestions: readonly string[];
	/** For max_tokens over the model's limit: the part and the largest value the model accepts. */
	readonly maxTokensFix?: { readonly part: SitePart; readonly value: number };
}

/**
 * Problems panel entries from the shared result store: a warning when a request is over the token or dollar
 * budget, an error when input + max_tokens cannot fit the model's context window.
 */
export class DiagnosticsController extends Disposable {
	private readonly collection = this._register(vscode.languages.createDiagnosticCollection('claudeTokenMeter'));
	private readonly fixes = new WeakMap<vscode.Diagnostic, FixData>();

	constructor(private readonly service: TokenCountService, private readonly settings: () => DiagnosticsSettings, private readonly enabled: () => boolean) {
		super();
		this._register(service.onDidChange((uri) => this.update(uri)));
		this._register(vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
		// Budgets matter most when the file is saved: then (and only then) a notification says so.
		this._register(vscode.workspace.onDidSaveTextDocument((d) => this.notifyOnSave(d)));
		this._register(vscode.languages.registerCodeActionsProvider({ scheme: '*' }, {
			provideCodeActions: (document, _range, context) => this.codeActions(document, context),
		}, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
	}

	refreshAll(): void {
		this.collection.clear();
		for (const doc of vscode.workspace.textDocuments) {
			this.update(doc.uri.toString());
		}
	}

	private update(uri: string): void {
		const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
		const state = this.service.get(uri);
		if (!document || !state || !this.enabled()) {
			if (document) { this.collection.delete(document.uri); }
			return;
		}
		const { budget, modelOverrides } = this.settings();
		const out: vscode.Diagnostic[] = [];
		for (const s of state.sites) {
			const r = bestResult(s);
			const info = lookupModel(s.model, modelOverrides);
			if (!r || !info) { continue; }
			const modelPart = s.site.parts.find((p) => p.kind === 'model');
			const anchor = modelPart?.range ?? s.site.anchor;
			// Positions only for a site that gets a diagnostic: most of a large file's thousands get none.
			let anchorRange: vscode.Range | undefined;
			const rangeOf = () => (anchorRange ??= new vscode.Range(document.positionAt(anchor.start), document.positionAt(Math.max(anchor.end, anchor.start))));
			const approx = s.site.unresolved.length ? '≥' : r.approximate ? '≈' : '';
			const fit = contextFit(r.inputTokens, s.site.maxTokens, info);
			if (!fit.fits) {
				const d = new vscode.Diagnostic(rangeOf(),
					`Request does not fit ${info.displayName}'s ${formatWindow(fit.window)} context window: ${approx}${formatTokens(r.inputTokens)} input + ${formatTokens(s.site.maxTokens ?? 0)} max_tokens = ${formatTokens(fit.used)} (${formatTokens(fit.over)} over).`,
					vscode.DiagnosticSeverity.Error);
				d.source = DIAGNOSTIC_SOURCE;
				d.code = DiagnosticCode.OverWindow;
				const larger = allModels(modelOverrides).filter((m) => m.current && m.contextWindow >= fit.used).map((m) => m.id);
				this.fixes.set(d, { modelPart, suggestions: larger.slice(0, 3) });
				out.push(d);
			}
			const maxPart = s.site.parts.find((p) => p.kind === 'max_tokens');
			if (info.maxOutput && s.site.maxTokens !== undefined && s.site.maxTokens > info.maxOutput) {
				const at = maxPart?.range ?? anchor;
				const d = new vscode.Diagnostic(new vscode.Range(document.positionAt(at.start), document.positionAt(at.end)),
					`max_tokens ${formatTokens(s.site.maxTokens)} is above ${info.displayName}'s maximum output of ${formatTokens(info.maxOutput)}: the API will reject this call.`,
					vscode.DiagnosticSeverity.Error);
				d.source = DIAGNOSTIC_SOURCE;
				d.code = DiagnosticCode.OverMaxOutput;
				this.fixes.set(d, { suggestions: [], maxTokensFix: maxPart ? { part: maxPart, value: info.maxOutput } : undefined });
				out.push(d);
			}
			const usd = inputCost(r.inputTokens, info);
			const check = budgetCheck(r.inputTokens, usd, { maxTokens: budget.maxInputTokens, maxUsd: budget.maxCostUsd });
			if (check.over) {
				const parts: string[] = [];
				if (check.overTokens) { parts.push(`${approx}${formatTokens(r.inputTokens)} input tokens > budget ${formatTokens(budget.maxInputTokens!)}`); }
				if (check.overUsd) { parts.push(`${formatUsd(usd)} input > budget ${formatUsd(budget.maxCostUsd!)}`); }
				const d = new vscode.Diagnostic(rangeOf(), `Request over budget: ${parts.join('; ')}.`, vscode.DiagnosticSeverity.Warning);
				d.source = DIAGNOSTIC_SOURCE;
				d.code = DiagnosticCode.OverBudget;
				// Cheaper current models that would bring the input cost under the dollar budget.
				const cheaper = allModels(modelOverrides)
					.filter((m) => m.current && m.id !== info.id && m.input < info.input && m.contextWindow >= fit.used)
					.filter((m) => !check.overUsd || inputCost(r.inputTokens, m) <= (budget.maxCostUsd ?? Infinity))
					.sort((a, b) => a.input - b.input)
					.map((m) => m.id);
				const tier = modelForTier('haiku', modelOverrides)?.id;
				this.fixes.set(d, { modelPart, suggestions: cheaper.length ? cheaper.slice(0, 3) : tier && tier !== info.id ? [tier] : [] });
				out.push(d);
			}
		}
		// What detection could not read (a request nested too deeply) is said where it is, not dropped.
		for (const p of state.problems ?? []) {
			const d = new vscode.Diagnostic(new vscode.Range(document.positionAt(p.range.start), document.positionAt(p.range.end)), p.message, vscode.DiagnosticSeverity.Warning);
			d.source = DIAGNOSTIC_SOURCE;
			d.code = DiagnosticCode.Unreadable;
			out.push(d);
		}
		this.collection.set(document.uri, out);
	}

	private notifyOnSave(document: vscode.TextDocument): void {
		if (!this.enabled()) { return; }
		const over = (this.collection.get(document.uri) ?? []).filter((d) => d.code === DiagnosticCode.OverBudget || d.code === DiagnosticCode.OverWindow);
		if (over.length === 0) { return; }
		const name = vscode.workspace.asRelativePath(document.uri);
		void vscode.window.showWarningMessage(
			noLinks(`Claude Token Meter: ${over.length} request${over.length === 1 ? '' : 's'} in ${name} ${over.length === 1 ? 'is' : 'are'} over the budget or the context window.`),
			'Show Problems',
		).then((choice) => {
			if (choice) { void vscode.commands.executeCommand('workbench.actions.view.problems'); }
		});
	}

	private codeActions(document: vscode.TextDocument, context: vscode.CodeActionContext): vscode.CodeAction[] {
		const actions: vscode.CodeAction[] = [];
		for (const d of context.diagnostics) {
			if (d.source !== DIAGNOSTIC_SOURCE) { continue; }
			const data = this.fixes.get(d);
			if (data?.maxTokensFix) {
				const { part, value } = data.maxTokensFix;
				const action = new vscode.CodeAction(`Set max_tokens to ${value}`, vscode.CodeActionKind.QuickFix);
				action.diagnostics = [d];
				action.edit = new vscode.WorkspaceEdit();
				action.edit.replace(document.uri, new vscode.Range(document.positionAt(part.range.start), document.positionAt(part.range.end)), String(value));
				action.isPreferred = true;
				actions.push(action);
			}
			if (!data?.modelPart) { continue; }
			const part = data.modelPart;
			const range = new vscode.Range(document.positionAt(part.range.start), document.positionAt(part.range.end));
			const current = document.getText(range);
			// The model value is a string literal in JSON, TS/JS and Python alike; keep the document's quote style.
			const quote = /^['"`]/.test(current) ? current[0] : '"';
			for (const id of data.suggestions) {
				const action = new vscode.CodeAction(`Switch model to ${id}`, vscode.CodeActionKind.QuickFix);
				action.diagnostics = [d];
				action.edit = new vscode.WorkspaceEdit();
				action.edit.replace(document.uri, range, `${quote}${id}${quote}`);
				action.isPreferred = id === data.suggestions[0];
				actions.push(action);
			}
		}
		return actions;
	}
}
