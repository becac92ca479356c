/**
 * The "Estimate Request" report as an HTML fragment for the webview. Pure and deterministic: every value is
 * escaped here, the page adds no inline style or script, so it runs under a strict Content-Security-Policy.
 */
import { formatPct, formatTokens, formatUsd, formatWindow } from '../cost';
import { flattenSections } from './breakdown';
import { lowerBoundNote, type Report } from './types';

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;
const usd = (x: number | undefined) => (x === undefined ? '<span class="muted">no price</span>' : e(formatUsd(x)));

/**
 * Bar widths in whole percent of the largest row, as classes (`w0`…`w100`): inline styles would need
 * 'unsafe-inline'.
 */
function bar(pct: number, kind: string, largest = 100): string {
	const w = Math.max(0, Math.min(100, Math.round(largest > 0 ? (pct / largest) * 100 : 0)));
	return `<div class="bar"><div class="fill ${e(kind)} w${w}"></div></div>`;
}

/** Conversations with more messages than this fold their middle; the first and last few stay in view. */
const COLLAPSE_MESSAGES = 12;
const KEEP_MESSAGES = 4;

const pctOf = (part: number, total: number) => (total > 0 ? (part / total) * 100 : 0);

export interface ReportHtmlContext {
	/** Where the request lives, e.g. "request.json:12". */
	readonly source?: string;
	/** "exact (count_tokens API)" or "offline estimate". */
	readonly countedBy: string;
	/** Button commands are only offered when the panel can run them. */
	readonly canCopyTrimmed: boolean;
	/** A banner at the top, e.g. why the report is an offline estimate. */
	readonly notice?: string;
	/** Sections were scaled to the exact total: offer an exact breakdown, which costs this many API calls. */
	readonly exactBreakdownCalls?: number;
	/** The request was edited after this report was counted. */
	readonly changed?: boolean;
}

