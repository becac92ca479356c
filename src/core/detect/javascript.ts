/**
 * TypeScript / TSX / JavaScript / JSX binding of the engine: object-literal arguments of
 * `client.messages.create/stream/countTokens/parse/toolRunner({...})` (also `beta.messages.*`, resource
 * aliases such as `const mc = client.beta.messages`, and `messages.batches.create({ requests })`), and the
 * AWS SDK's Bedrock commands (`new InvokeModelCommand({ modelId, body: JSON.stringify({...}) })`,
 * `new ConverseCommand({...})`). Values: literals, template literals (joined when every substitution is
 * known), `+`, `.concat(...)`, spreads, same-file constants through their block scopes.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, SiteLanguage, SiteShape, TextRange } from '../types';
import { asObject, concatCall, concatenation, isAnthropicModelId, negation, spreadItems, spreadProps } from './evalHelpers';
import { detectWithBinding, namedArgs, scalar, TreeEvaluator, typedArgs, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { buildSite, classifyRequest, type SiteOrigin } from './site';
import type { GrammarName } from './treeSitter';
import { getValue, stringValue, type ObjectNode, type PropNode, type ValueNode } from './valueTree';

/** Decodes a string or template literal's text as JavaScript does (escapes; CRLF in templates). */
export function cookString(raw: string, template: boolean): string {
	if (template) {
		raw = raw.replace(/\r\n?/g, '\n');
	}
	if (!raw.includes('\\')) {
		return raw;
	}
	return raw.replace(/\\(u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|\r\n|[\s\S])/g, (all, esc: string, cp?: string, u4?: string, x2?: string) => {
		if (cp !== undefined || u4 !== undefined || x2 !== undefined) {
			const code = parseInt((cp ?? u4 ?? x2)!, 16);
			return code <= 0x10ffff ? String.fromCodePoint(code) : all;
		}
		switch (esc) {
			case 'n': return '\n';
			case 't': return '\t';
			case 'r': return '\r';
			case 'b': return '\b';
			case 'f': return '\f';
			case 'v': return '\v';
			case '0': return '\0';
			case '\n': case '\r': case '\r\n': case '\u2028': case '\u2029': return '';
			default: return esc;
		}
	});
}

/** Expressions that are their operand's value (`x as const`, `x satisfies T`, `<T>x`, `(x)`, `x!`). */
const wrappers = new Set(['parenthesized_expression', 'as_expression', 'satisfies_expression', 'type_assertion', 'non_null_expression']);
/** Nodes that end a declaration's visibility (`var` is read like `let`, as the compiler-based reader did). */
const blockTypes = new Set(['statement_block', 'program', 'switch_case', 'switch_default']);
const functionTypes = new Set(['function_declaration', 'function_expression', 'function', 'generator_function_declaration', 'generator_function',
	'arrow_function', 'method_definition']);
/** Pattern nodes a binding name sits in, with the field that binds (others hold property names or defaults). */
const patternFields: Record<string, string | undefined> = {
	object_pattern: undefined, array_pattern: undefined, rest_pattern: undefined,
	pair_pattern: 'value', assignment_pattern: 'left', object_assignment_pattern: 'left',
};

class JsEvaluator extends TreeEvaluator {
	protected override unknownName = 'unknown identifier';
	/** `JSON.stringify(x)` calls evaluated so far, by range: x's value (a Bedrock InvokeModel body). */
	readonly stringified = new Map<string, ValueNode>();

	evaluate(node: Node, depth = 0): ValueNode {
		return this.evaluateTyped(node, node.type, depth);
	}

