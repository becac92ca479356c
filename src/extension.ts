import * as path from 'node:path';
import * as vscode from 'vscode';
import { apiEndpoint, awsEndpoint, changed, readConfig, workspaceEndpointValues, type Config } from './config';
import { AnthropicCounter } from './core/count/anthropicCounter';
import { BedrockCounter } from './core/count/bedrockCounter';
import { RateLimiter } from './core/count/rateLimiter';
import type * as Detect from './core/detect';
import type { BatchEstimate } from './core/batch';
import type { Report } from './core/report';
import { TokenCountService, type ServiceOptions } from './core/service';
import { rateLookup, modelChoices } from './core/cost/rates';
import { limitsFromModelsApi, mergeLiveLimits, type LiveModelLimits } from './core/cost/liveModels';
import { createOfflineCounter } from './core/count/offline';
import { noLinks } from './core/util/markdown';
import { TokenCodeLensProvider } from './ui/codeLens';
import { DiagnosticsController } from './ui/diagnostics';
import { EstimatePanel } from './ui/estimatePanel';
import { TokenHoverProvider } from './ui/hover';
import { ConditionalRegistration } from './ui/toggle';
import { BatchCommand } from './ui/batchCommand';
import { Commands } from './ui/commands';
import { DOCUMENT_SELECTOR, DocumentTracker } from './ui/documentTracker';
import { Log } from './ui/log';
import { ApiKeyStore } from './ui/secrets';
import { CountTokensTool } from './ui/lmTool';
import { SchemaAssociations } from './ui/schemaAssociations';
import { StatusBarController } from './ui/statusBar';
import { PromptStatusController } from './ui/promptStatus';
import { SelectionStatusController } from './ui/selectionStatus';
import { ContextViewController } from './ui/contextView';

/** What integration tests may reach; nothing here exposes the key. */
export interface TestApi {
	readonly service: TokenCountService;
	/** Resolves once every scan and count in flight has settled. */
	whenIdle(): Promise<void>;
	statusText(): string;
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
		debounceMs: config.debounceMs,
		defaultModel: config.defaultModel,
		bedrockModelId: config.bedrock.modelId || undefined,
		// A Bedrock endpoint that breaks the https rule keeps Bedrock bodies offline.
		bedrockEnabled: trusted && config.bedrock.enabled && !awsEndpoint(config)?.problem,
	};
}

