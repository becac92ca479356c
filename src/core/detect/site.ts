/**
 * From an evaluated request object to a RequestSite: recognise the shape, build the count_tokens body,
 * list the parts (for hovers and the report) and what could not be resolved.
 *
 * Unresolved values contribute nothing: they are left out of the object or array that holds them, and a
 * message, text block or tool that is left unusable by that (no content, no text, no name) is left out
 * too, so the payload stays a valid request. Paths of parts index the payload; the path of an unresolved
 * value is where it would have gone in the payload.
 */
import type { MessagesBody, RequestSite, SiteLanguage, SitePart, SiteShape, TextRange, Unresolved } from '../types';
import { getProp, getValue, numberValue, stringValue, type ArrayNode, type ObjectNode, type ValueNode } from './valueTree';

/** Fields count_tokens accepts; everything else (max_tokens, temperature, stream, metadata …) is dropped. */
const countFields = ['system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config', 'mcp_servers'] as const;

export interface SiteOrigin {
	readonly id: string;
	readonly language: SiteLanguage;
	readonly range: TextRange;
	readonly anchor: TextRange;
	/** Model for Bedrock bodies, which do not name one: from the surrounding code or the caller's setting. */
	readonly bedrockModelId?: string;
	/** True when bedrockModelId was read from the document (e.g. `modelId` next to the body). */
	readonly bedrockModelIdFromDocument?: boolean;
}

function isArray(node: ValueNode | undefined): node is ArrayNode {
	return node?.kind === 'array';
}

function isObject(node: ValueNode | undefined): node is ObjectNode {
	return node?.kind === 'object';
}

function isBareTextBlock(node: ValueNode): boolean {
	if (!isObject(node)) {
		return false;
	}
	return !getProp(node, 'type') && (!!getProp(node, 'text') || !!getProp(node, 'image') || !!getProp(node, 'toolUse')
		|| !!getProp(node, 'toolResult') || !!getProp(node, 'document') || !!getProp(node, 'cachePoint'));
}

/** Converse requests use `{text}` blocks without `type`, `modelId`, `inferenceConfig`, `toolConfig`. */
function looksLikeConverse(obj: ObjectNode, messages: ArrayNode): boolean {
	if (getProp(obj, 'modelId') || getProp(obj, 'inferenceConfig') || getProp(obj, 'toolConfig')) {
		return true;
	}
	const system = getValue(obj, 'system');
	if (isArray(system) && system.items.some(isBareTextBlock)) {
		return true;
	}
	return messages.items.some(m => {
		const content = isObject(m) ? getValue(m, 'content') : undefined;
		return isArray(content) && content.items.some(isBareTextBlock);
	});
}

/**
 * The shape of a request object, or undefined when it is not one. `modelOptional` accepts a Messages body
 * without `model` (a batch entry's params may be written without it while typing).
 */
export function classifyRequest(obj: ObjectNode): SiteShape | undefined {
	const messages = getValue(obj, 'messages');
	if (getProp(obj, 'custom_id')) {
		const params = getValue(obj, 'params');
		if (isObject(params) && isArray(getValue(params, 'messages'))) {
			return 'batch-entry';
		}
	}
	if (!isArray(messages)) {
		return undefined;
	}
	const model = getValue(obj, 'model');
	if (stringValue(model) !== undefined) {
		return 'messages';
	}
	if (model) {
		return undefined;
	}
	const version = stringValue(getValue(obj, 'anthropic_version'));
	if (version !== undefined && version.startsWith('bedrock-')) {
		return 'bedrock-invoke';
	}
	return looksLikeConverse(obj, messages) ? 'bedrock-converse' : undefined;
}

/** Collects unresolved entries and parts while the payload is built. */
class Builder {
	readonly unresolved: Unresolved[] = [];
	readonly parts: SitePart[] = [];

