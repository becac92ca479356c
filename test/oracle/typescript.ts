/**
 * TypeScript / JavaScript front end. `tsFast.ts` reads most files without parsing them whole; this module
 * holds the full path it falls back to: TypeScript's own parser (tolerant of half-typed code) and a static
 * evaluation of the call's argument. No type checker: identifiers are resolved by walking the enclosing
 * blocks of the same file, which is fast and covers how requests are usually written.
 */
import type * as TS from 'typescript';
import type { RequestSite, TextRange } from '../../src/core/types';
import { firstLineAnchor } from '../../src/core/detect/json';
import { buildSite } from '../../src/core/detect/site';
import { detectTypeScriptFast } from './tsFast';
import { asObject, changedSpan, concatCall, concatenation, follow, maxDepth, member, negation, pushBatchEntries, spreadItems, spreadProps } from '../../src/core/detect/evalHelpers';
import { getValue, stringValue, unresolvedNode, type ObjectNode, type PropNode, type UnresolvedNode, type ValueNode } from '../../src/core/detect/valueTree';
import { pushCommandSite } from './commandSite';

export interface TsDetectOptions {
	readonly fileName?: string;
	readonly languageId?: string;
	readonly bedrockModelId?: string;
}

const requestMethods = new Set(['create', 'stream', 'countTokens']);

/**
 * TypeScript's compiler is loaded on first use of the full parse: the fast path reads nearly every file, and
 * evaluating the compiler's module costs more than the rest of the extension's start-up together.
 */
let ts: typeof TS;
function loadTypeScript(): void {
	ts ??= require('typescript') as typeof TS;
}

function isJsx(options: TsDetectOptions): boolean {
	const ext = /\.([a-z]+)$/i.exec(options.fileName ?? '')?.[1]?.toLowerCase();
	return ext === 'tsx' || ext === 'jsx' || options.languageId === 'typescriptreact' || options.languageId === 'javascriptreact';
}

