/**
 * Python binding of the engine: keyword arguments of `client.messages.create(...)` (also `stream`,
 * `count_tokens`, `parse`, `tool_runner`, `beta.messages.*`, `with_raw_response` / `with_streaming_response`,
 * resource aliases such as `mc = client.beta.messages`, `messages.batches.create(requests=[...])`, batch
 * entries built by a comprehension) and boto3's Bedrock calls (`invoke_model(body=json.dumps({...}))`,
 * `.encode()` around it, `converse(...)`). Values: Python's string literals (prefixes r/b/f/u, triple
 * quotes, escapes, implicit concatenation), f-strings, `.format(...)`, `%` and `.replace(...)` over
 * same-file constants, dicts, lists, `**` and `*` spreads.
 * Names follow Python's scopes: a function's parameters, then what its body binds, then the module's.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, TextRange, Unresolved } from '../types';
import { concatenation, isAnthropicModelId, maxDepth, negation, pushBatchEntries, spreadItems, spreadProps } from './evalHelpers';
import { detectWithBinding, firstNamed, objectOf, scalar, TreeEvaluator, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { buildSite, type SiteOrigin } from './site';
import { getValue, shortText, stringValue, type ObjectNode, type PropNode, type ValueNode } from './valueTree';

/** The name a call's id is numbered by (`messages.create`, `beta.messages.tool_runner`, `invoke_model` …). */
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

const comprehensionTypes = new Set(['list_comprehension', 'generator_expression', 'dictionary_comprehension', 'set_comprehension']);

