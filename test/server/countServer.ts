/**
 * A local stand-in for Anthropic's `count_tokens` and Bedrock's `CountTokens` (the documented count_tokens contract; see docs/ARCHITECTURE.md for where it is used).
 *
 * Real HTTP on 127.0.0.1 with a free port. One port speaks both HTTP/1.1 (what `@anthropic-ai/sdk` uses)
 * and cleartext HTTP/2 with prior knowledge (what `@aws-sdk/client-bedrock-runtime` uses by default),
 * so both real clients reach it through their `baseURL` / `endpoint` options unchanged.
 * It validates headers and bodies the way the real services do, records every request (keys redacted),
 * and can be told to fail the next requests (status, latency, dropped connection).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { allModels } from '../../src/core/cost';
import { utf8CountRule } from './countRule';

export type CountFn = (body: any, model: string) => number | Promise<number>;

/** What a Bedrock CountTokens request carries, with the InvokeModel body already decoded from base64 JSON. */
export type BedrockCountInput =
	| { invokeModel: { body: any } }
	| { converse: { messages: any[]; system?: any[]; toolConfig?: any } };

export type BedrockCountFn = (input: BedrockCountInput, modelId: string) => number | Promise<number>;

export interface CountServerOptions {
	/** Token count for an Anthropic body; default: the UTF-8 rule of `countRule.ts`. */
	count?: CountFn;
	/** Token count for a Bedrock input; default: converts it to a Messages body and uses `count`. */
	bedrockCount?: BedrockCountFn;
	/** Keys accepted by the Anthropic endpoint; default: any non-empty key. */
	validKeys?: readonly string[];
	/** AWS access key ids accepted by the Bedrock endpoint; default: any. */
	validAccessKeyIds?: readonly string[];
	/** Model ids that exist; others get 404 (Anthropic) / ValidationException (Bedrock). Default: any. */
	models?: readonly string[];
	/** What `GET /v1/models` lists; default: every model of the pricing table. */
	modelInfos?: readonly ModelInfoEntry[];
	/** `anthropic-version` values accepted; default: `2023-06-01` and `2026-10-21` (SDK 1.12). */
	versions?: readonly string[];
	/** Request body limit in bytes; default 32 MB as the real API. */
	maxBodyBytes?: number;
	/** Port to listen on (127.0.0.1 only); default 0, a free port chosen by the system. */
	port?: number;
	/** Called when a request has been answered (or dropped), e.g. to log it. */
	onRequest?: (request: RecordedRequest) => void;
}

/** One entry of the fault queue: applied, in order, to the next requests the server receives. */
export interface Fault {
	/** Answer with this status and the service's documented error body. */
	status?: number;
	/** Error type (Anthropic `error.type`, Bedrock exception name); default follows the status. */
	errorType?: string;
	message?: string;
	/** Seconds, sent as `retry-after` (Anthropic 429 defaults to 1). */
	retryAfter?: number | string;
	/** Milliseconds, sent as `retry-after-ms` (the Anthropic SDK reads it before `retry-after`). */
	retryAfterMs?: number;
	/** Answer 200 with this raw body (content-type application/json) instead of counting: a malformed answer. */
	body?: string;
	/** Wait this long before answering (or dropping). */
	latencyMs?: number;
	/** Destroy the connection instead of answering. */
	drop?: boolean;
}

/** One model as the Models API describes it (SDK 1.12 `ModelInfo`). */
export interface ModelInfoEntry {
	readonly type: 'model';
	readonly id: string;
	readonly display_name: string;
	readonly created_at: string;
	readonly max_input_tokens: number | null;
	readonly max_tokens: number | null;
	readonly capabilities: null;
	readonly lifecycle: 'active' | 'deprecated' | 'retired';
	readonly line: null;
	readonly deprecated_at: string | null;
	readonly retires_at: string | null;
	/** Other ids that `GET /v1/models/{id}` resolves to this entry (aliases); not sent. */
	readonly aliases?: readonly string[];
}