	/** Plain JSON value of a node; undefined (to be left out) when it is unresolved. */
	plain(node: ValueNode, path: string): unknown {
		switch (node.kind) {
			case 'scalar':
				return node.value;
			case 'unresolved':
				this.unresolved.push({ range: node.range, path, text: node.text, reason: node.reason });
				return undefined;
			case 'array': {
				const out: unknown[] = [];
				for (const item of node.items) {
					const value = this.plain(item, `${path}/${out.length}`);
					if (value !== undefined) {
						out.push(value);
					}
				}
				return out;
			}
			case 'object': {
				const out: Record<string, unknown> = {};
				for (const spread of node.unresolved) {
					this.unresolved.push({ range: spread.range, path, text: spread.text, reason: spread.reason });
				}
				for (const prop of node.props) {
					const value = this.plain(prop.value, `${path}/${escapePointer(prop.key)}`);
					if (value !== undefined) {
						out[prop.key] = value;
					} else {
						delete out[prop.key];
					}
				}
				return out;
			}
		}
	}

	part(kind: SitePart['kind'], range: TextRange, path: string, keyRange?: TextRange): void {
		this.parts.push(keyRange ? { kind, range, path, keyRange } : { kind, range, path });
	}
}

function escapePointer(key: string): string {
	if (!key.includes('~') && !key.includes('/')) {
		return key; // the usual case: no regex work for every key of every request
	}
	return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A text block needs its text; other blocks are kept as written. */
function usableBlock(block: unknown): boolean {
	if (!isRecord(block)) {
		return typeof block === 'string';
	}
	if (block.type === 'text' || block.type === undefined) {
		return typeof block.text === 'string';
	}
	return true;
}

/** Blocks of a `content` or `system` array, with a part per kept block. */
function buildBlocks(b: Builder, node: ArrayNode, path: string, map?: (block: unknown) => unknown): unknown[] {
	const out: unknown[] = [];
	for (const item of node.items) {
		const blockPath = `${path}/${out.length}`;
		let value = b.plain(item, blockPath);
		if (value !== undefined && map) {
			value = map(value);
		}
		if (value !== undefined && usableBlock(value)) {
			out.push(value);
			b.part('block', item.range, blockPath);
		}
	}
	return out;
}

function buildMessages(b: Builder, node: ValueNode, mapBlock?: (block: unknown) => unknown): unknown[] {
	if (node.kind !== 'array') {
		b.plain(node, '/messages');
		return [];
	}
	const out: unknown[] = [];
	for (const item of node.items) {
		const path = `/messages/${out.length}`;
		if (item.kind !== 'object') {
			b.plain(item, path);
			continue;
		}
		const partsBefore = b.parts.length;
		const message: Record<string, unknown> = {};
		for (const prop of item.props) {
			if (prop.key === 'content') {
				continue;
			}
			const value = b.plain(prop.value, `${path}/${escapePointer(prop.key)}`);
			if (value !== undefined) {
				message[prop.key] = value;
			}
		}
		for (const spread of item.unresolved) {
			b.unresolved.push({ range: spread.range, path, text: spread.text, reason: spread.reason });
		}
		const content = getValue(item, 'content');
		if (content?.kind === 'array') {
			message.content = buildBlocks(b, content, `${path}/content`, mapBlock);
		} else if (content) {
			const value = b.plain(content, `${path}/content`);
			if (typeof value === 'string' || Array.isArray(value)) {
				message.content = value;
			}
		}
		const hasContent = typeof message.content === 'string' || (Array.isArray(message.content) && message.content.length > 0);
		if (!hasContent) {
			// Nothing countable: drop the message and any block parts recorded for it.
			b.parts.length = partsBefore;
			continue;
		}
		out.push(message);
		b.parts.splice(partsBefore, 0, { kind: 'message', range: item.range, path });
	}
	return out;
}

function buildSystem(b: Builder, node: ValueNode, mapBlock?: (block: unknown) => unknown, keyRange?: TextRange): unknown {
	if (node.kind === 'array') {
		b.part('system', node.range, '/system', keyRange);
		const blocks = buildBlocks(b, node, '/system', mapBlock);
		return blocks.length > 0 ? blocks : undefined;
	}
	const value = b.plain(node, '/system');
	if (value !== undefined) {
		b.part('system', node.range, '/system', keyRange);
	}
	return value;
}

function buildTools(b: Builder, node: ValueNode, mapTool?: (tool: unknown) => unknown, keyRange?: TextRange): unknown[] | undefined {
	if (node.kind !== 'array') {
		b.plain(node, '/tools');
		return undefined;
	}
	b.part('tools', node.range, '/tools', keyRange);
	const out: unknown[] = [];
	for (const item of node.items) {
		const path = `/tools/${out.length}`;
		let tool = b.plain(item, path);
		if (tool !== undefined && mapTool) {
			tool = mapTool(tool);
		}
		// A tool without a name (or a custom tool without its schema) would make the whole request invalid.
		if (!isRecord(tool) || typeof tool.name !== 'string') {
			continue;
		}
		const custom = tool.type === undefined || tool.type === 'custom';
		if (custom && !isRecord(tool.input_schema)) {
			continue;
		}
		out.push(tool);
		b.part('tool', item.range, path);
	}
	return out;
}

interface BuiltBody {
	readonly payload: MessagesBody;
	readonly modelFromDocument: boolean;
	readonly maxTokens?: number;
	readonly pricing?: { inference_geo?: string; speed?: string };
}

/** A Messages API body (also a batch entry's params and a Bedrock InvokeModel body). */
function buildMessagesBody(b: Builder, obj: ObjectNode, bedrock: boolean, origin: SiteOrigin): BuiltBody {
	const payload: MessagesBody = { model: '', messages: [] };
	let modelFromDocument = false;
	let maxTokens: number | undefined;
	for (const spread of obj.unresolved) {
		b.unresolved.push({ range: spread.range, path: '', text: spread.text, reason: spread.reason });
	}
	const modelProp = getProp(obj, 'model');
	if (!bedrock && modelProp) {
		const model = b.plain(modelProp.value, '/model');
		if (typeof model === 'string') {
			payload.model = model;
			modelFromDocument = true;
			b.part('model', modelProp.value.range, '/model', modelProp.range);
		}
	} else if (bedrock && origin.bedrockModelId) {
		payload.model = origin.bedrockModelId;
		modelFromDocument = origin.bedrockModelIdFromDocument === true;
	}
	// Fields that change the price, not the count: kept beside the payload (count_tokens is not sent them).
	let pricing: { inference_geo?: string; speed?: string } | undefined;
	for (const field of ['inference_geo', 'speed'] as const) {
		const value = stringValue(getProp(obj, field)?.value);
		if (value !== undefined) {
			pricing = { ...pricing, [field]: value };
		}
	}
	const maxProp = getProp(obj, 'max_tokens');
	if (maxProp) {
		maxTokens = numberValue(maxProp.value);
		b.part('max_tokens', maxProp.value.range, '/max_tokens', maxProp.range);
	}
	const messagesProp = getProp(obj, 'messages');
	if (messagesProp) {
		b.part('messages', messagesProp.value.range, '/messages', messagesProp.range);
		payload.messages = buildMessages(b, messagesProp.value);
	}
	for (const field of countFields) {
		const prop = getProp(obj, field);
		if (!prop) {
			continue;
		}
		let value: unknown;
		if (field === 'system') {
			value = buildSystem(b, prop.value, undefined, prop.range);
		} else if (field === 'tools') {
			value = buildTools(b, prop.value, undefined, prop.range);
		} else {
			value = b.plain(prop.value, `/${field}`);
			if (field === 'thinking' && value !== undefined) {
				b.part('thinking', prop.value.range, '/thinking');
			}
		}
		if (value !== undefined) {
			(payload as Record<string, unknown>)[field] = value;
		}
	}
	return { payload, modelFromDocument, maxTokens, ...(pricing ? { pricing } : {}) };
}

// Bedrock Converse → Messages API equivalents, so one counter (and the report) can read every shape.

function mapConverseBlock(block: unknown): unknown {
	if (!isRecord(block)) {
		return undefined;
	}
	if (typeof block.text === 'string') {
		return { type: 'text', text: block.text };
	}
	if (isRecord(block.image)) {
		const image = block.image;
		const source = isRecord(image.source) ? image.source : {};
		return typeof source.bytes === 'string'
			? { type: 'image', source: { type: 'base64', media_type: `image/${String(image.format ?? 'png')}`, data: source.bytes } }
			: undefined;
	}
	if (isRecord(block.document)) {
		const doc = block.document;
		const source = isRecord(doc.source) ? doc.source : {};
		if (typeof source.text === 'string') {
			return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: source.text } };
		}
		return typeof source.bytes === 'string' && doc.format === 'pdf'
			? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: source.bytes } }
			: undefined;
	}
	if (isRecord(block.toolUse)) {
		const use = block.toolUse;
		return { type: 'tool_use', id: use.toolUseId, name: use.name, input: use.input ?? {} };
	}
	if (isRecord(block.toolResult)) {
		const result = block.toolResult;
		const content = Array.isArray(result.content) ? result.content.map(c => {
			if (isRecord(c) && typeof c.text === 'string') {
				return { type: 'text', text: c.text };
			}
			if (isRecord(c) && c.json !== undefined) {
				return { type: 'text', text: JSON.stringify(c.json) };
			}
			return mapConverseBlock(c);
		}).filter(c => c !== undefined) : [];
		const out: Record<string, unknown> = { type: 'tool_result', tool_use_id: result.toolUseId, content };
		if (result.status === 'error') {
			out.is_error = true;
		}
		return out;
	}
	// cachePoint, guardContent, reasoningContent …: nothing to count as input text.
	return undefined;
}

