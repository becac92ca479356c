import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputCost, lookupModel } from '../../src/core/cost';
import { contextJson, contextReport, renderContextTable } from '../../src/core/context/report';
import { type ContextItem, importsOf, scanClaudeContext } from '../../src/core/context/scan';
import { MAX_IMPORT_HOPS } from '../../src/core/context/limits';
import { countText, vocabs } from '../core';
import { analyzePrompt } from '../../src/core/prompt/promptFile';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'claude-code');
const family = 'v5' as const;

function tmpdir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-context-'));
}

function write(root: string, rel: string, text: string | Buffer): string {
	const file = path.join(root, rel);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, text);
	return file;
}

/** Tokens of a memory file as Claude Code loads it (block HTML comments stripped). */
function memoryTokens(file: string): number {
	return countText(analyzePrompt(fs.readFileSync(file, 'utf8'), file, 'claude-md').countedText, family);
}

function bodyTokens(file: string): number {
	return countText(analyzePrompt(fs.readFileSync(file, 'utf8'), file).countedText, family);
}

function find(items: readonly ContextItem[], label: string): ContextItem {
	const hit = items.find((i) => i.label === label);
	assert.ok(hit, `an item "${label}" among ${items.map((i) => i.label).join(', ')}`);
	return hit;
}

describe('Claude Code context', () => {
	const emptyHome = tmpdir();

	it('finds @imports outside code spans and fences only', () => {
		const text = 'See @README and @docs/a.md, mail me@example.com.\n`@not/this.md` and\n```\n@nor/this.md\n```\n(@paren.md)\n';
		assert.deepEqual(importsOf(text), ['README', 'docs/a.md,', 'paren.md']);
	});

	it('lists the fixture: CLAUDE.md with two levels of imports, rules, a skill, an agent, a command, MCP servers', () => {
		const scan = scanClaudeContext(FIXTURE, { family, vocabs, home: emptyHome, ancestors: false, contextWindow: 1_000_000 });
		const claude = find(scan.items, 'CLAUDE.md');
		assert.equal(claude.load, 'every-turn');
		assert.equal(claude.tokens, memoryTokens(path.join(FIXTURE, 'CLAUDE.md')));
		// The HTML comment is stripped, the code-span mention is not an import.
		assert.ok(claude.notes.some((n) => /1 HTML comment stripped/.test(n)));
		const conventions = find(claude.children, 'docs/conventions.md');
		assert.equal(conventions.depth, 1);
		assert.equal(conventions.tokens, memoryTokens(path.join(FIXTURE, 'docs/conventions.md')));
		const naming = find(conventions.children, 'docs/style/naming.md');
		assert.equal(naming.depth, 2);
		assert.equal(naming.children.length, 0, 'the import back to conventions.md is a cycle and not loaded');
		assert.ok(scan.warnings.some((w) => /Import cycle: docs\/style\/naming\.md imports docs\/conventions\.md/.test(w.message)));

		assert.equal(find(scan.items, '.claude/rules/testing.md').load, 'every-turn');
		const api = find(scan.items, '.claude/rules/api.md');
		assert.equal(api.load, 'on-demand');
		assert.ok(api.notes[0].includes('src/api/**/*.ts'));

		const skill = find(scan.items, '/release-notes');
		assert.equal(skill.load, 'every-turn');
		assert.equal(skill.approximate, true);
		const description = 'Drafts release notes from the commits since the last tag. Use when the user asks for release notes or a changelog entry.';
		assert.equal(skill.tokens, countText(`- release-notes: ${description}\n`, family));
		assert.equal(skill.children[0].load, 'on-demand');
		assert.equal(skill.children[0].tokens, bodyTokens(path.join(FIXTURE, '.claude/skills/release-notes/SKILL.md')));

		const agent = find(scan.items, 'reviewer');
		assert.equal(agent.tokens, countText('- reviewer: Reviews a diff for correctness, missing tests and unclear names. Use after changing code.\n', family));
		assert.equal(agent.children[0].load, 'own-context');
		assert.equal(find(scan.items, '/forecast').tokens, countText('- forecast: Prints the forecast for a station id\n', family));

		const mcp = scan.items.filter((i) => i.kind === 'mcp-server');
		assert.deepEqual(mcp.map((i) => [i.label, i.tokens, i.load]), [['stations', undefined, 'run-time'], ['tracker', undefined, 'run-time']]);
		assert.ok(mcp[0].notes.some((n) => /known only when the server runs/.test(n)));
		assert.equal(find(scan.items, 'packages/web/CLAUDE.md').load, 'on-demand');

		const everyTurn = memoryTokens(path.join(FIXTURE, 'CLAUDE.md')) + memoryTokens(path.join(FIXTURE, 'docs/conventions.md'))
			+ memoryTokens(path.join(FIXTURE, 'docs/style/naming.md')) + memoryTokens(path.join(FIXTURE, 'CLAUDE.local.md'))
			+ bodyTokens(path.join(FIXTURE, '.claude/rules/testing.md')) + skill.tokens! + agent.tokens! + find(scan.items, '/forecast').tokens!;
		assert.equal(scan.everyTurnTokens, everyTurn);
		assert.equal(scan.onDemandTokens, api.tokens! + skill.children[0].tokens! + find(scan.items, '/forecast').children[0].tokens! + find(scan.items, 'packages/web/CLAUDE.md').tokens!);
	});

	it('prices the every-turn total on the chosen model and prints the table', () => {
		const info = lookupModel('claude-sonnet-5-5')!;
		const scan = scanClaudeContext(FIXTURE, { family, vocabs, home: emptyHome, ancestors: false, contextWindow: info.contextWindow });
		const report = contextReport(scan, info.id, info);
		assert.equal(report.totals.everyTurnCostUsd, inputCost(scan.everyTurnTokens, info));
		assert.equal(report.totals.everyTurnPct, (scan.everyTurnTokens / info.contextWindow) * 100);
		const text = renderContextTable(report);
		assert.match(text, /└ docs\/conventions\.md\s+import\s+every turn/);
		assert.match(text, /MCP servers: 2; their tool definitions are known only at run time/);
		const json = contextJson(report) as { everyTurnTokens: number; items: { label: string }[] };
		assert.equal(json.everyTurnTokens, scan.everyTurnTokens);
		assert.equal(json.items[0].label, 'CLAUDE.md');
	});

	it(`stops following imports after ${MAX_IMPORT_HOPS} hops and says so`, () => {
		const root = tmpdir();
		write(root, 'CLAUDE.md', 'Root @f1.md\n');
		for (let i = 1; i <= 6; i++) {
			write(root, `f${i}.md`, `File ${i} @f${i + 1}.md\n`);
		}
		write(root, 'f7.md', 'File 7\n');
		const scan = scanClaudeContext(root, { family, vocabs, ancestors: false });
		const labels = scan.flat.filter((i) => i.kind === 'import').map((i) => `${i.label}@${i.depth}`);
		assert.deepEqual(labels, ['f1.md@1', 'f2.md@2', 'f3.md@3', 'f4.md@4']);
		assert.ok(scan.warnings.some((w) => /imports f5\.md at hop 5: beyond Claude Code's 4-hop import limit/.test(w.message)));
	});

	it('counts a file imported twice once, notes missing files and external imports, reads ~/.claude/CLAUDE.md', () => {
		const root = tmpdir();
		const home = tmpdir();
		write(home, '.claude/CLAUDE.md', 'My preferences: short answers.\n');
		write(home, 'shared.md', 'Shared rules.\n');
		write(root, 'CLAUDE.md', '@a.md @b.md @missing/file.md @someone @~/shared.md\n');
		write(root, 'a.md', 'A imports @c.md\n');
		write(root, 'b.md', 'B imports @c.md\n');
		write(root, 'c.md', 'C.\n');
		const scan = scanClaudeContext(root, { family, vocabs, home, ancestors: false });
		const user = find(scan.items, '~/.claude/CLAUDE.md (user)');
		assert.equal(user.tokens, countText('My preferences: short answers.\n', family));
		const claude = find(scan.items, 'CLAUDE.md');
		assert.equal(scan.flat.filter((i) => i.label === 'c.md').length, 1);
		assert.ok(find(claude.children, 'b.md').notes.some((n) => /@c\.md: already loaded \(c\.md\); counted once/.test(n)));
		assert.ok(claude.notes.some((n) => n === '@missing/file.md: no such file (not loaded).'));
		assert.ok(!claude.notes.some((n) => /someone/.test(n)), 'a mention that is not a path is not reported');
		assert.ok(find(claude.children, '~/shared.md').notes.some((n) => /External import/.test(n)));
	});

	it('reads CLAUDE.md files in the folders above, root first', () => {
		const top = tmpdir();
		write(top, 'CLAUDE.md', 'Top.\n');
		write(top, 'mid/CLAUDE.local.md', 'Mid local.\n');
		const root = path.join(top, 'mid', 'proj');
		write(root, 'CLAUDE.md', 'Project.\n');
		const scan = scanClaudeContext(root, { family, vocabs });
		const above = scan.items.filter((i) => i.kind === 'ancestor-memory').map((i) => i.file);
		assert.deepEqual(above, [path.join(top, 'CLAUDE.md'), path.join(top, 'mid', 'CLAUDE.local.md')]);
		assert.equal(scan.items.filter((i) => i.kind === 'ancestor-memory' || i.kind === 'project-memory').pop()?.label, 'CLAUDE.md');
	});

	it('warns where Claude Code truncates or warns: long CLAUDE.md, skill descriptions, skill bodies, listing budget, agents', () => {
		const root = tmpdir();
		write(root, 'CLAUDE.md', Array.from({ length: 230 }, (_, i) => `- rule ${i}`).join('\n') + '\n');
		write(root, '.claude/skills/long/SKILL.md', `---\nname: long\ndescription: ${'word '.repeat(400)}\n---\n${'Step by step instructions for the task. '.repeat(800)}\n`);
		write(root, '.claude/skills/hidden/SKILL.md', '---\nname: hidden\ndescription: Only by hand.\ndisable-model-invocation: true\n---\nBody.\n');
		write(root, '.claude/agents/broken.md', '---\nname: broken\n---\nNo description.\n');
		const scan = scanClaudeContext(root, { family, vocabs, ancestors: false, contextWindow: 20_000 });
		const messages = scan.warnings.map((w) => w.message).join('\n');
		assert.match(messages, /CLAUDE\.md has 230 lines; Claude Code's docs advise under 200/);
		assert.match(messages, /description is 1,999 characters; the skill listing keeps the first 1,536/);
		assert.match(messages, /the body is [\d,]+ tokens; after compaction Claude Code keeps only its first 5,000/);
		assert.match(messages, /over its budget of 1% of the context window \(≈ 200\)/);
		assert.match(messages, /broken\.md: no description in the front matter; Claude Code skips this sub-agent/);
		assert.equal(find(scan.items, '/hidden').tokens, 0);
		assert.equal(find(scan.items, 'broken').tokens, 0);
		assert.ok(scan.warnings.every((w) => /^(?:code\.claude\.com|github\.com)\//.test(w.source)), 'every warning names its source');
	});

	it('skips what Claude Code skips and survives bad input: huge, binary, malformed files', () => {
		const root = tmpdir();
		write(root, 'CLAUDE.md', Buffer.alloc(4 * 1024 * 1024 + 10, 'a'));
		write(root, 'CLAUDE.local.md', Buffer.from([0x41, 0, 0x42]));
		write(root, '.mcp.json', '{ "mcpServers": ');
		write(root, '.claude/skills/bad/SKILL.md', '---\nname: [oops\n---\nBody here.\n');
		const scan = scanClaudeContext(root, { family, vocabs, ancestors: false });
		assert.equal(find(scan.items, 'CLAUDE.md').tokens, undefined);
		assert.ok(scan.warnings.some((w) => /CLAUDE\.md is larger than 4 MiB \(4\.0 MiB\): Claude Code skips it/.test(w.message)));
		assert.deepEqual(find(scan.items, 'CLAUDE.local.md').notes, ['Not loaded: a binary file.']);
		assert.deepEqual(find(scan.items, '.mcp.json').notes, ['.mcp.json is not valid JSON.']);
		const bad = find(scan.items, '/bad');
		assert.ok(bad.notes[0].startsWith('The front matter is not valid YAML'));
		assert.equal(bad.children[0].tokens, countText('Body here.\n', family));
		assert.equal(scan.everyTurnTokens, bad.tokens);
	});
});
