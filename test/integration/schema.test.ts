import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, setting, until, resetState } from './helpers';

const BODY = `{
  "model": "claude-sonnet-5-5",
  "max_tokens": 256,
  "temprature": 0.2,
  "messages": [
    { "role": "user", "content": [{ "type": "txt", "text": "Hello" }] }
  ]
}
`;

async function open(file: string): Promise<vscode.TextEditor> {
	return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)), { preview: false });
}

function jsonProblems(uri: vscode.Uri): string[] {
	return vscode.languages.getDiagnostics(uri).map((d) => d.message);
}

async function hoverText(editor: vscode.TextEditor, needle: string): Promise<string> {
	const position = editor.document.positionAt(editor.document.getText().indexOf(needle) + 2);
	const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position);
	return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

describe('Request JSON schema (generated from the SDK types)', function () {
	this.timeout(60_000);
	let dir: string;

	before(async () => {
		await resetState();
		await setting('countingMode', 'offline');
		await activateExtension();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-schema-'));
	});

	after(async () => {
		await resetState();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('validates *.request.json: an unknown field and an unknown block type are flagged', async () => {
		const file = path.join(dir, 'bad.request.json');
		fs.writeFileSync(file, BODY);
		const editor = await open(file);
		// Line 3 holds the misspelt field, line 5 the block of type "txt".
		const lines = await until(() => {
			const d = vscode.languages.getDiagnostics(editor.document.uri);
			return d.some((x) => x.range.start.line === 3) && d.some((x) => x.range.start.line === 5) ? d : undefined;
		}, 'schema problems on both lines', 30_000);
		assert.ok(lines.some((d) => d.range.start.line === 3 && /temprature/.test(d.message) && /not allowed/.test(d.message)), lines.map((d) => d.message).join(' | '));
		// Hover text comes from the SDK's own documentation of the field.
		assert.match(await hoverText(editor, '"model"'), /The model that will complete your prompt/);
		assert.match(await hoverText(editor, '"max_tokens"'), /maximum number of tokens to generate/i);
	});

	it('completes block types inside content', async () => {
		const file = path.join(dir, 'complete.claude.json');
		fs.writeFileSync(file, '{\n  "model": "claude-sonnet-5-5",\n  "messages": [{ "role": "user", "content": [{ "type": "" }] }]\n}\n');
		const editor = await open(file);
		const position = editor.document.positionAt(editor.document.getText().indexOf('"type": ""') + '"type": "'.length);
		const labels = await until(async () => {
			const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, position);
			const l = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
			return l.includes('image') ? l : undefined;
		}, 'block type completions', 30_000);
		for (const type of ['text', 'image', 'document', 'tool_result', 'tool_use']) {
			assert.ok(labels.includes(type), `${type} in ${labels.join(', ')}`);
		}
	});

	it('claudeTokenMeter.schema.fileMatch adds globs through json.schemas, and emptying it removes them', async () => {
		await setting('schema.fileMatch', ['*.body.json']);
		const entry = await until(() => (vscode.workspace.getConfiguration('json').get<{ fileMatch: string[]; url: string }[]>('schemas') ?? [])
			.find((e) => e.url?.endsWith('/schemas/messages-request.schema.json')), 'our json.schemas entry', 20_000);
		assert.deepEqual(entry.fileMatch, ['*.body.json']);
		const file = path.join(dir, 'custom.body.json');
		fs.writeFileSync(file, BODY);
		const editor = await open(file);
		const problems = await until(() => { const p = jsonProblems(editor.document.uri); return p.length ? p : undefined; }, 'schema problems on the custom glob', 30_000);
		assert.ok(problems.some((m) => /temprature/.test(m)), problems.join(' | '));
		await setting('schema.fileMatch', []);
		await until(() => !(vscode.workspace.getConfiguration('json').get<{ url: string }[]>('schemas') ?? []).some((e) => e.url?.endsWith('/schemas/messages-request.schema.json')), 'our entry removed', 20_000);
	});
});
