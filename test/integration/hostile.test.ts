import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { writeProbes } from '../hostile/generate';
import { activateExtension, setting, until, resetState } from './helpers';

/**
 * The worst five hostile inputs opened in the real VS Code (offline counting): the extension host survives
 * and stays responsive (its event loop is sampled while the file is read and counted), the status bar says
 * what happened, and the document is not modified. The files are generated at test time.
 */
describe('Hostile inputs in a real VS Code', function () {
	this.timeout(180_000);
	let api: TestApi;
	let dir: string;
	let files: Record<string, string>;
	const table: string[] = [];

	before(async function () {
		this.timeout(120_000);
		await resetState();
		await setting('countingMode', 'offline');
		api = await activateExtension();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-hostile-vscode-'));
		files = writeProbes(dir);
	});

	after(async () => {
		await resetState();
		fs.rmSync(dir, { recursive: true, force: true });
		console.log(`      probe | status bar | max event-loop lag | unmodified\n${table.map((r) => `      ${r}`).join('\n')}`);
	});

	/** Largest delay of a 50 ms timer while `work` runs: how long the extension host was unresponsive. */
	async function lagDuring<T>(work: () => Promise<T>): Promise<{ value: T; lagMs: number }> {
		let lagMs = 0;
		let last = Date.now();
		const timer = setInterval(() => {
			const now = Date.now();
			lagMs = Math.max(lagMs, now - last - 50);
			last = now;
		}, 50);
		try {
			const value = await work();
			return { value, lagMs };
		} finally {
			clearInterval(timer);
		}
	}

	const digest = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

	// 'no-request': nothing is detected in it, so no figure may be claimed (the status bar stays hidden).
	// 'not-scanned': detection refuses it and says why: the status bar reads "Claude: not scanned", its tooltip the reason.
	const probes: { name: string; file: string; status: RegExp | 'no-request' | { notScanned: RegExp } }[] = [
		{ name: '50 MB request with a huge base64 image', file: 'image-50mb.json', status: /^\$\(symbol-numeric\) .*≈[\d,]+ tok/ },
		{ name: '100,000 messages', file: 'messages-100000.json', status: /^\$\(symbol-numeric\) .*[\d,]+ tok/ },
		{ name: '5 MB single line (JSONL)', file: 'line-5mb.jsonl', status: /^\$\(symbol-numeric\) .*[\d,]+ tok/ },
		{ name: 'binary file renamed .json', file: 'binary.json', status: 'no-request' },
		{ name: 'arrays nested 100,000 deep', file: 'nested-100000.json', status: { notScanned: /^Too deeply nested: this request nests more than \d+ levels, so it is not counted\.$/ } },
	];

	for (const probe of probes) {
		it(`${probe.name}: the host survives and stays responsive, the status bar says what happened, the document is untouched`, async () => {
			const file = files[probe.file];
			const before = fs.readFileSync(file);
			const { value: editor, lagMs } = await lagDuring(async () => {
				let doc: vscode.TextDocument;
				try {
					doc = await vscode.workspace.openTextDocument(file);
				} catch (err) {
					// VS Code may refuse a binary file itself; that is a fine outcome too.
					return { refused: String((err as Error).message ?? err) };
				}
				const shown = await vscode.window.showTextDocument(doc, { preview: false });
				await api.whenIdle();
				return shown;
			});
			// Still responsive: a round trip through the extension's CodeLens provider answers promptly (on the
			// probe itself, or on a plain request when VS Code would not open the probe).
			const t0 = Date.now();
			const target = 'refused' in editor ? (await vscode.workspace.openTextDocument({ language: 'json', content: '{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}' })).uri : vscode.Uri.file(file);
			await vscode.commands.executeCommand('vscode.executeCodeLensProvider', target);
			const roundTrip = Date.now() - t0;
			assert.ok(roundTrip < 10_000, `a CodeLens round trip took ${roundTrip} ms`);
			assert.ok(lagMs < 15_000, `the extension host was blocked for ${lagMs} ms`);
			assert.ok(fs.readFileSync(file).equals(before), 'the file on disk is unchanged');
			if ('refused' in editor) {
				table.push(`${probe.name} | (VS Code refused to open it: ${editor.refused.slice(0, 60)}) | ${lagMs} ms | yes`);
				return;
			}
			assert.equal(editor.document.isDirty, false, 'the document is not modified');
			if (!probe.file.startsWith('binary')) {
				assert.equal(digest(editor.document.getText()), digest(before.toString('utf8')), 'the text is what the file holds');
			}
			const state = api.service.get(editor.document.uri.toString());
			const sites = state?.sites.length ?? 0;
			const status = sites > 0 ? api.statusText() : state?.notice ? `${api.statusText()} — ${state.notice}` : '(hidden: no request detected)';
			table.push(`${probe.name} | ${status} | ${lagMs} ms | yes`);
			if (probe.status === 'no-request') {
				assert.equal(sites, 0);
			} else if (typeof probe.status === 'object' && 'notScanned' in probe.status) {
				assert.equal(sites, 0, 'no figure is claimed');
				assert.match(state?.notice ?? '', probe.status.notScanned);
				await until(() => api.statusText() === '$(info) Claude: not scanned', 'the status bar to say the file was not scanned');
			} else {
				assert.equal(sites, 1);
				assert.match(status, probe.status);
			}
			await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
		});
	}
});