function scriptKind(language: 'typescript' | 'javascript', options: TsDetectOptions): TS.ScriptKind {
	const jsx = isJsx(options);
	if (language === 'typescript') {
		return jsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
	}
	return jsx ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

/**
 * `client.messages.create` → 'messages.create'; `x.beta.messages.batches.create` → 'beta.messages.batches.create'.
 * Undefined for any other callee.
 */
function sdkMethod(callee: TS.Expression): string | undefined {
	if (!ts.isPropertyAccessExpression(callee) || !requestMethods.has(callee.name.text)) {
		return undefined;
	}
	const method = callee.name.text;
	const owner = callee.expression;
	if (!ts.isPropertyAccessExpression(owner)) {
		return undefined;
	}
	if (owner.name.text === 'messages') {
		return `${isBeta(owner.expression) ? 'beta.' : ''}messages.${method}`;
	}
	if (owner.name.text === 'batches' && method === 'create' && ts.isPropertyAccessExpression(owner.expression)
		&& owner.expression.name.text === 'messages') {
		return `${isBeta(owner.expression.expression) ? 'beta.' : ''}messages.batches.create`;
	}
	return undefined;
}

function isBeta(expr: TS.Expression): boolean {
	return ts.isPropertyAccessExpression(expr) && expr.name.text === 'beta';
}

class Evaluator {
	readonly scopes: ScopeCache = new Map();

	constructor(private readonly sf: TS.SourceFile, private readonly text: string) { }

	range(node: TS.Node): TextRange {
		return { start: node.getStart(this.sf), end: node.end };
	}

	unresolved(node: TS.Node, reason: string): UnresolvedNode {
		const range = this.range(node);
		return unresolvedNode(range, this.text.slice(range.start, range.end), reason);
	}

	evaluate(expr: TS.Expression, depth = 0, visiting: Set<TS.Node> = new Set()): ValueNode {
		// `x as const`, `x satisfies T`, `<T>x`, `(x)`, `x!` are the value x.
		while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)
			|| ts.isTypeAssertionExpression(expr) || ts.isNonNullExpression(expr)) {
			expr = expr.expression;
		}
		const range = this.range(expr);
		switch (expr.kind) {
			case ts.SyntaxKind.StringLiteral:
			case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
				return { kind: 'scalar', range, value: (expr as TS.StringLiteral).text };
			case ts.SyntaxKind.NumericLiteral:
				return { kind: 'scalar', range, value: Number((expr as TS.NumericLiteral).text) };
			case ts.SyntaxKind.TrueKeyword:
				return { kind: 'scalar', range, value: true };
			case ts.SyntaxKind.FalseKeyword:
				return { kind: 'scalar', range, value: false };
			case ts.SyntaxKind.NullKeyword:
				return { kind: 'scalar', range, value: null };
			case ts.SyntaxKind.TemplateExpression:
				return this.unresolved(expr, 'template with substitutions');
			case ts.SyntaxKind.ArrayLiteralExpression:
				return this.array(expr as TS.ArrayLiteralExpression, depth, visiting);
			case ts.SyntaxKind.ObjectLiteralExpression:
				return this.object(expr as TS.ObjectLiteralExpression, depth, visiting);
			case ts.SyntaxKind.Identifier:
				return this.identifier(expr as TS.Identifier, depth, visiting);
			case ts.SyntaxKind.PrefixUnaryExpression: {
				const unary = expr as TS.PrefixUnaryExpression;
				const operand = this.evaluate(unary.operand, depth, visiting);
				return unary.operator === ts.SyntaxKind.MinusToken
					? negation(operand, range, reason => this.unresolved(expr, reason))
					: this.unresolved(expr, 'expression');
			}
			case ts.SyntaxKind.BinaryExpression: {
				// 'a' + 'b': string concatenation across lines is common in prompts.
				const binary = expr as TS.BinaryExpression;
				if (binary.operatorToken.kind === ts.SyntaxKind.PlusToken) {
					const left = this.evaluate(binary.left, depth, visiting);
					const right = this.evaluate(binary.right, depth, visiting);
					return concatenation(left, right, range, 'javascript', reason => this.unresolved(expr, reason));
				}
				return this.unresolved(expr, 'expression');
			}
			case ts.SyntaxKind.PropertyAccessExpression: {
				// PROMPTS.system, where PROMPTS is a same-file object literal.
				const access = expr as TS.PropertyAccessExpression;
				const owner = this.evaluate(access.expression, depth, visiting);
				return member(owner, access.name.text, reason => this.unresolved(expr, reason));
			}
			case ts.SyntaxKind.CallExpression: {
				// EXAMPLES.concat([...]): list concatenation of same-file arrays.
				const call = expr as TS.CallExpression;
				if (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'concat') {
					const owner = this.evaluate(call.expression.expression, depth, visiting);
					const args = call.arguments.map(a => this.evaluate(a, depth, visiting));
					return concatCall(owner, args, range, reason => this.unresolved(expr, reason));
				}
				return this.unresolved(expr, 'function call');
			}
			case ts.SyntaxKind.NewExpression:
				return this.unresolved(expr, 'function call');
			case ts.SyntaxKind.AwaitExpression:
				return this.unresolved(expr, 'awaited value');
			default:
				return this.unresolved(expr, 'expression');
		}
	}

	private array(expr: TS.ArrayLiteralExpression, depth: number, visiting: Set<TS.Node>): ValueNode {
		const items: ValueNode[] = [];
		for (const element of expr.elements) {
			if (ts.isOmittedExpression(element)) {
				continue;
			}
			if (ts.isSpreadElement(element)) {
				spreadItems(items, this.evaluate(element.expression, depth, visiting), () => this.unresolved(element, 'spread of a non-array'));
				continue;
			}
			items.push(this.evaluate(element, depth, visiting));
		}
		return { kind: 'array', range: this.range(expr), items };
	}

	private object(expr: TS.ObjectLiteralExpression, depth: number, visiting: Set<TS.Node>): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const prop of expr.properties) {
			if (ts.isSpreadAssignment(prop)) {
				// Spreading a scalar or an array adds no keys a request reads: nothing to record.
				spreadProps(props, unresolved, this.evaluate(prop.expression, depth, visiting));
				continue;
			}
			if (ts.isShorthandPropertyAssignment(prop)) {
				props.push({ key: prop.name.text, range: this.range(prop), value: this.identifier(prop.name, depth, visiting) });
				continue;
			}
			if (!ts.isPropertyAssignment(prop)) {
				continue; // methods and accessors are not data
			}
			const key = this.propertyName(prop.name, depth, visiting);
			if (key === undefined) {
				unresolved.push(this.unresolved(prop, 'computed property name'));
				continue;
			}
			if (ts.isIdentifier(prop.initializer) && prop.initializer.text === 'undefined') {
				continue; // `key: undefined` is not sent
			}
			props.push({ key, range: this.range(prop), value: this.evaluate(prop.initializer, depth, visiting) });
		}
		return { kind: 'object', range: this.range(expr), props, unresolved };
	}

	private propertyName(name: TS.PropertyName, depth: number, visiting: Set<TS.Node>): string | undefined {
		if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)
			|| ts.isNoSubstitutionTemplateLiteral(name)) {
			return name.text;
		}
		if (ts.isComputedPropertyName(name)) {
			return stringValue(this.evaluate(name.expression, depth, visiting));
		}
		return undefined;
	}

	private identifier(id: TS.Identifier, depth: number, visiting: Set<TS.Node>): ValueNode {
		const found = resolveIdentifier(id, this.scopes);
		if (!found || typeof found === 'string') {
			return this.unresolved(id, found ?? 'unknown identifier');
		}
		return follow(found, depth, visiting, () => this.evaluate(found, depth + 1, visiting), reason => this.unresolved(id, reason));
	}
}

