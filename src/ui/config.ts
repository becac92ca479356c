import * as vscode from 'vscode';
import type { ModelOverrides } from '../core/cost';
import { anthropicEndpoint, bedrockEndpoint, type Endpoint } from '../core/count/endpoint';
import { BOUNDS, COUNTING_MODES, DEFAULTS, defaultOf, type SettingId, type SettingValue, type Settings } from '../core/defaults';

export const SECTION = 'claudeTokenMeter';

/** Every setting the extension reads, typed; a renamed setting must fail to compile here. */
export interface Config {
	readonly enable: Settings['enable'];
	readonly countingMode: Settings['countingMode'];
	readonly debounceMs: number;
	readonly defaultModel: Settings['defaultModel'];
	readonly api: {
		readonly baseURL: string;
		readonly requestsPerMinute: number;
		readonly useEnvironmentKey: boolean;
	};
	readonly bedrock: Settings['bedrock'];
	readonly statusBar: Settings['statusBar'];
	readonly codeLens: Settings['codeLens'];
	readonly hover: Settings['hover'];
	readonly diagnostics: Settings['diagnostics'];
	/** Per-model price/window overrides and additions (read by the pricing lookups). */
	readonly modelOverrides: ModelOverrides;
	readonly budget: { readonly maxInputTokens?: number; readonly maxCostUsd?: number };
	readonly routing: { readonly haiku: number; readonly sonnet: number };
	readonly prompts: Settings['prompts'];
	readonly selection: Settings['selection'];
	readonly schema: Settings['schema'];
}

/** A setting's id below `claudeTokenMeter.`, derived from the settings' type in core/defaults.ts. */
export type { SettingId };

/** A setting's value, or its default (core/defaults.ts) when it is not set. */
function get<Id extends SettingId>(c: vscode.WorkspaceConfiguration, id: Id): SettingValue<Id> {
	return c.get<SettingValue<Id>>(id, defaultOf(id));
}

/** A numeric setting held to its bounds; its default when it is not a number. */
function clamped(c: vscode.WorkspaceConfiguration, id: 'api.countDelay' | 'api.requestsPerMinute' | 'routing.haikuBelow' | 'routing.sonnetBelow'): number {
	const n = get(c, id);
	const { min, max } = BOUNDS[id];
	return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : defaultOf(id);
}

/** A string setting, trimmed; its default when it is blank. */
function text(c: vscode.WorkspaceConfiguration, id: 'defaultModel' | 'bedrock.region' | 'bedrock.modelId'): string {
	return String(get(c, id)).trim() || defaultOf(id);
}

function positive(n: number | null | undefined): number | undefined {
	return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Settings that decide where the API key and the documents are sent. They are read from the user's own
 * (user or remote machine) settings only: a folder's `.vscode/settings.json` must not redirect the key.
 */
export const ENDPOINT_SETTINGS = ['api.baseURL', 'bedrock.endpoint'] as const satisfies readonly SettingId[];

function userValue(c: vscode.WorkspaceConfiguration, key: (typeof ENDPOINT_SETTINGS)[number]): string {
	const v = c.inspect<unknown>(key)?.globalValue;
	return typeof v === 'string' ? v.trim() : '';
}

/** The endpoint settings a workspace or folder tries to set (ignored), with the value it sets. */
export function workspaceEndpointValues(): { id: string; value: string }[] {
	const c = vscode.workspace.getConfiguration(SECTION);
	const out: { id: string; value: string }[] = [];
	for (const key of ENDPOINT_SETTINGS) {
		const i = c.inspect<unknown>(key);
		const v = i?.workspaceFolderValue ?? i?.workspaceValue;
		if (typeof v === 'string' && v.trim()) {
			out.push({ id: `${SECTION}.${key}`, value: v.trim() });
		}
	}
	return out;
}

function stringList(v: unknown): string[] {
	return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim().length > 0).map((x) => x.trim()) : [];
}

function objectSetting(v: unknown): ModelOverrides {
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as ModelOverrides) : {};
}

function globList(v: unknown, fallback: readonly string[]): readonly string[] {
	return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.trim() !== '').map((g) => g.trim()) : fallback;
}

export function readConfig(): Config {
	const c = vscode.workspace.getConfiguration(SECTION);
	const mode = get(c, 'countingMode');
	return {
		enable: get(c, 'enable'),
		countingMode: COUNTING_MODES.includes(mode) ? mode : DEFAULTS.countingMode,
		debounceMs: clamped(c, 'api.countDelay'),
		defaultModel: text(c, 'defaultModel'),
		api: {
			baseURL: userValue(c, 'api.baseURL'),
			requestsPerMinute: clamped(c, 'api.requestsPerMinute'),
			useEnvironmentKey: get(c, 'api.useEnvironmentKey'),
		},
		bedrock: {
			enabled: get(c, 'bedrock.enabled'),
			region: text(c, 'bedrock.region'),
			modelId: text(c, 'bedrock.modelId'),
			endpoint: userValue(c, 'bedrock.endpoint'),
		},
		statusBar: { enabled: get(c, 'statusBar.enabled') },
		codeLens: { enabled: get(c, 'codeLens.enabled') },
		hover: { enabled: get(c, 'hover.enabled') },
		diagnostics: { enabled: get(c, 'diagnostics.enabled') },
		modelOverrides: objectSetting(c.get<unknown>('pricing.overrides')),
		budget: {
			maxInputTokens: positive(get(c, 'budget.maxInputTokens')),
			maxCostUsd: positive(get(c, 'budget.maxCost')),
		},
		routing: {
			haiku: clamped(c, 'routing.haikuBelow'),
			sonnet: clamped(c, 'routing.sonnetBelow'),
		},
		prompts: {
			enabled: get(c, 'prompts.enabled'),
			include: globList(c.get<unknown>('prompts.include'), DEFAULTS.prompts.include),
			apiCounting: get(c, 'prompts.apiCounting'),
		},
		selection: { enabled: get(c, 'selection.enabled') },
		schema: { fileMatch: stringList(c.get<unknown>('schema.fileMatch')) },
	};
}

/** True when `e` touches one of the settings (or when there is no event: the first read). */
export function changed(e: vscode.ConfigurationChangeEvent | undefined, ...ids: SettingId[]): boolean {
	if (!e) {
		return true;
	}
	if (ids.length === 0) {
		return e.affectsConfiguration(SECTION);
	}
	return ids.some((id) => e.affectsConfiguration(`${SECTION}.${id}`));
}

/** The Anthropic endpoint in use: the setting, else ANTHROPIC_BASE_URL, else Anthropic's; with what is wrong with it. */
export function apiEndpoint(config: Config): Endpoint {
	return anthropicEndpoint(config.api.baseURL, `${SECTION}.api.baseURL`, process.env);
}

/** The Bedrock endpoint in use (undefined: the region's default), with what is wrong with it. */
export function awsEndpoint(config: Config): Endpoint | undefined {
	return bedrockEndpoint(config.bedrock.endpoint, `${SECTION}.bedrock.endpoint`, process.env);
}
