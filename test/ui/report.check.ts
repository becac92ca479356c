// DOM check in the real (offline) VS Code: the Estimate Request report in a split-width panel (the report
// beside its request in a 1,100 px window) fits its panel: no table, the caching table included, is wider
// than the page, so no column ("Break-even") is cut off.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor, waitForFrameText } from '../vscode/uiCheck';

export const checks: UiCheck[] = [
	{
		name: 'the report fits a split-width panel: the caching table and every other table within the page',
		options: { settings: { 'claudeTokenMeter.countingMode': 'offline', 'editor.minimap.enabled': false }, width: 1100, height: 800 },
		async run(wb) {
			await wb.openFile('report.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'the CodeLens');
			await wb.runCommand('Claude Token Meter: Estimate Request');
			await waitForFrameText(wb.page, /Prompt caching/, 'the report page');
			// Measured once the report is final (the progress notification closes with the last render).
			await waitFor(async () => !(await wb.page.locator('.notifications-toasts').innerText().catch(() => '')).includes('estimating'), 'the progress notification to close', 30_000);
			await new Promise((r) => setTimeout(r, 1000));
			let measured: { page: number; tables: { heading: string; width: number }[] } | undefined;
			await waitFor(async () => {
				for (const frame of wb.page.frames()) {
					const m = await frame.evaluate(() => {
						if (!document.body?.innerText.includes('Prompt caching')) { return undefined; }
						const page = document.documentElement.clientWidth;
						const tables = Array.from(document.querySelectorAll('table')).map((t) => ({
							heading: t.closest('section')?.querySelector('h2')?.textContent ?? '',
							width: Math.ceil(t.getBoundingClientRect().right),
						}));
						return { page, tables };
					}).catch(() => undefined);
					if (m) { measured = m; return true; }
				}
				return false;
			}, 'the report frame');
			const shot = await wb.screenshot('report-split-width');
			assert.ok(fs.statSync(shot).size > 10_000);
			const { page, tables } = measured!;
			assert.ok(page > 300 && page < 620, `a split-width panel (${page} px)`);
			assert.ok(tables.some((t) => /caching/i.test(t.heading)), 'the caching table is there');
			for (const t of tables) {
				assert.ok(t.width <= page, `"${t.heading}" table ends at ${t.width} px, inside the ${page} px page`);
			}
		},
	},
];
