/**
 * The tree-sitter detection engine shared by the Go, Java, Ruby, C# and PHP bindings: what a name refers
 * to (found lazily, only for the names a request uses), which lists are changed at run time before a call,
 * and the driver that turns the SDK calls a binding recognises into sites. The evaluation rules themselves
 * (concatenation, spreads, following names) are those of `evalHelpers.ts`, the same as every front end's.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, SiteLanguage, TextRange } from '../types';
import { follow, pushBatchEntries, type MakeUnresolved } from './evalHelpers';
import { firstLineAnchor } from './json';
import { buildSite } from './site';
import { getParser, parseText, type GrammarName } from './treeSitter';
import { unresolvedNode, type ObjectNode, type UnresolvedNode, type ValueNode } from './valueTree';


/** One declaration of a name, as a binding reads it from the tree. */
export interface Declaration {
	/** The node the name's visibility ends with (a block, a function body, the file). */
	readonly scope: Node;
	readonly start: number;
	/** The expression assigned; absent when the value is not static (a parameter, an import). */
	readonly value?: Node;
	readonly reason?: string;
}

/** An SDK request call a binding recognised. */
export interface SdkCall {
	readonly call: Node;
	readonly method: SdkMethod;
	/** The request as an object (`model`, `messages`, … in the Messages API's own names). */
	readonly payload: ValueNode;
}

/** How a language writes names, declarations and request calls. */
export interface LanguageBinding<E extends TreeEvaluator = TreeEvaluator> {
	readonly grammar: GrammarName;
	readonly language: SiteLanguage;
	/** Candidate call names in the text (`New(`, `create(` …): group 1 is the name, confirmed on the tree. */
	readonly candidates: RegExp;
	/** The word characters of a name, for finding its occurrences (`$` for PHP variables). */
	readonly namePattern?: (name: string) => RegExp;
	makeEvaluator(text: string, tree: Tree): E;
	/** The SDK call whose method name is this node, if it is one. */
	sdkCall(name: Node, evaluator: E): SdkCall | undefined;
}

const maxOccurrences = 2000;

/**
 * Base of each language's evaluator: ranges, unresolved nodes, and names resolved through the
 * declarations the binding recognises at the name's occurrences in the text.
 */
export abstract class TreeEvaluator {
	private readonly declarations = new Map<string, { decls: Declaration[]; mutations: number[] }>();
	readonly visiting = new Set<number>();

	constructor(readonly text: string, readonly tree: Tree) { }

	range(node: Node): TextRange {
		return { start: node.startIndex, end: node.endIndex };
	}

	unresolved(node: Node, reason: string): UnresolvedNode {
		return unresolvedNode(this.range(node), this.text.slice(node.startIndex, node.endIndex), reason);
	}

	maker(node: Node): MakeUnresolved {
		return reason => this.unresolved(node, reason);
	}

	/** The language's evaluation of one expression. */
	abstract evaluate(node: Node, depth?: number): ValueNode;

	/** The declaration this occurrence of a name makes, if it is one. */
	protected abstract declarationAt(name: Node): Declaration | undefined;

	/** True when this occurrence changes the list the name holds (`append`, `push`, `<<`, `+=` …). */
	protected abstract mutationAt(name: Node): boolean;

	/** True for a loop statement: a change anywhere in a loop around the call happens before a later turn. */
	protected abstract isLoop(node: Node): boolean;

	/** The word pattern of a name; bindings with sigils override it. */
	protected occurrences(name: string): RegExp {
		return new RegExp(`(?<![\\w$])${name.replace(/[$]/g, '\\$')}(?![\\w$])`, 'g');
	}

	private index(name: string): { decls: Declaration[]; mutations: number[] } {
		let found = this.declarations.get(name);
		if (found) {
			return found;
		}
		found = { decls: [], mutations: [] };
		this.declarations.set(name, found);
		const pattern = this.occurrences(name);
		let seen = 0;
		for (let m = pattern.exec(this.text); m && seen < maxOccurrences; m = pattern.exec(this.text), seen++) {
			const node = this.tree.rootNode.descendantForIndex(m.index, m.index + m[0].length);
			if (!node || node.startIndex !== m.index || node.endIndex !== m.index + m[0].length) {
				continue;
			}
			const decl = this.declarationAt(node);
			if (decl) {
				found.decls.push(decl);
			} else if (this.mutationAt(node)) {
				found.mutations.push(m.index);
			}
		}
		return found;
	}

