// Runs the DOM checks against the real (offline) VS Code and reports {passed, failed, failures} like the
// integration runner. Checks come from this file and from any out/test/ui/*.check.js module exporting
// `checks: UiCheck[]`; each check gets its own fresh workbench.
//
//   node out/test/vscode/uiChecks.js [--results out/ui-results.json] [--grep <text>]
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { codeServerEntry, repoRoot } from './codeServer';
import { Workbench, WorkbenchOptions, waitFor, withWorkbench } from './uiCheck';

export interface UiCheck {
	name: string;
	options?: WorkbenchOptions;
	run(wb: Workbench): Promise<void>;
}

const harnessChecks: UiCheck[] = [
	{
		name: 'workbench renders a status bar and opens a workspace file',
		async run({ openFile, statusBarTexts, screenshot }) {
			await openFile('README.md');
			await waitFor(async () => (await statusBarTexts()).some(t => /Ln \d+, Col \d+/.test(t)), 'the cursor position in the status bar');
			const shot = await screenshot('harness-workbench');
			assert.ok(fs.statSync(shot).size > 10_000, 'screenshot has content');
		},
	},
];

function discoveredChecks(root: string): UiCheck[] {
	const dir = path.join(root, 'out', 'test', 'ui');
	if (!fs.existsSync(dir)) {
		return [];
	}
	return fs
		.readdirSync(dir)
		.filter(f => f.endsWith('.check.js'))
		.sort()
		.flatMap(f => (require(path.join(dir, f)) as { checks?: UiCheck[] }).checks ?? []);
}

function option(argv: string[], name: string): string | undefined {
	const i = argv.indexOf(name);
	return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	const root = repoRoot();
	const resultsOut = option(argv, '--results');
	const grep = option(argv, '--grep');
	if (!codeServerEntry(root)) {
		console.error('[ui] code-server is not installed; run: node scripts/harness.js (npm test does it on first use)');
		return 1;
	}
	const checks = [...harnessChecks, ...discoveredChecks(root)].filter(c => !grep || c.name.includes(grep));
	const results = { passed: 0, failed: 0, failures: [] as string[] };
	for (const check of checks) {
		const t0 = Date.now();
		try {
			await withWorkbench(check.options ?? {}, wb => check.run(wb));
			results.passed++;
			console.log(`  ✔ ${check.name} (${Date.now() - t0} ms)`);
		} catch (err) {
			results.failed++;
			const message = err instanceof Error ? err.message : String(err);
			results.failures.push(`${check.name}: ${message.split('\n')[0]}`);
			console.log(`  ✘ ${check.name} (${Date.now() - t0} ms)\n      ${message}`);
		}
	}
	console.log(`[ui] ${results.passed} passed, ${results.failed} failed`);
	if (resultsOut) {
		fs.mkdirSync(path.dirname(path.resolve(resultsOut)), { recursive: true });
		fs.writeFileSync(resultsOut, JSON.stringify(results, null, '\t'));
	}
	return results.failed > 0 || results.passed === 0 ? 1 : 0;
}

if (require.main === module) {
	// process.exit runs codeServer's exit hook, which kills any server still alive.
	process.on('SIGINT', () => process.exit(130));
	process.on('SIGTERM', () => process.exit(143));
	main().then(
		code => process.exit(code),
		err => {
			console.error(err);
			process.exit(1);
		},
	);
}
