/**
 * Removes secrets from text bound for logs and error messages: the given keys verbatim, and anything
 * shaped like an Anthropic key or an AWS secret in an authorization header.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
	let out = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) {
			out = out.split(secret).join('«redacted»');
		}
	}
	return out
		.replace(/sk-ant-[A-Za-z0-9_-]+/g, 'sk-ant-«redacted»')
		.replace(/(x-api-key["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1«redacted»')
		.replace(/(authorization["']?\s*[:=]\s*["']?(?:Bearer|AWS4-HMAC-SHA256)\s+)[^"',}\n]+/gi, '$1«redacted»');
}
