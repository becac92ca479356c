/**
 * The parts of a request that count_tokens does not take (Anthropic's token-counting docs): server
 * tools other than the advisor (web search, web fetch, code execution, tool search), the MCP
 * connector (`mcp_servers`, `mcp_toolset` tools), and image or document blocks whose source is a
 * `url` or an uploaded `file`. Counting through the API sends the request without them and adds the
 * offline estimate of what was taken out, so such a request gets a figure instead of an error.
 */
import { blockType, isObject, type Json, repairMessages, stubTool, toolName, toolUseIds } from '../report/edit';
import type { MessagesBody } from '../types';

/** Server tool types count_tokens rejects; the advisor (`advisor_…`) is accepted. */
const SERVER_TOOL = /^(web_search|web_fetch|code_execution|tool_search_tool_(?:regex|bm25))_/;

export interface Split {
	/** The request as count_tokens takes it (the original when nothing was removed). */
	readonly body: MessagesBody;
	/** What was taken out, for "exact + ≈N for …": e.g. `web_search`, `mcp_servers`, `an image URL`. */
	readonly removed: readonly string[];
}

function sourceLabel(block: Json): string | undefined {
	const type = blockType(block);
	if (type !== 'image' && type !== 'document') {
		return undefined;
	}
	const source = isObject(block.source) ? block.source.type : undefined;
	if (source === 'url') {
		return type === 'image' ? 'an image URL' : 'a document URL';
	}
	if (source === 'file') {
		return type === 'image' ? 'an uploaded image file' : 'an uploaded document file';
	}
	return undefined;
}

/** Content without url/file media blocks (also inside tool results); undefined when nothing changed. */
function withoutRemoteMedia(content: unknown[], removed: string[]): unknown[] | undefined {
	let changed = false;
	const out: unknown[] = [];
	for (const b of content) {
		if (!isObject(b)) {
			out.push(b);
			continue;
		}
		const label = sourceLabel(b);
		if (label) {
			removed.push(label);
			changed = true;
			continue;
		}
		if (b.type === 'tool_result' && Array.isArray(b.content)) {
			const inner = withoutRemoteMedia(b.content, removed);
			if (inner) {
				changed = true;
				// A tool_result may have no content at all.
				const { content: _content, ...rest } = b;
				out.push(inner.length > 0 ? { ...b, content: inner } : rest);
				continue;
			}
		}
		out.push(b);
	}
	return changed ? out : undefined;
}

/** Splits a request into what count_tokens takes and labels for what it does not. */
export function splitUnsupported(body: MessagesBody): Split {
	const removed: string[] = [];
	const next: MessagesBody = { ...body };

	if (body.mcp_servers !== undefined) {
		delete next.mcp_servers;
		removed.push('mcp_servers');
	}

	if (Array.isArray(body.tools)) {
		const kept: unknown[] = [];
		for (const tool of body.tools) {
			const type = isObject(tool) && typeof tool.type === 'string' ? tool.type : '';
			if (SERVER_TOOL.test(type)) {
				removed.push(toolName(tool) ?? type.replace(/_\d+$/, ''));
			} else if (type === 'mcp_toolset') {
				if (!removed.includes('mcp_servers')) {
					removed.push('mcp_servers');
				}
			} else {
				kept.push(tool);
			}
		}
		if (kept.length !== body.tools.length) {
			const hasToolUse = (body.messages ?? []).some((m) => toolUseIds(m).size > 0);
			if (kept.length === 0 && !hasToolUse) {
				delete next.tools;
				delete next.tool_choice;
			} else {
				// tool_use blocks in the history need a tool list: a stub keeps one (its cost is in the estimate).
				next.tools = kept.length > 0 ? kept : [stubTool('stub_a')];
				const choice = body.tool_choice;
				const names = (next.tools as unknown[]).map(toolName);
				if (isObject(choice) && choice.type === 'tool' && !names.includes(choice.name as string)) {
					const { name: _name, ...rest } = choice;
					next.tool_choice = { ...rest, type: 'any' };
				}
			}
		}
	}

	if (Array.isArray(body.messages)) {
		let changed = false;
		const messages = body.messages.map((m) => {
			if (!isObject(m) || !Array.isArray(m.content)) {
				return m;
			}
			const content = withoutRemoteMedia(m.content, removed);
			if (!content) {
				return m;
			}
			changed = true;
			return { ...m, content };
		});
		if (changed) {
			// An emptied message gets a one-character stand-in; its cost is in the estimate too.
			repairMessages(messages, 1, [], true);
			next.messages = messages;
		}
	}

	return removed.length > 0 ? { body: next, removed: [...new Set(removed)] } : { body, removed: [] };
}
