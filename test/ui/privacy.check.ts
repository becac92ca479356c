// DOM checks in the real (offline) VS Code, on privacy: a folder opened untrusted (Restricted Mode) sends
// nothing to the counting endpoint although a key is stored (asserted on the local count server's request
// log), until the user trusts it; and the Estimate Request report shows a document's markup as text
// (system prompt, tool name, model id holding an <img onerror>, a </script> and a javascript: link) under a
// CSP that runs no inline script, with the key nowhere in the page.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { startCountServer } from '../server/countServer';
import type { UiCheck } from '../vscode/uiChecks';
import { type Workbench, waitFor } from '../vscode/uiCheck';

const KEY = 'sk-ant-ui-privacy-4f1c2a9d7e3b';
// Each would mark the page's body if it ran: the check reads that mark.
const IMG = '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">';
const SCRIPT = '</script><script>document.body.setAttribute(\'data-pwned\',\'script\')</script>';
const LINK = '<a href="javascript:document.body.setAttribute(\'data-pwned\',\'link\')">click me</a>';
const MODEL = `claude-x${IMG}`;
const TOOL = `lookup${SCRIPT}`;
const SYSTEM = `You are terse. ${IMG} ${SCRIPT} ${LINK}`;

/** A workspace in the build folder (git-ignored), rewritten on every run. */
function privacyWorkspace(): string {
	const dir = path.join(__dirname, 'privacy-workspace');
	fs.mkdirSync(dir, { recursive: true });
	const body = {
		model: MODEL,
		max_tokens: 100,
		system: SYSTEM,
		tools: [{ name: TOOL, description: `Looks things up. ${LINK}`, input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
		messages: [{ role: 'user', content: `Look up the weather. ${IMG}` }],
	};
	fs.writeFileSync(path.join(dir, 'hostile-report.json'), `${JSON.stringify(body, null, 2)}\n`);
	fs.writeFileSync(path.join(dir, 'request.json'), `${JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'A secret prompt that must stay on this machine.' }] }, null, 2)}\n`);
	return dir;
}

/** The endpoint through the server's Machine settings, as counting.check.ts does (no environment key). */
function pointAt(wb: Workbench, url: string): void {
	const dir = path.join(wb.server.tmp, 'user-data', 'Machine');
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ 'claudeTokenMeter.api.baseURL': url }, null, 2));
}

/** Types the key into Set API Key's password box, as a user does; waits for the confirmation. */
async function setKeyThroughUi(wb: Workbench): Promise<void> {
	await wb.runCommand('Claude Token Meter: Set API Key');
	const box = wb.page.locator('.quick-input-widget input[type="password"]');
	await box.waitFor({ state: 'visible', timeout: 15_000 });
	await box.fill(KEY);
	await wb.page.keyboard.press('Enter');
	await waitFor(async () => (await wb.page.locator('.notifications-toasts').innerText().catch(() => '')).includes('API key saved'), 'the "API key saved" notification', 15_000);
}

/** The webview frame whose page shows the report. */
async function reportFrame(wb: Workbench): Promise<Frame> {
	let found: Frame | undefined;
	await waitFor(async () => {
		for (const frame of wb.page.frames()) {
			const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
			if (/Where the tokens go/.test(text)) { found = frame; return true; }
		}
		return false;
	}, 'the report page', 30_000);
	return found!;
}

/** Opens a file through Quick Open; a failure names the file and leaves a screenshot. */
async function opened(wb: Workbench, name: string): Promise<void> {
	try {
		await wb.openFile(name);
	} catch (err) {
		const shot = await wb.screenshot(`privacy-open-${name}-failed`).catch(() => '');
		throw new Error(`opening ${name}: ${(err as Error).message.split('\n')[0]} (screenshot ${shot})`);
	}
}

/** Every *.log file under a folder, concatenated. */
function logText(dir: string): string {
	let text = '';
	for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
		const file = path.join(dir, entry);
		if (entry.endsWith('.log') && fs.statSync(file).isFile()) { text += fs.readFileSync(file, 'utf8'); }
	}
	return text;
}

