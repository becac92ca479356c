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

/** One request call per block, as each SDK writes it, with a same-file system prompt: about `bytes` long. */
const sdkBlocks: Record<string, { header: string; block: (i: number) => string; footer?: string }> = {
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
	const extensions: Record<string, string> = { python: 'py', go: 'go', java: 'java', ruby: 'rb', csharp: 'cs', php: 'php' };
	for (const language of Object.keys(sdkBlocks)) {
		for (const bytes of [100_000, 1_000_000]) {
			const { text, calls } = sdkFile(language, bytes);
			const size = bytes >= 1e6 ? '1 MB' : '100 KB';
			rows.push(await measure(`${language}, ${calls.toLocaleString('en-US')} calls (${size})`, language, `calls-${bytes}.${extensions[language]}`, text, `Question ${calls >> 1}`));
		}
	}
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
