import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { lensTitles, offlineSuite, openInEditor, tokensIn, until, workspaceFile } from './helpers';

describe('Requests in code, in a real VS Code', function () {
	this.timeout(40_000);
	const testApi = offlineSuite();

	it('puts a CodeLens on each SDK call in a TypeScript file, with ≥ where a value is only known at run time', async () => {
		const editor = await openInEditor('../../../examples/summarize.ts');
		const titles = await until(async () => {
			await testApi().whenIdle();
			const t = await lensTitles(editor.document.uri);
			return t.length === 2 && t.every((x) => /tokens/.test(x)) ? t : undefined;
		}, 'two lenses in summarize.ts');
		// messages.create(...) has `reportText`, a parameter: counted as at least.
		assert.match(titles[0], /^≥[\d,]+ tokens · ≥\$[\d.]+ .* claude-sonnet-4-5/);
		assert.match(titles[1], /^≈?[\d,]+ tokens · .* claude-haiku-5-5/);
		// The lens sits on the line of the call.
		const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 10);
		const createLine = editor.document.positionAt(editor.document.getText().indexOf('client.messages.create')).line;
		assert.ok(lenses.some((l) => l.range.start.line === createLine), 'a lens on the create() line');
		// The system prompt const and the typed tools array were resolved: the figure covers them.
		const site = testApi().service.siteAt(editor.document.uri.toString(), editor.document.getText().indexOf('max_tokens: 1024'));
		assert.ok(site, 'a site under max_tokens');
		assert.match(JSON.stringify(site.request.body.system), /executive audience/);
		assert.equal((site.request.body.tools as unknown[]).length, 1);
		assert.deepEqual(site.site.unresolved.map((u) => u.text), ['reportText']);
	});

	it('recounts a TypeScript call when a resolved const changes', async () => {
		const editor = await openInEditor('../../../examples/summarize.ts');
		await testApi().whenIdle();
		const before = tokensIn((await lensTitles(editor.document.uri))[1]);
		const at = editor.document.positionAt(editor.document.getText().indexOf('lead with customer impact'));
		await editor.edit((b) => b.insert(at, 'use plain words, '));
		const after = await until(async () => {
			await testApi().whenIdle();
			const t = tokensIn((await lensTitles(editor.document.uri))[1]);
			return t !== before ? t : undefined;
		}, 'the countTokens figure to change with SYSTEM_PROMPT');
		assert.ok(after > before);
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});

	it('puts a CodeLens on a request in a notebook cell, with magics and markdown cells around it', async () => {
		// The built-in ipynb serializer opens the notebook; each code cell is a Python text document of its own.
		const notebook = await vscode.workspace.openNotebookDocument(workspaceFile('../notebooks/classify.ipynb'));
		assert.equal(notebook.notebookType, 'jupyter-notebook');
		await vscode.window.showNotebookDocument(notebook);
		const cell = notebook.cellAt(4);
		assert.equal(cell.document.uri.scheme, 'vscode-notebook-cell');
		assert.equal(cell.document.languageId, 'python');
		const titles = await until(async () => {
			await testApi().whenIdle();
			const t = await lensTitles(cell.document.uri);
			return t.length === 1 ? t : undefined;
		}, 'a lens on the request cell', 30_000);
		// A cell is read alone in the editor: SYSTEM and MODEL come from an earlier cell, so the figure is a lower bound.
		assert.match(titles[0], /^≥[\d,]+ tokens/);
		const site = testApi().service.siteAt(cell.document.uri.toString(), cell.document.getText().indexOf('max_tokens=16'));
		assert.ok(site, 'a site under max_tokens');
		assert.deepEqual(site.site.unresolved.map((u) => u.text).sort(), ['MODEL', 'SYSTEM']);
		// The cell of %pip and !ls lines holds no request and no lens.
		assert.deepEqual(await lensTitles(notebook.cellAt(1).document.uri), []);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('puts a CodeLens on each call in a Python file', async () => {
		const editor = await openInEditor('../../../examples/classify.py');
		const titles = await until(async () => {
			await testApi().whenIdle();
			const t = await lensTitles(editor.document.uri);
			return t.length === 2 && t.every((x) => /tokens/.test(x)) ? t : undefined;
		}, 'two lenses in classify.py');
		assert.match(titles[0], /claude-haiku-5-5/);
		const site = testApi().service.siteAt(editor.document.uri.toString(), editor.document.getText().indexOf('count_tokens('));
		assert.ok(site, 'the count_tokens call is a site');
		assert.match(JSON.stringify(site.request.body), /The settings page gives an error/);
		assert.match(JSON.stringify(site.request.body.system), /classifier for customer emails/);
	});

	for (const [file, call] of [['quiz.go', 'client.Messages.New('], ['Quiz.java', 'client.messages().create(']] as const) {
		it(`puts a CodeLens on each SDK call in ${file} (tree-sitter grammar loaded on first use)`, async () => {
			const editor = await openInEditor(`../../../examples/${file}`);
			const titles = await until(async () => {
				await testApi().whenIdle();
				const t = await lensTitles(editor.document.uri);
				return t.length === 2 && t.every((x) => /tokens/.test(x)) ? t : undefined;
			}, `two lenses in ${file}`);
			assert.match(titles[0], /^≈?[\d,]+ tokens · .*claude-sonnet-4-5/);
			assert.match(titles[1], /^≈?[\d,]+ tokens · .*claude-haiku-4-5/);
			const text = editor.document.getText();
			const site = testApi().service.siteAt(editor.document.uri.toString(), text.indexOf(call) + call.length);
			assert.ok(site, `a site at ${call}`);
			assert.equal(site.site.language, file.endsWith('.go') ? 'go' : 'java');
			assert.equal(testApi().detectionRunsIn(), 'worker', 'documents are read in the detection worker, off the extension host\'s thread');
			assert.match(JSON.stringify(site.request.body.system), /multiple-choice quiz questions/);
			assert.match(JSON.stringify(site.request.body.messages), /water cycle/);
			// The lens sits on the call's line.
			const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 10);
			assert.ok(lenses.some((l) => l.range.start.line === editor.document.positionAt(text.indexOf(call)).line), 'a lens on the call line');
		});
	}

	it('counts a selection of plain text as one user message, on request only', async () => {
		const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'hello, world\nsecond line that is not selected' });
		const editor = await vscode.window.showTextDocument(doc);
		await testApi().whenIdle();
		assert.equal(testApi().service.get(doc.uri.toString()), undefined, 'plain text is not scanned by itself');
		editor.selection = new vscode.Selection(0, 0, 0, 12);
		const message = await vscode.commands.executeCommand<string>('claudeTokenMeter.countSelection');
		// "hello, world" is 10 tokens as one user message on the v5 family (the default model's).
		assert.match(message, /^The selection as one user message on claude-sonnet-5-5: 10 tokens · /);
		assert.match(message, /\(offline\)/);
	});

	it('shows nothing for a file without requests', async () => {
		const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: 'export const add = (a: number, b: number) => a + b;\n' });
		await vscode.window.showTextDocument(doc);
		await testApi().whenIdle();
		assert.deepEqual(await lensTitles(doc.uri), []);
		assert.equal(testApi().service.get(doc.uri.toString())?.sites.length ?? 0, 0);
	});
});
