import * as vscode from 'vscode';
import { formatTokens, formatUsd } from '../core/cost';
import { figureFor, inputUsd, shortText, type RateLookup } from '../core/present';
import type { TokenCountService } from '../core/service';
import { abortOnCancel, Disposable } from './dispose';

export const TOOL_NAME = 'claude-token-meter_countTokens';

/** What a chat agent may ask: the requests of a file (or the one at a line), or a text on a model. */
export interface CountToolInput {
	file?: string;
	line?: number;
	text?: string;
	model?: string;
}

export interface LmToolDeps {
	readonly service: TokenCountService;
	readonly rates: RateLookup;
	readonly defaultModel: () => string;
	/** Where exact counts go, for the confirmation message. */
	readonly endpoint: () => string;
}

/**
 * A language model tool over the same core as the editor: chat agents get the tokens and cost of requests
 * in a file, of the request at a line, or of a text on a model. Offline unless a key is set; the
 * confirmation says which.
 */
export class CountTokensTool extends Disposable implements vscode.LanguageModelTool<CountToolInput> {
	constructor(private readonly deps: LmToolDeps) {
		super();
		if (typeof vscode.lm?.registerTool === 'function') {
			this._register(vscode.lm.registerTool(TOOL_NAME, this));
		}
	}

	/** Says what would be sent where before anything runs. */
	prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<CountToolInput>): vscode.PreparedToolInvocation {
		const input = options.input ?? {};
		const what = input.text !== undefined ? `a text of ${input.text.length.toLocaleString('en-US')} characters` : input.file ? `the requests in ${input.file}${input.line ? ` at line ${input.line}` : ''}` : 'nothing (no file or text given)';
		const exact = this.deps.service.canCountExactly('anthropic');
		const where = exact
			? `Sends ${what} to ${this.deps.endpoint()}/v1/messages/count_tokens (an API key is set) for exact counts.`
			: `Counts ${what} offline, on this machine: nothing is sent anywhere.`;
		return {
			invocationMessage: `Counting Claude tokens of ${what}`,
			confirmationMessages: exact ? { title: 'Count Claude tokens through the API?', message: new vscode.MarkdownString(where) } : undefined,
		};
	}

	async invoke(options: vscode.LanguageModelToolInvocationOptions<CountToolInput>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
		const text = await this.answer(options.input ?? {}, token);
		return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
	}

	/** The answer as plain text; bad input gets a sentence saying what is wrong, never an exception. */
	async answer(input: CountToolInput, token?: vscode.CancellationToken): Promise<string> {
		const model = input.model?.trim() || this.deps.defaultModel();
		if (typeof input.text === 'string') {
			const controller = new AbortController();
			const sub = abortOnCancel(token, controller);
			try {
				const r = await this.deps.service.countFnFor('anthropic')({ model, messages: [{ role: 'user', content: input.text }] }, model, controller.signal);
				const rate = this.deps.rates(model);
				const usd = inputUsd(rate, r.inputTokens);
				const cost = usd !== undefined ? formatUsd(usd) : 'no price for this model';
				return `The text as one user message on ${model}: ${r.approximate ? '≈' : ''}${formatTokens(r.inputTokens)} input tokens, ${cost} (${r.source === 'offline' ? 'offline estimate' : 'exact, from count_tokens'}).`;
			} catch (err) {
				return `Could not count the text: ${(err as Error).message}`;
			} finally {
				sub.dispose();
			}
		}
		if (!input.file) {
			return 'Give either "file" (a path in the workspace, optionally with "line") or "text".';
		}
		let doc: vscode.TextDocument;
		try {
			doc = await vscode.workspace.openTextDocument(this.resolve(input.file));
		} catch (err) {
			return `Could not open ${input.file}: ${(err as Error).message}`;
		}
		await this.deps.service.update({ uri: doc.uri.toString(), version: doc.version, languageId: doc.languageId, fileName: doc.fileName, getText: () => doc.getText() });
		await this.deps.service.whenIdle();
		const state = this.deps.service.get(doc.uri.toString());
		let sites = state?.sites ?? [];
		if (input.line !== undefined) {
			const offset = doc.offsetAt(new vscode.Position(Math.max(0, input.line - 1), 0));
			const lineEnd = doc.offsetAt(new vscode.Position(Math.max(0, input.line - 1), Number.MAX_SAFE_INTEGER));
			sites = sites.filter((s) => s.site.range.start <= lineEnd && offset <= s.site.range.end).slice(-1);
		}
		if (!sites.length) {
			return `No Claude request found in ${input.file}${input.line !== undefined ? ` at line ${input.line}` : ''}.`;
		}
		const lines = sites.map((s) => {
			const figure = figureFor(s, this.deps.rates);
			const at = doc.positionAt(s.site.range.start).line + 1;
			return `- line ${at}, ${s.model}: ${figure ? shortText(figure, 'input tokens') : 'not counted yet'}${s.site.unresolved.length ? ` (lower bound: ${s.site.unresolved.length} run-time value(s) not counted)` : ''}`;
		});
		return `${sites.length} request(s) in ${input.file}:\n${lines.join('\n')}`;
	}

	private resolve(file: string): vscode.Uri {
		if (/^[a-z][\w+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) {
			return vscode.Uri.parse(file);
		}
		const folder = vscode.workspace.workspaceFolders?.[0];
		return file.startsWith('/') || !folder ? vscode.Uri.file(file) : vscode.Uri.joinPath(folder.uri, file);
	}
}
