import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, lensTitles, offlineSuite, openInEditor, setting, until } from './helpers';

function hoverText(hovers: vscode.Hover[] | undefined): string {
	return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

async function hoverAt(editor: vscode.TextEditor, needle: string, delta = 2): Promise<string> {
	const offset = editor.document.getText().indexOf(needle) + delta;
	assert.ok(offset >= delta, `"${needle}" is in the document`);
	const position = editor.document.positionAt(offset);
	return hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position));
}

describe('Cost surfaces in a real VS Code', function () {
	this.timeout(40_000);
	const api = offlineSuite();

	it('hovering model shows the rate card and this request\'s cost', async () => {
		const editor = await openInEditor('report.json');
		await api().whenIdle();
		const text = await hoverAt(editor, '"claude-sonnet-4-5"');
		assert.match(text, /Claude Sonnet 4\.5/);
		assert.match(text, /Input \| \$3(\.00)?/);
		assert.match(text, /Cache write 5 m \| \$3\.75/);
		assert.match(text, /Cache read \| \$0\.30/);
		// With the figure's own mark (≈ offline estimate, ≥ lower bound), first, before the rate card.
		const mark = /^([≈≥]?)[\d,]+ tokens/.exec((await lensTitles(editor.document.uri))[0] ?? '')?.[1] ?? '';
		assert.match(text, new RegExp(`This request: \\*\\*${mark}[\\d,]+ tokens → \\$[\\d.]+\\*\\*`));
		assert.ok(text.indexOf('This request:') < text.indexOf('| Input |'), 'this request\'s cost before the rate card');
	});

	it('hovering max_tokens shows the worst case of the whole call', async () => {
		const editor = await openInEditor('report.json');
		await api().whenIdle();
		const text = await hoverAt(editor, '2048', 1);
		assert.match(text, /Worst case for this call: \$[\d.]+/);
		// 2,048 output tokens at $15/MTok alone are $0.0307.
		assert.match(text, /output up to 2,048 tokens → \$0\.031/);
	});

	it('hovering a message shows its tokens and share of the request', async () => {
		const editor = await openInEditor('report.json');
		await api().whenIdle();
		const text = await hoverAt(editor, 'It is NW-104233', 3);
		assert.match(text, /\*\*[\d,.≈]+ tokens\*\*, [\d.]+% of the request/);
	});

	it('reports a request that cannot fit the context window as an error, with a quick fix', async () => {
		const editor = await openInEditor('huge.json');
		const diagnostics = await until(async () => {
			await api().whenIdle();
			const d = vscode.languages.getDiagnostics(editor.document.uri).filter((x) => x.source === 'Claude Token Meter');
			return d.length ? d : undefined;
		}, 'a context-window diagnostic');
		assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
		assert.match(diagnostics[0].message, /does not fit Claude Haiku 4\.5's 200K context window/);
		const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, diagnostics[0].range);
		const fix = (actions ?? []).find((a) => /Switch model to/.test(a.title));
		assert.ok(fix, 'a switch-model quick fix');
		assert.ok(fix.edit, 'the quick fix edits the model');
		// 199,990 is also above Haiku 4.5's maximum output: the API would reject the call.
		const limit = diagnostics.find((d) => d.code === 'max-tokens-over-model-limit');
		assert.ok(limit, 'a max_tokens diagnostic');
		assert.match(limit.message, /max_tokens 199,990 is above Claude Haiku 4\.5's maximum output of 64,000/);
		const setMax = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, limit.range))
			.find((a) => /^Set max_tokens to 64,000 \(the model's maximum\)$/.test(a.title));
		assert.ok(setMax?.edit, 'a quick fix lowering max_tokens');
	});

	it('warns when a request is over the token budget', async () => {
		await setting('budget.maxInputTokens', 20);
		const editor = await openInEditor('report.json');
		const warning = await until(async () => {
			await api().whenIdle();
			return vscode.languages.getDiagnostics(editor.document.uri).find((x) => x.source === 'Claude Token Meter' && x.severity === vscode.DiagnosticSeverity.Warning);
		}, 'a budget warning');
		assert.match(warning.message, /over budget: [≈≥]?[\d,]+ input tokens > budget 20/);
		await setting('budget.maxInputTokens', undefined);
		await until(async () => vscode.languages.getDiagnostics(editor.document.uri).every((x) => x.severity !== vscode.DiagnosticSeverity.Warning), 'the warning to clear');
	});

	it('"Estimate Request" opens the report in a webview, and its sections add up to the total', async () => {
		const editor = await openInEditor('report.json');
		await api().whenIdle();
		const at = editor.document.getText().indexOf('broken pole');
		editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at));
		await vscode.commands.executeCommand('claudeTokenMeter.estimateRequest');
		const report = await until(() => api().lastReport(), 'the report');
		const tab = await until(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
			.find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('claudeTokenMeter.report')), 'the report tab');
		assert.match(tab.label, /Estimate/);
		const b = report.breakdown;
		const sum = b.sections.reduce((n, s) => n + s.tokens, 0) + b.overhead;
		assert.equal(sum, b.total, 'sections + frame overhead = total');
		assert.deepEqual(b.sections.map((s) => s.kind), ['system', 'tool', 'message', 'message', 'message']);
		assert.ok(report.models.length >= 3, 'cost on several models');
		assert.equal(report.cache.breakpoints.length, 1, 'the system prompt\'s cache_control breakpoint');
		assert.equal(report.tools.tools[0].name, 'lookup_order');
	});
});

