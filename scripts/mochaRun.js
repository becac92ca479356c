#!/usr/bin/env node
// Runs mocha over compiled test files and writes {passed, failed, pending, failures} to --results.
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
let results;
const dirs = [];
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--results') { results = args[++i]; } else { dirs.push(args[i]); }
}

function collect(dir, out) {
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) { collect(full, out); } else if (entry.name.endsWith('.test.js')) { out.push(full); }
	}
	return out;
}

const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, reporter: 'spec' });
for (const dir of dirs) {
	for (const file of collect(path.resolve(dir), []).sort()) {
		mocha.addFile(file);
	}
}
const runner = mocha.run((failures) => {
	const stats = runner.stats ?? {};
	const summary = { passed: stats.passes ?? 0, failed: stats.failures ?? failures, pending: stats.pending ?? 0, failures: failed };
	if (results) { fs.writeFileSync(results, JSON.stringify(summary, null, 2)); }
	process.exitCode = failures ? 1 : 0;
	// Servers or timers a test forgot must not keep the run alive.
	setTimeout(() => process.exit(process.exitCode), 500).unref();
});
const failed = [];
runner.on('fail', (test, err) => failed.push(`${test.fullTitle()}: ${err && err.message}`));
