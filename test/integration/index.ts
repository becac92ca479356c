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

export function run(): Promise<void> {
	const mocha = new Mocha({
		ui: 'bdd',
		color: false,
		timeout: Number(process.env.CTM_TEST_MOCHA_TIMEOUT_MS ?? 20_000),
		grep: process.env.CTM_TEST_GREP || undefined,
	});
	// CTM_TEST_ORDER=reverse runs the suites last to first: each sets its own preconditions, so order must not matter.
	const files = testFiles(__dirname);
	for (const file of process.env.CTM_TEST_ORDER === 'reverse' ? files.reverse() : files) {
		mocha.addFile(file);
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
