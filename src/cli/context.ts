/**
 * `claude-token-meter context [folder]`: what a Claude Code session started in the folder loads on every
 * turn and on demand, counted offline; `--budget-tokens N` exits 1 when the every-turn total is over N.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { formatTokens, lookupModel } from '../core/cost';
import { scanClaudeContext } from '../core/context/scan';
import { contextJson, contextReport, renderContextTable } from '../core/context/report';
import { familyFor } from '../core/prompt/count';
import type { Io } from './args';
import type { CliRun } from './run';

export interface ContextFlags {
	readonly json: boolean;
	readonly model: string;
	readonly budgetTokens?: number;
	/** Read ~/.claude/CLAUDE.md (default true; --no-user turns it off for reproducible CI output). */
	readonly user: boolean;
}

export function runContext(folder: string, flags: ContextFlags, io: Io, run: CliRun): number {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(folder);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw new Error(code === 'ENOENT' ? `${folder}: no such folder.` : `${folder}: cannot be read (${code ?? (err as Error).message}).`);
	}
	if (!stat.isDirectory()) {
		throw new Error(`${folder}: not a folder (context reads the folder a Claude Code session starts in).`);
	}
	const info = lookupModel(flags.model);
	const scan = scanClaudeContext(folder, {
		family: familyFor(flags.model, info),
		vocabs: run.vocabs,
		contextWindow: info?.contextWindow,
		home: flags.user ? os.homedir() : undefined,
	});
	const report = contextReport(scan, flags.model, info);
	const over = flags.budgetTokens !== undefined && report.totals.everyTurnTokens > flags.budgetTokens;
	if (flags.json) {
		io.out(JSON.stringify({ ...(contextJson(report) as object), budgetTokens: flags.budgetTokens ?? null, overBudget: over }, null, 2) + '\n');
	} else {
		io.out(renderContextTable(report) + '\n');
		if (!info) {
			io.err(`warning: no price for model ${flags.model}: costs are left out.\n`);
		}
	}
	if (over) {
		io.err(`Budget exceeded: every turn loads ${formatTokens(report.totals.everyTurnTokens)} tokens of Claude Code context, over the budget of ${formatTokens(flags.budgetTokens!)}.\n`);
		return 1;
	}
	return 0;
}