	/**
	 * The declaration a use refers to: the innermost enclosing scope that declares the name, there the last
	 * declaration before the use, else the first after it (constants and fields declared further down).
	 */
	resolve(use: Node): Declaration | undefined {
		const { decls } = this.index(use.text);
		let best: Declaration | undefined;
		for (const d of decls) {
			if (d.scope.startIndex > use.startIndex || d.scope.endIndex < use.endIndex) {
				continue;
			}
			if (!best || d.scope.startIndex > best.scope.startIndex
				|| (d.scope.id === best.scope.id && ((d.start < use.startIndex && (best.start > use.startIndex || d.start > best.start))))) {
				best = d;
			}
		}
		return best;
	}

	/** True when the list held by the name is changed between its declaration and the use (or in a loop around it). */
	changedBefore(use: Node, decl: Declaration): boolean {
		const { mutations } = this.index(use.text);
		if (mutations.length === 0) {
			return false;
		}
		let loop: Node | null = null;
		for (let n: Node | null = use.parent; n && n.startIndex >= decl.scope.startIndex; n = n.parent) {
			if (this.isLoop(n) && n.startIndex > decl.start) {
				loop = n;
			}
		}
		return mutations.some(at => at > decl.start && at < decl.scope.endIndex
			&& (at < use.startIndex || (loop !== null && at >= loop.startIndex && at < loop.endIndex)));
	}

	/** The value of a name: its declaration's value, followed with the shared depth and cycle rules. */
	identifier(use: Node, depth: number): ValueNode {
		const decl = this.resolve(use);
		if (!decl?.value) {
			return this.unresolved(use, decl?.reason ?? 'unknown name');
		}
		if (this.changedBefore(use, decl)) {
			return this.unresolved(use, 'changed at run time before the call');
		}
		const value = decl.value;
		return follow(value.id, depth, this.visiting, () => this.evaluate(value, depth + 1), this.maker(use));
	}

	/** The expression a name is declared with, if any (for shapes read from syntax, not values). */
	declaredValue(use: Node): Node | undefined {
		return this.resolve(use)?.value;
	}
}

/** Snake case of an SDK's field or method name: `MaxTokens`/`maxTokens` → `max_tokens`, `CustomID` → `custom_id`. */
export function snakeCase(name: string): string {
	return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** The first named child that is not a comment. */
export function firstNamed(node: Node | null | undefined): Node | undefined {
	return node?.namedChildren.find(c => c !== null && !c.type.includes('comment')) ?? undefined;
}

/** Named children that are not comments. */
export function namedArgs(node: Node | null | undefined): Node[] {
	return (node?.namedChildren ?? []).filter((c): c is Node => c !== null && !c.type.includes('comment'));
}

export interface EngineOptions {
	readonly bedrockModelId?: string;
	/** Keeps the document's tree for an incremental re-parse on the next edit. */
	readonly fileName?: string;
}

/** Runs a binding over a document: candidate names in the text, confirmed and evaluated on the tree. */
export async function detectWithBinding<E extends TreeEvaluator>(binding: LanguageBinding<E>, text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	const parser = await getParser(binding.grammar);
	const tree = parseText(parser, binding.grammar, text, options.fileName);
	if (!tree) {
		return;
	}
	try {
		const evaluator = binding.makeEvaluator(text, tree);
		const ordinals = new Map<string, number>();
		const nextId = (method: string): string => {
			const n = ordinals.get(method) ?? 0;
			ordinals.set(method, n + 1);
			return `${binding.language}:${method}#${n}`;
		};
		const seen = new Set<number>();
		const pattern = new RegExp(binding.candidates.source, 'g');
		for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
			const at = match.index + match[0].indexOf(match[1]);
			const name = tree.rootNode.descendantForIndex(at, at + match[1].length);
			if (!name || name.startIndex !== at) {
				continue;
			}
			const found = binding.sdkCall(name, evaluator);
			if (!found || seen.has(found.call.id)) {
				continue;
			}
			seen.add(found.call.id);
			const range = evaluator.range(found.call);
			const anchor = firstLineAnchor(text, range.start, range.end);
			const id = nextId(found.method);
			if (found.method === 'batch') {
				const requests = found.payload.kind === 'object' ? found.payload.props.find(p => p.key === 'requests')?.value : undefined;
				const first = out.length;
				pushBatchEntries(requests, id, binding.language, text, out);
				for (let i = first; i < out.length; i++) {
					out[i] = { ...out[i], method: 'batch' };
				}
				continue;
			}
			const payload: ObjectNode = found.payload.kind === 'object' ? found.payload
				: { kind: 'object', range: found.payload.range, props: [], unresolved: found.payload.kind === 'unresolved' ? [found.payload] : [] };
			out.push({ ...buildSite(payload, 'messages', { id, language: binding.language, range, anchor }), method: found.method });
		}
	} finally {
		if (!options.fileName) {
			tree.delete();
		}
	}
}

const cEscapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', e: '\x1b', s: ' ', '0': '\0', '\\': '\\', '"': '"', '\'': '\'', '`': '`', '$': '$', '\n': '' };

/** Backslash escapes as C-family languages write them (`\n`, `\"`, `\u00e9`, `\x41`, `\U0001F600`). */
export function unescapeC(raw: string): string {
	return raw.replace(/\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[\s\S])/g, (whole, esc: string) => {
		if (esc.length > 1) {
			if (/^[0-7]{3}$/.test(esc)) {
				return String.fromCharCode(parseInt(esc, 8));
			}
			const hex = esc.slice(1).replace(/[{}]/g, '');
			const code = parseInt(hex, 16);
			return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
		}
		return cEscapes[esc] ?? whole;
	});
}

/**
 * The `type` the SDKs' typed parameter classes stand for (they write it themselves when serialising):
 * `TextBlockParam` → text, `ToolResultBlockParam` → tool_result, an input schema → object.
 */
export function impliedType(typeName: string): string | undefined {
	const name = typeName.replace(/^.*[.:\\]/, '').replace(/^Beta/, '');
	const block = /^(\w+?)BlockParam$/.exec(name);
	if (block) {
		return snakeCase(block[1]);
	}
	if (/InputSchema(Param)?$/.test(name)) {
		return 'object';
	}
	const thinking = /^ThinkingConfig(Enabled|Disabled|Adaptive)(Param)?$/.exec(name);
	return thinking ? thinking[1].toLowerCase() : undefined;
}

/** A role constant (`MessageParamRoleUser`, `MessageParam.Role.USER`, `Role.User`) → `user` / `assistant`. */
export function roleConstant(name: string): string | undefined {
	const match = /(?:^|[^A-Za-z])(?:\w*Role)?[._:]*(User|USER|Assistant|ASSISTANT)$/.exec(name) ?? /Role(User|Assistant)$/.exec(name);
	return match ? match[1].toLowerCase() : undefined;
}

/** An object node from evaluated properties (keys already in the Messages API's names). */
export function objectOf(range: TextRange, props: ObjectNode['props'], unresolved: ObjectNode['unresolved'] = []): ObjectNode {
	return { kind: 'object', range, props, unresolved };
}

export function scalar(range: TextRange, value: string | number | boolean | null): ValueNode {
	return { kind: 'scalar', range, value };
}

/**
 * An interpolated string (`"Hi #{name}"`, `"Hi $name"`, `$"Hi {name}"`): the pieces joined when every
 * substituted value is known (a same-file constant); otherwise unresolved, saying why.
 */
export function interpolated(pieces: readonly (string | ValueNode)[], range: TextRange, unresolved: MakeUnresolved): ValueNode {
	let value = '';
	for (const piece of pieces) {
		if (typeof piece === 'string') {
			value += piece;
		} else if (piece.kind === 'scalar' && piece.value !== null) {
			value += String(piece.value);
		} else {
			return unresolved(piece.kind === 'unresolved' ? `string interpolation (${piece.reason})` : 'string interpolation');
		}
	}
	return scalar(range, value);
}
