/**
 * The Python binding of the tree-sitter engine against the Python front end it replaced (test/oracle, not
 * shipped): the same site ids, ranges, anchors, parts, payloads and unresolved lists on the fixture, the
 * example, the notebooks' code, the benchmarks' generated files, the patterns of real code and randomized
 * edits read incrementally.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detector, detectRequests } from '../core';
import type { RequestSite } from '../../src/core/types';
import { DocumentCaches } from '../../src/core/detect/documentCaches';
import { halfTypedCloser } from '../../src/core/detect/halfTyped';
import { readNotebook } from '../../src/core/notebook';
import { detectPython as oldDetectPython } from '../oracle/python';
import { pyBlock, repeatTo } from '../../bench/detect';
import { sdkFile } from '../../bench/service';
import { readFixture } from './detectHelpers';

const oracleCaches = new DocumentCaches();

const closePython = halfTypedCloser('python');
const pythonCandidates = /\.\s*(create|stream|count_tokens|parse|tool_runner|invoke_model|invoke_model_with_response_stream|converse|converse_stream)\s*\(/g;

/** True when a candidate call's brackets are not closed in the text (the engine reads it half-typed). */
function halfTyped(text: string): boolean {
	for (const m of text.matchAll(pythonCandidates)) {
		if (closePython(text, m.index + m[0].indexOf(m[1]))) {
			return true;
		}
	}
	return false;
}

/** The old front end's sites, as the detector hands them out (only texts that mention messages, in document order). */
async function oracle(text: string, bedrockModelId?: string): Promise<RequestSite[]> {
	const out: RequestSite[] = [];
	if (!/[Mm]essages/.test(text)) {
		return out;
	}
	await oldDetectPython(text, { grammars: detector.grammars, caches: oracleCaches, bedrockModelId }, out);
	return out.some((s, i) => i > 0 && s.range.start < out[i - 1].range.start) ? out.sort((a, b) => a.range.start - b.range.start) : out;
}

const root = path.resolve(__dirname, '../../..');
const notebooks = path.join(root, 'test/fixtures/notebooks');

const header = 'import anthropic, boto3, json\nclient = anthropic.Anthropic()\nbedrock = boto3.client("bedrock-runtime")\n';

