/**
 * Python front end: tree-sitter's Python grammar (WebAssembly, so nothing native to ship), SDK calls found
 * with a query, keyword arguments evaluated statically. Node offsets from web-tree-sitter are UTF-16 code
 * units, the same unit as document offsets.
 */
import type { Node } from 'web-tree-sitter';
import type { RequestSite, TextRange } from '../types';
import { firstLineAnchor } from './json';
import { buildSite, type SiteOrigin } from './site';
import { configureGrammars, getParser, parseText, type GrammarPaths } from './treeSitter';
import { concatenation, follow, negation, pushBatchEntries, spreadItems, spreadProps } from './evalHelpers';
import { getValue, stringValue, unresolvedNode, type ObjectNode, type PropNode, type UnresolvedNode, type ValueNode } from './valueTree';

export type PythonParserPaths = GrammarPaths;

export interface PyDetectOptions {
	readonly bedrockModelId?: string;
	/** Enables incremental re-parsing of the same document. */
	readonly fileName?: string;
}

/** Where the wasm files are (the bundled extension ships them next to its code). */
export function configurePythonParser(next: PythonParserPaths): void {
	configureGrammars(next);
}

/** `.create(`, `.count_tokens(`, `.converse(` …: candidates found in the text, confirmed on the syntax tree. */
const candidatePattern = /\.\s*(create|stream|count_tokens|invoke_model|invoke_model_with_response_stream|converse|converse_stream)\s*\(/g;

/** `client.beta.messages.batches.create` → ['client', 'beta', 'messages', 'batches', 'create'] (names only). */
function attributeChain(node: Node): string[] {
	const names: string[] = [];
	let current: Node | null = node;
	while (current?.type === 'attribute') {
		names.unshift(current.childForFieldName('attribute')?.text ?? '');
		current = current.childForFieldName('object');
	}
	if (current?.type === 'identifier') {
		names.unshift(current.text);
	}
	return names;
}

function sdkMethod(chain: string[]): string | undefined {
	const n = chain.length;
	const last = chain[n - 1];
	const beta = (i: number): string => (chain[i] === 'beta' ? 'beta.' : '');
	if (last === 'create' && chain[n - 2] === 'batches' && chain[n - 3] === 'messages') {
		return `${beta(n - 4)}messages.batches.create`;
	}
	if ((last === 'create' || last === 'stream' || last === 'count_tokens') && chain[n - 2] === 'messages') {
		return `${beta(n - 3)}messages.${last}`;
	}
	if (n >= 2 && (last === 'invoke_model' || last === 'invoke_model_with_response_stream' || last === 'converse' || last === 'converse_stream')) {
		return last;
	}
	return undefined;
}

const simpleEscapes: Record<string, string> = {
	'\\': '\\', '\'': '\'', '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

/** Python string escapes (for non-raw literals). */
function unescapePython(raw: string): string {
	return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\r\n|[\s\S])/g, (whole, esc: string) => {
		if (esc.length > 1 && (esc[0] === 'x' || esc[0] === 'u' || esc[0] === 'U')) {
			return String.fromCodePoint(parseInt(esc.slice(1), 16));
		}
		if (/^[0-7]+$/.test(esc)) {
			return String.fromCharCode(parseInt(esc, 8));
		}
		if (esc === '\r\n') {
			return '';
		}
		return simpleEscapes[esc] ?? whole;
	});
}

interface Binding {
	readonly start: number;
	readonly value?: Node;
	readonly reason?: string;
}

class Evaluator {
	/** Names bound directly in a scope (module or function body), by scope node id. */
	private readonly scopes = new Map<number, Map<string, Binding[]>>();

	constructor(private readonly text: string) { }

	range(node: Node): TextRange {
		return { start: node.startIndex, end: node.endIndex };
	}

	unresolved(node: Node, reason: string): UnresolvedNode {
		return unresolvedNode(this.range(node), this.text.slice(node.startIndex, node.endIndex), reason);
	}

