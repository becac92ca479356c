// Activation time in the real VS Code (code-server + headless Chromium), beside the built-in JSON Language
// Features in the same window: each run installs the packaged VSIX into a fresh profile, waits for start-up to
// settle, opens a JSON request (which activates us), waits for our CodeLens, then reads VS Code's own figures
// from "Developer: Startup Performance" (its "Extension Activation Stats": load code, call activate, finish).
//
//   npm run package && npm run bench -- activation [runs]      (CTM_VSIX=<file> measures another VSIX)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/vscode/codeServer';
import { waitFor, withWorkbench } from '../test/vscode/uiCheck';

const OURS = 'claude-token-meter.claude-token-meter';
const JSON_LF = 'vscode.json-language-features';

/** One extension's row of VS Code's "Extension Activation Stats" (milliseconds). */
interface Times { load: number; call: number; finish: number }
interface Sample { ours: Times; json: Times }

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

/** `| id | eager | load code | call activate | finish activate | event | by |` → the row of that id. */
function statsRow(lines: string[], id: string): Times | undefined {
	for (const line of lines) {
		const cells = line.split('|').map((c) => c.trim());
		if (cells[1] === id && /^\d+$/.test(cells[3] ?? '')) {
			return { load: Number(cells[3]), call: Number(cells[4]), finish: Number(cells[5]) };
		}
	}
	return undefined;
}

async function oneRun(vsix: string, root: string): Promise<Sample> {
	return withWorkbench({
		extensionDevelopmentPath: null,
		install: [vsix],
		workspace: path.join(root, 'examples'),
		// A tiny font and a tall window, so the editor renders every line of the performance report.
		settings: { 'claudeTokenMeter.countingMode': 'offline', 'editor.fontSize': 6, 'editor.lineHeight': 8, 'editor.minimap.enabled': false },
		width: 2400,
		height: 4000,
	}, async (wb) => {
		// JSON Language Features activates at start-up (VS Code opens JSONC models of its own); we activate
		// only when a file that can hold requests opens. Let start-up settle, so our figure is our own.
		await new Promise((r) => setTimeout(r, 5000));
		await wb.openFile('plain-request.json');
		await waitFor(async () => (await wb.codeLensTexts()).some((t) => /tokens/.test(t)), 'our CodeLens', 60_000);
		await wb.runCommand('Developer: Startup Performance');
		let sample: Sample | undefined;
		await waitFor(async () => {
			const lines = await wb.page.$$eval('.editor-instance .view-line', (els) => els.map((el) => el.textContent ?? ''));
			const ours = statsRow(lines, OURS);
			const json = statsRow(lines, JSON_LF);
			sample = ours && json ? { ours, json } : undefined;
			return sample !== undefined;
		}, 'both extensions in "Extension Activation Stats"', 30_000);
		return sample!;
	});
}

export async function run(runs = Number(process.argv[3] ?? 5)): Promise<void> {
	const root = repoRoot();
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
	const vsix = path.resolve(process.env.CTM_VSIX ?? path.join(root, `${pkg.name}-${pkg.version}.vsix`));
	if (!fs.existsSync(vsix)) {
		throw new Error(`${vsix} is missing: run npm run package first`);
	}
	// Sizes as packaged: the VSIX's own listing of its dist/*.js files.
	const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
	const scripts = [...listing.matchAll(/^\s*(\d+)\s+\S+\s+\S+\s+extension\/dist\/([\w.-]+\.js)$/gm)].map((m) => `${m[2]} ${(Number(m[1]) / 1e3).toFixed(0)} KB`);
	console.log(`${path.basename(vsix)}: ${(fs.statSync(vsix).size / 1e6).toFixed(2)} MB; ${scripts.join(', ')}`);
	const samples: Sample[] = [];
	const cells = (t: Times) => `${t.load} | ${t.call} | ${t.load + t.call} | ${t.finish}`;
	console.log('\n| run | ours: load code | call activate | activation | finish activate | JSON LF: load code | call activate | activation | finish activate |');
	console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
	for (let i = 0; i < runs; i++) {
		const s = await oneRun(vsix, root);
		samples.push(s);
		console.log(`| ${i + 1} | ${cells(s.ours)} | ${cells(s.json)} |`);
	}
	const med = (pick: (s: Sample) => Times): Times => ({
		load: median(samples.map((s) => pick(s).load)),
		call: median(samples.map((s) => pick(s).call)),
		finish: median(samples.map((s) => pick(s).finish)),
	});
	const ours = med((s) => s.ours);
	const json = med((s) => s.json);
	console.log(`| median | ${cells(ours)} | ${cells(json)} |`);
	const act = (t: Times) => t.load + t.call;
	console.log(`\nActivation (load code + call activate, what Running Extensions shows): median ${act(ours)} ms for Claude Token Meter, ` +
		`${act(json)} ms for JSON Language Features (${(act(ours) / Math.max(1, act(json))).toFixed(2)}×); goal ≤ 100 ms.`);
	console.log('"finish activate" is when activate()\'s promise settles (ours awaits the secret storage; JSON Language Features its language server).');
}
