import * as assert from 'node:assert/strict';
import { mightContainRequests } from '../../src/core/detect';
import type { DetectProblem, RequestSite } from '../../src/core/types';
import { markedRanges, partText, readFixture, slice } from './detectHelpers';
import { detectRequests } from '../core';

describe('detect: JSON / JSONC', () => {
	const text = readFixture('requests.jsonc');
	let sites: RequestSite[];
	before(async () => {
		sites = await detectRequests(text, 'jsonc');
	});

	it('finds every request, nested or not, with the exact object range', () => {
		assert.deepEqual(sites.map(s => s.range), markedRanges(text));
		for (const s of sites) {
			assert.ok(s.anchor.start === s.range.start && !slice(text, s.anchor).includes('\n'));
		}
		assert.deepEqual(sites.map(s => s.shape), ['messages', 'messages', 'messages', 'batch-entry', 'bedrock-invoke', 'bedrock-converse']);
		assert.deepEqual(sites.map(s => s.id), ['json:/plain', 'json:/list/0', 'json:/list/1/deeper/again', 'json:/batch/0', 'json:/invoke', 'json:/converse']);
	});

	it('keeps the count_tokens fields and drops generation knobs', () => {
		const plain = sites[0];
		assert.deepEqual(plain.payload, {
			model: 'claude-sonnet-4-5',
			system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
			messages: [
				{ role: 'user', content: 'Hello' },
				{ role: 'assistant', content: [{ type: 'text', text: 'Hi!' }] },
				{ role: 'user', content: [
					{ type: 'text', text: 'What is this?' },
					{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
				] },
			],
			tools: [{ name: 'lookup', description: 'Look up a word.', input_schema: { type: 'object', properties: { word: { type: 'string' } } } }],
			tool_choice: { type: 'auto' },
			thinking: { type: 'enabled', budget_tokens: 2048 },
		});
		assert.equal(plain.maxTokens, 1024);
		assert.equal(plain.modelFromDocument, true);
		assert.equal(plain.provider, 'anthropic');
		assert.deepEqual(plain.unresolved, []);
	});

	it('lists the parts with their ranges and payload paths', () => {
		const plain = sites[0];
		assert.equal(partText(text, plain, '/model'), '"claude-sonnet-4-5"');
		assert.equal(partText(text, plain, '/max_tokens'), '1024');
		assert.equal(partText(text, plain, '/messages/0'), '{ "role": "user", "content": "Hello" }');
		assert.equal(partText(text, plain, '/messages/2/content/1')?.startsWith('{ "type": "image"'), true);
		assert.equal(partText(text, plain, '/system/0')?.startsWith('{ "type": "text", "text": "You are terse."'), true);
		assert.equal(partText(text, plain, '/tools/0')?.startsWith('{ "name": "lookup"'), true);
		assert.equal(partText(text, plain, '/thinking'), '{ "type": "enabled", "budget_tokens": 2048 }');
		const kinds = plain.parts.map(p => p.kind);
		for (const kind of ['model', 'max_tokens', 'system', 'tools', 'tool', 'message', 'block', 'thinking']) {
			assert.ok(kinds.includes(kind as never), kind);
		}
	});

	it('reads a batch entry as its params', () => {
		const entry = sites[3];
		assert.deepEqual(entry.payload, { model: 'claude-opus-4-1', messages: [{ role: 'user', content: 'three' }] });
		assert.equal(entry.maxTokens, 50);
		assert.equal(partText(text, entry, '/messages/0'), '{ "role": "user", "content": "three" }');
	});

	it('maps a Bedrock InvokeModel body; the model comes from the caller when given', async () => {
		const invoke = sites[4];
		assert.equal(invoke.provider, 'bedrock');
		assert.equal(invoke.modelFromDocument, false);
		assert.deepEqual(invoke.payload, { model: '', system: 'Be kind.', messages: [{ role: 'user', content: 'four' }] });
		assert.deepEqual(invoke.bedrock?.input, { invokeModel: { body: {
			anthropic_version: 'bedrock-2023-05-31', max_tokens: 300, system: 'Be kind.', messages: [{ role: 'user', content: 'four' }],
		} } });
		const withModel = await detectRequests(text, 'jsonc', { bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0' });
		assert.equal(withModel[4].payload.model, 'anthropic.claude-3-haiku-20240307-v1:0');
		assert.equal(withModel[4].modelFromDocument, false);
	});

	it('maps a Bedrock Converse request to an equivalent Messages body', () => {
		const converse = sites[5];
		assert.equal(converse.provider, 'bedrock');
		assert.equal(converse.maxTokens, 512);
		assert.deepEqual(converse.payload, {
			model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
			system: [{ type: 'text', text: 'Answer in French.' }],
			messages: [{ role: 'user', content: [{ type: 'text', text: 'five' }] }],
			tools: [{ name: 'weather', description: 'Weather by city.', input_schema: { type: 'object' } }],
			tool_choice: { type: 'any' },
		});
		assert.deepEqual(converse.bedrock?.input, { converse: {
			messages: [{ role: 'user', content: [{ text: 'five' }] }],
			system: [{ text: 'Answer in French.' }],
			toolConfig: {
				tools: [{ toolSpec: { name: 'weather', description: 'Weather by city.', inputSchema: { json: { type: 'object' } } } }],
				toolChoice: { any: {} },
			},
		} });
	});

	it('keeps ids stable when text elsewhere changes', async () => {
		const edited = text.replace('"content": "Hello"', '"content": "Hello there, a longer greeting"');
		const again = await detectRequests(edited, 'jsonc');
		assert.deepEqual(again.map(s => s.id), sites.map(s => s.id));
		assert.equal(again[1].range.start - sites[1].range.start, edited.length - text.length);
	});

	it('reads what it can from malformed, half-typed JSON', async () => {
		const half = '[{"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "complete"}]},\n {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "typing';
		const found = await detectRequests(half, 'json');
		assert.equal(found.length, 2);
		assert.deepEqual(found[0].payload.messages, [{ role: 'user', content: 'complete' }]);
		assert.equal(found[1].payload.model, 'claude-haiku-4-5');
	});
});

describe('detect: JSONL', () => {
	const text = readFixture('batch.jsonl');

	it('reads each line on its own; a broken line yields nothing', async () => {
		const sites = await detectRequests(text, 'jsonl');
		assert.deepEqual(sites.map(s => s.id), ['jsonl:first', 'jsonl:second', 'jsonl:L5', 'jsonl:third']);
		assert.deepEqual(sites.map(s => s.shape), ['batch-entry', 'batch-entry', 'messages', 'batch-entry']);
		const lines = text.split('\n');
		assert.equal(slice(text, sites[1].range), lines[1]);
		assert.equal(slice(text, sites[2].range), lines[4]);
		assert.deepEqual(sites[3].payload, { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'delta' }] });
		assert.equal(partText(text, sites[3], '/messages/0'), '{"role": "user", "content": "delta"}');
	});

	it('recognises .jsonl and .ndjson by file name, whatever the language id', async () => {
		assert.equal((await detectRequests(text, 'json', { fileName: '/w/batch.jsonl' })).length, 4);
		assert.equal((await detectRequests(text, 'plaintext', { fileName: 'C:\\w\\batch.NDJSON' })).length, 4);
	});

	it('handles CRLF line ends with exact ranges', async () => {
		const crlf = text.replace(/\n/g, '\r\n');
		const sites = await detectRequests(crlf, 'jsonl');
		assert.equal(sites.length, 4);
		assert.ok(slice(crlf, sites[0].range).startsWith('{"custom_id": "first"'));
		assert.ok(slice(crlf, sites[0].range).endsWith('}}'));
	});
});

describe('detect: nothing to find', () => {
	it('returns [] for documents without requests, cheaply', async () => {
		assert.equal(mightContainRequests('{"model": "claude-haiku-4-5"}', 'json'), false);
		assert.equal(mightContainRequests('{"messages": []}', 'markdown'), false);
		assert.deepEqual(await detectRequests('', 'json'), []);
		assert.deepEqual(await detectRequests('{"model": "claude-haiku-4-5", "prompt": "hi"}', 'json'), []);
		assert.deepEqual(await detectRequests('const messages = [];\nconsole.log(messages.length);\n', 'typescript'), []);
		assert.deepEqual(await detectRequests('messages = []\nprint(len(messages))\n', 'python'), []);
		assert.deepEqual(await detectRequests('{"model": "x", "messages": []}', 'markdown'), []);
	});

	it('never throws on binary garbage', async () => {
		let seed = 7;
		const bytes = Buffer.from(new Uint8Array(20_000).map(() => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed & 0xff;
		}));
		const garbage = bytes.toString('latin1') + 'messages' + bytes.toString('utf8');
		for (const languageId of ['json', 'jsonl', 'typescript', 'javascriptreact', 'python']) {
			assert.ok(Array.isArray(await detectRequests(garbage, languageId)), languageId);
		}
		assert.deepEqual(await detectRequests(undefined as unknown as string, 'json'), []);
	});
});

