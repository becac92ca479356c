import * as vscode from 'vscode';
import { apiEndpoint, awsEndpoint, workspaceEndpointValues, type Config } from './config';
import { AnthropicCounter } from '../core/count/anthropicCounter';
import { BedrockCounter } from '../core/count/bedrockCounter';
import type { Endpoint } from '../core/count/endpoint';
import { RateLimiter } from '../core/count/rateLimiter';
import { noLinks } from '../core/util/markdown';
import type { VocabStore } from '../core/offline';
import type { Log } from './log';
import type { ApiKeyStore } from './secrets';

/**
 * The exact counters and what they depend on: the endpoint (every source of it resolved here and passed
 * explicitly), the key, and the rate limit they share. A new endpoint or region means a new counter, which
 * the service is given through `setCounters`.
 */
export class ExactCounters {
	endpoint: Endpoint;
	api: AnthropicCounter;
	bedrock: BedrockCounter;
	readonly limiter: RateLimiter;
	private readonly reported = new Set<string>();

	/** `vocabs`: the run's, on which the parts count_tokens refuses are estimated offline. */
	constructor(private readonly config: () => Config, private readonly keys: ApiKeyStore, private readonly vocabs: VocabStore, private readonly log: Log) {
		this.endpoint = apiEndpoint(config());
		this.limiter = new RateLimiter(config().api.requestsPerMinute);
		this.api = this.newApi();
		this.bedrock = this.newBedrock();
	}

	/** A key is set and its endpoint is acceptable. */
	canUseKey(): boolean {
		return this.keys.has() && !this.endpoint.problem;
	}

	/** New counters for a new endpoint or region; the ones that changed are returned. */
	rebuild(which: { api?: boolean; bedrock?: boolean }): { api?: AnthropicCounter; bedrock?: BedrockCounter } {
		if (which.api) {
			this.endpoint = apiEndpoint(this.config());
			this.api = this.newApi();
		}
		if (which.bedrock) {
			this.bedrock = this.newBedrock();
		}
		return { api: which.api ? this.api : undefined, bedrock: which.bedrock ? this.bedrock : undefined };
	}

	/**
	 * Says what is wrong with the endpoints in use (counting stays offline until fixed), and once per value that
	 * a folder's endpoint setting is ignored.
	 */
	reportProblems(): void {
		const config = this.config();
		for (const problem of [this.endpoint.problem, config.bedrock.enabled ? awsEndpoint(config)?.problem : undefined]) {
			if (problem) {
				this.log.warn(problem);
				void vscode.window.showWarningMessage(noLinks(`Claude Token Meter: ${problem}. Counting stays offline until it is fixed.`));
			}
		}
		for (const { id, value } of workspaceEndpointValues()) {
			if (this.reported.has(`${id}=${value}`)) { continue; }
			this.reported.add(`${id}=${value}`);
			const message = `This workspace's settings set ${id} to ${value}. It is ignored: the counting endpoint, which receives your API key, is taken from your user settings only.`;
			this.log.warn(message);
			void vscode.window.showWarningMessage(noLinks(`Claude Token Meter: ${message}`));
		}
	}

	private newApi(): AnthropicCounter {
		const log = this.log;
		const logger = { error: (m: string) => log.error(m), warn: (m: string) => log.warn(m), info: (m: string) => log.debug(m), debug: (m: string) => log.trace(m) };
		return new AnthropicCounter({ getApiKey: () => this.keys.get(), vocabs: this.vocabs, baseURL: this.endpoint.url, logger });
	}

	private newBedrock(): BedrockCounter {
		const config = this.config();
		return new BedrockCounter({ region: config.bedrock.region, endpoint: awsEndpoint(config)?.url });
	}
}
