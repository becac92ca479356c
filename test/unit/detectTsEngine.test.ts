/**
 * The TypeScript/JavaScript binding of the tree-sitter engine against the compiler-based reader it
 * replaced (test/oracle, not shipped): the same sites, ranges, payloads and unresolved lists on the
 * fixtures, the examples and randomized edits; and what the new reader does that the old one did not.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { detector, detectRequests } from '../core';
import type { RequestSite } from '../../src/core/types';
import { detectTypeScript } from '../oracle/typescript';
import { repeatTo, tsBlock } from '../../bench/detect';
import { readFixture, slice } from './detectHelpers';

type Language = 'typescript' | 'javascript';

function oracle(text: string, language: Language, fileName?: string): RequestSite[] {
	const out: RequestSite[] = [];
	detectTypeScript(text, language, { fileName }, out);
	return out.sort((a, b) => a.range.start - b.range.start);
}

/** The engine's sites without `method`, which the old reader did not report. */
async function engine(text: string, language: Language, fileName?: string): Promise<RequestSite[]> {
	const sites = await detectRequests(text, language, { fileName });
	return sites.map(s => {
		const { method: _method, ...rest } = s;
		return rest as RequestSite;
	});
}

const examples = path.resolve(__dirname, '../../../examples');

/** The template of scopes.ts reads a `let` the old reader left out; with an undeclared name both leave it out. */
const scopesShared = (): string => readFixture('scopes.ts').replace('inner ${counter}', 'inner ${undeclaredName}');

