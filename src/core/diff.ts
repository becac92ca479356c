/**
 * The cost delta of a change: request sites of a file before and after, matched to each other, with their
 * tokens and cost. Pure: the CLI reads the two versions (git and the working tree) and counts them.
 */
import { canonicalJson, sha256 } from './util/hash';
import { formatTokens, formatUsd } from './cost';

/** One counted request site of one version of a file. */
export interface DiffSite {
	/** Path as printed (relative to the working directory, `/`-separated). */
	readonly file: string;
	/** 1-based. */
	readonly line: number;
	readonly column: number;
	/** The detector's id, stable within a document across edits elsewhere (`json:/0`, `jsonl:ticket-7`, `py:messages.create#0`). */
	readonly id: string;
	/** What the request sends: equal fingerprints are the same request, wherever it moved. */
	readonly fingerprint: string;
	/** Words of the request, to pair a request with its edited self when its id moved too. */
	readonly words: readonly string[];
	readonly kind: string;
	readonly model: string;
	readonly inputTokens: number;
	/** "≥" (lower bound), "≈" (partly estimated) or "". */
	readonly mark: '' | '≥' | '≈';
	/** Input cost at the standard price; null without a price. */
	readonly costUsd: number | null;
}

export type ChangeKind = 'added' | 'removed' | 'changed' | 'unchanged';

export interface SiteChange {
	readonly kind: ChangeKind;
	readonly file: string;
	readonly before?: DiffSite;
	readonly after?: DiffSite;
	readonly deltaTokens: number;
	/** null when either side has no price. */
	readonly deltaUsd: number | null;
}

export interface DiffTotals {
	readonly requestsBefore: number;
	readonly requestsAfter: number;
	readonly added: number;
	readonly removed: number;
	readonly changed: number;
	readonly unchanged: number;
	readonly tokensBefore: number;
	readonly tokensAfter: number;
	readonly usdBefore: number;
	readonly usdAfter: number;
	/** Requests whose model has no price; their tokens are in the totals, their cost is not. */
	readonly unpriced: number;
	/** A figure on either side is a lower bound. */
	readonly lowerBound: boolean;
}

export interface FileDiff {
	readonly file: string;
	readonly changes: readonly SiteChange[];
	readonly totals: DiffTotals;
}

export interface RequestDiff {
	readonly files: readonly FileDiff[];
	readonly totals: DiffTotals;
}

/** The fingerprint and words of a request payload, for `DiffSite`. */
export function siteIdentity(payload: unknown, model: string): { fingerprint: string; words: string[] } {
	const words = new Set<string>();
	// Words of what the request says, not of its structure: keys, roles and block types are alike in all requests.
	const stack: unknown[] = [payload];
	while (stack.length > 0) {
		const v = stack.pop();
		if (typeof v === 'string') {
			for (const w of v.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []) {
				words.add(w);
			}
		} else if (Array.isArray(v)) {
			stack.push(...v);
		} else if (v && typeof v === 'object') {
			for (const [k, child] of Object.entries(v)) {
				if (k !== 'role' && k !== 'type' && k !== 'model') {
					stack.push(child);
				}
			}
		}
	}
	return { fingerprint: sha256(canonicalJson({ payload, model })), words: [...words] };
}

/** Share of words two requests have in common (Jaccard); 1 for identical word sets. */
function similarity(a: readonly string[], b: readonly string[]): number {
	if (a.length === 0 && b.length === 0) {
		return 1;
	}
	const set = new Set(a);
	let common = 0;
	for (const w of b) {
		if (set.has(w)) {
			common++;
		}
	}
	return common / (a.length + b.length - common);
}

/** Below this share of common words an edited request is taken as one removed and another added. */
const SAME_REQUEST_SIMILARITY = 0.5;
/** What keeping its id adds to a request's likeness to its old self. */
const SAME_ID_BONUS = 0.3;

/**
 * Pairs the sites of one file's two versions. In order: same id and same content (unchanged); same content
 * under another id (moved, unchanged); the most alike of the rest by their words, keeping an id helping
 * (edited); what is left was added or removed. Line numbers play no part: an edit above a request moves it.
 */
