import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { type FamilyAccuracy, readCorpus, readCounts, scoreCorpus } from '../../src/core/offline/accuracy';
import { vocabs } from '../core';

const fixtures = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'ctok');

/**
 * The goals of issue 3 on the recorded count_tokens fixtures, through the same code as
 * `npm run accuracy`: ≥ 99 % of documents exact, all within 1 %, no under-count, per family.
 */
const corpora: Array<{ name: string; corpus: string; counts: string; idField: string }> = [
	{ name: 'Rosetta Code', corpus: 'rosetta.jsonl.gz', counts: 'rosetta_counts.json', idField: 'id' },
	{ name: 'UDHR', corpus: 'udhr.jsonl.gz', counts: 'udhr_counts.json', idField: 'f' },
];

describe('offline tokenizer accuracy on recorded count_tokens results', function () {
	this.timeout(120_000);
	for (const c of corpora) {
		describe(c.name, () => {
			let results: FamilyAccuracy[] = [];
			before(() => {
				results = scoreCorpus(readCorpus(path.join(fixtures, c.corpus), c.idField), readCounts(path.join(fixtures, c.counts)), vocabs);
			});
			for (const family of ['v3', 'v4.7', 'v5']) {
				describe(family, () => {
					const get = () => {
						const r = results.find((x) => x.family === family);
						assert.ok(r, `no ${family} counts in ${c.counts}`);
						assert.ok(r.docs > 0);
						return r;
					};
					it('reproduces at least 99 % of documents exactly', () => {
						const r = get();
						assert.ok(r.exact / r.docs >= 0.99, `${r.exact}/${r.docs} exact`);
					});
					it('keeps every document within 1 %', () => {
						const r = get();
						assert.equal(r.within1pct, r.docs, `worst error ${r.worstErrorPct.toFixed(3)} %`);
					});
					it('never under-counts', () => {
						assert.equal(get().undercounts, 0);
					});
					it('reproduces every recorded count exactly', () => {
						const r = get();
						assert.deepEqual(r.misses.slice(0, 5), [], `${r.exact}/${r.docs} exact`);
					});
				});
			}
		});
	}
});
