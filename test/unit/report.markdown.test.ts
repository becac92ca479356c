import * as assert from 'node:assert/strict';
import { currentModels, formatTokens } from '../../src/core/cost';
import { dropOldestTurns, estimateRequest, flattenSections, toMarkdown } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';
import { fakeCounter, fakeTokens } from './reportHelpers';

const MODEL = 'claude-sonnet-4-5';

function body(): MessagesBody {
	return {
		model: MODEL,
		system: [{ type: 'text', text: 'Policy. '.repeat(200), cache_control: { type: 'ephemeral' } }],
		tools: [
			{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } },
			{ name: 'lookup', description: 'Look | things up', input_schema: { type: 'object' } },
		],
		messages: [
			{ role: 'user', content: [{ type: 'text', text: 'A | pipe and\na newline' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } }] },
			{ role: 'assistant', content: 'Sure.' },
			{ role: 'user', content: 'Thanks' },
		],
	};
}

describe('report estimate and Markdown export', () => {
	it('runs every analysis and shares one cache across them', async () => {
		const fake = fakeCounter();
		const report = await estimateRequest(body(), MODEL, fake.count, { maxTokens: 1024, models: ['claude-sonnet-4-5', 'claude-haiku-4-5'], title: 'request.json' });
		assert.equal(report.model, MODEL);
		assert.equal(report.breakdown.sections.length, 6);
		assert.equal(report.models.length, 2);
		assert.equal(report.cache.breakpoints.length, 1);
		assert.equal(report.tools.tools.length, 2);
		assert.equal(report.contextFit.fits, true);
		assert.equal(report.routing.tokens, report.breakdown.total);
		// The total (and the body for the report's own model) is asked once, however many parts need it.
		const keys = fake.calls.map((c) => `${c.model} ${JSON.stringify(c.body)}`);
		assert.equal(new Set(keys).size, keys.length);
		const parts = report.breakdown.counts;
		assert.ok(fake.calls.length < parts + 2 + 3 + 3 + 1, `${fake.calls.length} calls`);
	});

	it('prices the request\'s own model first, then the current lineup without repeating it', async () => {
		const report = await estimateRequest(body(), 'claude-haiku-4-5-20251001', fakeCounter().count);
		const ids = report.models.map((m) => m.model);
		assert.equal(ids[0], 'claude-haiku-4-5-20251001');
		assert.deepEqual(ids.slice(1), currentModels().map((m) => m.id).filter((id) => id !== 'claude-haiku-4-5'));
	});

	it('never mutates the request it is given', async () => {
		const deepFreeze = <T>(v: T): T => {
			if (v && typeof v === 'object') {
				Object.values(v).forEach(deepFreeze);
				Object.freeze(v);
			}
			return v;
		};
		const frozen = deepFreeze(body());
		const withToolExchange = deepFreeze({
			...body(),
			messages: [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'lookup', input: {}, cache_control: { type: 'ephemeral' } }] },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x' } }] }] },
				{ role: 'assistant', content: 'a' },
				{ role: 'user', content: 'z' },
			],
		} as MessagesBody);
		for (const b of [frozen, withToolExchange]) {
			const before = JSON.stringify(b);
			const report = await estimateRequest(b, MODEL, fakeCounter().count, { maxTokens: 10, budgetTokens: 1200, models: [MODEL] });
			assert.equal(JSON.stringify(b), before);
			assert.ok(report.breakdown.sections.length > 0);
		}
	});

	it('exports every section, model, breakpoint, tool, the context fit and the routing hint', async () => {
		const report = await estimateRequest(body(), MODEL, fakeCounter().count, { maxTokens: 1024, models: ['claude-sonnet-4-5', 'claude-haiku-4-5'], title: 'request.json' });
		const md = toMarkdown(report);
		assert.match(md, /^# request\.json$/m);
		for (const { section } of flattenSections(report.breakdown.sections)) {
			assert.ok(md.includes(`\`${section.path}\``), `missing ${section.path}`);
			assert.ok(md.includes(section.label), `missing ${section.label}`);
		}
		assert.match(md, /\| Fixed frame \(message framing, tool-use system prompt\) \|/);
		for (const m of report.models) {
			assert.ok(md.includes(m.displayName), `missing ${m.displayName}`);
		}
		assert.ok(md.includes('`/system/0`'));
		assert.ok(md.includes('get_weather') && md.includes('lookup'));
		assert.ok(md.includes(report.contextFit.reason));
		assert.ok(md.includes(report.routing.reason));
		for (const heading of ['## Sections', '## Cost by model', '## Prompt caching', '## Tools', '## Context fit', '## Routing']) {
			assert.ok(md.includes(heading), `missing ${heading}`);
		}
	});

	it('keeps tables intact: pipes escaped, line breaks flattened, one column count per table', async () => {
		const report = await estimateRequest(body(), MODEL, fakeCounter().count, { maxTokens: 1024, models: ['claude-sonnet-4-5'] });
		const md = toMarkdown(report);
		assert.ok(md.includes('A \\| pipe and a newline'));
		const lines = md.split('\n');
		let i = 0;
		while (i < lines.length) {
			if (!lines[i].startsWith('|')) {
				i++;
				continue;
			}
			const cols = (line: string) => line.replace(/\\\|/g, '').split('|').length;
			const width = cols(lines[i]);
			for (; i < lines.length && lines[i].startsWith('|'); i++) {
				assert.equal(cols(lines[i]), width, lines[i]);
			}
		}
	});

	it('stops counting when cancelled part-way', async () => {
		const controller = new AbortController();
		const fake = fakeCounter({ delayMs: 10 });
		const p = estimateRequest(body(), MODEL, fake.count, { maxTokens: 1024, concurrency: 2, signal: controller.signal });
		await new Promise((r) => setTimeout(r, 25));
		controller.abort();
		await assert.rejects(p, (err: unknown) => isCancellation(err));
		const made = fake.calls.length;
		await new Promise((r) => setTimeout(r, 50));
		assert.equal(fake.calls.length, made);
	});

	it('shows the trim when the request does not fit, and says when a figure is approximate', async () => {
		const budget = fakeTokens(dropOldestTurns(body(), 1));
		const report = await estimateRequest(body(), MODEL, fakeCounter({ approximate: true }).count, { maxTokens: 100, models: [MODEL], budgetTokens: budget });
		assert.equal(report.approximate, true);
		assert.equal(report.contextFit.dropTurns, 1);
		const md = toMarkdown(report);
		assert.match(md, /≈ [\d,]+ input tokens \(offline estimate\)/);
		assert.ok(md.includes(`| no | 1 | ${formatTokens(budget)} |`), md);
		const impossible = await estimateRequest(body(), MODEL, fakeCounter().count, { maxTokens: 100, models: [MODEL], budgetTokens: 1 });
		assert.match(toMarkdown(impossible), /\| no \| not enough \| — \|/);
	});
});
