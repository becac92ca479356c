/**
 * Detection's per-document caches (the last tree, the last SDK calls, the last JSONL lines of a document), each
 * a small LRU keyed by a key that holds the document's file name. They are fields of one `DocumentCaches`, which
 * a `Detector` owns: two detectors share nothing, and a closed document is dropped from all of its detector's
 * caches at once (`forget`); tests can see they do not grow (`files`).
 */
import type { CachedDocument } from './engine';
import type { CachedJsonlDocument } from './json';
import type { CachedTree } from './treeSitter';

export class DocumentCache<V> {
	private readonly entries = new Map<string, { file: string; value: V }>();

	/** `release` frees what an entry holds (a tree-sitter tree) when it is evicted or forgotten. */
	constructor(private readonly max: number, private readonly release?: (value: V) => void) {}

	/** The document of each entry. */
	files(): string[] {
		return [...this.entries.values()].map((e) => e.file);
	}

	get(key: string): V | undefined {
		return this.entries.get(key)?.value;
	}

	/** Stores `value` as the newest entry of `file`; the oldest entry beyond `max` is released. */
	put(file: string, key: string, value: V): void {
		this.entries.delete(key);
		this.entries.set(key, { file, value });
		if (this.entries.size > this.max) {
			const [oldest, entry] = this.entries.entries().next().value!;
			this.entries.delete(oldest);
			this.release?.(entry.value);
		}
	}

	/** Removes an entry without releasing it (its caller still uses or has already freed what it holds). */
	delete(key: string): void {
		this.entries.delete(key);
	}

	/** Drops and releases every entry of a document. */
	forget(file: string): void {
		for (const [key, entry] of this.entries) {
			if (entry.file === file) {
				this.entries.delete(key);
				this.release?.(entry.value);
			}
		}
	}
}

/** The per-document caches of one detector, one field per front end that keeps something between reads. */
export class DocumentCaches {
	/** Last tree per document and grammar (treeSitter.ts `parseText`): an edit re-parses incrementally. */
	readonly trees = new DocumentCache<CachedTree>(8, (entry) => entry.tree.delete());
	/** Last evaluated SDK calls per document of the tree-sitter engine (engine.ts), every SDK language. */
	readonly calls = new DocumentCache<CachedDocument>(8);
	/** Last read lines per JSONL document (json.ts): an edit re-reads only the lines it touched. */
	readonly jsonl = new DocumentCache<CachedJsonlDocument>(4);

	private all(): DocumentCache<unknown>[] {
		return [this.trees, this.calls, this.jsonl] as DocumentCache<unknown>[];
	}

	/** Drops a closed document from every cache (its trees are freed). */
	forget(fileName: string): void {
		for (const cache of this.all()) {
			cache.forget(fileName);
		}
	}

	/** The document of every entry of every cache (tests: a closed document must be in none). */
	files(): string[] {
		return this.all().flatMap((cache) => cache.files());
	}
}
