/**
 * PHP binding of the engine: `$client->messages->create(maxTokens: 1024, messages: […], model: …)` (also
 * `createStream`, `countTokens`, `beta->messages->…`, `messages->batches->create(requests: […])`), named
 * arguments in the API's names (`maxTokens` → `max_tokens`), arrays with and without keys, `.` joins,
 * `"… $name …"` filled in from same-file values, `Model::CLAUDE_…` constants and the SDK's
 * `MessageParam::with(role: …, content: …)` value objects.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, TextRange } from '../types';
import { concatenation, negation, spreadItems, spreadProps } from './evalHelpers';
import { detectWithBinding, impliedType, interpolated, namedArgs, objectOf, scalar, snakeCase, TreeEvaluator, typedArgs, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { phpModels } from './sdkModels';
import type { PropNode, UnresolvedNode, ValueNode } from './valueTree';

class PhpEvaluator extends TreeEvaluator {
	// `type` is the node's type when the caller has read it: each read of a node's type or end is a call into
	// the parser's wasm, so each is read once.
	evaluate(node: Node, depth = 0, type = node.type): ValueNode {
		if (type === 'variable_name' || type === 'name') {
			return this.identifier(node, depth);
		}
		const range = this.range(node);
		switch (type) {
			case 'string':
				// Single quotes: only \\ and \' are escapes.
				return scalar(range, this.text.slice(range.start + 1, range.end - 1).replace(/\\([\\'])/g, '$1'));
			case 'encapsed_string':
				return this.encapsed(node, depth, range);
			case 'integer':
			case 'float': {
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'boolean':
				return scalar(range, this.text.slice(range.start, range.end).toLowerCase() === 'true');
			case 'null':
				return scalar(range, null);
			case 'parenthesized_expression':
				return this.evaluate(namedArgs(node)[0] ?? node, depth);
			case 'unary_op_expression': {
				const operand = namedArgs(node)[0];
				return operand && this.text.startsWith('-', range.start) ? negation(this.evaluate(operand, depth), range, this.maker(node)) : this.unresolved(node, 'expression');
			}
			case 'binary_expression': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				const op = node.childForFieldName('operator')?.text;
				if (left && right && op === '.') {
					return this.join(this.evaluate(left, depth), this.evaluate(right, depth), node);
				}
				if (left && right && op === '+') {
					const l = this.evaluate(left, depth);
					const r = this.evaluate(right, depth);
					if (l.kind === 'array' && r.kind === 'array') {
						return { kind: 'array', range, items: [...l.items, ...r.items.slice(l.items.length)] };
					}
				}
				return this.unresolved(node, 'expression');
			}
			case 'class_constant_access_expression': {
				const [scope, name] = namedArgs(node);
				const constant = scope && name && /(^|\\)Model$/.test(this.nodeText(scope)) ? phpModels[this.nodeText(name)] : undefined;
				if (constant) {
					return scalar(range, constant);
				}
				// self::X, static::X, Foo::X: a constant of a class in this file.
				return name ? this.identifier(name, depth) : this.unresolved(node, 'expression');
			}
			case 'array_creation_expression':
				return this.array(node, depth, range);
			case 'scoped_call_expression': {
				// `TextBlockParam::with(text: …)`: a value object from named arguments.
				const scopeNode = node.childForFieldName('scope');
				const scope = scopeNode ? this.nodeText(scopeNode) : '';
				if (node.childForFieldName('name')?.text === 'with') {
					const obj = this.namedArguments(node.childForFieldName('arguments'), depth, range);
					const implied = impliedType(scope);
					return implied ? objectOf(range, [{ key: 'type', range, value: scalar(range, implied) }, ...obj.props], obj.unresolved) : obj;
				}
				return this.unresolved(node, 'function call');
			}
			default:
				return this.unresolved(node, 'expression');
		}
	}

	/** PHP's `.` makes a string of both sides (numbers included). */
	private join(left: ValueNode, right: ValueNode, node: Node): ValueNode {
		const asString = (v: ValueNode): ValueNode => (v.kind === 'scalar' && typeof v.value === 'number' ? scalar(v.range, String(v.value)) : v);
		return concatenation(asString(left), asString(right), this.range(node), 'python', this.maker(node));
	}

	private encapsed(node: Node, depth: number, range: TextRange): ValueNode {
		const inner = this.text.slice(range.start + 1, range.end - 1);
		if (this.text[range.start] === '"' && this.text[range.end - 1] === '"' && range.end - range.start >= 2 && !inner.includes('\\') && !inner.includes('$')) {
			// Neither escapes nor variables: its text between the quotes, without reading its parts from the tree.
			return scalar(range, inner);
		}
		const pieces: (string | ValueNode)[] = [];
		for (const { node: part, type } of typedArgs(node)) {
			if (type === 'string_content' || type === 'string_value') {
				pieces.push(this.nodeText(part));
			} else if (type === 'escape_sequence') {
				pieces.push(unescapeC(this.nodeText(part)));
			} else {
				pieces.push(this.evaluate(part, depth, type));
			}
		}
		return interpolated(pieces, range, this.maker(node));
	}

	/** `[a, b]` is a list, `['k' => v]` a map (an object); `...$x` spreads. */
	private array(node: Node, depth: number, range: TextRange): ValueNode {
		const elements = typedArgs(node);
		const partsOf = elements.map(e => typedArgs(e.node));
		const keyed = elements.some((e, i) => e.type === 'array_element_initializer' && partsOf[i].length === 2);
		const items: ValueNode[] = [];
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		for (let i = 0; i < elements.length; i++) {
			const el = elements[i].node;
			const parts = partsOf[i];
			if (parts[0]?.type === 'variadic_unpacking') {
				const inner = typedArgs(parts[0].node)[0];
				const value = inner ? this.evaluate(inner.node, depth, inner.type) : this.unresolved(el, 'expression');
				if (keyed) {
					spreadProps(props, unresolved, value, () => this.unresolved(el, 'spread of a non-array'));
				} else {
					spreadItems(items, value, () => this.unresolved(el, 'spread of a non-array'));
				}
			} else if (parts.length === 2) {
				const key = this.evaluate(parts[0].node, depth, parts[0].type);
				if (key.kind === 'scalar' && typeof key.value === 'string') {
					props.push({ key: key.value, range: this.range(el), value: this.evaluate(parts[1].node, depth, parts[1].type) });
				} else {
					unresolved.push(this.unresolved(el, 'computed key'));
				}
			} else if (parts.length === 1) {
				items.push(this.evaluate(parts[0].node, depth, parts[0].type));
			}
		}
		return keyed ? objectOf(range, props, unresolved) : { kind: 'array', range, items };
	}

	/** `f(maxTokens: 1024, ...$rest)` as `{max_tokens: 1024, ...rest}`; positional arguments are not data. */
	namedArguments(args: Node | null, depth: number, range: ValueNode['range']): { kind: 'object'; range: ValueNode['range']; props: PropNode[]; unresolved: UnresolvedNode[] } {
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		for (const arg of namedArgs(args)) {
			const name = arg.childForFieldName('name');
			const value = typedArgs(arg).find(c => c.node.id !== name?.id);
			if (name && value) {
				props.push({ key: snakeCase(this.nodeText(name)), range: this.range(arg), value: this.evaluate(value.node, depth, value.type) });
			} else if (value?.type === 'variadic_unpacking') {
				const inner = typedArgs(value.node)[0];
				spreadProps(props, unresolved, inner ? this.evaluate(inner.node, depth, inner.type) : this.unresolved(arg, 'expression'), () => this.unresolved(arg, 'spread of a non-array'));
			}
		}
		return { kind: 'object', range, props, unresolved };
	}

	protected override occurrences(name: string): RegExp {
		return name.startsWith('$') ? new RegExp(`\\$${name.slice(1)}(?![\\w])`, 'g') : super.occurrences(name);
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const parent = name.parent;
		if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === name.id) {
			return { scope: this.scopeOf(parent), start: parent.startIndex, value: parent.childForFieldName('right') ?? undefined };
		}
		if (parent?.type === 'const_element' && namedArgs(parent)[0]?.id === name.id) {
			return { scope: this.root, start: parent.startIndex, value: namedArgs(parent)[1] };
		}
		return undefined;
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'function_definition' || n.type === 'method_declaration' || n.type === 'anonymous_function' || n.type === 'program') {
				return n;
			}
		}
		return this.root;
	}

	/** `$x[] = …`, `$x = …` again, `$x .= …`, `array_push($x, …)`. */
	protected mutationAt(name: Node): boolean {
		const parent = name.parent;
		if (!parent) {
			return false;
		}
		if ((parent.type === 'assignment_expression' || parent.type === 'augmented_assignment_expression') && parent.childForFieldName('left')?.id === name.id) {
			return true;
		}
		if (parent.type === 'subscript_expression' && parent.parent?.type === 'assignment_expression' && parent.parent.childForFieldName('left')?.id === parent.id) {
			return true;
		}
		const call = parent.type === 'argument' ? parent.parent?.parent : undefined;
		return call?.type === 'function_call_expression' && /^array_(push|unshift|splice)$/.test(call.childForFieldName('function')?.text ?? '')
			&& namedArgs(parent.parent)[0]?.id === parent.id;
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement' || node.type === 'foreach_statement' || node.type === 'while_statement' || node.type === 'do_statement';
	}
}

