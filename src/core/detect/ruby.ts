/**
 * Ruby binding of the engine: `client.messages.create(model: …, messages: […])` (also `stream`,
 * `count_tokens`, `beta.messages.*`, `tool_runner`, `messages.batches.create(requests: […])`), keyword
 * arguments and hashes with symbol or string keys, symbols as strings, heredocs, and the SDK's model
 * constants (`Anthropic::Model::CLAUDE_SONNET_5`).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, TextRange } from '../types';
import { concatenation, negation, spreadItems, spreadProps } from './evalHelpers';
import { detectWithBinding, interpolated, namedArgs, objectOf, scalar, TreeEvaluator, typedArgs, unescapeC, type Declaration, type EngineOptions, type LanguageBinding, type SdkCall } from './engine';
import { halfTypedCloser } from './halfTyped';
import { rubyModels } from './sdkModels';
import type { PropNode, UnresolvedNode, ValueNode } from './valueTree';

class RubyEvaluator extends TreeEvaluator {
	// `type` is the node's type when the caller has read it: each read of a node's type or end is a call into
	// the parser's wasm, so each is read once.
	evaluate(node: Node, depth = 0, type = node.type): ValueNode {
		if (type === 'identifier' || type === 'constant') {
			return this.identifier(node, depth);
		}
		const range = this.range(node);
		switch (type) {
			case 'string': {
				// A quoted string without escapes or interpolation is its text between the quotes: its parts (each
				// read from the tree) need not be read.
				const quote = this.text[range.start];
				const inner = this.text.slice(range.start + 1, range.end - 1);
				if ((quote === '"' || quote === '\'') && range.end - range.start >= 2 && this.text[range.end - 1] === quote
					&& !inner.includes('\\') && (quote === '\'' || !inner.includes('#'))) {
					return scalar(range, inner);
				}
				return this.string(node, depth, quote !== '\'' && !this.text.startsWith('%q', range.start), range);
			}
			case 'delimited_symbol':
				return this.string(node, depth, !this.text.startsWith('\'', range.start) && !this.text.startsWith('%q', range.start), range);
			case 'simple_symbol':
				return scalar(range, this.text.slice(range.start + 1, range.end));
			case 'hash_key_symbol':
				return scalar(range, this.text.slice(range.start, range.end));
			case 'integer':
			case 'float': {
				const value = Number(this.text.slice(range.start, range.end).replace(/_/g, ''));
				return Number.isNaN(value) ? this.unresolved(node, 'number') : scalar(range, value);
			}
			case 'true':
				return scalar(range, true);
			case 'false':
				return scalar(range, false);
			case 'nil':
				return scalar(range, null);
			case 'parenthesized_statements':
				return namedArgs(node).length === 1 ? this.evaluate(namedArgs(node)[0], depth) : this.unresolved(node, 'expression');
			case 'unary': {
				const operand = node.childForFieldName('operand');
				return operand && node.childForFieldName('operator')?.text === '-'
					? negation(this.evaluate(operand, depth), range, this.maker(node)) : this.unresolved(node, 'expression');
			}
			case 'binary': {
				const left = node.childForFieldName('left');
				const right = node.childForFieldName('right');
				if (node.childForFieldName('operator')?.text === '+' && left && right) {
					return this.plus(this.evaluate(left, depth), this.evaluate(right, depth), node);
				}
				return this.unresolved(node, 'expression');
			}
			case 'scope_resolution': {
				const nameNode = node.childForFieldName('name');
				const scope = node.childForFieldName('scope');
				const model = scope && /Model$/.test(this.nodeText(scope)) ? rubyModels[nameNode ? this.nodeText(nameNode) : ''] : undefined;
				return model ? scalar(range, model) : this.unresolved(node, 'constant of another module');
			}
			case 'array':
				return this.array(node, depth, range);
			case 'hash':
				return this.hash(node, depth, range);
			case 'heredoc_beginning':
				return this.heredoc(node, depth);
			default:
				return this.unresolved(node, 'expression');
		}
	}

	/** `a + b`: strings join, and so do arrays (`EXAMPLES + [...]`). */
	private plus(left: ValueNode, right: ValueNode, node: Node): ValueNode {
		if (left.kind === 'array' && right.kind === 'array') {
			return { kind: 'array', range: this.range(node), items: [...left.items, ...right.items] };
		}
		return concatenation(left, right, this.range(node), 'python', this.maker(node));
	}

	private string(node: Node, depth: number, escapes: boolean, range = this.range(node)): ValueNode {
		const pieces: (string | ValueNode)[] = [];
		for (const part of node.namedChildren) {
			const type = part?.type;
			if (!part) {
				continue;
			}
			if (type === 'string_content' || type === 'heredoc_content') {
				// Single quotes keep everything but \\ and \' as written.
				const text = this.nodeText(part);
				pieces.push(escapes ? text : text.replace(/\\([\\'])/g, '$1'));
			} else if (type === 'escape_sequence') {
				const text = this.nodeText(part);
				pieces.push(escapes ? unescapeC(text) : text.replace(/^\\([\\'])$/, '$1'));
			} else if (type === 'interpolation') {
				const inner = typedArgs(part);
				pieces.push(inner.length === 1 ? this.evaluate(inner[0].node, depth, inner[0].type) : this.unresolved(part, 'expression'));
			}
		}
		return interpolated(pieces, range, this.maker(node));
	}

	/** `<<~TXT … TXT`: the body (a later sibling in the tree); `~` removes the common indentation. */
	private heredoc(node: Node, depth: number): ValueNode {
		const lineEnd = this.text.indexOf('\n', node.endIndex);
		let body: Node | null = lineEnd < 0 ? null : this.root.descendantForIndex(lineEnd + 1);
		while (body && body.type !== 'heredoc_body') {
			body = body.parent;
		}
		if (!body) {
			return this.unresolved(node, 'heredoc');
		}
		// The body is not inside the declaration the name read recorded: a call reading it is not cached.
		this.readsElsewhere = true;
		const full = this.string(body, depth, !node.text.includes('\''));
		// The body starts at the line end after `<<~TXT`, which is not part of the value.
		const value = full.kind === 'scalar' && typeof full.value === 'string' ? scalar(full.range, full.value.replace(/^\r?\n/, '')) : full;
		if (value.kind !== 'scalar' || typeof value.value !== 'string' || !node.text.startsWith('<<~')) {
			return value.kind === 'scalar' ? scalar(this.range(body), value.value) : value;
		}
		const lines = value.value.split('\n');
		const indents = lines.filter(l => l.trim() !== '').map(l => /^[ \t]*/.exec(l)![0].length);
		const common = indents.length > 0 ? Math.min(...indents) : 0;
		return scalar(this.range(body), lines.map(l => l.slice(common)).join('\n'));
	}

	private array(node: Node, depth: number, range: TextRange): ValueNode {
		const items: ValueNode[] = [];
		for (const { node: child, type } of typedArgs(node)) {
			if (type === 'splat_argument') {
				const inner = typedArgs(child)[0];
				spreadItems(items, inner ? this.evaluate(inner.node, depth, inner.type) : this.unresolved(child, 'expression'), () => this.unresolved(child, 'spread of a non-array'));
			} else {
				items.push(this.evaluate(child, depth, type));
			}
		}
		return { kind: 'array', range, items };
	}

	/** A hash literal or keyword arguments: `key: v`, `:key => v`, `"key" => v`, `**rest`. */
	hash(node: Node, depth: number, range = this.range(node)): ValueNode {
		const props: PropNode[] = [];
		const unresolved: UnresolvedNode[] = [];
		for (const { node: child, type } of typedArgs(node)) {
			if (type === 'hash_splat_argument') {
				const inner = typedArgs(child)[0];
				spreadProps(props, unresolved, inner ? this.evaluate(inner.node, depth, inner.type) : this.unresolved(child, 'expression'), () => this.unresolved(child, 'spread of a non-hash'));
				continue;
			}
			if (type !== 'pair') {
				continue;
			}
			const keyNode = child.childForFieldName('key');
			const valueNode = child.childForFieldName('value');
			const key = keyNode ? this.evaluate(keyNode, depth) : undefined;
			if (key?.kind !== 'scalar' || typeof key.value !== 'string' || !valueNode) {
				unresolved.push(this.unresolved(child, 'computed key'));
				continue;
			}
			props.push({ key: key.value, range: this.range(child), value: this.evaluate(valueNode, depth) });
		}
		return objectOf(range, props, unresolved);
	}

	protected declarationAt(name: Node): Declaration | undefined {
		const parent = name.parent;
		if (parent?.type !== 'assignment' || parent.childForFieldName('left')?.id !== name.id) {
			return undefined;
		}
		const value = parent.childForFieldName('right') ?? undefined;
		return { scope: this.scopeOf(parent), start: parent.startIndex, value };
	}

	private scopeOf(node: Node): Node {
		for (let n = node.parent; n; n = n.parent) {
			if (n.type === 'method' || n.type === 'singleton_method' || n.type === 'class' || n.type === 'module' || n.type === 'program') {
				return n;
			}
		}
		return this.root;
	}

	/** `x << …`, `x.push(…)` (append, concat, insert, unshift), `x += …`, `x = …` again. */
	protected mutationAt(name: Node): boolean {
		const parent = name.parent;
		if (!parent) {
			return false;
		}
		if (parent.type === 'binary' && parent.childForFieldName('left')?.id === name.id && parent.childForFieldName('operator')?.text === '<<') {
			return true;
		}
		if ((parent.type === 'operator_assignment' || parent.type === 'assignment') && parent.childForFieldName('left')?.id === name.id) {
			return true;
		}
		return parent.type === 'call' && parent.childForFieldName('receiver')?.id === name.id
			&& /^(push|append|concat|insert|unshift|prepend)$/.test(parent.childForFieldName('method')?.text ?? '');
	}

	protected isLoop(node: Node): boolean {
		if (node.type === 'while' || node.type === 'until' || node.type === 'for') {
			return true;
		}
		const call = node.parent;
		return (node.type === 'do_block' || node.type === 'block') && call?.type === 'call'
			&& /^(loop|each|times|upto|downto|step|each_with_index|map)$/.test(call.childForFieldName('method')?.text ?? call.firstNamedChild?.text ?? '');
	}
}

const methods: Record<string, SdkMethod> = { create: 'create', stream: 'stream', stream_raw: 'stream', count_tokens: 'count_tokens', tool_runner: 'tool_runner' };

export const rubyBinding: LanguageBinding<RubyEvaluator> = {
	grammar: 'ruby',
	language: 'ruby',
	candidates: /\.\s*(create|stream|stream_raw|count_tokens|tool_runner)\b/,
	makeEvaluator: (text: string, tree: Tree) => new RubyEvaluator(text, tree),
	closeHalfTyped: halfTypedCloser('ruby'),
	sdkCall(name: Node, ev: RubyEvaluator): SdkCall | undefined {
		const call = name.parent;
		if (name.type !== 'identifier' || call?.type !== 'call' || call.childForFieldName('method')?.id !== name.id) {
			return undefined;
		}
		const receiver = call.childForFieldName('receiver');
		const ownerNode = receiver?.type === 'call' ? receiver.childForFieldName('method') : receiver;
		const owner = ownerNode ? ev.nodeText(ownerNode) : undefined;
		const nameText = ev.nodeText(name);
		let method: SdkMethod | undefined;
		if (owner === 'batches' && nameText === 'create' && /(^|\.)messages$/.test(receiver?.childForFieldName('receiver')?.text ?? '')) {
			method = 'batch';
		} else if (owner === 'messages') {
			method = methods[nameText];
		}
		const args = call.childForFieldName('arguments');
		if (!method || !args || namedArgs(args).length === 0) {
			return undefined;
		}
		return { call, method, payload: () => ev.hash(args, 0) };
	},
};

export function detectRuby(text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	return detectWithBinding(rubyBinding, text, options, out);
}
