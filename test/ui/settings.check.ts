// DOM checks of the settings and the model picker as a person meets them in the real VS Code.
import * as assert from 'node:assert/strict';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

export const checks: UiCheck[] = [
	{
		name: 'Select Default Model lists the current default first, marked and focused',
		options: { settings: { 'claudeTokenMeter.countingMode': 'offline', 'claudeTokenMeter.defaultModel': 'claude-haiku-4-5' } },
		async run(wb) {
			await wb.openFile('request.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens (extension active)');
			await wb.runCommand('Claude Token Meter: Select Default Model');
			const rows = wb.page.locator('.quick-input-list .monaco-list-row');
			await rows.first().waitFor({ state: 'visible' });
			const first = ((await rows.first().textContent()) ?? '').replace(/\s+/g, ' ');
			assert.match(first, /claude-haiku-4-5/);
			assert.match(first, /current default/);
			assert.equal(await rows.first().locator('.codicon-check').count(), 1, 'a check mark on the current model');
			const focused = ((await wb.page.locator('.quick-input-list .monaco-list-row.focused').first().textContent()) ?? '');
			assert.match(focused, /claude-haiku-4-5/, 'the current model is the focused row');
			await wb.screenshot('select-default-model');
			await wb.page.keyboard.press('Escape');
		},
	},
	{
		name: 'the Settings editor shows our settings in order with readable labels',
		options: { settings: { 'claudeTokenMeter.countingMode': 'offline' }, height: 1400 },
		async run(wb) {
			await wb.openFile('request.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens (extension active)');
			await wb.runCommand('Preferences: Open User Settings');
			const search = wb.page.locator('.settings-editor .settings-header .monaco-editor').first();
			await search.waitFor({ state: 'visible', timeout: 20_000 });
			await search.click();
			await wb.page.keyboard.type('@ext:claude-token-meter.claude-token-meter');
			let labels: string[] = [];
			let previous = '';
			await waitFor(async () => {
				// The tree reuses its row elements: order them by where they are drawn.
				labels = await wb.page.$$eval('.settings-editor .settings-tree-container .monaco-list-row', (rows) => rows
					.map((row) => ({ top: row.getBoundingClientRect().top, label: (row.querySelector('.setting-item-label')?.textContent ?? '').trim() }))
					.filter((r) => r.label)
					.sort((a, b) => a.top - b.top)
					.map((r) => r.label));
				// The filter applies a moment after typing: until then the Commonly Used list (Auto Save, …) shows.
				// The rows are drawn over several frames: the order is read once two polls in a row agree.
				const drawn = labels.join('\n');
				const settled = drawn === previous;
				previous = drawn;
				return settled && labels.includes('Counting Mode') && !labels.includes('Auto Save');
			}, 'our settings in the Settings editor', 20_000).catch(async (err) => {
				await wb.screenshot('settings-editor');
				throw new Error(`${(err as Error).message}; labels: ${labels.join(' | ')}`);
			});
			assert.deepEqual(labels.slice(0, 3), ['Enable', 'Counting Mode', 'Default Model'], labels.join(' | '));
			assert.ok(labels.includes('Count Delay'), labels.join(' | '));
			assert.ok(!labels.some((l) => /\b(Ms|Usd)\b/.test(l)), labels.join(' | '));
			// The endpoint settings live under the Remote tab here; the User tab says where they are.
			const text = await wb.page.locator('.settings-editor .settings-body').innerText();
			assert.match(text, /endpoint settings \(.*Base URL.*\) are under the Remote tab/s);
			await wb.screenshot('settings-editor');
		},
	},
];
