/**
 * The tree-sitter detection engine shared by every SDK language's binding (TypeScript/JavaScript, Python,
 * Go, Java, Ruby, C#, PHP): what a name refers to (found lazily, only for the names a request uses), which
 * lists are changed at run time before a call, and the driver that turns the SDK calls a binding recognises
 * into sites. The evaluation rules themselves (concatenation, spreads, following names) are those of
 * `evalHelpers.ts`, the same as every front end's.
 */
import type { Node, Parser, Tree } from 'web-tree-sitter';
import type { RequestSite, SdkMethod, SiteLanguage, TextRange } from '../types';
import { changedSpan, follow, pushBatchEntries, type MakeUnresolved } from './evalHelpers';
import { firstLineAnchor } from './json';
import { buildSite, InPlaceMover } from './site';
import { cachedText, parseText, parseWithInserts, structuralChars, type GrammarLoader, type GrammarName } from './treeSitter';
import { unresolvedNode, type ObjectNode, type UnresolvedNode, type ValueNode } from './valueTree';
import type { DocumentCaches } from './documentCaches';
import { memoized } from '../util/memo';


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
	/** Evaluates the request as an object (`model`, `messages`, … in the Messages API's own names). */
	readonly payload: () => ValueNode;
	/** The name the site's id is numbered by (default: the method), e.g. `messages.create` or `InvokeModelCommand`. */
	readonly idName?: string;
	/** Makes the call's sites itself (Bedrock commands), instead of one Messages site or one per batch entry. */
	readonly push?: (value: ValueNode, origin: { id: string; language: SiteLanguage; range: TextRange; anchor: TextRange }, out: RequestSite[]) => void;
	/**
	 * False when the evaluated call is no request at all (Python's boto3 call to another vendor's model): it
	 * takes no number, so the calls after it keep their ids. Default: every call takes one.
	 */
	readonly numbered?: (value: ValueNode) => boolean;
}

/** How a language writes names, declarations and request calls. */
export interface LanguageBinding<E extends TreeEvaluator = TreeEvaluator> {
	readonly grammar: GrammarName;
	readonly language: SiteLanguage;
	/** What a site's id starts with (default: the language). */
	readonly idPrefix?: string;
	/** Candidate call names in the text (`New(`, `create(` …): group 1 is the name, confirmed on the tree. */
	readonly candidates: RegExp;
	/** The word characters of a name, for finding its occurrences (`$` for PHP variables). */
	readonly namePattern?: (name: string) => RegExp;
	makeEvaluator(text: string, tree: Tree): E;
	/** The SDK call whose method name is this node, if it is one. */
	sdkCall(name: Node, evaluator: E): SdkCall | undefined;
	/**
	 * For a call still being typed (its brackets not closed yet, so the tree holds an error there): where
	 * its text ends and what closes it, so it can be read as if it were finished.
	 */
	closeHalfTyped?(text: string, at: number): HalfTyped | undefined;
}

/** A half-typed call closed: `closers` inserted at `end` make it complete. */
export interface HalfTyped {
	readonly end: number;
	readonly closers: string;
}


/**
 * Base of each language's evaluator: ranges, unresolved nodes, and names resolved through the
 * declarations the binding recognises at the name's occurrences in the text.
 */
export abstract class TreeEvaluator {
	private readonly declarations = new Map<string, { decls: Declaration[]; mutations: Mutation[] }>();
	private readonly ends = new Map<number, number>();
	readonly visiting = new Set<number>();
	/** While a call is evaluated: every name it read, so a later run can tell whether its value is unchanged. */
	recording: NameRead[] | undefined;
	/** Set when an evaluation read text that no recorded name covers (a heredoc body): not cached. */
	readsElsewhere = false;
	/** Reads of the last run still valid after typing elsewhere, by use offset: no need to resolve the name again. */
	known: Map<number, NameRead> | undefined;
	/** The reason given for a name declared nowhere in the file. */
	protected unknownName = 'unknown name';
	/** How many occurrences of one name are looked at in the tree for its declarations and changes. */
	protected maxOccurrences = 2000;

	private rootNode: Node | undefined;

	constructor(readonly text: string, readonly tree: Tree) { }

	/** The tree's root node, read once (each read of `Tree.rootNode` is a call into the parser's wasm, and a new node). */
	get root(): Node {
		return this.rootNode ??= this.tree.rootNode;
	}

