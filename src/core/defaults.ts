/**
 * Every setting of `claudeTokenMeter.*` with its default, written once, and the settings snapshot the extension
 * reads them into (`Config`, one field per setting under its id; src/ui/config.ts gives it the editor's values).
 * The CLI takes its own defaults from here, and a unit test (test/unit/defaults.test.ts) checks that package.json's
 * `contributes.configuration` declares the same settings with the same defaults, types, enum values and bounds,
 * and that the snapshot holds each setting under its id. No `vscode` import: the CLI uses it.
 */
import type { ModelOverrides } from './cost';

/** `claudeTokenMeter.countingMode`, in the order package.json lists them. */
export const COUNTING_MODES = ['auto', 'api', 'offline'] as const;
export type CountingMode = (typeof COUNTING_MODES)[number];

/** The settings as package.json declares them: one field per setting, grouped by the id's dots. */
export interface Settings {
	readonly enable: boolean;
	readonly countingMode: CountingMode;
	readonly defaultModel: string;
	readonly api: {
		readonly countDelay: number;
		readonly requestsPerMinute: number;
		readonly baseURL: string;
		readonly useEnvironmentKey: boolean;
	};
	readonly budget: { readonly maxInputTokens: number | null; readonly maxCost: number | null };
	readonly statusBar: { readonly enabled: boolean };
	readonly codeLens: { readonly enabled: boolean };
	readonly hover: { readonly enabled: boolean };
	readonly diagnostics: { readonly enabled: boolean };
	readonly bedrock: {
		readonly enabled: boolean;
		readonly region: string;
		readonly modelId: string;
		readonly endpoint: string;
	};
	readonly routing: { readonly haikuBelow: number; readonly sonnetBelow: number };
	readonly pricing: { readonly overrides: ModelOverrides };
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

/** A group of settings (`api`, `bedrock` …) as opposed to one setting's value (a list, or a map like pricing.overrides). */
type Group<T> = T extends readonly unknown[] ? false : T extends object ? (string extends keyof T ? false : true) : false;

/** `a.b` ids of every setting of T. */
type Ids<T, Prefix extends string = ''> = {
	[K in keyof T & string]: Group<T[K]> extends true ? Ids<T[K], `${Prefix}${K}.`> : `${Prefix}${K}`;
}[keyof T & string];

/** A setting's id below `claudeTokenMeter.`, derived from Settings: a renamed setting fails to compile. */
export type SettingId = Ids<Settings>;

/** The value type of one setting. */
export type SettingValue<Id extends string, T = Settings> = Id extends `${infer Head}.${infer Rest}`
	? Head extends keyof T ? SettingValue<Rest, T[Head]> : never
	: Id extends keyof T ? T[Id] : never;

export const DEFAULTS: Settings = {
	enable: true,
	countingMode: 'auto',
	defaultModel: 'claude-sonnet-5-5',
	api: { countDelay: 300, requestsPerMinute: 50, baseURL: '', useEnvironmentKey: false },
	budget: { maxInputTokens: null, maxCost: null },
	statusBar: { enabled: true },
	codeLens: { enabled: true },
	hover: { enabled: true },
	diagnostics: { enabled: true },
	bedrock: { enabled: false, region: 'us-east-1', modelId: '', endpoint: '' },
	// The seed routing rule: small requests to Haiku, medium to Sonnet, large to Opus.
	routing: { haikuBelow: 1500, sonnetBelow: 8000 },
	pricing: { overrides: {} },
	prompts: {
		enabled: true,
		include: ['**/prompts/**', '**/*.prompt.md', '**/*.prompty', '**/CLAUDE.md', '**/CLAUDE.local.md', '**/AGENTS.md', '**/.claude/**/*.md'],
		apiCounting: false,
	},
	selection: { enabled: true },
	schema: { fileMatch: [] },
};

/**
 * Bounds the extension holds a number to (a value outside is clamped, a non-number replaced by the default).
 * Where package.json declares a minimum or maximum it is the same (the test checks); the upper bounds
 * package.json leaves open are only there to keep a typo from stalling the editor.
 */
export const BOUNDS = {
	'api.countDelay': { min: 0, max: 10_000 },
	'api.requestsPerMinute': { min: 1, max: 100_000 },
	'routing.haikuBelow': { min: 0, max: 10_000_000 },
	'routing.sonnetBelow': { min: 0, max: 10_000_000 },
	// Budgets: only a positive number is a budget; anything else is none.
	'budget.maxInputTokens': { min: 1 },
	'budget.maxCost': { min: 0 },
} as const satisfies Partial<Record<SettingId, { min: number; max?: number }>>;

/** Every setting id, in the order of DEFAULTS. */
export const SETTING_IDS: readonly SettingId[] = (function ids(node: object, prefix: string): string[] {
	return Object.entries(node).flatMap(([key, value]) => (isGroup(value) ? ids(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
})(DEFAULTS, '') as SettingId[];

/** Groups are the plain objects of DEFAULTS other than pricing.overrides (a map of models, one setting). */
function isGroup(value: unknown): value is object {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && value !== DEFAULTS.pricing.overrides;
}

/** The default of one setting. */
export function defaultOf<Id extends SettingId>(id: Id): SettingValue<Id> {
	let node: unknown = DEFAULTS;
	for (const key of id.split('.')) {
		node = (node as Record<string, unknown>)[key];
	}
	return node as SettingValue<Id>;
}

/**
 * The settings snapshot the extension reads: the settings' own type, one field per setting under its id
 * (`api.countDelay` is `config.api.countDelay`), so no setting has a second name. Only the budgets differ in
 * type: a budget that is not a positive number is none (undefined).
 */
export interface Config extends Omit<Settings, 'budget'> {
	readonly budget: { readonly maxInputTokens?: number; readonly maxCost?: number };
}

/** The settings that decide where the API key and the documents are sent: read from the user's own settings only. */
export const ENDPOINT_SETTINGS = ['api.baseURL', 'bedrock.endpoint'] as const satisfies readonly SettingId[];

/** Where a snapshot reads the settings from (the editor's configuration; tests give plain values). */
export interface SettingSource {
	/** A setting's value; undefined when it is not set (its default applies). */
	get(id: SettingId): unknown;
	/** An endpoint setting's value in the user's own (user or remote machine) settings, never a workspace's. */
	userValue(id: (typeof ENDPOINT_SETTINGS)[number]): unknown;
}

/** The settings as a snapshot: each held to its type and bounds, its default where it is unset or unusable. */
export function readSettings(source: SettingSource): Config {
	const get = <Id extends SettingId>(id: Id): SettingValue<Id> => {
		const v = source.get(id);
		return (v === undefined ? defaultOf(id) : v) as SettingValue<Id>;
	};
	/** A numeric setting held to its bounds; its default when it is not a number. */
	const clamped = (id: 'api.countDelay' | 'api.requestsPerMinute' | 'routing.haikuBelow' | 'routing.sonnetBelow'): number => {
		const n = get(id);
		const { min, max } = BOUNDS[id];
		return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : defaultOf(id);
	};
	/** A string setting, trimmed; its default when it is blank. */
	const text = (id: 'defaultModel' | 'bedrock.region' | 'bedrock.modelId'): string => String(get(id)).trim() || defaultOf(id);
	const endpoint = (id: (typeof ENDPOINT_SETTINGS)[number]): string => {
		const v = source.userValue(id);
		return typeof v === 'string' ? v.trim() : '';
	};
	const mode = get('countingMode');
	return {
		enable: get('enable'),
		countingMode: COUNTING_MODES.includes(mode) ? mode : DEFAULTS.countingMode,
		defaultModel: text('defaultModel'),
		api: {
			countDelay: clamped('api.countDelay'),
			requestsPerMinute: clamped('api.requestsPerMinute'),
			baseURL: endpoint('api.baseURL'),
			useEnvironmentKey: get('api.useEnvironmentKey'),
		},
		budget: {
			maxInputTokens: positive(get('budget.maxInputTokens')),
			maxCost: positive(get('budget.maxCost')),
		},
		statusBar: { enabled: get('statusBar.enabled') },
		codeLens: { enabled: get('codeLens.enabled') },
		hover: { enabled: get('hover.enabled') },
		diagnostics: { enabled: get('diagnostics.enabled') },
		bedrock: {
			enabled: get('bedrock.enabled'),
			region: text('bedrock.region'),
			modelId: text('bedrock.modelId'),
			endpoint: endpoint('bedrock.endpoint'),
		},
		routing: {
			haikuBelow: clamped('routing.haikuBelow'),
			sonnetBelow: clamped('routing.sonnetBelow'),
		},
		pricing: { overrides: objectSetting(source.get('pricing.overrides')) },
		prompts: {
			enabled: get('prompts.enabled'),
			include: globList(source.get('prompts.include'), DEFAULTS.prompts.include),
			apiCounting: get('prompts.apiCounting'),
		},
		selection: { enabled: get('selection.enabled') },
		schema: { fileMatch: globList(source.get('schema.fileMatch'), []) },
	};
}

function positive(n: number | null | undefined): number | undefined {
	return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function objectSetting(v: unknown): ModelOverrides {
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as ModelOverrides) : {};
}

/** The non-blank strings of a list setting, trimmed; `fallback` when it is not a list. */
function globList(v: unknown, fallback: readonly string[]): readonly string[] {
	return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.trim() !== '').map((g) => g.trim()) : fallback;
}
