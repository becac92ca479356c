import * as assert from 'node:assert/strict';
import { figureFor, shortText, totalsFor, caveats, type RateLookup } from '../../src/core/present';
import type { SiteState } from '../../src/core/service';
import type { CountResult, RequestSite } from '../../src/core/types';
import { rateLookup } from '../../src/core/cost/rates';

const rates: RateLookup = rateLookup(() => ({}));

function site(over: Partial<RequestSite> = {}): RequestSite {
	return {
		id: 'json:', range: { start: 0, end: 10 }, anchor: { start: 0, end: 0 }, language: 'json', shape: 'messages', provider: 'anthropic',
		payload: { model: 'claude-sonnet-4-5', messages: [] }, modelFromDocument: true, unresolved: [], parts: [], ...over,
	};
}

function result(tokens: number, over: Partial<CountResult> = {}): CountResult {
	return { inputTokens: tokens, source: 'api', exact: true, approximate: false, notes: [], ...over };
}

function state(over: Partial<SiteState> & { site?: RequestSite } = {}): SiteState {
	const s = over.site ?? site();
	return { site: s, model: 'claude-sonnet-4-5', request: { provider: 'anthropic', model: 'claude-sonnet-4-5', body: s.payload }, status: 'ready', ...over };
}

describe('figures as every surface phrases them', () => {
	it('formats an exact figure with cost and share of the window', () => {
		const f = figureFor(state({ exact: result(1284) }), rates)!;
		assert.equal(shortText(f), '1,284 tok · $0.0039 · 0.64% of 200K');
		assert.equal(f.costUsd, (1284 * 3) / 1e6);
		assert.equal(f.offline, false);
	});

	it('prefers the exact figure over the offline one', () => {
		const f = figureFor(state({ offline: result(1000, { source: 'offline' }), exact: result(1010) }), rates)!;
		assert.equal(f.tokens, 1010);
		const g = figureFor(state({ offline: result(1000, { source: 'offline' }) }), rates)!;
		assert.equal(g.tokens, 1000);
		assert.equal(g.offline, true);
	});

	it('marks unresolved parts with ≥ (tokens and cost) and estimates with ≈', () => {
		const unresolved = site({ unresolved: [{ range: { start: 1, end: 2 }, path: '/messages/0/content', text: 'loadPrompt()', reason: 'function call' }] });
		const f = figureFor(state({ site: unresolved, exact: result(100) }), rates)!;
		assert.equal(shortText(f), '≥100 tok · ≥$0.0003 · 0.05% of 200K');
		const g = figureFor(state({ exact: result(100, { approximate: true }) }), rates)!;
		assert.match(shortText(g), /^≈100 tok · \$0\.0003/);
		const lines = caveats(state({ site: unresolved, exact: result(50) }), f);
		assert.ok(lines.some((l) => /loadPrompt\(\)/.test(l) && /function call/.test(l)));
	});

	it('says "no price" for an unknown model rather than borrowing one', () => {
		const s = state({ model: 'claude-nonexistent-9', exact: result(10) });
		const f = figureFor(s, rates)!;
		assert.equal(f.costUsd, undefined);
		assert.equal(shortText(f), '10 tok · no price');
	});

	it('uses the model\'s own window (1M for Opus 4.6)', () => {
		const f = figureFor(state({ model: 'claude-opus-4-6', exact: result(500_000) }), rates)!;
		assert.equal(shortText(f), '500,000 tok · $2.50 · 50% of 1M');
	});

	it('sums a file, dropping the cost when any model has no price', () => {
		const t = totalsFor([state({ exact: result(100) }), state({ exact: result(50) })], rates);
		assert.equal(t.tokens, 150);
		assert.equal(t.costUsd, (150 * 3) / 1e6);
		assert.equal(t.batchCostUsd, (150 * 1.5) / 1e6);
		const u = totalsFor([state({ exact: result(100) }), state({ model: 'x-unknown', exact: result(5) })], rates);
		assert.equal(u.tokens, 105);
		assert.equal(u.costUsd, undefined);
		const v = totalsFor([state({ status: 'counting' }), state({ status: 'error' })], rates);
		assert.equal(v.counted, 0);
		assert.equal(v.counting, 1);
		assert.equal(v.errors, 1);
	});

	it('explains a missing model in the request', () => {
		const s = state({ site: site({ modelFromDocument: false }), exact: result(3) });
		assert.ok(caveats(s, figureFor(s, rates)).some((l) => /No model in the request/.test(l)));
	});
});
