import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import type { RequestSite } from '../../src/core/types';
import { markedRanges, partText, readFixture, slice } from './detectHelpers';

describe('detect: TypeScript / JavaScript', () => {
	const text = readFixture('support.ts');
	let sites: RequestSite[];
	before(async () => {
		sites = await detectRequests(text, 'typescript', { fileName: 'support.ts' });
	});

	it('finds every SDK call and Bedrock command with its exact range', () => {
		assert.deepEqual(sites.map(s => s.range), markedRanges(text));
		assert.deepEqual(sites.map(s => s.id), ['ts:messages.create#0', 'ts:beta.messages.countTokens#0', 'ts:messages.stream#0',
			'ts:messages.batches.create#0/requests/0', 'ts:messages.batches.create#0/requests/1', 'ts:InvokeModelCommand#0', 'ts:ConverseCommand#0']);
	});

	it('resolves same-file constants, spreads, shorthand, satisfies, as const and type assertions', () => {
		const create = sites[0];
		assert.deepEqual(create.payload, {
			model: 'claude-sonnet-4-5',
			system: 'You are the support assistant for Acme.\nAnswer briefly and cite the help-center article.',
			tools: [{ name: 'search_help_center', description: 'Search help-center articles.',
				input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }],
			messages: [
				{ role: 'user', content: 'Hi, I need help with my invoice.' },
				{ role: 'assistant', content: 'Sure, what is the invoice number?' },
			],
		});
		assert.equal(create.maxTokens, 2048);
		assert.equal(partText(text, create, '/model'), '\'claude-sonnet-4-5\'');
		assert.deepEqual(create.unresolved.map(u => [u.path, u.text, u.reason]), [['/messages/2/content', 'question', 'parameter']]);
		assert.equal(slice(text, create.anchor), 'client.messages.create({');
	});

	it('lists function calls and substitutions as unresolved and leaves them out', () => {
		const count = sites[1];
		assert.deepEqual(count.payload.messages, [{ role: 'user', content: [{ type: 'text', text: 'Summarise:' }] }]);
		assert.deepEqual(count.payload.thinking, { type: 'enabled', budget_tokens: 1024 });
		assert.deepEqual(count.unresolved.map(u => [u.path, u.text, u.reason]), [['/messages/0/content/1/text', 'await loadDocument(\'faq.md\')', 'awaited value']]);
		const stream = sites[2];
		assert.deepEqual(stream.payload.messages, [{ role: 'user', content: 'Then stop.' }]);
		assert.deepEqual(stream.unresolved.map(u => u.reason), ['template with substitutions']);
		assert.equal(slice(text, stream.unresolved[0].range), '`Say hello to ${name}`');
	});

	it('makes each batch request its own site', () => {
		assert.deepEqual(sites[3].payload, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Report for Monday' }] });
		assert.equal(sites[3].shape, 'batch-entry');
		assert.equal(sites[4].maxTokens, 2048);
	});

	it('reads Bedrock InvokeModel and Converse commands', () => {
		const invoke = sites[5];
		assert.equal(invoke.shape, 'bedrock-invoke');
		assert.equal(invoke.provider, 'bedrock');
		assert.equal(invoke.modelFromDocument, true);
		assert.deepEqual(invoke.payload, { model: 'anthropic.claude-3-5-haiku-20241022-v1:0', messages: [{ role: 'user', content: 'Hello from Bedrock' }] });
		assert.deepEqual(invoke.bedrock, { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', input: { invokeModel: { body: {
			anthropic_version: 'bedrock-2023-05-31', max_tokens: 256, messages: [{ role: 'user', content: 'Hello from Bedrock' }] } } } });
		const converse = sites[6];
		assert.equal(converse.shape, 'bedrock-converse');
		assert.deepEqual(converse.payload, { model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
			messages: [{ role: 'user', content: [{ type: 'text', text: 'Ping?' }] }], system: [{ type: 'text', text: 'Reply in one word.' }] });
	});

	it('gives the same result after an incremental re-parse as from scratch', async () => {
		const edited = text.replace('Report for Monday', 'Report for Monday and Sunday');
		const incremental = await detectRequests(edited, 'typescript', { fileName: 'support.ts' });
		const fresh = await detectRequests(edited, 'typescript');
		assert.deepEqual(incremental, fresh);
		assert.deepEqual(incremental[3].payload.messages, [{ role: 'user', content: 'Report for Monday and Sunday' }]);
	});

	it('tolerates half-typed code and finds the calls after it', async () => {
		const call = 'client.messages.create({ model: "m2", messages: [{ role: "user", content: "y" }] })';
		const half = `const r = await client.messages.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }, { role: \n\nfunction f() { return ${call}; }\n`;
		const found = await detectRequests(half, 'typescript');
		assert.equal(found.length, 2);
		assert.deepEqual(found[0].payload.messages[0], { role: 'user', content: 'x' });
		assert.equal(slice(half, found[1].range), call);
		assert.deepEqual(found[1].payload, { model: 'm2', messages: [{ role: 'user', content: 'y' }] });
	});

	it('handles JSX/TSX, identifiers across hops, cycles and unresolved arguments', async () => {
		const tsx = [
			'const a = b; const b = a;',
			'const base = { model: "claude-haiku-4-5" };',
			'const alias = base; const params = { ...alias, messages: [{ role: "user", content: a }, { role: "user", content: "ok" }] };',
			'export const View = () => <div onClick={() => client.messages.create(params)}>hi</div>;',
			'anthropic.messages.countTokens(makeParams());',
		].join('\n');
		const found = await detectRequests(tsx, 'typescriptreact', { fileName: 'view.tsx' });
		assert.equal(found.length, 2);
		assert.deepEqual(found[0].payload, { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'ok' }] });
		assert.deepEqual(found[0].unresolved.map(u => u.reason), ['circular reference']);
		assert.deepEqual(found[1].payload, { model: '', messages: [] });
		assert.equal(found[1].modelFromDocument, false);
		assert.deepEqual(found[1].unresolved.map(u => [u.text, u.reason]), [['makeParams()', 'function call']]);
	});

	it('reads JavaScript files by extension', async () => {
		const js = 'const r = client.messages.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "hi" }] });';
		for (const fileName of ['a.js', 'a.mjs', 'a.cjs', 'a.jsx']) {
			const found = await detectRequests(js, 'unknown', { fileName });
			assert.equal(found.length, 1, fileName);
			assert.equal(found[0].language, 'javascript');
		}
	});
});