	evaluate(node: Node, depth = 0, visiting: Set<number> = new Set()): ValueNode {
		const range = this.range(node);
		switch (node.type) {
			case 'string':
				return this.string(node);
			case 'concatenated_string': {
				let value = '';
				for (const part of node.namedChildren) {
					if (!part || part.type === 'comment') {
						continue;
					}
					const piece = this.string(part);
					if (piece.kind !== 'scalar') {
						return piece;
					}
					value += String(piece.value);
				}
				return { kind: 'scalar', range, value };
			}
			case 'integer':
			case 'float': {
				const value = Number(node.text.replace(/_/g, '').replace(/[jJ]$/, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : { kind: 'scalar', range, value };
			}
			case 'true':
				return { kind: 'scalar', range, value: true };
			case 'false':
				return { kind: 'scalar', range, value: false };
			case 'none':
				return { kind: 'scalar', range, value: null };
			case 'unary_operator': {
				const operand = node.childForFieldName('argument');
				const value = operand ? this.evaluate(operand, depth, visiting) : undefined;
				return node.childForFieldName('operator')?.text === '-' && value
					? negation(value, range, reason => this.unresolved(node, reason))
					: this.unresolved(node, 'expression');
			}
			case 'binary_operator': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					const l = this.evaluate(left, depth, visiting);
					const r = this.evaluate(right, depth, visiting);
					return concatenation(l, r, range, 'python', reason => this.unresolved(node, reason));
				}
				return this.unresolved(node, 'expression');
			}
			case 'parenthesized_expression': {
				const inner = node.namedChildren.find(c => c && c.type !== 'comment');
				return inner ? this.evaluate(inner, depth, visiting) : this.unresolved(node, 'expression');
			}
			case 'list':
			case 'tuple':
				return this.list(node, depth, visiting);
			case 'dictionary':
				return this.dictionary(node, depth, visiting);
			case 'identifier':
				return this.identifier(node, depth, visiting);
			case 'call': {
				// dict(...) and the SDK's typed helpers (Request(...), MessageParam(...)) are dictionaries.
				const fn = node.childForFieldName('function');
				const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
				const args = node.childForFieldName('arguments');
				if (name && args && (name === 'dict' || /(Param|Params|ParamsNonStreaming|ParamsStreaming|Request)$/.test(name))) {
					return this.keywordArguments(args, range, depth, visiting);
				}
				return this.unresolved(node, 'function call');
			}
			case 'attribute':
				return this.unresolved(node, 'attribute');
			case 'subscript':
				return this.unresolved(node, 'subscript');
			case 'await':
				return this.unresolved(node, 'awaited value');
			default:
				return this.unresolved(node, 'expression');
		}
	}

	private string(node: Node): ValueNode {
		const range = this.range(node);
		if (node.type !== 'string') {
			return this.evaluate(node);
		}
		const start = node.children.find(c => c?.type === 'string_start');
		const end = node.children.find(c => c?.type === 'string_end');
		if (!start) {
			return this.unresolved(node, 'string');
		}
		const prefix = start.text.replace(/['"]+$/, '').toLowerCase();
		if (prefix.includes('f') && node.namedChildren.some(c => c?.type === 'interpolation')) {
			return this.unresolved(node, 'f-string substitution');
		}
		if (prefix.includes('b')) {
			return this.unresolved(node, 'bytes');
		}
		// Python reads source with universal newlines: a CRLF file's multi-line string holds LF.
		const raw = this.text.slice(start.endIndex, end ? end.startIndex : node.endIndex).replace(/\r\n?/g, '\n');
		let value = prefix.includes('r') ? raw : unescapePython(raw);
		if (prefix.includes('f')) {
			value = value.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
		}
		return { kind: 'scalar', range, value };
	}

	private list(node: Node, depth: number, visiting: Set<number>): ValueNode {
		const items: ValueNode[] = [];
		for (const child of node.namedChildren) {
			if (!child || child.type === 'comment') {
				continue;
			}
			if (child.type === 'list_splat') {
				const inner = child.namedChildren.find(c => c && c.type !== 'comment');
				const spread = inner ? this.evaluate(inner, depth, visiting) : this.unresolved(child, 'expression');
				spreadItems(items, spread, () => this.unresolved(child, 'spread of a non-list'));
				continue;
			}
			items.push(this.evaluate(child, depth, visiting));
		}
		return { kind: 'array', range: this.range(node), items };
	}

	private dictionary(node: Node, depth: number, visiting: Set<number>): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const child of node.namedChildren) {
			if (!child || child.type === 'comment') {
				continue;
			}
			if (child.type === 'dictionary_splat') {
				this.spread(child, props, unresolved, depth, visiting);
				continue;
			}
			if (child.type !== 'pair') {
				continue;
			}
			const keyNode = child.childForFieldName('key');
			const valueNode = child.childForFieldName('value');
			const key = keyNode ? stringValue(this.evaluate(keyNode, depth, visiting)) : undefined;
			if (key === undefined || !valueNode) {
				unresolved.push(this.unresolved(child, 'computed key'));
				continue;
			}
			props.push({ key, range: this.range(child), value: this.evaluate(valueNode, depth, visiting) });
		}
		return { kind: 'object', range: this.range(node), props, unresolved };
	}

