import type { Counter } from '../types';
import { OfflineCounter } from './offlineCounter';

/**
 * The offline counter. Nothing is read until the first count needs a family; the vocabularies are found from
 * the code's own place (data/ctok above dist/ or out/), their compiled form in dist/ctok-compact, so nothing
 * configures the tokenizer from outside.
 */
export function createOfflineCounter(): Counter {
	return new OfflineCounter();
}
