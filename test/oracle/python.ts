/**
 * The Python front end as it was before Python became a binding of the shared engine (src/core/detect/python.ts):
 * kept here, not shipped, as the oracle of the differential tests and the benchmarks' "old" rows.
 *
 * Python front end: tree-sitter's Python grammar (WebAssembly, so nothing native to ship), SDK calls found
 * with a query, keyword arguments evaluated statically. Node offsets from web-tree-sitter are UTF-16 code
 * units, the same unit as document offsets.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, TextRange, Unresolved } from '../../src/core/types';
import { firstLineAnchor } from '../../src/core/detect/json';
import { buildSite, InPlaceMover, type SiteOrigin } from '../../src/core/detect/site';
import { cachedText, parseText, type GrammarLoader } from '../../src/core/detect/treeSitter';
import { typedInString, type TypedEdit } from '../../src/core/detect/engine';
import { changedSpan, concatenation, follow, isAnthropicModelId, negation, pushBatchEntries, spreadItems, spreadProps } from '../../src/core/detect/evalHelpers';
import { getValue, shortText, stringValue, unresolvedNode, type ObjectNode, type PropNode, type UnresolvedNode, type ValueNode } from '../../src/core/detect/valueTree';
import { DocumentCache, type DocumentCaches } from '../../src/core/detect/documentCaches';

/** This reader's own per-document cache, beside the detector's (which no longer has a Python field). */
const pyCaches = new WeakMap<DocumentCaches, DocumentCache<CachedPyDocument>>();
function pyCache(caches: DocumentCaches): DocumentCache<CachedPyDocument> {
	let cache = pyCaches.get(caches);
	if (!cache) {
		cache = new DocumentCache<CachedPyDocument>(8);
		pyCaches.set(caches, cache);
	}
	return cache;
}

export interface PyDetectOptions {
	/** The run's grammars (the detector's). */
	readonly grammars: GrammarLoader;
	/** The detector's per-document caches (its last tree and calls of each document). */
	readonly caches: DocumentCaches;
	readonly bedrockModelId?: string;
	/** Enables incremental re-parsing of the same document. */
	readonly fileName?: string;
}

