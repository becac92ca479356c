// A typing session against the local count server: scripted keystrokes into a request body, replayed on a
// virtual clock so that minutes of typing take seconds. It measures how many count_tokens calls the result
// store makes while someone types, and how long after the last keystroke of a pause the exact figure shows.
import { AnthropicCounter } from '../src/core/count/anthropicCounter';
import { TokenizerCounter } from '../src/core/count/tokenizerCounter';
import { RateLimiter } from '../src/core/count/rateLimiter';
import { TokenCountService } from '../src/core/service';
import type { Counter } from '../src/core/types';
import { startCountServer } from '../test/server/countServer';
import { detectRequests, vocabs } from '../test/core';

/** A pause of at least this long is a "settled state": the user stopped typing and reads the figure. */
const SETTLED_MS = 1000;
/** Modelled time the count_tokens endpoint takes to answer (the real local server answers at once). */
const CALL_LATENCY_MS = 150;

interface Timer { at: number; seq: number; fn: () => void; cancelled: boolean }

/**
 * Replaces the global timers and Date.now with a virtual clock. Time only moves when `advanceTo` says so,
 * after all real work (HTTP to the local server) has settled, so results do not depend on machine load.
 */
class VirtualClock {
	now = Date.UTC(2026, 11, 1, 9, 0, 0);
	private timers: Timer[] = [];
	private seq = 0;
	private readonly real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, dateNow: Date.now, setImmediate: globalThis.setImmediate };
	/** Real work in progress (HTTP calls); time does not move while there is any. */
	pendingReal = 0;

	install(): void {
		const g = globalThis as unknown as Record<string, unknown>;
		g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
			const t: Timer = { at: this.now + Math.max(0, ms ?? 0), seq: this.seq++, fn: () => fn(...args), cancelled: false };
			this.timers.push(t);
			const handle = { timer: t, unref: () => handle, ref: () => handle, hasRef: () => true, refresh: () => { t.at = this.now + Math.max(0, ms ?? 0); return handle; }, [Symbol.toPrimitive]: () => t.seq };
			return handle;
		};
		g.clearTimeout = (h: unknown) => {
			const t = (h as { timer?: Timer } | undefined)?.timer;
			if (t) { t.cancelled = true; } else if (h !== undefined) { this.real.clearTimeout(h as never); }
		};
		Date.now = () => this.now;
	}

	uninstall(): void {
		const g = globalThis as unknown as Record<string, unknown>;
		g.setTimeout = this.real.setTimeout;
		g.clearTimeout = this.real.clearTimeout;
		Date.now = this.real.dateNow;
	}

	/** Lets real I/O and promise chains run until nothing real is pending (bounded: a stuck call cannot hang the bench). */
	async drain(): Promise<void> {
		const deadline = this.real.dateNow() + 5000;
		for (let spins = 0; spins < 5 || (this.pendingReal > 0 && this.real.dateNow() < deadline); spins++) {
			await new Promise<void>((r) => this.real.setImmediate(r));
			if (this.pendingReal > 0) { await new Promise<void>((r) => this.real.setTimeout(r, 1)); }
		}
	}

	async advanceTo(at: number): Promise<void> {
		for (;;) {
			await this.drain();
			this.timers = this.timers.filter((t) => !t.cancelled);
			this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
			const next = this.timers[0];
			if (!next || next.at > at) { break; }
			this.timers.shift();
			this.now = Math.max(this.now, next.at);
			next.fn();
		}
		this.now = Math.max(this.now, at);
		await this.drain();
	}
}

