/**
 * What of a prompt file reaches the model: which parts are metadata (front matter of formats that say so),
 * which are template syntax left unresolved (`{{variable}}`, `${input:x}`), and the text that is counted.
 * Pure: no editor dependency.
 */
import type { TextRange } from '../types';
import { type FrontMatter, parseFrontMatter } from './frontMatter';

/**
 * markdown       — any Markdown or text prompt: every character is prompt text
 * vscode-prompt  — VS Code prompt, instructions and agent files (`*.prompt.md`, …): the front matter is
 *                  configuration read by the editor, not sent
 * prompty        — `.prompty`: YAML front matter (model configuration, sample inputs) + a Jinja template
 * claude-md      — CLAUDE.md / CLAUDE.local.md / AGENTS.md: loaded as is, block HTML comments stripped
 * claude-skill   — `.claude/skills/<name>/SKILL.md`: front matter lists the skill, the body loads on use
 * claude-agent   — `.claude/agents/*.md`: front matter lists the sub-agent, the body is its system prompt
 * claude-rule    — `.claude/rules/*.md`: front matter (`paths`) scopes the rule, the body is loaded
 * claude-command — `.claude/commands/*.md`: front matter describes the command, the body runs on use
 */
export type PromptKind = 'markdown' | 'vscode-prompt' | 'prompty' | 'claude-md' | 'claude-skill' | 'claude-agent' | 'claude-rule' | 'claude-command';

export interface Placeholder {
	/** As written, e.g. `{{ user_name }}` or `${input:topic}`. */
	readonly text: string;
	/** The variable's name, e.g. `user_name`, `input:topic`. */
	readonly name: string;
	readonly range: TextRange;
}

export interface PromptDocument {
	readonly kind: PromptKind;
	readonly frontMatter?: FrontMatter;
	/** Whether the front matter is sent with the prompt (only for plain Markdown, where nothing says otherwise). */
	readonly frontMatterCounted: boolean;
	/** Template variables left unresolved: counted as 0, so the figure is a lower bound ("≥"). */
	readonly placeholders: readonly Placeholder[];
	/** Other parts left out of the count, each with why (HTML comments, Jinja statements, role markers). */
	readonly removed: readonly { readonly range: TextRange; readonly reason: string }[];
	/** The text that is counted: the file with every excluded range taken out. */
	readonly countedText: string;
	/** The body: the text after the front matter (or all of it), before anything was taken out. */
	readonly body: TextRange;
}

function baseName(fileName: string): string {
	return fileName.split(/[\\/]/).pop() ?? fileName;
}

function slashed(fileName: string): string {
	return fileName.replace(/\\/g, '/');
}

/** Which kind of prompt file a path names (by name and folder only; the text is not read). */
export function promptKindOf(fileName: string): PromptKind {
	const name = baseName(fileName);
	const path = `/${slashed(fileName)}`;
	const lower = name.toLowerCase();
	if (lower.endsWith('.prompty')) {
		return 'prompty';
	}
	// VS Code: reusable prompts, custom instructions and custom agents (chat modes) share one format.
	if (/\.(?:prompt|instructions|chatmode|agent)\.md$/i.test(name)) {
		return 'vscode-prompt';
	}
	if (/^(?:CLAUDE|CLAUDE\.local|AGENTS)\.md$/i.test(name)) {
		return 'claude-md';
	}
	if (/\/\.claude\/skills\/[^/]+\/SKILL\.md$/i.test(path)) {
		return 'claude-skill';
	}
	if (/\/\.claude\/agents\/.+\.md$/i.test(path)) {
		return 'claude-agent';
	}
	if (/\/\.claude\/rules\/.+\.md$/i.test(path)) {
		return 'claude-rule';
	}
	if (/\/\.claude\/commands\/.+\.md$/i.test(path)) {
		return 'claude-command';
	}
	return 'markdown';
}

