import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import { snakeCase } from '../../src/core/detect/engine';
import { textBlockValue } from '../../src/core/detect/java';
import type { RequestSite } from '../../src/core/types';
import { readFixture, slice } from './detectHelpers';

/**
 * Each SDK language's fixture is written the way its SDK's README and examples write requests: the first
 * request of the README, a count with a system prompt and same-file constants, a conversation whose
 * message list grows at run time (a lower bound), and a Message Batches entry.
 */
interface Expected {
	readonly file: string;
	readonly methods: string[];
	/** Where each site's range starts (the call, or the batch entry). */
	readonly starts: string[];
	readonly first: unknown;
	readonly count: unknown;
	readonly growing: RegExp;
	/** The batch entry's message content (Go writes it as a text block). */
	readonly batchContent?: unknown;
}

const hello = (model: string, content: unknown) => ({ model, messages: [{ role: 'user', content }] });
const summarise = (content: unknown) => ({ model: 'claude-sonnet-5', messages: [{ role: 'user', content }] });
const weatherTool = { name: 'get_weather', description: 'Weather at a place', input_schema: { type: 'object', properties: { location: { type: 'string' } } } };

const cases: Expected[] = [
	{
		file: 'messages.go',
		methods: ['create', 'count_tokens', 'stream', 'batch'],
		starts: ['client.Messages.New(ctx', 'client.Messages.CountTokens(', 'client.Messages.NewStreaming(', '{\n\t\t\tCustomID'],
		first: hello('claude-opus-4-6', [{ type: 'text', text: 'What is a quaternion?' }]),
		count: {
			model: 'claude-sonnet-4-5',
			system: [{ type: 'text', text: 'You answer questions about physics.\nKeep answers short.' }],
			messages: [{ role: 'user', content: [{ type: 'text', text: 'Why is the sky blue?' }] }],
			tools: [weatherTool],
		},
		growing: /^messages$/,
		batchContent: [{ type: 'text', text: 'Summarise: "tides"\n' }],
	},
	{
		file: 'Messages.java',
		methods: ['create', 'count_tokens', 'stream', 'batch'],
		starts: ['client.messages().create(', 'client.messages().countTokens(', 'client.messages().createStreaming(', 'BatchCreateParams.Request.builder()'],
		first: hello('claude-opus-4-6', 'Hello, Claude'),
		count: {
			model: 'claude-sonnet-4-5',
			system: 'You are a storyteller.\n  Keep it under 100 words.\n',
			messages: [{ role: 'user', content: 'Tell me a story about an SDK.' }, { role: 'assistant', content: 'Once upon a time' }],
			tools: [weatherTool],
		},
		growing: /^conversation$/,
	},
	{
		file: 'messages.rb',
		methods: ['create', 'count_tokens', 'stream', 'batch'],
		starts: ['anthropic.messages.create(', 'anthropic.messages.count_tokens(', 'anthropic.messages.stream(', '{custom_id: "first"'],
		first: hello('claude-opus-4-6', 'Hello, Claude'),
		count: {
			model: 'claude-sonnet-4-5',
			system: 'You are a poet.\n  Answer in haiku.\n',
			thinking: { type: 'enabled', budget_tokens: 1600 },
			messages: [{ role: 'user', content: 'A haiku about tides' }, { role: 'assistant', content: 'Waves \'return\'' }],
		},
		growing: /^history$/,
	},
	{
		file: 'Program.cs',
		methods: ['create', 'count_tokens', 'stream', 'batch'],
		starts: ['client.Messages.Create(', 'client.Messages.CountTokens(', 'client.Messages.CreateStreaming(', 'new() { CustomID'],
		first: hello('claude-opus-4-6', 'Hello, Claude'),
		count: {
			model: 'claude-sonnet-4-5',
			system: 'You are a "poet".',
			messages: [{ role: 'user', content: 'A haiku about tides' }, { role: 'assistant', content: [{ type: 'text', text: 'Waves return' }] }],
		},
		growing: /^history$/,
	},
	{
		file: 'messages.php',
		methods: ['create', 'count_tokens', 'stream', 'batch'],
		starts: ['$client->messages->create(', '$client->messages->countTokens(', '$client->messages->createStream(', '[\'custom_id\' => \'first\''],
		first: hello('claude-opus-4-6', 'Hello, Claude'),
		count: {
			model: 'claude-sonnet-4-5',
			system: 'You are a poet. Answer in haiku.',
			messages: [{ role: 'user', content: 'A haiku about tides' }, { role: 'assistant', content: [{ type: 'text', text: 'Waves \'return\'' }] }],
		},
		growing: /^\$history$/,
	},
];

