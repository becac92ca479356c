import type { CountRequest, CountResult, Counter } from '../types';
import { throwIfAborted } from '../util/abort';
import { CountError, checkedTokens, toCountError } from './errors';

export interface BedrockCounterOptions {
	region: string;
	/** For tests and private endpoints. */
	endpoint?: string;
	/** Explicit credentials; otherwise the AWS default chain (env, profile, SSO, instance role). */
	credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Bedrock counts bare model ids only; inference profiles (`us.`, `global.`, ARNs) are rejected by the service. */
export function bareBedrockModelId(modelId: string): string {
	const arn = /^arn:aws[^:]*:bedrock:[^:]*:[^:]*:(?:inference-profile|foundation-model)\/(.+)$/.exec(modelId);
	const id = arn ? arn[1] : modelId;
	return id.replace(/^(?:us|eu|apac|au|jp|us-gov|global)\.(?=anthropic\.)/, '');
}

/** Exact counts through Amazon Bedrock's CountTokens. */
export class BedrockCounter implements Counter {
	readonly id = 'bedrock' as const;
	private client: import('@aws-sdk/client-bedrock-runtime').BedrockRuntimeClient | undefined;

	constructor(private readonly options: BedrockCounterOptions) {}

	async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		throwIfAborted(signal);
		const modelId = request.bedrock?.modelId || request.model;
		if (!modelId) {
			throw new CountError('invalid', 'No Bedrock model id: set claudeTokenMeter.bedrock.modelId or pass modelId in the code.');
		}
		// Loaded on first use: the AWS SDK is large and most users never count through Bedrock.
		const aws = await import('@aws-sdk/client-bedrock-runtime');
		this.client ??= new aws.BedrockRuntimeClient({
			region: this.options.region,
			endpoint: this.options.endpoint,
			credentials: this.options.credentials,
			// Retries go through withRateLimit (the rate limit, the retry-after cap), not the AWS SDK.
			maxAttempts: 1,
		});
		const input = request.bedrock?.input ?? {
			invokeModel: { body: { anthropic_version: 'bedrock-2023-05-31', ...withoutModel(request.body) } },
		};
		const wire = 'invokeModel' in input
			? { invokeModel: { body: new TextEncoder().encode(JSON.stringify(input.invokeModel.body)) } }
			: { converse: input.converse };
		try {
			const answer = await this.client.send(
				new aws.CountTokensCommand({ modelId: bareBedrockModelId(modelId), input: wire as never }),
				{ abortSignal: signal as never },
			);
			return { inputTokens: checkedTokens(answer.inputTokens, 'Bedrock', 'inputTokens'), source: 'bedrock', exact: true, approximate: false, notes: [] };
		} catch (err) {
			throw toCountError(err, [this.options.credentials?.secretAccessKey]);
		}
	}
}

function withoutModel(body: Record<string, unknown>): Record<string, unknown> {
	const { model: _model, ...rest } = body;
	return rest;
}
