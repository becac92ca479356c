/**
 * PHP binding of the engine: `$client->messages->create(maxTokens: 1024, messages: […], model: …)` (also
 * `createStream`, `countTokens`, `beta->messages->…`, `messages->batches->create(requests: […])`), named
 * arguments in the API's names (`maxTokens` → `max_tokens`), arrays with and without keys, `.` joins,
 * `"… $name …"` filled in from same-file values, `Model::CLAUDE_…` constants and the SDK's
 * `MessageParam::with(role: …, content: …)` value objects.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod } from '../types';
import { concatenation, negation, spreadItems, spreadProps } from './evalHelpers';
import { detectWithBinding, impliedType, interpolated, namedArgs, objectOf, scalar, snakeCase, TreeEvaluator, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { phpModels } from './sdkModels';
import type { PropNode, UnresolvedNode, ValueNode } from './valueTree';

class PhpEvaluator extends TreeEvaluator {
	evaluate(node: Node, depth = 0): ValueNode {
		const range = this.range(node);
		switch (node.type) {
			case 'string':
				// Single quotes: only \\ and \' are escapes.
				return scalar(range, this.text.slice(node.startIndex + 1, node.endIndex - 1).replace(/\\([\\'])/g, '$1'));
			case 'encapsed_string':
				return this.encapsed(node, depth);
			case 'integer':
			case 'float': {
				const value = Number(node.text.replace(/_/g, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'boolean':
				return scalar(range, node.text.toLowerCase() === 'true');
			case 'null':
				return scalar(range, null);
			case 'parenthesized_expression':
				return this.evaluate(namedArgs(node)[0] ?? node, depth);
			case 'unary_op_expression': {
				const operand = namedArgs(node)[0];
				return operand && node.text.startsWith('-') ? negation(this.evaluate(operand, depth), range, this.maker(node)) : this.unresolved(node, 'expression');
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
			case 'variable_name':
				return this.identifier(node, depth);
			case 'name':
				return this.identifier(node, depth);
			case 'class_constant_access_expression': {
				const [scope, name] = namedArgs(node);
				if (scope && /(^|\\)Model$/.test(scope.text) && name && phpModels[name.text]) {
					return scalar(range, phpModels[name.text]);
				}
				// self::X, static::X, Foo::X: a constant of a class in this file.
				return name ? this.identifier(name, depth) : this.unresolved(node, 'expression');
			}
			case 'array_creation_expression':
				return this.array(node, depth);
			case 'scoped_call_expression': {
				// `TextBlockParam::with(text: …)`: a value object from named arguments.
				const scope = node.childForFieldName('scope')?.text ?? '';
				if (node.childForFieldName('name')?.text === 'with') {
					const obj = this.namedArguments(node.childForFieldName('arguments'), depth, this.range(node));
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

	private encapsed(node: Node, depth: number): ValueNode {
		const range = this.range(node);
		const inner = this.text.slice(range.start + 1, range.end - 1);
		if (this.text[range.start] === '"' && this.text[range.end - 1] === '"' && range.end - range.start >= 2 && !inner.includes('\\') && !inner.includes('$')) {
			// Neither escapes nor variables: its text between the quotes, without reading its parts from the tree.
			return scalar(range, inner);
		}
		const pieces: (string | ValueNode)[] = [];
		for (const part of namedArgs(node)) {
			if (part.type === 'string_content' || part.type === 'string_value') {
				pieces.push(part.text);
			} else if (part.type === 'escape_sequence') {
				pieces.push(unescapeC(part.text));
			} else {
				pieces.push(this.evaluate(part, depth));
			}
		}
		return interpolated(pieces, range, this.maker(node));
	}

	/** `[a, b]` is a list, `['k' => v]` a map (an object); `...$x` spreads. */
	private array(node: Node, depth: number): ValueNode {
		const elements = namedArgs(node);
		const keyed = elements.some(e => e.type === 'array_element_initializer' && namedArgs(e).length === 2);
		const items: ValueNode[] = [];
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		for (const el of elements) {
			const parts = namedArgs(el);
			if (parts[0]?.type === 'variadic_unpacking') {
				const inner = namedArgs(parts[0])[0];
				const value = inner ? this.evaluate(inner, depth) : this.unresolved(el, 'expression');
				if (keyed) {
					spreadProps(props, unresolved, value, () => this.unresolved(el, 'spread of a non-array'));
				} else {
					spreadItems(items, value, () => this.unresolved(el, 'spread of a non-array'));
				}
			} else if (parts.length === 2) {
				const key = this.evaluate(parts[0], depth);
				if (key.kind === 'scalar' && typeof key.value === 'string') {
					props.push({ key: key.value, range: this.range(el), value: this.evaluate(parts[1], depth) });
				} else {
					unresolved.push(this.unresolved(el, 'computed key'));
				}
			} else if (parts.length === 1) {
				items.push(this.evaluate(parts[0], depth));
			}
		}
		return keyed ? objectOf(this.range(node), props, unresolved) : { kind: 'array', range: this.range(node), items };
	}

	/** `f(maxTokens: 1024, ...$rest)` as `{max_tokens: 1024, ...rest}`; positional arguments are not data. */
	namedArguments(args: Node | null, depth: number, range: ValueNode['range']): { kind: 'object'; range: ValueNode['range']; props: PropNode[]; unresolved: UnresolvedNode[] } {
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		for (const arg of namedArgs(args)) {
			const name = arg.childForFieldName('name');
			const value = namedArgs(arg).filter(c => c.id !== name?.id)[0];
			if (name && value) {
				props.push({ key: snakeCase(name.text), range: this.range(arg), value: this.evaluate(value, depth) });
			} else if (value?.type === 'variadic_unpacking') {
				const inner = namedArgs(value)[0];
				spreadProps(props, unresolved, inner ? this.evaluate(inner, depth) : this.unresolved(arg, 'expression'), () => this.unresolved(arg, 'spread of a non-array'));
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
			return { scope: this.tree.rootNode, start: parent.startIndex, value: namedArgs(parent)[1] };
		}
		return undefined;
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'function_definition' || n.type === 'method_declaration' || n.type === 'anonymous_function' || n.type === 'program') {
				return n;
			}
		}
		return this.tree.rootNode;
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
		const ownerName = owner?.type === 'member_access_expression' ? owner.childForFieldName('name')?.text : undefined;
		let method: SdkMethod | undefined;
		if (ownerName === 'batches' && name.text === 'create' && owner?.childForFieldName('object')?.childForFieldName('name')?.text === 'messages') {
			method = 'batch';
		} else if (ownerName === 'messages') {
			method = methods[name.text];
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
