/** Columns padded to their widest cell (in code points); the columns in `right` are right-aligned. */
export function textTable(header: string[], rows: string[][], right: ReadonlySet<number>): string {
	const all = [header, ...rows];
	const widths = header.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
	const line = (r: string[]) => r.map((cell, c) => {
		const pad = ' '.repeat(widths[c] - [...cell].length);
		return right.has(c) ? pad + cell : cell + pad;
	}).join('  ').trimEnd();
	return [line(header), ...rows.map(line)].join('\n');
}
