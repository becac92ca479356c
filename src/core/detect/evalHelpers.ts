/**
 * Evaluation rules shared by every front end (the engine's language bindings). Each front end evaluates
 * the operands with its own syntax tree and passes the results here, with a callback that makes an
 * unresolved node at the expression in hand; so a rule reads the same in every language.
 */
import type { RequestSite, SiteLanguage, TextRange } from '../types';
import { firstLineAnchor } from './json';
import { buildSite } from './site';
import { getValue, unresolvedNode, type ObjectNode, type PropNode, type UnresolvedNode, type ValueNode } from './valueTree';

/** Makes the unresolved node for the expression being evaluated. */
export type MakeUnresolved = (reason: string) => UnresolvedNode;

/** How many identifier hops an evaluation may take (`const a = b; const b = {...}`). */
export const maxDepth = 8;

/**
 * Which scalars `+` joins: JavaScript joins when either side is a string (`'n=' + 1`); Python only joins
 * two strings (anything else is a TypeError there).
 */
export type PlusRule = 'javascript' | 'python';

/**
 * `left + right` as string concatenation (prompts are often split across lines), and in Python as list
 * concatenation (`EXAMPLES + [{"role": "user", …}]`). When it cannot be joined, the first unresolved
 * side's reason says why; otherwise it is just an expression.
 */
export function concatenation(left: ValueNode, right: ValueNode, range: TextRange, rule: PlusRule, unresolved: MakeUnresolved): ValueNode {
	if (rule === 'python' && left.kind === 'array' && right.kind === 'array') {
		return { kind: 'array', range, items: [...left.items, ...right.items] };
	}
	if (left.kind === 'scalar' && right.kind === 'scalar') {
		const joins = rule === 'javascript'
			? typeof left.value === 'string' || typeof right.value === 'string'
			: typeof left.value === 'string' && typeof right.value === 'string';
		if (joins) {
			return { kind: 'scalar', range, value: String(left.value) + String(right.value) };
		}
	}
	const inner = left.kind === 'unresolved' ? left : right.kind === 'unresolved' ? right : undefined;
	return unresolved(inner ? inner.reason : 'expression');
}

/**
 * `list.concat(a, b)`: the list's items, then each array argument's items and each other argument as one
 * item (JavaScript's rule). An owner that is not a known list leaves the whole call unresolved.
 */
export function concatCall(owner: ValueNode, args: readonly ValueNode[], range: TextRange, unresolved: MakeUnresolved): ValueNode {
	if (owner.kind !== 'array') {
		return unresolved(owner.kind === 'unresolved' ? owner.reason : 'function call');
	}
	const items = [...owner.items];
	for (const arg of args) {
		if (arg.kind === 'array') {
			items.push(...arg.items);
		} else {
			items.push(arg);
		}
	}
	return { kind: 'array', range, items };
}

/** `-operand`: only a number negates (`temperature: -1` is still a value worth showing). */
export function negation(operand: ValueNode, range: TextRange, unresolved: MakeUnresolved): ValueNode {
	return operand.kind === 'scalar' && typeof operand.value === 'number'
		? { kind: 'scalar', range, value: -operand.value }
		: unresolved('expression');
}

/** `owner.name` on an evaluated object (`PROMPTS.system`); an unresolved owner passes its reason on. */
export function member(owner: ValueNode, name: string, unresolved: MakeUnresolved): ValueNode {
	const value = owner.kind === 'object' ? getValue(owner, name) : undefined;
	return value ?? unresolved(owner.kind === 'unresolved' ? owner.reason : 'property access');
}

/** `[...spread]`: an array's items; an unresolved value stays one item; anything else is `nonArray()`. */
export function spreadItems(items: ValueNode[], spread: ValueNode, nonArray: () => UnresolvedNode): void {
	if (spread.kind === 'array') {
		items.push(...spread.items);
	} else {
		items.push(spread.kind === 'unresolved' ? spread : nonArray());
	}
}

/**
 * `{...spread}` / `{**spread}`: an object's properties and its own unresolved spreads; an unresolved value
 * is recorded. Anything else is `nonObject()` where the language rejects it, or nothing where it adds no
 * keys (JavaScript spreads of scalars).
 */
export function spreadProps(props: PropNode[], unresolved: UnresolvedNode[], spread: ValueNode, nonObject?: () => UnresolvedNode): void {
	if (spread.kind === 'object') {
		props.push(...spread.props);
		unresolved.push(...spread.unresolved);
	} else if (spread.kind === 'unresolved') {
		unresolved.push(spread);
	} else if (nonObject) {
		unresolved.push(nonObject());
	}
}

/**
 * Evaluates what a name refers to, one hop deeper: refuses past `maxDepth` hops and on a cycle
 * (`const a = b; const b = a`). `target` is the front end's key for the declaration being followed.
 */
export function follow<K>(target: K, depth: number, visiting: Set<K>, evaluate: () => ValueNode, unresolved: MakeUnresolved): ValueNode {
	if (depth >= maxDepth) {
		return unresolved('too many indirections');
	}
	if (visiting.has(target)) {
		return unresolved('circular reference');
	}
	visiting.add(target);
	try {
		return evaluate();
	} finally {
		visiting.delete(target);
	}
}

/** One site per object in a `batches.create` call's `requests` array; other entries are not requests. */
export function pushBatchEntries(requests: ValueNode | undefined, batchId: string, language: SiteLanguage, text: string, out: RequestSite[]): void {
	if (requests?.kind !== 'array') {
		return;
	}
	requests.items.forEach((item, i) => {
		if (item.kind === 'object') {
			out.push(buildSite(item, 'batch-entry', { id: `${batchId}/requests/${i}`, language, range: item.range, anchor: firstLineAnchor(text, item.range.start, item.range.end) }));
		}
	});
}

/** The span an edit changed: lengths of the common prefix and (not overlapping it) the common suffix. */
export function changedSpan(oldText: string, newText: string): { prefix: number; suffix: number } {
	const max = Math.min(oldText.length, newText.length);
	// Whole chunks first (a native comparison), then character by character inside the first different one.
	const chunk = 4096;
	let prefix = 0;
	while (prefix + chunk <= max && oldText.substring(prefix, prefix + chunk) === newText.substring(prefix, prefix + chunk)) {
		prefix += chunk;
	}
	while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) {
		prefix++;
	}
	let suffix = 0;
	while (suffix + chunk <= max - prefix
		&& oldText.substring(oldText.length - suffix - chunk, oldText.length - suffix) === newText.substring(newText.length - suffix - chunk, newText.length - suffix)) {
		suffix += chunk;
	}
	while (suffix < max - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) {
		suffix++;
	}
	return { prefix, suffix };
}

/** The object a call argument evaluates to; anything else becomes an empty object holding the reason. */
export function asObject(value: ValueNode): ObjectNode {
	if (value.kind === 'object') {
		return value;
	}
	const reason = value.kind === 'unresolved' ? value : unresolvedNode(value.range, '', 'not an object');
	return { kind: 'object', range: value.range, props: [], unresolved: [reason] };
}

/**
 * True unless the model id names another vendor's Bedrock model (Cohere, Amazon Nova/Titan, Meta Llama,
 * AI21, Mistral …): those calls are not Claude requests. Ids, ARNs and inference profiles all carry
 * `anthropic.` (or `claude`) for Claude.
 */
export function isAnthropicModelId(modelId: string): boolean {
	return /anthropic|claude/i.test(modelId);
}
