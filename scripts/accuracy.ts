/**
 * Scores the offline tokenizer against recorded count_tokens results.
 *
 *   npm run accuracy -- <corpus.jsonl[.gz]> <counts.json> [--id-field id] [--json] [--misses N]
 *   npm run accuracy -- requests <recorded.jsonl[.gz]> [--kind K] [--feature F[,F…]] [--family F]
 *                       [--model M] [--tier T[,T…]] [--misses N] [--json] [--write-stats FILE]
 *
 * Text-corpus mode: the corpus holds one JSON object per line with an id field and `text`; the counts
 * file holds, per family, the `model` the counts were recorded with and `counts` by id. Every family in
 * the counts file is scored with the family its model maps to.
 *
 * Request mode: every recorded request (`shared/requests/README.md`) is counted offline as a whole and
 * compared with the API's figure, per tokenizer family and kind (plain, system/turns, tools, media).
 * `--write-stats` saves the per-kind figures the counter reads to decide where a count is "≈".
 */
import * as fs from 'fs';
import * as path from 'path';
import { type FamilyAccuracy, readCorpus, readCounts, scoreCorpus } from '../src/core/offline/accuracy';
import {
	type KindAccuracy,
	REQUEST_KINDS,
	type RequestFilter,
	type RequestKind,
	type RequestOutcome,
	readRecordedRequests,
	scoreRequests,
	summarize,
	worstMisses,
} from '../src/core/offline/requestAccuracy';
import { VocabStore } from '../src/core/offline/store';
import { FAMILIES, type Family } from '../src/core/offline/tokenizer';

/** The vocabularies of data/ctok, found above the script. */
const vocabs = new VocabStore();

const USAGE =
	'usage: npm run accuracy -- <corpus.jsonl[.gz]> <counts.json> [--id-field id] [--json] [--misses N]\n' +
	'       npm run accuracy -- requests <recorded.jsonl[.gz]> [--kind plain|system/turns|tools|media] [--feature F[,F…]]\n' +
	'                           [--family v3|v4.7|v5] [--model M] [--tier T[,T…]] [--misses N] [--json]\n' +
	'                           [--write-stats src/core/offline/measuredAccuracy.json]\n';

function usage(message: string): never {
	process.stderr.write(`${message}\n${USAGE}`);
	process.exit(2);
}

function fmtPct(x: number): string {
	return `${x.toFixed(3)} %`;
}

