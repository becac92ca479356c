/**
 * JSON / JSONC and JSONL front end. Regular text is read by a strict reader that jumps over long strings
 * (base64 images); jsonc-parser, which is error tolerant and gives the same tree with offsets, reads the rest.
 */
import { createScanner, parseTree, SyntaxKind, type Node, type ParseError } from 'jsonc-parser';
import type { DetectProblem, RequestSite, SiteLanguage, TextRange } from '../types';
import { buildSite, classifyRequest, InPlaceMover, type SiteOrigin } from './site';
import type { ObjectNode, PropNode, ValueNode } from './valueTree';
import { SliceClock } from '../util/slices';
import { changedSpan } from './evalHelpers';
import type { DocumentCaches } from './documentCaches';

export interface JsonDetectOptions {
	readonly bedrockModelId?: string;
	/** Receives what could not be read (a request nested too deeply), to be shown rather than dropped. */
	readonly problems?: DetectProblem[];
	/** Receives each site moved or renumbered in place (`DetectOptions.movedInPlace`). */
	readonly movedInPlace?: Set<RequestSite>;
}

/**
 * Nesting inside one request beyond which it is reported as too deeply nested instead of counted: the
 * walks after detection (value tree, site, offline counter, cache key, the SDK's JSON) recurse per level.
 * Real request bodies nest a few dozen levels (JSON schemas of tools); 256 leaves a wide margin either way.
 */
export const MAX_REQUEST_DEPTH = 256;

/** jsonc-parser (for malformed text) recurses per level and overflows near 8,000; stay well below. */
const MAX_TOLERANT_DEPTH = 1_000;

const parseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true };

function rangeOf(node: Node, base: number): TextRange {
	return { start: base + node.offset, end: base + node.offset + node.length };
}

/** jsonc-parser node → value tree; properties still being typed (no value yet) are skipped. */
export function toValueNode(node: Node, base: number): ValueNode {
	switch (node.type) {
		case 'object': {
			const props: PropNode[] = [];
			for (const prop of node.children ?? []) {
				const [key, value] = prop.children ?? [];
				if (key?.type === 'string' && value) {
					props.push({ key: key.value as string, range: rangeOf(prop, base), value: toValueNode(value, base) });
				}
			}
			return { kind: 'object', range: rangeOf(node, base), props, unresolved: [] };
		}
		case 'array':
			return { kind: 'array', range: rangeOf(node, base), items: (node.children ?? []).map(c => toValueNode(c, base)) };
		case 'string':
		case 'number':
		case 'boolean':
		case 'null':
			return { kind: 'scalar', range: rangeOf(node, base), value: node.value as string | number | boolean | null };
		default:
			// 'property' never appears here; keep the tree total anyway.
			return { kind: 'scalar', range: rangeOf(node, base), value: null };
	}
}

/** Cheap test before converting: only objects with these keys can be requests. */
function mayBeRequest(node: Node): boolean {
	for (const prop of node.children ?? []) {
		const key = prop.children?.[0];
		if (key && (key.value === 'messages' || key.value === 'params')) {
			return true;
		}
	}
	return false;
}

