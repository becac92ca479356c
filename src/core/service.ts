import { parseTree, type ParseError } from 'jsonc-parser';
import { CountScheduler, DEFAULT_IDLE_MS } from './count/scheduler';
import { CountError } from './count/errors';
import type { RateLimiter } from './count/rateLimiter';
import type { CountFn, CountRequest, CountResult, Counter, DetectProblem, RequestSite } from './types';
import { isCancellation } from './util/abort';
import { Emitter } from './util/emitter';
import { SliceClock } from './util/slices';
import { siteModel } from './siteModel';

import type { CountingMode } from './defaults';

export type { CountingMode };

export interface ServiceOptions {
	mode: CountingMode;
	debounceMs: number;
	/** Quiet time after an edit before its exact count (default DEFAULT_IDLE_MS: counted when typing pauses). */
	idleMs?: number;
	/** Model for requests that do not name one. */
	defaultModel: string;
	/** Model for Bedrock bodies whose code does not give a modelId. */
	bedrockModelId?: string;
	/** Count Bedrock sites through Bedrock's CountTokens (needs AWS credentials). */
	bedrockEnabled: boolean;
}

export type DetectFn = (text: string, languageId: string, options: { fileName?: string; bedrockModelId?: string; problems?: DetectProblem[] }) => Promise<RequestSite[]>;

export interface ServiceDeps {
	detect: DetectFn;
	offline?: Counter;
	api?: Counter;
	bedrock?: Counter;
	limiter?: RateLimiter;
	/** Drops detection's caches of a closed document (by its file name). */
	forgetDocument?(fileName: string): void;
	/** Whether an API key is available right now (API counting is skipped without one). */
	hasApiKey(): boolean;
	log?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void; debug?(msg: string): void };
}

export type SiteStatus = 'counting' | 'ready' | 'error' | 'no-key';

export interface SiteState {
	readonly site: RequestSite;
	/** The model the site is counted and priced for. */
	readonly model: string;
	readonly request: CountRequest;
	offline?: CountResult;
	exact?: CountResult;
	status: SiteStatus;
	error?: CountError;
	/** The site's own text, to tell an untouched JSON request without rebuilding its cache key. */
	readonly source?: string;
	/** When a rate-limited or failed exact count is tried again (ms since the epoch). */
	retryAt?: number;
}

export interface DocumentState {
	readonly uri: string;
	readonly version: number;
	readonly languageId: string;
	readonly sites: readonly SiteState[];
	/** Set when detection itself failed or the document was skipped (too large, binary, too deeply nested). */
	readonly notice?: string;
	/** Parts detection could not read, where they are (shown as warnings). */
	readonly problems?: readonly DetectProblem[];
	/** Counted offline only: the document is open but not visible, so no API call is spent on it. */
	readonly offlineOnly?: boolean;
	/**
	 * Set while a JSON document does not parse (someone is half-way through typing): the sites and figures are
	 * the last good ones, kept rather than replaced by a partial re-parse, and every surface shows them dimmed.
	 */
	readonly stale?: string;
	/** JSONL lines that are not valid JSON (they hold no request the editor can count), first MAX_SKIPPED of them. */
	readonly skipped?: readonly SkippedLine[];
	/** How many such lines there are in all. */
	readonly skippedCount?: number;
}

export interface SkippedLine {
	/** 0-based line number and the line's offsets. */
	readonly line: number;
	readonly start: number;
	readonly end: number;
	readonly reason: string;
}

const MAX_SKIPPED = 1000;

/**
 * JSONL lines that do not parse. Lines that hold a request are skipped over without a parse, so a valid
 * batch file costs one scan for line ends.
 */
