// Stands in for the VS Code executable that @vscode/test-electron's runTests() spawns: takes the same
// arguments, runs the tests in code-server's extension host driven by a headless Chromium, and exits with
// the tests' exit code. Environment variables (runTests' extensionTestsEnv) reach the extension host
// because they become the server's environment.
//
//   node out/test/vscode/launcher.js --extensionDevelopmentPath=/abs/ext --extensionTestsPath=/abs/index.js /abs/ws
//
// Env: CTM_TEST_SETTINGS (JSON object of extra user settings), CTM_TEST_TIMEOUT_MS (default 600000),
// CTM_TEST_VERBOSE=1 (also print server output and browser console).
import * as path from 'path';
import * as util from 'util';
import { BrowserSession, CodeServer, openBrowser, settingsFromEnv, startCodeServer } from './codeServer';

interface LaunchArgs {
	extensionDevelopmentPaths: string[];
	extensionTestsPath?: string;
	folder?: string;
}

// Flags of the VS Code CLI that take their value as the next argument.
const flagsWithValue = new Set(['--user-data-dir', '--extensions-dir', '--locale', '--log', '--folder-uri', '--file-uri', '--inspect-extensions', '--inspect-brk-extensions', '--profile']);

export function parseArgs(argv: string[]): LaunchArgs {
	const out: LaunchArgs = { extensionDevelopmentPaths: [] };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const eq = arg.indexOf('=');
		const name = eq > 0 ? arg.slice(0, eq) : arg;
		const value = eq > 0 ? arg.slice(eq + 1) : undefined;
		if (name === '--extensionDevelopmentPath' || name === '--extensionTestsPath' || name === '--folder-uri') {
			const v = value ?? argv[++i];
			if (name === '--extensionDevelopmentPath') {
				out.extensionDevelopmentPaths.push(path.resolve(v));
			} else if (name === '--extensionTestsPath') {
				out.extensionTestsPath = path.resolve(v);
			} else {
				out.folder = v.startsWith('file://') ? new URL(v).pathname : v;
			}
		} else if (arg.startsWith('-')) {
			// Electron-only and profile flags (--no-sandbox, --disable-gpu-sandbox, --user-data-dir=…) do not apply.
			if (value === undefined && flagsWithValue.has(name)) {
				i++;
			}
		} else {
			out.folder = path.resolve(arg);
		}
	}
	return out;
}

// Workbench start-up chatter that says nothing about the tests; shown only with CTM_TEST_VERBOSE=1.
const noise = [
	/^Creating a socket \(/,
	/^Resolv(ing|ed) connection token/,
	/^\[Service Worker\]/,
	/^Ignoring fetching additional builtin extensions/,
	/^Updating additional builtin extensions cache/,
	/^ChatSessionStore: /,
	/^No search provider registered for scheme/,
];

// The extension host's console calls arrive as their argument lists (format string first).
function formatLogArgs(args: unknown): string {
	const list: unknown[] = Array.isArray(args) ? args : [args];
	return util.format(...list);
}

async function main(): Promise<number> {
	const args = parseArgs(process.argv.slice(2));
	const verbose = process.env.CTM_TEST_VERBOSE === '1';
	const timeoutMs = Number(process.env.CTM_TEST_TIMEOUT_MS ?? 600_000);
	const t0 = Date.now();
	let server: CodeServer | undefined;
	let session: BrowserSession | undefined;
	// Once the outcome is known the workbench only reports its own teardown; keep that out of the output.
	let quiet = false;

	// The tests' exit code, a timeout, a signal or a startup error all settle the run the same way.
	let settle!: (code: number) => void;
	const outcome = new Promise<number>(resolve => (settle = resolve));
	const stopWith = (code: number, why?: string) => {
		if (!quiet && why) {
			console.error(`[launcher] ${why}`);
		}
		quiet = true;
		settle(code);
	};
	process.on('SIGINT', () => stopWith(130, 'interrupted'));
	process.on('SIGTERM', () => stopWith(143, 'terminated'));
	process.on('SIGHUP', () => stopWith(129, 'hung up'));
	const timer = setTimeout(() => stopWith(1, `timed out after ${timeoutMs} ms`), timeoutMs);

	const start = async () => {
		server = await startCodeServer({
			settings: settingsFromEnv(),
			onOutput: verbose ? line => console.log(`[server] ${line}`) : undefined,
		});
		// Without these a crash would only surface at the global timeout.
		void server.exited.then(code => stopWith(1, `code-server exited unexpectedly (${code})`));
		session = await openBrowser({ tmpDir: path.join(server.tmp, 'browser') });
		session.browser.on('disconnected', () => stopWith(1, 'the browser exited unexpectedly'));
		const { page } = session;
		page.on('crash', () => stopWith(1, 'the workbench page crashed'));
		await page.exposeFunction('codeAutomationExit', (code: number) => stopWith(Number(code) || 0));
		await page.exposeFunction('codeAutomationLog', (type: string, logArgs: unknown) => {
			if (quiet) {
				return;
			}
			const text = formatLogArgs(logArgs);
			if (!verbose && noise.some(re => re.test(text))) {
				return;
			}
			if (type === 'error') {
				console.error(text);
			} else {
				console.log(text);
			}
		});
		if (verbose) {
			page.on('pageerror', err => quiet || console.error(`[page error] ${err.message}`));
			page.on('console', msg => quiet || console.log(`[browser ${msg.type()}] ${msg.text()}`));
		}
		const url = server.url(args.folder, args.extensionDevelopmentPaths, args.extensionTestsPath);
		console.log(`[launcher] code-server on ${server.origin} ready in ${Date.now() - t0} ms; opening ${url}`);
		await page.goto(url);
		if (!args.extensionTestsPath) {
			console.log('[launcher] no --extensionTestsPath: running until interrupted');
		}
	};
	start().catch(err => stopWith(1, `startup failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));

	const code = await outcome;
	clearTimeout(timer);
	console.log(`[launcher] finished with exit code ${code} after ${Date.now() - t0} ms`);
	// Browser first (it would otherwise keep reconnecting), then the server's whole process group.
	await session?.close();
	server?.stop();
	return code;
}

if (require.main === module) {
	main().then(
		code => process.exit(code),
		err => {
			console.error(`[launcher] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
			process.exit(1);
		},
	);
}
