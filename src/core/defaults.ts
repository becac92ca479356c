/**
 * Every setting of `claudeTokenMeter.*` with its default, written once. The extension reads its settings
 * through these defaults (src/ui/config.ts), the CLI takes its own defaults from here, and a unit test
 * (test/unit/defaults.test.ts) checks that package.json's `contributes.configuration` declares the same
 * settings with the same defaults, types, enum values and bounds. No `vscode` import: the CLI uses it.
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