	range(node: Node): TextRange {
		return { start: node.startIndex, end: node.endIndex };
	}

	/** The node's text, sliced from the document (`Node.text` reads the end from the tree, then slices the parse input twice). */
	nodeText(node: Node): string {
		return this.text.slice(node.startIndex, node.endIndex);
	}

	/** Where a scope node ends, read from the tree once per node (a scope is compared with every use of a name in it). */
	endOf(node: Node): number {
		let end = this.ends.get(node.id);
		if (end === undefined) {
			end = node.endIndex;
			this.ends.set(node.id, end);
		}
		return end;
	}

	unresolved(node: Node, reason: string): UnresolvedNode {
		const range = this.range(node);
		return unresolvedNode(range, this.text.slice(range.start, range.end), reason);
	}

	maker(node: Node): MakeUnresolved {
		return reason => this.unresolved(node, reason);
	}

	/** The language's evaluation of one expression. */
	abstract evaluate(node: Node, depth?: number): ValueNode;

	/** The declaration this occurrence of a name makes, if it is one. */
	protected abstract declarationAt(name: Node): Declaration | undefined;

	/**
	 * True when this occurrence changes the list the name holds (`append`, `push`, `<<`, `+=` …). `'rebind'`
	 * for a new value bound where it is no declaration (Python's `x = …` inside a block): that changes what
	 * the call sends only in a loop around the call, after it (a later turn), not before it.
	 */
	protected abstract mutationAt(name: Node): boolean | 'rebind';

	/** True for a loop statement: a change anywhere in a loop around the call happens before a later turn. */
	protected abstract isLoop(node: Node): boolean;

	/** The word pattern of a name; bindings with sigils override it. */
	protected occurrences(name: string): RegExp {
		return new RegExp(`(?<![\\w$])${name.replace(/[$]/g, '\\$')}(?![\\w$])`, 'g');
	}

	private index(name: string): { decls: Declaration[]; mutations: Mutation[] } {
		let found = this.declarations.get(name);
		if (found) {
			return found;
		}
		found = { decls: [], mutations: [] };
		this.declarations.set(name, found);
		if (name === '') {
			return found; // a name the grammar inserted (MISSING) where a half-typed call has no value yet: declared nowhere
		}
		const pattern = this.occurrences(name);
		let seen = 0;
		for (let m = pattern.exec(this.text); m && seen < this.maxOccurrences; m = pattern.exec(this.text), seen++) {
			const node = this.root.descendantForIndex(m.index, m.index + m[0].length);
			if (!node || node.startIndex !== m.index || node.endIndex !== m.index + m[0].length) {
				continue;
			}
			const decl = this.declarationAt(node);
			if (decl) {
				found.decls.push(decl);
			} else {
				const mutation = this.mutationAt(node);
				if (mutation) {
					found.mutations.push({ at: m.index, rebind: mutation === 'rebind' });
				}
			}
		}
		return found;
	}

