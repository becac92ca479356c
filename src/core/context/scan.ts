/**
 * What a Claude Code session started in a folder loads on every turn and on demand: CLAUDE.md files and
 * their `@path` imports, rules, skills, sub-agents, commands and MCP servers, each counted offline.
 * Pure TypeScript over node's file system; no editor dependency (the CLI runs the same code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import type { Family, VocabStore } from '../offline';
import { analyzePrompt, fencedBlocks, type PromptKind } from '../prompt/promptFile';
import { booleanField, stringField } from '../prompt/frontMatter';
import {
	CLAUDE_MD_SKIP_BYTES, CLAUDE_MD_TARGET_LINES, CLAUDE_MD_WARN_CHARS, MAX_IMPORT_HOPS, MCP_NOTE,
	SKILL_KEPT_AFTER_COMPACTION, SKILL_LISTING_BUDGET_FRACTION, SKILL_LISTING_ENTRY_CHARS, SOURCES,
} from './limits';

/**
 * every-turn  — in the context of every request of the session
 * on-demand   — loaded when used (a skill's or command's body, a path-scoped rule, a nested CLAUDE.md)
 * own-context — the system prompt of a sub-agent: its own context window, not the session's
 * run-time    — only known while the session runs (MCP tool definitions)
 */
export type LoadWhen = 'every-turn' | 'on-demand' | 'own-context' | 'run-time';

export type ContextItemKind =
	| 'user-memory' | 'ancestor-memory' | 'project-memory' | 'local-memory' | 'import' | 'nested-memory'
	| 'rule' | 'skill' | 'skill-body' | 'agent' | 'agent-body' | 'command' | 'command-body' | 'mcp-server';

export interface ContextWarning {
	readonly message: string;
	/** Where the limit is documented. */
	readonly source: string;
	readonly file?: string;
}

export interface ContextItem {
	readonly kind: ContextItemKind;
	readonly label: string;
	/** Absolute path of the file the item comes from. */
	readonly file?: string;
	readonly load: LoadWhen;
	/** Undefined when the size is only known at run time (MCP servers) or the file was not loaded. */
	readonly tokens?: number;
	/** The figure counts text whose exact framing Claude Code does not publish (listing entries). */
	readonly approximate: boolean;
	/** Import hops from the memory file that starts the chain (imports only). */
	readonly depth?: number;
	readonly children: readonly ContextItem[];
	readonly notes: readonly string[];
	readonly warnings: readonly ContextWarning[];
}

export interface ContextScanOptions {
	readonly family: Family;
	/** The run's vocabularies, which the items are counted on. */
	readonly vocabs: VocabStore;
	/** Context window of the chosen model: shares and the skill-listing budget are measured against it. */
	readonly contextWindow?: number;
	/** The user's home folder (for ~/.claude/CLAUDE.md and `@~/` imports); none: the user's files are skipped. */
	readonly home?: string;
	/** Read CLAUDE.md files in the folders above the root, as Claude Code does (default true). */
	readonly ancestors?: boolean;
	/** Upper bound on folders visited when looking for nested CLAUDE.md files (default 20,000). */
	readonly maxFolders?: number;
}

