/** The VSIX holds every chunk esbuild.js writes next to extension.js: a chunk left out fails on first use. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('packaged chunks', () => {
	it('.vscodeignore lets in each chunk of esbuild.js', () => {
		const { chunks } = require(path.join(ROOT, 'esbuild.js')) as { chunks: { file: string }[] };
		const included = new Set(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).trim()));
		assert.ok(chunks.length > 0);
		for (const { file } of chunks) {
			assert.ok(included.has(`dist/${file}`), `dist/${file} is not in the VSIX`);
		}
	});
});
