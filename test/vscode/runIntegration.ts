// Runs the integration suites (out/test/integration) inside a real VS Code through @vscode/test-electron.
// Offline (default): the launcher stands in for the VS Code executable and runs code-server + headless
// Chromium from .vscode-test-web (installed by scripts/harness.js). CTM_VSCODE=desktop: runTests() downloads
// desktop VS Code (needs internet, and a display or xvfb on Linux).
//
//   node out/test/vscode/runIntegration.js [--results out/integration-results.json]
//       [--extension <dir>] [--tests <index.js>] [--workspace <dir>]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { codeServerEntry, repoRoot } from './codeServer';

interface Results {
	passed: number;
	failed: number;
	pending?: number;
	failures: string[];
}

function option(argv: string[], name: string): string | undefined {
	const i = argv.indexOf(name);
	if (i >= 0 && i + 1 < argv.length) {
		return argv[i + 1];
	}
	const prefix = `${name}=`;
	return argv.find(a => a.startsWith(prefix))?.slice(prefix.length);
}

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	const root = repoRoot();
	const extensionDevelopmentPath = path.resolve(option(argv, '--extension') ?? root);
	const extensionTestsPath = path.resolve(option(argv, '--tests') ?? path.join(root, 'out', 'test', 'integration', 'index.js'));
	const workspace = path.resolve(option(argv, '--workspace') ?? path.join(root, 'test', 'fixtures', 'workspace'));
	const resultsOut = option(argv, '--results');

	if (!fs.existsSync(path.join(extensionDevelopmentPath, 'package.json'))) {
		console.error(`[integration] no extension at ${extensionDevelopmentPath}`);
		return 1;
	}
	if (extensionDevelopmentPath === root && !fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
		console.warn('[integration] dist/extension.js is missing: run `npm run build` first, or the extension will not activate');
	}

	// Only an explicit CTM_VSCODE=desktop downloads VS Code; otherwise a missing harness is a clear error.
	const web = process.env.CTM_VSCODE !== 'desktop';
	if (web && codeServerEntry(root) === undefined) {
		console.error('[integration] the offline VS Code harness is not installed; run: node scripts/harness.js (npm test does it on first use)');
		return 1;
	}

	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-results-'));
	const resultsFile = path.join(tmp, 'results.json');
	const extensionTestsEnv = { CTM_TEST_RESULTS: resultsFile };
	const t0 = Date.now();
	let runError: unknown;
	try {
		console.log(`[integration] ${web ? 'offline VS Code (code-server + headless Chromium)' : 'desktop VS Code via @vscode/test-electron'}`);
		if (web) {
			await runTests({
				vscodeExecutablePath: path.join(root, 'test', 'vscode', 'code-web-launcher'),
				extensionDevelopmentPath,
				extensionTestsPath,
				launchArgs: [workspace],
				extensionTestsEnv,
			});
		} else {
			await runTests({
				version: process.env.CTM_VSCODE_VERSION,
				extensionDevelopmentPath,
				extensionTestsPath,
				launchArgs: [workspace, '--disable-extensions'],
				extensionTestsEnv,
			});
		}
	} catch (err) {
		runError = err;
	}

	let results: Results;
	try {
		results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Results;
	} catch {
		// The run died before mocha reported: count it as one failure so it cannot pass silently.
		results = { passed: 0, failed: 1, failures: [`integration run did not report results (${runError instanceof Error ? runError.message : 'no results file'})`] };
	}
	fs.rmSync(tmp, { recursive: true, force: true });
	if (runError && results.failed === 0) {
		results.failed = 1;
		results.failures.push(`integration run failed: ${runError instanceof Error ? runError.message : String(runError)}`);
	}

	const seconds = ((Date.now() - t0) / 1000).toFixed(1);
	console.log(`[integration] ${results.passed} passed, ${results.failed} failed in ${seconds} s`);
	for (const failure of results.failures) {
		console.log(`[integration]   failed: ${failure}`);
	}
	if (resultsOut) {
		fs.mkdirSync(path.dirname(path.resolve(resultsOut)), { recursive: true });
		fs.writeFileSync(resultsOut, JSON.stringify(results, null, '\t'));
	}
	if (results.failed > 0 || runError) {
		return 1;
	}
	if (results.passed === 0) {
		console.error('[integration] no tests ran');
		return 1;
	}
	return 0;
}

main().then(
	code => process.exit(code),
	err => {
		console.error(err);
		process.exit(1);
	},
);
