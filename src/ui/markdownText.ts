/**
 * Document-derived text (file names, placeholder names, front matter) shown inside a MarkdownString: every
 * Markdown and theme-icon character is escaped and line breaks are flattened, so a file can never inject
 * links, command URIs, HTML or icons into a trusted tooltip.
 */
export function escapeMarkdownText(text: string, max = 200): string {
	const flat = text.replace(/[\r\n\t]+/g, ' ');
	const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
	return short.replace(/[\\`*_{}[\]()<>#+\-.!|~$&:'"]/g, (c) => `\\${c}`);
}

/** Document-derived text as an inline code span (backslash escapes do not work inside one). */
export function codeSpan(text: string, max = 120): string {
	const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/`/g, "'");
	return `\`${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}\``;
}