	private spread(splat: Node, props: PropNode[], unresolved: ObjectNode['unresolved'], depth: number, visiting: Set<number>): void {
		const inner = splat.namedChildren.find(c => c && c.type !== 'comment');
		const value = inner ? this.evaluate(inner, depth, visiting) : this.unresolved(splat, 'expression');
		// `**` of anything but a mapping is a TypeError in Python: say so.
		spreadProps(props, unresolved, value, () => this.unresolved(splat, 'spread of a non-dict'));
	}

	/** `f(a=1, **rest)` as the dictionary `{"a": 1, ...rest}`; positional arguments are not data. */
	keywordArguments(args: Node, range: TextRange, depth = 0, visiting: Set<number> = new Set()): ObjectNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const child of args.namedChildren) {
			if (!child) {
				continue;
			}
			if (child.type === 'keyword_argument') {
				const name = child.childForFieldName('name');
				const value = child.childForFieldName('value');
				if (name && value) {
					props.push({ key: name.text, range: this.range(child), value: this.evaluate(value, depth, visiting) });
				}
			} else if (child.type === 'dictionary_splat') {
				this.spread(child, props, unresolved, depth, visiting);
			}
		}
		return { kind: 'object', range, props, unresolved };
	}

	private identifier(node: Node, depth: number, visiting: Set<number>): ValueNode {
		const binding = this.resolve(node);
		if (!binding?.value) {
			return this.unresolved(node, binding?.reason ?? 'unknown name');
		}
		const value = binding.value;
		return follow(value.id, depth, visiting, () => this.evaluate(value, depth + 1, visiting), reason => this.unresolved(node, reason));
	}

	/** The expression a name is bound to, if it is a plain assignment in scope. */
	assignedValue(node: Node): Node | undefined {
		return this.resolve(node)?.value;
	}

	/** The nearest scope's binding of the name: the last assignment before the use, else the first after it. */
	private resolve(node: Node): Binding | undefined {
		const name = node.text;
		for (let scope: Node | null = node.parent; scope; scope = scope.parent) {
			if (scope.type === 'function_definition' || scope.type === 'lambda') {
				const params = scope.childForFieldName('parameters');
				if (params && this.parameterNames(params).has(name)) {
					return { start: params.startIndex, reason: 'parameter' };
				}
				if (scope.type === 'lambda') {
					continue;
				}
				const body = scope.childForFieldName('body');
				const found = body ? this.lookup(body, name, node.startIndex) : undefined;
				if (found) {
					return found;
				}
			} else if (scope.type === 'module') {
				return this.lookup(scope, name, node.startIndex);
			}
		}
		return undefined;
	}

	private parameterNames(params: Node): Set<string> {
		const names = new Set<string>();
		for (const p of params.namedChildren) {
			if (!p) {
				continue;
			}
			const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren.find(c => c?.type === 'identifier'));
			if (id) {
				names.add(id.text);
			}
		}
		return names;
	}

	private lookup(scope: Node, name: string, at: number): Binding | undefined {
		let bindings = this.scopes.get(scope.id);
		if (!bindings) {
			bindings = this.collect(scope);
			this.scopes.set(scope.id, bindings);
		}
		const list = bindings.get(name);
		if (!list || list.length === 0) {
			return undefined;
		}
		let best: Binding | undefined;
		for (const b of list) {
			if (b.start < at) {
				best = b;
			}
		}
		return best ?? list[0];
	}

	/** Direct statements of a block: `NAME = value`, `NAME: T = value`, imports, defs. */
	private collect(scope: Node): Map<string, Binding[]> {
		const map = new Map<string, Binding[]>();
		const add = (name: string, binding: Binding): void => {
			const list = map.get(name);
			if (list) {
				list.push(binding);
			} else {
				map.set(name, [binding]);
			}
		};
		for (const statement of scope.namedChildren) {
			if (!statement) {
				continue;
			}
			switch (statement.type) {
				case 'expression_statement': {
					const assignment = statement.namedChildren[0];
					if (assignment?.type !== 'assignment') {
						break;
					}
					const left = assignment.childForFieldName('left');
					const right = assignment.childForFieldName('right');
					if (left?.type === 'identifier') {
						add(left.text, right && right.type !== 'assignment'
							? { start: statement.startIndex, value: right }
							: { start: statement.startIndex, reason: right ? 'chained assignment' : 'declared without a value' });
					} else if (left) {
						for (const id of left.descendantsOfType('identifier')) {
							if (id) {
								add(id.text, { start: statement.startIndex, reason: 'unpacked value' });
							}
						}
					}
					break;
				}
				case 'import_statement':
				case 'import_from_statement':
					for (const id of statement.descendantsOfType(['dotted_name', 'aliased_import'])) {
						if (!id || id.parent?.type === 'aliased_import' || id === statement.childForFieldName('module_name')) {
							continue;
						}
						const alias = id.type === 'aliased_import' ? id.childForFieldName('alias')?.text : id.text.split('.')[0];
						if (alias) {
							add(alias, { start: statement.startIndex, reason: 'imported value' });
						}
					}
					break;
				case 'function_definition':
				case 'class_definition': {
					const name = statement.childForFieldName('name');
					if (name) {
						add(name.text, { start: statement.startIndex, reason: statement.type === 'function_definition' ? 'function' : 'class' });
					}
					break;
				}
				default:
					break;
			}
		}
		return map;
	}
}

