/**
 * Fast TypeScript / JavaScript detection without parsing the whole file: the lexical scanner finds the SDK
 * calls, a small expression parser reads only their arguments and the same-file declarations they name,
 * and the evaluation follows `typescript.ts` exactly. Anything outside the supported subset (arrow
 * functions in a request, JSX in a value, unbalanced brackets while typing …) throws `Bail`, and the caller
 * falls back to the full parse, so results never differ.
 */
import type { RequestSite, SiteLanguage, TextRange } from '../../src/core/types';
import { firstLineAnchor } from '../../src/core/detect/json';
import { buildSite } from '../../src/core/detect/site';
import { isTok, scan, Tok, tokText, type Scan } from './tsScan';
import { asObject, concatCall, concatenation, follow, maxDepth, member, negation, pushBatchEntries, spreadItems, spreadProps } from '../../src/core/detect/evalHelpers';
import { getValue, stringValue, unresolvedNode, type ObjectNode, type PropNode, type UnresolvedNode, type ValueNode } from '../../src/core/detect/valueTree';
import { pushCommandSite } from './commandSite';

/** The fast path cannot decide: use the full parser. */
export class Bail extends Error { }

function bail(): never {
	throw new Bail();
}

type Expr =
	| { k: 'lit'; s: number; e: number; v: string | number | boolean | null }
	| { k: 'tpl' | 'other' | 'call' | 'await'; s: number; e: number; t?: number }
	| { k: 'arr'; s: number; e: number; items: (Expr | Spread)[] }
	| { k: 'obj'; s: number; e: number; props: Prop[] }
	| { k: 'id'; s: number; e: number; name: string; t: number }
	| { k: 'prefix'; s: number; e: number; op: string; x: Expr }
	| { k: 'bin'; s: number; e: number; op: string; l: Expr; r: Expr }
	| { k: 'access'; s: number; e: number; x: Expr; name: string }
	| { k: 'concat'; s: number; e: number; x: Expr; args: (Expr | Spread)[] }
	| { k: 'wrap'; s: number; e: number; x: Expr };

interface Spread { k: 'spread'; s: number; e: number; x: Expr }

type Prop =
	| { k: 'prop'; s: number; e: number; key: string | Expr; value: Expr }
	| { k: 'short'; s: number; e: number; id: Expr & { k: 'id' } }
	| Spread;

const binPrec: Record<string, number> = {
	'??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7, '===': 7, '!==': 7,
	'>': 8, '<=': 8, '>=': 8, instanceof: 8, in: 8, as: 8, satisfies: 8,
	'<<': 9, '>>': 9, '>>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11, '**': 12,
};

