import * as assert from 'node:assert/strict';
import { contextFit, dropOldestTurns, turnStarts, withoutFirstMessages } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { assertValidRequest, fakeCounter, fakeTokens } from './reportHelpers';

const MODEL = 'claude-haiku-4-5';
const tool = { name: 'calc', input_schema: { type: 'object' } };

/** A conversation of plain turns with one tool exchange in the middle; turn sizes vary. */
function conversation(): MessagesBody {
	const say = (n: number, c: string) => c.repeat(n);
	return {
		model: MODEL,
		system: 'sys',
		tools: [tool],
		messages: [
			{ role: 'user', content: say(40, 'a') },
			{ role: 'assistant', content: say(90, 'b') },
			{ role: 'user', content: say(15, 'c') },
			{ role: 'assistant', content: [{ type: 'text', text: 'computing' }, { type: 'tool_use', id: 't1', name: 'calc', input: { x: 1 } }] },
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: say(120, 'r') }] },
			{ role: 'assistant', content: say(30, 'd') },
			{ role: 'user', content: say(70, 'e') },
			{ role: 'assistant', content: say(10, 'f') },
			{ role: 'user', content: say(25, 'g') },
			{ role: 'assistant', content: say(60, 'h') },
			{ role: 'user', content: say(5, 'i') },
		],
	};
}

/** The smallest number of oldest turns whose removal makes the request fit, trying every number. */
function bruteForce(body: MessagesBody, fits: (tokens: number) => boolean): number | undefined {
	const n = turnStarts(body.messages).length;
	for (let k = 0; k <= n; k++) {
		if (fits(fakeTokens(dropOldestTurns(body, k)))) {
			return k;
		}
	}
	return undefined;
}

describe('report context fit', () => {
	it('turns start at user messages that are not tool results, so a tool_use keeps its tool_result', () => {
		const body = conversation();
		assert.deepEqual(turnStarts(body.messages), [2, 6, 8, 10]);
		for (let k = 0; k <= 4; k++) {
			const trimmed = dropOldestTurns(body, k);
			assertValidRequest(trimmed);
			assert.equal((trimmed.messages[0] as any).role, 'user');
			assert.equal(trimmed.system, 'sys');
			assert.deepEqual(trimmed.tools, [tool]);
		}
		assert.deepEqual(dropOldestTurns(body, 1).messages, body.messages.slice(2));
		assert.deepEqual(dropOldestTurns(body, 2).messages, body.messages.slice(6));
	});

	it('a request that fits needs no trimming and no extra counts', async () => {
		const fake = fakeCounter();
		const r = await contextFit(conversation(), MODEL, 1024, fake.count);
		assert.equal(r.fits, true);
		assert.equal(r.dropTurns, 0);
		assert.deepEqual(r.over, []);
		assert.equal(r.contextWindow, 200_000);
		assert.equal(fake.calls.length, 1);
		assert.equal(r.probes, 0);
	});

	it('finds the same minimal trim as trying every number of turns, for every window size', async () => {
		const body = conversation();
		const total = fakeTokens(body);
		const maxTokens = 50;
		let checked = 0;
		for (let window = 300; window <= total + maxTokens + 5; window += 7) {
			const fake = fakeCounter();
			const r = await contextFit(body, MODEL, maxTokens, fake.count, { contextWindow: window });
			const expected = bruteForce(body, (t) => t + maxTokens <= window);
			assert.equal(r.fits, expected === 0, `window ${window}`);
			if (expected === undefined) {
				assert.equal(r.dropTurns, undefined, `window ${window}`);
				assert.equal(r.trimmedBody, undefined);
				continue;
			}
			assert.equal(r.dropTurns, expected, `window ${window}`);
			if (expected > 0) {
				checked++;
				assert.deepEqual(r.trimmedBody, dropOldestTurns(body, expected));
				assert.equal(r.trimmedTokens, fakeTokens(r.trimmedBody!));
				assert.ok(r.trimmedTokens! + maxTokens <= window);
				assert.equal(r.droppedMessages, body.messages.length - r.trimmedBody!.messages.length);
				assertValidRequest(r.trimmedBody!);
				// Bisection over 4 droppable turns: the all-but-last probe plus at most two more.
				assert.ok(r.probes <= 3, `${r.probes} probes`);
				assert.equal(fake.calls.length, 1 + r.probes);
			}
		}
		assert.ok(checked >= 10, `only ${checked} windows needed trimming`);
	});

	it('applies the token budget to the input as well', async () => {
		const body = conversation();
		const budget = fakeTokens(dropOldestTurns(body, 2));
		const r = await contextFit(body, MODEL, 100, fakeCounter().count, { budgetTokens: budget });
		assert.deepEqual(r.over, ['budget']);
		assert.equal(r.dropTurns, bruteForce(body, (t) => t <= budget));
		assert.equal(r.dropTurns, 2);
		assert.match(r.reason, /^Over the [\d,]+-token budget: dropping the oldest 2 turns/);
		assert.doesNotMatch(r.reason, /window/);
	});

	it('uses the model\'s window from the price table, counting max_tokens', async () => {
		const body = conversation();
		const total = fakeTokens(body);
		const r = await contextFit(body, MODEL, 200_000 - total + 1, fakeCounter().count);
		assert.deepEqual(r.over, ['window']);
		assert.equal(r.dropTurns, 1);
		assert.match(r.reason, /^Over the 200,000-token window \(with max_tokens\): dropping the oldest 1 turn \(2 messages\)/);
	});

	it('says so when even the last turn alone does not fit', async () => {
		const body = conversation();
		const r = await contextFit(body, MODEL, 0, fakeCounter().count, { contextWindow: 50 });
		assert.equal(r.fits, false);
		assert.equal(r.dropTurns, undefined);
		assert.match(r.reason, /even with only the last turn/);
		const single: MessagesBody = { model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(100) }] };
		const s = await contextFit(single, MODEL, 0, fakeCounter().count, { contextWindow: 50 });
		assert.equal(s.droppableTurns, 0);
		assert.match(s.reason, /no earlier turn/);
	});
});

describe('the trimmed request copied from its source text', () => {
	const source = '{\n    "messages": [\n        { "role": "user", "content": "one" },\n        {"role":"assistant","content":"two"},\n        { "role": "user", "content": "three" }\n    ],\n    "model": "claude-haiku-4-5",\n    "max_tokens": 10\n}';

	it('cuts the oldest messages and keeps every other byte, key order and indentation included', () => {
		assert.equal(withoutFirstMessages(source, 2), '{\n    "messages": [\n        { "role": "user", "content": "three" }\n    ],\n    "model": "claude-haiku-4-5",\n    "max_tokens": 10\n}');
		assert.equal(withoutFirstMessages(source, 0), source);
	});

	it('reads a batch line through its params, and refuses a cut that leaves no message', () => {
		const line = '{"custom_id":"a","params":{"model":"m","messages":[{"role":"user","content":"x"},{"role":"user","content":"y"}]}}';
		assert.equal(withoutFirstMessages(line, 1), '{"custom_id":"a","params":{"model":"m","messages":[{"role":"user","content":"y"}]}}');
		assert.equal(withoutFirstMessages(line, 2), undefined);
		assert.equal(withoutFirstMessages('[1, 2]', 1), undefined);
	});
});
