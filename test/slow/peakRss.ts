// Preloaded (node --require) into CLI runs that measure memory: at exit, writes the process's peak resident
// memory in KiB to the file CTM_PEAK_RSS_FILE names.
import * as fs from 'node:fs';

const out = process.env.CTM_PEAK_RSS_FILE;
if (out) {
	process.on('exit', () => {
		fs.writeFileSync(out, String(process.resourceUsage().maxRSS));
	});
}