/** `.create(`, `.count_tokens(`, `.converse(` …: candidates found in the text, confirmed on the syntax tree. */
const candidatePattern = /\.\s*(create|stream|count_tokens|parse|tool_runner|invoke_model|invoke_model_with_response_stream|converse|converse_stream)\s*\(/g;

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

function sdkMethod(full: string[]): string | undefined {
	// `client.messages.with_raw_response.create(...)` sends the same request as `client.messages.create(...)`.
	const chain = full.filter(name => name !== 'with_raw_response' && name !== 'with_streaming_response');
	const n = chain.length;
	const last = chain[n - 1];
	const beta = (i: number): string => (chain[i] === 'beta' ? 'beta.' : '');
	if (last === 'create' && chain[n - 2] === 'batches' && chain[n - 3] === 'messages') {
		return `${beta(n - 4)}messages.batches.create`;
	}
	if ((last === 'create' || last === 'stream' || last === 'count_tokens' || last === 'parse' || last === 'tool_runner') && chain[n - 2] === 'messages') {
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
	/** The module or function body the name is bound in. */
	readonly scope?: Node;
}

const loopTypes = new Set(['for_statement', 'while_statement']);
const comprehensionTypes = new Set(['list_comprehension', 'generator_expression', 'dictionary_comprehension', 'set_comprehension']);

/** What can follow a name that is changed there: `.append(`, `=`, `+=` and the other operators, `: T =`, a comment, `\\`. */
const mutationFollows = /^[.=:+\-*/%&|^@<>#\\]$/;

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
				return this.string(node, depth, visiting);
			case 'concatenated_string': {
				let value = '';
				for (const part of node.namedChildren) {
					if (!part || part.type === 'comment') {
						continue;
					}
					const piece = this.string(part, depth, visiting);
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
				if (node.childForFieldName('operator')?.text === '%' && left && right) {
					return this.percentFormat(node, this.evaluate(left, depth, visiting), this.evaluate(right, depth, visiting));
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
				const formatted = fn?.type === 'attribute' && args ? this.stringMethod(node, fn, args, depth, visiting) : undefined;
				if (formatted) {
					return formatted;
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

	private string(node: Node, depth = 0, visiting: Set<number> = new Set()): ValueNode {
		const range = this.range(node);
		if (node.type !== 'string') {
			return this.evaluate(node, depth, visiting);
		}
		// The grammar's string is string_start, its pieces, string_end: the first and last child (read one by
		// one, not as the array of every child, which costs a node per piece).
		const first = node.firstChild;
		const last = node.lastChild;
		const start = first?.type === 'string_start' ? first : undefined;
		const end = last?.type === 'string_end' ? last : undefined;
		if (!start) {
			return this.unresolved(node, 'string');
		}
		const prefix = start.text.replace(/['"]+$/, '').toLowerCase();
		if (prefix.includes('f') && node.namedChildren.some(c => c?.type === 'interpolation')) {
			return this.fString(node, prefix, start, end, depth, visiting);
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

	/** The text of literal pieces of a string, decoded as Python reads them (universal newlines, escapes). */
	private literalText(raw: string, prefix: string, fString: boolean): string {
		raw = raw.replace(/\r\n?/g, '\n');
		const value = prefix.includes('r') ? raw : unescapePython(raw);
		return fString ? value.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : value;
	}

	/** `f"Hi {NAME}"`: joined when every substitution is a known scalar without conversion or format spec. */
	private fString(node: Node, prefix: string, start: Node, end: Node | null | undefined, depth: number, visiting: Set<number>): ValueNode {
		let value = '';
		let at = start.endIndex;
		for (const part of node.namedChildren) {
			if (part?.type !== 'interpolation') {
				continue;
			}
			value += this.literalText(this.text.slice(at, part.startIndex), prefix, true);
			const expr = part.childForFieldName('expression');
			const piece = expr && !part.childForFieldName('type_conversion') && !part.childForFieldName('format_specifier')
				? pythonStr(this.evaluate(expr, depth, visiting)) : undefined;
			if (piece === undefined) {
				return this.unresolved(node, 'f-string substitution');
			}
			value += piece;
			at = part.endIndex;
		}
		value += this.literalText(this.text.slice(at, end ? end.startIndex : node.endIndex), prefix, true);
		return { kind: 'scalar', range: this.range(node), value };
	}

	/** `"…".format(…)`, `"…".replace(a, b)` on a known string; anything else is a function call. */
	private stringMethod(node: Node, fn: Node, args: Node, depth: number, visiting: Set<number>): ValueNode | undefined {
		const method = fn.childForFieldName('attribute')?.text;
		const owner = fn.childForFieldName('object');
		if (!owner || (method !== 'format' && method !== 'replace')) {
			return undefined;
		}
		const self = this.evaluate(owner, depth, visiting);
		if (self.kind !== 'scalar' || typeof self.value !== 'string') {
			return this.unresolved(node, self.kind === 'unresolved' ? self.reason : 'function call');
		}
		const positional: ValueNode[] = [];
		const named = new Map<string, ValueNode>();
		for (const a of args.namedChildren) {
			if (!a || a.type === 'comment') {
				continue;
			}
			if (a.type === 'keyword_argument') {
				const k = a.childForFieldName('name')?.text;
				const v = a.childForFieldName('value');
				if (k && v) {
					named.set(k, this.evaluate(v, depth, visiting));
				}
			} else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
				return this.unresolved(node, 'function call');
			} else {
				positional.push(this.evaluate(a, depth, visiting));
			}
		}
		const range = this.range(node);
		if (method === 'replace') {
			const [from, to, count] = positional.map(pythonStr);
			if (from === undefined || to === undefined || positional.length > 2 || count !== undefined) {
				return this.unresolved(node, 'function call');
			}
			return { kind: 'scalar', range, value: self.value.split(from).join(to) };
		}
		let next = 0;
		let failed = false;
		const value = self.value.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field?: string) => {
			if (field === undefined) {
				return whole[0];
			}
			const arg = field === '' ? positional[next++] : /^\d+$/.test(field) ? positional[Number(field)] : named.get(field);
			const piece = arg ? pythonStr(arg) : undefined;
			if (piece === undefined) {
				failed = true;
				return '';
			}
			return piece;
		});
		return failed ? this.unresolved(node, 'string formatting') : { kind: 'scalar', range, value };
	}

	/** `"Hi %s, %d left" % (name, n)` and `"%(name)s" % {...}` on known values. */
	private percentFormat(node: Node, left: ValueNode, right: ValueNode): ValueNode {
		if (left.kind !== 'scalar' || typeof left.value !== 'string') {
			return this.unresolved(node, left.kind === 'unresolved' ? left.reason : 'expression');
		}
		const args = right.kind === 'array' ? right.items : [right];
		let next = 0;
		let failed = false;
		const value = left.value.replace(/%(?:\(([^)]*)\))?([sdir%])/g, (whole, key: string | undefined, conv: string) => {
			if (conv === '%') {
				return '%';
			}
			const arg = key !== undefined ? (right.kind === 'object' ? getValue(right, key) : undefined) : args[next++];
			const piece = arg ? pythonStr(arg) : undefined;
			if (piece === undefined || ((conv === 'd' || conv === 'i') && !(arg?.kind === 'scalar' && typeof arg.value === 'number'))) {
				failed = true;
				return '';
			}
			return conv === 'd' || conv === 'i' ? String(Math.trunc(Number((arg as { value: number }).value))) : piece;
		});
		const leftover = left.value.replace(/%(?:\([^)]*\))?[sdir%]/g, '');
		return failed || leftover.includes('%') ? this.unresolved(node, 'string formatting') : { kind: 'scalar', range: this.range(node), value };
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

	/** While a call is evaluated: the ranges of the values its names resolved to. */
	reads: TextRange[] = [];
	/** While a call is evaluated: what each use of a name read, for the next run to carry over. */
	names: PyNameRead[] = [];
	/**
	 * Reads of the last run that still hold after typing inside a string (that declares, binds and changes
	 * nothing), moved to this text, by use offset: the name is not resolved again.
	 */
	known: Map<number, PyNameRead> | undefined;

	private identifier(node: Node, depth: number, visiting: Set<number>): ValueNode {
		const carried = this.carried(node);
		if (carried) {
			this.names.push(carried.read);
			if (!carried.value) {
				return this.unresolved(node, carried.read.reason ?? 'unknown name');
			}
			this.reads.push(carried.read.value!);
			if (carried.read.changed) {
				return this.unresolved(node, 'changed at run time before the call');
			}
			const known = carried.value;
			return follow(known.id, depth, visiting, () => this.evaluate(known, depth + 1, visiting), reason => this.unresolved(node, reason));
		}
		const binding = this.resolve(node);
		if (binding?.value) {
			this.reads.push({ start: binding.value.startIndex, end: binding.value.endIndex });
		}
		if (!binding?.value) {
			this.names.push({ use: node.startIndex, name: node.text, reason: binding?.reason });
			return this.unresolved(node, binding?.reason ?? 'unknown name');
		}
		const changed = binding.scope !== undefined && this.changedBefore(node, binding);
		this.names.push({ use: node.startIndex, name: node.text, value: { start: binding.value.startIndex, end: binding.value.endIndex }, changed });
		if (changed) {
			return this.unresolved(node, 'changed at run time before the call');
		}
		const value = binding.value;
		return follow(value.id, depth, visiting, () => this.evaluate(value, depth + 1, visiting), reason => this.unresolved(node, reason));
	}

	/** The last run's read of this use, with its value's node found again by its range; undefined to resolve afresh. */
	private carried(node: Node): { read: PyNameRead; value?: Node } | undefined {
		const read = this.known?.get(node.startIndex);
		if (!read || read.name !== node.text) {
			return undefined;
		}
		if (!read.value) {
			return { read };
		}
		let value: Node | null = node.tree.rootNode.descendantForIndex(read.value.start, read.value.end);
		while (value && value.startIndex === read.value.start && value.endIndex < read.value.end) {
			value = value.parent;
		}
		return value && value.startIndex === read.value.start && value.endIndex === read.value.end ? { read, value } : undefined;
	}

	/** The expression a name is bound to, if it is a plain assignment in scope. */
	assignedValue(node: Node): Node | undefined {
		const value = this.resolve(node)?.value;
		if (value) {
			this.reads.push({ start: value.startIndex, end: value.endIndex });
		}
		return value;
	}

	/** The nearest scope's binding of the name: the last assignment before the use, else the first after it. */
	private resolve(node: Node): Binding | undefined {
		const name = node.text;
		for (let scope: Node | null = node.parent; scope; scope = scope.parent) {
			if (comprehensionTypes.has(scope.type)) {
				const binds = scope.namedChildren.some(c => {
					const left = c?.type === 'for_in_clause' ? c.childForFieldName('left') : null;
					return left !== null && (left.type === 'identifier' ? left.text === name : left.descendantsOfType('identifier').some(id => id?.text === name));
				});
				if (binds) {
					return { start: scope.startIndex, reason: 'loop variable' };
				}
				continue;
			}
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
		const found = best ?? list[0];
		return { ...found, scope };
	}

	/** Where each name of a scope is changed in place or rebound: `x.append(…)`, `extend`, `insert`, `x += …`, `x = …`. */
	private readonly mutations = new Map<string, { at: number; rebind: boolean }[]>();

	/**
	 * The changes of one name in a scope, found at the name's occurrences in the scope's text (not by a walk
	 * of the whole scope: a keystroke re-reads one call, and the module is the scope of most names it uses).
	 */
	private mutationsOf(scope: Node, name: string): { at: number; rebind: boolean }[] {
		const key = `${scope.id}:${name}`;
		let found = this.mutations.get(key);
		if (found) {
			return found;
		}
		found = [];
		this.mutations.set(key, found);
		const pattern = new RegExp(`(?<![\\w$])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`, 'g');
		pattern.lastIndex = scope.startIndex;
		const tree = scope.tree;
		for (let m = pattern.exec(this.text); m && m.index < scope.endIndex; m = pattern.exec(this.text)) {
			// Only an occurrence followed by `.`, an assignment operator or `:` (or a comment or line continuation
			// before one) can be a change; the others (most: uses as arguments) are not looked up in the tree.
			let next = m.index + name.length;
			while (next < this.text.length && /\s/.test(this.text[next])) { next++; }
			if (!mutationFollows.test(this.text[next] ?? '')) {
				continue;
			}
			const id = tree.rootNode.descendantForIndex(m.index, m.index + name.length);
			if (!id || id.type !== 'identifier' || id.startIndex !== m.index || id.endIndex !== m.index + name.length) {
				continue;
			}
			const parent = id.parent;
			if (parent?.type === 'attribute' && parent.childForFieldName('object')?.startIndex === id.startIndex) {
				const call = parent.parent;
				if (call?.type === 'call' && call.childForFieldName('function')?.id === parent.id
					&& /^(append|extend|insert)$/.test(parent.childForFieldName('attribute')?.text ?? '')) {
					found.push({ at: id.startIndex, rebind: false });
				}
			} else if ((parent?.type === 'augmented_assignment' || parent?.type === 'assignment') && parent.childForFieldName('left')?.id === id.id) {
				found.push({ at: id.startIndex, rebind: parent.type === 'assignment' });
			}
		}
		return found;
	}

	/**
	 * True when the list a name holds is changed after its binding and before the use (or anywhere in a loop
	 * around the use, where a later turn sees it): the call then sends more than the first turn's list.
	 */
	private changedBefore(use: Node, binding: Binding): boolean {
		const list = this.mutationsOf(binding.scope!, use.text);
		if (!list.some(m => m.at > binding.start)) {
			return false; // nothing after the binding (its own `NAME = …` is one of the list): no walk up the tree
		}
		let loop: Node | null = null;
		for (let n: Node | null = use.parent; n && n.id !== binding.scope!.id; n = n.parent) {
			if (loopTypes.has(n.type) && n.startIndex > binding.start) {
				loop = n;
			}
		}
		return list.some(m => m.at > binding.start && (m.rebind
			? loop !== null && m.at >= loop.startIndex && m.at < loop.endIndex && m.at > use.startIndex
			: m.at < use.startIndex || (loop !== null && m.at >= loop.startIndex && m.at < loop.endIndex)));
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
	// `json.dumps(x).encode()` / `.encode("utf-8")`: the bytes of the same JSON.
	const fn = node?.type === 'call' ? node.childForFieldName('function') : null;
	if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'encode') {
		node = fn.childForFieldName('object') ?? undefined;
	}
	if (node?.type !== 'call' || node.childForFieldName('function')?.text.replace(/\s+/g, '') !== 'json.dumps') {
		return undefined;
	}
	return node.childForFieldName('arguments')?.namedChildren.find(c => c && c.type !== 'keyword_argument' && c.type !== 'comment') ?? undefined;
}

/** A list comprehension of batch entries: its element evaluated once, and the unresolved count of entries. */
function comprehension(evaluator: Evaluator, node: Node): { entry: ValueNode; range: TextRange; count: Unresolved } | undefined {
	if (node.type !== 'list_comprehension') {
		return undefined;
	}
	const body = node.childForFieldName('body');
	const loop = node.namedChildren.find(c => c?.type === 'for_in_clause');
	if (!body || !loop) {
		return undefined;
	}
	const range = evaluator.range(node);
	return {
		entry: evaluator.evaluate(body), range,
		count: { path: '', range: evaluator.range(loop), text: shortText(loop.text), reason: 'one request per item of a comprehension: how many is known at run time' },
	};
}

/** What one call's evaluation read, for the per-document cache: the ranges of the values its names resolved to. */
/** What one use of a name read: its value's range, or why it has none; whether it is changed before the use. */
interface PyNameRead {
	readonly use: number;
	readonly name: string;
	readonly value?: TextRange;
	readonly reason?: string;
	readonly changed?: boolean;
}

interface CachedPyCall {
	readonly start: number;
	readonly end: number;
	/** Offset of the method name (where the call is found again). */
	readonly nameAt: number;
	readonly reads: readonly TextRange[];
	readonly names: readonly PyNameRead[];
	/** The ids it took, in order: a re-evaluation must take as many for the ids after it to stay the same. */
	readonly ids: readonly string[];
	readonly sites: readonly RequestSite[];
}

/** Per document: the text of the last run and its calls (the detector's `DocumentCaches.python`). */
export interface CachedPyDocument {
	text: string;
	calls: CachedPyCall[];
	bedrockModelId?: string;
}

/** The SDK call whose method name is at this node, with its method and arguments. */
function sdkCallAt(name: Node | null): { call: Node; method: string; args: Node } | undefined {
	const call = name?.parent?.parent;
	if (name?.type !== 'identifier' || name.parent?.type !== 'attribute' || call?.type !== 'call'
		|| call.childForFieldName('function')?.id !== name.parent.id) {
		return undefined;
	}
	const fn = call.childForFieldName('function');
	const args = call.childForFieldName('arguments');
	const method = fn ? sdkMethod(attributeChain(fn)) : undefined;
	if (!method || !args || args.namedChildren.length === 0) {
		return undefined;
	}
	return { call, method, args };
}

/** The sites of one SDK call. */
function readCall(evaluator: Evaluator, text: string, call: Node, method: string, args: Node, nextId: (method: string) => string,
	options: PyDetectOptions, out: RequestSite[]): void {
	const range = evaluator.range(call);
	const anchor = firstLineAnchor(text, range.start, range.end);
	const kwargs = evaluator.keywordArguments(args, { start: args.startIndex, end: args.endIndex });
	if (method.endsWith('batches.create')) {
		const id = nextId(method);
		const first = out.length;
		const requestsArg = args.namedChildren.find(c => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === 'requests')?.childForFieldName('value');
		const built = requestsArg ? comprehension(evaluator, requestsArg) : undefined;
		if (built) {
			// `[Request(...) for x in items]`: one entry stands for all; how many is known at run time.
			pushBatchEntries({ kind: 'array', range: built.range, items: [built.entry] }, id, 'python', text, out);
			for (let i = first; i < out.length; i++) {
				out[i] = { ...out[i], unresolved: [...out[i].unresolved, built.count] };
			}
		} else {
			pushBatchEntries(getValue(kwargs, 'requests'), id, 'python', text, out);
		}
		for (let i = first; i < out.length; i++) {
			out[i] = { ...out[i], method: 'batch' };
		}
		return;
	}
	if (method.startsWith('invoke_model') || method.startsWith('converse')) {
		const modelIdNode = getValue(kwargs, 'modelId');
		const modelId = stringValue(modelIdNode);
		if (modelId !== undefined && !isAnthropicModelId(modelId)) {
			return; // another vendor's model on Bedrock (Cohere, Nova, Llama, AI21, Mistral, Titan …)
		}
		// A model id known only at run time: the figure is for the default model, and the list says so.
		const withModelId = (site: RequestSite): RequestSite => modelIdNode?.kind === 'unresolved'
			? { ...site, unresolved: [...site.unresolved, { path: '/modelId', range: modelIdNode.range, text: modelIdNode.text, reason: `model id: ${modelIdNode.reason}` }] }
			: site;
		const origin: SiteOrigin = {
			id: nextId(method), language: 'python', range, anchor,
			bedrockModelId: modelId ?? options.bedrockModelId, bedrockModelIdFromDocument: modelId !== undefined,
		};
		if (method.startsWith('converse')) {
			if (getValue(kwargs, 'messages')) {
				out.push({ ...withModelId(buildSite(kwargs, 'bedrock-converse', origin)), method: 'converse' });
			}
			return;
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
			out.push({ ...withModelId(buildSite(body, 'bedrock-invoke', origin)), method: 'invoke_model' });
		}
		return;
	}
	const last = method.slice(method.lastIndexOf('.') + 1) as 'create' | 'stream' | 'count_tokens' | 'parse' | 'tool_runner';
	out.push({ ...buildSite(kwargs, 'messages', { id: nextId(method), language: 'python', range, anchor }), method: last });
}

function moveRange(r: TextRange, at: number, delta: number): TextRange {
	return { start: r.start >= at ? r.start + delta : r.start, end: r.end >= at ? r.end + delta : r.end };
}

/**
 * After typing inside a string: the calls whose text and read values the edit does not touch keep their
 * sites (moved by the edit's length), the others are read again. Undefined when a touched call is no
 * longer where it was, or takes a different number of ids (then the whole document is read again).
 */
function afterTyping(previous: CachedPyCall[], edit: TypedEdit, tree: Tree, evaluator: Evaluator, text: string, options: PyDetectOptions): CachedPyCall[] | undefined {
	const delta = edit.newEnd - edit.oldEnd;
	const at = edit.oldEnd;
	const touches = (r: TextRange): boolean => r.start <= edit.oldEnd && r.end >= edit.start;
	const calls: CachedPyCall[] = [];
	const move = (o: number): number => (o >= at ? o + delta : o);
	const moveRead = (r: PyNameRead): PyNameRead => ({ ...r, use: move(r.use), value: r.value && moveRange(r.value, at, delta) });
	// Untouched calls are moved in place once every touched call has been read again: until then the cache
	// entry stays as it was, for the whole document to be read again if a touched call is not found.
	const untouched: CachedPyCall[] = [];
	for (const c of previous) {
		if (!touches(c) && !c.reads.some(touches)) {
			calls.push(c);
			untouched.push(c);
			continue;
		}
		const nameAt = move(c.nameAt);
		const found = sdkCallAt(tree.rootNode.descendantForIndex(nameAt));
		if (!found || found.call.startIndex !== move(c.start)) {
			return undefined;
		}
		const ids = [...c.ids];
		let taken = 0;
		const sites: RequestSite[] = [];
		evaluator.reads = [];
		evaluator.names = [];
		// The names it reads resolve as they did: typing inside a string binds and changes nothing.
		evaluator.known = new Map(c.names.map(r => [move(r.use), moveRead(r)]));
		readCall(evaluator, text, found.call, found.method, found.args, () => ids[taken++] ?? '', options, sites);
		evaluator.known = undefined;
		if (taken !== ids.length) {
			return undefined;
		}
		calls.push({ start: found.call.startIndex, end: found.call.endIndex, nameAt, reads: evaluator.reads, names: evaluator.names, ids, sites });
	}
	if (delta !== 0) {
		const mover = new InPlaceMover(delta, at);
		for (const c of untouched) {
			moveCallInPlace(c, mover);
		}
	}
	return calls;
}

/** A cached call, its reads and its sites moved by the mover, in place (see `InPlaceMover`). */
function moveCallInPlace(call: CachedPyCall, mover: InPlaceMover): void {
	mover.group();
	const c = call as { -readonly [K in keyof CachedPyCall]: CachedPyCall[K] };
	c.start = mover.offset(c.start);
	c.end = mover.offset(c.end);
	c.nameAt = mover.offset(c.nameAt);
	for (const r of c.reads) {
		mover.range(r);
	}
	for (const n of c.names) {
		(n as { use: number }).use = mover.offset(n.use);
		if (n.value) { mover.range(n.value); }
	}
	for (const site of c.sites) {
		mover.site(site);
	}
}

export async function detectPython(text: string, options: PyDetectOptions, out: RequestSite[]): Promise<void> {
	const parser = await options.grammars.parser('python');
	const key = options.fileName;
	const cached = key !== undefined ? pyCache(options.caches).get(key) : undefined;
	const previous = cached && cached.bedrockModelId === options.bedrockModelId && cached.text === cachedText(options.caches.trees, 'python', key) ? cached : undefined;
	if (previous && previous.text === text) {
		for (const c of previous.calls) {
			out.push(...c.sites);
		}
		return;
	}
	const span = previous ? changedSpan(previous.text, text) : undefined;
	const tree = parseText(options.caches.trees, parser, 'python', text, options.fileName, span);
	if (!tree) {
		return;
	}
	let calls: CachedPyCall[] = [];
	try {
		const evaluator = new Evaluator(text);
		const typed = previous && span ? typedInString(previous.text, text, span, tree) : undefined;
		const kept = previous && typed ? afterTyping(previous.calls, typed, tree, evaluator, text, options) : undefined;
		if (kept) {
			calls = kept;
			for (const c of calls) {
				out.push(...c.sites);
			}
			return;
		}
		const ordinals = new Map<string, number>();
		candidatePattern.lastIndex = 0;
		for (let match = candidatePattern.exec(text); match; match = candidatePattern.exec(text)) {
			const nameAt = match.index + match[0].indexOf(match[1]);
			const found = sdkCallAt(tree.rootNode.descendantForIndex(nameAt));
			if (!found) {
				continue;
			}
			const ids: string[] = [];
			const nextId = (method: string): string => {
				const n = ordinals.get(method) ?? 0;
				ordinals.set(method, n + 1);
				ids.push(`py:${method}#${n}`);
				return ids[ids.length - 1];
			};
			const sites: RequestSite[] = [];
			evaluator.reads = [];
			evaluator.names = [];
			readCall(evaluator, text, found.call, found.method, found.args, nextId, options, sites);
			out.push(...sites);
			calls.push({ start: found.call.startIndex, end: found.call.endIndex, nameAt, reads: evaluator.reads, names: evaluator.names, ids, sites });
		}
	} finally {
		if (!options.fileName) {
			tree.delete();
		}
		if (key !== undefined) {
			pyCache(options.caches).put(key, key, { text, calls, bedrockModelId: options.bedrockModelId });
		}
	}
}

/** `str(value)` as Python writes a scalar; undefined for anything else (a list, a dict, an unknown value). */
function pythonStr(value: ValueNode | undefined): string | undefined {
	if (value?.kind !== 'scalar') {
		return undefined;
	}
	if (value.value === null) {
		return 'None';
	}
	if (typeof value.value === 'boolean') {
		return value.value ? 'True' : 'False';
	}
	return String(value.value);
}
