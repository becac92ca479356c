/**
 * Where an SDK call still being typed ends and what closes it (`LanguageBinding.closeHalfTyped`): one
 * bracket scanner, told each language's strings and comments, reads from the call's opening parenthesis to
 * the first blank line (or the end of the file) and returns the string quote and brackets left open there.
 * The engine inserts them and reads the call as if it were finished.
 */
import type { HalfTyped } from './engine';

/** One kind of string or character literal. */
interface Quote {
	readonly open: string;
	/** Default: the opening text. `'run'`: as many quote characters as opened it (C#'s raw `"""…"""`). */
	readonly close?: string | 'run';
	/** How a closing quote is kept inside: a backslash before it (default), or doubled (C#'s `@"…""…"`), or not at all. */
	readonly escape?: 'backslash' | 'double' | 'none';
	/**
	 * `'line'`: ends at its line's end (closed there when typed no further). `'blank'`: may span lines, but a
	 * blank line inside it ends the call there (Ruby's and PHP's quotes: a string left open while typing would
	 * otherwise run into the next call). `'many'`: runs to its closing quote, a blank line or not; never closed,
	 * it is closed at the end of the file (`'never'`: then the call is not closed at all).
	 */
	readonly lines: 'line' | 'blank' | 'many' | 'never';
}

/** A language's lexical rules, as far as finding where brackets close needs them. */
interface Lexicon {
	readonly quotes: readonly Quote[];
	readonly lineComments: readonly string[];
	readonly blockComment?: readonly [string, string];
	/** Ruby's `%w[…]`, `%i(…)`, `%q{…}`: a literal up to its matching bracket. */
	readonly percentLiterals?: boolean;
	/** Ends the closed call's statement (`;`), so the statement after it is read as one of its own. */
	readonly terminator?: string;
	/** Java's builders: a chain `X.builder()…` left open inside a bracket is finished with `.build()` there. */
	readonly builders?: boolean;
}

const backslash = (open: string, lines: Quote['lines']): Quote => ({ open, lines });

const cStyle = { lineComments: ['//'], blockComment: ['/*', '*/'] } as const;

/** Longest opening first: `"""` before `"`, `@"` before `"`. */
const lexicons: Record<string, Lexicon> = {
	// The scanner the TypeScript/JavaScript binding was first written with: template literals must close.
	javascript: { ...cStyle, quotes: [backslash('"', 'line'), backslash('\'', 'line'), backslash('`', 'never')] },
	// String prefixes (r, b, f, u) are name characters read before the quote; a raw string's backslash still
	// keeps its quote inside, as in Python.
	python: { lineComments: ['#'], quotes: [backslash('"""', 'many'), backslash('\'\'\'', 'many'), backslash('"', 'line'), backslash('\'', 'line')] },
	go: { ...cStyle, quotes: [backslash('"', 'line'), backslash('\'', 'line'), { open: '`', escape: 'none', lines: 'many' }] },
	java: { ...cStyle, terminator: ';', builders: true, quotes: [backslash('"""', 'many'), backslash('"', 'line'), backslash('\'', 'line')] },
	csharp: {
		...cStyle, terminator: ';', quotes: [
			{ open: '"""', close: 'run', escape: 'none', lines: 'many' },
			{ open: '@$"', close: '"', escape: 'double', lines: 'many' },
			{ open: '@"', escape: 'double', lines: 'many' },
			backslash('"', 'line'), backslash('\'', 'line'),
		],
	},
	ruby: { lineComments: ['#'], percentLiterals: true, quotes: [backslash('"', 'blank'), backslash('\'', 'blank')] },
	php: { ...cStyle, terminator: ';', lineComments: ['//', '#'], quotes: [backslash('"', 'blank'), backslash('\'', 'blank')] },
};

export type HalfTypedLanguage = 'javascript' | 'python' | 'go' | 'java' | 'csharp' | 'ruby' | 'php';

/** The binding's `closeHalfTyped` for a language (TypeScript and JavaScript share `'javascript'`). */
export function halfTypedCloser(language: HalfTypedLanguage): (text: string, at: number) => HalfTyped | undefined {
	const lexicon = lexicons[language];
	return (text, at) => closeHalfTyped(lexicon, text, at);
}

const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** The brackets a Ruby `%` literal may be written with. */
const pairs: Record<string, string> = { ...closing, '<': '>' };

/** True when a blank line starts at this line break (the first 200 characters after it looked at). */
function blankLineAt(text: string, i: number): boolean {
	for (let k = i + 1; k < text.length && k < i + 200; k++) {
		const c = text[k];
		if (c === '\n') {
			return true;
		}
		if (c !== ' ' && c !== '\t' && c !== '\r') {
			return false;
		}
	}
	return false;
}

/** The quote that opens at `i`, if any. */
function quoteAt(lexicon: Lexicon, text: string, i: number): Quote | undefined {
	for (const q of lexicon.quotes) {
		if (text.startsWith(q.open, i)) {
			return q;
		}
	}
	return undefined;
}

type StringEnd = { readonly closedAt: number } | { readonly openAt: number; readonly closer: string } | 'unclosable';

/**
 * Reads the string opened at `i` by `q`: where it closes, or where the call ends inside it and what closes it
 * there. A string of several lines that holds `call` (the method name and its parenthesis) is one left open
 * at its first line end while typing, which runs into the next call of that method.
 */
