/** Where exact counts go when nothing else is configured. */
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/**
 * Whether a URL's host (as the WHATWG parser normalised it) is this machine: `localhost`, an IPv4 address
 * in 127.0.0.0/8 or the IPv6 loopback (also IPv4-mapped). Judged by address class, never by a name's
 * prefix: `127.attacker.example` is a name anyone can point anywhere. The parser has already turned every
 * IPv4 spelling (`0x7f.1`, `2130706433`) into dotted decimal and every IPv6 one into its compressed form.
 */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase();
	if (host === 'localhost') {
		return true;
	}
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (v4) {
		return v4.slice(1).every((o) => Number(o) <= 255) && Number(v4[1]) === 127;
	}
	if (host === '[::1]') {
		return true;
	}
	// ::ffff:127.x.y.z, which the parser prints as ::ffff:7fxx:yyzz.
	const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(host);
	return mapped ? parseInt(mapped[1], 16) >> 8 === 127 : false;
}

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
	if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
		return undefined;
	}
	return `${source} must use https (plain http is allowed only for localhost): ${parsed.origin}`;
}

export interface Endpoint {
	/** The base URL to pass to the client explicitly (so no library reads another one on its own). */
	readonly url: string;
	/** The setting, flag or variable it came from (named in messages). */
	readonly source: string;
	readonly problem?: string;
}

/**
 * The Anthropic endpoint from every place one can come from, each checked by the same rule: the setting,
 * else ANTHROPIC_BASE_URL (which the SDK would otherwise read by itself, unchecked), else Anthropic's.
 */
export function anthropicEndpoint(setting: string, settingName: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
	const fromEnv = env.ANTHROPIC_BASE_URL?.trim();
	const [url, source] = setting ? [setting, settingName] : fromEnv ? [fromEnv, 'ANTHROPIC_BASE_URL'] : [DEFAULT_ANTHROPIC_BASE_URL, 'the default endpoint'];
	return { url, source, problem: endpointProblem(url, source) };
}

/**
 * The Bedrock runtime endpoint: the setting, else the AWS SDK's own environment variables (which it would
 * read by itself), else undefined for the region's default https endpoint. The same https rule applies.
 */
export function bedrockEndpoint(setting: string, settingName: string, env: Readonly<Record<string, string | undefined>>): Endpoint | undefined {
	const candidates: [string | undefined, string][] = [
		[setting, settingName],
		[env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME?.trim(), 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME'],
		[env.AWS_ENDPOINT_URL?.trim(), 'AWS_ENDPOINT_URL'],
	];
	const found = candidates.find(([url]) => url);
	return found ? { url: found[0]!, source: found[1], problem: endpointProblem(found[0]!, found[1]) } : undefined;
}