/** The pricing table as Models API entries: dated id where there is one, windows from the table. */
export function defaultModelInfos(): ModelInfoEntry[] {
	return allModels().map((m) => ({
		type: 'model',
		id: m.ids[m.ids.length - 1],
		display_name: m.displayName,
		// Release dates are not in the pricing table; the list order, not this date, is what tests rely on.
		created_at: '2026-09-20T00:00:00Z',
		max_input_tokens: m.contextWindow,
		max_tokens: m.maxOutput ?? null,
		capabilities: null,
		lifecycle: 'active',
		line: null,
		deprecated_at: null,
		retires_at: null,
		aliases: m.ids.slice(0, -1),
	}));
}

export type RequestProvider = 'anthropic' | 'bedrock' | 'other';
export type AuthHeaderName = 'x-api-key' | 'authorization';
export type AuthScheme = 'x-api-key' | 'bearer' | 'aws-sigv4' | 'other';

const SENSITIVE_HEADERS = new Set(['x-api-key', 'authorization', 'x-amz-security-token', 'proxy-authorization']);

function redactHeader(name: string, value: string): string {
	if (!SENSITIVE_HEADERS.has(name)) {
		return value;
	}
	const scheme = /^(Bearer|AWS4-HMAC-SHA256|Basic)\s/i.exec(value);
	return scheme ? `${scheme[1]} [redacted]` : '[redacted]';
}

function sha256(s: string | Buffer): Buffer {
	return crypto.createHash('sha256').update(s).digest();
}

/**
 * What the server received. Printable as is: sensitive header values are redacted, and the key itself
 * lives in a private field that neither JSON nor `util.inspect` shows; tests compare it with `keyEquals`.
 */
export class RecordedRequest {
	readonly method: string;
	readonly path: string;
	readonly httpVersion: string;
	readonly provider: RequestProvider;
	/** Lower-case header names; values of key-bearing headers redacted. */
	readonly headers: Readonly<Record<string, string>>;
	/** Which header carried the credential, if any. */
	readonly authHeader: AuthHeaderName | undefined;
	readonly authScheme: AuthScheme | undefined;
	/** Milliseconds since the epoch when the request arrived. */
	readonly time: number;
	/** Parsed JSON body (Bedrock InvokeModel bodies stay as sent: base64); undefined when not JSON or too large. */
	body: unknown = undefined;
	bodyBytes = 0;
	/** `model` (Anthropic) or the path's model id (Bedrock), when present. */
	model: string | undefined = undefined;
	/** Status answered; undefined while pending or when the connection was dropped. */
	status: number | undefined = undefined;
	dropped = false;
	/** The injected fault applied to this request, if any. */
	fault: Fault | undefined = undefined;
	durationMs: number | undefined = undefined;
	readonly #key: Buffer | undefined;

	constructor(method: string, path: string, httpVersion: string, rawHeaders: Record<string, string>) {
		this.method = method;
		this.path = path;
		this.httpVersion = httpVersion;
		this.time = Date.now();
		this.provider = path.startsWith('/v1/') ? 'anthropic' : path.startsWith('/model/') ? 'bedrock' : 'other';
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(rawHeaders)) {
			headers[name] = redactHeader(name, value);
		}
		this.headers = Object.freeze(headers);
		const apiKey = rawHeaders['x-api-key'];
		const authorization = rawHeaders['authorization'];
		let key: string | undefined;
		if (apiKey !== undefined) {
			this.authHeader = 'x-api-key';
			this.authScheme = 'x-api-key';
			key = apiKey;
		} else if (authorization !== undefined) {
			this.authHeader = 'authorization';
			const bearer = /^Bearer\s+(.*)$/i.exec(authorization);
			const sigv4 = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\//.exec(authorization);
			if (bearer) {
				this.authScheme = 'bearer';
				key = bearer[1].trim();
			} else if (sigv4) {
				// For SigV4 the comparable credential is the access key id; the secret never travels.
				this.authScheme = 'aws-sigv4';
				key = sigv4[1];
			} else {
				this.authScheme = 'other';
			}
		}
		// Only a digest is kept, so even a heap dump of the test process shows no key.
		this.#key = key === undefined ? undefined : sha256(key);
	}

	/** True when a credential (API key, bearer token or AWS access key id) arrived. */
	get hasKey(): boolean {
		return this.#key !== undefined;
	}

	/** True when the credential that arrived equals `expected` (API key, or AWS access key id). */
	keyEquals(expected: string): boolean {
		return this.#key !== undefined && crypto.timingSafeEqual(this.#key, sha256(expected));
	}
}

