/**
 * Python patterns seen in real code (issue 9 item 3), one test each: tool runners, parse, raw and streaming
 * response wrappers, resource aliases, string formatting over same-file constants, lists changed before the call, Bedrock
 * calls to other vendors' models, `.encode()` around a body, comprehensions of batch entries, run-time model ids.
 */
import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import type { RequestSite } from '../../src/core/types';

const header = 'import anthropic, boto3, json\nclient = anthropic.Anthropic()\nbedrock = boto3.client("bedrock-runtime")\n';

async function sites(body: string): Promise<RequestSite[]> {
	return detectRequests(header + body, 'python', { fileName: undefined });
}

async function one(body: string): Promise<RequestSite> {
	const found = await sites(body);
	assert.equal(found.length, 1, body);
	return found[0];
}

const contents = (site: RequestSite): unknown[] => site.payload.messages.map(m => (m as { content: unknown }).content);

describe('detect: Python patterns from real code', () => {
	it('beta.messages.tool_runner(...) and messages.parse(...), with their method', async () => {
		const runner = await one('runner = client.beta.messages.tool_runner(model="claude-sonnet-4-5", max_tokens=100, tools=[get_weather], messages=[{"role": "user", "content": "Weather?"}])\n');
		assert.equal(runner.method, 'tool_runner');
		assert.equal(runner.id, 'py:beta.messages.tool_runner#0');
		assert.deepEqual(contents(runner), ['Weather?']);
		const parsed = await one('r = client.messages.parse(model="claude-sonnet-4-5", max_tokens=100, output_format=Answer, messages=[{"role": "user", "content": "Parse"}])\n');
		assert.equal(parsed.method, 'parse');
	});

	it('with_raw_response and with_streaming_response send the same request', async () => {
		const raw = await one('r = client.messages.with_raw_response.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "raw"}])\n');
		assert.equal(raw.id, 'py:messages.create#0');
		assert.equal(raw.method, 'create');
		const streaming = await one('with client.beta.messages.with_streaming_response.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user", "content": "s"}]) as r:\n    pass\n');
		assert.equal(streaming.id, 'py:beta.messages.count_tokens#0');
	});

	it('a resource alias (`mc = client.beta.messages`), followed through names, also to the batches and a raw-response wrapper', async () => {
		const site = await one('mc = client.beta.messages\nm2 = mc\nm2.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user", "content": "a"}])\n');
		assert.equal(site.id, 'py:beta.messages.count_tokens#0');
		assert.equal(site.method, 'count_tokens');
		const batches = await sites('b = client.messages.batches\nb.create(requests=[{"custom_id": "x", "params": {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "b"}]}}])\n');
		assert.deepEqual(batches.map(s => [s.id, s.method]), [['py:messages.batches.create#0/requests/0', 'batch']]);
		const raw = await one('def ask(client):\n    raw = client.messages.with_raw_response\n    return raw.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "r"}])\n');
		assert.equal(raw.id, 'py:messages.create#0');
		assert.deepEqual(contents(raw), ['r']);
		// A name bound to something else, or to itself, is no resource.
		assert.deepEqual(await sites('store = make_store()\nstore.create(model="m", messages=[])\na = b\nb = a\na.create(model="m", messages=[])\n'), []);
		// The alias changed to another resource: the same call text is read as that resource's method.
		const call = 'mc.create(requests=[{"custom_id": "x", "params": {"model": "m", "max_tokens": 5, "messages": []}}], model="m", max_tokens=5, messages=[])\n';
		const options = { fileName: 'alias-change.py' };
		assert.deepEqual((await detectRequests(header + 'mc = client.messages\n' + call, 'python', options)).map(s => [s.id, s.method]), [['py:messages.create#0', 'create']]);
		assert.deepEqual((await detectRequests(header + 'mc = client.messages.batches\n' + call, 'python', options)).map(s => [s.id, s.method]),
			[['py:messages.batches.create#0/requests/0', 'batch']]);
	});

	it('f-strings, .format(...), % and .replace(...) over same-file constants are filled in', async () => {
		const site = await one([
			'NAME = "Ada"', 'N = 3', 'TEMPLATE = "Dear {name}, pick {} of {{these}}"', 'BASE = "Hello WORLD"',
			'client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=[',
			'    {"role": "user", "content": f"Hi {NAME}, {N} left, {{braces}}, {True}"},',
			'    {"role": "user", "content": TEMPLATE.format(N, name=NAME)},',
			'    {"role": "user", "content": "%s has %d items (100%%)" % (NAME, N)},',
			'    {"role": "user", "content": "%(who)s" % {"who": NAME}},',
			'    {"role": "user", "content": BASE.replace("WORLD", NAME)},',
			'])', ''].join('\n'));
		assert.deepEqual(contents(site), ['Hi Ada, 3 left, {braces}, True', 'Dear Ada, pick 3 of {these}', 'Ada has 3 items (100%)', 'Ada', 'Hello Ada']);
		assert.deepEqual(site.unresolved, []);
	});

	it('string literals have the value Python reads, whether read from their text (no escape, no inner quote) or from their parts', async () => {
		const cases: [literal: string, value: string][] = [
			['"plain"', 'plain'],
			['\'it"s\'', 'it"s'],
			['"say \\"hi\\""', 'say "hi"'],
			['R"C:\\dir"', 'C:\\dir'],
			['"tab\\tx"', 'tab\tx'],
			['u"caf\\u00e9"', 'café'],
			['"""line one\r\nline two"""', 'line one\nline two'],
			['\'\'\'it\'s\'\'\'', 'it\'s'],
			['""""""', ''],
			['""', ''],
			['"{{kept}}"', '{{kept}}'],
			['f"{{x}}"', '{x}'],
		];
		for (const [literal, value] of cases) {
			const site = await one(`client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": ${literal}}])\n`);
			assert.deepEqual(contents(site), [value], literal);
		}
	});

	it('formatting with a value known only at run time stays unresolved', async () => {
		const site = await one('def f(name):\n    return client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": f"Hi {name}"}, {"role": "user", "content": "Hi {}".format(name)}, {"role": "user", "content": f"{NAME!r}"}])\nNAME = "x"\n');
		assert.deepEqual(site.unresolved.map(u => u.reason), ['f-string substitution', 'string formatting', 'f-string substitution']);
	});

	for (const [label, change] of [
		['append', 'messages.append({"role": "assistant", "content": "b"})'],
		['extend', 'messages.extend(more)'],
		['insert', 'messages.insert(0, first)'],
		['+=', 'messages += [{"role": "user", "content": "c"}]'],
	]) {
		it(`a messages list changed before the call (${label}) is a lower bound, never an exact first-turn figure`, async () => {
			const site = await one(`messages = [{"role": "user", "content": "a"}]\n${change}\nclient.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=messages)\n`);
			assert.deepEqual(site.payload.messages, []);
			assert.deepEqual(site.unresolved.map(u => [u.text, u.reason]), [['messages', 'changed at run time before the call']]);
		});
	}

	it('a list rebuilt with a spread of itself in a loop around the call is a lower bound; a change after the call is not', async () => {
		const loop = await one('history = [{"role": "user", "content": "a"}]\nwhile True:\n    r = client.messages.create(model="m", max_tokens=5, messages=history)\n    history = [*history, {"role": "assistant", "content": r}]\n');
		assert.deepEqual(loop.unresolved.map(u => u.reason), ['changed at run time before the call']);
		const after = await one('history = [{"role": "user", "content": "a"}]\nr = client.messages.create(model="m", max_tokens=5, messages=history)\nhistory.append(r)\n');
		assert.deepEqual(contents(after), ['a']);
		assert.deepEqual(after.unresolved, []);
	});

	it('Bedrock calls to another vendor\'s model are not requests, nor InvokeModel bodies without messages', async () => {
		for (const call of [
			'bedrock.converse(modelId="cohere.command-r-plus-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
			'bedrock.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
			'bedrock.converse(modelId="meta.llama3-70b-instruct-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
			'bedrock.converse(modelId="ai21.jamba-1-5-large-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
			'bedrock.converse(modelId="mistral.mistral-large-2407-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])',
			'bedrock.invoke_model(modelId="amazon.titan-text-express-v1", body=json.dumps({"inputText": "x", "messages": []}))',
			'bedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=json.dumps({"inputText": "no messages here"}))',
		]) {
			assert.deepEqual(await sites(call + '\n'), [], call);
		}
	});

	it('.encode() around a boto3 body, inline or through a name', async () => {
		const inline = await one('bedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "bytes"}]}).encode("utf-8"))\n');
		assert.equal(inline.method, 'invoke_model');
		assert.deepEqual(contents(inline), ['bytes']);
		const named = await one('body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "named"}]}).encode()\nbedrock.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=body)\n');
		assert.deepEqual(contents(named), ['named']);
	});

	it('batch requests built by a comprehension: one entry read from its element, the count listed as unresolved', async () => {
		const found = await sites('QUESTIONS = ["a", "b"]\nclient.messages.batches.create(requests=[Request(custom_id=f"q-{i}", params={"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "Tag this ticket."}]}) for i, q in enumerate(QUESTIONS)])\n');
		assert.equal(found.length, 1);
		assert.equal(found[0].method, 'batch');
		assert.equal(found[0].shape, 'batch-entry');
		assert.deepEqual(contents(found[0]), ['Tag this ticket.']);
		assert.deepEqual(found[0].unresolved.map(u => [u.text, u.reason]), [['for i, q in enumerate(QUESTIONS)', 'one request per item of a comprehension: how many is known at run time']]);
	});

	it('a Bedrock modelId known only at run time is listed as unresolved', async () => {
		const site = await one('import os\nbedrock.converse(modelId=os.environ["MODEL_ID"], messages=[{"role": "user", "content": [{"text": "x"}]}])\n');
		assert.equal(site.method, 'converse');
		assert.deepEqual(site.unresolved.map(u => [u.path, u.text]), [['/modelId', 'os.environ["MODEL_ID"]']]);
	});
});
