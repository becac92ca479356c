/**
 * The command line of `claude-token-meter`: the options, the help text, the checks of flags that need or
 * exclude each other, and the exit code of a run that stops on an error.
 *
 * Exit codes: 0 ok; 1 a budget was exceeded (diff: the increase is over --fail-on-increase); 2 bad input (missing, unreadable, binary or unparsable file,
 * malformed batch lines, bad flag or number, missing API key) or a counting failure with --api. With --api
 * there is no silent fallback to the offline figure: a CI check must not pass on a different kind of number
 * than it asked for. --lenient counts what can be read instead and says what it skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { endpointProblem } from '../core/count/endpoint';
import { CountError } from '../core/count/errors';
import { DEFAULTS } from '../core/defaults';
import { redact } from '../core/util/redact';

/** The model of requests that name none: the default of the extension's `claudeTokenMeter.defaultModel`. */
export const DEFAULT_MODEL = DEFAULTS.defaultModel;

/** A failure the user must fix (exit 2); the message is already phrased for them. */
export class UsageError extends Error {}

export interface Io {
	out(text: string): void;
	err(text: string): void;
}

export interface CommonFlags {
	json: boolean;
	model?: string;
	api: boolean;
	baseUrl?: string;
	key?: string;
	/** --api: count_tokens calls per minute at most. */
	rpm: number;
	/** Count what can be read; unparsable files, non-text files and malformed lines are skipped and listed. */
	lenient: boolean;
}

/** The default of the extension's claudeTokenMeter.api.requestsPerMinute. */
export const DEFAULT_RPM = DEFAULTS.api.requestsPerMinute;

export const HELP = `claude-token-meter — input tokens and cost of Claude API requests

Usage:
  claude-token-meter count <files or folders...> [options]
  claude-token-meter batch <file.jsonl | -> [options]
  claude-token-meter context [folder] [--json] [--model M] [--budget-tokens N] [--no-user]
  claude-token-meter diff --base <git ref> [files or folders...] [options]
  claude-token-meter --help | --version

count   Finds every request in JSON/JSONC, JSONL, TypeScript/JavaScript and Python files and
        Jupyter notebooks (folders are searched for those files) and prints one row per request site.
        Prompt files named on the command line (.md, .prompty, *.prompt.md; .txt with
        --as) are counted too, as a system prompt or one user message (--as); with --as,
        folders are searched for them as well.
batch   Streams a JSONL file of Messages requests or Message Batches entries
        ({"custom_id", "params"}) of any size: tokens, cost at the Batch API price (-50 %),
        worst-case output cost with max_tokens, split per model ("-" reads standard input).
context What a Claude Code session started in the folder (default: the current one) loads
        on every turn and on use: CLAUDE.md files and their @imports, rules, skills,
        sub-agents, commands, MCP servers; tokens, share of the window, cost per turn.
diff    Compares every request of the files (default: the current folder) as the git
        revision --base has them with the working tree: added, removed and changed requests,
        tokens and cost before → after, per file and in total. Requests are matched by what
        they send, not by line.

Options:
  --model M            Count and price every request for model M (default for requests
                       that name none: ${DEFAULT_MODEL})
  --json               Machine-readable output (count: an array of sites; batch: one object)
  --budget-tokens N    count: exit 1 when a request has more than N input tokens
  --budget-usd X       count: exit 1 when a request's input cost (costUsd) is above X dollars
                       context: --budget-tokens N exits 1 when every turn loads more than N
  --as system|user     count: count prompt files as a system prompt (default) or as one
                       user message
  --no-user            context: leave out the user's ~/.claude/CLAUDE.md
  --offline            Count with the built-in tokenizer; nothing is sent anywhere (default)
  --api                Count exactly through the count_tokens endpoint, with the key from
                       ANTHROPIC_API_KEY; a failure stops the run (exit 2), with no fallback
  --base-url URL       Endpoint for --api (https, or http on localhost only); default
                       ANTHROPIC_BASE_URL, else https://api.anthropic.com
  --rpm N              --api: at most N count_tokens calls per minute (default ${DEFAULT_RPM});
                       set it to your account's limit
  --base REF           diff: the git revision to compare with (a branch, tag or commit)
  --markdown           diff: Markdown for a pull-request comment or a job summary
  --all                diff: list unchanged requests too
  --fail-on-increase L diff: exit 1 when the total input tokens rise by more than L:
                       a percentage ("5%"), tokens ("2000") or dollars ("$0.05")
  --lenient            Count what can be read: files that do not parse or are not text, and
                       malformed batch lines, are skipped and listed (default: exit 2)
  -h, --help           Show this help
  -v, --version        Show the version

Marks: "≥" a lower bound (parts of the request could not be resolved statically);
       "≈" partly estimated offline (anything beyond one plain-text user message).
Exit codes: 0 ok; 1 a budget was exceeded (diff: the increase is over --fail-on-increase); 2 bad input (a file that does not parse,
            is not text, malformed batch lines, no request in a batch file) or counting failure.
`;

export function version(): string {
	// dist/cli.js and out/src/cli/args.js both sit below the package root (the extension's or the CLI package's).
	let dir = __dirname;
	for (let i = 0; i < 4; i++) {
		const file = path.join(dir, 'package.json');
		if (fs.existsSync(file)) {
			try {
				const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
				if ((pkg.name === 'claude-token-meter' || pkg.name === 'claude-token-meter-cli') && pkg.version) {
					return pkg.version;
				}
			} catch {
				// fall through to the parent
			}
		}
		dir = path.dirname(dir);
	}
	return 'unknown';
}

