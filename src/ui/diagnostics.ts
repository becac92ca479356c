import * as vscode from 'vscode';
import { budgetCheck, contextFit, formatTokens, formatUsd, formatWindow, inputCost, lookupModel, allModels, type ModelInfo, type ModelOverrides, priceOptionsOf } from '../core/cost';
import { lifecycleProblem, type SwitchEffect, switchEffect } from '../core/cost/lifecycle';
import { contextFit as fitAnalysis } from '../core/report';
import { bestResult, type SiteState, type TokenCountService } from '../core/service';
import type { SitePart } from '../core/types';
import { SECTION, type SettingId } from './config';
import { abortOnCancel, Disposable } from './dispose';
import { noLinks } from '../core/util/markdown';

export const DIAGNOSTIC_SOURCE = 'Claude Token Meter';

export const enum DiagnosticCode {
	OverBudget = 'over-budget',
	OverWindow = 'over-context-window',
	OverMaxOutput = 'max-tokens-over-model-limit',
	Unreadable = 'not-counted',
	MalformedLine = 'malformed-jsonl-line',
	Lifecycle = 'model-lifecycle',
}

export interface DiagnosticsSettings {
	readonly budget: { readonly maxInputTokens?: number; readonly maxCost?: number };
	readonly pricing: { readonly overrides: ModelOverrides };
}

/** One quick fix: its title says what it does to the request; exactly one per diagnostic is preferred. */
interface Fix {
	readonly title: string;
	readonly preferred?: boolean;
	/** Replace `range` with `text` in the document. */
	readonly edit?: { readonly start: number; readonly end: number; readonly text: string; readonly quoted?: boolean };
	readonly command?: vscode.Command;
}

/** Data the quick fixes of one diagnostic need, keyed by that diagnostic. */
interface FixData {
	readonly fixes: readonly Fix[];
	/** For a request over the context window: the site, to work out which oldest turns to drop. */
	readonly overWindow?: { readonly state: SiteState; readonly window: number };
}

export const RAISE_BUDGET_COMMAND = 'claudeTokenMeter.raiseBudget';

/** A budget just above `value`: two significant digits, rounded up ("1,155" → 1,200). */
export function roundUpBudget(value: number): number {
	if (value <= 0) { return 1; }
	const step = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
	return Math.ceil((value + 1) / step) * step;
}

/**
 * Problems panel entries from the shared result store: a warning when a request is over the token or dollar
 * budget, an error when input + max_tokens cannot fit the model's context window.
 */
export class DiagnosticsController extends Disposable {
	private readonly collection = this._register(vscode.languages.createDiagnosticCollection('claudeTokenMeter'));
	private readonly fixes = new WeakMap<vscode.Diagnostic, FixData>();
	/** What switching a request to its successor does, per request body and successor: counted offline once. */
	private readonly effects = new Map<string, { body: string; effect: SwitchEffect | 'pending' | 'failed' }>();

