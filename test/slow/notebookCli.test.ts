import * as assert from 'node:assert/strict';
import type { JsonSite } from '../../src/cli/render';
import { ensureBuiltCli, run } from './cliHelpers';

const rel = (name: string) => `test/fixtures/notebooks/${name}`;

describe('Jupyter notebooks through the built CLI', function () {
	this.timeout(120_000);
	before(() => ensureBuiltCli());

	it('counts a notebook with cell locations in the table and in --json', async () => {
		const table = await run(['count', rel('classify.ipynb')]);
		assert.equal(table.code, 0, table.stderr);
		assert.ok(table.stdout.includes(`${rel('classify.ipynb')}#cell5:2:9`), table.stdout);
		const json = await run(['count', rel('classify.ipynb'), '--json']);
		assert.equal(json.code, 0, json.stderr);
		const sites = JSON.parse(json.stdout) as JsonSite[];
		assert.equal(sites.length, 1);
		const [s] = sites;
		assert.equal(s.file, rel('classify.ipynb'));
		assert.equal(s.cell, 5);
		assert.equal(s.line, 2);
		assert.equal(s.column, 9);
		assert.equal(s.language, 'python');
		assert.equal(s.method, 'create');
		assert.equal(s.model, 'claude-haiku-4-5');
		assert.ok(s.modelFromFile);
		assert.deepEqual(s.unresolved, []);
		assert.ok(s.inputTokens > 20, String(s.inputTokens));
		assert.deepEqual(Object.keys(s).slice(0, 4), ['file', 'cell', 'line', 'column']);
	});

	it('picks notebooks up in a folder walk and names a non-Python one', async () => {
		const r = await run(['count', rel(''), '--json']);
		const sites = JSON.parse(r.stdout) as JsonSite[];
		assert.deepEqual(sites.map((s) => `${s.file}#${s.cell}`).sort(), [`${rel('classify.ipynb')}#5`, `${rel('v3.ipynb')}#3`]);
		assert.match(r.stderr, /r-kernel\.ipynb: a r notebook; only Python notebooks are read\./);
		// The malformed one is reported and skipped: exit 2.
		assert.equal(r.code, 2);
		assert.ok(r.stderr.includes(`${rel('malformed.ipynb')}:7:4: comma expected (JSON)`), r.stderr);
	});

	it('fails a malformed notebook with file:line:col and exit 2', async () => {
		const r = await run(['count', rel('malformed.ipynb')]);
		assert.equal(r.code, 2);
		assert.ok(r.stderr.includes(`${rel('malformed.ipynb')} does not parse`), r.stderr);
		assert.ok(r.stderr.includes(`${rel('malformed.ipynb')}:7:4: comma expected (JSON)`), r.stderr);
		assert.equal(r.stdout, '');
	});

	it('gates a notebook on a budget with the cell location', async () => {
		const r = await run(['count', rel('classify.ipynb'), '--budget-tokens', '5']);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, new RegExp(`${rel('classify.ipynb').replace(/\./g, '\\.')}#cell5:2:9: ≈?\\d+ input tokens, over the budget of 5`));
	});
});
