import * as assert from 'node:assert/strict';
import { cacheReadCost, cacheWriteCost, inputCost, lookupModel } from '../../src/core/cost';
import { breakEven, breakpointSites, cacheAnalysis } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { assertValidRequest, blockCost, fakeCounter, FRAME, MESSAGE_FRAME, systemCost, TOOL_PROMPT_AUTO, toolCost } from './reportHelpers';

const MODEL = 'claude-sonnet-4-5';
const info = lookupModel(MODEL)!;
const ephemeral = { type: 'ephemeral' };

const toolA = { name: 'lookup', description: 'Look a term up', input_schema: { type: 'object' } };
const toolB = { name: 'fetch', description: 'Fetch a page', input_schema: { type: 'object' }, cache_control: ephemeral };
const longRules = 'Follow the house style. '.repeat(60);

/** Keys deliberately out of API order: messages before system before tools. */
function cached(): MessagesBody {
	return {
		model: MODEL,
		messages: [
			{ role: 'user', content: [{ type: 'text', text: 'Here is the document: '.repeat(20), cache_control: ephemeral }, { type: 'text', text: 'Summarise it.' }] },
		],
		system: [{ type: 'text', text: longRules, cache_control: { type: 'ephemeral', ttl: '1h' } }, { type: 'text', text: 'Be brief.' }],
		tools: [toolA, toolB],
	};
}

