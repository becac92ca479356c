/**
 * Calls still being typed (their brackets not closed yet) in every SDK language: read as if closed where
 * the typed text ends (`src/core/detect/halfTyped.ts`), while the calls after them keep their payloads,
 * ranges and ids.
 */
import * as assert from 'node:assert/strict';
import { detectRequests } from '../core';
import type { RequestSite } from '../../src/core/types';
import { slice } from './detectHelpers';
import { callStart, halfTypedCases as cases, withContent } from './halfTypedCases';

describe('detect: half-typed calls in every SDK language', () => {
	for (const c of cases) {
		describe(c.language, () => {
			const before = withContent(c, 'before');
			const after = [withContent(c, 'after one'), withContent(c, 'after two')];
			const file = (typed: string | undefined, gap: string): string =>
				c.head + before + '\n' + (typed === undefined ? '' : typed + gap) + after.join('\n') + '\n' + c.tail;

			async function detect(text: string, incremental: boolean): Promise<RequestSite[]> {
				return detectRequests(text, c.language, incremental ? { fileName: c.fileName } : {});
			}

			/** The sites of the same file without the typed call: what the calls around it must still read. */
			async function complete(): Promise<RequestSite[]> {
				const sites = await detect(file(undefined, ''), false);
				assert.equal(sites.length, 3);
				return sites;
			}

			for (const gap of ['\n', '\n\n']) {
				it(`reads the typed part of a call in the middle of a file (${gap === '\n' ? 'next line' : 'after a blank line'}); the calls after it keep their payloads and ranges`, async () => {
					const text = file(c.typing, gap);
					const shift = c.typing.length + gap.length;
					const ref = await complete();
					for (const incremental of [false, true]) {
						const sites = await detect(text, incremental);
						assert.equal(sites.length, 4, JSON.stringify(sites.map(s => s.id)));
						const [first, half, ...rest] = sites;
						assert.deepEqual(first, ref[0]);
						assert.equal(slice(text, half.range), c.typing.slice(callStart(c.typing)));
						assert.equal(half.payload.model, 'claude-sonnet-4-5');
						assert.deepEqual(half.payload.messages, [{ role: 'user', content: c.content('Hi') }]);
						assert.deepEqual(half.unresolved, []);
						assert.equal(half.id, ref[1].id);
						rest.forEach((site, i) => {
							const expected = ref[i + 1];
							assert.deepEqual(site.payload, expected.payload);
							assert.deepEqual(site.range, { start: expected.range.start + shift, end: expected.range.end + shift });
							assert.equal(slice(text, site.range), slice(file(undefined, ''), expected.range));
							assert.equal(site.id, expected.id.replace(/#(\d+)$/, (_, n: string) => `#${Number(n) + 1}`));
						});
					}
				});
			}

			it('marks what the typed part cannot resolve, as for a complete call', async () => {
				const text = file(c.unknown, '\n\n');
				const sites = await detect(text, false);
				assert.equal(sites.length, 4);
				const half = sites[1];
				assert.equal(slice(text, half.range), c.unknown.slice(callStart(c.unknown)).trimEnd());
				assert.equal(half.payload.model, 'claude-sonnet-4-5');
				const question = half.unresolved.find(u => u.text === c.unknownText);
				assert.ok(question, JSON.stringify(half.unresolved));
				assert.match(question.reason, /^unknown (name|identifier)$/);
				assert.ok(half.unresolved.every(u => u.range.start >= half.range.start && u.range.end <= half.range.end));
				assert.deepEqual(sites.slice(2).map(s => s.payload), (await complete()).slice(1).map(s => s.payload));
			});

			it('reads a string still open at the end of the file', async () => {
				const text = c.head + before + '\n' + c.typing;
				for (const incremental of [false, true]) {
					const sites = await detect(text, incremental);
					assert.equal(sites.length, 2);
					assert.equal(slice(text, sites[1].range), c.typing.slice(callStart(c.typing)));
					assert.equal(sites[1].range.end, text.length);
					assert.deepEqual(sites[1].payload.messages, [{ role: 'user', content: c.content('Hi') }]);
				}
			});

			it('reads the call again once it is closed', async () => {
				const typed = file(c.typing, '\n');
				await detect(typed, true);
				const done = file(withContent(c, 'Hi').replace('claude-haiku-4-5', 'claude-sonnet-4-5'), '\n');
				const sites = await detect(done, true);
				assert.deepEqual(sites, await detect(done, false));
				assert.equal(sites.length, 4);
				assert.deepEqual(sites[1].payload.messages, [{ role: 'user', content: c.content('Hi') }]);
			});
		});
	}
});
