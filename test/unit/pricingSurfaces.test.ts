import * as assert from 'node:assert/strict';
import { costs } from '../../src/cli/count';
import { usd as cliUsd } from '../../src/cli/render';
import { estimateBatchFile } from '../../src/core/batch';
import { formatUsd, lookupModel } from '../../src/core/cost';
import { switchEffect } from '../../src/core/cost/lifecycle';
import { rateLookup } from '../../src/core/cost/rates';
import { figureFor, requestCostLine, shortText, totalsFor } from '../../src/core/present';
import { estimateRequest, toMarkdown } from '../../src/core/report';
import type { SiteState } from '../../src/core/service';
import type { CountResult, RequestSite } from '../../src/core/types';
import { detectJson } from '../../src/core/detect/json';

const rates = rateLookup(() => ({}));

function site(model: string, extra: Record<string, string> = {}): RequestSite {
	// As detection gives it: the counted payload, and beside it the fields that change only the price.
	const text = JSON.stringify({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'x' }], ...extra });
	const sites: RequestSite[] = [];
	detectJson(text, {}, sites);
	assert.equal(sites.length, 1);
	return sites[0];
}

function state(model: string, tokens: number, extra: Record<string, string> = {}): SiteState {
	const s = site(model, extra);
	const exact: CountResult = { inputTokens: tokens, source: 'api', exact: true, approximate: false, notes: [] };
	return { site: s, model, request: { provider: 'anthropic', model, body: s.payload as never }, status: 'ready', exact };
}

/** The cost string each surface shows for one request of `tokens` input tokens on `model`. */
async function surfaceCosts(model: string, tokens: number, extra: Record<string, string> = {}): Promise<Record<string, string>> {
	const info = lookupModel(model)!;
	const st = state(model, tokens, extra);
	// Status bar and CodeLens: the short figure "N tok · $X · …".
	const statusBar = shortText(figureFor(st, rates)!).split(' · ')[1];
	// The file lens of a batch file (one request): its total.
	const fileTotal = formatUsd(totalsFor([st], rates).costUsd!);
	// Hover on model: "This request: **N tokens → $X** input ($Y in a batch)".
	const line = requestCostLine(info, tokens, st.site.pricing);
	const hover = /→ (\S+)\*\*/.exec(line)![1];
	const hoverBatch = /\((\S+) in a batch\)/.exec(line)![1];
	// CLI table cell.
	const cli = cliUsd(costs(tokens, undefined, st.site, info).costUsd, '');
	// Report "Cost by model" row: Input and Batch input.
	const report = await estimateRequest(st.site.payload as never, model, async () => ({ inputTokens: tokens, approximate: false }), { models: [model], pricing: st.site.pricing });
	const md = toMarkdown(report);
	const cells = md.split('\n').find((l) => l.startsWith(`| ${info.displayName}`))!.split('|').map((c) => c.trim());
	// Batch estimate of a one-line file (priced at the Batch API rate).
	const line1 = JSON.stringify({ custom_id: 'a', params: { model, max_tokens: 1024, messages: [{ role: 'user', content: 'x' }], ...extra } });
	const batch = await estimateBatchFile((async function* () { yield `${line1}\n`; })(), { count: async () => ({ inputTokens: tokens }), defaultModel: model });
	return { statusBar, fileTotal, hover, cli, report: cells[3], batchHover: hoverBatch, batchReport: cells[4], batchFile: formatUsd(batch.inputCostUsd) };
}

function assertAgree(c: Record<string, string>, expected: string, expectedBatch: string): void {
	for (const k of ['statusBar', 'fileTotal', 'hover', 'cli', 'report']) {
		assert.equal(c[k], expected, `${k}: ${JSON.stringify(c)}`);
	}
	for (const k of ['batchHover', 'batchReport', 'batchFile']) {
		assert.equal(c[k], expectedBatch, `${k}: ${JSON.stringify(c)}`);
	}
}

describe('one price on every surface', () => {
	// Below and above each request-level tier: Haiku 5.5 over 100K, Sonnet 4.5 (1M beta) over 200K; a flat model.
	const cases: [string, number, string, string][] = [
		['claude-haiku-5-5', 100_000, '$0.01', '$0.005'],
		['claude-haiku-5-5', 100_001, '$0.05', '$0.025'],
		// $0.0375 in binary is a hair under: it shows as $0.037, alike on every surface.
		['claude-haiku-5-5', 150_000, '$0.075', '$0.037'],
		['claude-sonnet-4-5', 200_000, '$0.60', '$0.30'],
		['claude-sonnet-4-5', 250_000, '$1.50', '$0.75'],
		['claude-opus-5-5', 250_000, '$1.00', '$0.50'],
	];
	for (const [model, tokens, usd, batchUsd] of cases) {
		it(`${model} at ${tokens.toLocaleString('en-US')} input tokens: ${usd} (batch ${batchUsd}) everywhere`, async () => {
			assertAgree(await surfaceCosts(model, tokens), usd, batchUsd);
		});
	}

	it('a request asking for US-only inference pays ×1.1 on every surface', async () => {
		assertAgree(await surfaceCosts('claude-opus-5-5', 250_000, { inference_geo: 'us' }), '$1.10', '$0.55');
	});

	it('a model that rejects inference_geo has no price anywhere, rather than a borrowed one', async () => {
		const st = state('claude-sonnet-4-5', 1000, { inference_geo: 'us' });
		assert.equal(shortText(figureFor(st, rates)!).split(' · ')[1], 'no price');
		assert.equal(cliUsd(costs(1000, undefined, st.site, lookupModel('claude-sonnet-4-5')!).costUsd, ''), 'no price');
		assert.match(requestCostLine(lookupModel('claude-sonnet-4-5')!, 1000, st.site.pricing), /→ no price\*\*.*not supported\\: the API returns 400/);
	});

	it('the lifecycle quick fix prices the successor through the same path', () => {
		const e = switchEffect(lookupModel('claude-sonnet-4-5')!, { tokens: 250_000, usd: 1.5 }, lookupModel('claude-haiku-5-5')!, 150_000);
		assert.match(e.text, /, \$0\.075 \(/);
	});
});
