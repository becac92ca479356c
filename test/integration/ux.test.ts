import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { CountServer } from '../server/countServer';
import { apiSuite, activateExtension, openInEditor, setting, storeKey, until, resetState } from './helpers';

const KEY = 'sk-ant-test-ux-0123456789';

describe('Estimate Request and counting states with a key, in a real VS Code', function () {
	this.timeout(60_000);
	const suite = apiSuite();
	let server: CountServer;
	let api: TestApi;
	before(() => ({ api, server } = suite()));
	// The key stored before each test, whatever the one before did; as a key change it also ends the retry-after
	// pause the 429 storm below leaves behind, which would otherwise turn the next report's 401 or 529 into
	// "rate-limited".
	beforeEach(() => storeKey(suite(), KEY));
	const counts = () => suite().counts();

	it('opening the report costs no call beyond the exact total; the exact breakdown says what it costs', async () => {
		const editor = await openInEditor('report.json');
		await api.whenIdle();
		const exact = api.service.get(editor.document.uri.toString())!.sites[0].exact;
		assert.ok(exact, 'the request was counted exactly');
		server.reset();
		const report = await vscode.commands.executeCommand<{ breakdown: { total: number; sections: { tokens: number }[]; overhead: number } }>('claudeTokenMeter.estimateRequest');
		assert.ok(report);
		assert.equal(counts().length, 0, 'the total came from the cache, the sections from the offline tokenizer');
		assert.equal(report.breakdown.total, exact.inputTokens);
		assert.equal(report.breakdown.sections.reduce((n, s) => n + s.tokens, 0) + report.breakdown.overhead, exact.inputTokens);
		const full = await vscode.commands.executeCommand<{ breakdown: { total: number } }>('claudeTokenMeter.estimateRequest', editor.document.uri, undefined, { exactBreakdown: true });
		assert.equal(full.breakdown.total, exact.inputTokens);
		assert.ok(counts().length > 3, `an exact breakdown counts every section (${counts().length} calls)`);
	});

	for (const [status, what] of [[401, 'rejected key'], [529, 'overloaded endpoint']] as const) {
		it(`in auto mode a ${what} (${status}) gives the offline report with a notice, not an error`, async () => {
			const editor = await openInEditor('report.json');
			await api.whenIdle();
			// A text never counted before, so the total is not in the cache.
			await editor.edit((b) => b.insert(editor.document.positionAt(editor.document.getText().indexOf('broken pole') + 6), ` ${status}`));
			server.inject({ status }, 100);
			const report = await vscode.commands.executeCommand<{ breakdown: { total: number } }>('claudeTokenMeter.estimateRequest');
			assert.ok(report && report.breakdown.total > 50, 'an offline report');
			assert.match(api.lastReportNotice() ?? '', /^Offline estimate: /);
			assert.match(api.lastReportNotice() ?? '', status === 401 ? /401/ : /529/);
			server.reset();
			await vscode.commands.executeCommand('workbench.action.files.revert');
		});
	}

	it('during a 429 storm the status bar says it is rate-limited and when the next exact count comes', async () => {
		const editor = await openInEditor('request.json');
		await api.whenIdle();
		server.inject({ status: 429, retryAfter: 8 }, 100);
		const at = editor.document.positionAt(editor.document.getText().indexOf('covering index'));
		await editor.edit((b) => b.insert(at, 'rate '));
		editor.selection = new vscode.Selection(at, at);
		const text = await until(() => (/rate-limited \d+ s/.test(api.statusText()) ? api.statusText() : undefined), 'the rate-limited state', 30_000);
		assert.match(text, /^\$\(clock\) ≈[\d,]+ tok/, 'the offline estimate shows meanwhile');
		server.reset();
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});

describe('Diagnostics of documents in hidden tabs, in a real VS Code', function () {
	this.timeout(40_000);
	let api: TestApi;
	before(async () => {
		await resetState();
		await setting('countingMode', 'offline');
		await setting('budget.maxInputTokens', 20);
		api = await activateExtension();
	});
	after(resetState);

	const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Claude Token Meter');

	it('keeps a budget warning when its tab is hidden behind another one', async () => {
		const editor = await openInEditor('report.json');
		const uri = editor.document.uri;
		// report.json also names a retired model: its lifecycle error is not the budget warning.
		const budget = () => ours(uri).filter((d) => d.code === 'over-budget');
		await until(async () => { await api.whenIdle(); return budget().length > 0; }, 'the budget warning');
		await openInEditor('several.json');
		assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri.toString()), 'report.json is hidden');
		await api.whenIdle();
		await new Promise((r) => setTimeout(r, 500));
		await api.whenIdle();
		assert.ok(budget().length > 0, 'the warning stays while the tab is hidden');
		assert.match(budget()[0].message, /over budget/);
	});
});

