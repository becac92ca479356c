#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (128×128, what the Marketplace and Open VSX show) with the
// headless Chromium the UI checks use. Run after editing the SVG: node scripts/renderIcon.js
const path = require('node:path');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

async function main() {
	const root = path.resolve(__dirname, '..');
	const svg = fs.readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
	const browser = await chromium.launch({ executablePath: process.env.CTM_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
	try {
		const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
		await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
		await page.locator('svg').screenshot({ path: path.join(root, 'media', 'icon.png'), omitBackground: true });
	} finally {
		await browser.close();
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
