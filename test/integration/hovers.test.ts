// Hovers where the guide promises them (issue 12 item 8): on the keys of a request, on an array `system`
// and on `tools` with their largest section, and on a constant that feeds requests; this request's figure
// first, the rate card after it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { activateExtension, openInEditor, setting, resetState } from './helpers';

function hoverText(hovers: vscode.Hover[] | undefined): string {
	return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

async function hoverAt(editor: vscode.TextEditor, needle: string, delta = 2): Promise<string> {
	const offset = editor.document.getText().indexOf(needle) + delta;
	assert.ok(offset >= delta, `"${needle}" is in the document`);
	return hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.document.positionAt(offset)));
}

/** Our hover's Markdown only (the language's own hovers come first), its escapes removed. */
function ours(text: string): string {
	const at = text.search(/(\*\*)?This request|\*\*≈?[\d,]+ tokens · used by/);
	return at < 0 ? '' : text.slice(at).replace(/\\(.)/g, '$1');
}

const REQUEST = JSON.stringify({
	model: 'claude-sonnet-4-5',
	max_tokens: 512,
	system: [
		{ type: 'text', text: 'You are a support assistant for a camping store.' },
		{ type: 'text', text: `Store policy, to follow to the letter: ${'Refunds need a confirmed order and a photo of the damage. '.repeat(12)}` },
	],
	tools: [
		{ name: 'lookup_order', description: 'Look up an order by its number.', input_schema: { type: 'object', properties: { order_number: { type: 'string' } }, required: ['order_number'] } },
		{ name: 'open_replacement_claim', description: `Open a claim for a replacement part. ${'Give the order number, the part, the damage and the delivery address. '.repeat(6)}`, input_schema: { type: 'object', properties: { order_number: { type: 'string' }, part: { type: 'string' }, address: { type: 'string' } }, required: ['order_number', 'part'] } },
	],
	messages: [{ role: 'user', content: 'My tent arrived with a broken pole.' }],
}, null, 2);

describe('Hovers on keys, arrays and constants in a real VS Code', function () {
	this.timeout(40_000);
	let api: TestApi;
	let editor: vscode.TextEditor;

	before(async () => {
		await resetState();
		await setting('countingMode', 'offline');
		api = await activateExtension();
		editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'json', content: REQUEST }));
		await api.whenIdle();
	});

	after(resetState);

	// The request's own editor in front, counted, whatever the test before opened over it.
	beforeEach(async () => {
		editor = await vscode.window.showTextDocument(editor.document);
		await api.whenIdle();
	});

	it('hovering the "model" key: this request\'s cost first, then the rate card', async () => {
		const text = ours(await hoverAt(editor, '"model"'));
		const cost = text.search(/This request: \*\*≈?[\d,]+ tokens → \$[\d.]+\*\* input/);
		const card = text.indexOf('| Input |');
		assert.ok(cost >= 0, `this request's cost: ${text}`);
		assert.ok(card > cost, 'the rate card comes after this request\'s cost');
	});

	it('hovering the "max_tokens" and "messages" keys', async () => {
		const max = ours(await hoverAt(editor, '"max_tokens"'));
		assert.match(max, /^\*\*This request: ≈?[\d,]+ tok · \$[\d.]+/);
		assert.match(max, /Worst case for this call: \$[\d.]+/);
		const messages = ours(await hoverAt(editor, '"messages"'));
		assert.match(messages, /^\*\*This request: ≈?[\d,]+ tok · /);
		assert.match(messages, /\*\*Messages\*\*: 1 message\./);
	});

	it('hovering the "system" key of an array system: its tokens and its largest block', async () => {
		const text = ours(await hoverAt(editor, '"system"'));
		assert.match(text, /^\*\*This request: ≈?[\d,]+ tok · /);
		assert.match(text, /\*\*System prompt\*\* \/system: \*\*≈?[\d,]+ tokens\*\*, [\d.]+% of the request/);
		assert.match(text, /Largest of 2: block 2, \*\*≈?[\d,]+ tokens\*\*/);
	});

	it('hovering one block of an array system gives its own figure', async () => {
		const text = ours(await hoverAt(editor, 'You are a support assistant', 4));
		assert.match(text, /\*\*Content block\*\* \/system\/0: \*\*≈?[1-9][\d,]* tokens\*\*/);
	});

	it('hovering "tools": every tool definition together, and the largest tool', async () => {
		const text = ours(await hoverAt(editor, '"tools"'));
		assert.match(text, /\*\*Tool definitions\*\* \/tools: \*\*≈?[1-9][\d,]* tokens\*\*, [\d.]+% of the request/);
		assert.match(text, /Largest of 2: tool open_replacement_claim, \*\*≈?[\d,]+ tokens\*\*/);
	});

	it('hovering a constant that feeds two requests: its tokens and "used by 2 requests", after the language\'s hover', async () => {
		const ts = await openInEditor('../../../examples/summarize.ts');
		await api.whenIdle();
		for (const [needle, delta] of [['You summarise engineering', 4], ['SYSTEM_PROMPT =', 3]] as const) {
			const all = await hoverAt(ts, needle, delta);
			const text = ours(all);
			assert.match(text, /^\*\*≈?[1-9][\d,]* tokens · used by 2 requests\*\* \(system prompt, \$[\d.]+ per call on /, `on ${needle}: ${all}`);
			// The two calls that use it, by line and model.
			assert.match(text, /\n- line \d+: claude-[\w.-]+\n- line \d+: claude-[\w.-]+/);
		}
	});
});
