/**
 * "Which model is this request counted and priced for?" — answered here once, for the editor's result
 * store (service.ts), the batch estimator (batch/) and the CLI. The precedence, first that is set:
 *
 * 1. an override for every request (the CLI's `--model`, the batch estimator's `model` option);
 * 2. the site's own model: for a Bedrock body, the `modelId` its code passes next to it;
 * 3. the document's `model` field;
 * 4. for a Bedrock body, the setting `claudeTokenMeter.bedrock.modelId`;
 * 5. the default model (`claudeTokenMeter.defaultModel`, or the CLI's default).
 *
 * Prompt files have no request site: their model is the setting's (or `--model`), the same rule from step 4.
 */
import type { RequestSite } from './types';

export interface ModelChoice {
	/** Count and price every request as this model, whatever the document says. */
	readonly override?: string;
	/** Model for Bedrock bodies whose code gives no modelId. */
	readonly bedrockModelId?: string;
	/** Model for requests that name none. */
	readonly defaultModel: string;
}

/** The model of a site, and whether the document named it (false: the override or a default chose it). */
export function siteModel(site: Pick<RequestSite, 'provider' | 'payload' | 'bedrock'>, choice: ModelChoice): { model: string; fromDocument: boolean } {
	if (choice.override) {
		return { model: choice.override, fromDocument: false };
	}
	const named = site.provider === 'bedrock' ? site.bedrock?.modelId || site.payload.model : site.payload.model;
	if (named) {
		return { model: named, fromDocument: true };
	}
	return { model: (site.provider === 'bedrock' ? choice.bedrockModelId : undefined) || choice.defaultModel, fromDocument: false };
}
