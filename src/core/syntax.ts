/**
 * Syntax errors of a request file, from the same parsers the file types are read with: jsonc-parser for
 * JSON/JSONC (comments and trailing commas allowed, as detection reads them) and per line for JSONL,
 * TypeScript's parser for TS/JS. Detection itself is tolerant — the editor must keep working while the user
 * types — so a gate (the CLI) asks here whether the file parses at all. Pure: no editor dependency.
 */
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';
import type * as TS from 'typescript';
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

let ts: typeof TS | undefined;

function typeScriptProblems(text: string, language: 'typescript' | 'javascript', fileName: string | undefined, out: SyntaxProblem[]): void {
	// Loaded only here: most runs never need the compiler.
	ts ??= require('typescript') as typeof TS;
	const jsx = /\.[jt]sx$/i.test(fileName ?? '');
	const ext = `${language === 'typescript' ? 'ts' : 'js'}${jsx ? 'x' : ''}`;
	const kind = { ts: ts.ScriptKind.TS, tsx: ts.ScriptKind.TSX, js: ts.ScriptKind.JS, jsx: ts.ScriptKind.JSX }[ext]!;
	const name = `input.${ext}`;
	let sf: TS.SourceFile;
	try {
		sf = ts.createSourceFile(name, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, kind);
	} catch (err) {
		if (err instanceof RangeError) {
			out.push({ offset: 0, message: 'nested too deeply to read (TypeScript)' });
			return;
		}
		throw err;
	}
	// A one-file program gives the parser's own diagnostics through the public API.
	const host: TS.CompilerHost = {
		getSourceFile: (f) => (f === name ? sf : undefined),
		getDefaultLibFileName: () => 'lib.d.ts',
		writeFile: () => undefined,
		getCurrentDirectory: () => '/',
		getCanonicalFileName: (f) => f,
		useCaseSensitiveFileNames: () => true,
		getNewLine: () => '\n',
		fileExists: (f) => f === name,
		readFile: () => undefined,
	};
	const program = ts.createProgram([name], { noLib: true, noResolve: true, allowJs: true, types: [] }, host);
	for (const d of program.getSyntacticDiagnostics(sf).slice(0, MAX_PROBLEMS)) {
		out.push({ offset: d.start ?? 0, message: `${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (TypeScript)` });
	}
}

/**
 * The syntax errors of a document, first ones first (at most a few per file); empty when it parses. Python is
 * not checked here: tree-sitter's recovery is read by detection alone.
 */
export function syntaxProblems(text: string, language: DetectLanguage, fileName?: string): SyntaxProblem[] {
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
			typeScriptProblems(text, language, fileName, out);
			break;
		default:
			break;
	}
	return out.slice(0, MAX_PROBLEMS);
}
