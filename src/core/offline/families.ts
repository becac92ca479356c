import { memoized } from '../util/memo';
import type { Family } from './tokenizer';

export interface FamilyGuess {
	family: Family;
	/** True when the id was not recognised and the newest family was assumed. */
	guessed: boolean;
	note?: string;
}

const NEWEST: Family = 'v5';

/**
 * Guesses by model id, made once per id (every request of a document asks for the same few). Ids typed by
 * hand could be endless; a few hundred is plenty for the ones in use.
 */
const guesses = memoized((model): Readonly<FamilyGuess> => Object.freeze(guessFamily(model)), 256);

/**
 * Maps a model id to its tokenizer family. Accepts Anthropic ids and aliases (`claude-opus-4-7`,
 * `claude-sonnet-4-5-20250929`, `claude-3-5-haiku-latest`), old-style ids (`claude-3-opus-20240229`,
 * `claude-2.1`, `claude-instant-1.2`) and Bedrock ids (`anthropic.claude-…-v1:0`, `us.anthropic.…`).
 */
export function familyForModel(model: string): FamilyGuess {
	if (typeof model !== 'string') {
		return guessFamily(model);
	}
	return guesses(model);
}

function guessFamily(model: string): FamilyGuess {
	const id = bareModelId(model);
	if (!id) {
		return { family: NEWEST, guessed: true, note: 'No model given: assuming the newest tokenizer family (v5).' };
	}
	if (/^claude-(?:instant|2)(?:[.-]|$)/.test(id)) {
		return { family: 'v3', guessed: false };
	}
	const v = parseVersion(id);
	if (v) {
		const [major, minor] = v;
		if (major < 4 || (major === 4 && minor <= 6)) {
			return { family: 'v3', guessed: false };
		}
		if (major === 4 && minor <= 9) {
			return { family: 'v4.7', guessed: false };
		}
		if (major === 5 && /\b(?:opus|sonnet|haiku|fable|mythos)\b/.test(id.replace(/-/g, ' '))) {
			return { family: 'v5', guessed: false };
		}
		return {
			family: NEWEST,
			guessed: true,
			note: `Unknown model "${model}": counted with the newest tokenizer family (v5), which may differ.`,
		};
	}
	return {
		family: NEWEST,
		guessed: true,
		note: `Unknown model "${model}": counted with the newest tokenizer family (v5), which may differ.`,
	};
}

/** The id without Bedrock's region prefix, provider and version suffix, or Vertex's `@date`. */
function bareModelId(model: string): string {
	const raw = typeof model === 'string' ? model.trim().toLowerCase() : '';
	return raw
		.replace(/^(?:[a-z]{2,4}\.)?anthropic\./, '')
		.replace(/-v\d+(?::\d+)?$/, '')
		.replace(/@\d{8}$/, '');
}

/** [major, minor] of a Claude model id in any of the forms `familyForModel` accepts. */
export function parseClaudeVersion(model: string): [number, number] | undefined {
	return parseVersion(bareModelId(model));
}

/**
 * The generation number in a Claude id: `claude-3-5-sonnet…` (3.5), `claude-sonnet-4-5…` (4.5),
 * `claude-opus-4…` (4), `claude-3-opus…` (3). Date stamps (8 digits) are not versions.
 */
function parseVersion(id: string): [number, number] | undefined {
	if (!id.startsWith('claude')) {
		return undefined;
	}
	const parts = id.split(/[-_.]/).slice(1);
	for (let i = 0; i < parts.length; i++) {
		const p = parts[i];
		if (/^\d{1,2}$/.test(p)) {
			const major = Number(p);
			const next = parts[i + 1];
			const minor = next !== undefined && /^\d$/.test(next) ? Number(next) : 0;
			return [major, minor];
		}
	}
	return undefined;
}
