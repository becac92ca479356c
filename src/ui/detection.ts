import * as path from 'node:path';
import type * as Detect from '../core/detect';
import type { ServiceDeps } from '../core/service';

/**
 * Detection (parsers, grammars) loads when the first document is read, not at activation: the bundle ships it
 * as its own file (esbuild.js), with the tree-sitter runtime and grammars next to extension.js. Until then there
 * is no cache of a closed document to drop.
 */
export function lazyDetection(extensionPath: string): Pick<ServiceDeps, 'detect' | 'forgetDocument'> {
	let detection: typeof Detect | undefined;
	return {
		detect: (...args) => {
			if (!detection) {
				detection = require('../core/detect') as typeof Detect;
				detection.configureGrammars({ treeSitterWasm: path.join(extensionPath, 'dist', 'tree-sitter.wasm'), grammarDir: path.join(extensionPath, 'dist') });
			}
			return detection.detectRequests(...args);
		},
		forgetDocument: (fileName) => detection?.forgetDocument(fileName),
	};
}
