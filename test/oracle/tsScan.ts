/**
 * A single-pass lexical scanner for TypeScript / JavaScript: tokens (strings, template literals with nested
 * substitutions, comments, regex literals by the usual heuristic) and matching brackets. Far cheaper than a
 * full parse; the fast detector uses it to find call sites and declarations without parsing the file.
 */

export const enum Tok {
	Ident,
	Num,
	Str,
	/** A template literal without substitutions. */
	Template,
	TemplateHead,
	TemplateMiddle,
	TemplateTail,
	Regex,
	Punct,
}

export interface Scan {
	readonly text: string;
	readonly count: number;
	readonly kind: Uint8Array;
	readonly start: Int32Array;
	readonly end: Int32Array;
	/** 1 when a line break precedes the token (ASI and `as` rules depend on it). */
	readonly newline: Uint8Array;
	/** Index of the matching bracket (both ways), or of the next template piece; -1 when there is none. */
	readonly match: Int32Array;
	/** False when some bracket or template is not closed: the text is being typed. */
	readonly balanced: boolean;
	/** Identifiers that may start a call site (`create`, `stream`, `countTokens`, `new`), in order. */
	readonly candidates: number[];
	/** Identifiers that may start a declaration (`const`, `function`, `import` …), in order. */
	readonly keywords: number[];
	/** For each entry of `keywords`, the innermost open bracket around it (-1 at the top level). */
	readonly keywordGroups: number[];
	/** Every `(` and `{`, and every `=>`, in order. */
	readonly parens: number[];
	readonly braces: number[];
	readonly arrows: number[];
}

/** Length of the punctuator starting with char c at i (longest match). */
function punctLength(text: string, i: number, c: number): number {
	const d = text.charCodeAt(i + 1);
	const e = text.charCodeAt(i + 2);
	switch (c) {
		case 46: // .
			return d === 46 && e === 46 ? 3 : 1;
		case 61: // =
		case 33: // !
			if (c === 61 && d === 62) {
				return 2;
			}
			return d === 61 ? (e === 61 ? 3 : 2) : 1;
		case 60: // <
			return d === 60 ? (e === 61 ? 3 : 2) : d === 61 ? 2 : 1;
		case 62: // >
			if (d === 62) {
				return e === 62 ? (text.charCodeAt(i + 3) === 61 ? 4 : 3) : e === 61 ? 3 : 2;
			}
			return d === 61 ? 2 : 1;
		case 38: // &
		case 124: // |
		case 42: // *
			return d === c ? (e === 61 ? 3 : 2) : d === 61 ? 2 : 1;
		case 63: // ?
			if (d === 63) {
				return e === 61 ? 3 : 2;
			}
			return d === 46 && !(e >= 48 && e <= 57) ? 2 : 1;
		case 43: // +
		case 45: // -
			return d === c || d === 61 ? 2 : 1;
		case 47: // /
		case 37: // %
		case 94: // ^
			return d === 61 ? 2 : 1;
		default:
			return 1;
	}
}

/**
 * Identifiers worth remembering (see `candidates` and `keywords`), told apart by length, first, second and
 * last letter, so common words like `client`, `string` or `system` are not collected.
 */
function candidateWord(len: number, c: number, c2: number, last: number): boolean {
	switch (len) {
		case 3: return c === 110 && last === 119; // new
		case 6: return (c === 99 && c2 === 114 && last === 101) || (c === 115 && c2 === 116 && last === 109); // create stream
		case 11: return c === 99 && last === 115; // countTokens
		default: return false;
	}
}

function keywordWord(len: number, c: number, last: number): boolean {
	switch (len) {
		case 3: return (c === 108 && last === 116) || (c === 118 && last === 114); // let var
		case 4: return c === 101 && last === 109; // enum
		case 5: return (c === 99 && (last === 116 || last === 115)) || (c === 97 && last === 99); // const class async
		case 6: return c === 105 && last === 116; // import
		case 8: return (c === 102 && last === 110) || (c === 97 && last === 116); // function abstract
		default: return false;
	}
}

/** Keywords after which `/` starts a regex rather than a division. */
const regexAfter = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

