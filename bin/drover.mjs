#!/usr/bin/env node
// `drover`: runs main/app/cli.ts through tsx from a source checkout, or the bundled
// dist/main/drover.mjs (scripts/build.mjs cli) when the sources are not there.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../main/app/cli.ts', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/main/drover.mjs', import.meta.url));

let cli;
if (!existsSync(source) && existsSync(bundle)) {
  cli = await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(source).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
// Everything is released by now; a leaked handle must not keep the process hanging.
setTimeout(() => {
  process.stderr.write('drover: still running 3 s after finishing (a handle was not released); exiting\n');
  process.exit();
}, 3000).unref();
