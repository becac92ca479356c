import * as assert from 'node:assert/strict';
import { detector, detectRequests } from '../core';
import { type GrammarName } from '../../src/core/detect/treeSitter';
import type { RequestSite } from '../../src/core/types';
import { sdkFile } from '../../bench/service';

const plain = (s: RequestSite) => ({ ...s, payload: JSON.parse(JSON.stringify(s.payload)) as unknown });

const languages: [string, GrammarName, string][] = [
	['typescript', 'typescript', 'ts'], ['javascript', 'javascript', 'js'], ['python', 'python', 'py'], ['go', 'go', 'go'],
	['java', 'java', 'java'], ['ruby', 'ruby', 'rb'], ['csharp', 'c_sharp', 'cs'], ['php', 'php', 'php'],
];

/** Counts the parser's parses while `run` runs. */
async function parsesDuring(grammar: GrammarName, run: () => Promise<void>): Promise<number> {
	const parser = await detector.grammars.parser(grammar);
	const parse = parser.parse;
	let count = 0;
	parser.parse = function (...args: Parameters<typeof parse>) {
		count++;
		return parse.apply(this, args);
	};
	try {
		await run();
	} finally {
		parser.parse = parse;
	}
	return count;
}

describe('detect: typing inside a string moves the kept tree instead of parsing again', () => {
	for (const [languageId, grammar, ext] of languages) {
		it(`${languageId}: typing inside a prompt gives the same sites as a fresh read with no parse; edits at a string's edges and quotes give them too (quotes are parsed)`, async () => {
			const { text: base, calls } = sdkFile(languageId, 6_000);
			const fileName = `typing.${ext}`;
			await detectRequests(base, languageId, { fileName });
			// The prompt of the middle call: `Question N: where is my order?`, right after its opening quote.
			const open = base.indexOf(`Question ${calls >> 1}:`);
			let text = base;
			const check = async (next: string, what: string): Promise<number> => {
				text = next;
				let incremental: RequestSite[] = [];
				const parses = await parsesDuring(grammar, async () => { incremental = await detectRequests(text, languageId, { fileName }); });
				assert.deepEqual(incremental.map(plain), (await detectRequests(text, languageId)).map(plain), what);
				return parses;
			};
			// Inside the text: letters, digits, spaces, a removed character.
			for (const typed of ['x', ' ', '7', 'ab c']) {
				const at = open + 3;
				assert.equal(await check(text.slice(0, at) + typed + text.slice(at), `typing ${JSON.stringify(typed)}`), 0, `typing ${JSON.stringify(typed)} parses nothing`);
			}
			const inside = open + 4;
			assert.equal(await check(text.slice(0, inside) + text.slice(inside + 1), 'a character removed'), 0);
			// At the edges (right after the opening quote, right before the closing one): parsed again, same sites.
			await check(text.slice(0, open) + 'Q' + text.slice(open), 'typing after the opening quote');
			const close = text.indexOf(': where is my order?', open) + ': where is my order?'.length;
			await check(text.slice(0, close) + '!' + text.slice(close), 'typing before the closing quote');
			// Quotes and line breaks change the structure: parsed again.
			const mid = open + 2;
			assert.ok(await check(text.slice(0, mid) + '"' + text.slice(mid), 'a quote typed') > 0, 'a quote is parsed');
			assert.ok(await check(text.slice(0, mid) + text.slice(mid + 1), 'the quote removed') > 0);
		});
	}

	it('Ruby word arrays and heredocs, where a space or a word changes the structure, are parsed again', async () => {
		const fileName = 'words.rb';
		let text = 'TAGS = %w[alpha beta]\nPROMPT = <<~EOT\n  Hello there\n  EOT\nclient.messages.create(model: "claude-haiku-4-5", max_tokens: 5, system: PROMPT, messages: [{role: "user", content: TAGS.join}])\n';
		await detectRequests(text, 'ruby', { fileName });
		for (const [at, typed] of [[text.indexOf('alpha') + 2, ' '], [text.indexOf('Hello') + 2, 'x'], [text.indexOf('Hello'), 'EOT\n']] as const) {
			text = text.slice(0, at) + typed + text.slice(at);
			const parses = await parsesDuring('ruby', async () => { await detectRequests(text, 'ruby', { fileName }); });
			assert.ok(parses > 0, `typing ${JSON.stringify(typed)} at ${at} is parsed`);
			assert.deepEqual((await detectRequests(text, 'ruby', { fileName })).map(plain), (await detectRequests(text, 'ruby')).map(plain));
		}
	});
});
