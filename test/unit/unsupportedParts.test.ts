import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicCounter } from '../../src/core/count/anthropicCounter';
import { splitUnsupported } from '../../src/core/count/unsupported';
import { countRequest, vocabs } from '../core';
import { estimatedPart, figureFor, shortText } from '../../src/core/present';
import type { MessagesBody } from '../../src/core/types';
import { startCountServer, type CountServer } from '../server/countServer';

const KEY = 'sk-ant-unit-unsupported-abcdef';
const MODEL = 'claude-sonnet-4-5';

const weather = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
const advisor = { type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-8' };
const urlImage = { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } };
const fileDoc = { type: 'document', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } };

function body(extra: Partial<MessagesBody> = {}, content: unknown = 'What is the weather in Paris?'): MessagesBody {
	return { model: MODEL, messages: [{ role: 'user', content }], ...extra };
}

describe('count_tokens: parts it does not take', () => {
	describe('splitUnsupported', () => {
		it('leaves a countable request untouched (same object)', () => {
			const b = body({ tools: [weather, advisor] });
			const s = splitUnsupported(b);
			assert.equal(s.body, b);
			assert.deepEqual(s.removed, []);
		});
		it('takes out server tools but keeps client tools and the advisor', () => {
			const fetchTool = { type: 'web_fetch_20250910', name: 'web_fetch' };
			const code = { type: 'code_execution_20250825', name: 'code_execution' };
			const search = { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' };
			const s = splitUnsupported(body({ tools: [weather, webSearch, fetchTool, code, search, advisor] }));
			assert.deepEqual(s.body.tools, [weather, advisor]);
			assert.deepEqual(s.removed, ['web_search', 'web_fetch', 'code_execution', 'tool_search_tool_regex']);
		});
		it('drops tools and tool_choice when only server tools were there', () => {
			const s = splitUnsupported(body({ tools: [webSearch], tool_choice: { type: 'tool', name: 'web_search' } }));
			assert.equal(s.body.tools, undefined);
			assert.equal(s.body.tool_choice, undefined);
		});
		it('a forced tool_choice naming a removed tool becomes any', () => {
			const s = splitUnsupported(body({ tools: [weather, webSearch], tool_choice: { type: 'tool', name: 'web_search' } }));
			assert.deepEqual(s.body.tool_choice, { type: 'any' });
		});
		it('takes out the MCP connector', () => {
			const s = splitUnsupported(body({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'docs' }], tools: [{ type: 'mcp_toolset', mcp_server_name: 'docs' }] }));
			assert.equal(s.body.mcp_servers, undefined);
			assert.equal(s.body.tools, undefined);
			assert.deepEqual(s.removed, ['mcp_servers']);
		});
		it('takes out url and file media, in messages and tool results, and keeps messages valid', () => {
			const b: MessagesBody = {
				model: MODEL,
				messages: [
					{ role: 'user', content: [urlImage] },
					{ role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] },
					{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [fileDoc, { type: 'text', text: 'sunny' }] }] },
				],
				tools: [weather],
			};
			const s = splitUnsupported(b);
			assert.deepEqual(s.removed, ['an image URL', 'an uploaded document file']);
			const first = s.body.messages[0] as { content: Array<{ type: string; text?: string }> };
			assert.equal(first.content.length, 1);
			assert.equal(first.content[0].type, 'text');
			assert.ok((first.content[0].text ?? '').length > 0);
			const third = s.body.messages[2] as { content: Array<{ content: unknown[] }> };
			assert.deepEqual(third.content[0].content, [{ type: 'text', text: 'sunny' }]);
			// The original is not changed.
			assert.equal((b.messages[0] as { content: unknown[] }).content[0], urlImage);
		});
	});

	describe('the local count server rejects them as count_tokens does', function () {
		this.timeout(20_000);
		let server: CountServer;
		let client: Anthropic;
		before(async () => {
			server = await startCountServer({ validKeys: [KEY] });
			client = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
		});
		after(async () => server.close());

		const rejected = async (b: MessagesBody, pattern: RegExp) => {
			try {
				await client.messages.countTokens(b as unknown as Anthropic.MessageCountTokensParams);
			} catch (err) {
				assert.ok(err instanceof Anthropic.BadRequestError, String(err));
				assert.match(err.message, pattern);
				return;
			}
			assert.fail('expected a 400');
		};

		it('answers 400 for a server tool, the MCP connector, url and file sources', async () => {
			await rejected(body({ tools: [webSearch] }), /tools\.0: the web_search_20250305 tool is not supported/);
			await rejected(body({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] }), /mcp_servers/);
			await rejected(body({}, [urlImage, { type: 'text', text: 'What is this?' }]), /messages\.0\.content\.0\.source: url sources/);
			await rejected(body({}, [fileDoc]), /file sources/);
			await rejected(
				{ model: MODEL, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [urlImage] }] }], tools: [weather] },
				/messages\.2\.content\.0\.content\.0\.source: url sources/,
			);
		});
		it('takes the advisor and client tools', async () => {
			const r = await client.messages.countTokens(body({ tools: [weather, advisor] }) as unknown as Anthropic.MessageCountTokensParams);
			assert.ok(r.input_tokens > 0);
		});
	});

	describe('AnthropicCounter: exact for the rest, offline for what was taken out', function () {
		this.timeout(20_000);
		let server: CountServer;
		before(async () => {
			server = await startCountServer({ validKeys: [KEY] });
		});
		after(async () => server.close());
		beforeEach(() => server.reset());
		const counter = () => new AnthropicCounter({ vocabs, getApiKey: () => KEY, baseURL: server.url, maxRetries: 0, timeoutMs: 5_000 });

		it('a web_search tool: sends the rest and adds the offline estimate, saying so', async () => {
			const full = body({ tools: [weather, webSearch] });
			const exact = 1234;
			server.setCount(() => exact);
			const r = await counter().count({ provider: 'anthropic', model: MODEL, body: full });
			server.setCount();
			assert.equal(server.requests.length, 1);
			const sent = server.requests[0].body as MessagesBody;
			assert.deepEqual(sent.tools, [weather]);
			const estimate = countRequest(full, MODEL).inputTokens - countRequest(sent, MODEL).inputTokens;
			assert.ok(estimate > 0);
			assert.equal(r.inputTokens, exact + estimate);
			assert.equal(r.exact, false);
			assert.equal(r.approximate, true);
			assert.deepEqual(r.estimated, { tokens: estimate, for: 'web_search' });
			assert.match(r.notes[0], new RegExp(`^exact ${exact.toLocaleString('en-US')} \\+ ≈${estimate.toLocaleString('en-US')} for web_search`));
		});
		it('an image URL: the largest image is the estimate, never an error', async () => {
			const full = body({}, [{ type: 'text', text: 'Describe this.' }, urlImage]);
			const r = await counter().count({ provider: 'anthropic', model: MODEL, body: full });
			assert.equal(r.estimated?.for, 'an image URL');
			assert.ok((r.estimated?.tokens ?? 0) >= 1600, JSON.stringify(r));
		});
		it('the MCP connector', async () => {
			const r = await counter().count({ provider: 'anthropic', model: MODEL, body: body({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] }) });
			assert.equal(r.estimated?.for, 'mcp_servers');
			assert.equal((server.requests[0].body as MessagesBody).mcp_servers, undefined);
		});
		it('surfaces say "exact + ≈N for …"', async () => {
			const r = await counter().count({ provider: 'anthropic', model: MODEL, body: body({ tools: [weather, webSearch] }) });
			const state = { site: { unresolved: [], modelFromDocument: true }, model: MODEL, status: 'done', exact: r } as unknown as Parameters<typeof figureFor>[0];
			const f = figureFor(state, () => undefined);
			assert.ok(f);
			assert.equal(estimatedPart(f), ` (exact + ≈${r.estimated!.tokens.toLocaleString('en-US')} for web_search)`);
			assert.match(shortText(f), /^≈[\d,]+ tok \(exact \+ ≈[\d,]+ for web_search\) · no price$/);
		});
	});
});