describe('report cache analysis', () => {
	it('lists breakpoints in the order the API processes them: tools, system, messages', () => {
		const sites = breakpointSites(cached());
		assert.deepEqual(sites.map((s) => [s.location, s.path, s.ttl]), [
			['tools', '/tools/1', '5m'],
			['system', '/system/0', '1h'],
			['messages', '/messages/0/content/0', '5m'],
		]);
	});

	it('counts each prefix on the request cut after its block, without the placeholder message', async () => {
		const body = cached();
		const fake = fakeCounter();
		const a = await cacheAnalysis(body, MODEL, fake.count);
		const tools = toolCost(toolA) + toolCost(toolB);
		const system = body.system as any[];
		const first = (body.messages[0] as any).content;
		assert.deepEqual(a.breakpoints.map((b) => b.prefixTokens), [
			FRAME + TOOL_PROMPT_AUTO + tools,
			FRAME + TOOL_PROMPT_AUTO + tools + systemCost([system[0]]),
			FRAME + TOOL_PROMPT_AUTO + tools + systemCost(system) + MESSAGE_FRAME + blockCost(first[0]),
		]);
		for (const call of fake.calls) {
			assertValidRequest(call.body);
		}
	});

	it('checks each prefix against the model\'s minimum cacheable length', async () => {
		const a = await cacheAnalysis(cached(), MODEL, fakeCounter().count);
		assert.equal(a.minCacheable, info.minCacheablePrefix);
		assert.equal(a.minCacheable, 1024);
		assert.deepEqual(a.breakpoints.map((b) => b.eligible), a.breakpoints.map((b) => b.prefixTokens >= 1024));
		assert.deepEqual(a.breakpoints.map((b) => b.eligible), [false, true, true]);
		assert.ok(a.breakpoints[0].notes?.some((n) => /1024-token minimum/.test(n)));
		// A model with a higher minimum makes the same prefixes ineligible.
		const haiku = await cacheAnalysis(cached(), 'claude-haiku-4-5', fakeCounter().count);
		assert.equal(haiku.minCacheable, 4096);
		assert.ok(haiku.breakpoints.every((b) => b.eligible === false));
		assert.equal(haiku.combined, undefined);
	});

	it('prices first and later calls per breakpoint, with break-even by ttl', async () => {
		const a = await cacheAnalysis(cached(), MODEL, fakeCounter().count);
		const total = a.total;
		assert.equal(a.baselineUsd, inputCost(total, info));
		const [tool, system, message] = a.breakpoints;
		// Not cacheable: every call costs the baseline.
		assert.equal(tool.firstCallUsd, a.baselineUsd);
		assert.equal(tool.laterCallUsd, a.baselineUsd);
		assert.equal(tool.breakEvenCalls, undefined);
		const rest = (p: number) => inputCost(total - p, info, { requestInputTokens: total });
		assert.ok(Math.abs(system.firstCallUsd! - (cacheWriteCost(system.prefixTokens, info, '1h') + rest(system.prefixTokens))) < 1e-15);
		assert.ok(Math.abs(system.laterCallUsd! - (cacheReadCost(system.prefixTokens, info) + rest(system.prefixTokens))) < 1e-15);
		assert.ok(Math.abs(message.firstCallUsd! - (cacheWriteCost(message.prefixTokens, info, '5m') + rest(message.prefixTokens))) < 1e-15);
		// 5 m writes cost 1.25× and reads save 0.9×: paid back on the 2nd call; 1 h writes (2×) on the 3rd.
		assert.equal(message.breakEvenCalls, 2);
		assert.equal(system.breakEvenCalls, 3);
		assert.ok(message.laterCallUsd! < a.baselineUsd!);
	});

	it('combines the eligible breakpoints: each segment written at its own ttl, the deepest prefix read', async () => {
		const a = await cacheAnalysis(cached(), MODEL, fakeCounter().count);
		const [, system, message] = a.breakpoints;
		const c = a.combined!;
		assert.equal(c.cachedTokens, message.prefixTokens);
		const opts = { requestInputTokens: a.total };
		const expectedFirst = cacheWriteCost(system.prefixTokens, info, '1h', opts)
			+ cacheWriteCost(message.prefixTokens - system.prefixTokens, info, '5m', opts)
			+ inputCost(a.total - message.prefixTokens, info, opts);
		assert.ok(Math.abs(c.firstCallUsd - expectedFirst) < 1e-15);
		assert.ok(Math.abs(c.laterCallUsd - (cacheReadCost(message.prefixTokens, info, opts) + inputCost(a.total - message.prefixTokens, info, opts))) < 1e-15);
	});

	it('warns about more than four breakpoints and a 1 h breakpoint after a 5 m one', async () => {
		const body = cached();
		body.tools = [{ ...toolA, cache_control: ephemeral }, toolB];
		(body.messages[0] as any).content[1].cache_control = { type: 'ephemeral', ttl: '1h' };
		const a = await cacheAnalysis(body, MODEL, fakeCounter().count);
		assert.equal(a.breakpoints.length, 5);
		assert.ok(a.warnings.some((w) => /at most 4/.test(w)));
		assert.ok(a.warnings.some((w) => /1-hour breakpoint follows a 5-minute/.test(w)));
		// Prefixes grow along the prompt.
		const prefixes = a.breakpoints.map((b) => b.prefixTokens);
		assert.deepEqual([...prefixes].sort((x, y) => x - y), prefixes);
	});

	it('top-level cache_control caches the whole prompt', async () => {
		const body: MessagesBody = { model: MODEL, cache_control: ephemeral, messages: [{ role: 'user', content: 'x'.repeat(2000) }] };
		const a = await cacheAnalysis(body, MODEL, fakeCounter().count);
		assert.equal(a.breakpoints.length, 1);
		assert.equal(a.breakpoints[0].location, 'automatic');
		assert.equal(a.breakpoints[0].prefixTokens, a.total);
		assert.equal(a.breakpoints[0].eligible, true);
	});

	it('keeps cut requests valid when the breakpoint sits among tool results or on a tool_use turn', async () => {
		const body: MessagesBody = {
			model: MODEL,
			tools: [toolA],
			messages: [
				{ role: 'user', content: 'Look both up.' },
				{ role: 'assistant', content: [
					{ type: 'tool_use', id: 'a', name: 'lookup', input: { q: 1 }, cache_control: ephemeral },
					{ type: 'tool_use', id: 'b', name: 'lookup', input: { q: 2 } },
				] },
				{ role: 'user', content: [
					{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'one', cache_control: ephemeral }] },
					{ type: 'tool_result', tool_use_id: 'b', content: 'two' },
				] },
			],
		};
		const fake = fakeCounter();
		const a = await cacheAnalysis(body, MODEL, fake.count);
		assert.deepEqual(a.breakpoints.map((b) => b.path), ['/messages/1/content/0', '/messages/2/content/0/content/0']);
		for (const call of fake.calls) {
			assertValidRequest(call.body);
		}
		assert.ok(a.breakpoints.every((b) => b.approximate && b.notes!.some((n) => /to keep the request valid/.test(n))));
		assert.ok(a.breakpoints[0].prefixTokens < a.breakpoints[1].prefixTokens);
		assert.ok(a.breakpoints[1].prefixTokens <= a.total);
	});

	it('an unknown model gets prefixes but no prices', async () => {
		const a = await cacheAnalysis(cached(), 'claude-nonexistent-9', fakeCounter().count);
		assert.equal(a.baselineUsd, undefined);
		assert.equal(a.breakpoints[1].eligible, undefined);
		assert.equal(a.breakpoints[1].firstCallUsd, undefined);
		assert.ok(a.warnings.some((w) => /No price/.test(w)));
	});

	it('break-even is the first call from which caching has cost less in total', () => {
		for (const [first, later, base] of [[1.25, 0.1, 1], [2, 0.1, 1], [1.25, 0.95, 1], [3, 0.5, 1]]) {
			const n = breakEven(first, later, base)!;
			assert.ok(first + (n - 1) * later <= n * base + 1e-12, `${n} calls`);
			assert.ok(n === 1 || first + (n - 2) * later > (n - 1) * base, `${n - 1} calls already pay off`);
		}
		assert.equal(breakEven(1.25, 1, 1), undefined);
		assert.equal(breakEven(1, 0.1, 1), 1);
	});
});
