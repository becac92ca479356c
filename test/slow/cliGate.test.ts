/**
 * The CLI as a CI gate: files that do not parse or are not text fail the run (exit 2) unless --lenient, the
 * figures it prints are honest (no "exact" offline figure, no infinite or negative worst case), folder
 * searches say what they skipped, document text cannot drive the terminal, and the endpoint's retry-after
 * and the request rate are kept to.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonSite } from '../../src/cli/render';
import { startCountServer } from '../server/countServer';
import { cleanEnv, ensureBuiltCli, run } from './cliHelpers';

const KEY = 'sk-ant-cli-gate-3e8a61f0c2d94b75';
const request = (content: string, extra: Record<string, unknown> = {}) =>
	JSON.stringify({ model: 'claude-sonnet-4-5', ...extra, messages: [{ role: 'user', content }] });

/** Bytes a terminal acts on: C0 controls but newline and tab, DEL, C1 controls. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('CLI as a gate (built dist/cli.js)', function () {
	this.timeout(120_000);
	let tmp: string;
	const file = (name: string, content: string | Buffer) => {
		const p = path.join(tmp, name);
		fs.mkdirSync(path.dirname(p), { recursive: true });
		fs.writeFileSync(p, content);
		return p;
	};

	before(() => {
		ensureBuiltCli();
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-gate-'));
	});
	after(() => fs.rmSync(tmp, { recursive: true, force: true }));

	describe('files that do not parse', () => {
		it('a truncated request fails the budget gate with file:line:col and the parser\'s message', async () => {
			const bad = file('bad.json', '{"model": "claude-sonnet-4-5", "messages": [ {"role": "user", "content": "unterminated ');
			const r = await run(['count', bad, '--budget-tokens', '100'], { cwd: tmp });
			assert.equal(r.code, 2, r.stdout + r.stderr);
			assert.equal(r.stdout, '');
			assert.match(r.stderr, /bad\.json does not parse \(--lenient counts what can be read\):\n\s+bad\.json:1:74: unterminated string \(JSON\)/);
		});

		it('--lenient counts what can be read and says what was left out', async () => {
			const bad = file('bad.json', '{"model": "claude-sonnet-4-5", "messages": [ {"role": "user", "content": "unterminated ');
			const r = await run(['count', bad, '--lenient', '--json'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
			assert.equal((JSON.parse(r.stdout) as JsonSite[]).length, 1);
			assert.match(r.stderr, /--lenient: counted as far as they could be read:\n {2}bad\.json:1:74: unterminated string/);
		});

		it('TypeScript with a syntax error, with the compiler\'s message', async () => {
			const bad = file('call.ts', 'const r = client.messages.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }]\n');
			const r = await run(['count', bad], { cwd: tmp });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /call\.ts:2:1: '\}' expected\. \(TypeScript\)/);
		});

		it('JSONL: each malformed line by its number; --lenient counts the others', async () => {
			const jsonl = file('lines.jsonl', `${request('one')}\nnot json at all\n${request('three')}\n{"model": "x", "messages": [\n`);
			const strict = await run(['count', jsonl], { cwd: tmp });
			assert.equal(strict.code, 2);
			assert.match(strict.stderr, /lines\.jsonl:2:1: invalid symbol \(JSON\)\n\s+lines\.jsonl:4:\d+: /);
			const lenient = await run(['count', jsonl, '--lenient', '--json'], { cwd: tmp });
			assert.equal(lenient.code, 0, lenient.stderr);
			assert.deepEqual((JSON.parse(lenient.stdout) as JsonSite[]).map((s) => s.line), [1, 3]);
		});

		it('JSONC comments and trailing commas are not errors', async () => {
			const ok = file('ok.jsonc', '// a request\n{"model": "claude-sonnet-4-5", /* inline */ "messages": [{"role": "user", "content": "hi"},],}\n');
			const r = await run(['count', ok, '--json'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
		});
	});

	describe('one rule for binary and non-text files, wherever the bytes sit', () => {
		const body = Buffer.from(request('x'.repeat(200_000)));
		const at = (offset: number, bytes: number[]) => Buffer.concat([body.subarray(0, offset), Buffer.from(bytes), body.subarray(offset)]);

		for (const offset of [1, 8192, body.length - 2]) {
			it(`a NUL byte at byte ${offset}: refused by count and batch`, async () => {
				const f = file(`nul-${offset}.jsonl`, at(offset, [0]));
				for (const args of [['count', f], ['batch', f]]) {
					const r = await run(args, { cwd: tmp });
					assert.equal(r.code, 2, `${args[0]}: ${r.stdout}${r.stderr}`);
					assert.match(r.stderr, new RegExp(`looks like a binary file \\(a NUL byte at byte ${offset}\\)`));
				}
			});
		}

		it('invalid UTF-8 far into the file: refused by count and batch, with the byte', async () => {
			const f = file('latin1.jsonl', at(150_000, [0xe9, 0x20]));
			for (const args of [['count', f], ['batch', f]]) {
				const r = await run(args, { cwd: tmp });
				assert.equal(r.code, 2);
				assert.match(r.stderr, /is not UTF-8 text \(an invalid byte sequence at byte 150000; save it as UTF-8\)/);
			}
		});

		it('UTF-16 with a byte-order mark (LE and BE) is decoded and counts like its UTF-8 text', async () => {
			const text = `${request('héllo wörld')}\n${request('second line')}\n`;
			const utf8 = file('u8.jsonl', text);
			const le = file('u16le.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
			const be = file('u16be.jsonl', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
			const tokens = async (args: string[]) => {
				const r = await run([...args, '--json'], { cwd: tmp });
				assert.equal(r.code, 0, r.stderr);
				const out = JSON.parse(r.stdout) as JsonSite[] | { inputTokens: number };
				return Array.isArray(out) ? out.map((s) => s.inputTokens) : out.inputTokens;
			};
			for (const cmd of ['count', 'batch']) {
				const expected = await tokens([cmd, utf8]);
				assert.deepEqual(await tokens([cmd, le]), expected, `${cmd} UTF-16LE`);
				assert.deepEqual(await tokens([cmd, be]), expected, `${cmd} UTF-16BE`);
			}
		});

		it('--lenient skips a binary file of a folder, says so, and counts the rest', async () => {
			const dir = path.join(tmp, 'mixed');
			file('mixed/good.json', request('fine'));
			file('mixed/blob.json', Buffer.from([0x7b, 0x00, 0x7d]));
			const strict = await run(['count', dir, '--json'], { cwd: tmp });
			assert.equal(strict.code, 2, 'the others are counted, but the run fails');
			assert.equal((JSON.parse(strict.stdout) as JsonSite[]).length, 1);
			const r = await run(['count', dir, '--lenient', '--json'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
			assert.equal((JSON.parse(r.stdout) as JsonSite[]).length, 1);
			assert.match(r.stderr, /mixed\/blob\.json: looks like a binary file \(a NUL byte at byte 1\)/);
		});
	});

	describe('figures', () => {
		it('an offline figure is never "exact"', async () => {
			const f = file('plain.json', request('hello'));
			const [site] = JSON.parse((await run(['count', f, '--json'], { cwd: tmp })).stdout) as JsonSite[];
			assert.equal(site.exact, false);
			const batch = JSON.parse((await run(['batch', file('plain.jsonl', `${request('hello')}\n`), '--json'], { cwd: tmp })).stdout) as { exact: boolean };
			assert.equal(batch.exact, false);
		});

		it('the offline fallback after a 400 is not "exact" either', async () => {
			const server = await startCountServer({ validKeys: [KEY] });
			try {
				server.inject({ status: 400, message: 'messages: at least one message is required' });
				const f = file('two.json', `[${request('first')}, ${request('second')}]`);
				const r = await run(['count', f, '--json', '--api', '--base-url', server.url], { cwd: tmp, env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
				assert.equal(r.code, 0, r.stderr);
				const sites = JSON.parse(r.stdout) as JsonSite[];
				assert.deepEqual(sites.map((s) => s.exact).sort(), [false, true]);
				assert.match(r.stderr, /the offline figure is shown instead/);
			} finally {
				await server.close();
			}
		});

		it('max_tokens of 1e308 or -5 on a batch line: listed, left out, totals stay finite and non-negative', async () => {
			const f = file('mt.jsonl', [request('a', { max_tokens: 1e308 }), request('b', { max_tokens: -5 }), request('c', { max_tokens: 10 })].join('\n'));
			const strict = await run(['batch', f, '--json'], { cwd: tmp });
			assert.equal(strict.code, 2);
			const r = await run(['batch', f, '--json', '--lenient'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
			const e = JSON.parse(r.stdout) as { requests: number; maxOutputTokens: number; maxOutputCostUsd: number; maxTotalCostUsd: number; malformed: { lines: number[]; examples: { reason: string }[] } };
			assert.equal(e.requests, 1);
			assert.equal(e.maxOutputTokens, 10);
			assert.ok(Number.isFinite(e.maxTotalCostUsd) && e.maxTotalCostUsd > 0 && e.maxOutputCostUsd > 0, JSON.stringify(e));
			assert.deepEqual(e.malformed.lines, [1, 2]);
			assert.match(e.malformed.examples[0].reason, /max_tokens must be a whole number ≥ 1, not 1e\+308/);
			assert.match(e.malformed.examples[1].reason, /not -5/);
			// count: the request is counted, its worst case is not made up.
			const c = await run(['count', f, '--json'], { cwd: tmp });
			const sites = JSON.parse(c.stdout) as JsonSite[];
			assert.deepEqual(sites.map((s) => s.maxTokens), [null, null, 10]);
			assert.deepEqual(sites.map((s) => s.maxCostUsd === null), [true, true, false]);
			assert.match(c.stderr, /mt\.jsonl:1:1: max_tokens must be a whole number ≥ 1, not 1e\+308: no worst-case cost/);
		});

		it('batch exits 2 when no line is a request, even with --lenient', async () => {
			const f = file('none.jsonl', '{"a": 1}\n\n{"b": 2}\n');
			for (const extra of [[], ['--lenient']]) {
				const r = await run(['batch', f, ...extra], { cwd: tmp });
				assert.equal(r.code, 2);
				assert.match(r.stderr, /none\.jsonl: no line is a Messages request or a \{custom_id, params\} entry \(3 lines, 2 malformed\)/);
			}
		});
	});

	describe('folder searches', () => {
		it('say which dot-folders, dependency folders and symbolic links they skipped', async () => {
			const dir = path.join(tmp, 'tree');
			file('tree/a.json', request('a'));
			file('tree/.hidden/b.json', request('b'));
			file('tree/node_modules/c.json', request('c'));
			file('elsewhere/d.json', request('d'));
			fs.symlinkSync(path.join(tmp, 'elsewhere', 'd.json'), path.join(dir, 'link.json'));
			fs.symlinkSync(path.join(tmp, 'elsewhere'), path.join(dir, 'linked-dir'));
			const r = await run(['count', dir, '--json'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
			assert.deepEqual((JSON.parse(r.stdout) as JsonSite[]).map((s) => s.file), ['tree/a.json']);
			assert.match(r.stderr, /note: not searched: 2 folders \(tree\/\.hidden, tree\/node_modules\) and 2 symbolic links \(tree\/link\.json, tree\/linked-dir\)/);
			assert.match(r.stderr, /Name them on the command line to count them/);
			// Named, a link is followed.
			const named = await run(['count', path.join(dir, 'link.json'), '--json'], { cwd: tmp });
			assert.equal((JSON.parse(named.stdout) as JsonSite[]).length, 1);
		});
	});

	describe('terminal safety', () => {
		const hostile = 'claude-\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e';

		it('model ids reach the table, the budget message and JSON escaped', async () => {
			const f = file('esc.json', request('hi', { model: hostile }));
			for (const args of [['count', f], ['count', f, '--budget-usd', '0'], ['count', f, '--json'], ['batch', file('esc.jsonl', `${request('hi', { model: hostile })}\n`)]]) {
				const r = await run(args, { cwd: tmp });
				assert.ok(!TERMINAL_CONTROL.test(r.stdout) && !TERMINAL_CONTROL.test(r.stderr), `${args.join(' ')}: raw control characters reached the terminal`);
				assert.ok(!r.stdout.includes('\u202e'));
				assert.match(r.stdout + r.stderr, /claude-\\u001b\]0;owned\\u0007/);
			}
			const [site] = JSON.parse((await run(['count', f, '--json'], { cwd: tmp })).stdout) as JsonSite[];
			assert.equal(site.model, hostile, 'JSON keeps the id, escaped as JSON');
		});

		it('malformed-line excerpts are printed escaped', async () => {
			const f = file('excerpt.jsonl', `${request('ok')}\n\u001b[2J\u001b]0;title\u0007 {"x": 1\n`);
			const r = await run(['batch', f, '--lenient'], { cwd: tmp });
			assert.equal(r.code, 0, r.stderr);
			assert.ok(!TERMINAL_CONTROL.test(r.stdout) && !TERMINAL_CONTROL.test(r.stderr));
			assert.match(r.stdout, /line 2: not valid JSON/);
		});
	});

	describe('the endpoint\'s retry-after and the request rate', () => {
		it('a retry-after of an hour fails the run at once, saying so', async () => {
			const server = await startCountServer({ validKeys: [KEY] });
			try {
				server.inject({ status: 429, retryAfter: 3600 }, 5);
				const f = file('one.json', request('hello'));
				const r = await run(['count', f, '--api', '--base-url', server.url], { cwd: tmp, env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
				assert.equal(r.code, 2);
				assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
				assert.match(r.stderr, /counting failed: Rate limited by the counting endpoint \(429\): it asked to wait 1 h \(retry-after\), longer than the 60 s Claude Token Meter waits/);
				assert.equal(server.requests.length, 1);
				const b = await run(['batch', file('one.jsonl', `${request('hello')}\n`), '--api', '--base-url', server.url], { cwd: tmp, env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
				assert.equal(b.code, 2);
				assert.match(b.stderr, /asked to wait 1 h/);
			} finally {
				await server.close();
			}
		});

		it('--rpm spreads 120 requests over time instead of sending them at once (server timestamps)', async () => {
			const server = await startCountServer({ validKeys: [KEY] });
			try {
				const lines = Array.from({ length: 120 }, (_, i) => request(`request number ${i}`)).join('\n');
				const r = await run(['batch', file('many.jsonl', lines), '--json', '--api', '--rpm', '1200', '--base-url', server.url], { cwd: tmp, env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
				assert.equal(r.code, 0, r.stderr);
				const times = server.requests.map((q) => q.time).sort((a, b) => a - b);
				assert.equal(times.length, 120);
				// 1200 a minute is 20 a second: 5 back to back, then one every 50 ms. Arrival jitter gets a margin.
				let most = 0;
				for (let i = 0, j = 0; i < times.length; i++) {
					while (j < times.length && times[j] < times[i] + 1_000) { j++; }
					most = Math.max(most, j - i);
				}
				assert.ok(most <= 26, `${most} requests arrived within one second`);
				assert.ok(times[times.length - 1] - times[0] >= 5_000, `120 requests took ${times[times.length - 1] - times[0]} ms`);
			} finally {
				await server.close();
			}
		});
	});
});
