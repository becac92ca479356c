import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** Lazy loading is checked in a fresh process, where no other test has loaded a vocabulary yet. */
function inFreshProcess(script: string): string {
	const offline = path.resolve(__dirname, '..', '..', 'src', 'core', 'offline', 'index.js');
	return execFileSync(process.execPath, ['-e', `const o = require(${JSON.stringify(offline)});\n${script}`], { encoding: 'utf8' }).trim();
}

describe('offline: lazy vocabulary loading', function () {
	this.timeout(60_000);
	it('loads nothing on import', () => {
		assert.equal(inFreshProcess('process.stdout.write(JSON.stringify(o.loadedVocabs()))'), '[]');
	});
	it('loads only the family in use', () => {
		assert.equal(inFreshProcess(`o.countText('hello', 'v4.7'); process.stdout.write(JSON.stringify(o.loadedVocabs()))`), '["v4.7"]');
		assert.equal(inFreshProcess(`o.countText('hello', 'v5'); process.stdout.write(JSON.stringify(o.loadedVocabs()))`), '["v4.7"]');
		assert.equal(inFreshProcess(`o.countText('hello', 'v3'); process.stdout.write(JSON.stringify(o.loadedVocabs()))`), '["v3"]');
	});
	it('finds data/ctok by walking up from the compiled code, and honours an override', () => {
		const dir = inFreshProcess('process.stdout.write(o.offlineDataDir())');
		assert.equal(path.basename(dir), 'ctok');
		const bad = inFreshProcess(`o.setOfflineDataDir('/nonexistent/ctok'); try { o.countText('x', 'v3'); process.stdout.write('loaded'); } catch (e) { process.stdout.write('missing'); }`);
		assert.equal(bad, 'missing');
		const good = inFreshProcess(`o.setOfflineDataDir(${JSON.stringify(dir)}); process.stdout.write(String(o.countText('hello, world', 'v3')))`);
		assert.equal(good, '3');
	});
});
