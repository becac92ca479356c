// What a prompt file costs to count when it opens (front matter, placeholders, tokens), and what a selection
// costs at any size: up to the exact limit it is counted whole, beyond it the work stays bounded (samples).
import { performance } from 'node:perf_hooks';
import { countBoundedSlices, countPrompt } from '../src/core/prompt/count';
import { analyzePrompt } from '../src/core/prompt/promptFile';
import { countText, vocabs } from '../test/core';

const PARAGRAPH = 'You are a support assistant for a weather service. Answer in two sentences; cite the endpoint you used and say when the data is older than an hour. ';

function promptFile(chars: number): string {
	const head = '---\ndescription: Support assistant\nmode: ask\n---\nHello {{user_name}}.\n\n';
	let body = '';
	while (body.length < chars) {
		body += `## Section ${body.length}\n${PARAGRAPH.repeat(4)}\n\n`;
	}
	return head + body.slice(0, chars);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void, runs: number): number {
	const out: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t = performance.now();
		fn();
		out.push(performance.now() - t);
	}
	return median(out);
}

export async function run(print: (line: string) => void = console.log): Promise<void> {
	countText('warm up the vocabulary', 'v5');
	print('Prompt file opened: analyse (front matter, placeholders) + count on v5 (median of 5)');
	print('| file | tokens | ms |');
	print('|---|---:|---:|');
	for (const size of [2_000, 20_000, 200_000, 1_000_000]) {
		const text = promptFile(size);
		let tokens = 0;
		const ms = time(() => { tokens = countPrompt(analyzePrompt(text, '/w/p.prompt.md'), text, 'v5', vocabs).tokens; }, 5);
		print(`| ${(size / 1000).toLocaleString('en-US')} K chars | ${tokens.toLocaleString('en-US')} | ${ms.toFixed(1)} |`);
	}
	print('');
	print('Selection: exact up to 1,000,000 characters, sampled beyond (median of 3)');
	print('| selection | tokens | estimated | characters read | ms | exact tokens | error |');
	print('|---|---:|:-:|---:|---:|---:|---:|');
	for (const size of [100_000, 1_000_000, 10_000_000]) {
		const text = PARAGRAPH.repeat(Math.ceil(size / PARAGRAPH.length)).slice(0, size);
		let read = 0;
		let r = { tokens: 0, estimated: false };
		const ms = time(() => { read = 0; r = countBoundedSlices(text.length, (s, e) => { read += e - s; return text.slice(s, e); }, (t) => countText(t, 'v5')); }, 3);
		const exact = countText(text, 'v5');
		print(`| ${(size / 1e6).toLocaleString('en-US')} M chars | ${r.tokens.toLocaleString('en-US')} | ${r.estimated ? 'yes' : 'no'} | ${read.toLocaleString('en-US')} | ${ms.toFixed(0)} | ${exact.toLocaleString('en-US')} | ${(((r.tokens - exact) / exact) * 100).toFixed(2)}% |`);
	}
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
