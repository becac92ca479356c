import * as path from 'node:path';
import type * as Detect from '../core/detect';
import type { ServiceDeps } from '../core/service';

/**
 * The extension's detection, built with the grammars of its bundle: detection (parsers, grammars) loads when
 * the first document is read, not at activation. The bundle ships it as its own file (esbuild.js), with the
 * tree-sitter runtime and grammars next to extension.js. Until then there is no cache of a closed document to drop.
 */
export function lazyDetection(extensionPath: string): Pick<ServiceDeps, 'detect' | 'forgetDocument'> {
	let detector: Detect.Detector | undefined;
	return {
		detect: (...args) => {
			if (!detector) {
				const detection = require('../core/detect') as typeof Detect;
				const dist = path.join(extensionPath, 'dist');
				detector = new detection.Detector(new detection.GrammarLoader({ treeSitterWasm: path.join(dist, 'tree-sitter.wasm'), grammarDir: dist }));
			}
			return detector.detect(...args);
		},
		forgetDocument: (fileName) => detector?.forgetDocument(fileName),
	};
}