function escapePointer(key: string): string {
	return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The anchor is the object's first line (from its opening brace to the end of that line). */
export function firstLineAnchor(text: string, start: number, end: number): TextRange {
	const newline = text.indexOf('\n', start);
	const lineEnd = newline < 0 || newline > end ? end : newline;
	return { start, end: Math.max(start, lineEnd) };
}

/**
 * Finds every request object in a parsed tree, outermost first; a request is not searched further.
 * `makeId` turns the object's JSON pointer into the site id.
 */
function collect(root: Node, text: string, base: number, language: SiteLanguage, options: JsonDetectOptions,
	makeId: (pointer: string) => string, out: RequestSite[]): void {
	const stack: { node: Node; pointer: string }[] = [{ node: root, pointer: '' }];
	while (stack.length > 0) {
		const { node, pointer } = stack.pop()!;
		if (node.type === 'object') {
			if (mayBeRequest(node) && deeperThan(node, MAX_REQUEST_DEPTH)) {
				const range = rangeOf(node, base);
				options.problems?.push({
					range: firstLineAnchor(text, range.start, range.end),
					message: `Too deeply nested: this request nests more than ${MAX_REQUEST_DEPTH} levels, so it is not counted.`,
				});
				continue;
			}
			if (mayBeRequest(node)) {
				const value = toValueNode(node, base) as ObjectNode;
				const shape = classifyRequest(value);
				if (shape) {
					const origin: SiteOrigin = {
						id: makeId(pointer || '/'),
						language,
						range: value.range,
						anchor: firstLineAnchor(text, value.range.start, value.range.end),
						bedrockModelId: options.bedrockModelId,
					};
					out.push(buildSite(value, shape, origin));
					continue;
				}
			}
			const children = node.children ?? [];
			for (let i = children.length - 1; i >= 0; i--) {
				const [key, value] = children[i].children ?? [];
				if (key && value && (value.type === 'object' || value.type === 'array')) {
					stack.push({ node: value, pointer: `${pointer}/${escapePointer(String(key.value))}` });
				}
			}
		} else if (node.type === 'array') {
			const children = node.children ?? [];
			for (let i = children.length - 1; i >= 0; i--) {
				const child = children[i];
				if (child.type === 'object' || child.type === 'array') {
					stack.push({ node: child, pointer: `${pointer}/${i}` });
				}
			}
		}
	}
}

function shift(range: TextRange, by: number): TextRange {
	return { start: range.start + by, end: range.end + by };
}

/** Whether objects and arrays nest more than `limit` levels under `root` (iterative: any depth is safe). */
function deeperThan(root: Node, limit: number): boolean {
	const stack: [Node, number][] = [[root, 1]];
	while (stack.length > 0) {
		const [node, depth] = stack.pop()!;
		if (depth > limit) {
			return true;
		}
		for (const child of node.children ?? []) {
			const inner = child.type === 'property' ? child.children?.[1] : child;
			if (inner && (inner.type === 'object' || inner.type === 'array')) {
				stack.push([inner, depth + 1]);
			}
		}
	}
	return false;
}

/**
 * The tolerant parse for text the strict reader refused, unless the text nests deeper than jsonc-parser's
 * recursion can take: then undefined, with a problem saying why (counted by a scan, which does not recurse).
 */
function parseTolerant(text: string, base: number, errors: ParseError[], options: JsonDetectOptions): Node | undefined {
	const scanner = createScanner(text, true);
	let depth = 0;
	for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
		if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
			if (++depth > MAX_TOLERANT_DEPTH) {
				options.problems?.push({
					range: shift(firstLineAnchor(text, 0, text.length), base),
					message: `Too deeply nested: more than ${MAX_TOLERANT_DEPTH} levels in text that is not valid JSON, so it is not read.`,
				});
				return undefined;
			}
		} else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) {
			depth = Math.max(0, depth - 1);
		}
	}
	return parseTree(text, errors, parseOptions);
}

/** Thrown by the strict reader on anything irregular; jsonc-parser then reads the text with its recovery. */
class Irregular extends Error { }

const controlOrBreak = /[\u0000-\u001f]/;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A strict JSONC reader (comments and trailing commas allowed) that builds the same nodes as jsonc-parser's
 * `parseTree`, but jumps over long strings (base64 images) with `indexOf` instead of reading them character
 * by character. Returns undefined for empty, malformed or unusual text, which `parseTree` then reads.
 */
