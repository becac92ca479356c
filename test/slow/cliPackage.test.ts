/**
 * The CLI's npm package as a user gets it: `npm run package:cli` packs it, `npm install -g` puts it into a
 * temporary prefix, and the installed `claude-token-meter` runs from a folder outside this repository.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { JsonSite } from '../../src/cli/render';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('CLI package (npm pack → npm install -g)', function () {
	this.timeout(300_000);
	let tmp: string;
	let tarball: string;
	let bin: string;

	before(() => {
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-cli-pkg-'));
		const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'packCli.js'), '--dest', tmp], { cwd: ROOT, encoding: 'utf8' });
		tarball = out.trim().split('\n').pop()!;
		const prefix = path.join(tmp, 'prefix');
		// --offline: the package has no dependencies, so installing it needs nothing from a registry.
		const r = spawnSync(npm, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { encoding: 'utf8', env: { ...process.env, npm_config_cache: path.join(tmp, 'npm-cache') } });
		assert.equal(r.status, 0, `npm install -g failed:\n${r.stdout}\n${r.stderr}`);
		bin = path.join(prefix, 'bin', 'claude-token-meter');
		fs.cpSync(path.join(ROOT, 'examples'), path.join(tmp, 'work', 'examples'), { recursive: true });
	});
	after(() => fs.rmSync(tmp, { recursive: true, force: true }));

	it('is named claude-token-meter-cli-<version>.tgz and holds only the bundle, data and notices', () => {
		const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
		assert.equal(path.basename(tarball), `claude-token-meter-cli-${version}.tgz`);
		const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
		const tops = new Set(listing.map((f) => f.replace(/^package\//, '').split('/')[0]));
		assert.deepEqual([...tops].sort(), ['LICENSE', 'NOTICE', 'README.md', 'data', 'dist', 'package.json']);
		assert.ok(listing.includes('package/dist/cli.js'));
		assert.ok(listing.includes('package/data/ctok/LICENSE'));
	});

	it('installs with no dependencies: the bundle is self-contained', () => {
		const installed = path.join(path.dirname(path.dirname(bin)), 'lib', 'node_modules', 'claude-token-meter-cli');
		const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies?: object; engines: { node: string } };
		assert.equal(manifest.dependencies, undefined);
		assert.equal(manifest.engines.node, '>=20');
		assert.ok(!fs.existsSync(path.join(installed, 'node_modules')), 'nothing installed beside the bundle');
		assert.ok(!path.relative(ROOT, fs.realpathSync(installed)).match(/^[^.]/), 'the installed copy is outside the repository');
	});

	it('prints its version from outside the repository', () => {
		const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
		const r = spawnSync(bin, ['--version'], { cwd: tmp, encoding: 'utf8' });
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stdout.trim(), version);
	});

	it('counts the examples exactly as the core does', async () => {
		const env = { ...process.env };
		delete env.ANTHROPIC_API_KEY;
		const r = spawnSync(bin, ['count', 'examples', '--json'], { cwd: path.join(tmp, 'work'), encoding: 'utf8', env });
		assert.equal(r.status, 0, r.stderr);
		const installed = JSON.parse(r.stdout) as JsonSite[];
		let text = '';
		const cwd = process.cwd();
		process.chdir(path.join(tmp, 'work'));
		try {
			const code = await main(['count', 'examples', '--json'], { out: (t) => { text += t; }, err: () => undefined }, env);
			assert.equal(code, 0);
		} finally {
			process.chdir(cwd);
		}
		const expected = JSON.parse(text) as JsonSite[];
		assert.ok(installed.length >= 10, `${installed.length} request sites`);
		assert.deepEqual(installed, expected);
		const files = new Set(installed.map((s) => path.basename(s.file)));
		for (const f of ['plain-request.json', 'summarize.ts', 'classify.py', 'batch-requests.jsonl']) {
			assert.ok(files.has(f), `${f} counted`);
		}
		assert.ok(installed.every((s) => s.inputTokens > 0), "every site has a figure");
	});

	it('a human-readable table with a budget gate: exit 1 when a request is over it', () => {
		const r = spawnSync(bin, ['count', 'examples/plain-request.json', '--budget-tokens', '5'], { cwd: path.join(tmp, 'work'), encoding: 'utf8' });
		assert.equal(r.status, 1, r.stdout + r.stderr);
		assert.match(r.stdout, /plain-request\.json:1:1\s+messages\s+claude-sonnet-5-5\s+45/);
	});
});
