import type { MessagesBody } from '../types';

function isRecord(v: unknown): v is Record<string, unknown> {
	return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** What a recorded request measures: the plain text frame, the framing around text, tools, or media. */
export type RequestKind = 'plain' | 'system/turns' | 'tools' | 'media';

export const REQUEST_KINDS: readonly RequestKind[] = ['plain', 'system/turns', 'tools', 'media'];

const MEDIA_BLOCKS = new Set(['image', 'document', 'search_result']);

function blocksOf(content: unknown): Record<string, unknown>[] {
	return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** True when a block, or a tool_result's nested content, holds an image, a document or a search result. */
function holdsMedia(block: Record<string, unknown>): boolean {
	if (MEDIA_BLOCKS.has(String(block.type))) {
		return true;
	}
	return block.type === 'tool_result' && blocksOf(block.content).some(holdsMedia);
}

/**
 * The kind a request measures, from its body: media when any block is an image, document or search
 * result; else tools when it defines tools or holds tool_use / tool_result blocks; else plain when it is
 * one user message of text (a string or one text block) with nothing else around it; else system/turns.
 */
export function requestKind(body: MessagesBody): RequestKind {
	const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
	const blocks = messages.flatMap((m) => blocksOf(m.content));
	if (blocks.some(holdsMedia) || blocksOf(body.system).some(holdsMedia)) {
		return 'media';
	}
	const toolBlock = (b: Record<string, unknown>) => /tool_use$|tool_result$/.test(String(b.type));
	if ((Array.isArray(body.tools) && body.tools.length > 0) || blocks.some(toolBlock) || body.mcp_servers !== undefined) {
		return 'tools';
	}
	const only = messages.length === 1 && messages[0].role === 'user' ? messages[0].content : undefined;
	const plainContent = typeof only === 'string' || (Array.isArray(only) && only.length === 1 && isRecord(only[0]) && only[0].type === 'text');
	const extras = Object.keys(body).filter((k) => k !== 'model' && k !== 'messages');
	return plainContent && messages.length === (body.messages?.length ?? 0) && extras.length === 0 ? 'plain' : 'system/turns';
}


/** How a kind reads in a note. */
export const KIND_LABELS: Record<RequestKind, string> = {
	'plain': 'one plain user message',
	'system/turns': 'system prompts and turns',
	'tools': 'tool definitions and tool blocks',
	'media': 'images and documents',
};

/** The models a tokenizer family covers, for notes. */
export const FAMILY_LABELS: Record<string, string> = {
	'v3': 'Claude 3–4.6',
	'v4.7': 'Claude Opus 4.7–4.9',
	'v5': 'Claude 5',
};
