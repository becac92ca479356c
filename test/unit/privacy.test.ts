/**
 * Privacy and injection: the report page shows whatever the document holds as text (a system prompt, a tool
 * name, a model id carrying markup, a closing script tag, a javascript: link), and its Content-Security-Policy
 * runs no inline script; offline counting sends nothing to the endpoint (asserted on the server's log).
 */
import * as assert from 'node:assert/strict';
import { AnthropicCounter } from '../../src/core/count/anthropicCounter';
import { TokenizerCounter } from '../../src/core/count/tokenizerCounter';
import { detectRequests, vocabs } from '../core';
import { estimateRequest } from '../../src/core/report';
import { reportHtml, reportPage } from '../../src/core/report/html';
import { TokenCountService } from '../../src/core/service';
import type { MessagesBody } from '../../src/core/types';
import { startCountServer } from '../server/countServer';
import { fakeCounter } from './reportHelpers';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>alert(2)</script>';
const LINK = '<a href="javascript:alert(3)">click</a>';

describe('the report page escapes every document-derived string', () => {
	it('system prompt, tool name and model id with markup are shown as text; the CSP allows no inline script', async () => {
		const model = `claude-x${IMG}`;
		const body: MessagesBody = {
			model,
			system: `Be helpful. ${IMG} ${SCRIPT} ${LINK}`,
			tools: [{ name: `lookup${SCRIPT}`, description: LINK, input_schema: { type: 'object' } }],
			messages: [{ role: 'user', content: `Hi ${LINK}` }, { role: 'assistant', content: IMG }, { role: 'user', content: SCRIPT }],
		};
		const report = await estimateRequest(body, model, fakeCounter().count, { maxTokens: 100, title: `request${IMG}.json` });
		const fragment = reportHtml(report, { source: `request${IMG}.json:1`, countedBy: 'offline estimate', canCopyTrimmed: true });
		const page = reportPage(fragment, { cspSource: 'vscode-resource:', nonce: 'n0nce', styleUri: 'style.css', scriptUri: 'report.js' });

		// No element, attribute or link the document wrote survives as markup.
		assert.ok(!/<img/i.test(page), 'an <img> element');
		assert.ok(!/onerror=/i.test(page.replace(/onerror=alert\(1\)&gt;/g, '')), 'an event handler attribute');
		assert.ok(!/href="javascript:/i.test(page), 'a javascript: link');
		assert.equal((page.match(/<script/gi) ?? []).length, 1, 'only the page\'s own script tag');
		assert.equal((page.match(/<\/script>/gi) ?? []).length, 1);
		assert.match(page, /<script nonce="n0nce" src="report\.js"><\/script>/);
		// …and the text is there, escaped, so the user still sees what the document says.
		assert.match(fragment, /claude-x&lt;img src=x onerror=alert\(1\)&gt;/);
		assert.match(fragment, /lookup&lt;\/script&gt;/);

		const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
		assert.ok(csp, 'a CSP');
		assert.match(csp, /default-src 'none'/);
		const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
		assert.equal(scriptSrc.trim(), "'nonce-n0nce'", 'scripts only by nonce');
		assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
		assert.ok(!/ style="| on[a-z]+="/i.test(page), 'no inline style or handler of our own either');
	});
});

describe('nothing is sent while counting is offline', () => {
	it('a document counted offline (as in an untrusted workspace) makes no request, though a key is set', async () => {
		const server = await startCountServer();
		const api = new AnthropicCounter({ vocabs, getApiKey: () => 'sk-ant-privacy-0000', baseURL: server.url });
		const service = new TokenCountService(
			{ detect: detectRequests, api, offline: new TokenizerCounter(vocabs), hasApiKey: () => true },
			// The extension runs the store in 'offline' mode whenever the workspace is not trusted.
			{ mode: 'offline', debounceMs: 0, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false },
		);
		try {
			await service.update({ uri: 'file:///secret.json', version: 1, languageId: 'json', getText: () => '{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "a secret prompt"}]}' });
			await service.whenIdle();
			const site = service.get('file:///secret.json')!.sites[0];
			assert.ok(site.offline && site.offline.inputTokens > 0);
			assert.equal(site.exact, undefined);
			await service.countNow({ provider: 'anthropic', model: 'claude-sonnet-4-5', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'ad hoc' }] } });
			assert.equal(server.requests.length, 0, 'the server received nothing');
		} finally {
			service.dispose();
			await server.close();
		}
	});
});
