/** The routing hint of the report (small requests to Haiku, medium to Sonnet, large to Opus) with the reason spelled out, built on the cost module's rule. */
import { DEFAULT_ROUTING, formatTokens, modelForTier, type ModelOverrides, routingHint, type RoutingThresholds, type Tier } from '../cost';
import type { RoutingAdvice } from './types';

export { DEFAULT_ROUTING, routingHint, type RoutingThresholds };

const TIER_NAMES: Record<Tier, string> = { haiku: 'Haiku', sonnet: 'Sonnet', opus: 'Opus' };

export function routing(tokens: number, thresholds: RoutingThresholds = DEFAULT_ROUTING, overrides?: ModelOverrides): RoutingAdvice {
	const tier = routingHint(tokens, thresholds);
	const info = modelForTier(tier, overrides);
	const name = info?.displayName ?? TIER_NAMES[tier];
	const t = formatTokens(tokens);
	const reason = tier === 'haiku'
		? `${t} input tokens is under ${formatTokens(thresholds.haikuBelow)}: a small request, ${name} is usually enough.`
		: tier === 'sonnet'
			? `${t} input tokens is between ${formatTokens(thresholds.haikuBelow)} and ${formatTokens(thresholds.sonnetBelow)}: ${name} balances cost and capability.`
			: `${t} input tokens is ${formatTokens(thresholds.sonnetBelow)} or more: a large request, ${name} handles long context best.`;
	return {
		tokens,
		tier,
		...(info ? { model: { id: info.id, displayName: info.displayName } } : {}),
		thresholds: { haiku: thresholds.haikuBelow, sonnet: thresholds.sonnetBelow },
		reason,
	};
}