/** ASCII classes: 1 identifier start, 2 digit, 4 white space (not line breaks). */
const charClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
	if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 36 || c === 95 || c === 92) {
		charClass[c] = 1;
	} else if (c >= 48 && c <= 57) {
		charClass[c] = 2;
	} else if (c === 32 || c === 9 || c === 11 || c === 12) {
		charClass[c] = 4;
	}
}

function isIdentStart(c: number): boolean {
	return c > 127 ? c !== 0x2028 && c !== 0x2029 && c !== 0xa0 && c !== 0xfeff : charClass[c] === 1;
}

function isIdentPart(c: number): boolean {
	return c > 127 ? c !== 0x2028 && c !== 0x2029 && c !== 0xa0 && c !== 0xfeff : (charClass[c] & 3) !== 0;
}

/** Token buffers kept between scans when the caller allows it (detection runs on every edit). */
const maxPooledTokens = 1 << 18;
let pool: { kind: Uint8Array; start: Int32Array; end: Int32Array; newline: Uint8Array; match: Int32Array } | undefined;

/** Words that start a line only as a new statement: where a half-typed call's open brackets end. */
const statementWords = new Set(['function', 'class', 'export', 'import', 'const', 'let', 'var', 'interface', 'enum', 'declare']);

/** Indentation of the line holding offset, in characters. */
function indentAt(text: string, offset: number): number {
	let i = text.lastIndexOf('\n', offset - 1) + 1;
	const lineStart = i;
	while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) {
		i++;
	}
	return i - lineStart;
}

/**
 * Scans the whole text. With `reuse`, the token arrays are shared with the previous reusing scan, so its
 * result must no longer be in use. With `recover` (for text being typed), brackets left open inside an
 * expression are closed by zero-width closing tokens before the next line that starts a statement at the
 * expression's indentation or less, and at the end of the text; stray closing brackets are ignored.
 */
