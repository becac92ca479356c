import * as assert from 'node:assert/strict';
import { BedrockCounter, bareBedrockModelId } from '../../src/core/count/bedrockCounter';
import { CountError } from '../../src/core/count/errors';
import { detectRequests } from '../core';
import { startCountServer, type CountServer } from '../server/countServer';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const credentials = { accessKeyId: 'AKIDBEDROCKTEST', secretAccessKey: 'bedrock-secret-value-123' };

describe('BedrockCounter through the AWS SDK against the local server', function () {
	this.timeout(20_000);
	let server: CountServer;
	before(async () => { server = await startCountServer(); });
	after(async () => server.close());
	beforeEach(() => server.reset());

	const counter = () => new BedrockCounter({ region: 'us-east-1', endpoint: server.url, credentials });

	it('strips inference-profile prefixes and ARNs down to the bare model id Bedrock counts', () => {
		assert.equal(bareBedrockModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 'anthropic.claude-sonnet-4-5-20250929-v1:0');
		assert.equal(bareBedrockModelId('global.anthropic.claude-haiku-4-5-20251001-v1:0'), 'anthropic.claude-haiku-4-5-20251001-v1:0');
		assert.equal(bareBedrockModelId('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0'), 'anthropic.claude-opus-4-1-20250805-v1:0');
		assert.equal(bareBedrockModelId('anthropic.claude-3-5-haiku-20241022-v1:0'), 'anthropic.claude-3-5-haiku-20241022-v1:0');
	});

	it('counts an InvokeModel body found in a document, signed with SigV4', async () => {
		server.setBedrockCount(() => 77);
		const text = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Hello from Bedrock' }] });
		const [site] = await detectRequests(text, 'json', { bedrockModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' });
		assert.equal(site.shape, 'bedrock-invoke');
		const r = await counter().count({ provider: 'bedrock', model: site.bedrock?.modelId ?? site.payload.model, body: site.payload, bedrock: site.bedrock });
		assert.deepEqual(r, { inputTokens: 77, source: 'bedrock', exact: true, approximate: false, notes: [] });
		const req = server.requests[0];
		assert.equal(req.authScheme, 'aws-sigv4');
		assert.match(req.path, /^\/model\/anthropic\.claude-sonnet-4-5-20250929-v1(:|%3A)0\/count-tokens$/);
		assert.ok(!JSON.stringify(req).includes(credentials.secretAccessKey));
	});

	it('counts a Converse request', async () => {
		server.setBedrockCount((input) => ('converse' in input ? input.converse.messages.length * 10 : 0));
		const text = JSON.stringify({ modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0', messages: [{ role: 'user', content: [{ text: 'one' }] }, { role: 'assistant', content: [{ text: 'two' }] }, { role: 'user', content: [{ text: 'three' }] }] });
		const [site] = await detectRequests(text, 'json');
		assert.equal(site.shape, 'bedrock-converse');
		const r = await counter().count({ provider: 'bedrock', model: site.bedrock?.modelId ?? '', body: site.payload, bedrock: site.bedrock });
		assert.equal(r.inputTokens, 30);
	});

	it('builds an InvokeModel body from a Messages body when no raw input is given', async () => {
		server.setBedrockCount((input) => ('invokeModel' in input && input.invokeModel.body.anthropic_version === 'bedrock-2023-05-31' && !('model' in input.invokeModel.body) ? 5 : -1));
		const r = await counter().count({ provider: 'bedrock', model: 'anthropic.claude-haiku-4-5-20251001-v1:0', body: { model: 'anthropic.claude-haiku-4-5-20251001-v1:0', messages: [{ role: 'user', content: 'x' }] } });
		assert.equal(r.inputTokens, 5);
	});

	it('maps throttling and a missing model id to CountErrors, without the secret', async () => {
		server.inject({ status: 429 }, 3);
		const err = await counter().count({ provider: 'bedrock', model: 'anthropic.claude-haiku-4-5-20251001-v1:0', body: { model: '', messages: [{ role: 'user', content: 'x' }] } }).catch((e) => e);
		assert.ok(err instanceof CountError, String(err));
		assert.equal(err.kind, 'rate-limit');
		assert.ok(!err.message.includes(credentials.secretAccessKey));
		const none = await counter().count({ provider: 'bedrock', model: '', body: { model: '', messages: [] } }).catch((e) => e);
		assert.ok(none instanceof CountError && none.kind === 'invalid');
	});
});
