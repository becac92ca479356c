/**
 * Syntax errors of a request file, from the same parsers the file types are read with: jsonc-parser for
 * JSON/JSONC (comments and trailing commas allowed, as detection reads them) and per line for JSONL,
 * a lexical check of brackets, strings and comments for TS/JS. Detection itself is tolerant — the editor must keep working while the user
 * types — so a gate (the CLI) asks here whether the file parses at all. Pure: no editor dependency.
 */
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';
import type { DetectLanguage } from './detect';

export interface SyntaxProblem {
	/** UTF-16 offset into the text. */
	readonly offset: number;
	/** The parser's message. */
	readonly message: string;
}

/** Problems kept per file: the first few say enough. */
const MAX_PROBLEMS = 20;

/** jsonc-parser's error codes (as printParseErrorCode names them) in words. */
const JSON_MESSAGES: Record<string, string> = {
	InvalidSymbol: 'invalid symbol',
	InvalidNumberFormat: 'invalid number',
	PropertyNameExpected: 'property name expected',
	ValueExpected: 'value expected',
	ColonExpected: 'colon expected',
	CommaExpected: 'comma expected',
	CloseBraceExpected: 'closing brace expected',
	CloseBracketExpected: 'closing bracket expected',
	EndOfFileExpected: 'end of file expected',
	InvalidCommentToken: 'invalid comment',
	UnexpectedEndOfComment: 'unterminated comment',
	UnexpectedEndOfString: 'unterminated string',
	UnexpectedEndOfNumber: 'unterminated number',
	InvalidUnicode: 'invalid unicode escape',
	InvalidEscapeCharacter: 'invalid escape character',
	InvalidCharacter: 'invalid character in a string',
};

/** The first syntax error of one JSON text: the errors after it are mostly its echoes ("value expected", "closing brace expected"). */
function jsonProblems(text: string, base: number, out: SyntaxProblem[]): void {
	try {
		// Plain JSON, the common case: V8's parser needs no stack for nesting, so any depth is fine here.
		JSON.parse(text);
		return;
	} catch {
		// Not plain JSON: comments or trailing commas (JSONC), or a real error — jsonc-parser tells which, and where.
	}
	let first: SyntaxProblem | undefined;
	try {
		visit(text, {
			onError: (code: ParseErrorCode, offset: number) => {
				if (!first) {
					const name = printParseErrorCode(code);
					first = { offset: base + offset, message: `${JSON_MESSAGES[name] ?? name} (JSON)` };
				}
			},
		}, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
	} catch (err) {
		if (!(err instanceof RangeError)) {
			throw err;
		}
		first ??= { offset: base, message: 'nested too deeply to read (JSON)' };
	}
	if (first) {
		out.push(first);
	}
}

const closerOf: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const regexAfterWord = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await|instanceof)$/;

/**
 * The lexical structure of a TypeScript or JavaScript file: brackets that do not close or close the wrong
 * bracket, strings, templates, comments and regular expressions left open. That is how a half-typed or
 * truncated request file fails; messages are worded as the TypeScript compiler words them.
 */
function scriptProblems(text: string, language: 'typescript' | 'javascript', out: SyntaxProblem[]): void {
	const suffix = language === 'typescript' ? ' (TypeScript)' : ' (JavaScript)';
	const report = (offset: number, message: string): void => {
		out.push({ offset, message: message + suffix });
	};
	/** Open brackets; a template's `${` is '$'. */
	const stack: { ch: string; at: number }[] = [];
	let last = '';
	for (let i = 0; i < text.length && out.length === 0; i++) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			continue;
		}
		if (c === '/' && text[i + 1] === '/') {
			const eol = text.indexOf('\n', i);
			i = eol < 0 ? text.length : eol;
			continue;
		}
		if (c === '/' && text[i + 1] === '*') {
			const close = text.indexOf('*/', i + 2);
			if (close < 0) {
				report(text.length, "'*/' expected.");
				break;
			}
			i = close + 1;
			continue;
		}
		if (c === '"' || c === '\'') {
			let j = i + 1;
			while (j < text.length && text[j] !== c && text[j] !== '\n') {
				j += text[j] === '\\' ? 2 : 1;
			}
			if (j >= text.length || text[j] === '\n') {
				report(Math.min(j, text.length), 'Unterminated string literal.');
				break;
			}
			i = j;
			last = 'a';
			continue;
		}
		if (c === '`' || (c === '}' && stack.at(-1)?.ch === '$')) {
			if (c === '}') {
				stack.pop();
			}
			// Template text up to its end or the next substitution.
			let j = i + 1;
			while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) {
				j += text[j] === '\\' ? 2 : 1;
			}
			if (j >= text.length) {
				report(text.length, 'Unterminated template literal.');
				break;
			}
			if (text[j] === '$') {
				stack.push({ ch: '$', at: j });
				i = j + 1;
				last = '{';
			} else {
				i = j;
				last = 'a';
			}
			continue;
		}
		if (c === '/') {
			const before = text.slice(Math.max(0, i - 12), i).trimEnd();
			if (last === '' || /[(,=:[!&|?{};+\-*%<>~^]$/.test(last) || regexAfterWord.test(before)) {
				let j = i + 1;
				let inClass = false;
				while (j < text.length && text[j] !== '\n' && (inClass || text[j] !== '/')) {
					if (text[j] === '\\') {
						j++;
					} else if (text[j] === '[') {
						inClass = true;
					} else if (text[j] === ']') {
						inClass = false;
					}
					j++;
				}
				if (j >= text.length || text[j] === '\n') {
					report(Math.min(j, text.length), 'Unterminated regular expression literal.');
					break;
				}
				i = j;
				last = 'a';
				continue;
			}
		}
		if (c in closerOf) {
			stack.push({ ch: c, at: i });
		} else if (c === ')' || c === ']' || c === '}') {
			const open = stack.pop();
			if (!open) {
				report(i, 'Declaration or statement expected.');
			} else if (open.ch === '$' || closerOf[open.ch] !== c) {
				report(i, `'${open.ch === '$' ? '}' : closerOf[open.ch]}' expected.`);
			}
		}
		last = /[\w$]/.test(c) ? 'a' : c;
	}
	if (out.length === 0 && stack.length > 0) {
		const open = stack[stack.length - 1];
		report(text.length, `'${open.ch === '$' ? '}' : closerOf[open.ch]}' expected.`);
	}
}

/**
 * The syntax errors of a document, first ones first (at most a few per file); empty when it parses. Python is
 * not checked here: tree-sitter's recovery is read by detection alone.
 */
export function syntaxProblems(text: string, language: DetectLanguage, _fileName?: string): SyntaxProblem[] {
	const out: SyntaxProblem[] = [];
	switch (language) {
		case 'json':
			jsonProblems(text, 0, out);
			break;
		case 'jsonl': {
			let start = 0;
			while (start <= text.length && out.length < MAX_PROBLEMS) {
				const nl = text.indexOf('\n', start);
				const end = nl < 0 ? text.length : nl;
				const line = text.slice(start, end);
				if (line.trim() !== '') {
					jsonProblems(line, start, out);
				}
				if (nl < 0) { break; }
				start = nl + 1;
			}
			break;
		}
		case 'typescript':
		case 'javascript':
			scriptProblems(text, language, out);
			break;
		default:
			break;
	}
	return out.slice(0, MAX_PROBLEMS);
}
