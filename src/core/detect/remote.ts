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
import { deserialize, serialize } from 'node:v8';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { DetectProblem, RequestSite, TextRange } from '../types';
import { SliceClock } from '../util/slices';
import type { DetectOptions } from './index';

/** What detects: a `Detector`, here or in the worker. */
export interface SiteDetector {
	detect(text: string, languageId: string, options?: DetectOptions): Promise<RequestSite[]>;
	forgetDocument(fileName: string): void;
}

/**
 * Sites as they cross, referring to the document's last reply by index:
 * - a run of `n` sites that are the same objects as the last reply's `same`, `same + 1` …, with their ids as
 *   they were; `placed`: their offsets are the next ones of the reply's `offsets` (in the order of
 *   `OffsetList.pushSite`), as detection moved them in place (`InPlaceMover`), else they are where they were;
 * - one such site renumbered in place: its new id, its offsets next in `offsets`;
 * - a new site with the payload of the last reply's site `payloadOf` (a call evaluated again to the same request);
 * - a new site.
 */
type WireSite =
	| { readonly same: number; n: number; readonly placed?: true }
	| { readonly same: number; readonly id: string }
	| { readonly moved: Omit<RequestSite, 'payload'>; readonly payloadOf: number }
	| { readonly site: RequestSite };

type MutableRange = { start: number; end: number };

/** A growing list of offsets in one typed array: a keystroke in a 10,000-line file allocates no array per site. */
class OffsetList {
	private buf: Int32Array<ArrayBuffer>;
	length = 0;

	constructor(capacity = 256) {
		this.buf = new Int32Array(capacity);
	}

	push(v: number): void {
		if (this.length === this.buf.length) {
			const grown = new Int32Array(this.buf.length * 2);
			grown.set(this.buf);
			this.buf = grown;
		}
		this.buf[this.length++] = v;
	}

	/** Appends every offset an in-place move changes, in one fixed order: range, anchor, parts (range, key), unresolved. */
	pushSite(site: RequestSite): void {
		this.push(site.range.start);
		this.push(site.range.end);
		this.push(site.anchor.start);
		this.push(site.anchor.end);
		for (const p of site.parts) {
			this.push(p.range.start);
			this.push(p.range.end);
			if (p.keyRange) {
				this.push(p.keyRange.start);
				this.push(p.keyRange.end);
			}
		}
		for (const u of site.unresolved) {
			this.push(u.range.start);
			this.push(u.range.end);
		}
	}

	done(): Int32Array<ArrayBuffer> {
		return this.buf.slice(0, this.length);
	}
}

function setRange(r: TextRange, from: Int32Array, i: number): number {
	(r as MutableRange).start = from[i];
	(r as MutableRange).end = from[i + 1];
	return i + 2;
}

/** Sets the offsets `OffsetList.pushSite` reads, from `from` at `i`; the index after them. Absolute values: a range two parts share is set twice alike. */
function writeOffsets(site: RequestSite, from: Int32Array, i: number): number {
	i = setRange(site.range, from, i);
	i = setRange(site.anchor, from, i);
	for (const p of site.parts) {
		i = setRange(p.range, from, i);
		if (p.keyRange) {
			i = setRange(p.keyRange, from, i);
		}
	}
	for (const u of site.unresolved) {
		i = setRange(u.range, from, i);
	}
	return i;
}

/** A document's last reply as the worker sent it: its sites and their ids then (a site may be renumbered in place since). */
interface Sent {
	readonly sites: readonly RequestSite[];
	readonly ids: readonly string[];
}

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

/** The worker's first message: it runs and reads (a worker whose script cannot load stops before it). */
interface Ready {
	readonly ready: true;
}

interface Reply {
	readonly seq: number;
	/** The sites in parts of `SITES_PER_PART`, each serialized on its own (and moved, not copied, across). */
	readonly parts: readonly ArrayBuffer[];
	/** The offsets of the sites moved in place, in order (moved across). */
	readonly offsets: Int32Array;
	readonly problems: readonly DetectProblem[];
}

