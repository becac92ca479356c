/**
 * The headless front end: `claude-token-meter count <files...>` and `claude-token-meter batch <file.jsonl>`
 * over the same core as the extension (detection, counting, cost). No `vscode` import.
 *
 * Exit codes: 0 ok; 1 a budget was exceeded (diff: the increase is over --fail-on-increase); 2 bad input (missing, unreadable, binary or unparsable file,
 * malformed batch lines, bad flag or number, missing API key) or a counting failure with --api. With --api
 * there is no silent fallback to the offline figure: a CI check must not pass on a different kind of number
 * than it asked for. --lenient counts what can be read instead and says what it skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { estimateBatchFile, maxTokensProblem, type BatchEstimate } from './core/batch';
import { AnthropicCounter } from './core/count/anthropicCounter';
import { runBounded } from './core/report/pool';
import { endpointProblem } from './core/count/endpoint';
import { RateLimiter, withRateLimit } from './core/count/rateLimiter';
import { CountError } from './core/count/errors';
import { createOfflineCounter } from './core/count/offline';
import { formatTokens, formatUsd, inputCost, lookupModel, priceOptionsOf, serverToolUsesOf, worstCaseCost, type ModelInfo } from './core/cost';
import { configureGrammars, detectLanguage, detectRequests } from './core/detect';
import { MAX_DOCUMENT_CHARS } from './core/service';
import type { Counter, CountResult, DetectProblem, RequestSite } from './core/types';
import { syntaxProblems } from './core/syntax';
import { DiffUsageError, runDiff, type CountedSite, type DiffDeps } from './cliDiff';
import { isNotebookFile, isPythonNotebook, locateInNotebook, NotebookError, readNotebook, type NotebookSource } from './core/notebook';
import { isCancellation } from './core/util/abort';
import { redact } from './core/util/redact';
import { NotTextError, decodeText } from './core/util/text';
import { textTable as table } from './core/util/textTable';
import { runContext } from './cli/context';
import { countPromptFile, isPromptFile, parseRole, type PromptRole } from './cli/prompts';

/** The model of requests that name none, as the extension's `claudeTokenMeter.defaultModel` default. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';
const API_CONCURRENCY = 4;
const OFFLINE_CONCURRENCY = 8;

/** A failure the user must fix (exit 2); the message is already phrased for them. */
class UsageError extends Error {}

/** One request site as `--json` prints it. Field order and names are part of the CLI's contract. */
export interface JsonSite {
	file: string;
	/** Notebooks only: the 1-based position of the cell among all the notebook's cells; line and column are within it. */
	cell?: number;
	/** 1-based. */
	line: number;
	/** 1-based, in UTF-16 code units (as editors count). */
	column: number;
	/** messages | batch-entry | bedrock-invoke | bedrock-converse */
	kind: string;
	/** The document's language (json, jsonl, typescript, javascript, python, go, java, ruby, csharp, php). */
	language: string;
	/** The SDK method of a call (create, stream, count_tokens, parse, tool_runner, batch, invoke_model, converse); null for a body written as data. */
	method: string | null;
	model: string;
	inputTokens: number;
	/** The figure is the counting endpoint's own (--api); never true for an offline figure. */
	exact: boolean;
	/** Part of the figure is estimated offline (anything beyond one plain-text user message). */
	approximate: boolean;
	/** Parts that could not be resolved statically; they count as 0, so the figure is a lower bound. */
	unresolved: { path: string; text: string; reason: string }[];
	/** Input tokens at the model's standard input price; null when the model has no price. */
	costUsd: number | null;
	/** costUsd plus `max_tokens` of output; null without a price or without `max_tokens`. */
	maxCostUsd: number | null;
	maxTokens: number | null;
	/** False when the model came from --model or the default rather than the file. */
	modelFromFile: boolean;
	overBudget: boolean;
}

interface Io {
	out(text: string): void;
	err(text: string): void;
}

interface CommonFlags {
	json: boolean;
	model?: string;
	api: boolean;
	baseUrl?: string;
	key?: string;
	/** --api: count_tokens calls per minute at most. */
	rpm: number;
	/** Count what can be read; unparsable files, non-text files and malformed lines are skipped and listed. */
	lenient: boolean;
}

/** The extension's default for claudeTokenMeter.api.requestsPerMinute. */
export const DEFAULT_RPM = 50;