export interface ContextScan {
	readonly root: string;
	readonly family: Family;
	readonly items: readonly ContextItem[];
	/** Every item (children included) in reading order. */
	readonly flat: readonly ContextItem[];
	readonly everyTurnTokens: number;
	readonly onDemandTokens: number;
	readonly warnings: readonly ContextWarning[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', 'build', '.venv', 'venv', '__pycache__', '.vscode-test', '.vscode-test-web', 'target']);

interface Loaded {
	readonly text?: string;
	/** Why the file's text is not there (missing, too large, binary, unreadable). */
	readonly problem?: string;
	readonly tooLarge?: boolean;
}

function readTextFile(file: string): Loaded {
	let size: number;
	try {
		const st = fs.statSync(file);
		if (!st.isFile()) {
			return { problem: 'not a file' };
		}
		size = st.size;
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		return { problem: code === 'ENOENT' ? 'not found' : `unreadable (${code ?? 'error'})` };
	}
	if (size > CLAUDE_MD_SKIP_BYTES) {
		return { problem: `larger than 4 MiB (${(size / 1024 / 1024).toFixed(1)} MiB)`, tooLarge: true };
	}
	let buf: Buffer;
	try {
		buf = fs.readFileSync(file);
	} catch (err) {
		return { problem: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
	}
	if (buf.subarray(0, 8192).includes(0)) {
		return { problem: 'a binary file' };
	}
	const text = buf.toString('utf8');
	return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

function listDir(dir: string): fs.Dirent[] {
	try {
		return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	} catch {
		return [];
	}
}

function isDir(p: string): boolean {
	try {
		return fs.statSync(p).isDirectory();
	} catch {
		return false;
	}
}

/** Markdown files below a folder, recursively (symlinked folders followed once), sorted. */
function markdownFiles(dir: string, seen = new Set<string>()): string[] {
	let real: string;
	try {
		real = fs.realpathSync(dir);
	} catch {
		return [];
	}
	if (seen.has(real)) {
		return [];
	}
	seen.add(real);
	const out: string[] = [];
	for (const e of listDir(dir)) {
		const full = path.join(dir, e.name);
		if (e.isDirectory() || (e.isSymbolicLink() && isDir(full))) {
			out.push(...markdownFiles(full, seen));
		} else if (/\.md$/i.test(e.name)) {
			out.push(full);
		}
	}
	return out;
}

/** `@path` mentions outside code spans and fenced blocks, in order. */
export function importsOf(text: string): string[] {
	const fences = fencedBlocks(text);
	let plain = '';
	let at = 0;
	for (const f of fences) {
		plain += text.slice(at, f.start) + '\n';
		at = f.end;
	}
	plain += text.slice(at);
	// Code spans: `…` on one line (any run of backticks).
	plain = plain.replace(/(`+)[^`\n]*?\1/g, ' ');
	const out: string[] = [];
	const re = /(^|[\s(])@((?:[^\s\\`()<>]|\\ )+)/g;
	for (let m = re.exec(plain); m; m = re.exec(plain)) {
		out.push(m[2].replace(/\\ /g, ' '));
	}
	return out;
}

class Scanner {
	private readonly warnings: ContextWarning[] = [];
	/** Files already counted in the every-turn set, so a file imported twice is counted once. */
	private readonly loaded = new Map<string, string>();

	constructor(private readonly root: string, private readonly opts: ContextScanOptions) {}

	private tokens(text: string): number {
		return this.opts.vocabs.countText(text, this.opts.family);
	}

	private display(file: string): string {
		const rel = path.relative(this.root, file);
		if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
			return rel.split(path.sep).join('/');
		}
		if (this.opts.home) {
			const h = path.relative(this.opts.home, file);
			if (!h.startsWith('..') && !path.isAbsolute(h)) {
				return `~/${h.split(path.sep).join('/')}`;
			}
		}
		return file.split(path.sep).join('/');
	}

	private warn(w: ContextWarning, into: ContextWarning[]): void {
		into.push(w);
		this.warnings.push(w);
	}

	/** A CLAUDE.md-like file with its imports followed (at most MAX_IMPORT_HOPS hops). */
	memory(file: string, kind: ContextItemKind, load: LoadWhen, label: string): ContextItem | undefined {
		const r = readTextFile(file);
		if (r.problem === 'not found' || r.problem === 'not a file') {
			return undefined;
		}
		return this.memoryItem(file, r, kind, load, label, 0, [file], this.isProjectFile(file));
	}

	private isProjectFile(file: string): boolean {
		const rel = path.relative(this.root, file);
		return !rel.startsWith('..') && !path.isAbsolute(rel);
	}

	private memoryItem(file: string, r: Loaded, kind: ContextItemKind, load: LoadWhen, label: string, depth: number, chain: string[], projectScope: boolean): ContextItem {
		const warnings: ContextWarning[] = [];
		const notes: string[] = [];
		const shown = this.display(file);
		if (r.text === undefined) {
			if (r.tooLarge) {
				this.warn({ message: `${shown} is ${r.problem}: Claude Code skips it.`, source: SOURCES.size, file }, warnings);
			} else {
				notes.push(`Not loaded: ${r.problem}.`);
			}
			return { kind, label, file, load, approximate: false, depth: depth || undefined, children: [], notes, warnings };
		}
		const text = r.text;
		const doc = analyzePrompt(text, file, 'claude-md' satisfies PromptKind);
		const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
		if (depth === 0 && lines > CLAUDE_MD_TARGET_LINES) {
			this.warn({ message: `${shown} has ${lines} lines; Claude Code's docs advise under ${CLAUDE_MD_TARGET_LINES} (longer files reduce adherence).`, source: SOURCES.size, file }, warnings);
		}
		if (text.length > CLAUDE_MD_WARN_CHARS) {
			this.warn({ message: `${shown} has ${text.length.toLocaleString('en-US')} characters: over the ${CLAUDE_MD_WARN_CHARS / 1000}k-character limit Claude Code warns about at startup.`, source: SOURCES.warnChars, file }, warnings);
		}
		if (doc.removed.length > 0) {
			notes.push(`${doc.removed.length} HTML comment${doc.removed.length === 1 ? '' : 's'} stripped (not loaded).`);
		}
		if (load === 'every-turn') {
			this.loaded.set(path.resolve(file), shown);
		}
		const children: ContextItem[] = [];
		for (const spec of importsOf(doc.countedText)) {
			const child = this.importItem(spec, file, load, depth + 1, chain, projectScope, warnings, notes);
			if (child) {
				children.push(child);
			}
		}
		return { kind, label, file, load, tokens: this.tokens(doc.countedText), approximate: false, depth: depth || undefined, children, notes, warnings };
	}

	private resolveImport(spec: string, from: string): string | undefined {
		const candidates = [spec];
		const trimmed = spec.replace(/[.,;:!?'")\]}]+$/, '');
		if (trimmed && trimmed !== spec) {
			candidates.push(trimmed);
		}
		for (const c of candidates) {
			let p: string;
			if (c.startsWith('~/')) {
				if (!this.opts.home) {
					continue;
				}
				p = path.join(this.opts.home, c.slice(2));
			} else {
				p = path.isAbsolute(c) ? c : path.resolve(path.dirname(from), c);
			}
			try {
				if (fs.statSync(p).isFile()) {
					return p;
				}
			} catch {
				// try the next form
			}
		}
		return undefined;
	}

	private importItem(spec: string, from: string, load: LoadWhen, depth: number, chain: string[], projectScope: boolean, warnings: ContextWarning[], notes: string[]): ContextItem | undefined {
		const target = this.resolveImport(spec, from);
		if (!target) {
			// Only what reads like a path is reported: "@someone" in prose is not an import that failed.
			if (/[/.]/.test(spec)) {
				notes.push(`@${spec}: no such file (not loaded).`);
			}
			return undefined;
		}
		const shown = this.display(target);
		const key = path.resolve(target);
		if (chain.map((c) => path.resolve(c)).includes(key)) {
			this.warn({ message: `Import cycle: ${this.display(from)} imports ${shown}, which is already in the chain; Claude Code does not load it again.`, source: SOURCES.imports, file: from }, warnings);
			return undefined;
		}
		if (depth > MAX_IMPORT_HOPS) {
			this.warn({ message: `${this.display(from)} imports ${shown} at hop ${depth}: beyond Claude Code's ${MAX_IMPORT_HOPS}-hop import limit, so it is not loaded.`, source: SOURCES.imports, file: from }, warnings);
			return undefined;
		}
		const first = load === 'every-turn' ? this.loaded.get(key) : undefined;
		if (first !== undefined) {
			notes.push(`@${spec}: already loaded (${first}); counted once.`);
			return undefined;
		}
		const r = readTextFile(target);
		const item = this.memoryItem(target, r, 'import', load, shown, depth, [...chain, target], projectScope);
		if (projectScope && !this.isProjectFile(target)) {
			return { ...item, notes: [...item.notes, 'External import (outside the folder): Claude Code asks for approval the first time, and skips it if declined.'] };
		}
		return item;
	}

	rules(dir: string): ContextItem[] {
		return markdownFiles(dir).map((file) => {
			const r = readTextFile(file);
			const shown = this.display(file);
			if (r.text === undefined) {
				return { kind: 'rule' as const, label: shown, file, load: 'every-turn' as const, approximate: false, children: [], notes: [`Not loaded: ${r.problem}.`], warnings: [] };
			}
			const doc = analyzePrompt(r.text, file, 'claude-rule');
			const scoped = doc.frontMatter?.data.paths !== undefined;
			const notes = scoped ? [`Path-scoped (paths: ${describePaths(doc.frontMatter?.data.paths)}): loads when Claude reads a matching file.`] : [];
			return { kind: 'rule' as const, label: shown, file, load: scoped ? 'on-demand' as const : 'every-turn' as const, tokens: this.tokens(doc.countedText), approximate: false, children: [], notes, warnings: [] };
		});
	}

	/** A skill or command: its listing entry on every turn, its body on use. */
	listed(file: string, kind: 'skill' | 'command', fallbackName: string): ContextItem {
		const r = readTextFile(file);
		const shown = this.display(file);
		const warnings: ContextWarning[] = [];
		if (r.text === undefined) {
			return { kind, label: fallbackName, file, load: 'every-turn', approximate: false, children: [], notes: [`Not loaded: ${r.problem}.`], warnings };
		}
		const doc = analyzePrompt(r.text, file, kind === 'skill' ? 'claude-skill' : 'claude-command');
		const fm = doc.frontMatter;
		const notes: string[] = [];
		if (fm?.error) {
			notes.push(`${fm.error} Claude Code then loads the body with empty metadata.`);
		}
		const name = (kind === 'skill' ? stringField(fm, 'name') : undefined) || fallbackName;
		let description = [stringField(fm, 'description'), stringField(fm, 'when_to_use')].filter(Boolean).join(' ');
		if (!description) {
			// skills docs: without a description, "uses the first paragraph of markdown content".
			description = doc.countedText.trim().split(/\n\s*\n/)[0]?.replace(/\s+/g, ' ').trim() ?? '';
		}
		if (description.length > SKILL_LISTING_ENTRY_CHARS) {
			this.warn({ message: `${shown}: description is ${description.length.toLocaleString('en-US')} characters; the skill listing keeps the first ${SKILL_LISTING_ENTRY_CHARS.toLocaleString('en-US')}.`, source: SOURCES.skillEntry, file }, warnings);
			description = description.slice(0, SKILL_LISTING_ENTRY_CHARS);
		}
		const hidden = booleanField(fm, 'disable-model-invocation') === true;
		const bodyTokens = this.tokens(doc.countedText);
		if (kind === 'skill' && bodyTokens > SKILL_KEPT_AFTER_COMPACTION) {
			this.warn({ message: `${shown}: the body is ${bodyTokens.toLocaleString('en-US')} tokens; after compaction Claude Code keeps only its first ${SKILL_KEPT_AFTER_COMPACTION.toLocaleString('en-US')}.`, source: SOURCES.compaction, file }, warnings);
		}
		const body: ContextItem = { kind: kind === 'skill' ? 'skill-body' : 'command-body', label: `${path.basename(file)} (body)`, file, load: 'on-demand', tokens: bodyTokens, approximate: false, children: [], notes: [], warnings: [] };
		if (hidden) {
			notes.push('disable-model-invocation: not in the listing; loads only when you type /' + name + '.');
		}
		// The listing's exact framing is internal to Claude Code: one "- name: description" line per entry.
		const entry = hidden ? 0 : this.tokens(`- ${name}: ${description}\n`);
		return { kind, label: `/${name}`, file, load: 'every-turn', tokens: entry, approximate: !hidden, children: [body], notes, warnings };
	}

	agent(file: string): ContextItem {
		const r = readTextFile(file);
		const shown = this.display(file);
		const warnings: ContextWarning[] = [];
		const fallback = path.basename(file, path.extname(file));
		if (r.text === undefined) {
			return { kind: 'agent', label: fallback, file, load: 'every-turn', approximate: false, children: [], notes: [`Not loaded: ${r.problem}.`], warnings };
		}
		const doc = analyzePrompt(r.text, file, 'claude-agent');
		const name = stringField(doc.frontMatter, 'name');
		const description = stringField(doc.frontMatter, 'description');
		const body: ContextItem = { kind: 'agent-body', label: `${path.basename(file)} (system prompt)`, file, load: 'own-context', tokens: this.tokens(doc.countedText), approximate: false, children: [], notes: [], warnings: [] };
		if (!name || !description) {
			this.warn({ message: `${shown}: no ${!name ? 'name' : 'description'} in the front matter; Claude Code skips this sub-agent.`, source: SOURCES.agents, file }, warnings);
			return { kind: 'agent', label: name ?? fallback, file, load: 'every-turn', tokens: 0, approximate: false, children: [body], notes: [], warnings };
		}
		const entry = this.tokens(`- ${name}: ${description}\n`);
		return { kind: 'agent', label: name, file, load: 'every-turn', tokens: entry, approximate: true, children: [body], notes: [], warnings };
	}

	mcp(file: string): ContextItem[] {
		const r = readTextFile(file);
		if (r.text === undefined) {
			return r.problem === 'not found' ? [] : [{ kind: 'mcp-server', label: '.mcp.json', file, load: 'run-time', approximate: false, children: [], notes: [`Not read: ${r.problem}.`], warnings: [] }];
		}
		const errors: ParseError[] = [];
		const json = parseJsonc(r.text, errors, { allowTrailingComma: true }) as { mcpServers?: Record<string, unknown> } | undefined;
		const servers = json && typeof json === 'object' && json.mcpServers && typeof json.mcpServers === 'object' ? json.mcpServers : undefined;
		if (!servers) {
			return [{ kind: 'mcp-server', label: '.mcp.json', file, load: 'run-time', approximate: false, children: [], notes: [errors.length ? '.mcp.json is not valid JSON.' : 'No "mcpServers" object in .mcp.json.'], warnings: [] }];
		}
		return Object.entries(servers).map(([name, cfg]) => {
			const c = (cfg && typeof cfg === 'object' ? cfg : {}) as Record<string, unknown>;
			const how = typeof c.url === 'string' ? `${String(c.type ?? 'http')} ${c.url}` : typeof c.command === 'string' ? `stdio: ${[c.command, ...(Array.isArray(c.args) ? c.args : [])].join(' ')}` : String(c.type ?? 'unknown transport');
			return { kind: 'mcp-server' as const, label: name, file, load: 'run-time' as const, approximate: false, children: [], notes: [how, MCP_NOTE], warnings: [] };
		});
	}

	nested(maxFolders: number): ContextItem[] {
		const out: ContextItem[] = [];
		let visited = 0;
		const walk = (dir: string) => {
			for (const e of listDir(dir)) {
				if (!e.isDirectory() || SKIP_DIRS.has(e.name) || e.name.startsWith('.')) {
					continue;
				}
				if (++visited > maxFolders) {
					return;
				}
				const sub = path.join(dir, e.name);
				for (const [name, kind] of [['CLAUDE.md', 'nested-memory'], ['CLAUDE.local.md', 'nested-memory']] as const) {
					const item = this.memory(path.join(sub, name), kind, 'on-demand', this.display(path.join(sub, name)));
					if (item) {
						out.push({ ...item, notes: ['Loads when Claude reads files in this folder.', ...item.notes] });
					}
				}
				walk(sub);
			}
		};
		walk(this.root);
		return out;
	}

	get allWarnings(): readonly ContextWarning[] {
		return this.warnings;
	}

	listingBudgetCheck(listing: readonly ContextItem[]): void {
		const window = this.opts.contextWindow;
		if (!window) {
			return;
		}
		const total = listing.reduce((n, i) => n + (i.tokens ?? 0), 0);
		const budget = Math.floor(window * SKILL_LISTING_BUDGET_FRACTION);
		if (total > budget) {
			this.warnings.push({ message: `The skill and command listing is about ${total.toLocaleString('en-US')} tokens, over its budget of 1% of the context window (≈ ${budget.toLocaleString('en-US')}): Claude Code shortens the descriptions of the least used skills.`, source: SOURCES.skillBudget });
		}
	}
}

function describePaths(v: unknown): string {
	const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
	const shown = list.slice(0, 3).join(', ');
	return list.length > 3 ? `${shown}, …` : shown || '(empty)';
}

function flatten(items: readonly ContextItem[], out: ContextItem[] = []): ContextItem[] {
	for (const i of items) {
		out.push(i);
		flatten(i.children, out);
	}
	return out;
}

/** Scans the folder a Claude Code session would start in. Never throws on unreadable or malformed files. */
export function scanClaudeContext(folder: string, opts: ContextScanOptions): ContextScan {
	const root = path.resolve(folder);
	const s = new Scanner(root, opts);
	const items: ContextItem[] = [];
	const push = (i: ContextItem | undefined) => { if (i) { items.push(i); } };

	if (opts.home) {
		push(s.memory(path.join(opts.home, '.claude', 'CLAUDE.md'), 'user-memory', 'every-turn', '~/.claude/CLAUDE.md (user)'));
	}
	if (opts.ancestors !== false) {
		const above: string[] = [];
		for (let dir = path.dirname(root); dir !== path.dirname(dir); dir = path.dirname(dir)) {
			above.unshift(dir);
		}
		// memory: content is ordered "from the filesystem root down to your working directory".
		for (const dir of above) {
			push(s.memory(path.join(dir, 'CLAUDE.md'), 'ancestor-memory', 'every-turn', path.join(dir, 'CLAUDE.md').split(path.sep).join('/')));
			push(s.memory(path.join(dir, 'CLAUDE.local.md'), 'ancestor-memory', 'every-turn', path.join(dir, 'CLAUDE.local.md').split(path.sep).join('/')));
		}
	}
	push(s.memory(path.join(root, 'CLAUDE.md'), 'project-memory', 'every-turn', 'CLAUDE.md'));
	push(s.memory(path.join(root, '.claude', 'CLAUDE.md'), 'project-memory', 'every-turn', '.claude/CLAUDE.md'));
	push(s.memory(path.join(root, 'CLAUDE.local.md'), 'local-memory', 'every-turn', 'CLAUDE.local.md'));
	items.push(...s.rules(path.join(root, '.claude', 'rules')));

	const listing: ContextItem[] = [];
	const skillsDir = path.join(root, '.claude', 'skills');
	const skillNames = new Set<string>();
	for (const e of listDir(skillsDir)) {
		const file = path.join(skillsDir, e.name, 'SKILL.md');
		if ((e.isDirectory() || e.isSymbolicLink()) && fs.existsSync(file)) {
			const item = s.listed(file, 'skill', e.name);
			skillNames.add(item.label);
			listing.push(item);
		}
	}
	const commandsDir = path.join(root, '.claude', 'commands');
	for (const file of markdownFiles(commandsDir)) {
		const name = path.relative(commandsDir, file).replace(/\.md$/i, '').split(path.sep).join(':');
		const item = s.listed(file, 'command', name);
		// skills: "if a skill and a command share the same name, the skill takes precedence".
		listing.push(skillNames.has(item.label) ? { ...item, tokens: 0, notes: [...item.notes, `A skill named ${item.label} takes precedence over this command.`] } : item);
	}
	items.push(...listing);
	s.listingBudgetCheck(listing);
	for (const file of markdownFiles(path.join(root, '.claude', 'agents'))) {
		items.push(s.agent(file));
	}
	items.push(...s.mcp(path.join(root, '.mcp.json')));
	items.push(...s.nested(opts.maxFolders ?? 20_000));

	const flat = flatten(items);
	const sum = (load: LoadWhen) => flat.filter((i) => i.load === load).reduce((n, i) => n + (i.tokens ?? 0), 0);
	return { root, family: opts.family, items, flat, everyTurnTokens: sum('every-turn'), onDemandTokens: sum('on-demand'), warnings: s.allWarnings };
}
