import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { startCountServer, type CountServer, type RecordedRequest } from '../server/countServer';

export const EXTENSION_ID = 'claude-token-meter.claude-token-meter';

export async function activateExtension(): Promise<TestApi> {
	const ext = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
	assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
	return ext.activate();
}

export function workspaceFile(name: string): vscode.Uri {
	const folder = vscode.workspace.workspaceFolders?.[0];
	assert.ok(folder, 'a workspace folder is open');
	return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

export async function openInEditor(name: string): Promise<vscode.TextEditor> {
	const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
	return vscode.window.showTextDocument(doc, { preview: false });
}

export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
	const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
	return (lenses ?? []).filter((l) => l.command?.command.startsWith('claudeTokenMeter.')).map((l) => l.command!.title);
}

export async function setting(key: string, value: unknown): Promise<void> {
	await vscode.workspace.getConfiguration('claudeTokenMeter').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Waits until `check` returns a truthy value (VS Code applies settings and edits asynchronously). */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
	const end = Date.now() + timeoutMs;
	let last: T | undefined;
	while (Date.now() < end) {
		last = await check();
		if (last) { return last as NonNullable<T>; }
		await new Promise((r) => setTimeout(r, 50));
	}
	assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The figure in a lens title, e.g. 1284 from "1,284 tokens · …". */
export function tokensIn(title: string): number {
	const m = /([\d,]+) tokens/.exec(title);
	assert.ok(m, `a token figure in "${title}"`);
	return Number(m[1].replace(/,/g, ''));
}

/** Our settings as the manifest contributes them, without the `claudeTokenMeter.` prefix. */
function ourSettings(): string[] {
	const ext = vscode.extensions.getExtension(EXTENSION_ID);
	assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
	const props = (ext.packageJSON as { contributes: { configuration: { properties: Record<string, unknown> } } }).contributes.configuration.properties;
	return Object.keys(props).map((k) => k.replace(/^claudeTokenMeter\./, ''));
}

/**
 * The state every suite starts from, whatever ran before it: no editor open, every one of our user settings
 * at its default, no key stored. A suite's `before` calls it and then sets only what it needs; its `after`
 * calls it again, so nothing it set leaks into the next suite.
 */
export async function resetState(): Promise<void> {
	await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	const config = vscode.workspace.getConfiguration('claudeTokenMeter');
	for (const key of ourSettings()) {
		if (config.inspect(key)?.globalValue !== undefined) {
			await config.update(key, undefined, vscode.ConfigurationTarget.Global);
		}
	}
	await activateExtension();
	await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
}

/**
 * Hooks for a suite that counts offline with no editor open: starts from `resetState()` with countingMode
 * offline, and resets again after. Returns the extension's test API once the suite has started.
 */
export function offlineSuite(): () => TestApi {
	let api: TestApi | undefined;
	before(async () => {
		await resetState();
		await setting('countingMode', 'offline');
		api = await activateExtension();
	});
	after(resetState);
	return () => { assert.ok(api, 'the suite has started'); return api; };
}

export interface ApiSuiteOptions {
	/** `api.countDelay` for the suite (else its default). */
	readonly countDelay?: number;
	/** Keys the count server accepts (else any). */
	readonly validKeys?: readonly string[];
	/** A key given in the environment (ANTHROPIC_API_KEY, through `api.useEnvironmentKey`); the variable is restored after. */
	readonly environmentKey?: string;
}

export interface ApiSuite {
	readonly api: TestApi;
	readonly server: CountServer;
	/** The count_tokens calls the server received (the Models API is read too once a key is set). */
	counts(): RecordedRequest[];
}

/**
 * Hooks for a suite that counts through the local count server: starts from `resetState()`, starts the server,
 * points `api.baseURL` at it with countingMode auto, then sets the suite's count delay and environment key;
 * forgets the server's requests and faults before each test; resets and stops the server after. A stored key
 * is each test's own precondition (`storeKey`, `clearStoredKey`). Returns the extension's test API and the
 * server once the suite has started.
 */
export function apiSuite(options: ApiSuiteOptions = {}): () => ApiSuite {
	let suite: ApiSuite | undefined;
	const savedKey = process.env.ANTHROPIC_API_KEY;
	before(async () => {
		await resetState();
		const server = await startCountServer(options.validKeys ? { validKeys: [...options.validKeys] } : {});
		if (options.environmentKey !== undefined) {
			process.env.ANTHROPIC_API_KEY = options.environmentKey;
			await setting('api.useEnvironmentKey', true);
		}
		await setting('api.baseURL', server.url);
		await setting('countingMode', 'auto');
		if (options.countDelay !== undefined) {
			await setting('api.countDelay', options.countDelay);
		}
		const api = await activateExtension();
		suite = { api, server, counts: () => server.requests.filter((r) => r.path === '/v1/messages/count_tokens') };
	});
	beforeEach(() => suite?.server.reset());
	after(async () => {
		if (options.environmentKey !== undefined) {
			if (savedKey === undefined) { delete process.env.ANTHROPIC_API_KEY; } else { process.env.ANTHROPIC_API_KEY = savedKey; }
		}
		await resetState();
		await suite?.server.close();
	});
	return () => { assert.ok(suite, 'the suite has started'); return suite; };
}

/**
 * Stores `key` as the user would, for a test that needs one whatever ran before it, and waits for what a key
 * change sets off: the Models API read (which the count server records, and which would take a fault the
 * test queues next) and the recount of every open document. A key change also ends any retry-after pause an
 * earlier test's 429s left on the rate limiter.
 */
export async function storeKey(suite: ApiSuite, key: string): Promise<void> {
	const reads = () => suite.server.requests.filter((r) => r.path.startsWith('/v1/models')).length;
	const before = reads();
	await suite.api.testing!.storeApiKey(key);
	await until(() => reads() > before, 'the Models API read of the stored key');
	await suite.api.whenIdle();
}

/**
 * Removes the stored key, for a test that needs none whatever ran before it (with `environmentKey`, the
 * environment's key is then the one in use), and waits like `storeKey`: for the Models API read when a key
 * is still available, and for the recount. The key change also ends any retry-after pause left from before.
 */
export async function clearStoredKey(suite: ApiSuite): Promise<void> {
	const reads = () => suite.server.requests.filter((r) => r.path.startsWith('/v1/models')).length;
	const before = reads();
	await vscode.commands.executeCommand('claudeTokenMeter.clearApiKey');
	if (suite.api.hasApiKey()) {
		await until(() => reads() > before, 'the Models API read of the environment key');
	}
	await suite.api.whenIdle();
}
