// Activation time in the real VS Code (code-server + headless Chromium), beside the built-in JSON Language
// Features in the same window: each run installs the packaged VSIX into a fresh profile, waits for start-up to
// settle, opens a JSON request (which activates us), waits for our CodeLens, then reads VS Code's own figures
// from "Developer: Startup Performance" (its "Extension Activation Stats": load code, call activate, finish).
// A third, empty extension (activate does nothing, a one-line file) activates on the same event: its figure is
// what the extension host spends on any extension, the part no extension can cut.
//
//   npm run package && npm run bench -- activation [runs]      (CTM_VSIX=<file> measures another VSIX)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../test/vscode/codeServer';
import { waitFor, withWorkbench } from '../test/vscode/uiCheck';

const OURS = 'claude-token-meter.claude-token-meter';
const JSON_LF = 'vscode.json-language-features';
const EMPTY = 'claude-token-meter.activation-baseline';

/** One extension's row of VS Code's "Extension Activation Stats" (milliseconds). */
interface Times { load: number; call: number; finish: number }
interface Sample { ours: Times; json: Times; empty: Times }

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

/** A VSIX of an extension that does nothing, activated by opening a JSON file as ours is. */
function emptyExtensionVsix(root: string): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-baseline-'));
	const manifest = {
		name: 'activation-baseline', publisher: 'claude-token-meter', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.100.0' },
		repository: 'https://example.invalid/baseline', main: './extension.js', activationEvents: ['onLanguage:json'],
	};
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
	fs.writeFileSync(path.join(dir, 'extension.js'), 'exports.activate = () => {};\n');
	fs.writeFileSync(path.join(dir, 'README.md'), 'The activation benchmark\'s empty extension.\n');
	fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n');
	const out = path.join(dir, 'baseline.vsix');
	execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '-o', out], { cwd: dir, stdio: 'ignore' });
	return out;
}

async function oneRun(vsix: string, baseline: string, root: string): Promise<Sample> {
	return withWorkbench({
		extensionDevelopmentPath: null,
		install: [vsix, baseline],
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
			const empty = statsRow(lines, EMPTY);
			sample = ours && json && empty ? { ours, json, empty } : undefined;
			return sample !== undefined;
		}, 'the three extensions in "Extension Activation Stats"', 30_000);
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
	const baseline = emptyExtensionVsix(root);
	const samples: Sample[] = [];
	const cells = (t: Times) => `${t.load} | ${t.call} | ${t.load + t.call} | ${t.finish}`;
	console.log('\n| run | ours: load code | call activate | activation | finish activate | JSON LF: load code | call activate | activation | finish activate | empty extension: load code | call activate | activation | finish activate |');
	console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
	for (let i = 0; i < runs; i++) {
		const s = await oneRun(vsix, baseline, root);
		samples.push(s);
		console.log(`| ${i + 1} | ${cells(s.ours)} | ${cells(s.json)} | ${cells(s.empty)} |`);
	}
	const act = (t: Times) => t.load + t.call;
	// Each column's own median (the activation column is the median of the runs' sums, not a sum of medians).
	const med = (pick: (s: Sample) => Times): string => [
		median(samples.map((s) => pick(s).load)), median(samples.map((s) => pick(s).call)),
		median(samples.map((s) => act(pick(s)))), median(samples.map((s) => pick(s).finish)),
	].join(' | ');
	console.log(`| median | ${med((s) => s.ours)} | ${med((s) => s.json)} | ${med((s) => s.empty)} |`);
	const ours = median(samples.map((s) => act(s.ours)));
	const json = median(samples.map((s) => act(s.json)));
	const empty = median(samples.map((s) => act(s.empty)));
	// The ratio within each run, where the three shared the same machine load; then its median.
	const ratio = (pick: (s: Sample) => Times) => median(samples.map((s) => Math.round((100 * act(s.ours)) / Math.max(1, act(pick(s)))))) / 100;
	console.log(`\nActivation (load code + call activate, what Running Extensions shows), median: ${ours} ms for Claude Token Meter, ` +
		`${json} ms for JSON Language Features, ${empty} ms for an empty extension; ours ÷ JSON LF ${ratio((s) => s.json).toFixed(2)}×, ` +
		`ours ÷ empty ${ratio((s) => s.empty).toFixed(2)}× (median of the per-run ratios); goal ≤ 100 ms.`);
	console.log('"finish activate" is when activate()\'s promise settles (ours: the secret storage read and dist/parts.js, the store and the surfaces; JSON Language Features: its language server).');
}
