/**
 * Text that did not come from this extension (a document's model id or JSON path, a setting, a server's
 * error message) made inert for a MarkdownString: every character that can start a link, an autolink, a
 * code span, emphasis, a table cell, an HTML tag or entity, or a theme icon is backslash-escaped, and line
 * breaks become spaces, so the text can never open a link (a `command:` link in a trusted tooltip).
 */
export function mdText(text: string): string {
	return text.replace(/\r\n?|\n|\u2028|\u2029/g, ' ').replace(/[\\`*_[\]()<>|~$&:@!]/g, (c) => `\\${c}`);
}

/**
 * Text from a document, a file name, a setting or a server for a notification. Notifications turn
 * `[label](command:…)` into a link that runs the command when clicked; a zero-width space between `]` and
 * `(` keeps that from ever forming, while the text reads the same.
 */
export function noLinks(text: string): string {
	return text.replace(/\]\s*\(/g, (m) => `${m.slice(0, 1)}\u200b${m.slice(1)}`);
}
