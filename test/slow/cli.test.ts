/**
 * Runs the built CLI (`node dist/cli.js`) as a child process, as users and CI do.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupModel } from '../../src/core/cost';
import { utf8CountRule } from '../server/countRule';
import { startCountServer, type CountServer } from '../server/countServer';
import type { JsonSite } from '../../src/cli/render';
import { CLI, EXAMPLES, ROOT, cleanEnv, ensureBuiltCli, run, type Run } from './cliHelpers';

const KEY = 'sk-ant-cli-test-5f3a9c1e7b2d4068';

/** The `--json` contract as the CLI declares it. */
type Site = JsonSite;

const SITE_KEYS = ['file', 'line', 'column', 'kind', 'language', 'method', 'model', 'inputTokens', 'exact', 'approximate', 'unresolved', 'costUsd', 'maxCostUsd', 'maxTokens', 'modelFromFile', 'overBudget'];

function close(actual: number | null, expected: number, what: string): void {
	// Printed amounts are rounded to 1e-12 dollars.
	assert.ok(actual !== null && Math.abs(actual - expected) < 1e-11, `${what}: ${actual} ≠ ${expected}`);
}

/** The text at a 1-based line and column of a file. */
function textAt(file: string, line: number, column: number): string {
	const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
	return lines[line - 1].slice(column - 1);
}

function parseSites(r: Run): Site[] {
	assert.equal(r.code, 0, r.stderr);
	return JSON.parse(r.stdout) as Site[];
}

