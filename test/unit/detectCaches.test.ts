/**
 * Detection's per-document caches (trees, SDK calls, JSONL lines) are dropped when a document closes: opening
 * and closing many documents leaves them as they were, and an open document's edit still reuses its cache.
 */
import * as assert from 'node:assert/strict';
import { cachedDocumentEntries, detectRequests, forgetDocument } from '../../src/core/detect';
import { TokenCountService } from '../../src/core/service';
import type { CountRequest, CountResult, Counter } from '../../src/core/types';

const PY = 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi N"}])\n';
const TS = 'import Anthropic from "@anthropic-ai/sdk";\nconst c = new Anthropic();\nawait c.messages.create({ model: "claude-haiku-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi N" }] });\n';
const JSONL = '{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi N"}]}}\n';

const documents = (n: number) => Array.from({ length: n }, (_, i) => [
	{ uri: `file:///d${i}.py`, fileName: `/w/d${i}.py`, languageId: 'python', text: PY.replace('N', String(i)) },
	{ uri: `file:///d${i}.ts`, fileName: `/w/d${i}.ts`, languageId: 'typescript', text: TS.replace('N', String(i)) },
	{ uri: `file:///d${i}.jsonl`, fileName: `/w/d${i}.jsonl`, languageId: 'jsonl', text: JSONL.replace('N', String(i)) },
]).flat();

class Chars implements Counter {
	readonly id = 'offline' as const;
	async count(request: CountRequest): Promise<CountResult> {
		return { inputTokens: JSON.stringify(request.body).length, source: 'offline', exact: false, approximate: true, notes: [] };
	}
}

describe('detection caches per document', () => {
	it('hold an entry per open document and none once each is forgotten', async () => {
		const before = cachedDocumentEntries();
		const docs = documents(3);
		for (const d of docs) {
			assert.equal((await detectRequests(d.text, d.languageId, { fileName: d.fileName })).length, 1, d.fileName);
		}
		assert.ok(cachedDocumentEntries() > before, 'reads of named documents are cached');
		for (const d of docs) {
			forgetDocument(d.fileName);
		}
		assert.equal(cachedDocumentEntries(), before);
	});

	it('opening and closing 60 documents through the store leaves the caches as they were', async () => {
		const service = new TokenCountService({ detect: detectRequests, forgetDocument, offline: new Chars(), hasApiKey: () => false }, { mode: 'offline', debounceMs: 0, defaultModel: 'claude-haiku-4-5', bedrockEnabled: false });
		const before = cachedDocumentEntries();
		let peak = before;
		for (const d of documents(20)) {
			const state = await service.update({ uri: d.uri, version: 1, languageId: d.languageId, fileName: d.fileName, getText: () => d.text });
			assert.equal(state?.sites.length, 1, d.fileName);
			peak = Math.max(peak, cachedDocumentEntries());
			service.forget(d.uri);
			assert.equal(cachedDocumentEntries(), before, `${d.fileName}: closed, nothing of it is cached`);
		}
		assert.ok(peak > before, 'each open document was cached while open');
		await service.whenIdle();
		service.dispose();
	});

	it('a document still open keeps its cache when another closes', async () => {
		const [a, b] = documents(1);
		const before = cachedDocumentEntries();
		await detectRequests(a.text, a.languageId, { fileName: a.fileName });
		await detectRequests(b.text, b.languageId, { fileName: b.fileName });
		const both = cachedDocumentEntries();
		forgetDocument(b.fileName);
		const onlyA = cachedDocumentEntries();
		assert.ok(onlyA < both && onlyA > before);
		forgetDocument(a.fileName);
		assert.equal(cachedDocumentEntries(), before);
	});
});
