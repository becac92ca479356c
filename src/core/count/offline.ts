import * as path from 'node:path';
import { setOfflineDataDir } from '../offline';
import type { Counter } from '../types';
import { OfflineCounter } from './offlineCounter';

/**
 * The offline counter for a packaged install: the vocabularies ship in `data/ctok` next to `dist/`.
 * Nothing is read until the first count needs a family.
 */
export function createOfflineCounter(extensionPath?: string): Counter {
	if (extensionPath) {
		setOfflineDataDir(path.join(extensionPath, 'data', 'ctok'));
	}
	return new OfflineCounter();
}
