/**
 * Section shares without a call per section: every body of the report is counted offline, and the figures
 * for the request's own model are scaled so that the request itself comes to its exact total. One exact
 * count (usually already cached) instead of one per section, model and cache breakpoint.
 */
import type { MessagesBody } from '../types';
import { canonicalJson } from '../util/hash';
import type { CountFn } from './types';

export interface ScaledCount {
	readonly count: CountFn;
	/** Offline total × factor = exact total. */
	readonly factor: number;
	/** Distinct bodies counted besides the request itself: the calls an exact breakdown would cost. */
	readonly extraBodies: () => number;
}

export async function scaledToExact(offline: CountFn, body: MessagesBody, model: string, exactTotal: number, signal?: AbortSignal): Promise<ScaledCount> {
	const request = { ...body, model };
	const own = `${model}\u0000${canonicalJson(request)}`;
	const offlineTotal = (await offline(request, model, signal)).inputTokens;
	const factor = offlineTotal > 0 ? exactTotal / offlineTotal : 1;
	const seen = new Set<string>();
	const count: CountFn = async (b, m, s) => {
		const key = `${m}\u0000${canonicalJson({ ...b, model: m })}`;
		if (key === own) {
			return { inputTokens: exactTotal, approximate: false };
		}
		seen.add(key);
		const r = await offline(b, m, s);
		// Other models keep their own tokenizer's figure: a factor measured on one family says nothing of another.
		return { inputTokens: m === model ? Math.round(r.inputTokens * factor) : r.inputTokens, approximate: true };
	};
	return { count, factor, extraBodies: () => seen.size };
}
