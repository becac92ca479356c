import * as path from 'node:path';
import { setOfflineDataDir } from '../offline';
import { setOfflineCacheDir } from '../offline/vocab';
import type { Counter } from '../types';
import { OfflineCounter } from './offlineCounter';

/**
 * The offline counter for a packaged install: the vocabularies ship in `data/ctok` next to `dist/`.
 * Nothing is read until the first count needs a family.
 */
export function createOfflineCounter(extensionPath?: string, cacheDir?: string): Counter {
	if (extensionPath) {
		setOfflineDataDir(path.join(extensionPath, 'data', 'ctok'));
	}
	if (cacheDir) {
		// Where a compact copy of a vocabulary is kept when the package ships none (a development build).
		setOfflineCacheDir(cacheDir);
	}
	return new OfflineCounter();
}
