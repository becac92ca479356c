import * as assert from 'node:assert/strict';
import { parseTree } from 'jsonc-parser';
import { detectRequests } from '../core';
import { parseTreeFast } from '../../src/core/detect/json';
import { readFixture } from './detectHelpers';

describe('detect: fast JSON reader', () => {
	const strip = (node: unknown): unknown => JSON.parse(JSON.stringify(node, (k, v: unknown) => k === 'parent' || k === 'colonOffset' ? undefined : v));

	it('builds the same tree as jsonc-parser for regular JSON and JSONC', () => {
		const samples = [
			readFixture('requests.jsonc'),
			...readFixture('batch.jsonl').split('\n').filter(l => l.trim() && !l.includes('"broken"')),
			'{"a": [1, -2.5e3, true, false, null, "x\\"y\\u00e9\\n"], "b": {}, "c": [], }',
			' [ /* c */ {"k": "v"}, // d\n 0 ]\r\n',
		];
		for (const text of samples) {
			const quick = parseTreeFast(text);
			assert.ok(quick, text.slice(0, 60));
			assert.deepEqual(strip(quick), strip(parseTree(text, [], { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true })));
		}
	});

	it('leaves malformed or unusual text to jsonc-parser', () => {
		const brokenLine = readFixture('batch.jsonl').split('\n').find(l => l.includes('"broken"'));
		for (const text of [brokenLine ?? '{', '', '  ', '{"a": 1', '{"a": "line\nbreak"}', '{"a": "tab\there"}', '{"a": 01}', '{"a": tru}', '{a: 1}', '[1] x', '{"a": "\\q"}', '\ufeff{}']) {
			assert.equal(parseTreeFast(text), undefined, JSON.stringify(text));
		}
	});

	it('detects the same requests in a large JSON file with base64 images', async () => {
		const image = Buffer.alloc(300_000, 7).toString('base64');
		const text = JSON.stringify([1, 2, 3].map(i => ({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [
			{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } }, { type: 'text', text: `Picture ${i}?` }] }] })), null, '\t');
		const sites = await detectRequests(text, 'json');
		assert.equal(sites.length, 3);
		assert.deepEqual((sites[2].payload.messages[0] as { content: unknown[] }).content[1], { type: 'text', text: 'Picture 3?' });
		const broken = text.slice(0, -2);
		assert.equal(parseTreeFast(broken), undefined);
		assert.equal((await detectRequests(broken, 'json')).length, 3);
	});
});
