// Takes the README's pictures from the real (offline) VS Code: each surface as a person sees it, on the
// examples/ folder (plus a large generated batch file for the progress shot). Writes docs/images/*.png.
//
//   npm run build && node out/test/vscode/readmeShots.js [name ...]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeLongBatch } from './batchWorkspace';
import { repoRoot } from './codeServer';
import { type Workbench, waitFor, waitForFrameText, withWorkbench } from './uiCheck';

const root = repoRoot();
const outDir = path.join(root, 'docs', 'images');

/** A copy of examples/ with a 40,000-line batch file, so the batch estimate runs long enough to be seen. */
function workspace(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-shots-'));
	const ws = path.join(dir, 'examples');
	fs.cpSync(path.join(root, 'examples'), ws, { recursive: true });
	writeLongBatch(path.join(ws, 'batch-requests.jsonl'), path.join(ws, 'tickets-batch.jsonl'), (n) => `ticket-${100000 + n}`);
	return ws;
}

async function lens(wb: Workbench, pattern = /tokens/): Promise<void> {
	await waitFor(async () => (await wb.codeLensTexts()).some((t) => pattern.test(t)), 'a CodeLens', 60_000);
}

/** Selects the first match of `needle` (through Find) and hovers `dx` pixels right of the selection's start. */
async function hoverOn(wb: Workbench, needle: string, dx?: number): Promise<void> {
	await wb.page.keyboard.press('Control+f');
	await wb.page.keyboard.type(needle);
	await wb.page.keyboard.press('Enter');
	await wb.page.keyboard.press('Escape');
	const selected = wb.page.locator('.editor-instance .monaco-editor .selected-text').first();
	await selected.waitFor({ state: 'attached', timeout: 10_000 });
	const box = await selected.boundingBox();
	if (!box) { throw new Error(`no selection for ${needle}`); }
	// Where a hover answers depends on the node (key or value): try a few spots along the line.
	for (const x of [dx ?? 20, 20, box.width + 12, box.width + 30, box.width / 2]) {
		await wb.page.mouse.move(box.x + x, box.y + box.height / 2);
		const shown = await wb.page.locator('.monaco-hover:not(.hidden)').first().waitFor({ state: 'visible', timeout: 6_000 }).then(() => true, () => false);
		if (shown) {
			break;
		}
		await wb.page.mouse.move(5, 5);
	}
	await wb.page.locator('.monaco-hover:not(.hidden)').first().waitFor({ state: 'visible', timeout: 5_000 });
	await new Promise((r) => setTimeout(r, 800));
}

const shots: Record<string, (wb: Workbench) => Promise<void>> = {
	async 'codelens-status-bar'(wb) {
		await wb.openFile('summarize.ts');
		await waitFor(async () => (await wb.codeLensTexts()).filter((t) => /tokens/.test(t)).length >= 2, 'two CodeLenses', 60_000);
		await wb.page.keyboard.press('Control+f');
		await wb.page.keyboard.type('Summarise the incident below');
		await wb.page.keyboard.press('Enter');
		await wb.page.keyboard.press('Escape');
		await waitFor(async () => (await wb.statusBarTexts()).some((t) => /tok · /.test(t)), 'the status bar figure');
		await wb.statusBarHover(/tok · /);
		await new Promise((r) => setTimeout(r, 800));
		await wb.screenshot('codelens-status-bar');
	},
	async 'hover-model'(wb) {
		await wb.openFile('support-agent-with-tools.json');
		await lens(wb);
		await hoverOn(wb, 'claude-');
		await wb.screenshot('hover-model');
	},
	async 'hover-max-tokens'(wb) {
		await wb.openFile('support-agent-with-tools.json');
		await lens(wb);
		await hoverOn(wb, '"max_tokens": ', 130);
		await wb.screenshot('hover-max-tokens');
	},
	async 'hover-message'(wb) {
		await wb.openFile('multi-turn-conversation.json');
		await lens(wb);
		await hoverOn(wb, '"content": "', 130);
		await wb.screenshot('hover-message');
	},
	async 'hover-tools'(wb) {
		await wb.openFile('support-agent-with-tools.json');
		await lens(wb);
		await hoverOn(wb, '"name": "', 110);
		await wb.screenshot('hover-tools');
	},
	async report(wb) {
		await wb.openFile('support-agent-with-tools.json');
		await lens(wb);
		await wb.runCommand('Claude Token Meter: Estimate Request');
		await waitForFrameText(wb.page, /Where the tokens go/, 'the report');
		await waitFor(async () => !(await wb.page.locator('.notifications-toasts').innerText().catch(() => '')).includes('estimating'), 'the progress to close', 60_000);
		await new Promise((r) => setTimeout(r, 1500));
		await wb.screenshot('report');
	},
	async problems(wb) {
		await wb.openFile('several-requests.json');
		await lens(wb);
		await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
		await wb.page.locator('.markers-panel .monaco-list-row').first().waitFor({ state: 'visible', timeout: 30_000 });
		await new Promise((r) => setTimeout(r, 1000));
		await wb.screenshot('problems');
	},
	async 'batch-progress'(wb) {
		await wb.openFile('tickets-batch.jsonl');
		await wb.runCommand('Claude Token Meter: Estimate Batch File');
		const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Estimating/ }).first();
		await toast.waitFor({ state: 'visible', timeout: 30_000 });
		await waitFor(async () => /\d/.test((await toast.innerText().catch(() => '')) ?? ''), 'progress figures', 30_000);
		await new Promise((r) => setTimeout(r, 1500));
		await wb.screenshot('batch-progress');
	},
};

async function main(): Promise<void> {
	const only = process.argv.slice(2);
	fs.mkdirSync(outDir, { recursive: true });
	const ws = workspace();
	try {
		for (const [name, take] of Object.entries(shots)) {
			if (only.length && !only.includes(name)) { continue; }
			const t0 = Date.now();
			const settings: Record<string, unknown> = {
				'claudeTokenMeter.countingMode': 'offline',
				'editor.minimap.enabled': false,
				'workbench.colorTheme': 'Default Dark Modern',
			};
			if (name === 'problems') {
				settings['claudeTokenMeter.budget.maxInputTokens'] = 60;
			}
			await withWorkbench({ workspace: ws, settings, screenshotDir: outDir, width: 1400, height: 860, timeoutMs: 240_000 }, take);
			console.log(`${name}.png (${Date.now() - t0} ms)`);
		}
	} finally {
		fs.rmSync(path.dirname(ws), { recursive: true, force: true });
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
