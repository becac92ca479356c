/**
 * Context windows and output limits from the Models API (`GET /v1/models`), which knows about limits the
 * dated pricing table cannot. They refine the table's rows; prices still come only from the table and the
 * user's settings, and the user's own overrides always win.
 */
import { lookupModel, type ModelOverride, type ModelOverrides } from './index';

export interface LiveModelLimits {
	readonly id: string;
	readonly contextWindow?: number;
	readonly maxOutput?: number;
}

const positive = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined);

/** Reads the SDK's model entries (`max_input_tokens`, `max_tokens`), skipping anything malformed. */
export function limitsFromModelsApi(entries: readonly unknown[]): LiveModelLimits[] {
	const out: LiveModelLimits[] = [];
	for (const e of entries) {
		const m = e as { id?: unknown; max_input_tokens?: unknown; max_tokens?: unknown };
		if (typeof m?.id !== 'string' || !m.id) { continue; }
		const contextWindow = positive(m.max_input_tokens);
		const maxOutput = positive(m.max_tokens);
		if (contextWindow || maxOutput) {
			out.push({ id: m.id, contextWindow, maxOutput });
		}
	}
	return out;
}

/**
 * Overrides that set live limits on models the table knows, merged under the user's overrides. Models the
 * table does not price stay unpriced: a window alone is no reason to borrow a price.
 */
export function mergeLiveLimits(live: readonly LiveModelLimits[], user: ModelOverrides = {}): ModelOverrides {
	const merged: Record<string, ModelOverride> = {};
	for (const l of live) {
		if (!lookupModel(l.id)) { continue; }
		merged[l.id] = {
			...(l.contextWindow ? { contextWindow: l.contextWindow } : {}),
			...(l.maxOutput ? { maxOutput: l.maxOutput } : {}),
		};
	}
	for (const [id, o] of Object.entries(user)) {
		merged[id] = { ...merged[id], ...o };
	}
	return merged;
}
