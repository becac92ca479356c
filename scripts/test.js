#!/usr/bin/env node
// `npm test`: type-check and compile, lint, bundle, then unit tests (plain node), the suites that run inside
// a real VS Code, and the UI checks in its workbench. Ends with one line `N passed, N failed` over all of them.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureHarness } = require('./harness');

const root = path.resolve(__dirname, '..');
const onlyUnit = process.argv.includes('--unit');
const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

function step(name, cmd, args, opts = {}) {
	const started = Date.now();
	console.log(`\n── ${name} ──`);
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env, ...opts });
	const secs = ((Date.now() - started) / 1000).toFixed(1);
	if (r.status !== 0) {
		problems.push(`${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
		console.log(`── ${name}: FAILED (${secs} s)`);
		return false;
	}
	console.log(`── ${name}: ok (${secs} s)`);
	return true;
}

function addResults(name, file) {
	try {
		const r = JSON.parse(fs.readFileSync(file, 'utf8'));
		totals.passed += r.passed ?? 0;
		totals.failed += r.failed ?? 0;
		totals.skipped += r.skipped ?? r.pending ?? 0;
		console.log(`   ${name}: ${r.passed} passed, ${r.failed} failed${r.skipped || r.pending ? `, ${r.skipped ?? r.pending} skipped` : ''}`);
		if (!r.passed && !r.failed) {
			problems.push(`${name} ran no test`);
		}
	} catch (err) {
		problems.push(`${name}: no results (${err.message})`);
	}
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const resultsDir = path.join(root, 'out', 'results');

fs.rmSync(path.join(resultsDir, 'summary.txt'), { force: true });
const compiled = step('compile (tsc, strict)', npx, ['tsc', '-p', '.']);
step('lint (eslint)', npx, ['eslint', 'src', 'test', 'bench', 'scripts']);
const built = step('bundle (esbuild)', process.execPath, ['esbuild.js']);
fs.mkdirSync(resultsDir, { recursive: true });

if (compiled) {
	const unitResults = path.join(resultsDir, 'unit.json');
	fs.rmSync(unitResults, { force: true });
	step('unit tests (mocha, plain node)', process.execPath, [path.join(__dirname, 'mochaRun.js'), '--results', unitResults, 'out/test/unit']);
	addResults('unit', unitResults);
	// The slow tier: the built CLI as a child process (needs the bundle above), property runs, real-time waits.
	const slowResults = path.join(resultsDir, 'slow.json');
	fs.rmSync(slowResults, { force: true });
	if (built) {
		step('slow unit tests (built CLI, property runs)', process.execPath, [path.join(__dirname, 'mochaRun.js'), '--results', slowResults, 'out/test/slow']);
		addResults('slow', slowResults);
	} else {
		problems.push('slow unit tests not run: the bundle failed');
	}
}

// The real-VS-Code suites need the offline harness: installed on first use, as `npm start` does.
// CTM_VSCODE=desktop runs them in a downloaded desktop VS Code instead (needs internet).
const harnessReady = onlyUnit || process.env.CTM_VSCODE === 'desktop' || (() => {
	const started = Date.now();
	console.log('\n── offline VS Code harness (test/vscode/install.sh) ──');
	const ok = ensureHarness('npm test');
	const secs = ((Date.now() - started) / 1000).toFixed(1);
	console.log(`── offline VS Code harness: ${ok ? 'ok' : 'FAILED'} (${secs} s)`);
	if (!ok) {
		problems.push(`offline VS Code harness install failed after ${secs} s`);
	}
	return ok;
})();

if (!onlyUnit && compiled && built && harnessReady) {
	const integrationResults = path.join(resultsDir, 'integration.json');
	fs.rmSync(integrationResults, { force: true });
	step('integration tests (real VS Code)', process.execPath, ['out/test/vscode/runIntegration.js', '--results', integrationResults]);
	addResults('integration', integrationResults);

	// The VSIX (a production build of dist/) for the installed-copy smoke check among the UI checks.
	step('package (vsce)', npx, ['vsce', 'package', '--no-dependencies']);

	const uiResults = path.join(resultsDir, 'ui.json');
	if (fs.existsSync(path.join(root, 'out/test/vscode/uiChecks.js'))) {
		fs.rmSync(uiResults, { force: true });
		step('UI checks (workbench DOM)', process.execPath, ['out/test/vscode/uiChecks.js', '--results', uiResults]);
		addResults('ui', uiResults);
	}
}

if (problems.length) {
	console.log('\nProblems:');
	for (const p of problems) {
		console.log(`  - ${p}`);
	}
}
// A failed step that is not a test (compile, lint, bundle, a crashed runner) counts as one failure.
const stepFailures = problems.length > 0 && totals.failed === 0 ? 1 : 0;
const summary = `${totals.passed} passed, ${totals.failed + stepFailures} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`;
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, 'summary.txt'), `${summary}\n`);
console.log(`\n${summary}`);
process.exit(problems.length || totals.failed ? 1 : 0);
