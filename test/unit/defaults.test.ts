/**
 * No setting default is written twice: package.json's `contributes.configuration` must declare exactly the
 * settings of core/defaults.ts, with the same defaults, types, enum values and bounds; and the settings snapshot
 * must hold each setting under its own id.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOUNDS, COUNTING_MODES, DEFAULTS, ENDPOINT_SETTINGS, SETTING_IDS, defaultOf, readSettings, type Config, type SettingId } from '../../src/core/defaults';
import { DEFAULT_ROUTING } from '../../src/core/cost';
import { DEFAULT_MODEL, DEFAULT_RPM, HELP } from '../../src/cli/args';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SECTION = 'claudeTokenMeter.';

interface Declared {
	type?: string | string[];
	default?: unknown;
	enum?: unknown[];
	minimum?: number;
	maximum?: number;
}

function declared(): Map<string, Declared> {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
	const out = new Map<string, Declared>();
	for (const section of sections) {
		for (const [key, prop] of Object.entries(section.properties as Record<string, Declared>)) {
			assert.ok(key.startsWith(SECTION), `${key} is under ${SECTION}`);
			out.set(key.slice(SECTION.length), prop);
		}
	}
	return out;
}

/** The JSON-schema type of a value. */
function jsonType(value: unknown): string {
	if (value === null) { return 'null'; }
	if (Array.isArray(value)) { return 'array'; }
	return typeof value;
}

describe('settings defaults: core/defaults.ts and package.json agree', () => {
	const properties = declared();

	it('every setting of package.json is in the defaults module, and every setting of the module in package.json', () => {
		const module = new Set<string>(SETTING_IDS);
		const pkg = new Set(properties.keys());
		assert.deepEqual([...pkg].filter((id) => !module.has(id)), [], 'declared in package.json but not in core/defaults.ts');
		assert.deepEqual([...module].filter((id) => !pkg.has(id)), [], 'in core/defaults.ts but not declared in package.json');
		assert.equal(SETTING_IDS.length, new Set(SETTING_IDS).size, 'no id twice');
		assert.ok(SETTING_IDS.length >= 25, `${SETTING_IDS.length} settings`);
	});

	it('each default is the same, and its type is the declared one', () => {
		for (const id of SETTING_IDS) {
			const prop = properties.get(id)!;
			assert.deepEqual(defaultOf(id), prop.default, `${id}: default`);
			const types = Array.isArray(prop.type) ? prop.type : [prop.type];
			assert.ok(types.includes(jsonType(defaultOf(id))), `${id}: the default ${JSON.stringify(defaultOf(id))} is of a declared type (${types.join(', ')})`);
		}
	});

	it('enum values are the module\'s, in the same order', () => {
		const enums = [...properties].filter(([, p]) => p.enum);
		assert.deepEqual(enums.map(([id]) => id), ['countingMode'], 'countingMode is the one enum setting');
		assert.deepEqual(properties.get('countingMode')!.enum, [...COUNTING_MODES]);
		assert.ok(COUNTING_MODES.includes(DEFAULTS.countingMode));
	});

	it('declared bounds are the bounds the extension holds numbers to', () => {
		for (const [id, prop] of properties) {
			const bounds = (BOUNDS as Partial<Record<SettingId, { min: number; max?: number }>>)[id as SettingId];
			if (prop.minimum !== undefined || prop.maximum !== undefined) {
				assert.ok(bounds, `${id} declares bounds; core/defaults.ts BOUNDS has none`);
			}
			if (!bounds) { continue; }
			assert.equal(bounds.min, prop.minimum, `${id}: minimum`);
			if (prop.maximum !== undefined) {
				assert.equal(bounds.max, prop.maximum, `${id}: maximum`);
			}
			const value = defaultOf(id as SettingId);
			if (typeof value === 'number') {
				assert.ok(value >= bounds.min && value <= (bounds.max ?? Infinity), `${id}: the default is within its bounds`);
			}
		}
	});

	it('the CLI and the routing rule take their defaults from the module', () => {
		assert.equal(DEFAULT_MODEL, properties.get('defaultModel')!.default);
		assert.equal(DEFAULT_RPM, properties.get('api.requestsPerMinute')!.default);
		assert.ok(HELP.includes(`that name none: ${DEFAULT_MODEL})`), 'the help names the default model');
		assert.deepEqual(DEFAULT_ROUTING, { haikuBelow: properties.get('routing.haikuBelow')!.default, sonnetBelow: properties.get('routing.sonnetBelow')!.default });
	});

	it('no source file writes a setting default of its own', () => {
		// The literal defaults of the settings whose defaults are easy to copy by mistake.
		const literals = [`'${DEFAULTS.defaultModel}'`, `'${DEFAULTS.bedrock.region}'`, `'${DEFAULTS.prompts.include[0]}'`];
		const offenders: string[] = [];
		const visit = (dir: string) => {
			for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) { visit(full); continue; }
				if (!entry.name.endsWith('.ts') || full.endsWith(path.join('core', 'defaults.ts'))) { continue; }
				const text = fs.readFileSync(full, 'utf8');
				for (const literal of literals) {
					if (text.includes(literal)) { offenders.push(`${path.relative(ROOT, full)}: ${literal}`); }
				}
			}
		};
		visit(path.join(ROOT, 'src'));
		assert.deepEqual(offenders, []);
	});
});

describe('settings snapshot: each setting is read under its own id', () => {
	/** The snapshot's field at a setting's id (`api.countDelay` → config.api.countDelay). */
	const at = (config: Config, id: string): unknown => id.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
	const endpoints = new Set<string>(ENDPOINT_SETTINGS);

	it('with nothing set, the field at each id holds the default (a budget of null is none)', () => {
		const config = readSettings({ get: () => undefined, userValue: () => undefined });
		for (const id of SETTING_IDS) {
			const d = defaultOf(id);
			assert.deepEqual(at(config, id), d === null ? undefined : d, id);
		}
	});

	it('with every setting set, the field at each id holds that setting\'s value, and only the endpoints come from the user\'s own settings', () => {
		// A value of each setting's type that no other setting has and that its bounds keep.
		const valueOf = (id: SettingId): unknown => {
			const d = defaultOf(id);
			if (id === 'countingMode') { return 'offline'; }
			if (id === 'budget.maxInputTokens') { return 1234; }
			if (id === 'budget.maxCost') { return 0.5; }
			if (typeof d === 'boolean') { return !d; }
			if (typeof d === 'number') { return d + 1; }
			if (typeof d === 'string') { return endpoints.has(id) ? `https://user.example/${id}` : `value-of-${id}`; }
			if (Array.isArray(d)) { return [`glob/${id}/**`]; }
			return { [`model-of-${id}`]: { input: 1, output: 2 } };
		};
		const config = readSettings({
			get: (id) => (endpoints.has(id) ? 'https://workspace.example' : valueOf(id)),
			userValue: (id) => valueOf(id),
		});
		for (const id of SETTING_IDS) {
			assert.deepEqual(at(config, id), valueOf(id), id);
		}
	});
});
