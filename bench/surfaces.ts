// Opening a large batch file with the editor's surfaces listening: how many change events reach them, how
// much work they do in total, and the longest the thread is held (what freezes the extension host). Each
// listener does what the status bar and diagnostics do per event: the file total and a per-site price check.
//
// Measured on the 2-core development machine, 2026-12-01 (same benchmark, before → after batching and slicing):
// | lines | change events | listener work ms | open → settled ms | longest stall ms |
// |---:|---:|---:|---:|---:|
// | 1,000 | 1,001 → 1 | 658 → 1 | 1,033 → 1,065 | 1,041 → 206 |
// | 5,000 | 5,001 → 1 | 15,901 → 56 | 16,706 → 2,039 | 16,718 → 132 |
// | 20,000 | 20,001 → 1 | 577,955 → 169 | 582,337 → 5,003 | 582,399 → 233 |
// (The 1,000-line row includes loading the vocabulary; "longest stall" is the thread held at once.)
import { performance } from 'node:perf_hooks';
import { lookupModel } from '../src/core/cost';
import { rateLookup } from '../src/core/cost/rates';
import { TokenizerCounter } from '../src/core/count/tokenizerCounter';
import { totalsFor } from '../src/core/present';
import { TokenCountService } from '../src/core/service';
import { detectRequests, vocabs } from '../test/core';

export interface SurfacesBenchRow {
	readonly lines: number;
	readonly events: number;
	readonly listenerMs: number;
	readonly settleMs: number;
	readonly longestStallMs: number;
}

function batchFile(lines: number): string {
	return Array.from({ length: lines }, (_, i) => JSON.stringify({
		custom_id: `ticket-${i}`,
		params: { model: i % 2 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Tag support ticket ${i} with one of billing, shipping, product, account: my parcel has not moved for a week.` }] },
	})).join('\n');
}

async function measure(lines: number, giveUpMs: number): Promise<SurfacesBenchRow | undefined> {
	const service = new TokenCountService({ detect: detectRequests, offline: new TokenizerCounter(vocabs), hasApiKey: () => false },
		{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-5-5', bedrockEnabled: false });
	const uri = 'file:///batch.jsonl';
	const rates = rateLookup(() => ({ modelOverrides: {} }));
	let events = 0;
	let listenerMs = 0;
	service.onDidChange((changed) => {
		events++;
		const t = performance.now();
		const doc = service.get(changed);
		totalsFor(doc?.sites ?? [], rates);
		for (const s of doc?.sites ?? []) {
			lookupModel(s.model, {});
		}
		listenerMs += performance.now() - t;
	});
	// A probe timer that should run every 5 ms: the largest gap between two runs is the longest stall.
	let longest = 0;
	let last = performance.now();
	const probe = setInterval(() => {
		const now = performance.now();
		longest = Math.max(longest, now - last);
		last = now;
	}, 5);
	const text = batchFile(lines);
	const t0 = performance.now();
	const done = (async () => {
		await service.update({ uri, version: 1, languageId: 'jsonl', fileName: '/batch.jsonl', getText: () => text });
		await service.whenIdle();
	})();
	const gaveUp = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), giveUpMs).unref())]);
	const settleMs = performance.now() - t0;
	longest = Math.max(longest, performance.now() - last);
	clearInterval(probe);
	service.dispose();
	return gaveUp ? undefined : { lines, events, listenerMs, settleMs, longestStallMs: longest };
}

export async function run(print: (line: string) => void = console.log): Promise<SurfacesBenchRow[]> {
	const rows: SurfacesBenchRow[] = [];
	print('Opening a batch file with two listening surfaces (file total + per-site price check per event), offline counter');
	print('| lines | change events | listener work ms | open → settled ms | longest stall ms |');
	print('|---:|---:|---:|---:|---:|');
	for (const lines of [1_000, 5_000, 20_000]) {
		const row = await measure(lines, 300_000);
		if (!row) {
			print(`| ${lines.toLocaleString('en-US')} | — | — | > 300,000 (gave up) | — |`);
			continue;
		}
		rows.push(row);
		print(`| ${lines.toLocaleString('en-US')} | ${row.events.toLocaleString('en-US')} | ${row.listenerMs.toFixed(0)} | ${row.settleMs.toFixed(0)} | ${row.longestStallMs.toFixed(0)} |`);
	}
	return rows;
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
