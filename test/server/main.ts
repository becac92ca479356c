/**
 * Run the local counting server by hand: `node out/test/server/main.js [--port N]`.
 * Prints the base URL (use it as the extension's baseURL setting) and one line per request;
 * keys never appear, only which header carried one. It answers with the offline tokenizer's figures, so
 * what the extension shows as exact matches what it computes offline for plain text.
 */
import { countRequest } from '../core';
import { startCountServer, type RecordedRequest } from './countServer';

function parsePort(argv: readonly string[]): number | undefined {
	const i = argv.indexOf('--port');
	if (i < 0) {
		return undefined;
	}
	const port = Number(argv[i + 1]);
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new Error(`--port needs a number between 0 and 65535, got ${argv[i + 1] ?? 'nothing'}`);
	}
	return port;
}

function logLine(r: RecordedRequest): string {
	const status = r.dropped ? 'dropped' : String(r.status);
	const auth = r.authScheme ?? 'no-auth';
	const model = r.model ? ` model=${r.model}` : '';
	return `${new Date(r.time).toISOString()} ${r.method} ${r.path} ${status} ${r.durationMs ?? 0}ms auth=${auth}${model}`;
}

async function main(): Promise<void> {
	const port = parsePort(process.argv.slice(2));
	const server = await startCountServer({
		port,
		count: (body, model) => countRequest(body, model).inputTokens,
		onRequest: (r) => console.log(logLine(r)),
	});
	console.log(`count server listening on ${server.url}`);
	console.log(`  Anthropic: POST ${server.url}/v1/messages/count_tokens`);
	console.log(`  Bedrock:   POST ${server.url}/model/{modelId}/count-tokens`);
	const stop = (): void => {
		void server.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(2);
});
