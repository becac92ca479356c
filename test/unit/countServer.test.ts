import * as assert from 'node:assert/strict';
import * as util from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, CountTokensCommand, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { defaultModelInfos, startCountServer, type CountServer } from '../server/countServer';
import { stringTokens, utf8CountRule } from '../server/countRule';

const KEY = 'sk-ant-test-0123456789';

/** Fetch without the SDK, for headers the SDK always sets. */
async function post(server: CountServer, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: any; headers: Headers }> {
	const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
	return { status: res.status, json: await res.json(), headers: res.headers };
}

async function rejects<T extends Error>(promise: Promise<unknown>, cls: new (...args: any[]) => T): Promise<T> {
	try {
		await promise;
	} catch (err) {
		assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
		return err as T;
	}
	assert.fail(`expected ${cls.name}, the call succeeded`);
}

describe('count rule', () => {
	it('counts a quarter of the UTF-8 bytes of each text, rounded up, plus frame and per-message overhead', () => {
		assert.equal(stringTokens(''), 0);
		assert.equal(stringTokens('abcd'), 1);
		assert.equal(stringTokens('abcde'), 2);
		assert.equal(stringTokens('é'), 1); // 2 bytes
		assert.equal(stringTokens('日本語'), 3); // 9 bytes
		const body = { model: 'm', system: 'You are terse.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, world' }] }] };
		assert.equal(utf8CountRule(body), 7 + 3 + stringTokens('You are terse.') + stringTokens('Hello, world'));
	});

	it('ignores role and type values and the model name', () => {
		const a = utf8CountRule({ model: 'a', messages: [{ role: 'user', content: 'hi' }] });
		const b = utf8CountRule({ model: 'a-much-longer-model-name', messages: [{ role: 'assistant', content: 'hi' }] });
		assert.equal(a, b);
		assert.equal(a, 7 + 3 + 1);
	});
});