describe('Quick fixes that fix, in a real VS Code', function () {
	this.timeout(40_000);
	let api: TestApi;
	before(async () => {
		await resetState();
		await setting('countingMode', 'offline');
		api = await activateExtension();
	});
	after(async () => {
		await vscode.commands.executeCommand('workbench.action.files.revert');
		await resetState();
	});
	// No budget but the one a test sets: a fix that raised one (or a budget left by a failed test) would add its
	// own warning, and its preferred fix, to the next test's request.
	beforeEach(async () => {
		await setting('budget.maxInputTokens', undefined);
		await setting('budget.maxCost', undefined);
	});

	const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Claude Token Meter');
	// The actions VS Code offers at the diagnostic's range (those of the diagnostics there).
	// The fixes of `d` itself. report.json also names a retired model, whose lifecycle error sits on the same
	// range; the command returns the fixes of every diagnostic there without saying whose, so the lifecycle
	// fix ("Switch model to <successor> — <effect>") is left out by its title.
	const actionsFor = async (uri: vscode.Uri, d: vscode.Diagnostic) =>
		((await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range)) ?? [])
			.filter((a) => d.code === 'model-lifecycle' || !/^Switch model to \S+ — /.test(a.title));

	it('a token-budget warning offers to raise the budget (preferred), never a model switch, and the fix clears it', async () => {
		await setting('budget.maxInputTokens', 20);
		const editor = await openInEditor('report.json');
		const warning = await until(async () => { await api.whenIdle(); return ours(editor.document.uri).find((d) => d.code === 'over-budget'); }, 'a budget warning');
		const actions = await actionsFor(editor.document.uri, warning);
		assert.ok(!actions.some((a) => /Switch model/.test(a.title)), actions.map((a) => a.title).join('; '));
		const raise = actions.find((a) => /^Raise the token budget to [\d,]+/.test(a.title));
		assert.ok(raise?.isPreferred, 'raise the budget, preferred');
		assert.equal(actions.filter((a) => a.isPreferred).length, 1, 'one preferred fix');
		assert.ok(actions.some((a) => /^Open the report/.test(a.title)));
		await vscode.commands.executeCommand(raise.command!.command, ...(raise.command!.arguments ?? []));
		await until(async () => { await api.whenIdle(); return !ours(editor.document.uri).some((d) => d.code === 'over-budget'); }, 'the warning to clear');
	});

	it('a cost-budget warning offers to raise the budget, and the fix writes claudeTokenMeter.budget.maxCost and clears it', async () => {
		// Below any model's price of this request, so no model switch fits it and raising the budget is preferred.
		await setting('budget.maxCost', 1e-9);
		const editor = await openInEditor('report.json');
		const warning = await until(async () => { await api.whenIdle(); return ours(editor.document.uri).find((d) => d.code === 'over-budget'); }, 'a cost-budget warning');
		const actions = await actionsFor(editor.document.uri, warning);
		const raise = actions.find((a) => /^Raise the cost budget to \$[\d.,]+ \(setting claudeTokenMeter\.budget\.maxCost\)$/.test(a.title));
		assert.ok(raise?.isPreferred, actions.map((a) => a.title).join('; '));
		await vscode.commands.executeCommand(raise.command!.command, ...(raise.command!.arguments ?? []));
		const raised = vscode.workspace.getConfiguration('claudeTokenMeter').inspect<number>('budget.maxCost')?.globalValue;
		assert.equal(raised, raise.command!.arguments![1], 'the budget setting holds the raised figure');
		await until(async () => { await api.whenIdle(); return !ours(editor.document.uri).some((d) => d.code === 'over-budget'); }, 'the warning to clear');
		await setting('budget.maxCost', undefined);
	});

	it('a request over the context window gets fixes that fit it, with their effect in the title', async () => {
		const editor = await openInEditor('huge.json');
		const error = await until(async () => { await api.whenIdle(); return ours(editor.document.uri).find((d) => d.code === 'over-context-window'); }, 'the context-window error');
		const actions = await actionsFor(editor.document.uri, error);
		const lower = actions.find((a) => /^Lower max_tokens to [\d,]+ \(input \+ output then fit the 200K window\)$/.test(a.title));
		assert.ok(lower?.isPreferred, actions.map((a) => a.title).join('; '));
		assert.equal(actions.filter((a) => a.isPreferred).length, 1);
		for (const a of actions.filter((x) => /Switch model/.test(x.title))) { assert.match(a.title, /window: fits\)$/); }
		assert.ok(await vscode.workspace.applyEdit(lower.edit!));
		await until(async () => { await api.whenIdle(); return !ours(editor.document.uri).some((d) => d.code === 'over-context-window'); }, 'the error to clear after the fix');
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});
