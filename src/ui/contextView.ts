import * as os from 'node:os';
import * as vscode from 'vscode';
import { formatPct, formatTokens, formatUsd, lookupModel, type ModelOverrides } from '../core/cost';
import type * as Context from '../core/context';
import type { ContextItem, ContextReport, ContextRow, ContextWarning } from '../core/context';
import type { VocabStore } from '../core/offline';
import { familyFor } from '../core/prompt/count';
import { Disposable } from './dispose';
import { escapeMarkdownText } from './markdownText';

export const CONTEXT_VIEW_ID = 'claudeTokenMeter.context';

/** The scanner (file walking, .mcp.json parsing) loads when the view is first shown, not at activation. */
let contextModule: typeof Context | undefined;
function ctx(): typeof Context {
	contextModule ??= require('../core/context') as typeof Context;
	return contextModule;
}

type Node =
	| { type: 'folder'; folder: string; report: ContextReport }
	| { type: 'group'; group: 'every-turn' | 'on-use' | 'mcp' | 'warnings'; report: ContextReport }
	| { type: 'item'; item: ContextItem; report: ContextReport }
	| { type: 'warning'; warning: ContextWarning };

const ICON: Record<ContextItem['kind'], string> = {
	'user-memory': 'account', 'ancestor-memory': 'file', 'project-memory': 'file', 'local-memory': 'file', 'import': 'references',
	'nested-memory': 'file-submodule', 'rule': 'law', 'skill': 'tools', 'skill-body': 'book', 'agent': 'hubot', 'agent-body': 'book',
	'command': 'terminal', 'command-body': 'book', 'mcp-server': 'server',
};

/**
 * The "Claude Code Context" view: what a Claude Code session started in each workspace folder loads on
 * every turn, on use, and at run time, with tokens, share of the window and cost per turn on the default
 * model. Rescanned (debounced) when a Markdown file or .mcp.json changes, only while the view is visible.
 */
export class ContextViewController extends Disposable implements vscode.TreeDataProvider<Node> {
	private readonly changed = new vscode.EventEmitter<Node | undefined>();
	readonly onDidChangeTreeData = this.changed.event;
	private readonly reports = new Map<string, ContextReport>();
	private readonly view: vscode.TreeView<Node>;
	private timer: ReturnType<typeof setTimeout> | undefined;
	/** Set when files changed while the view was hidden; the first showing scans anyway. */
	private dirty = false;

