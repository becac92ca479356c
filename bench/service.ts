// What one keystroke costs end to end in the result store: re-detection plus re-keying, with the offline
// counter answering. Untouched requests must not be recounted, so an edit should cost far less than a scan.
// Goals (issue 9): ≤ 5 ms per keystroke at 100 KB in every language, ≤ 30 ms at 1 MB or a 10,000-line
// JSONL file, first open ≤ 50 ms per 100 KB. The extension detects in a worker thread: its rows say what the
// editor's thread spends (the event loop's busy time) beside the process's CPU (both threads). TypeScript and JavaScript also run on the compiler-based
// reader the engine replaced (test/oracle), Python also on the Python front end it replaced (test/oracle/python.ts),
// in the same run; every document also without incremental detection
// (the store's previous behaviour: a full re-read and every site re-keyed on each keystroke).
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type DetectOptions } from '../src/core/detect';
import type { RequestSite } from '../src/core/types';
import { detectTypeScript } from '../test/oracle/typescript';
import { TokenizerCounter } from '../src/core/count/tokenizerCounter';
import { TokenCountService } from '../src/core/service';
import { detectPython } from '../test/oracle/python';
import { DocumentCaches } from '../src/core/detect/documentCaches';
import { detector, detectRequests, vocabs } from '../test/core';
import { Detector, GrammarLoader } from '../src/core/detect';
import { RemoteDetector } from '../src/core/detect/remote';

export interface ServiceBenchRow {
	readonly document: string;
	readonly engine: string;
	readonly sites: number;
	/** Loading the language's grammar (first document of the language only), not part of firstMs. */
	readonly grammarMs?: number;
	readonly firstMs: number;
	readonly editMs: number;
	/** CPU time of the process: the work itself, without the wait for the batched change event (100 ms). */
	readonly firstCpuMs: number;
	readonly editCpuMs: number;
	/**
	 * CPU time of opening another document of the same size and language next (the engine, and Python's old front end): the
	 * first document of a language also pays for compiling the evaluator and the grammar's code (once).
	 */
	readonly secondCpuMs?: number;
	/** The editor's thread alone (the event loop's busy time): the same as CPU but for the worker thread's rows. */
	readonly firstMainMs: number;
	readonly editMainMs: number;
	readonly secondMainMs?: number;
	/** The longest the editor's thread was held at once during the first open (a 5 ms timer's longest lateness). */
	readonly firstHoldMs: number;
}

const oldPythonCaches = new DocumentCaches();

/** Detection with the compiler-based TypeScript reader for TS/JS and the Python front end for Python (the old engines), the engine for the rest. */
async function oldDetect(text: string, languageId: string, options: DetectOptions = {}): Promise<RequestSite[]> {
	const out: RequestSite[] = [];
	if (languageId === 'python') {
		await detectPython(text, { ...options, grammars: detector.grammars, caches: oldPythonCaches }, out);
		return out.sort((a, b) => a.range.start - b.range.start);
	}
	if (languageId !== 'typescript' && languageId !== 'javascript') {
		return detectRequests(text, languageId, options);
	}
	detectTypeScript(text, languageId, { ...options, languageId }, out);
	return out.sort((a, b) => a.range.start - b.range.start);
}

