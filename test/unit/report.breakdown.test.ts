import * as assert from 'node:assert/strict';
import { breakdown, flattenSections, measurePart, memoCount, runBounded, toolAudit, withoutBlock, withoutMessage, withoutTool } from '../../src/core/report';
import type { CountFn } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';
import {
	assertValidRequest, DOCUMENT_TOKENS, fakeCounter, fakeTokens, FRAME, IMAGE_TOKENS, messageCost, systemCost, tick, TOOL_PROMPT_ANY, TOOL_PROMPT_AUTO, toolCost,
} from './reportHelpers';

const MODEL = 'claude-sonnet-4-5';

const weather = { name: 'get_weather', description: 'Current weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const search = { name: 'search_docs', description: 'Search the documentation', input_schema: { type: 'object', properties: { q: { type: 'string' } } } };
const png = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } };

function rich(): MessagesBody {
	return {
		model: MODEL,
		system: 'You are a concise assistant.',
		tools: [weather, search],
		messages: [
			{ role: 'user', content: [{ type: 'text', text: 'What does this chart say?' }, png, pdf] },
			{ role: 'assistant', content: 'It shows rainfall by month.' },
			{ role: 'user', content: 'And the weather in Paris?' },
			{ role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'tu_1', name: 'get_weather', input: { city: 'Paris' } }] },
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'Sunny, 21 °C' }] },
		],
	};
}

describe('report breakdown', () => {
	it('gives system, every tool and every message a section, in request order, with media as children', async () => {
		const fake = fakeCounter();
		const b = await breakdown(rich(), MODEL, fake.count);
		assert.deepEqual(b.sections.map((s) => [s.kind, s.path]), [
			['system', '/system'],
			['tool', '/tools/0'],
			['tool', '/tools/1'],
			['message', '/messages/0'],
			['message', '/messages/1'],
			['message', '/messages/2'],
			['message', '/messages/3'],
			['message', '/messages/4'],
		]);
		assert.deepEqual(b.sections[3].children?.map((c) => [c.kind, c.path, c.label]), [
			['image', '/messages/0/content/1', 'Image (png) in message 1'],
			['document', '/messages/0/content/2', 'PDF document in message 1'],
		]);
		assert.equal(b.sections[1].label, 'Tool get_weather');
		assert.equal(b.sections[4].label, 'Message 2 · assistant');
		assert.equal(b.sections[4].preview, 'It shows rainfall by month.');
	});

	it('sums exactly to the total with the overhead, and each plain section matches its true cost', async () => {
		const body = rich();
		const fake = fakeCounter();
		const b = await breakdown(body, MODEL, fake.count);
		const top = b.sections.reduce((sum, s) => sum + s.tokens, 0);
		assert.equal(top + b.overhead, b.total);
		const m = body.messages as any[];
		assert.equal(b.sections[0].tokens, systemCost(body.system));
		assert.equal(b.sections[1].tokens, toolCost(weather));
		assert.equal(b.sections[2].tokens, toolCost(search));
		assert.equal(b.sections[3].tokens, messageCost(m[0]));
		assert.equal(b.sections[4].tokens, messageCost(m[1]));
		assert.equal(b.sections[5].tokens, messageCost(m[2]));
		assert.equal(b.sections[3].children![0].tokens, IMAGE_TOKENS);
		assert.equal(b.sections[3].children![1].tokens, DOCUMENT_TOKENS);
		// Children are inside their message: the sum above already holds them once.
		assert.ok(b.sections[3].tokens >= IMAGE_TOKENS + DOCUMENT_TOKENS);
		// The tool exchange rewrites its partner to stay valid; the frame is what remains.
		assert.equal(b.overhead, b.total - top);
		const pctSum = b.sections.reduce((sum, s) => sum + s.pct, 0) + b.overheadPct;
		assert.ok(Math.abs(pctSum - 100) < 1e-9);
	});

	it('without tool exchanges the overhead is exactly the fixed frame plus the tool-use system prompt', async () => {
		const body: MessagesBody = {
			model: MODEL,
			system: [{ type: 'text', text: 'Rules.' }, { type: 'text', text: 'More rules.' }],
			tools: [weather],
			tool_choice: { type: 'tool', name: 'get_weather' },
			messages: [{ role: 'user', content: 'Weather in Oslo?' }, { role: 'assistant', content: 'Checking' }],
		};
		const fake = fakeCounter();
		const b = await breakdown(body, MODEL, fake.count);
		assert.equal(b.overhead, FRAME + TOOL_PROMPT_ANY);
		// The lone tool is replaced by a stub, whose own cost is measured and added back.
		assert.equal(b.sections[1].tokens, toolCost(weather));
		assert.ok(b.sections[1].notes?.some((n) => /stub tool/.test(n)));
		// Removing the first user message leaves an assistant first: a placeholder user turn stands in.
		assert.equal(b.sections[2].tokens, messageCost((body.messages as any[])[0]));
		assert.equal(b.sections[3].tokens, messageCost((body.messages as any[])[1]));
	});

	it('a request with only one message still measures it, through a placeholder whose cost is accounted for', async () => {
		const body: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: 'Hello there, how are you today?' }] };
		const fake = fakeCounter();
		const b = await breakdown(body, MODEL, fake.count);
		assert.equal(b.sections.length, 1);
		assert.equal(b.sections[0].tokens, messageCost((body.messages as any[])[0]));
		assert.equal(b.overhead, FRAME);
		assert.equal(b.total, FRAME + messageCost((body.messages as any[])[0]));
	});

	it('counts every edited request through count, and every one of them is a valid request', async () => {
		const fake = fakeCounter();
		const b = await breakdown(rich(), MODEL, fake.count);
		assert.equal(b.counts, fake.calls.length);
		assert.ok(fake.calls.length >= 1 + 8 + 2);
		for (const call of fake.calls) {
			assert.doesNotThrow(() => assertValidRequest(call.body));
			assert.equal(call.model, MODEL);
		}
	});

	it('sets the model of the body to the model counted for', async () => {
		const fake = fakeCounter();
		const b = await breakdown({ ...rich(), model: '' }, 'claude-opus-4-5', fake.count);
		assert.equal(b.model, 'claude-opus-4-5');
		assert.ok(fake.calls.every((c) => c.body.model === 'claude-opus-4-5'));
	});

	it('marks the breakdown approximate when any count was', async () => {
		const b = await breakdown(rich(), MODEL, fakeCounter({ approximate: true }).count);
		assert.equal(b.approximate, true);
		const exact = await breakdown(rich(), MODEL, fakeCounter().count);
		assert.equal(exact.approximate, false);
	});

	it('flattens sections with their depth for display', async () => {
		const b = await breakdown(rich(), MODEL, fakeCounter().count);
		const rows = flattenSections(b.sections);
		assert.equal(rows.length, b.sections.length + 2);
		assert.deepEqual(rows.filter((r) => r.depth === 1).map((r) => r.section.kind), ['image', 'document']);
	});
});

