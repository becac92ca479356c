/**
 * Per-section breakdown by differential counts: a section costs total − count(request without it). Every
 * figure comes from the injected count function, so it is exact with the API and "≈" offline alike.
 */
import type { MessagesBody } from '../types';
import { blockType, blocksOf, type Edited, isObject, type Json, roleOf, toolName, withoutBlock, withoutMessage, withoutSystem, withoutTool, withoutTools } from './edit';
import { DEFAULT_CONCURRENCY, runBounded, Tally } from './pool';
import type { Breakdown, CountFn, RunOptions, Section, SectionKind } from './types';

export interface SectionTarget {
	readonly kind: SectionKind;
	readonly label: string;
	readonly path: string;
	readonly preview?: string;
	/** The request without this section, with `copies` of any stand-in. */
	readonly edit: (copies: number) => Edited;
	/** Image / document blocks of a message. */
	readonly children: readonly SectionTarget[];
}

const PREVIEW_CHARS = 60;

function shorten(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
}

function previewOf(message: unknown): string | undefined {
	if (!isObject(message)) {
		return undefined;
	}
	if (typeof message.content === 'string') {
		return shorten(message.content);
	}
	for (const b of blocksOf(message) ?? []) {
		const type = blockType(b);
		const block = b as Json;
		if (type === 'text' && typeof block.text === 'string' && block.text.trim()) {
			return shorten(block.text);
		}
		if (type === 'tool_use') {
			return shorten(`tool_use ${String(block.name ?? '')}`);
		}
		if (type === 'tool_result') {
			return shorten(`tool_result ${String(block.tool_use_id ?? '')}`);
		}
		if (type === 'image' || type === 'document') {
			return type;
		}
	}
	return undefined;
}