function batchFile(lines: number): string {
	return Array.from({ length: lines }, (_, i) => JSON.stringify({
		custom_id: `ticket-${i}`,
		params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Tag support ticket ${i} with one of billing, shipping, product, account: my parcel has not moved for a week.` }] },
	})).join('\n');
}

function tsFile(calls: number): string {
	const out = ["import Anthropic from '@anthropic-ai/sdk';", 'const client = new Anthropic();', "const SYSTEM = 'You answer support questions briefly.';"];
	for (let i = 0; i < calls; i++) {
		out.push(`export async function ask${i}(q: string) {`, `\treturn client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, system: SYSTEM, messages: [{ role: 'user', content: 'Question ${i}: where is my order?' }] });`, '}');
	}
	return out.join('\n');
}

/** One request call per block, as each SDK writes it, with a same-file system prompt: about `bytes` long. */
const sdkBlocks: Record<string, { header: string; block: (i: number) => string; footer?: string }> = {
	typescript: { header: "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nconst SYSTEM = 'You answer support questions briefly.';\n", block: i => `\nexport async function ask${i}(q: string): Promise<Anthropic.Message> {\n\treturn client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, system: SYSTEM, messages: [{ role: 'user', content: 'Question ${i}: where is my order?' }] });\n}\n` },
	javascript: { header: "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nconst SYSTEM = 'You answer support questions briefly.';\n", block: i => `\nexport async function ask${i}(q) {\n\treturn client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, system: SYSTEM, messages: [{ role: 'user', content: 'Question ${i}: where is my order?' }] });\n}\n` },
	python: { header: 'SYSTEM = "You answer support questions briefly."\n', block: i => `\ndef ask${i}(client):\n    return client.messages.create(model="claude-sonnet-4-5", max_tokens=512, system=SYSTEM, messages=[{"role": "user", "content": "Question ${i}: where is my order?"}])\n` },
	go: { header: 'package main\n\nconst system = "You answer support questions briefly."\n', block: i => `\nfunc ask${i}(ctx context.Context, client anthropic.Client) {\n\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.ModelClaudeSonnet4_5, MaxTokens: 512, System: []anthropic.TextBlockParam{{Text: system}}, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Question ${i}: where is my order?"))}})\n}\n` },
	java: { header: 'final class Calls {\n    static final String SYSTEM = "You answer support questions briefly.";\n', block: i => `\n    static void ask${i}(AnthropicClient client) {\n        client.messages().create(MessageCreateParams.builder().model(Model.CLAUDE_SONNET_4_5).maxTokens(512).system(SYSTEM).addUserMessage("Question ${i}: where is my order?").build());\n    }\n`, footer: '}\n' },
	ruby: { header: 'SYSTEM = "You answer support questions briefly."\n', block: i => `\ndef ask${i}(client)\n  client.messages.create(model: "claude-sonnet-4-5", max_tokens: 512, system: SYSTEM, messages: [{role: "user", content: "Question ${i}: where is my order?"}])\nend\n` },
	csharp: { header: 'static class Calls\n{\n    const string Prompt = "You answer support questions briefly.";\n', block: i => `\n    static Task Ask${i}(AnthropicClient client) => client.Messages.Create(new MessageCreateParams { Model = Model.ClaudeSonnet4_5, MaxTokens = 512, System = Prompt, Messages = [new() { Role = Role.User, Content = "Question ${i}: where is my order?" }] });\n`, footer: '}\n' },
	php: { header: '<?php\nconst SYSTEM = \'You answer support questions briefly.\';\n', block: i => `\nfunction ask${i}($client) {\n    return $client->messages->create(model: 'claude-sonnet-4-5', maxTokens: 512, system: SYSTEM, messages: [['role' => 'user', 'content' => 'Question ${i}: where is my order?']]);\n}\n` },
};