export function matchSites(file: string, before: readonly DiffSite[], after: readonly DiffSite[]): SiteChange[] {
	const leftBefore = new Set(before);
	const leftAfter = new Set(after);
	const pairs: [DiffSite, DiffSite][] = [];
	const pairBy = (same: (a: DiffSite, b: DiffSite) => boolean) => {
		for (const b of [...leftBefore]) {
			for (const a of leftAfter) {
				if (same(b, a)) {
					pairs.push([b, a]);
					leftBefore.delete(b);
					leftAfter.delete(a);
					break;
				}
			}
		}
	};
	pairBy((b, a) => b.id === a.id && b.fingerprint === a.fingerprint);
	pairBy((b, a) => b.fingerprint === a.fingerprint);
	// The rest by likeness, most alike first, so one request's edit never takes another's partner. The same
	// id counts for something (edited in place) but not for all: a call inserted above shifts the ids after it.
	const candidates: { b: DiffSite; a: DiffSite; s: number }[] = [];
	for (const b of leftBefore) {
		for (const a of leftAfter) {
			if (b.kind === a.kind) {
				const s = similarity(b.words, a.words) + (b.id === a.id ? SAME_ID_BONUS : 0);
				if (s >= SAME_REQUEST_SIMILARITY) {
					candidates.push({ b, a, s });
				}
			}
		}
	}
	candidates.sort((x, y) => y.s - x.s);
	for (const { b, a } of candidates) {
		if (leftBefore.has(b) && leftAfter.has(a)) {
			pairs.push([b, a]);
			leftBefore.delete(b);
			leftAfter.delete(a);
		}
	}

	const changes: SiteChange[] = [];
	for (const [b, a] of pairs) {
		const same = b.fingerprint === a.fingerprint && b.inputTokens === a.inputTokens;
		changes.push(change(same ? 'unchanged' : 'changed', file, b, a));
	}
	for (const b of leftBefore) {
		changes.push(change('removed', file, b, undefined));
	}
	for (const a of leftAfter) {
		changes.push(change('added', file, undefined, a));
	}
	// In the order of the file as it is now; removed requests where they stood.
	const position = (c: SiteChange) => (c.after ?? c.before)!;
	return changes.sort((x, y) => position(x).line - position(y).line || position(x).column - position(y).column);
}

function change(kind: ChangeKind, file: string, before: DiffSite | undefined, after: DiffSite | undefined): SiteChange {
	const deltaTokens = (after?.inputTokens ?? 0) - (before?.inputTokens ?? 0);
	const priced = (before === undefined || before.costUsd !== null) && (after === undefined || after.costUsd !== null);
	const deltaUsd = priced ? (after?.costUsd ?? 0) - (before?.costUsd ?? 0) : null;
	return { kind, file, before, after, deltaTokens, deltaUsd };
}

function totalsOf(changes: readonly SiteChange[]): DiffTotals {
	const t = {
		requestsBefore: 0, requestsAfter: 0, added: 0, removed: 0, changed: 0, unchanged: 0,
		tokensBefore: 0, tokensAfter: 0, usdBefore: 0, usdAfter: 0, unpriced: 0, lowerBound: false,
	};
	for (const c of changes) {
		t[c.kind]++;
		for (const [side, site] of [['before', c.before], ['after', c.after]] as const) {
			if (!site) {
				continue;
			}
			if (side === 'before') {
				t.requestsBefore++;
				t.tokensBefore += site.inputTokens;
				t.usdBefore += site.costUsd ?? 0;
			} else {
				t.requestsAfter++;
				t.tokensAfter += site.inputTokens;
				t.usdAfter += site.costUsd ?? 0;
			}
			if (site.costUsd === null) {
				t.unpriced++;
			}
			if (site.mark === '≥') {
				t.lowerBound = true;
			}
		}
	}
	return t;
}