export interface CountServer {
	/** Base URL for the Anthropic SDK's `baseURL` and the Bedrock client's `endpoint`. */
	readonly url: string;
	readonly port: number;
	/** Every request received since start or the last `reset()`, in arrival order. */
	readonly requests: readonly RecordedRequest[];
	/** Forget recorded requests and pending faults (count functions stay). */
	reset(): void;
	/** Queue `fault` for the next `times` requests. */
	inject(fault: Fault, times?: number): void;
	/** Replace the Anthropic count function; no argument restores the default rule. */
	setCount(fn?: CountFn): void;
	/** Replace the Bedrock count function; no argument restores the default. */
	setBedrockCount(fn?: BedrockCountFn): void;
	/** Resolves once at least `n` requests have been answered or dropped. */
	waitForRequests(n: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
	close(): Promise<void>;
}

export const DEFAULT_VERSIONS: readonly string[] = ['2023-06-01', '2026-10-21'];
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
export const MAX_MESSAGES = 100_000;

/** Top-level fields count_tokens accepts (SDK 1.12 `MessageCountTokensParams`, plus beta `mcp_servers`, `context_management`). */
const ANTHROPIC_FIELDS = new Set([
	'model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config', 'speed',
	'mcp_servers', 'context_management',
]);

/** Content block types a user/assistant message may carry (SDK 1.12 `ContentBlockParam`). */
const BLOCK_TYPES = [
	'text', 'image', 'document', 'search_result', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result',
	'server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result', 'code_execution_tool_result',
	'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result', 'tool_search_tool_result',
	'container_upload', 'mcp_tool_use', 'mcp_tool_result',
];
const BLOCK_TYPE_SET = new Set(BLOCK_TYPES);

/** Bedrock cross-region inference profiles carry a geography prefix; CountTokens takes base model ids only. */
const INFERENCE_PROFILE = /^(us|eu|apac|global|us-gov|jp|au|ca)\./;

const ANTHROPIC_ERROR_TYPES: Record<number, [string, string]> = {
	400: ['invalid_request_error', 'Invalid request.'],
	401: ['authentication_error', 'invalid x-api-key'],
	402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
	403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
	404: ['not_found_error', 'The requested resource could not be found.'],
	413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
	429: ['rate_limit_error', 'Number of requests has exceeded your rate limit.'],
	500: ['api_error', 'Internal server error'],
	529: ['overloaded_error', 'Overloaded'],
};

const BEDROCK_ERROR_TYPES: Record<number, string> = {
	400: 'ValidationException',
	401: 'UnrecognizedClientException',
	403: 'AccessDeniedException',
	404: 'ResourceNotFoundException',
	413: 'ValidationException',
	424: 'ModelErrorException',
	429: 'ThrottlingException',
	500: 'InternalServerException',
	503: 'ServiceUnavailableException',
	529: 'ServiceUnavailableException',
};

interface Reply {
	status: number;
	headers: Record<string, string>;
	body: string;
}

class HttpError extends Error {
	constructor(readonly status: number, readonly errorType: string, message: string, readonly extraHeaders: Record<string, string> = {}) {
		super(message);
	}
}

function requestId(prefix: string): string {
	return `${prefix}${crypto.randomBytes(12).toString('hex')}`;
}

function anthropicError(status: number, errorType: string | undefined, message: string | undefined, extra: Record<string, string> = {}): Reply {
	const [defaultType, defaultMessage] = ANTHROPIC_ERROR_TYPES[status] ?? [status >= 500 ? 'api_error' : 'invalid_request_error', 'Error'];
	const id = requestId('req_');
	return {
		status,
		headers: { 'content-type': 'application/json', 'request-id': id, ...extra },
		body: JSON.stringify({ type: 'error', error: { type: errorType ?? defaultType, message: message ?? defaultMessage }, request_id: id }),
	};
}

function bedrockError(status: number, errorType: string | undefined, message: string | undefined, extra: Record<string, string> = {}): Reply {
	const type = errorType ?? BEDROCK_ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
	// Bedrock answers 503 where Anthropic answers 529.
	const httpStatus = status === 529 ? 503 : status;
	return {
		status: httpStatus,
		headers: { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID(), 'x-amzn-errortype': type, ...extra },
		body: JSON.stringify({ message: message ?? type }),
	};
}

function invalid(message: string): HttpError {
	return new HttpError(400, 'invalid_request_error', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
	return Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v === 'object' ? 'dict' : typeof v;
}

function validateBlock(block: unknown, path: string): void {
	if (!isObject(block)) {
		throw invalid(`${path}: Input should be a valid dictionary or object to extract fields from`);
	}
	const type = block.type;
	if (typeof type !== 'string') {
		throw invalid(`${path}: Unable to extract tag using discriminator 'type'`);
	}
	if (!BLOCK_TYPE_SET.has(type)) {
		throw invalid(`${path}: Input tag '${type}' found using 'type' does not match any of the expected tags: ${BLOCK_TYPES.map((t) => `'${t}'`).join(', ')}`);
	}
	if (type === 'text' && typeof block.text !== 'string') {
		throw invalid(`${path}.text: ${block.text === undefined ? 'Field required' : 'Input should be a valid string'}`);
	}
	if ((type === 'image' || type === 'document') && !isObject(block.source)) {
		throw invalid(`${path}.source: Field required`);
	}
	rejectRemoteMedia(block, path);
	if (type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input))) {
		throw invalid(`${path}: tool_use blocks require string 'id', string 'name' and object 'input'`);
	}
	if (type === 'tool_result' && typeof block.tool_use_id !== 'string') {
		throw invalid(`${path}.tool_use_id: Field required`);
	}
	if (type === 'tool_result' && Array.isArray(block.content)) {
		block.content.forEach((inner, k) => rejectRemoteMedia(inner, `${path}.content.${k}`));
	}
}

