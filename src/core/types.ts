/**
 * Shared shapes of the core. Nothing here may import `vscode`: the core runs in plain node
 * (unit tests, CLI) as well as in the extension host.
 */

/** Half-open offset range [start, end) into the document text (UTF-16 code units, as VS Code offsets). */
export interface TextRange {
	readonly start: number;
	readonly end: number;
}

/** Something detection could not read and says so, e.g. a request nested too deeply to count. */
export interface DetectProblem {
	readonly range: TextRange;
	readonly message: string;
}

/** A Messages API request body as sent to count_tokens (`max_tokens` and other generation knobs stripped). */
export interface MessagesBody {
	model: string;
	messages: unknown[];
	system?: unknown;
	tools?: unknown[];
	tool_choice?: unknown;
	thinking?: unknown;
	cache_control?: unknown;
	output_config?: unknown;
	mcp_servers?: unknown[];
	[key: string]: unknown;
}

export type SiteLanguage = 'json' | 'jsonl' | 'typescript' | 'javascript' | 'python' | 'go' | 'java' | 'ruby' | 'csharp' | 'php';

/** What an SDK call does (`--json` reports it); absent for request bodies written as data. */
export type SdkMethod = 'create' | 'stream' | 'count_tokens' | 'parse' | 'tool_runner' | 'batch' | 'invoke_model' | 'converse';

/**
 * messages          — a Messages API body (`model` + `messages`)
 * batch-entry       — a Message Batches entry `{custom_id, params}`; the payload is `params`
 * bedrock-invoke    — a Bedrock InvokeModel body (`anthropic_version: "bedrock-2023-05-31"`, no `model`)
 * bedrock-converse  — a Bedrock Converse request (`messages[].content[].text`, `system[].text`)
 */
export type SiteShape = 'messages' | 'batch-entry' | 'bedrock-invoke' | 'bedrock-converse';

/** Which counting endpoint can count the site exactly. */
export type Provider = 'anthropic' | 'bedrock';

/** A part of the request that static evaluation could not resolve; it counts as 0 and makes the figure "≥". */
export interface Unresolved {
	readonly range: TextRange;
	/** JSON-pointer-like path inside the payload, e.g. `/messages/0/content`. */
	readonly path: string;
	/** The source text (possibly shortened) and why it was left out, e.g. "function call". */
	readonly text: string;
	readonly reason: string;
}

export type SitePartKind = 'model' | 'max_tokens' | 'system' | 'tools' | 'tool' | 'messages' | 'message' | 'block' | 'thinking';

/** A named piece of the request, for hovers and the per-section report. */
export interface SitePart {
	readonly kind: SitePartKind;
	readonly range: TextRange;
	/** Path inside the payload, e.g. `/messages/2/content/1`, `/tools/0`, `/system`, `/model`. */
	readonly path: string;
	/**
	 * The whole `key: value` property inside the request, for a top-level field: hovers on the key, and on a
	 * name (`system: SYSTEM_PROMPT`) whose value `range` points at where it is defined.
	 */
	readonly keyRange?: TextRange;
}

export interface RequestSite {
	/** Stable within a document across edits elsewhere (e.g. `json:/0/params` or `ts:create#2`). */
	readonly id: string;
	/** The whole request expression/object in the document. */
	readonly range: TextRange;
	/** Where the CodeLens goes (usually the call or the object's first line). */
	readonly anchor: TextRange;
	readonly language: SiteLanguage;
	/** The SDK method of a call site, where the engine knows it. */
	readonly method?: SdkMethod;
	readonly shape: SiteShape;
	readonly provider: Provider;
	/** Normalised Messages API body to count. `model` is '' when the document does not say. */
	readonly payload: MessagesBody;
	/** True when `payload.model` came from the document, false when it must come from settings. */
	readonly modelFromDocument: boolean;
	/** Request fields that change the price but are not counted: `inference_geo`, `speed` (fast mode). */
	readonly pricing?: { readonly inference_geo?: string; readonly speed?: string };
	/** For Bedrock sites: the model id from surrounding code, if any, and the raw body for CountTokens. */
	readonly bedrock?: {
		readonly modelId?: string;
		readonly input: { invokeModel: { body: unknown } } | { converse: { messages: unknown[]; system?: unknown[]; toolConfig?: unknown } };
	};
	readonly maxTokens?: number;
	readonly unresolved: readonly Unresolved[];
	readonly parts: readonly SitePart[];
}

export type CountSource = 'api' | 'bedrock' | 'offline';

export interface CountResult {
	readonly inputTokens: number;
	readonly source: CountSource;
	/** True when the figure is what the counting endpoint reports (API) or a verified-exact offline count. */
	readonly exact: boolean;
	/** True when part of the figure is an estimate (images, PDFs, tools offline …); shown as "≈". */
	readonly approximate: boolean;
	/** Human-readable reasons for approximation or other caveats, shown in hovers. */
	readonly notes: readonly string[];
	/** Offline tokenizer family used, if any. */
	readonly family?: string;
	/**
	 * Part of an API figure estimated offline because count_tokens does not take it (server tools, the MCP
	 * connector, url/file media): `tokens` of the figure are that estimate, `for` says what it covers.
	 */
	readonly estimated?: { readonly tokens: number; readonly for: string };
}

export interface CountRequest {
	readonly provider: Provider;
	readonly model: string;
	readonly body: MessagesBody;
	readonly bedrock?: RequestSite['bedrock'];
}

/**
 * A counting endpoint or the offline tokenizer: what the scheduler drives and `countFnOf` adapts. Callers that
 * want a figure use a CountFn, never this directly.
 */
export interface Counter {
	readonly id: CountSource;
	count(request: CountRequest, signal?: AbortSignal): Promise<CountResult>;
}

/** What a count answers: the figure, and where the counter says so, how it was made. */
export interface CountAnswer {
	readonly inputTokens: number;
	/** Part of the figure is an estimate (offline images, tools …). */
	readonly approximate?: boolean;
	readonly exact?: boolean;
	readonly source?: CountSource;
}

/**
 * "Count this": one request body for one model. The one shape every caller counts through (reports, hovers,
 * batch estimates, the CLI); the service hands them out (`countFnFor`) and `countFnOf` makes one of a Counter.
 * Callers may ask for identical bodies more than once: the functions cache.
 */
export type CountFn = (body: MessagesBody, model: string, signal?: AbortSignal) => Promise<CountAnswer>;