export function malformedJsonlLines(text: string, sites: readonly RequestSite[]): { lines: SkippedLine[]; count: number } {
	const starts = sites.map((s) => s.range.start);
	// Detection gives them in document order; sort only what is not.
	if (starts.some((x, i) => i > 0 && x < starts[i - 1])) { starts.sort((a, b) => a - b); }
	const lines: SkippedLine[] = [];
	let count = 0;
	let k = 0;
	let line = 0;
	for (let start = 0; start <= text.length; line++) {
		let end = text.indexOf('\n', start);
		if (end < 0) { end = text.length; }
		while (k < starts.length && starts[k] < start) { k++; }
		const holdsSite = k < starts.length && starts[k] < end;
		if (!holdsSite) {
			const raw = text.slice(start, end).replace(/\r$/, '');
			if (raw.trim()) {
				let reason: string | undefined;
				try { JSON.parse(raw); } catch (err) { reason = `not valid JSON: ${(err as Error).message}`; }
				if (reason) {
					count++;
					if (lines.length < MAX_SKIPPED) { lines.push({ line, start, end: start + raw.length, reason }); }
				}
			}
		}
		start = end + 1;
	}
	return { lines, count };
}

/** What the surfaces say of a JSON document that does not parse. */
export const STALE_JSON = 'stale: JSON has errors';

/** Whether a JSON/JSONC text has a syntax error (comments and trailing commas allowed, as in JSONC). */
export function jsonHasErrors(text: string): boolean {
	const errors: ParseError[] = [];
	parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
	return errors.length > 0;
}

/** The figure to show for a site: the exact one when it is there, else the offline one. */
export function bestResult(state: SiteState): CountResult | undefined {
	return state.exact ?? state.offline;
}

export interface DocumentInput {
	uri: string;
	version: number;
	languageId: string;
	fileName?: string;
	getText(): string;
	/** Count offline only (a document open in a hidden tab: its diagnostics stay, no call is made). */
	offlineOnly?: boolean;
	/** The change was an undo or redo: a streak of them usually ends on a text already counted. */
	undoRedo?: boolean;
}

/**
 * Quiet time before the exact count of a text reached by undo/redo: people undo in quick streaks that end on
 * a text counted before (the cache answers it), so the texts passed on the way are not worth a call.
 */
export const UNDO_IDLE_MS = 3000;

