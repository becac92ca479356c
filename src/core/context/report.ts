/**
 * The Claude Code context of a folder as figures: per item tokens, share of the window and cost per turn
 * on one model, the every-turn total, and a plain-text table (CLI, report) and JSON (CLI --json).
 */
import { cacheReadCost, formatPct, formatTokens, formatUsd, inputCost, type ModelInfo } from '../cost';
import { textTable } from '../util/textTable';
import type { ContextItem, ContextScan, ContextWarning, LoadWhen } from './scan';

export interface ContextRow {
	readonly item: ContextItem;
	/** Nesting under the row's parent (imports under their CLAUDE.md, bodies under their skill). */
	readonly level: number;
	/** Share of the model's context window, in percent. */
	readonly windowPct?: number;
	/** USD per turn at the model's input price (every-turn items only). */
	readonly costPerTurnUsd?: number;
}

export interface ContextTotals {
	readonly model: string;
	readonly displayName?: string;
	readonly contextWindow?: number;
	readonly everyTurnTokens: number;
	readonly everyTurnPct?: number;
	/** Every turn at the input price, and read from the prompt cache (Claude Code caches this prefix). */
	readonly everyTurnCostUsd?: number;
	readonly everyTurnCachedCostUsd?: number;
	readonly onDemandTokens: number;
	readonly mcpServers: number;
	/** True when part of the every-turn figure is a listing entry whose framing is estimated. */
	readonly approximate: boolean;
}

export interface ContextReport {
	readonly scan: ContextScan;
	readonly rows: readonly ContextRow[];
	readonly totals: ContextTotals;
	readonly warnings: readonly ContextWarning[];
}

/** Figures of a scan on one model (`info` undefined: the model has no price; tokens only). */
export function contextReport(scan: ContextScan, model: string, info: ModelInfo | undefined): ContextReport {
	const rows: ContextRow[] = [];
	const window = info?.contextWindow;
	const add = (item: ContextItem, level: number) => {
		const tokens = item.tokens;
		rows.push({
			item,
			level,
			windowPct: tokens !== undefined && window ? (tokens / window) * 100 : undefined,
			costPerTurnUsd: tokens !== undefined && info && item.load === 'every-turn' ? inputCost(tokens, info) : undefined,
		});
		for (const c of item.children) {
			add(c, level + 1);
		}
	};
	for (const i of scan.items) {
		add(i, 0);
	}
	const every = scan.everyTurnTokens;
	const totals: ContextTotals = {
		model,
		displayName: info?.displayName,
		contextWindow: window,
		everyTurnTokens: every,
		everyTurnPct: window ? (every / window) * 100 : undefined,
		everyTurnCostUsd: info ? inputCost(every, info) : undefined,
		everyTurnCachedCostUsd: info ? cacheReadCost(every, info) : undefined,
		onDemandTokens: scan.onDemandTokens,
		mcpServers: scan.items.filter((i) => i.kind === 'mcp-server' && i.label !== '.mcp.json').length,
		approximate: scan.flat.some((i) => i.load === 'every-turn' && i.approximate && (i.tokens ?? 0) > 0),
	};
	return { scan, rows, totals, warnings: scan.warnings };
}

export const LOAD_LABEL: Record<LoadWhen, string> = {
	'every-turn': 'every turn',
	'on-demand': 'on use',
	'own-context': 'own context',
	'run-time': 'run time',
};

/** What each kind of item is, in words (tree view tooltips, table). */
export const KIND_LABEL: Record<ContextItem['kind'], string> = {
	'user-memory': 'user CLAUDE.md',
	'ancestor-memory': 'CLAUDE.md above the folder',
	'project-memory': 'project CLAUDE.md',
	'local-memory': 'local CLAUDE.md',
	'import': 'import',
	'nested-memory': 'nested CLAUDE.md',
	'rule': 'rule',
	'skill': 'skill (listing entry)',
	'skill-body': 'skill body',
	'agent': 'sub-agent (listing entry)',
	'agent-body': 'sub-agent prompt',
	'command': 'command (listing entry)',
	'command-body': 'command body',
	'mcp-server': 'MCP server',
};