/**
 * The initializer a name refers to in its scope, or why there is none ('parameter', 'imported value' …).
 * A `let` is read at its initializer; later assignments are not followed.
 */
function resolveIdentifier(id: TS.Identifier, scopes: ScopeCache): TS.Expression | string | undefined {
	const name = id.text;
	for (let scope: TS.Node | undefined = id.parent; scope; scope = scope.parent) {
		if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) {
			let names = scopes.get(scope);
			if (!names) {
				names = scopeNames(scope.statements);
				scopes.set(scope, names);
			}
			const found = names.get(name);
			if (found !== undefined) {
				return found;
			}
		} else if (ts.isFunctionLike(scope)) {
			if (scope.parameters.some(p => bindsName(p.name, name))) {
				return 'parameter';
			}
		} else if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope))
			&& scope.initializer && ts.isVariableDeclarationList(scope.initializer)
			&& scope.initializer.declarations.some(d => bindsName(d.name, name))) {
			return 'loop variable';
		} else if (ts.isCatchClause(scope) && scope.variableDeclaration && bindsName(scope.variableDeclaration.name, name)) {
			return 'caught value';
		}
	}
	return undefined;
}

function bindsName(binding: TS.BindingName, name: string): boolean {
	if (ts.isIdentifier(binding)) {
		return binding.text === name;
	}
	return binding.elements.some(e => !ts.isOmittedExpression(e) && bindsName(e.name, name));
}

/** What each name declared directly in a block refers to (the first declaration wins). */
type ScopeCache = Map<TS.Node, Map<string, TS.Expression | string>>;

function scopeNames(statements: TS.NodeArray<TS.Statement>): Map<string, TS.Expression | string> {
	const names = new Map<string, TS.Expression | string>();
	const add = (name: string, value: TS.Expression | string): void => {
		if (!names.has(name)) {
			names.set(name, value);
		}
	};
	const addBinding = (binding: TS.BindingName, value: string): void => {
		if (ts.isIdentifier(binding)) {
			add(binding.text, value);
		} else {
			for (const e of binding.elements) {
				if (!ts.isOmittedExpression(e)) {
					addBinding(e.name, value);
				}
			}
		}
	};
	for (const statement of statements) {
		if (ts.isVariableStatement(statement)) {
			for (const decl of statement.declarationList.declarations) {
				if (ts.isIdentifier(decl.name)) {
					add(decl.name.text, decl.initializer ?? 'declared without a value');
				} else {
					addBinding(decl.name, 'destructured value');
				}
			}
		} else if (ts.isImportEqualsDeclaration(statement)) {
			add(statement.name.text, 'imported value');
		} else if (ts.isImportDeclaration(statement)) {
			const clause = statement.importClause;
			if (clause?.name) {
				add(clause.name.text, 'imported value');
			}
			const bindings = clause?.namedBindings;
			if (bindings && ts.isNamespaceImport(bindings)) {
				add(bindings.name.text, 'imported value');
			} else if (bindings) {
				for (const e of bindings.elements) {
					add(e.name.text, 'imported value');
				}
			}
		} else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
			add(statement.name.text, ts.isFunctionDeclaration(statement) ? 'function' : 'class or enum');
		}
	}
	return names;
}

