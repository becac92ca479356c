// Starts the offline VS Code (code-server's server + web workbench, installed by install.sh into
// .vscode-test-web/) and a headless Debian Chromium pointed at it. Shared by the integration-test
// launcher and the DOM checks.
import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';

export const chromiumPath = process.env.CTM_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** The repository root: the nearest folder up with this project's package.json. */
export function repoRoot(from: string = __dirname): string {
	let dir = from;
	for (;;) {
		const manifest = path.join(dir, 'package.json');
		if (fs.existsSync(manifest)) {
			try {
				if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'claude-token-meter') {
					return dir;
				}
			} catch {
				// not ours; keep walking up
			}
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			throw new Error(`no claude-token-meter package.json above ${from}`);
		}
		dir = parent;
	}
}

/** code-server's entry point inside .vscode-test-web, or undefined when it is not installed. */
export function codeServerEntry(root: string = repoRoot()): string | undefined {
	const entry = path.join(root, '.vscode-test-web', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
	return fs.existsSync(entry) && fs.existsSync(path.join(root, '.vscode-test-web', '.installed')) ? entry : undefined;
}

export interface ServerOptions {
	/** Extra user settings, merged over the defaults. */
	settings?: Record<string, unknown>;
	/** Environment for the server and hence the extension host (defaults to process.env). */
	env?: NodeJS.ProcessEnv;
	/** Receives the server's own output lines; silent by default. */
	onOutput?: (line: string) => void;
	/**
	 * Keep the profile (settings, extensions, home) in this folder across runs instead of a temporary one
	 * (`npm start`). Settings already there are left as the user changed them; stop() keeps the folder.
	 */
	stateDir?: string;
	/** Port to bind on 127.0.0.1; default a free one. */
	port?: number;
	/** VSIX files installed into the profile's extensions folder (`--install-extension`) before the server starts. */
	install?: string[];
	/**
	 * Workspace trust on, and the opened folder not trusted (Restricted Mode), as a user who answered "No"
	 * to "Do you trust the authors of the files in this folder?". Default: trust off, every folder trusted.
	 */
	untrusted?: boolean;
}

export interface CodeServer {
	port: number;
	origin: string;
	tmp: string;
	/** Settles when the server process ends, with its exit code or signal. */
	exited: Promise<number | string>;
	/** The workbench URL for a folder (or .code-workspace file) with development/test paths in the payload. */
	url(folder: string | undefined, extensionDevelopmentPaths: string[], extensionTestsPath?: string): string;
	/** Kills the server's whole process group and removes its temporary folders. Safe to call twice. */
	stop(): void;
}

const defaultSettings: Record<string, unknown> = {
	'workbench.startupEditor': 'none',
	'workbench.tips.enabled': false,
	'workbench.enableExperiments': false,
	'telemetry.telemetryLevel': 'off',
	'security.workspace.trust.enabled': false,
	'extensions.autoCheckUpdates': false,
	'extensions.autoUpdate': false,
	'extensions.ignoreRecommendations': true,
	'update.mode': 'none',
	'chat.commandCenter.enabled': false,
	'git.enabled': false,
	// The web workbench saves after a delay by default; tests edit fixtures and must leave them as they are.
	'files.autoSave': 'off',
};

// Restricted Mode without the modal trust prompt: a folder nobody has trusted opens untrusted.
const untrustedSettings: Record<string, unknown> = {
	'security.workspace.trust.enabled': true,
	'security.workspace.trust.startupPrompt': 'never',
	'security.workspace.trust.emptyWindow': false,
	'security.workspace.trust.untrustedFiles': 'open',
};

/** Extra settings from CTM_TEST_SETTINGS (a JSON object), for callers that can only pass env vars. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
	const raw = env.CTM_TEST_SETTINGS;
	if (!raw) {
		return {};
	}
	const parsed: unknown = JSON.parse(raw);
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new Error('CTM_TEST_SETTINGS must be a JSON object');
	}
	return parsed as Record<string, unknown>;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address() as net.AddressInfo;
			srv.close(() => resolve(addr.port));
		});
	});
}

function healthy(port: number): Promise<boolean> {
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

const live = new Set<CodeServer>();
let exitHookInstalled = false;

/** Last-resort cleanup: whatever path the process leaves by, no server survives it. */
function installExitHook(): void {
	if (exitHookInstalled) {
		return;
	}
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const server of live) {
			server.stop();
		}
	});
}

