/**
 * The headless front end: `claude-token-meter count | batch | diff | context` over the same core as the
 * extension (detection, counting, cost). No `vscode` import. The command line and the exit codes are
 * args.ts; which files are read, walk.ts; what is printed, render.ts.
 */
import * as fs from 'node:fs';
import { redact } from '../core/util/redact';
import { DEFAULT_MODEL, HELP, UsageError, failure, parseCommandLine, parseNumber, parseUsage, version, type Io } from './args';
import { runBatch } from './batch';
import { runContext } from './context';
import { runCount } from './count';
import { diffDeps, runDiff } from './diff';
import { parseRole } from './prompts';
import { escapeTerminal } from './render';
import { cliRun } from './run';

/** Parses the arguments and runs; returns the exit code. Exported for in-process use. */
export async function main(argv: readonly string[], rawIo: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
	// Everything printed goes through escapeTerminal, but for the progress line's own control codes.
	const raw = rawIo;
	const io: Io = { out: (text) => raw.out(escapeTerminal(text)), err: (text) => raw.err(escapeTerminal(text)) };
	const secrets: (string | undefined)[] = [];
	try {
		const line = parseCommandLine(argv, env, secrets);
		if (line.kind === 'help') {
			io.out(HELP);
			return 0;
		}
		if (line.kind === 'version') {
			io.out(`${version()}\n`);
			return 0;
		}
		if (line.kind === 'none') {
			io.err(HELP);
			return 2;
		}
		const { command, rest, values, flags } = line;
		const run = cliRun();
		switch (command) {
			case 'count': {
				if (rest.length === 0) {
					throw new UsageError('count needs at least one file or folder.');
				}
				return await runCount(rest, {
					...flags,
					budgetTokens: parseNumber('--budget-tokens', values['budget-tokens'], true),
					budgetUsd: parseNumber('--budget-usd', values['budget-usd'], false),
					as: parseUsage(() => parseRole(values.as)),
				}, io, run);
			}
			case 'context': {
				if (rest.length > 1) {
					throw new UsageError('context takes at most one folder.');
				}
				if (flags.api || values['budget-usd'] !== undefined || values.as !== undefined) {
					throw new UsageError('context counts offline; --api, --budget-usd and --as do not apply to it.');
				}
				return runContext(rest[0] ?? '.', {
					json: flags.json,
					model: flags.model ?? DEFAULT_MODEL,
					budgetTokens: parseNumber('--budget-tokens', values['budget-tokens'], true),
					user: !values['no-user'],
				}, io, run);
			}
			case 'batch': {
				if (rest.length !== 1) {
					throw new UsageError('batch takes exactly one JSONL file.');
				}
				if (values['budget-tokens'] !== undefined || values['budget-usd'] !== undefined) {
					throw new UsageError('--budget-tokens and --budget-usd apply to count, not batch.');
				}
				return await runBatch(rest[0], flags, io, raw, run);
			}
			case 'diff': {
				if (!values.base?.trim()) {
					throw new UsageError('diff needs --base <git ref> (e.g. --base origin/main).');
				}
				if (values['budget-tokens'] !== undefined || values['budget-usd'] !== undefined) {
					throw new UsageError('--budget-tokens and --budget-usd apply to count; diff takes --fail-on-increase.');
				}
				return await runDiff({
					base: values.base.trim(), paths: rest, json: flags.json, markdown: Boolean(values.markdown), all: Boolean(values.all),
					offline: !flags.api, failOnIncrease: values['fail-on-increase'],
				}, diffDeps(flags, io, run));
			}
			default:
				throw new UsageError(`Unknown command "${command}". Use "count", "batch", "context" or "diff" (--help for more).`);
		}
	} catch (err) {
		return failure(err, io, secrets);
	}
}

/** True when this file is the program node runs (directly or through the package's bin link). */
function isEntryPoint(): boolean {
	const script = process.argv[1];
	if (!script) {
		return false;
	}
	try {
		return fs.realpathSync(script) === fs.realpathSync(__filename);
	} catch {
		return false;
	}
}

if (isEntryPoint()) {
	const io: Io = {
		out: (text) => process.stdout.write(text),
		err: (text) => process.stderr.write(text),
	};
	main(process.argv.slice(2), io).then(
		(code) => { process.exitCode = code; },
		(err) => {
			process.stderr.write(`claude-token-meter: ${redact(String((err as Error)?.message ?? err), [process.env.ANTHROPIC_API_KEY])}\n`);
			process.exitCode = 2;
		},
	);
}
