/**
 * What tools cost: each definition's differential tokens, and the tool-use system prompt the API adds as soon
 * as one tool is present (its size depends on the model and on `tool_choice`).
 */
import type { MessagesBody } from '../types';
import { forModel, measureTargets, pctOf, sectionTargets } from './breakdown';
import { isObject, withoutTools, withPlaceholderMessages, withStubTools } from './edit';
import { runBounded, Tally } from './pool';
import type { CountFn, RunOptions, ToolAudit, ToolCost } from './types';

function describeChoice(choice: unknown): string {
	if (!isObject(choice)) {
		return 'auto';
	}
	return choice.type === 'tool' && typeof choice.name === 'string' ? `tool (${choice.name})` : String(choice.type ?? 'auto');
}

/**
 * Tokens of the tool-use system prompt: with one stub tool minus without tools, less the stub's own cost
 * (two stubs minus one). Counted on a one-message request so the history's tool blocks cannot make the
 * tool-less request invalid; the prompt does not depend on the messages.
 */
async function toolPromptTokens(body: MessagesBody, model: string, tally: Tally, options: RunOptions): Promise<number> {
	const base = withPlaceholderMessages(body);
	const [none, one, two] = await runBounded([
		() => tally.tokens(withoutTools(base), model),
		() => tally.tokens(withStubTools(base, 1), model),
		() => tally.tokens(withStubTools(base, 2), model),
	], options.concurrency, options.signal);
	const stub = two - one;
	return one - none - stub;
}

export async function toolAudit(body: MessagesBody, model: string, count: CountFn, options: RunOptions = {}): Promise<ToolAudit> {
	const tally = new Tally(count, options.signal);
	const request = forModel(body, model);
	const total = await tally.tokens(request, model);
	const targets = sectionTargets(request).filter((t) => t.kind === 'tool');
	if (targets.length === 0) {
		return { model, total, tools: [], definitionsTokens: 0, systemPromptTokens: 0, toolChoice: 'none given', approximate: tally.approximate };
	}
	const measured = await measureTargets(targets, total, model, tally, options);
	const systemPromptTokens = await toolPromptTokens(request, model, tally, options);
	const tools: ToolCost[] = targets.map((t, i) => ({
		name: t.label.replace(/^Tool /, ''),
		path: t.path,
		index: Number(t.path.split('/')[2]),
		tokens: measured[i].tokens,
		pct: pctOf(measured[i].tokens, total),
		...(measured[i].notes.length > 0 ? { notes: measured[i].notes } : {}),
	}));
	// Most expensive first; equal costs keep request order.
	tools.sort((a, b) => b.tokens - a.tokens || a.index - b.index);
	return {
		model,
		total,
		tools,
		definitionsTokens: tools.reduce((sum, t) => sum + t.tokens, 0),
		systemPromptTokens,
		toolChoice: describeChoice(request.tool_choice),
		approximate: tally.approximate,
	};
}
