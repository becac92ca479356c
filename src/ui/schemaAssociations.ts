import * as vscode from 'vscode';
import { Disposable } from './dispose';
import type { Log } from './log';

/** How our entry in `json.schemas` is recognised: by the schema file it points to. */
const SCHEMA_FILE = '/schemas/messages-request.schema.json';

interface SchemaEntry { fileMatch?: string[]; url?: string }

/**
 * The `jsonValidation` contribution is static, so the globs of `claudeTokenMeter.schema.fileMatch` reach the
 * JSON language service through one entry of the user's `json.schemas`, kept in step with the setting (and
 * removed when the setting is emptied). Other entries are left as they are.
 */
export class SchemaAssociations extends Disposable {
	private pending: Promise<void> = Promise.resolve();

	constructor(private readonly schemaUri: vscode.Uri, private readonly globs: () => readonly string[], private readonly log: Log) {
		super();
		this.sync();
	}

	/** Queues an update, so quick setting changes are applied in order. */
	sync(): Promise<void> {
		this.pending = this.pending.then(() => this.apply()).catch((err) => {
			this.log.warn(`Could not update json.schemas for claudeTokenMeter.schema.fileMatch: ${(err as Error).message}`);
		});
		return this.pending;
	}

	private async apply(): Promise<void> {
		const json = vscode.workspace.getConfiguration('json');
		const current = json.inspect<unknown[]>('schemas')?.globalValue;
		const entries = Array.isArray(current) ? current : [];
		const ours = (e: unknown) => typeof (e as SchemaEntry)?.url === 'string' && (e as SchemaEntry).url!.endsWith(SCHEMA_FILE);
		const globs = [...new Set(this.globs())];
		const others = entries.filter((e) => !ours(e));
		const next = globs.length ? [...others, { fileMatch: globs, url: this.schemaUri.toString() }] : others;
		if (JSON.stringify(next) === JSON.stringify(entries)) {
			return;
		}
		await json.update('schemas', next, vscode.ConfigurationTarget.Global);
		this.log.info(globs.length ? `Request schema associated with ${globs.join(', ')} (json.schemas).` : 'Request schema association removed from json.schemas.');
	}
}
