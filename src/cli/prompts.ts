/**
 * `claude-token-meter count` on prompt files: Markdown, text, VS Code prompt files, .prompty and Claude
 * Code's own files, counted as a system prompt (`--as system`, the default) or as one user message.
 */
import type { JsonSite } from './render';
import { inputCost, lookupModel } from '../core/cost';
import { analyzePrompt } from '../core/prompt/promptFile';
import { asSystemRequests, asUserRequest } from '../core/prompt/count';
import type { CountFn, MessagesBody } from '../core/types';

export type PromptRole = 'system' | 'user';

/**
 * File names counted as prompts: Markdown and .prompty when named on the command line; plain text only
 * with --as, which says the file is meant as a prompt (a stray .txt stays an input error). With --as,
 * folders are searched for all of them.
 */
export function isPromptFile(fileName: string, asGiven: boolean): boolean {
	return /\.(?:md|markdown|mdx|prompty)$/i.test(fileName) || (asGiven && /\.txt$/i.test(fileName));
}

export function parseRole(raw: string | undefined): PromptRole | undefined {
	if (raw === undefined) {
		return undefined;
	}
	const v = raw.trim().toLowerCase();
	if (v !== 'system' && v !== 'user') {
		throw new Error(`--as expects "system" or "user", got "${raw}".`);
	}
	return v;
}

/**
 * One row for a prompt file, in the shape of a request site. As a system prompt the figure is what the
 * text adds to a request (the request with it minus the same request without it); as a user message it
 * is the whole one-message request, which the offline tokenizer reproduces exactly for plain text.
 */
export async function countPromptFile(
	file: { shown: string; path: string; text: string },
	role: PromptRole,
	model: string,
	modelFromFile: boolean,
	countFn: CountFn,
	signal?: AbortSignal,
): Promise<JsonSite> {
	const doc = analyzePrompt(file.text, file.path);
	const count = (body: MessagesBody) => countFn(body, model, signal);
	let tokens: number;
	let exact: boolean;
	let approximate: boolean;
	if (role === 'user') {
		const r = await count(asUserRequest(doc.countedText, model));
		tokens = r.inputTokens;
		// As for request sites: "exact" is the counting endpoint's own figure, never an offline one.
		exact = r.source !== 'offline' && r.exact === true;
		approximate = r.approximate === true;
	} else {
		const { withPrompt, without } = asSystemRequests(doc.countedText, model);
		const [a, b] = await Promise.all([count(withPrompt), count(without)]);
		tokens = Math.max(0, a.inputTokens - b.inputTokens);
		exact = a.source !== 'offline' && b.source !== 'offline';
		approximate = !exact && (a.approximate === true || b.approximate === true);
	}
	const info = lookupModel(model);
	return {
		file: file.shown,
		line: 1,
		column: 1,
		kind: `prompt-${role}`,
		// The prompt's format: markdown, vscode-prompt, prompty, claude-md, claude-skill, … (no SDK method).
		language: doc.kind,
		method: null,
		model,
		inputTokens: tokens,
		exact,
		approximate,
		unresolved: doc.placeholders.map((p) => ({ path: `/${role}`, text: p.text, reason: 'template placeholder' })),
		costUsd: info ? inputCost(tokens, info) : null,
		maxCostUsd: null,
		maxTokens: null,
		modelFromFile,
		overBudget: false,
	};
}
