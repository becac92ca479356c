// A batch file long enough that its estimate is seen running (40,000 requests): the UI check of Estimate Batch
// File (test/ui/batch.check.ts) and the README's progress picture (readmeShots.ts) both write theirs here.
import * as fs from 'node:fs';

/** How many requests the long batch file holds. */
export const LONG_BATCH_LINES = 40_000;

/**
 * Writes `target`: the requests of the JSONL file `source` (lines that do not parse are left out) repeated up
 * to `LONG_BATCH_LINES` lines, the n-th line's `custom_id` replaced by `customId(n)` so that none repeats.
 */
export function writeLongBatch(source: string, target: string, customId: (n: number) => string): void {
	const lines = fs.readFileSync(source, 'utf8').trim().split('\n').filter((l) => { try { JSON.parse(l); return true; } catch { return false; } });
	const out: string[] = [];
	for (let i = 0; i < LONG_BATCH_LINES; i++) {
		out.push(lines[i % lines.length].replace(/"custom_id": "[^"]+"/, `"custom_id": "${customId(i)}"`));
	}
	fs.writeFileSync(target, out.join('\n') + '\n');
}
