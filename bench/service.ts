// What one keystroke costs end to end in the result store: re-detection plus re-keying, with the offline
// counter answering. Untouched requests must not be recounted, so an edit should cost far less than a scan.
import { performance } from 'node:perf_hooks';
import { detectRequests } from '../src/core/detect';
import { OfflineCounter } from '../src/core/count/offlineCounter';
import { TokenCountService } from '../src/core/service';

export interface ServiceBenchRow {
	readonly document: string;
	readonly sites: number;
	readonly firstMs: number;
	readonly editMs: number;
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(name: string, languageId: string, fileName: string, text: string, marker: string): Promise<ServiceBenchRow> {
	const service = new TokenCountService({ detect: detectRequests, offline: new OfflineCounter(), hasApiKey: () => false },
		{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-5-5', bedrockEnabled: false });
	const uri = `file:///${fileName}`;
	let t = performance.now();
	const first = await service.update({ uri, version: 1, languageId, fileName, getText: () => text });
	await service.whenIdle();
	const firstMs = performance.now() - t;
	const edits: number[] = [];
	let current = text;
	for (let v = 2; v < 9; v++) {
		// Type one character inside one request.
		const at = current.indexOf(marker) + marker.length;
		current = `${current.slice(0, at)}${v % 10}${current.slice(at)}`;
		t = performance.now();
		await service.update({ uri, version: v, languageId, fileName, getText: () => current });
		await service.whenIdle();
		edits.push(performance.now() - t);
	}
	service.dispose();
	return { document: name, sites: first?.sites.length ?? 0, firstMs, editMs: median(edits) };
}

export async function run(print: (line: string) => void = console.log): Promise<ServiceBenchRow[]> {
	const rows = [
		await measure('JSONL batch, 10,000 lines (2.2 MB)', 'jsonl', 'batch.jsonl', batchFile(10_000), 'support ticket 5000'),
		await measure('TypeScript, 1,000 calls (190 KB)', 'typescript', 'calls.ts', tsFile(1_000), 'Question 500'),
	];
	print('Result store: scan and count a document, then one keystroke inside one request (offline counter; median of 7 edits)');
	print('| document | sites | first scan + count ms | one edit ms |');
	print('|---|---:|---:|---:|');
	for (const r of rows) {
		print(`| ${r.document} | ${r.sites} | ${r.firstMs.toFixed(0)} | ${r.editMs.toFixed(1)} |`);
	}
	return rows;
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
