/**
 * Detection in a worker thread: a document is parsed and its calls evaluated off the thread that asks (the
 * extension host's), which gets back the sites. The worker keeps the detector and its per-document caches
 * (trees, calls), so an edit is read incrementally there as it is in-process.
 *
 * The result store tells an untouched request by its site object, and a request only moved by its payload
 * object. Objects do not survive a message, so the worker says, per site, which site of the document's last
 * reply it is (the same object there) or whose payload it keeps; this side hands back those very objects.
 * Both sides keep each document's last reply and apply replies in the order they are sent.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { DetectProblem, RequestSite } from '../types';
import type { DetectOptions } from './index';

/** What detects: a `Detector`, here or in the worker. */
export interface SiteDetector {
	detect(text: string, languageId: string, options?: DetectOptions): Promise<RequestSite[]>;
	forgetDocument(fileName: string): void;
}

/**
 * A site as it crosses: the index of the same site in the document's last reply; or the site without its
 * payload and the index of the last reply's site whose payload it has; or the whole site.
 */
type WireSite = number | { readonly site: RequestSite } | { readonly moved: Omit<RequestSite, 'payload'>; readonly payloadOf: number };

interface DetectMessage {
	readonly kind: 'detect';
	readonly seq: number;
	readonly text: string;
	readonly languageId: string;
	readonly fileName?: string;
	readonly bedrockModelId?: string;
}

interface ForgetMessage {
	readonly kind: 'forget';
	readonly fileName: string;
}

type Message = DetectMessage | ForgetMessage;

interface Reply {
	readonly seq: number;
	readonly sites: readonly WireSite[];
	readonly problems: readonly DetectProblem[];
}

/** The worker keeps the last reply of this many documents (the editor's side keeps each until it is closed). */
const KEPT_DOCUMENTS = 32;

function encode(sites: readonly RequestSite[], last: readonly RequestSite[] | undefined): WireSite[] {
	if (!last || last.length === 0) {
		return sites.map((site) => ({ site }));
	}
	const bySite = new Map<RequestSite, number>();
	const byPayload = new Map<unknown, number>();
	last.forEach((site, i) => {
		bySite.set(site, i);
		if (!byPayload.has(site.payload)) {
			byPayload.set(site.payload, i);
		}
	});
	return sites.map((site): WireSite => {
		const same = bySite.get(site);
		if (same !== undefined) {
			return same;
		}
		const payloadOf = byPayload.get(site.payload);
		if (payloadOf === undefined) {
			return { site };
		}
		const { payload: _payload, ...moved } = site;
		return { moved, payloadOf };
	});
}

function decode(wire: readonly WireSite[], last: readonly RequestSite[] | undefined): RequestSite[] {
	return wire.map((w) => {
		if (typeof w === 'number') {
			return last![w];
		}
		if ('site' in w) {
			return w.site;
		}
		return { ...w.moved, payload: last![w.payloadOf].payload };
	});
}

/**
 * The worker's side: answers the messages on `port` with `detector`, one at a time in the order they come.
 * A failed read is answered with no sites and its message, never left unanswered.
 */
export function serveDetection(port: MessagePort, detector: SiteDetector): void {
	const last = new Map<string, readonly RequestSite[]>();
	let queue = Promise.resolve();
	const answer = async (message: DetectMessage): Promise<void> => {
		const problems: DetectProblem[] = [];
		let sites: RequestSite[];
		try {
			sites = await detector.detect(message.text, message.languageId, { fileName: message.fileName, bedrockModelId: message.bedrockModelId, problems });
		} catch (err) {
			sites = [];
			problems.push({ range: { start: 0, end: 0 }, message: `Could not read requests from this document: ${(err as Error)?.message ?? err}` });
		}
		let wire: WireSite[];
		if (message.fileName === undefined) {
			wire = sites.map((site) => ({ site }));
		} else {
			wire = encode(sites, last.get(message.fileName));
			last.delete(message.fileName);
			last.set(message.fileName, sites);
			if (last.size > KEPT_DOCUMENTS) {
				last.delete(last.keys().next().value!);
			}
		}
		port.postMessage({ seq: message.seq, sites: wire, problems } satisfies Reply);
	};
	port.on('message', (message: Message) => {
		if (message.kind === 'forget') {
			queue = queue.then(() => {
				last.delete(message.fileName);
				detector.forgetDocument(message.fileName);
			});
			return;
		}
		queue = queue.then(() => answer(message));
	});
}

interface Pending {
	readonly message: DetectMessage;
	readonly timeoutMs: number;
	readonly problems?: DetectProblem[];
	readonly resolve: (sites: RequestSite[]) => void;
	readonly timer: ReturnType<typeof setTimeout>;
}

export interface RemoteDetectorOptions {
	/** Starts the worker (its script calls `serveDetection` on its parent port). */
	readonly start: () => Worker;
	/** The detector used here instead when the worker cannot run (it fails to start or dies). */
	readonly inProcess: () => SiteDetector;
	/**
	 * A document taking longer than this in the worker, plus `TIMEOUT_MS_PER_MB` per MB of its text, is given
	 * up (the worker is restarted): ms.
	 */
	readonly timeoutMs?: number;
	readonly log?: (message: string) => void;
}

/** Give up on a document whose read takes longer than this, rather than leave it uncounted without a word. */
const DEFAULT_TIMEOUT_MS = 20_000;
/** More time per MB of text: a 2.2 MB batch file is read in 0.8 s (`npm run bench -- service`), so 5 s per MB leaves room for a loaded machine. */
const TIMEOUT_MS_PER_MB = 5_000;

