/**
 * Offline tokenizer speed and vocabulary cost: `node out/bench/offline.js`.
 * Goals (issue 3): ≥ 5 MB/s of mixed text and < 150 ms to load one family.
 *
 * The text is generated deterministically from the fixture corpora (source code and prose in many
 * languages), interleaved document by document, so every size has the same mix.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCorpus } from '../src/core/offline/accuracy';
import { clearTilerMemos } from '../src/core/offline/tiler';
import { type Family, FAMILIES } from '../src/core/offline/tokenizer';
import { countText, loadFamily } from '../test/core';

export interface OfflineSpeedRow {
	readonly family: Family;
	readonly label: string;
	readonly bytes: number;
	readonly tokens: number;
	/** Median wall time of one count, segment memo emptied first. */
	readonly ms: number;
	/** Median CPU time (user + system) of the same runs: the machine is shared, wall time is noisy. */
	readonly cpuMs: number;
	readonly mbPerS: number;
	readonly tokensPerS: number;
}

export interface OfflineAdversarialRow {
	readonly family: Family;
	readonly label: string;
	readonly bytes: number;
	readonly tokens: number;
	readonly ms: number;
	readonly cpuMs: number;
}

export interface OfflineLoadRow {
	readonly family: Family;
	/** Where the vocabulary came from: the shipped JSON (first run) or the compiled cache. */
	readonly source: 'json' | 'cache';
	/** Median over fresh processes. */
	readonly loadMs: number;
	readonly cpuMs: number;
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

const LOAD_RUNS = 5;

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One load of a family in a fresh process, with the compiled cache in `cacheDir` (null: none). */
function loadOnce(family: Family, cacheDir: string | null): { ms: number; cpu: number; heap: number; rss: number } {
	const offline = path.join(__dirname, '..', 'src', 'core', 'offline');
	const script = `
		const { performance } = require('node:perf_hooks');
		global.gc && global.gc();
		const before = process.memoryUsage();
		const c0 = process.cpuUsage();
		const t0 = performance.now();
		const { VocabStore } = require(${JSON.stringify(path.join(offline, 'store.js'))});
		new VocabStore({ cacheDir: ${JSON.stringify(cacheDir)} }).tokenizer(${JSON.stringify(family)});
		const ms = performance.now() - t0;
		const c = process.cpuUsage(c0);
		global.gc && global.gc();
		const after = process.memoryUsage();
		// Typed arrays live outside the JS heap: count them too.
		process.stdout.write(JSON.stringify({ ms, cpu: (c.user + c.system) / 1000, heap: after.heapUsed + after.external - before.heapUsed - before.external, rss: after.rss - before.rss }));
	`;
	const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
	return JSON.parse(out) as { ms: number; cpu: number; heap: number; rss: number };
}

function measureLoad(family: Family, source: 'json' | 'cache', cacheDir: string): OfflineLoadRow {
	const runs = [];
	for (let k = 0; k < LOAD_RUNS; k++) {
		runs.push(loadOnce(family, source === 'json' ? null : cacheDir));
	}
	return {
		family,
		source,
		loadMs: median(runs.map((r) => r.ms)),
		cpuMs: median(runs.map((r) => r.cpu)),
		heapMb: median(runs.map((r) => r.heap)) / 2 ** 20,
		rssMb: median(runs.map((r) => r.rss)) / 2 ** 20,
	};
}

function pad(s: string, n: number, right = false): string {
	return right ? s.padStart(n) : s.padEnd(n);
}

/**
 * Inputs with no cut point that the extension host must still count quickly: about 10 MB of one
 * repeated character (v3 has pieces of up to 128 repeated punctuation or newline characters), and a few
 * short repeated units.
 */
const ADVERSARIAL_UNITS: ReadonlyArray<[string, string]> = [
	['"."', '.'],
	['"\\n"', '\n'],
	['" "', ' '],
	['"-"', '-'],
	['"="', '='],
	['"a"', 'a'],
	['"あ"', 'あ'],
	['"😀"', '😀'],
	['"\\r\\n"', '\r\n'],
	['"-="', '-='],
	['"ab"', 'ab'],
	['". "', '. '],
];

/** One timed count per case and family (each case takes seconds at worst; the goal is < 1 s). */
export function runAdversarial(print: (line: string) => void = console.log, size = 10_000_000): OfflineAdversarialRow[] {
	const rows: OfflineAdversarialRow[] = [];
	for (const family of FAMILIES) {
		loadFamily(family);
		countText('warm up', family);
		for (const [label, unit] of ADVERSARIAL_UNITS) {
			const text = unit.repeat(Math.floor(size / Buffer.byteLength(unit, 'utf8')));
			clearTilerMemos();
			const c0 = process.cpuUsage();
			const t0 = performance.now();
			const tokens = countText(text, family);
			const ms = performance.now() - t0;
			const c = process.cpuUsage(c0);
			rows.push({ family, label, bytes: Buffer.byteLength(text, 'utf8'), tokens, ms, cpuMs: (c.user + c.system) / 1000 });
		}
	}
	print(`Offline tokenizer: adversarial inputs (${(size / 1e6).toFixed(0)} MB of one repeated unit, one count each; goal < 1 s)`);
	print(`${pad('family', 7)} ${pad('unit', 9)} ${pad('tokens', 11, true)} ${pad('ms', 9, true)} ${pad('cpu ms', 9, true)}`);
	for (const r of rows) {
		print(`${pad(r.family, 7)} ${pad(r.label, 9)} ${pad(r.tokens.toLocaleString('en-US'), 11, true)} ${pad(r.ms.toFixed(1), 9, true)} ${pad(r.cpuMs.toFixed(1), 9, true)}`);
	}
	return rows;
}

export async function run(print: (line: string) => void = console.log): Promise<{ speed: OfflineSpeedRow[]; load: OfflineLoadRow[]; adversarial: OfflineAdversarialRow[] }> {
	// A private cache folder: the first load of each family fills it, the measured ones read it.
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-bench-ctok-'));
	const load: OfflineLoadRow[] = [];
	for (const family of FAMILIES) {
		load.push(measureLoad(family, 'json', cacheDir));
		loadOnce(family, cacheDir);
		load.push(measureLoad(family, 'cache', cacheDir));
	}
	fs.rmSync(cacheDir, { recursive: true, force: true });
	print(`Offline tokenizer: vocabulary load (fresh process per run, median of ${LOAD_RUNS}; goal < 150 ms)`);
	print(`${pad('family', 7)} ${pad('source', 7)} ${pad('load ms', 9, true)} ${pad('cpu ms', 8, true)} ${pad('heap+ext MB', 12, true)} ${pad('rss MB', 8, true)}`);
	for (const r of load) {
		print(
			`${pad(r.family, 7)} ${pad(r.source, 7)} ${pad(r.loadMs.toFixed(1), 9, true)} ${pad(r.cpuMs.toFixed(1), 8, true)} ${pad(r.heapMb.toFixed(1), 12, true)} ${pad(r.rssMb.toFixed(1), 8, true)}`,
		);
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
			// Several runs per size, each timing `reps` counts from an empty segment memo (no credit for repeats across runs).
			const reps = bytes < 100_000 ? 20 : 1;
			const runs = bytes < 5_000_000 ? 5 : 3;
			const wall: number[] = [];
			const cpu: number[] = [];
			let tokens = 0;
			for (let r = 0; r < runs; r++) {
				let ms = 0;
				let cpuMs = 0;
				for (let k = 0; k < reps; k++) {
					clearTilerMemos();
					const c0 = process.cpuUsage();
					const t0 = performance.now();
					tokens = countText(text, family);
					ms += performance.now() - t0;
					const c = process.cpuUsage(c0);
					cpuMs += (c.user + c.system) / 1000;
				}
				wall.push(ms / reps);
				cpu.push(cpuMs / reps);
			}
			const ms = median(wall);
			speed.push({ family, label, bytes, tokens, ms, cpuMs: median(cpu), mbPerS: bytes / 1e6 / (ms / 1000), tokensPerS: tokens / (ms / 1000) });
		}
	}
	print('');
	print('Offline tokenizer: counting mixed text (code and prose; median of runs from an empty memo; goal ≥ 5 MB/s)');
	print(`${pad('family', 7)} ${pad('size', 6)} ${pad('tokens', 11, true)} ${pad('ms', 9, true)} ${pad('cpu ms', 9, true)} ${pad('MB/s', 7, true)} ${pad('tokens/s', 12, true)}`);
	for (const r of speed) {
		print(
			`${pad(r.family, 7)} ${pad(r.label, 6)} ${pad(r.tokens.toLocaleString('en-US'), 11, true)} ${pad(r.ms.toFixed(1), 9, true)} ${pad(r.cpuMs.toFixed(1), 9, true)} ${pad(r.mbPerS.toFixed(2), 7, true)} ${pad(Math.round(r.tokensPerS).toLocaleString('en-US'), 12, true)}`,
		);
	}
	print('');
	const adversarial = runAdversarial(print);
	return { speed, load, adversarial };
}

if (require.main === module) {
	// `--adversarial`: only that table.
	const main = process.argv.includes('--adversarial') ? async () => runAdversarial() : run;
	main().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
