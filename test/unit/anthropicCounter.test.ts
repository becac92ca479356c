import * as assert from 'node:assert/strict';
import { AnthropicCounter } from '../../src/core/count/anthropicCounter';
import { CountError, retryAfterMs, toCountError } from '../../src/core/count/errors';
import { startCountServer, type CountServer } from '../server/countServer';
import type { CountRequest } from '../../src/core/types';
import { isCancellation } from '../../src/core/util/abort';
import { redact } from '../../src/core/util/redact';
import { vocabs } from '../core';

const KEY = 'sk-ant-unit-abcdefghijklmnop';
const request: CountRequest = {
	provider: 'anthropic', model: 'claude-sonnet-4-5',
	body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello there' }] },
};

async function failure(p: Promise<unknown>): Promise<unknown> {
	try { await p; } catch (e) { return e; }
	assert.fail('expected a failure');
}

describe('AnthropicCounter through the SDK against the local server', function () {
	this.timeout(20_000);
	let server: CountServer;
	before(async () => { server = await startCountServer({ validKeys: [KEY] }); });
	after(async () => server.close());
	beforeEach(() => server.reset());

	const counter = (key: string | null = KEY) => new AnthropicCounter({ vocabs, getApiKey: () => key ?? undefined, baseURL: server?.url, maxRetries: 0, timeoutMs: 3_000 });

	it('counts exactly and sends the key and version headers', async () => {
		server.setCount(() => 42);
		const r = await counter().count(request);
		assert.deepEqual(r, { inputTokens: 42, source: 'api', exact: true, approximate: false, notes: [] });
		assert.equal(server.requests.length, 1);
		assert.ok(server.requests[0].keyEquals(KEY));
		assert.ok(server.requests[0].headers['anthropic-version']);
		server.setCount();
	});

	it('fails with no-key before any call when no key is set', async () => {
		const err = await failure(counter(null).count(request));
		assert.ok(err instanceof CountError && err.kind === 'no-key');
		assert.equal(server.requests.length, 0);
	});

	it('maps a rejected key to auth without echoing the key', async () => {
		const err = await failure(counter('sk-ant-wrong-key-123456').count(request));
		assert.ok(err instanceof CountError);
		assert.equal(err.kind, 'auth');
		assert.ok(!err.message.includes('sk-ant-wrong-key-123456'));
	});

	it('maps 429 with retry-after to rate-limit with the wait', async () => {
		server.inject({ status: 429, retryAfter: 7 });
		const err = await failure(counter().count(request));
		assert.ok(err instanceof CountError);
		assert.equal(err.kind, 'rate-limit');
		assert.equal(err.retryAfterMs, 7000);
		assert.ok(err.transient);
	});

	it('maps 529, 500, 413 and 400 to their kinds, with the API message for 400', async () => {
		for (const [status, kind] of [[529, 'overloaded'], [500, 'server'], [413, 'too-large'], [403, 'permission'], [404, 'not-found']] as const) {
			server.inject({ status });
			const err = await failure(counter().count(request));
			assert.ok(err instanceof CountError, `status ${status}`);
			assert.equal(err.kind, kind, `status ${status}`);
		}
		const bad = await failure(counter().count({ ...request, body: { ...request.body, max_tokens: 5 } }));
		assert.ok(bad instanceof CountError && bad.kind === 'invalid');
		assert.match(bad.message, /max_tokens/);
	});

	it('maps a dropped connection to network', async () => {
		server.inject({ drop: true });
		const err = await failure(counter().count(request));
		assert.ok(err instanceof CountError && err.kind === 'network', String(err));
	});

	it('is cancelled by its AbortSignal, which is not an error', async () => {
		server.inject({ latencyMs: 2_000 });
		const controller = new AbortController();
		const p = counter().count(request, controller.signal);
		setTimeout(() => controller.abort(), 50);
		assert.ok(isCancellation(await failure(p)));
	});
});

describe('error helpers', () => {
	it('reads retry-after in seconds, as a date, and retry-after-ms', () => {
		assert.equal(retryAfterMs({ 'retry-after': '3' }), 3000);
		assert.equal(retryAfterMs({ 'retry-after-ms': '250' }), 250);
		assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000), 6000);
		assert.equal(retryAfterMs({}), undefined);
	});

	it('redacts keys from every message', () => {
		assert.equal(redact('key sk-ant-api03-AbC_123 failed'), 'key sk-ant-«redacted» failed');
		assert.equal(redact('x-api-key: secret123', []), 'x-api-key: «redacted»');
		assert.equal(redact('authorization: Bearer abc.def', []), 'authorization: Bearer «redacted»');
		assert.equal(redact('my key is hunter22 ok', ['hunter22']), 'my key is «redacted» ok');
		const e = toCountError(new Error('connect ECONNREFUSED with sk-ant-zzz'), []);
		assert.ok(e instanceof CountError && e.kind === 'network' && !e.message.includes('sk-ant-zzz'));
	});
});

