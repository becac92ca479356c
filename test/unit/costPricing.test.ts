import * as assert from 'node:assert/strict';
import {
	PRICING_AS_OF, PRICING_SOURCE, allModels, currentModels, lookupModel, normalizeModelId, overrideProblems,
	type ModelInfo, type ModelOverrides,
} from '../../src/core/cost';
import { modelChoices, rateLookup } from '../../src/core/cost/rates';

/**
 * DESIGN.md §5 (Anthropic pricing page as copied 2026-09-20), written out here independently of pricing.json:
 * [input, cache write 5m, cache write 1h, cache read, output, context window, max output, tokenizer].
 */
const EXPECTED: Record<string, [number, number, number, number, number, number, number, string]> = {
	'claude-fable-5': [10, 12.5, 20, 1, 50, 1_000_000, 128_000, 'v5'],
	'claude-mythos-5': [10, 12.5, 20, 1, 50, 1_000_000, 128_000, 'v5'],
	'claude-opus-5': [5, 6.25, 10, 0.5, 25, 1_000_000, 128_000, 'v5'],
	'claude-sonnet-5': [2, 2.5, 4, 0.2, 10, 1_000_000, 128_000, 'v5'],
	'claude-opus-4-8': [5, 6.25, 10, 0.5, 25, 1_000_000, 128_000, 'v4.7'],
	'claude-opus-4-7': [5, 6.25, 10, 0.5, 25, 1_000_000, 128_000, 'v4.7'],
	'claude-opus-4-6': [5, 6.25, 10, 0.5, 25, 1_000_000, 128_000, 'v3'],
	'claude-sonnet-4-6': [3, 3.75, 6, 0.3, 15, 1_000_000, 128_000, 'v3'],
	'claude-opus-4-5': [5, 6.25, 10, 0.5, 25, 200_000, 64_000, 'v3'],
	'claude-sonnet-4-5': [3, 3.75, 6, 0.3, 15, 200_000, 64_000, 'v3'],
	'claude-haiku-4-5': [1, 1.25, 2, 0.1, 5, 200_000, 64_000, 'v3'],
	'claude-opus-4-1': [15, 18.75, 30, 1.5, 75, 200_000, 32_000, 'v3'],
	'claude-opus-4-0': [15, 18.75, 30, 1.5, 75, 200_000, 32_000, 'v3'],
	'claude-sonnet-4-0': [3, 3.75, 6, 0.3, 15, 200_000, 64_000, 'v3'],
	'claude-3-5-haiku-latest': [0.8, 1, 1.6, 0.08, 4, 200_000, 8192, 'v3'],
};

/** Aliases and dated snapshot ids that must reach the same row. */
const IDS: Record<string, string> = {
	'claude-opus-4-5-20251101': 'claude-opus-4-5',
	'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5',
	'claude-haiku-4-5-20251001': 'claude-haiku-4-5',
	'claude-opus-4-1-20250805': 'claude-opus-4-1',
	'claude-opus-4-20250514': 'claude-opus-4-0',
	'claude-sonnet-4-20250514': 'claude-sonnet-4-0',
	'claude-3-5-haiku-20241022': 'claude-3-5-haiku-latest',
};

const BEDROCK: Record<string, string> = {
	'anthropic.claude-sonnet-4-5-20250929-v1:0': 'claude-sonnet-4-5',
	'us.anthropic.claude-sonnet-4-5-20250929-v1:0': 'claude-sonnet-4-5',
	'eu.anthropic.claude-haiku-4-5-20251001-v1:0': 'claude-haiku-4-5',
	'global.anthropic.claude-opus-4-5-20251101-v1:0': 'claude-opus-4-5',
	'apac.anthropic.claude-sonnet-4-20250514-v1:0': 'claude-sonnet-4-0',
	'anthropic.claude-opus-4-1-20250805-v1:0': 'claude-opus-4-1',
	'anthropic.claude-opus-4-20250514-v1:0': 'claude-opus-4-0',
	'anthropic.claude-3-5-haiku-20241022-v1:0': 'claude-3-5-haiku-latest',
	'anthropic.claude-opus-4-6-v1': 'claude-opus-4-6',
	'us.anthropic.claude-opus-4-6-v1': 'claude-opus-4-6',
	'anthropic.claude-sonnet-4-6': 'claude-sonnet-4-6',
	'anthropic.claude-opus-4-7': 'claude-opus-4-7',
	'jp.anthropic.claude-opus-4-8': 'claude-opus-4-8',
	'anthropic.claude-sonnet-5': 'claude-sonnet-5',
	'global.anthropic.claude-opus-5': 'claude-opus-5',
	'anthropic.claude-fable-5': 'claude-fable-5',
	'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0': 'claude-haiku-4-5',
	'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0': 'claude-sonnet-4-5',
};