function readString(q: Quote, text: string, i: number, call: string): StringEnd {
	let close = q.close === undefined ? q.open : q.close;
	let j = i + q.open.length;
	if (close === 'run') {
		const quote = q.open[q.open.length - 1];
		while (text[j] === quote) {
			j++;
		}
		close = quote.repeat(j - i);
	}
	const escape = q.escape ?? 'backslash';
	let firstBreak = -1;
	const runsIntoCall = (to: number): boolean => firstBreak >= 0 && text.slice(firstBreak, to).includes(call);
	while (j < text.length) {
		const c = text[j];
		if (escape === 'backslash' && c === '\\') {
			j += 2;
			continue;
		}
		if (text.startsWith(close, j)) {
			if (escape === 'double' && text[j + close.length] === close) {
				j += 2 * close.length;
				continue;
			}
			return runsIntoCall(j) ? { openAt: firstBreak, closer: close } : { closedAt: j + close.length - 1 };
		}
		if (c === '\n' && (q.lines === 'line' || q.lines === 'blank' && blankLineAt(text, j))) {
			return { openAt: runsIntoCall(j) ? firstBreak : j, closer: close };
		}
		if (c === '\n' && q.lines === 'blank' && firstBreak < 0) {
			firstBreak = j;
		}
		j++;
	}
	return q.lines === 'never' ? 'unclosable' : { openAt: runsIntoCall(j) ? firstBreak : text.length, closer: close };
}

/** Ruby's `%w[…]` (or `%i`, `%q`, `%Q`, `%W`, `%I`, `%`) at `i`: the offset of its closing bracket. */
function percentLiteralEnd(text: string, i: number): number | undefined {
	let j = i + 1;
	if (/[wWiIqQ]/.test(text[j] ?? '')) {
		j++;
	} else if (!/[([{]/.test(text[j] ?? '') || !/[(,=[{:\s]/.test(text[i - 1] ?? ' ')) {
		return undefined; // `a %(b)`: a modulo
	}
	const open = text[j];
	const close = pairs[open];
	if (!close) {
		return undefined;
	}
	let depth = 0;
	for (let k = j; k < text.length; k++) {
		if (text[k] === '\\') {
			k++;
		} else if (text[k] === open) {
			depth++;
		} else if (text[k] === close && --depth === 0) {
			return k;
		}
	}
	return text.length;
}

/**
 * Where a call still being typed ends and what closes it: its text runs from the method name to the first
 * blank line (or the end of the file); a string left open there is closed there. Undefined when the call's
 * brackets close (it is not half-typed) or the text cannot be closed by appending.
 */
function closeHalfTyped(lexicon: Lexicon, text: string, at: number): HalfTyped | undefined {
	let i = at;
	while (i < text.length && /[\w$]/.test(text[i])) {
		i++;
	}
	const call = `${text.slice(at, i)}(`;
	const open = text.indexOf('(', i);
	if (open < 0 || text.slice(i, open).trim() !== '' && !text.slice(i, open).trim().startsWith('<')) {
		return undefined;
	}
	const stack: string[] = [];
	/** Per open bracket: a builder chain started at its level and not built yet. */
	const building: boolean[] = [];
	let end = text.length;
	let quote = '';
	let literalEnd: number | undefined;
	for (i = open; i < text.length; i++) {
		const c = text[i];
		if (c === '\n' && blankLineAt(text, i)) {
			end = i;
			break;
		}
		const q = quoteAt(lexicon, text, i);
		if (q) {
			const read = readString(q, text, i, call);
			if (read === 'unclosable') {
				return undefined;
			}
			if ('openAt' in read) {
				end = read.openAt;
				quote = read.closer;
				break;
			}
			i = read.closedAt;
		} else if (lexicon.lineComments.some(s => text.startsWith(s, i))) {
			const eol = text.indexOf('\n', i);
			i = eol < 0 ? text.length : eol - 1;
		} else if (lexicon.blockComment && text.startsWith(lexicon.blockComment[0], i)) {
			const close = text.indexOf(lexicon.blockComment[1], i + lexicon.blockComment[0].length);
			if (close < 0) {
				return undefined;
			}
			i = close + lexicon.blockComment[1].length - 1;
		} else if (c === '%' && lexicon.percentLiterals && (literalEnd = percentLiteralEnd(text, i)) !== undefined) {
			i = literalEnd;
		} else if (c in closing) {
			if (lexicon.builders && c === '(' && stack.length > 0) {
				const word = /(?:^|[^\w$])(builder|build)\s*$/.exec(text.slice(Math.max(open, i - 40), i))?.[1];
				if (word) {
					building[stack.length - 1] = word === 'builder';
				}
			}
			stack.push(closing[c]);
			building.push(false);
		} else if (c === ')' || c === ']' || c === '}') {
			building.pop();
			if (stack.pop() !== c) {
				return undefined;
			}
			if (stack.length === 0) {
				return undefined;
			}
		}
	}
	if (stack.length === 0) {
		return undefined;
	}
	if (!quote) {
		while (end > open && /\s/.test(text[end - 1])) {
			end--;
		}
	}
	let closers = quote;
	for (let k = stack.length - 1; k >= 0; k--) {
		closers += (building[k] ? '.build()' : '') + stack[k];
	}
	return { end, closers: closers + (lexicon.terminator ?? '') };
}
