import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { startCountServer, type CountServer } from '../server/countServer';
import { activateExtension, openInEditor, setting, until } from './helpers';

const KEY = 'sk-ant-test-ux-0123456789';

describe('Estimate Request and counting states with a key, in a real VS Code', function () {
	this.timeout(60_000);
	let server: CountServer;
	let api: TestApi;

	before(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		server = await startCountServer();
		await setting('api.baseURL', server.url);
		await setting('countingMode', 'auto');
		api = await activateExtension();
		await vscode.commands.executeCommand('claudeTokenMeter.setApiKey', KEY);
	});

	after(async () => {
		await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
		await setting('api.baseURL', undefined);
		await setting('countingMode', undefined);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await server.close();
	});

	beforeEach(() => server.reset());
	const counts = () => server.requests.filter((r) => r.path === '/v1/messages/count_tokens');

	it('opening the report costs no call beyond the exact total; the exact breakdown says what it costs', async () => {
		const editor = await openInEditor('report.json');
		await api.whenIdle();
		const exact = api.service.get(editor.document.uri.toString())!.sites[0].exact;
		assert.ok(exact, 'the request was counted exactly');
		server.reset();
		const report = await vscode.commands.executeCommand<{ breakdown: { total: number; sections: { tokens: number }[]; overhead: number } }>('claudeTokenMeter.estimateRequest');
		assert.ok(report);
		assert.equal(counts().length, 0, 'the total came from the cache, the sections from the offline tokenizer');
		assert.equal(report.breakdown.total, exact.inputTokens);
		assert.equal(report.breakdown.sections.reduce((n, s) => n + s.tokens, 0) + report.breakdown.overhead, exact.inputTokens);
		const full = await vscode.commands.executeCommand<{ breakdown: { total: number } }>('claudeTokenMeter.estimateRequest', editor.document.uri, undefined, { exactBreakdown: true });
		assert.equal(full.breakdown.total, exact.inputTokens);
		assert.ok(counts().length > 3, `an exact breakdown counts every section (${counts().length} calls)`);
	});

	for (const [status, what] of [[401, 'rejected key'], [529, 'overloaded endpoint']] as const) {
		it(`in auto mode a ${what} (${status}) gives the offline report with a notice, not an error`, async () => {
			const editor = await openInEditor('report.json');
			await api.whenIdle();
			// A text never counted before, so the total is not in the cache.
			await editor.edit((b) => b.insert(editor.document.positionAt(editor.document.getText().indexOf('broken pole') + 6), ` ${status}`));
			server.inject({ status }, 100);
			const report = await vscode.commands.executeCommand<{ breakdown: { total: number } }>('claudeTokenMeter.estimateRequest');
			assert.ok(report && report.breakdown.total > 50, 'an offline report');
			assert.match(api.lastReportNotice() ?? '', /^Offline estimate: /);
			assert.match(api.lastReportNotice() ?? '', status === 401 ? /401/ : /529/);
			server.reset();
			await vscode.commands.executeCommand('workbench.action.files.revert');
		});
	}

	it('during a 429 storm the status bar says it is rate-limited and when the next exact count comes', async () => {
		const editor = await openInEditor('request.json');
		await api.whenIdle();
		server.inject({ status: 429, retryAfter: 8 }, 100);
		const at = editor.document.positionAt(editor.document.getText().indexOf('covering index'));
		await editor.edit((b) => b.insert(at, 'rate '));
		editor.selection = new vscode.Selection(at, at);
		const text = await until(() => (/rate-limited \d+ s/.test(api.statusText()) ? api.statusText() : undefined), 'the rate-limited state', 30_000);
		assert.match(text, /^\$\(clock\) ≈[\d,]+ tok/, 'the offline estimate shows meanwhile');
		server.reset();
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});