/** count_tokens takes no image or document by URL or uploaded file (Anthropic's token-counting docs). */
function rejectRemoteMedia(block: unknown, path: string): void {
	if (!isObject(block) || (block.type !== 'image' && block.type !== 'document') || !isObject(block.source)) {
		return;
	}
	const source = block.source.type;
	if (source === 'url' || source === 'file') {
		throw invalid(`${path}.source: ${source} sources are not supported when counting tokens`);
	}
}

/** Server tools count_tokens rejects: all but the advisor (Anthropic's token-counting docs). */
const UNCOUNTABLE_TOOL = /^(web_search|web_fetch|code_execution|tool_search_tool_(?:regex|bm25))_/;

/** The count_tokens body checks the real API makes, with its (pydantic-style) messages. */
export function validateAnthropicBody(body: unknown): asserts body is { model: string; messages: unknown[] } & Record<string, unknown> {
	if (!isObject(body)) {
		throw invalid(`Input should be a valid dictionary or object to extract fields from`);
	}
	for (const key of Object.keys(body)) {
		if (!ANTHROPIC_FIELDS.has(key)) {
			throw invalid(`${key}: Extra inputs are not permitted`);
		}
	}
	if (body.model === undefined) {
		throw invalid('model: Field required');
	}
	if (typeof body.model !== 'string' || body.model === '') {
		throw invalid('model: Input should be a valid string');
	}
	if (body.messages === undefined) {
		throw invalid('messages: Field required');
	}
	if (!Array.isArray(body.messages)) {
		throw invalid(`messages: Input should be a valid list`);
	}
	if (body.messages.length < 1) {
		throw invalid('messages: List should have at least 1 item after validation, not 0');
	}
	if (body.messages.length > MAX_MESSAGES) {
		throw invalid(`messages: List should have at most ${MAX_MESSAGES} items after validation, not ${body.messages.length}`);
	}
	body.messages.forEach((message, i) => {
		const path = `messages.${i}`;
		if (!isObject(message)) {
			throw invalid(`${path}: Input should be a valid dictionary or object to extract fields from`);
		}
		if (message.role !== 'user' && message.role !== 'assistant') {
			throw invalid(message.role === undefined ? `${path}.role: Field required` : `${path}.role: Input should be 'user' or 'assistant'`);
		}
		const content = message.content;
		if (content === undefined) {
			throw invalid(`${path}.content: Field required`);
		}
		if (typeof content === 'string') {
			return;
		}
		if (!Array.isArray(content)) {
			throw invalid(`${path}.content: Input should be a valid string or list, not ${describe(content)}`);
		}
		content.forEach((block, j) => validateBlock(block, `${path}.content.${j}`));
	});
	const system = body.system;
	if (system !== undefined && typeof system !== 'string') {
		if (!Array.isArray(system)) {
			throw invalid(`system: Input should be a valid string or list, not ${describe(system)}`);
		}
		system.forEach((block, j) => {
			validateBlock(block, `system.${j}`);
			if ((block as Record<string, unknown>).type !== 'text') {
				throw invalid(`system.${j}.type: Input should be 'text'`);
			}
		});
	}
	if (body.tools !== undefined) {
		if (!Array.isArray(body.tools)) {
			throw invalid('tools: Input should be a valid list');
		}
		body.tools.forEach((tool, j) => {
			if (!isObject(tool) || typeof tool.name !== 'string') {
				throw invalid(`tools.${j}.name: Field required`);
			}
			const type = typeof tool.type === 'string' ? tool.type : '';
			if (UNCOUNTABLE_TOOL.test(type) || type === 'mcp_toolset') {
				throw invalid(`tools.${j}: the ${type} tool is not supported when counting tokens`);
			}
		});
	}
	if (body.mcp_servers !== undefined) {
		throw invalid('mcp_servers: the MCP connector is not supported when counting tokens');
	}
}