describe('Estimate Batch File in a real VS Code', function () {
	this.timeout(30_000);
	it('streams a JSONL file and totals it at the batch price, reporting malformed lines', async () => {
		await setting('countingMode', 'offline');
		const api = await activateExtension();
		const uri = (await openInEditor('batch.jsonl')).document.uri;
		// The file's total sits on its first line, at the standard and the batch price.
		const titles = await until(async () => {
			await api.whenIdle();
			const t = await lensTitles(uri);
			return t.length === 5 ? t : undefined;
		}, 'a total lens and one lens per request');
		assert.match(titles[0], /^\$\(layers\) 4 requests · [\d,]+ tokens · \$[\d.]+ \(\$[\d.]+ as a batch\)/);
		const estimate = await vscode.commands.executeCommand<{ requests: number }>('claudeTokenMeter.estimateBatchFile', uri);
		assert.ok(estimate, 'an estimate');
		const e = api.lastBatchEstimate()!;
		assert.equal(e.requests, 4);
		assert.equal(e.malformed.count, 1);
		assert.deepEqual(e.malformed.lines, [5]);
		assert.equal(e.models.length, 1);
		assert.equal(e.models[0].model, 'claude-haiku-4-5');
		assert.ok(e.inputTokens > 40);
		// Haiku 4.5 input is $1/MTok, halved in a batch.
		assert.ok(Math.abs(e.inputCostUsd - (e.inputTokens * 0.5) / 1e6) < 1e-12);
		// The results show in one rendered view, reused on the next run; no untitled document asks to be saved.
		assert.equal(api.batchViewTitle(), 'Batch estimate: batch.jsonl');
		assert.ok(!vscode.workspace.textDocuments.some((d) => d.isUntitled && d.getText().startsWith('# Batch estimate')));
		await vscode.commands.executeCommand('claudeTokenMeter.estimateBatchFile', uri);
		assert.equal(api.batchViewTitle(), 'Batch estimate: batch.jsonl', 'the same view shows the second run');
		// The malformed line is squiggled in the editor and the file's lens says it was skipped.
		assert.match(titles[0], /· 1 line skipped$/);
		const problems = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Claude Token Meter');
		assert.equal(problems.length, 1);
		assert.equal(problems[0].range.start.line, 4);
		assert.match(problems[0].message, /not valid JSON/);
		await setting('countingMode', undefined);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
