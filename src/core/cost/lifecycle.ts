/**
 * Model lifecycle: what a request naming a deprecated or retired model should be told, and which current
 * model takes its place. Pure; the dates come from the pricing table's `status` and `retires`.
 */
import { currentModels, type ModelInfo, type ModelOverrides, type Tier } from './index';

export interface LifecycleProblem {
	/** 'retired': requests fail; 'deprecated': they work until `retires`. */
	readonly kind: 'retired' | 'deprecated';
	readonly model: ModelInfo;
	/** YYYY-MM-DD, when the sources give one. */
	readonly retires?: string;
	/** Whole days until retirement (deprecated models with a date). */
	readonly daysLeft?: number;
	/** The current model of the same tier, if the lineup has one. */
	readonly successor?: ModelInfo;
	readonly message: string;
}

const TIERS: readonly Tier[] = ['haiku', 'sonnet', 'opus'];

function tierOf(model: ModelInfo): Tier | undefined {
	return TIERS.find((t) => model.id.includes(`-${t}-`) || model.id.endsWith(`-${t}`));
}

/** The current model that replaces `model`: the lineup's model of the same tier (Sonnet 4.5 → Sonnet 5.5). */
export function successorOf(model: ModelInfo, overrides?: ModelOverrides): ModelInfo | undefined {
	const tier = tierOf(model);
	if (!tier) {
		return undefined;
	}
	return currentModels(overrides).find((m) => m.id !== model.id && tierOf(m) === tier);
}

function isoDay(d: Date): string {
	return d.toISOString().slice(0, 10);
}

/**
 * A deprecated model is retired once its retirement date has passed, whatever the table's status says: the
 * table is dated, the editor is used later.
 */
export function lifecycleProblem(model: ModelInfo, today: Date = new Date(), overrides?: ModelOverrides): LifecycleProblem | undefined {
	const status = model.status;
	if (status !== 'deprecated' && status !== 'retired') {
		return undefined;
	}
	const day = isoDay(today);
	const retired = status === 'retired' || (model.retires !== undefined && model.retires <= day);
	const successor = successorOf(model, overrides);
	const instead = successor ? ` Use ${successor.displayName} (${successor.id}) instead.` : '';
	if (retired) {
		const since = model.retires ? ` since ${model.retires}` : '';
		return { kind: 'retired', model, retires: model.retires, successor, message: `${model.displayName} is retired: requests to this model fail${since}.${instead}` };
	}
	const daysLeft = model.retires ? Math.round((Date.parse(`${model.retires}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 86_400_000) : undefined;
	const when = model.retires ? ` and retires on ${model.retires}${daysLeft !== undefined ? ` (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})` : ''}` : '';
	return { kind: 'deprecated', model, retires: model.retires, daysLeft, successor, message: `${model.displayName} is deprecated${when}.${instead}` };
}
