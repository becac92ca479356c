#!/usr/bin/env node
// `npm start`: build the extension and open VS Code with it on examples/. Uses a desktop `code` when one is
// on PATH; otherwise the local web VS Code that the tests use (code-server in .vscode-test-web, installed
// on first use), printing the URL to open. CTM_START=web forces the web VS Code; CTM_PORT picks its port.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const examples = path.join(root, 'examples');
const webDir = path.join(root, '.vscode-test-web');
const { ensureHarness } = require('./harness');

function run(cmd, args) {
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
	return r.status ?? 1;
}

function onPath(name) {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const file = path.join(dir, name);
		try {
			fs.accessSync(file, fs.constants.X_OK);
			if (fs.statSync(file).isFile()) {
				return file;
			}
		} catch {
			// not here
		}
	}
	return undefined;
}

/**
 * The tests' code-server launcher (test/vscode/codeServer.ts), bundled on the fly so that `npm start`
 * needs no TypeScript compile and there is one way to start the web VS Code.
 */
async function loadCodeServer() {
	const esbuild = require('esbuild');
	const outfile = path.join(root, 'out', 'start-codeServer.js');
	await esbuild.build({
		entryPoints: [path.join(root, 'test', 'vscode', 'codeServer.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		logLevel: 'warning',
		// Only the tests' browser needs it, and it is never loaded here.
		external: ['playwright-core'],
	});
	return require(outfile);
}

async function startWeb() {
	if (!ensureHarness('npm start (no desktop VS Code on PATH)')) {
		process.exit(1);
	}
	const { startCodeServer } = await loadCodeServer();
	const verbose = process.env.CTM_START_VERBOSE === '1';
	const recent = [];
	// Settings and installed extensions survive restarts; everything stays inside .vscode-test-web.
	const server = await startCodeServer({
		stateDir: path.join(webDir, 'start'),
		port: Number(process.env.CTM_PORT) || undefined,
		onOutput: (line) => {
			recent.push(line);
			recent.splice(0, recent.length - 30);
			if (verbose) {
				console.log(line);
			}
		},
	});
	// Leaving by any path ends the server: codeServer's exit hook kills its whole process group.
	process.on('SIGINT', () => process.exit(0));
	process.on('SIGTERM', () => process.exit(0));
	process.on('SIGHUP', () => process.exit(0));
	void server.exited.then((code) => {
		console.error(`code-server exited (${code})`);
		if (!verbose) {
			console.error(recent.join('\n'));
		}
		process.exit(typeof code === 'number' && code !== 0 ? code : 1);
	});
	console.log('\nVS Code (web) with Claude Token Meter on examples/ is running. Open:\n');
	console.log(`  ${server.url(examples, [root])}\n`);
	console.log(`The address must stay 127.0.0.1:${server.port} (forward the same port if you browse from elsewhere).`);
	console.log('After `npm run build`, reload the page to pick up changes. Ctrl+C stops the server.');
}

async function main() {
	if (run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']) !== 0) {
		process.exit(1);
	}
	const code = process.env.CTM_START === 'web' ? undefined : onPath(process.platform === 'win32' ? 'code.cmd' : 'code');
	if (code) {
		process.exit(run(code, [`--extensionDevelopmentPath=${root}`, examples]));
	}
	await startWeb();
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
