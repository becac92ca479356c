import * as vscode from 'vscode';
import {
	formatPct, formatTokens, formatUsd, formatWindow, inputCost, lookupModel, worstCaseCost,
	type ModelOverrides, PRICING_AS_OF, priceOptionsOf, serverToolUsesOf,
} from '../core/cost';
import { rateLookup } from '../core/cost/rates';
import { figureFor, priceSourcesMarkdown, rateCardMarkdown, type RateLookup, requestCostLine, shortText, usdText } from '../core/present';
import { measurePart } from '../core/report';
import { bestResult, countedOfflineOnly, type SiteState, type TokenCountService } from '../core/service';
import type { SitePart, TextRange } from '../core/types';
import { isCancellation } from '../core/util/abort';
import type { DocumentTracker } from './documentTracker';
import { abortOnCancel } from './dispose';
import { mdText } from './markdown';

const PART_LABEL: Record<string, string> = {
	system: 'System prompt', tool: 'Tool definition', tools: 'Tool definitions', messages: 'Messages', message: 'Message', block: 'Content block', thinking: 'Thinking block',
};

/** Sections of an array compared in a hover ("largest: …"); a longer array is not measured piece by piece. */
const MAX_SECTIONS_MEASURED = 12;

/** The innermost part at `offset` (a block wins over its message), its value or its `key: value` property. */
function partAt(state: SiteState, offset: number): { part: SitePart; range: TextRange } | undefined {
	let best: { part: SitePart; range: TextRange } | undefined;
	const inside = (r: TextRange | undefined) => r !== undefined && r.start <= offset && offset <= r.end;
	for (const part of state.site.parts) {
		// A value defined elsewhere (`system: SYSTEM_PROMPT`) is found through its property in the request.
		const range = inside(part.range) && inRequest(state, part.range) ? part.range : inside(part.keyRange) ? part.keyRange : undefined;
		if (range && (!best || range.end - range.start < best.range.end - best.range.start)) {
			best = { part, range };
		}
	}
	return best;
}

function inRequest(state: SiteState, range: TextRange): boolean {
	return range.start >= state.site.range.start && range.end <= state.site.range.end;
}

/**
 * Hovers inside a request, this request's figure first: the rate card after it on `model`, the worst case
 * on `max_tokens`, and on a message, content block, tool, the tools or the system prompt its own tokens and
 * share of the request (counted as a difference through the same cached, rate-limited counter as everything
 * else), with the largest of an array's sections. Keys hover like their values. On a constant that feeds
 * requests (`SYSTEM_PROMPT`, a tools array), its tokens and how many requests use it, appended to the
 * language's own hover.
 */
export class TokenHoverProvider implements vscode.HoverProvider {
	private readonly rates: RateLookup;

	constructor(
		private readonly service: TokenCountService,
		private readonly tracker: DocumentTracker,
		private readonly overrides: () => ModelOverrides,
	) {
		this.rates = rateLookup(() => ({ pricing: { overrides: this.overrides() } }));
	}