export function reportHtml(report: Report, ctx: ReportHtmlContext): string {
	const b = report.breakdown;
	// A scaled report's total is the exact count; only its sections are estimates.
	const scaled = ctx.exactBreakdownCalls !== undefined;
	const lower = lowerBoundNote(report);
	const approx = lower ? '≥' : report.approximate && !scaled ? '≈' : '';
	const ge = lower ? '≥' : '';
	const out: string[] = [];
	if (ctx.changed) {
		out.push('<div class="banner warn" role="status"><strong>Changed since this report</strong> — the figures below are for the earlier text. <button data-command="recount">Recount</button></div>');
	}
	if (ctx.notice) {
		out.push(`<div class="banner warn" role="status">${e(ctx.notice)}</div>`);
	}
	const fit = report.contextFit;
	if (!fit.fits) {
		const trim = fit.trimmedBody && ctx.canCopyTrimmed
			? ` Dropping the ${e(String(fit.dropTurns))} oldest turn(s) brings it to ${e(formatTokens(fit.trimmedTokens ?? 0))} tokens. <button data-command="copyTrimmed">Copy trimmed request</button>`
			: '';
		out.push(`<div class="banner bad" role="alert"><strong>Does not fit.</strong> ${e(fit.reason)}${trim}</div>`);
	}
	if (lower) {
		out.push(`<div class="banner lower" role="note"><strong>${e(lower[0].toUpperCase() + lower.slice(1))}</strong>: every figure is at least this much. The parts are listed under “Where the tokens go”.</div>`);
	}
	out.push('<header>');
	out.push(`<h1>${e(report.title ?? 'Request estimate')}</h1>`);
	out.push(`<div class="total"><span class="big">${approx}${e(formatTokens(b.total))}</span> input tokens on <code>${e(report.model)}</code></div>`);
	const main = report.models.find((m) => m.model === report.model) ?? report.models[0];
	out.push('<div class="facts">');
	if (main) {
		out.push(`<span>Input ${ge}${usd(main.inputUsd)}</span>`);
		out.push(`<span>Batch ${ge}${usd(main.batchInputUsd)}</span>`);
		if (main.worstCaseUsd !== undefined) { out.push(`<span>Worst case with max_tokens ${ge}${usd(main.worstCaseUsd)}</span>`); }
		if (main.contextWindow) { out.push(`<span>${e(formatPct((b.total / main.contextWindow) * 100))} of ${e(formatWindow(main.contextWindow))}</span>`); }
	}
	out.push(`<span class="muted">${e(ctx.countedBy)}${ctx.source ? ` · ${e(ctx.source)}` : ''}</span>`);
	out.push('</div>');
	out.push('<div class="actions"><button data-command="export">Export as Markdown</button> <button data-command="recount" class="secondary">Recount</button></div>');
	out.push('</header>');

	// Sections: a horizontal bar per section, scaled to the largest.
	const largest = Math.max(b.overheadPct, ...b.sections.map((s) => s.pct));
	out.push('<section><h2>Where the tokens go</h2><table class="sections"><thead><tr><th>Section</th><th class="num">Tokens</th><th class="num">Share</th><th class="chart"></th></tr></thead><tbody>');
	const rows = flattenSections(b.sections);
	const rowHtml = ({ section: s, depth }: (typeof rows)[number]) => `<tr class="${depth ? 'child' : ''}"><td>${depth ? '↳ ' : ''}${e(s.label)}${s.preview ? `<div class="preview">${e(s.preview)}</div>` : ''}</td>` +
		`<td class="num">${e(formatTokens(s.tokens))}</td><td class="num">${e(formatPct(s.pct))}</td><td class="chart">${bar(s.pct, s.kind, largest)}</td></tr>`;
	// A long conversation: the first and last messages stay in view, the middle folds behind one row.
	const messageRows = rows.map((r, i) => [r, i] as const).filter(([r]) => r.depth === 0 && r.section.kind === 'message').map(([, i]) => i);
	const fold = messageRows.length > COLLAPSE_MESSAGES ? { from: messageRows[KEEP_MESSAGES], to: messageRows[messageRows.length - KEEP_MESSAGES] } : undefined;
	rows.forEach((r, i) => {
		if (fold && i === fold.from) {
			const hidden = rows.slice(fold.from, fold.to);
			const tokens = hidden.filter((h) => h.depth === 0).reduce((n, h) => n + h.section.tokens, 0);
			const n = hidden.filter((h) => h.depth === 0).length;
			out.push(`</tbody><tbody><tr class="more"><td colspan="4"><button data-toggle="folded-messages" class="secondary">Show ${e(String(n))} more messages (${e(formatTokens(tokens))} tokens, ${e(formatPct(pctOf(tokens, b.total)))})</button></td></tr></tbody><tbody id="folded-messages" hidden>`);
		}
		out.push(rowHtml(r));
		if (fold && i === fold.to - 1) { out.push('</tbody><tbody>'); }
	});
	for (const u of report.unresolved ?? []) {
		out.push(`<tr class="unresolved"><td>Not counted: <code>${e(u.text)}</code> <span class="muted">(${e(u.reason)}, ${e(u.path || '/')})</span></td><td class="num">?</td><td class="num"></td><td class="chart"></td></tr>`);
	}
	out.push(`<tr class="overhead"><td>Fixed frame <span class="muted">(message framing, tool-use system prompt)</span></td><td class="num">${e(formatTokens(b.overhead))}</td><td class="num">${e(formatPct(b.overheadPct))}</td><td class="chart">${bar(b.overheadPct, 'overhead', largest)}</td></tr>`);
	out.push(`<tr class="sum"><td>Total</td><td class="num">${ge}${e(formatTokens(b.total))}</td><td class="num">100%</td><td></td></tr>`);
	out.push('</tbody></table>');
	if (ctx.exactBreakdownCalls !== undefined) {
		const n = ctx.exactBreakdownCalls;
		out.push(`<p class="muted">Section figures are offline estimates scaled to the exact total. <button data-command="exactBreakdown" class="secondary">Count every section exactly (${e(String(n))} API call${n === 1 ? '' : 's'})</button></p>`);
	}
	out.push('</section>');

	// Cost on every current model.
	out.push('<section><h2>Cost on each model</h2><table><thead><tr><th>Model</th><th class="num">Tokens</th><th class="num">Input</th><th class="num">Batch</th><th class="num">Worst case</th><th class="num">Window</th></tr></thead><tbody>');
	for (const m of report.models) {
		const mine = m.model === report.model ? ' class="mine"' : '';
		out.push(`<tr${mine}><td>${e(m.displayName)} <code>${e(m.model)}</code>${m.known ? '' : ' <span class="muted">(no price)</span>'}</td>` +
			`<td class="num">${m.approximate ? '≈' : ''}${e(formatTokens(m.tokens))}</td><td class="num">${usd(m.inputUsd)}</td><td class="num">${usd(m.batchInputUsd)}</td>` +
			`<td class="num">${m.worstCaseUsd !== undefined ? usd(m.worstCaseUsd) : '—'}</td>` +
			`<td class="num">${m.contextWindow ? e(formatWindow(m.contextWindow)) : '—'}${m.fits === false ? ' <span class="bad">over</span>' : ''}</td></tr>`);
	}
	out.push('</tbody></table></section>');

	// Routing.
	const r = report.routing;
	out.push(`<section><h2>Routing hint</h2><p>${e(r.reason)}${r.model ? ` Suggested: <code>${e(r.model.id)}</code>.` : ''}</p>` +
		`<p class="muted">Thresholds: Haiku below ${e(formatTokens(r.thresholds.haiku))}, Sonnet below ${e(formatTokens(r.thresholds.sonnet))} tokens (settings claudeTokenMeter.routing.*).</p></section>`);

	// Prompt caching.
	const c = report.cache;
	out.push('<section><h2>Prompt caching</h2>');
	if (c.breakpoints.length === 0) {
		out.push('<p class="muted">No <code>cache_control</code> breakpoint in this request.</p>');
	} else {
		out.push('<table><thead><tr><th>Breakpoint</th><th class="num">Prefix tokens</th><th>Cacheable?</th><th class="num">First call</th><th class="num">Later calls</th><th class="num">Break-even</th></tr></thead><tbody>');
		for (const bp of c.breakpoints) {
			const ok = bp.eligible === undefined ? '<span class="muted">unknown minimum</span>' : bp.eligible ? '<span class="good">yes</span>' : `<span class="bad">no, below ${e(formatTokens(bp.minCacheable ?? 0))}</span>`;
			out.push(`<tr><td>${e(bp.label)} <span class="muted">(${e(bp.ttl)})</span></td><td class="num">${bp.approximate ? '≈' : ''}${e(formatTokens(bp.prefixTokens))}</td><td>${ok}</td>` +
				`<td class="num">${usd(bp.firstCallUsd)}</td><td class="num">${usd(bp.laterCallUsd)}</td><td class="num">${bp.breakEvenCalls !== undefined ? `${bp.breakEvenCalls} calls` : '—'}</td></tr>`);
		}
		out.push('</tbody></table>');
	}
	if (c.baselineUsd !== undefined) { out.push(`<p class="muted">Without caching: ${usd(c.baselineUsd)} per call.</p>`); }
	for (const w of c.warnings) { out.push(`<p class="warn">${e(w)}</p>`); }
	out.push('</section>');

	// Tools.
	const t = report.tools;
	if (t.tools.length) {
		out.push(`<section><h2>Tool overhead</h2><p>${e(formatTokens(t.definitionsTokens))} tokens of tool definitions plus ${e(formatTokens(t.systemPromptTokens))} for the tool-use system prompt (tool_choice ${e(t.toolChoice)}).</p>`);
		out.push('<table><thead><tr><th>Tool</th><th class="num">Tokens</th><th class="num">Share</th><th class="chart"></th></tr></thead><tbody>');
		const largestTool = Math.max(...t.tools.map((x) => x.pct));
		for (const tool of t.tools) {
			out.push(`<tr><td><code>${e(tool.name)}</code></td><td class="num">${e(formatTokens(tool.tokens))}</td><td class="num">${e(formatPct(tool.pct))}</td><td class="chart">${bar(tool.pct, 'tool', largestTool)}</td></tr>`);
		}
		out.push('</tbody></table></section>');
	}

	// Context fit.
	const f = report.contextFit;
	out.push('<section><h2>Context fit</h2>');
	out.push(`<p class="${f.fits ? 'good' : 'bad'}">${e(f.reason)}</p>`);
	if (!f.fits && f.trimmedBody) {
		out.push(`<p>Dropping the ${e(String(f.dropTurns))} oldest turn(s) (${e(String(f.droppedMessages ?? 0))} messages) brings it to ${e(formatTokens(f.trimmedTokens ?? 0))} tokens (the action is at the top of the report).</p>`);
	}
	out.push('</section>');
	if (report.approximate && !scaled) {
		out.push('<p class="muted">≈ Some figures are offline estimates (images, documents, tool definitions or message framing). Set an API key for exact counts.</p>');
	}
	return out.join('\n');
}

/** The full page around the fragment, with the strict CSP the webview enforces. */
export function reportPage(body: string, res: { cspSource: string; nonce: string; styleUri: string; scriptUri: string }): string {
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${res.cspSource}; script-src 'nonce-${res.nonce}'; img-src ${res.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${e(res.styleUri)}">
<title>Claude Token Meter: Estimate</title>
</head>
<body>
${body}
<script nonce="${res.nonce}" src="${e(res.scriptUri)}"></script>
</body>
</html>`;
}