/** The whole diff: one entry per file that has requests in either version. */
export function diffRequests(files: readonly { file: string; before: readonly DiffSite[]; after: readonly DiffSite[] }[]): RequestDiff {
	const out: FileDiff[] = [];
	const all: SiteChange[] = [];
	for (const f of [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
		const changes = matchSites(f.file, f.before, f.after);
		if (changes.length === 0) {
			continue;
		}
		all.push(...changes);
		out.push({ file: f.file, changes, totals: totalsOf(changes) });
	}
	return { files: out, totals: totalsOf(all) };
}

/** `--fail-on-increase`: "5%" of the total tokens, "2000" tokens ("2000tok", "2000 tokens"), "$0.05" or "0.05usd". */
export type IncreaseLimit = { readonly unit: 'percent' | 'tokens' | 'usd'; readonly value: number };

export function parseIncreaseLimit(raw: string): IncreaseLimit | undefined {
	const s = raw.trim().toLowerCase().replace(/\s+/g, '');
	const number = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
	let m: RegExpExecArray | null;
	if ((m = new RegExp(`^\\$${number}$|^${number}(?:usd|\\$)$`).exec(s))) {
		return { unit: 'usd', value: Number(m[1] ?? m[2]) };
	}
	if ((m = new RegExp(`^${number}%$`).exec(s))) {
		return { unit: 'percent', value: Number(m[1]) };
	}
	if ((m = /^(\d+)(?:tok|tokens)?$/.exec(s))) {
		return { unit: 'tokens', value: Number(m[1]) };
	}
	return undefined;
}

/** Why the change is over the limit, or undefined when it is not. The limit applies to the total. */
export function increaseOverLimit(t: DiffTotals, limit: IncreaseLimit): string | undefined {
	const dTokens = t.tokensAfter - t.tokensBefore;
	const dUsd = t.usdAfter - t.usdBefore;
	switch (limit.unit) {
		case 'tokens':
			return dTokens > limit.value ? `input tokens rose by ${formatTokens(dTokens)}, more than the allowed ${formatTokens(limit.value)}` : undefined;
		case 'usd':
			return dUsd > limit.value + 1e-12 ? `input cost rose by ${usdText(dUsd)}, more than the allowed ${usdText(limit.value)}` : undefined;
		case 'percent': {
			if (dTokens <= 0) {
				return undefined;
			}
			if (t.tokensBefore === 0) {
				return `input tokens rose from 0 to ${formatTokens(t.tokensAfter)} (no base to take ${limit.value} % of)`;
			}
			const pct = (dTokens / t.tokensBefore) * 100;
			return pct > limit.value ? `input tokens rose by ${pctText(pct)}, more than the allowed ${limit.value} %` : undefined;
		}
	}
}

// ---- rendering -----------------------------------------------------------------------------------------

/** Dollar amounts with two significant digits below $0.0001, as the count table prints them. */
export function usdText(x: number): string {
	const a = Math.abs(x);
	if (a > 0 && a < 0.0001) {
		return `${x < 0 ? '-' : ''}$${a.toFixed(1 - Math.floor(Math.log10(a)))}`;
	}
	return formatUsd(x);
}

function signed(n: number, text: (x: number) => string): string {
	return n > 0 ? `+${text(n)}` : n < 0 ? `-${text(-n)}` : '0';
}

function pctText(pct: number): string {
	return `${Math.abs(pct) >= 10 ? Math.round(pct) : pct.toFixed(1)} %`;
}

function tokensOf(site: DiffSite | undefined): string {
	return site ? `${site.mark}${formatTokens(site.inputTokens)}` : '—';
}

function costOf(site: DiffSite | undefined): string {
	return !site ? '—' : site.costUsd === null ? 'no price' : `${site.mark === '≥' ? '≥' : ''}${usdText(site.costUsd)}`;
}

function deltaTokensText(c: SiteChange): string {
	const base = c.before?.inputTokens ?? 0;
	const pct = c.before && base > 0 && c.deltaTokens !== 0 ? ` (${signed((c.deltaTokens / base) * 100, (x) => pctText(x))})` : '';
	return `${signed(c.deltaTokens, formatTokens)}${pct}`;
}

function deltaUsdText(c: SiteChange | DiffTotals): string {
	if ('kind' in c) {
		return c.deltaUsd === null ? 'no price' : signed(c.deltaUsd, usdText);
	}
	return signed(c.usdAfter - c.usdBefore, usdText);
}

function where(c: SiteChange): string {
	const s = (c.after ?? c.before)!;
	return `${c.file}:${s.line}:${s.column}`;
}

function modelOf(c: SiteChange): string {
	const b = c.before?.model;
	const a = c.after?.model;
	return b && a && b !== a ? `${b} → ${a}` : (a ?? b ?? '');
}

export function summaryLine(t: DiffTotals): string {
	const dTokens = t.tokensAfter - t.tokensBefore;
	const pct = t.tokensBefore > 0 && dTokens !== 0 ? `, ${signed((dTokens / t.tokensBefore) * 100, pctText)}` : '';
	const ge = t.lowerBound ? '≥' : '';
	return `${t.requestsBefore} → ${t.requestsAfter} requests (${t.added} added, ${t.removed} removed, ${t.changed} changed, ${t.unchanged} unchanged); `
		+ `input tokens ${ge}${formatTokens(t.tokensBefore)} → ${ge}${formatTokens(t.tokensAfter)} (${signed(dTokens, formatTokens)}${pct}); `
		+ `input cost ${usdText(t.usdBefore)} → ${usdText(t.usdAfter)} (${deltaUsdText(t)})`;
}

function cells(c: SiteChange): string[] {
	return [where(c), c.kind, modelOf(c), `${tokensOf(c.before)} → ${tokensOf(c.after)}`, deltaTokensText(c), `${costOf(c.before)} → ${costOf(c.after)}`, deltaUsdText(c)];
}

const HEADER = ['LOCATION', 'CHANGE', 'MODEL', 'TOKENS', 'Δ TOKENS', 'COST', 'Δ COST'];

/** The terminal table: changed, added and removed requests (unchanged ones only with `all`), then the totals. */
export function renderDiffTable(d: RequestDiff, opts: { base: string; all?: boolean }): string {
	const rows = d.files.flatMap((f) => f.changes.filter((c) => opts.all || c.kind !== 'unchanged').map(cells));
	const lines: string[] = [];
	if (rows.length === 0) {
		lines.push(d.totals.requestsAfter + d.totals.requestsBefore === 0 ? `No Claude requests in ${opts.base} or the working tree.` : `No request changed since ${opts.base}.`);
	} else {
		const all = [HEADER, ...rows];
		const widths = HEADER.map((_, i) => Math.max(...all.map((r) => [...r[i]].length)));
		const right = new Set([3, 4, 5, 6]);
		for (const r of all) {
			lines.push(r.map((cell, i) => {
				const pad = ' '.repeat(widths[i] - [...cell].length);
				return right.has(i) ? pad + cell : cell + pad;
			}).join('  ').trimEnd());
		}
	}
	lines.push('', `Since ${opts.base}: ${summaryLine(d.totals)}`);
	if (d.totals.unpriced > 0) {
		lines.push(`${d.totals.unpriced} request figure${d.totals.unpriced === 1 ? ' has' : 's have'} no price; the cost totals leave them out.`);
	}
	if (d.totals.lowerBound) {
		lines.push('≥ parts could not be resolved statically and count as 0.');
	}
	return lines.join('\n');
}

/** Markdown for a pull-request comment or a job summary: one table per file, totals first. */
export function renderDiffMarkdown(d: RequestDiff, opts: { base: string; all?: boolean; offline: boolean; limit?: string; overLimit?: string }): string {
	const esc = (s: string) => s.replace(/[\\`*_[\]<>|]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
	const t = d.totals;
	const dTokens = t.tokensAfter - t.tokensBefore;
	const icon = dTokens > 0 ? '🔺' : dTokens < 0 ? '🔻' : '⚪';
	const out: string[] = [
		'## Claude request cost',
		'',
		`${icon} **${signed(dTokens, formatTokens)} input tokens**, ${deltaUsdText(t)} input cost (each request sent once) since \`${esc(opts.base)}\``,
		'',
		'| | before | after | Δ |',
		'|---|---:|---:|---:|',
		`| requests | ${t.requestsBefore} | ${t.requestsAfter} | ${signed(t.requestsAfter - t.requestsBefore, String)} |`,
		`| input tokens | ${t.lowerBound ? '≥' : ''}${formatTokens(t.tokensBefore)} | ${t.lowerBound ? '≥' : ''}${formatTokens(t.tokensAfter)} | ${signed(dTokens, formatTokens)} |`,
		`| input cost | ${usdText(t.usdBefore)} | ${usdText(t.usdAfter)} | ${deltaUsdText(t)} |`,
		'',
		`${t.added} added, ${t.removed} removed, ${t.changed} changed, ${t.unchanged} unchanged.`,
	];
	if (opts.overLimit) {
		out.push('', `❌ Over the limit (${esc(opts.limit ?? '')}): ${esc(opts.overLimit)}.`);
	} else if (opts.limit) {
		out.push('', `✅ Within the limit (${esc(opts.limit)}).`);
	}
	for (const f of d.files) {
		const shown = f.changes.filter((c) => opts.all || c.kind !== 'unchanged');
		if (shown.length === 0) {
			continue;
		}
		out.push('', `### \`${esc(f.file)}\``, '', '| line | change | model | tokens | Δ tokens | cost | Δ cost |', '|---|---|---|---:|---:|---:|---:|');
		for (const c of shown) {
			const [, kind, model, tokens, dt, cost, du] = cells(c);
			const s = (c.after ?? c.before)!;
			out.push(`| ${s.line} | ${kind} | ${esc(model)} | ${tokens} | ${dt} | ${cost} | ${du} |`);
		}
	}
	out.push('', `<sub>Input tokens of every Claude request found, ${opts.offline ? 'counted offline with the built-in tokenizer' : 'counted by the count_tokens endpoint'}; cost at each model's standard input price. ≥: a lower bound (run-time values not counted); ≈: partly estimated.</sub>`);
	return out.join('\n') + '\n';
}

/** `--json`: stable field names; money rounded to a picodollar. */
export function diffJson(d: RequestDiff, base: string): unknown {
	const r = (x: number | null) => (x === null ? null : Math.round(x * 1e12) / 1e12);
	const side = (s: DiffSite | undefined) => s && { line: s.line, column: s.column, id: s.id, model: s.model, inputTokens: s.inputTokens, mark: s.mark, costUsd: r(s.costUsd) };
	return {
		base,
		totals: { ...d.totals, usdBefore: r(d.totals.usdBefore), usdAfter: r(d.totals.usdAfter) },
		files: d.files.map((f) => ({
			file: f.file,
			totals: { ...f.totals, usdBefore: r(f.totals.usdBefore), usdAfter: r(f.totals.usdAfter) },
			changes: f.changes.map((c) => ({ kind: c.kind, before: side(c.before) ?? null, after: side(c.after) ?? null, deltaTokens: c.deltaTokens, deltaUsd: r(c.deltaUsd) })),
		})),
	};
}