describe('CLI (built dist/cli.js)', function () {
	this.timeout(120_000);
	let tmp: string;

	before(() => {
		ensureBuiltCli();
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-cli-'));
	});
	after(() => fs.rmSync(tmp, { recursive: true, force: true }));

	describe('help and version', () => {
		it('prints the usage with --help and exits 0', async () => {
			const r = await run(['--help']);
			assert.equal(r.code, 0);
			assert.match(r.stdout, /Usage:/);
			assert.match(r.stdout, /claude-token-meter count <files or folders\.\.\.>/);
			assert.match(r.stdout, /claude-token-meter batch <file\.jsonl \| ->/);
			for (const flag of ['--model', '--json', '--budget-tokens', '--budget-usd', '--offline', '--api', '--base-url']) {
				assert.ok(r.stdout.includes(flag), flag);
			}
		});

		it('prints the package version with --version', async () => {
			const r = await run(['--version']);
			assert.equal(r.code, 0);
			const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
			assert.equal(r.stdout.trim(), pkg.version);
		});

		it('is an executable script with a shebang', () => {
			assert.ok(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
		});
	});

	describe('count, offline', () => {
		let sites: Site[];

		before(async () => {
			sites = parseSites(await run(['count', 'examples', '--json']));
		});

		it('finds the requests of every file type in examples/', () => {
			const files = new Set(sites.map((s) => s.file));
			for (const f of ['batch-requests.jsonl', 'classify.py', 'multi-turn-conversation.json', 'plain-request.json', 'several-requests.json', 'summarize.ts', 'support-agent-with-tools.json']) {
				assert.ok(files.has(`examples/${f}`), `no site in ${f}`);
			}
			assert.equal(sites.filter((s) => s.file === 'examples/several-requests.json').length, 3);
			assert.equal(sites.filter((s) => s.file === 'examples/batch-requests.jsonl').length, 4);
			assert.equal(sites.filter((s) => s.file === 'examples/classify.py').length, 2);
			assert.equal(sites.filter((s) => s.file === 'examples/summarize.ts').length, 2);
		});

		it('prints amounts without floating-point noise', async () => {
			const raw = (await run(['count', 'examples', '--json'])).stdout;
			assert.doesNotMatch(raw, /"(costUsd|maxCostUsd)": \d+\.\d*0000000\d/);
		});

		it('prints every field of a site with its type', () => {
			for (const s of sites) {
				assert.deepEqual(Object.keys(s), SITE_KEYS);
				assert.equal(typeof s.file, 'string');
				assert.ok(Number.isInteger(s.line) && s.line >= 1);
				assert.ok(Number.isInteger(s.column) && s.column >= 1);
				assert.ok(['messages', 'batch-entry', 'bedrock-invoke', 'bedrock-converse'].includes(s.kind), s.kind);
				assert.ok(['json', 'jsonl', 'typescript', 'javascript', 'python', 'go', 'java', 'ruby', 'csharp', 'php'].includes(s.language), s.language);
				assert.ok(s.method === null || ['create', 'stream', 'count_tokens', 'parse', 'tool_runner', 'batch', 'invoke_model', 'converse'].includes(s.method), String(s.method));
				assert.equal(typeof s.model, 'string');
				assert.ok(Number.isInteger(s.inputTokens) && s.inputTokens > 0, `${s.file}:${s.line} ${s.inputTokens}`);
				assert.equal(typeof s.exact, 'boolean');
				assert.equal(typeof s.approximate, 'boolean');
				assert.ok(!(s.exact && s.approximate), 'an estimated figure is not exact');
				assert.ok(Array.isArray(s.unresolved));
				assert.equal(s.modelFromFile, true);
				assert.equal(s.overBudget, false);
			}
		});

		it('says which language and SDK method each site comes from', () => {
			const of = (file: string) => sites.filter((s) => s.file === file).map((s) => `${s.language} ${s.method}`);
			assert.deepEqual(of('examples/classify.py'), ['python create', 'python count_tokens']);
			assert.deepEqual(of('examples/quiz.go'), ['go create', 'go count_tokens']);
			assert.deepEqual(of('examples/Quiz.java'), ['java create', 'java count_tokens']);
			assert.deepEqual([...new Set(of('examples/plain-request.json'))], ['json null']);
		});

		it('prices input at the standard rate, and adds max_tokens of output for the maximum', () => {
			for (const s of sites) {
				const info = lookupModel(s.model);
				assert.ok(info, `${s.model} has a price`);
				close(s.costUsd, (s.inputTokens * info.input) / 1e6, `${s.file}:${s.line} costUsd`);
				if (s.maxTokens === null) {
					assert.equal(s.maxCostUsd, null);
				} else {
					close(s.maxCostUsd, s.costUsd! + (s.maxTokens * info.output) / 1e6, `${s.file}:${s.line} maxCostUsd`);
				}
			}
			const plain = sites.find((s) => s.file === 'examples/plain-request.json')!;
			assert.equal(plain.maxTokens, JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'plain-request.json'), 'utf8')).max_tokens);
		});

		it('gives 1-based positions that point at the request', () => {
			for (const s of sites.filter((x) => x.file.endsWith('.json') || x.file.endsWith('.jsonl'))) {
				assert.ok(textAt(s.file, s.line, s.column).startsWith('{'), `${s.file}:${s.line}:${s.column}`);
			}
			const plain = sites.find((s) => s.file === 'examples/plain-request.json')!;
			assert.deepEqual([plain.line, plain.column], [1, 1]);
			const batch = sites.filter((s) => s.file === 'examples/batch-requests.jsonl');
			assert.deepEqual(batch.map((s) => s.line), [1, 2, 3, 4]);
			assert.ok(batch.every((s) => s.kind === 'batch-entry'));
			for (const s of sites.filter((x) => x.file.endsWith('.ts') || x.file.endsWith('.py'))) {
				assert.match(textAt(s.file, s.line, s.column), /messages\.(create|countTokens|count_tokens)\(/, `${s.file}:${s.line}:${s.column}`);
			}
		});

		it('lists unresolved parts: summarize.ts passes a parameter as a message', () => {
			const create = sites.find((s) => s.file === 'examples/summarize.ts' && s.maxTokens !== null)!;
			assert.ok(create.unresolved.length >= 1);
			const u = create.unresolved.find((x) => x.text.includes('reportText'));
			assert.ok(u, JSON.stringify(create.unresolved));
			assert.match(u.path, /^\/messages\/1/);
			assert.equal(typeof u.reason, 'string');
			const preflight = sites.find((s) => s.file === 'examples/summarize.ts' && s.maxTokens === null)!;
			assert.deepEqual(preflight.unresolved, []);
		});

		it('prints a table with one row per site and a total that agree with --json', async () => {
			const r = await run(['count', 'examples']);
			assert.equal(r.code, 0, r.stderr);
			const lines = r.stdout.split('\n');
			assert.match(lines[0], /^LOCATION\s+KIND\s+MODEL\s+TOKENS\s+COST\s+MAX COST$/);
			for (const s of sites) {
				const row = lines.find((l) => l.startsWith(`${s.file}:${s.line}:${s.column} `));
				assert.ok(row, `no row for ${s.file}:${s.line}:${s.column}`);
				const mark = s.unresolved.length > 0 ? '≥' : s.approximate ? '≈' : '';
				const tokens = `${mark}${s.inputTokens.toLocaleString('en-US')}`;
				assert.ok(row.split(/\s+/).includes(tokens), `${row} lacks ${tokens}`);
				assert.ok(row.includes(s.kind) && row.includes(s.model), row);
			}
			const total = lines.find((l) => l.startsWith('Total ('))!;
			assert.match(total, new RegExp(`Total \\(${sites.length} requests in 9 files\\)`));
			const sum = sites.reduce((a, s) => a + s.inputTokens, 0);
			assert.ok(total.includes(`≥${sum.toLocaleString('en-US')}`), total);
			assert.match(r.stdout, /Counted offline/);
			assert.match(r.stdout, /≥ parts could not be resolved/);
		});

		it('counts the same file alike whether named alone or found in a folder', async () => {
			const alone = parseSites(await run(['count', 'examples/several-requests.json', '--json']));
			assert.deepEqual(alone, sites.filter((s) => s.file === 'examples/several-requests.json'));
		});

		it('--model counts and prices every request for that model', async () => {
			const forced = parseSites(await run(['count', 'examples/several-requests.json', '--json', '--model', 'claude-opus-4-1']));
			assert.equal(forced.length, 3);
			for (const s of forced) {
				assert.equal(s.model, 'claude-opus-4-1');
				assert.equal(s.modelFromFile, false);
				close(s.costUsd, (s.inputTokens * 15) / 1e6, 'opus 4.1 price');
			}
		});

		it('fills the model of a request that names none with the default, and says so', async () => {
			const [s] = parseSites(await run(['count', 'test/fixtures/cli/no-model.jsonc', '--json']));
			assert.equal(s.kind, 'batch-entry');
			assert.equal(s.model, 'claude-sonnet-5-5');
			assert.equal(s.modelFromFile, false);
			assert.deepEqual([s.line, s.column], [2, 1]);
			const table = await run(['count', 'test/fixtures/cli/no-model.jsonc']);
			assert.match(table.stdout, /claude-sonnet-5-5\*/);
			assert.match(table.stdout, /names no model/);
		});

		it('shows "no price" for an unknown model, never a borrowed one', async () => {
			const [s] = parseSites(await run(['count', 'test/fixtures/cli/unknown-model.json', '--json']));
			assert.equal(s.model, 'claude-imaginary-7');
			assert.equal(s.costUsd, null);
			assert.equal(s.maxCostUsd, null);
			const table = await run(['count', 'test/fixtures/cli/unknown-model.json']);
			assert.match(table.stdout, /no price/);
			assert.match(table.stdout, /1 request has no price/);
		});

		it('prices a Bedrock request by its Bedrock model id', async () => {
			const [s] = parseSites(await run(['count', 'test/fixtures/cli/bedrock-converse.json', '--json']));
			assert.equal(s.kind, 'bedrock-converse');
			assert.equal(s.model, 'anthropic.claude-haiku-4-5-20251001-v1:0');
			assert.equal(s.maxTokens, 300);
			close(s.costUsd, (s.inputTokens * 1) / 1e6, 'Haiku 4.5 input');
			close(s.maxCostUsd, s.costUsd! + (300 * 5) / 1e6, 'Haiku 4.5 with output');
		});

		it('says so when a folder holds no requests', async () => {
			const empty = path.join(tmp, 'empty');
			fs.mkdirSync(empty);
			fs.writeFileSync(path.join(empty, 'a.json'), '{"hello": 1}');
			const r = await run(['count', empty]);
			assert.equal(r.code, 0);
			assert.match(r.stdout, /No Claude requests found in 1 file/);
			const j = await run(['count', empty, '--json']);
			assert.deepEqual(JSON.parse(j.stdout), []);
		});
	});

	describe('budgets', () => {
		it('exits 1 and names the sites over --budget-tokens', async () => {
			const all = parseSites(await run(['count', 'examples/several-requests.json', '--json']));
			const limit = Math.min(...all.map((s) => s.inputTokens));
			const r = await run(['count', 'examples/several-requests.json', '--json', '--budget-tokens', String(limit)]);
			assert.equal(r.code, 1);
			const sites = JSON.parse(r.stdout) as Site[];
			const over = sites.filter((s) => s.inputTokens > limit);
			assert.ok(over.length >= 1);
			assert.deepEqual(sites.filter((s) => s.overBudget), over);
			assert.match(r.stderr, new RegExp(`Budget exceeded by ${over.length} request`));
			for (const s of over) {
				assert.ok(r.stderr.includes(`${s.file}:${s.line}:${s.column}`), r.stderr);
			}
			for (const s of sites.filter((x) => !x.overBudget)) {
				assert.ok(!r.stderr.includes(`${s.file}:${s.line}:${s.column}:`), 'a site within budget is not named');
			}
		});

		it('exits 0 when every site is within the budgets', async () => {
			const r = await run(['count', 'examples', '--budget-tokens', '1000000', '--budget-usd', '100']);
			assert.equal(r.code, 0, r.stderr);
			assert.equal(r.stderr, '');
		});

		it('applies --budget-usd to costUsd per site and says which site and model', async () => {
			const all = parseSites(await run(['count', 'examples/several-requests.json', '--json']));
			const costs = all.map((s) => s.costUsd!).sort((a, b) => a - b);
			// Between the cheapest and the dearest input cost: some sites over, some not.
			const budget = (costs[0] + costs[costs.length - 1]) / 2;
			const r = await run(['count', 'examples/several-requests.json', '--budget-usd', String(budget)]);
			assert.equal(r.code, 1);
			const over = all.filter((s) => s.costUsd! > budget);
			assert.ok(over.length >= 1 && over.length < all.length);
			for (const s of over) {
				assert.ok(r.stderr.includes(`${s.file}:${s.line}:${s.column}: input cost`), r.stderr);
				assert.ok(r.stderr.includes(s.model));
			}
			assert.match(r.stdout, /over budget/);
			// maxCostUsd is not what the budget checks: a budget above every costUsd passes.
			const pass = await run(['count', 'examples/several-requests.json', '--budget-usd', String(costs[costs.length - 1])]);
			assert.equal(pass.code, 0, pass.stderr);
		});

		it('counts a site over both budgets once, naming both', async () => {
			const r = await run(['count', 'examples/support-agent-with-tools.json', '--budget-tokens', '1', '--budget-usd', '0.000001']);
			assert.equal(r.code, 1);
			assert.match(r.stderr, /Budget exceeded by 1 request:/);
			assert.match(r.stderr, /support-agent-with-tools\.json:1:1: ≈[\d,]+ input tokens, over the budget of 1\n/);
			assert.match(r.stderr, /support-agent-with-tools\.json:1:1: input cost \$[\d.]+ on claude-opus-5-5, over the budget of \$0\.000001/);
		});

		it('warns that --budget-usd cannot be checked for a model without a price', async () => {
			const r = await run(['count', 'test/fixtures/cli/unknown-model.json', '--budget-usd', '0.01']);
			assert.equal(r.code, 0);
			assert.match(r.stderr, /no price for model claude-imaginary-7: --budget-usd was not checked/);
		});
	});

	describe('bad input exits 2 with a message', () => {
		const cases: [string, () => string[], RegExp][] = [
			['a missing file', () => ['count', 'examples/nope.json'], /examples\/nope\.json: no such file or folder/],
			['an unsupported file type', () => ['count', 'test/fixtures/cli/notes.txt'], /notes\.txt: not a file type requests are detected in/],
			['an unknown flag', () => ['count', 'examples', '--frobnicate'], /Unknown option '--frobnicate'/],
			['a non-numeric budget', () => ['count', 'examples', '--budget-tokens', 'lots'], /--budget-tokens expects a whole number ≥ 0, got "lots"/],
			['a fractional token budget', () => ['count', 'examples', '--budget-tokens', '1.5'], /--budget-tokens expects a whole number/],
			['a negative dollar budget', () => ['count', 'examples', '--budget-usd=-1'], /--budget-usd expects a number ≥ 0, got "-1"/],
			['no command', () => [], /Usage:/],
			['an unknown command', () => ['tally', 'examples'], /Unknown command "tally"/],
			['count without files', () => ['count'], /count needs at least one file or folder/],
			['--offline with --api', () => ['count', 'examples', '--offline', '--api'], /--offline and --api exclude each other/],
			['--base-url without --api', () => ['count', 'examples', '--base-url', 'https://example.com'], /--base-url needs --api/],
			['--api without a key', () => ['count', 'examples', '--api'], /--api needs an API key in the environment variable ANTHROPIC_API_KEY/],
			['--rpm without --api', () => ['count', 'examples', '--rpm', '100'], /--rpm needs --api/],
			['batch with two files', () => ['batch', 'a.jsonl', 'b.jsonl'], /batch takes exactly one JSONL file/],
			['batch of a missing file', () => ['batch', 'examples/nope.jsonl'], /examples\/nope\.jsonl: no such file/],
			['batch of a folder', () => ['batch', 'examples'], /examples: not a file/],
			['batch with a budget', () => ['batch', 'examples/batch-requests.jsonl', '--budget-usd', '1'], /apply to count, not batch/],
		];
		for (const [what, args, message] of cases) {
			it(what, async () => {
				const r = await run(args());
				assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
				assert.match(r.stderr, message);
				assert.equal(r.stdout, '');
			});
		}

		it('skips an unsupported or missing file, counts the rest, and exits 2 at the end', async () => {
			const r = await run(['count', 'examples/plain-request.json', 'test/fixtures/cli/notes.txt', 'examples/nope.json', 'examples/quiz.go', '--json']);
			assert.equal(r.code, 2, r.stderr);
			const sites = JSON.parse(r.stdout) as Site[];
			assert.deepEqual([...new Set(sites.map((s) => s.file))], ['examples/plain-request.json', 'examples/quiz.go']);
			assert.match(r.stderr, /Skipped 2 files:\n {2}test\/fixtures\/cli\/notes\.txt: not a file type requests are detected in/);
			assert.match(r.stderr, /examples\/nope\.json: no such file or folder/);
		});

		it('skips a binary file among others', async () => {
			const file = path.join(tmp, 'blob2.json');
			fs.writeFileSync(file, Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d]));
			const r = await run(['count', file, 'examples/plain-request.json']);
			assert.equal(r.code, 2);
			assert.match(r.stdout, /plain-request\.json/);
			assert.match(r.stderr, /looks like a binary file/);
		});

		it('a request nested 2,000 and 100,000 levels deep (not "No Claude requests found")', async () => {
			for (const n of [2_000, 100_000]) {
				const file = path.join(tmp, `deep-${n}.json`);
				fs.writeFileSync(file, `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${'['.repeat(n)}1${']'.repeat(n)}}}`);
				const r = await run(['count', file]);
				assert.equal(r.code, 2, `${n}: ${r.stdout}\n${r.stderr}`);
				assert.match(r.stderr, /deep-\d+\.json:1:1: Too deeply nested: this request nests more than 256 levels, so it is not counted\./);
				assert.doesNotMatch(r.stdout, /No Claude requests found/);
			}
		});

		it('a binary file', async () => {
			const file = path.join(tmp, 'blob.json');
			fs.writeFileSync(file, Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d]));
			for (const args of [['count', file], ['batch', file]]) {
				const r = await run(args);
				assert.equal(r.code, 2);
				assert.match(r.stderr, /looks like a binary file/);
			}
		});

		it('a file that is not UTF-8', async () => {
			const file = path.join(tmp, 'latin1.json');
			fs.writeFileSync(file, Buffer.from('{"model": "caf\xe9", "messages": []}', 'latin1'));
			const r = await run(['count', file]);
			assert.equal(r.code, 2);
			assert.match(r.stderr, /is not UTF-8 text/);
		});

		it('an unreadable file', async function () {
			if (process.getuid?.() === 0) {
				this.skip(); // root reads any file
			}
			const file = path.join(tmp, 'secret.json');
			fs.writeFileSync(file, '{}');
			fs.chmodSync(file, 0o000);
			const r = await run(['count', file]);
			assert.equal(r.code, 2);
			assert.match(r.stderr, /cannot be read \(EACCES\)/);
		});

		it('ANTHROPIC_BASE_URL over plain http to another host', async () => {
			const r = await run(['count', 'examples', '--api'], { env: cleanEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'http://example.com' }) });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /ANTHROPIC_BASE_URL must use https/);
		});

		it('a file too large to scan', async () => {
			const file = path.join(tmp, 'huge.json');
			const fd = fs.openSync(file, 'w');
			fs.ftruncateSync(fd, 64 * 1024 * 1024 + 1); // sparse: no real disk use
			fs.closeSync(fd);
			const r = await run(['count', file]);
			assert.equal(r.code, 2);
			assert.match(r.stderr, /larger than 64 MB; for a JSONL batch file use "claude-token-meter batch"/);
		});

		it('--base-url over plain http to another host', async () => {
			const r = await run(['count', 'examples', '--api', '--base-url', 'http://example.com'], { env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /--base-url must use https \(plain http is allowed only for localhost\)/);
		});
	});

	describe('count --api through the local counting server', () => {
		let server: CountServer;

		before(async () => { server = await startCountServer({ validKeys: [KEY] }); });
		after(() => server.close());
		beforeEach(() => server.reset());

		const apiEnv = () => cleanEnv({ ANTHROPIC_API_KEY: KEY });

		it('refuses a request rate below one a minute', async () => {
			const r = await run(['count', 'examples', '--api', '--rpm', '0', '--base-url', server.url], { env: apiEnv() });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /--rpm expects a whole number ≥ 1/);
			assert.equal(server.requests.length, 0);
		});

		it('makes one count_tokens call per site, with the key, and prints the endpoint\'s figures', async () => {
			const r = await run(['count', 'examples', '--json', '--api', '--rpm', '600', '--base-url', server.url], { env: apiEnv() });
			const sites = parseSites(r);
			assert.equal(server.requests.length, sites.length, 'one request per site');
			for (const req of server.requests) {
				assert.equal(req.method, 'POST');
				assert.equal(req.path, '/v1/messages/count_tokens');
				assert.ok(req.keyEquals(KEY), 'the key arrived');
				assert.equal((req.body as { max_tokens?: unknown }).max_tokens, undefined, 'max_tokens is not sent to count_tokens');
			}
			// The figures are the server's: the same multiset as its rule over the bodies it accepted.
			const exact = sites.filter((s) => s.exact);
			const accepted = server.requests.filter((q) => q.status === 200);
			assert.deepEqual(exact.map((s) => s.inputTokens).sort((a, b) => a - b), accepted.map((q) => utf8CountRule(q.body)).sort((a, b) => a - b));
			for (const s of exact) {
				assert.equal(s.approximate, false);
			}
			// classify.py builds its messages with `EXAMPLES + [...]`, resolved as list concatenation: every body is
			// a valid request and every figure is the endpoint's.
			assert.equal(server.requests.filter((q) => q.status === 400).length, 0);
			assert.ok(sites.some((s) => s.file === 'examples/classify.py' && s.exact));
			assert.equal(exact.length, sites.length);
			const models = new Set(server.requests.map((q) => q.model));
			assert.deepEqual([...models].sort(), [...new Set(sites.map((s) => s.model))].sort());
			assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY), 'the key is never printed');
		});

		it('keeps the offline figure, with a warning naming the site, when the endpoint refuses a body', async () => {
			// The messages come from a function call: nothing is left to send, and the endpoint refuses the body.
			const file = path.join(tmp, 'refused.py');
			fs.writeFileSync(file, 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=load())\n');
			const r = await run(['count', file, '--json', '--api', '--base-url', server.url], { env: apiEnv() });
			const [site] = parseSites(r);
			assert.equal(server.requests.filter((q) => q.status === 400).length, 1);
			assert.equal(site.exact, false);
			assert.ok(site.unresolved.length > 0);
			assert.match(r.stderr, /warning: .*refused\.py:3:1: The counting endpoint rejected the request \(400\).*the offline figure is shown instead/);
		});

		it('takes the endpoint from ANTHROPIC_BASE_URL when --base-url is not given', async () => {
			const r = await run(['count', 'examples/plain-request.json', '--json', '--api'], { env: cleanEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url }) });
			const [s] = parseSites(r);
			assert.equal(server.requests.length, 1);
			assert.equal(s.exact, true);
		});

		it('prints the table with exact figures', async () => {
			const r = await run(['count', 'examples/several-requests.json', '--api', '--base-url', server.url], { env: apiEnv() });
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /Counted exactly through count_tokens/);
			assert.equal(server.requests.length, 3);
			assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
		});

		it('exits 2 with a clear message when the key is rejected, without printing it', async () => {
			const wrong = 'sk-ant-wrong-key-0000000000000';
			const r = await run(['count', 'examples/plain-request.json', '--api', '--base-url', server.url], { env: cleanEnv({ ANTHROPIC_API_KEY: wrong }) });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /counting failed: The API key was rejected \(401\)/);
			assert.equal(r.stdout, '');
			assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));
			assert.ok(server.requests.length >= 1);
		});

		it('exits 2 when the endpoint keeps failing, after the SDK\'s retries', async () => {
			server.inject({ status: 529 }, 10);
			const r = await run(['count', 'examples/plain-request.json', '--api', '--base-url', server.url], { env: apiEnv() });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /counting failed: The counting endpoint is overloaded \(529\)/);
			assert.equal(server.requests.length, 3, 'one call and two retries');
			assert.ok(!r.stderr.includes(KEY));
		});

		it('exits 2 when the endpoint cannot be reached', async () => {
			// A port that was free a moment ago: nothing listens there.
			const port = await new Promise<number>((resolve) => {
				const s = net.createServer().listen(0, '127.0.0.1', () => {
					const p = (s.address() as net.AddressInfo).port;
					s.close(() => resolve(p));
				});
			});
			const r = await run(['count', 'examples/plain-request.json', '--api', '--base-url', `http://127.0.0.1:${port}`], { env: apiEnv() });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /counting failed: Could not reach the counting endpoint/);
			assert.ok(!r.stderr.includes(KEY));
		});

		it('asks the endpoint for the Claude API id of a Bedrock model', async () => {
			const r = await run(['count', 'test/fixtures/cli/bedrock-converse.json', '--json', '--api', '--base-url', server.url], { env: apiEnv() });
			const [s] = parseSites(r);
			assert.equal(server.requests.length, 1);
			assert.equal(server.requests[0].model, 'claude-haiku-4-5');
			assert.equal(s.model, 'anthropic.claude-haiku-4-5-20251001-v1:0');
			assert.equal(s.exact, true);
			assert.equal(s.inputTokens, utf8CountRule(server.requests[0].body));
		});

		it('applies budgets to the exact figures', async () => {
			const r = await run(['count', 'examples/plain-request.json', '--api', '--base-url', server.url, '--budget-tokens', '1'], { env: apiEnv() });
			assert.equal(r.code, 1);
			assert.match(r.stderr, /examples\/plain-request\.json:1:1: \d+ input tokens, over the budget of 1/);
		});
	});

	describe('batch', () => {
		it('prints the per-model split at batch price for examples/batch-requests.jsonl', async () => {
			const r = await run(['batch', 'examples/batch-requests.jsonl']);
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /examples\/batch-requests\.jsonl: 4 requests in 4 lines \(counted offline; Batch API price, -50 %\)/);
			assert.match(r.stdout, /^MODEL\s+REQUESTS\s+INPUT TOKENS\s+INPUT COST\s+MAX OUTPUT TOKENS\s+MAX OUTPUT COST$/m);
			assert.match(r.stdout, /^claude-haiku-5-5\s+4\s/m);
			assert.match(r.stdout, /Input cost at batch price:/);
			assert.match(r.stdout, /Worst case with max_tokens of output:/);
		});

		it('--json gives totals that match count --json at half the price', async () => {
			const r = await run(['batch', 'examples/batch-requests.jsonl', '--json']);
			assert.equal(r.code, 0, r.stderr);
			const e = JSON.parse(r.stdout);
			const sites = parseSites(await run(['count', 'examples/batch-requests.jsonl', '--json']));
			assert.equal(e.file, 'examples/batch-requests.jsonl');
			assert.equal(e.exact, false);
			assert.equal(e.requests, 4);
			assert.equal(e.lines, 4);
			assert.equal(e.inputTokens, sites.reduce((a, s) => a + s.inputTokens, 0));
			const standard = sites.reduce((a, s) => a + s.costUsd!, 0);
			close(e.inputCostUsd, standard / 2, 'batch input cost is half the standard');
			const output = sites.reduce((a, s) => a + (s.maxCostUsd! - s.costUsd!), 0);
			close(e.maxOutputCostUsd, output / 2, 'batch output cost is half the standard');
			close(e.maxTotalCostUsd, e.inputCostUsd + e.maxOutputCostUsd, 'total');
			assert.equal(e.models.length, 1);
			assert.deepEqual(Object.keys(e.models[0]), ['model', 'displayName', 'requests', 'inputTokens', 'approximateRequests', 'maxOutputTokens', 'inputCostUsd', 'maxOutputCostUsd']);
			assert.deepEqual(e.malformed, { count: 0, lines: [], examples: [] });
			assert.equal(e.bytesRead, fs.statSync(path.join(EXAMPLES, 'batch-requests.jsonl')).size);
		});

		it('reports malformed lines and unknown models: exit 2, or 0 with --lenient', async () => {
			const strict = await run(['batch', 'test/fixtures/cli/batch-mixed.jsonl', '--json']);
			assert.equal(strict.code, 2, strict.stderr);
			assert.match(strict.stderr, /batch-mixed\.jsonl: 2 lines could not be counted \(listed above\); --lenient accepts the file without them/);
			const r = await run(['batch', 'test/fixtures/cli/batch-mixed.jsonl', '--json', '--lenient']);
			assert.equal(r.code, 0, r.stderr);
			assert.equal(r.stdout, strict.stdout, 'the same report either way');
			assert.match(r.stderr, /--lenient: skipped 2 lines of test\/fixtures\/cli\/batch-mixed\.jsonl/);
			const e = JSON.parse(r.stdout);
			assert.equal(e.requests, 4);
			assert.equal(e.blankLines, 1);
			assert.deepEqual(e.malformed.lines, [3, 6]);
			assert.match(e.malformed.examples[0].reason, /not valid JSON/);
			assert.deepEqual(e.unknownModels, ['claude-imaginary-7']);
			assert.equal(e.unpricedRequests, 1);
			const unknown = e.models.find((m: { model: string }) => m.model === 'claude-imaginary-7');
			assert.deepEqual([unknown.displayName, unknown.inputCostUsd, unknown.maxOutputCostUsd], [null, null, null]);
			const table = await run(['batch', 'test/fixtures/cli/batch-mixed.jsonl', '--lenient']);
			assert.match(table.stdout, /2 lines malformed: 3, 6/);
			assert.match(table.stdout, /line 3: not valid JSON/);
			assert.match(table.stdout, /No price for claude-imaginary-7: 1 request left out of the costs/);
		});

		it('reads standard input with "-"', async () => {
			const text = fs.readFileSync(path.join(EXAMPLES, 'batch-requests.jsonl'), 'utf8');
			const fromStdin = await run(['batch', '-', '--json'], { input: text });
			assert.equal(fromStdin.code, 0, fromStdin.stderr);
			const fromFile = JSON.parse((await run(['batch', 'examples/batch-requests.jsonl', '--json'])).stdout);
			const e = JSON.parse(fromStdin.stdout);
			assert.equal(e.file, 'stdin');
			assert.equal(e.totalBytes, null);
			assert.equal(e.requests, fromFile.requests);
			assert.equal(e.inputTokens, fromFile.inputTokens);
			assert.equal(e.bytesRead, fromFile.bytesRead);
		});

		it('--api counts each line once through count_tokens', async () => {
			const server = await startCountServer({ validKeys: [KEY] });
			try {
				const r = await run(['batch', 'examples/batch-requests.jsonl', '--json', '--api', '--base-url', server.url], { env: cleanEnv({ ANTHROPIC_API_KEY: KEY }) });
				assert.equal(r.code, 0, r.stderr);
				const e = JSON.parse(r.stdout);
				assert.equal(server.requests.length, 4);
				assert.ok(server.requests.every((q) => q.keyEquals(KEY)));
				assert.equal(e.exact, true);
				assert.equal(e.inputTokens, server.requests.reduce((a, q) => a + utf8CountRule(q.body), 0));
				assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
			} finally {
				await server.close();
			}
		});
	});
});
