import * as assert from 'node:assert/strict';
import { mdText, noLinks } from '../../src/core/util/markdown';

describe('Markdown escaping of text from documents', () => {
	it('turns the hostile model id of a request into inert text: no link, no code span, no icon', () => {
		const hostile = 'claude-x` [Estimate Request](command:claudeTokenMeter.setApiKey?%5B%22sk-ant-attacker-0%22%5D) `';
		const md = `**Claude Token Meter** — ${mdText(hostile)}`;
		// Every bracket, parenthesis, backtick and colon of the id is escaped, so Markdown sees no link syntax.
		assert.doesNotMatch(md, /(^|[^\\])\[[^\]]*(^|[^\\])\]\(/);
		assert.doesNotMatch(md, /(^|[^\\])`/);
		assert.ok(md.includes('\\[Estimate Request\\]\\(command\\:claudeTokenMeter.setApiKey?%5B%22sk-ant-attacker-0%22%5D\\)'));
		// Unescaping gives the id back unchanged: the user still sees what the file says.
		assert.equal(mdText(hostile).replace(/\\(.)/g, '$1'), hostile);
	});

	it('escapes HTML, autolinks, theme icons and line breaks', () => {
		assert.equal(mdText('<img src=x onerror=alert(1)>'), '\\<img src=x onerror=alert\\(1\\)\\>');
		assert.equal(mdText('$(key) see https://evil.example'), '\\$\\(key\\) see https\\://evil.example');
		assert.equal(mdText('a\n# heading\r\n| t |'), 'a # heading \\| t \\|');
		assert.equal(mdText('claude-sonnet-4-5'), 'claude-sonnet-4-5', 'ordinary ids stay readable');
	});

	it('keeps notification text from forming a command link', () => {
		const text = noLinks('set to [Open](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22x%22%7D) and [b] (c)');
		// VS Code links `[label](command:…)` in notifications; the label and target must never touch.
		assert.doesNotMatch(text, /\]\s*\(/);
		assert.equal(text.replace(/\u200b/g, ''), 'set to [Open](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22x%22%7D) and [b] (c)');
	});
});
