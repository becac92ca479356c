/**
 * YAML front matter of Markdown-like prompt files (VS Code prompt files, .prompty, Claude Code skills,
 * sub-agents, rules and commands). Pure: no editor dependency.
 */
import type * as Yaml from 'js-yaml';
import type { TextRange } from '../types';

export interface FrontMatter {
	/** The whole block, both `---` fences included, with the line break after the closing fence. */
	readonly range: TextRange;
	/** The YAML between the fences. */
	readonly yaml: string;
	/** Parsed mapping; empty when the YAML is not a mapping or does not parse (see `error`). */
	readonly data: Readonly<Record<string, unknown>>;
	readonly error?: string;
}

/** Front matter must open on the first line; a BOM before it is tolerated. */
const OPEN = /^(?:\uFEFF)?---[ \t]*\r?\n/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m;

/** The YAML parser loads with the first front matter (in the extension it is its own file, see esbuild.js). */
let yamlParser: typeof Yaml | undefined;

/** Longest front matter read: a larger block is treated as no front matter (it would be a mistake). */
const MAX_FRONT_MATTER_CHARS = 256 * 1024;

/** Finds and parses the front matter at the start of `text`; undefined when there is none. */
export function parseFrontMatter(text: string): FrontMatter | undefined {
	const open = OPEN.exec(text);
	if (!open) {
		return undefined;
	}
	const start = open[0].length;
	const rest = text.slice(start, start + MAX_FRONT_MATTER_CHARS + 8);
	const close = CLOSE.exec(rest);
	if (!close || close.index > MAX_FRONT_MATTER_CHARS) {
		return undefined;
	}
	const yaml = rest.slice(0, close.index);
	const end = start + close.index + close[0].length;
	let data: Record<string, unknown> = {};
	let error: string | undefined;
	try {
		// The core schema knows no custom tags: nothing in a document can make the loader run code.
		yamlParser ??= require('js-yaml') as typeof Yaml;
		const parsed = yamlParser.load(yaml, { schema: yamlParser.CORE_SCHEMA, json: true });
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
			data = parsed as Record<string, unknown>;
		} else if (parsed !== undefined && parsed !== null) {
			error = 'The front matter is not a mapping of keys to values.';
		}
	} catch (err) {
		error = `The front matter is not valid YAML: ${String((err as Error).message ?? err).split('\n')[0]}`;
	}
	return { range: { start: 0, end }, yaml, data, error };
}

/** A string field of the front matter, trimmed; undefined when missing or not a string. */
export function stringField(fm: FrontMatter | undefined, key: string): string | undefined {
	const v = fm?.data[key];
	if (typeof v === 'string') {
		return v.trim();
	}
	if (typeof v === 'number' || typeof v === 'boolean') {
		return String(v);
	}
	return undefined;
}

/** A boolean field (`true`/`false`, also written as strings). */
export function booleanField(fm: FrontMatter | undefined, key: string): boolean | undefined {
	const v = fm?.data[key];
	if (typeof v === 'boolean') {
		return v;
	}
	if (typeof v === 'string' && /^(?:true|false)$/i.test(v.trim())) {
		return v.trim().toLowerCase() === 'true';
	}
	return undefined;
}