	/** Items are counted offline on the run's vocabularies. */
	constructor(private readonly vocabs: VocabStore, private readonly settings: () => { readonly defaultModel: string; readonly overrides: ModelOverrides }) {
		super();
		this._register(this.changed);
		this.view = this._register(vscode.window.createTreeView(CONTEXT_VIEW_ID, { treeDataProvider: this, showCollapseAll: true }));
		this._register(this.view.onDidChangeVisibility((e) => {
			if (e.visible && this.dirty) {
				this.refresh();
			}
		}));
		for (const glob of ['**/*.md', '**/.mcp.json']) {
			const watcher = this._register(vscode.workspace.createFileSystemWatcher(glob));
			this._register(watcher.onDidChange(() => this.invalidate()));
			this._register(watcher.onDidCreate(() => this.invalidate()));
			this._register(watcher.onDidDelete(() => this.invalidate()));
		}
		this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.showContext', () => this.show()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.refreshContext', () => this.refresh()));
		this._register(vscode.commands.registerCommand('claudeTokenMeter.contextReport', (folder?: unknown) => this.openReport(folder)));
		this._register({ dispose: () => clearTimeout(this.timer) });
	}

	/** Scans one folder on the default model (also for tests and the report command). */
	reportFor(folder: string): ContextReport {
		const { defaultModel: model, overrides } = this.settings();
		const info = lookupModel(model, overrides);
		const scan = ctx().scanClaudeContext(folder, { family: familyFor(model, info), vocabs: this.vocabs, contextWindow: info?.contextWindow, home: os.homedir() });
		const report = ctx().contextReport(scan, model, info);
		this.reports.set(folder, report);
		return report;
	}

	/** Marks the figures stale; rescans soon if the view is visible. */
	invalidate(): void {
		this.dirty = true;
		clearTimeout(this.timer);
		if (this.view.visible) {
			this.timer = setTimeout(() => this.refresh(), 300);
		}
	}

	refresh(): void {
		this.dirty = false;
		this.reports.clear();
		this.changed.fire(undefined);
	}

	private async show(): Promise<void> {
		await vscode.commands.executeCommand(`${CONTEXT_VIEW_ID}.focus`);
	}

	private async openReport(arg: unknown): Promise<string | undefined> {
		const folder = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
		if (!folder) {
			void vscode.window.showInformationMessage('Claude Token Meter: open a folder to see its Claude Code context.');
			return undefined;
		}
		const text = ctx().renderContextTable(this.reportFor(folder));
		const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
		await vscode.window.showTextDocument(doc, { preview: true });
		return text;
	}

	private folders(): string[] {
		return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
	}

	private cached(folder: string): ContextReport {
		return this.reports.get(folder) ?? this.reportFor(folder);
	}

	getChildren(node?: Node): Node[] {
		if (!node) {
			this.dirty = false;
			const folders = this.folders();
			if (folders.length === 1) {
				return this.groups(this.cached(folders[0]));
			}
			return folders.map((folder) => ({ type: 'folder' as const, folder, report: this.cached(folder) }));
		}
		return this.childrenOf(node);
	}

	/** The children of a node of a given report (tests walk the tree of any folder through this). */
	childrenOf(node: Node): Node[] {
		switch (node.type) {
			case 'folder':
				return this.groups(node.report);
			case 'group': {
				const r = node.report;
				if (node.group === 'warnings') {
					return r.warnings.map((warning) => ({ type: 'warning' as const, warning }));
				}
				const want = node.group === 'every-turn' ? ['every-turn'] : node.group === 'mcp' ? ['run-time'] : ['on-demand', 'own-context'];
				return r.scan.items.filter((i) => want.includes(i.load)).map((item) => ({ type: 'item' as const, item, report: r }));
			}
			case 'item':
				return node.item.children.map((item) => ({ type: 'item' as const, item, report: node.report }));
			default:
				return [];
		}
	}

	/** The top-level groups of a report. */
	groups(report: ContextReport): Node[] {
		const has = (loads: string[]) => report.scan.items.some((i) => loads.includes(i.load));
		const out: Node[] = [];
		out.push({ type: 'group', group: 'every-turn', report });
		if (has(['on-demand', 'own-context'])) {
			out.push({ type: 'group', group: 'on-use', report });
		}
		if (has(['run-time'])) {
			out.push({ type: 'group', group: 'mcp', report });
		}
		if (report.warnings.length) {
			out.push({ type: 'group', group: 'warnings', report });
		}
		return out;
	}

	getTreeItem(node: Node): vscode.TreeItem {
		switch (node.type) {
			case 'folder': {
				const t = new vscode.TreeItem(vscode.workspace.asRelativePath(node.folder) || node.folder, vscode.TreeItemCollapsibleState.Expanded);
				t.description = `${node.report.totals.approximate ? '≈' : ''}${formatTokens(node.report.totals.everyTurnTokens)} tok every turn`;
				t.iconPath = new vscode.ThemeIcon('root-folder');
				return t;
			}
			case 'group':
				return this.groupItem(node.group, node.report);
			case 'warning': {
				const t = new vscode.TreeItem(node.warning.message, vscode.TreeItemCollapsibleState.None);
				t.iconPath = new vscode.ThemeIcon('warning');
				t.tooltip = `${node.warning.message}\n\nSource: ${node.warning.source}`;
				if (node.warning.file) {
					t.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.warning.file)] };
				}
				return t;
			}
			case 'item':
				return this.itemNode(node.item, node.report);
		}
	}

	private groupItem(group: 'every-turn' | 'on-use' | 'mcp' | 'warnings', r: ContextReport): vscode.TreeItem {
		const t = r.totals;
		const labels = { 'every-turn': 'Every turn', 'on-use': 'On use', 'mcp': 'MCP servers', 'warnings': 'Warnings' };
		const item = new vscode.TreeItem(labels[group], vscode.TreeItemCollapsibleState.Expanded);
		if (group === 'every-turn') {
			const parts = [`${t.approximate ? '≈' : ''}${formatTokens(t.everyTurnTokens)} tok`];
			if (t.everyTurnPct !== undefined) { parts.push(formatPct(t.everyTurnPct)); }
			if (t.everyTurnCostUsd !== undefined) { parts.push(`${formatUsd(t.everyTurnCostUsd)}/turn`); }
			item.description = parts.join(' · ');
			item.tooltip = `What every request of a Claude Code session in this folder carries, on ${t.model}: ${formatTokens(t.everyTurnTokens)} tokens`
				+ (t.everyTurnCostUsd !== undefined ? `, ${formatUsd(t.everyTurnCostUsd)} a turn at the input price (${formatUsd(t.everyTurnCachedCostUsd ?? 0)} when read from the prompt cache).` : '.')
				+ ' Claude Code\'s own system prompt and tools come on top. Counted offline.';
			item.iconPath = new vscode.ThemeIcon('history');
		} else if (group === 'on-use') {
			item.description = `up to ${formatTokens(t.onDemandTokens)} tok`;
			item.tooltip = 'Loaded only when used: skill and command bodies, path-scoped rules, CLAUDE.md files in subfolders. Sub-agent prompts run in their own context.';
			item.iconPath = new vscode.ThemeIcon('debug-step-into');
		} else if (group === 'mcp') {
			item.description = 'tools known at run time';
			item.tooltip = 'MCP servers in .mcp.json. Their tool definitions are only known once Claude Code runs them, so they are not counted here.';
			item.iconPath = new vscode.ThemeIcon('server');
		} else {
			item.description = String(r.warnings.length);
			item.iconPath = new vscode.ThemeIcon('warning');
		}
		item.id = `${r.scan.root}#${group}`;
		return item;
	}

	private itemNode(i: ContextItem, r: ContextReport): vscode.TreeItem {
		const row = r.rows.find((x) => x.item === i);
		const t = new vscode.TreeItem(i.label, i.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
		t.description = describe(i, row);
		t.iconPath = new vscode.ThemeIcon(i.warnings.length ? 'warning' : ICON[i.kind]);
		const md = new vscode.MarkdownString('', false);
		md.appendMarkdown(`**${escapeMarkdownText(i.label)}** — ${ctx().KIND_LABEL[i.kind]}, loads: ${ctx().LOAD_LABEL[i.load]}\n\n`);
		md.appendMarkdown(`${ctx().itemTokens(i)} tokens${row?.windowPct !== undefined ? ` · ${formatPct(row.windowPct)} of the window` : ''}${row?.costPerTurnUsd !== undefined ? ` · ${formatUsd(row.costPerTurnUsd)} per turn` : ''}\n\n`);
		for (const n of i.notes) {
			md.appendMarkdown(`- ${escapeMarkdownText(n, 400)}\n`);
		}
		for (const w of i.warnings) {
			md.appendMarkdown(`- ⚠ ${escapeMarkdownText(w.message, 400)} (${escapeMarkdownText(w.source)})\n`);
		}
		if (i.approximate) {
			md.appendMarkdown('\n≈ counted as a "- name: description" listing line; Claude Code\'s exact framing is not published.');
		}
		t.tooltip = md;
		if (i.file) {
			t.resourceUri = vscode.Uri.file(i.file);
			t.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(i.file)] };
		}
		return t;
	}
}

function describe(i: ContextItem, row: ContextRow | undefined): string {
	const parts = [`${ctx().itemTokens(i)} tok`];
	if (row?.windowPct !== undefined) {
		parts.push(formatPct(row.windowPct));
	}
	if (row?.costPerTurnUsd !== undefined) {
		parts.push(`${formatUsd(row.costPerTurnUsd)}/turn`);
	}
	if (i.kind === 'mcp-server') {
		return 'tools at run time';
	}
	if (i.load === 'own-context') {
		parts.push('own context');
	}
	return parts.join(' · ');
}
