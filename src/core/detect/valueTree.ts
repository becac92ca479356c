/**
 * A statically evaluated value with document ranges. Every front end (JSON, TypeScript, Python) turns the
 * request it found into this tree, so the request logic in `site.ts` is written once.
 */
import type { TextRange } from '../types';

export type ValueNode = ObjectNode | ArrayNode | ScalarNode | UnresolvedNode;

export interface ObjectNode {
	readonly kind: 'object';
	readonly range: TextRange;
	readonly props: PropNode[];
	/** Spreads that could not be evaluated (`{...makeBase()}`): they contribute no properties. */
	readonly unresolved: UnresolvedNode[];
}

export interface PropNode {
	readonly key: string;
	/** The whole `key: value` property. */
	readonly range: TextRange;
	readonly value: ValueNode;
}

export interface ArrayNode {
	readonly kind: 'array';
	readonly range: TextRange;
	readonly items: ValueNode[];
}

export interface ScalarNode {
	readonly kind: 'scalar';
	readonly range: TextRange;
	readonly value: string | number | boolean | null;
}

export interface UnresolvedNode {
	readonly kind: 'unresolved';
	readonly range: TextRange;
	/** Source text, shortened for display. */
	readonly text: string;
	readonly reason: string;
}

/** The last property with this key (later keys win, as in JavaScript, Python and JSON.parse). */
export function getProp(obj: ObjectNode, key: string): PropNode | undefined {
	for (let i = obj.props.length - 1; i >= 0; i--) {
		if (obj.props[i].key === key) {
			return obj.props[i];
		}
	}
	return undefined;
}

export function getValue(obj: ObjectNode, key: string): ValueNode | undefined {
	return getProp(obj, key)?.value;
}

export function stringValue(node: ValueNode | undefined): string | undefined {
	return node?.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
}

export function numberValue(node: ValueNode | undefined): number | undefined {
	return node?.kind === 'scalar' && typeof node.value === 'number' ? node.value : undefined;
}

const maxShownText = 80;

/** Source text for an unresolved entry: one line, at most 80 characters. */
export function shortText(text: string): string {
	const oneLine = text.replace(/\s+/g, ' ').trim();
	return oneLine.length > maxShownText ? oneLine.slice(0, maxShownText - 1) + '…' : oneLine;
}

export function unresolvedNode(range: TextRange, sourceText: string, reason: string): UnresolvedNode {
	return { kind: 'unresolved', range, text: shortText(sourceText), reason };
}
