/**
 * Offline token counting over the measured Claude vocabularies (data/ctok, MIT: see NOTICE).
 *
 * For one user message of plain text the count reproduces count_tokens; whole requests add estimated
 * parts (tools, images, PDFs, multi-message framing), which are reported as approximate with notes.
 */
export { type Family, FAMILIES, countText, countUserMessage, loadFamily } from './tokenizer';
export { type FamilyGuess, familyForModel } from './families';
export { type OfflineRequestCount, countRequest } from './request';
export { type ImageSize, decodeBase64, imageSize, imageTokens, pdfPageCount } from './media';
export { preparePdfs } from './pdf';
export { loadedVocabs, offlineDataDir } from './vocab';

import { resetTokenizers } from './tokenizer';
import { setOfflineDataDir as setDir, unloadVocabs } from './vocab';

/** Points the loader at another `data/ctok` directory; loaded vocabularies are dropped. */
export function setOfflineDataDir(dir: string | undefined): void {
	setDir(dir);
	unloadVocabs();
	resetTokenizers();
}
