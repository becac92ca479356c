/** The whole report as Markdown, for the "Export" button and the CLI. */
import { formatPct, formatTokens, formatUsd, formatWindow } from '../cost';
import { flattenSections } from './breakdown';
import { lowerBoundNote, type Report } from './types';

/** Table cells cannot hold pipes or line breaks. */
function cell(text: string): string {
	return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
	return `| ${cells.join(' | ')} |`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string[] {
	const rule = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
	return [row(head), row(rule), ...rows.map(row)];
}

function usd(x: number | undefined): string {
	return x === undefined ? 'no price' : formatUsd(x);
}

export function toMarkdown(report: Report): string {
	const lower = lowerBoundNote(report);
	const approx = lower ? '≥' : report.approximate ? '≈ ' : '';
	const b = report.breakdown;
	const out: string[] = [];
	out.push(`# ${cell(report.title ?? 'Request estimate')}`, '');
	if (lower) { out.push(`> **${lower[0].toUpperCase()}${lower.slice(1)}.** Every figure below is at least this much.`, ''); }
	out.push(`Model: \`${report.model}\` · ${approx}${formatTokens(b.total)} input tokens${report.approximate ? ' (offline estimate)' : ''}`, '');

	out.push('## Sections', '');
	const sectionRows = flattenSections(b.sections).map(({ section: s, depth }) => [
		`${depth > 0 ? '↳ ' : ''}${cell(s.label)}${s.preview ? ` — ${cell(s.preview)}` : ''}`,
		`\`${s.path}\``,
		formatTokens(s.tokens),
		formatPct(s.pct),
	]);
	for (const u of report.unresolved ?? []) {
		sectionRows.push([`Not counted: ${cell(u.text)} (${cell(u.reason)})`, `\`${u.path || '/'}\``, '?', '']);
	}
	sectionRows.push(['Fixed frame (message framing, tool-use system prompt)', '', formatTokens(b.overhead), formatPct(b.overheadPct)]);
	sectionRows.push(['**Total**', '', `**${lower ? '≥' : ''}${formatTokens(b.total)}**`, '100%']);
	out.push(...table(['Section', 'Path', 'Tokens', 'Share'], sectionRows, ['l', 'l', 'r', 'r']), '');
	if (b.sections.some((s) => (s.children ?? []).length > 0)) {
		out.push('Image and document rows (↳) are part of their message\'s figure.', '');
	}

	out.push('## Cost by model', '');
	out.push(...table(
		['Model', 'Tokens', 'Input', 'Batch input', 'Worst case', 'Batch worst case', 'Window'],
		report.models.map((m) => [
			`${cell(m.displayName)}${m.known ? '' : ' (no price)'}`,
			`${m.approximate ? '≈ ' : ''}${formatTokens(m.tokens)}`,
			usd(m.inputUsd),
			usd(m.batchInputUsd),
			m.worstCaseUsd !== undefined ? formatUsd(m.worstCaseUsd) : '—',
			m.batchWorstCaseUsd !== undefined ? formatUsd(m.batchWorstCaseUsd) : '—',
			m.contextWindow !== undefined ? `${formatWindow(m.contextWindow)}${m.fits === false ? ' (over)' : ''}` : '—',
		]),
		['l', 'r', 'r', 'r', 'r', 'r', 'r'],
	), '');

	const c = report.cache;
	out.push('## Prompt caching', '');
	if (c.breakpoints.length === 0) {
		out.push('No `cache_control` breakpoints in this request.', '');
	} else {
		out.push(...table(
			['Breakpoint', 'TTL', 'Prefix tokens', 'Minimum', 'Cacheable', 'First call', 'Later calls', 'Break-even'],
			c.breakpoints.map((bp) => [
				`${cell(bp.label)} \`${bp.path}\``,
				bp.ttl,
				`${bp.approximate ? '≈ ' : ''}${formatTokens(bp.prefixTokens)}`,
				bp.minCacheable !== undefined ? formatTokens(bp.minCacheable) : '—',
				bp.eligible === undefined ? 'unknown' : bp.eligible ? 'yes' : 'no',
				usd(bp.firstCallUsd),
				usd(bp.laterCallUsd),
				bp.breakEvenCalls !== undefined ? `${bp.breakEvenCalls} calls` : '—',
			]),
			['l', 'l', 'r', 'r', 'l', 'r', 'r', 'r'],
		), '');
	}
	out.push(`Without caching: ${usd(c.baselineUsd)} per call.`);
	if (c.combined) {
		out.push(`All breakpoints together: ${formatTokens(c.combined.cachedTokens)} tokens cached, first call ${formatUsd(c.combined.firstCallUsd)}, later calls ${formatUsd(c.combined.laterCallUsd)}${c.combined.breakEvenCalls !== undefined ? `, pays off from call ${c.combined.breakEvenCalls}` : ''}.`);
	}
	for (const w of c.warnings) {
		out.push(`- ⚠ ${cell(w)}`);
	}
	out.push('');

	const t = report.tools;
	out.push('## Tools', '');
	if (t.tools.length === 0) {
		out.push('No tools in this request.', '');
	} else {
		out.push(...table(
			['Tool', 'Tokens', 'Share'],
			t.tools.map((tool) => [`${cell(tool.name)} \`${tool.path}\``, formatTokens(tool.tokens), formatPct(tool.pct)]),
			['l', 'r', 'r'],
		), '');
		out.push(`Tool definitions: ${formatTokens(t.definitionsTokens)} tokens; tool-use system prompt (tool_choice ${cell(t.toolChoice)}): ${formatTokens(t.systemPromptTokens)} tokens.`, '');
	}

	const f = report.contextFit;
	out.push('## Context fit', '');
	out.push(...table(
		['Input', 'max_tokens', 'Window', 'Budget', 'Fits', 'Drop oldest turns', 'After trimming'],
		[[
			formatTokens(f.total),
			formatTokens(f.maxTokens),
			f.contextWindow !== undefined ? formatWindow(f.contextWindow) : '—',
			f.budgetTokens !== undefined ? formatTokens(f.budgetTokens) : '—',
			f.fits ? 'yes' : 'no',
			f.dropTurns !== undefined ? String(f.dropTurns) : f.fits ? '0' : 'not enough',
			f.trimmedTokens !== undefined && !f.fits ? formatTokens(f.trimmedTokens) : '—',
		]],
		['r', 'r', 'r', 'r', 'l', 'r', 'r'],
	), '');
	out.push(cell(f.reason), '');

	const r = report.routing;
	out.push('## Routing', '');
	out.push(`Suggested: **${cell(r.model?.displayName ?? r.tier)}**. ${cell(r.reason)} (thresholds: Haiku < ${formatTokens(r.thresholds.haiku)}, Sonnet < ${formatTokens(r.thresholds.sonnet)})`, '');
	return out.join('\n');
}
