/**
 * Offline tokenizer speed and vocabulary cost: `node out/bench/offline.js`.
 * Goals (issue 3): ≥ 5 MB/s of mixed text and < 150 ms to load one family.
 *
 * The text is generated deterministically from the fixture corpora (source code and prose in many
 * languages), interleaved document by document, so every size has the same mix.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCorpus } from '../src/core/offline/accuracy';
import { type Family, FAMILIES, countText, loadFamily } from '../src/core/offline/tokenizer';

export interface OfflineSpeedRow {
	readonly family: Family;
	readonly label: string;
	readonly bytes: number;
	readonly tokens: number;
	readonly ms: number;
	readonly mbPerS: number;
	readonly tokensPerS: number;
}

export interface OfflineLoadRow {
	readonly family: Family;
	readonly loadMs: number;
	readonly heapMb: number;
	readonly rssMb: number;
}

function repoRoot(): string {
	// Compiled to out/bench: two levels up is the repository.
	return path.resolve(__dirname, '..', '..');
}

/** Mixed text of about `size` UTF-8 bytes: Rosetta Code and UDHR documents, interleaved. */
export function mixedText(size: number): string {
	const root = repoRoot();
	const code = readCorpus(path.join(root, 'test/fixtures/ctok/rosetta.jsonl.gz'), 'id');
	const prose = readCorpus(path.join(root, 'test/fixtures/ctok/udhr.jsonl.gz'), 'f');
	const parts: string[] = [];
	let bytes = 0;
	for (let i = 0; bytes < size; i++) {
		// Three code documents to one prose document: roughly what an editor holds.
		const doc = i % 4 === 3 ? prose[(i >> 2) % prose.length] : code[i % code.length];
		parts.push(doc.text);
		bytes += Buffer.byteLength(doc.text, 'utf8') + 2;
	}
	const text = parts.join('\n\n');
	// Trim to the exact size on a character boundary.
	return Buffer.from(text, 'utf8').subarray(0, size).toString('utf8').replace(/\uFFFD$/, '');
}

function measureLoad(family: Family): OfflineLoadRow {
	const modulePath = path.join(__dirname, '..', 'src', 'core', 'offline', 'tokenizer.js');
	const script = `
		const { performance } = require('node:perf_hooks');
		global.gc && global.gc();
		const before = process.memoryUsage();
		const t0 = performance.now();
		require(${JSON.stringify(modulePath)}).loadFamily(${JSON.stringify(family)});
		const ms = performance.now() - t0;
		global.gc && global.gc();
		const after = process.memoryUsage();
		// Typed arrays live outside the JS heap: count them too.
		process.stdout.write(JSON.stringify({ ms, heap: after.heapUsed + after.external - before.heapUsed - before.external, rss: after.rss - before.rss }));
	`;
	const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
	const r = JSON.parse(out) as { ms: number; heap: number; rss: number };
	return { family, loadMs: r.ms, heapMb: r.heap / 2 ** 20, rssMb: r.rss / 2 ** 20 };
}

function pad(s: string, n: number, right = false): string {
	return right ? s.padStart(n) : s.padEnd(n);
}

export async function run(print: (line: string) => void = console.log): Promise<{ speed: OfflineSpeedRow[]; load: OfflineLoadRow[] }> {
	const load = FAMILIES.map(measureLoad);
	print('Offline tokenizer: vocabulary load (fresh process per family; goal < 150 ms)');
	print(`${pad('family', 7)} ${pad('load ms', 9, true)} ${pad('heap+ext MB', 12, true)} ${pad('rss MB', 8, true)}`);
	for (const r of load) {
		print(`${pad(r.family, 7)} ${pad(r.loadMs.toFixed(1), 9, true)} ${pad(r.heapMb.toFixed(1), 12, true)} ${pad(r.rssMb.toFixed(1), 8, true)}`);
	}

	const sizes: Array<[string, number]> = [['10 KB', 10_000], ['1 MB', 1_000_000], ['10 MB', 10_000_000]];
	const texts = sizes.map(([label, n]) => [label, mixedText(n)] as const);
	const speed: OfflineSpeedRow[] = [];
	for (const family of FAMILIES) {
		loadFamily(family);
		// Warm the code paths and the character-class table once.
		countText(texts[0][1], family);
		for (const [label, text] of texts) {
			const bytes = Buffer.byteLength(text, 'utf8');
			const reps = bytes < 100_000 ? 20 : 1;
			let tokens = 0;
			const t0 = performance.now();
			for (let k = 0; k < reps; k++) {
				tokens = countText(text, family);
			}
			const ms = (performance.now() - t0) / reps;
			speed.push({ family, label, bytes, tokens, ms, mbPerS: bytes / 1e6 / (ms / 1000), tokensPerS: tokens / (ms / 1000) });
		}
	}
	print('');
	print('Offline tokenizer: counting mixed text (code and prose; goal ≥ 5 MB/s)');
	print(`${pad('family', 7)} ${pad('size', 6)} ${pad('tokens', 11, true)} ${pad('ms', 9, true)} ${pad('MB/s', 7, true)} ${pad('tokens/s', 12, true)}`);
	for (const r of speed) {
		print(
			`${pad(r.family, 7)} ${pad(r.label, 6)} ${pad(r.tokens.toLocaleString('en-US'), 11, true)} ${pad(r.ms.toFixed(1), 9, true)} ${pad(r.mbPerS.toFixed(2), 7, true)} ${pad(Math.round(r.tokensPerS).toLocaleString('en-US'), 12, true)}`,
		);
	}
	return { speed, load };
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
