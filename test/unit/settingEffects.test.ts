/**
 * The setting → effect table that decides what a settings change sets off (src/ui/settingEffects.ts): every
 * declared setting has a row, and the effects of the settings that move the key, the endpoint, the figures and
 * the surfaces are the ones each needs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SettingId } from '../../src/ui/config';
import { SETTING_EFFECTS, settingEffects, type SettingEffect } from '../../src/ui/settingEffects';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const declared = Object.keys(pkg.contributes.configuration.properties as object).map((k) => k.replace(/^claudeTokenMeter\./, ''));

const effectsOf = (...ids: SettingId[]): SettingEffect[] => [...settingEffects((id) => ids.includes(id))].sort();

describe('setting effects', () => {
	it('has one row for each setting package.json declares, and none for another', () => {
		assert.deepEqual(Object.keys(SETTING_EFFECTS).sort(), [...declared].sort());
	});

	it('a new Anthropic endpoint: a new counter, the endpoint checked, the pause lifted, the cache dropped', () => {
		assert.deepEqual(effectsOf('api.baseURL'), ['apiCounter', 'recountClearCache', 'reportEndpoint', 'resumeLimiter']);
	});

	it('a new Bedrock region or endpoint: a new Bedrock counter; only the endpoint is checked', () => {
		assert.deepEqual(effectsOf('bedrock.region'), ['bedrockCounter', 'recountClearCache', 'resumeLimiter']);
		assert.deepEqual(effectsOf('bedrock.endpoint'), ['bedrockCounter', 'recountClearCache', 'reportEndpoint', 'resumeLimiter']);
	});

	it('the environment key setting drops cached exact counts (they may be another account\'s)', () => {
		assert.deepEqual(effectsOf('api.useEnvironmentKey'), ['recountClearCache']);
	});

	it('a mode or model change recounts with the cache kept', () => {
		assert.deepEqual(effectsOf('countingMode'), ['recount']);
		assert.deepEqual(effectsOf('bedrock.modelId'), ['recount']);
		assert.deepEqual(effectsOf('defaultModel'), ['contextView', 'recount', 'statusItems']);
		assert.deepEqual(effectsOf('bedrock.enabled'), ['recount', 'reportEndpoint']);
	});

	it('a recount that clears the cache replaces the plain recount when both are asked for', () => {
		assert.deepEqual(effectsOf('countingMode', 'api.baseURL'), ['apiCounter', 'recountClearCache', 'reportEndpoint', 'resumeLimiter']);
	});

	it('switching the extension on or off recounts, rescans, and refreshes diagnostics and the status items', () => {
		assert.deepEqual(effectsOf('enable'), ['diagnostics', 'recount', 'rescan', 'statusItems']);
	});

	it('budgets and prices refresh the diagnostics; prices also the status items and the context view', () => {
		assert.deepEqual(effectsOf('budget.maxInputTokens'), ['diagnostics']);
		assert.deepEqual(effectsOf('budget.maxCost'), ['diagnostics']);
		assert.deepEqual(effectsOf('diagnostics.enabled'), ['diagnostics']);
		assert.deepEqual(effectsOf('pricing.overrides'), ['contextView', 'diagnostics', 'statusItems']);
	});

	it('prompt and selection settings refresh the status items; the schema globs re-sync the schema', () => {
		for (const id of ['statusBar.enabled', 'prompts.enabled', 'prompts.include', 'prompts.apiCounting', 'selection.enabled'] as const) {
			assert.deepEqual(effectsOf(id), ['statusItems'], id);
		}
		assert.deepEqual(effectsOf('schema.fileMatch'), ['schemas']);
	});

	it('settings read on every use need nothing beyond what each change does', () => {
		for (const id of ['api.countDelay', 'api.requestsPerMinute', 'codeLens.enabled', 'hover.enabled', 'routing.haikuBelow', 'routing.sonnetBelow'] as const) {
			assert.deepEqual(effectsOf(id), [], id);
		}
		assert.deepEqual(effectsOf(), []);
	});
});