const HELP = `claude-token-meter — input tokens and cost of Claude API requests

Usage:
  claude-token-meter count <files or folders...> [options]
  claude-token-meter batch <file.jsonl | -> [options]
  claude-token-meter context [folder] [--json] [--model M] [--budget-tokens N] [--no-user]
  claude-token-meter diff --base <git ref> [files or folders...] [options]
  claude-token-meter --help | --version

count   Finds every request in JSON/JSONC, JSONL, TypeScript/JavaScript and Python files and
        Jupyter notebooks (folders are searched for those files) and prints one row per request site.
        Prompt files named on the command line (.md, .prompty, *.prompt.md; .txt with
        --as) are counted too, as a system prompt or one user message (--as); with --as,
        folders are searched for them as well.
batch   Streams a JSONL file of Messages requests or Message Batches entries
        ({"custom_id", "params"}) of any size: tokens, cost at the Batch API price (-50 %),
        worst-case output cost with max_tokens, split per model ("-" reads standard input).
context What a Claude Code session started in the folder (default: the current one) loads
        on every turn and on use: CLAUDE.md files and their @imports, rules, skills,
        sub-agents, commands, MCP servers; tokens, share of the window, cost per turn.
diff    Compares every request of the files (default: the current folder) as the git
        revision --base has them with the working tree: added, removed and changed requests,
        tokens and cost before → after, per file and in total. Requests are matched by what
        they send, not by line.

Options:
  --model M            Count and price every request for model M (default for requests
                       that name none: ${DEFAULT_MODEL})
  --json               Machine-readable output (count: an array of sites; batch: one object)
  --budget-tokens N    count: exit 1 when a request has more than N input tokens
  --budget-usd X       count: exit 1 when a request's input cost (costUsd) is above X dollars
                       context: --budget-tokens N exits 1 when every turn loads more than N
  --as system|user     count: count prompt files as a system prompt (default) or as one
                       user message
  --no-user            context: leave out the user's ~/.claude/CLAUDE.md
  --offline            Count with the built-in tokenizer; nothing is sent anywhere (default)
  --api                Count exactly through the count_tokens endpoint, with the key from
                       ANTHROPIC_API_KEY; a failure stops the run (exit 2), with no fallback
  --base-url URL       Endpoint for --api (https, or http on localhost only); default
                       ANTHROPIC_BASE_URL, else https://api.anthropic.com
  --rpm N              --api: at most N count_tokens calls per minute (default ${DEFAULT_RPM});
                       set it to your account's limit
  --base REF           diff: the git revision to compare with (a branch, tag or commit)
  --markdown           diff: Markdown for a pull-request comment or a job summary
  --all                diff: list unchanged requests too
  --fail-on-increase L diff: exit 1 when the total input tokens rise by more than L:
                       a percentage ("5%"), tokens ("2000") or dollars ("$0.05")
  --lenient            Count what can be read: files that do not parse or are not text, and
                       malformed batch lines, are skipped and listed (default: exit 2)
  -h, --help           Show this help
  -v, --version        Show the version

Marks: "≥" a lower bound (parts of the request could not be resolved statically);
       "≈" partly estimated offline (anything beyond one plain-text user message).
Exit codes: 0 ok; 1 a budget was exceeded (diff: the increase is over --fail-on-increase); 2 bad input (a file that does not parse,
            is not text, malformed batch lines, no request in a batch file) or counting failure.
`;

function version(): string {
	// dist/cli.js and out/src/cli.js both sit below the package root (the extension's or the CLI package's).
	let dir = __dirname;
	for (let i = 0; i < 4; i++) {
		const file = path.join(dir, 'package.json');
		if (fs.existsSync(file)) {
			try {
				const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
				if ((pkg.name === 'claude-token-meter' || pkg.name === 'claude-token-meter-cli') && pkg.version) {
					return pkg.version;
				}
			} catch {
				// fall through to the parent
			}
		}
		dir = path.dirname(dir);
	}
	return 'unknown';
}

function parseNumber(flag: string, raw: string | undefined, integer: boolean): number | undefined {
	if (raw === undefined) {
		return undefined;
	}
	const text = raw.trim().replace(/_/g, '');
	const value = Number(text);
	if (text === '' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
		throw new UsageError(`${flag} expects a ${integer ? 'whole number' : 'number'} ≥ 0, got "${raw}".`);
	}
	return value;
}