function get(id: string, overrides?: ModelOverrides): ModelInfo {
	const m = lookupModel(id, overrides);
	assert.ok(m, `no row for ${id}`);
	return m;
}

describe('pricing table', () => {
	it('is dated and names its source', () => {
		assert.equal(PRICING_AS_OF, '2026-09-20');
		assert.match(PRICING_SOURCE, /pricing/);
		assert.match(PRICING_SOURCE, /2026-09-20/);
	});

	it('has exactly the models of DESIGN §5, each once', () => {
		const ids = allModels().map((m) => m.id);
		assert.deepEqual([...ids].sort(), Object.keys(EXPECTED).sort());
		assert.equal(new Set(ids).size, ids.length);
	});

	for (const [id, [input, w5, w1, read, output, window, maxOutput, family]] of Object.entries(EXPECTED)) {
		it(`${id}: $${input} in / $${output} out, cache $${w5} / $${w1} / $${read}, ${window} window, ${family}`, () => {
			const m = get(id);
			assert.equal(m.id, id);
			assert.equal(m.input, input);
			assert.equal(m.output, output);
			assert.equal(m.cacheWrite5m, w5);
			assert.equal(m.cacheWrite1h, w1);
			assert.equal(m.cacheRead, read);
			assert.equal(m.batchDiscount, 0.5);
			assert.equal(m.contextWindow, window);
			assert.equal(m.maxOutput, maxOutput);
			assert.equal(m.tokenizer, family);
			assert.equal(m.origin, 'table');
			assert.ok(m.displayName.startsWith('Claude '));
			assert.ok((m.minCacheablePrefix ?? 0) >= 512);
			// The documented multipliers hold on every row: 1.25x and 2x to write, 0.1x to read.
			assert.ok(Math.abs(m.cacheWrite5m - 1.25 * m.input) < 1e-9);
			assert.ok(Math.abs(m.cacheWrite1h - 2 * m.input) < 1e-9);
			assert.ok(Math.abs(m.cacheRead - 0.1 * m.input) < 1e-9);
		});
	}

	it('minimum cacheable prefixes follow DESIGN §5 where it gives one', () => {
		for (const id of ['claude-opus-4-5', 'claude-opus-4-6', 'claude-opus-4-7', 'claude-opus-4-8', 'claude-haiku-4-5']) {
			assert.equal(get(id).minCacheablePrefix, 4096, id);
		}
		for (const id of ['claude-sonnet-4-6', 'claude-fable-5']) {
			assert.equal(get(id).minCacheablePrefix, 2048, id);
		}
		for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-0', 'claude-opus-4-1', 'claude-opus-4-0']) {
			assert.equal(get(id).minCacheablePrefix, 1024, id);
		}
	});

	it('long-context tier only on Sonnet 4 and 4.5 (1M beta), $6 / $22.50 over 200K', () => {
		for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-0']) {
			const m = get(id);
			assert.deepEqual(m.longContext, { threshold: 200_000, input: 6, output: 22.5, cacheWrite5m: 7.5, cacheWrite1h: 12, cacheRead: 0.6 });
			assert.equal(m.extendedContextWindow, 1_000_000);
		}
		const tiered = allModels().filter((m) => m.longContext).map((m) => m.id).sort();
		assert.deepEqual(tiered, ['claude-sonnet-4-0', 'claude-sonnet-4-5']);
	});

	it('the current lineup is Fable 5, Opus 5, Sonnet 5 and Haiku 4.5', () => {
		assert.deepEqual(currentModels().map((m) => m.id).sort(), ['claude-fable-5', 'claude-haiku-4-5', 'claude-opus-5', 'claude-sonnet-5']);
	});

	it('says which values are assumed', () => {
		assert.ok(get('claude-opus-5').assumed.some((a) => a.startsWith('minCacheablePrefix')));
		assert.ok(get('claude-mythos-5').assumed.includes('bedrockIds'));
		assert.deepEqual(get('claude-sonnet-4-5').assumed, []);
	});
});

