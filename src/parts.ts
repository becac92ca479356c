/**
 * Everything `activate` builds beyond the log, the settings and the key store. esbuild.js makes this its own
 * file in dist/, required once activation has returned, so VS Code's activation reads only extension.js.
 */
export { TokenCountService } from './core/service';
export { TokenizerCounter } from './core/count/tokenizerCounter';
export { VocabStore } from './core/offline/store';
export { rateLookup, modelChoices } from './core/cost/rates';
export { ExactCounters } from './ui/counters';
export { lazyDetection } from './ui/detection';
export { LiveModelWindows } from './ui/liveModels';
export { settingEffects } from './ui/settingEffects';
export { TokenCodeLensProvider } from './ui/codeLens';
export { DiagnosticsController } from './ui/diagnostics';
export { EstimatePanel } from './ui/estimatePanel';
export { TokenHoverProvider } from './ui/hover';
export { ConditionalRegistration } from './ui/toggle';
export { BatchCommand } from './ui/batchCommand';
export { Commands } from './ui/commands';
export { DOCUMENT_SELECTOR, DocumentTracker } from './ui/documentTracker';
export { CountTokensTool } from './ui/lmTool';
export { SchemaAssociations } from './ui/schemaAssociations';
export { StatusBarController } from './ui/statusBar';
export { PromptStatusController } from './ui/promptStatus';
export { SelectionStatusController } from './ui/selectionStatus';
export { ContextViewController } from './ui/contextView';