/** Real-code patterns (test/unit/detectPython.test.ts) and the scope, string and numbering rules around them. */
const snippets: string[] = [
	'runner = client.beta.messages.tool_runner(model="claude-sonnet-4-5", max_tokens=100, tools=[get_weather], messages=[{"role": "user", "content": "Weather?"}])\n',
	'r = client.messages.parse(model="claude-sonnet-4-5", max_tokens=100, output_format=Answer, messages=[{"role": "user", "content": "Parse"}])\n',
	'r = client.messages.with_raw_response.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "raw"}])\n',
	'with client.beta.messages.with_streaming_response.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user", "content": "s"}]) as r:\n    pass\n',
	['NAME = "Ada"', 'N = 3', 'TEMPLATE = "Dear {name}, pick {} of {{these}}"', 'BASE = "Hello WORLD"',
		'client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=[',
		'    {"role": "user", "content": f"Hi {NAME}, {N} left, {{braces}}, {True}"},',
		'    {"role": "user", "content": TEMPLATE.format(N, name=NAME)},',
		'    {"role": "user", "content": "%s has %d items (100%%)" % (NAME, N)},',
		'    {"role": "user", "content": "%(who)s" % {"who": NAME}},',
		'    {"role": "user", "content": BASE.replace("WORLD", NAME)},',
		'    {"role": "user", "content": "%d" % NAME}, {"role": "user", "content": "{0}{1}".format(N)}, {"role": "user", "content": BASE.replace("a", "b", 1)},',
		'])', ''].join('\n'),
	'def f(name):\n    return client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": f"Hi {name}"}, {"role": "user", "content": "Hi {}".format(name)}, {"role": "user", "content": f"{NAME!r}"}])\nNAME = "x"\n',
	...['messages.append({"role": "assistant", "content": "b"})', 'messages.extend(more)', 'messages.insert(0, first)', 'messages += [{"role": "user", "content": "c"}]',
		'if x:\n    messages = [{"role": "user", "content": "other"}]', 'for m in ms:\n    messages = [m]']
		.map(change => `messages = [{"role": "user", "content": "a"}]\n${change}\nclient.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=messages)\n`),
	'history = [{"role": "user", "content": "a"}]\nwhile True:\n    r = client.messages.create(model="m", max_tokens=5, messages=history)\n    history = [*history, {"role": "assistant", "content": r}]\n',
	'history = [{"role": "user", "content": "a"}]\nwhile True:\n    history = [{"role": "user", "content": "b"}]\n    r = client.messages.create(model="m", max_tokens=5, messages=history)\n',
	'history = [{"role": "user", "content": "a"}]\nr = client.messages.create(model="m", max_tokens=5, messages=history)\nhistory.append(r)\n',
	'history = [{"role": "user", "content": "a"}]\nfor q in qs:\n    client.messages.create(model="m", max_tokens=5, messages=history)\n    history.append(q)\n',
	...[
		'bedrock.converse(modelId="cohere.command-r-plus-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
		'bedrock.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
		'bedrock.invoke_model(modelId="amazon.titan-text-express-v1", body=json.dumps({"inputText": "x", "messages": []}))',
		'bedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=json.dumps({"inputText": "no messages here"}))',
		'bedrock.converse(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", system=[{"text": "s"}])',
	].map(call => `${call}\n${call.replace(/modelId="[^"]*"/, 'modelId="anthropic.claude-3-5-haiku-20241022-v1:0"').replace('"inputText": "no messages here"', '"messages": [{"role": "user", "content": "y"}]')}\n`),
	'bedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "bytes"}]}).encode("utf-8"))\n',
	'body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "named"}]}).encode()\nbedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=body)\nbedrock.invoke_model_with_response_stream(modelId=MODEL, body=body)\n',
	'QUESTIONS = ["a", "b"]\nclient.messages.batches.create(requests=[Request(custom_id=f"q-{i}", params={"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "Tag this ticket."}]}) for i, q in enumerate(QUESTIONS)])\n',
	'client.beta.messages.batches.create(requests=[{"custom_id": "a", "params": {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "one"}]}}, {"custom_id": "b", "params": dict(model="m", max_tokens=5, messages=[{"role": "user", "content": "two"}])}, "not a request"])\n',
	'import os\nbedrock.converse(modelId=os.environ["MODEL_ID"], messages=[{"role": "user", "content": [{"text": "x"}]}])\n',
	// Scopes: parameters before the body's names, the body's own statements only, the module last.
	[
		'from os import path', 'from .local import thing', 'import a.b as c, d.e', 'SYSTEM = "module"', 'x = y = "chained"', 'a, b = 1, 2', 'items[0] = 1', 'typed: str', 'annotated: str = "annotated"',
		'if True:', '    hidden = "in a block"', 'class K:', '    inside = "class body"', '@decorate', 'def decorated(): pass',
		'def outer(SYSTEM, *args, key=None, **kw):', '    def inner(q: str, *rest: int):', '        SYSTEM = "inner"', '        return client.messages.create(model="m", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": q}, {"role": "user", "content": rest}, {"role": "user", "content": key}])',
		'    return client.messages.create(model="m", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": kw}])',
		'def local():', '    SYSTEM = "local"', '    f = lambda SYSTEM: client.messages.create(model="m", max_tokens=5, system=SYSTEM, messages=[])', '    return client.messages.create(model="m", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": later}])', '    later = "after"',
		'client.messages.create(model="m", max_tokens=5, system=SYSTEM, messages=[{"role": "user", "content": c}, {"role": "user", "content": d}, {"role": "user", "content": path}, {"role": "user", "content": os}, {"role": "user", "content": local}, {"role": "user", "content": K}, {"role": "user", "content": decorated}])',
		'client.messages.create(model="m", max_tokens=5, system=x, messages=[{"role": "user", "content": y}, {"role": "user", "content": a}, {"role": "user", "content": items}, {"role": "user", "content": typed}, {"role": "user", "content": annotated}, {"role": "user", "content": hidden}, {"role": "user", "content": inside}, {"role": "user", "content": thing}, {"role": "user", "content": local}])',
		'client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": t} for t in TOPICS], system=[s for s in S if s])',
		'', ''].join('\n'),
	// A list changed after thousands of other uses of its name.
	'history = [{"role": "user", "content": "a"}]\n' + Array.from({ length: 2100 }, (_, i) => `print(history, ${i})`).join('\n') + '\nhistory.append(x)\nclient.messages.create(model="m", max_tokens=5, messages=history)\n',
	// Strings: prefixes, triple quotes, escapes, implicit concatenation, bytes, CRLF, cycles and depth.
	'A = B\nB = A\nC = r"raw \\n" "\\t\\x41\\u00e9\\U0001F600\\101" u"u" """triple\r\nline"""\nD = b"bytes"\nE = -3\nF = -"x"\nG = (1_000)\nH = 2.5j\nclient.messages.create(model="m", max_tokens=E, temperature=G, messages=[{"role": "user", "content": A}, {"role": "user", "content": C}, {"role": "user", "content": D}, {"role": "user", "content": F}, {"role": "user", "content": f"{{x}}" + rf"\\{C}"}, {"role": "user", "content": H}, {"role": "user", "content": None}, {"role": "user", "content": [*PARTS, *"s"]}], **EXTRA, **{"system": "spread"}, **"no")\n',
	'L0 = "deep"\n' + Array.from({ length: 10 }, (_, i) => `L${i + 1} = L${i}`).join('\n') + '\nclient.messages.count_tokens(model="m", messages=[{"role": "user", "content": L10}, {"role": "user", "content": L5}])\nclient.messages.stream(model="m", max_tokens=1, messages=[{"role": "user", "content": await x}, {"role": "user", "content": a.b}, {"role": "user", "content": a[0]}, {"role": "user", "content": not x}])\nclient.messages.create()\nclient.messages.create(  # only a comment\n)\n',
];