const assignOps = new Set(['=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '&&=', '||=', '??=']);
const prefixOps = new Set(['-', '+', '!', '~', 'typeof', 'void', 'delete']);

/** Decodes a string or template literal's text as TypeScript does (escapes; CRLF in templates). */
export function cookString(raw: string, template: boolean): string {
	if (template) {
		raw = raw.replace(/\r\n?/g, '\n');
	}
	if (!raw.includes('\\')) {
		return raw;
	}
	return raw.replace(/\\(u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|\r\n|[\s\S])/g, (all, esc: string, cp?: string, u4?: string, x2?: string) => {
		if (cp !== undefined || u4 !== undefined || x2 !== undefined) {
			return String.fromCodePoint(parseInt((cp ?? u4 ?? x2)!, 16));
		}
		switch (esc) {
			case 'n': return '\n';
			case 't': return '\t';
			case 'r': return '\r';
			case 'b': return '\b';
			case 'f': return '\f';
			case 'v': return '\v';
			case '0': return '\0';
			case '\n': case '\r': case '\r\n': case '\u2028': case '\u2029': return '';
			default:
				if (/[1-9xu]/.test(esc)) {
					bail();
				}
				return esc;
		}
	});
}

class Parser {
	/** `lenient`: the scan closed brackets of half-typed code, so a property may still lack its value. */
	constructor(private readonly s: Scan, private readonly jsx: boolean, private readonly lenient = false) { }

	private p = 0;

	/** The expression starting at token `at`; `stop` is the token it must end before (exclusive), or -1. */
	parseAt(at: number, stop: number): Expr {
		this.p = at;
		const expr = this.assignment();
		if (stop >= 0 && this.p !== stop) {
			bail();
		}
		return expr;
	}

	get pos(): number {
		return this.p;
	}

	/** The source of a callee from offset `start` to the token `open`, without white space. */
	calleeText(start: number, open: number): string {
		return this.s.text.slice(start, this.s.start[open]).replace(/\s+/g, '');
	}

	isClose(at: number): boolean {
		return this.is(')', at);
	}

	private is(value: string, at = this.p): boolean {
		return isTok(this.s, at, value);
	}

	private kind(at = this.p): Tok | -1 {
		return at < this.s.count ? this.s.kind[at] as Tok : -1;
	}

	private text(at = this.p): string {
		return tokText(this.s, at);
	}

	private endOf(token: number): number {
		return this.s.end[token];
	}

	private startOf(token: number): number {
		return this.s.start[token];
	}

	private assignment(): Expr {
		const k = this.kind();
		if (k === Tok.Ident && (this.is('=>', this.p + 1) || this.is('async') || this.is('yield') || this.is('function') || this.is('class'))) {
			bail();
		}
		if (this.is('(') && (this.is('=>', this.s.match[this.p] + 1) || this.is(':', this.s.match[this.p] + 1))) {
			bail();
		}
		const left = this.binary(0);
		if (this.is('?')) {
			this.p++;
			this.assignment();
			if (!this.is(':')) {
				bail();
			}
			this.p++;
			const right = this.assignment();
			return { k: 'other', s: left.s, e: right.e };
		}
		if (this.kind() === Tok.Punct && assignOps.has(this.text())) {
			bail();
		}
		return left;
	}

	private binary(minPrec: number): Expr {
		let left = this.unary();
		for (;;) {
			if (this.p >= this.s.count) {
				return left;
			}
			const k = this.kind();
			const op = k === Tok.Punct || k === Tok.Ident ? this.text() : '';
			if (op === '<') {
				bail(); // a comparison or type arguments: TypeScript decides by lookahead
			}
			const prec = binPrec[op];
			if (prec === undefined || prec <= minPrec) {
				return left;
			}
			if (op === 'as' || op === 'satisfies') {
				if (this.s.newline[this.p]) {
					return left;
				}
				this.p++;
				const last = this.skipType();
				left = { k: 'wrap', s: left.s, e: this.endOf(last), x: left };
				continue;
			}
			this.p++;
			const right = this.binary(op === '**' ? prec - 1 : prec);
			left = { k: 'bin', s: left.s, e: right.e, op, l: left, r: right };
		}
	}

	private unary(): Expr {
		const start = this.startOf(this.p);
		const k = this.kind();
		const op = k === Tok.Punct || k === Tok.Ident ? this.text() : '';
		if (prefixOps.has(op)) {
			this.p++;
			const x = this.unary();
			return op === 'typeof' || op === 'void' || op === 'delete' ? { k: 'other', s: start, e: x.e } : { k: 'prefix', s: start, e: x.e, op, x };
		}
		if (op === '++' || op === '--') {
			this.p++;
			const x = this.unary();
			return { k: 'other', s: start, e: x.e };
		}
		if (op === 'await') {
			this.p++;
			const x = this.unary();
			return { k: 'await', s: start, e: x.e };
		}
		if (op === '<') {
			if (this.jsx) {
				bail();
			}
			this.p++;
			this.skipType();
			if (!this.is('>')) {
				bail();
			}
			this.p++;
			const x = this.unary();
			return { k: 'wrap', s: start, e: x.e, x };
		}
		const x = this.leftHandSide();
		if ((this.is('++') || this.is('--')) && !this.s.newline[this.p]) {
			this.p++;
			return { k: 'other', s: x.s, e: this.endOf(this.p - 1) };
		}
		return x;
	}

	/** Skips over a closed bracket at the cursor; returns its closing token. */
	private skipGroup(): number {
		const close = this.s.match[this.p];
		if (close < 0) {
			bail();
		}
		this.p = close + 1;
		return close;
	}

	/** Skips a template with substitutions starting at the cursor; returns its tail token. */
	private skipTemplate(): number {
		let t = this.p;
		while (this.s.kind[t] !== Tok.TemplateTail) {
			t = this.s.match[t];
			if (t < 0) {
				bail();
			}
		}
		this.p = t + 1;
		return t;
	}

	private leftHandSide(): Expr {
		let x = this.primary();
		for (;;) {
			if (this.is('.') || this.is('?.')) {
				const optional = this.is('?.');
				this.p++;
				if (optional && (this.is('(') || this.is('['))) {
					const open = this.p;
					const close = this.skipGroup();
					x = this.is('(', open) ? { k: 'call', s: x.s, e: this.endOf(close), t: open } : { k: 'other', s: x.s, e: this.endOf(close) };
					continue;
				}
				if (this.kind() !== Tok.Ident) {
					bail();
				}
				x = { k: 'access', s: x.s, e: this.endOf(this.p), x, name: this.text() };
				this.p++;
			} else if (this.is('[')) {
				const close = this.skipGroup();
				x = { k: 'other', s: x.s, e: this.endOf(close) };
			} else if (this.is('(') && x.k === 'access' && x.name === 'concat') {
				// list.concat(a, b): the arguments are parsed as values (list concatenation).
				const args = this.elements();
				x = { k: 'concat', s: x.s, e: this.endOf(this.p - 1), x: x.x, args };
			} else if (this.is('(')) {
				const open = this.p;
				const close = this.skipGroup();
				x = { k: 'call', s: x.s, e: this.endOf(close), t: open };
			} else if (this.kind() === Tok.Template) {
				x = { k: 'other', s: x.s, e: this.endOf(this.p) };
				this.p++;
			} else if (this.kind() === Tok.TemplateHead) {
				const tail = this.skipTemplate();
				x = { k: 'other', s: x.s, e: this.endOf(tail) };
			} else if (this.is('!') && !this.s.newline[this.p]) {
				x = { k: 'wrap', s: x.s, e: this.endOf(this.p), x };
				this.p++;
			} else {
				return x;
			}
		}
	}

	private primary(): Expr {
		if (this.p >= this.s.count) {
			bail();
		}
		const t = this.p;
		const s = this.startOf(t);
		const e = this.endOf(t);
		switch (this.kind()) {
			case Tok.Str: {
				this.p++;
				// A string still being typed ends at the line end, as in TypeScript.
				const closed = e - s >= 2 && this.s.text.charCodeAt(e - 1) === this.s.text.charCodeAt(s);
				return { k: 'lit', s, e, v: cookString(this.s.text.slice(s + 1, closed ? e - 1 : e), false) };
			}
			case Tok.Template:
				this.p++;
				return { k: 'lit', s, e, v: cookString(this.s.text.slice(s + 1, e - 1), true) };
			case Tok.TemplateHead: {
				const tail = this.skipTemplate();
				return { k: 'tpl', s, e: this.endOf(tail) };
			}
			case Tok.Num: {
				this.p++;
				const raw = this.text(t).replace(/_/g, '');
				if (/^0\d/.test(raw) || /n$/.test(raw)) {
					bail();
				}
				const v = Number(raw);
				if (Number.isNaN(v)) {
					bail();
				}
				return { k: 'lit', s, e, v };
			}
			case Tok.Regex:
				this.p++;
				return { k: 'other', s, e };
			case Tok.Ident: {
				const name = this.text();
				switch (name) {
					case 'true': case 'false':
						this.p++;
						return { k: 'lit', s, e, v: name === 'true' };
					case 'null':
						this.p++;
						return { k: 'lit', s, e, v: null };
					case 'this': case 'super':
						this.p++;
						return { k: 'other', s, e };
					case 'new':
						return this.newExpression();
					case 'function': case 'class': case 'import': case 'yield': case 'async':
						return bail();
					default:
						if (name.startsWith('#')) {
							bail();
						}
						this.p++;
						return { k: 'id', s, e, name, t };
				}
			}
			case Tok.Punct:
				if (this.is('(')) {
					const close = this.s.match[t];
					if (close < 0) {
						bail();
					}
					this.p++;
					const x = this.assignment();
					if (this.p !== close) {
						bail();
					}
					this.p++;
					return { k: 'wrap', s, e: this.endOf(close), x };
				}
				if (this.is('[')) {
					return this.array();
				}
				if (this.is('{')) {
					return this.object();
				}
				return bail();
			default:
				return bail();
		}
	}

	private newExpression(): Expr {
		const s = this.startOf(this.p);
		this.p++;
		if (this.is('new') || this.is('.') || this.kind() !== Tok.Ident) {
			bail();
		}
		let e = this.endOf(this.p);
		this.p++;
		while (this.is('.') && this.kind(this.p + 1) === Tok.Ident) {
			e = this.endOf(this.p + 1);
			this.p += 2;
		}
		if (this.is('<')) {
			bail();
		}
		if (this.is('(')) {
			e = this.endOf(this.skipGroup());
		}
		return { k: 'call', s, e };
	}

	private array(): Expr {
		const s = this.startOf(this.p);
		const close = this.s.match[this.p];
		const items = this.elements();
		return { k: 'arr', s, e: this.endOf(close), items };
	}

	/** The elements of `[...]` or the arguments of `(...)` at the cursor, which ends past the closing token. */
	private elements(): (Expr | Spread)[] {
		const close = this.s.match[this.p];
		if (close < 0) {
			bail();
		}
		this.p++;
		const items: (Expr | Spread)[] = [];
		while (this.p !== close) {
			if (this.is(',')) {
				this.p++; // an omitted element
				continue;
			}
			if (this.is('...')) {
				const ss = this.startOf(this.p);
				this.p++;
				const x = this.assignment();
				items.push({ k: 'spread', s: ss, e: x.e, x });
			} else {
				items.push(this.assignment());
			}
			this.commaOr(close);
		}
		this.p++;
		return items;
	}

	private object(): Expr {
		const s = this.startOf(this.p);
		const close = this.s.match[this.p];
		if (close < 0) {
			bail();
		}
		this.p++;
		const props: Prop[] = [];
		while (this.p !== close) {
			const ps = this.startOf(this.p);
			if (this.is('...')) {
				this.p++;
				const x = this.assignment();
				props.push({ k: 'spread', s: ps, e: x.e, x });
			} else {
				let key: string | Expr;
				const k = this.kind();
				if (this.is('[')) {
					const keyClose = this.s.match[this.p];
					this.p++;
					key = this.assignment();
					if (this.p !== keyClose) {
						bail();
					}
					this.p++;
				} else if (this.is('*')) {
					return bail();
				} else if (k === Tok.Ident || k === Tok.Str || k === Tok.Num) {
					const raw = this.text();
					if (k === Tok.Ident && (raw === 'get' || raw === 'set' || raw === 'async')
						&& !this.is(':', this.p + 1) && !this.is(',', this.p + 1) && !this.is('(', this.p + 1) && this.p + 1 !== close) {
						this.p++;
						this.skipMethod();
						this.commaOr(close);
						continue;
					}
					if (k === Tok.Num && !/^\d+$/.test(raw)) {
						bail();
					}
					key = k === Tok.Str ? cookString(raw.slice(1, -1), false) : raw;
					if (k === Tok.Ident && raw.startsWith('#')) {
						bail();
					}
					this.p++;
				} else {
					return bail();
				}
				if (this.is(':')) {
					this.p++;
					if (this.lenient && this.p === close) {
						continue; // `key:` with its value not typed yet
					}
					const value = this.assignment();
					props.push({ k: 'prop', s: ps, e: value.e, key, value });
				} else if (this.is('(') || this.is('<')) {
					if (typeof key !== 'string') {
						bail();
					}
					this.p--;
					this.skipMethod();
				} else if ((this.is(',') || this.p === close) && k === Tok.Ident && typeof key === 'string') {
					const t = this.p - 1;
					props.push({ k: 'short', s: ps, e: this.endOf(t), id: { k: 'id', s: ps, e: this.endOf(t), name: key, t } });
				} else {
					bail();
				}
			}
			this.commaOr(close);
		}
		this.p++;
		return { k: 'obj', s, e: this.endOf(close), props };
	}

	private commaOr(close: number): void {
		if (this.is(',')) {
			this.p++;
		} else if (this.p !== close) {
			if (!this.lenient) {
				bail();
			}
			this.p = close; // half-typed: what follows a broken element is not part of this list
		}
	}

	/** A method or accessor in an object literal (not data): name, parameters, optional return type, body. */
	private skipMethod(): void {
		if (this.is('[')) {
			this.skipGroup();
		} else {
			this.p++;
		}
		if (!this.is('(')) {
			bail();
		}
		this.skipGroup();
		while (this.p < this.s.count && !this.is('{')) {
			if (this.is(',') || this.is('}') || this.is(';')) {
				bail();
			}
			if (this.is('(') || this.is('[')) {
				this.skipGroup();
			} else {
				this.p++;
			}
		}
		this.skipGroup();
	}

	/** Skips a type (after `as`, `satisfies`, or inside `<…>`); returns its last token. */
	private skipType(): number {
		let last = -1;
		if (this.is('|') || this.is('&')) {
			this.p++;
		}
		for (;;) {
			while (this.is('keyof') || this.is('typeof') || this.is('readonly') || this.is('unique') || this.is('-')) {
				this.p++;
			}
			const k = this.kind();
			if (this.is('(') || this.is('[') || this.is('{')) {
				const wasParen = this.is('(');
				last = this.skipGroup();
				if (wasParen && this.is('=>')) {
					this.p++;
					last = this.skipType();
				}
			} else if (k === Tok.Ident) {
				if (this.is('infer') || this.is('new') || this.is('asserts') || this.is('is')) {
					bail();
				}
				last = this.p++;
				while (this.is('.') && this.kind(this.p + 1) === Tok.Ident) {
					last = this.p + 1;
					this.p += 2;
				}
				if (this.is('<') && !this.s.newline[this.p]) {
					last = this.skipAngles();
				}
			} else if (k === Tok.Str || k === Tok.Num || k === Tok.Template) {
				last = this.p++;
			} else {
				return bail();
			}
			while (this.is('[') && !this.s.newline[this.p]) {
				last = this.skipGroup();
			}
			if (this.is('extends') || this.is('is')) {
				bail();
			}
			if (this.is('|') || this.is('&')) {
				this.p++;
				continue;
			}
			return last;
		}
	}

	/** `<…>` type arguments; `>>` closes two. Returns the last token. */
	private skipAngles(): number {
		let depth = 0;
		while (this.p < this.s.count) {
			if (this.is('(') || this.is('[') || this.is('{')) {
				this.skipGroup();
				continue;
			}
			const t = this.text();
			if (t === '<') {
				depth++;
			} else if (t === '>' || t === '>>' || t === '>>>') {
				depth -= t.length;
				if (depth <= 0) {
					if (depth < 0) {
						bail();
					}
					return this.p++;
				}
			} else if (t === ';' || t === ')' || t === ']' || t === '}' || t === '>=' || t === '>>=') {
				bail();
			}
			this.p++;
		}
		return bail();
	}
}

/** Names a scope binds: an initializer (token index) or why there is none. */
type Binding = number | string;

interface Scope {
	readonly start: number;
	readonly end: number;
	/** Block scopes list their declarations lazily. */
	decls?: number[];
	names?: Map<string, Binding>;
	/** Parameters: the `(` whose names are read on the first lookup. */
	readonly params?: number;
	/** Parameters, loop variables or a caught value. */
	readonly reason?: string;
	parent?: Scope;
}

const statementAfter = new Set([';', '{', '}', 'export', 'declare', 'default']);

class Resolver {
	private scopes: Scope[] | undefined;
	private readonly inits = new Map<number, Expr>();

	constructor(private readonly s: Scan, private readonly parser: Parser) { }

	/** True when an identifier key `body` (not a quoted one) starts at this offset. */
	keyText(offset: number): string {
		return this.s.text.slice(offset, offset + 5);
	}

	/** The parsed initializer at token `t` (cached). */
	init(t: number): Expr {
		let expr = this.inits.get(t);
		if (!expr) {
			expr = this.parser.parseAt(t, -1);
			this.inits.set(t, expr);
		}
		return expr;
	}

	/** What the identifier token `t` named `name` refers to, as `resolveIdentifier` in typescript.ts. */
	resolve(t: number, name: string): Binding | undefined {
		const scopes = this.scopes ??= this.build();
		const at = this.s.start[t];
		let lo = 0;
		let hi = scopes.length - 1;
		let found = -1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (scopes[mid].start <= at) {
				found = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
		for (let scope: Scope | undefined = found >= 0 ? scopes[found] : undefined; scope; scope = scope.parent) {
			if (at < scope.start || at >= scope.end) {
				continue;
			}
			if (scope.reason !== undefined) {
				scope.names ??= this.paramNames(scope.params!);
				if (scope.names.has(name)) {
					return scope.reason;
				}
				continue;
			}
			scope.names ??= this.blockNames(scope.decls ?? []);
			const binding = scope.names.get(name);
			if (binding !== undefined) {
				return binding;
			}
		}
		return undefined;
	}

	private isStatementStart(i: number): boolean {
		if (i === 0) {
			return true;
		}
		const prev = tokText(this.s, i - 1);
		if (statementAfter.has(prev)) {
			return true;
		}
		if (!this.s.newline[i]) {
			return false;
		}
		const k = this.s.kind[i - 1];
		return k === Tok.Num || k === Tok.Str || k === Tok.Template || k === Tok.TemplateTail || k === Tok.Regex
			|| (k === Tok.Ident && !/^(return|typeof|await|new|in|of|instanceof|void|delete|throw|yield|case|extends|as|satisfies|async)$/.test(prev))
			|| prev === ')' || prev === ']';
	}

	/** Every scope in the text, sorted by start, each with its parent. */
	private build(): Scope[] {
		const s = this.s;
		const scopes: Scope[] = [];
		const rootDecls: number[] = [];
		// Only blocks that declare something can bind a name: the others need no scope.
		const blockOf = new Map<number, Scope>();
		for (const i of s.parens) {
			this.paramScope(i, scopes);
		}
		for (const i of s.arrows) {
			if (i > 0 && s.kind[i - 1] === Tok.Ident && !isTok(s, i - 2, '.')) {
				scopes.push({ start: s.start[i - 1], end: this.arrowBodyEnd(i), names: new Map([[tokText(s, i - 1), '']]), reason: 'parameter' });
			}
		}
		s.keywords.forEach((i, n) => {
			const group = s.keywordGroups[n];
			if (group >= 0 && !isTok(s, group, '{')) {
				return;
			}
			const word = tokText(s, i);
			if ((word === 'const' || word === 'let' || word === 'var' || word === 'function' || word === 'class' || word === 'enum'
				|| word === 'import' || word === 'async' || word === 'abstract') && this.isStatementStart(i)) {
				if (group < 0) {
					rootDecls.push(i);
				} else {
					let block = blockOf.get(group);
					if (!block) {
						block = { start: s.start[group], end: s.match[group] < 0 ? s.text.length : s.end[s.match[group]], decls: [] };
						blockOf.set(group, block);
						scopes.push(block);
					}
					block.decls!.push(i);
				}
			}
		});
		scopes.push({ start: 0, end: s.text.length + 1, decls: rootDecls });
		scopes.sort((a, b) => a.start - b.start || b.end - a.end);
		const stack: Scope[] = [];
		for (const scope of scopes) {
			while (stack.length > 0 && stack[stack.length - 1].end <= scope.start) {
				stack.pop();
			}
			scope.parent = stack[stack.length - 1];
			stack.push(scope);
		}
		return scopes;
	}

	/** Parameters of a function, loop variables of a `for`, a caught value: scopes over the group and its body. */
	private paramScope(open: number, scopes: Scope[]): void {
		const s = this.s;
		const close = s.match[open];
		if (close < 0) {
			return;
		}
		const before = open - 1;
		// `promise.catch(…)`, `x.if(…)`: a method named like a keyword is an ordinary call.
		const keyword = (i: number, word: string): boolean => isTok(s, i, word) && !isTok(s, i - 1, '.') && !isTok(s, i - 1, '?.');
		if (keyword(before, 'if') || keyword(before, 'while') || keyword(before, 'switch') || keyword(before, 'with')) {
			return;
		}
		if (keyword(before, 'for') || isTok(s, before, 'await') && keyword(before - 1, 'for')) {
			if (isTok(s, open + 1, 'const') || isTok(s, open + 1, 'let') || isTok(s, open + 1, 'var')) {
				const names = new Map<string, Binding>();
				this.bindingNames(open + 2, names, '');
				scopes.push({ start: s.start[open], end: this.statementEnd(close + 1), names, reason: 'loop variable' });
			}
			return;
		}
		if (keyword(before, 'catch')) {
			const names = new Map<string, Binding>();
			this.bindingNames(open + 1, names, '');
			scopes.push({ start: s.start[open], end: this.statementEnd(close + 1), names, reason: 'caught value' });
			return;
		}
		// After the parameters: an optional return type, then `=>` or a body.
		let t = close + 1;
		if (isTok(s, t, ':')) {
			t++;
			while (t < s.count && !isTok(s, t, '{') && !isTok(s, t, '=>') && !isTok(s, t, ';') && !isTok(s, t, ',') && !isTok(s, t, ')')
				&& !isTok(s, t, '=') && !isTok(s, t, '}')) {
				t = (isTok(s, t, '(') || isTok(s, t, '[')) && s.match[t] > 0 ? s.match[t] + 1 : t + 1;
			}
		}
		let end: number;
		if (isTok(s, t, '=>')) {
			end = this.arrowBodyEnd(t);
		} else if (isTok(s, t, '{') && s.match[t] > 0 && (s.kind[before] === Tok.Ident || isTok(s, before, '>') || isTok(s, before, '*') || isTok(s, before, ']'))) {
			end = s.end[s.match[t]];
		} else {
			return;
		}
		scopes.push({ start: s.start[open], end, params: open, reason: 'parameter' });
	}

	/** Names in a parameter list (type names after `:` and default values after `=` excluded). */
	private paramNames(open: number): Map<string, Binding> {
		const s = this.s;
		const close = s.match[open];
		const names = new Map<string, Binding>();
		for (let i = open + 1; i < close; i++) {
			if (s.kind[i] === Tok.Ident && !isTok(s, i - 1, ':') && !isTok(s, i - 1, '.') && !isTok(s, i - 1, '=')
				&& (isTok(s, i + 1, ',') || isTok(s, i + 1, ')') || isTok(s, i + 1, ':') || isTok(s, i + 1, '=') || isTok(s, i + 1, '?')
					|| isTok(s, i + 1, '}') || isTok(s, i + 1, ']'))) {
				names.set(tokText(s, i), '');
			}
		}
		return names;
	}

	private arrowBodyEnd(arrow: number): number {
		const t = arrow + 1;
		if (isTok(this.s, t, '{') && this.s.match[t] > 0) {
			return this.s.end[this.s.match[t]];
		}
		const end = this.expressionEnd(t);
		return end < this.s.count ? this.s.start[end] : this.s.text.length;
	}

	private statementEnd(t: number): number {
		if (isTok(this.s, t, '{') && this.s.match[t] > 0) {
			return this.s.end[this.s.match[t]];
		}
		const end = this.expressionEnd(t);
		return end < this.s.count ? this.s.end[end] : this.s.text.length;
	}

	/**
	 * The token after an expression starting at `t`, found by skipping brackets: a `,` `;` or closing
	 * bracket at this level, or a line break where automatic semicolon insertion ends the statement.
	 */
	expressionEnd(t: number): number {
		const s = this.s;
		for (let i = t; i < s.count; i++) {
			if (s.kind[i] === Tok.Punct) {
				const text = tokText(s, i);
				if (text === ',' || text === ';' || text === ')' || text === ']' || text === '}' || text === '') {
					return i;
				}
				if ((text === '(' || text === '[' || text === '{') && s.match[i] > 0) {
					i = s.match[i];
					continue;
				}
			} else if (s.kind[i] === Tok.TemplateHead || s.kind[i] === Tok.TemplateMiddle) {
				let j = i;
				while (j >= 0 && s.kind[j] !== Tok.TemplateTail) {
					j = s.match[j];
				}
				if (j < 0) {
					return s.count;
				}
				i = j;
				continue;
			}
			if (i > t && s.newline[i] && this.endsExpression(i - 1) && this.startsStatement(i)) {
				return i;
			}
		}
		return s.count;
	}

	private endsExpression(i: number): boolean {
		const k = this.s.kind[i];
		if (k === Tok.Punct) {
			const text = tokText(this.s, i);
			return text === ')' || text === ']' || text === '}' || text === '++' || text === '--';
		}
		return true;
	}

	private startsStatement(i: number): boolean {
		const k = this.s.kind[i];
		if (k === Tok.Punct) {
			const text = tokText(this.s, i);
			return text === '{' || text === '!' || text === '~' || text === '++' || text === '--';
		}
		if (k === Tok.Ident) {
			return !/^(as|satisfies|in|instanceof|of)$/.test(tokText(this.s, i));
		}
		return k !== Tok.Template && k !== Tok.TemplateHead;
	}

	/** Names bound by a binding at token t (identifier or pattern), all mapped to `value`. Returns the token after it. */
	private bindingNames(t: number, names: Map<string, Binding>, value: Binding): number {
		const s = this.s;
		if (s.kind[t] === Tok.Ident) {
			if (!names.has(tokText(s, t))) {
				names.set(tokText(s, t), value);
			}
			return t + 1;
		}
		if ((isTok(s, t, '{') || isTok(s, t, '[')) && s.match[t] > 0) {
			const close = s.match[t];
			for (let i = t + 1; i < close; i++) {
				if ((isTok(s, i, '(') || isTok(s, i, '=')) && i + 1 < close) {
					// A default value: skip it.
					const end = this.expressionEnd(i + 1);
					i = Math.min(end, close) - 1;
					continue;
				}
				if (s.kind[i] === Tok.Ident && !isTok(s, i + 1, ':') && !isTok(s, i - 1, '.')
					&& (isTok(s, i + 1, ',') || isTok(s, i + 1, '}') || isTok(s, i + 1, ']') || isTok(s, i + 1, '=') || i + 1 === close)) {
					if (!names.has(tokText(s, i))) {
						names.set(tokText(s, i), value);
					}
				}
			}
			return close + 1;
		}
		return bail();
	}

	/** What each name declared directly in a block refers to (the first declaration wins), as `scopeNames`. */
	private blockNames(decls: number[]): Map<string, Binding> {
		const s = this.s;
		const names = new Map<string, Binding>();
		const add = (name: string, value: Binding): void => {
			if (!names.has(name)) {
				names.set(name, value);
			}
		};
		for (let t of decls) {
			let word = tokText(s, t);
			if (word === 'async' || word === 'abstract') {
				t++;
				word = tokText(s, t);
				if (word !== 'function' && word !== 'class') {
					continue;
				}
			}
			if (word === 'function' || word === 'class' || word === 'enum') {
				let n = t + 1;
				if (isTok(s, n, '*')) {
					n++;
				}
				if (s.kind[n] === Tok.Ident) {
					add(tokText(s, n), word === 'function' ? 'function' : 'class or enum');
				}
				continue;
			}
			if (word === 'import') {
				this.importNames(t + 1, add);
				continue;
			}
			if (word === 'const' && isTok(s, t + 1, 'enum')) {
				if (s.kind[t + 2] === Tok.Ident) {
					add(tokText(s, t + 2), 'class or enum');
				}
				continue;
			}
			if (word === 'let' && !(s.kind[t + 1] === Tok.Ident || isTok(s, t + 1, '{') || isTok(s, t + 1, '['))) {
				continue;
			}
			// const / let / var: each declarator.
			let n = t + 1;
			for (;;) {
				const isName = s.kind[n] === Tok.Ident;
				if (!isName && !isTok(s, n, '{') && !isTok(s, n, '[')) {
					break;
				}
				const nameTok = n;
				const pattern = new Map<string, Binding>();
				n = isName ? n + 1 : this.bindingNames(n, pattern, 'destructured value');
				if (isTok(s, n, '!')) {
					n++;
				}
				if (isTok(s, n, ':')) {
					n = this.typeEnd(n + 1);
				}
				let init: Binding = 'declared without a value';
				if (isTok(s, n, '=')) {
					init = n + 1;
					n = this.expressionEnd(n + 1);
				}
				if (isName) {
					add(tokText(s, nameTok), init);
				} else {
					pattern.forEach((v, k) => add(k, v));
				}
				if (!isTok(s, n, ',')) {
					break;
				}
				n++;
			}
		}
		return names;
	}

	/** The token after a type annotation: the `=`, `,` or `;` that follows it, or where the statement ends. */
	private typeEnd(t: number): number {
		const s = this.s;
		let angles = 0;
		for (let i = t; i < s.count; i++) {
			if ((isTok(s, i, '(') || isTok(s, i, '[') || isTok(s, i, '{')) && s.match[i] > 0) {
				i = s.match[i];
				continue;
			}
			const text = s.kind[i] === Tok.Punct ? tokText(s, i) : '';
			if (text === '<') {
				angles++;
			} else if (text === '>' || text === '>>' || text === '>>>') {
				angles -= text.length;
			} else if (angles <= 0 && (text === '=' || text === ',' || text === ';' || text === ')' || text === '}' || text === ']')) {
				return i;
			} else if (angles <= 0 && i > t && s.newline[i] && s.kind[i] === Tok.Ident && !/^(extends|keyof|typeof|infer)$/.test(tokText(s, i))
				&& !isTok(s, i - 1, '|') && !isTok(s, i - 1, '&') && !isTok(s, i - 1, ':') && !isTok(s, i - 1, '=>') && !isTok(s, i - 1, '.')) {
				return i;
			}
		}
		return s.count;
	}

	private importNames(t: number, add: (name: string, value: Binding) => void): void {
		const s = this.s;
		if (isTok(s, t, '(') || isTok(s, t, '.') || s.kind[t] === Tok.Str) {
			return;
		}
		if (isTok(s, t, 'type') && (s.kind[t + 1] === Tok.Ident && !isTok(s, t + 1, 'from') || isTok(s, t + 1, '{') || isTok(s, t + 1, '*'))) {
			t++;
		}
		if (s.kind[t] === Tok.Ident && !isTok(s, t, 'from')) {
			add(tokText(s, t), 'imported value');
			t++;
			if (isTok(s, t, '=')) {
				return;
			}
			if (isTok(s, t, ',')) {
				t++;
			}
		}
		if (isTok(s, t, '*') && isTok(s, t + 1, 'as') && s.kind[t + 2] === Tok.Ident) {
			add(tokText(s, t + 2), 'imported value');
		} else if (isTok(s, t, '{') && s.match[t] > 0) {
			for (let i = t + 1; i < s.match[t]; i++) {
				if (s.kind[i] === Tok.Ident && (isTok(s, i + 1, ',') || i + 1 === s.match[t])) {
					add(tokText(s, i), 'imported value');
				}
			}
		}
	}
}

class FastEvaluator {
	constructor(private readonly text: string, private readonly resolver: Resolver) { }

	unresolved(node: { s: number; e: number }, reason: string): UnresolvedNode {
		return unresolvedNode({ start: node.s, end: node.e }, this.text.slice(node.s, node.e), reason);
	}

	evaluate(expr: Expr, depth = 0, visiting: Set<number> = new Set()): ValueNode {
		while (expr.k === 'wrap') {
			expr = expr.x;
		}
		const range: TextRange = { start: expr.s, end: expr.e };
		switch (expr.k) {
			case 'lit':
				return { kind: 'scalar', range, value: expr.v };
			case 'tpl':
				return this.unresolved(expr, 'template with substitutions');
			case 'arr':
				return this.array(expr, depth, visiting);
			case 'obj':
				return this.object(expr, depth, visiting);
			case 'id':
				return this.identifier(expr, depth, visiting);
			case 'prefix': {
				const operand = this.evaluate(expr.x, depth, visiting);
				return expr.op === '-' ? negation(operand, range, reason => this.unresolved(expr, reason)) : this.unresolved(expr, 'expression');
			}
			case 'bin': {
				if (expr.op === '+') {
					const left = this.evaluate(expr.l, depth, visiting);
					const right = this.evaluate(expr.r, depth, visiting);
					return concatenation(left, right, range, 'javascript', reason => this.unresolved(expr, reason));
				}
				return this.unresolved(expr, 'expression');
			}
			case 'access': {
				const owner = this.evaluate(expr.x, depth, visiting);
				return member(owner, expr.name, reason => this.unresolved(expr, reason));
			}
			case 'concat': {
				const owner = this.evaluate(expr.x, depth, visiting);
				const args = expr.args.map(a => (a.k === 'spread' ? this.unresolved(a, 'spread argument') : this.evaluate(a, depth, visiting)));
				return concatCall(owner, args, range, reason => this.unresolved(expr, reason));
			}
			case 'call':
				return this.unresolved(expr, 'function call');
			case 'await':
				return this.unresolved(expr, 'awaited value');
			default:
				return this.unresolved(expr, 'expression');
		}
	}

	private array(expr: Expr & { k: 'arr' }, depth: number, visiting: Set<number>): ValueNode {
		const items: ValueNode[] = [];
		for (const element of expr.items) {
			if (element.k === 'spread') {
				spreadItems(items, this.evaluate(element.x, depth, visiting), () => this.unresolved(element, 'spread of a non-array'));
				continue;
			}
			items.push(this.evaluate(element, depth, visiting));
		}
		return { kind: 'array', range: { start: expr.s, end: expr.e }, items };
	}

	private object(expr: Expr & { k: 'obj' }, depth: number, visiting: Set<number>): ValueNode {
		const props: PropNode[] = [];
		const unresolved: ObjectNode['unresolved'] = [];
		for (const prop of expr.props) {
			if (prop.k === 'spread') {
				// As the full path: a spread of a scalar or an array records nothing.
				spreadProps(props, unresolved, this.evaluate(prop.x, depth, visiting));
				continue;
			}
			const range = { start: prop.s, end: prop.e };
			if (prop.k === 'short') {
				props.push({ key: prop.id.name, range, value: this.identifier(prop.id, depth, visiting) });
				continue;
			}
			const key = typeof prop.key === 'string' ? prop.key : stringValue(this.evaluate(prop.key, depth, visiting));
			if (key === undefined) {
				unresolved.push(this.unresolved(prop, 'computed property name'));
				continue;
			}
			if (prop.value.k === 'id' && prop.value.name === 'undefined') {
				continue;
			}
			props.push({ key, range, value: this.evaluate(prop.value, depth, visiting) });
		}
		return { kind: 'object', range: { start: expr.s, end: expr.e }, props, unresolved };
	}

	identifier(id: Expr & { k: 'id' }, depth: number, visiting: Set<number>): ValueNode {
		const found = this.resolver.resolve(id.t, id.name);
		if (found === undefined || typeof found === 'string') {
			return this.unresolved(id, found ?? 'unknown identifier');
		}
		return follow(found, depth, visiting, () => this.evaluate(this.resolver.init(found), depth + 1, visiting), reason => this.unresolved(id, reason));
	}
}

function unwrapAs(expr: Expr): Expr {
	while (expr.k === 'wrap') {
		expr = expr.x;
	}
	return expr;
}

const commands = new Set(['InvokeModelCommand', 'InvokeModelWithResponseStreamCommand', 'ConverseCommand', 'ConverseStreamCommand']);

/**
 * Detects requests as `detectTypeScript` does, without a full parse. Throws `Bail` when the text holds
 * anything the fast path does not model; `out` is then untouched.
 */
export function detectTypeScriptFast(text: string, language: 'typescript' | 'javascript', jsx: boolean, bedrockModelId: string | undefined, out: RequestSite[]): void {
	let s = scan(text, true);
	const typing = !s.balanced;
	if (typing) {
		s = scan(text, true, true);
	}
	const parser = new Parser(s, jsx || language === 'javascript', typing);
	const resolver = new Resolver(s, parser);
	const evaluator = new FastEvaluator(text, resolver);
	const found: RequestSite[] = [];
	const ordinals = new Map<string, number>();
	const prefix = language === 'typescript' ? 'ts' : 'js';
	const siteLanguage: SiteLanguage = language;
	const nextId = (method: string): string => {
		const n = ordinals.get(method) ?? 0;
		ordinals.set(method, n + 1);
		return `${prefix}:${method}#${n}`;
	};
	// Parents already visited, as the full path's `seen`: a call's own argument list, or the list a command is in.
	const seen = new Set<number>();
	const isDot = (t: number): boolean => isTok(s, t, '.') || isTok(s, t, '?.');

	for (const i of s.candidates) {
		const len = s.end[i] - s.start[i];
		const c = text.charCodeAt(s.start[i]);
		if ((len === 6 && c === 99 && isTok(s, i, 'create')) || (len === 6 && c === 115 && isTok(s, i, 'stream')) || (len === 11 && c === 99 && isTok(s, i, 'countTokens'))) {
			if (!isDot(i - 1)) {
				continue;
			}
			if (isTok(s, i + 1, '<')) {
				bail();
			}
			if (!isTok(s, i + 1, '(')) {
				continue;
			}
			const open = i + 1;
			seen.add(open);
			const method = tokText(s, i);
			let ownerName = i - 2;
			let sdk: string | undefined;
			if (isTok(s, ownerName, 'messages') && isDot(ownerName - 1)) {
				sdk = `messages.${method}`;
			} else if (method === 'create' && isTok(s, ownerName, 'batches') && isDot(ownerName - 1) && isTok(s, ownerName - 2, 'messages') && isDot(ownerName - 3)) {
				ownerName -= 2;
				sdk = 'messages.batches.create';
			}
			if (!sdk) {
				continue;
			}
			if (isTok(s, ownerName - 2, 'beta') && isDot(ownerName - 3)) {
				sdk = `beta.${sdk}`;
			}
			const start = calleeStart(s, ownerName - 2);
			if (start < 0) {
				continue;
			}
			const close = s.match[open];
			if (close === open + 1) {
				continue;
			}
			const arg = parser.parseAt(open + 1, -1);
			if (parser.pos !== close && !isTok(s, parser.pos, ',')) {
				bail();
			}
			const id = nextId(sdk);
			const range = { start: s.start[start], end: s.end[close] };
			const value = evaluator.evaluate(arg);
			if (sdk.endsWith('batches.create')) {
				pushBatchEntries(value.kind === 'object' ? getValue(value, 'requests') : undefined, id, siteLanguage, text, found);
				continue;
			}
			found.push(buildSite(asObject(value), 'messages', { id, language: siteLanguage, range, anchor: firstLineAnchor(text, range.start, range.end) }));
		} else if (c === 110 && len === 3 && isTok(s, i, 'new') && s.kind[i + 1] === Tok.Ident && commands.has(tokText(s, i + 1))) {
			if (isDot(i - 1)) {
				continue;
			}
			// The full path visits a command once per parent node; elements of one list share their parent.
			const direct = isTok(s, i - 1, '(') || isTok(s, i - 1, ',') || isTok(s, i - 1, '[');
			const parent = direct ? enclosingOpen(s, i) : -1 - i;
			if (seen.has(parent)) {
				continue;
			}
			seen.add(parent);
			const open = i + 2;
			if (isTok(s, open, '<')) {
				bail();
			}
			if (!isTok(s, open, '(') || s.match[open] === open + 1) {
				continue;
			}
			const close = s.match[open];
			const argExpr = parser.parseAt(open + 1, -1);
			if (parser.pos !== close && !isTok(s, parser.pos, ',')) {
				bail();
			}
			const command = tokText(s, i + 1);
			const value = evaluator.evaluate(argExpr);
			if (value.kind !== 'object') {
				continue;
			}
			const range = { start: s.start[i], end: s.end[close] };
			const origin = { id: nextId(command), language: siteLanguage, range, anchor: firstLineAnchor(text, range.start, range.end) };
			pushCommandSite(value, command, origin, bedrockModelId, () => {
				const bodyExpr = findBody(argExpr, resolver);
				return bodyExpr ? stringified(bodyExpr, parser) : undefined;
			}, inner => evaluator.evaluate(inner), found);
		}
	}
	out.push(...found);
}

/** The innermost open bracket around token t. */
function enclosingOpen(s: Scan, t: number): number {
	for (let i = t - 1; i >= 0; i--) {
		if (s.kind[i] !== Tok.Punct) {
			continue;
		}
		const c = s.text.charCodeAt(s.start[i]);
		if (s.end[i] - s.start[i] !== 1) {
			continue;
		}
		if (c === 41 || c === 93 || c === 125) {
			if (s.match[i] < 0) {
				bail();
			}
			i = s.match[i];
		} else if (c === 40 || c === 91 || c === 123) {
			return i;
		}
	}
	return -1;
}

/**
 * Where the callee expression ending at token `last` starts (`client`, `this`, `new Anthropic()` …), or -1
 * when the call is not a call (`new a.messages.create(…)`).
 */
function calleeStart(s: Scan, last: number): number {
	let k = last;
	let sawCall = false;
	for (;;) {
		if (k < 0) {
			return bail();
		}
		if (isTok(s, k, ')') || isTok(s, k, ']')) {
			const open = s.match[k];
			if (open < 0) {
				bail();
			}
			const before = open - 1;
			const continues = before >= 0 && (s.kind[before] === Tok.Ident && !/^(return|typeof|await|new|in|of|instanceof|void|delete|throw|yield|case|else|do)$/.test(tokText(s, before))
				|| isTok(s, before, ')') || isTok(s, before, ']') || isTok(s, before, '!') || isTok(s, before, '?.'));
			if (isTok(s, before, '>') || (before >= 0 && (s.kind[before] === Tok.TemplateTail || s.kind[before] === Tok.Template || s.kind[before] === Tok.Str))) {
				bail();
			}
			if (!continues) {
				return open;
			}
			if (isTok(s, k, ')')) {
				sawCall = true;
			}
			k = isTok(s, before, '?.') ? before - 1 : before;
			continue;
		}
		if (isTok(s, k, '!')) {
			k--;
			continue;
		}
		if (s.kind[k] === Tok.Ident) {
			if (isTok(s, k - 1, '.') || isTok(s, k - 1, '?.')) {
				k -= 2;
				continue;
			}
			if (isTok(s, k - 1, 'new')) {
				return sawCall ? k - 1 : -1;
			}
			return k;
		}
		if (s.kind[k] === Tok.Str || s.kind[k] === Tok.Num) {
			return k;
		}
		return bail();
	}
}

/** The expression written for `body:` in a command's argument (following same-file identifiers), as `findBodyExpression`. */
function findBody(arg: Expr, resolver: Resolver): Expr | undefined {
	for (let hops = 0; hops < maxDepth; hops++) {
		while (arg.k === 'wrap') {
			arg = arg.x;
		}
		if (arg.k === 'id') {
			const found = resolver.resolve(arg.t, arg.name);
			if (found === undefined || typeof found === 'string') {
				return undefined;
			}
			arg = resolver.init(found);
			continue;
		}
		if (arg.k !== 'obj') {
			return undefined;
		}
		for (const prop of arg.props) {
			if (prop.k === 'short' && prop.id.name === 'body') {
				const found = resolver.resolve(prop.id.t, 'body');
				return found !== undefined && typeof found !== 'string' ? resolver.init(found) : prop.id;
			}
			if (prop.k === 'prop' && prop.key === 'body') {
				// Only an identifier key counts (not 'body' in quotes), as in the full path.
				if (!/^body\b/.test(resolver.keyText(prop.s))) {
					continue;
				}
				let body = prop.value;
				if (body.k === 'id') {
					const found = resolver.resolve(body.t, body.name);
					if (found !== undefined && typeof found !== 'string') {
						body = resolver.init(found);
					}
				}
				return body;
			}
		}
		return undefined;
	}
	return undefined;
}

/** `JSON.stringify(x)` → x. */
function stringified(expr: Expr, parser: Parser): Expr | undefined {
	expr = unwrapAs(expr);
	if (expr.k !== 'call' || expr.t === undefined) {
		return undefined;
	}
	const open = expr.t;
	const callee = parser.calleeText(expr.s, open);
	if (callee !== 'JSON.stringify') {
		return undefined;
	}
	if (parser.isClose(open + 1)) {
		return undefined;
	}
	return parser.parseAt(open + 1, -1);
}
