/**
 * The compiler-based TypeScript reader the tree-sitter binding replaced, kept as the differential tests'
 * oracle (test/unit/detectTsEngine.test.ts) and the benchmark's baseline; it is not shipped.
 */
import type { SiteShape } from '../../src/core/types';
import { buildSite, classifyRequest, type SiteOrigin } from '../../src/core/detect/site';
import { getValue, stringValue, type ObjectNode, type ValueNode } from '../../src/core/detect/valueTree';
import type { RequestSite } from '../../src/core/types';

/**
 * The site of a JavaScript AWS SDK command (`new ConverseCommand({...})`, `new InvokeModelCommand({...})`).
 * An InvokeModel body counts only when written as `JSON.stringify(x)`: `findInner` finds x in the front
 * end's syntax (it runs even without a `body` key, as it always has) and `evaluate` evaluates it.
 */
export function pushCommandSite<E>(value: ObjectNode, command: string, origin: Omit<SiteOrigin, 'bedrockModelId' | 'bedrockModelIdFromDocument'>,
	defaultModelId: string | undefined, findInner: () => E | undefined, evaluate: (inner: E) => ValueNode, out: RequestSite[]): void {
	const modelId = stringValue(getValue(value, 'modelId'));
	const full: SiteOrigin = { ...origin, bedrockModelId: modelId ?? defaultModelId, bedrockModelIdFromDocument: modelId !== undefined };
	if (command.startsWith('Converse')) {
		out.push(buildSite(value, 'bedrock-converse', full));
		return;
	}
	const bodyProp = value.props.find(p => p.key === 'body');
	const inner = findInner();
	if (!bodyProp || inner === undefined) {
		return;
	}
	const body = evaluate(inner);
	if (body.kind === 'object') {
		const shape: SiteShape = classifyRequest(body) === 'messages' ? 'messages' : 'bedrock-invoke';
		out.push(buildSite(body, shape, full));
	}
}

