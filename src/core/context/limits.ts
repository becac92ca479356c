/**
 * Where Claude Code itself truncates, skips or warns, each with its source. The documentation cited is
 * code.claude.com/docs/en/<page> as published for Claude Code v2.1.240 (2026-08-22); re-check on updates.
 */

/** memory: "Imported files can recursively import other files, with a maximum depth of four hops." (earlier docs: five) */
export const MAX_IMPORT_HOPS = 4;

/** memory, "Write effective instructions": "target under 200 lines per CLAUDE.md file". */
export const CLAUDE_MD_TARGET_LINES = 200;

/** memory, "My CLAUDE.md is too large": "Claude Code loads a CLAUDE.md file of up to 4 MiB in full and skips a larger file." */
export const CLAUDE_MD_SKIP_BYTES = 4 * 1024 * 1024;

/**
 * The startup warning "<file> is over the 150.0k-char limit (… chars)" printed by Claude Code v2.1.259
 * (github.com/anthropics/claude-code/issues/92980, 2026-09); 40.0k chars before (issue #56406). Not in the docs.
 */
export const CLAUDE_MD_WARN_CHARS = 150_000;

/** skills, frontmatter reference: "the combined description and when_to_use text is truncated at 1,536 characters in the skill listing". */
export const SKILL_LISTING_ENTRY_CHARS = 1536;

/** skills, "Skill descriptions are cut short": the listing's budget "scales at 1% of the model's context window". */
export const SKILL_LISTING_BUDGET_FRACTION = 0.01;

/**
 * skills, "Skill content lifecycle": after auto-compaction Claude Code re-attaches each invoked skill "keeping the
 * first 5,000 tokens of each", within "a combined budget of 25,000 tokens".
 */
export const SKILL_KEPT_AFTER_COMPACTION = 5_000;
export const SKILLS_KEPT_AFTER_COMPACTION = 25_000;

/**
 * context-window ("MCP tools (deferred)") and mcp ("Scale with MCP tool search"): tool names are listed and full
 * schemas stay deferred by default; they load on demand through tool search.
 */
export const MCP_NOTE = 'Tool definitions are known only when the server runs. By default Claude Code lists tool names and loads their schemas on demand (tool search); with ENABLE_TOOL_SEARCH=false every schema loads on every turn.';

export const SOURCES = {
	imports: 'code.claude.com/docs/en/memory#import-additional-files',
	size: 'code.claude.com/docs/en/memory#my-claude-md-is-too-large',
	warnChars: 'github.com/anthropics/claude-code/issues/92980',
	skillEntry: 'code.claude.com/docs/en/skills#frontmatter-reference',
	skillBudget: 'code.claude.com/docs/en/skills#skill-descriptions-are-cut-short',
	compaction: 'code.claude.com/docs/en/skills#skill-content-lifecycle',
	agents: 'code.claude.com/docs/en/sub-agents#supported-frontmatter-fields',
	externalImports: 'code.claude.com/docs/en/memory#import-additional-files',
	mcp: 'code.claude.com/docs/en/mcp#scale-with-mcp-tool-search',
} as const;
