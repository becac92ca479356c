/**
 * Which files the CLI reads and how: folders searched for the files detection reads (build, dependency and
 * dot-folders and symbolic links left out, and said so), each file read as text by the one rule of
 * util/text.ts, its parse problems and positions as `file:line:col`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLanguage } from '../core/detect';
import { isNotebookFile } from '../core/notebook';
import { MAX_DOCUMENT_CHARS } from '../core/service';
import { syntaxProblems } from '../core/syntax';
import { NotTextError, decodeText } from '../core/util/text';
import { UsageError } from './args';
import { isPromptFile } from './prompts';

export const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', '.vscode-test', '.vscode-test-web', '__pycache__', '.venv', 'venv']);

/** What a folder search left out, so that the run can say so. */
export interface NotSearched {
	/** Folders not searched: dot-folders and build/dependency folders. */
	folders: string[];
	/** Symbolic links met in a folder (not followed: a link can loop or leave the tree). */
	links: string[];
}

/**
 * Files named on the command line, folders expanded to the files detection reads (and prompt files, with
 * `prompts`). A name that cannot be used (missing, unsupported, not a regular file) is reported in
 * `skipped` and the rest go on.
 */
export function expandInputs(inputs: readonly string[], skipped: string[], notSearched: NotSearched, prompts = false): string[] {
	const files: string[] = [];
	for (const input of inputs) {
		let stat: fs.Stats;
		try {
			stat = fs.statSync(input);
		} catch (err) {
			const code = (err as NodeJS.ErrnoException).code;
			skipped.push(code === 'ENOENT' ? `${input}: no such file or folder.` : `${input}: cannot be read (${code ?? (err as Error).message}).`);
			continue;
		}
		if (stat.isDirectory()) {
			const found: string[] = [];
			walk(input, found, notSearched, prompts);
			files.push(...found.sort());
		} else if (!stat.isFile()) {
			skipped.push(`${input}: not a regular file.`);
		} else if (!isReadFile(input) && !isPromptFile(input, prompts)) {
			const hint = /\.txt$/i.test(input) ? '; to count it as a prompt, add --as system or --as user' : ' nor a prompt file (.md, .prompty)';
			skipped.push(`${input}: not a file type requests are detected in (JSON, JSONC, JSONL, TypeScript, JavaScript, Python, Jupyter notebooks, Go, Java, Ruby, C#, PHP)${hint}.`);
		} else {
			files.push(input);
		}
	}
	return files;
}

/** Files the count command reads: those a detection front end reads, and notebooks (by their code cells). */
function isReadFile(name: string): boolean {
	return detectLanguage('', name) !== undefined || isNotebookFile(name);
}

function walk(dir: string, out: string[], notSearched: NotSearched, prompts = false): void {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(dir, { withFileTypes: true });
	} catch (err) {
		throw new UsageError(`${dir}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
	}
	for (const entry of entries) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) {
			if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
				walk(full, out, notSearched, prompts);
			} else {
				notSearched.folders.push(full);
			}
		} else if (entry.isSymbolicLink()) {
			notSearched.links.push(full);
		} else if (entry.isFile() && (isReadFile(entry.name) || (prompts && isPromptFile(entry.name, true)))) {
			out.push(full);
		}
	}
}

/** "2 dot- or build folders (.cache, node_modules) and 1 symbolic link (req.json) were not searched …". */
export function skippedNote(skipped: NotSearched): string | undefined {
	const parts: string[] = [];
	const list = (items: string[]) => {
		const shown = items.slice(0, 5).map(displayPath).join(', ');
		return items.length > 5 ? `${shown}, …` : shown;
	};
	if (skipped.folders.length) {
		parts.push(`${skipped.folders.length} folder${skipped.folders.length === 1 ? '' : 's'} (${list(skipped.folders)})`);
	}
	if (skipped.links.length) {
		parts.push(`${skipped.links.length} symbolic link${skipped.links.length === 1 ? '' : 's'} (${list(skipped.links)})`);
	}
	if (!parts.length) {
		return undefined;
	}
	return `note: not searched: ${parts.join(' and ')}; dot-folders, dependency and build folders and symbolic links are skipped in a folder search. Name them on the command line to count them.`;
}

export const tooLarge = (file: string) => `${file}: larger than ${Math.round(MAX_DOCUMENT_CHARS / 1024 / 1024)} MB; for a JSONL batch file use "claude-token-meter batch".`;

/** The file as text by the one rule of util/text.ts (NUL or invalid UTF-8 anywhere: refused; UTF-16 with a BOM decoded). */
export function readText(file: string): string {
	let buf: Buffer;
	try {
		// Checked before reading: a huge file is refused without being loaded.
		if (fs.statSync(file).size > MAX_DOCUMENT_CHARS) {
			throw new UsageError(tooLarge(file));
		}
		buf = fs.readFileSync(file);
	} catch (err) {
		if (err instanceof UsageError) {
			throw err;
		}
		throw new UsageError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
	}
	let text: string;
	try {
		text = decodeText(buf);
	} catch (err) {
		if (err instanceof NotTextError) {
			throw new UsageError(`${file}: ${err.message}.`);
		}
		throw err;
	}
	if (text.length > MAX_DOCUMENT_CHARS) {
		throw new UsageError(tooLarge(file));
	}
	return text;
}

/** Where a file does not parse, as `file:line:col: message` lines (the first few). */
export function syntaxReport(file: string, text: string): string[] {
	const language = detectLanguage('', file);
	if (!language) {
		return [];
	}
	const problems = syntaxProblems(text, language, file);
	const shown = problems.slice(0, 5).map((p) => {
		const { line, column } = lineColumn(text, p.offset);
		return `${displayPath(file)}:${line}:${column}: ${p.message}`;
	});
	if (problems.length > 5) {
		shown.push(`${displayPath(file)}: … ${problems.length >= 20 ? 'and more' : `and ${problems.length - 5} more`}`);
	}
	return shown;
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
	let line = 1;
	let lineStart = 0;
	for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
		line++;
		lineStart = i + 1;
	}
	return { line, column: offset - lineStart + 1 };
}

export function displayPath(file: string): string {
	const rel = path.relative(process.cwd(), path.resolve(file));
	const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
	return shown.split(path.sep).join('/');
}