/**
 * The asking side: detection as a `Detector` gives it, read in a worker started on first use. When the worker
 * cannot start or dies, what it had not answered and everything after is read in this thread instead. A
 * document whose read runs past the timeout gets no sites and a message saying so; the worker is started
 * again for the others.
 */
export class RemoteDetector implements SiteDetector {
	private worker: Worker | undefined;
	private local: SiteDetector | undefined;
	private seq = 0;
	private readonly pending = new Map<number, Pending>();
	/** Each document's last reply, as handed out (the objects the worker's indices refer to). */
	private readonly last = new Map<string, readonly RequestSite[]>();
	private disposed = false;

	constructor(private readonly options: RemoteDetectorOptions) {}

	/** Where documents are read now: in the worker, in the caller's thread (the worker could not run), or nowhere yet. */
	get runsIn(): 'worker' | 'caller' | undefined {
		return this.local ? 'caller' : this.worker ? 'worker' : undefined;
	}

	detect(text: string, languageId: string, options: DetectOptions = {}): Promise<RequestSite[]> {
		if (this.local || this.disposed) {
			return this.inProcess().detect(text, languageId, options);
		}
		const message: DetectMessage = { kind: 'detect', seq: ++this.seq, text, languageId, fileName: options.fileName, bedrockModelId: options.bedrockModelId };
		return new Promise((resolve) => this.send(message, options.problems, resolve));
	}

	forgetDocument(fileName: string): void {
		this.last.delete(fileName);
		this.local?.forgetDocument(fileName);
		this.worker?.postMessage({ kind: 'forget', fileName } satisfies ForgetMessage);
	}

	dispose(): void {
		this.disposed = true;
		const worker = this.worker;
		this.worker = undefined;
		void worker?.terminate();
		for (const p of this.pending.values()) {
			clearTimeout(p.timer);
			p.resolve([]);
		}
		this.pending.clear();
	}

	private inProcess(): SiteDetector {
		this.local ??= this.options.inProcess();
		return this.local;
	}

	private send(message: DetectMessage, problems: DetectProblem[] | undefined, resolve: (sites: RequestSite[]) => void): void {
		const worker = this.started();
		if (!worker) {
			void this.inProcess().detect(message.text, message.languageId, { fileName: message.fileName, bedrockModelId: message.bedrockModelId, problems }).then(resolve);
			return;
		}
		const timeoutMs = (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + Math.round(message.text.length / 1e6 * TIMEOUT_MS_PER_MB);
		const timer = setTimeout(() => this.timedOut(message.seq), timeoutMs);
		timer.unref?.();
		this.pending.set(message.seq, { message, timeoutMs, problems, resolve, timer });
		worker.ref();
		worker.postMessage(message);
	}

	private started(): Worker | undefined {
		if (this.worker || this.local) {
			return this.worker;
		}
		let worker: Worker;
		try {
			worker = this.options.start();
		} catch (err) {
			this.failed(`Detection runs in the editor's thread: its worker did not start (${(err as Error)?.message ?? err}).`);
			return undefined;
		}
		this.worker = worker;
		worker.unref();
		worker.on('message', (reply: Reply) => this.received(worker, reply));
		worker.on('error', (err) => {
			if (this.worker === worker) {
				this.failed(`Detection runs in the editor's thread from now on: its worker failed (${err?.message ?? err}).`);
			}
		});
		worker.on('exit', (code) => {
			if (this.worker === worker) {
				this.failed(`Detection runs in the editor's thread from now on: its worker stopped (exit code ${code}).`);
			}
		});
		return worker;
	}

	private received(worker: Worker, reply: Reply): void {
		if (worker !== this.worker) {
			return;
		}
		const pending = this.pending.get(reply.seq);
		if (!pending) {
			return;
		}
		this.pending.delete(reply.seq);
		clearTimeout(pending.timer);
		if (this.pending.size === 0) {
			worker.unref();
		}
		const fileName = pending.message.fileName;
		const sites = decode(reply.sites, fileName === undefined ? undefined : this.last.get(fileName));
		if (fileName !== undefined) {
			this.last.set(fileName, sites);
		}
		pending.problems?.push(...reply.problems);
		pending.resolve(sites);
	}

	/** The worker is gone for good: what it owed, and what comes next, is read here. */
	private failed(reason: string): void {
		this.options.log?.(reason);
		const worker = this.worker;
		this.worker = undefined;
		void worker?.terminate();
		this.inProcess();
		this.last.clear();
		this.runHere([...this.pending.values()]);
	}

	private runHere(owed: Pending[]): void {
		this.pending.clear();
		for (const p of owed) {
			clearTimeout(p.timer);
			const { text, languageId, fileName, bedrockModelId } = p.message;
			void this.inProcess().detect(text, languageId, { fileName, bedrockModelId, problems: p.problems }).then(p.resolve);
		}
	}

	/**
	 * One read ran too long: it gets no sites and a message, and a fresh worker (no caches) reads the
	 * documents still waiting.
	 */
	private timedOut(seq: number): void {
		const late = this.pending.get(seq);
		if (!late) {
			return;
		}
		const seconds = Math.max(1, Math.round(late.timeoutMs / 1000));
		this.options.log?.(`Reading ${late.message.fileName ?? 'a document'} took longer than ${seconds} s: it is not counted; detection starts again.`);
		const worker = this.worker;
		this.worker = undefined;
		void worker?.terminate();
		this.last.clear();
		const others = [...this.pending.values()].filter((p) => p !== late);
		this.pending.clear();
		for (const p of [late, ...others]) {
			clearTimeout(p.timer);
		}
		late.problems?.push({ range: { start: 0, end: 0 }, message: `Not counted: reading this document took longer than ${seconds} s.` });
		late.resolve([]);
		for (const p of others) {
			this.send(p.message, p.problems, p.resolve);
		}
	}
}
