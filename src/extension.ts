import * as path from 'node:path';
import * as vscode from 'vscode';
import { awsEndpoint, changed, readConfig, type Config } from './ui/config';
import type { BatchEstimate } from './core/batch';
import type { Report } from './core/report';
import type { ServiceOptions, TokenCountService } from './core/service';
import type * as Parts from './parts';
import type { BatchCommand } from './ui/batchCommand';
import type { Commands } from './ui/commands';
import type { ContextViewController } from './ui/contextView';
import type { ExactCounters } from './ui/counters';
import type { DiagnosticsController } from './ui/diagnostics';
import type { DocumentTracker } from './ui/documentTracker';
import type { EstimatePanel } from './ui/estimatePanel';
import { Log } from './ui/log';
import type { PromptStatusController } from './ui/promptStatus';
import type { SchemaAssociations } from './ui/schemaAssociations';
import { ApiKeyStore } from './ui/secrets';
import type { SelectionStatusController } from './ui/selectionStatus';
import type { SettingEffect } from './ui/settingEffects';
import type { StatusBarController } from './ui/statusBar';

/** What integration tests may reach; nothing here exposes the key. */
export interface TestApi {
	readonly service: TokenCountService;
	/** Resolves once every scan and count in flight has settled. */
	whenIdle(): Promise<void>;
	statusText(): string;
	/** Where detection reads documents: its worker thread, the extension host's thread (the worker could not run), or not yet started. */
	detectionRunsIn(): 'worker' | 'caller' | undefined;
	/** The report currently shown by "Estimate Request". */
	lastReport(): Report | undefined;
	/** The banner of that report (e.g. why it fell back to the offline estimate). */
	lastReportNotice(): string | undefined;
	/** The totals of the last "Estimate Batch File". */
	lastBatchEstimate(): BatchEstimate | undefined;
	/** The title of the "Batch estimate" view, when it is open. */
	batchViewTitle(): string | undefined;
	/** Where this extension's logs are written (tests check that no key ever reaches them). */
	readonly logUri: vscode.Uri;
	readonly prompts: PromptStatusController;
	readonly selection: SelectionStatusController;
	readonly context: ContextViewController;
	/** Whether a key is available (never the key itself). */
	hasApiKey(): boolean;
	/** The status bar tooltip's Markdown source and the commands it may run. */
	statusTooltip(): { markdown: string; enabledCommands: readonly string[] } | undefined;
	/**
	 * Only in a host started for extension tests: stores a key as if the user had typed it into the
	 * password box (the command itself never takes a key as an argument).
	 */
	readonly testing?: { storeApiKey(key: string): Promise<void> };
}

function serviceOptions(config: Config): ServiceOptions {
	// In an untrusted workspace nothing is sent anywhere: counting stays offline.
	const trusted = vscode.workspace.isTrusted;
	return {
		mode: trusted ? config.countingMode : 'offline',
		debounceMs: config.api.countDelay,
		defaultModel: config.defaultModel,
		bedrockModelId: config.bedrock.modelId || undefined,
		// A Bedrock endpoint that breaks the https rule keeps Bedrock bodies offline.
		bedrockEnabled: trusted && config.bedrock.enabled && !awsEndpoint(config)?.problem,
	};
}

