/**
 * Java binding of the engine: `client.messages().create(params)` (also `createStreaming`, `countTokens`,
 * `beta()`, `messages().batches().create`), with the params written as the SDK's builders:
 * `MessageCreateParams.builder().model(Model.CLAUDE_…).maxTokens(1024).addUserMessage("…").build()`.
 * A builder chain is read call by call into the request object in the API's names.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod } from '../types';
import { concatenation, negation } from './evalHelpers';
import { detectWithBinding, impliedType, namedArgs, objectOf, roleConstant, scalar, snakeCase, TreeEvaluator, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { javaModels } from './sdkModels';
import { getProp, type PropNode, type UnresolvedNode, type ValueNode } from './valueTree';

/**
 * A Java text block's value: the line after the opening quotes on, the common indentation (the closing
 * delimiter's line included) and trailing spaces removed, line ends normalised to \n.
 */
export function textBlockValue(raw: string): string {
	const lines = raw.replace(/\r\n?/g, '\n').split('\n').slice(1);
	const indents = lines.filter((l, i) => l.trim() !== '' || i === lines.length - 1).map(l => /^[ \t]*/.exec(l)![0].length);
	const common = indents.length > 0 ? Math.min(...indents) : 0;
	return unescapeC(lines.map(l => l.slice(common).replace(/[ \t]+$/, '')).join('\n').replace(/\\\n/g, ''));
}

/** Methods that only wrap a value: `JsonValue.from(x)`, `Optional.of(x)`. */
const wrappers = new Set(['from', 'of', 'ofNullable']);

class JavaEvaluator extends TreeEvaluator {
	// Each read of a node's type or end is a call into the parser's wasm: each is read once.
	evaluate(node: Node, depth = 0): ValueNode {
		const type = node.type;
		if (type === 'identifier') {
			return this.identifier(node, depth);
		}
		if (type === 'method_invocation') {
			return this.invocation(node, depth);
		}
		const range = this.range(node);
		switch (type) {
			case 'string_literal': {
				const raw = this.text.slice(range.start, range.end);
				return scalar(range, raw.startsWith('"""') ? textBlockValue(raw.slice(3, -3)) : unescapeC(raw.slice(1, -1)));
			}
			case 'decimal_integer_literal':
			case 'hex_integer_literal':
			case 'decimal_floating_point_literal': {
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, '').replace(/[lLfFdD]$/, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'true':
				return scalar(range, true);
			case 'false':
				return scalar(range, false);
			case 'null_literal':
				return scalar(range, null);
			case 'parenthesized_expression':
				return this.evaluate(namedArgs(node)[0] ?? node, depth);
			case 'unary_expression': {
				const operand = node.childForFieldName('operand');
				return operand && node.childForFieldName('operator')?.text === '-'
					? negation(this.evaluate(operand, depth), range, this.maker(node)) : this.unresolved(node, 'expression');
			}
			case 'binary_expression': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					return concatenation(this.evaluate(left, depth), this.evaluate(right, depth), range, 'javascript', this.maker(node));
				}
				return this.unresolved(node, 'expression');
			}
			case 'field_access': {
				const fieldNode = node.childForFieldName('field');
				const field = fieldNode ? this.nodeText(fieldNode) : '';
				const model = javaModels[field];
				const object = model ? node.childForFieldName('object') : null;
				if (model && object && /Model$/.test(this.nodeText(object))) {
					return scalar(range, model);
				}
				const text = this.text.slice(range.start, range.end);
				const role = /Role\.(USER|ASSISTANT)$/.test(text) ? roleConstant(text) : undefined;
				return role ? scalar(range, role) : this.unresolved(node, 'field access');
			}
			default:
				return this.unresolved(node, 'expression');
		}
	}

	private args(call: Node): Node[] {
		return namedArgs(call.childForFieldName('arguments'));
	}

	private invocation(node: Node, depth: number): ValueNode {
		const nameNode = node.childForFieldName('name');
		const name = nameNode ? this.nodeText(nameNode) : '';
		const owner = node.childForFieldName('object');
		const args = this.args(node);
		const range = this.range(node);
		if (name === 'build') {
			return owner ? this.builder(owner, depth, range) : this.unresolved(node, 'function call');
		}
		if ((name === 'of' || name === 'asList') && /^(List|Arrays|Set)$/.test(owner?.text ?? '')) {
			return { kind: 'array', range, items: args.map(a => this.evaluate(a, depth)) };
		}
		if (name === 'of' && owner?.text === 'Map') {
			const props: PropNode[] = [];
			const unresolved: UnresolvedNode[] = [];
			for (let i = 0; i + 1 < args.length; i += 2) {
				const key = this.evaluate(args[i], depth);
				if (key.kind === 'scalar' && typeof key.value === 'string') {
					props.push({ key: key.value, range: { start: args[i].startIndex, end: args[i + 1].endIndex }, value: this.evaluate(args[i + 1], depth) });
				} else {
					unresolved.push(this.unresolved(args[i], 'computed key'));
				}
			}
			return objectOf(range, props, unresolved);
		}
		if (wrappers.has(name) && args.length === 1) {
			return this.evaluate(args[0], depth);
		}
		return this.unresolved(node, 'function call');
	}

	/** `T.builder().a(x).addB(y)…` (the receiver of `.build()`) as the object it builds. */
	private builder(last: Node, depth: number, range: ValueNode['range']): ValueNode {
		const calls: { call: Node; name: string }[] = [];
		let root: Node | null = last;
		while (root?.type === 'method_invocation') {
			const nameNode = root.childForFieldName('name');
			const name = nameNode ? this.nodeText(nameNode) : undefined;
			if (name === 'builder') {
				break;
			}
			calls.unshift({ call: root, name: name ?? '' });
			root = root.childForFieldName('object');
		}
		if (root?.type !== 'method_invocation') {
			// `params.toBuilder()…`, a builder held in a variable: what it started from is not known here.
			return this.unresolved(last, 'builder built at run time');
		}
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		const implied = impliedType(root.childForFieldName('object')?.text ?? '');
		if (implied) {
			props.push({ key: 'type', range, value: scalar(range, implied) });
		}
		const set = (key: string, value: ValueNode, at: Node): void => {
			props.push({ key, range: this.range(at), value });
		};
		const push = (key: string, value: ValueNode, at: Node): void => {
			const existing = getProp(objectOf(range, props), key);
			if (existing?.value.kind === 'array') {
				existing.value.items.push(value);
			} else {
				set(key, { kind: 'array', range: value.range, items: [value] }, at);
			}
		};
		for (const { call, name } of calls) {
			const args = this.args(call);
			const first = args[0] ? this.evaluate(args[0], depth) : undefined;
			const message = /^add(User|Assistant)Message(OfBlockParams)?$/.exec(name);
			if (message && first) {
				push('messages', objectOf(this.range(call), [
					{ key: 'role', range: first.range, value: scalar(first.range, message[1].toLowerCase()) },
					{ key: 'content', range: first.range, value: first },
				]), call);
			} else if (name === 'enabledThinking' && first) {
				set('thinking', objectOf(first.range, [{ key: 'type', range: first.range, value: scalar(first.range, 'enabled') },
					{ key: 'budget_tokens', range: first.range, value: first }]), call);
			} else if (name === 'putAdditionalProperty' && args.length === 2) {
				const key = this.evaluate(args[0], depth);
				if (key.kind === 'scalar' && typeof key.value === 'string') {
					set(key.value, this.evaluate(args[1], depth), call);
				} else {
					unresolved.push(this.unresolved(call, 'computed key'));
				}
			} else if (/^add[A-Z]/.test(name) && first) {
				// addMessage → messages, addTool → tools, addRequest → requests, addContent → content.
				const base = snakeCase(name.slice(3).replace(/Of\w+$/, ''));
				push(base === 'content' || base.endsWith('s') ? base : `${base}s`, first, call);
			} else if (first && args.length === 1) {
				// `system(…)`, `systemOfTextBlockParams(…)`, `maxTokens(1024)`, `customId("…")`.
				set(snakeCase(name.replace(/Of[A-Z]\w*$/, '')), first, call);
			} else if (args.length !== 0) {
				unresolved.push(this.unresolved(call, 'builder method'));
			}
		}
		return objectOf(range, props, unresolved);
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const declarator = name.parent;
		if (declarator?.type !== 'variable_declarator' || declarator.childForFieldName('name')?.id !== name.id) {
			return undefined;
		}
		const value = declarator.childForFieldName('value') ?? undefined;
		return { scope: this.scopeOf(declarator), start: declarator.startIndex, value, reason: value ? undefined : 'declared without a value' };
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'block' || n.type === 'class_body' || n.type === 'program') {
				return n;
			}
		}
		return this.root;
	}

	/** `x = …` again, `list.add(…)`, `list.addAll(…)`. */
	protected mutationAt(name: Node): boolean {
		const parent = name.parent;
		if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === name.id) {
			return true;
		}
		return parent?.type === 'method_invocation' && parent.childForFieldName('object')?.id === name.id
			&& /^(add|addAll|set|put|putAll)$/.test(parent.childForFieldName('name')?.text ?? '');
	}

	protected isLoop(node: Node): boolean {
		return node.type === 'for_statement' || node.type === 'enhanced_for_statement' || node.type === 'while_statement' || node.type === 'do_statement';
	}
}

