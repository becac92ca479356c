import { type VocabStore, countRequest, preparePdfs } from '../offline';
import type { CountRequest, CountResult, Counter } from '../types';
import { throwIfAborted } from '../util/abort';
import { sharedSlicer, type TimeSlicer } from '../util/slices';

/**
 * Counts with the embedded tokenizer: no key, no network.
 *
 * `exact` is true only where the method reproduces count_tokens: a request of one user message whose
 * content is plain text (a string or text blocks), with no system prompt, tools, images, documents or
 * other blocks, on a recognised model. Everything else is `approximate`, with notes saying which part
 * was estimated and how.
 */
export class TokenizerCounter implements Counter {
	readonly id = 'offline' as const;

	/**
	 * Counts on the run's vocabularies, in time slices: a document of thousands of requests must not hold the
	 * thread for seconds.
	 */
	constructor(private readonly vocabs: VocabStore, private readonly slicer: TimeSlicer = sharedSlicer) {}

	async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
		throwIfAborted(signal);
		const model = request.model || request.body?.model || '';
		// PDF pages are read asynchronously (and cached) before the synchronous count prices them.
		await preparePdfs(request.body, signal);
		const r = await this.slicer.run(() => {
			// A job cancelled while it waited for its slice costs nothing.
			throwIfAborted(signal);
			return countRequest(request.body, model, this.vocabs);
		});
		// The count itself is synchronous; honour a cancellation that arrived meanwhile.
		throwIfAborted(signal);
		return {
			inputTokens: r.inputTokens,
			source: 'offline',
			exact: r.plainText && !r.approximate,
			approximate: r.approximate,
			notes: r.notes,
			family: r.family,
		};
	}
}
