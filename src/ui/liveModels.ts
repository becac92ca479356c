import * as vscode from 'vscode';
import type { ModelOverrides } from '../core/cost';
import { limitsFromModelsApi, mergeLiveLimits, type LiveModelLimits } from '../core/cost/liveModels';
import { Disposable } from './dispose';

const STATE_KEY = 'claudeTokenMeter.liveModelLimits';
const MAX_AGE_MS = 24 * 3600_000;

interface Stored { at: number; limits: LiveModelLimits[] }

/**
 * Context windows from the Models API, which refine the pricing table once a key is set; kept in the global
 * state for a day. Owns the merge of those windows under the user's overrides, memoised per pair.
 */
export class LiveModelWindows extends Disposable {
	private live: LiveModelLimits[];
	private merged: { live: LiveModelLimits[]; user: ModelOverrides; overrides: ModelOverrides } | undefined;
	private reading: Promise<void> | undefined;
	private readonly changed = this._register(new vscode.EventEmitter<void>());
	/** Fires when new windows were read. */
	readonly onDidChange = this.changed.event;

	/** `list` gives the Models API's entries, or undefined when it may not be asked (no key, offline). */
	constructor(
		private readonly state: vscode.Memento,
		private readonly list: () => Promise<unknown[]> | undefined,
		private readonly log: { info(msg: string): void; warn(msg: string): void },
	) {
		super();
		this.live = state.get<Stored>(STATE_KEY)?.limits ?? [];
	}

	/** The settings snapshot with the live windows merged under its model overrides. */
	pricing<T extends { readonly pricing: { readonly overrides: ModelOverrides } }>(config: T): T {
		const user = config.pricing.overrides;
		if (this.merged?.live !== this.live || this.merged.user !== user) {
			this.merged = { live: this.live, user, overrides: mergeLiveLimits(this.live, user) };
		}
		return { ...config, pricing: { ...config.pricing, overrides: this.merged.overrides } };
	}

	/** Reads the Models API unless a read of the last day is stored (`force`: a new key). One read at a time. */
	refresh(force = false): Promise<void> {
		this.reading ??= this.read(force).finally(() => { this.reading = undefined; });
		return this.reading;
	}

	private async read(force: boolean): Promise<void> {
		const stored = this.state.get<Stored>(STATE_KEY);
		if (!force && stored && Date.now() - stored.at < MAX_AGE_MS) { return; }
		const entries = this.list();
		if (!entries) { return; }
		try {
			this.live = limitsFromModelsApi(await entries);
			await this.state.update(STATE_KEY, { at: Date.now(), limits: this.live } satisfies Stored);
			this.log.info(`Context windows of ${this.live.length} models read from the Models API.`);
			this.changed.fire();
		} catch (err) {
			this.log.warn(`Could not read the Models API (the pricing table's windows stay in use): ${(err as Error).message}`);
		}
	}
}
