/**
 * What one CLI run builds once and hands to its commands: the vocabularies of the offline tokenizer and
 * detection with its grammars, each with the paths of where the CLI runs from. Both load on first use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Detector, GrammarLoader, type GrammarPaths } from '../core/detect';
import { VocabStore } from '../core/offline';

export interface CliRun {
	readonly vocabs: VocabStore;
	readonly detector: Detector;
}

/** The bundle (dist/cli.js) ships the tree-sitter wasm files next to itself; outside it they come from node_modules. */
function grammarPaths(): GrammarPaths {
	const runtime = path.join(__dirname, 'tree-sitter.wasm');
	return fs.existsSync(runtime) && fs.existsSync(path.join(__dirname, 'tree-sitter-python.wasm'))
		? { treeSitterWasm: runtime, grammarDir: __dirname }
		: {};
}

/** The run's pieces: the vocabularies are the `data/ctok` found above the CLI (the package ships it beside dist/). */
export function cliRun(): CliRun {
	return { vocabs: new VocabStore(), detector: new Detector(new GrammarLoader(grammarPaths())) };
}
