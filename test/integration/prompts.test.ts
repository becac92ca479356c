import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { formatTokens, lookupModel } from '../../src/core/cost';
import { scanClaudeContext } from '../../src/core/context/scan';
import { countText, vocabs } from '../core';
import { analyzePrompt } from '../../src/core/prompt/promptFile';
import { activateExtension, openInEditor, until, resetState } from './helpers';

const MODEL = 'claude-sonnet-5-5';
const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'claude-code');

describe('Prompt files, the selection and the Claude Code context in a real VS Code', function () {
	this.timeout(30_000);
	let api: TestApi;

	before(async () => {
		await resetState();
		api = await activateExtension();
	});

	after(resetState);

	it('shows a Markdown prompt\'s count as soon as it opens, equal to the offline count of its text', async () => {
		const callsBefore = api.service.apiCallCount;
		// The extension's listener runs before this one: the figure must already be there, with no wait.
		let atEvent: string | undefined;
		const sub = vscode.window.onDidChangeActiveTextEditor((e) => {
			if (e?.document.fileName.endsWith('system.md')) {
				atEvent = api.prompts.text;
			}
		});
		const editor = await openInEditor('prompts/system.md').finally(() => sub.dispose());
		const text = await until(() => api.prompts.text, 'the prompt status item', 5_000);
		assert.equal(atEvent, text, 'the figure is set while the editor change is being announced');
		console.log(`      counted in ${api.prompts.lastUpdateMs.toFixed(1)} ms inside the editor-change event`);
		const tokens = countText(editor.document.getText(), 'v5');
		assert.equal(api.prompts.figureFor(editor.document).count.tokens, tokens);
		assert.ok(text.includes(`${formatTokens(tokens)} tok · $`), text);
		assert.match(text, /% of 1M$/);
		assert.equal(api.service.apiCallCount, callsBefore, 'nothing is sent');
	});

	it('leaves a VS Code prompt file\'s front matter out and marks its placeholders "≥"', async () => {
		const editor = await openInEditor('prompts/greet.prompt.md');
		const text = await until(() => (/≥/.test(api.prompts.text) ? api.prompts.text : undefined), 'a lower-bound prompt figure', 5_000);
		const doc = analyzePrompt(editor.document.getText(), editor.document.fileName);
		assert.equal(doc.frontMatterCounted, false);
		assert.deepEqual(doc.placeholders.map((p) => p.name), ['user_name', 'plan']);
		assert.ok(text.includes(`≥${formatTokens(countText(doc.countedText, 'v5'))} tok`), text);
	});

	it('counts a .txt under a prompts folder, ignores other Markdown until asked to count it', async () => {
		await openInEditor('prompts/notes.txt');
		await until(() => api.prompts.text, 'the .txt prompt figure', 5_000);
		const readme = await openInEditor('README.md');
		await until(() => api.prompts.text === '', 'no prompt figure on a README', 5_000);
		const message = await vscode.commands.executeCommand<string>('claudeTokenMeter.countFile');
		assert.match(message, /^README\.md: [\d,]+ tok · /);
		assert.equal(api.prompts.figureFor(readme.document).count.tokens, countText(readme.document.getText(), 'v5'));
		await until(() => api.prompts.text, 'the figure after Count File as Prompt', 5_000);
	});

	it('shows the selection\'s tokens as it changes, several selections summed, and hides with no selection', async () => {
		const editor = await openInEditor('prompts/system.md');
		const doc = editor.document;
		const first = new vscode.Selection(0, 0, Math.min(3, doc.lineCount - 1), 0);
		editor.selection = first;
		const one = await until(() => api.selection.figure, 'a selection figure', 5_000);
		assert.equal(one.tokens, countText(doc.getText(first), 'v5'));
		assert.match(api.selection.text, new RegExp(`${formatTokens(one.tokens)} tok selected$`));
		const lastLine = doc.lineCount - 1;
		const second = new vscode.Selection(lastLine, 0, lastLine, doc.lineAt(lastLine).text.length || 0);
		const wide = new vscode.Selection(4, 0, 6, 0);
		editor.selections = [first, wide];
		const two = await until(() => (api.selection.figure?.selections === 2 ? api.selection.figure : undefined), 'two selections summed', 5_000);
		assert.equal(two.tokens, countText(doc.getText(first), 'v5') + countText(doc.getText(wide), 'v5'));
		assert.match(api.selection.text, /tok 2 selections$/);
		editor.selection = new vscode.Selection(second.start, second.start);
		await until(() => api.selection.text === '', 'the selection item hidden', 5_000);
	});

	it('lists the fixture\'s Claude Code context: CLAUDE.md with two levels of imports, a skill and an agent, with the scanner\'s totals', async () => {
		const report = api.context.reportFor(FIXTURE);
		const info = lookupModel(MODEL)!;
		const scan = scanClaudeContext(FIXTURE, { family: 'v5', vocabs, contextWindow: info.contextWindow, home: os.homedir() });
		assert.equal(report.totals.everyTurnTokens, scan.everyTurnTokens);
		const groups = api.context.groups(report);
		const groupItems = groups.map((g) => api.context.getTreeItem(g));
		assert.deepEqual(groupItems.map((g) => g.label), ['Every turn', 'On use', 'MCP servers', 'Warnings']);
		assert.ok(String(groupItems[0].description).startsWith(`≈${formatTokens(scan.everyTurnTokens)} tok · `), String(groupItems[0].description));
		const every = api.context.childrenOf(groups[0]);
		const labels = every.map((n) => api.context.getTreeItem(n).label);
		for (const want of ['CLAUDE.md', 'CLAUDE.local.md', '.claude/rules/testing.md', '/release-notes', '/forecast', 'reviewer']) {
			assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
		}
		const claude = every[labels.indexOf('CLAUDE.md')];
		const [conventions] = api.context.childrenOf(claude);
		assert.equal(api.context.getTreeItem(conventions).label, 'docs/conventions.md');
		const [naming] = api.context.childrenOf(conventions);
		assert.equal(api.context.getTreeItem(naming).label, 'docs/style/naming.md');
		const reviewer = every[labels.indexOf('reviewer')];
		assert.match(String(api.context.getTreeItem(api.context.childrenOf(reviewer)[0]).description), /own context$/);
		const text = await vscode.commands.executeCommand<string>('claudeTokenMeter.contextReport', FIXTURE);
		assert.ok(text.includes(`Every turn: ≈${formatTokens(scan.everyTurnTokens)} tokens`), text);
	});
});
