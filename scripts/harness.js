#!/usr/bin/env node
// The offline VS Code harness (code-server in .vscode-test-web, Debian's chromium and ripgrep), installed on
// first use by test/vscode/install.sh. `npm start`, `npm test` and `.ci/run` all come through here, so a fresh
// clone needs nothing but `npm ci` first. The script is idempotent and a fast no-op once everything is in place
// (it reinstalls when test/vscode/server/package-lock.json changes).
//
//   node scripts/harness.js        install (or check) and exit 0 when the harness is ready
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const webDir = path.join(root, '.vscode-test-web');
const entry = path.join(webDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** True when code-server's entry point and install stamp are both there. */
function harnessInstalled() {
	return fs.existsSync(entry) && fs.existsSync(path.join(webDir, '.installed'));
}

/**
 * Runs install.sh (it skips whatever is already present) and returns true when the harness is usable.
 * `why` says who asks, printed before a first install since that one takes a few minutes.
 */
function ensureHarness(why = 'the offline VS Code harness') {
	if (!harnessInstalled()) {
		console.log(`Installing the local web VS Code for ${why} (code-server, chromium, ripgrep; once, a few minutes)…`);
	}
	const r = spawnSync('bash', [path.join(root, 'test', 'vscode', 'install.sh')], { cwd: root, stdio: 'inherit' });
	if (r.status !== 0) {
		console.error(`test/vscode/install.sh failed (exit ${r.status ?? r.signal}); see the lines above`);
		return false;
	}
	return harnessInstalled();
}

module.exports = { ensureHarness, harnessInstalled };

if (require.main === module) {
	process.exit(ensureHarness() ? 0 : 1);
}
