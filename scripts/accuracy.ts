/**
 * Scores the offline tokenizer against recorded count_tokens results.
 *
 *   npm run accuracy -- <corpus.jsonl[.gz]> <counts.json> [--id-field id] [--json] [--misses N]
 *
 * The corpus holds one JSON object per line with an id field and `text`; the counts file holds, per
 * family, the `model` the counts were recorded with and `counts` by id. Every family in the counts
 * file is scored with the family its model maps to.
 */
import { type FamilyAccuracy, readCorpus, readCounts, scoreCorpus } from '../src/core/offline/accuracy';

function usage(message: string): never {
	process.stderr.write(`${message}\nusage: npm run accuracy -- <corpus.jsonl[.gz]> <counts.json> [--id-field id] [--json] [--misses N]\n`);
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

function main(argv: string[]): void {
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
		results = scoreCorpus(docs, counts);
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
