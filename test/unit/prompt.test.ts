import * as assert from 'node:assert/strict';
import { TokenizerCounter } from '../../src/core/count/tokenizerCounter';
import { countText, loadFamily, vocabs } from '../core';
import { asSystemRequests, asUserRequest, countBounded, countBoundedSlices, countPrompt, familyFor } from '../../src/core/prompt/count';
import { parseFrontMatter } from '../../src/core/prompt/frontMatter';
import { analyzePrompt, promptKindOf } from '../../src/core/prompt/promptFile';

const MODEL = 'claude-sonnet-5-5';
const family = familyFor(MODEL);

/** What the offline counter reports for the text as one user message, frame taken off: the text's own tokens. */
async function offlineCounterTokens(text: string): Promise<number> {
	const r = await new TokenizerCounter(vocabs).count({ provider: 'anthropic', model: MODEL, body: asUserRequest(text, MODEL) });
	return r.inputTokens - loadFamily(family).messageOverhead;
}

describe('prompt files', () => {
	it('tells the kinds apart by name and folder', () => {
		assert.equal(promptKindOf('/w/prompts/system.md'), 'markdown');
		assert.equal(promptKindOf('/w/prompts/notes.txt'), 'markdown');
		assert.equal(promptKindOf('/w/.github/prompts/review.prompt.md'), 'vscode-prompt');
		assert.equal(promptKindOf('/w/.github/instructions/ts.instructions.md'), 'vscode-prompt');
		assert.equal(promptKindOf('C:\\w\\summarize.prompty'), 'prompty');
		assert.equal(promptKindOf('/w/CLAUDE.md'), 'claude-md');
		assert.equal(promptKindOf('/w/sub/CLAUDE.local.md'), 'claude-md');
		assert.equal(promptKindOf('/w/AGENTS.md'), 'claude-md');
		assert.equal(promptKindOf('/w/.claude/skills/deploy/SKILL.md'), 'claude-skill');
		assert.equal(promptKindOf('/w/.claude/agents/review/reviewer.md'), 'claude-agent');
		assert.equal(promptKindOf('/w/.claude/rules/testing.md'), 'claude-rule');
		assert.equal(promptKindOf('/w/.claude/commands/fix.md'), 'claude-command');
	});

	it('counts a plain Markdown prompt whole, equal to the offline counter on the same text', async () => {
		const text = '# System\n\nYou are a terse assistant. Answer in one sentence; cite the file you used.\n';
		const doc = analyzePrompt(text, '/w/prompts/system.md');
		assert.equal(doc.countedText, text);
		const c = countPrompt(doc, text, family, vocabs);
		assert.equal(c.tokens, countText(text, family));
		assert.equal(c.tokens, await offlineCounterTokens(text));
		assert.ok(c.tokens > 10);
		assert.equal(c.lowerBound, false);
	});

	it('leaves the front matter of a VS Code prompt file out and counts only its body', async () => {
		const body = 'Review the selected code for security problems. List each with its line.\n';
		const text = `---\ndescription: Security review\nmode: agent\ntools: ['codebase']\n---\n${body}`;
		const doc = analyzePrompt(text, '/w/.github/prompts/security.prompt.md');
		assert.equal(doc.frontMatter?.data.description, 'Security review');
		assert.equal(doc.frontMatterCounted, false);
		assert.equal(doc.countedText, body);
		const c = countPrompt(doc, text, family, vocabs);
		assert.equal(c.tokens, countText(body, family));
		assert.equal(c.tokens, await offlineCounterTokens(body));
		assert.ok(c.frontMatter && c.frontMatter.tokens > 5 && !c.frontMatter.counted);
		assert.equal(c.bodyTokens, c.tokens);
	});

	it('counts the front matter of plain Markdown (nothing says it is not sent) and reports it apart', () => {
		const text = '---\ntitle: Support bot\n---\nYou answer billing questions only.\n';
		const doc = analyzePrompt(text, '/w/prompts/support.md');
		assert.equal(doc.countedText, text);
		const c = countPrompt(doc, text, family, vocabs);
		assert.equal(c.tokens, countText(text, family));
		assert.ok(c.frontMatter?.counted);
		assert.equal(c.bodyTokens, c.tokens - c.frontMatter!.tokens);
	});

	it('marks unresolved {{variables}} and ${input:…} as lower bounds, counted as 0', async () => {
		const text = '---\nagent: ask\n---\nHello {{ user_name }}, summarise ${input:topic} for {{user_name}} using ${selection}.\n';
		const doc = analyzePrompt(text, '/w/p/hello.prompt.md');
		assert.deepEqual(doc.placeholders.map((p) => p.name), ['user_name', 'input:topic', 'user_name', 'selection']);
		assert.equal(doc.countedText, 'Hello , summarise  for  using .\n');
		const c = countPrompt(doc, text, family, vocabs);
		assert.equal(c.lowerBound, true);
		assert.deepEqual(c.placeholders.map((p) => [p.name, p.count]), [['user_name', 2], ['input:topic', 1], ['selection', 1]]);
		assert.equal(c.tokens, await offlineCounterTokens(doc.countedText));
	});

	it('reads a .prompty file: configuration front matter out, role lines and Jinja statements out, variables as placeholders', () => {
		const text = [
			'---', 'name: Summarize', 'model:', '  api: chat', '  configuration:', '    type: openai', 'sample:', '  article: The sky is blue.', '---',
			'system:', 'You summarise articles in three bullets.', '{% if tone %}Use a {{tone}} tone.{% endif %}', '{# internal note #}', '', 'user:', '{{article}}', '',
		].join('\n');
		const doc = analyzePrompt(text, '/w/summarize.prompty');
		assert.equal(doc.kind, 'prompty');
		assert.equal(doc.frontMatterCounted, false);
		assert.equal((doc.frontMatter?.data.sample as Record<string, string>).article, 'The sky is blue.');
		assert.equal(doc.countedText, 'You summarise articles in three bullets.\nUse a  tone.\n\n\n\n');
		assert.deepEqual(doc.placeholders.map((p) => p.name), ['tone', 'article']);
		assert.deepEqual(doc.removed.map((r) => r.reason), ['role marker (starts a message)', 'template statement (rendered away)', 'template statement (rendered away)', 'template comment', 'role marker (starts a message)']);
	});

	it('strips block HTML comments from CLAUDE.md as Claude Code does, but not inside code fences', () => {
		const text = '# Project\n<!-- maintainers only -->\nRun `npm test`.\n```html\n<!-- kept -->\n```\n';
		const doc = analyzePrompt(text, '/w/CLAUDE.md');
		assert.equal(doc.countedText, '# Project\nRun `npm test`.\n```html\n<!-- kept -->\n```\n');
		assert.equal(countPrompt(doc, text, family, vocabs).removed[0].count, 1);
	});

	it('keeps going on malformed front matter and says why', () => {
		const text = '---\nname: [unclosed\n---\nBody text.\n';
		const fm = parseFrontMatter(text);
		assert.ok(fm?.error?.startsWith('The front matter is not valid YAML'));
		const doc = analyzePrompt(text, '/w/.claude/skills/x/SKILL.md');
		assert.equal(doc.countedText, 'Body text.\n');
		assert.equal(parseFrontMatter('no front matter\n---\n'), undefined);
		assert.equal(parseFrontMatter('---\nnever closed\n'), undefined);
	});

	it('measures a system prompt as the difference of two requests and a user message as one request', async () => {
		const text = 'You are a careful reviewer.';
		const counter = new TokenizerCounter(vocabs);
		const { withPrompt, without } = asSystemRequests(text, MODEL);
		const a = await counter.count({ provider: 'anthropic', model: MODEL, body: withPrompt });
		const b = await counter.count({ provider: 'anthropic', model: MODEL, body: without });
		assert.ok(a.inputTokens - b.inputTokens >= countText(text, family), 'the system prompt adds at least its own tokens');
		const u = await counter.count({ provider: 'anthropic', model: MODEL, body: asUserRequest(text, MODEL) });
		assert.equal(u.inputTokens, countText(text, family) + loadFamily(family).messageOverhead);
		assert.equal(u.exact, true);
	});
});

