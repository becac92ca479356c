/**
 * The extension manifest (package.json) as VS Code, the Marketplace and Open VSX read it: settings complete
 * and ordered, labels a person can read, activation narrow, and the settings the code reads all declared.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allModels } from '../../src/core/cost';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const SECTION = 'claudeTokenMeter.';
const properties = pkg.contributes.configuration.properties as Record<string, Record<string, unknown>>;

/** The label VS Code's Settings editor shows for a key: the last segment split at its capitals. */
function settingLabel(key: string): string {
	const last = key.split('.').pop()!;
	return last.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

describe('extension manifest', () => {
	it('every setting has a type, a default, a description, a scope and an order', () => {
		for (const [key, prop] of Object.entries(properties)) {
			assert.ok('type' in prop, `${key}: type`);
			assert.ok('default' in prop, `${key}: default`);
			assert.ok(typeof (prop.markdownDescription ?? prop.description) === 'string', `${key}: description`);
			assert.ok(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(prop.scope as string), `${key}: scope`);
			assert.equal(typeof prop.order, 'number', `${key}: order`);
		}
		const orders = Object.values(properties).map((p) => p.order as number);
		assert.equal(new Set(orders).size, orders.length, 'orders are unique');
	});

	it('enable, countingMode and defaultModel come first', () => {
		const byOrder = Object.entries(properties).sort((a, b) => (a[1].order as number) - (b[1].order as number)).map(([k]) => k);
		assert.deepEqual(byOrder.slice(0, 3), [`${SECTION}enable`, `${SECTION}countingMode`, `${SECTION}defaultModel`]);
	});

	it('labels read as words, with no unit abbreviations such as "Ms" or "Usd"', () => {
		for (const key of Object.keys(properties)) {
			assert.doesNotMatch(settingLabel(key), /\b(Ms|Usd)\b/, `${key} shows as "${settingLabel(key)}"`);
		}
	});

	it('defaultModel suggests the models of the pricing table, current ones included', () => {
		const examples = properties[`${SECTION}defaultModel`].examples as string[];
		const ids = new Set(allModels().flatMap((m) => [m.id, ...m.ids]));
		assert.ok(examples.length > 0);
		for (const id of examples) {
			assert.ok(ids.has(id), `${id} is a model of the pricing table`);
		}
		for (const m of allModels().filter((m) => m.current)) {
			assert.ok(examples.includes(m.id), `current model ${m.id} is suggested`);
		}
		assert.ok(examples.includes(properties[`${SECTION}defaultModel`].default as string), 'the default is among the suggestions');
	});

	it('machine-scoped settings say where to find them in a remote or web window, and the User tab says so too', () => {
		const machine = Object.entries(properties).filter(([, p]) => p.scope === 'machine' || p.scope === 'machine-overridable');
		assert.ok(machine.length > 0);
		const countingMode = String(properties[`${SECTION}countingMode`].markdownDescription);
		for (const [key, prop] of machine) {
			assert.match(String(prop.markdownDescription ?? prop.description), /Remote\*{0,2} tab/, key);
			// A remote window's User tab leaves these out; countingMode (always there) names them.
			assert.ok(countingMode.includes(`#${key}#`), `countingMode's description points to ${key}`);
		}
	});

	it('every setting the extension reads is declared (a renamed key fails here)', () => {
		// The settings snapshot (readSettings) reads them in core/defaults.ts.
		const source = fs.readFileSync(path.join(ROOT, 'src', 'core', 'defaults.ts'), 'utf8');
		const read = new Set([...source.matchAll(/(?:source\.get|\b(?:get|clamped|text|endpoint))\('([\w.]+)'/g)].map((m) => SECTION + m[1]));
		assert.ok(read.size >= 15, `${read.size} settings read`);
		for (const key of read) {
			assert.ok(key in properties, `${key} is read but not declared`);
		}
	});

	it('activates only on languages that can hold requests or prompts: no start-up event, no workspace search, no JSONC', () => {
		const events = pkg.activationEvents as string[];
		for (const e of events) {
			// markdown, plaintext and prompt (VS Code prompt files) for prompt files, counted offline as they open.
			assert.match(e, /^onLanguage:(json|jsonl|typescript|typescriptreact|javascript|javascriptreact|python|go|java|ruby|csharp|php|markdown|plaintext|prompt)$/, e);
		}
	});

	it('has the Marketplace and Open VSX metadata', () => {
		assert.match(pkg.version, /^\d+\.\d+\.\d+$/, 'version is major.minor.patch');
		for (const field of ['publisher', 'displayName', 'description', 'license', 'icon', 'repository', 'categories', 'keywords', 'galleryBanner']) {
			assert.ok(pkg[field], field);
		}
		assert.ok(fs.existsSync(path.join(ROOT, pkg.icon)), 'the icon file exists');
		const png = fs.readFileSync(path.join(ROOT, pkg.icon));
		assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
		assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'icon is at least 128×128');
	});
});