export function scan(text: string, reuse = false, recover = false): Scan {
	const n = text.length;
	// About one token per four characters in typical code; the arrays grow when that is not enough.
	let cap = Math.max(64, n >> 2);
	const candidates: number[] = [];
	const keywords: number[] = [];
	const keywordGroups: number[] = [];
	const parens: number[] = [];
	const braces: number[] = [];
	const arrows: number[] = [];
	if (reuse && pool && pool.kind.length >= cap) {
		cap = pool.kind.length;
	}
	let kind = reuse && pool && pool.kind.length === cap ? pool.kind : new Uint8Array(cap);
	let start = reuse && pool && pool.start.length === cap ? pool.start : new Int32Array(cap);
	let end = reuse && pool && pool.end.length === cap ? pool.end : new Int32Array(cap);
	let newline = reuse && pool && pool.newline.length === cap ? pool.newline : new Uint8Array(cap);
	let match = reuse && pool && pool.match.length === cap ? pool.match : new Int32Array(cap);
	let count = 0;
	let sawNewline = false;
	let balanced = true;
	// Open brackets and template substitutions (`${`), as token indices; template pieces are marked by kind.
	const stack: number[] = [];
	const link = (opener: number, closer: number): void => {
		match[opener] = closer;
		if (kind[closer] === Tok.Punct) {
			match[closer] = opener;
		}
	};

	const push = (k: Tok, s: number, e: number): number => {
		if (count === cap) {
			cap *= 2;
			const grow = <T extends Uint8Array | Int32Array>(a: T, make: (size: number) => T): T => {
				const b = make(cap);
				b.set(a);
				return b;
			};
			kind = grow(kind, size => new Uint8Array(size));
			start = grow(start, size => new Int32Array(size));
			end = grow(end, size => new Int32Array(size));
			newline = grow(newline, size => new Uint8Array(size));
			match = grow(match, size => new Int32Array(size));
		}
		match[count] = -1;
		kind[count] = k;
		start[count] = s;
		end[count] = e;
		newline[count] = sawNewline ? 1 : 0;
		sawNewline = false;
		return count++;
	};

	/** Scans template text from `i` (after a backtick or a closing `}`); returns the end and whether it stopped at `${`. */
	const templateText = (i: number): [number, boolean] => {
		while (i < n) {
			const c = text.charCodeAt(i);
			if (c === 92) {
				i += 2;
			} else if (c === 96) {
				return [i + 1, false];
			} else if (c === 36 && text.charCodeAt(i + 1) === 123) {
				return [i + 2, true];
			} else {
				i++;
			}
		}
		balanced = false;
		return [n, false];
	};

	/** Zero-width closers for stack[k..], innermost first, right after the last real token. */
	const closeFrom = (k: number): void => {
		const at = count > 0 ? end[count - 1] : 0;
		const keepNewline = sawNewline;
		while (stack.length > k) {
			const opener = stack.pop()!;
			sawNewline = false;
			link(opener, push(Tok.Punct, at, at));
		}
		sawNewline = keepNewline;
	};

	/** Before a statement word at a line start: where an open call or array (and what it holds) must end. */
	const recoverAt = (i: number, j: number): void => {
		if (!sawNewline || stack.length === 0 || !statementWords.has(text.slice(i, j))) {
			return;
		}
		let k = 0;
		while (k < stack.length && !(kind[stack[k]] === Tok.Punct && text.charCodeAt(start[stack[k]]) !== 123)) {
			k++;
		}
		if (k === stack.length || i - (text.lastIndexOf('\n', i - 1) + 1) > indentAt(text, start[stack[k]])) {
			return;
		}
		for (let m = k; m < stack.length; m++) {
			if (kind[stack[m]] !== Tok.Punct) {
				return; // inside a template substitution: leave it
			}
		}
		closeFrom(k);
	};

	const regexAllowed = (): boolean => {
		if (count === 0) {
			return true;
		}
		const k = kind[count - 1];
		if (k === Tok.Punct) {
			const c = text.charCodeAt(start[count - 1]);
			return !((c === 41 || c === 93 || c === 125) && end[count - 1] - start[count - 1] === 1);
		}
		if (k === Tok.Ident) {
			return regexAfter.has(text.slice(start[count - 1], end[count - 1]));
		}
		return k === Tok.TemplateHead || k === Tok.TemplateMiddle;
	};

	let i = 0;
	if (text.startsWith('#!')) {
		i = text.indexOf('\n');
		if (i < 0) {
			i = n;
		}
	}
	while (i < n) {
		const c = text.charCodeAt(i);
		if (c < 128 && charClass[c] === 4) {
			i++;
			continue;
		}
		if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
			sawNewline = true;
			i++;
			continue;
		}
		if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
			i++;
			continue;
		}
		if (c === 47) {
			const d = text.charCodeAt(i + 1);
			if (d === 47) {
				const nl = text.indexOf('\n', i);
				i = nl < 0 ? n : nl;
				continue;
			}
			if (d === 42) {
				const close = text.indexOf('*/', i + 2);
				const stop = close < 0 ? n : close + 2;
				if (text.slice(i, stop).includes('\n')) {
					sawNewline = true;
				}
				i = stop;
				continue;
			}
			if (regexAllowed()) {
				let j = i + 1;
				let inClass = false;
				let ok = false;
				while (j < n) {
					const r = text.charCodeAt(j);
					if (r === 10 || r === 13) {
						break;
					}
					if (r === 92) {
						j += 2;
						continue;
					}
					if (r === 91) {
						inClass = true;
					} else if (r === 93) {
						inClass = false;
					} else if (r === 47 && !inClass) {
						ok = true;
						j++;
						break;
					}
					j++;
				}
				if (ok) {
					while (j < n && isIdentPart(text.charCodeAt(j))) {
						j++;
					}
					push(Tok.Regex, i, j);
					i = j;
					continue;
				}
			}
		}
		if (isIdentStart(c) || (c === 35 && isIdentStart(text.charCodeAt(i + 1)))) {
			let j = i + 1;
			while (j < n && isIdentPart(text.charCodeAt(j))) {
				j++;
			}
			if (recover) {
				recoverAt(i, j);
			}
			const t = push(Tok.Ident, i, j);
			const last = text.charCodeAt(j - 1);
			if (candidateWord(j - i, c, text.charCodeAt(i + 1), last)) {
				candidates.push(t);
			} else if (keywordWord(j - i, c, last)) {
				keywords.push(t);
				keywordGroups.push(stack.length > 0 ? stack[stack.length - 1] : -1);
			}
			i = j;
			continue;
		}
		if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
			let j = i + 1;
			while (j < n) {
				const d = text.charCodeAt(j);
				if (isIdentPart(d) || d === 46) {
					j++;
				} else if ((d === 43 || d === 45) && (text.charCodeAt(j - 1) | 32) === 101 && !/^0[xX]/.test(text.slice(i, j))) {
					j++;
				} else {
					break;
				}
			}
			push(Tok.Num, i, j);
			i = j;
			continue;
		}
		if (c === 34 || c === 39) {
			let j = i + 1;
			while (j < n) {
				const d = text.charCodeAt(j);
				if (d === 92) {
					j += 2;
				} else if (d === c) {
					j++;
					break;
				} else if (d === 10 || d === 13) {
					balanced = false;
					break;
				} else {
					j++;
				}
			}
			push(Tok.Str, i, Math.min(j, n));
			i = j;
			continue;
		}
		if (c === 96) {
			const [j, open] = templateText(i + 1);
			const t = push(open ? Tok.TemplateHead : Tok.Template, i, j);
			if (open) {
				stack.push(t);
			}
			i = j;
			continue;
		}
		if (c === 125 && stack.length > 0 && kind[stack[stack.length - 1]] !== Tok.Punct) {
			// `}` closing a template substitution: the template continues.
			const [j, open] = templateText(i + 1);
			const t = push(open ? Tok.TemplateMiddle : Tok.TemplateTail, i, j);
			link(stack.pop()!, t);
			if (open) {
				stack.push(t);
			}
			i = j;
			continue;
		}
		// Punctuation, longest first.
		const len = punctLength(text, i, c);
		if (len === 1 && (c === 41 || c === 93 || c === 125)) {
			const want = c === 41 ? 40 : c === 93 ? 91 : 123;
			let k = stack.length - 1;
			while (k >= 0 && !(kind[stack[k]] === Tok.Punct && text.charCodeAt(start[stack[k]]) === want)) {
				k--;
			}
			if (k < 0 || k !== stack.length - 1) {
				balanced = false;
				if (recover && k < 0) {
					i++; // a stray closing bracket: leave it out
					continue;
				}
				if (recover && stack.slice(k + 1).every(o => kind[o] === Tok.Punct)) {
					closeFrom(k + 1); // brackets opened in between end where this one closes
				}
			}
			const t = push(Tok.Punct, i, i + 1);
			i++;
			if (k >= 0) {
				link(stack[k], t);
				stack.length = k;
			}
			continue;
		}
		const t = push(Tok.Punct, i, i + len);
		i += len;
		if (len !== 1) {
			if (len === 2 && c === 61 && text.charCodeAt(i - 1) === 62) {
				arrows.push(t);
			}
			continue;
		}
		if (c === 40 || c === 91 || c === 123) {
			stack.push(t);
			if (c === 40) {
				parens.push(t);
			} else if (c === 123) {
				braces.push(t);
			}
		}
	}
	if (stack.length > 0) {
		balanced = false;
		if (recover && stack.every(t => kind[t] === Tok.Punct)) {
			closeFrom(0);
		}
	}
	// Keep buffers only for ordinary file sizes, so one huge file does not pin its arrays for good.
	if (reuse && cap <= maxPooledTokens) {
		pool = { kind, start, end, newline, match };
	}
	return { text, count, kind, start, end, newline, match, balanced, candidates, keywords, keywordGroups, parens, braces, arrows };
}

/** Token text. */
export function tokText(s: Scan, i: number): string {
	return s.text.slice(s.start[i], s.end[i]);
}

/** True when token i is exactly `value` (an identifier, keyword or punctuator). */
export function isTok(s: Scan, i: number, value: string): boolean {
	return i >= 0 && i < s.count && s.end[i] - s.start[i] === value.length && s.text.startsWith(value, s.start[i])
		&& (s.kind[i] === Tok.Ident || s.kind[i] === Tok.Punct);
}