/** Deterministic pseudo-random numbers (mulberry32), so every run replays the same session. */
function rng(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface Typist {
	readonly name: string;
	/** Gap between two characters of a word, ms (uniform in the range). */
	readonly charGap: readonly [number, number];
	/** Gap after a space, ms. */
	readonly wordGap: readonly [number, number];
}

export const SLOW: Typist = { name: 'slow typist (2–3 chars/s)', charGap: [330, 500], wordGap: [450, 900] };
export const FAST: Typist = { name: 'fast typist (8–12 chars/s)', charGap: [80, 125], wordGap: [150, 400] };

/** Three sentences typed into the message, with a pause to think between them and one in the middle of the second. */
const SENTENCES = [
	' Keep the answer under two hundred words and use plain language.',
	' Mention deadlocks, retries and lost updates,| and say which one a busy web shop should choose.',
	' Finish with a one-line rule of thumb.',
];
const THINK_MS = 3000;
const MID_PAUSE_MS = 1600;

export interface TypingRow {
	readonly typist: string;
	readonly keystrokes: number;
	readonly settled: number;
	readonly calls: number;
	readonly perSettled: number;
	readonly perKeystroke: number;
	readonly p50: number;
	readonly p95: number;
	/** Settled states whose exact figure never arrived before the next keystroke (or 60 s after the last). */
	readonly missed: number;
}

function percentile(xs: number[], p: number): number {
	if (xs.length === 0) { return NaN; }
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export async function session(typist: Typist, seed = 7): Promise<TypingRow> {
	const server = await startCountServer();
	const clock = new VirtualClock();
	clock.install();
	try {
		const api = new AnthropicCounter({ vocabs, getApiKey: () => 'sk-ant-bench', baseURL: server.url, maxRetries: 0 });
		const timed: Counter = {
			id: 'api',
			count: async (request, signal) => {
				clock.pendingReal++;
				let result;
				try {
					result = await api.count(request, signal);
				} finally {
					clock.pendingReal--;
				}
				await new Promise<void>((r) => setTimeout(r, CALL_LATENCY_MS));
				return result;
			},
		};
		const service = new TokenCountService({
			detect: detectRequests, offline: new TokenizerCounter(vocabs), api: timed, limiter: new RateLimiter(50), hasApiKey: () => true,
		}, { mode: 'auto', debounceMs: 300, defaultModel: 'claude-sonnet-4-5', bedrockEnabled: false });

		const uri = 'file:///plain-request.json';
		const head = '{\n  "model": "claude-sonnet-4-5",\n  "max_tokens": 1024,\n  "messages": [\n    {\n      "role": "user",\n      "content": "Summarise the main trade-offs between optimistic and pessimistic locking in a relational database, with one concrete example of each.';
		const tail = '"\n    }\n  ]\n}\n';
		let typed = '';
		let version = 1;
		const keyAt = new Map<number, number>();
		const exactAt = new Map<number, number>();
		service.onDidChange(() => {
			const doc = service.get(uri);
			const site = doc?.sites[0];
			if (doc && site?.exact && doc.version === version && !exactAt.has(doc.version)) {
				exactAt.set(doc.version, clock.now);
			}
		});
		const update = () => service.update({ uri, version, languageId: 'json', fileName: '/plain-request.json', getText: () => head + typed + tail });
		void update();
		await clock.advanceTo(clock.now + 5000);
		const before = server.requests.length;

		const random = rng(seed);
		const between = (r: readonly [number, number]) => r[0] + random() * (r[1] - r[0]);
		// The script: every keystroke with the gap that follows it.
		const script: { ch: string; gap: number }[] = [];
		SENTENCES.forEach((sentence, i) => {
			const chars = [...sentence];
			chars.forEach((ch, j) => {
				if (ch === '|') { script[script.length - 1].gap = MID_PAUSE_MS; return; }
				const last = j === chars.length - 1;
				script.push({ ch, gap: last ? (i === SENTENCES.length - 1 ? 60_000 : THINK_MS) : between(ch === ' ' ? typist.wordGap : typist.charGap) });
			});
		});
		const settledVersions: number[] = [];
		const nextKeyAt = new Map<number, number>();
		for (const { ch, gap } of script) {
			typed += ch;
			version++;
			keyAt.set(version, clock.now);
			void update();
			if (gap >= SETTLED_MS) { settledVersions.push(version); }
			const next = clock.now + gap;
			nextKeyAt.set(version, next);
			await clock.advanceTo(next);
		}
		const latencies: number[] = [];
		let missed = 0;
		for (const v of settledVersions) {
			const at = exactAt.get(v);
			if (at === undefined || at > (nextKeyAt.get(v) ?? Infinity)) { missed++; continue; }
			latencies.push(at - keyAt.get(v)!);
		}
		const calls = server.requests.slice(before).filter((r) => r.path.startsWith('/v1/messages/count_tokens')).length;
		service.dispose();
		return {
			typist: typist.name,
			keystrokes: script.length,
			settled: settledVersions.length,
			calls,
			perSettled: calls / settledVersions.length,
			perKeystroke: calls / script.length,
			p50: percentile(latencies, 50),
			p95: percentile(latencies, 95),
			missed,
		};
	} finally {
		clock.uninstall();
		await server.close();
	}
}

export async function run(print: (line: string) => void = console.log): Promise<TypingRow[]> {
	const rows = [await session(SLOW), await session(FAST)];
	print(`Typing session: ${rows[0].keystrokes} keystrokes into examples/plain-request.json's message, local count server (${CALL_LATENCY_MS} ms modelled latency), 50 requests/min limit, virtual clock`);
	print('| typist | keystrokes | settled states (pause ≥ 1 s) | calls | calls / settled state | calls / keystroke | last keystroke → exact p50 ms | p95 ms | settled states without exact figure |');
	print('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
	for (const r of rows) {
		print(`| ${r.typist} | ${r.keystrokes} | ${r.settled} | ${r.calls} | ${r.perSettled.toFixed(2)} | ${r.perKeystroke.toFixed(2)} | ${Number.isNaN(r.p50) ? '–' : r.p50.toFixed(0)} | ${Number.isNaN(r.p95) ? '–' : r.p95.toFixed(0)} | ${r.missed} |`);
	}
	return rows;
}

if (require.main === module) {
	run().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
