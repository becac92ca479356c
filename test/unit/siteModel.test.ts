/**
 * One answer to "which model is this request counted for?" (core/siteModel.ts): override > the site's own
 * model (a Bedrock body's modelId in code) > the document's `model` > the Bedrock setting > the default. The
 * result store, the batch estimator and the CLI all answer through it, so the same request gets the same
 * model on every path.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateBatchFile } from '../../src/core/batch';
import { TokenizerCounter } from '../../src/core/count/tokenizerCounter';
import { detectRequests, vocabs } from '../core';
import { TokenCountService } from '../../src/core/service';
import { siteModel } from '../../src/core/siteModel';
import type { RequestSite } from '../../src/core/types';
import { main } from '../../src/cli/main';
import type { JsonSite } from '../../src/cli/render';
import { DEFAULTS } from '../../src/core/defaults';

type Site = Pick<RequestSite, 'provider' | 'payload' | 'bedrock'>;
const anthropic = (model: string): Site => ({ provider: 'anthropic', payload: { model, messages: [] } });
const bedrock = (model: string, modelId?: string): Site => ({
	provider: 'bedrock', payload: { model, messages: [] }, bedrock: { modelId, input: { invokeModel: { body: {} } } },
});

describe('which model a request is counted for: one precedence', () => {
	const choice = { defaultModel: 'default-model', bedrockModelId: 'bedrock-setting' };

	it('an override wins over everything the document says', () => {
		assert.deepEqual(siteModel(anthropic('doc-model'), { ...choice, override: 'forced' }), { model: 'forced', fromDocument: false });
		assert.deepEqual(siteModel(bedrock('doc-model', 'code-id'), { ...choice, override: 'forced' }), { model: 'forced', fromDocument: false });
	});

	it('a Bedrock body: the modelId of its code, then its model field, then the setting, then the default', () => {
		assert.deepEqual(siteModel(bedrock('doc-model', 'code-id'), choice), { model: 'code-id', fromDocument: true });
		assert.deepEqual(siteModel(bedrock('doc-model'), choice), { model: 'doc-model', fromDocument: true });
		assert.deepEqual(siteModel(bedrock(''), choice), { model: 'bedrock-setting', fromDocument: false });
		assert.deepEqual(siteModel(bedrock(''), { defaultModel: 'default-model' }), { model: 'default-model', fromDocument: false });
	});

	it('an Anthropic request: its model field, then the default; the Bedrock setting does not apply', () => {
		assert.deepEqual(siteModel(anthropic('doc-model'), choice), { model: 'doc-model', fromDocument: true });
		assert.deepEqual(siteModel(anthropic(''), choice), { model: 'default-model', fromDocument: false });
	});

	const named = '{"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hello"}]}';
	// A Bedrock InvokeModel body names no model.
	const unnamed = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "hello"}]}';

	it('the result store counts a request for its own model, and one that names none for the default model', async () => {
		const service = new TokenCountService(
			{ detect: detectRequests, offline: new TokenizerCounter(vocabs), hasApiKey: () => false },
			{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-opus-4-7', bedrockEnabled: false },
		);
		try {
			const models: string[] = [];
			for (const [i, text] of [named, unnamed].entries()) {
				const doc = await service.update({ uri: `file:///m${i}.json`, version: 1, languageId: 'json', getText: () => text });
				models.push(doc!.sites[0].model);
			}
			assert.deepEqual(models, ['claude-haiku-4-5', 'claude-opus-4-7']);
		} finally {
			service.dispose();
		}
	});

	it('the batch estimator: the line\'s model, the default for lines that name none, and the override for all', async () => {
		const count = async () => ({ inputTokens: 10 });
		const lines = async function* () { yield named; yield unnamed; };
		const own = await estimateBatchFile(lines(), { count, defaultModel: 'claude-opus-4-7' });
		assert.deepEqual(own.models.map((m) => m.model).sort(), ['claude-haiku-4-5', 'claude-opus-4-7']);
		const forced = await estimateBatchFile(lines(), { count, defaultModel: 'claude-opus-4-7', model: 'claude-sonnet-4-5' });
		assert.deepEqual(forced.models.map((m) => m.model), ['claude-sonnet-4-5']);
	});

	it('the CLI: the file\'s model, the default for requests that name none, --model for all, and says which', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-model-'));
		try {
			fs.writeFileSync(path.join(dir, 'a.json'), named);
			fs.writeFileSync(path.join(dir, 'b.json'), unnamed);
			const run = async (...extra: string[]) => {
				let out = '';
				const code = await main(['count', path.join(dir, 'a.json'), path.join(dir, 'b.json'), '--json', ...extra], { out: (t) => { out += t; }, err: () => undefined }, {});
				assert.equal(code, 0);
				return (JSON.parse(out) as JsonSite[]).map((s) => [s.model, s.modelFromFile]);
			};
			assert.deepEqual(await run(), [['claude-haiku-4-5', true], [DEFAULTS.defaultModel, false]]);
			assert.deepEqual(await run('--model', 'claude-opus-4-7'), [['claude-opus-4-7', false], ['claude-opus-4-7', false]]);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
