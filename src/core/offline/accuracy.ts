import * as fs from 'fs';
import * as zlib from 'zlib';
import { familyForModel } from './families';
import type { VocabStore } from './store';
import type { Family } from './tokenizer';

/** Per-family agreement of the offline count with recorded count_tokens results. */
export interface FamilyAccuracy {
	family: Family;
	model: string;
	docs: number;
	exact: number;
	within1pct: number;
	undercounts: number;
	/** Largest |ours − recorded| / recorded, in percent. */
	worstErrorPct: number;
	/** Ids of documents that were not exact, with both counts (for diagnosis). */
	misses: Array<{ id: string; ours: number; recorded: number }>;
}

export interface CorpusDoc {
	id: string;
	text: string;
}

/** Reads a JSONL corpus, gzip-compressed or not (decided by the gzip magic bytes, not the name). */
export function readCorpus(file: string, idField = 'id'): CorpusDoc[] {
	let data: Buffer = fs.readFileSync(file);
	if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
		data = zlib.gunzipSync(data);
	}
	const docs: CorpusDoc[] = [];
	const lines = data.toString('utf8').split('\n');
	for (let n = 0; n < lines.length; n++) {
		const line = lines[n].trim();
		if (!line) {
			continue;
		}
		let row: Record<string, unknown>;
		try {
			row = JSON.parse(line) as Record<string, unknown>;
		} catch {
			throw new Error(`${file}:${n + 1}: not valid JSON`);
		}
		const id = row[idField];
		if (typeof id !== 'string' && typeof id !== 'number') {
			throw new Error(`${file}:${n + 1}: no "${idField}" field (use --id-field)`);
		}
		if (typeof row.text !== 'string') {
			throw new Error(`${file}:${n + 1}: no "text" field`);
		}
		docs.push({ id: String(id), text: row.text });
	}
	return docs;
}

export interface RecordedCounts {
	[family: string]: { model: string; counts: Record<string, number> };
}

export function readCounts(file: string): RecordedCounts {
	const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
	if (!raw || typeof raw !== 'object') {
		throw new Error(`${file}: expected an object of families`);
	}
	const out: RecordedCounts = {};
	for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
		const v = value as { model?: unknown; counts?: unknown };
		if (v && typeof v === 'object' && typeof v.model === 'string' && v.counts && typeof v.counts === 'object') {
			out[key] = { model: v.model, counts: v.counts as Record<string, number> };
		}
	}
	if (Object.keys(out).length === 0) {
		throw new Error(`${file}: no family with "model" and "counts"`);
	}
	return out;
}

/** Scores every family of the counts file against the corpus, each with its recorded model's family. */
export function scoreCorpus(docs: readonly CorpusDoc[], recorded: RecordedCounts, vocabs: VocabStore): FamilyAccuracy[] {
	const results: FamilyAccuracy[] = [];
	for (const [key, { model, counts }] of Object.entries(recorded)) {
		const family = familyForModel(model).family;
		const acc: FamilyAccuracy = { family, model, docs: 0, exact: 0, within1pct: 0, undercounts: 0, worstErrorPct: 0, misses: [] };
		void key;
		for (const doc of docs) {
			const want = counts[doc.id];
			if (typeof want !== 'number') {
				continue;
			}
			const ours = vocabs.countUserMessage(doc.text, family);
			acc.docs++;
			const err = Math.abs(ours - want) / want * 100;
			if (ours === want) {
				acc.exact++;
			} else {
				acc.misses.push({ id: doc.id, ours, recorded: want });
			}
			if (err <= 1) {
				acc.within1pct++;
			}
			if (ours < want) {
				acc.undercounts++;
			}
			acc.worstErrorPct = Math.max(acc.worstErrorPct, err);
		}
		results.push(acc);
	}
	return results;
}
