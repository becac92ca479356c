/**
 * Go binding of the engine: `client.Messages.New(ctx, anthropic.MessageNewParams{…})` (also `NewStreaming`,
 * `CountTokens`, `Beta.Messages.*`, `Messages.Batches.New`), struct literals read field by field in the
 * API's names (`MaxTokens` → `max_tokens`), and the SDK's helpers (`anthropic.NewUserMessage(…)`,
 * `anthropic.NewTextBlock("…")`, `anthropic.String("…")`, `ToolUnionParam{OfTool: &t}`) as what they build.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { SdkMethod, TextRange } from '../types';
import { concatenation, negation } from './evalHelpers';
import { detectWithBinding, impliedType, namedArgs, objectOf, roleConstant, scalar, snakeCase, TreeEvaluator, typedArgs, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { goModels } from './sdkModels';
import type { RequestSite } from '../types';
import type { PropNode, ValueNode } from './valueTree';

/** Helpers that only wrap a value (`param.Opt` constructors). */
const wrappers = new Set(['String', 'Int', 'Float', 'Bool', 'NewOpt', 'Opt', 'Model']);

class GoEvaluator extends TreeEvaluator {
	// `type` is the node's type when the caller has read it: each read of a node's type or end is a call into
	// the parser's wasm, so each is read once.
	evaluate(node: Node, depth = 0, elementType?: string, type = node.type): ValueNode {
		if (type === 'identifier') {
			return this.identifier(node, depth);
		}
		const range = this.range(node);
		switch (type) {
			case 'interpreted_string_literal':
				return scalar(range, unescapeC(this.text.slice(range.start + 1, range.end - 1)));
			case 'raw_string_literal':
				// Go drops carriage returns from raw strings.
				return scalar(range, this.text.slice(range.start + 1, range.end - 1).replace(/\r/g, ''));
			case 'int_literal':
			case 'float_literal': {
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'true':
				return scalar(range, true);
			case 'false':
				return scalar(range, false);
			case 'nil':
				return scalar(range, null);
			case 'parenthesized_expression':
				return this.evaluate(namedArgs(node)[0] ?? node, depth);
			case 'unary_expression': {
				const operand = node.childForFieldName('operand');
				const op = node.childForFieldName('operator')?.text;
				if (!operand) {
					return this.unresolved(node, 'expression');
				}
				if (op === '&') {
					return this.evaluate(operand, depth);
				}
				return op === '-' ? negation(this.evaluate(operand, depth), range, this.maker(node)) : this.unresolved(node, 'expression');
			}
			case 'binary_expression': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					return concatenation(this.evaluate(left, depth), this.evaluate(right, depth), range, 'python', this.maker(node));
				}
				return this.unresolved(node, 'expression');
			}
			case 'selector_expression':
				return this.selector(node, range);
			case 'composite_literal':
				return this.composite(node, depth, range);
			case 'literal_value':
				return this.literalValue(node, elementType ?? '', depth, false, range);
			case 'call_expression':
				return this.call(node, depth, range);
			default:
				return this.unresolved(node, 'expression');
		}
	}

	/** `anthropic.ModelClaudeSonnet5`, `anthropic.MessageParamRoleUser`: SDK constants. */
	private selector(node: Node, range: TextRange): ValueNode {
		const fieldNode = node.childForFieldName('field');
		const field = fieldNode ? this.nodeText(fieldNode) : '';
		const model = goModels[field];
		if (model) {
			return scalar(range, model);
		}
		const role = /RoleUser$|RoleAssistant$/.test(field) ? roleConstant(field) : undefined;
		return role ? scalar(range, role) : this.unresolved(node, 'field access');
	}

	private composite(node: Node, depth: number, range: TextRange): ValueNode {
		const type = node.childForFieldName('type');
		const body = node.childForFieldName('body');
		if (!type || !body) {
			return this.unresolved(node, 'expression');
		}
		const kind = type.type;
		if (kind === 'slice_type' || kind === 'array_type' || kind === 'implicit_length_array_type') {
			const elementNode = type.childForFieldName('element');
			const element = elementNode ? this.nodeText(elementNode) : '';
			const items: ValueNode[] = [];
			for (const el of typedArgs(body)) {
				const inner = el.type === 'literal_element' ? typedArgs(el.node)[0] : el;
				items.push(inner ? this.evaluate(inner.node, depth, element, inner.type) : this.unresolved(el.node, 'expression'));
			}
			return { kind: 'array', range, items };
		}
		if (kind === 'map_type') {
			return this.literalValue(body, '', depth, true, range);
		}
		return this.literalValue(body, this.nodeText(type), depth, false, range);
	}

	/** `{Key: value, …}` of a struct (or, with `mapKeys`, of a map whose keys are strings). */
	private literalValue(body: Node, typeName: string, depth: number, mapKeys = false, range = this.range(body)): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ReturnType<GoEvaluator['unresolved']>[] = [];
		const implied = impliedType(typeName);
		if (implied && !mapKeys) {
			props.push({ key: 'type', range, value: scalar(range, implied) });
		}
		for (const { node: el, type } of typedArgs(body)) {
			if (type !== 'keyed_element') {
				continue;
			}
			const keyNode = typedArgs(el.childForFieldName('key'))[0];
			const valueNode = typedArgs(el.childForFieldName('value'))[0];
			if (!keyNode || !valueNode) {
				continue;
			}
			let key: string | undefined;
			if (mapKeys) {
				const k = this.evaluate(keyNode.node, depth, undefined, keyNode.type);
				key = k.kind === 'scalar' && typeof k.value === 'string' ? k.value : undefined;
			} else {
				key = keyNode.type === 'identifier' || keyNode.type === 'field_identifier' ? this.nodeText(keyNode.node) : undefined;
			}
			if (key === undefined) {
				unresolved.push(this.unresolved(el, 'computed key'));
				continue;
			}
			const value = this.evaluate(valueNode.node, depth, undefined, valueNode.type);
			// A union parameter holds its one variant in an `Of…` field: the variant is the value.
			if (!mapKeys && /^Of[A-Z]/.test(key) && /Union/.test(typeName)) {
				return value;
			}
			props.push({ key: mapKeys ? key : snakeCase(key), range: this.range(el), value });
		}
		return objectOf(range, props, unresolved);
	}

	private call(node: Node, depth: number, range: TextRange): ValueNode {
		const fn = node.childForFieldName('function');
		const nameNode = fn?.type === 'selector_expression' ? fn.childForFieldName('field') : fn;
		const name = nameNode ? this.nodeText(nameNode) : undefined;
		const args = typedArgs(node.childForFieldName('arguments'));
		if (!name) {
			return this.unresolved(node, 'function call');
		}
		if (wrappers.has(name) && args.length === 1) {
			return this.evaluate(args[0].node, depth, undefined, args[0].type);
		}
		const helper = /^New(Beta)?(\w+)$/.exec(name)?.[2];
		const arg = (i: number): ValueNode => (args[i] ? this.evaluate(args[i].node, depth, undefined, args[i].type) : this.unresolved(node, 'missing argument'));
		const prop = (key: string, value: ValueNode): PropNode => ({ key, range: value.range, value });
		switch (helper) {
			case 'UserMessage':
			case 'AssistantMessage':
				return objectOf(range, [prop('role', scalar(range, helper === 'UserMessage' ? 'user' : 'assistant')),
					prop('content', { kind: 'array', range, items: args.map(a => this.evaluate(a.node, depth, undefined, a.type)) })]);
			case 'TextBlock':
				return objectOf(range, [prop('type', scalar(range, 'text')), prop('text', arg(0))]);
			case 'ToolResultBlock': {
				const props = [prop('type', scalar(range, 'tool_result')), prop('tool_use_id', arg(0))];
				if (args[1]) {
					props.push(prop('content', arg(1)));
				}
				if (args[2]) {
					props.push(prop('is_error', arg(2)));
				}
				return objectOf(range, props);
			}
			case 'ToolUseBlock':
				return objectOf(range, [prop('type', scalar(range, 'tool_use')), prop('id', arg(0)), prop('input', arg(1)), prop('name', arg(2))]);
			case 'ImageBlockBase64':
				return objectOf(range, [prop('type', scalar(range, 'image')),
					prop('source', objectOf(range, [prop('type', scalar(range, 'base64')), prop('media_type', arg(0)), prop('data', arg(1))]))]);
			default:
				return this.unresolved(node, 'function call');
		}
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const parent = name.parent;
		const list = parent?.type === 'expression_list' ? parent : undefined;
		const decl = list?.parent;
		if (decl?.type === 'short_var_declaration' && decl.childForFieldName('left')?.id === list!.id) {
			return this.declared(decl, list!, name, decl.childForFieldName('right'));
		}
		if ((parent?.type === 'var_spec' || parent?.type === 'const_spec') && parent.childForFieldName('name')?.id === name.id) {
			const names = parent.childrenForFieldName('name').filter((n): n is Node => n !== null);
			const values = namedArgs(parent.childForFieldName('value'));
			const i = names.findIndex(n => n.id === name.id);
			return { scope: this.scopeOf(parent), start: parent.startIndex, value: values[i], reason: values[i] ? undefined : 'declared without a value' };
		}
		return undefined;
	}

	private declared(decl: Node, left: Node, name: Node, right: Node | null): Declaration {
		const i = namedArgs(left).findIndex(n => n.id === name.id);
		const values = namedArgs(right);
		const value = values.length === namedArgs(left).length ? values[i] : undefined;
		return { scope: this.scopeOf(decl), start: decl.startIndex, value, reason: value ? undefined : 'value of a call' };
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'block' || n.type === 'source_file') {
				return n;
			}
		}
		return this.root;
	}

	/** `x = append(x, …)`, `x = …` again, `x[i] = …`. */
	protected mutationAt(name: Node): boolean {
		const list = name.parent;
		const statement = list?.parent;
		if (list?.type === 'expression_list' && statement?.type === 'assignment_statement' && statement.childForFieldName('left')?.id === list.id) {
			return true;
		}
		return list?.type === 'index_expression' && list.parent?.type === 'expression_list' && list.parent.parent?.type === 'assignment_statement';
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement';
	}
}

