// The first-run walkthrough in the real VS Code: it lists its steps, and its "Open Example Request" button
// opens a request that is counted at once.
import * as assert from 'node:assert/strict';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

export const checks: UiCheck[] = [
	{
		name: 'walkthrough: steps listed, the example request opens and is counted',
		options: { settings: { 'claudeTokenMeter.countingMode': 'offline' }, width: 1400, height: 900 },
		async run(wb) {
			// Activate the extension first (a walkthrough's commands activate it too, but the check is quicker).
			await wb.openFile('request.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens (extension active)');
			await wb.runCommand('Welcome: Open Walkthrough...');
			await wb.page.keyboard.type('Claude Token Meter');
			const pick = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Claude Token Meter' }).first();
			await pick.waitFor({ state: 'visible', timeout: 20_000 });
			await wb.page.keyboard.press('Enter');
			const page = wb.page.locator('.gettingStartedContainer');
			await page.locator('text=Get Started with Claude Token Meter').first().waitFor({ state: 'visible', timeout: 20_000 });
			const text = (await page.innerText()).replace(/\s+/g, ' ');
			for (const step of ['Stay offline or set an API key', 'Open an example request', 'See the CodeLens, status bar and hovers', 'Open the report', 'Set budgets']) {
				assert.ok(text.includes(step), `step "${step}" in: ${text.slice(0, 400)}`);
			}
			await wb.screenshot('walkthrough');
			await page.locator('text=Open an example request').first().click();
			const button = page.locator('.button-link, a.monaco-button, .monaco-button', { hasText: 'Open Example Request' }).first();
			await button.waitFor({ state: 'visible', timeout: 10_000 });
			await button.click();
			await wb.page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ state: 'visible', timeout: 20_000 });
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /[\d,]+ tokens · .*claude-sonnet-5-5/.test(t)), 'the example request counted', 30_000);
		},
	},
];