describe('detect: Python', () => {
	const text = readFixture('support.py');
	let sites: RequestSite[];
	before(async () => {
		sites = await detectRequests(text, 'python', { fileName: 'support.py' });
	});

	it('finds every SDK and boto3 call with its exact range', () => {
		assert.deepEqual(sites.map(s => s.id), ['py:messages.create#0', 'py:beta.messages.count_tokens#0', 'py:messages.stream#0',
			'py:messages.batches.create#0/requests/0', 'py:messages.batches.create#0/requests/1', 'py:invoke_model#0', 'py:converse#0']);
		const create = slice(text, sites[0].range);
		assert.ok(create.startsWith('client.messages.create(\n        model=MODEL,'));
		assert.ok(create.endsWith('],\n    )'));
		assert.ok(slice(text, sites[3].range).startsWith('Request(custom_id="night-1"'));
		assert.ok(slice(text, sites[4].range).startsWith('{"custom_id": "night-2"'));
		assert.ok(slice(text, sites[6].range).startsWith('bedrock.converse('));
	});

	it('evaluates module-level names, implicit concatenation and triple-quoted strings', () => {
		assert.deepEqual(sites[0].payload, {
			model: 'claude-sonnet-4-5',
			system: 'You are the support assistant for Acme. Answer briefly and cite the help-center article.',
			tools: [{ name: 'search_help_center', description: 'Search help-center articles.',
				input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }],
			messages: [
				{ role: 'user', content: 'Hi,\nI need help with my invoice.' },
				{ role: 'assistant', content: 'Sure, what is the invoice number?' },
			],
		});
		assert.equal(sites[0].maxTokens, 2048);
		assert.deepEqual(sites[0].unresolved.map(u => [u.path, u.text, u.reason]), [['/messages/2/content', 'question', 'parameter']]);
		// A resolved name's part points at the value it was resolved to.
		assert.equal(partText(text, sites[0], '/model'), '"claude-sonnet-4-5"');
	});

	it('keeps raw strings raw and lists calls and f-strings as unresolved', () => {
		assert.deepEqual(sites[1].payload.messages, [{ role: 'user', content: [{ type: 'text', text: 'Summarise:\\n' }] }]);
		assert.deepEqual(sites[1].unresolved.map(u => [u.text, u.reason]), [['load_document("faq.md")', 'function call']]);
		assert.deepEqual(sites[2].payload.messages, [{ role: 'user', content: 'Then stop.' }]);
		assert.deepEqual(sites[2].unresolved.map(u => u.reason), ['f-string substitution']);
	});

	it('reads batches written with the typed helpers or plain dicts, and Bedrock calls', () => {
		assert.deepEqual(sites[3].payload, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Report for Monday' }] });
		assert.deepEqual(sites[4].payload, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Report for Tuesday' }] });
		assert.equal(sites[5].shape, 'bedrock-invoke');
		assert.deepEqual(sites[5].payload, { model: 'anthropic.claude-3-5-haiku-20241022-v1:0', messages: [{ role: 'user', content: 'Hello from Bedrock' }] });
		assert.equal(sites[6].shape, 'bedrock-converse');
		assert.deepEqual(sites[6].payload.system, [{ type: 'text', text: 'Reply in one word.' }]);
	});

	it('gives the same result after an incremental re-parse as from scratch', async () => {
		const edited = text.replace('"Then stop."', '"Then stop, please."');
		const incremental = await detectRequests(edited, 'python', { fileName: 'support.py' });
		const fresh = await detectRequests(edited, 'python');
		assert.deepEqual(incremental, fresh);
		assert.deepEqual(incremental[2].payload.messages, [{ role: 'user', content: 'Then stop, please.' }]);
	});

	it('keeps finding calls around half-typed code', async () => {
		const call = 'client.messages.create(model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": "second"}])';
		const half = `def a():\n    return client.messages.create(model="m", messages=[{"role": "user", "content": \n\ndef b():\n    return ${call}\n`;
		const found = await detectRequests(half, 'python');
		assert.ok(found.length >= 1);
		assert.equal(slice(half, found[found.length - 1].range), call);
	});
});

describe('detect: line ends inside multi-line strings of a CRLF file', () => {
	const crlf = (s: string) => s.replace(/\n/g, '\r\n');
	it('a Python triple-quoted string holds LF, as Python reads the source (an escaped \\r stays)', async () => {
		const text = crlf('import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(\n    model="claude-sonnet-4-5",\n    max_tokens=100,\n    system="""Line one\nline two\\r""",\n    messages=[{"role": "user", "content": """Hello\nthere"""}],\n)\n');
		const sites = await detectRequests(text, 'python', { fileName: 'a.py' });
		assert.equal(sites.length, 1);
		assert.equal(sites[0].payload.system, 'Line one\nline two\r');
		assert.deepEqual(sites[0].payload.messages, [{ role: 'user', content: 'Hello\nthere' }]);
	});
	for (const languageId of ['typescript', 'javascript']) {
		it(`a ${languageId} template literal holds LF, as the language reads the source`, async () => {
			const text = crlf('const client = new Anthropic();\nawait client.messages.create({\n  model: "claude-sonnet-4-5",\n  max_tokens: 100,\n  system: `Line one\nline two`,\n  messages: [{ role: "user", content: `Hello\nthere` }],\n});\n');
			const sites = await detectRequests(text, languageId, { fileName: languageId === 'typescript' ? 'a.ts' : 'a.js' });
			assert.equal(sites.length, 1);
			assert.equal(sites[0].payload.system, 'Line one\nline two');
			assert.deepEqual(sites[0].payload.messages, [{ role: 'user', content: 'Hello\nthere' }]);
		});
	}
});
