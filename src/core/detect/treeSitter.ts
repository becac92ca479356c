/**
 * The one tree-sitter loader of detection: the WebAssembly runtime, one grammar per language (each loaded
 * on first use, from the npm grammar package or from the folder the bundle ships them in) and the last
 * syntax tree per document, re-parsed incrementally on the next edit. Node offsets are UTF-16 code units,
 * the same unit as document offsets.
 */
import type { Language, Parser, Point, Tree } from 'web-tree-sitter';
import type { DocumentCache } from './documentCaches';
import { changedSpan } from './evalHelpers';

export type GrammarName = 'python' | 'go' | 'java' | 'ruby' | 'c_sharp' | 'php' | 'typescript' | 'tsx' | 'javascript';

/** The npm package and wasm file name of each grammar (esbuild.js copies these files into dist/). */
const grammarFiles: Record<GrammarName, { pkg: string; file: string }> = {
	python: { pkg: 'tree-sitter-python', file: 'tree-sitter-python.wasm' },
	go: { pkg: 'tree-sitter-go', file: 'tree-sitter-go.wasm' },
	java: { pkg: 'tree-sitter-java', file: 'tree-sitter-java.wasm' },
	ruby: { pkg: 'tree-sitter-ruby', file: 'tree-sitter-ruby.wasm' },
	c_sharp: { pkg: 'tree-sitter-c-sharp', file: 'tree-sitter-c_sharp.wasm' },
	php: { pkg: 'tree-sitter-php', file: 'tree-sitter-php.wasm' },
	typescript: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-typescript.wasm' },
	tsx: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-tsx.wasm' },
	javascript: { pkg: 'tree-sitter-javascript', file: 'tree-sitter-javascript.wasm' },
};

export interface GrammarPaths {
	/** web-tree-sitter's runtime `tree-sitter.wasm`. */
	readonly treeSitterWasm?: string;
	/** Folder holding the grammars' wasm files (the bundle's `dist/`); else each npm package's own. */
	readonly grammarDir?: string;
	/** One grammar's file, overriding the folder (kept for callers that name the Python grammar alone). */
	readonly pythonWasm?: string;
}

/**
 * The grammars of one extension or CLI run, built with where their wasm files are and handed to detection
 * (`Detector`). Nothing loads until a parser is asked for: the runtime on the first, each grammar on its own
 * first use. (web-tree-sitter's runtime is one per process: the first loader to start it gives its file.)
 */
export class GrammarLoader {
	private runtime: Promise<typeof import('web-tree-sitter')> | undefined;
	private readonly parsers = new Map<GrammarName, Promise<Parser>>();

	/** With no paths, the runtime and every grammar come from their npm packages (tests, benchmarks). */
	constructor(private readonly paths: GrammarPaths = {}) {}

	private grammarPath(name: GrammarName): string {
		if (name === 'python' && this.paths.pythonWasm) {
			return this.paths.pythonWasm;
		}
		const { pkg, file } = grammarFiles[name];
		if (this.paths.grammarDir) {
			return `${this.paths.grammarDir.replace(/[\\/]$/, '')}/${file}`;
		}
		return require.resolve(`${pkg}/${file}`);
	}

	private loadRuntime(): Promise<typeof import('web-tree-sitter')> {
		if (!this.runtime) {
			const wasm = this.paths.treeSitterWasm;
			const loading = (async () => {
				const treeSitter = require('web-tree-sitter') as typeof import('web-tree-sitter');
				await treeSitter.Parser.init(wasm ? { locateFile: () => wasm } as object : undefined);
				return treeSitter;
			})();
			this.runtime = loading;
			loading.catch(() => { this.runtime = undefined; });
		}
		return this.runtime;
	}

	/** The parser of a grammar, loaded on first use; a failed load (missing file) is retried next time. */
	parser(name: GrammarName): Promise<Parser> {
		let loading = this.parsers.get(name);
		if (!loading) {
			loading = (async () => {
				const treeSitter = await this.loadRuntime();
				const language: Language = await treeSitter.Language.load(this.grammarPath(name));
				const parser = new treeSitter.Parser();
				parser.setLanguage(language);
				return parser;
			})();
			this.parsers.set(name, loading);
			loading.catch(() => { this.parsers.delete(name); });
		}
		return loading;
	}
}

/** A document's last tree (the detector's `DocumentCaches.trees`). */
export interface CachedTree {
	readonly grammar: GrammarName;
	readonly text: string;
	readonly tree: Tree;
}

/**
 * The tree of `text`. With a `key` (the document's name) the tree is kept in `trees` (the detector's last
 * tree per document: unchanged text is not parsed again) and the next call re-parses
 * only around the edit (`span`, when the caller has already compared the texts); without one the caller
 * owns the tree and must `delete()` it. When the edit is typing inside one string's text (see
 * `typedInsideLeaf`), the kept tree is only moved by the edit and not parsed again: such an edit changes
 * no node but that string's own leaf, which the edit resizes exactly as a parse would make it.
 */
