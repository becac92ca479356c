// DOM checks in the real (offline) VS Code workbench: what a person sees in the status bar and CodeLens.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCountServer } from '../server/countServer';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor, waitForFrameText } from '../vscode/uiCheck';

const FIGURE = /[\d,]+ tok · <?\$[\d.]+ · [\d.]+% of 200K/;

export const checks: UiCheck[] = [
	{
		name: 'status bar and CodeLens show the offline count of a JSON request with no key',
		options: { settings: { 'claudeTokenMeter.countingMode': 'auto' } },
		async run({ openFile, statusBarTexts, codeLensTexts, page }) {
			await openFile('request.json');
			await waitFor(async () => (await codeLensTexts()).some((t) => /tokens/.test(t)), 'a CodeLens with a token figure');
			const lenses = await codeLensTexts();
			assert.match(lenses.join('\n'), /[\d,]+ tokens · <?\$[\d.]+ · [\d.]+% of 200K · claude-sonnet-4-5 \(offline\)/);
			// Put the cursor inside the request: the status bar shows that request's figure.
			await page.keyboard.press('Control+End');
			await page.keyboard.press('ArrowUp');
			await page.keyboard.press('ArrowUp');
			await page.keyboard.press('ArrowUp');
			// The figure is read in the same poll that finds it: a re-render between two reads cannot lose it.
			let item: string | undefined;
			await waitFor(async () => (item = (await statusBarTexts()).find((t) => FIGURE.test(t))) !== undefined, 'the status bar figure');
			assert.match(item!, /\(offline\)/);
		},
	},
	{
		name: 'with a key, the status bar shows the exact count from the counting endpoint and its tooltip',
		async run(wb) {
			const server = await startCountServer();
			try {
				await configure(wb, server.url);
				await wb.openFile('several.json');
				let seen: string[] = [];
				await waitFor(async () => {
					seen = await wb.codeLensTexts();
					return seen.filter((t) => /tokens/.test(t) && !/offline/.test(t)).length === 3;
				}, 'three exact CodeLenses', 20_000).catch((err) => {
					throw new Error(`${(err as Error).message}; lenses: ${JSON.stringify(seen)}; calls: ${server.requests.length}`);
				});
				// Find puts the cursor inside the second request.
				await wb.page.keyboard.press('Control+f');
				await wb.page.keyboard.type('Name three');
				await wb.page.keyboard.press('Enter');
				await wb.page.keyboard.press('Escape');
				await waitFor(async () => (await wb.statusBarTexts()).some((t) => FIGURE.test(t) && !/offline/.test(t)), 'an exact status bar figure', 20_000);
				const tooltip = await wb.statusBarHover(FIGURE);
				assert.match(tooltip, /exact · count_tokens API/);
				assert.match(tooltip, /≈ estimate by the offline tokenizer\. ≥ lower bound/, 'the tooltip carries the legend');
				assert.match(tooltip, /claude-sonnet-4-5/);
				assert.ok(server.requests.length >= 3, `the server was asked (${server.requests.length} calls)`);
				assert.ok(server.requests.every((r) => r.keyEquals(KEY)));
				const shot = await wb.screenshot('status-bar-and-codelens');
				assert.ok(fs.statSync(shot).size > 10_000);
			} finally {
				await server.close();
			}
		},
		options: { env: { ANTHROPIC_API_KEY: 'sk-ant-ui-check-0123456789' } },
	},
	{
		name: 'a web_search tool: count_tokens gets the rest, the CodeLens says "exact + ≈N for web_search"',
		async run(wb) {
			const server = await startCountServer();
			try {
				await configure(wb, server.url);
				await wb.openFile('web-search.json');
				const PARTIAL = /≈[\d,]+ tokens \(exact \+ ≈[\d,]+ for web_search\)/;
				let seen: string[] = [];
				await waitFor(async () => {
					seen = await wb.codeLensTexts();
					return seen.some((t) => PARTIAL.test(t) && !/offline/.test(t));
				}, 'a CodeLens with the exact part and the estimate', 20_000).catch((err) => {
					throw new Error(`${(err as Error).message}; lenses: ${JSON.stringify(seen)}; calls: ${server.requests.length}`);
				});
				// What reached the endpoint holds the client tool only.
				const sent = server.requests.map((r) => r.body as { tools?: Array<{ name: string }> }).filter((b) => b?.tools);
				assert.ok(sent.length > 0 && sent.every((b) => b.tools!.map((t) => t.name).join() === 'get_weather'), JSON.stringify(sent));
				await wb.page.keyboard.press('Control+f');
				await wb.page.keyboard.type('raining');
				await wb.page.keyboard.press('Enter');
				await wb.page.keyboard.press('Escape');
				await waitFor(async () => (await wb.statusBarTexts()).some((t) => /for web_search/.test(t)), 'the status bar figure', 20_000);
				const tooltip = await wb.statusBarHover(/for web_search/);
				assert.match(tooltip, /count_tokens does not take it/);
				const shot = await wb.screenshot('web-search-partial-count');
				assert.ok(fs.statSync(shot).size > 10_000);
			} finally {
				await server.close();
			}
		},
		options: { env: { ANTHROPIC_API_KEY: 'sk-ant-ui-check-0123456789' } },
	},
];