/** `{{ name }}`, `{{{name}}}` (Mustache, Handlebars, Jinja, Prompty); expressions such as `{{ a.b | upper }}` too. */
const MUSTACHE = /\{\{\{?\s*([^{}\n]{1,200}?)\s*\}?\}\}/g;
/** VS Code prompt-file variables: `${input:name}`, `${input:name:placeholder}`, `${selection}`, `${file}`, … */
const VSCODE_VARIABLE = /\$\{(input:[A-Za-z0-9_.-]+(?::[^}\n]*)?|selection|selectedText|file|fileBasename|fileDirname|fileBasenameNoExtension|workspaceFolder|workspaceFolderBasename)\}/g;
/** Jinja statements and comments in a Prompty template: rendered away, so not counted. */
const JINJA_STATEMENT = /\{%-?[\s\S]{0,2000}?-?%\}/g;
const JINJA_COMMENT = /\{#[\s\S]{0,20000}?#\}/g;
/** A Prompty role line (`system:`, `user:`, `assistant:`) starts a message; the line itself is not sent. */
const PROMPTY_ROLE = /^[ \t]*(?:system|user|assistant)[ \t]*:[ \t]*(?:\r?\n|$)/gim;
/** Block-level HTML comments, which Claude Code strips from CLAUDE.md before loading it. */
const HTML_BLOCK_COMMENT = /^[ \t]*<!--[\s\S]*?-->[ \t]*(?:\r?\n|$)/gm;

/** Ranges covered by fenced code blocks: Claude Code keeps HTML comments inside them. */
export function fencedBlocks(text: string, from = 0): TextRange[] {
	const out: TextRange[] = [];
	const fence = /^[ \t]{0,3}(`{3,}|~{3,})[^\n]*$/gm;
	fence.lastIndex = from;
	let open: { start: number; marker: string } | undefined;
	for (let m = fence.exec(text); m; m = fence.exec(text)) {
		const marker = m[1];
		if (!open) {
			open = { start: m.index, marker };
		} else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && m[0].trim() === marker) {
			out.push({ start: open.start, end: m.index + m[0].length });
			open = undefined;
		}
	}
	if (open) {
		out.push({ start: open.start, end: text.length });
	}
	return out;
}

function inside(ranges: readonly TextRange[], offset: number): boolean {
	return ranges.some((r) => r.start <= offset && offset < r.end);
}

function collect(re: RegExp, text: string, from: number, each: (m: RegExpExecArray) => void): void {
	re.lastIndex = from;
	for (let m = re.exec(text); m; m = re.exec(text)) {
		if (m[0].length === 0) {
			re.lastIndex++;
			continue;
		}
		each(m);
	}
}

/** Splits a prompt file into what is counted and what is not. Never throws: odd input is counted as text. */
export function analyzePrompt(text: string, fileName: string, kind: PromptKind = promptKindOf(fileName)): PromptDocument {
	const source = typeof text === 'string' ? text : '';
	const fm = parseFrontMatter(source);
	const frontMatterCounted = fm !== undefined && (kind === 'markdown' || kind === 'claude-md');
	const bodyStart = fm ? fm.range.end : 0;
	const excluded: { range: TextRange; reason: string }[] = [];
	const placeholders: Placeholder[] = [];
	if (fm && !frontMatterCounted) {
		excluded.push({ range: fm.range, reason: 'front matter' });
	}

	if (kind === 'claude-md') {
		const fences = fencedBlocks(source, bodyStart);
		collect(HTML_BLOCK_COMMENT, source, bodyStart, (m) => {
			if (!inside(fences, m.index)) {
				excluded.push({ range: { start: m.index, end: m.index + m[0].length }, reason: 'HTML comment (stripped by Claude Code)' });
			}
		});
	}
	if (kind === 'prompty') {
		collect(JINJA_COMMENT, source, bodyStart, (m) => excluded.push({ range: { start: m.index, end: m.index + m[0].length }, reason: 'template comment' }));
		collect(JINJA_STATEMENT, source, bodyStart, (m) => excluded.push({ range: { start: m.index, end: m.index + m[0].length }, reason: 'template statement (rendered away)' }));
		collect(PROMPTY_ROLE, source, bodyStart, (m) => excluded.push({ range: { start: m.index, end: m.index + m[0].length }, reason: 'role marker (starts a message)' }));
	}
	// Claude Code's own formats have no template variables ($ARGUMENTS is the user's typed text); others may.
	if (kind === 'markdown' || kind === 'vscode-prompt' || kind === 'prompty') {
		collect(MUSTACHE, source, bodyStart, (m) => {
			placeholders.push({ text: m[0], name: m[1].trim(), range: { start: m.index, end: m.index + m[0].length } });
		});
	}
	if (kind === 'vscode-prompt') {
		collect(VSCODE_VARIABLE, source, bodyStart, (m) => {
			placeholders.push({ text: m[0], name: m[1], range: { start: m.index, end: m.index + m[0].length } });
		});
	}

	// Placeholders inside an excluded range (a comment, a statement) are not placeholders of the prompt.
	const kept = placeholders.filter((p) => !excluded.some((e) => e.range.start <= p.range.start && p.range.end <= e.range.end));
	kept.sort((a, b) => a.range.start - b.range.start);
	const cut = mergeRanges([...excluded.map((e) => e.range), ...kept.map((p) => p.range)]);
	let counted = '';
	let at = 0;
	for (const r of cut) {
		counted += source.slice(at, r.start);
		at = Math.max(at, r.end);
	}
	counted += source.slice(at);
	if (counted.charCodeAt(0) === 0xfeff) {
		counted = counted.slice(1);
	}
	return {
		kind,
		frontMatter: fm,
		frontMatterCounted,
		placeholders: kept,
		removed: excluded.filter((e) => e.reason !== 'front matter').sort((a, b) => a.range.start - b.range.start),
		countedText: counted,
		body: { start: bodyStart, end: source.length },
	};
}

/** Sorted, non-overlapping union of ranges. */
export function mergeRanges(ranges: readonly TextRange[]): TextRange[] {
	const sorted = [...ranges].sort((a, b) => a.start - b.start);
	const out: TextRange[] = [];
	for (const r of sorted) {
		const last = out[out.length - 1];
		if (last && r.start <= last.end) {
			out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
		} else {
			out.push({ start: r.start, end: r.end });
		}
	}
	return out;
}

/** Distinct placeholder names with how often each occurs, in first-seen order. */
export function placeholderSummary(placeholders: readonly Placeholder[]): { name: string; text: string; count: number }[] {
	const seen = new Map<string, { name: string; text: string; count: number }>();
	for (const p of placeholders) {
		const entry = seen.get(p.name);
		if (entry) {
			entry.count++;
		} else {
			seen.set(p.name, { name: p.name, text: p.text, count: 1 });
		}
	}
	return [...seen.values()];
}