	async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
		await this.tracker.ensure(document);
		const uri = document.uri.toString();
		const offset = document.offsetAt(position);
		const state = this.service.siteAt(uri, offset);
		if (token.isCancellationRequested) {
			return undefined;
		}
		const found = state ? partAt(state, offset) : undefined;
		const controller = new AbortController();
		const sub = abortOnCancel(token, controller);
		const md = new vscode.MarkdownString('', true);
		md.supportThemeIcons = true;
		md.isTrusted = { enabledCommands: ['claudeTokenMeter.estimateRequest'] };
		try {
			if (!state || !found) {
				return await this.constantHover(document, uri, offset, md, controller.signal);
			}
			const { part, range } = found;
			// This request's figure first; the model's card says it with the batch price instead.
			if (part.kind !== 'model') { this.requestLine(md, state); }
			if (part.kind === 'model') {
				this.modelCard(md, state);
			} else if (part.kind === 'max_tokens') {
				this.worstCase(md, state);
			} else if (part.kind === 'messages') {
				const n = state.request.body.messages.length;
				md.appendMarkdown(`**Messages**: ${n} message${n === 1 ? '' : 's'}. Hover one for its own tokens and share.`);
			} else {
				try {
					await this.share(md, state, part, controller.signal);
				} catch (err) {
					if (isCancellation(err)) { return undefined; }
					md.appendMarkdown(`$(warning) Could not count this part: ${mdText((err as Error).message)}`);
				}
			}
			md.appendMarkdown(`\n\n[Estimate Request](command:claudeTokenMeter.estimateRequest)`);
			return new vscode.Hover(md, new vscode.Range(document.positionAt(range.start), document.positionAt(range.end)));
		} catch (err) {
			if (isCancellation(err)) { return undefined; }
			throw err;
		} finally {
			sub.dispose();
		}
	}

	/** "This request: ≈1,234 tok · $0.0037 · 0.6% of 200K" — the same words as the status bar. */
	private requestLine(md: vscode.MarkdownString, state: SiteState): void {
		const f = figureFor(state, this.rates);
		md.appendMarkdown(f ? `**This request: ${mdText(shortText(f))}** · ${mdText(state.model)}\n\n` : `**This request**: counting… · ${mdText(state.model)}\n\n`);
	}

	/**
	 * A name outside every request whose value feeds one or more of them (`const SYSTEM_PROMPT = …`):
	 * "38 tokens · used by 2 requests", measured in the first request that uses it.
	 */
	private async constantHover(document: vscode.TextDocument, uri: string, offset: number, md: vscode.MarkdownString, signal: AbortSignal): Promise<vscode.Hover | undefined> {
		// On the value, or on the name it is assigned to (`const SYSTEM_PROMPT = …`, `TOOLS: list = […]`).
		const text = document.getText();
		const word = document.getWordRangeAtPosition(document.positionAt(offset));
		const nameEnd = word ? document.offsetAt(word.end) : undefined;
		const hit = (r: TextRange) => (r.start <= offset && offset <= r.end)
			|| (nameEnd !== undefined && r.start >= nameEnd && r.start - nameEnd <= 120 && /^\s*(:[^=\n]*)?=\s*$/.test(text.slice(nameEnd, r.start)));
		const users: { state: SiteState; part: SitePart }[] = [];
		for (const state of this.service.get(uri)?.sites ?? []) {
			const part = state.site.parts
				.filter((p) => hit(p.range) && !inRequest(state, p.range))
				.sort((a, b) => (b.range.end - b.range.start) - (a.range.end - a.range.start))[0];
			if (part) { users.push({ state, part }); }
		}
		if (users.length === 0) {
			return undefined;
		}
		const { state, part } = users[0];
		const label = PART_LABEL[part.kind] ?? part.kind;
		const n = users.length;
		const used = `used by ${n} request${n === 1 ? '' : 's'}`;
		const measured = await this.measure(state, part.path, signal);
		if (measured) {
			const info = lookupModel(state.model, this.overrides());
			md.appendMarkdown(`**${measured.mark}${formatTokens(measured.tokens)} tokens · ${used}** (${label.toLowerCase()}${info ? `, ${formatUsd(inputCost(measured.tokens, info, { requestInputTokens: measured.total }))} per call on ${mdText(info.displayName)}` : ''})`);
		} else {
			md.appendMarkdown(`**${label} · ${used}**`);
		}
		const lines = users.map(({ state: s }) => `- line ${document.positionAt(s.site.anchor.start).line + 1}: ${mdText(s.model)}`);
		md.appendMarkdown(`\n\n${lines.slice(0, 5).join('\n')}${n > 5 ? `\n- … ${n - 5} more` : ''}`);
		const on = part.range.start <= offset && offset <= part.range.end ? part.range : { start: document.offsetAt(word!.start), end: nameEnd! };
		return new vscode.Hover(md, new vscode.Range(document.positionAt(on.start), document.positionAt(on.end)));
	}

	/** One part's tokens in the request, by difference; undefined when it cannot be measured alone. */
	private async measure(state: SiteState, path: string, signal: AbortSignal): Promise<{ tokens: number; total: number; mark: '' | '≈' } | undefined> {
		const r = bestResult(state);
		if (!r) { return undefined; }
		// A batch-file line is measured offline like its figure: hovering must not send it.
		const count = this.service.countFnFor(state.site.provider, { offlineOnly: countedOfflineOnly(state.site) });
		const m = await measurePart(state.request.body, state.model, path, count, { total: r.inputTokens, signal });
		return m && { tokens: Math.max(0, m.tokens), total: r.inputTokens, mark: m.approximate || r.approximate ? '≈' : '' };
	}

	private modelCard(md: vscode.MarkdownString, state: SiteState): void {
		const info = lookupModel(state.model, this.overrides());
		if (!info) {
			this.requestLine(md, state);
			md.appendMarkdown(`**${mdText(state.model)}** — no price: this model is not in the pricing table (${PRICING_AS_OF}). Add it in \`claudeTokenMeter.pricing.overrides\`.`);
			return;
		}
		// This request's cost first, the rate card after it: nothing important below the fold.
		const f = figureFor(state, this.rates);
		if (f) {
			md.appendMarkdown(`${requestCostLine(info, f.tokens, state.site.pricing, f.mark)}\n\n`);
		}
		md.appendMarkdown(`**${mdText(info.displayName)}** ${mdText(state.model)}\n\n`);
		md.appendMarkdown(rateCardMarkdown(info));
		md.appendMarkdown(`Context window ${formatWindow(info.contextWindow)}${info.maxOutput ? ` · max output ${formatWindow(info.maxOutput)}` : ''}\n\n`);
		md.appendMarkdown(priceSourcesMarkdown(info));
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
		const label = PART_LABEL[part.kind] ?? part.kind;
		if (!bestResult(state)) {
			md.appendMarkdown(`**${label}** — waiting for the request's count…`);
			return;
		}
		// Stand-ins keep the request valid without the part; measurePart adds their own cost back.
		const measured = await this.measure(state, part.path, signal);
		if (!measured) {
			md.appendMarkdown(`**${label}** ${mdText(part.path)}`);
			return;
		}
		const { tokens, total, mark } = measured;
		const info = lookupModel(state.model, this.overrides());
		md.appendMarkdown(`**${label}** ${mdText(part.path)}: **${mark}${formatTokens(tokens)} tokens**, ${formatPct(total ? (tokens / total) * 100 : 0)} of the request (${formatTokens(total)})`);
		if (info) {
			// A part of the request is priced at the rates the whole request's size decides.
			md.appendMarkdown(` · ${usdText(inputCost(tokens, info, { ...priceOptionsOf(state.site.pricing), requestInputTokens: total }))}`);
		}
		await this.largest(md, state, part, signal);
		md.appendMarkdown(`\n\nMeasured as the request's count minus its count without this ${label.toLowerCase()}.`);
	}

	/** For an array `system` or the tools: the largest of its sections ("largest: block 2, ≈1,200 tokens"). */
	private async largest(md: vscode.MarkdownString, state: SiteState, part: SitePart, signal: AbortSignal): Promise<void> {
		const body = state.request.body;
		const items = part.kind === 'system' && Array.isArray(body.system) ? body.system : part.kind === 'tools' ? body.tools ?? [] : [];
		if (items.length < 2 || items.length > MAX_SECTIONS_MEASURED) {
			return;
		}
		const figures = await Promise.all(items.map((_, i) => this.measure(state, `${part.path}/${i}`, signal)));
		let best = -1;
		figures.forEach((f, i) => { if (f && (best < 0 || f.tokens > figures[best]!.tokens)) { best = i; } });
		if (best < 0) {
			return;
		}
		const f = figures[best]!;
		const tool = items[best] as { name?: unknown };
		const name = part.kind === 'tools' ? `tool ${typeof tool?.name === 'string' ? mdText(tool.name) : best + 1}` : `block ${best + 1}`;
		md.appendMarkdown(`\n\nLargest of ${items.length}: ${name}, **${f.mark}${formatTokens(f.tokens)} tokens** (${formatPct(f.total ? (f.tokens / f.total) * 100 : 0)})`);
	}
}
