// DOM check of the model lifecycle lint: the Problems-style squiggle on a retired model id and its quick fix
// menu, whose title says what the switch does to this request; with a screenshot of the open menu.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

export const checks: UiCheck[] = [{
	name: 'lifecycle: a retired model id gets an error and a quick fix naming the successor\'s tokens and cost',
	options: { settings: { 'claudeTokenMeter.countingMode': 'offline', 'editor.minimap.enabled': false }, width: 1300, height: 760 },
	async run(wb) {
		await wb.openFile('retired-model.json');
		await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens');
		// Put the cursor on the model id and open the quick fixes (Ctrl+.).
		await wb.page.keyboard.press('Control+f');
		await wb.page.keyboard.type('claude-sonnet-4-5');
		await wb.page.keyboard.press('Enter');
		await wb.page.keyboard.press('Escape');
		await waitFor(async () => (await wb.page.locator('.squiggly-error').count()) > 0, 'the error squiggle on the model id');
		// The effect of the switch is counted offline after the first draw: wait for it in the menu.
		let menu = '';
		await waitFor(async () => {
			await wb.page.keyboard.press('Escape');
			await wb.page.keyboard.press('Control+.');
			await new Promise((r) => setTimeout(r, 600));
			menu = (await wb.page.locator('.action-widget').allInnerTexts().catch(() => [] as string[])).join('\n');
			return /Switch model to claude-sonnet-5-5 — Sonnet 5\.5: ≈[\d,]+ tokens/.test(menu);
		}, 'the quick fix menu with the effect of switching', 30_000);
		assert.match(menu, /Switch model to claude-sonnet-5-5 — Sonnet 5\.5: ≈[\d,]+ tokens \((\+|−)\d+ %, new tokenizer\), \$[\d.]+ \((\+|−)\d+ %\)/);
		const shot = await wb.screenshot('lifecycle-quick-fix');
		assert.ok(fs.statSync(shot).size > 20_000);
	},
}];