/** `JSON.stringify(x)` → x, for Bedrock InvokeModel bodies. */
function stringifiedArgument(expr: TS.Expression): TS.Expression | undefined {
	while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr)) {
		expr = expr.expression;
	}
	if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'stringify'
		&& ts.isIdentifier(expr.expression.expression) && expr.expression.expression.text === 'JSON' && expr.arguments.length > 0) {
		return expr.arguments[0];
	}
	return undefined;
}

/**
 * Requests in a TypeScript or JavaScript document. The fast path reads only the calls and the declarations
 * they use; text it does not model (half-typed code, unusual syntax in a request) goes to the full parse.
 */
export function detectTypeScript(text: string, language: 'typescript' | 'javascript', options: TsDetectOptions, out: RequestSite[]): void {
	try {
		// Everything but plain .ts may hold JSX (the fast path bails on it).
		const mayHoldJsx = language === 'javascript' || isJsx(options);
		detectTypeScriptFast(text, language, mayHoldJsx, options.bedrockModelId, out);
		return;
	} catch {
		// `Bail`, or any surprise in the fast path: the full parse decides (the fast path leaves `out` alone).
	}
	detectTypeScriptFull(text, language, options, out);
}

/** Detection with TypeScript's parser over the whole file (kept incremental per file name). */
export function detectTypeScriptFull(text: string, language: 'typescript' | 'javascript', options: TsDetectOptions, out: RequestSite[]): void {
	loadTypeScript();
	const sf = parse(text, language, options);
	const evaluator = new Evaluator(sf, text);
	const ordinals = new Map<string, number>();
	const prefix = language === 'typescript' ? 'ts' : 'js';
	const nextId = (method: string): string => {
		const n = ordinals.get(method) ?? 0;
		ordinals.set(method, n + 1);
		return `${prefix}:${method}#${n}`;
	};
	const anchorOf = (node: TS.Node): TextRange => {
		const start = node.getStart(sf);
		return firstLineAnchor(text, start, node.end);
	};

	const visitCall = (call: TS.CallExpression, method: string): void => {
		const arg = call.arguments[0];
		if (!arg) {
			return;
		}
		const id = nextId(method);
		const range = evaluator.range(call);
		const anchor = anchorOf(call);
		const value = evaluator.evaluate(arg);
		if (method.endsWith('batches.create')) {
			pushBatchEntries(value.kind === 'object' ? getValue(value, 'requests') : undefined, id, language, text, out);
			return;
		}
		out.push(buildSite(asObject(value), 'messages', { id, language, range, anchor }));
	};

	const visitCommand = (node: TS.NewExpression, command: string): void => {
		const arg = node.arguments?.[0];
		if (!arg) {
			return;
		}
		const value = evaluator.evaluate(arg);
		if (value.kind !== 'object') {
			return;
		}
		const origin = { id: nextId(command), language, range: evaluator.range(node), anchor: anchorOf(node) };
		pushCommandSite(value, command, origin, options.bedrockModelId, () => {
			const bodyExpr = findBodyExpression(arg, evaluator.scopes);
			return bodyExpr ? stringifiedArgument(bodyExpr) : undefined;
		}, inner => evaluator.evaluate(inner), out);
	};

	// Candidates come from a text scan; the parser decides. Visiting only their ancestors is much cheaper
	// than walking the whole tree of a large file.
	const seen = new Set<TS.Node>();
	candidatePattern.lastIndex = 0;
	for (let match = candidatePattern.exec(text); match; match = candidatePattern.exec(text)) {
		const name = match[1] ?? match[2];
		const nameOffset = match.index + (match[1] ? match[0].indexOf(name) : match[0].lastIndexOf(name));
		const token = tokenAt(sf, nameOffset);
		const node = token?.parent?.parent;
		if (!node || seen.has(node)) {
			continue;
		}
		seen.add(node);
		if (ts.isCallExpression(node) && node.expression === token.parent) {
			const method = sdkMethod(node.expression);
			if (method) {
				visitCall(node, method);
			}
		}
		if (match[2] && ts.isNewExpression(token.parent) && token.parent.expression === token && !seen.has(token.parent)) {
			seen.add(token.parent);
			visitCommand(token.parent, name);
		}
	}
}