describe('report single-part measure', () => {
	it('gives every section the figure the breakdown gives it', async () => {
		const body = rich();
		const b = await breakdown(body, MODEL, fakeCounter().count);
		for (const { section } of flattenSections(b.sections)) {
			const part = await measurePart(body, MODEL, section.path, fakeCounter().count, { total: b.total });
			assert.equal(part?.tokens, section.tokens, section.path);
		}
	});

	it('measures any content block, also the only one of a message, and ignores paths that name nothing', async () => {
		const body = rich();
		const fake = fakeCounter();
		const text = await measurePart(body, MODEL, '/messages/0/content/0', fake.count);
		assert.equal(text?.tokens, 'What does this chart say?'.length);
		assert.equal(text?.total, fakeTokens(body));
		const single: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world' }] }] };
		const lone = await measurePart(single, MODEL, '/messages/0/content/0', fakeCounter().count);
		assert.equal(lone?.tokens, 'hello world'.length);
		assert.ok(lone?.notes.some((n) => /stand-in/.test(n)));
		// Taking out a tool_result turns its tool_use into text; the figure carries the difference and says so.
		const result = await measurePart(body, MODEL, '/messages/4/content/0', fakeCounter().count);
		assert.ok(result?.notes.some((n) => /kept as text/.test(n)));
		for (const path of ['/messages/9', '/messages/2/content/0', '/tools/5', '/model', '/messages/0/content/7', '/messages/x']) {
			assert.equal(await measurePart(body, MODEL, path, fake.count), undefined, path);
		}
		assert.equal(await measurePart({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }, MODEL, '/system', fake.count), undefined);
	});

	it('with the total given, costs one count (two with a stand-in)', async () => {
		const fake = fakeCounter();
		await measurePart(rich(), MODEL, '/messages/1', fake.count, { total: 1 });
		assert.equal(fake.calls.length, 1);
	});
});