	/**
	 * `evaluate` of a node whose type (and range) the caller has read already: a node's type and ends are read
	 * once, as each read of a node's property is a call into the parser's WebAssembly.
	 */
	private evaluateTyped(node: Node, type: string, depth: number, known?: TextRange): ValueNode {
		while (wrappers.has(type)) {
			const inner = type === 'type_assertion' ? typedArgs(node).at(-1) : typedArgs(node)[0];
			if (!inner) {
				return this.unresolved(node, 'expression');
			}
			node = inner.node;
			type = inner.type;
			known = undefined;
		}
		const range = known ?? this.range(node);
		// An error node's type is ERROR; a missing node (inserted by error recovery) is empty.
		if (type === 'ERROR' || (range.start === range.end && node.isMissing)) {
			return this.unresolved(node, 'expression');
		}
		switch (type) {
			case 'string':
				return scalar(range, cookString(this.text.slice(range.start + 1, Math.max(range.start + 1, range.end - 1)), false));
			case 'template_string':
				return this.template(node, depth, range);
			case 'number': {
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'expression') : scalar(range, value);
			}
			case 'true':
				return scalar(range, true);
			case 'false':
				return scalar(range, false);
			case 'null':
				return scalar(range, null);
			case 'undefined':
				return this.unresolved(node, this.unknownName);
			case 'array':
				return this.array(node, depth, range);
			case 'object':
				return this.object(node, depth, range);
			case 'identifier':
				return this.identifier(node, depth);
			case 'unary_expression': {
				const operand = node.childForFieldName('argument');
				return operand && node.childForFieldName('operator')?.text === '-'
					? negation(this.evaluate(operand, depth), range, this.maker(node))
					: this.unresolved(node, 'expression');
			}
			case 'binary_expression': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					return concatenation(this.evaluate(left, depth), this.evaluate(right, depth), range, 'javascript', this.maker(node));
				}
				return this.unresolved(node, 'expression');
			}
			case 'member_expression': {
				// PROMPTS.system, where PROMPTS is a same-file object literal.
				const object = node.childForFieldName('object');
				const property = node.childForFieldName('property');
				if (!object || !property) {
					return this.unresolved(node, 'expression');
				}
				const owner = this.evaluate(object, depth);
				return owner.kind === 'object' ? (getValue(owner, property.text) ?? this.unresolved(node, 'property access'))
					: this.unresolved(node, owner.kind === 'unresolved' ? owner.reason : 'property access');
			}
			case 'call_expression':
				return this.call(node, depth);
			case 'new_expression':
				return this.unresolved(node, 'function call');
			case 'await_expression':
				return this.unresolved(node, 'awaited value');
			default:
				return this.unresolved(node, 'expression');
		}
	}

	/** A template literal: its text when every substitution is known (a same-file constant), else unresolved. */
	private template(node: Node, depth: number, range: TextRange): ValueNode {
		const whole = this.text.slice(range.start + 1, Math.max(range.start + 1, range.end - 1));
		if (!whole.includes('${')) {
			// No substitution: its text is its value, without reading its parts from the tree.
			return scalar(range, cookString(whole, true));
		}
		let value = '';
		let at = node.startIndex + 1;
		for (const child of node.namedChildren) {
			if (child?.type !== 'template_substitution') {
				continue;
			}
			value += cookString(this.text.slice(at, child.startIndex), true);
			const inner = namedArgs(child);
			const part = inner.length === 1 ? this.evaluate(inner[0], depth) : undefined;
			if (part?.kind !== 'scalar') {
				return this.unresolved(node, 'template with substitutions');
			}
			value += String(part.value);
			at = child.endIndex;
		}
		value += cookString(this.text.slice(at, Math.max(at, range.end - 1)), true);
		return scalar(range, value);
	}

	private call(node: Node, depth: number): ValueNode {
		const fn = node.childForFieldName('function');
		const args = namedArgs(node.childForFieldName('arguments'));
		const property = fn?.type === 'member_expression' ? fn.childForFieldName('property')?.text : undefined;
		const object = fn?.type === 'member_expression' ? fn.childForFieldName('object') : null;
		if (property === 'concat' && object) {
			// EXAMPLES.concat([...]): list concatenation of same-file arrays.
			const owner = this.evaluate(object, depth);
			return concatCall(owner, args.map(a => a.type === 'spread_element' ? this.unresolved(a, 'expression') : this.evaluate(a, depth)), this.range(node), this.maker(node));
		}
		if (property === 'stringify' && object?.type === 'identifier' && object.text === 'JSON' && args.length > 0) {
			// Kept for a Bedrock command's body; as a value the call's result (a string) is not evaluated.
			this.stringified.set(`${node.startIndex}:${node.endIndex}`, this.evaluate(args[0], depth));
		}
		return this.unresolved(node, 'function call');
	}

	private array(node: Node, depth: number, range: TextRange): ValueNode {
		const items: ValueNode[] = [];
		for (const { node: child, type } of typedArgs(node)) {
			if (type === 'spread_element') {
				const inner = typedArgs(child)[0];
				spreadItems(items, inner ? this.evaluateTyped(inner.node, inner.type, depth) : this.unresolved(child, 'expression'), () => this.unresolved(child, 'spread of a non-array'));
				continue;
			}
			items.push(this.evaluateTyped(child, type, depth));
		}
		return { kind: 'array', range, items };
	}

	private object(node: Node, depth: number, range: TextRange): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const { node: child, type } of typedArgs(node)) {
			switch (type) {
				case 'spread_element': {
					// Spreading a scalar or an array adds no keys a request reads: nothing to record.
					const inner = typedArgs(child)[0];
					spreadProps(props, unresolved, inner ? this.evaluateTyped(inner.node, inner.type, depth) : this.unresolved(child, 'expression'));
					break;
				}
				case 'shorthand_property_identifier':
					props.push({ key: this.nodeText(child), range: this.range(child), value: this.identifier(child, depth) });
					break;
				case 'pair': {
					const keyNode = child.childForFieldName('key');
					const valueNode = child.childForFieldName('value');
					const key = keyNode ? this.propertyName(keyNode, depth) : undefined;
					if (key === undefined) {
						unresolved.push(this.unresolved(child, 'computed property name'));
						break;
					}
					const valueType = valueNode?.type;
					if (!valueNode || valueType === undefined || valueType === 'undefined') {
						break; // `key: undefined` is not sent
					}
					const valueRange = this.range(valueNode);
					if (valueRange.start === valueRange.end && valueNode.isMissing) {
						break; // a key still being typed has no value yet (a missing node is empty)
					}
					props.push({ key, range: this.range(child), value: this.evaluateTyped(valueNode, valueType, depth, valueRange) });
					break;
				}
				default:
					break; // methods and accessors are not data
			}
		}
		return { kind: 'object', range, props, unresolved };
	}

	private propertyName(key: Node, depth: number): string | undefined {
		switch (key.type) {
			case 'property_identifier':
			case 'private_property_identifier':
				return this.nodeText(key);
			case 'string':
				return cookString(this.text.slice(key.startIndex + 1, key.endIndex - 1), false);
			case 'number': {
				const value = Number(key.text.replace(/_/g, ''));
				return Number.isNaN(value) ? key.text : String(value);
			}
			case 'computed_property_name': {
				const inner = namedArgs(key)[0];
				return inner ? stringValue(this.evaluate(inner, depth)) : undefined;
			}
			default:
				return undefined;
		}
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const parent = name.parent;
		if (!parent) {
			return undefined;
		}
		switch (parent.type) {
			case 'import_specifier': {
				const alias = parent.childForFieldName('alias');
				return (alias ?? parent.childForFieldName('name'))?.id === name.id ? this.imported(parent) : undefined;
			}
			case 'namespace_import':
			case 'import_clause':
			case 'import_require_clause':
				return name.type === 'identifier' ? this.imported(parent) : undefined;
			case 'function_declaration':
			case 'generator_function_declaration':
				return parent.childForFieldName('name')?.id === name.id ? { scope: this.blockOf(parent), start: parent.startIndex, reason: 'function' } : undefined;
			case 'class_declaration':
			case 'abstract_class_declaration':
			case 'enum_declaration':
				return parent.childForFieldName('name')?.id === name.id ? { scope: this.blockOf(parent), start: parent.startIndex, reason: 'class or enum' } : undefined;
			default:
				break;
		}
		if (name.type !== 'identifier' && name.type !== 'shorthand_property_identifier_pattern') {
			return undefined;
		}
		// Up through destructuring patterns to what binds the name.
		let node: Node = name;
		let owner: Node | null = parent;
		let destructured = false;
		while (owner && owner.type in patternFields) {
			const field = patternFields[owner.type];
			if (field !== undefined && owner.childForFieldName(field)?.id !== node.id) {
				return undefined;
			}
			destructured = true;
			node = owner;
			owner = owner.parent;
		}
		if (!owner) {
			return undefined;
		}
		switch (owner.type) {
			case 'variable_declarator': {
				if (owner.childForFieldName('name')?.id !== node.id) {
					return undefined;
				}
				const declaration = owner.parent;
				const loop = declaration?.parent;
				if (loop?.type === 'for_statement' && loop.childForFieldName('initializer')?.id === declaration!.id) {
					return { scope: loop, start: loop.startIndex, reason: 'loop variable' };
				}
				const value = owner.childForFieldName('value') ?? undefined;
				const reason = destructured ? 'destructured value' : value ? undefined : 'declared without a value';
				return { scope: this.blockOf(owner), start: owner.startIndex, value: destructured ? undefined : value, reason };
			}
			case 'required_parameter':
			case 'optional_parameter':
				return owner.childForFieldName('pattern')?.id === node.id ? this.parameter(owner.parent) : undefined;
			case 'formal_parameters':
				return this.parameter(owner);
			case 'arrow_function':
				return owner.childForFieldName('parameter')?.id === node.id ? { scope: owner, start: owner.startIndex, reason: 'parameter' } : undefined;
			case 'for_in_statement':
				return owner.childForFieldName('left')?.id === node.id ? { scope: owner, start: owner.startIndex, reason: 'loop variable' } : undefined;
			case 'catch_clause':
				return owner.childForFieldName('parameter')?.id === node.id ? { scope: owner, start: owner.startIndex, reason: 'caught value' } : undefined;
			default:
				return undefined;
		}
	}

	private imported(node: Node): Declaration {
		return { scope: this.root, start: node.startIndex, reason: 'imported value' };
	}

	private parameter(params: Node | null): Declaration | undefined {
		const fn = params?.type === 'formal_parameters' ? params.parent : params;
		return fn && functionTypes.has(fn.type) ? { scope: fn, start: fn.startIndex, reason: 'parameter' } : undefined;
	}

	private blockOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (blockTypes.has(n.type)) {
				return n;
			}
		}
		return this.root;
	}

	/** `x.push(…)` (unshift, splice), `x = …`, `x += …`, `x++`: the list or value changes before a later use. */
	protected mutationAt(name: Node): boolean {
		const parent = name.parent;
		if (!parent || name.type !== 'identifier') {
			return false;
		}
		if ((parent.type === 'assignment_expression' || parent.type === 'augmented_assignment_expression') && parent.childForFieldName('left')?.id === name.id) {
			return true;
		}
		if (parent.type === 'update_expression') {
			return true;
		}
		const call = parent.parent;
		return parent.type === 'member_expression' && parent.childForFieldName('object')?.id === name.id
			&& /^(push|unshift|splice)$/.test(parent.childForFieldName('property')?.text ?? '')
			&& call?.type === 'call_expression' && call.childForFieldName('function')?.id === parent.id;
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement' || node.type === 'for_in_statement' || node.type === 'while_statement' || node.type === 'do_statement';
	}

	/**
	 * The property names a resource expression ends with, aliases followed (`const mc = client.beta.messages`
	 * → ['client', 'beta', 'messages']); a call or `new` in the chain is written '()'.
	 */
	resourceChain(node: Node | null, hops = 0, follow = true): string[] {
		while (node && wrappers.has(node.type)) {
			node = namedArgs(node)[0] ?? null;
		}
		if (!node) {
			return [];
		}
		if (node.type === 'member_expression') {
			return [...this.resourceChain(node.childForFieldName('object'), hops, follow), node.childForFieldName('property')?.text ?? ''];
		}
		if (node.type === 'identifier' && !follow) {
			return [node.text];
		}
		if (node.type === 'identifier' && hops < 8) {
			const value = this.resolve(node)?.value;
			if (value && (value.type === 'member_expression' || value.type === 'identifier' || wrappers.has(value.type))) {
				return this.resourceChain(value, hops + 1);
			}
			return [node.text];
		}
		return ['()'];
	}
}