export async function activate(context: vscode.ExtensionContext): Promise<TestApi> {
	let config = readConfig();
	const log = new Log();
	const keys = new ApiKeyStore(context.secrets, () => config.api.useEnvironmentKey);
	context.subscriptions.push(log, keys);
	log.setSecrets(() => [keys.get()]);
	const keyRead = keys.load().catch((err) => log.error(`Could not read the secret storage: ${err}`));
	// Activation ends here: the store and the surfaces (dist/parts.js) load while the secret storage answers.
	await new Promise((resolve) => setImmediate(resolve));
	const p = require('./parts') as typeof Parts;
	await keyRead;

	// One vocabulary store for the run: the bundle's data and compiled copies; each vocabulary loads on first use.
	const vocabs = new p.VocabStore({ dataDir: path.join(context.extensionPath, 'data', 'ctok'), compiledDir: path.join(context.extensionPath, 'dist', 'ctok-compact') });
	const counters = new p.ExactCounters(() => config, keys, vocabs, log);
	const detection = p.lazyDetection(context.extensionPath, (message) => log.warn(message));
	const service = new p.TokenCountService({
		...detection, offline: new p.TokenizerCounter(vocabs),
		api: counters.api, bedrock: counters.bedrock, limiter: counters.limiter, hasApiKey: () => counters.canUseKey(), log,
	}, serviceOptions(config));
	const windows = new p.LiveModelWindows(context.globalState, () => (counters.canUseKey() && serviceOptions(config).mode !== 'offline' ? counters.api.listModels() : undefined), log);
	const pricing = () => windows.pricing(config);
	const models = () => ({ defaultModel: config.defaultModel, overrides: pricing().pricing.overrides });
	const on = (surface: (c: Config) => boolean = () => true) => () => config.enable && surface(config);
	const rates = p.rateLookup(pricing);
	const tracker = new p.DocumentTracker(service, on());
	const statusBar = new p.StatusBarController(service, rates, on((c) => c.statusBar.enabled));
	const codeLens = new p.ConditionalRegistration(() => {
		const provider = new p.TokenCodeLensProvider(service, tracker, rates);
		return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider(p.DOCUMENT_SELECTOR, provider));
	});
	const hover = new p.ConditionalRegistration(() =>
		vscode.languages.registerHoverProvider(p.DOCUMENT_SELECTOR, new p.TokenHoverProvider(service, tracker, () => pricing().pricing.overrides)));
	const toggles = () => { codeLens.setEnabled(on((c) => c.codeLens.enabled)()); hover.setEnabled(on((c) => c.hover.enabled)()); };
	toggles();
	const diagnostics = new p.DiagnosticsController(service, pricing, on((c) => c.diagnostics.enabled));
	const commands = new p.Commands({ service, keys, log, rates, endpoint: () => counters.endpoint.url, exampleUri: vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', 'example.json'), models: () => p.modelChoices(pricing()) });
	const estimate = new p.EstimatePanel(context.extensionUri, service, tracker, pricing, log);
	const batch = new p.BatchCommand(service, pricing, log, context.extensionUri);
	const prompts = new p.PromptStatusController(service, rates, vocabs, () => ({ ...models(), ...config.prompts, enabled: on((c) => c.statusBar.enabled && c.prompts.enabled)(), countDelay: config.api.countDelay }), log);
	const selection = new p.SelectionStatusController(rates, vocabs, () => ({ ...models(), enabled: on((c) => c.statusBar.enabled && c.selection.enabled)() }));
	const contextView = new p.ContextViewController(vocabs, models);
	const schemas = new p.SchemaAssociations(vscode.Uri.joinPath(context.extensionUri, 'schemas', 'messages-request.schema.json'), () => config.schema.fileMatch, log);
	const tool = new p.CountTokensTool({ service, rates, defaultModel: () => config.defaultModel, endpoint: () => counters.endpoint.url });
	const surfaces: Surfaces = { service, counters, toggles, tracker, statusBar, diagnostics, prompts, selection, contextView, schemas };
	context.subscriptions.push({ dispose: () => service.dispose() }, detection, windows, tracker, statusBar, codeLens, hover, diagnostics, commands, estimate, batch, prompts, selection, contextView, schemas, tool,
		keys.onDidChange(() => onKeyChange(log, keys.has(), surfaces, windows)),
		windows.onDidChange(() => { statusBar.update(); diagnostics.refreshAll(); }),
		vscode.workspace.onDidGrantWorkspaceTrust(() => { service.setOptions(serviceOptions(config)); service.recountAll(); }),
		vscode.workspace.onDidChangeConfiguration((e) => {
			if (changed(e)) {
				config = readConfig();
				applySettings(config, p.settingEffects((id) => changed(e, id)), surfaces);
			}
		}));
	counters.reportProblems();
	void windows.refresh();
	void firstRunNotice(context, keys, () => counters.endpoint.url);
	log.info(`Activated (mode ${serviceOptions(config).mode}, ${keys.has() ? 'API key set' : 'no API key'}).`);
	return testApi(context, { service, tracker, statusBar, estimate, batch, prompts, selection, contextView, keys, commands, detection });
}

function testApi(context: vscode.ExtensionContext, p: {
	service: TokenCountService; tracker: DocumentTracker; statusBar: StatusBarController; estimate: EstimatePanel; batch: BatchCommand;
	prompts: PromptStatusController; selection: SelectionStatusController; contextView: ContextViewController; keys: ApiKeyStore; commands: Commands;
	detection: { runsIn(): 'worker' | 'caller' | undefined };
}): TestApi {
	return {
		service: p.service, logUri: context.logUri, prompts: p.prompts, selection: p.selection, context: p.contextView,
		whenIdle: async () => { await p.tracker.flush(); await p.service.whenIdle(); },
		statusText: () => p.statusBar.text,
		detectionRunsIn: () => p.detection.runsIn(),
		lastReport: () => p.estimate.lastReport,
		lastReportNotice: () => p.estimate.lastNotice,
		lastBatchEstimate: () => p.batch.lastEstimate,
		batchViewTitle: () => p.batch.viewTitle,
		hasApiKey: () => p.keys.has(),
		statusTooltip: () => p.statusBar.tooltipSource(),
		testing: context.extensionMode === vscode.ExtensionMode.Test ? { storeApiKey: (key: string) => p.commands.storeKey(key) } : undefined,
	};
}

/** What a settings change or a key change acts on. */
interface Surfaces {
	readonly service: TokenCountService;
	readonly counters: ExactCounters;
	/** Registers or drops the CodeLens and hover providers as their settings say. */
	readonly toggles: () => void;
	readonly tracker: DocumentTracker;
	readonly statusBar: StatusBarController;
	readonly diagnostics: DiagnosticsController;
	readonly prompts: PromptStatusController;
	readonly selection: SelectionStatusController;
	readonly contextView: ContextViewController;
	readonly schemas: SchemaAssociations;
}

/** A settings change: what every change does, and the effects the table (ui/settingEffects.ts) gives its settings. */
function applySettings(config: Config, effects: ReadonlySet<SettingEffect>, s: Surfaces): void {
	s.service.setCounters(s.counters.rebuild({ api: effects.has('apiCounter'), bedrock: effects.has('bedrockCounter') }));
	if (effects.has('reportEndpoint')) { s.counters.reportProblems(); }
	s.counters.limiter.setRpm(config.api.requestsPerMinute);
	if (effects.has('resumeLimiter')) { s.counters.limiter.resume(); }
	s.service.setOptions(serviceOptions(config));
	s.toggles();
	if (effects.has('diagnostics')) { s.diagnostics.refreshAll(); }
	if (effects.has('recountClearCache') || effects.has('recount')) { s.service.recountAll({ clearCache: effects.has('recountClearCache') }); }
	if (effects.has('rescan')) { s.tracker.scanVisible(); }
	if (effects.has('statusItems')) { s.prompts.refresh(); s.selection.refresh(); }
	if (effects.has('contextView')) { s.contextView.invalidate(); }
	if (effects.has('schemas')) { void s.schemas.sync(); }
	s.statusBar.update();
}

function onKeyChange(log: Log, hasKey: boolean, s: Surfaces, windows: Parts.LiveModelWindows): void {
	log.info(hasKey ? 'API key available: counting exactly.' : 'No API key: counting offline.');
	// A retry-after pause belongs to the account that asked for it; another key may be another account.
	s.counters.limiter.resume();
	s.service.recountAll();
	s.statusBar.update();
	s.prompts.refresh();
	void windows.refresh(true);
}

/**
 * Once per installation, say what is counted where: offline by default, and that an API key means request
 * payloads are sent to the counting endpoint. Only for installed copies: development and test hosts skip it.
 */
async function firstRunNotice(context: vscode.ExtensionContext, keys: ApiKeyStore, endpointUrl: () => string): Promise<void> {
	const FLAG = 'claudeTokenMeter.firstRunShown';
	if (context.globalState.get(FLAG) || keys.has() || context.extensionMode !== vscode.ExtensionMode.Production) {
		return;
	}
	await context.globalState.update(FLAG, true);
	const endpoint = endpointUrl();
	const choice = await vscode.window.showInformationMessage(
		`Claude Token Meter counts the tokens of Claude requests offline, on this machine. For exact counts, set an Anthropic API key: request payloads you edit are then sent to ${endpoint}/v1/messages/count_tokens (free). Nothing is sent without a key.`,
		'Set API Key', 'Stay Offline');
	if (choice === 'Set API Key') {
		await vscode.commands.executeCommand('claudeTokenMeter.setApiKey');
	} else if (choice === 'Stay Offline') {
		await vscode.workspace.getConfiguration('claudeTokenMeter').update('countingMode', 'offline', vscode.ConfigurationTarget.Global);
	}
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
