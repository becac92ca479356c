import { type Family, FamilyTokenizer, vocabFamilyOf } from './tokenizer';
import { type CompiledDirs, type Vocab, type VocabFamily, findDataDir, loadCompiled, vocabFile } from './vocab';

/** Where a store reads its vocabularies. Every field has a default found from where the code runs. */
export interface VocabPaths {
	/** The folder holding `pieces_v3.json` and `pieces_v4_7.json`; else the `data/ctok` found above the code. */
	readonly dataDir?: string;
	/** Compiled vocabularies shipped with a build (dist/ctok-compact), read first; else the one beside the code. */
	readonly compiledDir?: string;
	/** Where a vocabulary compiled here is cached (`null`: nowhere); else a folder in the system temp directory. */
	readonly cacheDir?: string | null;
}

/**
 * The vocabularies of one extension or CLI run, and the tokenizer of each family built on them. Built with its
 * paths and handed to whoever counts offline (the tokenizer counter, the exact counter's estimates of parts
 * count_tokens refuses, prompt files, the selection, Claude Code's context); each vocabulary loads on first use,
 * so a run that never counts offline, or only on one family, never reads the others.
 */
export class VocabStore {
	private readonly vocabs = new Map<VocabFamily, Vocab>();
	private readonly tokenizers = new Map<Family, FamilyTokenizer>();
	private foundDataDir: string | undefined;

	constructor(private readonly paths: VocabPaths = {}) {}

	/** The vocabulary folder (found on first use when it was not given; throws when there is none). */
	dataDir(): string {
		return this.paths.dataDir ?? (this.foundDataDir ??= findDataDir());
	}

	/** A vocabulary file, loaded (once) and compiled. */
	vocab(family: VocabFamily): Vocab {
		let v = this.vocabs.get(family);
		if (!v) {
			const where: CompiledDirs = { shipped: this.paths.compiledDir, cache: this.paths.cacheDir };
			v = loadCompiled(vocabFile(this.dataDir(), family), where);
			this.vocabs.set(family, v);
		}
		return v;
	}

	/** The vocabulary files loaded so far (tests of lazy loading). */
	loaded(): VocabFamily[] {
		return [...this.vocabs.keys()];
	}

	/** A family's tokenizer; loads (once) the vocabulary it needs, other families stay unloaded. */
	tokenizer(family: Family): FamilyTokenizer {
		let t = this.tokenizers.get(family);
		if (!t) {
			t = new FamilyTokenizer(family, this.vocab(vocabFamilyOf(family)));
			this.tokenizers.set(family, t);
		}
		return t;
	}

	/** Tokens of the text with no message frame (a building block for whole requests). */
	countText(text: string, family: Family): number {
		if (typeof text !== 'string' || text.length === 0) {
			return 0;
		}
		return this.tokenizer(family).countContent(text);
	}

	/** Tokens of text inside a longer rendered prompt (see `FamilyTokenizer.countInner`). */
	countInner(text: string, family: Family): number {
		if (typeof text !== 'string' || text.length === 0) {
			return 0;
		}
		return this.tokenizer(family).countInner(text);
	}

	/** What count_tokens reports for one user message holding exactly this text. */
	countUserMessage(text: string, family: Family): number {
		const t = this.tokenizer(family);
		return t.messageOverhead + t.countContent(typeof text === 'string' ? text : '');
	}
}