	/**
	 * The declaration a use refers to: the innermost enclosing scope that declares the name, there the last
	 * declaration before the use, else the first after it (constants and fields declared further down).
	 */
	resolve(use: Node, name = this.nodeText(use)): Declaration | undefined {
		const { decls } = this.index(name);
		const useEnd = use.startIndex + name.length;
		let best: Declaration | undefined;
		for (const d of decls) {
			if (d.scope.startIndex > use.startIndex || this.endOf(d.scope) < useEnd) {
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
	changedBefore(use: Node, decl: Declaration, name = this.nodeText(use)): boolean {
		const { mutations } = this.index(name);
		if (!mutations.some(m => m.at > decl.start)) {
			return false; // nothing after the declaration: no walk up the tree
		}
		let loop: Node | null = null;
		for (let n: Node | null = use.parent; n && n.startIndex >= decl.scope.startIndex; n = n.parent) {
			if (this.isLoop(n) && n.startIndex > decl.start) {
				loop = n;
			}
		}
		const inLoop = (at: number): boolean => loop !== null && at >= loop.startIndex && at < loop.endIndex;
		return mutations.some(({ at, rebind }) => at > decl.start && at < decl.scope.endIndex
			&& (rebind ? inLoop(at) && at > use.startIndex : at < use.startIndex || inLoop(at)));
	}

	/** The value of a name: its declaration's value, followed with the shared depth and cycle rules. */
	identifier(use: Node, depth: number): ValueNode {
		const name = this.nodeText(use);
		const read = this.knownRead(use, name) ?? this.readName(use, name);
		this.recording?.push(read);
		const decl = read.decl;
		if (!decl?.value) {
			return this.unresolved(use, decl?.reason ?? this.unknownName);
		}
		if (read.changed) {
			return this.unresolved(use, 'changed at run time before the call');
		}
		const value = decl.value;
		return follow(value.id, depth, this.visiting, () => this.evaluate(value, depth + 1), this.maker(use));
	}

	/** A read carried over from the last run, with the declaration's node found again by its range. */
	private knownRead(use: Node, name: string): NameRead | undefined {
		const read = this.known?.get(use.startIndex);
		if (!read || read.name !== name) {
			return undefined;
		}
		if (!read.value) {
			return { ...read, decl: { scope: this.root, start: -1, reason: read.reason } };
		}
		const value = this.root.descendantForIndex(read.value.start, read.value.end);
		let node: Node | null = value;
		while (node && node.startIndex === read.value.start && node.endIndex < read.value.end) {
			node = node.parent;
		}
		if (!node || node.startIndex !== read.value.start || node.endIndex !== read.value.end) {
			return undefined;
		}
		return { ...read, value: { ...read.value, text: this.text.slice(read.value.start, read.value.end) }, decl: { scope: this.root, start: -1, value: node } };
	}

	/** What a use of a name reads: its declaration, the declared text, and whether it changes before the use. */
	readName(use: Node, name = this.nodeText(use)): NameRead {
		const decl = this.resolve(use, name);
		const value = decl?.value;
		const valueEnd = value?.endIndex;
		return {
			name, use: use.startIndex, decl,
			value: value ? { start: value.startIndex, end: valueEnd!, text: this.text.slice(value.startIndex, valueEnd) } : undefined,
			reason: decl?.reason,
			changed: decl?.value ? this.changedBefore(use, decl, name) : false,
		};
	}
}

/** True when the evaluated call is no request and gives its id's number back (see `SdkCall.numbered`). */
function takesNoNumber(call: SdkCall, payload: ValueNode): boolean {
	return call.numbered !== undefined && !call.numbered(payload);
}

/** Where a name's list is changed (see `mutationAt`). */
interface Mutation {
	readonly at: number;
	readonly rebind: boolean;
}

/** One name a call's evaluation read, as recorded for the per-call cache. */
export interface NameRead {
	readonly name: string;
	readonly use: number;
	readonly decl?: Declaration;
	readonly value?: { readonly start: number; readonly end: number; readonly text: string };
	readonly reason?: string;
	readonly changed: boolean;
}

/** Snake case of an SDK's field or method name: `MaxTokens`/`maxTokens` → `max_tokens`, `CustomID` → `custom_id`. */
// Every call of a file names the same few fields: each is converted once (two regex replaces per field and
// call were 1.7 ms of detecting a 100 KB C# file of 400 calls).
export const snakeCase: (name: string) => string = memoized(
	name => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase(), 4096);

/** The first named child that is not a comment. */
export function firstNamed(node: Node | null | undefined): Node | undefined {
	return node?.namedChildren.find(c => c !== null && !c.type.includes('comment')) ?? undefined;
}

/** Named children that are not comments. */
export function namedArgs(node: Node | null | undefined): Node[] {
	return typedArgs(node).map((c) => c.node);
}

/** A node with its type, read once (each read of a node's type is a call into the parser's wasm). */
export interface TypedNode {
	readonly node: Node;
	readonly type: string;
}

/** Named children that are not comments, each with its type. */
export function typedArgs(node: Node | null | undefined): TypedNode[] {
	const out: TypedNode[] = [];
	for (const child of node?.namedChildren ?? []) {
		const type = child?.type;
		if (child && type !== undefined && !type.includes('comment')) {
			out.push({ node: child, type });
		}
	}
	return out;
}

export interface EngineOptions {
	/** The run's grammars (the detector's). */
	readonly grammars: GrammarLoader;
	/** The detector's per-document caches (its last tree and calls of each document). */
	readonly caches: DocumentCaches;
	readonly bedrockModelId?: string;
	/** Keeps the document's tree for an incremental re-parse on the next edit. */
	readonly fileName?: string;
	/** Receives each site moved or renumbered in place (`DetectOptions.movedInPlace`). */
	readonly movedInPlace?: Set<RequestSite>;
}

/** A call evaluated in an earlier run of the same document, with what its evaluation read. */
interface CachedCall {
	readonly start: number;
	readonly end: number;
	readonly method: SdkMethod;
	/** The name its id is numbered by. */
	readonly idName: string;
	/** Offset of the method's name (where the binding confirms the call). */
	readonly nameAt: number;
	readonly reads: readonly NameRead[];
	/** Its sites, with the ranges and ids of that run. */
	readonly sites: readonly RequestSite[];
	readonly id: string;
	/** It took no number (see `SdkCall.numbered`). */
	readonly unnumbered?: boolean;
}

/** Per document: the text of the last run and its calls, in document order (the detector's `DocumentCaches.calls`). */
export interface CachedDocument {
	readonly text: string;
	readonly calls: readonly CachedCall[];
	/** The sites of a run that read half-typed calls from a patched text (those calls are not in `calls`). */
	readonly partial?: readonly RequestSite[];
}

/** An offset moved by the intervals a reused call maps (its own text, then each value it read). */
type Shift = { readonly start: number; readonly end: number; readonly delta: number }[];

function shiftOffset(shift: Shift, offset: number, end = false): number | undefined {
	for (const s of shift) {
		if (offset >= s.start && (end ? offset <= s.end : offset < s.end)) {
			return offset + s.delta;
		}
	}
	return undefined;
}

/**
 * The shift that maps a cached call onto the same text in this run, or undefined when any name it read now
 * resolves elsewhere, to other text, or is changed at run time where it was not (then it is evaluated again).
 */
function validate(cached: CachedCall, call: Node, evaluator: TreeEvaluator): { shift: Shift; reads: NameRead[] } | undefined {
	const shift: { start: number; end: number; delta: number }[] = [{ start: cached.start, end: cached.end, delta: call.startIndex - cached.start }];
	const reads: NameRead[] = [];
	for (const read of cached.reads) {
		const at = shiftOffset(shift, read.use);
		const node = at === undefined ? undefined : evaluator.root.descendantForIndex(at, at + read.name.length);
		if (!node || node.startIndex !== at || evaluator.nodeText(node) !== read.name) {
			return undefined;
		}
		const now = evaluator.readName(node);
		if (now.changed !== read.changed || now.reason !== read.reason || now.value?.text !== read.value?.text) {
			return undefined;
		}
		if (read.value && now.value) {
			shift.push({ start: read.value.start, end: read.value.end, delta: now.value.start - read.value.start });
		}
		reads.push(withoutNode(now));
	}
	return { shift, reads };
}

/** A read as the cache keeps it: offsets and text only, no node of a tree that will be deleted. */
function withoutNode(read: NameRead): NameRead {
	return { name: read.name, use: read.use, value: read.value, reason: read.reason, changed: read.changed };
}

function shiftRange(shift: Shift, range: TextRange): TextRange | undefined {
	const start = shiftOffset(shift, range.start);
	const end = shiftOffset(shift, range.end, true);
	return start === undefined || end === undefined ? undefined : { start, end };
}

/** A cached site moved to this run's offsets (the payload object is the same: the request is unchanged). */
function shiftSite(site: RequestSite, shift: Shift, id: string): RequestSite | undefined {
	const range = shiftRange(shift, site.range);
	const anchor = shiftRange(shift, site.anchor);
	const parts = site.parts.map(p => (p.keyRange
		? { ...p, range: shiftRange(shift, p.range)!, keyRange: shiftRange(shift, p.keyRange)! }
		: { ...p, range: shiftRange(shift, p.range)! }));
	const unresolved = site.unresolved.map(u => ({ ...u, range: shiftRange(shift, u.range)! }));
	if (!range || !anchor || parts.some((p, i) => !p.range || (site.parts[i].keyRange !== undefined && !p.keyRange)) || unresolved.some(u => !u.range)) {
		return undefined;
	}
	return { ...site, id, range, anchor, parts, unresolved };
}

/**
 * Runs a binding over a document: candidate names in the text, confirmed on the tree. With a file name, a
 * call whose text and whose names' values are unchanged since the last run is not evaluated again: its
 * sites are moved to their new offsets and keep their payload objects, which the result store takes as
 * "unchanged" (no re-keying, no recount).
 */
export async function detectWithBinding<E extends TreeEvaluator>(binding: LanguageBinding<E>, text: string, options: EngineOptions, out: RequestSite[]): Promise<void> {
	const parser = await options.grammars.parser(binding.grammar);
	// The default Bedrock model is part of what a call's sites say: a different one is a different run.
	const cacheKey = options.fileName === undefined ? undefined : `${binding.grammar}:${binding.language}:${options.bedrockModelId ?? ''}:${options.fileName}`;
	const cached = cacheKey ? options.caches.calls.get(cacheKey) : undefined;
	// The texts are compared once, for the incremental parse and for what the edit touched.
	const previous = cached && cached.text === cachedText(options.caches.trees, binding.grammar, options.fileName) ? cached : undefined;
	const span = previous ? changedSpan(previous.text, text) : undefined;
	const tree = parseText(options.caches.trees, parser, binding.grammar, text, options.fileName, span);
	if (!tree) {
		return;
	}
	let calls: CachedCall[] = [];
	let partial: readonly RequestSite[] | undefined;
	try {
		const evaluator = binding.makeEvaluator(text, tree);
		const ordinals = new Map<string, number>();
		const nextId = (method: string): string => {
			const n = ordinals.get(method) ?? 0;
			ordinals.set(method, n + 1);
			return `${binding.idPrefix ?? binding.language}:${method}#${n}`;
		};
		// Gives back the number just taken, for a call that turned out to take none.
		const release = (method: string): void => {
			ordinals.set(method, ordinals.get(method)! - 1);
		};
		const evaluate = (found: SdkCall, name: Node, id: string): void => {
			const first = out.length;
			evaluator.recording = [];
			evaluator.readsElsewhere = false;
			const payload = found.payload();
			const reads = evaluator.recording;
			evaluator.recording = undefined;
			const unnumbered = takesNoNumber(found, payload);
			if (unnumbered) {
				release(found.idName ?? found.method);
			}
			pushSites(binding, found, payload, id, text, evaluator.range(found.call), out);
			calls.push({
				start: found.call.startIndex, end: found.call.endIndex, method: found.method, idName: found.idName ?? found.method, nameAt: name.startIndex,
				// A call that read text outside its names' declarations is evaluated again next time.
				reads: evaluator.readsElsewhere ? [{ name: '', use: -1, changed: true }] : reads.map(withoutNode), sites: out.slice(first), id, unnumbered,
			});
		};
		const base = out.length;
		if (previous && previous.text === text) {
			// The same text again (a save, a focus change): the same sites.
			calls = previous.calls.slice();
			partial = previous.partial;
			out.push(...(partial ?? calls.flatMap(call => call.sites)));
			return;
		}
		const typed = previous && span && !previous.partial ? typedInString(previous.text, text, span, tree) : undefined;
		if (previous && typed && detectAfterTyping(binding, previous, typed, evaluator, nextId, release, evaluate, out, calls, options.movedInPlace)) {
			return;
		}
		out.length = base;
		calls = [];
		ordinals.clear();
		const bySource = new Map<string, CachedCall[]>();
		for (const call of previous?.calls ?? []) {
			remember(bySource, previous!.text.slice(call.start, call.end), call);
		}
		const seen = new Set<number>();
		const candidates: number[] = [];
		const unconfirmed: number[] = [];
		const pattern = new RegExp(binding.candidates.source, 'g');
		for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
			const at = match.index + match[0].indexOf(match[1]);
			const name = evaluator.root.descendantForIndex(at, at + match[1].length);
			// A name inside other text (a string a half-typed call left open) may be a call once that is closed.
			candidates.push(at);
			if (!name || name.startIndex !== at) {
				continue;
			}
			const found = binding.sdkCall(name, evaluator);
			// A call with an error inside may be a half-typed one the grammar closed with the text after it
			// (an open string running into the next call): read as typed if its brackets are not closed.
			if (!found || found.call.hasError) {
				unconfirmed.push(at);
			}
			if (!found || seen.has(found.call.id)) {
				continue;
			}
			seen.add(found.call.id);
			const id = nextId(found.idName ?? found.method);
			const reused = reuse(bySource.get(text.slice(found.call.startIndex, found.call.endIndex)), found, evaluator, id);
			if (reused) {
				if (reused.entry.unnumbered) {
					release(found.idName ?? found.method);
				}
				out.push(...reused.sites);
				calls.push({ ...reused.entry, nameAt: name.startIndex });
				continue;
			}
			evaluate(found, name, id);
		}
		if (unconfirmed.length > 0 && binding.closeHalfTyped && evaluator.root.hasError) {
			const sites: RequestSite[] = [];
			ordinals.clear();
			if (recoverHalfTyped(binding, text, candidates, unconfirmed, calls, parser, tree, nextId, release, sites)) {
				out.length = base;
				out.push(...sites);
				partial = sites;
			}
		}
	} finally {
		if (!options.fileName) {
			tree.delete();
		}
		if (cacheKey) {
			// After reading half-typed calls the confirmed calls are still kept, for the next run to reuse.
			options.caches.calls.put(options.fileName!, cacheKey, { text, calls, partial });
		}
	}
}

/**
 * Calls the tree could not confirm because they are still being typed: the text is patched with what
 * closes each of them and the whole document is read again there (one parse), its ranges mapped back onto
 * the document (a range ending in inserted text ends where the typed text ends). False when nothing could
 * be patched or the patched text confirms none of those calls.
 */
function recoverHalfTyped<E extends TreeEvaluator>(binding: LanguageBinding<E>, text: string, candidates: number[], unconfirmed: number[],
	confirmedCalls: readonly CachedCall[], parser: Parser, original: Tree, nextId: (method: string) => string, release: (method: string) => void,
	out: RequestSite[]): boolean {
	const patches: HalfTyped[] = [];
	for (const at of unconfirmed) {
		if (patches.length > 0 && at < patches[patches.length - 1].end) {
			continue; // inside the call patched last: read in the same patched text
		}
		const patch = binding.closeHalfTyped!(text, at);
		if (patch && patch.end > at) {
			patches.push(patch);
		}
	}
	if (patches.length === 0) {
		return false;
	}
	let patched = '';
	let from = 0;
	for (const p of patches) {
		patched += text.slice(from, p.end) + p.closers;
		from = p.end;
	}
	patched += text.slice(from);
	const toPatched = (offset: number): number => offset + patches.filter(p => p.end <= offset).reduce((n, p) => n + p.closers.length, 0);
	const toText = (offset: number): number => {
		let shift = 0;
		for (const p of patches) {
			const end = p.end + shift;
			if (offset <= end) {
				break;
			}
			if (offset <= end + p.closers.length) {
				return p.end;
			}
			shift += p.closers.length;
		}
		return offset - shift;
	};
	const mapRange = (r: TextRange): TextRange => ({ start: toText(r.start), end: toText(r.end) });
	const tree = parseWithInserts(parser, original, text, patches.map(p => ({ at: p.end, text: p.closers })));
	if (!tree) {
		return false;
	}
	try {
		const evaluator = binding.makeEvaluator(patched, tree);
		const seen = new Set<number>();
		let confirmed = false;
		for (const at of candidates) {
			const p = toPatched(at);
			const name = evaluator.root.descendantForIndex(p, p + 1);
			const call = name && name.startIndex === p ? binding.sdkCall(name, evaluator) : undefined;
			if (!call || seen.has(call.call.id)) {
				continue;
			}
			seen.add(call.call.id);
			const id = nextId(call.idName ?? call.method);
			// A call the document's own tree read (before the patched text): its sites, numbered in document order.
			const known = confirmedCalls.find(c => c.start === toText(call.call.startIndex) && c.end === toText(call.call.endIndex) && c.idName === (call.idName ?? call.method));
			if (known?.unnumbered) {
				release(known.idName);
				continue;
			}
			if (known) {
				out.push(...known.sites.map(site => (id === known.id ? site : { ...site, id: id + site.id.slice(known.id.length) })));
				continue;
			}
			confirmed ||= unconfirmed.includes(at);
			const sites: RequestSite[] = [];
			const payload = call.payload();
			if (takesNoNumber(call, payload)) {
				release(call.idName ?? call.method);
			}
			pushSites(binding, call, payload, id, patched, evaluator.range(call.call), sites);
			for (const site of sites) {
				out.push({
					...site, range: mapRange(site.range), anchor: mapRange(site.anchor),
					parts: site.parts.map(part => (part.keyRange ? { ...part, range: mapRange(part.range), keyRange: mapRange(part.keyRange) } : { ...part, range: mapRange(part.range) })),
					unresolved: site.unresolved.map(u => ({ ...u, range: mapRange(u.range) })),
				});
			}
		}
		return confirmed;
	} finally {
		tree.delete();
	}
}

/** One edit between two runs: old text [start, oldEnd) became new text [start, newEnd). */
export interface TypedEdit {
	readonly start: number;
	readonly oldEnd: number;
	readonly newEnd: number;
}

/** Characters that can change how text around them is read (quotes, brackets, escapes, interpolation, operators). */
const structural = structuralChars;

/**
 * The edit, when it is typing inside a string or a comment: it removed and inserted only plain characters,
 * and the new tree has string or comment text there. Such an edit changes no name, declaration or call
 * structure, so only what contains it can change.
 */
export function typedInString(oldText: string, newText: string, { prefix, suffix }: { prefix: number; suffix: number }, tree: Tree): TypedEdit | undefined {
	const edit = { start: prefix, oldEnd: oldText.length - suffix, newEnd: newText.length - suffix };
	// In a tree with errors, what looks like string text may be read differently after the edit (an
	// unterminated template swallows what follows): only a tree without errors says it is a string.
	if (tree.rootNode.hasError) {
		return undefined;
	}
	if (structural.test(oldText.slice(edit.start, edit.oldEnd)) || structural.test(newText.slice(edit.start, edit.newEnd))) {
		return undefined;
	}
	const node = tree.rootNode.descendantForIndex(edit.start, Math.max(edit.start, edit.newEnd - 1));
	const inside = node !== null && node.startIndex <= edit.start && node.endIndex >= edit.newEnd
		&& node.childCount === 0 && /string|fragment|content|comment|text_block|heredoc/.test(node.type);
	return inside ? edit : undefined;
}

/**
 * After typing inside a string: calls the edit does not touch (neither their text nor a value they read)
 * keep their sites, moved by the edit's length; the touched ones are evaluated again. False when a touched
 * call is no longer found where it was (then the whole document is read again).
 */
function detectAfterTyping<E extends TreeEvaluator>(binding: LanguageBinding<E>, previous: CachedDocument, edit: TypedEdit, evaluator: E,
	nextId: (method: string) => string, release: (method: string) => void, evaluate: (found: SdkCall, name: Node, id: string) => void,
	out: RequestSite[], calls: CachedCall[], movedInPlace?: Set<RequestSite>): boolean {
	const delta = edit.newEnd - edit.oldEnd;
	const touches = (start: number, end: number): boolean => start <= edit.oldEnd && end >= edit.start;
	// Untouched calls after the edit, moved in place once every touched call has been read again (until then
	// the cache entry must stay as it was: a touched call not found again reads the whole document).
	const moves: { call: CachedCall; id: string }[] = [];
	for (const call of previous.calls) {
		const id = nextId(call.idName);
		const touched = touches(call.start, call.end) || call.reads.some(r => r.use < 0 || (r.value !== undefined && touches(r.value.start, r.value.end)));
		if (!touched && call.unnumbered) {
			release(call.idName);
		}
		if (!touched && call.id === id && call.end < edit.start && call.reads.every(r => r.use < edit.start && (!r.value || r.value.end < edit.start))) {
			// Wholly before the edit: nothing moved, the sites are kept as they are.
			out.push(...call.sites);
			calls.push(call);
			continue;
		}
		if (!touched) {
			// Untouched: every offset of its sites is before the edit or after it (in the call or in a value it read).
			out.push(...call.sites);
			calls.push(call);
			moves.push({ call, id });
			continue;
		}
		const shift: Shift = [{ start: 0, end: edit.start, delta: 0 }, { start: edit.oldEnd, end: Number.MAX_SAFE_INTEGER, delta }];
		const nameAt = shiftOffset(shift, call.nameAt);
		const name = nameAt === undefined ? null : evaluator.root.descendantForIndex(nameAt, nameAt + 1);
		const found = name && name.startIndex === nameAt ? binding.sdkCall(name, evaluator) : undefined;
		if (!name || !found || (found.idName ?? found.method) !== call.idName) {
			return false;
		}
		// Names whose declared values the edit did not touch resolve as they did (typing declares nothing).
		evaluator.known = new Map(call.reads.filter(r => r.use >= 0 && !(r.value && touches(r.value.start, r.value.end)))
			.map(r => [shiftOffset(shift, r.use)!, { ...r, use: shiftOffset(shift, r.use)!, value: r.value && { ...r.value, start: shiftOffset(shift, r.value.start)!, end: shiftOffset(shift, r.value.end, true)! } }]));
		evaluate(found, name, id);
		evaluator.known = undefined;
	}
	const mover = new InPlaceMover(delta, edit.oldEnd, movedInPlace);
	for (const { call, id } of moves) {
		moveCallInPlace(call, mover, id);
	}
	return true;
}

/**
 * A cached call and its sites moved by the mover, in place (see `InPlaceMover`): the call's offsets, its
 * reads' and its sites' ranges, and its ids renumbered to `id` when calls before it were added or removed.
 */
function moveCallInPlace(call: CachedCall, mover: InPlaceMover, id: string): void {
	mover.group();
	const c = call as { -readonly [K in keyof CachedCall]: CachedCall[K] };
	for (const site of c.sites) {
		mover.site(site, id === c.id ? site.id : id + site.id.slice(c.id.length));
	}
	if (mover.delta !== 0) {
		c.start = mover.offset(c.start);
		// An end offset at the edit's end stays, as `shiftOffset(…, true)` has it: the call ends before the edit.
		c.end = c.end > mover.at ? c.end + mover.delta : c.end;
		c.nameAt = mover.offset(c.nameAt);
		for (const read of c.reads) {
			const r = read as { use: number };
			r.use = mover.offset(r.use);
			if (read.value) {
				const v = read.value as { start: number; end: number };
				v.start = mover.offset(v.start);
				v.end = v.end > mover.at ? v.end + mover.delta : v.end;
			}
		}
	}
	c.id = id;
}

function remember(cache: Map<string, CachedCall[]>, source: string, entry: CachedCall): void {
	const list = cache.get(source);
	if (list) {
		list.push(entry);
	} else {
		cache.set(source, [entry]);
	}
}

/**
 * The first cached evaluation of this call text that is still valid here, moved to this run. The same text
 * read as another method (its resource alias now names other resources) is evaluated again.
 */
function reuse(candidates: CachedCall[] | undefined, found: SdkCall, evaluator: TreeEvaluator, id: string): { sites: RequestSite[]; entry: CachedCall } | undefined {
	if (!candidates) {
		return undefined;
	}
	const call = found.call;
	for (let i = 0; i < candidates.length; i++) {
		const cached = candidates[i];
		const valid = cached.method === found.method && cached.idName === (found.idName ?? found.method) ? validate(cached, call, evaluator) : undefined;
		const sites = valid ? cached.sites.map(s => shiftSite(s, valid.shift, id + s.id.slice(cached.id.length))) : undefined;
		if (valid && sites && sites.every(s => s !== undefined)) {
			candidates.splice(i, 1);
			const moved = sites as RequestSite[];
			return { sites: moved, entry: { ...cached, start: call.startIndex, end: call.endIndex, reads: valid.reads, sites: moved, id } };
		}
	}
	return undefined;
}

/** The sites of one evaluated call: one per batch entry, else one. */
function pushSites(binding: LanguageBinding<TreeEvaluator>, found: SdkCall, value: ValueNode, id: string, text: string, range: TextRange, out: RequestSite[]): void {
	const anchor = firstLineAnchor(text, range.start, range.end);
	if (found.push) {
		found.push(value, { id, language: binding.language, range, anchor }, out);
		return;
	}
	if (found.method === 'batch') {
		const requests = value.kind === 'object' ? value.props.find(p => p.key === 'requests')?.value : undefined;
		const first = out.length;
		pushBatchEntries(requests, id, binding.language, text, out);
		for (let i = first; i < out.length; i++) {
			out[i] = { ...out[i], method: 'batch' };
		}
		return;
	}
	const payload: ObjectNode = value.kind === 'object' ? value
		: { kind: 'object', range: value.range, props: [], unresolved: value.kind === 'unresolved' ? [value] : [] };
	out.push({ ...buildSite(payload, 'messages', { id, language: binding.language, range, anchor }), method: found.method });
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
