import * as path from 'node:path';
import * as vscode from 'vscode';
import { changed, checkEndpoint, readConfig, type Config } from './config';
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
import { StatusBarController } from './ui/statusBar';

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
}

function serviceOptions(config: Config): ServiceOptions {
	// In an untrusted workspace nothing is sent anywhere: counting stays offline.
	const trusted = vscode.workspace.isTrusted;
	return {
		mode: trusted ? config.countingMode : 'offline',
		debounceMs: config.debounceMs,
		defaultModel: config.defaultModel,
		bedrockModelId: config.bedrock.modelId || undefined,
		bedrockEnabled: trusted && config.bedrock.enabled,
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

	const endpointProblem = () => checkEndpoint(config.api.baseURL);
	const limiter = new RateLimiter(config.api.requestsPerMinute);
	const sdkLogger = { error: (m: string) => log.error(m), warn: (m: string) => log.warn(m), info: (m: string) => log.debug(m), debug: (m: string) => log.trace(m) };
	let api = new AnthropicCounter({ getApiKey: () => keys.get(), baseURL: config.api.baseURL, logger: sdkLogger });
	let bedrock = new BedrockCounter({ region: config.bedrock.region, endpoint: config.bedrock.endpoint || undefined });
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
	const refreshLiveLimits = async (force = false) => {
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
	const commands = new Commands({ service, keys, log, rates, models: () => modelChoices(pricing()) });
	const estimate = new EstimatePanel(context.extensionUri, service, tracker, pricing, log);
	const batch = new BatchCommand(service, pricing, log, context.extensionUri);
	context.subscriptions.push(tracker, statusBar, codeLens, hover, diagnostics, commands, estimate, batch);

	const reportEndpoint = () => {
		const problem = endpointProblem();
		if (problem) {
			log.warn(problem);
			void vscode.window.showWarningMessage(`Claude Token Meter: ${problem}. Counting stays offline until it is fixed.`);
		}
	};
	reportEndpoint();

	context.subscriptions.push(
		keys.onDidChange(() => {
			log.info(keys.has() ? 'API key available: counting exactly.' : 'No API key: counting offline.');
			service.recountAll();
			statusBar.update();
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
				api = new AnthropicCounter({ getApiKey: () => keys.get(), baseURL: config.api.baseURL, logger: sdkLogger });
				reportEndpoint();
			}
			if (changed(e, 'bedrock.region', 'bedrock.endpoint')) {
				bedrock = new BedrockCounter({ region: config.bedrock.region, endpoint: config.bedrock.endpoint || undefined });
			}
			limiter.setRpm(config.api.requestsPerMinute);
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
			statusBar.update();
		}),
	);

	void refreshLiveLimits();
	void firstRunNotice(context, keys, () => config);
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
	};
}

/**
 * Once per installation, say what is counted where: offline by default, and that an API key means request
 * payloads are sent to the counting endpoint. Only for installed copies: development and test hosts skip it.
 */
async function firstRunNotice(context: vscode.ExtensionContext, keys: ApiKeyStore, config: () => Config): Promise<void> {
	const FLAG = 'claudeTokenMeter.firstRunShown';
	if (context.globalState.get(FLAG) || keys.has() || context.extensionMode !== vscode.ExtensionMode.Production) {
		return;
	}
	await context.globalState.update(FLAG, true);
	const endpoint = config().api.baseURL || 'https://api.anthropic.com';
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
