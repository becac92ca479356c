import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { offlineSuite, openInEditor, until } from './helpers';

/** The lifecycle diagnostic of a document once it names the successor's effect (counted offline, after the first draw). */
async function lifecycleDiagnostic(api: TestApi, uri: vscode.Uri): Promise<vscode.Diagnostic> {
	return until(async () => {
		await api.whenIdle();
		return vscode.languages.getDiagnostics(uri).find((d) => d.code === 'model-lifecycle' && /Switching: /.test(d.message));
	}, 'a lifecycle diagnostic with the effect of switching');
}

async function applySwitch(editor: vscode.TextEditor, d: vscode.Diagnostic): Promise<vscode.CodeAction> {
	const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, d.range);
	const fix = (actions ?? []).find((a) => a.title.startsWith('Switch model to claude-sonnet-5-5 — '));
	assert.ok(fix?.edit, `a switch-to-successor quick fix among ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
	assert.equal(fix.isPreferred, true);
	assert.ok(await vscode.workspace.applyEdit(fix.edit));
	return fix;
}

describe('Model lifecycle lint in a real VS Code', function () {
	this.timeout(60_000);
	const testApi = offlineSuite();

	it('a JSON request naming a retired model: an error with the date, a quick fix that says what the switch does and changes only the model id', async () => {
		const editor = await openInEditor('retired-model.json');
		const before = editor.document.getText();
		const d = await lifecycleDiagnostic(testApi(), editor.document.uri);
		// Sonnet 4.5 retires on 2026-11-30 (pricing table); from that day on requests fail.
		assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
		assert.match(d.message, /^Claude Sonnet 4\.5 is retired: requests to this model fail since 2026-11-30\. Use Claude Sonnet 5\.5 \(claude-sonnet-5-5\) instead\./);
		assert.match(d.message, /Switching: Sonnet 5\.5: ≈[\d,]+ tokens \((\+|−)\d+ %, new tokenizer\), \$[\d.]+ \((\+|−)\d+ %\)\.$/);
		assert.equal(editor.document.getText(d.range), '"claude-sonnet-4-5"');
		const fix = await applySwitch(editor, d);
		assert.match(fix.title, /^Switch model to claude-sonnet-5-5 — Sonnet 5\.5: ≈[\d,]+ tokens \(.*new tokenizer\), \$[\d.]+ \(/);
		assert.equal(editor.document.getText(), before.replace('"claude-sonnet-4-5"', '"claude-sonnet-5-5"'));
		await until(async () => {
			await testApi().whenIdle();
			return !vscode.languages.getDiagnostics(editor.document.uri).some((x) => x.code === 'model-lifecycle');
		}, 'the lifecycle diagnostic to go once the model is current');
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});

	it('an SDK call in TypeScript: the diagnostic sits on the model string literal and the fix keeps its quotes', async () => {
		const editor = await openInEditor('../../../examples/summarize.ts');
		const before = editor.document.getText();
		const d = await lifecycleDiagnostic(testApi(), editor.document.uri);
		assert.equal(editor.document.getText(d.range), "'claude-sonnet-4-5'");
		assert.match(d.message, /requests to this model fail since 2026-11-30/);
		await applySwitch(editor, d);
		assert.equal(editor.document.getText(), before.replace("'claude-sonnet-4-5'", "'claude-sonnet-5-5'"));
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});
