import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { CountServer } from '../server/countServer';
import { apiSuite, clearStoredKey, lensTitles, openInEditor, storeKey, tokensIn, until } from './helpers';

const KEY = 'sk-ant-test-integration-0123456789';

describe('Counting in a real VS Code', function () {
	this.timeout(30_000);
	const suite = apiSuite({ countDelay: 300 });
	let server: CountServer;
	let api: TestApi;
	before(() => ({ api, server } = suite()));
	/** count_tokens calls only (the Models API is read too once a key is set). */
	const counts = () => suite().counts();
	/** For a test that counts exactly: the key stored, whichever tests ran before it (or none). */
	async function withKey(): Promise<void> {
		if (!api.hasApiKey()) {
			await storeKey(suite(), KEY);
		}
	}

	it('shows offline figures with no key set, and sends nothing', async () => {
		await clearStoredKey(suite());
		const editor = await openInEditor('request.json');
		const titles = await until(async () => {
			await api.whenIdle();
			const t = await lensTitles(editor.document.uri);
			return t.length === 1 && /tokens/.test(t[0]) ? t : undefined;
		}, 'an offline CodeLens');
		assert.match(titles[0], /\(offline\)/);
		assert.match(titles[0], /claude-sonnet-4-5/);
		assert.match(titles[0], /\$\d/);
		assert.ok(tokensIn(titles[0]) > 10);
		assert.equal(counts().length, 0, 'no call without a key');
	});

	it('stores the key through the command and counts exactly through the SDK', async () => {
		// No key yet, no other editor, and no exact figure of this text left from an earlier test: Recount All
		// Requests drops the cached figures (it counts offline, with no key).
		await clearStoredKey(suite());
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		const editor = await openInEditor('request.json');
		await api.whenIdle();
		await vscode.commands.executeCommand('claudeTokenMeter.recount');
		await api.whenIdle();
		server.reset();
		await api.testing!.storeApiKey(KEY);
		const titles = await until(async () => {
			await api.whenIdle();
			const t = await lensTitles(editor.document.uri);
			return t.length === 1 && !/offline|Counting/.test(t[0]) ? t : undefined;
		}, 'an exact CodeLens');
		assert.equal(counts().length, 1, 'one count_tokens call');
		const req = counts()[0];
		assert.equal(req.path, '/v1/messages/count_tokens');
		assert.ok(req.keyEquals(KEY), 'the server received the stored key');
		assert.ok(req.authScheme === 'bearer' || req.authScheme === 'x-api-key');
		assert.ok(req.headers['anthropic-version'], 'anthropic-version header sent');
		const body = req.body as { model: string; max_tokens?: number; messages: unknown[] };
		assert.equal(body.model, 'claude-sonnet-4-5');
		assert.equal(body.max_tokens, undefined, 'max_tokens is not sent to count_tokens');
		// The key never shows in settings.
		const inspected = JSON.stringify(vscode.workspace.getConfiguration('claudeTokenMeter'));
		assert.ok(!inspected.includes(KEY));
		assert.match(titles[0], /[\d,]+ tokens · \$[\d.]+ · [\d.]+% of 200K · claude-sonnet-4-5/);
		// With a key, context windows are read from the Models API, with the same key.
		const models = await until(() => server.requests.find((r) => r.path.startsWith('/v1/models')), 'a Models API call');
		assert.ok(models.keyEquals(KEY));
	});

	it('recounts an edited request after the debounce with exactly one new call', async () => {
		await withKey();
		const editor = await openInEditor('request.json');
		const before = tokensIn(await until(async () => {
			await api.whenIdle();
			const t = (await lensTitles(editor.document.uri))[0];
			return t && !/offline|Counting/.test(t) ? t : undefined;
		}, 'the exact figure before the edit'));
		const calls = counts().length;
		const text = editor.document.getText();
		const at = editor.document.positionAt(text.indexOf('covering index') + 'covering index'.length);
		await editor.edit((b) => b.insert(at, ', when it helps, and how it differs from a clustered index in PostgreSQL and MySQL'));
		const after = await until(async () => {
			await api.whenIdle();
			const t = (await lensTitles(editor.document.uri))[0];
			return t && !/offline|Counting/.test(t) && tokensIn(t) !== before ? tokensIn(t) : undefined;
		}, 'the figure to change');
		assert.ok(after > before, `figure grew from ${before} to ${after}`);
		assert.equal(counts().length - calls, 1, 'exactly one call for the settled edit');
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});

	it('makes one call for a burst of keystrokes, and none for undo back to a counted text', async () => {
		await withKey();
		const editor = await openInEditor('burst.json');
		const original = await until(async () => {
			await api.whenIdle();
			const t = (await lensTitles(editor.document.uri))[0];
			return t && !/offline|Counting|sync~spin/.test(t) ? t : undefined;
		}, 'the exact figure before the burst');
		server.reset();
		const text = editor.document.getText();
		let offset = text.indexOf('covering index') + 'covering index'.length;
		for (const ch of ' in SQL') {
			await editor.edit((b) => b.insert(editor.document.positionAt(offset), ch));
			offset += ch.length;
			await new Promise((r) => setTimeout(r, 40));
		}
		await api.whenIdle();
		assert.equal(counts().length, 1, `one call after the burst, got ${counts().length}: ${JSON.stringify(counts().map((r) => [r.time, JSON.stringify(r.body).slice(-80)]))}`);
		const edited = (await lensTitles(editor.document.uri))[0];
		assert.notEqual(edited, original);
		// Undo every keystroke: the original text was counted before, so the cache answers.
		for (let i = 0; i < 7; i++) {
			await vscode.commands.executeCommand('undo');
		}
		await until(async () => editor.document.getText() === text, 'undo to restore the text');
		await api.whenIdle();
		assert.equal((await lensTitles(editor.document.uri))[0], original);
		assert.equal(counts().length, 1, `undo costs no call: ${JSON.stringify(counts().map((r) => [r.time, JSON.stringify(r.body).slice(-90)]))}`);
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});

	it('gives every request in a file its own lens', async () => {
		const editor = await openInEditor('several.json');
		const titles = await until(async () => {
			await api.whenIdle();
			const t = await lensTitles(editor.document.uri);
			return t.length === 3 && t.every((x) => /tokens/.test(x) && !/Counting/.test(x)) ? t : undefined;
		}, 'three lenses');
		assert.match(titles[0], /claude-haiku-4-5/);
		assert.match(titles[1], /claude-sonnet-4-5/);
		assert.match(titles[2], /claude-opus-4-5/);
	});

	it('shows the status bar figure for the request under the cursor', async () => {
		// Exact figures: an offline one would read "≈…".
		await withKey();
		const editor = await openInEditor('several.json');
		await api.whenIdle();
		const second = editor.document.getText().indexOf('Name three');
		editor.selection = new vscode.Selection(editor.document.positionAt(second), editor.document.positionAt(second));
		const text = await until(() => (/^\$\(symbol-numeric\) [\d,]+ tok · \$[\d.]+ · [\d.]+% of 200K$/.test(api.statusText()) ? api.statusText() : undefined), 'the figure of the request under the cursor');
		assert.ok(!/requests/.test(text), 'the site figure, not the file total');
		// Outside every request the item shows the file total.
		editor.selection = new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(0, 0));
		await until(() => /3 requests · [\d,]+ tok · \$[\d.]+$/.test(api.statusText()), 'the file total');
	});

	it('never writes the key to the log, even when the endpoint rejects it', async () => {
		await withKey();
		const editor = await openInEditor('errors.json');
		await api.whenIdle();
		server.inject({ status: 401, message: `invalid x-api-key ${KEY}` }, 3);
		const at = editor.document.positionAt(editor.document.getText().indexOf('database engineers'));
		await editor.edit((b) => b.insert(at, 'senior '));
		await until(async () => {
			await api.whenIdle();
			return /\$\(warning\)/.test((await lensTitles(editor.document.uri))[0] ?? '');
		}, 'the auth error state');
		await vscode.commands.executeCommand('workbench.action.files.revert');
		// The log channel's file lives in the extension's log folder.
		const files = await until(async () => {
			const entries = await vscode.workspace.fs.readDirectory(api.logUri).then((e) => e, () => []);
			const logs = entries.filter(([name]) => name.endsWith('.log'));
			return logs.length ? logs : undefined;
		}, 'the extension log file');
		let text = '';
		for (const [name] of files) {
			text += new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(api.logUri, name)));
		}
		assert.match(text, /API key stored in secret storage/, 'the log was written');
		assert.match(text, /rejected \(401\)/, 'the failure was logged');
		assert.ok(!text.includes(KEY), 'the key is not in the log');
	});

	it('keeps the offline figure and reports the error when the endpoint fails', async () => {
		await withKey();
		const editor = await openInEditor('errors.json');
		await api.whenIdle();
		server.inject({ status: 500 }, 5);
		const text = editor.document.getText();
		const at = editor.document.positionAt(text.indexOf('database engineers') + 'database engineers'.length);
		await editor.edit((b) => b.insert(at, ' and SREs'));
		const title = await until(async () => {
			await api.whenIdle();
			const t = (await lensTitles(editor.document.uri))[0];
			return t && /\$\(warning\)/.test(t) ? t : undefined;
		}, 'the error state');
		assert.match(title, /tokens/, 'the offline figure stays visible');
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});
