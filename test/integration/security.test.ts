// Hostile documents and workspaces against the real VS Code: a file must never be able to plant a key,
// redirect the key to its own server, or make the editor send a batch file line by line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { startCountServer, type CountServer } from '../server/countServer';
import { apiSuite, clearStoredKey, lensTitles, openInEditor, setting, storeKey, until, workspaceFile } from './helpers';

const KEY = 'sk-ant-test-security-0123456789';
const ATTACKER_KEY = 'sk-ant-attacker-0';
const HOSTILE_MODEL = 'claude-x` [Estimate Request](command:claudeTokenMeter.setApiKey?%5B%22sk-ant-attacker-0%22%5D) `';

/** Every `command:` link target in a Markdown source. */
function commandLinks(markdown: string): string[] {
	return [...markdown.matchAll(/(?<!\\)\]\((command:[^)\s]*)\)/g)].map((m) => m[1]);
}

function hoverMarkdown(hovers: vscode.Hover[] | undefined): string {
	return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

describe('Hostile files and workspaces in a real VS Code', function () {
	this.timeout(60_000);
	const suite = apiSuite({ countDelay: 200 });
	let server: CountServer;
	let api: TestApi;
	before(() => ({ api, server } = suite()));
	const counts = () => suite().counts();

	it('a model id with a command link shows as text: no link in the status bar tooltip or the hover', async () => {
		const doc = await vscode.workspace.openTextDocument({
			language: 'json',
			content: JSON.stringify({ model: HOSTILE_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, null, 2),
		});
		const editor = await vscode.window.showTextDocument(doc);
		const inside = doc.getText().indexOf('"hi"');
		editor.selection = new vscode.Selection(doc.positionAt(inside), doc.positionAt(inside));
		const tooltip = await until(() => {
			const t = api.statusTooltip();
			return t && t.markdown.includes('sk-ant-attacker-0') ? t : undefined;
		}, 'the tooltip of the hostile request');
		for (const link of commandLinks(tooltip.markdown)) {
			assert.ok(!link.includes('?'), `only our own argument-free links, got ${link}`);
			assert.ok(tooltip.enabledCommands.includes(link.slice('command:'.length)), `${link} is an enabled command`);
		}
		assert.ok(!commandLinks(tooltip.markdown).some((l) => l.includes('sk-ant')), 'no link carries a key');
		// The "no price" card of the model hover interpolated the raw id too.
		const modelAt = doc.positionAt(doc.getText().indexOf('claude-x') + 2);
		const hover = hoverMarkdown(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, modelAt));
		assert.match(hover, /no price/);
		assert.ok(!commandLinks(hover).some((l) => l.includes('setApiKey')), `no Set API Key link in the hover: ${hover}`);
		await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
	});

	it('Set API Key ignores a key passed as an argument and asks instead', async () => {
		await clearStoredKey(suite());
		const pending = vscode.commands.executeCommand<boolean>('claudeTokenMeter.setApiKey', ATTACKER_KEY);
		// The password box is open; dismissing it stores nothing.
		await new Promise((r) => setTimeout(r, 500));
		await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
		assert.equal(await pending, false);
		assert.equal(api.hasApiKey(), false, 'the key passed as an argument was not stored');
	});

	it('opening a batch file with a key set sends nothing: its lines are counted offline', async () => {
		await api.testing!.storeApiKey(KEY);
		await until(() => api.hasApiKey(), 'the key');
		await api.whenIdle();
		server.reset();
		const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ custom_id: `t${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: `Classify ticket ${i}: my parcel is late.` }] } }));
		const doc = await vscode.workspace.openTextDocument({ language: 'jsonl', content: lines.join('\n') });
		await vscode.window.showTextDocument(doc);
		const titles = await until(async () => {
			await api.whenIdle();
			const t = await lensTitles(doc.uri);
			return t.length === 41 && t.every((x) => /tokens/.test(x)) ? t : undefined;
		}, 'a batch total and 40 line lenses');
		assert.ok(titles.slice(1).every((t) => /\(offline\)/.test(t)), 'every line shows its offline figure');
		// Give a debounced call every chance to go out before looking.
		await new Promise((r) => setTimeout(r, 1_000));
		await api.whenIdle();
		assert.equal(counts().length, 0, `no count_tokens call for the batch file, got ${counts().length}`);
		await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
		await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
	});

	it('one key change is one recount and one Models API read; a failure right after it is retried', async () => {
		// Long enough that the faults below are queued before the count goes out, even on a loaded machine.
		await setting('api.countDelay', 4_000);
		try {
			// No key before: storing one is the key change counted here.
			await clearStoredKey(suite());
			const editor = await openInEditor('request.json');
			await until(async () => { await api.whenIdle(); return /tokens/.test((await lensTitles(editor.document.uri))[0] ?? ''); }, 'the offline figure');
			server.reset();
			await api.testing!.storeApiKey(KEY);
			// The Models API is read at once; the count waits for the debounce (4 s). Fail that count, and the
			// rate limiter's retry of it (0.5 s later), as an overloaded API does.
			await until(() => server.requests.some((r) => r.path.startsWith('/v1/models')), 'the Models API read');
			assert.equal(counts().length, 0, 'the count waits for its debounce');
			server.inject({ status: 529 }, 2);
			await until(() => counts().length >= 2, 'the failed count and the rate limiter\'s retry of it', 20_000);
			// The site is now in error with its offline figure; the store retries it 5 s later by itself.
			const failedAt = Date.now();
			const title = await until(async () => {
				const t = (await lensTitles(editor.document.uri))[0];
				return t && !/offline|Counting|warning|sync~spin|clock/.test(t) ? t : undefined;
			}, 'the exact figure from the store\'s retry, without any edit', 20_000);
			assert.match(title, /[\d,]+ tokens · \$/);
			assert.ok(Date.now() - failedAt < 15_000, 'retried after its 5 s, not at the next edit');
			assert.equal(server.requests.filter((r) => r.path.startsWith('/v1/models')).length, 1, 'one Models API read per key change');
			assert.equal(counts().length, 3, 'the failed call, the rate limiter\'s retry and the store\'s retry: one recount');
		} finally {
			await setting('api.countDelay', 200);
			await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
			await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		}
	});

	it('a key change ends the previous key\'s retry-after pause: the new key counts at once', async () => {
		const OTHER = 'sk-ant-test-security-other-98765';
		try {
			// Its Models API read done first: arriving after the faults below, it would take the first 429 itself.
			await storeKey(suite(), KEY);
			server.reset();
			// The first key's account is rate limited for an hour.
			server.inject({ status: 429, retryAfter: 3600 }, 5);
			const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'Rate limited for an hour, then a new key.' }] }, null, 2) });
			await vscode.window.showTextDocument(doc);
			await until(async () => /rate-limited/.test((await lensTitles(doc.uri))[0] ?? ''), 'the rate-limited figure', 20_000);
			assert.equal(counts().length, 1);
			server.reset();
			await api.testing!.storeApiKey(OTHER);
			const title = await until(async () => {
				const t = (await lensTitles(doc.uri))[0];
				return t && !/offline|Counting|warning|sync~spin|clock/.test(t) ? t : undefined;
			}, 'the exact figure with the new key', 15_000);
			assert.match(title, /[\d,]+ tokens · \$/);
			assert.ok(counts().length >= 1 && counts().every((r) => r.keyEquals(OTHER)), 'counted with the new key');
		} finally {
			await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
			await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
		}
	});

	describe('a workspace that sets its own endpoint', () => {
		let evil: CountServer;
		const settingsDir = () => path.dirname(workspaceFile('.vscode/settings.json').fsPath);
		before(async () => {
			evil = await startCountServer();
			fs.mkdirSync(settingsDir(), { recursive: true });
			// routing.haikuBelow is an ordinary setting: seeing it tells that VS Code has read the file.
			fs.writeFileSync(path.join(settingsDir(), 'settings.json'), JSON.stringify({
				'claudeTokenMeter.api.baseURL': evil.url,
				'claudeTokenMeter.bedrock.endpoint': evil.url,
				'claudeTokenMeter.routing.haikuBelow': 1234,
			}, null, 2));
			await until(() => vscode.workspace.getConfiguration('claudeTokenMeter').inspect('routing.haikuBelow')?.workspaceValue === 1234, 'the workspace settings to load');
		});
		after(async () => {
			fs.rmSync(settingsDir(), { recursive: true, force: true });
			await until(() => vscode.workspace.getConfiguration('claudeTokenMeter').inspect('routing.haikuBelow')?.workspaceValue === undefined, 'the workspace settings to go');
			await evil.close();
		});

		it('never receives the key or the document: the endpoint comes from user settings only', async () => {
			await api.testing!.storeApiKey(KEY);
			try {
				const editor = await openInEditor('several.json');
				await until(async () => {
					await api.whenIdle();
					const t = await lensTitles(editor.document.uri);
					return t.length === 3 && t.every((x) => /tokens/.test(x) && !/offline|Counting/.test(x));
				}, 'three exact figures from the user-configured server', 30_000);
				assert.ok(counts().length >= 1, 'the user-configured server counted');
				assert.equal(evil.requests.length, 0, `the workspace's server received ${evil.requests.length} requests`);
			} finally {
				await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
				await vscode.commands.executeCommand('workbench.action.closeAllEditors');
			}
		});
	});
});
