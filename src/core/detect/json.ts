/**
 * JSON / JSONC and JSONL front end. jsonc-parser is error tolerant and gives offsets; a long string
 * (a base64 image) is one token for it, so even large files parse quickly.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type { RequestSite, SiteLanguage, TextRange } from '../types';
import { buildSite, classifyRequest, type SiteOrigin } from './site';
import type { ObjectNode, PropNode, ValueNode } from './valueTree';

export interface JsonDetectOptions {
	readonly bedrockModelId?: string;
}

const parseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true };

function rangeOf(node: Node, base: number): TextRange {
	return { start: base + node.offset, end: base + node.offset + node.length };
}

/** jsonc-parser node → value tree; properties still being typed (no value yet) are skipped. */
export function toValueNode(node: Node, base: number): ValueNode {
	switch (node.type) {
		case 'object': {
			const props: PropNode[] = [];
			for (const prop of node.children ?? []) {
				const [key, value] = prop.children ?? [];
				if (key?.type === 'string' && value) {
					props.push({ key: key.value as string, range: rangeOf(prop, base), value: toValueNode(value, base) });
				}
			}
			return { kind: 'object', range: rangeOf(node, base), props, unresolved: [] };
		}
		case 'array':
			return { kind: 'array', range: rangeOf(node, base), items: (node.children ?? []).map(c => toValueNode(c, base)) };
		case 'string':
		case 'number':
		case 'boolean':
		case 'null':
			return { kind: 'scalar', range: rangeOf(node, base), value: node.value as string | number | boolean | null };
		default:
			// 'property' never appears here; keep the tree total anyway.
			return { kind: 'scalar', range: rangeOf(node, base), value: null };
	}
}

/** Cheap test before converting: only objects with these keys can be requests. */
function mayBeRequest(node: Node): boolean {
	for (const prop of node.children ?? []) {
		const key = prop.children?.[0];
		if (key && (key.value === 'messages' || key.value === 'params')) {
			return true;
		}
	}
	return false;
}

function escapePointer(key: string): string {
	return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The anchor is the object's first line (from its opening brace to the end of that line). */
export function firstLineAnchor(text: string, start: number, end: number): TextRange {
	const newline = text.indexOf('\n', start);
	const lineEnd = newline < 0 || newline > end ? end : newline;
	return { start, end: Math.max(start, lineEnd) };
}

/**
 * Finds every request object in a parsed tree, outermost first; a request is not searched further.
 * `makeId` turns the object's JSON pointer into the site id.
 */
function collect(root: Node, text: string, base: number, language: SiteLanguage, options: JsonDetectOptions,
	makeId: (pointer: string) => string, out: RequestSite[]): void {
	const stack: { node: Node; pointer: string }[] = [{ node: root, pointer: '' }];
	while (stack.length > 0) {
		const { node, pointer } = stack.pop()!;
		if (node.type === 'object') {
			if (mayBeRequest(node)) {
				const value = toValueNode(node, base) as ObjectNode;
				const shape = classifyRequest(value);
				if (shape) {
					const origin: SiteOrigin = {
						id: makeId(pointer || '/'),
						language,
						range: value.range,
						anchor: firstLineAnchor(text, value.range.start, value.range.end),
						bedrockModelId: options.bedrockModelId,
					};
					out.push(buildSite(value, shape, origin));
					continue;
				}
			}
			const children = node.children ?? [];
			for (let i = children.length - 1; i >= 0; i--) {
				const [key, value] = children[i].children ?? [];
				if (key && value && (value.type === 'object' || value.type === 'array')) {
					stack.push({ node: value, pointer: `${pointer}/${escapePointer(String(key.value))}` });
				}
			}
		} else if (node.type === 'array') {
			const children = node.children ?? [];
			for (let i = children.length - 1; i >= 0; i--) {
				const child = children[i];
				if (child.type === 'object' || child.type === 'array') {
					stack.push({ node: child, pointer: `${pointer}/${i}` });
				}
			}
		}
	}
}

/** JSON or JSONC document: requests at the top level, in arrays, nested anywhere. */
export function detectJson(text: string, options: JsonDetectOptions, out: RequestSite[]): void {
	const root = parseTree(text, [], parseOptions);
	if (root) {
		collect(root, text, 0, 'json', options, pointer => `json:${pointer}`, out);
	}
}

/** JSONL / NDJSON: each line on its own, so a huge file is never one parse; a broken line yields nothing. */
export function detectJsonl(text: string, options: JsonDetectOptions, out: RequestSite[]): void {
	const seen = new Map<string, number>();
	let lineStart = 0;
	let lineNumber = 0;
	while (lineStart <= text.length) {
		let lineEnd = text.indexOf('\n', lineStart);
		if (lineEnd < 0) {
			lineEnd = text.length;
		}
		const line = text.slice(lineStart, lineEnd);
		if (line.includes('messages')) {
			const errors: ParseError[] = [];
			const root = parseTree(line, errors, parseOptions);
			if (root && errors.length === 0) {
				const found: RequestSite[] = [];
				const customId = root.type === 'object' ? customIdOf(root) : undefined;
				const lineId = customId !== undefined ? `jsonl:${customId}` : `jsonl:L${lineNumber + 1}`;
				collect(root, text, lineStart, 'jsonl', options, pointer => pointer === '/' ? lineId : `${lineId}${pointer}`, found);
				for (const site of found) {
					const count = seen.get(site.id) ?? 0;
					seen.set(site.id, count + 1);
					out.push(count === 0 ? site : { ...site, id: `${site.id}#${count + 1}` });
				}
			}
		}
		lineStart = lineEnd + 1;
		lineNumber++;
	}
}

function customIdOf(node: Node): string | undefined {
	for (const prop of node.children ?? []) {
		const [key, value] = prop.children ?? [];
		if (key?.value === 'custom_id' && value?.type === 'string') {
			return value.value as string;
		}
	}
	return undefined;
}
