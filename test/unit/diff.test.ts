import * as assert from 'node:assert/strict';
import { diffJson, diffRequests, increaseOverLimit, matchSites, parseIncreaseLimit, renderDiffMarkdown, renderDiffTable, siteIdentity, type DiffSite } from '../../src/core/diff';

function site(id: string, line: number, text: string, tokens: number, extra: Partial<DiffSite> = {}): DiffSite {
	const payload = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: text }] };
	return { file: 'a.json', line, column: 1, id, ...siteIdentity(payload, 'claude-haiku-4-5'), kind: 'messages', model: 'claude-haiku-4-5', inputTokens: tokens, mark: '', costUsd: tokens / 1e6, ...extra };
}

describe('cost delta of a change', () => {
	it('pairs a request that moved (new id, new line) with itself as unchanged', () => {
		const before = [site('json:/0', 2, 'Summarise the quarterly report for the board', 20)];
		const after = [site('json:/1', 30, 'Summarise the quarterly report for the board', 20), site('json:/0', 2, 'Entirely new question about the weather in Lisbon', 15)];
		const changes = matchSites('a.json', before, after);
		assert.deepEqual(changes.map((c) => [c.kind, c.after?.id]), [['added', 'json:/0'], ['unchanged', 'json:/1']]);
	});

	it('pairs an edited request by its id, and by its words when the id moved too', () => {
		const before = [
			site('py:messages.create#0', 5, 'Classify this support ticket into billing, bugs or other categories', 40),
			site('py:messages.create#1', 20, 'Translate the following paragraph into formal German please', 30),
		];
		const after = [
			// A new call above shifted the ids: #0 is new, #1 is the edited classifier, #2 the translator.
			site('py:messages.create#0', 5, 'Write a haiku', 9),
			site('py:messages.create#1', 12, 'Classify this support ticket into billing, bugs, refunds or other categories', 44),
			site('py:messages.create#2', 30, 'Translate the following paragraph into formal German please', 30),
		];
		const changes = matchSites('a.py', before, after);
		const byLine = changes.map((c) => `${c.after?.line ?? '-'}:${c.kind}:${c.deltaTokens}`);
		// #1 (before, translator) and #1 (after, classifier) share an id but the translator is found unchanged first.
		assert.deepEqual(byLine, ['5:added:9', '12:changed:4', '30:unchanged:0']);
	});

	it('counts removed requests and totals per file and overall', () => {
		const d = diffRequests([
			{ file: 'a.json', before: [site('json:/0', 1, 'one two three', 10)], after: [] },
			{ file: 'b.json', before: [], after: [site('json:/0', 1, 'four five six', 25, { file: 'b.json' })] },
			{ file: 'c.json', before: [], after: [] },
		]);
		assert.equal(d.files.length, 2);
		assert.equal(d.totals.removed, 1);
		assert.equal(d.totals.added, 1);
		assert.equal(d.totals.tokensBefore, 10);
		assert.equal(d.totals.tokensAfter, 25);
		assert.ok(Math.abs(d.totals.usdAfter - 25e-6) < 1e-15);
	});

	it('leaves unpriced requests out of the cost delta and says so', () => {
		const d = diffRequests([{ file: 'a.json', before: [site('json:/0', 1, 'x y', 10)], after: [site('json:/0', 1, 'x y z', 12, { model: 'claude-unknown-9', costUsd: null })] }]);
		assert.equal(d.files[0].changes[0].deltaUsd, null);
		assert.equal(d.totals.unpriced, 1);
		assert.match(renderDiffTable(d, { base: 'main' }), /no price; the cost totals leave them out/);
	});

	it('reads --fail-on-increase limits in percent, tokens and dollars', () => {
		assert.deepEqual(parseIncreaseLimit('5%'), { unit: 'percent', value: 5 });
		assert.deepEqual(parseIncreaseLimit('2.5 %'), { unit: 'percent', value: 2.5 });
		assert.deepEqual(parseIncreaseLimit('2000'), { unit: 'tokens', value: 2000 });
		assert.deepEqual(parseIncreaseLimit('2000tokens'), { unit: 'tokens', value: 2000 });
		assert.deepEqual(parseIncreaseLimit('$0.05'), { unit: 'usd', value: 0.05 });
		assert.deepEqual(parseIncreaseLimit('0.05usd'), { unit: 'usd', value: 0.05 });
		for (const bad of ['', 'abc', '-5%', '$5%', '1.5tokens', '5 percent', '$']) {
			assert.equal(parseIncreaseLimit(bad), undefined, bad);
		}
	});

	it('is over a limit only when the total rises past it', () => {
		const d = diffRequests([{ file: 'a.json', before: [site('json:/0', 1, 'a b', 100)], after: [site('json:/0', 1, 'a b c', 106)] }]);
		assert.equal(increaseOverLimit(d.totals, { unit: 'percent', value: 10 }), undefined);
		assert.match(increaseOverLimit(d.totals, { unit: 'percent', value: 5 }) ?? '', /rose by 6\.0 %/);
		assert.equal(increaseOverLimit(d.totals, { unit: 'tokens', value: 6 }), undefined);
		assert.match(increaseOverLimit(d.totals, { unit: 'tokens', value: 5 }) ?? '', /rose by 6/);
		assert.match(increaseOverLimit(d.totals, { unit: 'usd', value: 0.000001 }) ?? '', /\$0\.000006/);
		const fell = diffRequests([{ file: 'a.json', before: [site('json:/0', 1, 'a b c', 106)], after: [site('json:/0', 1, 'a b', 100)] }]);
		assert.equal(increaseOverLimit(fell.totals, { unit: 'percent', value: 0 }), undefined);
	});

	it('renders a Markdown summary with a table per file, escaping file names and models', () => {
		const d = diffRequests([{ file: 'prompts/a|b.json', before: [site('json:/0', 3, 'hello there', 10, { file: 'prompts/a|b.json' })], after: [site('json:/0', 3, 'hello there friend', 14, { file: 'prompts/a|b.json', model: 'claude-<b>x' })] }]);
		const md = renderDiffMarkdown(d, { base: 'origin/main', offline: true, limit: '10%', overLimit: increaseOverLimit(d.totals, { unit: 'percent', value: 10 }) });
		assert.match(md, /^## Claude request cost/m);
		assert.match(md, /\*\*\+4 input tokens\*\*/);
		assert.match(md, /### `prompts\/a\\\|b\.json`/);
		assert.match(md, /\| 3 \| changed \| claude-haiku-4-5 → claude-\\<b\\>x \| 10 → 14 \| \+4 \(\+40 %\) \|/);
		assert.match(md, /❌ Over the limit \(10%\): input tokens rose by 40 %/);
		assert.doesNotMatch(md, /<b>/);
	});

	it('prints JSON with before and after of each change', () => {
		const d = diffRequests([{ file: 'a.json', before: [], after: [site('json:/0', 1, 'new', 7)] }]);
		const j = diffJson(d, 'HEAD~1') as { base: string; files: { changes: { kind: string; before: unknown; after: { inputTokens: number } }[] }[] };
		assert.equal(j.base, 'HEAD~1');
		assert.equal(j.files[0].changes[0].kind, 'added');
		assert.equal(j.files[0].changes[0].before, null);
		assert.equal(j.files[0].changes[0].after.inputTokens, 7);
	});
});