describe('lookupModel', () => {
	for (const [id, row] of Object.entries(IDS)) {
		it(`dated id ${id} → ${row}`, () => {
			assert.equal(get(id).id, row);
			assert.ok(get(row).ids.includes(id));
		});
	}

	for (const [id, row] of Object.entries(BEDROCK)) {
		it(`Bedrock id ${id.length > 60 ? id.slice(0, 57) + '…' : id} → ${row}`, () => {
			assert.equal(get(id).id, row);
		});
	}

	it('every Bedrock id listed in the table reaches its own row', () => {
		for (const m of allModels()) {
			for (const id of m.bedrockIds) {
				assert.equal(get(id), m, id);
			}
		}
	});

	it('Vertex ids (model@date) reach the dated row', () => {
		assert.equal(get('claude-sonnet-4-5@20250929').id, 'claude-sonnet-4-5');
		assert.equal(get('claude-opus-4@20250514').id, 'claude-opus-4-0');
	});

	it('ignores case and surrounding spaces', () => {
		assert.equal(get('  Claude-Sonnet-4-5  ').id, 'claude-sonnet-4-5');
	});

	it('never borrows a price: unknown ids, versions and snapshots are undefined', () => {
		for (const id of ['', '   ', 'gpt-4o', 'claude', 'claude-sonnet', 'claude-opus-4-9', 'claude-opus-5-5', 'claude-sonnet-4-5-20990101',
			'claude-haiku-4', 'claude-3-opus-20240229', 'anthropic.claude-v2', 'us.anthropic.claude-opus-4-9', 'sonnet']) {
			assert.equal(lookupModel(id), undefined, id);
		}
		assert.equal(lookupModel(undefined as unknown as string), undefined);
	});

	it('normalizeModelId strips only platform wrappers', () => {
		assert.equal(normalizeModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 'claude-sonnet-4-5-20250929');
		assert.equal(normalizeModelId('arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-4-6-v1'), 'claude-opus-4-6');
		assert.equal(normalizeModelId('claude-opus-4-5@20251101'), 'claude-opus-4-5-20251101');
		assert.equal(normalizeModelId('claude-opus-4-9'), 'claude-opus-4-9');
	});
});