/** The file name of a document uri for log lines ("request.json", "Untitled-1"). */
export function fileLabel(uri: string): string {
	const path = uri.replace(/[?#].*$/, '');
	const name = path.slice(path.lastIndexOf('/') + 1) || path;
	try { return decodeURIComponent(name); } catch { return name; }
}

/** Documents above this size are not scanned at all: the figure would be useless and the scan slow. */
export const MAX_DOCUMENT_CHARS = 64 * 1024 * 1024;

/**
 * Change events are batched: one per document, at most this often while results stream in (a 20,000-line
 * batch file settles thousands of sites; each surface redraws once per batch, not once per site).
 */
export const CHANGE_BATCH_MS = 100;

/**
 * Batch-file lines (JSONL) are counted offline in the editor whatever the mode: opening a file of thousands
 * of requests must not send each of them. Estimate Request and Estimate Batch File count exactly on demand.
 */
export function countedOfflineOnly(site: RequestSite): boolean {
	return site.language === 'jsonl';
}

/**
 * The one result store. Every surface (status bar, CodeLens, hover, diagnostics, report) reads from here;
 * none of them counts on its own, so one edit causes at most one call per changed request site.
 */
export class TokenCountService {
	private readonly docs = new Map<string, DocumentState>();
	private readonly generations = new Map<string, number>();
	private readonly inflight = new Set<Promise<unknown>>();
	private readonly onDidChangeEmitter = new Emitter<string>();
	private readonly offlineScheduler?: CountScheduler;
	private readonly apiScheduler?: CountScheduler;
	private readonly bedrockScheduler?: CountScheduler;
	private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
	private readonly retryAts = new Map<string, number>();
	private readonly offlineOnlyDocs = new Set<string>();
	/** Each document's last scanned text and (built on first use) its line starts: log lines name file:line. */
	private readonly texts = new Map<string, { text: string; lineStarts?: number[] }>();
	/** Each document's file name, the key of detection's caches of it. */
	private readonly fileNames = new Map<string, string>();
	private idleWaiters: (() => void)[] = [];
	/** Documents changed since the last batch of events, the batch's timer, and when the last one went out. */
	private readonly changedDocs = new Set<string>();
	private changeTimer: ReturnType<typeof setTimeout> | undefined;
	private lastFlush = 0;
	private readonly revisions = new Map<string, number>();
	/** The states of each document's current sites, to tell in O(1) whether a result still applies. */
	private readonly currentStates = new Map<string, Set<SiteState>>();
	private revisionCounter = 0;
	/** Grows with every setOptions: a site's model is the one its state holds while it has not changed. */
	private optionsEpoch = 0;
	/** The options epoch each document's states were all made in (absent: not known to be one). */
	private readonly docEpochs = new Map<string, number>();

	/** Fires with a document's uri when anything about it changed: once per batch of changes (see CHANGE_BATCH_MS). */
	readonly onDidChange = this.onDidChangeEmitter.event;

	constructor(private readonly deps: ServiceDeps, private options: ServiceOptions) {
		const onSettled = () => this.settleIdle();
		if (deps.offline) {
			this.offlineScheduler = new CountScheduler(deps.offline, { debounceMs: 0, idleMs: 0, cacheSize: 2000, onSettled });
		}
		if (deps.api) {
			this.apiScheduler = new CountScheduler(deps.api, { debounceMs: options.debounceMs, idleMs: options.idleMs ?? DEFAULT_IDLE_MS, limiter: deps.limiter, onSettled });
		}
		if (deps.bedrock) {
			this.bedrockScheduler = new CountScheduler(deps.bedrock, { debounceMs: options.debounceMs, idleMs: options.idleMs ?? DEFAULT_IDLE_MS, limiter: deps.limiter, onSettled });
		}
	}

	get currentOptions(): Readonly<ServiceOptions> {
		return this.options;
	}

	/** Calls made to the exact counters (API and Bedrock) since start. */
	get apiCallCount(): number {
		return (this.apiScheduler?.callCount ?? 0) + (this.bedrockScheduler?.callCount ?? 0);
	}

	setOptions(options: ServiceOptions): void {
		this.options = options;
		this.optionsEpoch++;
		this.apiScheduler?.setDebounce(options.debounceMs, options.idleMs ?? DEFAULT_IDLE_MS);
		this.bedrockScheduler?.setDebounce(options.debounceMs, options.idleMs ?? DEFAULT_IDLE_MS);
	}

	/** Replaces the exact counters (a new endpoint or region); recountAll({ clearCache: true }) drops their old figures. */
	setCounters(counters: { api?: Counter; bedrock?: Counter }): void {
		if (counters.api) { this.apiScheduler?.setCounter(counters.api); }
		if (counters.bedrock) { this.bedrockScheduler?.setCounter(counters.bedrock); }
	}

	/** The uris of every document in the store. */
	documents(): string[] {
		return [...this.docs.keys()];
	}

	get(uri: string): DocumentState | undefined {
		return this.docs.get(uri);
	}

	/** Grows whenever anything about the document changed, so surfaces can keep derived figures until then. */
	revision(uri: string): number {
		return this.revisions.get(uri) ?? 0;
	}

	/** The site whose range holds `offset` (the innermost, when requests nest). */
	siteAt(uri: string, offset: number): SiteState | undefined {
		const doc = this.docs.get(uri);
		let best: SiteState | undefined;
		for (const s of doc?.sites ?? []) {
			if (s.site.range.start <= offset && offset <= s.site.range.end) {
				if (!best || s.site.range.end - s.site.range.start < best.site.range.end - best.site.range.start) {
					best = s;
				}
			}
		}
		return best;
	}

	/**
	 * Re-detects the document and (re)counts its sites. Sites whose request did not change keep their
	 * figures; changed ones get the offline figure at once and an exact count after the debounce.
	 */
	async update(input: DocumentInput): Promise<DocumentState | undefined> {
		const existing = this.docs.get(input.uri);
		const offlineOnly = input.offlineOnly === true;
		if (existing && existing.version === input.version && existing.languageId === input.languageId && (existing.offlineOnly === true) === offlineOnly) {
			return existing;
		}
		const generation = (this.generations.get(input.uri) ?? 0) + 1;
		this.generations.set(input.uri, generation);
		if (existing) {
			// Typing goes on: exact calls still waiting for a pause do not start while the new text is read.
			this.apiScheduler?.hold(`${input.uri}#`);
			this.bedrockScheduler?.hold(`${input.uri}#`);
		}
		if (offlineOnly) { this.offlineOnlyDocs.add(input.uri); } else { this.offlineOnlyDocs.delete(input.uri); }
		if (input.fileName !== undefined) { this.fileNames.set(input.uri, input.fileName); }
		const task = this.detectAndCount(input, generation, existing);
		this.track(task);
		return task;
	}

	/** Drops everything about a closed document and cancels its pending counts. */
	forget(uri: string): void {
		const doc = this.docs.get(uri);
		this.generations.set(uri, (this.generations.get(uri) ?? 0) + 1);
		for (const s of doc?.sites ?? []) {
			this.cancelSite(uri, s.site.id);
		}
		this.docs.delete(uri);
		this.currentStates.delete(uri);
		this.docEpochs.delete(uri);
		this.texts.delete(uri);
		this.offlineOnlyDocs.delete(uri);
		const fileName = this.fileNames.get(uri);
		if (fileName !== undefined) {
			this.fileNames.delete(uri);
			this.deps.forgetDocument?.(fileName);
		}
		this.changed(uri);
	}

	/** Counts everything again (after a key, endpoint or mode change); cached figures are dropped. */
	recountAll(options: { clearCache?: boolean } = {}): void {
		if (options.clearCache) {
			this.apiScheduler?.clearCache();
			this.bedrockScheduler?.clearCache();
		}
		for (const doc of this.docs.values()) {
			const sites = doc.sites.map((s) => this.startSite(doc.uri, s.site, s.offline && this.sameModel(s) ? s : undefined, s.source));
			this.setDoc({ ...doc, sites });
			this.docEpochs.set(doc.uri, this.optionsEpoch);
			this.changed(doc.uri);
		}
	}

	/** Resolves when no detection or count is pending or running. */
	whenIdle(): Promise<void> {
		if (this.isIdle()) {
			return Promise.resolve();
		}
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	/** Counts one request now, outside any document (reports, differential counts, the CLI). */
	async countNow(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		const exact = this.exactSchedulerFor(request.provider);
		if (exact && this.options.mode !== 'offline' && (request.provider === 'bedrock' || this.deps.hasApiKey())) {
			const key = exact.keyOf(request);
			const hit = exact.peek(key);
			if (hit) { return hit; }
			return this.adhoc(exact, request, signal);
		}
		if (this.options.mode === 'api') {
			throw new CountError('no-key', 'No API key is set. Run "Claude Token Meter: Set API Key".');
		}
		if (!this.offlineScheduler) {
			throw new CountError('unknown', 'No counter is available.');
		}
		return this.adhoc(this.offlineScheduler, request, signal);
	}

	/**
	 * A count function over arbitrary bodies for the site's provider and model (reports, hovers): exact when
	 * a key is set, offline otherwise, cached and rate limited like every other call.
	 */
	countFnFor(provider: 'anthropic' | 'bedrock', options: { offlineOnly?: boolean } = {}): CountFn {
		return (body, model, signal) => {
			const request: CountRequest = { provider, model, body: { ...body, model } };
			return options.offlineOnly ? this.countOffline(request, signal) : this.countNow(request, signal);
		};
	}

	/** Counts with the offline tokenizer only, whatever the mode (bulk work such as batch files). */
	async countOffline(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		if (!this.offlineScheduler) {
			throw new CountError('unknown', 'The offline counter is not available.');
		}
		return this.offlineScheduler.peek(this.offlineScheduler.keyOf(request)) ?? this.adhoc(this.offlineScheduler, request, signal);
	}

	/**
	 * When the site's next exact count can start, if that is more than a second away because of the rate
	 * limit (our own requests-per-minute budget or the endpoint's retry-after); undefined otherwise.
	 */
	rateLimitedUntil(state: SiteState): number | undefined {
		const now = Date.now();
		if (state.status === 'error' && (state.error?.kind === 'rate-limit' || state.error?.kind === 'overloaded') && state.retryAt !== undefined) {
			// The retry timer is capped; the endpoint's own pause (an hour's retry-after) may end later, and no
			// exact count is made before it does.
			const until = Math.max(state.retryAt, now + (this.deps.limiter?.pauseLeftMs ?? 0));
			return until > now ? until : undefined;
		}
		if (state.status === 'counting' && this.deps.limiter && this.canCountExactly(state.site.provider)) {
			const wait = this.deps.limiter.waitMs;
			return wait > 1000 ? now + wait : undefined;
		}
		return undefined;
	}

	/** Whether exact counts are currently possible for a provider. */
	canCountExactly(provider: 'anthropic' | 'bedrock'): boolean {
		if (this.options.mode === 'offline') { return false; }
		return provider === 'bedrock' ? Boolean(this.bedrockScheduler && this.options.bedrockEnabled) : Boolean(this.apiScheduler && this.deps.hasApiKey());
	}

	dispose(): void {
		this.offlineScheduler?.dispose();
		this.apiScheduler?.dispose();
		this.bedrockScheduler?.dispose();
		for (const t of this.retryTimers.values()) { clearTimeout(t); }
		this.retryTimers.clear();
		if (this.changeTimer) { clearTimeout(this.changeTimer); this.changeTimer = undefined; }
		this.changedDocs.clear();
		this.onDidChangeEmitter.dispose();
		this.docs.clear();
		this.currentStates.clear();
		this.docEpochs.clear();
		this.fileNames.clear();
	}

	// --- internals -------------------------------------------------------------------------------

	private async detectAndCount(input: DocumentInput, generation: number, previous: DocumentState | undefined): Promise<DocumentState | undefined> {
		let sites: RequestSite[] = [];
		let notice: string | undefined;
		const problems: DetectProblem[] = [];
		const text = input.getText();
		// Half-typed JSON: keep the last good sites and figures (marked stale) instead of a partial re-parse.
		if (previous && previous.sites.length > 0 && (input.languageId === 'json' || input.languageId === 'jsonc')
			&& text.length <= MAX_DOCUMENT_CHARS && jsonHasErrors(text)) {
			if (this.generations.get(input.uri) !== generation) { return undefined; }
			const doc: DocumentState = { ...previous, version: input.version, languageId: input.languageId, stale: STALE_JSON, offlineOnly: input.offlineOnly === true };
			this.docs.set(input.uri, doc);
			this.onDidChangeEmitter.fire(input.uri);
			this.resumeCalls(input.uri);
			return doc;
		}
		if (text.length > MAX_DOCUMENT_CHARS) {
			notice = `Not scanned: the document is larger than ${Math.round(MAX_DOCUMENT_CHARS / 1024 / 1024)} MB.`;
		} else {
			try {
				sites = await this.deps.detect(text, input.languageId, { fileName: input.fileName, bedrockModelId: this.options.bedrockModelId, problems });
				if (problems.length > 0) {
					notice = problems.map((p) => p.message).join(' ');
					this.deps.log?.warn(`${input.uri}: ${notice}`);
				}
			} catch (err) {
				notice = `Could not read requests from this document: ${(err as Error)?.message ?? err}`;
				this.deps.log?.warn(`${fileLabel(input.uri)}: ${notice}`);
			}
		}
		if (this.generations.get(input.uri) !== generation) {
			return undefined; // a newer version is on its way
		}
		// Sites are matched by id: at the same position first (an edit inside one request of a batch file keeps
		// every other site where it was in the list), else through a map of the previous sites built on demand.
		const previousSites = previous?.sites ?? [];
		let byId: Map<string, SiteState> | undefined;
		const previousOf = (site: RequestSite, i: number): SiteState | undefined => {
			const atSame = previousSites[i];
			if (atSame && atSame.site.id === site.id) { return atSame; }
			byId ??= new Map(previousSites.map((s) => [s.site.id, s]));
			return byId.get(site.id);
		};
		let matched = 0; // ids are unique in a document, so each previous site is matched at most once
		const states: SiteState[] = [];
		// The previous states replaced by new ones, and those new ones: the set of current states is updated
		// by them rather than built again (a keystroke in a batch file keeps thousands of states).
		const replaced: SiteState[] = [];
		const added: SiteState[] = [];
		const epoch = this.optionsEpoch;
		// A site object handed back as it was has the model its state holds, while the options are those it was made with.
		const sameOptions = previous !== undefined && this.docEpochs.get(input.uri) === epoch;
		const becameVisible = previous?.offlineOnly === true && !input.offlineOnly;
		// Thousands of sites (a batch file) are keyed and scheduled in slices, so the thread is never held long.
		const clock = new SliceClock();
		for (let i = 0; i < sites.length; i++) {
			if ((i & 31) === 31 && clock.due()) {
				await clock.pause();
				if (this.generations.get(input.uri) !== generation) {
					return undefined; // a newer version is on its way; its scan reschedules every site it keeps
				}
			}
			const site = sites[i];
			const prev = previousOf(site, i);
			if (prev) { matched++; }
			const settled = prev !== undefined && (prev.status === 'ready' || prev.status === 'no-key') && prev.site.language === site.language
				&& !becameVisible && ((sameOptions && prev.site === site) || prev.model === this.modelFor(site));
			// Detection hands back the very site object of a request it did not touch (the lines before an edit,
			// or moved in place: the lines after it, the calls after it), and the same payload object for one it
			// only moved otherwise (a reused code call): those keep their state, keys and figures without a look
			// at their text.
			if (settled && prev.site === site) {
				states.push(prev);
				continue;
			}
			let state: SiteState;
			if (settled && prev.site.payload === site.payload) {
				state = { ...prev, site };
			} else {
				// A settled JSON/JSONL request whose text is unchanged keeps its figures as they are, even when it was
				// read again. (Code sites may depend on consts elsewhere: for them only the payload object tells.)
				const source = site.language === 'json' || site.language === 'jsonl' ? text.slice(site.range.start, site.range.end) : undefined;
				state = settled && source !== undefined && prev.source === source
					? { ...prev, site, source }
					: this.startSite(input.uri, site, prev, source, input.undoRedo ? UNDO_IDLE_MS : undefined);
			}
			states.push(state);
			added.push(state);
			if (prev) { replaced.push(prev); }
		}
		if (matched < previousSites.length) {
			const kept = new Set(sites.map((s) => s.id));
			for (const s of previousSites) {
				if (!kept.has(s.site.id)) {
					this.cancelSite(input.uri, s.site.id);
					replaced.push(s);
				}
			}
		}
		this.texts.set(input.uri, { text });
		const bad = input.languageId === 'jsonl' && !notice ? malformedJsonlLines(text, sites) : undefined;
		const doc: DocumentState = {
			uri: input.uri, version: input.version, languageId: input.languageId, sites: states, notice, problems,
			...(input.offlineOnly ? { offlineOnly: true } : {}),
			...(bad?.count ? { skipped: bad.lines, skippedCount: bad.count } : {}),
		};
		const current = this.currentStates.get(input.uri);
		if (previous && current && this.docs.get(input.uri) === previous && replaced.length + added.length < states.length) {
			// The set holds the previous document's states: take out the replaced ones, put in the new ones.
			for (const s of replaced) { current.delete(s); }
			for (const s of added) { current.add(s); }
			this.docs.set(doc.uri, doc);
		} else {
			this.setDoc(doc);
		}
		if (epoch === this.optionsEpoch) { this.docEpochs.set(input.uri, epoch); } else { this.docEpochs.delete(input.uri); }
		this.changed(input.uri);
		this.resumeCalls(input.uri);
		return doc;
	}

	/** The newest text of the document is read and its sites scheduled: the exact calls held meanwhile wait their quiet time from now. */
	private resumeCalls(uri: string): void {
		this.apiScheduler?.resume(`${uri}#`);
		this.bedrockScheduler?.resume(`${uri}#`);
	}

	private setDoc(doc: DocumentState): void {
		this.docs.set(doc.uri, doc);
		this.currentStates.set(doc.uri, new Set(doc.sites));
	}

	private modelFor(site: RequestSite): string {
		return siteModel(site, this.options).model;
	}

	private sameModel(state: SiteState): boolean {
		return state.model === this.modelFor(state.site);
	}

	private exactSchedulerFor(provider: 'anthropic' | 'bedrock'): CountScheduler | undefined {
		return provider === 'bedrock' ? (this.options.bedrockEnabled ? this.bedrockScheduler : undefined) : this.apiScheduler;
	}

	/** Builds the state of one site and starts whatever counting it still needs. */
	private startSite(uri: string, site: RequestSite, previous: SiteState | undefined, source?: string, quietMs?: number): SiteState {
		const model = this.modelFor(site);
		const request: CountRequest = { provider: site.provider, model, body: { ...site.payload, model }, bedrock: site.bedrock };
		const state: SiteState = { site, model, request, status: 'counting', source };
		// Hidden documents are counted offline only; batch-file lines offline unless asked (Estimate Request).
		const hidden = this.offlineOnlyDocs.has(uri);
		const offlineOnly = hidden || countedOfflineOnly(site);
		const mode = hidden ? 'offline' : offlineOnly && this.options.mode === 'api' ? 'auto' : this.options.mode;
		if (offlineOnly && this.options.mode !== 'offline') {
			// An exact figure already in the cache costs nothing: show it.
			const known = this.exactSchedulerFor(site.provider)?.cached(request);
			if (known) { state.exact = known; }
		}

		if (mode !== 'api' && this.offlineScheduler) {
			const hit = this.offlineScheduler.cached(request);
			if (hit) {
				state.offline = hit;
			} else {
				// Keep the old figure on screen while the new one is computed, rather than flashing blank.
				if (previous?.offline && previous.model === model) { state.offline = previous.offline; }
				this.follow(uri, site.id, this.offlineScheduler.schedule(`${uri}#${site.id}`, request), state, 'offline');
			}
		}

		const exact = mode === 'offline' || offlineOnly ? undefined : this.exactSchedulerFor(site.provider);
		const exactPossible = exact && (site.provider === 'bedrock' || this.deps.hasApiKey());
		if (exact && exactPossible) {
			const hit = exact.cached(request);
			if (hit) {
				state.exact = hit;
				state.status = 'ready';
				// Typed or undone back to a text counted before: the count of the text in between is not wanted.
				exact.dropPending(`${uri}#${site.id}`);
			} else {
				state.status = 'counting';
				this.follow(uri, site.id, exact.schedule(`${uri}#${site.id}`, request, quietMs !== undefined ? { debounceMs: Math.max(quietMs, this.options.debounceMs) } : {}), state, 'exact');
			}
		} else {
			this.apiScheduler?.cancel(`${uri}#${site.id}`);
			this.bedrockScheduler?.cancel(`${uri}#${site.id}`);
			if (mode === 'api') {
				state.status = site.provider === 'bedrock' ? 'error' : 'no-key';
				if (site.provider === 'bedrock') {
					state.error = new CountError('invalid', 'Bedrock counting is off: enable claudeTokenMeter.bedrock.enabled.');
				}
			} else {
				state.status = state.offline ? 'ready' : 'counting';
			}
		}
		return state;
	}

	/** Applies a result to the state only if that state is still the document's current one for the site. */
	private follow(uri: string, siteId: string, promise: Promise<CountResult>, state: SiteState, slot: 'offline' | 'exact'): void {
		const isCurrent = () => this.currentStates.get(uri)?.has(state) ?? false;
		const task = promise.then(
			(result) => {
				if (slot === 'offline') {
					state.offline = result;
					if (state.status === 'counting' && !this.exactPending(uri, state)) { state.status = 'ready'; }
				} else {
					state.exact = result;
					state.status = 'ready';
					state.error = undefined;
				}
				if (isCurrent()) { this.changed(uri); }
			},
			(err) => {
				if (isCancellation(err)) { return; }
				const error = err instanceof CountError ? err : new CountError('unknown', String((err as Error)?.message ?? err));
				if (slot === 'offline') {
					this.deps.log?.warn(`${this.where(uri, state.site)}: offline count failed: ${error.message}`);
					if (!this.exactPending(uri, state) && !state.exact) { state.status = 'error'; state.error = error; }
				} else {
					state.status = error.kind === 'no-key' ? 'no-key' : 'error';
					state.error = error;
					this.deps.log?.warn(`${this.where(uri, state.site)}: count failed (${state.model}): ${error.message}`);
					if (error.transient && isCurrent()) { this.retryLater(uri, state, error); }
				}
				if (isCurrent()) { this.changed(uri); }
			},
		);
		this.track(task);
	}

	private exactPending(uri: string, state: SiteState): boolean {
		return !state.exact && this.options.mode !== 'offline' && !this.offlineOnlyDocs.has(uri) && !countedOfflineOnly(state.site)
			&& this.canCountExactly(state.site.provider) && !state.error;
	}

	/**
	 * After a rate limit or outage, tries the site again once the endpoint's retry-after has passed. The
	 * timer belongs to the site, not to the state that failed: when a recount (a key change, a setting)
	 * replaced that state meanwhile, it is whatever state the site has then that is retried, if it failed too.
	 */
	private retryLater(uri: string, state: SiteState, error: CountError): void {
		const siteId = state.site.id;
		const key = `${uri}#${siteId}`;
		if (this.retryTimers.has(key)) {
			state.retryAt = this.retryAts.get(key);
			return;
		}
		const wait = Math.min(Math.max(error.retryAfterMs ?? 5_000, 1_000), 120_000);
		state.retryAt = Date.now() + wait;
		this.retryAts.set(key, state.retryAt);
		const timer = setTimeout(() => {
			this.retryTimers.delete(key);
			this.retryAts.delete(key);
			const doc = this.docs.get(uri);
			const current = doc?.sites.find((s) => s.site.id === siteId);
			if (!doc || !current || current.status !== 'error' || !current.error?.transient) { return; }
			const fresh = this.startSite(uri, current.site, current, current.source);
			this.setDoc({ ...doc, sites: doc.sites.map((s) => (s === current ? fresh : s)) });
			this.changed(uri);
		}, wait);
		timer.unref?.();
		this.retryTimers.set(key, timer);
	}

	/** Queues one change event for the document; see CHANGE_BATCH_MS. */
	private changed(uri: string): void {
		this.revisions.set(uri, ++this.revisionCounter);
		this.changedDocs.add(uri);
		if (this.changeTimer) { return; }
		const wait = Math.max(0, this.lastFlush + CHANGE_BATCH_MS - Date.now());
		this.changeTimer = setTimeout(() => this.flushChanges(), wait);
	}

	private flushChanges(): void {
		this.changeTimer = undefined;
		this.lastFlush = Date.now();
		const uris = [...this.changedDocs];
		this.changedDocs.clear();
		for (const uri of uris) {
			if (!this.docs.has(uri)) { this.revisions.delete(uri); }
			this.onDidChangeEmitter.fire(uri);
		}
		this.settleIdle();
	}

	/** "request.json:12": where a site starts, for log lines. */
	private where(uri: string, site: RequestSite): string {
		const entry = this.texts.get(uri);
		if (!entry) { return fileLabel(uri); }
		if (!entry.lineStarts) {
			const starts = [0];
			for (let i = entry.text.indexOf('\n'); i >= 0; i = entry.text.indexOf('\n', i + 1)) { starts.push(i + 1); }
			entry.lineStarts = starts;
		}
		const starts = entry.lineStarts;
		let lo = 0;
		let hi = starts.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (starts[mid] <= site.anchor.start) { lo = mid; } else { hi = mid - 1; }
		}
		return `${fileLabel(uri)}:${lo + 1}`;
	}

	private cancelSite(uri: string, siteId: string): void {
		const key = `${uri}#${siteId}`;
		this.offlineScheduler?.cancel(key);
		this.apiScheduler?.cancel(key);
		this.bedrockScheduler?.cancel(key);
		const timer = this.retryTimers.get(key);
		if (timer) { clearTimeout(timer); this.retryTimers.delete(key); this.retryAts.delete(key); }
	}

	/** One caller's count: identical requests share a call, and this caller's abort affects only itself. */
	private adhoc(scheduler: CountScheduler, request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		const task = scheduler.count(request, signal);
		this.track(task);
		return task;
	}

	private track(task: Promise<unknown>): void {
		const settled = task.then(() => undefined, () => undefined);
		this.inflight.add(settled);
		void settled.then(() => {
			this.inflight.delete(settled);
			this.settleIdle();
		});
	}

	private settleIdle(): void {
		if (this.idleWaiters.length > 0 && this.isIdle()) {
			const waiters = this.idleWaiters;
			this.idleWaiters = [];
			for (const w of waiters) { w(); }
		}
	}

	/** Idle also means every surface has been told: no batch of change events is still waiting. */
	private isIdle(): boolean {
		const busy = (s?: CountScheduler) => (s ? s.pendingCount + s.flightCount : 0);
		return this.inflight.size === 0 && this.changedDocs.size === 0
			&& busy(this.offlineScheduler) === 0 && busy(this.apiScheduler) === 0 && busy(this.bedrockScheduler) === 0;
	}
}
