import type { SettingId } from './config';

/**
 * What a changed setting sets off, besides what every change does (the service's options, the rate limit,
 * the provider toggles, the status bar). Kept as data so the relation reads in one place and is tested.
 */
export type SettingEffect =
	/** Build a new Anthropic counter for the new endpoint. */
	| 'apiCounter'
	/** Build a new Bedrock counter for the new region or endpoint. */
	| 'bedrockCounter'
	/** Say what is wrong with the endpoints (and that a folder's endpoint setting is ignored). */
	| 'reportEndpoint'
	/** Lift a retry-after pause: it belongs to the endpoint or account that asked for it. */
	| 'resumeLimiter'
	/** Count every document again, dropping the exact counts cached for the old endpoint or key. */
	| 'recountClearCache'
	/** Count every document again (a new mode or model); cached counts still apply. */
	| 'recount'
	/** Read the visible documents again (the extension was switched on). */
	| 'rescan'
	| 'diagnostics'
	/** The prompt-file and selection status items. */
	| 'statusItems'
	| 'contextView'
	| 'schemas';

export const SETTING_EFFECTS: Readonly<Record<SettingId, readonly SettingEffect[]>> = {
	'enable': ['diagnostics', 'recount', 'rescan', 'statusItems'],
	'countingMode': ['recount'],
	'defaultModel': ['recount', 'statusItems', 'contextView'],
	'api.countDelay': [],
	'api.baseURL': ['apiCounter', 'reportEndpoint', 'resumeLimiter', 'recountClearCache'],
	'api.requestsPerMinute': [],
	'api.useEnvironmentKey': ['recountClearCache'],
	'bedrock.enabled': ['reportEndpoint', 'recount'],
	'bedrock.region': ['bedrockCounter', 'resumeLimiter', 'recountClearCache'],
	'bedrock.modelId': ['recount'],
	'bedrock.endpoint': ['bedrockCounter', 'reportEndpoint', 'resumeLimiter', 'recountClearCache'],
	'statusBar.enabled': ['statusItems'],
	'codeLens.enabled': [],
	'hover.enabled': [],
	'diagnostics.enabled': ['diagnostics'],
	'pricing.overrides': ['diagnostics', 'statusItems', 'contextView'],
	'budget.maxInputTokens': ['diagnostics'],
	'budget.maxCost': ['diagnostics'],
	'routing.haikuBelow': [],
	'routing.sonnetBelow': [],
	'prompts.enabled': ['statusItems'],
	'prompts.include': ['statusItems'],
	'prompts.apiCounting': ['statusItems'],
	'selection.enabled': ['statusItems'],
	'schema.fileMatch': ['schemas'],
};

/** The effects of a change that touches the settings for which `affects` is true. */
export function settingEffects(affects: (id: SettingId) => boolean): Set<SettingEffect> {
	const out = new Set<SettingEffect>();
	for (const [id, effects] of Object.entries(SETTING_EFFECTS) as [SettingId, readonly SettingEffect[]][]) {
		if (affects(id)) {
			effects.forEach((e) => out.add(e));
		}
	}
	// A recount that clears the cache is the recount.
	if (out.has('recountClearCache')) {
		out.delete('recount');
	}
	return out;
}
