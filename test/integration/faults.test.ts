import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { CountServer, Fault } from '../server/countServer';
import { apiSuite, clearStoredKey, lensTitles, until } from './helpers';

const KEY = 'sk-ant-faults-integration-5d0c7b29e1';

/**
 * Faults of the counting endpoint in the real VS Code: the CodeLens and the status bar keep the offline
 * figure with a warning, no figure is made of a bad answer, a retry-after of an hour is not waited for, the
 * server is not flooded, the site is counted once the server recovers, and the key reaches no log.
 * The key comes from the environment (claudeTokenMeter.api.useEnvironmentKey), as a user may set it.
 */
describe('Endpoint faults in a real VS Code', function () {
	this.timeout(60_000);
	const suite = apiSuite({ countDelay: 0, validKeys: [KEY], environmentKey: KEY });
	let server: CountServer;
	let api: TestApi;
	let dir: string;
	let n = 0;

	before(() => {
		({ api, server } = suite());
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-faults-'));
	});

	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	const counts = () => suite().counts();

	/**
	 * Opens a request nobody counted before (so no cache answers), with `faults` queued for it. First no key
	 * stored, so the environment's key is the one used; clearing it is a key change, which also ends a
	 * retry-after pause an earlier test's 429s left (the 429 test's pause would otherwise hold for the hour).
	 */
	async function openWithFaults(faults: Fault[]): Promise<{ editor: vscode.TextEditor; opened: number }> {
		await clearStoredKey(suite());
		await until(async () => { await api.whenIdle(); return true; }, 'idle before the fault');
		server.reset();
		for (const f of faults) { server.inject(f); }
		const file = path.join(dir, `fault-${++n}.json`);
		fs.writeFileSync(file, JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: `Fault probe number ${n}: explain covering indexes.` }] }, null, 2));
		const opened = Date.now();
		const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file), { preview: false });
		return { editor, opened };
	}

	const warningWithFigure = async (editor: vscode.TextEditor) => until(async () => {
		const t = (await lensTitles(editor.document.uri))[0];
		return t && /^\$\(warning\) [\d,]+ tokens/.test(t) ? t : undefined;
	}, 'the offline figure with a warning', 20_000);

	it('a 200 with input_tokens -5: not shown as a figure; counted exactly once the server recovers', async () => {
		const { editor } = await openWithFaults(Array(2).fill({ body: '{"input_tokens": -5}' }));
		const title = await warningWithFigure(editor);
		assert.ok(/^\$\(warning\) [1-9][\d,]* tokens/.test(title), `a positive offline figure, not the answer's -5: ${title}`);
		const state = api.service.get(editor.document.uri.toString())!.sites[0];
		assert.match(state.error!.message, /input_tokens = -5, not a whole number ≥ 0/);
		// The store retries transient failures by itself: the next answer is good, and it is shown.
		const exact = await until(async () => {
			const t = (await lensTitles(editor.document.uri))[0];
			return t && /^[\d,]+ tokens/.test(t) && !/offline|warning/.test(t) ? t : undefined;
		}, 'the exact figure after recovery', 30_000);
		assert.match(exact, /claude-sonnet-4-5/);
		assert.equal(counts().length, 3, 'two bad answers, then the good one');
	});

	it('a dropped connection: warning with the offline figure, recovery by itself, the key in no log', async () => {
		const { editor } = await openWithFaults(Array(2).fill({ drop: true }));
		await warningWithFigure(editor);
		const state = api.service.get(editor.document.uri.toString())!.sites[0];
		assert.equal(state.error?.kind, 'network');
		await until(async () => {
			const t = (await lensTitles(editor.document.uri))[0];
			return t && /^[\d,]+ tokens/.test(t) && !/offline|warning/.test(t);
		}, 'the exact figure after recovery', 30_000);
		assert.ok(counts().every((r) => r.keyEquals(KEY)), 'the environment key was sent');
		const entries = await vscode.workspace.fs.readDirectory(api.logUri).then((e) => e, () => []);
		let text = '';
		for (const [name] of entries.filter(([f]) => f.endsWith('.log'))) {
			text += new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(api.logUri, name)));
		}
		assert.match(text, /Could not reach the counting endpoint|Count failed/);
		assert.ok(!text.includes(KEY), 'the key is not in the log');
	});
	// The endpoint's hour-long pause then holds for every later count in this window, as it should, until
	// the next test's key change ends it.
	it('429 with retry-after 3600: the offline figure at once, rate-limited for the hour and why, one request, no spinner', async () => {
		const { editor, opened } = await openWithFaults(Array(5).fill({ status: 429, retryAfter: 3600 }));
		// The wait is capped, not slept through: the offline figure shows at once, marked rate-limited.
		const title = await until(async () => {
			const t = (await lensTitles(editor.document.uri))[0];
			return t && /rate-limited/.test(t) ? t : undefined;
		}, 'the rate-limited CodeLens', 20_000);
		assert.ok(Date.now() - opened < 20_000);
		assert.match(title, /^\$\(clock\) ≈?[\d,]+ tokens · .*claude-sonnet-4-5 \(offline\) · rate-limited$/);
		const state = api.service.get(editor.document.uri.toString())!.sites[0];
		assert.equal(state.status, 'error');
		assert.match(state.error!.message, /asked to wait 1 h \(retry-after\), longer than the 60 s/);
		// The same state in the status bar, with the time left: the endpoint's hour, not the capped retry timer.
		editor.selection = new vscode.Selection(editor.document.positionAt(20), editor.document.positionAt(20));
		const status = await until(() => (/rate-limited/.test(api.statusText()) ? api.statusText() : undefined), 'the rate-limited status bar', 10_000);
		assert.match(status, /^\$\(clock\) ≈?[\d,]+ tok · .*\(offline\) · rate-limited (1 h|60 min|59 min)$/);
		// The tooltips say why and until when.
		const lens = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 100))
			.find((l) => l.command?.command.startsWith('claudeTokenMeter.'))!;
		assert.match(lens.command!.tooltip ?? '', /asked to wait 1 h \(retry-after\), longer than the 60 s/);
		assert.match(lens.command!.tooltip ?? '', /State: rate-limited: next exact count in (1 h|60 min|59 min) \(the offline estimate shows meanwhile\)/);
		// The Markdown source, its escapes removed (document- and server-derived text is escaped).
		const tooltip = (api.statusTooltip()?.markdown ?? '').replace(/\\(.)/g, '$1');
		assert.match(tooltip, /asked to wait 1 h \(retry-after\), longer than the 60 s/);
		assert.match(tooltip, /rate-limited: next exact count in (1 h|60 min|59 min)/);
		assert.equal(counts().length, 1, 'one request, then none while the wait lasts');
	});
});
