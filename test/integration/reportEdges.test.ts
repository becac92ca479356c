// The report's rough edges (issue 12 item 12) in a real VS Code: Export as Markdown opens beside the report
// under a sane name, Copy Trimmed Request keeps the source's key order and indentation, and Recount All
// Requests says what it did.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { offlineSuite, openInEditor, until } from './helpers';

/** An overlong conversation in an unusual layout: messages first, tab indentation, max_tokens last. */
function overlong(): string {
	const messages = Array.from({ length: 7 }, (_, i) => ({
		role: i % 2 === 0 ? 'user' : 'assistant',
		content: `Turn ${i + 1}. ${'The keeper logs the weather at dawn and trims the wick at dusk. '.repeat(2600)}`,
	}));
	return JSON.stringify({ messages, model: 'claude-haiku-4-5', max_tokens: 64000 }, null, '\t');
}

function reportTab(): { tab: vscode.Tab; group: vscode.TabGroup } | undefined {
	for (const group of vscode.window.tabGroups.all) {
		const tab = group.tabs.find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('claudeTokenMeter.report'));
		if (tab) { return { tab, group }; }
	}
	return undefined;
}

describe('Report rough edges in a real VS Code', function () {
	this.timeout(60_000);
	const testApi = offlineSuite();

	it('Export as Markdown opens a document named after the request beside the report, and reuses it', async () => {
		await openInEditor('report.json');
		await testApi().whenIdle();
		assert.ok(await vscode.commands.executeCommand('claudeTokenMeter.estimateRequest'), 'a report');
		// The workbench tells the extension host about tabs asynchronously.
		await until(() => reportTab(), 'the report tab', 10_000);
		const doc = await vscode.commands.executeCommand<vscode.TextDocument>('claudeTokenMeter.exportReport');
		assert.ok(doc, 'the export returns its document');
		assert.equal(doc.uri.scheme, 'untitled');
		assert.match(doc.uri.path, /(^|\/)report cost report\.md$/);
		assert.equal(doc.languageId, 'markdown');
		assert.match(doc.getText(), /^# /);
		const shown = vscode.window.visibleTextEditors.find((e) => e.document === doc);
		assert.ok(shown, 'the Markdown is visible');
		const after = await until(() => { const r = reportTab(); return r?.tab.isActive ? r : undefined; }, 'the report still the visible tab of its group', 10_000);
		assert.notEqual(shown.viewColumn, after.group.viewColumn, 'the Markdown opened beside the report, not over it');
		const again = await vscode.commands.executeCommand<vscode.TextDocument>('claudeTokenMeter.exportReport');
		assert.equal(again.uri.toString(), doc.uri.toString(), 'a second export reuses the document');
		assert.equal(vscode.workspace.textDocuments.filter((d) => /cost report\.md$/.test(d.uri.path)).length, 1);
		await until(() => reportTab()?.tab.isActive, 'the report still in view after the second export', 10_000);
		await vscode.window.showTextDocument(doc);
		await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
	});

	it('Copy Trimmed Request keeps the source\'s key order and indentation, without the dropped turns', async () => {
		const source = overlong();
		const doc = await vscode.workspace.openTextDocument({ language: 'json', content: source });
		await vscode.window.showTextDocument(doc);
		await testApi().whenIdle();
		const report = await vscode.commands.executeCommand<{ contextFit: { fits: boolean; droppedMessages?: number } }>('claudeTokenMeter.estimateRequest', doc.uri);
		assert.ok(report && !report.contextFit.fits, 'the request does not fit');
		const dropped = report.contextFit.droppedMessages ?? 0;
		assert.ok(dropped > 0 && dropped < 7, `some oldest messages are dropped (${dropped})`);
		const copied = await vscode.commands.executeCommand<string>('claudeTokenMeter.copyTrimmedRequest');
		assert.ok(copied, 'the command returns what it copied');
		// The same keys in the same order, and the same lines: only the dropped messages are gone.
		assert.match(copied, /^\{\n\t"messages": \[\n\t\t\{\n\t\t\t"role": "(user|assistant)",/);
		assert.ok(copied.indexOf('"messages"') < copied.indexOf('"model"') && copied.indexOf('"model"') < copied.indexOf('"max_tokens"'), 'source key order');
		const lines = new Set(source.split('\n'));
		assert.ok(copied.split('\n').every((l) => lines.has(l)), 'every line as in the source');
		const parsed = JSON.parse(copied) as { messages: { content: string }[]; max_tokens: number };
		assert.equal(parsed.messages.length, 7 - dropped);
		assert.match(parsed.messages[0].content, new RegExp(`^Turn ${dropped + 1}\\. `));
		assert.equal(parsed.max_tokens, 64000);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('Recount All Requests says what it recounted', async () => {
		await openInEditor('several.json');
		await testApi().whenIdle();
		const n = testApi().service.get(vscode.window.activeTextEditor!.document.uri.toString())!.sites.length;
		const message = await vscode.commands.executeCommand<string>('claudeTokenMeter.recount');
		assert.match(message, /^recounted [\d,]+ requests? in [\d,]+ open files?: [\d,]+ offline estimates?\.$/);
		const recounted = Number(/^recounted ([\d,]+)/.exec(message)![1].replace(/,/g, ''));
		assert.ok(recounted >= n, `${recounted} ≥ the ${n} requests of several.json`);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