export function parseText(trees: DocumentCache<CachedTree>, parser: Parser, grammar: GrammarName, text: string, key: string | undefined, span?: { prefix: number; suffix: number }): Tree | null {
	const cacheKey = key === undefined ? undefined : `${grammar}:${key}`;
	const cached = cacheKey ? trees.get(cacheKey) : undefined;
	let tree: Tree | null;
	if (cached && cached.text === text) {
		tree = cached.tree;
	} else if (cached) {
		const edit = textEdit(cached.text, text, span);
		cached.tree.edit(edit);
		if (typedInsideLeaf(cached.text, text, edit, cached.tree)) {
			tree = cached.tree;
			// Node text is read through the tree's text callback: from now on, the new text's.
			(tree as unknown as { textCallback: (index: number) => string }).textCallback = (index: number) => text.slice(index);
		} else {
			tree = parser.parse(text, cached.tree);
			cached.tree.delete();
		}
	} else {
		tree = parser.parse(text);
	}
	if (cacheKey) {
		trees.delete(cacheKey);
		if (tree) {
			trees.put(key!, cacheKey, { grammar, text, tree });
		}
	}
	return tree;
}

/**
 * The leaves holding a plain string's own text, by the string node they are in: what a parse reads there
 * depends only on the quotes, escapes and interpolations around it, never on plain characters. (Not in
 * the list, so always parsed again: heredocs, Ruby's word and symbol arrays, JSX text, regular expressions.)
 */
const stringLeaves: Record<string, readonly string[]> = {
	string_fragment: ['string', 'template_string', 'string_literal'],
	multiline_string_fragment: ['string_literal'],
	string_content: ['string', 'encapsed_string', 'interpolated_string_expression'],
	interpreted_string_literal_content: ['interpreted_string_literal'],
	raw_string_literal_content: ['raw_string_literal'],
	string_literal_content: ['string_literal'],
	raw_string_content: ['raw_string_literal'],
};

/** Characters that can change how text around them is read (quotes, brackets, escapes, interpolation, operators, line ends). */
export const structuralChars = /["'`\\\r\n{}()[\]$#@%/*<>=;&|+^~?:]/;

/**
 * True when `edit` (already applied to `tree`, which is the old text's tree) only removed and inserted plain
 * characters strictly inside one string's text, in a tree without errors: the edited tree is then the tree a
 * parse of the new text gives. Strictly inside, because an insertion at a leaf's edge may be given to its
 * neighbour (the quote before it) by the edit; and the leaf keeps at least one character, as a parse would.
 */
export function typedInsideLeaf(oldText: string, newText: string, edit: { startIndex: number; oldEndIndex: number; newEndIndex: number }, tree: Tree): boolean {
	if (tree.rootNode.hasError || edit.oldEndIndex - edit.startIndex + edit.newEndIndex - edit.startIndex > 256) {
		return false;
	}
	if (structuralChars.test(oldText.slice(edit.startIndex, edit.oldEndIndex)) || structuralChars.test(newText.slice(edit.startIndex, edit.newEndIndex))) {
		return false;
	}
	const leaf = tree.rootNode.descendantForIndex(edit.startIndex, Math.max(edit.startIndex, edit.newEndIndex));
	if (!leaf || leaf.childCount !== 0 || !(leaf.startIndex < edit.startIndex && leaf.endIndex > edit.newEndIndex)) {
		return false;
	}
	const parents = stringLeaves[leaf.type];
	return parents !== undefined && parents.includes(leaf.parent?.type ?? '');
}

/** The single changed span between two texts, as a tree-sitter edit (UTF-16 offsets, like the tree's). */
function textEdit(oldText: string, newText: string, span = changedSpan(oldText, newText)): { startIndex: number; oldEndIndex: number; newEndIndex: number; startPosition: Point; oldEndPosition: Point; newEndPosition: Point } {
	const { prefix, suffix } = span;
	const oldEnd = oldText.length - suffix;
	const newEnd = newText.length - suffix;
	return {
		startIndex: prefix, oldEndIndex: oldEnd, newEndIndex: newEnd,
		startPosition: pointAt(newText, prefix), oldEndPosition: pointAt(oldText, oldEnd), newEndPosition: pointAt(newText, newEnd),
	};
}

function pointAt(text: string, offset: number): Point {
	let row = 0;
	let lineStart = 0;
	for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
		row++;
		lineStart = i + 1;
	}
	return { row, column: offset - lineStart };
}

/** The text of a document's cached tree, if any (to compare an edit once for the parse and the caller). */
export function cachedText(trees: DocumentCache<CachedTree>, grammar: GrammarName, key: string | undefined): string | undefined {
	return key === undefined ? undefined : trees.get(`${grammar}:${key}`)?.text;
}

/**
 * The tree of `patched`, which is `text` with `inserts` added (offsets in `text`, in order): re-parsed from
 * `tree` (left as it is), so only around the inserted text. The caller owns the result and must `delete()` it.
 */
export function parseWithInserts(parser: Parser, tree: Tree, text: string, inserts: readonly { at: number; text: string }[]): Tree | null {
	const edited = tree.copy();
	let current = text;
	let shift = 0;
	for (const insert of inserts) {
		const at = insert.at + shift;
		const next = current.slice(0, at) + insert.text + current.slice(at);
		const start = pointAt(current, at);
		edited.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + insert.text.length, startPosition: start, oldEndPosition: start, newEndPosition: pointAt(next, at + insert.text.length) });
		current = next;
		shift += insert.text.length;
	}
	const result = parser.parse(current, edited);
	edited.delete();
	return result;
}
