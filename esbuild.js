// Bundles the extension and the CLI. `--production` minifies; otherwise sourcemaps are written.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * The tree-sitter runtime and the grammars are WebAssembly files, each loaded on first use: shipped as
 * separate files next to the bundle. The list is detection's own (src/core/detect/treeSitter.ts).
 */
function copyWasm(out = path.join(__dirname, 'dist')) {
	fs.mkdirSync(out, { recursive: true });
	const source = fs.readFileSync(path.join(__dirname, 'src/core/detect/treeSitter.ts'), 'utf8');
	const files = [...source.matchAll(/pkg: '([^']+)', file: '([^']+)'/g)].map((m) => `${m[1]}/${m[2]}`);
	for (const file of ['web-tree-sitter/tree-sitter.wasm', ...files]) {
		fs.copyFileSync(require.resolve(file), path.join(out, path.basename(file)));
	}
	// dist/pdfjs.js is PDF.js (Apache-2.0): its license ships beside it.
	fs.copyFileSync(path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'LICENSE'), path.join(out, 'pdfjs.LICENSE.txt'));
}

const common = {
	bundle: true,
	platform: 'node',
	target: 'node20',
	format: 'cjs',
	// jsonc-parser's UMD build requires its parts dynamically, which a bundle cannot follow; take the ES build.
	mainFields: ['module', 'main'],
	minify: production,
	sourcemap: !production,
	sourcesContent: false,
	logLevel: 'warning',
	// The AWS SDK is loaded lazily and only for Bedrock counting; keep it a separate require in the bundle.
	external: ['vscode', 'tree-sitter-python/tree-sitter-python.wasm'],
};

/**
 * Compiles the vocabularies into the compact form the offline tokenizer loads fastest, so even the first
 * count after install needs no JSON parse. The tokenizer's own writer is bundled on the fly and run here.
 */
async function writeCompactVocabs(outDir = path.join(__dirname, 'dist')) {
	const tmp = path.join(__dirname, 'out', 'build-vocab.js');
	await esbuild.build({ ...common, minify: false, sourcemap: false, entryPoints: ['src/core/offline/vocab.ts'], outfile: tmp });
	const { writeCompactVocab } = require(tmp);
	const dir = path.join(outDir, 'ctok-compact');
	fs.rmSync(dir, { recursive: true, force: true });
	for (const file of ['pieces_v3.json', 'pieces_v4_7.json']) {
		writeCompactVocab(path.join(__dirname, 'data', 'ctok', file), dir);
	}
}

/**
 * PDF.js reads PDF pages for the offline estimate. It is large, so it is its own file, loaded on the first
 * PDF only (src/core/offline/pdf.ts); it runs without a canvas, which only rendering needs.
 */
function pdfjsEntry(outDir) {
	return {
		stdin: {
			contents: "export * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';\nexport * as worker from 'pdfjs-dist/legacy/build/pdf.worker.mjs';\n",
			resolveDir: __dirname,
			sourcefile: 'pdfjs-entry.mjs',
		},
		outfile: path.join(outDir, 'pdfjs.js'),
		external: ['canvas', 'path2d', '@napi-rs/canvas'],
		minify: true,
		sourcemap: false,
		// PDF.js reads `import.meta.url` only to find optional node packages, which the CJS bundle goes without.
		logLevel: 'error',
	};
}

/** The CLI alone, minified, with its wasm files and compiled vocabularies, into `outDir` (the npm package's dist/). */
async function buildCli(outDir) {
	copyWasm(outDir);
	await writeCompactVocabs(outDir);
	await esbuild.build({ ...common, minify: true, sourcemap: false, entryPoints: ['src/cli/main.ts'], outfile: path.join(outDir, 'cli.js'), banner: { js: '#!/usr/bin/env node' } });
	await esbuild.build({ ...common, ...pdfjsEntry(outDir) });
}

/**
 * The extension loads in pieces, so activation reads only the editor glue: each chunk below is its own file in
 * dist/, and a `require` of it from another bundle stays a `require('./<file>')` that runs on first use
 * (the source requires these lazily). Detection pulls in the parsers, which are chunks of their own.
 */
const chunks = [
	// What activate builds (src/parts.ts): required after activation returns, so VS Code's figure is extension.js alone.
	{ file: 'parts.js', entry: 'src/parts.ts', from: /^\.\/parts$/ },
	{ file: 'detect.js', entry: 'src/core/detect/index.ts', from: /^\.{1,2}\/(core\/)?detect$/ },
	{ file: 'web-tree-sitter.js', entry: 'web-tree-sitter', from: /^web-tree-sitter$/ },
	{ file: 'anthropic-sdk.js', entry: '@anthropic-ai/sdk', from: /^@anthropic-ai\/sdk$/ },
	{ file: 'bedrock-runtime.js', entry: '@aws-sdk/client-bedrock-runtime', from: /^@aws-sdk\/client-bedrock-runtime$/ },
	// The Claude Code context scanner, and the YAML parser of prompt files' front matter.
	{ file: 'context.js', entry: 'src/core/context/index.ts', from: /^\.\.\/core\/context$/ },
	{ file: 'js-yaml.js', entry: 'js-yaml', from: /^js-yaml$/ },
];

/** Worker threads' scripts, each a whole bundle of its own (the chunks it uses stay requires). */
const workers = [
	// Detection (src/core/detect/worker.ts, started by the first read: src/ui/detection.ts).
	{ file: 'detectWorker.js', entry: 'src/core/detect/worker.ts' },
];

/** Resolves the chunks' import paths (except the one being built) to the chunk files, left as requires. */
function chunkPlugin(self) {
	return {
		name: 'lazy-chunks',
		setup(build) {
			for (const chunk of chunks) {
				if (chunk === self) {
					continue;
				}
				build.onResolve({ filter: chunk.from }, (args) => {
					// Inside detect/ a './detect' would be a sibling module, not the chunk.
					if (chunk.file === 'detect.js' && args.importer.includes(`${path.sep}core${path.sep}detect${path.sep}`)) {
						return undefined;
					}
					return { path: `./${chunk.file}`, external: true };
				});
			}
		},
	};
}

async function main() {
	copyWasm();
	await writeCompactVocabs();
	const entries = [
		{ entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [chunkPlugin()] },
		...chunks.map((chunk) => ({
			entryPoints: [chunk.entry.startsWith('src/') ? chunk.entry : require.resolve(chunk.entry)],
			outfile: `dist/${chunk.file}`,
			plugins: [chunkPlugin(chunk)],
		})),
	];
	entries.push(...workers.map((w) => ({ entryPoints: [w.entry], outfile: `dist/${w.file}`, plugins: [chunkPlugin()] })));
	entries.push(pdfjsEntry(path.join(__dirname, 'dist')));
	if (fs.existsSync(path.join(__dirname, 'src/cli/main.ts'))) {
		entries.push({ entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } });
	}
	const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
	if (watch) {
		await Promise.all(contexts.map((c) => c.watch()));
		return;
	}
	await Promise.all(contexts.map((c) => c.rebuild()));
	await Promise.all(contexts.map((c) => c.dispose()));
}

module.exports = { buildCli, chunks, workers };

if (require.main === module) {
	main().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}
