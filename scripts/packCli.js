#!/usr/bin/env node
// `npm run package:cli`: the CLI as its own npm package. Stages a folder with the minified CLI bundle, its
// wasm files and compiled vocabularies, the tokenizer data and the notices, with a manifest that has no
// dependencies (the bundle holds them), then runs `npm pack` there.
//
//   node scripts/packCli.js [--dest <folder for the .tgz>]   (default: the repository root)
// Prints the tarball's path as its last line.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildCli } = require('../esbuild.js');

const root = path.resolve(__dirname, '..');

async function main() {
	const args = process.argv.slice(2);
	const destArg = args.indexOf('--dest');
	const dest = path.resolve(destArg >= 0 ? args[destArg + 1] : root);
	const ext = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const stage = path.join(root, 'out', 'cli-package');
	fs.rmSync(stage, { recursive: true, force: true });
	fs.mkdirSync(stage, { recursive: true });

	await buildCli(path.join(stage, 'dist'));
	fs.chmodSync(path.join(stage, 'dist', 'cli.js'), 0o755);
	fs.mkdirSync(path.join(stage, 'data', 'ctok'), { recursive: true });
	for (const file of ['pieces_v3.json', 'pieces_v4_7.json', 'LICENSE', 'README.md']) {
		fs.copyFileSync(path.join(root, 'data', 'ctok', file), path.join(stage, 'data', 'ctok', file));
	}
	fs.copyFileSync(path.join(root, 'cli', 'README.md'), path.join(stage, 'README.md'));
	for (const file of ['LICENSE', 'NOTICE']) {
		fs.copyFileSync(path.join(root, file), path.join(stage, file));
	}
	const manifest = {
		name: 'claude-token-meter-cli',
		version: ext.version,
		description: 'Input tokens and cost of the Claude API requests in your files, offline or through count_tokens: for CI budget gates.',
		license: ext.license,
		repository: ext.repository,
		homepage: ext.homepage,
		bugs: ext.bugs,
		keywords: ext.keywords,
		bin: { 'claude-token-meter': 'dist/cli.js' },
		files: ['dist/', 'data/', 'README.md', 'LICENSE', 'NOTICE'],
		engines: { node: '>=20' },
	};
	fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

	fs.mkdirSync(dest, { recursive: true });
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const r = spawnSync(npm, ['pack', '--pack-destination', dest, '--json'], { cwd: stage, encoding: 'utf8' });
	if (r.status !== 0) {
		throw new Error(`npm pack failed (exit ${r.status}):\n${r.stderr}`);
	}
	const [info] = JSON.parse(r.stdout);
	console.log(`${info.filename}: ${info.entryCount} files, ${(info.size / 1e6).toFixed(2)} MB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked`);
	console.log(path.join(dest, info.filename));
}

main().catch((err) => {
	console.error(err.message ?? err);
	process.exit(1);
});
