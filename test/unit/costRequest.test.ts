import * as assert from 'node:assert/strict';
import { cacheMinimumText, formatUsd, lookupModel, priceProvenance, requestCost } from '../../src/core/cost';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('requestCost: the one price of a request', () => {
	const haiku = lookupModel('claude-haiku-5-5')!;
	const sonnet45 = lookupModel('claude-sonnet-4-5')!;
	const opus5 = lookupModel('claude-opus-5')!;
	const opus55 = lookupModel('claude-opus-5-5')!;

	it('reprices every token, output and caches included, once the prompt passes the tier threshold', () => {
		const below = requestCost(haiku, { input: 100_000, output: 1000 });
		assert.equal(below.tier, 'standard');
		near(below.totalUsd, (100_000 * 0.1 + 1000 * 0.5) / 1e6);
		const above = requestCost(haiku, { input: 100_001, output: 1000 });
		assert.equal(above.tier, 'long-context');
		near(above.totalUsd, (100_001 * 0.5 + 1000 * 2.5) / 1e6);
		// Cache reads count toward the prompt: 60K uncached + 50K read is over 100K.
		const cached = requestCost(haiku, { input: 60_000, cacheRead: 50_000 });
		assert.equal(cached.tier, 'long-context');
		near(cached.totalUsd, (60_000 * 0.5 + 50_000 * 0.05) / 1e6);
		// Issue 13: a 150K-token Haiku 5.5 request is $0.0750, a 250K-token Sonnet 4.5 request $1.50.
		assert.equal(formatUsd(requestCost(haiku, { input: 150_000 }).totalUsd), '$0.075');
		assert.equal(formatUsd(requestCost(sonnet45, { input: 250_000 }).totalUsd), '$1.50');
	});

	it('Batch API halves every token price; cache writes and reads at their own rates', () => {
		const c = requestCost(opus55, { input: 1000, cacheWrite5m: 2000, cacheWrite1h: 3000, cacheRead: 4000, output: 500 }, { batch: true });
		near(c.inputUsd, 1000 * 4 * 0.5 / 1e6);
		near(c.cacheWriteUsd, (2000 * 5 + 3000 * 8) * 0.5 / 1e6);
		near(c.cacheReadUsd, 4000 * 0.2 * 0.5 / 1e6);
		near(c.outputUsd, 500 * 20 * 0.5 / 1e6);
		assert.ok(c.applied.includes('Batch API −50 %'));
	});

	it('adds per-use server-tool fees: web search at $10 per 1,000', () => {
		const c = requestCost(opus55, { input: 1000, serverToolUses: { web_search: 5 } });
		near(c.serverToolUsd, 0.05);
		near(c.totalUsd, 0.004 + 0.05);
		assert.ok(c.sources.some((s) => s.includes('about-claude/pricing')));
		// A tool whose per-use fee the table does not know leaves the total unknown, not zero.
		const unknown = requestCost(opus55, { input: 1000, serverToolUses: { code_execution: 1 } });
		assert.ok(Number.isNaN(unknown.totalUsd));
		assert.deepEqual(unknown.unpriced, ['per-use fee of code_execution']);
	});

	it('US-only inference ×1.1 where supported; a model that rejects inference_geo has no price', () => {
		const us = requestCost(opus55, { input: 1_000_000 }, { inferenceGeo: 'us' });
		near(us.totalUsd, 4.4);
		assert.equal(requestCost(opus55, { input: 1_000_000 }, { inferenceGeo: 'global' }).totalUsd, 4);
		const old = requestCost(sonnet45, { input: 1000 }, { inferenceGeo: 'us' });
		assert.ok(Number.isNaN(old.totalUsd));
		assert.match(old.unpriced[0], /not supported: the API returns 400/);
	});

	it('fast mode at the first-party fast-mode prices; unknown elsewhere', () => {
		const fast = requestCost(opus5, { input: 1_000_000, output: 1_000_000 }, { speed: 'fast' });
		near(fast.totalUsd, 60);
		assert.ok(fast.sources.some((s) => s.includes('whats-new-opus-5')));
		assert.ok(Number.isNaN(requestCost(opus55, { input: 10 }, { speed: 'fast' }).totalUsd));
	});

	it('names the date and page of the prices and the source of the cache minimum', () => {
		assert.equal(priceProvenance(opus55), 'prices as of 2026-11-23 · https://platform.claude.com/docs/zh-CN/models/opus-5-5/overview');
		assert.match(cacheMinimumText(lookupModel('claude-opus-4-8')!)!, /^Minimum cacheable prefix 1,024 tokens · https:\/\/platform\.claude\.com\/docs\/en\/about-claude\/models\/whats-new-claude-4-8$/);
		assert.match(cacheMinimumText(lookupModel('claude-fable-5')!)!, /2,048 tokens \(conservative: no first-party figure; sources conflict/);
	});
});

describe('price fields of a request', () => {
	it('detection keeps inference_geo and speed beside the counted body, never in it', async () => {
		const { detectJson } = await import('../../src/core/detect/json');
		const { priceOptionsOf, serverToolUsesOf } = await import('../../src/core/cost');
		const sites: import('../../src/core/types').RequestSite[] = [];
		detectJson(JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 9, inference_geo: 'us', speed: 'fast', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 4 }] }), {}, sites);
		assert.equal(sites.length, 1);
		assert.deepEqual(sites[0].pricing, { inference_geo: 'us', speed: 'fast' });
		assert.equal('inference_geo' in sites[0].payload, false);
		assert.deepEqual(priceOptionsOf(sites[0].pricing), { inferenceGeo: 'us', speed: 'fast' });
		assert.deepEqual(serverToolUsesOf(sites[0].payload as never), { web_search: 4 });
	});
});
