import * as assert from 'node:assert/strict';
import {
	budgetCheck, cacheReadCost, cacheWriteCost, contextFit, inputCost, lookupModel, modelForTier, outputCost, ratesFor,
	routingHint, worstCaseCost, type ModelInfo,
} from '../../src/core/cost';

function model(id: string): ModelInfo {
	const m = lookupModel(id);
	assert.ok(m, id);
	return m;
}

/** Dollar amounts compared to a tenth of a micro-dollar: float arithmetic, not rounding, is under test. */
function usd(actual: number, expected: number): void {
	assert.ok(Math.abs(actual - expected) < 1e-7, `expected ${expected}, got ${actual}`);
}

describe('cost arithmetic', () => {
	const sonnet45 = model('claude-sonnet-4-5');
	const haiku45 = model('claude-haiku-4-5');
	const opus41 = model('claude-opus-4-1');
	const opus46 = model('claude-opus-4-6');
	const sonnet5 = model('claude-sonnet-5');

	describe('input and output', () => {
		it('price per million tokens', () => {
			// 100K, not 1M: a 1M-token Sonnet 4.5 request would be long-context priced (see below).
			usd(inputCost(100_000, sonnet45), 0.3);
			usd(inputCost(1284, sonnet45), 0.003852);
			usd(outputCost(1_000_000, sonnet45), 15);
			usd(outputCost(500, haiku45), 0.0025);
			usd(inputCost(10_000, opus41), 0.15);
			usd(outputCost(10_000, opus41), 0.75);
			usd(inputCost(1284, sonnet5), 0.002568);
		});

		it('0 tokens cost $0; invalid token counts give NaN, not a price', () => {
			assert.equal(inputCost(0, sonnet45), 0);
			assert.ok(Number.isNaN(inputCost(NaN, sonnet45)));
			assert.ok(Number.isNaN(inputCost(-1, sonnet45)));
			assert.ok(Number.isNaN(outputCost(Infinity, sonnet45)));
			assert.ok(Number.isNaN(cacheReadCost(Number.NaN, sonnet45)));
		});

		it('batch halves input and output', () => {
			usd(inputCost(100_000, sonnet45, { batch: true }), 0.15);
			usd(outputCost(1_000_000, sonnet45, { batch: true }), 7.5);
			usd(inputCost(2_000_000, haiku45, { batch: true }), 1);
			usd(outputCost(1_000_000, opus46, { batch: true }), 12.5);
		});
	});

	describe('prompt cache', () => {
		it('writes at 1.25x (5 m) and 2x (1 h), reads at 0.1x', () => {
			usd(cacheWriteCost(100_000, sonnet45, '5m'), 0.375);
			usd(cacheWriteCost(100_000, sonnet45, '1h'), 0.6);
			usd(cacheWriteCost(100_000, sonnet45), 0.375);
			usd(cacheReadCost(100_000, sonnet45), 0.03);
			usd(cacheWriteCost(4096, opus46, '1h'), 0.04096);
			usd(cacheReadCost(4096, opus46), 0.002048);
			usd(cacheWriteCost(1_000_000, model('claude-3-5-haiku-20241022'), '1h'), 1.6);
			usd(cacheReadCost(1_000_000, model('claude-3-5-haiku-latest')), 0.08);
		});

		it('batch discounts cache writes and reads too', () => {
			usd(cacheWriteCost(100_000, sonnet45, '5m', { batch: true }), 0.1875);
			usd(cacheReadCost(100_000, sonnet45, { batch: true }), 0.015);
		});
	});

	describe('rows added 2026-11-23', () => {
		it('Opus 5.5: $4 / $20, cache $5 / $8 to write and $0.20 to read, batch halves input and output', () => {
			const m = model('claude-opus-5-5');
			usd(inputCost(100_000, m), 0.4);
			usd(outputCost(10_000, m), 0.2);
			usd(cacheWriteCost(100_000, m, '5m'), 0.5);
			usd(cacheWriteCost(100_000, m, '1h'), 0.8);
			usd(cacheReadCost(100_000, m), 0.02);
			usd(inputCost(500_000, m, { batch: true }), 1);
			// Flat across the 1M window: no long-context tier.
			usd(inputCost(900_000, m), 3.6);
		});

		it('Sonnet 5.5: $2 / $10, cache read $0.10', () => {
			const m = model('claude-sonnet-5-5');
			usd(inputCost(1284, m), 0.002568);
			usd(outputCost(1000, m), 0.01);
			usd(cacheWriteCost(100_000, m, '1h'), 0.4);
			usd(cacheReadCost(1_000_000, m), 0.1);
			usd(outputCost(1_000_000, m, { batch: true }), 5);
		});

		it('Fable 5.1 and Mythos 5.1: $10 / $50, cache read $0.25', () => {
			for (const id of ['claude-fable-5-1', 'claude-mythos-5-1']) {
				const m = model(id);
				usd(inputCost(10_000, m), 0.1);
				usd(outputCost(10_000, m), 0.5);
				usd(cacheWriteCost(10_000, m, '5m'), 0.125);
				usd(cacheReadCost(1_000_000, m), 0.25);
			}
		});
	});

	describe('long context', () => {
		it('Haiku 5.5: prompts up to 100K at $0.10 / $0.50; over it the whole request at $0.50 / $2.50', () => {
			const m = model('claude-haiku-5-5');
			usd(inputCost(100_000, m), 0.01);
			usd(inputCost(100_001, m), (100_001 * 0.5) / 1e6);
			usd(outputCost(10_000, m, { requestInputTokens: 100_000 }), 0.005);
			usd(outputCost(10_000, m, { requestInputTokens: 100_001 }), 0.025);
			// Cache tokens count toward the prompt: the caller passes the whole prompt as requestInputTokens.
			usd(cacheReadCost(1_000_000, m, { requestInputTokens: 50_000 }), 0.01);
			usd(cacheReadCost(90_000, m, { requestInputTokens: 120_000 }), (90_000 * 0.05) / 1e6);
			usd(cacheWriteCost(1_000_000, m, '5m', { requestInputTokens: 120_000 }), 0.625);
			usd(cacheWriteCost(1_000_000, m, '1h', { requestInputTokens: 120_000 }), 1);
			// Batch halves the premium rates as well.
			usd(inputCost(200_000, m, { batch: true }), 0.05);
			const w = worstCaseCost(150_000, 8000, m);
			usd(w.inputUsd, 0.075);
			usd(w.outputUsd, 0.02);
		});

		it('Sonnet 4.5: up to 200K input at standard rates, beyond it the whole request at $6 / $22.50', () => {
			usd(inputCost(200_000, sonnet45), 0.6);
			usd(inputCost(200_001, sonnet45), (200_001 * 6) / 1e6);
			usd(outputCost(1000, sonnet45, { requestInputTokens: 200_000 }), 0.015);
			usd(outputCost(1000, sonnet45, { requestInputTokens: 250_000 }), 0.0225);
			usd(cacheWriteCost(1000, sonnet45, '5m', { requestInputTokens: 300_000 }), 0.0075);
			usd(cacheWriteCost(1000, sonnet45, '1h', { requestInputTokens: 300_000 }), 0.012);
			usd(cacheReadCost(1000, sonnet45, { requestInputTokens: 300_000 }), 0.0006);
		});

		it('the tier follows the request, not the part being priced', () => {
			// 1,000 cached tokens of a 250K request are premium; 250K tokens split off a small request are not.
			usd(cacheReadCost(1000, sonnet45, { requestInputTokens: 250_000 }), 0.0006);
			usd(cacheReadCost(1000, sonnet45), 0.0003);
		});

		it('can be forced either way', () => {
			usd(inputCost(1000, sonnet45, { longContext: true }), 0.006);
			usd(inputCost(300_000, sonnet45, { longContext: false }), 0.9);
		});

		it('stacks with batch', () => {
			usd(inputCost(300_000, sonnet45, { batch: true }), 0.9);
			usd(outputCost(1_000_000, sonnet45, { batch: true, requestInputTokens: 300_000 }), 11.25);
		});

		it('models without a tier are flat at any size (Opus 4.6, Sonnet 4.6, Sonnet 5)', () => {
			usd(inputCost(900_000, opus46), 4.5);
			usd(outputCost(1000, opus46, { requestInputTokens: 900_000 }), 0.025);
			usd(inputCost(900_000, model('claude-sonnet-4-6')), 2.7);
			usd(inputCost(900_000, sonnet5, { longContext: true }), 1.8);
			assert.equal(ratesFor(opus46, 900_000), opus46);
		});
	});

	describe('worst case', () => {
		it('input plus a full max_tokens of output', () => {
			const w = worstCaseCost(1284, 1024, sonnet45);
			usd(w.inputUsd, 0.003852);
			usd(w.outputUsd, 0.01536);
			usd(w.totalUsd, 0.003852 + 0.01536);
			assert.equal(w.outputTokens, 1024);
		});

		it('a thinking budget inside max_tokens changes nothing; a larger one raises the ceiling', () => {
			assert.equal(worstCaseCost(1000, 16_000, opus46, { thinkingBudget: 10_000 }).outputTokens, 16_000);
			const w = worstCaseCost(1000, 16_000, opus46, { thinkingBudget: 32_000 });
			assert.equal(w.outputTokens, 32_000);
			usd(w.outputUsd, 0.8);
		});

		it('uses the long-context tier of the input for the output too, and batch when asked', () => {
			const w = worstCaseCost(250_000, 10_000, sonnet45);
			usd(w.inputUsd, 1.5);
			usd(w.outputUsd, 0.225);
			const b = worstCaseCost(1_000_000, 1_000_000, haiku45, { batch: true });
			usd(b.totalUsd, 3);
		});

		it('is NaN for an invalid max_tokens, not a made-up figure', () => {
			assert.ok(Number.isNaN(worstCaseCost(100, NaN, sonnet45).totalUsd));
		});
	});

	describe('context fit', () => {
		it('counts max_tokens against the window', () => {
			assert.deepEqual(contextFit(150_000, 50_000, sonnet45), { window: 200_000, used: 200_000, fits: true, pct: 100, over: 0 });
			assert.deepEqual(contextFit(150_000, 50_001, sonnet45), { window: 200_000, used: 200_001, fits: false, pct: 100.0005, over: 1 });
			assert.equal(contextFit(1284, undefined, sonnet45).pct, 0.642);
		});

		it('1M windows, and the 1M beta for Sonnet 4.5 when asked', () => {
			assert.equal(contextFit(800_000, 64_000, opus46).fits, true);
			assert.equal(contextFit(800_000, 64_000, sonnet45).fits, false);
			const beta = contextFit(800_000, 64_000, sonnet45, { extended: true });
			assert.equal(beta.window, 1_000_000);
			assert.equal(beta.fits, true);
			// A model without a beta window keeps its own.
			assert.equal(contextFit(10, 0, haiku45, { extended: true }).window, 200_000);
		});
	});

	describe('routing hint', () => {
		it('seed rule: < 1,500 Haiku, < 8,000 Sonnet, else Opus', () => {
			assert.equal(routingHint(0), 'haiku');
			assert.equal(routingHint(1499), 'haiku');
			assert.equal(routingHint(1500), 'sonnet');
			assert.equal(routingHint(7999), 'sonnet');
			assert.equal(routingHint(8000), 'opus');
			assert.equal(routingHint(2_000_000), 'opus');
		});

		it('thresholds are settings', () => {
			assert.equal(routingHint(3000, { haikuBelow: 4000, sonnetBelow: 20_000 }), 'haiku');
			assert.equal(routingHint(5000, { haikuBelow: 4000, sonnetBelow: 20_000 }), 'sonnet');
			assert.equal(routingHint(500, { haikuBelow: 0, sonnetBelow: 1000 }), 'sonnet');
		});

		it('names the current model of each tier', () => {
			assert.equal(modelForTier('haiku')?.id, 'claude-haiku-5-5');
			assert.equal(modelForTier('sonnet')?.id, 'claude-sonnet-5-5');
			assert.equal(modelForTier('opus')?.id, 'claude-opus-5-5');
		});
	});

	describe('budgets', () => {
		it('flags tokens and dollars separately', () => {
			assert.deepEqual(budgetCheck(5000, 0.02, { maxTokens: 4000, maxUsd: 0.05 }), { overTokens: true, overUsd: false, over: true, tokensPct: 125, usdPct: 40 });
			const b = budgetCheck(3000, 0.06, { maxTokens: 4000, maxUsd: 0.05 });
			assert.deepEqual([b.overTokens, b.overUsd, b.over, b.tokensPct], [false, true, true, 75]);
			assert.ok(Math.abs((b.usdPct ?? 0) - 120) < 1e-9);
		});

		it('exactly at the budget is within it', () => {
			assert.equal(budgetCheck(4000, 0.05, { maxTokens: 4000, maxUsd: 0.05 }).over, false);
		});

		it('unset or non-positive budgets are off; an unpriced model never exceeds a dollar budget', () => {
			assert.deepEqual(budgetCheck(1e9, 1e6, {}), { overTokens: false, overUsd: false, over: false, tokensPct: undefined, usdPct: undefined });
			assert.equal(budgetCheck(1e9, 1e6, { maxTokens: 0, maxUsd: -1 }).over, false);
			const unpriced = budgetCheck(10, undefined, { maxUsd: 0.01 });
			assert.equal(unpriced.overUsd, false);
			assert.equal(unpriced.usdPct, undefined);
		});
	});
});
