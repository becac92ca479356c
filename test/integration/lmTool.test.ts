import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { offlineSuite, workspaceFile } from './helpers';

const TOOL = 'claude-token-meter_countTokens';

async function invoke(input: object): Promise<string> {
	const result = await vscode.lm.invokeTool(TOOL, { input, toolInvocationToken: undefined });
	return result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

describe('Language model tool', function () {
	this.timeout(60_000);

	offlineSuite();

	it('is registered for chat agents with its input schema', () => {
		const tool = vscode.lm.tools.find((t) => t.name === TOOL);
		assert.ok(tool, `tools: ${vscode.lm.tools.map((t) => t.name).join(', ')}`);
		assert.ok((tool.inputSchema as { properties: object }).properties);
	});

	it('counts the requests of a file, and the one at a line, through the same core as the CodeLens', async () => {
		const all = await invoke({ file: 'several.json' });
		assert.match(all, /^3 request\(s\) in several\.json:/);
		assert.equal(all.split('\n').filter((l) => /^- line \d+, claude-[\w-]+: ≈?[\d,]+ input tokens · /.test(l)).length, 3, all);
		const doc = await vscode.workspace.openTextDocument(workspaceFile('several.json'));
		const second = doc.getText().indexOf('Name three');
		const one = await invoke({ file: 'several.json', line: doc.positionAt(second).line + 1 });
		assert.match(one, /^1 request\(s\) in several\.json:/);
	});

	it('counts a text on a model offline, and says what is wrong with bad input', async () => {
		assert.match(await invoke({ text: 'Hello there, Claude.', model: 'claude-haiku-4-5' }), /one user message on claude-haiku-4-5: [\d,]+ input tokens, <?\$[\d.]+ \(offline estimate\)/);
		assert.match(await invoke({}), /Give either "file"/);
		assert.match(await invoke({ file: 'does-not-exist.json' }), /Could not open does-not-exist\.json/);
		assert.match(await invoke({ file: 'README.md' }), /No Claude request found in README\.md/);
	});
});
