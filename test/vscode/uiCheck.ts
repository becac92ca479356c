// DOM-level checks in the real (offline) VS Code: starts code-server with the extension loaded on a
// workspace, opens the workbench in headless Chromium, and hands a check helpers to open files through the
// UI and read what the user would see (status bar, CodeLens, hovers) or take screenshots.
//
//   await withWorkbench({ settings: { ... } }, async ({ openFile, statusBarTexts, screenshot }) => {
//   	await openFile('request.json');
//   	await waitFor(async () => (await statusBarTexts()).some(t => /tokens/.test(t)));
//   	await screenshot('status-bar');
//   });
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { CodeServer, openBrowser, repoRoot, settingsFromEnv, startCodeServer } from './codeServer';

export interface WorkbenchOptions {
	/**
	 * Extension folder to load; defaults to the repository root (dist/extension.js must be built). `null`
	 * loads no development folder: only what `install` put into the profile runs.
	 */
	extensionDevelopmentPath?: string | null;
	/** VSIX files installed into the profile before the workbench starts. */
	install?: string[];
	/** Folder opened in the workbench; defaults to test/fixtures/workspace. */
	workspace?: string;
	/** Extra user settings (merged over CTM_TEST_SETTINGS and the harness defaults). */
	settings?: Record<string, unknown>;
	/** Open the workspace untrusted (Restricted Mode); see ServerOptions.untrusted. */
	untrusted?: boolean;
	/** Extra environment for the extension host. */
	env?: NodeJS.ProcessEnv;
	/** Where screenshot(name) writes PNGs; defaults to out/ui-screenshots. */
	screenshotDir?: string;
	width?: number;
	height?: number;
	/** Upper bound for the check itself, after the workbench has loaded (default 120 s). */
	timeoutMs?: number;
	/** Print the workbench's console and the server's output. Also on with CTM_TEST_VERBOSE=1. */
	verbose?: boolean;
}

export interface Workbench {
	page: Page;
	server: CodeServer;
	/** Opens a workspace-relative file through Quick Open (Ctrl+P) and waits for its editor to be active. */
	openFile(relativePath: string): Promise<void>;
	/** Runs a command by its title through the Command Palette (F1), e.g. 'View: Close All Editors'. */
	runCommand(title: string): Promise<void>;
	/** Visible texts of all status bar items, icons excluded. */
	statusBarTexts(): Promise<string[]>;
	/** Titles of the CodeLenses currently rendered in the visible editors. */
	codeLensTexts(): Promise<string[]>;
	/** Hovers the first status bar item whose text matches and returns the hover's text. */
	statusBarHover(text: string | RegExp): Promise<string>;
	/** Writes a PNG of the page (or of one element) and returns its path. */
	screenshot(name: string, selector?: string): Promise<string>;
}

/** Polls until the condition holds; throws with the message after the timeout. */
export async function waitFor(condition: () => Promise<boolean> | boolean, message = 'condition', timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await condition()) {
			return;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
		}
		await new Promise(r => setTimeout(r, 100));
	}
}

/** Waits until some frame of the page (a webview's nested iframe, say) shows text matching the pattern; returns that text. */
export async function waitForFrameText(page: Page, pattern: RegExp, message: string, timeoutMs = 30_000): Promise<string> {
	let text = '';
	await waitFor(async () => {
		for (const frame of page.frames()) {
			const body = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
			if (pattern.test(body)) { text = body; return true; }
		}
		return false;
	}, message, timeoutMs);
	return text;
}

