/** The VSIX holds every chunk and worker script esbuild.js writes next to extension.js: one left out fails on first use. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('packaged chunks', () => {
	it('.vscodeignore lets in each chunk and worker script of esbuild.js', () => {
		const { chunks, workers } = require(path.join(ROOT, 'esbuild.js')) as { chunks: { file: string }[]; workers: { file: string }[] };
		const included = new Set(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).trim()));
		assert.ok(chunks.length > 0 && workers.length > 0);
		for (const { file } of [...chunks, ...workers]) {
			assert.ok(included.has(`dist/${file}`), `dist/${file} is not in the VSIX`);
		}
	});
});
