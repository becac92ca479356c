/**
 * The counting endpoint receives the user's prompts and the key, so it must be https unless it is this
 * machine. Returns what is wrong with `url` (named after `source`, the setting or flag it came from), or
 * undefined when it is acceptable.
 */
export function endpointProblem(url: string, source: string): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return `${source} is not a URL: ${url}`;
	}
	const host = parsed.hostname;
	const loopback = host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
	if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback)) {
		return undefined;
	}
	return `${source} must use https (plain http is allowed only for localhost): ${parsed.origin}`;
}