describe('context windows from the Models API', function () {
	this.timeout(20_000);
	it('lists models through the SDK and refines the table, never pricing unknown models', async () => {
		const { limitsFromModelsApi, mergeLiveLimits } = await import('../../src/core/cost/liveModels');
		const { lookupModel } = await import('../../src/core/cost');
		const server = await startCountServer();
		try {
			const counter = new AnthropicCounter({ vocabs, getApiKey: () => KEY, baseURL: server.url, maxRetries: 0 });
			const entries = await counter.listModels();
			assert.ok(entries.length > 5, `models listed (${entries.length})`);
			const limits = limitsFromModelsApi(entries);
			assert.ok(limits.every((l) => l.contextWindow === undefined || l.contextWindow > 0));
			// A live window different from the table wins; the user's override wins over both.
			const merged = mergeLiveLimits([
				{ id: 'claude-haiku-4-5', contextWindow: 300_000, maxOutput: 70_000 },
				{ id: 'claude-brand-new-9', contextWindow: 2_000_000 },
			], { 'claude-haiku-4-5': { maxOutput: 64_000 } });
			assert.equal(lookupModel('claude-haiku-4-5', merged)?.contextWindow, 300_000);
			assert.equal(lookupModel('claude-haiku-4-5', merged)?.maxOutput, 64_000);
			assert.equal(lookupModel('claude-brand-new-9', merged), undefined, 'no borrowed price for an unknown model');
			assert.deepEqual(limitsFromModelsApi([{ id: 'x' }, null, { id: 'y', max_input_tokens: 1000 }]), [{ id: 'y', contextWindow: 1000, maxOutput: undefined }]);
		} finally {
			await server.close();
		}
	});
});

describe('counting endpoint check', () => {
	it('allows https anywhere and plain http only on this machine', async () => {
		const { endpointProblem } = await import('../../src/core/count/endpoint');
		for (const ok of ['https://api.anthropic.com', 'https://proxy.example.com:8443/x', 'http://localhost:3000', 'http://127.0.0.1:9', 'http://127.1.2.3', 'http://[::1]:80']) {
			assert.equal(endpointProblem(ok, 'url'), undefined, ok);
		}
		assert.equal(endpointProblem('http://api.example.com', 'setting x'), 'setting x must use https (plain http is allowed only for localhost): http://api.example.com');
		assert.equal(endpointProblem('http://localhost.evil.com', 'u'), 'u must use https (plain http is allowed only for localhost): http://localhost.evil.com');
		assert.equal(endpointProblem('ftp://127.0.0.1', 'u'), 'u must use https (plain http is allowed only for localhost): ftp://127.0.0.1');
		assert.equal(endpointProblem('not a url', 'u'), 'u is not a URL: not a url');
	});

	it('judges loopback by address class, not by how the host name begins', async () => {
		const { endpointProblem } = await import('../../src/core/count/endpoint');
		// Names anyone can register or point anywhere: refused over http.
		for (const bad of ['http://127.attacker.example', 'http://127.0.0.1.nip.io:8080', 'http://localhost.', 'http://[::ffff:10.0.0.1]', 'http://0.0.0.0', 'http://[::]', 'http://128.0.0.1']) {
			assert.match(endpointProblem(bad, 'u') ?? '', /must use https/, bad);
		}
		// Every spelling of a loopback address the URL parser normalises: allowed.
		for (const ok of ['http://0x7f.1', 'http://2130706433', 'http://127.255.255.254:1', 'http://[0:0:0:0:0:0:0:1]', 'http://[::ffff:127.0.0.1]', 'http://LOCALHOST:9']) {
			assert.equal(endpointProblem(ok, 'u'), undefined, ok);
		}
	});

	it('checks ANTHROPIC_BASE_URL when the setting is empty, and never leaves the endpoint to the SDK', async () => {
		const { anthropicEndpoint, bedrockEndpoint } = await import('../../src/core/count/endpoint');
		assert.deepEqual(anthropicEndpoint('', 's', {}), { url: 'https://api.anthropic.com', source: 'the default endpoint', problem: undefined });
		const env = anthropicEndpoint('', 's', { ANTHROPIC_BASE_URL: 'http://127.attacker.example' });
		assert.equal(env.source, 'ANTHROPIC_BASE_URL');
		assert.match(env.problem ?? '', /^ANTHROPIC_BASE_URL must use https/);
		assert.equal(anthropicEndpoint('https://proxy.example', 's', { ANTHROPIC_BASE_URL: 'http://evil.example' }).problem, undefined, 'the setting wins over the environment');
		assert.equal(bedrockEndpoint('', 'b', {}), undefined);
		assert.match(bedrockEndpoint('', 'b', { AWS_ENDPOINT_URL: 'http://evil.example' })?.problem ?? '', /^AWS_ENDPOINT_URL must use https/);
		assert.equal(bedrockEndpoint('http://127.0.0.1:4000', 'b', { AWS_ENDPOINT_URL: 'http://evil.example' })?.problem, undefined);
	});

	it('passes the default endpoint to the SDK explicitly, so ANTHROPIC_BASE_URL is never read behind the check', async () => {
		const { AnthropicCounter } = await import('../../src/core/count/anthropicCounter');
		const seen: string[] = [];
		const saved = process.env.ANTHROPIC_BASE_URL;
		process.env.ANTHROPIC_BASE_URL = 'http://127.attacker.example';
		try {
			const counter = new AnthropicCounter({ vocabs,
				getApiKey: () => 'sk-ant-test-0123456789',
				maxRetries: 0,
				fetch: (async (url: string | URL | Request) => {
					seen.push(String(url instanceof Request ? url.url : url));
					return new Response(JSON.stringify({ input_tokens: 5 }), { status: 200, headers: { 'content-type': 'application/json' } });
				}) as typeof fetch,
			});
			await counter.count({ provider: 'anthropic', model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } });
		} finally {
			if (saved === undefined) { delete process.env.ANTHROPIC_BASE_URL; } else { process.env.ANTHROPIC_BASE_URL = saved; }
		}
		assert.equal(seen.length, 1);
		assert.match(seen[0], /^https:\/\/api\.anthropic\.com\/v1\/messages\/count_tokens/);
	});
});
