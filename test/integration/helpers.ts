import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';

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
