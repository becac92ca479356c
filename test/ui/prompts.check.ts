// DOM checks in the real (offline) VS Code: prompt files and the selection in the status bar, and the
// Claude Code Context view on the fixture workspace, with screenshots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

const PROMPT_FIGURE = /^[\d,]+ tok · \$[\d.]+ · [\d.]+% of 1M$/;

export const checks: UiCheck[] = [
	{
		name: 'a Markdown prompt shows its count on opening; its hover breaks it down; a selection shows its tokens',
		options: { settings: { 'editor.minimap.enabled': false }, width: 1400, height: 800 },
		async run(wb) {
			await wb.openFile('prompts/system.md');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => PROMPT_FIGURE.test(t)), 'the prompt figure in the status bar', 10_000);
			const hover = await wb.statusBarHover(PROMPT_FIGURE);
			assert.match(hover, /Prompt file on claude-sonnet-5-5/);
			assert.match(hover, /Body: [\d,]+ tokens/);
			assert.match(hover, /Counted offline: nothing was sent/);
			await wb.page.keyboard.press('Escape');
			// A VS Code prompt file: front matter left out, placeholders as lower bounds.
			await wb.openFile('prompts/greet.prompt.md');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => /^≥[\d,]+ tok · ≥\$/.test(t)), 'the lower-bound figure', 10_000);
			const breakdown = await wb.statusBarHover(/^≥[\d,]+ tok/);
			assert.match(breakdown, /VS Code prompt file on claude-sonnet-5-5/);
			assert.match(breakdown, /Front matter: [\d,]+ tokens, not sent/);
			assert.match(breakdown, /≥ \{\{user_name\}\}: unresolved placeholder, counted as 0/);
			await new Promise((r) => setTimeout(r, 600));
			assert.ok(fs.statSync(await wb.screenshot('prompt-status-hover')).size > 20_000);

			await wb.page.keyboard.press('Escape');
			await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
			await wb.page.keyboard.press('Control+Home');
			await wb.page.keyboard.press('Shift+ArrowDown');
			await wb.page.keyboard.press('Shift+ArrowDown');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => /^[\d,]+ tok selected$/.test(t)), 'the selection figure', 10_000);
			const first = (await wb.statusBarTexts()).find((t) => /tok selected$/.test(t))!;
			await wb.page.keyboard.press('Shift+ArrowDown');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => /tok selected$/.test(t) && t !== first), 'the selection figure to follow the selection', 10_000);
			await new Promise((r) => setTimeout(r, 300));
			assert.ok(fs.statSync(await wb.screenshot('selection-status', '.part.statusbar')).size > 2_000);
		},
	},
	{
		name: 'the Claude Code Context view lists CLAUDE.md with two levels of imports, a skill and an agent',
		options: { workspace: path.resolve(__dirname, '../../../test/fixtures/claude-code'), width: 1500, height: 1100 },
		async run(wb) {
			// CLAUDE.md is a prompt file too: its own figure shows in the status bar.
			await wb.openFile('CLAUDE.md');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => PROMPT_FIGURE.test(t)), 'the CLAUDE.md figure in the status bar', 20_000);
			await wb.runCommand('Claude Token Meter: Show Claude Code Context');
			// Collapse the folder's file tree so the whole context tree fits (the list renders visible rows only).
			await wb.page.locator('.pane-header', { hasText: /^claude-code/i }).first().click().catch(() => undefined);
			const rows = () => wb.page.$$eval('.pane-body .monaco-list-row', (items) => items.map((i) => (i.textContent ?? '').replace(/\s+/g, ' ').trim()));
			await waitFor(async () => (await rows()).some((t) => t.includes('docs/style/naming.md')), 'the tree with the second-level import', 20_000).catch(async (err) => {
				await wb.screenshot('context-view-failed');
				throw new Error(`${(err as Error).message}; rows: ${JSON.stringify(await rows())}`);
			});
			const text = (await rows()).join('\n');
			assert.match(text, /Every turn\s*≈[\d,]+ tok · [\d.]+% · \$[\d.]+\/turn/);
			for (const want of ['CLAUDE.md', 'docs/conventions.md', 'docs/style/naming.md', 'CLAUDE.local.md', '/release-notes', 'reviewer', 'stations', 'Import cycle']) {
				assert.ok(text.includes(want), `${want} in the view:\n${text}`);
			}
			// Widen the side bar (drag its sash) so the figures are readable in the screenshot.
			const bar = await wb.page.locator('.part.sidebar').boundingBox();
			if (bar) {
				await wb.page.mouse.move(bar.x + bar.width - 1, bar.y + bar.height / 2);
				await wb.page.mouse.down();
				await wb.page.mouse.move(760, bar.y + bar.height / 2, { steps: 8 });
				await wb.page.mouse.up();
			}
			await new Promise((r) => setTimeout(r, 500));
			assert.ok(fs.statSync(await wb.screenshot('context-view')).size > 20_000);
		},
	},
];
