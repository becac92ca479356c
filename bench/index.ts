// `npm run bench`: every benchmark in one run, each printing its own table.
import { run as activation } from './activation';
import { run as detect } from './detect';
import { run as offline } from './offline';
import { run as prompts } from './prompts';
import { run as service } from './service';
import { run as surfaces } from './surfaces';
import { run as typing } from './typing';

async function main(): Promise<void> {
	const only = process.argv[2];
	// activation needs the VSIX and the offline VS Code; it runs only when asked for by name.
	const all: [string, () => Promise<unknown>][] = [...(only === 'activation' ? [['activation', () => activation()] as [string, () => Promise<unknown>]] : []), ['detect', detect], ['offline', offline], ['prompts', prompts], ['service', service], ['surfaces', surfaces], ['typing', typing]];
	for (const [name, run] of all) {
		if (only && only !== name) { continue; }
		console.log(`\n=== ${name} ===`);
		await run();
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