export function parseNumber(flag: string, raw: string | undefined, integer: boolean): number | undefined {
	if (raw === undefined) {
		return undefined;
	}
	const text = raw.trim().replace(/_/g, '');
	const value = Number(text);
	if (text === '' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
		throw new UsageError(`${flag} expects a ${integer ? 'whole number' : 'number'} ≥ 0, got "${raw}".`);
	}
	return value;
}

/** http is allowed only for loopback: the body (the user's prompt) and the key travel in it. */
export function checkBaseUrl(url: string, source: string): void {
	const problem = endpointProblem(url, source);
	if (problem) {
		throw new UsageError(problem);
	}
}

/** Runs a parser that throws plain errors and turns them into usage errors (exit 2). */
export function parseUsage<T>(parse: () => T): T {
	try {
		return parse();
	} catch (err) {
		throw new UsageError((err as Error).message);
	}
}

/** The parsed command line, before each command checks what applies to it. */
function parseArgv(argv: readonly string[]) {
	return parseArgs({
		args: [...argv],
		allowPositionals: true,
		strict: true,
		options: {
			help: { type: 'boolean', short: 'h' },
			version: { type: 'boolean', short: 'v' },
			json: { type: 'boolean' },
			model: { type: 'string' },
			'budget-tokens': { type: 'string' },
			'budget-usd': { type: 'string' },
			offline: { type: 'boolean' },
			api: { type: 'boolean' },
			'base-url': { type: 'string' },
			rpm: { type: 'string' },
			lenient: { type: 'boolean' },
			as: { type: 'string' },
			'no-user': { type: 'boolean' },
			base: { type: 'string' },
			markdown: { type: 'boolean' },
			all: { type: 'boolean' },
			'fail-on-increase': { type: 'string' },
		},
	});
}

export type Values = ReturnType<typeof parseArgv>['values'];

export type CommandLine =
	| { readonly kind: 'help' }
	| { readonly kind: 'version' }
	| { readonly kind: 'none' }
	| { readonly kind: 'command'; readonly command: string; readonly rest: string[]; readonly values: Values; readonly flags: CommonFlags };

/**
 * Reads the arguments and checks the flags every command shares; a bad combination throws a UsageError.
 * The API key read from the environment goes into `secrets`, so that no message ever prints it.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, secrets: (string | undefined)[]): CommandLine {
	const { values, positionals } = parseArgv(argv);
	if (values.help) {
		return { kind: 'help' };
	}
	if (values.version) {
		return { kind: 'version' };
	}
	const [command, ...rest] = positionals;
	if (!command) {
		return { kind: 'none' };
	}
	if (values.offline && values.api) {
		throw new UsageError('--offline and --api exclude each other.');
	}
	if (values['base-url'] !== undefined && !values.api) {
		throw new UsageError('--base-url needs --api.');
	}
	if (values.model !== undefined && values.model.trim() === '') {
		throw new UsageError('--model needs a model id.');
	}
	// The SDK would read ANTHROPIC_BASE_URL by itself; take it here so the https rule applies to it too.
	const envBaseUrl = values.api ? env.ANTHROPIC_BASE_URL?.trim() || undefined : undefined;
	const baseUrl = values['base-url'] ?? envBaseUrl;
	if (baseUrl !== undefined) {
		checkBaseUrl(baseUrl, values['base-url'] !== undefined ? '--base-url' : 'ANTHROPIC_BASE_URL');
	}
	let key: string | undefined;
	if (values.api) {
		key = env.ANTHROPIC_API_KEY?.trim();
		secrets.push(key);
		if (!key) {
			throw new UsageError('--api needs an API key in the environment variable ANTHROPIC_API_KEY.');
		}
	}
	if (values.rpm !== undefined && !values.api) {
		throw new UsageError('--rpm needs --api.');
	}
	const rpm = parseNumber('--rpm', values.rpm, true) ?? DEFAULT_RPM;
	if (rpm < 1) {
		throw new UsageError('--rpm expects a whole number ≥ 1.');
	}
	const flags: CommonFlags = { json: Boolean(values.json), model: values.model?.trim(), api: Boolean(values.api), baseUrl, key, rpm, lenient: Boolean(values.lenient) };
	if (command !== 'diff') {
		const diffOnly = (['base', 'markdown', 'all', 'fail-on-increase'] as const).filter((o) => values[o] !== undefined);
		if (diffOnly.length > 0) {
			throw new UsageError(`${diffOnly.map((o) => `--${o}`).join(', ')} appl${diffOnly.length === 1 ? 'ies' : 'y'} to diff only.`);
		}
	}
	return { kind: 'command', command, rest, values, flags };
}

/** What a run that stopped on `err` prints, and its exit code (2). */
export function failure(err: unknown, io: Io, secrets: readonly (string | undefined)[]): number {
	if (err instanceof UsageError) {
		io.err(`claude-token-meter: ${redact(err.message, secrets)}\n`);
	} else if (err instanceof CountError) {
		io.err(`claude-token-meter: counting failed: ${redact(err.message, secrets)}\n`);
	} else if ((err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
		io.err(`claude-token-meter: ${redact((err as Error).message, secrets)}\nRun "claude-token-meter --help" for the options.\n`);
	} else {
		io.err(`claude-token-meter: ${redact(String((err as Error)?.message ?? err), secrets)}\n`);
	}
	return 2;
}
