/**
 * JSON / JSONC and JSONL front end. Regular text is read by a strict reader that jumps over long strings
 * (base64 images); jsonc-parser, which is error tolerant and gives the same tree with offsets, reads the rest.
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

/** Thrown by the strict reader on anything irregular; jsonc-parser then reads the text with its recovery. */
class Irregular extends Error { }

const controlOrBreak = /[\u0000-\u001f]/;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A strict JSONC reader (comments and trailing commas allowed) that builds the same nodes as jsonc-parser's
 * `parseTree`, but jumps over long strings (base64 images) with `indexOf` instead of reading them character
 * by character. Returns undefined for empty, malformed or unusual text, which `parseTree` then reads.
 */
export function parseTreeFast(text: string): Node | undefined {
	let i = 0;
	const n = text.length;
	const skip = (): void => {
		for (;;) {
			const c = text.charCodeAt(i);
			if (c === 32 || c === 10 || c === 13 || c === 9) {
				i++;
			} else if (c === 47 && text.charCodeAt(i + 1) === 47) {
				const nl = text.indexOf('\n', i);
				i = nl < 0 ? n : nl;
			} else if (c === 47 && text.charCodeAt(i + 1) === 42) {
				const close = text.indexOf('*/', i + 2);
				if (close < 0) {
					throw new Irregular();
				}
				i = close + 2;
			} else {
				return;
			}
		}
	};
	const string = (): Node => {
		const start = i;
		let j = i + 1;
		for (;;) {
			j = text.indexOf('"', j);
			if (j < 0) {
				throw new Irregular();
			}
			let backslashes = 0;
			while (text.charCodeAt(j - 1 - backslashes) === 92) {
				backslashes++;
			}
			if (backslashes % 2 === 0) {
				break;
			}
			j++;
		}
		const raw = text.slice(start, j + 1);
		// jsonc-parser ends a string at a line break and reports raw control characters: leave those to it.
		if (controlOrBreak.test(raw)) {
			throw new Irregular();
		}
		let value: string;
		try {
			value = raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1);
		} catch {
			throw new Irregular();
		}
		i = j + 1;
		return { type: 'string', offset: start, length: i - start, value } as Node;
	};
	const value = (depth: number): Node => {
		if (depth > 500) {
			throw new Irregular();
		}
		const c = text.charCodeAt(i);
		const start = i;
		if (c === 34) {
			return string();
		}
		if (c === 123 || c === 91) {
			const node = { type: c === 123 ? 'object' : 'array', offset: start, length: 0, children: [] as Node[] } as Node;
			const close = c === 123 ? 125 : 93;
			i++;
			skip();
			while (text.charCodeAt(i) !== close) {
				if (c === 123) {
					if (text.charCodeAt(i) !== 34) {
						throw new Irregular();
					}
					const key = string();
					skip();
					if (text.charCodeAt(i) !== 58) {
						throw new Irregular();
					}
					i++;
					skip();
					const v = value(depth + 1);
					node.children!.push({ type: 'property', offset: key.offset, length: v.offset + v.length - key.offset, children: [key, v] } as Node);
				} else {
					node.children!.push(value(depth + 1));
				}
				skip();
				if (text.charCodeAt(i) === 44) {
					i++;
					skip();
				} else if (text.charCodeAt(i) !== close) {
					throw new Irregular();
				}
			}
			i++;
			(node as { length: number }).length = i - start;
			return node;
		}
		numberPattern.lastIndex = i;
		const number = numberPattern.exec(text);
		if (number) {
			i += number[0].length;
			return { type: 'number', offset: start, length: i - start, value: Number(number[0]) } as Node;
		}
		for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
			if (text.startsWith(word, i)) {
				i += word.length;
				return { type: v === null ? 'null' : 'boolean', offset: start, length: word.length, value: v } as Node;
			}
		}
		throw new Irregular();
	};
	try {
		skip();
		if (i >= n) {
			return undefined;
		}
		const root = value(0);
		skip();
		if (i < n) {
			throw new Irregular();
		}
		return root;
	} catch (e) {
		if (e instanceof Irregular) {
			return undefined;
		}
		throw e;
	}
}

/** JSON or JSONC document: requests at the top level, in arrays, nested anywhere. */
export function detectJson(text: string, options: JsonDetectOptions, out: RequestSite[]): void {
	const root = parseTreeFast(text) ?? parseTree(text, [], parseOptions);
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
			const root = parseTreeFast(line) ?? parseTree(line, errors, parseOptions);
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
