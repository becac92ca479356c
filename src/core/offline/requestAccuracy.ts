import * as fs from 'fs';
import * as zlib from 'zlib';
import type { MessagesBody } from '../types';
import { REQUEST_KINDS, type RequestKind, requestKind } from './kinds';
import { preparePdfs } from './pdf';
import { countRequest } from './request';
import type { VocabStore } from './store';
import type { Family } from './tokenizer';

/** One recorded request with the API's count for exactly that body (`shared/requests/README.md`). */
export interface RecordedRequest {
	id: string;
	model: string;
	family: Family;
	request: MessagesBody;
	/** The request's whole input: input + cache creation + cache read tokens. */
	tokens: number;
	features: string[];
	verification: string;
	/** The API's count drifts on this body (recorded more than once with different counts). */
	countVaries: boolean;
}

export { REQUEST_KINDS, type RequestKind, requestKind };

function isRecord(v: unknown): v is Record<string, unknown> {
	return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Reads the recordings (JSONL, gzip or not). Lines without a body, a family or a count are skipped. */
export function readRecordedRequests(file: string): RecordedRequest[] {
	let data: Buffer = fs.readFileSync(file);
	if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
		data = zlib.gunzipSync(data);
	}
	const out: RecordedRequest[] = [];
	const lines = data.toString('utf8').split('\n');
	for (let n = 0; n < lines.length; n++) {
		const line = lines[n].trim();
		if (!line) {
			continue;
		}
		let row: unknown;
		try {
			row = JSON.parse(line);
		} catch {
			throw new Error(`${file}:${n + 1}: not valid JSON`);
		}
		if (!isRecord(row) || !isRecord(row.request)) {
			continue;
		}
		const family = row.family;
		const tokens = typeof row.total_input_tokens === 'number' ? row.total_input_tokens : row.input_tokens;
		if ((family !== 'v3' && family !== 'v4.7' && family !== 'v5') || typeof tokens !== 'number' || tokens <= 0) {
			continue;
		}
		out.push({
			id: String(row.id ?? `line-${n + 1}`),
			model: String(row.model ?? (row.request as Record<string, unknown>).model ?? ''),
			family,
			request: row.request as unknown as MessagesBody,
			tokens,
			features: Array.isArray(row.features) ? row.features.map(String) : [],
			verification: String(row.verification ?? ''),
			countVaries: row.count_varies !== undefined && row.count_varies !== null && row.count_varies !== false,
		});
	}
	return out;
}

export interface RequestOutcome {
	id: string;
	family: Family;
	kind: RequestKind;
	model: string;
	recorded: number;
	ours: number;
	/** (ours − recorded) / recorded, in percent. */
	errorPct: number;
	approximate: boolean;
	verification: string;
	features: string[];
}

export interface RequestFilter {
	kind?: RequestKind;
	/** Only requests tagged with every one of these features. */
	features?: readonly string[];
	family?: Family;
	/** Only requests whose model id contains this string. */
	model?: string;
	/** Only these verification tiers. */
	verification?: readonly string[];
}

export function matches(r: RecordedRequest, kind: RequestKind, f: RequestFilter): boolean {
	return (
		(!f.kind || f.kind === kind) &&
		(!f.family || f.family === r.family) &&
		(!f.model || r.model.includes(f.model)) &&
		(!f.features || f.features.every((x) => r.features.includes(x))) &&
		(!f.verification || f.verification.includes(r.verification))
	);
}

/** Counts every (matching) recording offline, as the offline counter does, and pairs it with the API's figure. */
export async function scoreRequests(requests: readonly RecordedRequest[], vocabs: VocabStore, filter: RequestFilter = {}): Promise<RequestOutcome[]> {
	const out: RequestOutcome[] = [];
	for (const r of requests) {
		const kind = requestKind(r.request);
		if (!matches(r, kind, filter)) {
			continue;
		}
		// PDF pages are read (asynchronously) before the count, as TokenizerCounter does.
		await preparePdfs(r.request);
		const c = countRequest(r.request, r.model, vocabs);
		out.push({
			id: r.id,
			family: r.family,
			kind,
			model: r.model,
			recorded: r.tokens,
			ours: c.inputTokens,
			errorPct: ((c.inputTokens - r.tokens) / r.tokens) * 100,
			approximate: c.approximate,
			verification: r.verification,
			features: r.features,
		});
	}
	return out;
}

/** Agreement of one family and kind with the recordings. */
export interface KindAccuracy {
	family: Family;
	kind: RequestKind;
	requests: number;
	exact: number;
	within1pct: number;
	within5pct: number;
	/** Median and 90th percentile of |error| in percent. */
	medianErrorPct: number;
	p90ErrorPct: number;
	undercounts: number;
	overcounts: number;
}

function quantile(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) {
		return 0;
	}
	// Nearest rank: the smallest value with at least q of the values at or below it.
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarize(outcomes: readonly RequestOutcome[]): KindAccuracy[] {
	const groups = new Map<string, RequestOutcome[]>();
	for (const o of outcomes) {
		const key = `${o.family}\u0000${o.kind}`;
		let g = groups.get(key);
		if (!g) {
			groups.set(key, (g = []));
		}
		g.push(o);
	}
	const order = (f: Family, k: RequestKind) => ['v3', 'v4.7', 'v5'].indexOf(f) * 10 + REQUEST_KINDS.indexOf(k);
	const rows: KindAccuracy[] = [];
	for (const g of groups.values()) {
		const errs = g.map((o) => Math.abs(o.errorPct)).sort((a, b) => a - b);
		rows.push({
			family: g[0].family,
			kind: g[0].kind,
			requests: g.length,
			exact: g.filter((o) => o.ours === o.recorded).length,
			within1pct: errs.filter((e) => e <= 1).length,
			within5pct: errs.filter((e) => e <= 5).length,
			medianErrorPct: quantile(errs, 0.5),
			p90ErrorPct: quantile(errs, 0.9),
			undercounts: g.filter((o) => o.ours < o.recorded).length,
			overcounts: g.filter((o) => o.ours > o.recorded).length,
		});
	}
	return rows.sort((a, b) => order(a.family, a.kind) - order(b.family, b.kind));
}

/** The worst misses, largest |error| first. */
export function worstMisses(outcomes: readonly RequestOutcome[], n: number): RequestOutcome[] {
	return outcomes
		.filter((o) => o.ours !== o.recorded)
		.sort((a, b) => Math.abs(b.errorPct) - Math.abs(a.errorPct) || Math.abs(b.ours - b.recorded) - Math.abs(a.ours - a.recorded))
		.slice(0, n);
}
