import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import type { DetectProblem, RequestSite } from '../../src/core/types';
import { readFixture } from './detectHelpers';

/** A batch file: entries with and without custom_id, repeated ids, a Bedrock body, blank and broken lines. */
function batch(lines: number): string {
	const out: string[] = [];
	for (let i = 0; i < lines; i++) {
		const params = { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: `Ticket ${i}: where is my parcel?` }] };
		switch (i % 7) {
			case 0: out.push(JSON.stringify(params)); break;
			case 1: out.push(JSON.stringify({ custom_id: `t-${i % 3}`, params })); break;
			case 2: out.push(''); break;
			case 3: out.push('{"model": "claude-haiku-4-5", "messages": [ broken'); break;
			case 4: out.push(JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 5, messages: params.messages })); break;
			default: out.push(JSON.stringify({ custom_id: `id-${i}`, params })); break;
		}
	}
	return out.join('\n');
}

async function read(text: string, fileName?: string): Promise<{ sites: RequestSite[]; problems: DetectProblem[] }> {
	const problems: DetectProblem[] = [];
	const sites = await detectRequests(text, 'jsonl', { fileName, problems });
	return { sites, problems };
}

describe('detect: JSONL re-reads only the edited lines', () => {
	it('on random edits (characters, line breaks, whole lines), the same sites, ids and problems as a fresh read', async function () {
		this.timeout(60_000);
		let text = batch(120) + '\n' + readFixture('batch.jsonl');
		const chars = '{}[]",:\n\n x0\\';
		let seed = 7;
		const rnd = (n: number): number => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed % n;
		};
		const fileName = 'random.jsonl';
		await read(text, fileName);
		for (let iter = 0; iter < 400; iter++) {
			const at = rnd(text.length + 1);
			const op = rnd(5);
			if (op === 0) {
				text = text.slice(0, at) + text.slice(at + 1 + rnd(8));
			} else if (op === 1) {
				// A whole line copied elsewhere: a repeated custom_id changes the numbering of later ones.
				const lines = text.split('\n');
				lines.splice(rnd(lines.length + 1), 0, lines[rnd(lines.length)]);
				text = lines.join('\n');
			} else if (op === 2) {
				text = text.slice(0, at) + 'Z' + text.slice(at);
			} else {
				text = text.slice(0, at) + chars[rnd(chars.length)] + text.slice(op === 3 ? at : at + 1);
			}
			const incremental = await read(text, fileName);
			const fresh = await read(text);
			assert.deepEqual(incremental, fresh, `edit ${iter}`);
		}
	});

	it('keeps the site objects of lines the edit did not touch', async () => {
		const text = batch(50);
		const first = await read(text, 'keep.jsonl');
		const at = text.indexOf('Ticket 25');
		const edited = await read(text.slice(0, at) + 'Urgent ' + text.slice(at), 'keep.jsonl');
		assert.equal(edited.sites.length, first.sites.length);
		const changed = edited.sites.filter((s, i) => s.payload !== first.sites[i].payload);
		assert.equal(changed.length, 1);
		assert.match(JSON.stringify(changed[0].payload), /Urgent Ticket 25/);
	});

	it('two runs of one document at once (the first pausing between slices) each give what a fresh read gives', async function () {
		this.timeout(60_000);
		const fileName = 'overlap.jsonl';
		const base = batch(200);
		await read(base, fileName);
		// The first run reads 20,000 pasted lines in slices; the second, started meanwhile, is one keystroke
		// near the top, which moves every later line of the base text.
		const pasted = base + '\n' + batch(20_000);
		const at = base.indexOf('Ticket 5:');
		const typed = base.slice(0, at) + 'Urgent ' + base.slice(at);
		const [a, b] = await Promise.all([read(pasted, fileName), read(typed, fileName)]);
		assert.deepEqual(a, await read(pasted));
		assert.deepEqual(b, await read(typed));
		// Whichever run was kept, the next edit still reads as a fresh read does.
		const next = typed.replace('Ticket 150:', 'Ticket 150, again:');
		assert.deepEqual(await read(next, fileName), await read(next));
	});

	it('an edit moves the later lines\' sites in place: the same objects, at their new offsets', async () => {
		const text = batch(50);
		const first = await read(text, 'inplace.jsonl');
		const at = text.indexOf('Ticket 25');
		const editedText = text.slice(0, at) + 'Urgent ' + text.slice(at);
		const edited = await read(editedText, 'inplace.jsonl');
		// (Sites whose id repeats an earlier one's are numbered copies, made again on every read.)
		const after = edited.sites.filter(s => s.range.start > at && !s.id.includes('#'));
		assert.ok(after.length > 10);
		for (const site of after) {
			assert.ok(first.sites.includes(site), site.id);
			assert.equal(editedText.slice(site.range.start, site.range.start + 1), '{');
		}
		assert.deepEqual(edited, await read(editedText));
	});
});