describe('detect: Go, Java, Ruby, C#, PHP (one engine on tree-sitter)', () => {
	for (const c of cases) {
		describe(c.file, () => {
			const text = readFixture(`sdk/${c.file}`);
			let sites: RequestSite[];
			before(async () => {
				sites = await detectRequests(text, '', { fileName: c.file });
			});

			it('finds each SDK call, with its method and where it starts', () => {
				assert.deepEqual(sites.map(s => s.method), c.methods);
				sites.forEach((s, i) => assert.ok(slice(text, s.range).startsWith(c.starts[i]), `${s.id} starts at ${JSON.stringify(slice(text, s.range).slice(0, 40))}`));
				assert.deepEqual(sites.map(s => s.shape), ['messages', 'messages', 'messages', 'batch-entry']);
			});

			it('reads the README request: helpers, model constants, max_tokens', () => {
				assert.deepEqual(sites[0].payload, c.first);
				assert.equal(sites[0].maxTokens, 1024);
				assert.equal(sites[0].modelFromDocument, true);
				assert.deepEqual(sites[0].unresolved, []);
				assert.ok(sites[0].parts.some(p => p.kind === 'model'), 'the model is a part');
			});

			it('resolves same-file constants, joins, system prompts and tools', () => {
				assert.deepEqual(sites[1].payload, c.count);
				assert.deepEqual(sites[1].unresolved, []);
			});

			it('leaves a message list that grows at run time unresolved: the figure is a lower bound', () => {
				assert.equal(sites[2].unresolved.length, 1);
				assert.match(sites[2].unresolved[0].text, c.growing);
				assert.deepEqual(sites[2].payload.messages, []);
			});

			it('reads a Message Batches entry with escapes', () => {
				assert.deepEqual(sites[3].payload, summarise(c.batchContent ?? 'Summarise: "tides"\n'));
				assert.equal(sites[3].maxTokens, 256);
			});
		});
	}

	it('keeps finding requests while a file is edited (incremental re-parse of the cached tree)', async () => {
		const text = readFixture('sdk/messages.go');
		const edited = text.replace('What is a quaternion?', 'What is a quaternion, briefly?');
		await detectRequests(text, 'go', { fileName: 'edit.go' });
		const sites = await detectRequests(edited, 'go', { fileName: 'edit.go' });
		assert.deepEqual(sites[0].payload.messages, [{ role: 'user', content: [{ type: 'text', text: 'What is a quaternion, briefly?' }] }]);
		const broken = edited.replace('anthropic.MessageNewParams{\n\t\tMaxTokens: 1024,', 'anthropic.MessageNewParams{\n\t\tMaxTokens: 1024,,,');
		const after = await detectRequests(broken, 'go', { fileName: 'edit.go' });
		assert.ok(after.length >= 3, 'a syntax error in one call leaves the others');
	});

	it('names the SDKs\' fields in the API\'s snake case', () => {
		assert.equal(snakeCase('MaxTokens'), 'max_tokens');
		assert.equal(snakeCase('maxTokens'), 'max_tokens');
		assert.equal(snakeCase('CustomID'), 'custom_id');
		assert.equal(snakeCase('ToolUseID'), 'tool_use_id');
		assert.equal(snakeCase('system'), 'system');
	});

	it('reads Java text blocks as Java does', () => {
		assert.equal(textBlockValue('\n    a\n      b\n    '), 'a\n  b\n');
		assert.equal(textBlockValue('\r\n  one  \r\n  two'), 'one\ntwo');
	});

	it('does not take a method of another object for an SDK call', async () => {
		const go = 'package main\nfunc f() { list.New(ctx, x); client.Files.New(ctx, anthropic.FileNewParams{}) ; var messages int }\n';
		assert.deepEqual(await detectRequests(go, 'go'), []);
		const java = 'class A { void f() { client.files().create(p); builder.create(messages); } }';
		assert.deepEqual(await detectRequests(java, 'java'), []);
	});

	it('Ruby strings: plain ones as written, escapes and interpolation decoded, a literal # kept', async () => {
		const contents = ['"Plain text, no escapes"', "'Single: it\\'s C:\\\\dir'", '"Tab\\tand \\"quotes\\""', '"Issue #5 and #{TOPIC}"', "'#{not interpolated}'", '""', '%q(percent \\n)'];
		const text = `TOPIC = "tides"\nclient.messages.create(model: "claude-haiku-4-5", max_tokens: 5, messages: [${contents.map(c => `{role: "user", content: ${c}}`).join(', ')}])\n`;
		const [site] = await detectRequests(text, 'ruby', {});
		assert.deepEqual((site.payload.messages as { content: string }[]).map(m => m.content),
			['Plain text, no escapes', "Single: it's C:\\dir", 'Tab\tand "quotes"', 'Issue #5 and tides', '#{not interpolated}', '', 'percent \\n']);
	});

	it('PHP double-quoted strings: plain ones as written, escapes and variables decoded', async () => {
		const contents = ['"Plain text, no escapes"', '"Tab\\tand \\"quotes\\""', '"About $topic"', '"About {$topic}!"', '"Costs \\$5"', '""', "'single $topic'"];
		const text = `<?php\n$topic = 'tides';\n$client->messages->create(model: 'claude-haiku-4-5', maxTokens: 5, messages: [${contents.map(c => `['role' => 'user', 'content' => ${c}]`).join(', ')}]);\n`;
		const [site] = await detectRequests(text, 'php', {});
		assert.deepEqual((site.payload.messages as { content: string }[]).map(m => m.content),
			['Plain text, no escapes', 'Tab\tand "quotes"', 'About tides', 'About tides!', 'Costs $5', '', 'single $topic']);
	});
});