/** Turn a Bedrock input into the equivalent Messages API body, for the default count. */
export function bedrockToMessagesBody(input: BedrockCountInput, modelId: string): Record<string, unknown> {
	if ('invokeModel' in input) {
		const { anthropic_version: _version, max_tokens: _max, ...rest } = input.invokeModel.body ?? {};
		return { model: modelId, ...rest };
	}
	const text = (block: any): any => (isObject(block) && typeof block.text === 'string' && block.type === undefined ? { type: 'text', text: block.text } : block);
	const body: Record<string, unknown> = {
		model: modelId,
		messages: input.converse.messages.map((m: any) => ({ role: m?.role, content: Array.isArray(m?.content) ? m.content.map(text) : m?.content })),
	};
	if (input.converse.system !== undefined) {
		body.system = input.converse.system.map(text);
	}
	if (input.converse.toolConfig?.tools !== undefined) {
		body.tools = input.converse.toolConfig.tools;
	}
	return body;
}

function bedrockInvalid(message: string): HttpError {
	return new HttpError(400, 'ValidationException', message);
}

function decodeBedrockInput(body: unknown): BedrockCountInput {
	if (!isObject(body) || !isObject(body.input)) {
		throw bedrockInvalid('1 validation error detected: Value null at \'input\' failed to satisfy constraint: Member must not be null');
	}
	const input = body.input;
	const kinds = Object.keys(input);
	if (kinds.length !== 1 || (kinds[0] !== 'invokeModel' && kinds[0] !== 'converse')) {
		throw bedrockInvalid('input must set exactly one of invokeModel or converse');
	}
	if (isObject(input.invokeModel)) {
		const raw = input.invokeModel.body;
		if (typeof raw !== 'string') {
			throw bedrockInvalid('input.invokeModel.body: Member must not be null');
		}
		let parsed: unknown;
		try {
			// The SDK sends the blob base64-encoded inside the JSON document.
			parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
		} catch {
			throw bedrockInvalid('The provided request body is not valid JSON.');
		}
		if (!isObject(parsed)) {
			throw bedrockInvalid('The provided request body is not a JSON object.');
		}
		if (parsed.anthropic_version === undefined) {
			throw bedrockInvalid('Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.');
		}
		if (!Array.isArray(parsed.messages) || parsed.messages.length === 0) {
			throw bedrockInvalid('Malformed input request: #: required key [messages] not found, please reformat your input and try again.');
		}
		return { invokeModel: { body: parsed } };
	}
	if (isObject(input.converse)) {
		const { messages, system, toolConfig } = input.converse;
		if (!Array.isArray(messages) || messages.length === 0) {
			throw bedrockInvalid('1 validation error detected: Value null at \'input.converse.messages\' failed to satisfy constraint: Member must not be null');
		}
		for (const [i, m] of messages.entries()) {
			if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant') || !Array.isArray(m.content)) {
				throw bedrockInvalid(`input.converse.messages.${i}: role must be user or assistant and content a list`);
			}
		}
		if (system !== undefined && !Array.isArray(system)) {
			throw bedrockInvalid('input.converse.system: must be a list');
		}
		return { converse: { messages, ...(system !== undefined ? { system: system as any[] } : {}), ...(toolConfig !== undefined ? { toolConfig } : {}) } };
	}
	throw bedrockInvalid('input must set exactly one of invokeModel or converse');
}

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