export function parseTreeFast(text: string): Node | undefined {
	let i = 0;
	const n = text.length;
	const skip = (): void => {
		for (;;) {
			const c = text.charCodeAt(i);
			if (c === 32 || c === 10 || c === 13 || c === 9) {
				i++;
			} else if (c === 47 && text.charCodeAt(i + 1) === 47) {
				const nl = text.indexOf('\n', i);
				i = nl < 0 ? n : nl;
			} else if (c === 47 && text.charCodeAt(i + 1) === 42) {
				const close = text.indexOf('*/', i + 2);
				if (close < 0) {
					throw new Irregular();
				}
				i = close + 2;
			} else {
				return;
			}
		}
	};
	const string = (): Node => {
		const start = i;
		let j = i + 1;
		for (;;) {
			j = text.indexOf('"', j);
			if (j < 0) {
				throw new Irregular();
			}
			let backslashes = 0;
			while (text.charCodeAt(j - 1 - backslashes) === 92) {
				backslashes++;
			}
			if (backslashes % 2 === 0) {
				break;
			}
			j++;
		}
		const raw = text.slice(start, j + 1);
		// jsonc-parser ends a string at a line break and reports raw control characters: leave those to it.
		if (controlOrBreak.test(raw)) {
			throw new Irregular();
		}
		let value: string;
		try {
			value = raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1);
		} catch {
			throw new Irregular();
		}
		i = j + 1;
		return { type: 'string', offset: start, length: i - start, value } as Node;
	};
	const scalar = (): Node => {
		const start = i;
		if (text.charCodeAt(i) === 34) {
			return string();
		}
		numberPattern.lastIndex = i;
		const number = numberPattern.exec(text);
		if (number) {
			i += number[0].length;
			return { type: 'number', offset: start, length: i - start, value: Number(number[0]) } as Node;
		}
		for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
			if (text.startsWith(word, i)) {
				i += word.length;
				return { type: v === null ? 'null' : 'boolean', offset: start, length: word.length, value: v } as Node;
			}
		}
		throw new Irregular();
	};
	// Iterative, with the open objects and arrays on an explicit stack: nesting depth costs heap, never call
	// stack, so a 100,000-deep file is read rather than overflowing.
	interface Open { node: Node; close: number; key?: Node }
	const value = (): Node => {
		const stack: Open[] = [];
		let done: Node | undefined;
		for (;;) {
			let node: Node;
			const c = text.charCodeAt(i);
			if (c === 123 || c === 91) {
				const open: Open = { node: { type: c === 123 ? 'object' : 'array', offset: i, length: 0, children: [] as Node[] } as Node, close: c === 123 ? 125 : 93 };
				i++;
				skip();
				if (text.charCodeAt(i) !== open.close) {
					stack.push(open);
					begin(open);
					continue;
				}
				i++;
				(open.node as { length: number }).length = i - open.node.offset;
				node = open.node;
			} else {
				node = scalar();
			}
			// Attach the finished value to its parent and close every container it completes.
			for (;;) {
				const parent = stack[stack.length - 1];
				if (!parent) {
					done = node;
					break;
				}
				if (parent.key) {
					parent.node.children!.push({ type: 'property', offset: parent.key.offset, length: node.offset + node.length - parent.key.offset, children: [parent.key, node] } as Node);
					parent.key = undefined;
				} else {
					parent.node.children!.push(node);
				}
				skip();
				if (text.charCodeAt(i) === 44) {
					i++;
					skip();
				} else if (text.charCodeAt(i) !== parent.close) {
					throw new Irregular();
				}
				if (text.charCodeAt(i) !== parent.close) {
					begin(parent);
					break;
				}
				i++;
				(parent.node as { length: number }).length = i - parent.node.offset;
				stack.pop();
				node = parent.node;
			}
			if (done) {
				return done;
			}
		}
	};
	/** Reads an object member's key and colon, so the next value read is that member's. */
	const begin = (open: Open): void => {
		if (open.close === 125) {
			if (text.charCodeAt(i) !== 34) {
				throw new Irregular();
			}
			open.key = string();
			skip();
			if (text.charCodeAt(i) !== 58) {
				throw new Irregular();
			}
			i++;
			skip();
		}
	};
	try {
		skip();
		if (i >= n) {
			return undefined;
		}
		const root = value();
		skip();
		if (i < n) {
			throw new Irregular();
		}
		return root;
	} catch (e) {
		if (e instanceof Irregular) {
			return undefined;
		}
		throw e;
	}
}

/** JSON or JSONC document: requests at the top level, in arrays, nested anywhere. */
export function detectJson(text: string, options: JsonDetectOptions, out: RequestSite[]): void {
	const root = parseTreeFast(text) ?? parseTolerant(text, 0, [], options);
	if (root) {
		collect(root, text, 0, 'json', options, pointer => `json:${pointer}`, out);
	}
}

/** JSONL / NDJSON: each line on its own, so a huge file is never one parse; a broken line yields nothing. */
export function detectJsonl(text: string, options: JsonDetectOptions, out: RequestSite[]): void {
	const lines: JsonlLine[] = [];
	for (let start = 0, n = 0; start <= text.length; n++) {
		const line = readLine(text, start, n, options);
		lines.push(line);
		start = line.end + 1;
	}
	emitLines(lines, options, out);
}

