// DOM checks in the real (offline) VS Code: an SDK call typed in a Python and a Go file, with the editor's
// closing of brackets and quotes turned off, is counted while its brackets are still open, and the call
// before it keeps its CodeLens.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor } from '../vscode/uiCheck';

const PYTHON = `import anthropic

client = anthropic.Anthropic()
SYSTEM = "You sort support tickets into billing, shipping or product."


def classify(ticket: str):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=20, system=SYSTEM, messages=[{"role": "user", "content": ticket}])


`;

const GO = `package main

import (
	"context"

	"github.com/anthropics/anthropic-sdk-go"
)

const system = "You sort support tickets into billing, shipping or product."

func classify(ctx context.Context, client anthropic.Client, ticket string) {
	client.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.ModelClaudeSonnet4_5, MaxTokens: 20, System: []anthropic.TextBlockParam{{Text: system}}, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(ticket))}})
}

func greet(ctx context.Context, client anthropic.Client) {
`;

/** A throwaway workspace with the two files, so typing never touches the repository's examples. */
function workspace(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-typing-'));
	fs.writeFileSync(path.join(dir, 'tickets.py'), PYTHON);
	fs.writeFileSync(path.join(dir, 'tickets.go'), GO);
	return dir;
}

const tokenLenses = async (wb: Parameters<UiCheck['run']>[0]): Promise<string[]> => (await wb.codeLensTexts()).filter((t) => /tokens/.test(t));

export const checks: UiCheck[] = [
	{
		name: 'typing: a Python and a Go call still being typed (brackets open) get their CodeLens and status bar figure',
		options: {
			workspace: workspace(),
			settings: {
				'claudeTokenMeter.countingMode': 'offline', 'editor.minimap.enabled': false,
				'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoIndent': 'none',
			},
			width: 1500, height: 800,
		},
		async run(wb) {
			for (const [file, typed, expect] of [
				['tickets.py', 'reply = client.messages.create(model="claude-haiku-4-5", max_tokens=100, system=SYSTEM, messages=[{"role": "user", "content": "Say hello to everyone in the room', 'python'],
				['tickets.go', '\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.ModelClaudeHaiku4_5, MaxTokens: 100, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hello to everyone in the room', 'go'],
			] as const) {
				await wb.openFile(file);
				await waitFor(async () => (await tokenLenses(wb)).length === 1, `the CodeLens of the complete ${expect} call`, 20_000);
				const before = (await tokenLenses(wb))[0];
				await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
				await wb.page.keyboard.press('Control+End');
				await wb.page.keyboard.type(typed, { delay: 5 });
				await waitFor(async () => (await tokenLenses(wb)).length === 2, `a second CodeLens for the half-typed ${expect} call`, 20_000);
				const lenses = await tokenLenses(wb);
				assert.ok(lenses.includes(before), `the complete ${expect} call keeps its CodeLens (${before}) beside ${lenses.join(' | ')}`);
				// The cursor is inside the half-typed call: the status bar shows its figure, a plain count on Haiku 4.5.
				let found: string | undefined;
				await waitFor(async () => (found = (await wb.statusBarTexts()).find((t) => /^≈?[\d,]+ tok · \$[\d.]+/.test(t))) !== undefined, `the status bar figure of the ${expect} call being typed`, 20_000);
				const figure = found!;
				const typedCount = Number(figure.replace(/^≈/, '').replace(/ tok.*/, '').replace(/,/g, ''));
				assert.ok(typedCount > 8 && typedCount < 200, `a first-turn figure for the typed text: ${figure}`);
				// One more word inside the open string moves the figure.
				await wb.page.keyboard.type(' and thank them for coming today', { delay: 5 });
				await waitFor(async () => (await wb.statusBarTexts()).some((t) => /^≈?[\d,]+ tok · \$/.test(t) && t !== figure), `the ${expect} figure to follow the typing`, 20_000);
				await new Promise((r) => setTimeout(r, 500));
				assert.ok(fs.statSync(await wb.screenshot(`half-typed-${expect}`)).size > 20_000);
			}
		},
	},
];
