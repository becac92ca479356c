/**
 * Detection entry point: document text → the Claude requests in it (docs/ARCHITECTURE.md, "The one data flow").
 * Pure TypeScript, no editor dependency; never throws.
 */
import type { DetectProblem, RequestSite } from '../types';

import { DocumentCaches } from './documentCaches';
import type { GrammarLoader } from './treeSitter';

export { GrammarLoader, type GrammarPaths } from './treeSitter';
import { detectJson, detectJsonlSliced } from './json';
import { detectPython } from './python';
import { detectGo } from './go';
import { detectJava } from './java';
import { detectRuby } from './ruby';
import { detectCsharp } from './csharp';
import { detectPhp } from './php';
import { detectJavaScript } from './javascript';

export interface DetectOptions {
	/** Used to pick a parser when the language id is not one we know (and to recognise `.jsonl`). */
	readonly fileName?: string;
	/** Model id for Bedrock bodies that do not name one (a setting). */
	readonly bedrockModelId?: string;
	/**
	 * Receives what could not be read, to be shown (editor notice, CLI exit 2) rather than silently
	 * dropped: a request nested too deeply to count, or a document whose nesting overflowed a parser.
	 */
	readonly problems?: DetectProblem[];
	/**
	 * Receives each site handed back as the same object as in this document's last read but moved or
	 * renumbered in place (its offsets or its id changed; see `InPlaceMover`). The detection worker sends
	 * only those sites' offsets across.
	 */
	readonly movedInPlace?: Set<RequestSite>;
}

export type DetectLanguage = 'json' | 'jsonl' | 'typescript' | 'javascript' | 'python' | 'go' | 'java' | 'ruby' | 'csharp' | 'php';

const byLanguageId: Record<string, DetectLanguage> = {
	json: 'json',
	jsonc: 'json',
	jsonl: 'jsonl',
	typescript: 'typescript',
	typescriptreact: 'typescript',
	javascript: 'javascript',
	javascriptreact: 'javascript',
	python: 'python',
	go: 'go',
	java: 'java',
	ruby: 'ruby',
	csharp: 'csharp',
	php: 'php',
};

const byExtension: Record<string, DetectLanguage> = {
	json: 'json',
	jsonc: 'json',
	jsonl: 'jsonl',
	ndjson: 'jsonl',
	ts: 'typescript',
	tsx: 'typescript',
	mts: 'typescript',
	cts: 'typescript',
	js: 'javascript',
	jsx: 'javascript',
	mjs: 'javascript',
	cjs: 'javascript',
	py: 'python',
	go: 'go',
	java: 'java',
	rb: 'ruby',
	cs: 'csharp',
	php: 'php',
};

function extensionOf(fileName: string | undefined): string | undefined {
	const match = fileName ? /\.([A-Za-z0-9]+)$/.exec(fileName) : null;
	return match ? match[1].toLowerCase() : undefined;
}

/** Which front end reads this document, or undefined when none does. */
export function detectLanguage(languageId: string, fileName?: string): DetectLanguage | undefined {
	const ext = extensionOf(fileName);
	const fromExt = ext ? byExtension[ext] : undefined;
	// A JSONL file opened as JSON would otherwise parse as its first line only.
	if (fromExt === 'jsonl') {
		return 'jsonl';
	}
	return byLanguageId[languageId] ?? fromExt;
}

/**
 * Cheap synchronous test: false means the document certainly holds no request and detection can be
 * skipped. Every shape we detect has a `messages` field (or calls a `messages` API; Go and C# write `Messages`).
 */
export function mightContainRequests(text: string, languageId: string, fileName?: string): boolean {
	return detectLanguage(languageId, fileName) !== undefined && /[Mm]essages/.test(text);
}

/**
 * Detection of one extension or CLI run: built with the run's grammars, which it loads on first use (a
 * grammar when the first document of its language is read). Its per-document caches (the last tree, calls and
 * JSONL lines of each document) are its own, handed to the front ends with the grammars: they are kept between
 * reads and dropped when the document closes. Two detectors share nothing.
 */
export class Detector {
	/** What this detector keeps of each document between reads. */
	readonly caches = new DocumentCaches();

	constructor(readonly grammars: GrammarLoader) {}

	/** Every request in the document, in document order. Never throws: on any failure, what was found so far. */
	detect(text: string, languageId: string, options: DetectOptions = {}): Promise<RequestSite[]> {
		return detectRequests(text, languageId, { ...options, grammars: this.grammars, caches: this.caches });
	}

	/** Drops a closed document from this detector's per-document caches. */
	forgetDocument(fileName: string): void {
		this.caches.forget(fileName);
	}
}

async function detectRequests(text: string, languageId: string, options: DetectOptions & { readonly grammars: GrammarLoader; readonly caches: DocumentCaches }): Promise<RequestSite[]> {
	const out: RequestSite[] = [];
	try {
		if (typeof text !== 'string' || !mightContainRequests(text, languageId, options.fileName)) {
			return out;
		}
		switch (detectLanguage(languageId, options.fileName)) {
			case 'json':
				detectJson(text, options, out);
				break;
			case 'jsonl':
				// Batch files run to thousands of lines: read in slices so the editor's thread is never held long.
				await detectJsonlSliced(text, options, out);
				break;
			case 'typescript':
			case 'javascript':
				await detectJavaScript(text, detectLanguage(languageId, options.fileName) as 'typescript' | 'javascript',
					{ ...options, languageId }, out);
				break;
			case 'python':
				await detectPython(text, options, out);
				break;
			case 'go':
				await detectGo(text, options, out);
				break;
			case 'java':
				await detectJava(text, options, out);
				break;
			case 'ruby':
				await detectRuby(text, options, out);
				break;
			case 'csharp':
				await detectCsharp(text, options, out);
				break;
			case 'php':
				await detectPhp(text, options, out);
				break;
			default:
				break;
		}
	} catch (err) {
		// Detection is best effort: a parser failure must never break the editor. A stack overflow means
		// nesting deeper than a recursive walk can take: say so instead of showing nothing.
		if (err instanceof RangeError) {
			options.problems?.push({ range: { start: 0, end: 0 }, message: 'Too deeply nested: this document nests deeper than requests can be read, so it is not counted.' });
		}
	}
	// Front ends give their sites in document order, mostly: sort only what is not.
	return out.some((s, i) => i > 0 && s.range.start < out[i - 1].range.start) ? out.sort((a, b) => a.range.start - b.range.start) : out;
}