export async function startCodeServer(opts: ServerOptions = {}): Promise<CodeServer> {
	const root = repoRoot();
	const entry = codeServerEntry(root);
	if (!entry) {
		throw new Error('code-server is not installed; run: node scripts/harness.js (npm test does it on first use)');
	}
	installExitHook();
	const tmp = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-vscode-'));
	const dirs = {
		home: path.join(tmp, 'home'),
		tmp: path.join(tmp, 'tmp'),
		userData: path.join(tmp, 'user-data'),
		extensions: path.join(tmp, 'extensions'),
	};
	for (const dir of Object.values(dirs)) {
		fs.mkdirSync(dir, { recursive: true });
	}
	fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
	const settingsFile = path.join(dirs.userData, 'User', 'settings.json');
	if (!opts.stateDir || !fs.existsSync(settingsFile)) {
		fs.writeFileSync(settingsFile, JSON.stringify({ ...defaultSettings, ...(opts.untrusted ? untrustedSettings : {}), ...opts.settings }, null, '\t'));
	}
	const config = path.join(tmp, 'config.yaml');
	fs.writeFileSync(config, 'auth: none\ncert: false\n');

	const port = opts.port ?? await freePort();
	const env: NodeJS.ProcessEnv = {
		...(opts.env ?? process.env),
		HOME: dirs.home,
		TMPDIR: dirs.tmp,
		XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
		XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
		XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
	};
	// No marketplace: offline it only yields network errors in the test output.
	env.EXTENSIONS_GALLERY ??= '{}';
	// A password in the environment would switch auth back on.
	delete env.PASSWORD;
	delete env.HASHED_PASSWORD;
	delete env.PORT;
	for (const vsix of opts.install ?? []) {
		installExtension(entry, vsix, dirs, env);
	}
	const proc = childProcess.spawn(process.execPath, [
		entry,
		'--config', config,
		'--bind-addr', `127.0.0.1:${port}`,
		'--auth', 'none',
		'--user-data-dir', dirs.userData,
		'--extensions-dir', dirs.extensions,
		'--disable-telemetry',
		'--disable-update-check',
		...(opts.untrusted ? [] : ['--disable-workspace-trust']),
		'--disable-getting-started-override',
		'--disable-proxy',
		'--ignore-last-opened',
	], {
		env,
		cwd: dirs.home,
		// Own process group, so one kill reaches the extension hosts and language servers too.
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let exited: number | string | undefined;
	const exitedPromise = new Promise<number | string>(resolve => {
		proc.on('exit', (code, signal) => {
			exited = code ?? signal ?? 'unknown';
			resolve(exited);
		});
	});
	const recent: string[] = [];
	const onData = (chunk: Buffer) => {
		for (const line of chunk.toString('utf8').split('\n')) {
			if (line.trim()) {
				recent.push(line);
				if (recent.length > 40) {
					recent.shift();
				}
				opts.onOutput?.(line);
			}
		}
	};
	proc.stdout.on('data', onData);
	proc.stderr.on('data', onData);

	const origin = `http://127.0.0.1:${port}`;
	let stopped = false;
	const server: CodeServer = {
		port,
		origin,
		tmp,
		exited: exitedPromise,
		url(folder, extensionDevelopmentPaths, extensionTestsPath) {
			const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
			const payload: [string, string][] = extensionDevelopmentPaths.map(p => ['extensionDevelopmentPath', remote(p)]);
			if (extensionTestsPath) {
				payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
			}
			const query: string[] = [];
			if (folder) {
				const abs = path.resolve(folder);
				query.push(abs.endsWith('.code-workspace') ? `workspace=${encodeURIComponent(abs)}` : `folder=${encodeURIComponent(abs)}`);
			}
			if (payload.length) {
				query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
			}
			return `${origin}/${query.length ? '?' + query.join('&') : ''}`;
		},
		stop() {
			if (stopped) {
				return;
			}
			stopped = true;
			live.delete(server);
			if (proc.pid !== undefined && exited === undefined) {
				try {
					process.kill(-proc.pid, 'SIGKILL');
				} catch {
					// already gone
				}
			}
			if (!opts.stateDir) {
				fs.rmSync(tmp, { recursive: true, force: true });
			}
		},
	};
	live.add(server);

	const deadline = Date.now() + 60_000;
	while (!(await healthy(port))) {
		if (exited !== undefined || Date.now() > deadline) {
			server.stop();
			throw new Error(`code-server did not become healthy (exit: ${exited ?? 'still running'}):\n${recent.join('\n')}`);
		}
		await new Promise(r => setTimeout(r, 200));
	}
	return server;
}

/** Installs a VSIX the way a user's `code --install-extension` does, into the profile's extensions folder. */
function installExtension(entry: string, vsix: string, dirs: { userData: string; extensions: string; home: string }, env: NodeJS.ProcessEnv): void {
	const r = childProcess.spawnSync(process.execPath, [
		entry,
		'--user-data-dir', dirs.userData,
		'--extensions-dir', dirs.extensions,
		'--install-extension', path.resolve(vsix),
	], { env, cwd: dirs.home, encoding: 'utf8', timeout: 120_000 });
	if (r.status !== 0) {
		throw new Error(`installing ${vsix} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
	}
}

export interface BrowserSession {
	browser: Browser;
	page: Page;
	close(): Promise<void>;
}

/** Headless Debian Chromium with a fresh profile (playwright's default is a temporary one). */
export async function openBrowser(opts: { width?: number; height?: number; tmpDir?: string } = {}): Promise<BrowserSession> {
	const { chromium } = await import('playwright-core');
	let env: Record<string, string> | undefined;
	if (opts.tmpDir) {
		// Chromium's own scratch files land here, so a hard kill leaves nothing in the shared /tmp.
		fs.mkdirSync(opts.tmpDir, { recursive: true });
		env = { ...(process.env as Record<string, string>), TMPDIR: opts.tmpDir };
	}
	const browser = await chromium.launch({
		executablePath: chromiumPath,
		headless: true,
		args: chromiumArgs,
		env,
	});
	const context = await browser.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 } });
	const page = await context.newPage();
	return {
		browser,
		page,
		async close() {
			await Promise.race([browser.close(), new Promise(r => setTimeout(r, 5000))]);
		},
	};
}
