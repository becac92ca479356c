// DOM check in the real (offline) VS Code: Estimate Batch File on a 40,000-line file. The "Batch estimate"
// view follows the progress notification in place: its line moves on without the page being reloaded, it
// says what the notification says, and it ends with the totals.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { writeLongBatch } from '../vscode/batchWorkspace';
import { repoRoot } from '../vscode/codeServer';
import { waitFor } from '../vscode/uiCheck';
import type { UiCheck } from '../vscode/uiChecks';

let made: string | undefined;

/** A workspace with one batch file long enough that its estimate is seen running (made on first use). */
function workspace(): string {
	if (made) { return made; }
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-batch-check-'));
	writeLongBatch(path.join(repoRoot(), 'test', 'fixtures', 'workspace', 'batch.jsonl'), path.join(dir, 'tickets.jsonl'), (n) => `t-${n}`);
	made = dir;
	return dir;
}

/** The frame of the Batch estimate view and its progress line, if it shows one. */
async function progressFrame(frames: Frame[]): Promise<{ frame: Frame; text: string } | undefined> {
	for (const frame of frames) {
		const text = await frame.evaluate(() => document.querySelector('[data-progress-text]')?.textContent ?? '').catch(() => '');
		if (text) { return { frame, text }; }
	}
	return undefined;
}

const PROGRESS = /(\d+) % · ([\d,]+) requests? · ([\d,]+) tokens/;

export const checks: UiCheck[] = [
	{
		name: 'the batch estimate view follows the notification in place and ends with the totals',
		options: {
			get workspace() { return workspace(); },
			settings: { 'claudeTokenMeter.countingMode': 'offline', 'editor.minimap.enabled': false },
			width: 1400,
			height: 860,
			timeoutMs: 240_000,
		},
		async run(wb) {
			try {
				await wb.openFile('tickets.jsonl');
				await wb.runCommand('Claude Token Meter: Estimate Batch File');
				let first: { frame: Frame; text: string } | undefined;
				await waitFor(async () => {
					first = await progressFrame(wb.page.frames());
					return first !== undefined && PROGRESS.test(first.text);
				}, 'the view\'s progress line', 60_000);
				const frame = first!.frame;
				// A mark on the page's window: it is lost if the view is reloaded instead of updated.
				await frame.evaluate(() => { (window as unknown as { ctmMark?: number }).ctmMark = 1; });
				const start = Number(PROGRESS.exec(first!.text)![2].replace(/,/g, ''));
				let later = '';
				await waitFor(async () => {
					later = await frame.evaluate(() => document.querySelector('[data-progress-text]')?.textContent ?? '').catch(() => '');
					const m = PROGRESS.exec(later);
					return m !== null && Number(m[2].replace(/,/g, '')) > start;
				}, 'the progress line to move on', 60_000);
				assert.equal(await frame.evaluate(() => (window as unknown as { ctmMark?: number }).ctmMark), 1, 'the view was updated in place, not reloaded');
				// The notification says the same figures (it may be one update ahead of the view).
				const toast = await wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Estimating/ }).first().innerText().catch(() => '');
				const t = PROGRESS.exec(toast.replace(/\s+/g, ' '));
				assert.ok(t, `the notification shows the progress: ${toast}`);
				assert.ok(Number(t[2].replace(/,/g, '')) >= Number(PROGRESS.exec(later)![2].replace(/,/g, '')) - 5_000, `notification "${toast}" and view "${later}" agree`);
				await wb.screenshot('batch-progress-in-place');
				// It ends with the totals of all 40,000 requests.
				let last = '';
				await waitFor(async () => {
					for (const f of wb.page.frames()) {
						const body = await f.evaluate(() => document.body?.innerText ?? '').catch(() => '');
						if (/Batch estimate/.test(body)) { last = body.slice(0, 200).replace(/\s+/g, ' '); }
						if (/input tokens in 40,000 requests/.test(body)) { return true; }
					}
					return false;
				}, 'the totals', 200_000).catch(async (err) => { await wb.screenshot('batch-totals-missing'); throw new Error(`${(err as Error).message}; the view says: ${last}`); });
			} finally {
				if (made) { fs.rmSync(made, { recursive: true, force: true }); made = undefined; }
			}
		},
	},
];
