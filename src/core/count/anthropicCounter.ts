import type Anthropic from '@anthropic-ai/sdk';
import { type VocabStore, countRequest, preparePdfs } from '../offline';
import type { CountRequest, CountResult, Counter, MessagesBody } from '../types';
import { throwIfAborted } from '../util/abort';
import { DEFAULT_ANTHROPIC_BASE_URL } from './endpoint';
import { CountError, checkedTokens, toCountError } from './errors';
import { splitUnsupported } from './unsupported';

/** Offline tokens of what `sent` lacks against `full`: the estimate for the parts count_tokens does not take. */
async function offlineDifference(full: MessagesBody, sent: MessagesBody, model: string, vocabs: VocabStore, signal?: AbortSignal): Promise<number> {
	await preparePdfs(full, signal);
	return Math.max(0, countRequest(full, model, vocabs).inputTokens - countRequest(sent, model, vocabs).inputTokens);
}

export interface AnthropicCounterOptions {
	/** Resolves the key at call time, so that setting or clearing it needs no rebuild. */
	getApiKey(): Promise<string | undefined> | string | undefined;
	/** The run's vocabularies: the parts count_tokens does not take are estimated offline on them. */
	vocabs: VocabStore;
	/** Defaults to https://api.anthropic.com; always passed to the SDK, which would otherwise read ANTHROPIC_BASE_URL. */
	baseURL?: string;
	/** Per-call timeout; interactive counting should fail fast. */
	timeoutMs?: number;
	/**
	 * The SDK's own retries; default 0. Retries belong to withRateLimit (rateLimiter.ts), which sends each
	 * one through the rate limit and caps the retry-after it obeys; the SDK would sleep through any.
	 */
	maxRetries?: number;
	/** Receives the SDK's own log lines (already free of the key). */
	logger?: { error(msg: string): void; warn(msg: string): void; info(msg: string): void; debug(msg: string): void };
	/** For tests: an injected fetch. */
	fetch?: typeof fetch;
}

/** Exact counts through `POST /v1/messages/count_tokens` with the official SDK. */
export class AnthropicCounter implements Counter {
	readonly id = 'api' as const;
	private client: Anthropic | undefined;
	private clientKey: string | undefined;

	constructor(private readonly options: AnthropicCounterOptions) {}

	async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		throwIfAborted(signal);
		const key = await this.options.getApiKey();
		if (!key) {
			throw new CountError('no-key', 'No API key is set. Run "Claude Token Meter: Set API Key".');
		}
		throwIfAborted(signal);
		const client = this.clientFor(key);
		// count_tokens rejects some parts outright: send the rest, estimate those offline.
		const split = splitUnsupported(request.body);
		let exact: number;
		try {
			const body = { ...split.body, model: request.model } as unknown as Anthropic.MessageCountTokensParams;
			const answer = await client.messages.countTokens(body, { signal });
			exact = checkedTokens(answer?.input_tokens, 'The counting endpoint', 'input_tokens');
		} catch (err) {
			throw toCountError(err, [key]);
		}
		if (split.removed.length === 0) {
			return { inputTokens: exact, source: 'api', exact: true, approximate: false, notes: [] };
		}
		const estimate = await offlineDifference(request.body, split.body, request.model, this.options.vocabs, signal);
		const what = split.removed.join(', ');
		const fmt = (n: number) => n.toLocaleString('en-US');
		return {
			inputTokens: exact + estimate,
			source: 'api',
			exact: false,
			approximate: true,
			notes: [`exact ${fmt(exact)} + ≈${fmt(estimate)} for ${what}: count_tokens does not take ${split.removed.length === 1 ? 'it' : 'them'}, so that part is estimated offline.`],
			estimated: { tokens: estimate, for: what },
		};
	}

	/** Every model the key can use, from the Models API (paged), as the SDK returns them. */
	async listModels(signal?: AbortSignal): Promise<unknown[]> {
		const key = await this.options.getApiKey();
		if (!key) {
			throw new CountError('no-key', 'No API key is set.');
		}
		try {
			const out: unknown[] = [];
			for await (const model of this.clientFor(key).models.list({ limit: 100 }, { signal })) {
				out.push(model);
				if (out.length > 2000) { break; }
			}
			return out;
		} catch (err) {
			throw toCountError(err, [key]);
		}
	}

	private clientFor(key: string): Anthropic {
		if (!this.client || this.clientKey !== key) {
			const logger = this.options.logger;
			// The SDK loads with the first client (the first exact count), not with the extension.
			const { Anthropic: Client } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
			this.client = new Client({
				apiKey: key,
				baseURL: this.options.baseURL || DEFAULT_ANTHROPIC_BASE_URL,
				timeout: this.options.timeoutMs ?? 20_000,
				maxRetries: this.options.maxRetries ?? 0,
				fetch: this.options.fetch,
				logger,
				logLevel: logger ? 'warn' : 'off',
				// The SDK refuses to run where a browser global exists (a web extension host) unless told.
				dangerouslyAllowBrowser: true,
			});
			this.clientKey = key;
		}
		return this.client;
	}
}