describe('bounded counting', () => {
	const paragraph = 'The quick brown fox jumps over the lazy dog while the committee reviews the budget. ';

	it('counts exactly up to the bound', () => {
		const text = paragraph.repeat(50);
		assert.deepEqual(countBounded(text, (t) => countText(t, family), 10_000), { tokens: countText(text, family), estimated: false, countedChars: text.length });
	});

	it('samples beyond the bound: the work is bounded and the estimate close', () => {
		const text = paragraph.repeat(4000); // ≈ 340K characters
		const exact = countText(text, family);
		const r = countBounded(text, (t) => countText(t, family), 40_000);
		assert.equal(r.estimated, true);
		assert.ok(r.countedChars <= 40_000 + 8 * 64, `counted ${r.countedChars} characters`);
		assert.ok(Math.abs(r.tokens - exact) / exact < 0.02, `${r.tokens} vs ${exact}`);
	});

	it('reads only the sampled windows when the text comes in slices', () => {
		const text = paragraph.repeat(4000);
		let read = 0;
		const r = countBoundedSlices(text.length, (s, e) => { read += e - s; return text.slice(s, e); }, (t) => countText(t, family), 40_000);
		assert.equal(r.estimated, true);
		assert.ok(read < 45_000, `read ${read} characters of ${text.length}`);
	});
});