/** A file of one SDK language, about `bytes` long, and the number of calls in it. */
export function sdkFile(language: string, bytes: number): { text: string; calls: number } {
	const { header, block, footer = '' } = sdkBlocks[language];
	const parts = [header];
	let size = header.length + footer.length;
	let calls = 0;
	while (size < bytes) {
		const b = block(calls++);
		parts.push(b);
		size += b.length;
	}
	parts.push(footer);
	return { text: parts.join(''), calls };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const warmed = new Set<string>();

/**
 * The store as it was before incremental detection: every keystroke reads the whole document again (no
 * file name, so no cached tree, calls or lines) and hands back new site objects, which the store re-keys
 * one by one (a cache key per site; the offline cache answers the unchanged ones).
 */
const FULL_READ = 'full re-read (old store)';
const WORKER = 'tree-sitter, worker thread';

/** Detection as the extension runs it: in a worker thread (out/src/core/detect/worker.js), started on first use. */
let worker: RemoteDetector | undefined;
function workerDetect(text: string, languageId: string, options: DetectOptions = {}): Promise<RequestSite[]> {
	worker ??= new RemoteDetector({ start: () => new Worker(path.join(__dirname, '..', 'src', 'core', 'detect', 'worker.js')), inProcess: () => new Detector(new GrammarLoader()) });
	return worker.detect(text, languageId, options);
}
const PYTHON_OLD = 'python.ts (old)';

function fullRead(text: string, languageId: string, options: DetectOptions = {}): Promise<RequestSite[]> {
	return detectRequests(text, languageId, { ...options, fileName: undefined });
}

async function measure(name: string, languageId: string, fileName: string, text: string, marker: string, engine = 'tree-sitter'): Promise<ServiceBenchRow> {
	const detect = engine === 'tree-sitter' ? detectRequests : engine === WORKER ? workerDetect : engine === FULL_READ ? fullRead : oldDetect;
	let grammarMs: number | undefined;
	if (engine !== FULL_READ && !warmed.has(`${engine}:${languageId}`)) {
		// The grammar (or the compiler) loads once per session, on the first document of its language.
		warmed.add(`${engine}:${languageId}`);
		const t0 = performance.now();
		await detect('client.messages.create(' + '{ model: "m", messages: [] })', languageId, { fileName: `warm.${fileName.split('.').pop()}` });
		grammarMs = performance.now() - t0;
	}
	const service = new TokenCountService({ detect, offline: new TokenizerCounter(vocabs), hasApiKey: () => false },
		{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-5-5', bedrockEnabled: false });
	const uri = `file:///${fileName}`;
	const cpu = (): number => {
		const u = process.cpuUsage();
		return (u.user + u.system) / 1000;
	};
	// The event loop's busy time: what the editor's thread spent, whichever thread detected.
	const main = (since: ReturnType<typeof performance.eventLoopUtilization>): number => performance.eventLoopUtilization(since).active;
	let t = performance.now();
	let c = cpu();
	let e = performance.eventLoopUtilization();
	let hold = 0;
	let tick = performance.now();
	const probe = setInterval(() => {
		const now = performance.now();
		hold = Math.max(hold, now - tick - 5);
		tick = now;
	}, 5);
	const first = await service.update({ uri, version: 1, languageId, fileName, getText: () => text });
	await service.whenIdle();
	const firstMs = performance.now() - t;
	const firstCpuMs = cpu() - c;
	const firstMainMs = main(e);
	// The probe measures a hold when it runs next: let it run once after the last one.
	await new Promise((resolve) => setTimeout(resolve, 20));
	clearInterval(probe);
	const edits: number[] = [];
	const editsCpu: number[] = [];
	const editsMain: number[] = [];
	let current = text;
	// A full re-read of a large document takes long: three edits are enough to see it.
	const last = engine === FULL_READ && text.length > 500_000 ? 5 : 9;
	for (let v = 2; v < last; v++) {
		// Type one character inside one request.
		const at = current.indexOf(marker) + marker.length;
		current = `${current.slice(0, at)}${v % 10}${current.slice(at)}`;
		t = performance.now();
		c = cpu();
		e = performance.eventLoopUtilization();
		await service.update({ uri, version: v, languageId, fileName, getText: () => current });
		await service.whenIdle();
		edits.push(performance.now() - t);
		editsCpu.push(cpu() - c);
		editsMain.push(main(e));
	}
	service.dispose();
	let secondCpuMs: number | undefined;
	let secondMainMs: number | undefined;
	if (engine === 'tree-sitter' || engine === WORKER || engine === PYTHON_OLD) {
		const other = new TokenCountService({ detect, offline: new TokenizerCounter(vocabs), hasApiKey: () => false },
			{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-5-5', bedrockEnabled: false });
		const otherText = text.replace(/Question|ticket/g, 'Query');
		c = cpu();
		e = performance.eventLoopUtilization();
		await other.update({ uri: `${uri}-2`, version: 1, languageId, fileName: `second-${fileName}`, getText: () => otherText });
		await other.whenIdle();
		secondCpuMs = cpu() - c;
		secondMainMs = main(e);
		other.dispose();
	}
	return { document: name, engine, sites: first?.sites.length ?? 0, grammarMs, firstMs, editMs: median(edits), firstCpuMs, editCpuMs: median(editsCpu), secondCpuMs,
		firstMainMs, editMainMs: median(editsMain), secondMainMs, firstHoldMs: Math.max(0, hold) };
}

export async function run(print: (line: string) => void = console.log): Promise<ServiceBenchRow[]> {
	const load = os.loadavg().map(l => l.toFixed(2)).join(', ');
	const rows = [
		await measure('JSONL batch, 10,000 lines (2.2 MB)', 'jsonl', 'batch.jsonl', batchFile(10_000), 'support ticket 5000'),
		await measure('JSONL batch, 10,000 lines (2.2 MB)', 'jsonl', 'batch-worker.jsonl', batchFile(10_000), 'support ticket 5000', WORKER),
		await measure('JSONL batch, 10,000 lines (2.2 MB)', 'jsonl', 'batch-full.jsonl', batchFile(10_000), 'support ticket 5000', FULL_READ),
		await measure('TypeScript, 1,000 calls (190 KB)', 'typescript', 'calls.ts', tsFile(1_000), 'Question 500'),
		await measure('TypeScript, 1,000 calls (190 KB)', 'typescript', 'calls-old.ts', tsFile(1_000), 'Question 500', 'compiler (old)'),
	];
	const extensions: Record<string, string> = { typescript: 'ts', javascript: 'js', python: 'py', go: 'go', java: 'java', ruby: 'rb', csharp: 'cs', php: 'php' };
	// CTM_BENCH_LANGUAGES=python,go: only those languages' rows (and the JSONL and TypeScript rows above).
	const only = process.env.CTM_BENCH_LANGUAGES?.split(',');
	for (const language of Object.keys(sdkBlocks).filter(l => !only || only.includes(l))) {
		for (const bytes of [100_000, 1_000_000]) {
			const { text, calls } = sdkFile(language, bytes);
			const size = bytes >= 1e6 ? '1 MB' : '100 KB';
			const engines = language === 'typescript' || language === 'javascript' ? [WORKER, 'tree-sitter', FULL_READ, 'compiler (old)']
				: language === 'python' ? [WORKER, 'tree-sitter', FULL_READ, PYTHON_OLD] : [WORKER, 'tree-sitter', FULL_READ];
			for (const engine of engines) {
				rows.push(await measure(`${language}, ${calls.toLocaleString('en-US')} calls (${size})`, language, `calls-${bytes}-${engine.length}.${extensions[language]}`, text, `Question ${calls >> 1}`, engine));
			}
		}
	}
	print(`Result store: scan and count a document, then one keystroke inside one request (offline counter; median of 7 edits, 3 for a full re-read of 1 MB). "${FULL_READ}": the same engine and store without incremental detection. Load average at start: ${load}; at end: ${os.loadavg().map(l => l.toFixed(2)).join(', ')}`);
	print('"another open": opening a second document of the same size and language after it (the first one also compiles the evaluator and the grammar\'s code, once per language).');
	print('Each cell: wall ms / CPU ms of the process (all threads) / ms the editor\'s thread was busy. The wall time of an edit includes the store\'s 100 ms batching of change events.');
	print('"longest hold": the longest the editor\'s thread was held at once during the first open (ms).');
	print('| document | engine | sites | grammar load ms | first open | longest hold | another open | one edit |');
	print('|---|---|---:|---:|---:|---:|---:|---:|');
	const ms = (x: number) => x.toFixed(x < 10 ? 1 : 0);
	for (const r of rows) {
		const second = r.secondCpuMs === undefined ? '–' : `– / ${ms(r.secondCpuMs)} / ${ms(r.secondMainMs!)}`;
		print(`| ${r.document} | ${r.engine} | ${r.sites} | ${r.grammarMs === undefined ? '–' : r.grammarMs.toFixed(0)} | ${ms(r.firstMs)} / ${ms(r.firstCpuMs)} / ${ms(r.firstMainMs)} | ${ms(r.firstHoldMs)} | ${second} | ${ms(r.editMs)} / ${ms(r.editCpuMs)} / ${ms(r.editMainMs)} |`);
	}
	worker?.dispose();
	worker = undefined;
	return rows;
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
