/**
 * C# binding of the engine: `client.Messages.Create(parameters)` (also `CreateStreaming`, `CountTokens`,
 * `Beta.Messages.*`, `Messages.Batches.Create`), with the parameters written as object initializers
 * (`new MessageCreateParams { MaxTokens = 1024, Messages = [new() { Role = Role.User, Content = "…" }] }`),
 * collection expressions and `new List<T> { … }`, properties in the API's names, `Model.ClaudeSonnet5`.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod } from '../types';
import { concatenation, negation } from './evalHelpers';
import { detectWithBinding, impliedType, interpolated, namedArgs, objectOf, roleConstant, scalar, snakeCase, TreeEvaluator, typedArgs, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall, type TypedNode } from './engine';
import { halfTypedCloser } from './halfTyped';
import { csharpModels } from './sdkModels';
import type { PropNode, UnresolvedNode, ValueNode } from './valueTree';

/** A raw string literal's value: the lines between the quote lines, the closing line's indentation removed. */
function rawStringValue(raw: string): string {
	const quotes = /^"+/.exec(raw)![0].length;
	const inner = raw.slice(quotes, raw.length - quotes);
	if (!inner.includes('\n')) {
		return inner;
	}
	const lines = inner.replace(/\r\n?/g, '\n').split('\n').slice(1);
	const indent = /^[ \t]*/.exec(lines[lines.length - 1] ?? '')![0].length;
	return lines.slice(0, -1).map(l => l.slice(indent)).join('\n');
}

class CsharpEvaluator extends TreeEvaluator {
	// `type` is the node's type when the caller has read it: each read of a node's type or end is a call into
	// the parser's wasm, so each is read once, and a node's range only where a value is made from it.
	evaluate(node: Node, depth = 0, typeName = '', type = node.type): ValueNode {
		switch (type) {
			case 'string_literal': {
				const range = this.range(node);
				const raw = this.text.slice(range.start, range.end).replace(/u8$/, '');
				return scalar(range, unescapeC(raw.slice(1, -1)));
			}
			case 'verbatim_string_literal': {
				const range = this.range(node);
				return scalar(range, this.text.slice(range.start, range.end).slice(2, -1).replace(/""/g, '"'));
			}
			case 'raw_string_literal': {
				const range = this.range(node);
				return scalar(range, rawStringValue(this.text.slice(range.start, range.end)));
			}
			case 'interpolated_string_expression':
				return this.interpolation(node, depth);
			case 'integer_literal':
			case 'real_literal': {
				const range = this.range(node);
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, '').replace(/[uUlLfFdDmM]+$/, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'boolean_literal': {
				const range = this.range(node);
				return scalar(range, this.text.slice(range.start, range.end) === 'true');
			}
			case 'null_literal':
				return scalar(this.range(node), null);
			case 'parenthesized_expression':
				return this.evaluate(namedArgs(node)[0] ?? node, depth);
			case 'prefix_unary_expression': {
				const operand = namedArgs(node)[0];
				return operand && this.text.startsWith('-', node.startIndex) ? negation(this.evaluate(operand, depth), this.range(node), this.maker(node)) : this.unresolved(node, 'expression');
			}
			case 'binary_expression': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					return concatenation(this.evaluate(left, depth), this.evaluate(right, depth), this.range(node), 'javascript', this.maker(node));
				}
				return this.unresolved(node, 'expression');
			}
			case 'identifier':
				return this.identifier(node, depth);
			case 'member_access_expression': {
				const nameNode = node.childForFieldName('name');
				const ownerNode = node.childForFieldName('expression');
				const name = nameNode ? this.nodeText(nameNode) : '';
				const owner = ownerNode ? this.nodeText(ownerNode) : '';
				if (/(^|\.)Model$/.test(owner) && csharpModels[name]) {
					return scalar(this.range(node), csharpModels[name]);
				}
				const role = /(^|\.)Role$/.test(owner) ? roleConstant(`Role.${name}`) : undefined;
				return role ? scalar(this.range(node), role) : this.unresolved(node, 'member access');
			}
			case 'object_creation_expression':
			case 'implicit_object_creation_expression': {
				const written = node.childForFieldName('type');
				return this.creation(node, depth, written ? this.nodeText(written) : typeName);
			}
			case 'collection_expression':
			case 'implicit_array_creation_expression':
			case 'array_creation_expression':
			case 'initializer_expression':
				return this.collection(node, depth, typeName);
			default:
				return this.unresolved(node, 'expression');
		}
	}

	private interpolation(node: Node, depth: number): ValueNode {
		const pieces: (string | ValueNode)[] = [];
		const verbatim = this.text.startsWith('$@', node.startIndex) || this.text.startsWith('@$', node.startIndex);
		for (const { node: part, type } of typedArgs(node)) {
			if (type === 'string_content') {
				pieces.push(verbatim ? this.nodeText(part) : unescapeC(this.nodeText(part)));
			} else if (type === 'escape_sequence') {
				pieces.push(unescapeC(this.nodeText(part)));
			} else if (type === 'interpolation') {
				const inner = namedArgs(part).filter(c => c.type !== 'interpolation_brace');
				pieces.push(inner.length === 1 ? this.evaluate(inner[0], depth) : this.unresolved(part, 'expression'));
			}
		}
		return interpolated(pieces, this.range(node), this.maker(node));
	}

	/** `new T { A = 1 }` (an object), `new List<T> { a, b }` (a list), `new T("…")` (not data). */
	private creation(node: Node, depth: number, typeName: string): ValueNode {
		const init = node.childForFieldName('initializer') ?? namedArgs(node).find(c => c.type === 'initializer_expression');
		if (!init) {
			const args = namedArgs(node.childForFieldName('arguments') ?? namedArgs(node).find(c => c.type === 'argument_list'));
			return this.unresolved(node, args.length > 0 ? 'constructor call' : 'empty object');
		}
		const entries = typedArgs(init);
		if (entries.length > 0 && entries.every(e => e.type !== 'assignment_expression')) {
			return this.collection(init, depth, /<(.+)>$/.exec(typeName)?.[1] ?? '', entries);
		}
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		const range = this.range(node);
		const implied = impliedType(typeName);
		if (implied) {
			props.push({ key: 'type', range, value: scalar(range, implied) });
		}
		for (const { node: entry, type } of entries) {
			const left = type === 'assignment_expression' ? entry.childForFieldName('left') : null;
			const right = left?.type === 'identifier' ? entry.childForFieldName('right') : null;
			if (!left || !right) {
				unresolved.push(this.unresolved(entry, 'initializer'));
				continue;
			}
			props.push({ key: snakeCase(this.nodeText(left)), range: this.range(entry), value: this.evaluate(right, depth) });
		}
		return objectOf(range, props, unresolved);
	}

	private collection(node: Node, depth: number, typeName: string, children = typedArgs(node)): ValueNode {
		const items: ValueNode[] = [];
		const element = /\[\]$/.test(typeName) ? typeName.slice(0, -2) : typeName;
		for (const child of children) {
			const type = child.type;
			if (type === 'array_type' || type === 'rank_specifier') {
				continue;
			}
			if (type === 'initializer_expression') {
				items.push(...(this.collection(child.node, depth, element) as { items: ValueNode[] }).items);
				continue;
			}
			const inner = type === 'collection_element' || type === 'expression_element' ? this.unwrapElement(child) : child;
			if (inner?.type === 'spread_element') {
				items.push(this.unresolved(inner.node, 'spread'));
				continue;
			}
			items.push(inner ? this.evaluate(inner.node, depth, element, inner.type) : this.unresolved(child.node, 'expression'));
		}
		return { kind: 'array', range: this.range(node), items };
	}

	private unwrapElement(element: TypedNode): TypedNode | undefined {
		let current: TypedNode | undefined = element;
		while (current && (current.type === 'collection_element' || current.type === 'expression_element')) {
			current = typedArgs(current.node)[0];
		}
		return current;
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const declarator = name.parent;
		if (declarator?.type !== 'variable_declarator' || declarator.childForFieldName('name')?.id !== name.id) {
			return undefined;
		}
		const value = namedArgs(declarator).filter(c => c.id !== name.id && c.type !== 'bracketed_argument_list').pop();
		return { scope: this.scopeOf(declarator), start: declarator.startIndex, value, reason: value ? undefined : 'declared without a value' };
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'block' || n.type === 'declaration_list' || n.type === 'compilation_unit') {
				return n;
			}
		}
		return this.root;
	}

	/** `x = …` again, `list.Add(…)` (AddRange, Insert). */
	protected mutationAt(name: Node): boolean {
		const parent = name.parent;
		if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === name.id) {
			return true;
		}
		return parent?.type === 'member_access_expression' && parent.childForFieldName('expression')?.id === name.id
			&& /^(Add|AddRange|Insert|InsertRange)$/.test(parent.childForFieldName('name')?.text ?? '') && parent.parent?.type === 'invocation_expression';
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement' || node.type === 'foreach_statement' || node.type === 'while_statement' || node.type === 'do_statement';
	}
}