const methods: Record<string, SdkMethod> = { New: 'create', NewStreaming: 'stream', CountTokens: 'count_tokens' };

export const goBinding: LanguageBinding<GoEvaluator> = {
	grammar: 'go',
	language: 'go',
	candidates: /\.\s*(New|NewStreaming|CountTokens)\s*\(/,
	makeEvaluator: (text: string, tree: Tree) => new GoEvaluator(text, tree),
	closeHalfTyped: halfTypedCloser('go'),
	sdkCall(name: Node, ev: GoEvaluator): SdkCall | undefined {
		const selector = name.parent;
		const call = selector?.parent;
		if (name.type !== 'field_identifier' || selector?.type !== 'selector_expression' || call?.type !== 'call_expression'
			|| call.childForFieldName('function')?.id !== selector.id) {
			return undefined;
		}
		const owner = selector.childForFieldName('operand');
		const ownerNameNode = owner?.type === 'selector_expression' ? owner.childForFieldName('field') : owner;
		const ownerName = ownerNameNode ? ev.nodeText(ownerNameNode) : undefined;
		const args = namedArgs(call.childForFieldName('arguments'));
		const nameText = ev.nodeText(name);
		let method: SdkMethod | undefined;
		if (ownerName === 'Batches' && nameText === 'New' && /\.Messages\s*$/.test(owner?.childForFieldName('operand')?.text ?? '')) {
			method = 'batch';
		} else if (ownerName === 'Messages') {
			method = methods[nameText];
		}
		if (!method || args.length < 2) {
			return undefined;
		}
		return { call, method, payload: () => ev.evaluate(args[1]) };
	},
};

export function detectGo(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	return detectWithBinding(goBinding, text, options, out);
}
