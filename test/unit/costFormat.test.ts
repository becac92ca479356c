import * as assert from 'node:assert/strict';
import { formatPct, formatRate, formatTokens, formatUsd, formatWindow } from '../../src/core/cost';

describe('formatting', () => {
	it('formatTokens: thousands separators, whole tokens, dash when not a number', () => {
		assert.equal(formatTokens(0), '0');
		assert.equal(formatTokens(7), '7');
		assert.equal(formatTokens(1284), '1,284');
		assert.equal(formatTokens(1_000_000), '1,000,000');
		assert.equal(formatTokens(12_345_678_901), '12,345,678,901');
		assert.equal(formatTokens(1283.6), '1,284');
		assert.equal(formatTokens(-42), '-42');
		assert.equal(formatTokens(NaN), '—');
		assert.equal(formatTokens(Infinity), '—');
		assert.equal(formatTokens(undefined as unknown as number), '—');
	});

	it('formatUsd: dollars and cents from $1 up', () => {
		assert.equal(formatUsd(12.4), '$12.40');
		assert.equal(formatUsd(1), '$1.00');
		assert.equal(formatUsd(1234567.891), '$1,234,567.89');
		assert.equal(formatUsd(0.999), '$1.00');
	});

	it('formatUsd: two significant digits below $1', () => {
		assert.equal(formatUsd(0.384), '$0.38');
		assert.equal(formatUsd(0.1), '$0.10');
		assert.equal(formatUsd(0.0999), '$0.10');
		assert.equal(formatUsd(0.0123), '$0.012');
		assert.equal(formatUsd(0.01), '$0.01');
		assert.equal(formatUsd(0.003852), '$0.0039');
		assert.equal(formatUsd(0.004), '$0.004');
		assert.equal(formatUsd(0.00012), '$0.00012');
		assert.equal(formatUsd(0.0001), '$0.0001');
		assert.equal(formatUsd(0.00007), '$0.00007');
	});

	it('formatUsd: zero, tiny, negative and non-numbers', () => {
		assert.equal(formatUsd(0), '$0.00');
		// 32 tokens at $3/MTok, 23 tokens at $3/MTok: tiny amounts keep two significant digits.
		assert.equal(formatUsd(0.000096), '$0.000096');
		assert.equal(formatUsd(0.000069), '$0.000069');
		assert.equal(formatUsd(0.00005), '$0.00005');
		assert.equal(formatUsd(0.0000499), '$0.00005');
		assert.equal(formatUsd(-0.00001), '-$0.00001');
		assert.equal(formatUsd(0.000000012), '$0.00000001', 'at most eight decimals');
		assert.equal(formatUsd(1e-12), '<$0.00000001');
		assert.equal(formatUsd(-0.5), '-$0.50');
		assert.equal(formatUsd(-12.4), '-$12.40');
		assert.equal(formatUsd(NaN), '—');
		assert.equal(formatUsd(-Infinity), '—');
	});

	it('formatUsd output matches what the surfaces expect ($ and digits) for real request sizes', () => {
		for (const x of [0.000105, 0.0039, 0.04, 0.5, 3, 99.999]) {
			assert.match(formatUsd(x), /^\$[\d,.]+$/, String(x));
		}
	});

	it('formatPct: percent in, short text out', () => {
		assert.equal(formatPct(0), '0%');
		assert.equal(formatPct(0.642), '0.64%');
		assert.equal(formatPct(0.6), '0.6%');
		assert.equal(formatPct(0.025), '0.025%');
		assert.equal(formatPct(0.0123), '0.012%');
		assert.equal(formatPct(0.0005), '<0.001%');
		assert.equal(formatPct(1), '1%');
		assert.equal(formatPct(2.54), '2.5%');
		assert.equal(formatPct(9.96), '10%');
		assert.equal(formatPct(12.4), '12%');
		assert.equal(formatPct(100), '100%');
		assert.equal(formatPct(250.2), '250%');
		assert.equal(formatPct(-5), '-5%');
		assert.equal(formatPct(NaN), '—');
	});

	it('formatWindow: K and M as Anthropic writes windows', () => {
		assert.equal(formatWindow(200_000), '200K');
		assert.equal(formatWindow(1_000_000), '1M');
		assert.equal(formatWindow(1_500_000), '1.5M');
		assert.equal(formatWindow(128_000), '128K');
		assert.equal(formatWindow(64_000), '64K');
		assert.equal(formatWindow(8192), '8.2K');
		assert.equal(formatWindow(1000), '1K');
		assert.equal(formatWindow(999_999), '1M');
		assert.equal(formatWindow(512), '512');
		assert.equal(formatWindow(0), '0');
		assert.equal(formatWindow(-1), '—');
		assert.equal(formatWindow(NaN), '—');
	});

	it('formatRate: per-MTok prices with the decimals they need', () => {
		assert.equal(formatRate(3), '$3');
		assert.equal(formatRate(22.5), '$22.50');
		assert.equal(formatRate(6.25), '$6.25');
		assert.equal(formatRate(0.8), '$0.80');
		assert.equal(formatRate(0.08), '$0.08');
		assert.equal(formatRate(0.025), '$0.025');
		assert.equal(formatRate(NaN), '—');
	});
});
