import * as vscode from 'vscode';
import type { ModelOverrides } from '../core/cost';
import { anthropicEndpoint, bedrockEndpoint, type Endpoint } from '../core/count/endpoint';
import type { CountingMode } from '../core/service';

export const SECTION = 'claudeTokenMeter';

/** Every setting the extension reads, typed; a renamed setting must fail to compile here. */
export interface Config {
	readonly enable: boolean;
	readonly countingMode: CountingMode;
	readonly debounceMs: number;
	readonly defaultModel: string;
	readonly api: {
		readonly baseURL: string;
		readonly requestsPerMinute: number;
		readonly useEnvironmentKey: boolean;
	};
	readonly bedrock: {
		readonly enabled: boolean;
		readonly region: string;
		readonly modelId: string;
		readonly endpoint: string;
	};
	readonly statusBar: { readonly enabled: boolean };
	readonly codeLens: { readonly enabled: boolean };
	readonly hover: { readonly enabled: boolean };
	readonly diagnostics: { readonly enabled: boolean };
	/** Per-model price/window overrides and additions (read by the pricing lookups). */
	readonly modelOverrides: ModelOverrides;
	readonly budget: { readonly maxInputTokens?: number; readonly maxCostUsd?: number };
	readonly routing: { readonly haiku: number; readonly sonnet: number };
	readonly prompts: {
		readonly enabled: boolean;
		/** Globs of files counted as prompts when they open. */
		readonly include: readonly string[];
		/** Also count prompt files exactly through the counting API (sends their text). Off by default. */
		readonly apiCounting: boolean;
	};
	readonly selection: { readonly enabled: boolean };
	/** Extra globs that get the request JSON schema (besides *.claude.json and *.request.json). */
	readonly schema: { readonly fileMatch: readonly string[] };
}

/** The package.json default of claudeTokenMeter.prompts.include. */
export const DEFAULT_PROMPT_GLOBS: readonly string[] = [
	'**/prompts/**', '**/*.prompt.md', '**/*.prompty', '**/CLAUDE.md', '**/CLAUDE.local.md', '**/AGENTS.md', '**/.claude/**/*.md',
];

export type SettingId =
	| 'enable' | 'countingMode' | 'defaultModel' | 'api.countDelay'
	| 'api.baseURL' | 'api.requestsPerMinute' | 'api.useEnvironmentKey'
	| 'bedrock.enabled' | 'bedrock.region' | 'bedrock.modelId' | 'bedrock.endpoint'
	| 'statusBar.enabled' | 'codeLens.enabled' | 'hover.enabled' | 'diagnostics.enabled'
	| 'pricing.overrides' | 'budget.maxInputTokens' | 'budget.maxCost' | 'routing.haikuBelow' | 'routing.sonnetBelow'
	| 'prompts.enabled' | 'prompts.include' | 'prompts.apiCounting' | 'selection.enabled' | 'schema.fileMatch';

function clamp(n: number, lo: number, hi: number, fallback: number): number {
	return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
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
	const mode = c.get<string>('countingMode', 'auto');
	return {
		enable: c.get('enable', true),
		countingMode: mode === 'api' || mode === 'offline' ? mode : 'auto',
		debounceMs: clamp(c.get('api.countDelay', 300), 0, 10_000, 300),
		defaultModel: c.get('defaultModel', 'claude-sonnet-5-5').trim() || 'claude-sonnet-5-5',
		api: {
			baseURL: userValue(c, 'api.baseURL'),
			requestsPerMinute: clamp(c.get('api.requestsPerMinute', 50), 1, 100_000, 50),
			useEnvironmentKey: c.get('api.useEnvironmentKey', false),
		},
		bedrock: {
			enabled: c.get('bedrock.enabled', false),
			region: c.get('bedrock.region', 'us-east-1').trim() || 'us-east-1',
			modelId: c.get('bedrock.modelId', '').trim(),
			endpoint: userValue(c, 'bedrock.endpoint'),
		},
		statusBar: { enabled: c.get('statusBar.enabled', true) },
		codeLens: { enabled: c.get('codeLens.enabled', true) },
		hover: { enabled: c.get('hover.enabled', true) },
		diagnostics: { enabled: c.get('diagnostics.enabled', true) },
		modelOverrides: objectSetting(c.get<unknown>('pricing.overrides')),
		budget: {
			maxInputTokens: positive(c.get<number | null>('budget.maxInputTokens', null)),
			maxCostUsd: positive(c.get<number | null>('budget.maxCost', null)),
		},
		routing: {
			haiku: clamp(c.get('routing.haikuBelow', 1500), 0, 10_000_000, 1500),
			sonnet: clamp(c.get('routing.sonnetBelow', 8000), 0, 10_000_000, 8000),
		},
		prompts: {
			enabled: c.get('prompts.enabled', true),
			include: globList(c.get<unknown>('prompts.include'), DEFAULT_PROMPT_GLOBS),
			apiCounting: c.get('prompts.apiCounting', false),
		},
		selection: { enabled: c.get('selection.enabled', true) },
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