describe('report removals keep the request valid', () => {
	it('removing the only message replaces it with a placeholder user message', () => {
		const body: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: 'hi' }] };
		const e = withoutMessage(body, 0);
		assert.equal(e.standIn, true);
		assert.deepEqual(e.body.messages, [{ role: 'user', content: '.' }]);
		assert.deepEqual(withoutMessage(body, 0, 2).body.messages, [{ role: 'user', content: '.' }, { role: 'user', content: '.' }]);
		assertValidRequest(e.body);
	});

	it('removing the first user message never leaves an assistant turn first', () => {
		const body: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] };
		const e = withoutMessage(body, 0);
		assert.equal((e.body.messages[0] as any).role, 'user');
		assert.equal((e.body.messages[1] as any).content, 'b');
		assertValidRequest(e.body);
		// The original is untouched.
		assert.equal(body.messages.length, 3);
	});

	it('removing a tool_use turn keeps the tool_result content as plain user content', () => {
		const body = rich();
		const e = withoutMessage(body, 3);
		assertValidRequest(e.body);
		assert.deepEqual((e.body.messages[3] as any).content, [{ type: 'text', text: 'Sunny, 21 °C' }]);
		assert.equal(e.standIn, false);
	});

	it('removing a tool_result turn turns the unanswered tool_use into text', () => {
		const body = rich();
		const e = withoutMessage(body, 4);
		assertValidRequest(e.body);
		const last = e.body.messages[3] as any;
		assert.equal(last.role, 'assistant');
		assert.deepEqual(last.content.map((b: any) => b.type), ['text', 'text']);
		assert.match(last.content[1].text, /^get_weather \{"city":"Paris"\}$/);
	});

	it('a request that itself ends in a tool_use keeps it; one that comes to end in a tool_use gets it rewritten', () => {
		const body: MessagesBody = {
			model: MODEL,
			tools: [weather],
			messages: [
				{ role: 'user', content: 'a' },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'get_weather', input: {} }] },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'r' }] },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 'y', name: 'get_weather', input: {} }] },
			],
		};
		const e = withoutMessage(body, 0);
		assert.equal((e.body.messages.at(-1) as any).content[0].type, 'tool_use');
		assert.equal((e.body.messages[1] as any).content[0].type, 'tool_use');
		const cut = withoutMessage(body, 3);
		assert.equal((cut.body.messages.at(-1) as any).role, 'user');
		const ends = withoutMessage({ ...body, messages: body.messages.slice(0, 3) }, 2).body.messages.at(-1) as any;
		assert.deepEqual(ends.content, [{ type: 'text', text: 'get_weather {}' }]);
	});

	it('removing the only block of a message leaves a one-character stand-in', () => {
		const body: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: [png] }] };
		const e = withoutBlock(body, [0, 0]);
		assert.equal(e.standIn, true);
		assert.deepEqual((e.body.messages[0] as any).content, [{ type: 'text', text: '.' }]);
		assertValidRequest(e.body);
	});

	it('removing the last image of a tool_result drops its content, not the result', () => {
		const body: MessagesBody = {
			model: MODEL,
			tools: [weather],
			messages: [
				{ role: 'user', content: 'x' },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: {} }] },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [png] }] },
			],
		};
		const e = withoutBlock(body, [2, 0, 0]);
		assert.deepEqual((e.body.messages[2] as any).content, [{ type: 'tool_result', tool_use_id: 't' }]);
		assertValidRequest(e.body);
	});

	it('removing a tool re-points a forced tool_choice; removing the last one leaves a stub', () => {
		const body: MessagesBody = { ...rich(), tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } };
		const e = withoutTool(body, 0);
		assert.deepEqual(e.body.tool_choice, { type: 'tool', name: 'search_docs', disable_parallel_tool_use: true });
		assertValidRequest(e.body);
		const lone: MessagesBody = { ...body, tools: [weather] };
		const s = withoutTool(lone, 0);
		assert.equal(s.standIn, true);
		assert.equal(s.body.tools!.length, 1);
		assert.equal((s.body.tool_choice as any).name, (s.body.tools![0] as any).name);
		assertValidRequest(s.body);
		const two = withoutTool(lone, 0, 2);
		assert.equal(two.body.tools!.length, 2);
		assert.equal((two.body.tools![0] as any).name.length, (two.body.tools![1] as any).name.length);
		assertValidRequest(two.body);
	});
});