function isPdf(block: Json): boolean {
	const source = isObject(block.source) ? block.source : {};
	return source.media_type === 'application/pdf'
		|| (source.type === 'url' && typeof source.url === 'string' && /\.pdf(?:$|[?#])/i.test(source.url));
}

function mediaLabel(block: Json, where: string): string {
	if (block.type === 'image') {
		const source = isObject(block.source) ? block.source : {};
		const media = typeof source.media_type === 'string' ? source.media_type.replace(/^image\//, '') : source.type === 'url' ? 'url' : undefined;
		return `Image${media ? ` (${media})` : ''} ${where}`;
	}
	return `${isPdf(block) ? 'PDF document' : 'Document'} ${where}`;
}

function mediaTargets(body: MessagesBody, m: number): SectionTarget[] {
	const targets: SectionTarget[] = [];
	(blocksOf(body.messages[m]) ?? []).forEach((block, k) => {
		const type = blockType(block);
		if (type === 'image' || type === 'document') {
			targets.push({
				kind: type,
				label: mediaLabel(block as Json, `in message ${m + 1}`),
				path: `/messages/${m}/content/${k}`,
				edit: (copies) => withoutBlock(body, [m, k], copies),
				children: [],
			});
		}
		if (type === 'tool_result' && Array.isArray((block as Json).content)) {
			((block as Json).content as unknown[]).forEach((inner, j) => {
				const innerType = blockType(inner);
				if (innerType === 'image' || innerType === 'document') {
					targets.push({
						kind: innerType,
						label: mediaLabel(inner as Json, `in a tool result of message ${m + 1}`),
						path: `/messages/${m}/content/${k}/content/${j}`,
						edit: (copies) => withoutBlock(body, [m, k, j], copies),
						children: [],
					});
				}
			});
		}
	});
	return targets;
}

function hasSystem(body: MessagesBody): boolean {
	const s = body.system;
	return s !== undefined && s !== null && !(typeof s === 'string' && s === '') && !(Array.isArray(s) && s.length === 0);
}

/** The sections of a request in request order: system, each tool, each message (with its images/documents). */
export function sectionTargets(body: MessagesBody): SectionTarget[] {
	const targets: SectionTarget[] = [];
	if (hasSystem(body)) {
		targets.push({ kind: 'system', label: 'System', path: '/system', edit: () => withoutSystem(body), children: [] });
	}
	(body.tools ?? []).forEach((tool, i) => {
		const name = toolName(tool);
		targets.push({
			kind: 'tool',
			label: `Tool ${name ?? `#${i + 1}`}`,
			path: `/tools/${i}`,
			edit: (copies) => withoutTool(body, i, copies),
			children: [],
		});
	});
	body.messages.forEach((message, i) => {
		targets.push({
			kind: 'message',
			label: `Message ${i + 1} · ${roleOf(message) ?? '?'}`,
			path: `/messages/${i}`,
			preview: previewOf(message),
			edit: (copies) => withoutMessage(body, i, copies),
			children: mediaTargets(body, i),
		});
	});
	return targets;
}

interface Measured {
	tokens: number;
	notes: string[];
}

/** total − count(without) (+ the stand-in's own cost, measured by doubling it). */
async function measure(target: SectionTarget, total: number, model: string, tally: Tally): Promise<Measured> {
	const edited = target.edit(1);
	const without = await tally.tokens(edited.body, model);
	let tokens = total - without;
	if (edited.standIn) {
		const doubled = await tally.tokens(target.edit(2).body, model);
		tokens += doubled - without;
	}
	return { tokens, notes: edited.notes };
}

/** Differential figures for a list of targets, `concurrency` counts in flight at most. */
export async function measureTargets(targets: readonly SectionTarget[], total: number, model: string, tally: Tally, options: RunOptions): Promise<Measured[]> {
	return runBounded(targets.map((t) => () => measure(t, total, model, tally)), options.concurrency ?? DEFAULT_CONCURRENCY, options.signal);
}

export function pctOf(tokens: number, total: number): number {
	return total > 0 ? (tokens / total) * 100 : 0;
}

export function forModel(body: MessagesBody, model: string): MessagesBody {
	return { ...body, model };
}

/**
 * The request's total and each section's share. Σ top-level sections + overhead === total exactly; images
 * and documents are children of their message and already inside its figure.
 */
export async function breakdown(body: MessagesBody, model: string, count: CountFn, options: RunOptions = {}): Promise<Breakdown> {
	const tally = new Tally(count, options.signal);
	const request = forModel(body, model);
	const total = await tally.tokens(request, model);
	const targets = sectionTargets(request);
	// Parents and children go through one pool so the bound holds for the whole breakdown.
	const flat: SectionTarget[] = [];
	for (const t of targets) {
		flat.push(t, ...t.children);
	}
	const measured = await measureTargets(flat, total, model, tally, options);
	const byTarget = new Map(flat.map((t, i) => [t, measured[i]]));
	const toSection = (t: SectionTarget): Section => {
		const m = byTarget.get(t)!;
		const children = t.children.map(toSection);
		return {
			kind: t.kind,
			label: t.label,
			path: t.path,
			tokens: m.tokens,
			pct: pctOf(m.tokens, total),
			...(t.preview !== undefined ? { preview: t.preview } : {}),
			...(children.length > 0 ? { children } : {}),
			...(m.notes.length > 0 ? { notes: [...new Set(m.notes)] } : {}),
		};
	};
	const sections = targets.map(toSection);
	const overhead = total - sections.reduce((sum, s) => sum + s.tokens, 0);
	return {
		model,
		total,
		sections,
		overhead,
		overheadPct: pctOf(overhead, total),
		approximate: tally.approximate,
		counts: tally.calls,
	};
}

/**
 * The target for one part of the request by path: `/system`, `/tools/i`, `/messages/i`, or any content block
 * `/messages/i/content/k` (and `/messages/i/content/k/content/j` inside a tool_result). Undefined when the
 * path names nothing that can be taken out.
 */
export function targetForPath(body: MessagesBody, path: string): SectionTarget | undefined {
	const segs = path.split('/').slice(1);
	const n = segs.slice(1).map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
	if (segs[0] === 'system' && segs.length === 1) {
		return hasSystem(body) ? sectionTargets(body)[0] : undefined;
	}
	// One block of an array `system` (its cache breakpoints are often one per block).
	if (segs[0] === 'system' && segs.length === 2 && Array.isArray(body.system) && n[0] < body.system.length) {
		const i = n[0];
		const blocks = body.system;
		return {
			kind: 'system', label: `System block ${i + 1}`, path,
			edit: () => (blocks.length === 1 ? withoutSystem(body) : { body: { ...body, system: blocks.filter((_, j) => j !== i) }, standIn: false, notes: [] }),
			children: [],
		};
	}
	// Every tool definition together, with the tool-use system prompt they bring.
	if (segs[0] === 'tools' && segs.length === 1 && (body.tools ?? []).length > 0) {
		return { kind: 'tool', label: 'Tools', path, edit: () => ({ body: withoutTools(body), standIn: false, notes: [] }), children: [] };
	}
	if (segs[0] === 'tools' && segs.length === 2 && n[0] < (body.tools ?? []).length) {
		return sectionTargets(body).find((t) => t.path === path);
	}
	if (segs[0] !== 'messages' || !(n[0] < body.messages.length)) {
		return undefined;
	}
	const m = n[0];
	if (segs.length === 2) {
		return sectionTargets(body).find((t) => t.path === path);
	}
	const blocks = blocksOf(body.messages[m]);
	const block = blocks?.[n[2]];
	if (segs[2] !== 'content' || block === undefined) {
		return undefined;
	}
	const type = blockType(block) ?? 'block';
	if (segs.length === 4) {
		return { kind: type === 'image' || type === 'document' ? type : 'message', label: `${type} block in message ${m + 1}`, path, edit: (copies) => withoutBlock(body, [m, n[2]], copies), children: [] };
	}
	const inner = isObject(block) && Array.isArray(block.content) ? block.content[n[4]] : undefined;
	if (segs.length === 6 && segs[4] === 'content' && inner !== undefined) {
		const innerType = blockType(inner) ?? 'block';
		return { kind: innerType === 'image' || innerType === 'document' ? innerType : 'message', label: `${innerType} in a tool result of message ${m + 1}`, path, edit: (copies) => withoutBlock(body, [m, n[2], n[4]], copies), children: [] };
	}
	return undefined;
}

/**
 * One part's differential tokens, measured like a breakdown section (stand-ins accounted for): for hovers,
 * which need a single figure. `total` skips the count of the whole request when the caller has it.
 */
export async function measurePart(body: MessagesBody, model: string, path: string, count: CountFn, options: { signal?: AbortSignal; total?: number } = {}): Promise<{ tokens: number; total: number; pct: number; notes: string[]; approximate: boolean } | undefined> {
	const request = forModel(body, model);
	const target = targetForPath(request, path);
	if (!target) {
		return undefined;
	}
	const tally = new Tally(count, options.signal);
	const total = options.total ?? await tally.tokens(request, model);
	const m = await measure(target, total, model, tally);
	return { tokens: m.tokens, total, pct: pctOf(m.tokens, total), notes: m.notes, approximate: tally.approximate };
}

/** Sections and their children in display order, with their depth (0 top level, 1 image/document). */
export function flattenSections(sections: readonly Section[]): { section: Section; depth: number }[] {
	const rows: { section: Section; depth: number }[] = [];
	for (const s of sections) {
		rows.push({ section: s, depth: 0 });
		for (const c of s.children ?? []) {
			rows.push({ section: c, depth: 1 });
		}
	}
	return rows;
}
