/**
 * Detection's per-document caches (trees, SDK calls, JSONL lines) are dropped when a document closes: opening
 * and closing many documents leaves nothing of them cached and never more entries than before, and a document
 * still open keeps its cache. The caches are the detector's own: two detectors share none. (Other tests in the
 * same process use the shared test detector and leave entries of their own: counts are relative.)
 */
import * as assert from 'node:assert/strict';
import { Detector, GrammarLoader } from '../../src/core/detect';
import { TokenCountService } from '../../src/core/service';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';
import { detector, detectRequests } from '../core';

const cachedDocuments = () => detector.caches.files();
const forgetDocument = (fileName: string) => detector.forgetDocument(fileName);

const PY = 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi N"}])\n';
const TS = 'import Anthropic from "@anthropic-ai/sdk";\nconst c = new Anthropic();\nawait c.messages.create({ model: "claude-haiku-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi N" }] });\n';
const JSONL = '{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi N"}]}}\n';

const documents = (n: number, tag: string) => Array.from({ length: n }, (_, i) => [
	{ uri: `file:///${tag}${i}.py`, fileName: `/w/${tag}${i}.py`, languageId: 'python', text: PY.replace('N', String(i)) },
	{ uri: `file:///${tag}${i}.ts`, fileName: `/w/${tag}${i}.ts`, languageId: 'typescript', text: TS.replace('N', String(i)) },
	{ uri: `file:///${tag}${i}.jsonl`, fileName: `/w/${tag}${i}.jsonl`, languageId: 'jsonl', text: JSONL.replace('N', String(i)) },
]).flat();

const entriesOf = (fileName: string) => cachedDocuments().filter((f) => f === fileName).length;

class Chars implements Counter {
	readonly id = 'offline' as const;
	async count(request: CountRequest): Promise<CountResult> {
		return { inputTokens: JSON.stringify(request.body).length, source: 'offline', exact: false, approximate: true, notes: [] };
	}
}

describe('detection caches per document', () => {
	it('hold the reads of an open document and nothing of it once it is forgotten', async () => {
		for (const d of documents(2, 'a')) {
			assert.equal((await detectRequests(d.text, d.languageId, { fileName: d.fileName })).length, 1, d.fileName);
			assert.ok(entriesOf(d.fileName) > 0, `${d.fileName} is cached while open`);
			forgetDocument(d.fileName);
			assert.equal(entriesOf(d.fileName), 0, `${d.fileName} is in no cache once forgotten`);
		}
	});

	it('opening and closing 60 documents through the store leaves none of them cached and the caches no larger', async () => {
		const service = new TokenCountService({ detect: detectRequests, forgetDocument, offline: new Chars(), hasApiKey: () => false }, { mode: 'offline', debounceMs: 0, defaultModel: 'claude-haiku-4-5', bedrockEnabled: false });
		const before = cachedDocuments().length;
		const docs = documents(20, 'b');
		for (const d of docs) {
			const state = await service.update({ uri: d.uri, version: 1, languageId: d.languageId, fileName: d.fileName, getText: () => d.text });
			assert.equal(state?.sites.length, 1, d.fileName);
			assert.ok(entriesOf(d.fileName) > 0, `${d.fileName} is cached while open`);
			service.forget(d.uri);
			assert.equal(entriesOf(d.fileName), 0, `${d.fileName}: closed, nothing of it is cached`);
			assert.ok(cachedDocuments().length <= before, 'the caches do not grow');
		}
		await service.whenIdle();
		service.dispose();
	});

	it('a document still open keeps its cache when another closes', async () => {
		const [a, b] = documents(1, 'c');
		await detectRequests(a.text, a.languageId, { fileName: a.fileName });
		await detectRequests(b.text, b.languageId, { fileName: b.fileName });
		forgetDocument(b.fileName);
		assert.equal(entriesOf(b.fileName), 0);
		assert.ok(entriesOf(a.fileName) > 0);
		forgetDocument(a.fileName);
		assert.equal(entriesOf(a.fileName), 0);
	});

	it('two detectors share no cache: each keeps its own reads, and forgetting a document in one leaves the other\'s', async () => {
		const grammars = new GrammarLoader();
		const one = new Detector(grammars);
		const two = new Detector(grammars);
		const [py, ts, jsonl] = documents(1, 'd');
		const countOf = (d: Detector, fileName: string) => d.caches.files().filter((f) => f === fileName).length;
		for (const d of [py, ts, jsonl]) {
			assert.equal((await one.detect(d.text, d.languageId, { fileName: d.fileName })).length, 1, d.fileName);
			assert.ok(countOf(one, d.fileName) > 0, `${d.fileName} is cached by the detector that read it`);
			assert.equal(countOf(two, d.fileName), 0, `${d.fileName} is not in the other detector's caches`);
			assert.equal(entriesOf(d.fileName), 0, `${d.fileName} is not in the shared test detector's caches`);
		}
		for (const d of [py, ts, jsonl]) {
			assert.equal((await two.detect(d.text, d.languageId, { fileName: d.fileName })).length, 1, d.fileName);
		}
		const kept = (d: Detector) => [py, ts, jsonl].map((x) => countOf(d, x.fileName));
		assert.deepEqual(kept(two), kept(one), 'the second detector read and kept each document on its own');
		for (const d of [py, ts, jsonl]) {
			one.forgetDocument(d.fileName);
			assert.equal(countOf(one, d.fileName), 0, `${d.fileName} is forgotten by the detector told so`);
			assert.ok(countOf(two, d.fileName) > 0, `${d.fileName} is still cached by the other detector`);
		}
		for (const d of [py, ts, jsonl]) {
			two.forgetDocument(d.fileName);
		}
		assert.deepEqual(two.caches.files(), [], 'nothing is left in the second detector');
		assert.deepEqual(one.caches.files(), [], 'nothing is left in the first detector');
	});
});