const methods: Record<string, SdkMethod> = { create: 'create', stream: 'stream', countTokens: 'count_tokens', parse: 'parse', toolRunner: 'tool_runner' };
const commands = new Set(['InvokeModelCommand', 'InvokeModelWithResponseStreamCommand', 'ConverseCommand', 'ConverseStreamCommand']);

/** The site of a Bedrock command, or none when it is not a Claude request. */
function pushCommand(ev: JsEvaluator, command: string, value: ValueNode, origin: Omit<SiteOrigin, 'bedrockModelId' | 'bedrockModelIdFromDocument'>,
	defaultModelId: string | undefined, out: RequestSite[]): void {
	if (value.kind !== 'object') {
		return;
	}
	const modelIdNode = getValue(value, 'modelId');
	const modelId = stringValue(modelIdNode);
	if (modelId !== undefined && !isAnthropicModelId(modelId)) {
		return;
	}
	const full: SiteOrigin = { ...origin, bedrockModelId: modelId ?? defaultModelId, bedrockModelIdFromDocument: modelId !== undefined };
	const method: SdkMethod = command.startsWith('Converse') ? 'converse' : 'invoke_model';
	let site: RequestSite;
	if (method === 'converse') {
		site = buildSite(value, 'bedrock-converse', full);
	} else {
		const bodyNode = getValue(value, 'body');
		const body = bodyNode && ev.stringified.get(`${bodyNode.range.start}:${bodyNode.range.end}`);
		// An InvokeModel body without `messages` is another model family's request (Titan's `inputText` …).
		if (body?.kind !== 'object' || !getValue(body, 'messages')) {
			return;
		}
		const shape: SiteShape = classifyRequest(body) === 'messages' ? 'messages' : 'bedrock-invoke';
		site = buildSite(body, shape, full);
	}
	// A model id known only at run time: the figure is for the default model, and the list says so.
	const unresolved = modelIdNode?.kind === 'unresolved'
		? [...site.unresolved, { path: '/modelId', range: modelIdNode.range, text: modelIdNode.text, reason: `model id: ${modelIdNode.reason}` }]
		: site.unresolved;
	out.push({ ...site, unresolved, method });
}