/** `.create(`, `.stream(`, `.countTokens(` (group 1) and `new …Command` (group 2): names the parser must confirm. */
const candidatePattern = /\.\s*(create|stream|countTokens)\s*(?:<[^>]*>\s*)?\(|\bnew\s+(?:[\w$]+\s*\.\s*)*(InvokeModelCommand|InvokeModelWithResponseStreamCommand|ConverseCommand|ConverseStreamCommand)\b/g;

/** The deepest node whose own text starts at or covers `offset` (an identifier token here). */
function tokenAt(sf: TS.SourceFile, offset: number): TS.Identifier | undefined {
	let current: TS.Node = sf;
	for (;;) {
		let next: TS.Node | undefined;
		if (ts.isSourceFile(current) || ts.isBlock(current) || ts.isModuleBlock(current)) {
			// Long statement lists (a big file's top level): binary search instead of a scan.
			next = statementAt(current.statements, offset);
			if (next) {
				current = next;
				continue;
			}
		}
		ts.forEachChild(current, child => {
			if (child.pos <= offset && offset < child.end) {
				next = child;
				return true;
			}
			return undefined;
		});
		if (!next) {
			return ts.isIdentifier(current) ? current : undefined;
		}
		current = next;
	}
}

function statementAt(statements: TS.NodeArray<TS.Statement>, offset: number): TS.Statement | undefined {
	let lo = 0;
	let hi = statements.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const statement = statements[mid];
		if (offset < statement.pos) {
			hi = mid - 1;
		} else if (offset >= statement.end) {
			lo = mid + 1;
		} else {
			return statement;
		}
	}
	return undefined;
}

interface CachedSource {
	readonly text: string;
	readonly kind: TS.ScriptKind;
	readonly sf: TS.SourceFile;
}

/** Last parse per file name, so an edit re-parses incrementally (the editor calls us on every change). */
const sourceCache = new Map<string, CachedSource>();
const maxCachedSources = 8;

function parse(text: string, language: 'typescript' | 'javascript', options: TsDetectOptions): TS.SourceFile {
	const kind = scriptKind(language, options);
	const fileName = options.fileName;
	const cached = fileName ? sourceCache.get(fileName) : undefined;
	let sf: TS.SourceFile;
	if (cached && cached.kind === kind) {
		sf = cached.text === text ? cached.sf : ts.updateSourceFile(cached.sf, text, changeRange(cached.text, text));
	} else {
		sf = ts.createSourceFile(fileName ?? (language === 'typescript' ? 'file.ts' : 'file.js'), text,
			{ languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, kind);
	}
	if (fileName) {
		sourceCache.delete(fileName);
		sourceCache.set(fileName, { text, kind, sf });
		if (sourceCache.size > maxCachedSources) {
			sourceCache.delete(sourceCache.keys().next().value!);
		}
	}
	return sf;
}

/** The single span that differs between two texts (common prefix and suffix removed). */
function changeRange(oldText: string, newText: string): TS.TextChangeRange {
	const { prefix, suffix } = changedSpan(oldText, newText);
	return ts.createTextChangeRange(ts.createTextSpan(prefix, oldText.length - prefix - suffix), newText.length - prefix - suffix);
}

/** The expression written for `body:` in a command's argument (following a same-file identifier). */
function findBodyExpression(arg: TS.Expression, scopes: ScopeCache): TS.Expression | undefined {
	for (let hops = 0; hops < maxDepth; hops++) {
		while (ts.isParenthesizedExpression(arg) || ts.isAsExpression(arg) || ts.isSatisfiesExpression(arg)) {
			arg = arg.expression;
		}
		if (ts.isIdentifier(arg)) {
			const found = resolveIdentifier(arg, scopes);
			if (!found || typeof found === 'string') {
				return undefined;
			}
			arg = found;
			continue;
		}
		if (!ts.isObjectLiteralExpression(arg)) {
			return undefined;
		}
		for (const prop of arg.properties) {
			if ((ts.isPropertyAssignment(prop) || ts.isShorthandPropertyAssignment(prop)) && ts.isIdentifier(prop.name) && prop.name.text === 'body') {
				let body: TS.Expression = ts.isPropertyAssignment(prop) ? prop.initializer : prop.name;
				if (ts.isIdentifier(body)) {
					const found = resolveIdentifier(body, scopes);
					if (found && typeof found !== 'string') {
						body = found;
					}
				}
				return body;
			}
		}
		return undefined;
	}
	return undefined;
}
