import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectRequests } from '../core';
import { blankMagics, isPythonNotebook, locateInNotebook, NotebookError, readNotebook } from '../../src/core/notebook';

const dir = path.resolve(__dirname, '../../../test/fixtures/notebooks');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

describe('Jupyter notebooks', () => {
	describe('reading the notebook JSON', () => {
		it('concatenates the code cells in order and skips markdown and raw cells', () => {
			const nb = readNotebook(read('classify.ipynb'));
			assert.deepEqual(nb.cells.map((c) => c.index), [2, 3, 5, 7]);
			assert.equal(nb.language, 'python');
			assert.ok(isPythonNotebook(nb));
			assert.ok(!nb.text.includes('# Classify'), 'markdown is not code');
			assert.ok(!/model="x"/.test(nb.text), 'a raw cell is not code');
			for (const c of nb.cells) {
				assert.equal(nb.text.slice(c.start, c.start + c.text.length), c.text);
				assert.equal(nb.text[c.start + c.text.length], '\n');
			}
		});

		it('reads nbformat 3 (`worksheets`, `input`, source as a string or a list)', () => {
			const nb = readNotebook(read('v3.ipynb'));
			assert.deepEqual(nb.cells.map((c) => c.index), [2, 3]);
			assert.equal(nb.cells[0].text, "import anthropic\nPROMPT = 'Name three rivers.'\n");
			assert.ok(nb.cells[1].text.startsWith('anthropic.Anthropic().messages.create('));
			assert.ok(isPythonNotebook(nb), 'no kernel language named: Python, as Jupyter assumes');
		});

		it('says the language of a notebook of another kernel', () => {
			const nb = readNotebook(read('r-kernel.ipynb'));
			assert.equal(nb.language, 'r');
			assert.ok(!isPythonNotebook(nb));
		});

		it('points at the first JSON error of a malformed notebook', () => {
			const text = read('malformed.ipynb');
			assert.throws(() => readNotebook(text), (err: unknown) => {
				assert.ok(err instanceof NotebookError);
				assert.equal(err.message, 'comma expected (JSON)');
				assert.equal(text.slice(err.offset, err.offset + 11), '"metadata":');
				return true;
			});
			assert.throws(() => readNotebook('[1, 2]'), /not a notebook/);
			assert.throws(() => readNotebook('{"metadata": {}}'), /no "cells" list/);
			assert.throws(() => readNotebook('{"cells": [],}'), NotebookError);
		});
	});

	describe('magics and shell lines', () => {
		it('blanks them to spaces, keeping every offset', () => {
			const src = '%pip install anthropic\n  !ls -la\nfiles = !ls\nclient?\nx = 1 % 2\nprint("!")';
			const out = blankMagics(src);
			assert.equal(out.length, src.length);
			assert.deepEqual(out.split('\n').map((l) => l.trim()), ['', '', '', '', 'x = 1 % 2', 'print("!")']);
		});

		it('keeps the Python body of %%time and blanks a %%bash cell whole', () => {
			assert.equal(blankMagics('%%time\nx = 1'), '      \nx = 1');
			assert.equal(blankMagics('%%bash\necho hi\n'), '      \n       \n');
		});
	});

	describe('locations', () => {
		it('maps an offset of the concatenation to cell, line and column', () => {
			const nb = readNotebook(read('classify.ipynb'));
			const at = nb.text.indexOf('client.messages.create(');
			assert.deepEqual(locateInNotebook(nb, at), { cell: 5, line: 2, column: 9 });
			assert.deepEqual(locateInNotebook(nb, nb.text.indexOf('MODEL =')), { cell: 3, line: 2, column: 1 });
			assert.deepEqual(locateInNotebook(nb, 0), { cell: 2, line: 1, column: 1 });
		});
	});

	describe('detection over the cells', () => {
		it('resolves a constant set in an earlier cell in a later request, past magics', async () => {
			const nb = readNotebook(read('classify.ipynb'));
			const sites = await detectRequests(nb.text, 'python', { fileName: 'classify.ipynb' });
			assert.equal(sites.length, 1, 'one request: the raw and %%bash cells hold none');
			const [site] = sites;
			assert.equal(site.payload.model, 'claude-haiku-4-5');
			assert.equal(site.payload.system, 'You are a classifier. Answer with one label: billing, shipping or account.');
			assert.deepEqual(site.unresolved, []);
			assert.equal(locateInNotebook(nb, site.anchor.start).cell, 5);
		});

		it('is unresolved when the constant comes from no cell (a cell alone does not see the others)', async () => {
			const nb = readNotebook(read('classify.ipynb'));
			const cell = nb.cells.find((c) => c.index === 5)!;
			const [site] = await detectRequests(cell.text, 'python');
			assert.ok(site.unresolved.some((u) => u.path === '/system'), JSON.stringify(site.unresolved));
		});

		it('reads an nbformat 3 notebook the same way', async () => {
			const nb = readNotebook(read('v3.ipynb'));
			const [site] = await detectRequests(nb.text, 'python');
			assert.deepEqual(site.payload.messages, [{ role: 'user', content: 'Name three rivers.' }]);
			assert.deepEqual(locateInNotebook(nb, site.anchor.start), { cell: 3, line: 1, column: 1 });
		});
	});
});

