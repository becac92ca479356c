import * as assert from 'node:assert/strict';
import { currentModels, inputCost, lookupModel, modelForTier, worstCaseCost } from '../../src/core/cost';
import { costAcrossModels, familyOf, routing } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { fakeCounter, fakeTokens } from './reportHelpers';

const MODELS = ['claude-opus-5', 'claude-sonnet-5', 'claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-7'];
/** A different figure per tokenizer family, as real tokenizers give. */
const FAMILY_EXTRA: Record<string, number> = { 'v3': 0, 'v4.7': 40, 'v5': 25 };
const perModel = (model: string) => FAMILY_EXTRA[familyOf(model, lookupModel(model))];

function body(): MessagesBody {
	return { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Translate this sentence into French, please.' }] };
}

describe('report cost across models', () => {
	it('with an offline counter counts once per tokenizer family, never across families', async () => {
		const fake = fakeCounter({ perModel });
		const rows = await costAcrossModels(body(), MODELS, fake.count, { offline: true });
		assert.equal(fake.calls.length, 3);
		assert.deepEqual(rows.map((r) => r.family), ['v5', 'v5', 'v3', 'v3', 'v4.7']);
		for (const r of rows) {
			assert.equal(r.tokens, fakeTokens(body()) + FAMILY_EXTRA[r.family!]);
			assert.equal(familyOf(r.countedAs, lookupModel(r.countedAs)), r.family);
		}
		assert.equal(rows[1].countedAs, 'claude-opus-5');
		// Every count was made with the body's model set to the model it was made for.
		assert.ok(fake.calls.every((c) => c.body.model === c.model));
	});

	it('with an exact counter counts every model', async () => {
		const fake = fakeCounter({ perModel });
		const rows = await costAcrossModels(body(), MODELS, fake.count);
		assert.deepEqual(fake.calls.map((c) => c.model).sort(), [...MODELS].sort());
		assert.deepEqual(rows.map((r) => r.countedAs), MODELS);
	});

	it('offline, tools make the figure model-specific: one count per model', async () => {
		const fake = fakeCounter({ perModel });
		const withTools: MessagesBody = { ...body(), tools: [{ name: 'noop', input_schema: { type: 'object' } }] };
		await costAcrossModels(withTools, MODELS, fake.count, { offline: true });
		assert.equal(fake.calls.length, MODELS.length);
	});

	it('prices input, batch input and the worst case from the cost module', async () => {
		const rows = await costAcrossModels(body(), MODELS, fakeCounter({ perModel }).count, { maxTokens: 4096 });
		for (const r of rows) {
			const info = lookupModel(r.model)!;
			assert.equal(r.known, true);
			assert.equal(r.displayName, info.displayName);
			assert.equal(r.inputUsd, inputCost(r.tokens, info));
			assert.equal(r.batchInputUsd, inputCost(r.tokens, info, { batch: true }));
			assert.ok(Math.abs(r.batchInputUsd! - r.inputUsd! / 2) < 1e-15);
			assert.equal(r.worstCaseUsd, worstCaseCost(r.tokens, 4096, info).totalUsd);
			assert.equal(r.batchWorstCaseUsd, worstCaseCost(r.tokens, 4096, info, { batch: true }).totalUsd);
			assert.equal(r.outputTokens, 4096);
			assert.equal(r.contextWindow, info.contextWindow);
			assert.equal(r.fits, true);
		}
	});

	it('a thinking budget above max_tokens raises the worst case; a huge max_tokens does not fit', async () => {
		const thinking: MessagesBody = { ...body(), thinking: { type: 'enabled', budget_tokens: 10_000 } };
		const [row] = await costAcrossModels(thinking, ['claude-haiku-4-5'], fakeCounter().count, { maxTokens: 2000 });
		assert.equal(row.outputTokens, 10_000);
		const [over] = await costAcrossModels(body(), ['claude-haiku-4-5'], fakeCounter().count, { maxTokens: 200_000 });
		assert.equal(over.fits, false);
	});

	it('an unknown model is counted but gets no price', async () => {
		const rows = await costAcrossModels(body(), ['claude-nonexistent-9'], fakeCounter().count, { maxTokens: 100 });
		assert.equal(rows[0].known, false);
		assert.equal(rows[0].tokens, fakeTokens(body()));
		assert.equal(rows[0].inputUsd, undefined);
		assert.equal(rows[0].worstCaseUsd, undefined);
	});

	it('defaults to the current lineup', async () => {
		const rows = await costAcrossModels(body(), undefined, fakeCounter().count);
		assert.deepEqual(rows.map((r) => r.model), currentModels().map((m) => m.id));
		assert.ok(rows.length > 0 && rows.every((r) => r.current));
	});

	it('respects the concurrency bound', async () => {
		const fake = fakeCounter({ delayMs: 5 });
		await costAcrossModels(body(), MODELS, fake.count, { concurrency: 2 });
		assert.equal(fake.maxInFlight, 2);
	});
});

describe('report routing', () => {
	it('follows the thresholds and names the current model of the tier with a reason', () => {
		const small = routing(1499);
		assert.equal(small.tier, 'haiku');
		assert.equal(small.model?.id, modelForTier('haiku')?.id);
		assert.match(small.reason, /1,499 input tokens is under 1,500/);
		assert.equal(routing(1500).tier, 'sonnet');
		assert.match(routing(1500).reason, /between 1,500 and 8,000/);
		assert.equal(routing(8000).tier, 'opus');
		assert.match(routing(8000).reason, /8,000 or more/);
		const custom = routing(3000, { haikuBelow: 4000, sonnetBelow: 10_000 });
		assert.equal(custom.tier, 'haiku');
		assert.deepEqual(custom.thresholds, { haiku: 4000, sonnet: 10_000 });
	});
});