const methods: Record<string, SdkMethod> = { Create: 'create', CreateStreaming: 'stream', CountTokens: 'count_tokens' };

export const csharpBinding: LanguageBinding<CsharpEvaluator> = {
	grammar: 'c_sharp',
	language: 'csharp',
	candidates: /\.\s*(Create|CreateStreaming|CountTokens)\s*\(/,
	makeEvaluator: (text: string, tree: Tree) => new CsharpEvaluator(text, tree),
	closeHalfTyped: halfTypedCloser('csharp'),
	sdkCall(name: Node, ev: CsharpEvaluator): SdkCall | undefined {
		const access = name.parent;
		const call = access?.parent;
		if (name.type !== 'identifier' || access?.type !== 'member_access_expression' || access.childForFieldName('name')?.id !== name.id
			|| call?.type !== 'invocation_expression' || call.childForFieldName('function')?.id !== access.id) {
			return undefined;
		}
		const owner = access.childForFieldName('expression');
		const ownerNameNode = owner?.type === 'member_access_expression' ? owner.childForFieldName('name') : null;
		const ownerName = ownerNameNode ? ev.nodeText(ownerNameNode) : undefined;
		const nameText = ev.nodeText(name);
		let method: SdkMethod | undefined;
		if (ownerName === 'Batches' && nameText === 'Create' && /(^|\.)Messages$/.test(owner?.childForFieldName('expression')?.text ?? '')) {
			method = 'batch';
		} else if (ownerName === 'Messages') {
			method = methods[nameText];
		}
		if (!method) {
			return undefined;
		}
		// The request is the first argument's expression.
		let request: Node | undefined;
		for (const arg of namedArgs(call.childForFieldName('arguments'))) {
			request = namedArgs(arg)[0];
			if (request) {
				break;
			}
		}
		if (!request) {
			return undefined;
		}
		const payload = request;
		return { call, method, payload: () => ev.evaluate(payload) };
	},
};

export function detectCsharp(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	return detectWithBinding(csharpBinding, text, options, out);
}
