import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readRecordedRequests, requestKind, scoreRequests, summarize, worstMisses } from '../../src/core/offline/requestAccuracy';
import { countUserMessage, vocabs } from '../core';
import type { MessagesBody } from '../../src/core/types';

const body = (b: Partial<MessagesBody>): MessagesBody => ({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }], ...b });

describe('request accuracy (npm run accuracy -- requests)', () => {
	describe('requestKind', () => {
		it('calls one user text turn plain, as a string or one text block', () => {
			assert.equal(requestKind(body({})), 'plain');
			assert.equal(requestKind(body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] })), 'plain');
		});
		it('calls a system prompt, several turns, several blocks or thinking system/turns', () => {
			assert.equal(requestKind(body({ system: 'Be brief.' })), 'system/turns');
			assert.equal(requestKind(body({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] })), 'system/turns');
			assert.equal(requestKind(body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] })), 'system/turns');
			assert.equal(requestKind(body({ thinking: { type: 'enabled', budget_tokens: 1024 } })), 'system/turns');
		});
		it('calls tool definitions and tool blocks tools', () => {
			assert.equal(requestKind(body({ tools: [{ name: 't', input_schema: { type: 'object' } }] })), 'tools');
			const turns = [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 't', input: {} }] },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'ok' }] },
			];
			assert.equal(requestKind(body({ messages: turns })), 'tools');
		});
		it('calls images, documents and search results media, also inside a tool result, before tools', () => {
			const img = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } };
			assert.equal(requestKind(body({ messages: [{ role: 'user', content: [img] }] })), 'media');
			const nested = [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: [img] }] }];
			assert.equal(requestKind(body({ messages: nested, tools: [{ name: 't', input_schema: {} }] })), 'media');
		});
	});

	describe('scoring a recordings file', () => {
		let dir = '';
		before(() => {
			dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-acc-'));
		});
		after(() => fs.rmSync(dir, { recursive: true, force: true }));

		it('reads gzip JSONL, sums cache tokens into the input, scores per family and kind and lists the worst misses', async () => {
			const exact = countUserMessage('Hello there', 'v3');
			const lines = [
				{ id: 'a', model: 'claude-sonnet-4-5', family: 'v3', request: body({ messages: [{ role: 'user', content: 'Hello there' }] }), input_tokens: exact - 2, cache_read_input_tokens: 2, total_input_tokens: exact, features: [], verification: 'exact' },
				{ id: 'b', model: 'claude-sonnet-4-5', family: 'v3', request: body({ messages: [{ role: 'user', content: 'Hello there' }] }), input_tokens: exact * 2, total_input_tokens: exact * 2, features: ['x'], verification: 'exact' },
				{ id: 'c', model: 'claude-opus-5', family: 'v5', request: body({ model: 'claude-opus-5', system: 'S' }), input_tokens: 100, features: ['system'], verification: 'reserialized_unverified' },
				{ id: 'no-count', model: 'claude-opus-5', family: 'v5', request: body({}) },
			];
			const file = path.join(dir, 'rec.jsonl.gz');
			fs.writeFileSync(file, zlib.gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')));
			const recs = readRecordedRequests(file);
			assert.deepEqual(recs.map((r) => [r.id, r.tokens]), [['a', exact], ['b', exact * 2], ['c', 100]]);

			const outcomes = await scoreRequests(recs, vocabs);
			const rows = summarize(outcomes);
			assert.deepEqual(rows.map((r) => [r.family, r.kind, r.requests, r.exact, r.undercounts]), [
				['v3', 'plain', 2, 1, 1],
				['v5', 'system/turns', 1, 0, 1],
			]);
			assert.equal(rows[0].medianErrorPct, 0);
			assert.equal(rows[0].p90ErrorPct, 50);
			assert.deepEqual(worstMisses(outcomes, 1).map((o) => o.id), ['c']);
			assert.deepEqual((await scoreRequests(recs, vocabs, { features: ['x'] })).map((o) => o.id), ['b']);
			assert.deepEqual((await scoreRequests(recs, vocabs, { kind: 'system/turns' })).map((o) => o.id), ['c']);
			assert.deepEqual((await scoreRequests(recs, vocabs, { family: 'v3', verification: ['exact'] })).map((o) => o.id), ['a', 'b']);
		});

		it('says which line is not JSON', () => {
			const file = path.join(dir, 'bad.jsonl');
			fs.writeFileSync(file, '{"id":1}\n{oops\n');
			assert.throws(() => readRecordedRequests(file), /bad\.jsonl:2: not valid JSON/);
		});
	});
});

describe('recorded requests (../shared/requests, when present)', function () {
	this.timeout(300_000);
	const root = path.resolve(__dirname, '..', '..', '..');
	const file = process.env.CTM_RECORDINGS ?? path.resolve(root, '..', 'shared', 'requests', 'recorded.jsonl.gz');
	let rows: ReturnType<typeof summarize> = [];
	before(async function () {
		if (!fs.existsSync(file)) {
			console.log(`      (skipped: ${file} is not there)`);
			this.skip();
		}
		rows = summarize(await scoreRequests(readRecordedRequests(file), vocabs));
	});

	it('the "≈" statistics the counter ships are the ones the recordings give (regenerate with --write-stats)', () => {
		const shipped = JSON.parse(fs.readFileSync(path.join(root, 'src', 'core', 'offline', 'measuredAccuracy.json'), 'utf8')) as {
			families: Record<string, Record<string, { requests: number; exact: number; within5pct: number }>>;
		};
		const fresh: Record<string, Record<string, { requests: number; exact: number; within5pct: number }>> = {};
		for (const r of rows) {
			(fresh[r.family] ??= {})[r.kind] = { requests: r.requests, exact: r.exact, within5pct: r.within5pct };
		}
		assert.deepEqual(shipped.families, fresh, 'run: npm run accuracy -- requests ../shared/requests/recorded.jsonl.gz --write-stats src/core/offline/measuredAccuracy.json');
	});

	it('one plain user message stays exact on at least 98 % of recordings per family', () => {
		for (const r of rows.filter((x) => x.kind === 'plain')) {
			assert.ok(r.exact / r.requests >= 0.98, `${r.family}: ${r.exact}/${r.requests}`);
		}
	});
});