describe('count server: Anthropic count_tokens through @anthropic-ai/sdk', function () {
	this.timeout(10_000);
	let server: CountServer;
	let client: Anthropic;

	before(async () => {
		server = await startCountServer();
		client = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
	});
	after(() => server.close());
	beforeEach(() => {
		server.reset();
		server.setCount();
	});

	it('listens on 127.0.0.1 with a free port', () => {
		assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.ok(server.port > 0);
		assert.equal(server.url, `http://127.0.0.1:${server.port}`);
	});

	it('answers input_tokens by the default rule and records the request', async () => {
		const body = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };
		const result = await client.messages.countTokens(body);
		assert.equal(result.input_tokens, utf8CountRule(body));
		assert.equal(server.requests.length, 1);
		const r = server.requests[0];
		assert.equal(r.method, 'POST');
		assert.equal(r.path, '/v1/messages/count_tokens');
		assert.equal(r.provider, 'anthropic');
		assert.equal(r.status, 200);
		assert.equal(r.model, 'claude-sonnet-4-5');
		assert.deepEqual(r.body, body);
		assert.ok(r.time <= Date.now());
	});

	it('sees the SDK 1.12 auth form (authorization: Bearer) and version 2026-10-21', async () => {
		await client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
		const r = server.requests[0];
		assert.equal(r.authHeader, 'authorization');
		assert.equal(r.authScheme, 'bearer');
		assert.ok(r.keyEquals(KEY));
		assert.ok(!r.keyEquals('sk-ant-other'));
		assert.equal(r.headers['anthropic-version'], '2026-10-21');
	});

	it('never shows the key when a request is printed', async () => {
		await client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
		await post(server, '/v1/messages/count_tokens', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
		for (const r of server.requests) {
			assert.ok(r.hasKey);
			assert.ok(!JSON.stringify(r).includes(KEY));
			assert.ok(!util.inspect(r, { depth: 10, showHidden: true }).includes(KEY));
			assert.ok(!JSON.stringify(r.headers).includes(KEY));
		}
		assert.equal(server.requests[0].headers['authorization'], 'Bearer [redacted]');
		assert.equal(server.requests[1].headers['x-api-key'], '[redacted]');
	});

	it('accepts the documented x-api-key form with anthropic-version 2023-06-01 and an anthropic-beta header', async () => {
		const res = await post(server, '/v1/messages/count_tokens', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'token-counting-2024-11-01' }, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] }));
		assert.equal(res.status, 200);
		assert.deepEqual(res.json, { input_tokens: 7 + 3 + 2 });
		assert.match(res.headers.get('request-id') ?? '', /^req_/);
		const r = server.requests[0];
		assert.equal(r.authHeader, 'x-api-key');
		assert.equal(r.authScheme, 'x-api-key');
		assert.ok(r.keyEquals(KEY));
		assert.equal(r.headers['anthropic-beta'], 'token-counting-2024-11-01');
	});

	it('requires anthropic-version and rejects unknown versions', async () => {
		const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
		const missing = await post(server, '/v1/messages/count_tokens', { 'x-api-key': KEY }, body);
		assert.equal(missing.status, 400);
		assert.equal(missing.json.type, 'error');
		assert.equal(missing.json.error.type, 'invalid_request_error');
		assert.match(missing.json.error.message, /anthropic-version/);
		const wrong = await post(server, '/v1/messages/count_tokens', { 'x-api-key': KEY, 'anthropic-version': '2020-01-01' }, body);
		assert.equal(wrong.status, 400);
		assert.match(wrong.json.error.message, /anthropic-version/);
	});

	it('answers 401 authentication_error without a key, with the documented error body', async () => {
		const res = await post(server, '/v1/messages/count_tokens', { 'anthropic-version': '2023-06-01' }, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
		assert.equal(res.status, 401);
		assert.equal(res.json.type, 'error');
		assert.equal(res.json.error.type, 'authentication_error');
		assert.match(res.json.request_id, /^req_/);
		assert.equal(res.json.request_id, res.headers.get('request-id'));
		assert.equal(server.requests[0].hasKey, false);
		assert.equal(server.requests[0].authHeader, undefined);
	});

	it('accepts only validKeys when given: a wrong key is an AuthenticationError in the SDK', async () => {
		const strict = await startCountServer({ validKeys: [KEY] });
		try {
			const good = new Anthropic({ apiKey: KEY, baseURL: strict.url, maxRetries: 0 });
			const bad = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: strict.url, maxRetries: 0 });
			const body = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
			assert.equal((await good.messages.countTokens(body)).input_tokens, 11);
			const err = await rejects(bad.messages.countTokens(body), Anthropic.AuthenticationError);
			assert.equal(err.status, 401);
			assert.equal(err.type, 'authentication_error');
			assert.ok(!err.message.includes('sk-ant-wrong'));
			assert.deepEqual(strict.requests.map((r) => r.status), [200, 401]);
		} finally {
			await strict.close();
		}
	});

	describe('body validation like the real API', () => {
		const cases: Array<[string, unknown, RegExp]> = [
			['max_tokens is not a count_tokens field', { model: 'm', max_tokens: 1024, messages: [{ role: 'user', content: 'x' }] }, /^max_tokens: Extra inputs are not permitted$/],
			['temperature neither', { model: 'm', temperature: 1, messages: [{ role: 'user', content: 'x' }] }, /^temperature: Extra inputs are not permitted$/],
			['model is required', { messages: [{ role: 'user', content: 'x' }] }, /^model: Field required$/],
			['model must be a string', { model: 5, messages: [{ role: 'user', content: 'x' }] }, /^model: /],
			['messages is required', { model: 'm' }, /^messages: Field required$/],
			['messages must be a list', { model: 'm', messages: 'hi' }, /^messages: Input should be a valid list$/],
			['messages must not be empty', { model: 'm', messages: [] }, /^messages: List should have at least 1 item/],
			['roles are user/assistant', { model: 'm', messages: [{ role: 'system', content: 'x' }] }, /^messages\.0\.role: Input should be 'user' or 'assistant'$/],
			['content is required', { model: 'm', messages: [{ role: 'user' }] }, /^messages\.0\.content: Field required$/],
			['content is a string or list', { model: 'm', messages: [{ role: 'user', content: 5 }] }, /^messages\.0\.content: Input should be a valid string or list/],
			['blocks are typed', { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }, /^messages\.0\.content\.0: Unable to extract tag/],
			['block types are known', { model: 'm', messages: [{ role: 'user', content: [{ type: 'txt', text: 'x' }] }] }, /^messages\.0\.content\.0: Input tag 'txt'/],
			['text blocks carry text', { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [{ type: 'text' }] }] }, /^messages\.1\.content\.0\.text: Field required$/],
			['system is a string or text blocks', { model: 'm', system: [{ type: 'image', source: {} }], messages: [{ role: 'user', content: 'x' }] }, /^system\.0\.type: Input should be 'text'$/],
			['tools need names', { model: 'm', tools: [{ description: 'd' }], messages: [{ role: 'user', content: 'x' }] }, /^tools\.0\.name: Field required$/],
		];
		for (const [name, body, message] of cases) {
			it(`${name} → 400 invalid_request_error (BadRequestError)`, async () => {
				const err = await rejects(client.messages.countTokens(body as any), Anthropic.BadRequestError);
				assert.equal(err.status, 400);
				assert.equal(err.type, 'invalid_request_error');
				assert.match(err.apiMessage ?? '', message);
				assert.match(err.requestID ?? '', /^req_/);
			});
		}

		it('rejects more than 100,000 messages and accepts exactly 100,000', async () => {
			const many = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' as const : 'user' as const, content: 'x' }));
			const err = await rejects(client.messages.countTokens({ model: 'm', messages: many(100_001) }), Anthropic.BadRequestError);
			assert.match(err.apiMessage ?? '', /at most 100000 items/);
			const ok = await client.messages.countTokens({ model: 'm', messages: many(100_000) });
			assert.equal(ok.input_tokens, 7 + 100_000 * (3 + 1));
		});

		it('accepts system, tools, tool_choice, thinking, cache_control and typed blocks', async () => {
			const body: any = {
				model: 'claude-opus-4-5',
				system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
				tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
				tool_choice: { type: 'auto' },
				thinking: { type: 'enabled', budget_tokens: 2048 },
				messages: [
					{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
					{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
					{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' }] },
				],
			};
			const result = await client.messages.countTokens(body);
			assert.equal(result.input_tokens, utf8CountRule(body));
		});

		it('answers 413 request_too_large over 32 MB (ContentTooLargeError) and 200 just under', async function () {
			this.timeout(30_000);
			const big = 'a'.repeat(32 * 1024 * 1024);
			const err = await rejects(client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: big }] }), Anthropic.ContentTooLargeError);
			assert.equal(err.status, 413);
			assert.equal(err.type, 'request_too_large');
			assert.equal(server.requests[0].bodyBytes > 32 * 1024 * 1024, true);
			assert.equal(server.requests[0].body, undefined);
			const fits = 'a'.repeat(32 * 1024 * 1024 - 100);
			const ok = await client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: fits }] });
			assert.equal(ok.input_tokens, 7 + 3 + Math.ceil(fits.length / 4));
		});

		it('answers 404 not_found_error for an unknown model when the model list is given', async () => {
			const limited = await startCountServer({ models: ['claude-haiku-4-5'] });
			try {
				const c = new Anthropic({ apiKey: KEY, baseURL: limited.url, maxRetries: 0 });
				assert.equal((await c.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] })).input_tokens, 11);
				const err = await rejects(c.messages.countTokens({ model: 'claude-nope', messages: [{ role: 'user', content: 'x' }] }), Anthropic.NotFoundError);
				assert.equal(err.type, 'not_found_error');
				assert.match(err.apiMessage ?? '', /claude-nope/);
			} finally {
				await limited.close();
			}
		});
	});

	describe('fault injection', () => {
		const body = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };

		const statuses: Array<[number, new (...args: any[]) => Error, string]> = [
			[400, Anthropic.BadRequestError, 'invalid_request_error'],
			[401, Anthropic.AuthenticationError, 'authentication_error'],
			[403, Anthropic.PermissionDeniedError, 'permission_error'],
			[404, Anthropic.NotFoundError, 'not_found_error'],
			[413, Anthropic.ContentTooLargeError, 'request_too_large'],
			[500, Anthropic.InternalServerError, 'api_error'],
			[529, Anthropic.InternalServerError, 'overloaded_error'],
		];
		for (const [status, cls, type] of statuses) {
			it(`${status} → ${cls.name} with error.type ${type}`, async () => {
				server.inject({ status });
				const err = await rejects(client.messages.countTokens(body), cls) as InstanceType<typeof Anthropic.APIError>;
				assert.equal(err.status, status);
				assert.equal(err.type, type);
				assert.match(err.requestID ?? '', /^req_/);
				assert.equal(server.requests[0].status, status);
				assert.deepEqual(server.requests[0].fault, { status });
				// The queue held one fault: the next call succeeds.
				assert.equal((await client.messages.countTokens(body)).input_tokens, 11);
			});
		}

		it('529 is the SDK\'s OverloadedError', async () => {
			server.inject({ status: 529 });
			const err = await rejects(client.messages.countTokens(body), Anthropic.InternalServerError);
			assert.equal(err.constructor.name, 'OverloadedError');
		});

		it('429 → RateLimitError carrying retry-after', async () => {
			server.inject({ status: 429, retryAfter: 7 });
			const err = await rejects(client.messages.countTokens(body), Anthropic.RateLimitError);
			assert.equal(err.status, 429);
			assert.equal(err.type, 'rate_limit_error');
			assert.equal(err.headers?.get('retry-after'), '7');
		});

		it('429 with retry-after is retried by the SDK when retries are allowed', async () => {
			server.inject({ status: 429, retryAfter: 0 });
			const retrying = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 1 });
			assert.equal((await retrying.messages.countTokens(body)).input_tokens, 11);
			assert.deepEqual(server.requests.map((r) => r.status), [429, 200]);
		});

		it('custom error type and message', async () => {
			server.inject({ status: 403, errorType: 'billing_error', message: 'Your credit balance is too low.' });
			const err = await rejects(client.messages.countTokens(body), Anthropic.PermissionDeniedError);
			assert.equal(err.type, 'billing_error');
			assert.equal(err.apiMessage, 'Your credit balance is too low.');
		});

		it('a dropped connection is an APIConnectionError, and the request is still recorded', async () => {
			server.inject({ drop: true });
			await rejects(client.messages.countTokens(body), Anthropic.APIConnectionError);
			assert.equal(server.requests.length, 1);
			assert.equal(server.requests[0].dropped, true);
			assert.equal(server.requests[0].status, undefined);
			assert.equal((await client.messages.countTokens(body)).input_tokens, 11);
		});

		it('latency delays the answer; a short SDK timeout turns it into APIConnectionTimeoutError', async () => {
			server.inject({ latencyMs: 150 });
			const started = Date.now();
			assert.equal((await client.messages.countTokens(body)).input_tokens, 11);
			assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
			server.inject({ latencyMs: 500 });
			await rejects(client.messages.countTokens(body, { timeout: 50 }), Anthropic.APIConnectionTimeoutError);
		});

		it('faults apply in order to the next N requests, then requests succeed again', async () => {
			server.inject({ status: 500 }, 2);
			server.inject({ status: 429 });
			const results: Array<number | string> = [];
			for (let i = 0; i < 4; i++) {
				try {
					results.push((await client.messages.countTokens(body)).input_tokens);
				} catch (err) {
					results.push((err as InstanceType<typeof Anthropic.APIError>).status ?? 'error');
				}
			}
			assert.deepEqual(results, [500, 500, 429, 11]);
			assert.equal(server.requests.length, 4);
		});

		it('reset() clears recorded requests and pending faults', async () => {
			server.inject({ status: 500 }, 3);
			await client.messages.countTokens(body).catch(() => undefined);
			assert.equal(server.requests.length, 1);
			server.reset();
			assert.equal(server.requests.length, 0);
			assert.equal((await client.messages.countTokens(body)).input_tokens, 11);
		});
	});

	describe('Models API', () => {
		it('lists every model of the pricing table, page by page, with windows and max output', async () => {
			const seen: Anthropic.Models.ModelInfo[] = [];
			for await (const m of client.models.list({ limit: 4 })) {
				seen.push(m);
			}
			const expected = defaultModelInfos();
			assert.deepEqual(seen.map((m) => m.id), expected.map((m) => m.id));
			assert.equal(server.requests.length, Math.ceil(expected.length / 4));
			assert.ok(server.requests.every((r) => r.method === 'GET' && r.path === '/v1/models' && r.status === 200));
			const sonnet = seen.find((m) => m.id === 'claude-sonnet-4-5-20250929');
			assert.equal(sonnet?.max_input_tokens, 200_000);
			assert.equal(sonnet?.max_tokens, 64_000);
			assert.equal(sonnet?.display_name, 'Claude Sonnet 4.5');
			assert.equal((sonnet as any)?.aliases, undefined);
			assert.equal(seen.find((m) => m.id === 'claude-opus-5')?.max_input_tokens, 1_000_000);
		});

		it('retrieves a model by id or alias; unknown ids are NotFoundError', async () => {
			assert.equal((await client.models.retrieve('claude-sonnet-4-5')).id, 'claude-sonnet-4-5-20250929');
			assert.equal((await client.models.retrieve('claude-haiku-4-5-20251001')).max_input_tokens, 200_000);
			const err = await rejects(client.models.retrieve('claude-nope'), Anthropic.NotFoundError);
			assert.equal(err.type, 'not_found_error');
		});

		it('pages backwards with before_id and checks limit', async () => {
			const ids = defaultModelInfos().map((m) => m.id);
			const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
			const back = await (await fetch(`${server.url}/v1/models?limit=2&before_id=${ids[3]}`, { headers })).json();
			assert.deepEqual(back.data.map((m: { id: string }) => m.id), [ids[1], ids[2]]);
			assert.equal(back.has_more, true);
			assert.equal(back.first_id, ids[1]);
			const bad = await fetch(`${server.url}/v1/models?limit=0`, { headers });
			assert.equal(bad.status, 400);
		});

		it('serves the list given in options, and requires the key like count_tokens', async () => {
			const custom = await startCountServer({ validKeys: [KEY], modelInfos: [{ type: 'model', id: 'claude-x', display_name: 'X', created_at: '2026-01-01T00:00:00Z', max_input_tokens: 1000, max_tokens: 10, capabilities: null, lifecycle: 'active', line: null, deprecated_at: null, retires_at: null }] });
			try {
				const c = new Anthropic({ apiKey: KEY, baseURL: custom.url, maxRetries: 0 });
				const page = await c.models.list();
				assert.deepEqual(page.data.map((m) => [m.id, m.max_input_tokens]), [['claude-x', 1000]]);
				const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: custom.url, maxRetries: 0 });
				await rejects(wrong.models.list(), Anthropic.AuthenticationError);
			} finally {
				await custom.close();
			}
		});
	});

	describe('counting and request log', () => {
		it('setCount replaces the figure and receives body and model; setCount() restores the rule', async () => {
			const seen: string[] = [];
			server.setCount((b, model) => {
				seen.push(model);
				return 1000 + b.messages.length;
			});
			const body = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'x' }, { role: 'assistant' as const, content: 'y' }, { role: 'user' as const, content: 'z' }] };
			assert.equal((await client.messages.countTokens(body)).input_tokens, 1003);
			assert.deepEqual(seen, ['claude-haiku-4-5']);
			server.setCount();
			assert.equal((await client.messages.countTokens(body)).input_tokens, utf8CountRule(body));
		});

		it('a count function that throws becomes 500 api_error', async () => {
			server.setCount(() => {
				throw new Error('boom');
			});
			const err = await rejects(client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), Anthropic.InternalServerError);
			assert.equal(err.type, 'api_error');
		});

		it('counts every request, concurrent ones included, and waitForRequests resolves when they are answered', async () => {
			const calls = Array.from({ length: 12 }, (_, i) => client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(i * 4) }] }));
			const all = await Promise.all(calls);
			assert.deepEqual(all.map((r) => r.input_tokens), Array.from({ length: 12 }, (_, i) => 7 + 3 + i));
			const seen = await server.waitForRequests(12, 1000);
			assert.equal(seen.length, 12);
			assert.ok(seen.every((r) => r.status === 200 && typeof r.durationMs === 'number'));
			await assert.rejects(server.waitForRequests(13, 50), /expected 13 answered requests/);
		});

		it('unknown paths answer 404 in the Anthropic error shape', async () => {
			const res = await post(server, '/v1/nope', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, '{}');
			assert.equal(res.status, 404);
			assert.equal(res.json.error.type, 'not_found_error');
		});

		it('reports each answered request to onRequest', async () => {
			const lines: string[] = [];
			const logged = await startCountServer({ onRequest: (r) => lines.push(`${r.method} ${r.path} ${r.status} ${r.authScheme}`) });
			try {
				const c = new Anthropic({ apiKey: KEY, baseURL: logged.url, maxRetries: 0 });
				await c.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
				assert.deepEqual(lines, ['POST /v1/messages/count_tokens 200 bearer']);
			} finally {
				await logged.close();
			}
		});
	});
});