const methods: Record<string, SdkMethod> = { create: 'create', createStream: 'stream', countTokens: 'count_tokens', toolRunner: 'tool_runner' };

export const phpBinding: LanguageBinding<PhpEvaluator> = {
	grammar: 'php',
	language: 'php',
	candidates: /->\s*(create|createStream|countTokens|toolRunner)\s*\(/,
	makeEvaluator: (text: string, tree: Tree) => new PhpEvaluator(text, tree),
	closeHalfTyped: halfTypedCloser('php'),
	sdkCall(name: Node, ev: PhpEvaluator): SdkCall | undefined {
		const call = name.parent;
		if (name.type !== 'name' || call?.type !== 'member_call_expression' || call.childForFieldName('name')?.id !== name.id) {
			return undefined;
		}
		const owner = call.childForFieldName('object');
		const ownerNameNode = owner?.type === 'member_access_expression' ? owner.childForFieldName('name') : null;
		const ownerName = ownerNameNode ? ev.nodeText(ownerNameNode) : undefined;
		const nameText = ev.nodeText(name);
		let method: SdkMethod | undefined;
		if (ownerName === 'batches' && nameText === 'create' && owner?.childForFieldName('object')?.childForFieldName('name')?.text === 'messages') {
			method = 'batch';
		} else if (ownerName === 'messages') {
			method = methods[nameText];
		}
		const args = call.childForFieldName('arguments');
		if (!method || namedArgs(args).length === 0) {
			return undefined;
		}
		return { call, method, payload: () => ev.namedArguments(args, 0, ev.range(args!)) };
	},
};

export function detectPhp(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	return detectWithBinding(phpBinding, text, options, out);
}