/** What can follow a name that is changed there: `.append(`, `=`, `+=` and the other operators, `: T =`, a comment, `\\`. */
const mutationFollows = /^[.=:+\-*/%&|^@<>#\\]$/;

/** Where the search for an assignment around a name stops: the name is not in one. */
const statementLike = /statement|block|module|definition|lambda|comprehension|generator|clause|argument_list|decorator/;

class PythonEvaluator extends TreeEvaluator {
	// Every occurrence: a list changed after a thousand calls that name it is still changed before the next one.
	protected override maxOccurrences = Infinity;
	/** The parameter names of each function or lambda, by node id. */
	private readonly parameters = new Map<number, Set<string>>();

	// Each read of a node's type or end is a call into the parser's wasm (marshalling the node): each is read
	// once per node here, and a node's range only where a value is made from it.
	evaluate(node: Node, depth = 0): ValueNode {
		switch (node.type) {
			case 'string':
				return this.stringLiteral(node, depth);
			case 'concatenated_string': {
				let value = '';
				for (const part of node.namedChildren) {
					const type = part?.type;
					if (!part || type === 'comment') {
						continue;
					}
					const piece = type === 'string' ? this.stringLiteral(part, depth) : this.evaluate(part, depth);
					if (piece.kind !== 'scalar') {
						return piece;
					}
					value += String(piece.value);
				}
				return scalar(this.range(node), value);
			}
			case 'integer':
			case 'float': {
				const range = this.range(node);
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, '').replace(/[jJ]$/, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'true':
				return scalar(this.range(node), true);
			case 'false':
				return scalar(this.range(node), false);
			case 'none':
				return scalar(this.range(node), null);
			case 'unary_operator': {
				const operand = node.childForFieldName('argument');
				const value = operand ? this.evaluate(operand, depth) : undefined;
				return node.childForFieldName('operator')?.text === '-' && value
					? negation(value, this.range(node), this.maker(node))
					: this.unresolved(node, 'expression');
			}
			case 'binary_operator': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				const operator = node.childForFieldName('operator')?.text;
				if (operator === '+' && left && right) {
					return concatenation(this.evaluate(left, depth), this.evaluate(right, depth), this.range(node), 'python', this.maker(node));
				}
				if (operator === '%' && left && right) {
					return this.percentFormat(node, this.evaluate(left, depth), this.evaluate(right, depth));
				}
				return this.unresolved(node, 'expression');
			}
			case 'parenthesized_expression': {
				const inner = firstNamed(node);
				return inner ? this.evaluate(inner, depth) : this.unresolved(node, 'expression');
			}
			case 'list':
			case 'tuple':
				return this.list(node, depth);
			case 'dictionary':
				return this.dictionary(node, depth);
			case 'identifier':
				return this.identifier(node, depth);
			case 'call': {
				// dict(...) and the SDK's typed helpers (Request(...), MessageParam(...)) are dictionaries.
				const fn = node.childForFieldName('function');
				const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
				const args = node.childForFieldName('arguments');
				if (name && args && (name === 'dict' || /(Param|Params|ParamsNonStreaming|ParamsStreaming|Request)$/.test(name))) {
					return this.keywordArguments(args, this.range(node), depth);
				}
				const formatted = fn?.type === 'attribute' && args ? this.stringMethod(node, fn, args, depth) : undefined;
				return formatted ?? this.unresolved(node, 'function call');
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

	/** A `string` node. */
	private stringLiteral(node: Node, depth: number): ValueNode {
		const plain = this.plainString(node);
		if (plain) {
			return plain;
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
		const startEnd = start.endIndex;
		const prefix = this.text.slice(start.startIndex, startEnd).replace(/['"]+$/, '').toLowerCase();
		if (prefix.includes('f') && node.namedChildren.some(c => c?.type === 'interpolation')) {
			return this.fString(node, prefix, startEnd, end, depth);
		}
		if (prefix.includes('b')) {
			return this.unresolved(node, 'bytes');
		}
		const range = this.range(node);
		return scalar(range, this.literalText(this.text.slice(startEnd, end ? end.startIndex : range.end), prefix, prefix.includes('f')));
	}

	/**
	 * A string without escapes, interpolation or its own quote character inside (most prompts and model ids):
	 * its value is the text between the quotes, read from the document without reading its parts from the tree
	 * (six calls into the parser's wasm per string). Undefined for any other string (read from its parts).
	 */
	private plainString(node: Node): ValueNode | undefined {
		const range = this.range(node);
		const open = /^([A-Za-z]{0,2})("""|'''|"|')/.exec(this.text.slice(range.start, range.start + 5));
		if (!open) {
			return undefined;
		}
		const prefix = open[1].toLowerCase();
		const quote = open[2];
		if (prefix.includes('f') || prefix.includes('b') || range.end - range.start < open[0].length + quote.length || !this.text.endsWith(quote, range.end)) {
			return undefined;
		}
		const inner = this.text.slice(range.start + open[0].length, range.end - quote.length);
		return inner.includes('\\') || inner.includes(quote[0]) ? undefined : scalar(range, this.literalText(inner, prefix, false));
	}

	/** The text of literal pieces of a string, decoded as Python reads them (universal newlines, escapes). */
	private literalText(raw: string, prefix: string, fString: boolean): string {
		// Python reads source with universal newlines: a CRLF file's multi-line string holds LF.
		raw = raw.replace(/\r\n?/g, '\n');
		const value = prefix.includes('r') ? raw : unescapePython(raw);
		return fString ? value.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : value;
	}

	/** `f"Hi {NAME}"`: joined when every substitution is a known scalar without conversion or format spec. */
	private fString(node: Node, prefix: string, startEnd: number, end: Node | undefined, depth: number): ValueNode {
		let value = '';
		let at = startEnd;
		for (const part of node.namedChildren) {
			if (part?.type !== 'interpolation') {
				continue;
			}
			value += this.literalText(this.text.slice(at, part.startIndex), prefix, true);
			const expr = part.childForFieldName('expression');
			const piece = expr && !part.childForFieldName('type_conversion') && !part.childForFieldName('format_specifier')
				? pythonStr(this.evaluate(expr, depth)) : undefined;
			if (piece === undefined) {
				return this.unresolved(node, 'f-string substitution');
			}
			value += piece;
			at = part.endIndex;
		}
		value += this.literalText(this.text.slice(at, end ? end.startIndex : node.endIndex), prefix, true);
		return scalar(this.range(node), value);
	}

	/** `"…".format(…)`, `"…".replace(a, b)` on a known string; anything else is a function call. */
	private stringMethod(node: Node, fn: Node, args: Node, depth: number): ValueNode | undefined {
		const method = fn.childForFieldName('attribute')?.text;
		const owner = fn.childForFieldName('object');
		if (!owner || (method !== 'format' && method !== 'replace')) {
			return undefined;
		}
		const self = this.evaluate(owner, depth);
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
					named.set(k, this.evaluate(v, depth));
				}
			} else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
				return this.unresolved(node, 'function call');
			} else {
				positional.push(this.evaluate(a, depth));
			}
		}
		const range = this.range(node);
		if (method === 'replace') {
			const [from, to, count] = positional.map(pythonStr);
			if (from === undefined || to === undefined || positional.length > 2 || count !== undefined) {
				return this.unresolved(node, 'function call');
			}
			return scalar(range, self.value.split(from).join(to));
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
		return failed ? this.unresolved(node, 'string formatting') : scalar(range, value);
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
		return failed || leftover.includes('%') ? this.unresolved(node, 'string formatting') : scalar(this.range(node), value);
	}

	private list(node: Node, depth: number): ValueNode {
		const items: ValueNode[] = [];
		for (const child of node.namedChildren) {
			const type = child?.type;
			if (!child || type === 'comment') {
				continue;
			}
			if (type === 'list_splat') {
				const inner = firstNamed(child);
				spreadItems(items, inner ? this.evaluate(inner, depth) : this.unresolved(child, 'expression'), () => this.unresolved(child, 'spread of a non-list'));
				continue;
			}
			items.push(this.evaluate(child, depth));
		}
		return { kind: 'array', range: this.range(node), items };
	}

	private dictionary(node: Node, depth: number): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const child of node.namedChildren) {
			const type = child?.type;
			if (!child || type === 'comment') {
				continue;
			}
			if (type === 'dictionary_splat') {
				this.spread(child, props, unresolved, depth);
				continue;
			}
			if (type !== 'pair') {
				continue;
			}
			const keyNode = child.childForFieldName('key');
			const valueNode = child.childForFieldName('value');
			const key = keyNode ? stringValue(this.evaluate(keyNode, depth)) : undefined;
			if (key === undefined || !valueNode) {
				unresolved.push(this.unresolved(child, 'computed key'));
				continue;
			}
			props.push({ key, range: this.range(child), value: this.evaluate(valueNode, depth) });
		}
		return objectOf(this.range(node), props, unresolved);
	}

	private spread(splat: Node, props: PropNode[], unresolved: ObjectNode['unresolved'], depth: number): void {
		const inner = firstNamed(splat);
		const value = inner ? this.evaluate(inner, depth) : this.unresolved(splat, 'expression');
		// `**` of anything but a mapping is a TypeError in Python: say so.
		spreadProps(props, unresolved, value, () => this.unresolved(splat, 'spread of a non-dict'));
	}

	/** `f(a=1, **rest)` as the dictionary `{"a": 1, ...rest}`; positional arguments are not data. */
	keywordArguments(args: Node, range: TextRange, depth = 0): ObjectNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const child of args.namedChildren) {
			const type = child?.type;
			if (!child) {
				continue;
			}
			if (type === 'keyword_argument') {
				const name = child.childForFieldName('name');
				const value = child.childForFieldName('value');
				if (name && value) {
					props.push({ key: this.nodeText(name), range: this.range(child), value: this.evaluate(value, depth) });
				}
			} else if (type === 'dictionary_splat') {
				this.spread(child, props, unresolved, depth);
			}
		}
		return objectOf(range, props, unresolved);
	}

	/**
	 * The names of an attribute chain (`client.beta.messages.create`), a name at its head followed to the
	 * chain it is bound to when `follow` (`mc = client.beta.messages; mc.create(...)`, up to the depth limit).
	 * A head that is no name (`anthropic.Anthropic().messages`) adds nothing.
	 */
	resourceChain(node: Node | null, follow: boolean, hops = 0): string[] {
		const names: string[] = [];
		let current = node;
		let type = current?.type;
		while (current && type === 'attribute') {
			const attribute = current.childForFieldName('attribute');
			names.unshift(attribute ? this.nodeText(attribute) : '');
			current = current.childForFieldName('object');
			type = current?.type;
		}
		if (!current || type !== 'identifier') {
			return names;
		}
		const value = follow && hops < maxDepth ? this.resolve(current)?.value : undefined;
		return value && (value.type === 'attribute' || value.type === 'identifier')
			? [...this.resourceChain(value, true, hops + 1), ...names]
			: [current.text, ...names];
	}

	/** The expression a name is bound to (its value's node, even if changed later), recorded as read. */
	assignedValue(use: Node): Node | undefined {
		const read = this.readName(use);
		this.recording?.push(read);
		return read.decl?.value;
	}

	/**
	 * Python's scopes, walked out from the use: a comprehension's loop variables, a function's (or lambda's)
	 * parameters, then what the function's body binds; at last the module's names. What the bodies bind is
	 * the engine's index (`declarationAt`), asked only when no parameter answers first.
	 */
	override resolve(use: Node, name = this.nodeText(use)): Declaration | undefined {
		let bound: Declaration | undefined | null = null;
		for (let scope: Node | null = use.parent; scope; scope = scope.parent) {
			const type = scope.type;
			if (comprehensionTypes.has(type)) {
				if (this.comprehensionBinds(scope, name)) {
					return { scope, start: scope.startIndex, reason: 'loop variable' };
				}
			} else if (type === 'function_definition' || type === 'lambda') {
				const params = scope.childForFieldName('parameters');
				if (params && this.parameterNames(scope, params).has(name)) {
					return { scope, start: params.startIndex, reason: 'parameter' };
				}
				if (type === 'function_definition') {
					bound ??= super.resolve(use, name);
					if (bound?.scope.id === scope.id) {
						return bound;
					}
				}
			} else if (type === 'module') {
				bound ??= super.resolve(use, name);
				return bound?.scope.id === scope.id ? bound : undefined;
			}
		}
		return undefined;
	}

	private comprehensionBinds(scope: Node, name: string): boolean {
		return scope.namedChildren.some(c => {
			const left = c?.type === 'for_in_clause' ? c.childForFieldName('left') : null;
			return left !== null && (left.type === 'identifier' ? left.text === name : left.descendantsOfType('identifier').some(id => id?.text === name));
		});
	}

	private parameterNames(fn: Node, params: Node): Set<string> {
		let names = this.parameters.get(fn.id);
		if (names) {
			return names;
		}
		names = new Set<string>();
		for (const p of params.namedChildren) {
			if (!p) {
				continue;
			}
			const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren.find(c => c?.type === 'identifier'));
			if (id) {
				names.add(id.text);
			}
		}
		this.parameters.set(fn.id, names);
		return names;
	}

	/**
	 * The scope a statement binds in when it is one of a module's or a function body's own statements (not
	 * inside an `if`, a loop, a `with` or a class): the module, or the function (whose parameters come first).
	 */
	private bindingScope(statement: Node): Node | undefined {
		const parent = statement.parent;
		if (parent?.type === 'module') {
			return parent;
		}
		const fn = parent?.type === 'block' ? parent.parent : null;
		return fn?.type === 'function_definition' ? fn : undefined;
	}

	/** `NAME = value`, `NAME: T = value`, `a, b = …` (each name unpacked), imports, `def` and `class` names. */
	protected declarationAt(name: Node): Declaration | undefined {
		if (name.type !== 'identifier') {
			return undefined;
		}
		const parent = name.parent;
		if (!parent) {
			return undefined;
		}
		switch (parent.type) {
			case 'function_definition':
			case 'class_definition': {
				const scope = parent.childForFieldName('name')?.id === name.id ? this.bindingScope(parent) : undefined;
				return scope && { scope, start: parent.startIndex, reason: parent.type === 'function_definition' ? 'function' : 'class' };
			}
			case 'dotted_name': {
				// `import a.b` binds `a`; so does the `a` of `from a import b` (as the first reader had it).
				const holder = parent.parent;
				const statement = holder?.type === 'relative_import' ? holder.parent : holder;
				if (parent.firstChild?.id !== name.id || !statement || (statement.type !== 'import_statement' && statement.type !== 'import_from_statement')) {
					return undefined;
				}
				const scope = this.bindingScope(statement);
				return scope && { scope, start: statement.startIndex, reason: 'imported value' };
			}
			case 'aliased_import': {
				const statement = parent.parent;
				const scope = parent.childForFieldName('alias')?.id === name.id && statement ? this.bindingScope(statement) : undefined;
				return scope && { scope, start: statement!.startIndex, reason: 'imported value' };
			}
			default:
				break;
		}
		// The target of an assignment that is a statement of its own: the name itself, or a name inside it (unpacked).
		let target = name;
		let assignment: Node | null = parent;
		while (assignment && assignment.type !== 'assignment' && !statementLike.test(assignment.type)) {
			target = assignment;
			assignment = assignment.parent;
		}
		const statement = assignment?.type === 'assignment' ? assignment.parent : null;
		if (!assignment || statement?.type !== 'expression_statement' || assignment.childForFieldName('left')?.id !== target.id
			|| statement.firstNamedChild?.id !== assignment.id) {
			return undefined;
		}
		const scope = this.bindingScope(statement);
		if (!scope) {
			return undefined;
		}
		if (target.id !== name.id) {
			return { scope, start: statement.startIndex, reason: 'unpacked value' };
		}
		const right = assignment.childForFieldName('right');
		return right && right.type !== 'assignment'
			? { scope, start: statement.startIndex, value: right }
			: { scope, start: statement.startIndex, reason: right ? 'chained assignment' : 'declared without a value' };
	}

	/** `x.append(…)` (extend, insert) and `x += …` change the list; `x = …` in a block binds it anew. */
	protected mutationAt(name: Node): boolean | 'rebind' {
		// Only an occurrence followed by `.`, an assignment operator or `:` (or a comment or line continuation
		// before one) can be a change: the others (most: uses as arguments) need no look at the tree.
		let next = name.endIndex;
		while (next < this.text.length && /\s/.test(this.text[next])) {
			next++;
		}
		if (!mutationFollows.test(this.text[next] ?? '') || name.type !== 'identifier') {
			return false;
		}
		const parent = name.parent;
		if (parent?.type === 'attribute' && parent.childForFieldName('object')?.startIndex === name.startIndex) {
			const call = parent.parent;
			return call?.type === 'call' && call.childForFieldName('function')?.id === parent.id
				&& /^(append|extend|insert)$/.test(parent.childForFieldName('attribute')?.text ?? '');
		}
		if ((parent?.type === 'augmented_assignment' || parent?.type === 'assignment') && parent.childForFieldName('left')?.id === name.id) {
			return parent.type === 'assignment' ? 'rebind' : true;
		}
		return false;
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement' || node.type === 'while_statement';
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
function comprehension(evaluator: PythonEvaluator, node: Node): { entry: ValueNode; range: TextRange; count: Unresolved } | undefined {
	if (node.type !== 'list_comprehension') {
		return undefined;
	}
	const body = node.childForFieldName('body');
	const loop = node.namedChildren.find(c => c?.type === 'for_in_clause');
	if (!body || !loop) {
		return undefined;
	}
	return {
		entry: evaluator.evaluate(body), range: evaluator.range(node),
		count: { path: '', range: evaluator.range(loop), text: shortText(loop.text), reason: 'one request per item of a comprehension: how many is known at run time' },
	};
}

/** The keyword argument's value node of a call (`body=…`, `requests=…`). */
function keywordValue(args: Node, name: string): Node | undefined {
	return args.namedChildren.find(c => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === name)?.childForFieldName('value') ?? undefined;
}

const messageMethods: Record<string, SdkMethod> = { create: 'create', stream: 'stream', count_tokens: 'count_tokens', parse: 'parse', tool_runner: 'tool_runner' };

/** A batch call: its requests, or the element of the comprehension that builds them. */
function batchCall(ev: PythonEvaluator, call: Node, args: Node, idName: string): SdkCall {
	let built: ReturnType<typeof comprehension>;
	return {
		call, method: 'batch', idName,
		payload: () => {
			const kwargs = ev.keywordArguments(args, ev.range(args));
			const requests = keywordValue(args, 'requests');
			built = requests ? comprehension(ev, requests) : undefined;
			return kwargs;
		},
		push: (value, origin, out) => {
			const first = out.length;
			if (built) {
				// `[Request(...) for x in items]`: one entry stands for all; how many is known at run time.
				const count = built.count;
				pushBatchEntries({ kind: 'array', range: built.range, items: [built.entry] }, origin.id, 'python', ev.text, out);
				for (let i = first; i < out.length; i++) {
					out[i] = { ...out[i], unresolved: [...out[i].unresolved, count] };
				}
			} else {
				pushBatchEntries(value.kind === 'object' ? getValue(value, 'requests') : undefined, origin.id, 'python', ev.text, out);
			}
			for (let i = first; i < out.length; i++) {
				out[i] = { ...out[i], method: 'batch' };
			}
		},
	};
}

/** A boto3 Bedrock call: `converse(...)` as it is, `invoke_model(...)` by its `json.dumps` body. */
function bedrockCall(ev: PythonEvaluator, call: Node, args: Node, idName: string, defaultModelId: string | undefined): SdkCall {
	const converse = idName.startsWith('converse');
	let body: ValueNode | undefined;
	const modelIdOf = (value: ValueNode): ValueNode | undefined => (value.kind === 'object' ? getValue(value, 'modelId') : undefined);
	return {
		call, method: converse ? 'converse' : 'invoke_model', idName,
		payload: () => {
			const kwargs = ev.keywordArguments(args, ev.range(args));
			if (!converse) {
				let bodyExpr = keywordValue(args, 'body');
				if (bodyExpr?.type === 'identifier') {
					// body = json.dumps({...}); invoke_model(..., body=body)
					bodyExpr = ev.assignedValue(bodyExpr) ?? bodyExpr;
				}
				const inner = dumpedArgument(bodyExpr);
				body = inner ? ev.evaluate(inner) : undefined;
			}
			return kwargs;
		},
		// Another vendor's model on Bedrock (Cohere, Nova, Llama, AI21, Mistral, Titan …) is no Claude request.
		numbered: value => {
			const modelId = stringValue(modelIdOf(value));
			return modelId === undefined || isAnthropicModelId(modelId);
		},
		push: (value, origin, out) => {
			const kwargs = value as ObjectNode;
			const modelIdNode = modelIdOf(kwargs);
			const modelId = stringValue(modelIdNode);
			if (modelId !== undefined && !isAnthropicModelId(modelId)) {
				return;
			}
			// A model id known only at run time: the figure is for the default model, and the list says so.
			const withModelId = (site: RequestSite): RequestSite => (modelIdNode?.kind === 'unresolved'
				? { ...site, unresolved: [...site.unresolved, { path: '/modelId', range: modelIdNode.range, text: modelIdNode.text, reason: `model id: ${modelIdNode.reason}` }] }
				: site);
			const full: SiteOrigin = { ...origin, bedrockModelId: modelId ?? defaultModelId, bedrockModelIdFromDocument: modelId !== undefined };
			if (converse) {
				if (getValue(kwargs, 'messages')) {
					out.push({ ...withModelId(buildSite(kwargs, 'bedrock-converse', full)), method: 'converse' });
				}
			} else if (body?.kind === 'object' && getValue(body, 'messages')) {
				out.push({ ...withModelId(buildSite(body, 'bedrock-invoke', full)), method: 'invoke_model' });
			}
		},
	};
}

function makeBinding(bedrockModelId: string | undefined): LanguageBinding<PythonEvaluator> {
	return {
		grammar: 'python',
		language: 'python',
		idPrefix: 'py',
		/** `.create(`, `.count_tokens(`, `.converse(` …: candidates found in the text, confirmed on the syntax tree. */
		candidates: /\.\s*(create|stream|count_tokens|parse|tool_runner|invoke_model|invoke_model_with_response_stream|converse|converse_stream)\s*\(/,
		makeEvaluator: (text: string, tree: Tree) => new PythonEvaluator(text, tree),
		closeHalfTyped: halfTypedCloser('python'),
		sdkCall(name: Node, ev: PythonEvaluator): SdkCall | undefined {
			const fn = name.parent;
			const call = fn?.parent;
			if (name.type !== 'identifier' || fn?.type !== 'attribute' || call?.type !== 'call' || call.childForFieldName('function')?.id !== fn.id) {
				return undefined;
			}
			const args = call.childForFieldName('arguments');
			// `client.messages.create` names its resource itself; other owners are followed as aliases (a lookup).
			const idName = sdkMethod(ev.resourceChain(fn, false)) ?? sdkMethod(ev.resourceChain(fn, true));
			if (!idName || !args || args.namedChildren.length === 0) {
				return undefined;
			}
			if (idName.endsWith('batches.create')) {
				return batchCall(ev, call, args, idName);
			}
			if (idName.startsWith('invoke_model') || idName.startsWith('converse')) {
				return bedrockCall(ev, call, args, idName, bedrockModelId);
			}
			const method = messageMethods[idName.slice(idName.lastIndexOf('.') + 1)];
			return {
				call, method, idName,
				payload: () => ev.keywordArguments(args, ev.range(args)),
				push: (value, origin, out) => out.push({ ...buildSite(value as ObjectNode, 'messages', origin), method }),
			};
		},
	};
}

const bindings = new Map<string, LanguageBinding<PythonEvaluator>>();

/** Requests in a Python document (and in a notebook's code cells, which are Python). */
export function detectPython(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	const key = options.bedrockModelId ?? '';
	let binding = bindings.get(key);
	if (!binding) {
		binding = makeBinding(options.bedrockModelId);
		bindings.set(key, binding);
	}
	return detectWithBinding(binding, text, options, out);
}
