/**
 * What the CLI prints: the `--json` shape of a request site, the count table, the batch summary, amounts of
 * money, and the escaping that keeps document text from driving the terminal.
 */
import type { BatchEstimate } from '../core/batch';
import { formatTokens, formatUsd } from '../core/cost';
import { textTable as table } from '../core/util/textTable';
import { DEFAULT_MODEL, type CommonFlags } from './args';
import { displayPath } from './walk';

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

/** A site's place as the table and messages print it: `file:line:col`, in a notebook `file.ipynb#cellN:line:col`. */
export function siteLocation(s: Pick<JsonSite, 'file' | 'cell' | 'line' | 'column'>): string {
	return s.cell === undefined ? `${s.file}:${s.line}:${s.column}` : `${s.file}#cell${s.cell}:${s.line}:${s.column}`;
}

export function markOf(s: JsonSite): string {
	return s.unresolved.length > 0 ? '≥' : s.approximate ? '≈' : '';
}

/** Drops floating-point noise (0.00008300000000000001) from printed amounts; a picodollar is far below any price. */
export function roundUsd(x: number | null): number | null {
	return x === null ? null : Math.round(x * 1e12) / 1e12;
}

/** Like formatUsd, but amounts below $0.0001 keep two significant digits: a table of small requests stays informative. */
export function money(x: number): string {
	if (x > 0 && x < 0.0001) {
		return `$${x.toFixed(1 - Math.floor(Math.log10(x)))}`;
	}
	return formatUsd(x);
}

/** A cost cell of the CLI's table. */
export function usd(x: number | null, mark: string): string {
	return x === null ? 'no price' : `${mark === '≥' ? '≥' : ''}${money(x)}`;
}

export function renderCountTable(sites: readonly JsonSite[], fileCount: number, flags: CommonFlags): string {
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

export function batchJson(file: string, estimate: BatchEstimate, flags: CommonFlags): unknown {
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

export function renderBatch(file: string, e: BatchEstimate, flags: CommonFlags): string {
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

/** "-" reads standard input. */
export function batchName(file: string): string {
	return file === '-' ? 'stdin' : displayPath(file);
}

/**
 * Control characters (C0 except newline and tab, DEL, C1) and invisible format characters (zero-width, bidi
 * overrides, line separators) as `\uXXXX`: text from a document — a model id, a malformed line, a file name —
 * must not move the cursor, clear the screen, retitle the window or reorder what is shown. JSON output stays
 * valid JSON (the escapes only ever fall inside strings).
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function escapeTerminal(text: string): string {
	return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
