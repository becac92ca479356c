/**
 * `claude-token-meter count <files...>`: every request of the files (and prompt files), counted offline or
 * through count_tokens, priced, checked against the budgets, printed as a table or `--json`.
 */
import { AnthropicCounter } from '../core/count/anthropicCounter';
import { RateLimiter, withRateLimit } from '../core/count/rateLimiter';
import { CountError } from '../core/count/errors';
import { TokenizerCounter } from '../core/count/tokenizerCounter';
import { formatTokens, inputCost, lookupModel, priceOptionsOf, serverToolUsesOf, worstCaseCost, type ModelInfo } from '../core/cost';
import { maxTokensProblem } from '../core/batch';
import { detectLanguage } from '../core/detect';
import { isNotebookFile, isPythonNotebook, locateInNotebook, NotebookError, readNotebook, type NotebookSource } from '../core/notebook';
import { runBounded } from '../core/report/pool';
import { siteModel } from '../core/siteModel';
import { countFnOf } from '../core/count/countFn';
import type { CountAnswer, CountFn, DetectProblem, RequestSite } from '../core/types';
import { DEFAULT_MODEL, UsageError, type CommonFlags, type Io } from './args';
import { countPromptFile, isPromptFile, type PromptRole } from './prompts';
import { markOf, money, renderCountTable, roundUsd, siteLocation, type JsonSite } from './render';
import type { CliRun } from './run';
import { displayPath, expandInputs, lineColumn, readText, skippedNote, syntaxReport, type NotSearched } from './walk';

export const API_CONCURRENCY = 4;
export const OFFLINE_CONCURRENCY = 8;

/** The counting endpoint knows Claude API ids, not Bedrock ids: map a Bedrock id to its row's id. */
export function apiModelId(model: string): string {
	return lookupModel(model)?.id ?? model;
}

/** How the CLI counts: offline, or with --api through count_tokens at the account's rate. */
export function makeCount(flags: CommonFlags, run: CliRun): CountFn {
	if (!flags.api) {
		return countFnOf(new TokenizerCounter(run.vocabs));
	}
	const key = flags.key;
	// The account's rate limit holds here as in the editor: calls wait their turn, retry-after pauses them all.
	return countFnOf(withRateLimit(new AnthropicCounter({ getApiKey: () => key, vocabs: run.vocabs, baseURL: flags.baseUrl, timeoutMs: 30_000 }), new RateLimiter(flags.rpm), { maxRetries: 2 }));
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

export async function runCount(files: string[], flags: CommonFlags & { budgetTokens?: number; budgetUsd?: number; as?: PromptRole }, io: Io, run: CliRun): Promise<number> {
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
	const count = makeCount(flags, run);
	const prompts = docs.filter((d) => !d.notebook && !detectLanguage('', d.file) && isPromptFile(d.file, flags.as !== undefined));
	const warnings: string[] = [];
	const unreadable: string[] = [];
	const results = (await countDocuments(docs.filter((d) => !prompts.includes(d)), flags, run, warnings, count, unreadable)).map((r) => r.json);
	// A request that cannot be read must fail the gate (exit 2), not pass it as "no requests found"; any
	// others are still counted and shown.
	if (unreadable.length > 0 && results.length === 0 && prompts.length === 0) {
		throw new UsageError(unreadable.join('\n'));
	}
	const controller = new AbortController();
	const promptModel = flags.model ?? DEFAULT_MODEL;
	results.push(...await runBounded(prompts.map((d) => () => countPromptFile(
		{ shown: displayPath(d.file), path: d.file, text: d.text }, flags.as ?? 'system',
		flags.api ? apiModelId(promptModel) : promptModel, false, count, controller.signal,
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
export async function countDocuments(
	docs: readonly { file: string; text: string; notebook?: NotebookSource }[], flags: CommonFlags, run: CliRun, warnings: string[], count: CountFn = makeCount(flags, run), unreadable: string[] = [],
): Promise<{ json: JsonSite; site: RequestSite }[]> {
	const found: { file: string; text: string; notebook?: NotebookSource; site: RequestSite }[] = [];
	for (const doc of docs) {
		const problems: DetectProblem[] = [];
		const sites = await run.detector.detect(doc.text, doc.notebook ? 'python' : '', { fileName: doc.file, problems });
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
	let offline: CountFn | undefined;
	// At most a few counts at a time; the first failure stops the rest.
	return runBounded(found.map(({ file, text, notebook, site }) => async (): Promise<{ json: JsonSite; site: RequestSite }> => {
		const { model, fromDocument: fromFile } = siteModel(site, { override: flags.model, defaultModel: DEFAULT_MODEL });
		const countModel = flags.api ? apiModelId(model) : model;
		const place = notebook ? locateInNotebook(notebook, site.anchor.start) : { cell: undefined, ...lineColumn(text, site.anchor.start) };
		const { line, column } = place;
		const where = siteLocation({ file: displayPath(file), ...place });
		let result: CountAnswer;
		try {
			result = await count(site.payload, countModel, controller.signal);
		} catch (err) {
			// The endpoint refusing one request (400) is about that request: statically resolved parts may not
			// form a valid one (e.g. no message left). Any other failure stops the run.
			if (!(flags.api && err instanceof CountError && err.kind === 'invalid')) {
				controller.abort();
				throw err;
			}
			offline ??= countFnOf(new TokenizerCounter(run.vocabs));
			result = await offline(site.payload, model, controller.signal);
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
				exact: result.source !== 'offline' && result.exact === true,
				approximate: result.approximate === true,
				unresolved: site.unresolved.map((u) => ({ path: u.path, text: u.text, reason: u.reason })),
				...costs(result.inputTokens, maxTokens, site, info),
				maxTokens: maxTokens ?? null,
				modelFromFile: fromFile,
				overBudget: false,
			},
		};
	}), flags.api ? API_CONCURRENCY : OFFLINE_CONCURRENCY);
}
