import * as vscode from 'vscode';
import type { ModelOverrides } from './core/cost';
import { endpointProblem } from './core/count/endpoint';
import type { CountingMode } from './core/service';

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
	/** Extra globs that get the request JSON schema (besides *.claude.json and *.request.json). */
	readonly schema: { readonly fileMatch: readonly string[] };
}

export type SettingId =
	| 'enable' | 'countingMode' | 'defaultModel' | 'api.countDelay'
	| 'api.baseURL' | 'api.requestsPerMinute' | 'api.useEnvironmentKey'
	| 'bedrock.enabled' | 'bedrock.region' | 'bedrock.modelId' | 'bedrock.endpoint'
	| 'statusBar.enabled' | 'codeLens.enabled' | 'hover.enabled' | 'diagnostics.enabled'
	| 'pricing.overrides' | 'budget.maxInputTokens' | 'budget.maxCost' | 'routing.haikuBelow' | 'routing.sonnetBelow' | 'schema.fileMatch';

function clamp(n: number, lo: number, hi: number, fallback: number): number {
	return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
}

function positive(n: number | null | undefined): number | undefined {
	return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function stringList(v: unknown): string[] {
	return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim().length > 0).map((x) => x.trim()) : [];
}

function objectSetting(v: unknown): ModelOverrides {
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as ModelOverrides) : {};
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
			baseURL: c.get('api.baseURL', '').trim(),
			requestsPerMinute: clamp(c.get('api.requestsPerMinute', 50), 1, 100_000, 50),
			useEnvironmentKey: c.get('api.useEnvironmentKey', false),
		},
		bedrock: {
			enabled: c.get('bedrock.enabled', false),
			region: c.get('bedrock.region', 'us-east-1').trim() || 'us-east-1',
			modelId: c.get('bedrock.modelId', '').trim(),
			endpoint: c.get('bedrock.endpoint', '').trim(),
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

/** What is wrong with the configured counting endpoint, if anything (empty means Anthropic's own). */
export function checkEndpoint(url: string): string | undefined {
	return url ? endpointProblem(url, 'claudeTokenMeter.api.baseURL') : undefined;
}
