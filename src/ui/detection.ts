import * as path from 'node:path';
import type * as Detect from '../core/detect';
import type * as Remote from '../core/detect/remote';
import type { ServiceDeps } from '../core/service';

/**
 * The extension's detection, built with the grammars of its bundle. It runs in a worker thread
 * (dist/detectWorker.js), so parsing a large document never holds the editor; the worker starts when the
 * first document is read, not at activation. Should it fail, detection runs in this thread (dist/detect.js,
 * with the tree-sitter runtime and grammars next to extension.js) and the log says why.
 */
export function lazyDetection(extensionPath: string, log?: (message: string) => void): Pick<ServiceDeps, 'detect' | 'forgetDocument'> & { dispose(): void; runsIn(): Remote.RemoteDetector['runsIn'] } {
	let detector: Remote.RemoteDetector | undefined;
	const dist = path.join(extensionPath, 'dist');
	const grammars: Detect.GrammarPaths = { treeSitterWasm: path.join(dist, 'tree-sitter.wasm'), grammarDir: dist };
	return {
		detect: (...args) => {
			if (!detector) {
				const { RemoteDetector } = require('../core/detect/remote') as typeof Remote;
				detector = new RemoteDetector({
					start: () => {
						const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
						return new Worker(path.join(dist, 'detectWorker.js'), { workerData: { grammars } });
					},
					inProcess: () => {
						const detection = require('../core/detect') as typeof Detect;
						return new detection.Detector(new detection.GrammarLoader(grammars));
					},
					log,
				});
			}
			return detector.detect(...args);
		},
		forgetDocument: (fileName) => detector?.forgetDocument(fileName),
		dispose: () => detector?.dispose(),
		runsIn: () => detector?.runsIn,
	};
}
