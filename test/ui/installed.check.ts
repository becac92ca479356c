// Smoke check of the packaged extension: the VSIX that `npm run package` wrote is installed into a fresh
// profile with `--install-extension`, and the workbench runs with no development folder, so everything seen
// here comes from the installed copy.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UiCheck } from '../vscode/uiChecks';
import { waitFor, waitForFrameText } from '../vscode/uiCheck';
import { repoRoot } from '../vscode/codeServer';

const root = repoRoot();
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
const vsix = path.join(root, `${manifest.name}-${manifest.version}.vsix`);

/** What the VSIX may hold at its top level: the bundle, assets, tokenizer data, notices and the manifest. */
const ALLOWED_TOP = new Set(['dist', 'media', 'data', 'schemas', 'package.json', 'README.md', 'readme.md', 'CHANGELOG.md', 'changelog.md', 'LICENSE', 'LICENSE.txt', 'NOTICE', '.vsixmanifest']);

function listFiles(dir: string, prefix = ''): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
		d.isDirectory() ? listFiles(path.join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`]);
}

export const checks: UiCheck[] = [
	{
		name: 'installed VSIX: status bar figure, CodeLens and the report work from the installed copy',
		options: {
			extensionDevelopmentPath: null,
			install: [vsix],
			workspace: path.join(root, 'examples'),
			settings: { 'claudeTokenMeter.countingMode': 'offline' },
			width: 1400,
			height: 900,
		},
		async run(wb) {
			assert.ok(fs.existsSync(vsix), `${vsix} is missing: run npm run package`);
			const installed = path.join(wb.server.tmp, 'extensions', `${manifest.publisher}.${manifest.name}-${manifest.version}`);
			assert.ok(fs.existsSync(path.join(installed, 'package.json')), `installed copy at ${installed}`);
			const files = listFiles(installed);
			const strays = files.filter((f) => !ALLOWED_TOP.has(f.split('/')[0]));
			assert.deepEqual(strays, [], 'the VSIX holds only dist/, media/, data/, README, CHANGELOG, LICENSE, NOTICE');
			for (const needed of ['dist/extension.js', 'dist/tree-sitter.wasm', 'data/ctok/pieces_v3.json', 'data/ctok/LICENSE', 'media/icon.png', 'media/report.css', 'media/walkthrough/example.json', 'media/walkthrough/counting.md', 'schemas/messages-request.schema.json', 'NOTICE']) {
				assert.ok(files.includes(needed), `${needed} is packaged`);
			}
			assert.ok(!files.some((f) => f.endsWith('.map') || f.startsWith('src/') || f === 'dist/cli.js'), 'no sources, maps or CLI bundle');
			// Every chunk the bundle loads lazily is packaged beside it.
			const { chunks } = require(path.join(root, 'esbuild.js')) as { chunks: { file: string }[] };
			for (const chunk of chunks) {
				assert.ok(files.includes(`dist/${chunk.file}`), `dist/${chunk.file} is packaged`);
			}

			await wb.openFile('plain-request.json');
			await waitFor(async () => (await wb.codeLensTexts()).some((t) => /[\d,]+ tokens · /.test(t)), 'a CodeLens with a token figure', 30_000);
			assert.match((await wb.codeLensTexts()).join('\n'), /[\d,]+ tokens · <?\$[\d.]+ .*claude-sonnet-5-5/);
			// Cursor inside the request: the status bar shows its figure.
			await wb.page.keyboard.press('Control+End');
			await wb.page.keyboard.press('ArrowUp');
			await wb.page.keyboard.press('ArrowUp');
			await waitFor(async () => (await wb.statusBarTexts()).some((t) => /[\d,]+ tok · <?\$[\d.]+/.test(t)), 'the status bar figure', 20_000);

			await wb.runCommand('Claude Token Meter: Estimate Request');
			const text = await waitForFrameText(wb.page, /Where the tokens go/, 'the report page');
			assert.match(text, /input tokens on claude-sonnet-5-5/);
			// The first-run notice is shown only by installed (production) copies, never by a development host.
			await waitFor(async () => /counts the tokens of Claude requests offline/.test(await wb.page.locator('.notifications-toasts').innerText().catch(() => '')), 'the first-run notice of an installed copy', 20_000);
			const shot = await wb.screenshot('installed-vsix-report');
			assert.ok(fs.statSync(shot).size > 20_000);
		},
	},
];
