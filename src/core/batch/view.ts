/**
 * What the "Batch estimate" view shows: the totals of a batch file at the Batch API price, whether the file
 * fits one Message Batch, and the lines that were skipped. Pure: HTML for the webview, every value escaped.
 */
import type { BatchEstimate } from './index';
import { formatTokens, formatUsd } from '../cost';
import { escapeHtml as e } from '../report/html';

/**
 * Message Batches limits, from Anthropic's Message Batches documentation ("build-with-claude/batch-processing"):
 * a batch holds at most 100,000 requests or 256 MB, whichever is reached first. MB read as 10^6 bytes, the
 * stricter reading.
 */
export const BATCH_MAX_REQUESTS = 100_000;
export const BATCH_MAX_BYTES = 256_000_000;

/** How many Message Batches the file needs (at least 1). */
export function batchesNeeded(requests: number, bytes: number): number {
	return Math.max(1, Math.ceil(requests / BATCH_MAX_REQUESTS), Math.ceil(bytes / BATCH_MAX_BYTES));
}

/** "needs 2 batches: …" when the file is over a Message Batch's limits; undefined when it fits one. */
export function batchSplitNote(requests: number, bytes: number): string | undefined {
	const n = batchesNeeded(requests, bytes);
	if (n <= 1) { return undefined; }
	const over = [
		requests > BATCH_MAX_REQUESTS ? `${formatTokens(requests)} requests (limit ${formatTokens(BATCH_MAX_REQUESTS)})` : undefined,
		bytes > BATCH_MAX_BYTES ? `${(bytes / 1e6).toFixed(0)} MB (limit 256 MB)` : undefined,
	].filter(Boolean).join(' and ');
	return `needs ${n} batches: ${over} is over what one Message Batch takes`;
}

export interface BatchProgressView {
	readonly name: string;
	/** 0..100, or undefined when the size is not known. */
	readonly pct?: number;
	readonly requests: number;
	readonly inputTokens: number;
}

/** "6 % · 2,271 requests · 103,897 tokens": the progress line the notification and the view both show. */
export function batchProgressText(p: Omit<BatchProgressView, 'name'>): string {
	const pct = progressPct(p.pct);
	return `${pct !== undefined ? `${pct} % · ` : ''}${formatTokens(p.requests)} request${p.requests === 1 ? '' : 's'} · ${formatTokens(p.inputTokens)} tokens`;
}

function progressPct(pct: number | undefined): number | undefined {
	return pct === undefined ? undefined : Math.max(0, Math.min(100, Math.floor(pct)));
}

/** The view while a file is estimated; later figures arrive as `progress` messages (media/report.js). */
export function batchProgressHtml(p: BatchProgressView): string {
	const pct = progressPct(p.pct);
	return `<h1>Batch estimate: ${e(p.name)}</h1>` +
		`<p class="status" data-progress-text>Estimating… ${e(batchProgressText(p))}</p>` +
		(pct !== undefined ? `<div class="bar progress"><div class="fill w${pct}" data-progress-fill></div></div>` : '') +
		'<div class="actions"><button data-command="cancel" class="secondary">Cancel</button></div>';
}

export function batchHtml(name: string, est: BatchEstimate, exact: boolean): string {
	const out: string[] = [];
	const bytes = est.totalBytes ?? est.bytesRead;
	const split = batchSplitNote(est.requests, bytes);
	if (split) { out.push(`<div class="banner warn" role="status">This file ${e(split)}.</div>`); }
	out.push(`<header><h1>Batch estimate: ${e(name)}</h1>`);
	out.push(`<div class="total"><span class="big">${est.approximateRequests ? '≈' : ''}${e(formatTokens(est.inputTokens))}</span> input tokens in ${e(formatTokens(est.requests))} requests</div>`);
	out.push(`<div class="facts"><span>Input at the Batch API price (−50 %) <strong>${e(formatUsd(est.inputCostUsd))}</strong></span>` +
		`<span>Worst case total ${e(formatUsd(est.inputCostUsd + est.maxOutputCostUsd))}</span>` +
		`<span>${split ? e(split.split(':')[0]) : 'fits one Message Batch'}</span>` +
		`<span class="muted">${exact ? 'exact counts (count_tokens API)' : 'offline estimate'}</span></div>`);
	out.push('<div class="actions"><button data-command="rerun" class="secondary">Estimate again</button></div></header>');
	out.push('<section><table><thead><tr><th>Model</th><th class="num">Requests</th><th class="num">Input tokens</th><th class="num">Input (batch)</th><th class="num">Max output (batch)</th></tr></thead><tbody>');
	for (const m of est.models) {
		out.push(`<tr><td>${e(m.displayName ?? `${m.model} (no price)`)}</td><td class="num">${e(formatTokens(m.requests))}</td>` +
			`<td class="num">${m.approximateRequests ? '≈' : ''}${e(formatTokens(m.inputTokens))}</td>` +
			`<td class="num">${m.inputCostUsd === null ? '—' : e(formatUsd(m.inputCostUsd))}</td><td class="num">${m.maxOutputCostUsd === null ? '—' : e(formatUsd(m.maxOutputCostUsd))}</td></tr>`);
	}
	out.push('</tbody></table>');
	out.push(`<p class="muted">Worst case output: every request reaching max_tokens (${e(formatTokens(est.maxOutputTokens))} tokens) → ${e(formatUsd(est.maxOutputCostUsd))}.</p>`);
	if (est.requestsWithoutMaxTokens) { out.push(`<p class="warn">${e(String(est.requestsWithoutMaxTokens))} request(s) without max_tokens: their output is not bounded here.</p>`); }
	if (est.unpricedRequests) { out.push(`<p class="warn">${e(String(est.unpricedRequests))} request(s) on models without a price (${e(est.unknownModels.join(', '))}): counted, not priced.</p>`); }
	out.push('</section>');
	for (const [title, problems] of [['Skipped lines', est.malformed], ['Lines that could not be counted', est.failed]] as const) {
		if (!problems.count) { continue; }
		out.push(`<section><h2>${e(title)}: ${e(formatTokens(problems.count))}</h2><ul>`);
		for (const p of problems.examples) { out.push(`<li>line ${e(String(p.line))}: ${e(p.reason)}</li>`); }
		out.push('</ul></section>');
	}
	return out.join('\n');
}
