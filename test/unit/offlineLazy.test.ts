import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VocabStore } from '../../src/core/offline';

describe('offline: vocabulary stores load lazily, each with its own paths', function () {
	this.timeout(60_000);
	it('a new store has loaded nothing', () => {
		assert.deepEqual(new VocabStore().loaded(), []);
	});
	it('loads only the family in use', () => {
		const a = new VocabStore();
		a.countText('hello', 'v4.7');
		assert.deepEqual(a.loaded(), ['v4.7']);
		const b = new VocabStore();
		b.countText('hello', 'v5');
		assert.deepEqual(b.loaded(), ['v4.7'], 'v5 reads the v4.7 vocabulary');
		const c = new VocabStore();
		c.countText('hello', 'v3');
		assert.deepEqual(c.loaded(), ['v3']);
		assert.deepEqual(a.loaded(), ['v4.7'], 'another store loading does not touch this one');
	});
	it('finds data/ctok by walking up from the compiled code, and reads the folder it is given', () => {
		const dir = new VocabStore().dataDir();
		assert.equal(path.basename(dir), 'ctok');
		assert.throws(() => new VocabStore({ dataDir: '/nonexistent/ctok' }).countText('x', 'v3'), /ENOENT|no such file/);
		assert.equal(new VocabStore({ dataDir: dir }).countText('hello, world', 'v3'), 3);
	});
	it('caches a vocabulary it compiled in its cache folder, and a later store reads it from there', () => {
		const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-vocab-cache-'));
		const noShipped = path.join(cache, 'none');
		try {
			const first = new VocabStore({ compiledDir: noShipped, cacheDir: cache });
			assert.equal(first.countText('hello, world', 'v3'), 3);
			const files = fs.readdirSync(cache).filter((f) => f.endsWith('.bin'));
			assert.equal(files.length, 1, 'one compiled vocabulary written');
			assert.match(files[0], /^pieces_v3\./);
			assert.equal(new VocabStore({ compiledDir: noShipped, cacheDir: cache }).countText('hello, world', 'v3'), 3);
			const none = new VocabStore({ compiledDir: noShipped, cacheDir: null });
			assert.equal(none.countText('hello, world', 'v3'), 3, 'with no cache folder it compiles from the JSON');
		} finally {
			fs.rmSync(cache, { recursive: true, force: true });
		}
	});
});