const KEY = 'sk-ant-ui-check-0123456789';

/**
 * Points the running extension at the local server through the settings file, as a user would. The
 * workbench is remote (the extension host runs in the server), so machine-scoped settings live in the
 * server's Machine settings rather than the User settings.
 */
async function configure(wb: Parameters<UiCheck['run']>[0], url: string): Promise<void> {
	const dir = path.join(wb.server.tmp, 'user-data', 'Machine');
	fs.mkdirSync(dir, { recursive: true });
	const settingsFile = path.join(dir, 'settings.json');
	const current = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown> : {};
	current['claudeTokenMeter.api.baseURL'] = url;
	current['claudeTokenMeter.api.useEnvironmentKey'] = true;
	fs.writeFileSync(settingsFile, JSON.stringify(current, null, 2));
}

checks.push(
	{
		name: 'the Estimate Request report renders in a webview',
		options: { settings: { 'claudeTokenMeter.countingMode': 'offline' }, width: 1500, height: 950 },
		async run(wb) {
			await wb.openFile('report.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens');
			await wb.runCommand('Claude Token Meter: Estimate Request');
			// The report lives in the webview's nested iframe.
			const text = await waitForFrameText(wb.page, /Where the tokens go/, 'the report page');
			assert.match(text, /input tokens on claude-sonnet-4-5/);
			assert.match(text, /Cost on each model/);
			assert.match(text, /Prompt caching/);
			assert.match(text, /lookup_order/);
			assert.match(text, /Fixed frame/);
			await waitFor(async () => !(await wb.page.locator('.notifications-toasts').innerText().catch(() => '')).includes('estimating'), 'the progress notification to close', 30_000);
			await new Promise((r) => setTimeout(r, 1500));
			const shot = await wb.screenshot('estimate-report');
			assert.ok(fs.statSync(shot).size > 20_000);
		},
	},
);

checks.push({
	name: 'README screenshot: a TypeScript file from examples/ with its CodeLenses and status bar',
	options: { workspace: path.resolve(__dirname, '../../../examples'), settings: { 'claudeTokenMeter.countingMode': 'offline', 'editor.minimap.enabled': false }, width: 1400, height: 820 },
	async run(wb) {
		await wb.openFile('summarize.ts');
		await waitFor(async () => (await wb.codeLensTexts()).filter((t) => /tokens/.test(t)).length === 2, 'two CodeLenses');
		await wb.page.keyboard.press('Control+f');
		await wb.page.keyboard.type('Summarise the incident below');
		await wb.page.keyboard.press('Enter');
		await wb.page.keyboard.press('Escape');
		await waitFor(async () => (await wb.statusBarTexts()).some((t) => /≥[\d,]+ tok/.test(t)), 'the status bar figure of the create() call');
		await wb.statusBarHover(/≥[\d,]+ tok/);
		await new Promise((r) => setTimeout(r, 800));
		const shot = await wb.screenshot('readme');
		assert.ok(fs.statSync(shot).size > 20_000);
	},
});

checks.push({
	name: 'a retry-after of an hour: the CodeLens and status bar keep the offline figure, marked rate-limited, and say why',
	options: { env: { ANTHROPIC_API_KEY: KEY }, settings: { 'claudeTokenMeter.api.countDelay': 0 } },
	async run(wb) {
		const server = await startCountServer();
		try {
			server.inject({ status: 429, retryAfter: 3600 }, 20);
			await configure(wb, server.url);
			await wb.openFile('errors.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t) && /\(offline\) · rate-limited/.test(t) && !/Counting/.test(t)), 'the offline, rate-limited CodeLens', 30_000);
			await wb.page.keyboard.press('Control+f');
			await wb.page.keyboard.type('database engineers');
			await wb.page.keyboard.press('Enter');
			await wb.page.keyboard.press('Escape');
			// The request's item ("N tok · $… · …"), not the selection's ("N tok selected"): the find selects text.
			const warned = /[\d,]+ tok · /;
			await waitFor(async () => {
				const counts = server.requests.filter((r) => r.path === '/v1/messages/count_tokens').length;
				return counts >= 1 && (await wb.statusBarTexts()).some((t) => warned.test(t));
			}, 'the status bar figure after the 429', 30_000);
			// The endpoint's hour, not the capped retry timer, is the time left.
			assert.ok((await wb.statusBarTexts()).some((t) => warned.test(t) && /\(offline\) · rate-limited (1 h|60 min|59 min)/.test(t)), 'the status bar says rate-limited for the hour');
			const tooltip = await wb.statusBarHover(warned);
			assert.match(tooltip, /asked to wait 1 h \(retry-after\), longer than the 60 s/);
			assert.match(tooltip, /next exact count in (1 h|60 min|59 min)/);
			const shot = await wb.screenshot('retry-after-hour');
			assert.ok(fs.statSync(shot).size > 10_000);
			assert.equal(server.requests.filter((r) => r.path === '/v1/messages/count_tokens').length, 1, 'one request in the hour');
		} finally {
			await server.close();
		}
	},
});