/** `json.dumps(x)` → x, for Bedrock InvokeModel bodies. */
function dumpedArgument(node: Node | undefined): Node | undefined {
	if (node?.type !== 'call' || node.childForFieldName('function')?.text.replace(/\s+/g, '') !== 'json.dumps') {
		return undefined;
	}
	return node.childForFieldName('arguments')?.namedChildren.find(c => c && c.type !== 'keyword_argument' && c.type !== 'comment') ?? undefined;
}

export async function detectPython(text: string, options: PyDetectOptions, out: RequestSite[]): Promise<void> {
	const parser = await getParser('python');
	const tree = parseText(parser, 'python', text, options.fileName);
	if (!tree) {
		return;
	}
	try {
		const evaluator = new Evaluator(text);
		const ordinals = new Map<string, number>();
		const nextId = (method: string): string => {
			const n = ordinals.get(method) ?? 0;
			ordinals.set(method, n + 1);
			return `py:${method}#${n}`;
		};
		candidatePattern.lastIndex = 0;
		for (let match = candidatePattern.exec(text); match; match = candidatePattern.exec(text)) {
			const name = tree.rootNode.descendantForIndex(match.index + match[0].indexOf(match[1]));
			const call = name?.parent?.parent;
			if (name?.type !== 'identifier' || name.parent?.type !== 'attribute' || call?.type !== 'call'
				|| call.childForFieldName('function')?.id !== name.parent.id) {
				continue;
			}
			const fn = call.childForFieldName('function');
			const args = call.childForFieldName('arguments');
			const method = fn ? sdkMethod(attributeChain(fn)) : undefined;
			if (!method || !args || args.namedChildren.length === 0) {
				continue;
			}
			const range = evaluator.range(call);
			const anchor = firstLineAnchor(text, range.start, range.end);
			const kwargs = evaluator.keywordArguments(args, { start: args.startIndex, end: args.endIndex });
			if (method.endsWith('batches.create')) {
				const id = nextId(method);
				const first = out.length;
				pushBatchEntries(getValue(kwargs, 'requests'), id, 'python', text, out);
				for (let i = first; i < out.length; i++) {
					out[i] = { ...out[i], method: 'batch' };
				}
				continue;
			}
			if (method.startsWith('invoke_model') || method.startsWith('converse')) {
				const modelId = stringValue(getValue(kwargs, 'modelId'));
				const origin: SiteOrigin = {
					id: nextId(method), language: 'python', range, anchor,
					bedrockModelId: modelId ?? options.bedrockModelId, bedrockModelIdFromDocument: modelId !== undefined,
				};
				if (method.startsWith('converse')) {
					if (getValue(kwargs, 'messages')) {
						out.push({ ...buildSite(kwargs, 'bedrock-converse', origin), method: 'converse' });
					}
					continue;
				}
				const bodyArg = args.namedChildren.find(c => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === 'body');
				let bodyExpr = bodyArg?.childForFieldName('value') ?? undefined;
				if (bodyExpr?.type === 'identifier') {
					// body = json.dumps({...}); invoke_model(..., body=body)
					bodyExpr = evaluator.assignedValue(bodyExpr) ?? bodyExpr;
				}
				const inner = dumpedArgument(bodyExpr);
				const body = inner ? evaluator.evaluate(inner) : undefined;
				if (body?.kind === 'object' && getValue(body, 'messages')) {
					out.push({ ...buildSite(body, 'bedrock-invoke', origin), method: 'invoke_model' });
				}
				continue;
			}
			const last = method.slice(method.lastIndexOf('.') + 1) as 'create' | 'stream' | 'count_tokens';
			out.push({ ...buildSite(kwargs, 'messages', { id: nextId(method), language: 'python', range, anchor }), method: last });
		}
	} finally {
		if (!options.fileName) {
			tree.delete();
		}
	}
}
