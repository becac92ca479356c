/**
 * The committed request schema is what scripts/genSchema.js makes from the pinned SDK's request types, and it
 * covers every content block and tool type those types name.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FILE = path.join(ROOT, 'schemas', 'messages-request.schema.json');

describe('request JSON schema', function () {
	this.timeout(180_000);

	it('matches the SDK types (rerun npm run schema after an SDK upgrade)', () => {
		const { generate } = require(path.join(ROOT, 'scripts', 'genSchema.js')) as { generate(): unknown };
		assert.equal(fs.readFileSync(FILE, 'utf8'), JSON.stringify(generate(), null, '\t') + '\n');
	});

	it('describes the request fields, block types and tool types, with the SDK documentation as hover text', () => {
		const schema = JSON.parse(fs.readFileSync(FILE, 'utf8')) as { properties: Record<string, { markdownDescription?: string }>; required: string[]; definitions: Record<string, unknown> };
		for (const field of ['model', 'messages', 'max_tokens', 'system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config']) {
			assert.ok(schema.properties[field], field);
			assert.ok(schema.properties[field].markdownDescription, `${field} has hover text`);
		}
		assert.deepEqual([...schema.required].sort(), ['messages', 'model']);
		const sdk = fs.readFileSync(path.join(ROOT, 'node_modules', '@anthropic-ai', 'sdk', 'resources', 'messages', 'messages.d.ts'), 'utf8');
		// Every member of the SDK's block and tool unions has a definition.
		for (const union of ['ContentBlockParam', 'ToolUnion']) {
			const m = new RegExp(`export type ${union} = ([^;]+);`).exec(sdk);
			assert.ok(m, `${union} in the SDK`);
			for (const member of m[1].split('|').map((s) => s.trim()).filter(Boolean)) {
				assert.ok(member in schema.definitions, `${member} (${union}) is in the schema`);
			}
		}
	});
});