/** One line of a JSONL document as read: its sites before duplicate ids are numbered, and its problems. */
interface JsonlLine {
	/** Moved in place when an edit before the line moves it (see `moveLine`). */
	start: number;
	/** Offset of its line end (or the end of the text). */
	end: number;
	readonly found: readonly RequestSite[];
	problems: readonly DetectProblem[];
	/** The line number its ids are made of (no `custom_id`), or undefined. */
	numbered?: number;
}

/** Last read per JSONL document (the detector's `DocumentCaches.jsonl`): an edit re-reads only the lines it touched. */
export interface CachedJsonlDocument {
	text: string;
	lines: JsonlLine[];
	bedrockModelId?: string;
	ids?: IdCounts;
}

/** How many sites of a document's lines carry each id before numbering, and how many ids are repeated. */
interface IdCounts {
	readonly counts: Map<string, number>;
	repeated: number;
}

function countIds(lines: readonly JsonlLine[]): IdCounts {
	const ids: IdCounts = { counts: new Map(), repeated: 0 };
	for (const line of lines) {
		addIds(ids, line, 1);
	}
	return ids;
}

function addIds(ids: IdCounts, line: JsonlLine, by: 1 | -1): void {
	for (const site of line.found) {
		const was = ids.counts.get(site.id) ?? 0;
		const now = was + by;
		if (now === 0) { ids.counts.delete(site.id); } else { ids.counts.set(site.id, now); }
		ids.repeated += (now > 1 ? 1 : 0) - (was > 1 ? 1 : 0);
	}
}

function readLine(text: string, lineStart: number, lineNumber: number, options: JsonDetectOptions): JsonlLine {
	let lineEnd = text.indexOf('\n', lineStart);
	if (lineEnd < 0) {
		lineEnd = text.length;
	}
	const line = text.slice(lineStart, lineEnd);
	if (!line.includes('messages')) {
		return { start: lineStart, end: lineEnd, found: [], problems: [] };
	}
	const errors: ParseError[] = [];
	const problems: DetectProblem[] = [];
	const lineOptions = { ...options, problems };
	const root = parseTreeFast(line) ?? parseTolerant(line, lineStart, errors, lineOptions);
	const found: RequestSite[] = [];
	let numbered: number | undefined;
	if (root && errors.length === 0) {
		const customId = root.type === 'object' ? customIdOf(root) : undefined;
		numbered = customId === undefined ? lineNumber + 1 : undefined;
		const lineId = customId !== undefined ? `jsonl:${customId}` : `jsonl:L${lineNumber + 1}`;
		collect(root, text, lineStart, 'jsonl', lineOptions, pointer => pointer === '/' ? lineId : `${lineId}${pointer}`, found);
	}
	return { start: lineStart, end: lineEnd, found, problems, numbered };
}

/** The sites of all lines in order, a repeated id numbered `#2`, `#3` …; and the lines' problems. */
function emitLines(lines: readonly JsonlLine[], options: JsonDetectOptions, out: RequestSite[]): void {
	const seen = new Map<string, number>();
	for (const line of lines) {
		options.problems?.push(...line.problems);
		for (const site of line.found) {
			const count = seen.get(site.id) ?? 0;
			seen.set(site.id, count + 1);
			out.push(count === 0 ? site : { ...site, id: `${site.id}#${count + 1}` });
		}
	}
}

/**
 * A line read before, moved by the mover's delta and renumbered from `was` to `now` where its ids carry the
 * number: in place, sites included, because thousands of lines move on one keystroke and the lines and
 * their sites belong to this document's cache entry alone (taken out of the cache while a run uses it).
 */
function moveLine(line: JsonlLine, mover: InPlaceMover, now: number): void {
	const was = line.numbered;
	if (mover.delta === 0 && (was === undefined || was === now + 1)) {
		return;
	}
	const prefix = was === undefined ? '' : `jsonl:L${was}`;
	mover.group();
	for (const site of line.found) {
		mover.site(site, prefix && site.id.startsWith(prefix) && !/^\d/.test(site.id.slice(prefix.length)) ? `jsonl:L${now + 1}${site.id.slice(prefix.length)}` : site.id);
	}
	line.start += mover.delta;
	line.end += mover.delta;
	if (line.problems.length > 0) {
		line.problems = line.problems.map(p => ({ ...p, range: { start: p.range.start + mover.delta, end: p.range.end + mover.delta } }));
	}
	line.numbered = was === undefined ? undefined : now + 1;
}