/** "1,234" or "≈1,234"; "?" when only known at run time. */
export function itemTokens(item: ContextItem): string {
	if (item.tokens === undefined) {
		return item.kind === 'mcp-server' ? '?' : '—';
	}
	return `${item.approximate && item.tokens > 0 ? '≈' : ''}${formatTokens(item.tokens)}`;
}

/** The table `claude-token-meter context` prints. */
export function renderContextTable(report: ContextReport): string {
	const t = report.totals;
	const rows = report.rows.map((r) => [
		`${'  '.repeat(r.level)}${r.level > 0 ? '└ ' : ''}${r.item.label}`,
		KIND_LABEL[r.item.kind],
		LOAD_LABEL[r.item.load],
		itemTokens(r.item),
		r.windowPct !== undefined ? formatPct(r.windowPct) : '',
		r.costPerTurnUsd !== undefined ? formatUsd(r.costPerTurnUsd) : '',
	]);
	const mark = t.approximate ? '≈' : '';
	rows.push([
		'Every turn', '', '', `${mark}${formatTokens(t.everyTurnTokens)}`,
		t.everyTurnPct !== undefined ? formatPct(t.everyTurnPct) : '', t.everyTurnCostUsd !== undefined ? formatUsd(t.everyTurnCostUsd) : '',
	]);
	const lines: string[] = [];
	lines.push(`Claude Code context of ${report.scan.root} on ${t.model}${t.displayName ? ` (${t.displayName}` + (t.contextWindow ? `, ${formatTokens(t.contextWindow)}-token window)` : ')') : ''}`);
	lines.push('');
	lines.push(report.rows.length ? textTable(['ITEM', 'KIND', 'LOADS', 'TOKENS', 'WINDOW', 'COST/TURN'], rows, new Set([3, 4, 5])) : 'No CLAUDE.md, rules, skills, sub-agents, commands or MCP servers found.');
	lines.push('');
	const cost = t.everyTurnCostUsd !== undefined
		? `${formatUsd(t.everyTurnCostUsd)} a turn at the input price, ${formatUsd(t.everyTurnCachedCostUsd ?? 0)} read from the prompt cache`
		: 'no price for this model';
	lines.push(`Every turn: ${mark}${formatTokens(t.everyTurnTokens)} tokens (${cost}). On use: up to ${formatTokens(t.onDemandTokens)} more.`);
	if (t.mcpServers > 0) {
		lines.push(`MCP servers: ${t.mcpServers}; their tool definitions are known only at run time and are not counted.`);
	}
	if (t.approximate) {
		lines.push('≈ listing entries (skills, commands, sub-agents) are counted as "- name: description" lines; Claude Code\'s exact framing is not published.');
	}
	lines.push(`Counted offline with the ${report.scan.family} tokenizer (nothing was sent).`);
	if (report.warnings.length) {
		lines.push('');
		lines.push('Warnings:');
		for (const w of report.warnings) {
			lines.push(`  - ${w.message} (${w.source})`);
		}
	}
	return lines.join('\n');
}

/** `claude-token-meter context --json`. Field names are part of the CLI's contract. */
export function contextJson(report: ContextReport): unknown {
	const item = (r: ContextItem): unknown => ({
		kind: r.kind,
		label: r.label,
		file: r.file ?? null,
		loads: r.load,
		tokens: r.tokens ?? null,
		approximate: r.approximate,
		depth: r.depth ?? null,
		notes: r.notes,
		warnings: r.warnings.map((w) => ({ message: w.message, source: w.source })),
		children: r.children.map(item),
	});
	const t = report.totals;
	const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1e12) / 1e12);
	return {
		root: report.scan.root,
		model: t.model,
		family: report.scan.family,
		contextWindow: t.contextWindow ?? null,
		everyTurnTokens: t.everyTurnTokens,
		everyTurnCostUsd: round(t.everyTurnCostUsd),
		everyTurnCachedCostUsd: round(t.everyTurnCachedCostUsd),
		onDemandTokens: t.onDemandTokens,
		approximate: t.approximate,
		items: report.scan.items.map(item),
		warnings: report.warnings.map((w) => ({ message: w.message, source: w.source, file: w.file ?? null })),
	};
}