	constructor(private readonly service: TokenCountService, private readonly settings: () => DiagnosticsSettings, private readonly enabled: () => boolean) {
		super();
		this._register(service.onDidChange((uri) => this.update(uri)));
		this._register(vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
		// Budgets matter most when the file is saved: then (and only then) a notification says so.
		this._register(vscode.workspace.onDidSaveTextDocument((d) => this.notifyOnSave(d)));
		this._register(vscode.languages.registerCodeActionsProvider({ scheme: '*' }, {
			provideCodeActions: (document, _range, context, token) => this.codeActions(document, context, token),
		}, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
		this._register(vscode.commands.registerCommand(RAISE_BUDGET_COMMAND, async (key: unknown, value: unknown) => {
			if ((key !== 'maxInputTokens' && key !== 'maxCost') || typeof value !== 'number' || !(value > 0)) { return; }
			const id: SettingId = `budget.${key}`;
			await vscode.workspace.getConfiguration(SECTION).update(id, value, vscode.ConfigurationTarget.Global);
		}));
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
		const { budget, pricing: { overrides } } = this.settings();
		const out: vscode.Diagnostic[] = [];
		for (const s of state.sites) {
			const r = bestResult(s);
			const info = lookupModel(s.model, overrides);
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
				const fixes: Fix[] = [];
				const maxPart0 = s.site.parts.find((p) => p.kind === 'max_tokens');
				const room = fit.window - r.inputTokens;
				// The input alone fits: a smaller max_tokens resolves it without touching the conversation.
				if (maxPart0 && room >= 1) {
					fixes.push({ title: `Lower max_tokens to ${formatTokens(room)} (input + output then fit the ${formatWindow(fit.window)} window)`, preferred: true, edit: { start: maxPart0.range.start, end: maxPart0.range.end, text: String(room) } });
				}
				for (const m of allModels(overrides).filter((x) => x.current && x.contextWindow >= fit.used).slice(0, 2)) {
					if (modelPart) { fixes.push({ title: `Switch model to ${m.id} (${formatWindow(m.contextWindow)} window: fits)`, ...modelEdit(modelPart, m.id) }); }
				}
				fixes.push({ title: 'Open the report (what to trim)', command: { title: 'Estimate Request', command: 'claudeTokenMeter.estimateRequest', arguments: [document.uri, s.site.id] } });
				this.fixes.set(d, { fixes, overWindow: { state: s, window: fit.window } });
				out.push(d);
			}
			const problem = lifecycleProblem(info, new Date(), overrides);
			if (problem) {
				const to = problem.successor;
				const effect = to ? this.effectOf(uri, s, info, to) : undefined;
				const d = new vscode.Diagnostic(rangeOf(), `${problem.message}${effect ? ` Switching: ${effect.text}.` : ''}`,
					problem.kind === 'retired' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
				d.source = DIAGNOSTIC_SOURCE;
				d.code = DiagnosticCode.Lifecycle;
				this.fixes.set(d, { fixes: to && modelPart ? [{ title: `Switch model to ${to.id}${effect ? ` — ${effect.text}` : ''}`, preferred: true, ...modelEdit(modelPart, to.id) }] : [] });
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
				this.fixes.set(d, { fixes: maxPart ? [{ title: `Set max_tokens to ${formatTokens(info.maxOutput)} (the model's maximum)`, preferred: true, edit: { start: maxPart.range.start, end: maxPart.range.end, text: String(info.maxOutput) } }] : [] });
				out.push(d);
			}
			const priceOpts = priceOptionsOf(s.site.pricing);
			const usd = inputCost(r.inputTokens, info, priceOpts);
			const check = budgetCheck(r.inputTokens, usd, { maxTokens: budget.maxInputTokens, maxUsd: budget.maxCost });
			if (check.over) {
				const parts: string[] = [];
				if (check.overTokens) { parts.push(`${approx}${formatTokens(r.inputTokens)} input tokens > budget ${formatTokens(budget.maxInputTokens!)}`); }
				if (check.overUsd) { parts.push(`${formatUsd(usd)} input > budget ${formatUsd(budget.maxCost!)}`); }
				const d = new vscode.Diagnostic(rangeOf(), `Request over budget: ${parts.join('; ')}.`, vscode.DiagnosticSeverity.Warning);
				d.source = DIAGNOSTIC_SOURCE;
				d.code = DiagnosticCode.OverBudget;
				// Only fixes that resolve the warning: a model switch cannot bring a token count under a token budget.
				const fixes: Fix[] = [];
				if (check.overUsd && !check.overTokens && modelPart) {
					const cheaper = allModels(overrides)
						.filter((m) => m.current && m.id !== info.id && m.contextWindow >= fit.used && inputCost(r.inputTokens, m, priceOpts) <= (budget.maxCost ?? Infinity))
						.sort((a, b) => a.input - b.input)
						.slice(0, 2);
					cheaper.forEach((m, i) => fixes.push({
						title: `Switch model to ${m.id} (≈${formatUsd(inputCost(r.inputTokens, m, priceOpts))}, under the ${formatUsd(budget.maxCost!)} budget)`,
						preferred: i === 0,
						...modelEdit(modelPart, m.id),
					}));
				}
				if (check.overTokens) {
					const to = roundUpBudget(r.inputTokens);
					fixes.push({ title: `Raise the token budget to ${formatTokens(to)} (setting claudeTokenMeter.budget.maxInputTokens)`, preferred: true, command: { title: 'Raise budget', command: RAISE_BUDGET_COMMAND, arguments: ['maxInputTokens', to] } });
				}
				if (check.overUsd) {
					const to = Number((usd * 1.25).toPrecision(2));
					fixes.push({ title: `Raise the cost budget to ${formatUsd(to)} (setting claudeTokenMeter.budget.maxCost)`, preferred: !fixes.some((f) => f.preferred), command: { title: 'Raise budget', command: RAISE_BUDGET_COMMAND, arguments: ['maxCost', to] } });
				}
				fixes.push({ title: 'Open the report (what to trim)', command: { title: 'Estimate Request', command: 'claudeTokenMeter.estimateRequest', arguments: [document.uri, s.site.id] } });
				this.fixes.set(d, { fixes });
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
		// JSONL lines that are not JSON: squiggled like the JSON language squiggles a broken .json file.
		for (const bad of state.skipped ?? []) {
			const d = new vscode.Diagnostic(new vscode.Range(document.positionAt(bad.start), document.positionAt(bad.end)),
				`Skipped: this line is ${bad.reason.replace(/^not valid JSON: /, 'not valid JSON (')}${bad.reason.startsWith('not valid JSON: ') ? ')' : ''}; it is left out of the batch totals.`,
				vscode.DiagnosticSeverity.Warning);
			d.source = DIAGNOSTIC_SOURCE;
			d.code = DiagnosticCode.MalformedLine;
			out.push(d);
		}
		this.collection.set(document.uri, out);
	}

	/**
	 * The effect of switching `s` to `to`: both models' counts offline (so the change is the tokenizer's, not the
	 * counter's), priced through the one price path. Counted once per request body; the diagnostic is redrawn
	 * when the count arrives.
	 */
	private effectOf(uri: string, s: SiteState, from: ModelInfo, to: ModelInfo): SwitchEffect | undefined {
		// Keyed by the request's text, not its object: a document's states are rebuilt as it is re-detected.
		const key = `${uri}#${s.site.id}#${to.id}`;
		const body = JSON.stringify(s.request.body);
		const hit = this.effects.get(key);
		if (hit && hit.body === body) {
			return typeof hit.effect === 'string' ? undefined : hit.effect;
		}
		const entry: { body: string; effect: SwitchEffect | 'pending' | 'failed' } = { body, effect: 'pending' };
		this.effects.delete(key);
		this.effects.set(key, entry);
		if (this.effects.size > 500) {
			this.effects.delete(this.effects.keys().next().value!);
		}
		const countFn = this.service.countFnFor(s.site.provider, { offlineOnly: true });
		const count = (model: string) => countFn(s.request.body, model);
		void Promise.all([count(s.model), count(to.id)]).then(([a, b]) => {
			const opts = priceOptionsOf(s.site.pricing);
			entry.effect = switchEffect(from, { tokens: a.inputTokens, usd: inputCost(a.inputTokens, from, opts) }, to, b.inputTokens, opts, a.approximate === true || b.approximate === true);
			// Redraw once with the effect; the entry now matches, so this does not count again.
			if (this.effects.get(key) === entry) { this.update(uri); }
		}, () => { entry.effect = 'failed'; });
		return undefined;
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

	private async codeActions(document: vscode.TextDocument, context: vscode.CodeActionContext, token: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
		const actions: vscode.CodeAction[] = [];
		for (const d of context.diagnostics) {
			if (d.source !== DIAGNOSTIC_SOURCE) { continue; }
			const data = this.fixes.get(d);
			if (!data) { continue; }
			const fixes = [...data.fixes];
			const trim = data.overWindow ? await this.dropTurnsFix(data.overWindow.state, data.overWindow.window, token) : undefined;
			if (trim) { fixes.splice(fixes.findIndex((f) => f.preferred) + 1, 0, trim); }
			for (const fix of fixes) {
				const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
				action.diagnostics = [d];
				if (fix.edit) {
					const range = new vscode.Range(document.positionAt(fix.edit.start), document.positionAt(fix.edit.end));
					// A model id is a string literal in JSON, TS/JS and Python alike; keep the document's quote style.
					const quote = fix.edit.quoted ? (/^['"`]/.exec(document.getText(range))?.[0] ?? '"') : '';
					action.edit = new vscode.WorkspaceEdit();
					action.edit.replace(document.uri, range, `${quote}${fix.edit.text}${quote}`);
				}
				if (fix.command) { action.command = fix.command; }
				action.isPreferred = fix.preferred === true;
				actions.push(action);
			}
		}
		return actions;
	}

	/**
	 * "Drop 2 oldest turns (→≈187,465 tokens)": the fewest oldest turns to drop for the request to fit, found
	 * with the offline counter (no API call), applied as one deletion of those messages from the source.
	 */
	private async dropTurnsFix(state: SiteState, window: number, token: vscode.CancellationToken): Promise<Fix | undefined> {
		const controller = new AbortController();
		const sub = abortOnCancel(token, controller);
		try {
			const count = this.service.countFnFor(state.site.provider, { offlineOnly: true });
			const fit = await fitAnalysis(state.request.body, state.model, state.site.maxTokens ?? 0, count, { contextWindow: window, signal: controller.signal });
			const dropped = fit.droppedMessages ?? 0;
			const first = state.site.parts.find((p) => p.kind === 'message' && p.path === '/messages/0');
			const next = state.site.parts.find((p) => p.kind === 'message' && p.path === `/messages/${dropped}`);
			if (fit.fits || !fit.trimmedBody || !dropped || !first || !next) { return undefined; }
			const turns = fit.dropTurns ?? dropped;
			return {
				title: `Drop the ${turns} oldest turn${turns === 1 ? '' : 's'} (→≈${formatTokens(fit.trimmedTokens ?? 0)} tokens)`,
				edit: { start: first.range.start, end: next.range.start, text: '' },
			};
		} catch {
			return undefined;
		} finally {
			sub.dispose();
		}
	}
}

/** An edit that puts `id` in place of the model value (quoted as the document quotes it). */
function modelEdit(part: SitePart, id: string): Pick<Fix, 'edit'> {
	return { edit: { start: part.range.start, end: part.range.end, text: id, quoted: true } };
}
