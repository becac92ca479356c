/**
 * Jupyter notebooks (`.ipynb`): the notebook JSON → one Python text of its code cells in order, so that a
 * constant set in one cell resolves in a request made in a later one (as the notebook runs top to bottom),
 * with a map from offsets in that text back to cell, line and column. Pure: no editor dependency.
 */
import { syntaxProblems } from './syntax';

/** One code cell as it sits in the concatenation. */
export interface NotebookCell {
	/** 1-based position among all the notebook's cells (markdown and raw cells count too), as they are shown. */
	readonly index: number;
	/** Offset of the cell's first character in the concatenated text. */
	readonly start: number;
	/** The cell's source with magics and shell lines blanked; same length as the original. */
	readonly text: string;
}

export interface NotebookSource {
	/** The code cells' text, each followed by one newline; magics and shell lines are spaces. */
	readonly text: string;
	readonly cells: readonly NotebookCell[];
	/** The kernel's language as the notebook names it (lower case), or undefined when it names none. */
	readonly language: string | undefined;
}

export interface NotebookLocation {
	/** 1-based cell position (see NotebookCell.index). */
	readonly cell: number;
	/** 1-based line within the cell. */
	readonly line: number;
	/** 1-based column in UTF-16 code units. */
	readonly column: number;
}

export class NotebookError extends Error {
	/** UTF-16 offset into the notebook file's text. */
	constructor(message: string, readonly offset: number) {
		super(message);
	}
}

/**
 * IPython's cell magics whose body is still Python (the body runs in the kernel); any other `%%` magic
 * (`%%bash`, `%%html`, `%%writefile`, …) makes the whole cell something else.
 */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

/**
 * Blanks what is not Python to spaces, keeping every offset: line magics (`%pip install …`), shell lines
 * (`!ls`), assignments from them (`files = !ls`), help lines (`obj?`), and cells that a non-Python cell magic opens.
 */
export function blankMagics(source: string): string {
	const cellMagic = /^\s*%%(\w+)/.exec(source);
	if (cellMagic && !PYTHON_CELL_MAGICS.has(cellMagic[1])) {
		return source.replace(/[^\n]/g, ' ');
	}
	return source.split('\n').map((line) =>
		/^\s*(?:[%!]|[A-Za-z_][\w.]*\s*=\s*[%!]|[\w.]+\?\??\s*$)/.test(line) ? line.replace(/[^\r]/g, ' ') : line,
	).join('\n');
}

function sourceOf(cell: Record<string, unknown>): string {
	// nbformat 4 says `source`, nbformat 3 `input`; either is a string or a list of strings (lines with their newlines).
	const raw = cell.source ?? cell.input;
	if (typeof raw === 'string') {
		return raw;
	}
	if (Array.isArray(raw)) {
		return raw.filter((s): s is string => typeof s === 'string').join('');
	}
	return '';
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Where the notebook JSON first fails to parse, in words, as the JSON files' syntax check reports it. */
function parseError(text: string): NotebookError {
	const first = syntaxProblems(text, 'json')[0];
	// JSON.parse refused it but the tolerant reading did not: comments or trailing commas, which notebooks never hold.
	return first ? new NotebookError(first.message, first.offset) : new NotebookError('not plain JSON: comments or trailing commas (JSON)', 0);
}

/** The language of the notebook's kernel: `metadata.kernelspec.language`, else `metadata.language_info.name`. */
function kernelLanguage(nb: Record<string, unknown>): string | undefined {
	const meta = isRecord(nb.metadata) ? nb.metadata : {};
	const spec = isRecord(meta.kernelspec) ? meta.kernelspec : {};
	const info = isRecord(meta.language_info) ? meta.language_info : {};
	const named = [spec.language, info.name, meta.language].find((x): x is string => typeof x === 'string' && x.trim() !== '');
	return named?.trim().toLowerCase();
}

/**
 * Reads a notebook file's text. Throws NotebookError (with the offset of the problem) when the text is not
 * JSON or not a notebook; a notebook of another kernel language reads fine and says its language.
 */
export function readNotebook(fileText: string): NotebookSource {
	let nb: unknown;
	try {
		nb = JSON.parse(fileText);
	} catch {
		throw parseError(fileText);
	}
	if (!isRecord(nb)) {
		throw new NotebookError('not a notebook: the file is not a JSON object', 0);
	}
	// nbformat 4 lists `cells`; nbformat 3 nests them in `worksheets`.
	const rawCells: unknown[] = Array.isArray(nb.cells)
		? nb.cells
		: Array.isArray(nb.worksheets)
			? nb.worksheets.flatMap((w) => (isRecord(w) && Array.isArray(w.cells) ? w.cells : []))
			: [];
	if (!Array.isArray(nb.cells) && !Array.isArray(nb.worksheets)) {
		throw new NotebookError('not a notebook: no "cells" list', 0);
	}
	const cells: NotebookCell[] = [];
	let text = '';
	rawCells.forEach((cell, i) => {
		if (!isRecord(cell) || cell.cell_type !== 'code') {
			return;
		}
		const body = blankMagics(sourceOf(cell));
		cells.push({ index: i + 1, start: text.length, text: body });
		text += `${body}\n`;
	});
	return { text, cells, language: kernelLanguage(nb) };
}

/** Whether the notebook's code is Python (a notebook that names no language is taken as Python, Jupyter's default). */
export function isPythonNotebook(source: NotebookSource): boolean {
	return source.language === undefined || source.language === 'python' || source.language === 'python3' || source.language === 'ipython';
}

/** The cell, line and column of an offset into NotebookSource.text. */
export function locateInNotebook(source: NotebookSource, offset: number): NotebookLocation {
	let lo = 0;
	let hi = source.cells.length - 1;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (source.cells[mid].start <= offset) {
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	const cell = source.cells[lo];
	if (!cell) {
		return { cell: 1, line: 1, column: offset + 1 };
	}
	const within = Math.min(Math.max(offset - cell.start, 0), cell.text.length);
	const before = cell.text.slice(0, within);
	const lastNl = before.lastIndexOf('\n');
	let line = 1;
	for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) {
		line++;
	}
	return { cell: cell.index, line, column: within - (lastNl + 1) + 1 };
}

/** Whether a file name is a Jupyter notebook's. */
export function isNotebookFile(fileName: string): boolean {
	return /\.ipynb$/i.test(fileName);
}
