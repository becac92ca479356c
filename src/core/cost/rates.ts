/**
 * The pricing table as the surfaces consume it (status bar, CodeLens, model picker), with the user's
 * overrides from settings. Kept apart from the arithmetic so settings shapes stay out of index.ts.
 */
import type { RateCard, RateLookup } from '../present';
import { allModels, formatRate, formatWindow, lookupModel, type ModelOverrides, priceProvenance, requestCost } from './index';

/** The part of the settings snapshot pricing reads; any other snapshot means "no overrides". */
export interface PricingSettings {
	/** The setting `pricing.overrides`. */
	readonly pricing?: { readonly overrides?: ModelOverrides };
}

function overridesOf(settings: PricingSettings | object): ModelOverrides | undefined {
	return 'pricing' in settings ? settings.pricing?.overrides : undefined;
}

/** A lookup that reads the current settings on every call, so changed overrides apply at once. */
export function rateLookup(settings: () => PricingSettings | object): RateLookup {
	return (model: string): RateCard | undefined => {
		const info = lookupModel(model, overridesOf(settings()));
		return info && {
			displayName: info.displayName,
			contextWindow: info.contextWindow,
			cost: (tokens, opts) => requestCost(info, { input: tokens }, opts),
			provenance: priceProvenance(info),
		};
	};
}

/** Models for the picker: the current lineup first, then the rest in table order. */
export function modelChoices(settings: PricingSettings | object): { id: string; label: string; detail: string }[] {
	const models = allModels(overridesOf(settings));
	const ordered = [...models.filter((m) => m.current), ...models.filter((m) => !m.current)];
	return ordered.map((m) => ({
		id: m.id,
		label: m.displayName,
		detail: `${formatRate(m.input)} / ${formatRate(m.output)} per MTok · ${formatWindow(m.contextWindow)} context${m.current ? ' · current' : ''}`,
	}));
}