describe('detect: Python on the shared engine agrees with the Python front end it replaced', () => {
	const cases: [string, () => string][] = [
		['support.py', () => readFixture('support.py')],
		['examples/classify.py', () => fs.readFileSync(path.join(root, 'examples/classify.py'), 'utf8')],
		...fs.readdirSync(notebooks).filter(f => f.endsWith('.ipynb') && !f.startsWith('malformed') && !f.startsWith('r-kernel')).map((f): [string, () => string] =>
			[`the code cells of ${f}`, () => readNotebook(fs.readFileSync(path.join(notebooks, f), 'utf8')).text]),
		['bench/detect.ts\'s Python corpus (300 KB)', () => repeatTo(pyBlock, 'import anthropic\n', 300_000)],
		['bench/service.ts\'s Python file (100 KB)', () => sdkFile('python', 100_000).text],
	];
	for (const [name, read] of cases) {
		it(`${name}: same sites, ranges, anchors, payloads, parts and unresolved lists`, async () => {
			const text = read();
			const expected = await oracle(text);
			assert.ok(expected.length > 0);
			assert.deepEqual(await detectRequests(text, 'python', {}), expected);
			assert.deepEqual(await detectRequests(text, 'python', { fileName: `py-oracle-${name}.py` }), expected);
			assert.deepEqual(await detectRequests(text, 'python', { fileName: `py-oracle-${name}.py`, bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0' }),
				await oracle(text, 'anthropic.claude-3-haiku-20240307-v1:0'));
		});
	}

	it('the patterns of real code and the scope, string and numbering rules around them', async () => {
		for (const body of snippets) {
			const text = header + body;
			assert.deepEqual(await detectRequests(text, 'python', {}), await oracle(text), body);
		}
	});

	it('resource aliases, which the old front end did not follow: the same sites besides those', async () => {
		const direct = 'client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "direct"}])\n';
		const text = header + direct + 'mc = client.beta.messages\nmc.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "alias"}])\n' + direct;
		const found = await detectRequests(text, 'python', {});
		assert.deepEqual(found.filter(s => s.id !== 'py:beta.messages.stream#0'), await oracle(text));
		assert.deepEqual(found.filter(s => s.id === 'py:beta.messages.stream#0').map(s => s.payload.messages), [[{ role: 'user', content: 'alias' }]]);
	});

	it('randomized edits read incrementally give what a fresh read of the old front end gives', async function () {
		this.timeout(60_000);
		let seed = 20261201;
		const random = (n: number): number => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed % n;
		};
		let compared = 0;
		let skipped = 0;
		const pieces = ['a', 'Z', ' ', '1', '"', '\'', '{', '}', '(', ')', '[', ']', ',', '=', '\n', '#', '\\', 'f"{x}"', '.append(x)', '*', ':'];
		for (const start of [readFixture('support.py'), header + snippets.filter(s => s.length < 10_000).join('\n'), repeatTo(pyBlock, 'import anthropic\n', 20_000)]) {
			const fileName = `py-random-${start.length}.py`;
			let text = start;
			for (let step = 0; step < 120; step++) {
				// Mostly typing inside strings (the incremental path), some edits anywhere.
				const strings = [...text.matchAll(/"[^"\n]*"/g)];
				const inString = strings.length > 0 && random(3) > 0;
				const at = inString ? strings[random(strings.length)].index! + 1 : random(text.length + 1);
				text = random(4) === 0 && at < text.length
					? text.slice(0, at) + text.slice(at + 1)
					: text.slice(0, at) + (inString ? 'xyz '[random(4)] : pieces[random(pieces.length)]) + text.slice(at);
				if (step % 30 === 29) {
					text = start; // back to a text read before
				}
				const found = await detectRequests(text, 'python', { fileName });
				if (halfTyped(text)) {
					// A call whose brackets are not closed: the engine reads it as if closed where its text ends
					// (detectHalfTyped.test.ts), the old front end did not, so only a fresh read is the reference.
					assert.deepEqual(found, await detectRequests(text, 'python', {}), `step ${step}`);
					skipped++;
					continue;
				}
				assert.deepEqual(found, await oracle(text), `step ${step}`);
				compared++;
			}
		}
		// Most steps are still compared with the old front end (measured: 256 of 360 with this seed; the other 104 leave a bracket open).
		assert.ok(compared >= 2 * skipped, `${compared} compared, ${skipped} half-typed`);
	});
});