function mapConverseTool(tool: unknown): unknown {
	if (!isRecord(tool) || !isRecord(tool.toolSpec)) {
		return undefined;
	}
	const spec = tool.toolSpec;
	const schema = isRecord(spec.inputSchema) ? spec.inputSchema.json : undefined;
	const out: Record<string, unknown> = { name: spec.name, input_schema: schema };
	if (typeof spec.description === 'string') {
		out.description = spec.description;
	}
	return out;
}

function mapToolChoice(choice: unknown): unknown {
	if (!isRecord(choice)) {
		return undefined;
	}
	if (choice.auto) {
		return { type: 'auto' };
	}
	if (choice.any) {
		return { type: 'any' };
	}
	if (isRecord(choice.tool)) {
		return { type: 'tool', name: choice.tool.name };
	}
	return undefined;
}

function buildConverseBody(b: Builder, obj: ObjectNode, origin: SiteOrigin): BuiltBody & { input: { converse: { messages: unknown[]; system?: unknown[]; toolConfig?: unknown } } } {
	const payload: MessagesBody = { model: '', messages: [] };
	let modelFromDocument = false;
	const modelId = stringValue(getValue(obj, 'modelId'));
	if (modelId !== undefined) {
		payload.model = modelId;
		modelFromDocument = true;
		b.part('model', getValue(obj, 'modelId')!.range, '/model');
	} else if (origin.bedrockModelId) {
		payload.model = origin.bedrockModelId;
		modelFromDocument = origin.bedrockModelIdFromDocument === true;
	}
	const messagesNode = getValue(obj, 'messages');
	if (messagesNode) {
		payload.messages = buildMessages(b, messagesNode, mapConverseBlock);
	}
	const systemNode = getValue(obj, 'system');
	if (systemNode) {
		const system = buildSystem(b, systemNode, mapConverseBlock);
		if (system !== undefined) {
			payload.system = system;
		}
	}
	// The raw Converse input for Bedrock's CountTokens, unresolved values left out (recorded once above).
	const quiet = new Builder();
	const input: { messages: unknown[]; system?: unknown[]; toolConfig?: unknown } = {
		messages: messagesNode ? asArray(quiet.plain(messagesNode, '')) : [],
	};
	if (systemNode) {
		input.system = asArray(quiet.plain(systemNode, ''));
	}
	let maxTokens: number | undefined;
	const inference = getValue(obj, 'inferenceConfig');
	if (isObject(inference)) {
		const maxProp = getProp(inference, 'maxTokens');
		if (maxProp) {
			maxTokens = numberValue(maxProp.value);
			b.part('max_tokens', maxProp.value.range, '/max_tokens');
		}
	}
	const toolConfig = getValue(obj, 'toolConfig');
	if (isObject(toolConfig)) {
		const toolsNode = getValue(toolConfig, 'tools');
		if (toolsNode) {
			const tools = buildTools(b, toolsNode, mapConverseTool);
			if (tools && tools.length > 0) {
				payload.tools = tools;
			}
		}
		const choiceNode = getValue(toolConfig, 'toolChoice');
		const choice = choiceNode ? mapToolChoice(b.plain(choiceNode, '/tool_choice')) : undefined;
		if (choice !== undefined) {
			payload.tool_choice = choice;
		}
		input.toolConfig = quiet.plain(toolConfig, '');
	}
	return { payload, modelFromDocument, maxTokens, input: { converse: input } };
}

