/** Shared helpers of the detection tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RequestSite, TextRange } from '../../src/core/types';

export const fixtures = path.resolve(__dirname, '../../../test/fixtures/detect');

export function readFixture(name: string): string {
	return fs.readFileSync(path.join(fixtures, name), 'utf8');
}

/** Expected ranges written into a fixture as comments: `/*<*​/ …request… /*>*​/`. */
export function markedRanges(text: string): TextRange[] {
	const ranges: TextRange[] = [];
	for (let open = text.indexOf('/*<*/'); open >= 0; open = text.indexOf('/*<*/', open + 1)) {
		const start = open + '/*<*/'.length;
		ranges.push({ start, end: text.indexOf('/*>*/', start) });
	}
	return ranges;
}

export function slice(text: string, range: TextRange): string {
	return text.slice(range.start, range.end);
}

export function partText(text: string, site: RequestSite, p: string): string | undefined {
	const part = site.parts.find(x => x.path === p);
	return part ? slice(text, part.range) : undefined;
}
