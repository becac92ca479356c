#!/usr/bin/env node
// `npm start`: build the extension and open VS Code with it on examples/. Uses a desktop `code` when one is
// on PATH; otherwise the local web VS Code that the tests use (code-server in .vscode-test-web, installed
// on first use), printing the URL to open. CTM_START=web forces the web VS Code; CTM_PORT picks its port.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const examples = path.join(root, 'examples');
const webDir = path.join(root, '.vscode-test-web');
const entry = path.join(webDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

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

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function healthy(port) {
	return new Promise(resolve => {
		const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, res => {
			res.resume();
			resolve(res.statusCode === 200);
		});
		req.on('error', () => resolve(false));
		req.on('timeout', () => {
			req.destroy();
			resolve(false);
		});
	});
}

async function startWeb() {
	if (!fs.existsSync(entry) || !fs.existsSync(path.join(webDir, '.installed'))) {
		console.log('No desktop VS Code on PATH; installing the local web VS Code (once)…');
		if (run('bash', [path.join(root, 'test', 'vscode', 'install.sh')]) !== 0) {
			process.exit(1);
		}
	}
	// Settings and installed extensions survive restarts; everything stays inside .vscode-test-web.
	const state = path.join(webDir, 'start');
	const userData = path.join(state, 'user-data');
	fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
	fs.mkdirSync(path.join(state, 'extensions'), { recursive: true });
	const settingsFile = path.join(userData, 'User', 'settings.json');
	if (!fs.existsSync(settingsFile)) {
		fs.writeFileSync(settingsFile, JSON.stringify({
			'workbench.startupEditor': 'none',
			'telemetry.telemetryLevel': 'off',
			'security.workspace.trust.enabled': false,
			'git.openRepositoryInParentFolders': 'never',
		}, null, '\t'));
	}
	const config = path.join(state, 'config.yaml');
	fs.writeFileSync(config, 'auth: none\ncert: false\n');

	const port = Number(process.env.CTM_PORT) || (await freePort());
	const env = { ...process.env, XDG_DATA_HOME: path.join(state, 'data') };
	delete env.PASSWORD;
	delete env.HASHED_PASSWORD;
	delete env.PORT;
	const server = spawn(process.execPath, [
		entry,
		'--config', config,
		'--bind-addr', `127.0.0.1:${port}`,
		'--auth', 'none',
		'--user-data-dir', userData,
		'--extensions-dir', path.join(state, 'extensions'),
		'--disable-telemetry',
		'--disable-update-check',
		'--disable-workspace-trust',
		'--disable-getting-started-override',
		'--ignore-last-opened',
	], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });

	let exited = false;
	const stop = () => {
		if (!exited) {
			try {
				// Own process group: this also ends the extension host and language servers.
				process.kill(-server.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	};
	process.on('exit', stop);
	process.on('SIGINT', () => process.exit(0));
	process.on('SIGTERM', () => process.exit(0));
	process.on('SIGHUP', () => process.exit(0));
	const log = [];
	for (const stream of [server.stdout, server.stderr]) {
		stream.on('data', chunk => {
			log.push(chunk.toString());
			if (process.env.CTM_START_VERBOSE === '1') {
				process.stdout.write(chunk);
			}
		});
	}
	server.on('exit', (code, signal) => {
		exited = true;
		console.error(`code-server exited (${code ?? signal})`);
		if (process.env.CTM_START_VERBOSE !== '1') {
			console.error(log.join('').split('\n').slice(-30).join('\n'));
		}
		process.exit(code || 1);
	});

	const deadline = Date.now() + 60_000;
	while (!(await healthy(port))) {
		if (Date.now() > deadline) {
			console.error('code-server did not start within 60 s');
			process.exit(1);
		}
		await new Promise(r => setTimeout(r, 200));
	}
	const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]];
	const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(examples)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
	console.log('\nVS Code (web) with Claude Token Meter on examples/ is running. Open:\n');
	console.log(`  ${url}\n`);
	console.log('The address must stay 127.0.0.1:' + port + ' (forward the same port if you browse from elsewhere).');
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
