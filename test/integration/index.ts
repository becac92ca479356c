// Entry point VS Code loads as extensionTestsPath: runs every *.test.js next to this file with mocha inside
// the extension host, and writes {passed, failed, failures} to the file named by CTM_TEST_RESULTS so the
// runner can report counts that did not come from parsing output.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface IntegrationResults {
	passed: number;
	failed: number;
	pending: number;
	failures: string[];
}

function testFiles(dir: string): string[] {
	return fs
		.readdirSync(dir, { recursive: true, encoding: 'utf8' })
		.filter(f => f.endsWith('.test.js'))
		.sort()
		.map(f => path.join(dir, f));
}

/** Reverses, in place, the order of the tests and of the nested suites of `suite` and of every suite below it. */
function reverseOrder(suite: Mocha.Suite): void {
	suite.tests.reverse();
	suite.suites.reverse();
	for (const child of suite.suites) {
		reverseOrder(child);
	}
}

export function run(): Promise<void> {
	const mocha = new Mocha({
		ui: 'bdd',
		color: false,
		timeout: Number(process.env.CTM_TEST_MOCHA_TIMEOUT_MS ?? 20_000),
		grep: process.env.CTM_TEST_GREP || undefined,
	});
	// CTM_TEST_ORDER=reverse runs everything last to first: the files, the suites of each file and of each
	// suite, and the tests inside every suite (a suite's tests still run before its nested suites, as mocha
	// always does). Every suite and every test sets up its own preconditions, so order must not matter; a
	// test that only passes after another one is a bug this run shows.
	const files = testFiles(__dirname);
	for (const file of files) {
		mocha.addFile(file);
	}
	if (process.env.CTM_TEST_ORDER === 'reverse') {
		// Once the last file has been loaded (mocha.run loads them), before the first test runs.
		let loaded = 0;
		mocha.suite.on(Mocha.Suite.constants.EVENT_FILE_POST_REQUIRE, () => {
			if (++loaded === files.length) {
				reverseOrder(mocha.suite);
			}
		});
	}
	const results: IntegrationResults = { passed: 0, failed: 0, pending: 0, failures: [] };
	const write = () => {
		const out = process.env.CTM_TEST_RESULTS;
		if (out) {
			fs.writeFileSync(out, JSON.stringify(results, null, '\t'));
		}
	};
	return new Promise((resolve, reject) => {
		try {
			const runner = mocha.run(failures => {
				write();
				if (failures > 0) {
					reject(new Error(`${failures} integration test(s) failed`));
				} else if (results.passed === 0) {
					reject(new Error('no integration tests ran'));
				} else {
					resolve();
				}
			});
			runner.on('pass', () => results.passed++);
			runner.on('pending', () => results.pending++);
			runner.on('fail', (test, err: unknown) => {
				results.failed++;
				const message = err instanceof Error ? err.message : String(err);
				results.failures.push(`${test.fullTitle()}: ${message.split('\n')[0]}`);
			});
		} catch (err) {
			// A suite that throws while loading counts as a failure, not as "nothing ran".
			results.failed++;
			results.failures.push(`loading integration suites: ${err instanceof Error ? err.message : String(err)}`);
			write();
			reject(err);
		}
	});
}
