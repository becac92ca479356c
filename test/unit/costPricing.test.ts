import * as assert from 'node:assert/strict';
import {
	PRICING_AS_OF, PRICING_SOURCE, allModels, currentModels, lookupModel, normalizeModelId, overrideProblems,
	type ModelInfo, type ModelOverrides,
} from '../../src/core/cost';
import { modelChoices, rateLookup } from '../../src/core/cost/rates';

/**
 * DESIGN.md §5 (Anthropic pricing page as copied 2026-09-20) and, for the rows added 2026-11-23, the sources cited
 * on each row (Opus 5.5, Sonnet 5.5, Haiku 5.5, Fable 5.1, Mythos 5.1), written out here independently of pricing.json:
 * [input, cache write 5m, cache write 1h, cache read, output, context window, max output, tokenizer].
 */
const EXPECTED: Record<string, [number, number, number, number, number, number, number, string]> = {
	'claude-opus-5-5': [4, 5, 8, 0.2, 20, 1_000_000, 128_000, 'v5'],
	'claude-sonnet-5-5': [2, 2.5, 4, 0.1, 10, 1_000_000, 128_000, 'v5'],
	'claude-haiku-5-5': [0.1, 0.125, 0.2, 0.01, 0.5, 1_000_000, 128_000, 'v5'],
	'claude-fable-5-1': [10, 12.5, 20, 0.25, 50, 1_000_000, 128_000, 'v5'],
	'claude-mythos-5-1': [10, 12.5, 20, 0.25, 50, 1_000_000, 128_000, 'v5'],
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

/** Lifecycle status of every row, and the retirement date where the sources give one. */
const STATUS: Record<string, [string, string?]> = {
	'claude-opus-5-5': ['current'],
	'claude-sonnet-5-5': ['current'],
	'claude-haiku-5-5': ['current'],
	'claude-fable-5-1': ['current'],
	'claude-mythos-5-1': ['current'],
	'claude-fable-5': ['legacy'],
	'claude-mythos-5': ['legacy'],
	'claude-opus-5': ['legacy'],
	'claude-sonnet-5': ['legacy'],
	'claude-opus-4-8': ['legacy'],
	'claude-opus-4-7': ['legacy'],
	'claude-opus-4-6': ['legacy'],
	'claude-sonnet-4-6': ['legacy'],
	'claude-opus-4-5': ['legacy'],
	'claude-sonnet-4-5': ['deprecated', '2026-11-30'],
	'claude-haiku-4-5': ['legacy'],
	'claude-opus-4-1': ['retired'],
	'claude-opus-4-0': ['retired', '2026-06-15'],
	'claude-sonnet-4-0': ['retired', '2026-06-15'],
	'claude-3-5-haiku-latest': ['retired'],
};

const BEDROCK: Record<string, string> = {
	'anthropic.claude-opus-5-5': 'claude-opus-5-5',
	'global.anthropic.claude-haiku-5-5': 'claude-haiku-5-5',
	'us.anthropic.claude-sonnet-5-5': 'claude-sonnet-5-5',
	'anthropic.claude-fable-5-1': 'claude-fable-5-1',
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
		assert.equal(PRICING_AS_OF, '2026-11-23');
		assert.match(PRICING_SOURCE, /pricing/);
		// The rows kept from the first copy and the rows added later each say when their source was seen.
		assert.match(PRICING_SOURCE, /2026-09-20/);
		assert.match(PRICING_SOURCE, /2026-11-23/);
	});

	it('every row names its source and the date it was seen', () => {
		for (const m of allModels()) {
			assert.ok(m.source && /pricing|models\//.test(m.source), m.id);
			assert.match(m.source ?? '', /\b2026-(09-20|11-23)\b/, m.id);
		}
	});

	it('has exactly the models of DESIGN §5 and the rows added 2026-11-23, each once', () => {
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
			// Never below the smallest documented value.
			assert.ok(m.minCacheablePrefix === undefined || m.minCacheablePrefix >= 512);
			// The write multipliers hold on every row: 1.25x (5 minutes) and 2x (1 hour).
			assert.ok(Math.abs(m.cacheWrite5m - 1.25 * m.input) < 1e-9);
			assert.ok(Math.abs(m.cacheWrite1h - 2 * m.input) < 1e-9);
		});
	}

	it('cache reads are 0.1x input except Opus 5.5 and Sonnet 5.5 (0.05x) and Fable / Mythos 5.1 (0.025x)', () => {
		const ratio: Record<string, number> = { 'claude-opus-5-5': 0.05, 'claude-sonnet-5-5': 0.05, 'claude-fable-5-1': 0.025, 'claude-mythos-5-1': 0.025 };
		for (const m of allModels()) {
			assert.ok(Math.abs(m.cacheRead - (ratio[m.id] ?? 0.1) * m.input) < 1e-9, m.id);
		}
	});

	for (const [id, [status, retires]] of Object.entries(STATUS)) {
		it(`${id} is ${status}${retires ? `, retires ${retires}` : ''}`, () => {
			const m = get(id);
			assert.equal(m.status, status);
			assert.equal(m.retires, retires);
		});
	}

	it('every row has a status; only current models are in the lineup', () => {
		assert.deepEqual(allModels().map((m) => m.id).sort(), Object.keys(STATUS).sort());
		for (const m of allModels()) {
			if (m.current) {
				assert.equal(m.status, 'current', m.id);
			}
		}
	});

	it('retired rows keep their prices for old files and partner platforms', () => {
		const opus41 = get('anthropic.claude-opus-4-1-20250805-v1:0');
		assert.equal(opus41.status, 'retired');
		assert.equal(opus41.input, 15);
	});

	it('minimum cacheable prefixes follow the first-party sources, the higher value where they conflict or give none', () => {
		// The prompt-caching page: 4,096 Opus 4.6 / 4.5 and Haiku 4.5; 1,024 Sonnet 4.5 and the 4.0/4.1 models; 2,048 Haiku 3.5.
		for (const id of ['claude-opus-4-5', 'claude-opus-4-6', 'claude-haiku-4-5']) {
			assert.equal(get(id).minCacheablePrefix, 4096, id);
		}
		for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-0', 'claude-opus-4-1', 'claude-opus-4-0']) {
			assert.equal(get(id).minCacheablePrefix, 1024, id);
		}
		assert.equal(get('claude-3-5-haiku-latest').minCacheablePrefix, 2048);
		// Launch pages: "a lower 1,024-token minimum" for Opus 4.8, 512 for Opus 5.
		assert.equal(get('claude-opus-4-8').minCacheablePrefix, 1024);
		assert.match(get('claude-opus-4-8').minCacheablePrefixSource!, /whats-new-claude-4-8/);
		assert.equal(get('claude-opus-5').minCacheablePrefix, 512);
		assert.match(get('claude-opus-5').minCacheablePrefixSource!, /whats-new-opus-5/);
		// Conflicting or missing first-party figures: the higher candidate, with a note saying so.
		for (const [id, kept] of [['claude-sonnet-4-6', 2048], ['claude-fable-5', 2048], ['claude-opus-4-7', 4096], ['claude-fable-5-1', 2048], ['claude-haiku-5-5', 4096]] as const) {
			assert.equal(get(id).minCacheablePrefix, kept, id);
			assert.ok(get(id).minCacheablePrefixNote, id);
		}
	});

	it('the minimum cacheable prefix of every current model names its source (an address)', () => {
		for (const m of currentModels()) {
			assert.ok(m.minCacheablePrefix !== undefined && m.minCacheablePrefix >= 512, m.id);
			assert.match(m.minCacheablePrefixSource ?? '', /^https:\/\/\S+$/, m.id);
		}
		for (const m of allModels()) {
			if (m.minCacheablePrefix !== undefined) {
				assert.match(m.minCacheablePrefixSource ?? '', /^https:\/\/\S+$/, m.id);
			}
		}
	});

	it('every row names the page and date of its prices', () => {
		for (const m of allModels()) {
			assert.match(m.priceSource ?? '', /^https:\/\/\S+$/, m.id);
			assert.match(m.pricesAsOf ?? '', /^\d{4}-\d{2}-\d{2}$/, m.id);
		}
		assert.deepEqual(get('claude-sonnet-5-5').priceChanges?.map((c) => [c.field, c.from, c.to, c.effective]), [['cacheRead', 0.2, 0.1, '2026-10-07']]);
	});

	it('long-context tier on Sonnet 4 and 4.5 (1M beta), $6 / $22.50 over 200K', () => {
		for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-0']) {
			const m = get(id);
			assert.deepEqual(m.longContext, { threshold: 200_000, input: 6, output: 22.5, cacheWrite5m: 7.5, cacheWrite1h: 12, cacheRead: 0.6 });
			assert.equal(m.extendedContextWindow, 1_000_000);
		}
		const tiered = allModels().filter((m) => m.longContext).map((m) => m.id).sort();
		assert.deepEqual(tiered, ['claude-haiku-5-5', 'claude-sonnet-4-0', 'claude-sonnet-4-5']);
	});

	it('Haiku 5.5 bills prompts over 100K at $0.50 / $2.50, caches scaled alike, in its 1M window', () => {
		const m = get('claude-haiku-5-5');
		assert.deepEqual(m.longContext, { threshold: 100_000, input: 0.5, output: 2.5, cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05 });
		assert.equal(m.extendedContextWindow, undefined);
		assert.ok(m.assumed.some((a) => a.startsWith('longContext')));
	});

	it('the current lineup is Fable 5.1, Opus 5.5, Sonnet 5.5 and Haiku 5.5', () => {
		assert.deepEqual(currentModels().map((m) => m.id).sort(), ['claude-fable-5-1', 'claude-haiku-5-5', 'claude-opus-5-5', 'claude-sonnet-5-5']);
		assert.equal(get('claude-mythos-5-1').current, false);
	});

	it('says which values are assumed', () => {
		assert.ok(get('claude-mythos-5').assumed.includes('bedrockIds'));
		assert.ok(get('claude-sonnet-5-5').assumed.some((a) => a.startsWith('cacheRead')));
		assert.ok(get('claude-haiku-5-5').assumed.some((a) => a.startsWith('cacheWrite5m')));
		assert.match(get('claude-opus-5-5').minCacheablePrefixNote ?? '', /no first-party figure for Opus 5\.5/);
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
		for (const id of ['', '   ', 'gpt-4o', 'claude', 'claude-sonnet', 'claude-opus-4-9', 'claude-opus-5-6', 'claude-sonnet-4-5-20990101',
			'claude-fable-5-2', 'claude-mythos-5-2', 'claude-mythos-preview', 'claude-haiku-5', 'claude-sonnet-5-5-20261001', 'anthropic.claude-fable-5-2',
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
		const overrides: ModelOverrides = { 'claude-fable-5-2': { input: 8, output: 40, contextWindow: 1_000_000, displayName: 'Claude Fable 5.2', current: true } };
		const m = get('claude-fable-5-2', overrides);
		assert.equal(m.displayName, 'Claude Fable 5.2');
		assert.equal(m.input, 8);
		assert.equal(m.output, 40);
		assert.equal(m.cacheWrite5m, 10);
		assert.equal(m.cacheWrite1h, 16);
		assert.ok(Math.abs(m.cacheRead - 0.8) < 1e-12);
		assert.equal(m.batchDiscount, 0.5);
		assert.equal(m.contextWindow, 1_000_000);
		assert.equal(m.tokenizer, undefined);
		assert.equal(m.origin, 'override');
		assert.ok(currentModels(overrides).includes(m));
		assert.equal(allModels(overrides).length, allModels().length + 1);
		assert.equal(lookupModel('claude-fable-5-2'), undefined);
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
		const card = (id: string) => {
			const r = rates(id);
			return r && { displayName: r.displayName, contextWindow: r.contextWindow, usd1M: r.cost(1_000_000).totalUsd, batch1M: r.cost(1_000_000, { batch: true }).totalUsd };
		};
		assert.deepEqual(card('claude-sonnet-4-5-20250929'), { displayName: 'Claude Sonnet 4.5', contextWindow: 200_000, usd1M: 6, batch1M: 3 });
		assert.deepEqual(card('claude-opus-5-5'), { displayName: 'Claude Opus 5.5', contextWindow: 1_000_000, usd1M: 4, batch1M: 2 });
		assert.match(rates('claude-opus-5-5')!.provenance, /^prices as of 2026-11-23 · https:/);
		assert.equal(rates('claude-fable-5-2'), undefined);
		settings = { pricing: { overrides: { 'claude-fable-5-2': { input: 8, output: 40, contextWindow: 1_000_000 } } } };
		assert.deepEqual(card('claude-fable-5-2'), { displayName: 'claude-fable-5-2', contextWindow: 1_000_000, usd1M: 8, batch1M: 4 });
		assert.equal(rates('claude-fable-5-2')!.provenance, 'prices from your settings (claudeTokenMeter.pricing.overrides)');
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
