import * as vscode from 'vscode';
import {
	formatPct, formatTokens, formatUsd, formatWindow, inputCost, lookupModel, worstCaseCost,
	type ModelOverrides, PRICING_AS_OF, priceOptionsOf, serverToolUsesOf,
} from '../core/cost';
import { priceSourcesMarkdown, rateCardMarkdown, requestCostLine, usdText } from '../core/present';
import { measurePart } from '../core/report';
import { bestResult, countedOfflineOnly, type SiteState, type TokenCountService } from '../core/service';
import type { SitePart } from '../core/types';
import { isCancellation } from '../core/util/abort';
import type { DocumentTracker } from './documentTracker';
import { mdText } from './markdown';

const PART_LABEL: Record<string, string> = {
	system: 'System prompt', tool: 'Tool definition', tools: 'Tool definitions', message: 'Message', block: 'Content block', thinking: 'Thinking block',
};

/**
 * Hovers inside a request: the rate card on `model`, the worst case on `max_tokens`, and on a message,
 * content block, tool or the system prompt its own tokens and share of the request (counted as a
 * difference through the same cached, rate-limited counter as everything else).
 */
export class TokenHoverProvider implements vscode.HoverProvider {
	constructor(
		private readonly service: TokenCountService,
		private readonly tracker: DocumentTracker,
		private readonly overrides: () => ModelOverrides,
	) {}

	async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
		await this.tracker.ensure(document);
		const uri = document.uri.toString();
		const offset = document.offsetAt(position);
		const state = this.service.siteAt(uri, offset);
		if (!state || token.isCancellationRequested) {
			return undefined;
		}
		// The innermost part under the cursor (a block wins over its message).
		const parts = state.site.parts
			.filter((p) => p.range.start <= offset && offset <= p.range.end)
			.sort((a, b) => (a.range.end - a.range.start) - (b.range.end - b.range.start));
		const part = parts[0];
		if (!part) {
			return undefined;
		}
		const range = new vscode.Range(document.positionAt(part.range.start), document.positionAt(part.range.end));
		const md = new vscode.MarkdownString('', true);
		md.supportThemeIcons = true;
		md.isTrusted = { enabledCommands: ['claudeTokenMeter.estimateRequest'] };
		if (part.kind === 'model') {
			this.modelCard(md, state);
		} else if (part.kind === 'max_tokens') {
			this.worstCase(md, state);
		} else {
			const controller = new AbortController();
			const sub = token.onCancellationRequested(() => controller.abort());
			try {
				await this.share(md, state, part, controller.signal);
			} catch (err) {
				if (isCancellation(err)) { return undefined; }
				md.appendMarkdown(`$(warning) Could not count this part: ${mdText((err as Error).message)}`);
			} finally {
				sub.dispose();
			}
		}
		md.appendMarkdown(`\n\n[Estimate Request](command:claudeTokenMeter.estimateRequest)`);
		return new vscode.Hover(md, range);
	}

	private modelCard(md: vscode.MarkdownString, state: SiteState): void {
		const info = lookupModel(state.model, this.overrides());
		if (!info) {
			md.appendMarkdown(`**${mdText(state.model)}** — no price: this model is not in the pricing table (${PRICING_AS_OF}). Add it in \`claudeTokenMeter.pricing.overrides\`.`);
			return;
		}
		md.appendMarkdown(`**${mdText(info.displayName)}** ${mdText(state.model)}\n\n`);
		md.appendMarkdown(rateCardMarkdown(info));
		md.appendMarkdown(`Context window ${formatWindow(info.contextWindow)}${info.maxOutput ? ` · max output ${formatWindow(info.maxOutput)}` : ''}\n\n`);
		const r = bestResult(state);
		if (r) {
			md.appendMarkdown(requestCostLine(info, r.inputTokens, state.site.pricing));
		}
		md.appendMarkdown(`\n\n${priceSourcesMarkdown(info)}`);
	}

	private worstCase(md: vscode.MarkdownString, state: SiteState): void {
		const info = lookupModel(state.model, this.overrides());
		const r = bestResult(state);
		const maxTokens = state.site.maxTokens;
		if (!info) {
			md.appendMarkdown(`**max_tokens ${maxTokens !== undefined ? formatTokens(maxTokens) : '?'}** — no price for ${mdText(state.model)}.`);
			return;
		}
		if (!r || maxTokens === undefined) {
			md.appendMarkdown('**Worst case**: waiting for the input count…');
			return;
		}
		const thinking = (state.site.payload.thinking as { budget_tokens?: number } | undefined)?.budget_tokens;
		const opts = { ...priceOptionsOf(state.site.pricing), thinkingBudget: thinking, serverToolUses: serverToolUsesOf(state.site.payload) };
		const w = worstCaseCost(r.inputTokens, maxTokens, info, opts);
		md.appendMarkdown(`**Worst case for this call: ${usdText(w.totalUsd)}**\n\n`);
		md.appendMarkdown(`- input ${formatTokens(r.inputTokens)} tokens → ${formatUsd(w.inputUsd)}\n`);
		md.appendMarkdown(`- output up to ${formatTokens(w.outputTokens)} tokens${thinking ? ` (thinking budget ${formatTokens(thinking)} included)` : ''} → ${formatUsd(w.outputUsd)}\n`);
		if (w.serverToolUsd > 0) {
			md.appendMarkdown(`- server tools at their max_uses → ${formatUsd(w.serverToolUsd)}\n`);
		}
		const batch = worstCaseCost(r.inputTokens, maxTokens, info, { ...opts, batch: true });
		md.appendMarkdown(`- in a batch: ${usdText(batch.totalUsd)}\n\n`);
		const used = r.inputTokens + maxTokens;
		md.appendMarkdown(`Input + max_tokens = ${formatTokens(used)} of the ${formatWindow(info.contextWindow)} window (${formatPct((used / info.contextWindow) * 100)})`);
		if (used > info.contextWindow) {
			md.appendMarkdown(' — **does not fit**');
		}
	}

	private async share(md: vscode.MarkdownString, state: SiteState, part: SitePart, signal: AbortSignal): Promise<void> {
		const r = bestResult(state);
		const label = PART_LABEL[part.kind] ?? part.kind;
		if (!r) {
			md.appendMarkdown(`**${label}** — waiting for the request's count…`);
			return;
		}
		// A batch-file line is measured offline like its figure: hovering must not send it.
		const count = this.service.countFnFor(state.site.provider, { offlineOnly: countedOfflineOnly(state.site) });
		const total = r.inputTokens;
		// Stand-ins keep the request valid without the part; measurePart adds their own cost back.
		const measured = await measurePart(state.request.body, state.model, part.path, count, { total, signal });
		if (!measured) {
			md.appendMarkdown(`**${label}** ${mdText(part.path)}`);
			return;
		}
		const tokens = Math.max(0, measured.tokens);
		const approximate = measured.approximate || r.approximate;
		const info = lookupModel(state.model, this.overrides());
		md.appendMarkdown(`**${label}** ${mdText(part.path)}: **${approximate ? '≈' : ''}${formatTokens(tokens)} tokens**, ${formatPct(total ? (tokens / total) * 100 : 0)} of the request (${formatTokens(total)})`);
		if (info) {
			// A part of the request is priced at the rates the whole request's size decides.
			md.appendMarkdown(` · ${usdText(inputCost(tokens, info, { ...priceOptionsOf(state.site.pricing), requestInputTokens: total }))}`);
		}
		md.appendMarkdown(`\n\nMeasured as the request's count minus its count without this ${label.toLowerCase()}.`);
	}
}