describe('detect: deeply nested JSON', () => {
	const request = (inner: string) => `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${inner}}}`;
	const arrays = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

	it('reads a request inside 100,000 levels of arrays (the strict reader does not recurse)', async () => {
		for (const n of [2_000, 100_000]) {
			const sites = await detectRequests(`${'['.repeat(n)}${request('1')}${']'.repeat(n)}`, 'json');
			assert.equal(sites.length, 1, `${n} levels around the request`);
		}
	});

	it('reports a request nested 2,000 to 100,000 levels deep instead of dropping it, and never overflows', async () => {
		for (const n of [2_000, 10_000, 100_000]) {
			for (const [text, language] of [[request(arrays(n)), 'json'], [`{"custom_id":"a","params":${request(arrays(n))}}\n${request('2')}`, 'jsonl']] as const) {
				const problems: DetectProblem[] = [];
				const sites = await detectRequests(text, language, { fileName: language === 'jsonl' ? 'b.jsonl' : 'r.json', problems });
				assert.equal(problems.length, 1, `${language}, ${n} levels: one problem`);
				assert.match(problems[0].message, /^Too deeply nested: this request nests more than 256 levels/);
				assert.equal(problems[0].range.start, 0);
				assert.equal(sites.length, language === 'jsonl' ? 1 : 0, 'the other lines are still read');
			}
		}
	});

	it('reports malformed text nested too deeply for the tolerant parser', async () => {
		const problems: DetectProblem[] = [];
		// Unclosed: the strict reader refuses it, and jsonc-parser would recurse 100,000 times.
		const sites = await detectRequests(request(arrays(100_000)).slice(0, -10), 'json', { problems });
		assert.equal(sites.length, 0);
		assert.match(problems[0]?.message ?? '', /^Too deeply nested: more than 1000 levels in text that is not valid JSON/);
	});

	it('says a code file nested deeper than its parser can take is too deeply nested, instead of finding nothing', async function () {
		this.timeout(30_000);
		for (const [language, fileName, text] of [
			['typescript', 'deep.ts', `client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }], metadata: { x: ${arrays(100_000)} } });`],
			['python', 'deep.py', `client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}], metadata={"x": ${arrays(100_000)}})`],
		] as const) {
			const problems: DetectProblem[] = [];
			await detectRequests(text, language, { fileName, problems });
			assert.match(problems[0]?.message ?? '', /^Too deeply nested/, language);
		}
	});

	it('still counts a request nested within the limit', async () => {
		const problems: DetectProblem[] = [];
		const sites = await detectRequests(request(arrays(200)), 'json', { problems });
		assert.equal(sites.length, 1);
		assert.deepEqual(problems, []);
	});
});
