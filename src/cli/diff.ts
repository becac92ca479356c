/**
 * `claude-token-meter diff --base <ref> [paths]`: every request of the files under `paths` as the git
 * revision `ref` has them, beside the working tree's, matched and counted the same way as `count` does.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { diffJson, diffRequests, increaseOverLimit, parseIncreaseLimit, renderDiffMarkdown, renderDiffTable, siteIdentity, type DiffSite } from '../core/diff';
import { detectLanguage } from '../core/detect';
import { MAX_DOCUMENT_CHARS } from '../core/service';
import { NotTextError, decodeText } from '../core/util/text';
import { UsageError, type CommonFlags, type Io } from './args';
import { countDocuments } from './count';
import { markOf } from './render';
import type { CliRun } from './run';
import { SKIP_DIRS, displayPath, expandInputs, readText, skippedNote, syntaxReport, tooLarge, type NotSearched } from './walk';

/** A file's text, as the CLI reads it, with the name to print. */
export interface DiffDocument {
	/** Printed name: relative to the working directory, `/`-separated. */
	readonly file: string;
	readonly text: string;
}

/** One counted site, as `count` computes it. */
export interface CountedSite {
	readonly file: string;
	readonly line: number;
	readonly column: number;
	readonly id: string;
	readonly kind: string;
	readonly model: string;
	readonly payload: unknown;
	readonly inputTokens: number;
	readonly mark: '' | '≥' | '≈';
	readonly costUsd: number | null;
}

/** What `count` lends the diff, so both read, walk and count files alike. */
export interface DiffDeps {
	/** Files under `paths` in the working tree (folders walked as `count` walks them); unusable ones in `skipped`. */
	listFiles(paths: readonly string[], skipped: string[]): string[];
	/** Whether a walk of a folder by `count` would read this file (its name and the folders on its way). */
	walked(relativePath: string): boolean;
	/** A working-tree file as text; throws a phrased reason when it is not usable text. */
	readText(file: string): string;
	/** The bytes of a file as the base revision has it, as text; throws like `readText`. */
	decode(bytes: Buffer, name: string): string;
	count(docs: readonly DiffDocument[]): Promise<CountedSite[]>;
	out(text: string): void;
	err(text: string): void;
}

export interface DiffOptions {
	readonly base: string;
	readonly paths: readonly string[];
	readonly json: boolean;
	readonly markdown: boolean;
	readonly all: boolean;
	readonly offline: boolean;
	readonly failOnIncrease?: string;
}

/** A problem with the call or the repository; the CLI prints it and exits 2. */

function git(args: readonly string[], input?: string): Buffer {
	const r = spawnSync('git', args, { input, maxBuffer: 1 << 30 });
	if (r.error) {
		throw new UsageError(`diff needs git (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}).`);
	}
	if (r.status !== 0) {
		throw new UsageError(`git ${args[0]} failed: ${r.stderr.toString().trim() || `exit ${r.status}`}`);
	}
	return r.stdout;
}

function posix(p: string): string {
	return p.split(path.sep).join('/');
}

/** Files under `paths` at `commit`, relative to the working directory. */
function filesAt(commit: string, paths: readonly string[], walked: (p: string) => boolean): string[] {
	const listed = git(['ls-tree', '-r', '-z', '--name-only', commit, '--', ...paths]).toString('utf8').split('\0').filter(Boolean);
	const explicit = new Set(paths.map((p) => posix(path.relative(process.cwd(), path.resolve(p)))));
	// A file named on the command line counts whatever its folder; a folder's files as count walks them.
	return listed.filter((f) => explicit.has(f) || walked(f));
}

/** The blobs of `files` at `commit`, read in one `git cat-file --batch`. */
function readAt(commit: string, files: readonly string[]): Map<string, Buffer> {
	const out = new Map<string, Buffer>();
	if (files.length === 0) {
		return out;
	}
	const buf = git(['cat-file', '--batch'], files.map((f) => `${commit}:./${f}\n`).join(''));
	let at = 0;
	for (const f of files) {
		const nl = buf.indexOf(0x0a, at);
		const header = buf.subarray(at, nl).toString('utf8');
		const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
		if (!m) {
			// "<name> missing": cannot happen for a listed file, but never misread the stream.
			at = nl + 1;
			continue;
		}
		const size = Number(m[2]);
		if (m[1] === 'blob') {
			out.set(f, buf.subarray(nl + 1, nl + 1 + size));
		}
		at = nl + 1 + size + 1;
	}
	return out;
}

function toDiffSite(s: CountedSite): DiffSite {
	return { file: s.file, line: s.line, column: s.column, id: s.id, kind: s.kind, model: s.model, inputTokens: s.inputTokens, mark: s.mark, costUsd: s.costUsd, ...siteIdentity(s.payload, s.model) };
}

