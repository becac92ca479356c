/**
 * `claude-token-meter count` on prompt files and `claude-token-meter context`, run in process through the
 * CLI's own `main` (the bundle is exercised by cli.test.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { JsonSite } from '../../src/cli/render';
import { TokenizerCounter } from '../../src/core/count/tokenizerCounter';
import { inputCost, lookupModel } from '../../src/core/cost';
import { scanClaudeContext } from '../../src/core/context/scan';
import { countText, vocabs } from '../core';
import { measuredKind, reproducedExactly } from '../../src/core/offline/measuredAccuracy';
import { asSystemRequests, asUserRequest } from '../../src/core/prompt/count';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'claude-code');
const MODEL = 'claude-sonnet-5-5';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } }, {});
	return { code, out, err };
}

function tmpdir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-cli-prompt-'));
}

describe('CLI: prompt files and the Claude Code context', () => {
	let dir: string;
	const body = 'You are a support assistant for a weather service. Answer in two sentences at most.\n';
	before(() => {
		dir = tmpdir();
		fs.mkdirSync(path.join(dir, 'prompts'));
		fs.writeFileSync(path.join(dir, 'prompts', 'system.md'), body);
		fs.writeFileSync(path.join(dir, 'prompts', 'greet.prompt.md'), '---\ndescription: Greeting\n---\nGreet {{name}} warmly.\n');
		fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }));
	});

	it('counts a prompt file as one user message, equal to the offline counter on the same text', async () => {
		const r = await cli(['count', path.join(dir, 'prompts', 'system.md'), '--as', 'user', '--json']);
		assert.equal(r.code, 0, r.err);
		const [site] = JSON.parse(r.out) as JsonSite[];
		const expected = await new TokenizerCounter(vocabs).count({ provider: 'anthropic', model: MODEL, body: asUserRequest(body, MODEL) });
		assert.equal(site.kind, 'prompt-user');
		assert.equal(site.inputTokens, expected.inputTokens);
		assert.equal(site.exact, false, 'an offline figure is never called exact');
		assert.equal(site.approximate, false, 'one plain-text user message is what the tokenizer reproduces');
		assert.equal(site.costUsd, inputCost(expected.inputTokens, lookupModel(MODEL)!));
	});

	it('counts a prompt file as a system prompt by default: what it adds to a request', async () => {
		const r = await cli(['count', path.join(dir, 'prompts', 'system.md'), '--json']);
		assert.equal(r.code, 0, r.err);
		const [site] = JSON.parse(r.out) as JsonSite[];
		const counter = new TokenizerCounter(vocabs);
		const { withPrompt, without } = asSystemRequests(body, MODEL);
		const a = await counter.count({ provider: 'anthropic', model: MODEL, body: withPrompt });
		const b = await counter.count({ provider: 'anthropic', model: MODEL, body: without });
		assert.equal(site.kind, 'prompt-system');
		assert.equal(site.inputTokens, a.inputTokens - b.inputTokens);
		assert.ok(site.inputTokens >= countText(body, 'v5'));
		// Marked approximate exactly when the recordings do not reproduce system prompts on v5 (≥ 95 % exact).
		assert.equal(site.approximate, !reproducedExactly(measuredKind('v5', 'system/turns')), 'system framing is marked as its measured accuracy says');
		assert.equal(site.approximate, a.approximate);
	});

	it('searches folders for prompt files with --as, marks placeholders as lower bounds, and gates on the budget', async () => {
		const r = await cli(['count', dir, '--as', 'system', '--budget-tokens', '10']);
		assert.equal(r.code, 1);
		assert.match(r.out, /prompts\/greet\.prompt\.md:1:1\s+prompt-system/);
		assert.match(r.out, /prompts\/system\.md:1:1\s+prompt-system/);
		assert.match(r.out, /request\.json:1:1\s+messages/);
		assert.match(r.out, /≥[\d,]+/);
		assert.match(r.err, /Budget exceeded/);
		const plain = await cli(['count', dir, '--json']);
		assert.deepEqual((JSON.parse(plain.out) as JsonSite[]).map((s) => s.kind), ['messages'], 'without --as a folder keeps to request files');
		const txt = path.join(dir, 'notes.txt');
		fs.writeFileSync(txt, 'Summarise the ticket in one line.\n');
		const strayTxt = await cli(['count', txt]);
		assert.equal(strayTxt.code, 2, 'a .txt is a prompt only when --as says so');
		assert.match(strayTxt.err, /notes\.txt: not a file type requests are detected in .*add --as system or --as user/);
		assert.equal((await cli(['count', txt, '--as', 'user'])).code, 0);
		fs.rmSync(txt);
		const bad = await cli(['count', path.join(dir, 'prompts', 'system.md'), '--as', 'assistant']);
		assert.equal(bad.code, 2);
		assert.match(bad.err, /--as expects "system" or "user"/);
	});

	it('prints the context table of the fixture and its JSON, with the every-turn total the scanner gives', async () => {
		const r = await cli(['context', FIXTURE, '--no-user']);
		assert.equal(r.code, 0, r.err);
		const scan = scanClaudeContext(FIXTURE, { family: 'v5', vocabs, contextWindow: lookupModel(MODEL)!.contextWindow });
		assert.match(r.out, /^Claude Code context of .*claude-code on claude-sonnet-5-5/);
		assert.match(r.out, /CLAUDE\.md\s+project CLAUDE\.md\s+every turn/);
		assert.match(r.out, / {4}└ docs\/style\/naming\.md\s+import\s+every turn/);
		assert.ok(r.out.includes(`Every turn: ≈${scan.everyTurnTokens.toLocaleString('en-US')} tokens`), r.out);
		assert.match(r.out, /Import cycle/);
		const j = await cli(['context', FIXTURE, '--no-user', '--json']);
		const json = JSON.parse(j.out) as { everyTurnTokens: number; overBudget: boolean; items: { label: string; children: { label: string; children: { label: string }[] }[] }[] };
		assert.equal(json.everyTurnTokens, scan.everyTurnTokens);
		assert.equal(json.items[0].children[0].children[0].label, 'docs/style/naming.md');
		assert.equal(json.overBudget, false);
	});

	it('exits 1 when every turn loads more than --budget-tokens, 2 on a bad folder', async () => {
		const over = await cli(['context', FIXTURE, '--no-user', '--budget-tokens', '100']);
		assert.equal(over.code, 1);
		assert.match(over.err, /Budget exceeded: every turn loads [\d,]+ tokens of Claude Code context, over the budget of 100/);
		const under = await cli(['context', FIXTURE, '--no-user', '--budget-tokens', '100000']);
		assert.equal(under.code, 0);
		const missing = await cli(['context', path.join(dir, 'nope')]);
		assert.equal(missing.code, 2);
		assert.match(missing.err, /no such folder/);
		const api = await cli(['context', FIXTURE, '--api']);
		assert.equal(api.code, 2);
	});
});