const methods: Record<string, SdkMethod> = { create: 'create', createStreaming: 'stream', countTokens: 'count_tokens', parse: 'parse' };

export const javaBinding: LanguageBinding<JavaEvaluator> = {
	grammar: 'java',
	language: 'java',
	candidates: /\.\s*(create|createStreaming|countTokens)\s*\(/,
	makeEvaluator: (text: string, tree: Tree) => new JavaEvaluator(text, tree),
	closeHalfTyped: halfTypedCloser('java'),
	sdkCall(name: Node, ev: JavaEvaluator): SdkCall | undefined {
		const call = name.parent;
		if (name.type !== 'identifier' || call?.type !== 'method_invocation' || call.childForFieldName('name')?.id !== name.id) {
			return undefined;
		}
		const owner = call.childForFieldName('object');
		const ownerNameNode = owner?.type === 'method_invocation' ? owner.childForFieldName('name') : null;
		const ownerName = ownerNameNode ? ev.nodeText(ownerNameNode) : undefined;
		const nameText = ev.nodeText(name);
		let method: SdkMethod | undefined;
		if (ownerName === 'batches' && nameText === 'create') {
			const ownerOwner = owner?.childForFieldName('object');
			if (ownerOwner?.type === 'method_invocation' && ownerOwner.childForFieldName('name')?.text === 'messages') {
				method = 'batch';
			}
		} else if (ownerName === 'messages') {
			method = methods[nameText];
		}
		const args = namedArgs(call.childForFieldName('arguments'));
		if (!method || args.length === 0) {
			return undefined;
		}
		return { call, method, payload: () => ev.evaluate(args[0]) };
	},
};

export function detectJava(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	return detectWithBinding(javaBinding, text, options, out);
}