describe('detect: list concatenation', () => {
	it('Python `EXAMPLES + [...]` counts both lists', async () => {
		const text = 'EXAMPLES = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]\n'
			+ 'client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=EXAMPLES + [{"role": "user", "content": "c"}])\n';
		const [site] = await detectRequests(text, 'python');
		assert.deepEqual(site.payload.messages.map(m => (m as { content: string }).content), ['a', 'b', 'c']);
		assert.deepEqual(site.unresolved, []);
	});

	for (const languageId of ['typescript', 'typescriptreact', 'javascript']) {
		it(`\`.concat(...)\` counts every list (${languageId})`, async () => {
			const text = 'const EX = [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] as const;\n'
				+ 'client.messages.create({ model: "claude-haiku-4-5", max_tokens: 5, messages: EX.concat([{ role: "user", content: "c" }], { role: "assistant", content: "d" }) });\n';
			const [site] = await detectRequests(text, languageId);
			assert.deepEqual(site.payload.messages.map(m => (m as { content: string }).content), ['a', 'b', 'c', 'd']);
			assert.deepEqual(site.unresolved, []);
		});
	}

	it('a concatenation it cannot resolve stays one unresolved expression', async () => {
		const text = 'client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=load() + [{"role": "user", "content": "c"}])\n';
		const [site] = await detectRequests(text, 'python');
		assert.equal(site.unresolved.length, 1);
		assert.equal(site.unresolved[0].reason, 'function call');
	});
});