/** http is allowed only for loopback: the body (the user's prompt) and the key travel in it. */
function checkBaseUrl(url: string, source: string): void {
	const problem = endpointProblem(url, source);
	if (problem) {
		throw new UsageError(problem);
	}
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', '.vscode-test', '.vscode-test-web', '__pycache__', '.venv', 'venv']);

/** What a folder search left out, so that the run can say so. */
interface NotSearched {
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
function expandInputs(inputs: readonly string[], skipped: string[], notSearched: NotSearched, prompts = false): string[] {
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
function skippedNote(skipped: NotSearched): string | undefined {
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

const tooLarge = (file: string) => `${file}: larger than ${Math.round(MAX_DOCUMENT_CHARS / 1024 / 1024)} MB; for a JSONL batch file use "claude-token-meter batch".`;

/** The file as text by the one rule of util/text.ts (NUL or invalid UTF-8 anywhere: refused; UTF-16 with a BOM decoded). */
function readText(file: string): string {
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
function syntaxReport(file: string, text: string): string[] {
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

/** A site's place as the table and messages print it: `file:line:col`, in a notebook `file.ipynb#cellN:line:col`. */
function siteLocation(s: Pick<JsonSite, 'file' | 'cell' | 'line' | 'column'>): string {
	return s.cell === undefined ? `${s.file}:${s.line}:${s.column}` : `${s.file}#cell${s.cell}:${s.line}:${s.column}`;
}

/** 1-based line and column of a UTF-16 offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
	let line = 1;
	let lineStart = 0;
	for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
		line++;
		lineStart = i + 1;
	}
	return { line, column: offset - lineStart + 1 };
}

function displayPath(file: string): string {
	const rel = path.relative(process.cwd(), path.resolve(file));
	const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
	return shown.split(path.sep).join('/');
}

function modelFor(site: RequestSite, flags: CommonFlags): { model: string; fromFile: boolean } {
	if (flags.model) {
		return { model: flags.model, fromFile: false };
	}
	const named = site.provider === 'bedrock' ? site.bedrock?.modelId || site.payload.model : site.payload.model;
	return named ? { model: named, fromFile: true } : { model: DEFAULT_MODEL, fromFile: false };
}

/** The counting endpoint knows Claude API ids, not Bedrock ids: map a Bedrock id to its row's id. */
function apiModelId(model: string): string {
	return lookupModel(model)?.id ?? model;
}

function makeCounter(flags: CommonFlags): Counter {
	if (!flags.api) {
		return createOfflineCounter();
	}
	const key = flags.key;
	// The account's rate limit holds here as in the editor: calls wait their turn, retry-after pauses them all.
	return withRateLimit(new AnthropicCounter({ getApiKey: () => key, baseURL: flags.baseUrl, timeoutMs: 30_000 }), new RateLimiter(flags.rpm), { maxRetries: 2 });
}

/** The CLI's input and worst-case cost of a request (exported for the test that compares every surface). */
export function costs(tokens: number, maxTokens: number | undefined, site: RequestSite, info: ModelInfo | undefined): { costUsd: number | null; maxCostUsd: number | null } {
	if (!info) {
		return { costUsd: null, maxCostUsd: null };
	}
	// The request's own modifiers (inference_geo, fast mode) through the one price path every surface uses.
	const opts = priceOptionsOf(site.pricing);
	const known = (x: number) => (Number.isFinite(x) ? x : null);
	const costUsd = known(inputCost(tokens, info, opts));
	if (maxTokens === undefined) {
		return { costUsd, maxCostUsd: null };
	}
	const thinking = site.payload.thinking as { budget_tokens?: unknown } | undefined;
	const thinkingBudget = typeof thinking?.budget_tokens === 'number' ? thinking.budget_tokens : undefined;
	return { costUsd, maxCostUsd: known(worstCaseCost(tokens, maxTokens, info, { ...opts, thinkingBudget, serverToolUses: serverToolUsesOf(site.payload) }).totalUsd) };
}

function markOf(s: JsonSite): string {
	return s.unresolved.length > 0 ? '≥' : s.approximate ? '≈' : '';
}

/** Drops floating-point noise (0.00008300000000000001) from printed amounts; a picodollar is far below any price. */
function roundUsd(x: number | null): number | null {
	return x === null ? null : Math.round(x * 1e12) / 1e12;
}

/** Like formatUsd, but amounts below $0.0001 keep two significant digits: a table of small requests stays informative. */
function money(x: number): string {
	if (x > 0 && x < 0.0001) {
		return `$${x.toFixed(1 - Math.floor(Math.log10(x)))}`;
	}
	return formatUsd(x);
}

/** A cost cell of the CLI's table. */
export function usd(x: number | null, mark: string): string {
	return x === null ? 'no price' : `${mark === '≥' ? '≥' : ''}${money(x)}`;
}

async function runCount(files: string[], flags: CommonFlags & { budgetTokens?: number; budgetUsd?: number; as?: PromptRole }, io: Io): Promise<number> {
	// Files that cannot be used are reported and left out, the others counted; exit 2 at the end unless
	// --lenient. A file that does not parse is left out too, or with --lenient counted as far as it reads.
	const skipped: string[] = [];
	const partly: string[] = [];
	const notSearched: NotSearched = { folders: [], links: [] };
	const docs: { file: string; text: string; notebook?: NotebookSource }[] = [];
	const notes: string[] = [];
	for (const file of expandInputs(files, skipped, notSearched, flags.as !== undefined)) {
		let text: string;
		try {
			text = readText(file);
		} catch (err) {
			if (!(err instanceof UsageError)) {
				throw err;
			}
			skipped.push(err.message);
			continue;
		}
		if (isNotebookFile(file)) {
			// A notebook is read by its code cells, concatenated in order: a cell sees what the cells above it set.
			let notebook: NotebookSource;
			try {
				notebook = readNotebook(text);
			} catch (err) {
				if (!(err instanceof NotebookError)) {
					throw err;
				}
				const { line, column } = lineColumn(text, err.offset);
				skipped.push(`${displayPath(file)} does not parse:\n    ${displayPath(file)}:${line}:${column}: ${err.message}`);
				continue;
			}
			if (!isPythonNotebook(notebook)) {
				notes.push(`${displayPath(file)}: a ${notebook.language} notebook; only Python notebooks are read.`);
				continue;
			}
			docs.push({ file, text: notebook.text, notebook });
			continue;
		}
		const problems = syntaxReport(file, text);
		if (problems.length > 0 && !flags.lenient) {
			skipped.push(`${displayPath(file)} does not parse (--lenient counts what can be read):\n${problems.map((p) => `    ${p}`).join('\n')}`);
			continue;
		}
		partly.push(...problems);
		docs.push({ file, text });
	}
	const note = skippedNote(notSearched);
	if (note) {
		io.err(`${note}\n`);
	}
	for (const n of notes) {
		io.err(`${n}\n`);
	}
	if (docs.length === 0 && skipped.length > 0) {
		throw new UsageError(skipped.join('\n'));
	}
	if (partly.length > 0) {
		io.err(`--lenient: counted as far as they could be read:\n${partly.map((u) => `  ${u}`).join('\n')}\n`);
	}
	const counter = makeCounter(flags);
	const prompts = docs.filter((d) => !d.notebook && !detectLanguage('', d.file) && isPromptFile(d.file, flags.as !== undefined));
	const warnings: string[] = [];
	const unreadable: string[] = [];
	const results = (await countDocuments(docs.filter((d) => !prompts.includes(d)), flags, warnings, counter, unreadable)).map((r) => r.json);
	// A request that cannot be read must fail the gate (exit 2), not pass it as "no requests found"; any
	// others are still counted and shown.
	if (unreadable.length > 0 && results.length === 0 && prompts.length === 0) {
		throw new UsageError(unreadable.join('\n'));
	}
	const controller = new AbortController();
	const promptModel = flags.model ?? DEFAULT_MODEL;
	results.push(...await runBounded(prompts.map((d) => () => countPromptFile(
		{ shown: displayPath(d.file), path: d.file, text: d.text }, flags.as ?? 'system',
		flags.api ? apiModelId(promptModel) : promptModel, false, counter, controller.signal,
	)), flags.api ? API_CONCURRENCY : OFFLINE_CONCURRENCY));

	const over: string[] = [];
	const unchecked = new Set<string>();
	for (const s of results) {
		const where = siteLocation(s);
		if (flags.budgetTokens !== undefined && s.inputTokens > flags.budgetTokens) {
			s.overBudget = true;
			over.push(`${where}: ${markOf(s)}${formatTokens(s.inputTokens)} input tokens, over the budget of ${formatTokens(flags.budgetTokens)}`);
		}
		if (flags.budgetUsd !== undefined) {
			if (s.costUsd === null) {
				unchecked.add(s.model);
			} else if (s.costUsd > flags.budgetUsd) {
				s.overBudget = true;
				over.push(`${where}: input cost ${money(s.costUsd)} on ${s.model}, over the budget of ${money(flags.budgetUsd)}`);
			}
		}
	}

	if (flags.json) {
		io.out(JSON.stringify(results.map((r) => ({ ...r, costUsd: roundUsd(r.costUsd), maxCostUsd: roundUsd(r.maxCostUsd) })), null, 2) + '\n');
	} else {
		io.out(renderCountTable(results, docs.length, flags) + '\n');
	}
	for (const w of warnings.sort()) {
		io.err(`${w}\n`);
	}
	for (const model of unchecked) {
		io.err(`warning: no price for model ${model}: --budget-usd was not checked for its requests.\n`);
	}
	const overSites = results.filter((s) => s.overBudget).length;
	if (overSites > 0) {
		io.err(`Budget exceeded by ${overSites} request${overSites === 1 ? '' : 's'}:\n${over.map((o) => `  ${o}`).join('\n')}\n`);
	}
	if (unreadable.length > 0) {
		io.err(`Not counted: ${unreadable.length} request${unreadable.length === 1 ? '' : 's'}:\n${unreadable.map((m) => `  ${m}`).join('\n')}\n`);
	}
	if (skipped.length > 0) {
		io.err(`${flags.lenient ? '--lenient: skipped' : 'Skipped'} ${skipped.length} file${skipped.length === 1 ? '' : 's'}:\n${skipped.map((m) => `  ${m}`).join('\n')}\n`);
	}
	if ((skipped.length > 0 && !flags.lenient) || unreadable.length > 0) {
		return 2;
	}
	return overSites > 0 ? 1 : 0;
}

/**
 * Detects and counts the requests of `docs` as `count` and `diff` print them, a few at a time; the first
 * counting failure stops the rest. Notes about single requests go to `warnings`.
 */
async function countDocuments(
	docs: readonly { file: string; text: string; notebook?: NotebookSource }[], flags: CommonFlags, warnings: string[], counter: Counter = makeCounter(flags), unreadable: string[] = [],
): Promise<{ json: JsonSite; site: RequestSite }[]> {
	const found: { file: string; text: string; notebook?: NotebookSource; site: RequestSite }[] = [];
	for (const doc of docs) {
		const problems: DetectProblem[] = [];
		const sites = await detectRequests(doc.text, doc.notebook ? 'python' : '', { fileName: doc.file, problems });
		for (const site of sites) {
			found.push({ ...doc, site });
		}
		// Requests detection could not read (too deeply nested, …): `file:line:col: why`.
		for (const p of problems) {
			const { line, column } = lineColumn(doc.text, p.range.start);
			unreadable.push(`${displayPath(doc.file)}:${line}:${column}: ${p.message}`);
		}
	}

	const controller = new AbortController();
	let offline: Counter | undefined;
	// At most a few counts at a time; the first failure stops the rest.
	return runBounded(found.map(({ file, text, notebook, site }) => async (): Promise<{ json: JsonSite; site: RequestSite }> => {
		const { model, fromFile } = modelFor(site, flags);
		const countModel = flags.api ? apiModelId(model) : model;
		const place = notebook ? locateInNotebook(notebook, site.anchor.start) : { cell: undefined, ...lineColumn(text, site.anchor.start) };
		const { line, column } = place;
		const where = siteLocation({ file: displayPath(file), ...place });
		let result: CountResult;
		try {
			result = await counter.count({ provider: 'anthropic', model: countModel, body: { ...site.payload, model: countModel } }, controller.signal);
		} catch (err) {
			// The endpoint refusing one request (400) is about that request: statically resolved parts may not
			// form a valid one (e.g. no message left). Any other failure stops the run.
			if (!(flags.api && err instanceof CountError && err.kind === 'invalid')) {
				controller.abort();
				throw err;
			}
			offline ??= createOfflineCounter();
			result = await offline.count({ provider: 'anthropic', model, body: { ...site.payload, model } }, controller.signal);
			warnings.push(`warning: ${where}: ${err.message}; the offline figure is shown instead.`);
		}
		const info = lookupModel(model);
		const badMaxTokens = maxTokensProblem(site.maxTokens);
		if (badMaxTokens) {
			warnings.push(`warning: ${where}: ${badMaxTokens}: no worst-case cost for this request.`);
		}
		const maxTokens = badMaxTokens ? undefined : site.maxTokens;
		return {
			site,
			json: {
				file: displayPath(file),
				...(place.cell === undefined ? {} : { cell: place.cell }),
				line,
				column,
				kind: site.shape,
				language: site.language,
				method: site.method ?? null,
				model,
				inputTokens: result.inputTokens,
				// Only the endpoint's own figure is exact; the offline tokenizer's (or the fallback after a 400) is not.
				exact: result.source !== 'offline' && result.exact,
				approximate: result.approximate,
				unresolved: site.unresolved.map((u) => ({ path: u.path, text: u.text, reason: u.reason })),
				...costs(result.inputTokens, maxTokens, site, info),
				maxTokens: maxTokens ?? null,
				modelFromFile: fromFile,
				overBudget: false,
			},
		};
	}), flags.api ? API_CONCURRENCY : OFFLINE_CONCURRENCY);
}

function renderCountTable(sites: readonly JsonSite[], fileCount: number, flags: CommonFlags): string {
	if (sites.length === 0) {
		return `No Claude requests found in ${fileCount} file${fileCount === 1 ? '' : 's'}.`;
	}
	const rows = sites.map((s) => {
		const mark = markOf(s);
		return [
			siteLocation(s),
			s.kind,
			s.modelFromFile ? s.model : `${s.model}*`,
			`${mark}${formatTokens(s.inputTokens)}`,
			usd(s.costUsd, mark),
			s.maxCostUsd === null ? (s.costUsd === null ? 'no price' : '—') : usd(s.maxCostUsd, mark),
			s.overBudget ? 'over budget' : '',
		];
	});
	let tokens = 0;
	let cost = 0;
	let maxCost = 0;
	let unpriced = 0;
	let lower = false;
	let approx = false;
	for (const s of sites) {
		tokens += s.inputTokens;
		lower ||= s.unresolved.length > 0;
		approx ||= s.approximate;
		if (s.costUsd === null) {
			unpriced++;
		} else {
			cost += s.costUsd;
			maxCost += s.maxCostUsd ?? s.costUsd;
		}
	}
	const totalMark = lower ? '≥' : approx ? '≈' : '';
	rows.push([
		`Total (${sites.length} request${sites.length === 1 ? '' : 's'} in ${fileCount} file${fileCount === 1 ? '' : 's'})`,
		'', '', `${totalMark}${formatTokens(tokens)}`, usd(cost, totalMark), usd(maxCost, totalMark), '',
	]);
	const body = table(['LOCATION', 'KIND', 'MODEL', 'TOKENS', 'COST', 'MAX COST', ''], rows, new Set([3, 4, 5]));
	const notes: string[] = [];
	notes.push(flags.api ? 'Counted exactly through count_tokens.' : 'Counted offline with the built-in tokenizer (nothing was sent).');
	if (sites.some((s) => !s.modelFromFile)) {
		notes.push(flags.model ? `* model set by --model.` : `* the request names no model: counted for ${DEFAULT_MODEL} (--model to change).`);
	}
	if (lower) {
		notes.push('≥ parts could not be resolved statically and count as 0 (see --json "unresolved").');
	}
	if (approx) {
		notes.push('≈ partly estimated offline (anything beyond one plain-text user message: system, tools, several turns, images, documents).');
	}
	if (unpriced > 0) {
		notes.push(`${unpriced} request${unpriced === 1 ? ' has' : 's have'} no price (unknown model): left out of the cost total.`);
	}
	if (sites.some((s) => s.maxCostUsd === null && s.costUsd !== null)) {
		notes.push('— in MAX COST: the request has no max_tokens (a count_tokens call), so its output has no bound; the total counts its input only.');
	}
	notes.push('COST: input at the standard price; MAX COST: plus max_tokens of output.');
	return `${body}\n\n${notes.join('\n')}`;
}

function batchJson(file: string, estimate: BatchEstimate, flags: CommonFlags): unknown {
	return {
		file: batchName(file),
		exact: flags.api,
		...estimate,
		inputCostUsd: roundUsd(estimate.inputCostUsd),
		maxOutputCostUsd: roundUsd(estimate.maxOutputCostUsd),
		models: estimate.models.map((m) => ({ ...m, displayName: m.displayName ?? null, inputCostUsd: roundUsd(m.inputCostUsd), maxOutputCostUsd: roundUsd(m.maxOutputCostUsd) })),
		totalBytes: estimate.totalBytes ?? null,
		maxTotalCostUsd: roundUsd(estimate.inputCostUsd + estimate.maxOutputCostUsd),
	};
}

function renderBatch(file: string, e: BatchEstimate, flags: CommonFlags): string {
	const mark = e.approximateRequests > 0 ? '≈' : '';
	const rows = e.models.map((m) => [
		m.model,
		formatTokens(m.requests),
		`${m.approximateRequests > 0 ? '≈' : ''}${formatTokens(m.inputTokens)}`,
		m.inputCostUsd === null ? 'no price' : money(m.inputCostUsd),
		formatTokens(m.maxOutputTokens),
		m.maxOutputCostUsd === null ? 'no price' : money(m.maxOutputCostUsd),
	]);
	rows.push(['Total', formatTokens(e.requests), `${mark}${formatTokens(e.inputTokens)}`, money(e.inputCostUsd), formatTokens(e.maxOutputTokens), money(e.maxOutputCostUsd)]);
	const lines = [
		`${batchName(file)}: ${formatTokens(e.requests)} request${e.requests === 1 ? '' : 's'} in ${formatTokens(e.lines)} line${e.lines === 1 ? '' : 's'}`
			+ ` (${flags.api ? 'counted through count_tokens' : 'counted offline'}; Batch API price, -50 %)`,
		'',
		table(['MODEL', 'REQUESTS', 'INPUT TOKENS', 'INPUT COST', 'MAX OUTPUT TOKENS', 'MAX OUTPUT COST'], rows, new Set([1, 2, 3, 4, 5])),
		'',
		`Input cost at batch price:            ${money(e.inputCostUsd)}`,
		`Worst case with max_tokens of output: ${money(e.inputCostUsd + e.maxOutputCostUsd)}`,
	];
	if (e.unknownModels.length > 0) {
		lines.push(`No price for ${e.unknownModels.join(', ')}: ${formatTokens(e.unpricedRequests)} request${e.unpricedRequests === 1 ? '' : 's'} left out of the costs.`);
	}
	if (e.requestsWithoutMaxTokens > 0) {
		lines.push(`${formatTokens(e.requestsWithoutMaxTokens)} request${e.requestsWithoutMaxTokens === 1 ? '' : 's'} without max_tokens: no output bound for ${e.requestsWithoutMaxTokens === 1 ? 'it' : 'them'}.`);
	}
	if (mark) {
		lines.push(`≈ ${formatTokens(e.approximateRequests)} request${e.approximateRequests === 1 ? ' is' : 's are'} partly estimated offline (system, tools, several turns, images, documents).`);
	}
	for (const [label, p] of [['malformed', e.malformed], ['failed to count', e.failed]] as const) {
		if (p.count > 0) {
			const shown = p.lines.slice(0, 20).join(', ') + (p.count > 20 ? ', …' : '');
			lines.push(`${formatTokens(p.count)} line${p.count === 1 ? '' : 's'} ${label}: ${shown}`);
			for (const x of p.examples) {
				lines.push(`  line ${x.line}: ${x.reason}`);
			}
		}
	}
	return lines.join('\n');
}

function checkBatchFile(file: string): void {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(file);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw new UsageError(code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot be read (${code ?? (err as Error).message}).`);
	}
	if (!stat.isFile()) {
		throw new UsageError(`${file}: not a file.`);
	}
	try {
		fs.accessSync(file, fs.constants.R_OK);
	} catch {
		throw new UsageError(`${file}: cannot be read (permission denied).`);
	}
	// Whether it is text is checked while it streams, over every byte (core/util/text.ts).
}

/** "-" reads standard input. */
function batchName(file: string): string {
	return file === '-' ? 'stdin' : displayPath(file);
}

async function runBatch(file: string, flags: CommonFlags, io: Io, raw: Io): Promise<number> {
	if (file !== '-') {
		checkBatchFile(file);
	}
	const source = file === '-' ? process.stdin : file;
	const counter = makeCounter(flags);
	const controller = new AbortController();
	let fatal: unknown;
	const showProgress = !flags.json && process.stderr.isTTY;
	const estimate = await estimateBatchFile(source, {
		defaultModel: DEFAULT_MODEL,
		model: flags.model,
		concurrency: flags.api ? API_CONCURRENCY : OFFLINE_CONCURRENCY,
		signal: controller.signal,
		onProgress: showProgress
			? (p) => raw.err(`\r${p.totalBytes ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 0}% · ${formatTokens(p.lines)} lines · ${formatTokens(p.inputTokens)} tokens`)
			: undefined,
		count: async (body, model, signal) => {
			const countModel = flags.api ? apiModelId(model) : model;
			try {
				return await counter.count({ provider: 'anthropic', model: countModel, body: { ...body, model: countModel } }, signal);
			} catch (err) {
				// With --api a key, network or endpoint failure is not about one line: stop the run.
				if (flags.api && err instanceof CountError && err.kind !== 'invalid' && err.kind !== 'too-large') {
					fatal ??= err;
					controller.abort();
				}
				throw err;
			}
		},
	}).catch((err) => {
		if (showProgress) {
			raw.err('\r\x1b[K');
		}
		if (fatal !== undefined && isCancellation(err)) {
			throw fatal;
		}
		if (err instanceof NotTextError) {
			throw new UsageError(`${batchName(file)}: ${err.message}.`);
		}
		throw err;
	});
	if (showProgress) {
		raw.err('\r\x1b[K');
	}
	io.out((flags.json ? JSON.stringify(batchJson(file, estimate, flags), null, 2) : renderBatch(file, estimate, flags)) + '\n');
	// A gate fails on a file with no request at all, and — unless --lenient — on any line it could not use.
	if (estimate.requests === 0) {
		io.err(`claude-token-meter: ${batchName(file)}: no line is a Messages request or a {custom_id, params} entry`
			+ ` (${formatTokens(estimate.lines)} line${estimate.lines === 1 ? '' : 's'}, ${formatTokens(estimate.malformed.count)} malformed).\n`);
		return 2;
	}
	const unusable = estimate.malformed.count + estimate.failed.count;
	if (unusable > 0) {
		if (!flags.lenient) {
			io.err(`claude-token-meter: ${batchName(file)}: ${formatTokens(unusable)} line${unusable === 1 ? '' : 's'} could not be counted (listed above); --lenient accepts the file without them.\n`);
			return 2;
		}
		io.err(`--lenient: skipped ${formatTokens(unusable)} line${unusable === 1 ? '' : 's'} of ${batchName(file)} that could not be counted (listed above).\n`);
	}
	return 0;
}

/**
 * Control characters (C0 except newline and tab, DEL, C1) and invisible format characters (zero-width, bidi
 * overrides, line separators) as `\uXXXX`: text from a document — a model id, a malformed line, a file name —
 * must not move the cursor, clear the screen, retitle the window or reorder what is shown. JSON output stays
 * valid JSON (the escapes only ever fall inside strings).
 */
/** What `diff` borrows from `count`: the same folder walk, text rule, parse check and counting. */
function diffDeps(flags: CommonFlags, io: Io): DiffDeps {
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
			const counted = await countDocuments(docs, flags, warnings);
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

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function escapeTerminal(text: string): string {
	return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Parses the arguments and runs; returns the exit code. Exported for in-process use. */
export async function main(argv: readonly string[], rawIo: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
	// Everything printed goes through escapeTerminal, but for the progress line's own control codes.
	const raw = rawIo;
	const io: Io = { out: (text) => raw.out(escapeTerminal(text)), err: (text) => raw.err(escapeTerminal(text)) };
	let key: string | undefined;
	try {
		const { values, positionals } = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: {
				help: { type: 'boolean', short: 'h' },
				version: { type: 'boolean', short: 'v' },
				json: { type: 'boolean' },
				model: { type: 'string' },
				'budget-tokens': { type: 'string' },
				'budget-usd': { type: 'string' },
				offline: { type: 'boolean' },
				api: { type: 'boolean' },
				'base-url': { type: 'string' },
				rpm: { type: 'string' },
				lenient: { type: 'boolean' },
				as: { type: 'string' },
				'no-user': { type: 'boolean' },
				base: { type: 'string' },
				markdown: { type: 'boolean' },
				all: { type: 'boolean' },
				'fail-on-increase': { type: 'string' },
			},
		});
		if (values.help) {
			io.out(HELP);
			return 0;
		}
		if (values.version) {
			io.out(`${version()}\n`);
			return 0;
		}
		const [command, ...rest] = positionals;
		if (!command) {
			io.err(HELP);
			return 2;
		}
		if (values.offline && values.api) {
			throw new UsageError('--offline and --api exclude each other.');
		}
		if (values['base-url'] !== undefined && !values.api) {
			throw new UsageError('--base-url needs --api.');
		}
		if (values.model !== undefined && values.model.trim() === '') {
			throw new UsageError('--model needs a model id.');
		}
		// The SDK would read ANTHROPIC_BASE_URL by itself; take it here so the https rule applies to it too.
		const envBaseUrl = values.api ? env.ANTHROPIC_BASE_URL?.trim() || undefined : undefined;
		const baseUrl = values['base-url'] ?? envBaseUrl;
		if (baseUrl !== undefined) {
			checkBaseUrl(baseUrl, values['base-url'] !== undefined ? '--base-url' : 'ANTHROPIC_BASE_URL');
		}
		if (values.api) {
			key = env.ANTHROPIC_API_KEY?.trim();
			if (!key) {
				throw new UsageError('--api needs an API key in the environment variable ANTHROPIC_API_KEY.');
			}
		}
		if (values.rpm !== undefined && !values.api) {
			throw new UsageError('--rpm needs --api.');
		}
		const rpm = parseNumber('--rpm', values.rpm, true) ?? DEFAULT_RPM;
		if (rpm < 1) {
			throw new UsageError('--rpm expects a whole number ≥ 1.');
		}
		const flags: CommonFlags = { json: Boolean(values.json), model: values.model?.trim(), api: Boolean(values.api), baseUrl, key, rpm, lenient: Boolean(values.lenient) };
		configureWasm();
		if (command !== 'diff') {
			const diffOnly = (['base', 'markdown', 'all', 'fail-on-increase'] as const).filter((o) => values[o] !== undefined);
			if (diffOnly.length > 0) {
				throw new UsageError(`${diffOnly.map((o) => `--${o}`).join(', ')} appl${diffOnly.length === 1 ? 'ies' : 'y'} to diff only.`);
			}
		}
		switch (command) {
			case 'count': {
				if (rest.length === 0) {
					throw new UsageError('count needs at least one file or folder.');
				}
				return await runCount(rest, {
					...flags,
					budgetTokens: parseNumber('--budget-tokens', values['budget-tokens'], true),
					budgetUsd: parseNumber('--budget-usd', values['budget-usd'], false),
					as: parseUsage(() => parseRole(values.as)),
				}, io);
			}
			case 'context': {
				if (rest.length > 1) {
					throw new UsageError('context takes at most one folder.');
				}
				if (flags.api || values['budget-usd'] !== undefined || values.as !== undefined) {
					throw new UsageError('context counts offline; --api, --budget-usd and --as do not apply to it.');
				}
				return runContext(rest[0] ?? '.', {
					json: flags.json,
					model: flags.model ?? DEFAULT_MODEL,
					budgetTokens: parseNumber('--budget-tokens', values['budget-tokens'], true),
					user: !values['no-user'],
				}, io);
			}
			case 'batch': {
				if (rest.length !== 1) {
					throw new UsageError('batch takes exactly one JSONL file.');
				}
				if (values['budget-tokens'] !== undefined || values['budget-usd'] !== undefined) {
					throw new UsageError('--budget-tokens and --budget-usd apply to count, not batch.');
				}
				return await runBatch(rest[0], flags, io, raw);
			}
			case 'diff': {
				if (!values.base?.trim()) {
					throw new UsageError('diff needs --base <git ref> (e.g. --base origin/main).');
				}
				if (values['budget-tokens'] !== undefined || values['budget-usd'] !== undefined) {
					throw new UsageError('--budget-tokens and --budget-usd apply to count; diff takes --fail-on-increase.');
				}
				return await runDiff({
					base: values.base.trim(), paths: rest, json: flags.json, markdown: Boolean(values.markdown), all: Boolean(values.all),
					offline: !flags.api, failOnIncrease: values['fail-on-increase'],
				}, diffDeps(flags, io));
			}
			default:
				throw new UsageError(`Unknown command "${command}". Use "count", "batch", "context" or "diff" (--help for more).`);
		}
	} catch (err) {
		const secrets = [key];
		if (err instanceof UsageError || err instanceof DiffUsageError) {
			io.err(`claude-token-meter: ${redact(err.message, secrets)}\n`);
		} else if (err instanceof CountError) {
			io.err(`claude-token-meter: counting failed: ${redact(err.message, secrets)}\n`);
		} else if ((err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
			io.err(`claude-token-meter: ${redact((err as Error).message, secrets)}\nRun "claude-token-meter --help" for the options.\n`);
		} else {
			io.err(`claude-token-meter: ${redact(String((err as Error)?.message ?? err), secrets)}\n`);
		}
		return 2;
	}
}

/** Runs a parser that throws plain errors and turns them into usage errors (exit 2). */
function parseUsage<T>(parse: () => T): T {
	try {
		return parse();
	} catch (err) {
		throw new UsageError((err as Error).message);
	}
}

/** The bundle ships the tree-sitter wasm files next to itself; outside it they come from node_modules. */
function configureWasm(): void {
	const runtime = path.join(__dirname, 'tree-sitter.wasm');
	if (fs.existsSync(runtime) && fs.existsSync(path.join(__dirname, 'tree-sitter-python.wasm'))) {
		configureGrammars({ treeSitterWasm: runtime, grammarDir: __dirname });
	}
}

/** True when this file is the program node runs (directly or through the package's bin link). */
function isEntryPoint(): boolean {
	const script = process.argv[1];
	if (!script) {
		return false;
	}
	try {
		return fs.realpathSync(script) === fs.realpathSync(__filename);
	} catch {
		return false;
	}
}

if (isEntryPoint()) {
	const io: Io = {
		out: (text) => process.stdout.write(text),
		err: (text) => process.stderr.write(text),
	};
	main(process.argv.slice(2), io).then(
		(code) => { process.exitCode = code; },
		(err) => {
			process.stderr.write(`claude-token-meter: ${redact(String((err as Error)?.message ?? err), [process.env.ANTHROPIC_API_KEY])}\n`);
			process.exitCode = 2;
		},
	);
}