/**
 * A reply's sites are read back in parts, yielding between them: 10,000 JSONL sites are 7.7 MB serialized and
 * took 130–190 ms to read back in one piece (40,000: 550–1,380 ms), a part of 200 takes about 3 ms.
 */
const SITES_PER_PART = 200;

function serializeParts(wire: readonly WireSite[]): ArrayBuffer[] {
	const parts: ArrayBuffer[] = [];
	for (let i = 0; i < wire.length; i += SITES_PER_PART) {
		const bytes = serialize(wire.slice(i, i + SITES_PER_PART));
		// A buffer of its own, to be transferred (a small one may be a view into a shared pool).
		parts.push(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
			? bytes.buffer as ArrayBuffer
			: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
	}
	return parts;
}

/** The worker keeps the last reply of this many documents (the editor's side keeps each until it is closed). */
const KEPT_DOCUMENTS = 32;

/** The wire form of `sites`, read after `last`; `movedInPlace` holds the sites that read moved or renumbered in place. */
function encode(sites: readonly RequestSite[], last: Sent | undefined, movedInPlace: ReadonlySet<RequestSite>): { wire: WireSite[]; offsets: Int32Array<ArrayBuffer>; sent: Sent } {
	const wire: WireSite[] = [];
	const placed = new OffsetList();
	let bySite: Map<RequestSite, number> | undefined;
	let byPayload: Map<unknown, number> | undefined;
	// Sites are looked up at their own index; by object only when sites were added or removed before
	// (mapping thousands of sites costs more than the rest of a keystroke).
	const aligned = last !== undefined && last.sites.length === sites.length;
	for (let i = 0; i < sites.length; i++) {
		const site = sites[i];
		let same: number | undefined;
		if (last) {
			if (last.sites[i] === site) {
				same = i;
			} else if (!aligned) {
				bySite ??= new Map(last.sites.map((s, k) => [s, k]));
				same = bySite.get(site);
			}
		}
		if (same === undefined) {
			let payloadOf: number | undefined;
			if (last && last.sites[i]?.payload === site.payload) {
				payloadOf = i;
			} else if (last && !aligned) {
				// The first of the last reply's sites with this payload.
				byPayload ??= new Map(last.sites.map((s, k) => [s.payload, k] as const).reverse());
				payloadOf = byPayload.get(site.payload);
			}
			if (payloadOf === undefined) {
				wire.push({ site });
			} else {
				const { payload: _payload, ...moved } = site;
				wire.push({ moved, payloadOf });
			}
			continue;
		}
		const stayed = !movedInPlace.has(site);
		const renumbered = site.id !== last!.ids[same];
		if (!stayed || renumbered) {
			placed.pushSite(site);
		}
		if (renumbered) {
			wire.push({ same, id: site.id });
			continue;
		}
		const run = wire[wire.length - 1];
		if (run && 'n' in run && run.same + run.n === same && (run.placed === true) === !stayed) {
			run.n++;
		} else {
			wire.push(stayed ? { same, n: 1 } : { same, n: 1, placed: true });
		}
	}
	return { wire, offsets: placed.done(), sent: { sites, ids: sites.map((s) => s.id) } };
}

function decode(wire: readonly WireSite[], placed: Int32Array, last: readonly RequestSite[] | undefined): RequestSite[] {
	const out: RequestSite[] = [];
	let at = 0;
	for (const w of wire) {
		if ('n' in w) {
			for (let i = w.same; i < w.same + w.n; i++) {
				const site = last![i];
				if (w.placed) {
					at = writeOffsets(site, placed, at);
				}
				out.push(site);
			}
		} else if ('id' in w) {
			const site = last![w.same];
			at = writeOffsets(site, placed, at);
			(site as { id: string }).id = w.id;
			out.push(site);
		} else if ('site' in w) {
			out.push(w.site);
		} else {
			out.push({ ...w.moved, payload: last![w.payloadOf].payload });
		}
	}
	return out;
}

/**
 * The worker's side: answers the messages on `port` with `detector`, one at a time in the order they come.
 * A failed read is answered with no sites and its message, never left unanswered.
 */
export function serveDetection(port: MessagePort, detector: SiteDetector): void {
	port.postMessage({ ready: true } satisfies Ready);
	const last = new Map<string, Sent>();
	let queue = Promise.resolve();
	const answer = async (message: DetectMessage): Promise<void> => {
		const problems: DetectProblem[] = [];
		const movedInPlace = new Set<RequestSite>();
		let sites: RequestSite[];
		try {
			sites = await detector.detect(message.text, message.languageId, { fileName: message.fileName, bedrockModelId: message.bedrockModelId, problems, movedInPlace });
		} catch (err) {
			sites = [];
			problems.push({ range: { start: 0, end: 0 }, message: `Could not read requests from this document: ${(err as Error)?.message ?? err}` });
		}
		// A document without a file name has no last reply: its sites cross whole.
		const { wire, offsets, sent } = encode(sites, message.fileName === undefined ? undefined : last.get(message.fileName), movedInPlace);
		if (message.fileName !== undefined) {
			last.delete(message.fileName);
			last.set(message.fileName, sent);
			if (last.size > KEPT_DOCUMENTS) {
				last.delete(last.keys().next().value!);
			}
		}
		const parts = serializeParts(wire);
		port.postMessage({ seq: message.seq, parts, offsets, problems } satisfies Reply, [...parts, offsets.buffer]);
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

/** After this many workers stopped while reading, documents are read in the caller's thread. */
const MAX_WORKER_STOPS = 3;

/** Give up on a document whose read takes longer than this, rather than leave it uncounted without a word. */
const DEFAULT_TIMEOUT_MS = 20_000;
/** More time per MB of text: a 2.2 MB batch file is read in 0.8 s (`npm run bench -- service`), so 5 s per MB leaves room for a loaded machine. */
const TIMEOUT_MS_PER_MB = 5_000;

/**
 * The asking side: detection as a `Detector` gives it, read in a worker started on first use. When the worker
 * cannot start, what it had not answered and everything after is read in this thread instead. A document
 * whose read stops the worker (it runs out of memory, say) or runs past the timeout gets no sites and a
 * message saying so, rather than being read again here where it could take the editor down; a new worker
 * reads the others. After `MAX_WORKER_STOPS` stopped workers, documents are read in this thread.
 */
export class RemoteDetector implements SiteDetector {
	private worker: Worker | undefined;
	private local: SiteDetector | undefined;
	private seq = 0;
	private readonly pending = new Map<number, Pending>();
	/** Each document's last reply, as handed out (the objects the worker's indices refer to). */
	private readonly last = new Map<string, readonly RequestSite[]>();
	/** Replies are read back one after the other, in the order they came (each after the last reply of its document). */
	private reading = Promise.resolve();
	/** The current worker has said it runs (its script loaded). */
	private ready = false;
	/** Workers that stopped while reading. */
	private stops = 0;
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
		for (const p of this.letGo()) {
			p.resolve([]);
		}
	}

	private inProcess(): SiteDetector {
		this.local ??= this.options.inProcess();
		return this.local;
	}

	private send(message: DetectMessage, problems: DetectProblem[] | undefined, resolve: (sites: RequestSite[]) => void): void {
		const worker = this.started();
		if (!worker) {
			this.readHere(message, problems, resolve);
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
		this.ready = false;
		worker.unref();
		worker.on('message', (reply: Reply | Ready) => {
			if ('ready' in reply) {
				this.ready ||= worker === this.worker;
				return;
			}
			this.reading = this.reading.then(() => this.received(worker, reply));
		});
		worker.on('error', (err) => this.stopped(worker, `failed (${err?.message ?? err})`));
		worker.on('exit', (code) => this.stopped(worker, `stopped (exit code ${code})`));
		return worker;
	}

	/**
	 * The current worker is gone. One that never ran leaves detection to this thread. One that stopped while
	 * reading takes the read it was on (the oldest it owed) with it: that document gets no sites and a message,
	 * and a new worker reads the others.
	 */
	private stopped(worker: Worker, what: string): void {
		if (this.worker !== worker) {
			return;
		}
		if (!this.ready) {
			this.failed(`Detection runs in the editor's thread: its worker ${what} before it could read.`);
			return;
		}
		this.stops++;
		// The worker reads in the order it is asked: the oldest read it owed is the one it was on.
		const culprit = [...this.pending.values()].sort((a, b) => a.message.seq - b.message.seq)[0];
		this.options.log?.(`The detection worker ${what}${culprit ? ` while reading ${culprit.message.fileName ?? 'a document'}, which is not counted` : ''}.`);
		const notCounted = `Not counted: reading this document stopped the detection worker (it ${what}).`;
		if (this.stops >= MAX_WORKER_STOPS) {
			this.failed(`Detection runs in the editor's thread from now on: its worker stopped ${this.stops} times.`, culprit, notCounted);
			return;
		}
		this.restart(culprit, notCounted);
	}

	private async received(worker: Worker, reply: Reply): Promise<void> {
		const wire: WireSite[] = [];
		const clock = new SliceClock();
		for (const part of reply.parts) {
			if (worker !== this.worker) {
				return;
			}
			if (clock.due()) {
				await clock.pause();
			}
			wire.push(...deserialize(new Uint8Array(part)) as WireSite[]);
		}
		const pending = this.pending.get(reply.seq);
		if (worker !== this.worker || !pending) {
			return;
		}
		this.pending.delete(reply.seq);
		clearTimeout(pending.timer);
		if (this.pending.size === 0) {
			worker.unref();
		}
		const fileName = pending.message.fileName;
		const sites = decode(wire, reply.offsets, fileName === undefined ? undefined : this.last.get(fileName));
		if (fileName !== undefined) {
			this.last.set(fileName, sites);
		}
		pending.problems?.push(...reply.problems);
		pending.resolve(sites);
	}

	/**
	 * Ends the current worker and forgets its replies: the reads it still owed, oldest first, their timers
	 * stopped, for the caller to answer.
	 */
	private letGo(): Pending[] {
		const worker = this.worker;
		this.worker = undefined;
		void worker?.terminate();
		this.last.clear();
		const owed = [...this.pending.values()].sort((a, b) => a.message.seq - b.message.seq);
		this.pending.clear();
		for (const p of owed) {
			clearTimeout(p.timer);
		}
		return owed;
	}

	/** The worker is gone for good: what it owed (but `culprit`, which stopped it: `message`), and what comes next, is read here. */
	private failed(reason: string, culprit?: Pending, message?: string): void {
		this.options.log?.(reason);
		this.inProcess();
		for (const p of this.letGo()) {
			if (p === culprit) {
				this.notCounted(p, message!);
			} else {
				this.readHere(p.message, p.problems, p.resolve);
			}
		}
	}

	private readHere(message: DetectMessage, problems: DetectProblem[] | undefined, resolve: (sites: RequestSite[]) => void): void {
		const { text, languageId, fileName, bedrockModelId } = message;
		void this.inProcess().detect(text, languageId, { fileName, bedrockModelId, problems }).then(resolve);
	}

	private notCounted(p: Pending, message: string): void {
		p.problems?.push({ range: { start: 0, end: 0 }, message });
		p.resolve([]);
	}

	/** A new worker (no caches) for the reads still waiting; `culprit` gets no sites and `message`. */
	private restart(culprit: Pending | undefined, message: string): void {
		for (const p of this.letGo()) {
			if (p === culprit) {
				this.notCounted(p, message);
			} else {
				this.send(p.message, p.problems, p.resolve);
			}
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
		this.restart(late, `Not counted: reading this document took longer than ${seconds} s.`);
	}
}
