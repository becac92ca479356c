/**
 * Hostile inputs, generated at test time into a temporary folder (nothing big is committed): huge, deep,
 * binary, badly encoded and malformed request files. Shared by the CLI suite (test/slow/hostile.test.ts) and
 * the real-VS-Code one (test/integration/hostile.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MODEL = 'claude-sonnet-4-5';

/** A PNG header (signature + IHDR) claiming width × height, padded with `extraBytes` of zeros (compressed data stand-in). */
export function pngBase64(width: number, height: number, extraBytes = 0): string {
	const head = Buffer.alloc(33 + extraBytes);
	Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(head, 0);
	head.writeUInt32BE(13, 8);
	head.write('IHDR', 12, 'latin1');
	head.writeUInt32BE(width, 16);
	head.writeUInt32BE(height, 20);
	head[24] = 8; // bit depth
	head[25] = 6; // RGBA
	return head.toString('base64');
}

function imageRequest(data: string, text = 'What is in this picture?'): string {
	return JSON.stringify({
		model: MODEL,
		max_tokens: 1024,
		messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }, { type: 'text', text }] }],
	});
}

function textRequest(text: string, extra: Record<string, unknown> = {}): string {
	return JSON.stringify({ model: MODEL, max_tokens: 256, ...extra, messages: [{ role: 'user', content: text }] });
}

/** The nested array `[[[…]]]` of `depth` levels as text. */
function nested(depth: number): string {
	return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

export interface Probe {
	readonly name: string;
	readonly file: string;
}

/**
 * Writes the probes into `dir` and returns their paths by name: 50 MB, 5 MB,
 * 10,000 and 100,000 levels, 100,000 messages. The 1 GB JSONL is written by `writeHugeJsonl` on its own.
 */
export function writeProbes(dir: string): Record<string, string> {
	fs.mkdirSync(dir, { recursive: true });
	const out: Record<string, string> = {};
	const put = (name: string, content: string | Buffer) => {
		const file = path.join(dir, name);
		fs.writeFileSync(file, content);
		out[name] = file;
	};
	// 50 MB: one request with a ~50 MB base64 image (a real PNG header, then padding).
	put('image-50mb.json', imageRequest(pngBase64(1200, 800, 37 * 1024 * 1024)));
	// 5 MB on a single line of text.
	const words = 'the quick brown fox jumps over the lazy dog '.repeat(Math.ceil((5 * 1024 * 1024) / 44)).slice(0, 5 * 1024 * 1024);
	put('line-5mb.jsonl', `${textRequest(words)}\n`);
	put('line-5mb.json', textRequest(words));
	// Deep nesting inside a request (in `metadata`, which count_tokens does not take but detection reads).
	for (const depth of [10_000, 100_000]) {
		put(`nested-${depth}.json`, `{"model": "${MODEL}", "messages": [{"role": "user", "content": "hi"}], "metadata": ${nested(depth)}}`);
		put(`nested-${depth}.ts`, `client.messages.create({ model: "${MODEL}", messages: [{ role: "user", content: "hi" }], metadata: ${nested(depth)} });\n`);
		put(`nested-${depth}.py`, `client.messages.create(model="${MODEL}", messages=[{"role": "user", "content": "hi"}], metadata=${nested(depth)})\n`);
	}
	put('invalid-base64.json', imageRequest('!!!! not base64 at all ####'.repeat(100)));
	put('image-100000px.json', imageRequest(pngBase64(100_000, 100_000, 64)));
	// A binary file renamed: mostly zeros with a request-looking start.
	put('binary.json', Buffer.concat([Buffer.from('{"model": "claude-sonnet-4-5", "messages": ['), Buffer.alloc(64 * 1024, 0), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]));
	put('invalid-utf8.json', Buffer.concat([Buffer.from(textRequest('caf').slice(0, -4)), Buffer.from([0xe9, 0xc3, 0x28]), Buffer.from('"}]}')]));
	put('utf16-bom.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(textRequest('héllo from UTF-16'), 'utf16le')]));
	// 100,000 messages, alternating roles.
	const messages = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i}` }));
	put('messages-100000.json', JSON.stringify({ model: MODEL, max_tokens: 100, messages }));
	// Malformed and mixed-model JSONL lines.
	put('mixed.jsonl', [
		textRequest('first', { model: 'claude-haiku-4-5' }),
		'{"model": "claude-sonnet-4-5", "messages": [',
		textRequest('third', { model: 'claude-opus-4-5' }),
		'\u001b[2J\u001b]0;owned\u0007 not json',
		JSON.stringify({ custom_id: 'x', params: JSON.parse(textRequest('fifth')) }),
		textRequest('sixth', { model: 'claude-nonexistent-9' }),
	].join('\n'));
	// Garbage model ids: empty, huge, control characters, a number.
	put('garbage-models.jsonl', [
		textRequest('a', { model: '' }),
		textRequest('b', { model: 'x'.repeat(100_000) }),
		textRequest('c', { model: 'claude-\u001b[31mred\u001b[0m\u202e' }),
		JSON.stringify({ model: 42, messages: [{ role: 'user', content: 'd' }] }),
		textRequest('e', { model: '../../etc/passwd' }),
	].join('\n'));
	return out;
}

/**
 * A JSONL batch file of about `bytes` bytes, written in a stream: vision requests with ~1 MB images (counted
 * from the image header, as the offline counter does) between short text requests.
 */
export async function writeHugeJsonl(file: string, bytes: number): Promise<{ lines: number; requests: number }> {
	const image = imageRequest(pngBase64(800, 600, 768 * 1024));
	const text = textRequest('Summarise the attached report in three bullet points.');
	const stream = fs.createWriteStream(file);
	let written = 0;
	let lines = 0;
	const write = (s: string) => new Promise<void>((resolve) => {
		written += Buffer.byteLength(s) + 1;
		lines++;
		if (stream.write(`${s}\n`)) { resolve(); } else { stream.once('drain', () => resolve()); }
	});
	while (written < bytes) {
		await write(image);
		for (let i = 0; i < 10; i++) { await write(text); }
	}
	await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
	return { lines, requests: lines };
}