function makeBinding(grammar: GrammarName, language: SiteLanguage, idPrefix: string, bedrockModelId: string | undefined): LanguageBinding<JsEvaluator> {
	return {
		grammar,
		language,
		idPrefix,
		candidates: /(?:\.\s*|\bnew\s+(?:[\w$]+\s*\.\s*)*)(create|stream|countTokens|parse|toolRunner|InvokeModelCommand|InvokeModelWithResponseStreamCommand|ConverseCommand|ConverseStreamCommand)\b/,
		makeEvaluator: (text: string, tree: Tree) => new JsEvaluator(text, tree),
		closeHalfTyped: halfTypedCloser('javascript'),
		sdkCall(name: Node, ev: JsEvaluator): SdkCall | undefined {
			const nameText = ev.nodeText(name);
			if (commands.has(nameText)) {
				const target = name.parent?.type === 'member_expression' && name.parent.childForFieldName('property')?.id === name.id ? name.parent : name;
				const node = target.parent;
				const arg = namedArgs(node?.childForFieldName('arguments'))[0];
				if (node?.type !== 'new_expression' || node.childForFieldName('constructor')?.id !== target.id || !arg) {
					return undefined;
				}
				const method: SdkMethod = nameText.startsWith('Converse') ? 'converse' : 'invoke_model';
				return {
					call: node, method, idName: nameText, payload: () => ev.evaluate(arg),
					push: (value, origin, out) => pushCommand(ev, nameText, value, origin, bedrockModelId, out),
				};
			}
			const member = name.parent;
			const call = member?.parent;
			if (name.type !== 'property_identifier' || member?.type !== 'member_expression' || member.childForFieldName('property')?.id !== name.id
				|| call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== member.id) {
				return undefined;
			}
			const arg = namedArgs(call.childForFieldName('arguments'))[0];
			const method = methods[nameText];
			if (!arg || !method) {
				return undefined;
			}
			// `client.messages` names its resource itself; only other owners are followed as aliases (a lookup).
			const written = ev.resourceChain(member.childForFieldName('object'), 0, false);
			const direct = written.at(-1) === 'messages' ? written.length >= 2 : written.at(-1) === 'batches' && written.at(-2) === 'messages' && written.length >= 3;
			const chain = direct ? written : ev.resourceChain(member.childForFieldName('object'));
			const n = chain.length;
			const beta = (i: number): string => (chain[i] === 'beta' ? 'beta.' : '');
			if (n >= 3 && nameText === 'create' && chain[n - 1] === 'batches' && chain[n - 2] === 'messages') {
				return { call, method: 'batch', idName: `${beta(n - 3)}messages.batches.create`, payload: () => ev.evaluate(arg) };
			}
			if (n < 2 || chain[n - 1] !== 'messages') {
				return undefined;
			}
			return {
				call, method, idName: `${beta(n - 2)}messages.${nameText}`, payload: () => ev.evaluate(arg),
				push: (value, origin, out) => out.push({ ...buildSite(asObject(value), 'messages', origin), method }),
			};
		},
	};
}

const bindings = new Map<string, LanguageBinding<JsEvaluator>>();

export interface JsDetectOptions extends EngineOptions {
	readonly languageId?: string;
}

/** Requests in a TypeScript or JavaScript document (`.tsx`/`.jsx` and the React language ids read JSX). */
export function detectJavaScript(text: string, language: 'typescript' | 'javascript', options: JsDetectOptions, out: RequestSite[]): Promise<void> {
	const ext = /\.([a-z]+)$/i.exec(options.fileName ?? '')?.[1]?.toLowerCase();
	const jsx = ext === 'tsx' || ext === 'jsx' || options.languageId === 'typescriptreact' || options.languageId === 'javascriptreact';
	const grammar: GrammarName = language === 'javascript' ? 'javascript' : jsx ? 'tsx' : 'typescript';
	const key = `${grammar}:${options.bedrockModelId ?? ''}`;
	let binding = bindings.get(key);
	if (!binding) {
		binding = makeBinding(grammar, language, language === 'typescript' ? 'ts' : 'js', options.bedrockModelId);
		bindings.set(key, binding);
	}
	return detectWithBinding(binding, text, options, out);
}
