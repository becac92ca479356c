import type { RequestKind } from './kinds';
import type { Family } from './tokenizer';
import measured from './measuredAccuracy.json';

/** Agreement of one family and kind with the recorded requests, as `npm run accuracy -- requests` measured it. */
export interface MeasuredKind {
	requests: number;
	exact: number;
	within5pct: number;
}

interface MeasuredFile {
	source: string;
	families: Partial<Record<Family, Partial<Record<RequestKind, MeasuredKind>>>>;
}

/** A kind with fewer recordings than this is not called exact, however it scored. */
export const MIN_RECORDINGS = 15;
/** Share of exact recordings for a kind to be shown without "≈". */
export const EXACT_SHARE = 0.95;

export function measuredKind(family: Family, kind: RequestKind): MeasuredKind | undefined {
	return (measured as MeasuredFile).families[family]?.[kind];
}

/** True when the recordings reproduce this family and kind exactly often enough to drop the "≈". */
export function reproducedExactly(m: MeasuredKind | undefined): boolean {
	return !!m && m.requests >= MIN_RECORDINGS && m.exact / m.requests >= EXACT_SHARE;
}
