/**
 * `claude-token-meter batch <file.jsonl | ->`: a JSONL file of any size streamed through the batch estimator,
 * at the Batch API price, per model.
 */
import * as fs from 'node:fs';
import { estimateBatchFile } from '../core/batch';
import { CountError } from '../core/count/errors';
import { formatTokens } from '../core/cost';
import { isCancellation } from '../core/util/abort';
import { NotTextError } from '../core/util/text';
import { DEFAULT_MODEL, UsageError, type CommonFlags, type Io } from './args';
import { API_CONCURRENCY, OFFLINE_CONCURRENCY, apiModelId, makeCount } from './count';
import { batchJson, batchName, renderBatch } from './render';
import type { CliRun } from './run';

function checkBatchFile(file: string): void {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(file);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw new UsageError(code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot be read (${code ?? (err as Error).message}).`);
	}
	if (!stat.isFile()) {
		throw new UsageError(`${file}: not a file.`);
	}
	try {
		fs.accessSync(file, fs.constants.R_OK);
	} catch {
		throw new UsageError(`${file}: cannot be read (permission denied).`);
	}
	// Whether it is text is checked while it streams, over every byte (core/util/text.ts).
}

export async function runBatch(file: string, flags: CommonFlags, io: Io, raw: Io, run: CliRun): Promise<number> {
	if (file !== '-') {
		checkBatchFile(file);
	}
	const source = file === '-' ? process.stdin : file;
	const count = makeCount(flags, run);
	const controller = new AbortController();
	let fatal: unknown;
	const showProgress = !flags.json && process.stderr.isTTY;
	const estimate = await estimateBatchFile(source, {
		defaultModel: DEFAULT_MODEL,
		model: flags.model,
		concurrency: flags.api ? API_CONCURRENCY : OFFLINE_CONCURRENCY,
		signal: controller.signal,
		onProgress: showProgress
			? (p) => raw.err(`\r${p.totalBytes ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 0}% · ${formatTokens(p.lines)} lines · ${formatTokens(p.inputTokens)} tokens`)
			: undefined,
		count: async (body, model, signal) => {
			const countModel = flags.api ? apiModelId(model) : model;
			try {
				return await count(body, countModel, signal);
			} catch (err) {
				// With --api a key, network or endpoint failure is not about one line: stop the run.
				if (flags.api && err instanceof CountError && err.kind !== 'invalid' && err.kind !== 'too-large') {
					fatal ??= err;
					controller.abort();
				}
				throw err;
			}
		},
	}).catch((err) => {
		if (showProgress) {
			raw.err('\r\x1b[K');
		}
		if (fatal !== undefined && isCancellation(err)) {
			throw fatal;
		}
		if (err instanceof NotTextError) {
			throw new UsageError(`${batchName(file)}: ${err.message}.`);
		}
		throw err;
	});
	if (showProgress) {
		raw.err('\r\x1b[K');
	}
	io.out((flags.json ? JSON.stringify(batchJson(file, estimate, flags), null, 2) : renderBatch(file, estimate, flags)) + '\n');
	// A gate fails on a file with no request at all, and — unless --lenient — on any line it could not use.
	if (estimate.requests === 0) {
		io.err(`claude-token-meter: ${batchName(file)}: no line is a Messages request or a {custom_id, params} entry`
			+ ` (${formatTokens(estimate.lines)} line${estimate.lines === 1 ? '' : 's'}, ${formatTokens(estimate.malformed.count)} malformed).\n`);
		return 2;
	}
	const unusable = estimate.malformed.count + estimate.failed.count;
	if (unusable > 0) {
		if (!flags.lenient) {
			io.err(`claude-token-meter: ${batchName(file)}: ${formatTokens(unusable)} line${unusable === 1 ? '' : 's'} could not be counted (listed above); --lenient accepts the file without them.\n`);
			return 2;
		}
		io.err(`--lenient: skipped ${formatTokens(unusable)} line${unusable === 1 ? '' : 's'} of ${batchName(file)} that could not be counted (listed above).\n`);
	}
	return 0;
}