describe('count server: Bedrock CountTokens through @aws-sdk/client-bedrock-runtime', function () {
	this.timeout(10_000);
	let server: CountServer;
	let client: BedrockRuntimeClient;
	const MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
	/** The SDK types the InvokeModel body as bytes and sends it base64-encoded in the JSON document. */
	const invoke = (body: object) => ({ invokeModel: { body: new TextEncoder().encode(JSON.stringify(body)) } });
	const invokeBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 512, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello from Bedrock' }] };

	before(async () => {
		server = await startCountServer();
		client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
	});
	after(async () => {
		client.destroy();
		await server.close();
	});
	beforeEach(() => {
		server.reset();
		server.setBedrockCount();
	});

	it('counts an InvokeModel body (sent base64 inside {input:{invokeModel:{body}}})', async () => {
		const out = await client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) }));
		const expected = utf8CountRule({ system: invokeBody.system, messages: invokeBody.messages });
		assert.equal(out.inputTokens, expected);
		const r = server.requests[0];
		assert.equal(r.provider, 'bedrock');
		assert.equal(r.method, 'POST');
		assert.equal(r.path, `/model/${encodeURIComponent(MODEL)}/count-tokens`);
		assert.equal(r.model, MODEL);
		const sent = r.body as any;
		assert.equal(typeof sent.input.invokeModel.body, 'string');
		assert.deepEqual(JSON.parse(Buffer.from(sent.input.invokeModel.body, 'base64').toString('utf8')), invokeBody);
	});

	it('gets the same base64 document when the InvokeModel body is passed as a string', async () => {
		await client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) }));
		await client.send(new CountTokensCommand({ modelId: MODEL, input: { invokeModel: { body: JSON.stringify(invokeBody) as any } } }));
		assert.deepEqual(server.requests[1].body, server.requests[0].body);
		assert.deepEqual(server.requests.map((r) => r.status), [200, 200]);
	});

	it('counts a Converse input (messages and system text blocks)', async () => {
		const out = await client.send(new CountTokensCommand({
			modelId: MODEL,
			input: { converse: { system: [{ text: 'Be brief.' }], messages: [{ role: 'user', content: [{ text: 'Hello from Converse' }] }] } },
		}));
		assert.equal(out.inputTokens, 7 + 3 + stringTokens('Be brief.') + stringTokens('Hello from Converse'));
		assert.deepEqual(server.requests[0].body, { input: { converse: { system: [{ text: 'Be brief.' }], messages: [{ role: 'user', content: [{ text: 'Hello from Converse' }] }] } } });
	});

	it('gets a SigV4-signed request and never shows the signature', async () => {
		await client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) }));
		const r = server.requests[0];
		assert.equal(r.authHeader, 'authorization');
		assert.equal(r.authScheme, 'aws-sigv4');
		assert.ok(r.keyEquals('AKIDTEST'));
		assert.equal(r.headers['authorization'], 'AWS4-HMAC-SHA256 [redacted]');
		assert.match(r.headers['x-amz-date'], /^\d{8}T\d{6}Z$/);
	});

	it('uses setBedrockCount when given, with the decoded input and the model id', async () => {
		const seen: unknown[] = [];
		server.setBedrockCount((input, modelId) => {
			seen.push([input, modelId]);
			return 42;
		});
		const out = await client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) }));
		assert.equal(out.inputTokens, 42);
		assert.deepEqual(seen, [[{ invokeModel: { body: invokeBody } }, MODEL]]);
	});

	for (const profile of ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'global.anthropic.claude-opus-4-5-20251101-v1:0', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0']) {
		it(`rejects the inference profile ${profile.slice(0, 24)}… with ValidationException`, async () => {
			const err = await rejects(client.send(new CountTokensCommand({ modelId: profile, input: invoke(invokeBody) })), ValidationException);
			assert.equal(err.$metadata.httpStatusCode, 400);
			assert.match(err.message, /model identifier is invalid/);
			assert.equal(server.requests[0].model, profile);
		});
	}

	it('rejects an InvokeModel body without anthropic_version', async () => {
		const { anthropic_version: _v, ...rest } = invokeBody;
		const err = await rejects(client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(rest) })), ValidationException);
		assert.match(err.message, /anthropic_version/);
	});

	it('rejects unsigned requests (403 MissingAuthenticationTokenException)', async () => {
		const res = await post(server, `/model/${encodeURIComponent(MODEL)}/count-tokens`, {}, JSON.stringify({ input: { converse: { messages: [{ role: 'user', content: [{ text: 'x' }] }] } } }));
		assert.equal(res.status, 403);
		assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
	});

	it('rejects an access key id outside validAccessKeyIds', async () => {
		const strict = await startCountServer({ validAccessKeyIds: ['AKIDGOOD'] });
		const bad = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: strict.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
		try {
			const err = await rejects(bad.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) })), Error);
			assert.equal((err as any).$metadata?.httpStatusCode, 403);
			assert.equal(err.name, 'UnrecognizedClientException');
		} finally {
			bad.destroy();
			await strict.close();
		}
	});

	it('injected 429 is a ThrottlingException; 500 an InternalServerException', async () => {
		server.inject({ status: 429 });
		const throttled = await rejects(client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) })), ThrottlingException);
		assert.equal(throttled.$metadata.httpStatusCode, 429);
		server.inject({ status: 500 });
		const failed = await rejects(client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) })), Error);
		assert.equal(failed.name, 'InternalServerException');
		assert.deepEqual(server.requests.map((r) => r.status), [429, 500]);
	});

	it('a dropped connection fails the command, and the server counted it', async () => {
		server.inject({ drop: true });
		await rejects(client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) })), Error);
		assert.equal(server.requests.length, 1);
		assert.equal(server.requests[0].dropped, true);
		// A fresh connection works again.
		const out = await client.send(new CountTokensCommand({ modelId: MODEL, input: invoke(invokeBody) }));
		assert.ok((out.inputTokens ?? 0) > 0);
	});
});
