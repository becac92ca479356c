import * as assert from 'node:assert/strict';
import { parseTree } from 'jsonc-parser';
import * as ts from 'typescript';
import { detectRequests } from '../../src/core/detect';
import { parseTreeFast } from '../../src/core/detect/json';
import { Bail, detectTypeScriptFast } from '../../src/core/detect/tsFast';
import { detectTypeScriptFull } from '../../src/core/detect/typescript';
import { scan, Tok } from '../../src/core/detect/tsScan';
import type { RequestSite } from '../../src/core/types';
import { readFixture, slice } from './detectHelpers';
import { repeatTo, tsBlock } from '../../bench/detect';

type Language = 'typescript' | 'javascript';

/** Runs the fast path; undefined when it hands the text to the full parse. */
function fast(text: string, language: Language, jsx = false): RequestSite[] | undefined {
	const out: RequestSite[] = [];
	try {
		detectTypeScriptFast(text, language, jsx, undefined, out);
	} catch (e) {
		if (e instanceof Bail) {
			return undefined;
		}
		throw e;
	}
	return out;
}

function full(text: string, language: Language, fileName?: string): RequestSite[] {
	const out: RequestSite[] = [];
	detectTypeScriptFull(text, language, { fileName }, out);
	return out;
}

describe('detect: fast TypeScript path', () => {
	for (const [name, language, jsx] of [['support.ts', 'typescript', false], ['scopes.ts', 'typescript', false], ['bedrock.js', 'javascript', true]] as const) {
		it(`reads ${name} without a full parse, exactly as the full parse does`, () => {
			const text = readFixture(name);
			const quick = fast(text, language, jsx);
			assert.ok(quick, 'the fast path handled the file');
			assert.deepEqual(quick, full(text, language, name));
		});
	}

	it('matches the full parse on the benchmark corpus', function () {
		this.timeout(20_000);
		const text = repeatTo(tsBlock, 'import Anthropic from \'@anthropic-ai/sdk\';\n', 30_000);
		const quick = fast(text, 'typescript');
		assert.ok(quick);
		assert.ok(quick.length > 20);
		assert.deepEqual(quick, full(text, 'typescript'));
	});

	it('hands unusual text to the full parse, with the same result through detectRequests', async () => {
		const cases = [
			'client.messages.create({ model: "m", messages: [{ role: "user", content: (() => "x")() }], handler: x => x });',
			'client.messages.create<Params>({ model: "m", messages: [] });',
			'client.messages.create({ model: "m", messages: [{ role: "user", content: a < b }] });',
			'client.messages.create({ model: "m", messages: [{ role: "user", content: function () { return 1; } }] });',
		];
		for (const text of cases) {
			assert.equal(fast(text, 'typescript'), undefined, text);
			assert.deepEqual(await detectRequests(text, 'typescript'), full(text, 'typescript').sort((a, b) => a.range.start - b.range.start), text);
		}
	});

	it('reads half-typed calls with a bounded extent and keeps exact offsets for the calls after them', async () => {
		const done = 'client.messages.create({ model: "m2", messages: [{ role: "user", content: "after" }] })';
		const typing = 'const draft = client.messages.create({ model: "m", messages: [{ role: "user", content: "x" }, { role: \n\n';
		const text = `const a = 1;\n${typing}export function later() {\n\treturn ${done};\n}\n`;
		const quick = fast(text, 'typescript');
		assert.ok(quick);
		assert.equal(quick.length, 2);
		assert.equal(slice(text, quick[0].range), typing.slice('const draft = '.length).trimEnd());
		assert.deepEqual(quick[0].payload, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
		assert.equal(slice(text, quick[1].range), done);
		assert.deepEqual(quick[1].payload, { model: 'm2', messages: [{ role: 'user', content: 'after' }] });
		// The call after the half-typed one is read exactly as in the finished file.
		const finished = full(text.replace('{ role: \n', '{ role: "user", content: "y" }] });\n'), 'typescript');
		assert.deepEqual(quick[1].payload, finished[1].payload);

		const unterminated = 'client.messages.create({ model: "m", messages: [{ role: "user", content: "still typ\n';
		const open = fast(unterminated, 'typescript');
		assert.ok(open);
		assert.deepEqual(open[0].payload.messages, [{ role: 'user', content: 'still typ' }]);
		assert.equal(open[0].range.end, unterminated.indexOf('\n'));
	});

	it('keeps reading the rest of the file when a string loses its closing quote', () => {
		const text = readFixture('support.ts');
		const broken = text.replace('\'Then stop.\'', '\'Then stop.x');
		assert.equal(broken.length, text.length);
		const quick = fast(broken, 'typescript');
		assert.ok(quick);
		const before = full(text, 'typescript');
		assert.deepEqual(quick.map(s => s.id), before.map(s => s.id));
		for (let i = 0; i < before.length; i++) {
			if (before[i].id !== 'ts:messages.stream#0') {
				assert.deepEqual(quick[i], before[i], before[i].id);
			}
		}
		const stream = quick.find(s => s.id === 'ts:messages.stream#0')!;
		assert.equal(stream.payload.model, 'claude-sonnet-4-5');
	});

	it('keeps brackets of finished code that merely starts lines with statement words', () => {
		const text = 'foo(\nfunction bar() { return 1; }\n);\nclient.messages.create({ model: "m", messages: [{ role: "user", content: "z" }] });\n';
		const quick = fast(text, 'typescript');
		assert.ok(quick);
		assert.deepEqual(quick, full(text, 'typescript'));
	});

	it('on random edits, throws nothing but Bail and matches the full parse whenever the result is valid code', function () {
		this.timeout(30_000); // hundreds of full parses for comparison
		const bases = ['support.ts', 'scopes.ts'].map(readFixture);
		const chars = '(){}[]\'"`,:;./\\ \nx=>$!?<-+*#0';
		let seed = 11;
		const rnd = (n: number): number => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed % n;
		};
		let compared = 0;
		for (let iter = 0; iter < 200; iter++) {
			let text = bases[iter % bases.length];
			for (let e = 1 + rnd(3); e > 0; e--) {
				const at = rnd(text.length);
				const op = rnd(3);
				text = op === 0 ? text.slice(0, at) + text.slice(at + 1 + rnd(5))
					: text.slice(0, at) + chars[rnd(chars.length)] + text.slice(op === 1 ? at : at + 1);
			}
			const quick = fast(text, 'typescript');
			// Syntax errors only (no type check): `parseDiagnostics` is not in the public typings.
			const sf = ts.createSourceFile('a.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS) as unknown as { parseDiagnostics: unknown[] };
			const valid = sf.parseDiagnostics.length === 0;
			if (quick && valid && scan(text).balanced) {
				assert.deepEqual(quick, full(text, 'typescript'), text);
				compared++;
			}
		}
		assert.ok(compared > 30, `${compared} valid variants compared`);
	});

	it('finds nothing, quickly, in code without calls', () => {
		const text = repeatTo(tsBlock, '', 20_000).replace(/messages\.(create|countTokens)/g, 'messages.list');
		assert.deepEqual(fast(text, 'typescript'), []);
	});

	it('gives identical results for edits that change scopes', function () {
		this.timeout(20_000);
		const base = readFixture('scopes.ts');
		const edits = [
			base.replace('const local = ', 'const localRenamed = '),
			base.replace('question: string,', 'question: string, local: string,'),
			base.replace('const MODEL = \'claude-opus-4-1\';', ''),
			base.replace('enum Role', 'const Role = { User: "assistant" };\nenum Unused'),
		];
		for (const text of edits) {
			const quick = fast(text, 'typescript');
			assert.ok(quick);
			assert.deepEqual(quick, full(text, 'typescript'));
		}
	});
});

describe('detect: TypeScript scanner', () => {
	it('skips strings, comments, templates and regex literals and matches brackets', () => {
		const text = 'a(`x ${ {b: "}"} } y ${`${c}`}`, /[)]\\//g, \'(\') // )\n/* ( */ b[1] / 2';
		const s = scan(text);
		assert.ok(s.balanced);
		const kinds = Array.from(s.kind.subarray(0, s.count));
		assert.ok(kinds.includes(Tok.Regex));
		assert.equal(kinds.filter(k => k === Tok.TemplateHead).length, 2);
		const open = 1;
		assert.equal(text.slice(s.start[open], s.end[open]), '(');
		assert.equal(text.slice(s.start[s.match[open]], s.end[s.match[open]]), ')');
		assert.equal(s.start[s.match[open]], text.indexOf(') //'));
		const slash = kinds.lastIndexOf(Tok.Punct);
		assert.equal(text.slice(s.start[slash], s.end[slash]), '/');
	});

	it('reports unbalanced text', () => {
		assert.equal(scan('f({ a: [1, 2 }').balanced, false);
		assert.equal(scan('`open ${x').balanced, false);
		assert.equal(scan('"unterminated\nx').balanced, false);
	});
});

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
