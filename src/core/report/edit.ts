/**
 * Edits of a request body that keep it acceptable to count_tokens. The differential figures of the report
 * count the request without one part; these functions make sure "without" is still a valid request:
 * at least one message, a user turn first, no tool_result without its tool_use (nor the reverse), no empty
 * message content, a forced `tool_choice` that names an existing tool. The API has answered 400 to the first two
 * ("messages: first message must use the \"user\" role", "text content blocks must be non-empty"); whether
 * count_tokens still does, the edits do not rely on it.
 *
 * Where validity needs a stand-in (a placeholder message, a one-character text block, a stub tool), the edit
 * takes `copies`: called with 1 it is the request to count, with 2 the same request with the stand-in doubled,
 * so that the stand-in's own cost is count(copies 2) − count(copies 1) and can be added back.
 *
 * Edits share every unchanged part with the original (objects are copied only where they change): a large
 * request is edited once per section, and neither the original nor an edit is ever mutated afterwards.
 */
import type { MessagesBody } from '../types';

export type Json = Record<string, unknown>;

export interface Edited {
	readonly body: MessagesBody;
	/** A stand-in was inserted; the same edit with `copies = 2` measures its cost. */
	readonly standIn: boolean;
	/** What was done to keep the request valid. */
	readonly notes: string[];
}

export const PLACEHOLDER_TEXT = '.';