describe('detect: TypeScript on tree-sitter agrees with the compiler-based reader', () => {
	const cases: [string, () => string, Language][] = [
		['support.ts', () => readFixture('support.ts'), 'typescript'],
		['scopes.ts', scopesShared, 'typescript'],
		['examples/summarize.ts', () => fs.readFileSync(path.join(examples, 'summarize.ts'), 'utf8'), 'typescript'],
		['the benchmark corpus', () => repeatTo(tsBlock, 'import Anthropic from \'@anthropic-ai/sdk\';\n', 30_000), 'typescript'],
	];
	for (const [name, read, language] of cases) {
		it(`${name}: same sites, ranges, payloads, parts and unresolved lists`, async () => {
			const text = read();
			const expected = oracle(text, language);
			assert.ok(expected.length > 0);
			assert.deepEqual(await engine(text, language), expected);
			assert.deepEqual(await engine(text, language, `oracle-${name}`), expected);
		});
	}

	it('bedrock.js: the same sites, and two the old reader missed (a quoted `body` key, a second command in one array)', async () => {
		const text = readFixture('bedrock.js');
		const expected = oracle(text, 'javascript');
		const found = await engine(text, 'javascript');
		const extra = ['js:InvokeModelCommand#2', 'js:ConverseCommand#1'];
		assert.deepEqual(found.filter(s => !extra.includes(s.id)), expected);
		assert.deepEqual(found.filter(s => extra.includes(s.id)).map(s => s.payload.messages), [
			[{ role: 'user', content: 'from payload' }], [{ role: 'user', content: [{ type: 'text', text: 'second' }] }]]);
	});

	it('reads the unusual text the old fast path handed to the compiler as the compiler did', async () => {
		const cases = [
			'client.messages.create({ model: "m", messages: [{ role: "user", content: (() => "x")() }], handler: x => x });',
			'client.messages.create<Params>({ model: "m", messages: [] });',
			'client.messages.create({ model: "m", messages: [{ role: "user", content: a < b }] });',
			'client.messages.create({ model: "m", messages: [{ role: "user", content: function () { return 1; } }] });',
			'foo(\nfunction bar() { return 1; }\n);\nclient.messages.create({ model: "m", messages: [{ role: "user", content: "z" }] });\n',
		];
		for (const text of cases) {
			assert.deepEqual(await engine(text, 'typescript'), oracle(text, 'typescript'), text);
		}
	});

	it('edits that change scopes', async () => {
		const base = scopesShared();
		for (const text of [
			base.replace('const local = ', 'const localRenamed = '),
			base.replace('question: string,', 'question: string, local: string,'),
			base.replace('const MODEL = \'claude-opus-4-1\';', ''),
			base.replace('enum Role', 'const Role = { User: "assistant" };\nenum Unused'),
		]) {
			assert.deepEqual(await engine(text, 'typescript'), oracle(text, 'typescript'));
		}
	});

	it('half-typed calls: the same bounded extent, payload and exact offsets for the calls after them', async () => {
		const done = 'client.messages.create({ model: "m2", messages: [{ role: "user", content: "after" }] })';
		const typing = 'const draft = client.messages.create({ model: "m", messages: [{ role: "user", content: "x" }, { role: \n\n';
		const text = `const a = 1;\n${typing}export function later() {\n\treturn ${done};\n}\n`;
		const found = await engine(text, 'typescript');
		assert.deepEqual(found, oracle(text, 'typescript'));
		assert.equal(slice(text, found[0].range), typing.slice('const draft = '.length).trimEnd());
		assert.deepEqual(found[0].payload, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
		assert.equal(slice(text, found[1].range), done);

		const unterminated = 'client.messages.create({ model: "m", messages: [{ role: "user", content: "still typ\n';
		const open = await engine(unterminated, 'typescript');
		assert.deepEqual(open, oracle(unterminated, 'typescript'));
		assert.deepEqual(open[0].payload.messages, [{ role: 'user', content: 'still typ' }]);
		assert.equal(open[0].range.end, unterminated.indexOf('\n'));
	});

	it('on random edits of valid code, the same result fresh and incrementally', async function () {
		this.timeout(120_000); // hundreds of compiler parses for comparison
		const bases = [readFixture('support.ts'), scopesShared(), fs.readFileSync(path.join(examples, 'summarize.ts'), 'utf8')];
		const chars = '(){}[]\'"`,:;./\\ \nx$!?<-+*#0';
		let seed = 11;
		const rnd = (n: number): number => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed % n;
		};
		let compared = 0;
		let grammarGaps = 0;
		const parser = await detector.grammars.parser('typescript');
		const texts = bases.slice();
		for (let iter = 0; iter < 300; iter++) {
			const which = iter % bases.length;
			// Every third run starts again from the fixture; the others keep editing the last text, as typing does.
			let text = iter % 9 < 3 ? bases[which] : texts[which];
			for (let e = 1 + rnd(3); e > 0; e--) {
				const at = rnd(text.length);
				const op = rnd(3);
				text = op === 0 ? text.slice(0, at) + text.slice(at + 1 + rnd(5))
					: text.slice(0, at) + chars[rnd(chars.length)] + text.slice(op === 1 ? at : at + 1);
			}
			texts[which] = text;
			const incremental = await engine(text, 'typescript', `random-${which}.ts`);
			const fresh = await engine(text, 'typescript');
			assert.deepEqual(incremental, fresh, text);
			// Syntax errors only (no type check): `parseDiagnostics` is not in the public typings.
			const sf = ts.createSourceFile('a.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS) as unknown as { parseDiagnostics: unknown[] };
			if (sf.parseDiagnostics.length === 0) {
				// Valid for the compiler but not for the grammar: tree-sitter does not end a statement at a
				// line break inside a block comment (`f() /* … \n … */ g()`), which random edits make.
				const tree = parser.parse(text)!;
				if (tree.rootNode.hasError) {
					grammarGaps++;
				} else {
					assert.deepEqual(fresh, oracle(text, 'typescript'), text);
					compared++;
				}
				tree.delete();
			}
		}
		assert.ok(compared > 40, `${compared} valid variants compared`);
		assert.ok(grammarGaps <= compared / 10, `${grammarGaps} variants the grammar reads as errors`);
	});
});

describe('detect: TypeScript/JavaScript calls the compiler-based reader did not read', () => {
	const one = async (text: string, languageId = 'typescript') => {
		const sites = await detectRequests(text, languageId, { fileName: languageId === 'typescript' ? undefined : 'a.js' });
		assert.equal(sites.length, 1, text);
		return sites[0];
	};

	it('messages.parse, beta.messages.toolRunner and .withResponse(), with their method', async () => {
		const parse = await one('await client.messages.parse({ model: "claude-sonnet-4-5", max_tokens: 9, messages: [{ role: "user", content: "p" }] });');
		assert.equal(parse.method, 'parse');
		assert.equal(parse.id, 'ts:messages.parse#0');
		const runner = await one('const r = client.beta.messages.toolRunner({ model: "claude-sonnet-4-5", max_tokens: 9, tools: [], messages: [{ role: "user", content: "t" }] });');
		assert.equal(runner.method, 'tool_runner');
		assert.deepEqual(runner.payload.messages, [{ role: 'user', content: 't' }]);
		const raw = await one('const { data, response } = await client.messages.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "w" }] }).withResponse();');
		assert.equal(raw.method, 'create');
	});

	it('a resource alias (`const mc = client.beta.messages`), followed through names', async () => {
		const site = await one('const mc = client.beta.messages;\nconst m2 = mc;\nawait m2.countTokens({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "a" }] });');
		assert.equal(site.id, 'ts:beta.messages.countTokens#0');
		assert.equal(site.method, 'count_tokens');
		const batches = await detectRequests('const b = client.messages.batches;\nb.create({ requests: [{ custom_id: "x", params: { model: "m", messages: [] } }] });', 'typescript');
		assert.deepEqual(batches.map(s => [s.id, s.method]), [['ts:messages.batches.create#0/requests/0', 'batch']]);
		// A local `messages` list is not the SDK's resource.
		assert.deepEqual(await detectRequests('const messages = store(); messages.create({ model: "m", messages: [] });', 'typescript'), []);
	});

	it('template literals without substitutions: escapes decoded, an escaped ${ kept as text', async () => {
		const site = await one('client.messages.create({ model: "m", messages: [{ role: "user", content: `Tab\\tcaf\\u00e9 \\`q\\`` }, { role: "user", content: `cost \\${price}` }, { role: "user", content: `` }] });');
		assert.deepEqual(site.payload.messages, [{ role: 'user', content: 'Tab\tcafé `q`' }, { role: 'user', content: 'cost ${price}' }, { role: 'user', content: '' }]);
		assert.deepEqual(site.unresolved, []);
	});

	it('template literals with substitutions: joined when every part is a same-file constant, else a lower bound', async () => {
		const site = await one('const NAME = "Ada"; const N = 3;\nclient.messages.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: `Hi ${NAME}, pick ${N} of ${"x" + 1}` }] });');
		assert.deepEqual(site.payload.messages, [{ role: 'user', content: 'Hi Ada, pick 3 of x1' }]);
		assert.deepEqual(site.unresolved, []);
		const partly = await one('function f(who: string) { return client.messages.create({ model: "m", messages: [{ role: "user", content: `Hi ${who}` }] }); }');
		assert.deepEqual(partly.unresolved.map(u => [u.text, u.reason]), [['`Hi ${who}`', 'template with substitutions']]);
	});

	for (const [label, change] of [
		['push', 'history.push({ role: "assistant", content: "b" });'],
		['unshift', 'history.unshift({ role: "user", content: "0" });'],
		['splice', 'history.splice(0, 0, more);'],
		['reassignment with a spread', 'history = [...history, next];'],
	]) {
		it(`a messages list changed before the call (${label}) is a lower bound, not an exact first-turn figure`, async () => {
			const text = `let history = [{ role: "user", content: "a" }];\n${change}\nclient.messages.create({ model: "claude-haiku-4-5", messages: history });\n`;
			const site = await one(text);
			assert.deepEqual(site.payload.messages, []);
			assert.deepEqual(site.unresolved.map(u => [u.text, u.reason]), [['history', 'changed at run time before the call']]);
		});
	}

	it('a list changed inside a loop around the call, even after it, is a lower bound', async () => {
		const text = 'const turns = [{ role: "user", content: "a" }];\nwhile (true) {\n  await client.messages.create({ model: "m", messages: turns });\n  turns.push(reply);\n}\n';
		assert.deepEqual((await one(text)).unresolved.map(u => u.reason), ['changed at run time before the call']);
		const after = 'const turns = [{ role: "user", content: "a" }];\nawait client.messages.create({ model: "m", messages: turns });\nturns.push(reply);\n';
		assert.deepEqual((await one(after)).payload.messages, [{ role: 'user', content: 'a' }]);
	});

	it('Bedrock: another vendor\'s model is not a request, nor an InvokeModel body without messages; a run-time model id is listed', async () => {
		const other = [
			'new ConverseCommand({ modelId: "cohere.command-r-v1:0", messages: [{ role: "user", content: [{ text: "x" }] }] })',
			'new ConverseCommand({ modelId: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: [{ text: "x" }] }] })',
			'new InvokeModelCommand({ modelId: "meta.llama3-8b-instruct-v1:0", body: JSON.stringify({ anthropic_version: "bedrock-2023-05-31", messages: [{ role: "user", content: "x" }] }) })',
			'new InvokeModelCommand({ modelId: MODEL, body: JSON.stringify({ inputText: "messages are not here" }) })',
		];
		for (const text of other) {
			assert.deepEqual(await detectRequests(`const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";\nawait bedrock.send(${text});`, 'javascript'), [], text);
		}
		const runtime = await one('await bedrock.send(new ConverseCommand({ modelId: process.env.MODEL_ID, messages: [{ role: "user", content: [{ text: "x" }] }] }));', 'javascript');
		assert.equal(runtime.method, 'converse');
		assert.deepEqual(runtime.unresolved.map(u => [u.path, u.text]), [['/modelId', 'process.env.MODEL_ID']]);
		const arn = await one('await bedrock.send(new InvokeModelCommand({ modelId: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0", body: JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 5, messages: [{ role: "user", content: "x" }] }) }));', 'javascript');
		assert.equal(arn.method, 'invoke_model');
		assert.equal(arn.shape, 'bedrock-invoke');
	});
});