export const checks: UiCheck[] = [
	{
		name: 'an untrusted folder sends nothing to the counting endpoint with a key stored; the report shows markup as text under a strict CSP',
		options: { untrusted: true, workspace: privacyWorkspace(), settings: { 'claudeTokenMeter.countingMode': 'auto', 'claudeTokenMeter.api.countDelay': 0 }, timeoutMs: 180_000 },
		async run(wb) {
			const server = await startCountServer({ validKeys: [KEY] });
			try {
				await waitFor(async () => (await wb.statusBarTexts()).includes('Restricted Mode'), 'the Restricted Mode indicator');
				pointAt(wb, server.url);
				await opened(wb, 'request.json');
				await waitFor(async () => (await wb.codeLensTexts()).some((t) => /[\d,]+ tokens .*\(offline\)/.test(t)), 'the offline CodeLens of request.json', 30_000);
				// The key goes in with the request open: a key change recounts every open request.
				await setKeyThroughUi(wb);

				// Everything that counts: open requests (CodeLens, status bar, hovers), the report, Count Selection.
				await waitFor(async () => (await wb.codeLensTexts()).some((t) => /[\d,]+ tokens .*\(offline\)/.test(t)), 'the offline CodeLens of request.json after the key change', 30_000);
				await wb.page.keyboard.press('Control+f');
				await wb.page.keyboard.type('secret prompt');
				await wb.page.keyboard.press('Enter');
				await wb.page.keyboard.press('Escape');
				await waitFor(async () => (await wb.statusBarTexts()).some((t) => /[\d,]+ tok · .*\(offline\)/.test(t)), 'the offline status bar figure');
				await wb.runCommand('Claude Token Meter: Count Selection as One User Message');
				await waitFor(async () => /tokens .*\(offline\)/.test(await wb.page.locator('.notifications-toasts').innerText().catch(() => '')), 'the offline Count Selection answer', 15_000);

				await opened(wb, 'hostile-report.json');
				await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens of the hostile request', 30_000);
				await wb.runCommand('Claude Token Meter: Estimate Request');
				const frame = await reportFrame(wb);
				// Give anything planted the time to run.
				await new Promise((r) => setTimeout(r, 1_500));
				const page = await frame.evaluate(() => ({
					text: document.body.innerText,
					html: document.documentElement.outerHTML,
					pwned: document.body.getAttribute('data-pwned'),
					imgs: document.querySelectorAll('img').length,
					links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? ''),
					handlers: Array.from(document.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).map((a) => a.name)).filter((n) => n.startsWith('on')),
					scripts: Array.from(document.querySelectorAll('script')).map((s) => ({ src: s.getAttribute('src') ?? '', nonce: s.nonce !== '' || s.hasAttribute('nonce'), inline: s.textContent ?? '' })),
					csp: Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]')).map((m) => m.getAttribute('content') ?? ''),
				}));
				assert.equal(page.pwned, null, `planted markup ran: ${page.pwned}`);
				assert.equal(page.imgs, 0, 'no <img> element from the document');
				assert.deepEqual(page.links.filter((h) => /^\s*javascript:/i.test(h)), [], 'no javascript: link');
				assert.deepEqual(page.handlers, [], 'no event-handler attribute');
				assert.ok(!page.scripts.some((s) => s.inline.includes('data-pwned')), 'no script element from the document');
				// Shown as text: the user still sees what the document holds.
				assert.ok(page.text.includes(`on ${MODEL}`), 'the model id as text');
				assert.ok(page.text.includes(TOOL), 'the tool name as text');
				// The report lists the system prompt by its size, without a preview; a message shows its start.
				assert.ok(page.text.includes('Look up the weather. <img src=x onerror='), `the message preview as text: ${page.text.slice(0, 1500)}`);
				// The report's own CSP: scripts by nonce only, nothing inline.
				const ours = page.csp.find((c) => /script-src 'nonce-/.test(c));
				assert.ok(ours, `the report's CSP among ${JSON.stringify(page.csp)}`);
				assert.match(ours, /default-src 'none'/);
				assert.match(ours, /script-src 'nonce-[A-Za-z0-9+/=]+';/);
				assert.ok(!/unsafe-inline|unsafe-eval/.test(ours), ours);
				assert.ok(page.scripts.filter((s) => s.src.endsWith('report.js')).every((s) => s.nonce), 'our script carries the nonce');
				assert.ok(!page.html.includes(KEY), 'the key is not in the webview');
				assert.match(page.text, /offline estimate/);
				const shot = await wb.screenshot('privacy-untrusted-report');
				assert.ok(fs.statSync(shot).size > 10_000);

				// A debounced or retried call would have gone out by now.
				await new Promise((r) => setTimeout(r, 2_000));
				assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path}`), [], 'the count server received nothing');
				assert.ok(!logText(wb.server.tmp).includes(KEY), 'the key is in no log file');

				// Control: the same profile, key and endpoint do send once the user trusts the folder.
				await wb.runCommand('Workspaces: Manage Workspace Trust');
				const trust = wb.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
				await trust.waitFor({ state: 'visible', timeout: 15_000 });
				await trust.click();
				await waitFor(async () => !(await wb.statusBarTexts()).includes('Restricted Mode'), 'Restricted Mode to end');
				// Back to the request's tab (the Workspace Trust editor covers it).
				await wb.page.locator('.tabs-container .tab', { hasText: /^request\.json/ }).first().click();
				await waitFor(async () => (await wb.codeLensTexts()).some((t) => /[\d,]+ tokens/.test(t) && !/offline/.test(t)), 'the exact CodeLens once the folder is trusted', 30_000);
				assert.ok(server.requests.some((r) => r.path === '/v1/messages/count_tokens'), 'a count once the folder is trusted');
				assert.ok(server.requests.filter((r) => r.path === '/v1/messages/count_tokens').every((r) => r.keyEquals(KEY)), 'the stored key was sent');
			} finally {
				await server.close();
			}
		},
	},
];
