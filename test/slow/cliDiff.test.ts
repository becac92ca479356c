/**
 * `claude-token-meter diff` on temporary git repositories with real commits, through the built CLI.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuiltCli, run } from './cliHelpers';

interface DiffJson {
	base: string;
	totals: { requestsBefore: number; requestsAfter: number; added: number; removed: number; changed: number; unchanged: number; tokensBefore: number; tokensAfter: number };
	files: { file: string; changes: { kind: string; before: { line: number; inputTokens: number } | null; after: { line: number; inputTokens: number; model: string } | null; deltaTokens: number }[] }[];
	overLimit: string | null;
}

function git(cwd: string, ...args: string[]): string {
	return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

function request(text: string, model = 'claude-haiku-4-5'): object {
	return { model, max_tokens: 200, messages: [{ role: 'user', content: text }] };
}

const LONG = 'Summarise the attached quarterly report for the board in five bullet points, naming risks first.';
const PY = (system: string) => `import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = ${JSON.stringify(system)}\n\nreply = client.messages.create(\n    model="claude-sonnet-5-5",\n    max_tokens=300,\n    system=SYSTEM,\n    messages=[{"role": "user", "content": "Classify this ticket."}],\n)\n`;

describe('claude-token-meter diff (git repositories with real commits)', function () {
	this.timeout(60_000);
	let repo: string;

	function write(file: string, content: string | object): void {
		const full = path.join(repo, file);
		fs.mkdirSync(path.dirname(full), { recursive: true });
		fs.writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
	}

	before(() => {
		ensureBuiltCli();
		repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-diff-'));
		git(repo, 'init', '-q', '-b', 'main');
		write('requests/several.json', [request(LONG), request('Translate good morning into French.')]);
		write('requests/plain.json', request('What is the capital of Portugal?', 'claude-sonnet-5-5'));
		write('app/classify.py', PY('You sort support tickets.'));
		write('.cache/ignored.json', request('Never read: dot-folders are skipped.'));
		git(repo, 'add', '-A');
		git(repo, 'commit', '-q', '-m', 'base');
		// The change: a request inserted above the others (which move), one edited, one file deleted, a longer system prompt.
		write('requests/several.json', [request('A new question about sailing boats.'), request(LONG), request('Translate good morning into French, Spanish and Italian.')]);
		fs.rmSync(path.join(repo, 'requests/plain.json'));
		write('app/classify.py', PY('You sort support tickets into billing, bugs, refunds and other, and you explain each choice in one sentence.'));
	});
	after(() => fs.rmSync(repo, { recursive: true, force: true }));

	it('matches requests by what they send, not by line: moved, edited, added and removed', async () => {
		const r = await run(['diff', '--base', 'main', '--json'], { cwd: repo });
		assert.equal(r.code, 0, r.stderr);
		const d = JSON.parse(r.stdout) as DiffJson;
		const byFile = Object.fromEntries(d.files.map((f) => [f.file, f.changes]));
		assert.deepEqual(Object.keys(byFile).sort(), ['app/classify.py', 'requests/plain.json', 'requests/several.json']);
		const several = byFile['requests/several.json'];
		assert.deepEqual(several.map((c) => c.kind), ['added', 'unchanged', 'changed']);
		// The unchanged request moved down the file and is still found unchanged.
		const moved = several[1];
		assert.ok(moved.before && moved.after && moved.after.line > moved.before.line, JSON.stringify(moved));
		assert.ok(several[2].deltaTokens > 0);
		assert.deepEqual(byFile['requests/plain.json'].map((c) => c.kind), ['removed']);
		const py = byFile['app/classify.py'];
		assert.deepEqual(py.map((c) => c.kind), ['changed']);
		assert.ok(py[0].deltaTokens > 10, 'the longer system prompt (a same-file constant) counts');
		assert.equal(d.totals.requestsBefore, 4);
		assert.equal(d.totals.requestsAfter, 4);
		assert.deepEqual([d.totals.added, d.totals.removed, d.totals.changed, d.totals.unchanged], [1, 1, 2, 1]);
		const sum = (side: 'before' | 'after') => d.files.flatMap((f) => f.changes).reduce((n, c) => n + (c[side]?.inputTokens ?? 0), 0);
		assert.equal(d.totals.tokensBefore, sum('before'));
		assert.equal(d.totals.tokensAfter, sum('after'));
	});

	it('prints a table with the totals, and Markdown for a job summary', async () => {
		const table = await run(['diff', '--base', 'main'], { cwd: repo });
		assert.equal(table.code, 0, table.stderr);
		assert.match(table.stdout, /^LOCATION\s+CHANGE\s+MODEL\s+TOKENS/m);
		assert.match(table.stdout, /requests\/plain\.json:1:1\s+removed\s+claude-sonnet-5-5/);
		assert.match(table.stdout, /Since main: 4 → 4 requests \(1 added, 1 removed, 2 changed, 1 unchanged\)/);
		assert.doesNotMatch(table.stdout, /ignored\.json/);
		assert.match(table.stderr, /not searched: 1 folder \(\.cache\)/);
		assert.doesNotMatch(table.stderr, /\.git\b/, 'the .git folder goes without saying');
		const md = await run(['diff', '--base', 'main', '--markdown'], { cwd: repo });
		assert.equal(md.code, 0, md.stderr);
		assert.match(md.stdout, /^## Claude request cost$/m);
		assert.match(md.stdout, /^### `requests\/several\.json`$/m);
		assert.match(md.stdout, /^\| line \| change \| model \| tokens \| Δ tokens \| cost \| Δ cost \|$/m);
	});

	it('exits 1 when the total rises past --fail-on-increase, and 0 within it', async () => {
		const base = JSON.parse((await run(['diff', '--base', 'main', '--json'], { cwd: repo })).stdout) as DiffJson;
		const rise = base.totals.tokensAfter - base.totals.tokensBefore;
		assert.ok(rise > 0, `the change adds tokens (${rise})`);
		const over = await run(['diff', '--base', 'main', '--fail-on-increase', String(rise - 1)], { cwd: repo });
		assert.equal(over.code, 1);
		assert.match(over.stderr, /Cost increase over the limit \(--fail-on-increase \d+\): input tokens rose by/);
		const within = await run(['diff', '--base', 'main', '--fail-on-increase', String(rise)], { cwd: repo });
		assert.equal(within.code, 0, within.stderr);
		const pct = await run(['diff', '--base', 'main', '--fail-on-increase', '1000%', '--markdown'], { cwd: repo });
		assert.equal(pct.code, 0);
		assert.match(pct.stdout, /✅ Within the limit \(1000%\)/);
		const usd = await run(['diff', '--base', 'main', '--fail-on-increase', '$0.0000001'], { cwd: repo });
		assert.equal(usd.code, 1);
		const bad = await run(['diff', '--base', 'main', '--fail-on-increase', 'lots'], { cwd: repo });
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /--fail-on-increase expects a percentage/);
	});

	it('reads only the paths given, relative to the working directory', async () => {
		const r = await run(['diff', '--base', 'main', '--json', 'app'], { cwd: repo });
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual((JSON.parse(r.stdout) as DiffJson).files.map((f) => f.file), ['app/classify.py']);
		const sub = await run(['diff', '--base', 'main', '--json', '.'], { cwd: path.join(repo, 'requests') });
		assert.equal(sub.code, 0, sub.stderr);
		assert.deepEqual((JSON.parse(sub.stdout) as DiffJson).files.map((f) => f.file).sort(), ['plain.json', 'several.json']);
	});

	it('says nothing changed against the working tree itself', async () => {
		git(repo, 'stash', '-q', '--include-untracked');
		try {
			const r = await run(['diff', '--base', 'HEAD'], { cwd: repo });
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /No request changed since HEAD\./);
			assert.match(r.stdout, /4 → 4 requests \(0 added, 0 removed, 0 changed, 4 unchanged\)/);
		} finally {
			git(repo, 'stash', 'pop', '-q');
		}
	});

	it('refuses a bad revision, a folder outside git and a file that does not parse (exit 2)', async () => {
		const noRef = await run(['diff', '--base', 'no-such-branch'], { cwd: repo });
		assert.equal(noRef.code, 2);
		assert.match(noRef.stderr, /--base no-such-branch: not a commit in this repository/);
		const noBase = await run(['diff'], { cwd: repo });
		assert.equal(noBase.code, 2);
		assert.match(noBase.stderr, /diff needs --base/);
		const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-nogit-'));
		try {
			const r = await run(['diff', '--base', 'main'], { cwd: outside, env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(outside) } });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /git rev-parse failed/);
		} finally {
			fs.rmSync(outside, { recursive: true, force: true });
		}
		write('requests/broken.json', '{"model": "claude-haiku-4-5", "messages": [ {"role": "user", "content": "unterminated ');
		try {
			const r = await run(['diff', '--base', 'main'], { cwd: repo });
			assert.equal(r.code, 2);
			assert.match(r.stderr, /requests\/broken\.json does not parse/);
			assert.match(r.stdout, /Since main:/, 'the other files are still compared');
		} finally {
			fs.rmSync(path.join(repo, 'requests/broken.json'));
		}
		const countFlag = await run(['count', 'requests', '--base', 'main'], { cwd: repo });
		assert.equal(countFlag.code, 2);
		assert.match(countFlag.stderr, /--base applies to diff only/);
	});
});

describe('the GitHub Actions composite action', function () {
	this.timeout(60_000);

	/** The `run:` script of the step with `id: <id>` in action.yml (a literal block, as the file writes it). */
	function stepScript(id: string): string {
		const lines = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'action.yml'), 'utf8').split('\n');
		const at = lines.findIndex((l) => l.trim() === `id: ${id}`);
		assert.ok(at >= 0, `a step with id ${id}`);
		const runAt = lines.findIndex((l, i) => i > at && l.trim() === 'run: |');
		const indent = lines[runAt + 1].length - lines[runAt + 1].trimStart().length;
		const body: string[] = [];
		for (const l of lines.slice(runAt + 1)) {
			if (l.trim() !== '' && l.length - l.trimStart().length < indent) {
				break;
			}
			body.push(l.slice(indent));
		}
		return body.join('\n');
	}

	it('writes the Markdown report to the job summary and fails past the limit', () => {
		ensureBuiltCli();
		const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-action-'));
		try {
			git(repo, 'init', '-q', '-b', 'main');
			fs.writeFileSync(path.join(repo, 'r.json'), JSON.stringify(request('Hello')));
			git(repo, 'add', '-A');
			git(repo, 'commit', '-q', '-m', 'base');
			fs.writeFileSync(path.join(repo, 'r.json'), JSON.stringify(request(`Hello. ${LONG} ${LONG}`)));
			const summary = path.join(repo, '..', `${path.basename(repo)}-summary.md`);
			const output = path.join(repo, '..', `${path.basename(repo)}-output.txt`);
			const env = {
				...process.env, RUNNER_TEMP: os.tmpdir(), GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary,
				CTM_BASE: 'main', CTM_PATHS: '.', CTM_LIMIT: '10%', CTM_MODEL: '', CTM_SUMMARY: 'true',
				CTM_CLI: path.join(__dirname, '..', '..', '..', 'dist', 'cli.js'),
			};
			let code = 0;
			try {
				execFileSync('bash', ['-e', '-c', stepScript('diff')], { cwd: repo, env, stdio: 'pipe' });
			} catch (err) {
				code = (err as { status: number }).status;
			}
			assert.equal(code, 1, 'the rise is far over 10 %');
			const md = fs.readFileSync(summary, 'utf8');
			assert.match(md, /^## Claude request cost$/m);
			assert.match(md, /❌ Over the limit \(10%\)/);
			assert.match(fs.readFileSync(output, 'utf8'), /^report=.+claude-request-cost\.md$/m);
			fs.rmSync(summary, { force: true });
			fs.rmSync(output, { force: true });
		} finally {
			fs.rmSync(repo, { recursive: true, force: true });
		}
	});
});
