/**
 * Offline token counting over the measured Claude vocabularies (data/ctok, MIT: see NOTICE).
 *
 * For one user message of plain text the count reproduces count_tokens; whole requests add estimated
 * parts (tools, images, PDFs, multi-message framing), which are reported as approximate with notes.
 * Vocabularies are held by a `VocabStore` built with its paths, one per extension or CLI run.
 */
export { type Family, FAMILIES, FamilyTokenizer } from './tokenizer';
export { type VocabPaths, VocabStore } from './store';
export { type FamilyGuess, familyForModel } from './families';
export { type OfflineRequestCount, countRequest } from './request';
export { type ImageSize, decodeBase64, imageSize, imageTokens, pdfPageCount } from './media';
export { preparePdfs } from './pdf';