export async function runDiff(opts: DiffOptions, deps: DiffDeps): Promise<number> {
	const limit = opts.failOnIncrease === undefined ? undefined : parseIncreaseLimit(opts.failOnIncrease);
	if (opts.failOnIncrease !== undefined && !limit) {
		throw new UsageError(`--fail-on-increase expects a percentage ("5%"), a token count ("2000") or dollars ("$0.05"), not "${opts.failOnIncrease}".`);
	}
	if (opts.json && opts.markdown) {
		throw new UsageError('--json and --markdown exclude each other.');
	}
	git(['rev-parse', '--show-toplevel']);
	const commit = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${opts.base}^{commit}`]).stdout?.toString().trim();
	if (!commit) {
		throw new UsageError(`--base ${opts.base}: not a commit in this repository.`);
	}
	const paths = opts.paths.length > 0 ? opts.paths : ['.'];

	const skipped: string[] = [];
	const beforeDocs: DiffDocument[] = [];
	const baseFiles = filesAt(commit, paths, deps.walked);
	const blobs = readAt(commit, baseFiles);
	for (const f of baseFiles) {
		const bytes = blobs.get(f);
		if (!bytes) {
			continue;
		}
		try {
			beforeDocs.push({ file: f, text: deps.decode(bytes, `${opts.base}:${f}`) });
		} catch (err) {
			skipped.push((err as Error).message);
		}
	}
	const afterDocs: DiffDocument[] = [];
	for (const f of deps.listFiles(paths, skipped)) {
		const file = posix(path.relative(process.cwd(), f) || f);
		try {
			afterDocs.push({ file, text: deps.readText(f) });
		} catch (err) {
			skipped.push((err as Error).message);
		}
	}

	const [before, after] = [await deps.count(beforeDocs), await deps.count(afterDocs)];
	const byFile = new Map<string, { file: string; before: DiffSite[]; after: DiffSite[] }>();
	const entry = (file: string) => {
		let e = byFile.get(file);
		if (!e) {
			e = { file, before: [], after: [] };
			byFile.set(file, e);
		}
		return e;
	};
	for (const s of before) {
		entry(s.file).before.push(toDiffSite(s));
	}
	for (const s of after) {
		entry(s.file).after.push(toDiffSite(s));
	}
	const d = diffRequests([...byFile.values()]);
	const overLimit = limit ? increaseOverLimit(d.totals, limit) : undefined;

	if (opts.json) {
		deps.out(JSON.stringify({ ...(diffJson(d, opts.base) as object), overLimit: overLimit ?? null }, null, 2) + '\n');
	} else if (opts.markdown) {
		deps.out(renderDiffMarkdown(d, { base: opts.base, all: opts.all, offline: opts.offline, limit: opts.failOnIncrease, overLimit }));
	} else {
		deps.out(renderDiffTable(d, { base: opts.base, all: opts.all }) + '\n');
	}
	if (overLimit) {
		deps.err(`Cost increase over the limit (--fail-on-increase ${opts.failOnIncrease}): ${overLimit}.\n`);
	}
	if (skipped.length > 0) {
		deps.err(`Skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}:\n${skipped.map((m) => `  ${m}`).join('\n')}\n`);
		return 2;
	}
	return overLimit ? 1 : 0;
}

/** What `diff` borrows from `count`: the same folder walk, text rule, parse check and counting. */
export function diffDeps(flags: CommonFlags, io: Io, run: CliRun): DiffDeps {
	const usable = (name: string, text: string): string => {
		const problems = syntaxReport(name, text);
		if (problems.length > 0 && !flags.lenient) {
			throw new UsageError(`${displayPath(name)} does not parse (--lenient counts what can be read):\n${problems.map((p) => `    ${p}`).join('\n')}`);
		}
		return text;
	};
	return {
		listFiles: (paths, skipped) => {
			const notSearched: NotSearched = { folders: [], links: [] };
			const files = expandInputs(paths, skipped, notSearched);
			// The repository's own .git folder goes without saying here.
			notSearched.folders = notSearched.folders.filter((f) => path.basename(f) !== '.git');
			const note = skippedNote(notSearched);
			if (note) {
				io.err(`${note}\n`);
			}
			return files;
		},
		walked: (relativePath) => {
			const parts = relativePath.split('/');
			return Boolean(detectLanguage('', relativePath)) && !parts.slice(0, -1).some((dir) => dir.startsWith('.') || SKIP_DIRS.has(dir));
		},
		readText: (file) => usable(file, readText(file)),
		decode: (bytes, name) => {
			if (bytes.length > MAX_DOCUMENT_CHARS) {
				throw new UsageError(tooLarge(name));
			}
			try {
				return usable(name, decodeText(bytes));
			} catch (err) {
				throw err instanceof NotTextError ? new UsageError(`${name}: ${err.message}.`) : err;
			}
		},
		count: async (docs) => {
			const warnings: string[] = [];
			const counted = await countDocuments(docs, flags, run, warnings);
			for (const w of warnings.sort()) {
				io.err(`${w}\n`);
			}
			return counted.map(({ json, site }): CountedSite => ({
				file: json.file, line: json.line, column: json.column, id: site.id, kind: json.kind, model: json.model,
				payload: site.payload, inputTokens: json.inputTokens, mark: markOf(json) as CountedSite['mark'], costUsd: json.costUsd,
			}));
		},
		out: (text) => io.out(text),
		err: (text) => io.err(text),
	};
}