function plainHeaders(req: AnyRequest): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (name.startsWith(':') || value === undefined) {
			continue;
		}
		out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return out;
}

/** Read the body, keeping at most `limit` bytes but draining the rest so the client sees the answer. */
async function readBody(req: AnyRequest, limit: number): Promise<{ bytes: number; data: Buffer | undefined }> {
	const chunks: Buffer[] = [];
	let bytes = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		bytes += chunk.length;
		if (bytes <= limit) {
			chunks.push(chunk);
		}
	}
	return { bytes, data: bytes <= limit ? Buffer.concat(chunks) : undefined };
}

function sleep(ms: number): Promise<void> {
	// Unref: a long injected latency must not keep a finished test process alive.
	return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function startCountServer(options: CountServerOptions = {}): Promise<CountServer> {
	const validKeys = options.validKeys ? new Set(options.validKeys) : undefined;
	const validAccessKeyIds = options.validAccessKeyIds ? new Set(options.validAccessKeyIds) : undefined;
	const models = options.models ? new Set(options.models) : undefined;
	const modelInfos = options.modelInfos ?? defaultModelInfos();
	const versions = new Set(options.versions ?? DEFAULT_VERSIONS);
	const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
	let count: CountFn = options.count ?? utf8CountRule;
	const defaultBedrockCount: BedrockCountFn = (input, modelId) => count(bedrockToMessagesBody(input, modelId), modelId);
	let bedrockCount: BedrockCountFn = options.bedrockCount ?? defaultBedrockCount;
	let requests: RecordedRequest[] = [];
	let faults: Fault[] = [];
	let waiters: Array<() => void> = [];

	const finished = (record: RecordedRequest): void => {
		record.durationMs = Date.now() - record.time;
		options.onRequest?.(record);
		const pending = waiters;
		waiters = [];
		pending.forEach((wake) => wake());
	};

	/** `GET /v1/models` (cursor pages like the real API) and `GET /v1/models/{id}` (ids and aliases). */
	function modelsReply(path: string, query: URLSearchParams): Reply {
		const ok = (value: unknown): Reply => ({ status: 200, headers: { 'content-type': 'application/json', 'request-id': requestId('req_') }, body: JSON.stringify(value) });
		const strip = ({ aliases: _aliases, ...entry }: ModelInfoEntry): Omit<ModelInfoEntry, 'aliases'> => entry;
		const one = /^\/v1\/models\/([^/]+)$/.exec(path);
		if (one) {
			const id = decodeURIComponent(one[1]);
			const found = modelInfos.find((m) => m.id === id || m.aliases?.includes(id));
			if (!found) {
				throw new HttpError(404, 'not_found_error', `model: ${id}`);
			}
			return ok(strip(found));
		}
		const limitText = query.get('limit');
		const limit = limitText === null ? 20 : Number(limitText);
		if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
			throw invalid('limit: Input should be between 1 and 1000');
		}
		let start = 0;
		let end = modelInfos.length;
		const after = query.get('after_id');
		const before = query.get('before_id');
		if (after !== null) {
			start = modelInfos.findIndex((m) => m.id === after) + 1;
		} else if (before !== null) {
			end = Math.max(0, modelInfos.findIndex((m) => m.id === before));
		}
		const page = before !== null && after === null ? modelInfos.slice(Math.max(start, end - limit), end) : modelInfos.slice(start, start + limit);
		const hasMore = before !== null && after === null ? end - limit > start : start + limit < end;
		return ok({ data: page.map(strip), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null });
	}

	async function anthropic(record: RecordedRequest, raw: Record<string, string>, body: Buffer | undefined, fault: Fault | undefined, query: URLSearchParams): Promise<Reply> {
		if (fault?.status !== undefined) {
			const retryAfter = fault.retryAfter ?? (fault.status === 429 && fault.retryAfterMs === undefined ? 1 : undefined);
			const headers: Record<string, string> = {};
			if (retryAfter !== undefined) { headers['retry-after'] = String(retryAfter); }
			if (fault.retryAfterMs !== undefined) { headers['retry-after-ms'] = String(fault.retryAfterMs); }
			return anthropicError(fault.status, fault.errorType, fault.message, headers);
		}
		if (fault?.body !== undefined) {
			return { status: 200, headers: { 'content-type': 'application/json', 'request-id': requestId('req_') }, body: fault.body };
		}
		try {
			const isCount = record.method === 'POST' && record.path === '/v1/messages/count_tokens';
			const isModels = record.method === 'GET' && /^\/v1\/models(\/[^/]+)?$/.test(record.path);
			if (!isCount && !isModels) {
				throw new HttpError(404, 'not_found_error', `Not Found: ${record.method} ${record.path}`);
			}
			let key: string | undefined = raw['x-api-key'];
			if (key === undefined && raw['authorization'] !== undefined) {
				key = /^Bearer\s+(.*)$/i.exec(raw['authorization'])?.[1]?.trim();
			}
			if (!key) {
				throw new HttpError(401, 'authentication_error', 'x-api-key header is required');
			}
			if (validKeys && !validKeys.has(key)) {
				throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
			}
			const version = raw['anthropic-version'];
			if (version === undefined) {
				throw invalid('anthropic-version: header is required');
			}
			if (!versions.has(version)) {
				throw invalid(`anthropic-version: invalid version '${version}'`);
			}
			if (isModels) {
				return modelsReply(record.path, query);
			}
			if (body === undefined) {
				throw new HttpError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${maxBodyBytes}).`);
			}
			let parsed: unknown;
			try {
				parsed = JSON.parse(body.toString('utf8'));
			} catch {
				throw invalid('There was an issue with your request body: it is not valid JSON.');
			}
			record.body = parsed;
			record.model = isObject(parsed) && typeof parsed.model === 'string' ? parsed.model : undefined;
			validateAnthropicBody(parsed);
			if (models && !models.has(parsed.model)) {
				throw new HttpError(404, 'not_found_error', `model: ${parsed.model}`);
			}
			const n = await count(parsed, parsed.model);
			const id = requestId('req_');
			return { status: 200, headers: { 'content-type': 'application/json', 'request-id': id }, body: JSON.stringify({ input_tokens: n }) };
		} catch (err) {
			if (err instanceof HttpError) {
				return anthropicError(err.status, err.errorType, err.message, err.extraHeaders);
			}
			return anthropicError(500, 'api_error', `count failed: ${(err as Error).message}`);
		}
	}

	async function bedrock(record: RecordedRequest, raw: Record<string, string>, body: Buffer | undefined, fault: Fault | undefined): Promise<Reply> {
		if (fault?.status !== undefined) {
			return bedrockError(fault.status, fault.errorType, fault.message, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
		}
		try {
			const match = /^\/model\/([^/]+)\/count-tokens$/.exec(record.path);
			if (record.method !== 'POST' || !match) {
				throw new HttpError(404, 'UnknownOperationException', `Unknown operation: ${record.method} ${record.path}`);
			}
			const authorization = raw['authorization'];
			if (authorization === undefined) {
				throw new HttpError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
			}
			const sigv4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
			// Bedrock API keys travel as bearer tokens; everything else must be a complete SigV4 header.
			if (!sigv4 && !/^Bearer\s+\S/.test(authorization)) {
				throw new HttpError(403, 'IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature (AWS4-HMAC-SHA256).');
			}
			if (sigv4) {
				if (sigv4[4] !== 'bedrock') {
					throw new HttpError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'bedrock'.`);
				}
				if (validAccessKeyIds && !validAccessKeyIds.has(sigv4[1])) {
					throw new HttpError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
				}
				if (body !== undefined && raw['x-amz-content-sha256'] !== undefined && raw['x-amz-content-sha256'] !== sha256(body).toString('hex')) {
					throw new HttpError(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
				}
			}
			const modelId = decodeURIComponent(match[1]);
			record.model = modelId;
			if (modelId.startsWith('arn:') || INFERENCE_PROFILE.test(modelId)) {
				throw bedrockInvalid(`The provided model identifier is invalid: CountTokens takes a base model id, not an inference profile (${modelId}).`);
			}
			if (models && !models.has(modelId)) {
				throw bedrockInvalid('The provided model identifier is invalid.');
			}
			if (body === undefined) {
				throw new HttpError(413, 'ValidationException', `Request body exceeds ${maxBodyBytes} bytes.`);
			}
			let parsed: unknown;
			try {
				parsed = JSON.parse(body.toString('utf8'));
			} catch {
				throw bedrockInvalid('Request body is not valid JSON.');
			}
			record.body = parsed;
			const input = decodeBedrockInput(parsed);
			const n = await bedrockCount(input, modelId);
			return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID() }, body: JSON.stringify({ inputTokens: n }) };
		} catch (err) {
			if (err instanceof HttpError) {
				return bedrockError(err.status, err.errorType, err.message, err.extraHeaders);
			}
			return bedrockError(500, 'InternalServerException', `count failed: ${(err as Error).message}`);
		}
	}

	async function handle(req: AnyRequest, res: AnyResponse): Promise<void> {
		const raw = plainHeaders(req);
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const record = new RecordedRequest(req.method ?? 'GET', url.pathname, req.httpVersion, raw);
		requests.push(record);
		const fault = faults.shift();
		record.fault = fault;
		let body: Buffer | undefined;
		try {
			const read = await readBody(req, maxBodyBytes);
			record.bodyBytes = read.bytes;
			body = read.data;
		} catch {
			record.dropped = true;
			finished(record);
			return;
		}
		if (fault?.latencyMs) {
			await sleep(fault.latencyMs);
		}
		if (fault?.drop) {
			record.dropped = true;
			if (req instanceof http2.Http2ServerRequest) {
				req.stream.session?.destroy();
			} else {
				req.socket.destroy();
			}
			finished(record);
			return;
		}
		const reply = record.provider === 'bedrock'
			? await bedrock(record, raw, body, fault)
			: await anthropic(record, raw, body, fault, url.searchParams);
		record.status = reply.status;
		(res as http.ServerResponse).writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
		res.end(reply.body);
		finished(record);
	}

	const onRequest = (req: AnyRequest, res: AnyResponse): void => {
		handle(req, res).catch(() => {
			if (!res.headersSent) {
				(res as http.ServerResponse).writeHead(500);
			}
			res.end();
		});
	};
	const h1 = http.createServer(onRequest);
	const h2 = http2.createServer(onRequest);
	const sockets = new Set<net.Socket>();
	// One port, two protocols: the HTTP/2 client preface starts with "PRI", no HTTP/1 method does.
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.once('data', (first) => {
			socket.pause();
			socket.unshift(first);
			(first.toString('latin1', 0, 3) === 'PRI' ? h2 : h1).emit('connection', socket);
			process.nextTick(() => socket.resume());
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as net.AddressInfo).port;

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		get requests() {
			return requests;
		},
		reset() {
			requests = [];
			faults = [];
		},
		inject(fault: Fault, times = 1) {
			for (let i = 0; i < times; i++) {
				faults.push(fault);
			}
		},
		setCount(fn?: CountFn) {
			count = fn ?? options.count ?? utf8CountRule;
		},
		setBedrockCount(fn?: BedrockCountFn) {
			bedrockCount = fn ?? options.bedrockCount ?? defaultBedrockCount;
		},
		waitForRequests(n: number, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const done = (): number => requests.filter((r) => r.status !== undefined || r.dropped).length;
				const timer = setTimeout(() => reject(new Error(`expected ${n} answered requests within ${timeoutMs} ms, got ${done()}`)), timeoutMs);
				const check = (): void => {
					if (done() >= n) {
						clearTimeout(timer);
						resolve(requests);
					} else {
						waiters.push(check);
					}
				};
				check();
			});
		},
		close() {
			return new Promise<void>((resolve) => {
				for (const socket of sockets) {
					socket.destroy();
				}
				h1.close();
				h2.close();
				server.close(() => resolve());
			});
		},
	};
}