function matches(text: string, pattern: string | RegExp): boolean {
	return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

export async function withWorkbench<T>(opts: WorkbenchOptions, check: (wb: Workbench) => Promise<T>): Promise<T> {
	const root = repoRoot();
	const developmentPaths = opts.extensionDevelopmentPath === null ? [] : [path.resolve(opts.extensionDevelopmentPath ?? root)];
	const workspace = path.resolve(opts.workspace ?? path.join(root, 'test', 'fixtures', 'workspace'));
	const shotDir = path.resolve(opts.screenshotDir ?? path.join(root, 'out', 'ui-screenshots'));
	const verbose = opts.verbose ?? process.env.CTM_TEST_VERBOSE === '1';
	const timeoutMs = opts.timeoutMs ?? 120_000;

	const server = await startCodeServer({
		settings: { ...settingsFromEnv(), ...opts.settings },
		env: { ...process.env, ...opts.env },
		onOutput: verbose ? line => console.log(`[server] ${line}`) : undefined,
		install: opts.install,
		untrusted: opts.untrusted,
	});
	let timer: NodeJS.Timeout | undefined;
	const session = await openBrowser({ width: opts.width, height: opts.height, tmpDir: path.join(server.tmp, 'browser') }).catch(err => {
		server.stop();
		throw err;
	});
	try {
		const { page } = session;
		if (verbose) {
			page.on('console', msg => console.log(`[browser ${msg.type()}] ${msg.text()}`));
			page.on('pageerror', err => console.error(`[page error] ${err.message}`));
		}
		await page.goto(server.url(workspace, developmentPaths));
		// The workbench is usable once the status bar and the explorer's folder are rendered.
		await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
		await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
		await page.waitForFunction(() => document.querySelectorAll('.statusbar-item').length > 2, undefined, { timeout: 60_000 });

		const quickInput = page.locator('.quick-input-widget');
		const wb: Workbench = {
			page,
			server,
			async openFile(relativePath) {
				const name = path.basename(relativePath);
				const tab = page.locator('.tabs-container .tab.active', { hasText: name });
				// Right after the window opens (the workspace still loading), Quick Open may take the Enter and open
				// nothing: try again a few times before giving up.
				for (let attempt = 1; ; attempt++) {
					await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, force: true }).catch(() => undefined);
					await page.keyboard.press('Control+P');
					await quickInput.waitFor({ state: 'visible' });
					// An absolute path is picked at once, without waiting for the workspace file search.
					await page.keyboard.type(path.resolve(workspace, relativePath));
					// Wait for the file to show up as a pick before accepting it.
					await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
					await page.keyboard.press('Enter');
					const opened = await tab.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 30_000 }).then(() => true, (err) => {
						if (attempt >= 3) { throw err; }
						return false;
					});
					if (opened) { break; }
					await page.keyboard.press('Escape');
				}
				await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
			},
			async runCommand(title) {
				await page.keyboard.press('F1');
				await quickInput.waitFor({ state: 'visible' });
				await page.keyboard.type(title);
				await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
				await page.keyboard.press('Enter');
				await quickInput.waitFor({ state: 'hidden' }).catch(() => undefined);
			},
			async statusBarTexts() {
				return page.$$eval('.statusbar-item', items =>
					items.map(item => (item.textContent ?? '').replace(/\s+/g, ' ').trim()).filter(t => t.length > 0),
				);
			},
			async codeLensTexts() {
				return page.$$eval('.codelens-decoration', items =>
					items.map(item => (item.textContent ?? '').replace(/\s+/g, ' ').trim()).filter(t => t.length > 0),
				);
			},
			async statusBarHover(text) {
				// Items come and go while this runs (the selection's item): find the index afresh on each try.
				const items = page.locator('.statusbar-item');
				// Under load a hover can fail to open (the pointer arrived while the item was redrawn): hover again.
				const deadline = Date.now() + 25_000;
				for (;;) {
					const texts = await page.$$eval('.statusbar-item', (els) => els.map((el) => (el.textContent ?? '').trim()));
					const i = texts.findIndex((t) => matches(t, text));
					if (i >= 0) {
						try {
							const item = items.nth(i);
							await item.hover({ timeout: 3_000 });
							// The item under the pointer must still be the one asked for: an item appearing meanwhile
							// (the selection's) shifts the others.
							if (matches(((await item.textContent()) ?? '').trim(), text)) {
								const hover = page.locator('.workbench-hover, .monaco-hover:not(.hidden)').first();
								await hover.waitFor({ state: 'visible', timeout: 5_000 });
								return ((await hover.textContent()) ?? '').replace(/\s+/g, ' ').trim();
							}
						} catch (err) {
							if (Date.now() > deadline) { throw err; }
							// Off the item first: a hover opens when the pointer arrives.
							await page.mouse.move(0, 0);
						}
					} else if (Date.now() > deadline) {
						throw new Error(`no status bar item matching ${String(text)}: ${texts.filter(Boolean).join(' | ')}`);
					}
					await new Promise((r) => setTimeout(r, 200));
				}
			},
			async screenshot(name, selector) {
				fs.mkdirSync(shotDir, { recursive: true });
				const file = path.join(shotDir, name.endsWith('.png') ? name : `${name}.png`);
				if (selector) {
					await page.locator(selector).first().screenshot({ path: file });
				} else {
					await page.screenshot({ path: file });
				}
				return file;
			},
		};
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`workbench session timed out after ${timeoutMs} ms`)), timeoutMs);
		});
		return await Promise.race([check(wb), timeout]);
	} finally {
		clearTimeout(timer);
		await session.close();
		server.stop();
	}
}
