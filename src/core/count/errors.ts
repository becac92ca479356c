import { isCancellation } from '../util/abort';
import { redact } from '../util/redact';

export type CountErrorKind =
	| 'no-key'
	| 'auth'
	| 'permission'
	| 'not-found'
	| 'invalid'
	| 'too-large'
	| 'rate-limit'
	| 'overloaded'
	| 'server'
	| 'network'
	| 'unknown';

/** A counting failure, already phrased for the user and free of secrets. */
export class CountError extends Error {
	override readonly name = 'CountError';
	constructor(
		readonly kind: CountErrorKind,
		message: string,
		readonly status?: number,
		/** From `retry-after-ms` / `retry-after` on 429 and 529 answers. */
		readonly retryAfterMs?: number,
	) {
		super(message);
	}

	/** Errors worth trying again later without the user doing anything. */
	get transient(): boolean {
		return this.kind === 'rate-limit' || this.kind === 'overloaded' || this.kind === 'server' || this.kind === 'network';
	}
}

const HINTS: Record<CountErrorKind, string> = {
	'no-key': 'No API key is set. Run "Claude Token Meter: Set API Key".',
	auth: 'The API key was rejected (401). Set a valid key with "Claude Token Meter: Set API Key".',
	permission: 'The key may not use this endpoint (403): check the account\'s permissions and billing.',
	'not-found': 'The endpoint or model was not found (404): check the model id and the base URL setting.',
	invalid: 'The counting endpoint rejected the request (400)',
	'too-large': 'The request is larger than the endpoint accepts (413, 32 MB).',
	'rate-limit': 'Rate limited by the counting endpoint (429).',
	overloaded: 'The counting endpoint is overloaded (529).',
	server: 'The counting endpoint failed',
	network: 'Could not reach the counting endpoint',
	unknown: 'Counting failed',
};

function kindForStatus(status: number | undefined): CountErrorKind {
	switch (status) {
		case 400: case 422: return 'invalid';
		case 401: return 'auth';
		case 402: case 403: return 'permission';
		case 404: return 'not-found';
		case 413: return 'too-large';
		case 429: return 'rate-limit';
		case 529: return 'overloaded';
		default:
			return status !== undefined && status >= 500 ? 'server' : 'unknown';
	}
}

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date) from a Headers-like object. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
	const get = (name: string): string | null | undefined => {
		if (!headers) { return undefined; }
		if (typeof (headers as Headers).get === 'function') { return (headers as Headers).get(name); }
		const v = (headers as Record<string, unknown>)[name];
		return typeof v === 'string' ? v : undefined;
	};
	const ms = Number(get('retry-after-ms'));
	if (Number.isFinite(ms) && ms > 0) { return ms; }
	const raw = get('retry-after');
	if (!raw) { return undefined; }
	const secs = Number(raw);
	if (Number.isFinite(secs)) { return Math.max(0, secs * 1000); }
	const date = Date.parse(raw);
	return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Turns whatever a client threw into a CountError with a message the user can act on.
 * Cancellation is passed through untouched: it is not an error.
 */
export function toCountError(err: unknown, secrets: readonly (string | undefined)[] = []): unknown {
	if (err instanceof CountError || isCancellation(err)) {
		return err;
	}
	const e = (err ?? {}) as {
		status?: number; headers?: unknown; message?: string; name?: string; apiMessage?: string | null;
		$metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> };
	};
	const status = typeof e.status === 'number' ? e.status : e.$metadata?.httpStatusCode;
	const name = e.name ?? (err as object)?.constructor?.name ?? '';
	if (status === undefined && name === 'SyntaxError') {
		// The SDK parses a 2xx body as JSON: the endpoint answered, but not with JSON.
		return new CountError('server', 'The counting endpoint answered with a body that is not JSON.');
	}
	if (status === undefined) {
		const networkish = /Connection|Timeout|ECONN|ENOTFOUND|EAI_AGAIN|socket|fetch failed|network/i.test(`${name} ${e.message ?? ''}`);
		const kind: CountErrorKind = networkish ? 'network' : 'unknown';
		const detail = e.message ? `: ${e.message}` : '';
		return new CountError(kind, redact(`${HINTS[kind]}${detail}`, secrets));
	}
	const kind = kindForStatus(status);
	const detail = e.apiMessage ?? extractApiMessage(e.message);
	const base = HINTS[kind];
	const message = kind === 'invalid' || kind === 'server' || kind === 'unknown'
		? `${base}${detail ? `: ${detail}` : ` (${status}).`}`
		: base;
	return new CountError(kind, redact(message, secrets), status, retryAfterMs(e.headers ?? e.$response?.headers));
}

function extractApiMessage(message: string | undefined): string | undefined {
	if (!message) { return undefined; }
	const m = /"message"\s*:\s*"([^"]+)"/.exec(message);
	return m ? m[1] : message.replace(/^\d{3}\s+/, '');
}

/**
 * A token count from an endpoint's answer, which must be a whole number ≥ 0: anything else (missing, negative,
 * fractional, a string) is the endpoint's failure, never a figure to show.
 */
export function checkedTokens(value: unknown, who: string, field: string): number {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
		return value;
	}
	if (value === undefined) {
		throw new CountError('server', `${who} answered without ${field}.`);
	}
	const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)).slice(0, 40);
	throw new CountError('server', `${who} answered ${field} = ${shown}, not a whole number ≥ 0.`);
}