export function isObject(v: unknown): v is Json {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function clone<T>(v: T): T {
	return structuredClone(v);
}

export function placeholderMessage(): Json {
	return { role: 'user', content: PLACEHOLDER_TEXT };
}

function placeholderBlock(): Json {
	return { type: 'text', text: PLACEHOLDER_TEXT };
}

export function roleOf(message: unknown): string | undefined {
	return isObject(message) && typeof message.role === 'string' ? message.role : undefined;
}

export function blocksOf(message: unknown): unknown[] | undefined {
	return isObject(message) && Array.isArray(message.content) ? message.content : undefined;
}

export function blockType(block: unknown): string | undefined {
	return isObject(block) && typeof block.type === 'string' ? block.type : undefined;
}

/** Ids of the tool_use blocks of a message (server tools pair within their own message and are left alone). */
export function toolUseIds(message: unknown): Set<string> {
	const ids = new Set<string>();
	for (const b of blocksOf(message) ?? []) {
		if (blockType(b) === 'tool_use' && typeof (b as Json).id === 'string') {
			ids.add((b as Json).id as string);
		}
	}
	return ids;
}

export function toolResultIds(message: unknown): Set<string> {
	const ids = new Set<string>();
	for (const b of blocksOf(message) ?? []) {
		if (blockType(b) === 'tool_result' && typeof (b as Json).tool_use_id === 'string') {
			ids.add((b as Json).tool_use_id as string);
		}
	}
	return ids;
}

export function hasToolResult(message: unknown): boolean {
	return (blocksOf(message) ?? []).some((b) => blockType(b) === 'tool_result');
}

function isEmptyContent(message: Json): boolean {
	const c = message.content;
	return c === undefined || c === '' || (Array.isArray(c) && c.length === 0);
}

/** A tool_result's content as ordinary user content blocks (text, image, document are valid there too). */
function resultAsBlocks(result: Json): unknown[] {
	const c = result.content;
	if (typeof c === 'string') {
		return c === '' ? [] : [{ type: 'text', text: c }];
	}
	return Array.isArray(c) ? c.filter((b) => !(blockType(b) === 'text' && (b as Json).text === '')) : [];
}

/** A tool_use as a text block, so the assistant turn keeps roughly the same content. */
function useAsText(use: Json): Json {
	return { type: 'text', text: `${String(use.name ?? 'tool')} ${JSON.stringify(use.input ?? {})}` };
}

/**
 * Makes a message list valid after something was taken out: orphaned tool_use/tool_result blocks become plain
 * content, empty messages get a one-character text block, the list starts with a user turn and is not empty.
 * `keepTrailingToolUse`: the last message is the request's own last message, left as the user wrote it.
 * Mutates `messages`.
 */
export function repairMessages(messages: unknown[], copies: number, notes: string[], keepTrailingToolUse = false): boolean {
	let standIn = false;
	// A tool_result is valid only right after the assistant turn holding its tool_use, and every tool_use of an
	// assistant turn needs its result in the next user turn (what the Messages API checks).
	for (let i = 0; i < messages.length; i++) {
		const m = messages[i];
		if (!isObject(m) || !Array.isArray(m.content)) {
			continue;
		}
		// Messages may be shared with the original request: replace, never mutate.
		const replace = (content: unknown[]) => {
			messages[i] = { ...m, content };
		};
		if (m.role === 'user' && hasToolResult(m)) {
			const prev = messages[i - 1];
			const uses = roleOf(prev) === 'assistant' ? toolUseIds(prev) : new Set<string>();
			const next: unknown[] = [];
			let changed = false;
			for (const b of m.content) {
				if (blockType(b) === 'tool_result' && !uses.has(String((b as Json).tool_use_id))) {
					next.push(...resultAsBlocks(b as Json));
					changed = true;
				} else {
					next.push(b);
				}
			}
			if (changed) {
				replace(next);
				notes.push(`tool_result without its tool_use in message ${i + 1} kept as plain content`);
			}
		}
		if (m.role === 'assistant') {
			const current = messages[i] as Json;
			const uses = toolUseIds(current);
			const follower = messages[i + 1];
			// A trailing tool_use is rejected too (conservatively) unless the request itself ended that way.
			if (uses.size > 0 && !(follower === undefined && keepTrailingToolUse)) {
				const results = roleOf(follower) === 'user' ? toolResultIds(follower) : new Set<string>();
				const missing = [...uses].filter((id) => !results.has(id));
				if (missing.length > 0) {
					replace((current.content as unknown[]).map((b) => blockType(b) === 'tool_use' && missing.includes(String((b as Json).id)) ? useAsText(b as Json) : b));
					notes.push(`tool_use without its tool_result in message ${i + 1} kept as text`);
				}
			}
		}
	}
	for (let i = 0; i < messages.length; i++) {
		const m = messages[i];
		if (isObject(m) && isEmptyContent(m)) {
			messages[i] = { ...m, content: Array.from({ length: copies }, placeholderBlock) };
			standIn = true;
			notes.push('an emptied message holds a one-character stand-in');
		}
	}
	if (messages.length === 0 || roleOf(messages[0]) !== 'user') {
		messages.unshift(...Array.from({ length: copies }, placeholderMessage));
		standIn = true;
		notes.push(messages.length === copies ? 'a placeholder user message stands in for the removed one' : 'a placeholder user message keeps a user turn first');
	}
	return standIn;
}

function withMessages(body: MessagesBody, messages: unknown[]): MessagesBody {
	return { ...body, messages };
}

/** The request without message `index`. */
export function withoutMessage(body: MessagesBody, index: number, copies = 1): Edited {
	const messages = body.messages.slice();
	messages.splice(index, 1);
	const notes: string[] = [];
	const standIn = repairMessages(messages, copies, notes, index !== body.messages.length - 1);
	return { body: withMessages(body, messages), standIn, notes };
}

/**
 * The request without one content block: `path` is `[message, block]` or `[message, block, inner]` for a
 * block inside a tool_result's content.
 */
export function withoutBlock(body: MessagesBody, path: readonly number[], copies = 1): Edited {
	const messages = body.messages.slice();
	const msg = messages[path[0]];
	const original = blocksOf(msg);
	if (!original) {
		throw new Error(`message ${path[0]} has no content blocks`);
	}
	const blocks = original.slice();
	if (path.length === 3) {
		const { content, ...result } = blocks[path[1]] as Json;
		const inner = (content as unknown[]).filter((_, j) => j !== path[2]);
		// A tool_result may have no content at all.
		blocks[path[1]] = inner.length > 0 ? { ...result, content: inner } : result;
	} else {
		blocks.splice(path[1], 1);
	}
	messages[path[0]] = { ...(msg as Json), content: blocks };
	const notes: string[] = [];
	const standIn = repairMessages(messages, copies, notes, true);
	return { body: withMessages(body, messages), standIn, notes };
}

export function withoutSystem(body: MessagesBody): Edited {
	const { system: _system, ...next } = body;
	return { body: next, standIn: false, notes: [] };
}

export function toolName(tool: unknown): string | undefined {
	return isObject(tool) && typeof tool.name === 'string' ? tool.name : undefined;
}

/** Names for stub tools that no tool of the request uses; equal length so each stub costs the same. */
function stubNames(taken: ReadonlySet<string>, copies: number): string[] {
	const names: string[] = [];
	for (let i = 0; names.length < copies; i++) {
		const name = `stub_${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`;
		if (!taken.has(name)) {
			names.push(name);
		}
	}
	return names;
}

export function stubTool(name: string): Json {
	return { name, input_schema: { type: 'object' } };
}

/** A forced tool_choice must name a tool that is still there. */
function fixToolChoice(body: MessagesBody, tools: unknown[]): void {
	const choice = body.tool_choice;
	if (isObject(choice) && choice.type === 'tool') {
		const names = tools.map(toolName);
		if (!names.includes(choice.name as string)) {
			const first = names.find((n) => n !== undefined);
			if (first !== undefined) {
				body.tool_choice = { ...choice, name: first };
			} else {
				// `tool` and `any` add the same tool-use system prompt; `any` needs no name.
				const { name: _name, ...rest } = choice;
				body.tool_choice = { ...rest, type: 'any' };
			}
		}
	}
}

/**
 * The request without tool `index`. The last tool is replaced by a stub rather than removed, so that the
 * tool-use system prompt (and the validity of tool_use blocks in the history) stays: that prompt belongs to
 * the fixed frame, not to whichever tool happens to be alone.
 */
export function withoutTool(body: MessagesBody, index: number, copies = 1): Edited {
	const next = { ...body };
	const tools = [...(body.tools ?? [])];
	tools.splice(index, 1);
	const notes: string[] = [];
	let standIn = false;
	if (tools.length === 0) {
		const taken = new Set((body.tools ?? []).map(toolName).filter((n): n is string => n !== undefined));
		tools.push(...stubNames(taken, copies).map(stubTool));
		standIn = true;
		notes.push('a stub tool keeps the tool-use system prompt');
	}
	next.tools = tools;
	fixToolChoice(next, tools);
	return { body: next, standIn, notes };
}

/** The request without any tools (and so without `tool_choice`). */
export function withoutTools(body: MessagesBody): MessagesBody {
	const { tools: _tools, tool_choice: _choice, ...next } = body;
	return next;
}

/** `body`'s system, tools and settings with a single placeholder message (or `copies` of them). */
export function withPlaceholderMessages(body: MessagesBody, copies = 1): MessagesBody {
	return { ...body, messages: Array.from({ length: copies }, placeholderMessage) };
}

/** Tools replaced by `copies` stub tools, tool_choice kept (pointing at a stub when it forces one). */
export function withStubTools(body: MessagesBody, copies: number): MessagesBody {
	const next = { ...body };
	const tools = stubNames(new Set(), copies).map(stubTool);
	next.tools = tools;
	fixToolChoice(next, tools);
	return next;
}

/** Tools cut after `index` (for the prefix of a breakpoint on that tool). */
export function withToolsUpTo(body: MessagesBody, index: number): MessagesBody {
	const next = { ...body };
	const tools = (body.tools ?? []).slice(0, index + 1);
	next.tools = tools;
	fixToolChoice(next, tools);
	return next;
}
