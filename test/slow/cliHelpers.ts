/**
 * Running the built CLI (`node dist/cli.js`) as a child process, as users and CI do: shared by the CLI tests
 * and the hostile-input suite.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const EXAMPLES = path.join(ROOT, 'examples');

export interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
	/** Wall time of the child in milliseconds. */
	ms: number;
	/** Peak resident memory of the child in MiB (with `measure: true`). */
	peakRssMb?: number;
}

export interface RunOptions {
	env?: NodeJS.ProcessEnv;
	cwd?: string;
	input?: string;
	/** Record the child's peak RSS (through the peakRss preload). */
	measure?: boolean;
	/** Extra node flags, e.g. a heap limit. */
	nodeArgs?: string[];
}

/** The environment without any real key, so no test can reach a real endpoint by accident. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env };
	delete env.ANTHROPIC_API_KEY;
	delete env.ANTHROPIC_BASE_URL;
	return { ...env, ...extra };
}

export function run(args: string[], options: RunOptions = {}): Promise<Run> {
	let rssFile: string | undefined;
	const nodeArgs = [...(options.nodeArgs ?? [])];
	let env = options.env ?? cleanEnv();
	if (options.measure) {
		rssFile = path.join(os.tmpdir(), `ctm-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
		nodeArgs.push('--require', path.join(__dirname, 'peakRss.js'));
		env = { ...env, CTM_PEAK_RSS_FILE: rssFile };
	}
	const t0 = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: options.cwd ?? ROOT, env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
		if (options.input !== undefined) {
			child.stdin!.end(options.input);
		}
		let stdout = '';
		let stderr = '';
		child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
		child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
		child.on('error', reject);
		child.on('close', (code) => {
			let peakRssMb: number | undefined;
			if (rssFile) {
				try {
					peakRssMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
					fs.rmSync(rssFile, { force: true });
				} catch {
					peakRssMb = undefined;
				}
			}
			resolve({ code, stdout, stderr, ms: Date.now() - t0, peakRssMb });
		});
	});
}

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
	}
	return newest;
}

/** Rebuilds dist/cli.js when a source file is newer than it. */
export function ensureBuiltCli(): void {
	const stale = !fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < newestMtime(path.join(ROOT, 'src'));
	if (stale) {
		execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
	}
}