function asArray(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

/** Builds the site for a request object of a known shape. */
export function buildSite(obj: ObjectNode, shape: SiteShape, origin: SiteOrigin): RequestSite {
	const b = new Builder();
	let body: BuiltBody;
	let provider: RequestSite['provider'] = 'anthropic';
	let bedrock: RequestSite['bedrock'];
	switch (shape) {
		case 'batch-entry': {
			const params = getValue(obj, 'params');
			if (params?.kind === 'object') {
				body = buildMessagesBody(b, params, false, origin);
			} else {
				if (params) {
					b.plain(params, '');
				}
				body = { payload: { model: '', messages: [] }, modelFromDocument: false };
			}
			break;
		}
		case 'bedrock-invoke': {
			body = buildMessagesBody(b, obj, true, origin);
			provider = 'bedrock';
			bedrock = { modelId: origin.bedrockModelId, input: { invokeModel: { body: new Builder().plain(obj, '') } } };
			break;
		}
		case 'bedrock-converse': {
			const converse = buildConverseBody(b, obj, origin);
			body = converse;
			provider = 'bedrock';
			bedrock = { modelId: body.payload.model || undefined, input: converse.input };
			break;
		}
		default:
			body = buildMessagesBody(b, obj, false, origin);
	}
	const site: RequestSite = {
		id: origin.id,
		range: origin.range,
		anchor: origin.anchor,
		language: origin.language,
		shape,
		provider,
		payload: body.payload,
		modelFromDocument: body.modelFromDocument,
		...(body.pricing ? { pricing: body.pricing } : {}),
		...(bedrock ? { bedrock } : {}),
		...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}),
		unresolved: b.unresolved,
		parts: b.parts,
	};
	return site;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Moves offsets from `at` on by `delta`, in place: what `movedSite` does without building anything, for sites
 * that detection owns alone (a document's cache entry), which nothing reads at their old offsets any more.
 * The result store then gets the very site objects back and keeps their states and figures. The ranges of
 * one group (the sites and reads of one call, one batch line) may share objects; each is moved once. Ranges
 * of different groups never share an object.
 */
export class InPlaceMover {
	private readonly seen: TextRange[] = [];
	private seenSet: Set<TextRange> | undefined;

	/** `moved` receives each site this mover changes. */
	constructor(readonly delta: number, readonly at = -Infinity, private readonly moved?: Set<RequestSite>) { }

	/** Starts the next group. */
	group(): void {
		this.seen.length = 0;
		this.seenSet = undefined;
	}

	offset(o: number): number {
		return o >= this.at ? o + this.delta : o;
	}

	range(r: TextRange): void {
		if (this.seenSet) {
			if (this.seenSet.has(r)) { return; }
			this.seenSet.add(r);
		} else if (this.seen.includes(r)) {
			return;
		} else if (this.seen.length < 32) {
			this.seen.push(r);
		} else {
			this.seenSet = new Set(this.seen);
			this.seenSet.add(r);
		}
		const m = r as Mutable<TextRange>;
		if (m.start >= this.at) { m.start += this.delta; }
		if (m.end >= this.at) { m.end += this.delta; }
	}

	/** The site's ranges moved and its id set, in place. */
	site(site: RequestSite, id = site.id): void {
		const s = site as Mutable<RequestSite>;
		if (s.id !== id) {
			s.id = id;
			this.moved?.add(site);
		}
		if (this.delta === 0) {
			return;
		}
		this.moved?.add(site);
		this.range(s.range);
		this.range(s.anchor);
		for (const p of s.parts) {
			this.range(p.range);
			if (p.keyRange) { this.range(p.keyRange); }
		}
		for (const u of s.unresolved) {
			this.range(u.range);
		}
	}
}
