import * as vscode from 'vscode';
import { anthropicEndpoint, bedrockEndpoint, type Endpoint } from '../core/count/endpoint';
import { ENDPOINT_SETTINGS, readSettings, type Config, type SettingId } from '../core/defaults';

export const SECTION = 'claudeTokenMeter';

/** The settings snapshot (core/defaults.ts): one field per setting under its id. */
export type { Config, SettingId };

/**
 * The settings that decide where the API key and the documents are sent. They are read from the user's own
 * (user or remote machine) settings only: a folder's `.vscode/settings.json` must not redirect the key.
 */
export { ENDPOINT_SETTINGS };

/** The endpoint settings a workspace or folder tries to set (ignored), with the value it sets. */
export function workspaceEndpointValues(): { id: string; value: string }[] {
	const c = vscode.workspace.getConfiguration(SECTION);
	const out: { id: string; value: string }[] = [];
	for (const key of ENDPOINT_SETTINGS) {
		const i = c.inspect<unknown>(key);
		const v = i?.workspaceFolderValue ?? i?.workspaceValue;
		if (typeof v === 'string' && v.trim()) {
			out.push({ id: `${SECTION}.${key}`, value: v.trim() });
		}
	}
	return out;
}

/** The settings as they are now, each held to its type and bounds (core/defaults.ts `readSettings`). */
export function readConfig(): Config {
	const c = vscode.workspace.getConfiguration(SECTION);
	return readSettings({ get: (id) => c.get<unknown>(id), userValue: (id) => c.inspect<unknown>(id)?.globalValue });
}

/** True when `e` touches one of the settings (or when there is no event: the first read). */
export function changed(e: vscode.ConfigurationChangeEvent | undefined, ...ids: SettingId[]): boolean {
	if (!e) {
		return true;
	}
	if (ids.length === 0) {
		return e.affectsConfiguration(SECTION);
	}
	return ids.some((id) => e.affectsConfiguration(`${SECTION}.${id}`));
}

/** The Anthropic endpoint in use: the setting, else ANTHROPIC_BASE_URL, else Anthropic's; with what is wrong with it. */
export function apiEndpoint(config: Config): Endpoint {
	return anthropicEndpoint(config.api.baseURL, `${SECTION}.api.baseURL`, process.env);
}

/** The Bedrock endpoint in use (undefined: the region's default), with what is wrong with it. */
export function awsEndpoint(config: Config): Endpoint | undefined {
	return bedrockEndpoint(config.bedrock.endpoint, `${SECTION}.bedrock.endpoint`, process.env);
}