describe('detect: incremental runs agree with a fresh read', () => {
	/** A deterministic sequence of pseudo-random numbers in [0, 1). */
	function random(seed: number): () => number {
		let x = seed;
		return () => {
			x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
			return x / 2 ** 32;
		};
	}
	const plain = (s: RequestSite) => ({ ...s, payload: JSON.parse(JSON.stringify(s.payload)) as unknown });
	const typing = 'ab c1XYZ .,-';
	const anything = 'ab "\'{}()[]\n$#+=,;`\\';

	const languages: [string, string][] = [['sdk/messages.go', 'go'], ['sdk/Messages.java', 'java'], ['sdk/messages.rb', 'ruby'], ['sdk/Program.cs', 'csharp'],
		['sdk/messages.php', 'php'], ['support.py', 'python'], ['support.ts', 'typescript'], ['bedrock.js', 'javascript']];
	for (const [path, languageId] of languages) {
		const file = path.replace(/^sdk\//, '');
		it(`${file}: 60 random edits, mostly typing inside strings`, async () => {
			const next = random(file.length * 7919);
			let text = readFixture(path);
			const fileName = `random-${file}`;
			await detectRequests(text, '', { fileName });
			for (let i = 0; i < 60; i++) {
				// Typing inside a string literal (the common case), sometimes anything anywhere.
				const quotes = [...text.matchAll(/"[^"\n]{3,}"|'[^'\n]{3,}'/g)];
				const inString = next() < 0.75 && quotes.length > 0;
				const q = quotes[Math.floor(next() * quotes.length)];
				const at = inString ? q.index! + 1 + Math.floor(next() * (q[0].length - 2)) : Math.floor(next() * text.length);
				const chars = inString ? typing : anything;
				text = next() < 0.3 && at < text.length - 1
					? text.slice(0, at) + text.slice(at + 1)
					: text.slice(0, at) + chars[Math.floor(next() * chars.length)] + text.slice(at);
				const incremental = await detectRequests(text, '', { fileName });
				// Without a file name nothing is cached: a read from scratch.
				const fresh = await detectRequests(text, languageId);
				assert.deepEqual(incremental.map(plain), fresh.map(plain), `edit ${i} at ${at}`);
			}
		});
	}

	it('keeps the payload object of a call the edit did not touch, and re-reads the touched one', async () => {
		const fileName = 'identity.go';
		const text = readFixture('sdk/messages.go');
		const before = await detectRequests(text, 'go', { fileName });
		// Read before the edit: the untouched sites are moved in place by the next run.
		const starts = before.map(s => s.range.start);
		const edited = text.replace('What is a quaternion?', 'What is a quaternion, really?');
		const after = await detectRequests(edited, 'go', { fileName });
		assert.notEqual(after[0].payload, before[0].payload);
		assert.match(JSON.stringify(after[0].payload), /quaternion, really/);
		for (let i = 1; i < after.length; i++) {
			assert.equal(after[i].payload, before[i].payload, `${after[i].id} is the same request`);
			assert.equal(after[i], before[i], `${after[i].id} is the same site object`);
			assert.equal(after[i].range.start, starts[i] + ', really'.length);
		}
		assert.deepEqual(after, await detectRequests(edited, 'go'));
	});

	it('a change to a constant reaches every call that reads it', async () => {
		const fileName = 'constant.go';
		const text = readFixture('sdk/messages.go');
		await detectRequests(text, 'go', { fileName });
		const after = await detectRequests(text.replace('Keep answers short.', 'Keep answers very short.'), 'go', { fileName });
		assert.match(JSON.stringify(after[1].payload.system), /very short/);
	});

	it('an append typed before a call makes its messages a lower bound', async () => {
		const fileName = 'append.rb';
		const text = 'msgs = [{role: "user", content: "Hi"}]\nclient.messages.create(model: "claude-haiku-4-5", max_tokens: 5, messages: msgs)\n';
		const first = await detectRequests(text, 'ruby', { fileName });
		assert.deepEqual(first[0].unresolved, []);
		const edited = text.replace('\nclient', '\nmsgs << {role: "assistant", content: "Hello"}\nclient');
		const after = await detectRequests(edited, 'ruby', { fileName });
		assert.equal(after[0].unresolved.length, 1);
		assert.equal(after[0].unresolved[0].reason, 'changed at run time before the call');
	});
});
