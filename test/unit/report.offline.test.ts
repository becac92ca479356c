/** The report over the real offline counter (the measured vocabularies), not a fake. */
import * as assert from 'node:assert/strict';
import { familyForModel, imageTokens } from '../../src/core/offline';
import { countInner, countRequest } from '../core';
import { breakdown, contextFit, costAcrossModels, dropOldestTurns, toolAudit, turnStarts } from '../../src/core/report';
import type { CountFn } from '../../src/core/report';
import type { MessagesBody } from '../../src/core/types';
import { assertValidRequest } from './reportHelpers';

const calls: MessagesBody[] = [];
const offline: CountFn = async (body, model) => {
	calls.push(body);
	const r = countRequest(body, model);
	return { inputTokens: r.inputTokens, approximate: r.approximate };
};

/** A PNG header (signature + IHDR) of the given size: enough for the offline image estimate. */
function png(width: number, height: number): string {
	const b = Buffer.alloc(33);
	Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
	b.writeUInt32BE(13, 8);
	b.write('IHDR', 12, 'latin1');
	b.writeUInt32BE(width, 16);
	b.writeUInt32BE(height, 20);
	return b.toString('base64');
}

const weather = { name: 'get_weather', description: 'Get the current weather for a city.', input_schema: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] } };

function request(model: string): MessagesBody {
	return {
		model,
		system: 'You are a helpful travel assistant. Answer briefly.',
		tools: [weather],
		messages: [
			{ role: 'user', content: [{ type: 'text', text: 'Where was this photo taken?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(1000, 600) } }] },
			{ role: 'assistant', content: 'It looks like Lisbon, near the river.' },
			{ role: 'user', content: 'What is the weather there right now?' },
			{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lisbon' } }] },
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny, 24 °C, light wind.' }] },
			{ role: 'assistant', content: 'It is sunny and 24 °C in Lisbon.' },
			{ role: 'user', content: 'Naïve question: do I need a jacket tonight? Réponds en français.' },
		],
	};
}

describe('report with the offline counter', function () {
	this.timeout(60_000);

	it('breaks a request down exactly to its total, with the image and tool-use prompt where they belong', async () => {
		const model = 'claude-sonnet-4-6';
		calls.length = 0;
		const b = await breakdown(request(model), model, offline);
		assert.equal(b.total, countRequest(request(model), model).inputTokens);
		assert.equal(b.sections.reduce((s, x) => s + x.tokens, 0) + b.overhead, b.total);
		assert.equal(b.approximate, true);
		for (const s of b.sections) {
			assert.ok(s.tokens > 0, `${s.label}: ${s.tokens}`);
		}
		// Taking out one side of the tool exchange rewrites the other side to keep the request valid.
		assert.ok(b.sections.find((s) => s.path === '/messages/3')!.notes!.some((n) => /kept as plain content/.test(n)));
		assert.ok(b.sections.find((s) => s.path === '/messages/4')!.notes!.some((n) => /kept as text/.test(n)));
		const image = b.sections.find((s) => s.path === '/messages/0')!.children![0];
		const expected = imageTokens(1000, 600, familyForModel(model).family).tokens;
		// The image plus at most the separator between two blocks.
		assert.ok(image.tokens >= expected && image.tokens <= expected + 1, `image ${image.tokens} vs ${expected}`);
		for (const body of calls) {
			assertValidRequest(body);
		}
	});

	it('without a tool exchange, the frame holds the tool-use system prompt and the message frame', async () => {
		const model = 'claude-sonnet-4-6';
		const body = request(model);
		body.messages = body.messages.filter((_, i) => i !== 3 && i !== 4);
		const b = await breakdown(body, model, offline);
		assert.equal(b.sections.reduce((s, x) => s + x.tokens, 0) + b.overhead, b.total);
		// 497 tokens of tool-use system prompt for Sonnet 4.6 with tool_choice auto, plus a few of framing,
		// less 2 for each of the two assistant messages whose removal joins the user messages around it (a
		// message joins one of its own role for 1 token instead of two headers of 3).
		assert.ok(b.overhead >= 497 - 4 && b.overhead <= 497 - 4 + 10, `overhead ${b.overhead}`);
		assert.deepEqual(b.sections.filter((s) => s.notes).map((s) => s.path), ['/tools/0', '/messages/0']);
	});

	it('isolates the tool-use system prompt per model and tool_choice', async () => {
		const auto = await toolAudit(request('claude-sonnet-4-6'), 'claude-sonnet-4-6', offline);
		assert.equal(auto.systemPromptTokens, 498);
		const forced = await toolAudit({ ...request('claude-opus-4-7'), tool_choice: { type: 'tool', name: 'get_weather' } }, 'claude-opus-4-7', offline);
		// Opus 4.7 with tool_choice tool: the docs' any figure (804) + 2, plus the forced tool's name, less the
		// line break between two definitions that the second stub's cost carries.
		assert.equal(forced.systemPromptTokens, 806 + countInner('get_weather', 'v4.7') - 1);
		assert.ok(auto.tools[0].tokens > 10);
	});

	it('counts per family, and the families really differ', async () => {
		const models = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7', 'claude-opus-5', 'claude-sonnet-5', 'claude-opus-4-8', 'claude-sonnet-4-20250514'];
		const body: MessagesBody = { model: 'x', messages: [{ role: 'user', content: 'Naïve café owners’ “quotes” — and 12345 numbers, CamelCase words.' }] };
		const rows = await costAcrossModels(body, models, offline, { offline: true });
		for (const r of rows) {
			assert.equal(r.tokens, countRequest({ ...body, model: r.model }, r.model).inputTokens);
		}
		// Shared counts only where the frame and the thinking instruction agree (Opus 4.8: v5's frame; 4.5 vs 4: 29 vs 28).
		const thinking: MessagesBody = { ...body, thinking: { type: 'enabled', budget_tokens: 2048 } };
		for (const r of await costAcrossModels(thinking, models, offline, { offline: true })) {
			assert.equal(r.tokens, countRequest({ ...thinking, model: r.model }, r.model).inputTokens, r.model);
		}
		assert.equal(rows[0].tokens, rows[1].tokens);
		assert.equal(rows[3].tokens, rows[4].tokens);
		assert.equal(new Set(rows.map((r) => r.family)).size, 3);
	});

	it('finds the minimal trim that brute force finds', async () => {
		const model = 'claude-haiku-4-5';
		const body = request(model);
		const maxTokens = 200;
		const n = turnStarts(body.messages).length;
		const sizes = Array.from({ length: n + 1 }, (_, k) => countRequest(dropOldestTurns(body, k), model).inputTokens);
		assert.equal(n, 2);
		for (const window of [sizes[0] + maxTokens, sizes[1] + maxTokens, sizes[1] + maxTokens - 1, sizes[2] + maxTokens, sizes[2] + maxTokens - 1]) {
			const r = await contextFit(body, model, maxTokens, offline, { contextWindow: window });
			const found = sizes.findIndex((s) => s + maxTokens <= window);
			const expected = found < 0 ? undefined : found;
			assert.equal(r.dropTurns, expected, `window ${window}`);
			if (expected !== undefined && expected > 0) {
				assertValidRequest(r.trimmedBody!);
				assert.equal(r.trimmedTokens, sizes[expected]);
			}
		}
	});
});