export function formatTable(corpus: string, results: readonly FamilyAccuracy[]): string {
	const header = ['family', 'model', 'documents', 'exact', 'within 1 %', 'worst error', 'under-counts'];
	const rows = results.map((r) => [
		r.family,
		r.model,
		String(r.docs),
		`${r.exact} (${r.docs ? ((r.exact / r.docs) * 100).toFixed(1) : '0.0'} %)`,
		`${r.within1pct} (${r.docs ? ((r.within1pct / r.docs) * 100).toFixed(1) : '0.0'} %)`,
		fmtPct(r.worstErrorPct),
		String(r.undercounts),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
	return [corpus, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function pct(n: number, of: number): string {
	return `${of ? ((n / of) * 100).toFixed(1) : '0.0'} %`;
}

export function formatKindTable(file: string, rows: readonly KindAccuracy[]): string {
	const header = ['family', 'kind', 'requests', 'exact', 'within 1 %', 'within 5 %', 'median err', 'p90 err', 'under-count', 'over-count'];
	const cells = rows.map((r) => [
		r.family,
		r.kind,
		String(r.requests),
		pct(r.exact, r.requests),
		pct(r.within1pct, r.requests),
		pct(r.within5pct, r.requests),
		`${r.medianErrorPct.toFixed(2)} %`,
		`${r.p90ErrorPct.toFixed(2)} %`,
		pct(r.undercounts, r.requests),
		pct(r.overcounts, r.requests),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
	const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
	return [file, line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The per-family, per-kind figures the counter's "≈" and notes are based on (`measuredAccuracy.json`). */
export function measuredStats(file: string, rows: readonly KindAccuracy[]): string {
	const families: Record<string, Record<string, { requests: number; exact: number; within5pct: number }>> = {};
	for (const r of rows) {
		(families[r.family] ??= {})[r.kind] = { requests: r.requests, exact: r.exact, within5pct: r.within5pct };
	}
	const source = `npm run accuracy -- requests ${path.basename(file)} --write-stats (generated; do not edit)`;
	return `${JSON.stringify({ source, families }, null, '\t')}\n`;
}

function formatMiss(o: RequestOutcome): string {
	const d = o.ours - o.recorded;
	return `  ${o.family} ${o.kind} ${o.id} (${o.model}, ${o.verification}): ours ${o.ours}, recorded ${o.recorded} (${d > 0 ? '+' : ''}${d}, ${o.errorPct.toFixed(2)} %) [${o.features.join(' ')}]`;
}

function list(v: string | undefined, what: string): string[] {
	const items = (v ?? usage(`${what} needs a value`)).split(',').map((x) => x.trim()).filter(Boolean);
	return items.length ? items : usage(`${what} needs a value`);
}

async function requestsMode(argv: string[]): Promise<void> {
	const positional: string[] = [];
	const filter: RequestFilter = {};
	let json = false;
	let misses = 0;
	let writeStats: string | undefined;
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--write-stats') {
			writeStats = argv[++i] ?? usage('--write-stats needs a file');
		} else if (a === '--kind') {
			const k = argv[++i] as RequestKind;
			filter.kind = REQUEST_KINDS.includes(k) ? k : usage(`--kind must be one of ${REQUEST_KINDS.join(', ')}`);
		} else if (a === '--feature') {
			filter.features = [...(filter.features ?? []), ...list(argv[++i], '--feature')];
		} else if (a === '--family') {
			const f = argv[++i] as Family;
			filter.family = FAMILIES.includes(f) ? f : usage(`--family must be one of ${FAMILIES.join(', ')}`);
		} else if (a === '--model') {
			filter.model = argv[++i] ?? usage('--model needs a value');
		} else if (a === '--tier') {
			filter.verification = list(argv[++i], '--tier');
		} else if (a === '--json') {
			json = true;
		} else if (a === '--misses') {
			misses = Number(argv[++i]);
			if (!Number.isInteger(misses) || misses < 0) {
				usage('--misses needs a whole number');
			}
		} else if (a.startsWith('--')) {
			usage(`unknown option ${a}`);
		} else {
			positional.push(a);
		}
	}
	if (positional.length !== 1) {
		usage('expected one recordings file');
	}
	let outcomes: RequestOutcome[];
	try {
		outcomes = await scoreRequests(readRecordedRequests(positional[0]), vocabs, filter);
	} catch (err) {
		process.stderr.write(`accuracy: cannot read the recordings: ${err instanceof Error ? err.message : String(err)}\n`);
		process.exit(1);
	}
	const rows = summarize(outcomes);
	if (writeStats) {
		if (Object.keys(filter).length > 0) {
			usage('--write-stats scores every recording: leave out the filters');
		}
		fs.writeFileSync(writeStats, measuredStats(positional[0], rows));
		process.stderr.write(`accuracy: wrote ${writeStats}\n`);
	}
	if (json) {
		process.stdout.write(`${JSON.stringify({ rows, misses: worstMisses(outcomes, misses) }, null, 2)}\n`);
		return;
	}
	process.stdout.write(`${formatKindTable(positional[0], rows)}\n`);
	if (misses > 0) {
		process.stdout.write(`worst ${misses} misses:\n`);
		for (const o of worstMisses(outcomes, misses)) {
			process.stdout.write(`${formatMiss(o)}\n`);
		}
	}
}

function main(argv: string[]): void {
	if (argv[0] === 'requests') {
		void requestsMode(argv.slice(1));
		return;
	}
	const positional: string[] = [];
	let idField = 'id';
	let json = false;
	let misses = 0;
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--id-field') {
			idField = argv[++i] ?? usage('--id-field needs a value');
		} else if (a === '--json') {
			json = true;
		} else if (a === '--misses') {
			misses = Number(argv[++i] ?? usage('--misses needs a number'));
		} else if (a.startsWith('--')) {
			usage(`unknown option ${a}`);
		} else {
			positional.push(a);
		}
	}
	if (positional.length !== 2) {
		usage('expected a corpus file and a counts file');
	}
	const [corpusFile, countsFile] = positional;
	let results: FamilyAccuracy[];
	try {
		const docs = readCorpus(corpusFile, idField);
		const counts = readCounts(countsFile);
		results = scoreCorpus(docs, counts, vocabs);
	} catch (err) {
		process.stderr.write(`accuracy: cannot read the input: ${err instanceof Error ? err.message : String(err)}\n`);
		process.exit(1);
	}
	if (json) {
		const out: Record<string, { docs: number; exact: number; within1pct: number; undercounts: number; worstErrorPct: number }> = {};
		for (const r of results) {
			out[r.family] = { docs: r.docs, exact: r.exact, within1pct: r.within1pct, undercounts: r.undercounts, worstErrorPct: Number(r.worstErrorPct.toFixed(4)) };
		}
		process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
		return;
	}
	process.stdout.write(`${formatTable(corpusFile, results)}\n`);
	if (misses > 0) {
		for (const r of results) {
			const worst = [...r.misses].sort((a, b) => Math.abs(b.ours - b.recorded) / b.recorded - Math.abs(a.ours - a.recorded) / a.recorded);
			for (const m of worst.slice(0, misses)) {
				process.stdout.write(`  ${r.family} ${m.id}: ours ${m.ours}, recorded ${m.recorded} (${m.ours - m.recorded > 0 ? '+' : ''}${m.ours - m.recorded})\n`);
			}
		}
	}
}

if (require.main === module) {
	main(process.argv.slice(2));
}
