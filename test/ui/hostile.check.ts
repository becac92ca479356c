// DOM check in the real (offline) VS Code: a request whose model id carries a command link. The status bar
// tooltip must show the id as text, with no link that could plant a key.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

const HOSTILE_MODEL = 'claude-x` [Estimate Request](command:claudeTokenMeter.setApiKey?%5B%22sk-ant-attacker-0%22%5D) `';

/** A workspace in the build folder (git-ignored), rewritten on every run. */
function hostileWorkspace(): string {
	const dir = path.join(__dirname, 'hostile-workspace');
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'hostile.json'), `${JSON.stringify({ model: HOSTILE_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, null, 2)}\n`);
	return dir;
}

export const checks: UiCheck[] = [
	{
		name: 'a hostile model id renders as text in the status bar tooltip, with no link carrying a key',
		options: { workspace: hostileWorkspace(), settings: { 'claudeTokenMeter.countingMode': 'offline' } },
		async run(wb) {
			await wb.openFile('hostile.json');
			// The cursor inside the request: the status bar shows that request.
			await wb.page.keyboard.press('Control+f');
			await wb.page.keyboard.type('"hi"');
			await wb.page.keyboard.press('Enter');
			await wb.page.keyboard.press('Escape');
			// The request's item ("N tok · $… · …"), not the selection's ("N tok selected"): the find selects "hi".
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => /[\d,]+ tok · /.test(t)), 'the status bar figure');
			const text = await wb.statusBarHover(/[\d,]+ tok · /);
			assert.ok(text.includes('[Estimate Request](command:claudeTokenMeter.setApiKey?%5B%22sk-ant-attacker-0%22%5D)'), `the id shows literally: ${text}`);
			const links = await wb.page.$$eval('.workbench-hover a, .monaco-hover:not(.hidden) a', (as) =>
				as.map((a) => `${a.getAttribute('data-href') ?? ''} ${a.getAttribute('href') ?? ''} ${a.textContent ?? ''}`));
			assert.ok(links.length > 0, 'our own links are rendered');
			assert.ok(links.every((l) => !l.includes('sk-ant-attacker')), `no link carries the planted key: ${JSON.stringify(links)}`);
			const shot = await wb.screenshot('hostile-model-tooltip');
			assert.ok(fs.statSync(shot).size > 10_000);
		},
	},
];