export async function activate(context: vscode.ExtensionContext): Promise<TestApi> {
	const log = new Log();
	context.subscriptions.push(log);
	// Detection (parsers, grammars) loads when the first document is read, not at activation; the bundle
	// ships it as its own file (esbuild.js), with the tree-sitter runtime and grammars next to extension.js.
	let detection: typeof Detect | undefined;
	const detectRequests: typeof Detect.detectRequests = (...args) => {
		if (!detection) {
			detection = require('./core/detect') as typeof Detect;
			detection.configureGrammars({
				treeSitterWasm: path.join(context.extensionPath, 'dist', 'tree-sitter.wasm'),
				grammarDir: path.join(context.extensionPath, 'dist'),
			});
		}
		return detection.detectRequests(...args);
	};
	let config = readConfig();

	const keys = new ApiKeyStore(context.secrets, () => config.api.useEnvironmentKey);
	context.subscriptions.push(keys);
	log.setSecrets(() => [keys.get()]);
	await keys.load().catch((err) => log.error(`Could not read the secret storage: ${err}`));

	// Every source of the endpoint (setting, environment, default) is resolved here and passed explicitly.
	let endpoint = apiEndpoint(config);
	const endpointProblem = () => endpoint.problem;
	const limiter = new RateLimiter(config.api.requestsPerMinute);
	const sdkLogger = { error: (m: string) => log.error(m), warn: (m: string) => log.warn(m), info: (m: string) => log.debug(m), debug: (m: string) => log.trace(m) };
	const newApiCounter = () => new AnthropicCounter({ getApiKey: () => keys.get(), baseURL: endpoint.url, logger: sdkLogger });
	const newBedrockCounter = () => new BedrockCounter({ region: config.bedrock.region, endpoint: awsEndpoint(config)?.url });
	let api = newApiCounter();
	let bedrock = newBedrockCounter();
	// Counters are rebuilt on setting changes; the service holds stable forwarding wrappers.
	const apiProxy = { id: 'api' as const, count: (...a: Parameters<AnthropicCounter['count']>) => api.count(...a) };
	const bedrockProxy = { id: 'bedrock' as const, count: (...a: Parameters<BedrockCounter['count']>) => bedrock.count(...a) };

	const service = new TokenCountService({
		detect: detectRequests,
		offline: createOfflineCounter(context.extensionPath, context.globalStorageUri.fsPath),
		api: apiProxy,
		bedrock: bedrockProxy,
		limiter,
		hasApiKey: () => keys.has() && !endpointProblem(),
		log,
	}, serviceOptions(config));
	context.subscriptions.push({ dispose: () => service.dispose() });

	// Context windows from the Models API refine the pricing table once a key is set; cached for a day.
	const LIVE_KEY = 'claudeTokenMeter.liveModelLimits';
	let live: LiveModelLimits[] = context.globalState.get<{ at: number; limits: LiveModelLimits[] }>(LIVE_KEY)?.limits ?? [];
	let merged: { live: LiveModelLimits[]; user: Config['modelOverrides']; overrides: Config['modelOverrides'] } | undefined;
	const pricing = (): Config => {
		if (merged?.live !== live || merged.user !== config.modelOverrides) {
			merged = { live, user: config.modelOverrides, overrides: mergeLiveLimits(live, config.modelOverrides) };
		}
		return { ...config, modelOverrides: merged.overrides };
	};
	let liveRead: Promise<void> | undefined;
	const refreshLiveLimits = (force = false): Promise<void> => {
		// One read at a time: a second trigger while one is running shares it.
		liveRead ??= readLiveLimits(force).finally(() => { liveRead = undefined; });
		return liveRead;
	};
	const readLiveLimits = async (force: boolean) => {
		const cached = context.globalState.get<{ at: number; limits: LiveModelLimits[] }>(LIVE_KEY);
		if (!force && cached && Date.now() - cached.at < 24 * 3600_000) { return; }
		if (!keys.has() || endpointProblem() || serviceOptions(config).mode === 'offline') { return; }
		try {
			live = limitsFromModelsApi(await api.listModels());
			await context.globalState.update(LIVE_KEY, { at: Date.now(), limits: live });
			log.info(`Context windows of ${live.length} models read from the Models API.`);
			statusBar.update();
			diagnostics.refreshAll();
		} catch (err) {
			log.warn(`Could not read the Models API (the pricing table's windows stay in use): ${(err as Error).message}`);
		}
	};

	const rates = rateLookup(pricing);
	const tracker = new DocumentTracker(service, () => config.enable);
	const statusBar = new StatusBarController(service, rates, () => config.enable && config.statusBar.enabled);
	const codeLens = new ConditionalRegistration(() => {
		const provider = new TokenCodeLensProvider(service, tracker, rates);
		return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider(DOCUMENT_SELECTOR, provider));
	});
	const hover = new ConditionalRegistration(() =>
		vscode.languages.registerHoverProvider(DOCUMENT_SELECTOR, new TokenHoverProvider(service, tracker, () => pricing().modelOverrides)));
	const diagnostics = new DiagnosticsController(service, pricing, () => config.enable && config.diagnostics.enabled);
	const applyToggles = () => {
		codeLens.setEnabled(config.enable && config.codeLens.enabled);
		hover.setEnabled(config.enable && config.hover.enabled);
	};
	applyToggles();
	const commands = new Commands({ service, keys, log, rates, endpoint: () => endpoint.url, exampleUri: vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', 'example.json'), models: () => modelChoices(pricing()) });
	const estimate = new EstimatePanel(context.extensionUri, service, tracker, pricing, log);
	const batch = new BatchCommand(service, pricing, log, context.extensionUri);
	const modelSettings = () => ({ defaultModel: config.defaultModel, overrides: pricing().modelOverrides });
	const prompts = new PromptStatusController(service, rates, () => ({
		...modelSettings(), ...config.prompts, enabled: config.enable && config.statusBar.enabled && config.prompts.enabled, debounceMs: config.debounceMs,
	}), log);
	const selection = new SelectionStatusController(rates, () => ({ ...modelSettings(), enabled: config.enable && config.statusBar.enabled && config.selection.enabled }));
	const contextView = new ContextViewController(modelSettings);
	const schemas = new SchemaAssociations(vscode.Uri.joinPath(context.extensionUri, 'schemas', 'messages-request.schema.json'), () => config.schema.fileMatch, log);
	const tool = new CountTokensTool({ service, rates, defaultModel: () => config.defaultModel, endpoint: () => endpoint.url });
	context.subscriptions.push(tracker, statusBar, codeLens, hover, diagnostics, commands, estimate, batch, prompts, selection, contextView, schemas, tool);

	const reported = new Set<string>();
	const reportEndpoint = () => {
		for (const problem of [endpointProblem(), config.bedrock.enabled ? awsEndpoint(config)?.problem : undefined]) {
			if (problem) {
				log.warn(problem);
				void vscode.window.showWarningMessage(noLinks(`Claude Token Meter: ${problem}. Counting stays offline until it is fixed.`));
			}
		}
		// A folder's settings may not choose where the key goes; say once that its value is ignored.
		for (const { id, value } of workspaceEndpointValues()) {
			if (reported.has(`${id}=${value}`)) { continue; }
			reported.add(`${id}=${value}`);
			const message = `This workspace's settings set ${id} to ${value}. It is ignored: the counting endpoint, which receives your API key, is taken from your user settings only.`;
			log.warn(message);
			void vscode.window.showWarningMessage(noLinks(`Claude Token Meter: ${message}`));
		}
	};
	reportEndpoint();

	context.subscriptions.push(
		keys.onDidChange(() => {
			log.info(keys.has() ? 'API key available: counting exactly.' : 'No API key: counting offline.');
			// A retry-after pause belongs to the account that asked for it; another key may be another account.
			limiter.resume();
			service.recountAll();
			statusBar.update();
			prompts.refresh();
			void refreshLiveLimits(true);
		}),
		vscode.workspace.onDidGrantWorkspaceTrust(() => {
			service.setOptions(serviceOptions(config));
			service.recountAll();
		}),
		vscode.workspace.onDidChangeConfiguration((e) => {
			if (!changed(e)) {
				return;
			}
			config = readConfig();
			if (changed(e, 'api.baseURL')) {
				endpoint = apiEndpoint(config);
				api = newApiCounter();
			}
			if (changed(e, 'bedrock.region', 'bedrock.endpoint')) {
				bedrock = newBedrockCounter();
			}
			if (changed(e, 'api.baseURL', 'bedrock.endpoint', 'bedrock.enabled')) {
				reportEndpoint();
			}
			limiter.setRpm(config.api.requestsPerMinute);
			if (changed(e, 'api.baseURL', 'bedrock.region', 'bedrock.endpoint')) {
				// A retry-after pause belongs to the endpoint that asked for it.
				limiter.resume();
			}
			service.setOptions(serviceOptions(config));
			applyToggles();
			if (changed(e, 'budget.maxInputTokens', 'budget.maxCost', 'diagnostics.enabled', 'pricing.overrides', 'enable')) {
				diagnostics.refreshAll();
			}
			if (changed(e, 'api.baseURL', 'bedrock.region', 'bedrock.endpoint', 'api.useEnvironmentKey')) {
				service.recountAll({ clearCache: true });
			} else if (changed(e, 'countingMode', 'defaultModel', 'bedrock.enabled', 'bedrock.modelId', 'enable')) {
				service.recountAll();
			}
			if (changed(e, 'enable')) {
				tracker.scanVisible();
			}
			if (changed(e, 'defaultModel', 'pricing.overrides', 'enable', 'statusBar.enabled', 'prompts.enabled', 'prompts.include', 'prompts.apiCounting', 'selection.enabled')) {
				prompts.refresh();
				selection.refresh();
			}
			if (changed(e, 'defaultModel', 'pricing.overrides')) {
				contextView.invalidate();
			}
			if (changed(e, 'schema.fileMatch')) {
				void schemas.sync();
			}
			statusBar.update();
		}),
	);

	void refreshLiveLimits();
	void firstRunNotice(context, keys, () => endpoint.url);
	log.info(`Activated (mode ${serviceOptions(config).mode}, ${keys.has() ? 'API key set' : 'no API key'}).`);
	return {
		service,
		whenIdle: async () => {
			await tracker.flush();
			await service.whenIdle();
		},
		statusText: () => statusBar.text,
		lastReport: () => estimate.lastReport,
		lastReportNotice: () => estimate.lastNotice,
		lastBatchEstimate: () => batch.lastEstimate,
		batchViewTitle: () => batch.viewTitle,
		logUri: context.logUri,
		prompts,
		selection,
		context: contextView,
		hasApiKey: () => keys.has(),
		statusTooltip: () => statusBar.tooltipSource(),
		testing: context.extensionMode === vscode.ExtensionMode.Test ? { storeApiKey: (key: string) => commands.storeKey(key) } : undefined,
	};
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
