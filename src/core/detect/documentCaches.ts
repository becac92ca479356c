/**
 * Detection's per-document caches (the last tree, the last SDK calls, the last JSONL lines of a document), each
 * a small LRU keyed by a key that holds the document's file name. Every cache registers itself here, so a
 * closed document is dropped from all of them at once (`forgetDocument`), and tests can see they do not grow.
 */
export class DocumentCache<V> {
	private readonly entries = new Map<string, { file: string; value: V }>();

	/** `release` frees what an entry holds (a tree-sitter tree) when it is evicted or forgotten. */
	constructor(private readonly max: number, private readonly release?: (value: V) => void) {
		registry.add(this as DocumentCache<unknown>);
	}

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

const registry = new Set<DocumentCache<unknown>>();

/** Drops a closed document from every detection cache. */
export function forgetDocument(fileName: string): void {
	for (const cache of registry) {
		cache.forget(fileName);
	}
}

/** The document of every entry of every detection cache (tests: a closed document must be in none). */
export function cachedDocuments(): string[] {
	return [...registry].flatMap((cache) => cache.files());
}
