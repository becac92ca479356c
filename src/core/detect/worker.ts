/**
 * The detection worker's script (dist/detectWorker.js): one detector, with the grammars its parent names,
 * answering the parent's messages (remote.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Detector, GrammarLoader, type GrammarPaths } from './index';
import { serveDetection } from './remote';

if (parentPort) {
	serveDetection(parentPort, new Detector(new GrammarLoader((workerData as { grammars?: GrammarPaths } | undefined)?.grammars ?? {})));
}
