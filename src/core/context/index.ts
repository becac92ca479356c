/**
 * Claude Code's context of a folder: the scanner and its figures. The extension loads this module on first
 * use of the context view (it is its own file in dist/, see esbuild.js).
 */
export { type ContextItem, type ContextScan, type ContextWarning, type LoadWhen, importsOf, scanClaudeContext } from './scan';
export { type ContextReport, type ContextRow, contextJson, contextReport, itemTokens, KIND_LABEL, LOAD_LABEL, renderContextTable } from './report';