describe('report concurrency and cancellation', () => {
	it('never has more counts in flight than the bound, and does run them concurrently', async () => {
		for (const concurrency of [1, 3]) {
			const fake = fakeCounter({ delayMs: 5 });
			await breakdown(rich(), MODEL, fake.count, { concurrency });
			assert.ok(fake.maxInFlight <= concurrency, `max in flight ${fake.maxInFlight} > ${concurrency}`);
			assert.equal(fake.maxInFlight, concurrency);
		}
	});

	it('the default bound is 4', async () => {
		const fake = fakeCounter({ delayMs: 5 });
		await breakdown(rich(), MODEL, fake.count);
		assert.equal(fake.maxInFlight, 4);
	});

	it('an abort stops further counts and rejects with a cancellation', async () => {
		const controller = new AbortController();
		const fake = fakeCounter({ delayMs: 20 });
		const p = breakdown(rich(), MODEL, fake.count, { concurrency: 2, signal: controller.signal });
		await tick(30);
		controller.abort();
		await assert.rejects(p, (err: unknown) => isCancellation(err));
		const made = fake.calls.length;
		assert.ok(made < 12, `${made} counts started before the abort`);
		await tick(60);
		assert.equal(fake.calls.length, made);
	});

	it('an already aborted signal makes no count at all', async () => {
		const controller = new AbortController();
		controller.abort();
		const fake = fakeCounter();
		await assert.rejects(breakdown(rich(), MODEL, fake.count, { signal: controller.signal }), (err: unknown) => isCancellation(err));
		assert.equal(fake.calls.length, 0);
	});

	it('a failing count stops the breakdown with that error', async () => {
		let n = 0;
		const failing: CountFn = async (body, model) => {
			if (++n === 3) {
				throw new Error('rate limited');
			}
			return fakeCounter().count(body, model);
		};
		await assert.rejects(breakdown(rich(), MODEL, failing, { concurrency: 1 }), /rate limited/);
		assert.equal(n, 3);
	});

	it('runBounded keeps results in task order', async () => {
		const results = await runBounded([30, 10, 20, 0].map((ms, i) => async () => {
			await tick(ms);
			return i;
		}), 2);
		assert.deepEqual(results, [0, 1, 2, 3]);
	});

	it('memoCount asks once per distinct body and model, and forgets failures', async () => {
		const fake = fakeCounter();
		const memo = memoCount(fake.count);
		const body = rich();
		await Promise.all([memo(body, MODEL), memo(structuredClone(body), MODEL)]);
		assert.equal(fake.calls.length, 1);
		let fails = true;
		const flaky = memoCount(async (b, m) => {
			if (fails) {
				fails = false;
				throw new Error('once');
			}
			return fake.count(b, m);
		});
		await assert.rejects(flaky(body, MODEL), /once/);
		assert.equal((await flaky(body, MODEL)).inputTokens, (await fake.count(body, MODEL)).inputTokens);
	});
});

describe('report tool audit', () => {
	it('gives each definition its differential cost, most expensive first, and the tool-use system prompt', async () => {
		const body = rich();
		const audit = await toolAudit(body, MODEL, fakeCounter().count);
		assert.deepEqual(audit.tools.map((t) => [t.name, t.tokens]), [
			['get_weather', toolCost(weather)],
			['search_docs', toolCost(search)],
		].sort((a, b) => (b[1] as number) - (a[1] as number)));
		assert.equal(audit.systemPromptTokens, TOOL_PROMPT_AUTO);
		assert.equal(audit.definitionsTokens, toolCost(weather) + toolCost(search));
		assert.equal(audit.toolChoice, 'auto');
	});

	it('the system prompt follows tool_choice, also for a single tool', async () => {
		const body: MessagesBody = { model: MODEL, tools: [weather], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'hi' }] };
		const audit = await toolAudit(body, MODEL, fakeCounter().count);
		assert.equal(audit.systemPromptTokens, TOOL_PROMPT_ANY);
		assert.equal(audit.tools[0].tokens, toolCost(weather));
		assert.equal(audit.toolChoice, 'any');
	});

	it('a request without tools has nothing to audit', async () => {
		const fake = fakeCounter();
		const audit = await toolAudit({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, MODEL, fake.count);
		assert.deepEqual(audit.tools, []);
		assert.equal(audit.systemPromptTokens, 0);
		assert.equal(fake.calls.length, 1);
	});
});
