// Proves the suite runs inside a real VS Code with the fixture workspace open; nothing here is about the
// extension itself.
import * as assert from 'assert';
import * as vscode from 'vscode';

describe('integration harness', () => {
	it('runs inside VS Code 1.100 or newer', () => {
		const [major, minor] = vscode.version.split('.').map(Number);
		assert.ok(major > 1 || (major === 1 && minor >= 100), `VS Code ${vscode.version}`);
	});

	it('opens the fixture workspace folder', () => {
		const folders = vscode.workspace.workspaceFolders ?? [];
		assert.strictEqual(folders.length, 1, 'exactly one workspace folder');
		assert.strictEqual(folders[0].uri.path.split('/').pop(), 'workspace');
	});

	it('opens and closes a JSON editor', async () => {
		const doc = await vscode.workspace.openTextDocument({ language: 'json', content: '{"model": "x"}' });
		const editor = await vscode.window.showTextDocument(doc);
		assert.strictEqual(editor.document.languageId, 'json');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
