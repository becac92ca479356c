import * as assert from 'node:assert/strict';
import { lookupModel } from '../../src/core/cost';
import { lifecycleProblem, successorOf } from '../../src/core/cost/lifecycle';

describe('model lifecycle', () => {
	const sonnet45 = lookupModel('claude-sonnet-4-5-20250929')!;

	it('warns about a deprecated model before its retirement date, with the days left and the successor', () => {
		const p = lifecycleProblem(sonnet45, new Date('2026-11-20T12:00:00Z'))!;
		assert.equal(p.kind, 'deprecated');
		assert.equal(p.daysLeft, 10);
		assert.equal(p.successor?.id, 'claude-sonnet-5-5');
		assert.match(p.message, /deprecated and retires on 2026-11-30 \(in 10 days\)\. Use Claude Sonnet 5\.5 \(claude-sonnet-5-5\) instead\./);
	});

	it('calls a deprecated model retired once its date has passed', () => {
		const p = lifecycleProblem(sonnet45, new Date('2026-12-01T08:00:00Z'))!;
		assert.equal(p.kind, 'retired');
		assert.match(p.message, /requests to this model fail since 2026-11-30/);
	});

	it('calls a retired row retired, and says nothing of current or legacy models', () => {
		assert.equal(lifecycleProblem(lookupModel('claude-opus-4-0')!, new Date('2026-01-01'))?.kind, 'retired');
		assert.equal(lifecycleProblem(lookupModel('claude-sonnet-5-5')!, new Date('2030-01-01')), undefined);
		assert.equal(lifecycleProblem(lookupModel('claude-haiku-4-5')!, new Date('2026-12-01')), undefined);
	});

	it('names the current model of the same tier as the successor', () => {
		assert.equal(successorOf(lookupModel('claude-opus-4-1')!)?.id, 'claude-opus-5-5');
		assert.equal(successorOf(lookupModel('claude-3-5-haiku-latest')!)?.id, 'claude-haiku-5-5');
		assert.equal(successorOf(lookupModel('claude-sonnet-5-5')!), undefined);
	});
});

describe('switching to the successor', () => {
	it('says what the switch does to this request: tokens on the new tokenizer and the cost through the one price path', async () => {
		const { switchEffect } = await import('../../src/core/cost/lifecycle');
		const from = lookupModel('claude-sonnet-4-5')!;
		const to = lookupModel('claude-sonnet-5-5')!;
		// 1,300 tokens on Sonnet 4.5 at $3/MTok = $0.0039; 1,412 on Sonnet 5.5 at $2/MTok = $0.002824.
		const e = switchEffect(from, { tokens: 1300, usd: 1300 * 3 / 1e6 }, to, 1412);
		assert.equal(e.text, 'Sonnet 5.5: 1,412 tokens (+9 %, new tokenizer), $0.0028 (−28 %)');
		assert.equal(e.newTokenizer, true);
		const same = switchEffect(lookupModel('claude-opus-5')!, { tokens: 1000, usd: 0.005 }, lookupModel('claude-opus-5-5')!, 1000);
		assert.equal(same.text, 'Opus 5.5: 1,000 tokens (±0 %), $0.004 (−20 %)');
	});
});