describe('overrides from settings', () => {
	it('a partial entry changes only its fields, on every id of the row', () => {
		const overrides: ModelOverrides = { 'claude-sonnet-4-5-20250929': { input: 2.5, contextWindow: 1_000_000 } };
		for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0']) {
			const m = get(id, overrides);
			assert.equal(m.input, 2.5);
			assert.equal(m.contextWindow, 1_000_000);
			assert.equal(m.output, 15);
			assert.equal(m.cacheRead, 0.3);
			assert.equal(m.origin, 'override');
		}
		// Other rows and the table without overrides are untouched.
		assert.equal(get('claude-sonnet-4-5').input, 3);
		assert.equal(get('claude-haiku-4-5', overrides).origin, 'table');
		assert.deepEqual(overrideProblems(overrides), []);
	});

	it('a complete entry adds a model; missing cache rates follow its own input price', () => {
		const overrides: ModelOverrides = { 'claude-opus-5-5': { input: 4, output: 20, contextWindow: 1_000_000, displayName: 'Claude Opus 5.5', current: true } };
		const m = get('claude-opus-5-5', overrides);
		assert.equal(m.displayName, 'Claude Opus 5.5');
		assert.equal(m.input, 4);
		assert.equal(m.output, 20);
		assert.equal(m.cacheWrite5m, 5);
		assert.equal(m.cacheWrite1h, 8);
		assert.ok(Math.abs(m.cacheRead - 0.4) < 1e-12);
		assert.equal(m.batchDiscount, 0.5);
		assert.equal(m.contextWindow, 1_000_000);
		assert.equal(m.tokenizer, undefined);
		assert.equal(m.origin, 'override');
		assert.ok(currentModels(overrides).includes(m));
		assert.equal(allModels(overrides).length, allModels().length + 1);
		assert.equal(lookupModel('claude-opus-5-5'), undefined);
	});

	it('an incomplete entry for an unknown model is ignored and reported', () => {
		const overrides: ModelOverrides = { 'my-model': { input: 1 } };
		assert.equal(lookupModel('my-model', overrides), undefined);
		assert.deepEqual(overrideProblems(overrides), ['my-model: unknown model; to add it give output, contextWindow']);
	});

	it('invalid values are dropped and reported, valid ones kept', () => {
		const overrides = {
			'claude-haiku-4-5': { input: -1, output: 'cheap', cacheRead: 0.05, contextWindow: 1.5, batchDiscount: 2, tokenizer: 'v9' },
		} as unknown as ModelOverrides;
		const m = get('claude-haiku-4-5', overrides);
		assert.equal(m.input, 1);
		assert.equal(m.output, 5);
		assert.equal(m.cacheRead, 0.05);
		assert.equal(m.contextWindow, 200_000);
		assert.equal(m.batchDiscount, 0.5);
		assert.equal(m.tokenizer, 'v3');
		assert.equal(overrideProblems(overrides).length, 5);
	});

	it('a price of 0 is a valid override (free tier, internal gateway)', () => {
		assert.equal(get('claude-haiku-4-5', { 'claude-haiku-4-5': { input: 0 } }).input, 0);
	});

	it('the merged table is cached per settings object', () => {
		const overrides: ModelOverrides = { 'claude-opus-4-5': { output: 30 } };
		assert.equal(lookupModel('claude-opus-4-5', overrides), lookupModel('claude-opus-4-5', overrides));
		assert.equal(allModels(overrides), allModels(overrides));
	});
});

describe('rates for the surfaces', () => {
	it('rateLookup reads overrides from the current settings on every call', () => {
		let settings: object = { enable: true };
		const rates = rateLookup(() => settings);
		assert.deepEqual(rates('claude-sonnet-4-5-20250929'), { displayName: 'Claude Sonnet 4.5', inputPerMTok: 3, outputPerMTok: 15, contextWindow: 200_000 });
		assert.equal(rates('claude-opus-5-5'), undefined);
		settings = { modelOverrides: { 'claude-opus-5-5': { input: 4, output: 20, contextWindow: 1_000_000 } } };
		assert.deepEqual(rates('claude-opus-5-5'), { displayName: 'claude-opus-5-5', inputPerMTok: 4, outputPerMTok: 20, contextWindow: 1_000_000 });
	});

	it('modelChoices lists the current lineup first, with prices and windows', () => {
		const choices = modelChoices({});
		assert.equal(choices.length, allModels().length);
		assert.deepEqual(choices.slice(0, 4).map((c) => c.id), currentModels().map((m) => m.id));
		const sonnet = choices.find((c) => c.id === 'claude-sonnet-4-5');
		assert.deepEqual(sonnet, { id: 'claude-sonnet-4-5', label: 'Claude Sonnet 4.5', detail: '$3 / $15 per MTok · 200K context' });
		assert.equal(choices.find((c) => c.id === 'claude-3-5-haiku-latest')?.detail, '$0.80 / $4 per MTok · 200K context');
		assert.match(choices[0].detail, / · current$/);
	});
});