/**
 * The same, yielding to the event loop between slices of lines (a 20,000-line file in the editor). With a
 * file name, an edit re-reads only the lines it touched: the lines before it are kept, the lines after it
 * are moved (offsets, and line numbers in their ids), so a keystroke in a 10,000-line file reads one line.
 */
export async function detectJsonlSliced(text: string, options: JsonDetectOptions & { readonly fileName?: string; readonly caches: DocumentCaches }, out: RequestSite[]): Promise<void> {
	const jsonlCache = options.caches.jsonl;
	const key = options.fileName;
	const cached = key !== undefined ? jsonlCache.get(key) : undefined;
	// The entry is this run's while it moves its lines in place: a run of the same document that starts
	// meanwhile (after a pause between slices) reads the whole text instead.
	if (cached) { jsonlCache.delete(key!); }
	const previous = cached && cached.bedrockModelId === options.bedrockModelId ? cached : undefined;
	const clock = new SliceClock();
	let lines: JsonlLine[];
	// The ids of the lines, kept up to date through an edit whose moved lines keep their ids: while no id is
	// repeated, the sites go out as the lines hold them, without numbering every id of the file again.
	let ids: IdCounts | undefined;
	if (previous && previous.text === text) {
		lines = previous.lines;
		ids = previous.ids;
	} else if (previous) {
		const { prefix, suffix } = changedSpan(previous.text, text);
		const oldEnd = previous.text.length - suffix;
		const delta = text.length - previous.text.length;
		const old = previous.lines;
		// Lines wholly before the edit, and wholly after it (their preceding line end unchanged too).
		let before = 0;
		while (before < old.length && old[before].end < prefix) {
			before++;
		}
		let after = old.length;
		while (after > before && old[after - 1].start > oldEnd) {
			after--;
		}
		lines = old.slice(0, before);
		let start = before > 0 ? old[before - 1].end + 1 : 0;
		const stop = after < old.length ? old[after].start + delta : text.length + 1;
		while (start < stop && start <= text.length) {
			const line = readLine(text, start, lines.length, options);
			lines.push(line);
			start = line.end + 1;
			if (clock.due()) { await clock.pause(); }
		}
		const read = lines.length - before;
		// Moved lines keep their ids unless they are numbered by line and the line count changed.
		const renumbered = read !== after - before && old.slice(after).some(line => line.numbered !== undefined);
		const mover = new InPlaceMover(delta, undefined, options.movedInPlace);
		for (let i = after; i < old.length; i++) {
			moveLine(old[i], mover, lines.length);
			lines.push(old[i]);
		}
		if (previous.ids && !renumbered) {
			ids = previous.ids;
			for (let i = before; i < after; i++) { addIds(ids, old[i], -1); }
			for (let i = before; i < before + read; i++) { addIds(ids, lines[i], 1); }
			previous.ids = undefined; // updated in place: it now belongs to this run
		}
	} else {
		lines = [];
		for (let start = 0; start <= text.length;) {
			const line = readLine(text, start, lines.length, options);
			lines.push(line);
			start = line.end + 1;
			if (clock.due()) { await clock.pause(); }
		}
	}
	ids ??= countIds(lines);
	if (ids.repeated === 0) {
		for (const line of lines) {
			options.problems?.push(...line.problems);
			for (const site of line.found) { out.push(site); }
		}
	} else {
		emitLines(lines, options, out);
	}
	if (key !== undefined) {
		jsonlCache.put(key, key, { text, lines, bedrockModelId: options.bedrockModelId, ids });
	}
}

function customIdOf(node: Node): string | undefined {
	for (const prop of node.children ?? []) {
		const [key, value] = prop.children ?? [];
		if (key?.value === 'custom_id' && value?.type === 'string') {
			return value.value as string;
		}
	}
	return undefined;
}
