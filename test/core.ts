/**
 * The pieces an extension or CLI run builds once (src/extension.ts, src/cli/run.ts), built once for the tests
 * and the benchmarks: the vocabularies found above the code, detection with the grammars of the npm packages.
 * The functions below are the store's and the detector's, under the names the tests read.
 */
import { Detector, GrammarLoader } from '../src/core/detect';
import { countRequest as countRequestOn, type Family, VocabStore } from '../src/core/offline';
import type { MessagesBody } from '../src/core/types';

export const vocabs = new VocabStore();
export const detector = new Detector(new GrammarLoader());

export const detectRequests: Detector['detect'] = (text, languageId, options) => detector.detect(text, languageId, options);
export const countRequest = (body: MessagesBody, model: string) => countRequestOn(body, model, vocabs);
export const countText = (text: string, family: Family) => vocabs.countText(text, family);
export const countInner = (text: string, family: Family) => vocabs.countInner(text, family);
export const countUserMessage = (text: string, family: Family) => vocabs.countUserMessage(text, family);
export const loadFamily = (family: Family) => vocabs.tokenizer(family);
