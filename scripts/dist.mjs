#!/usr/bin/env node
// Packages the Drover desktop app: `npm run dist [-- <electron-builder flags>]`.
//
//   1. node scripts/build.mjs all           (renderer, Electron main + preload, CLI)
//   2. electron-builder install-app-deps    (native modules — node-pty, ssh2, cpu-features —
//                                            rebuilt for Electron's ABI; fetches Electron headers)
//   3. electron-builder --publish never     (downloads the Electron binary; output in release/)
//   4. npm rebuild <native modules>         (puts back the Node builds that tests and the CLI use;
//                                            skip with --keep-electron-abi)
//
// Flags after `--` go to electron-builder: e.g. `npm run dist -- --linux AppImage --x64`.
// With no platform flag, electron-builder packages for the current platform.
// This needs network access (Electron downloads) and is never run by `npm test`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const require = createRequire(import.meta.url);
const NATIVE_MODULES = ['node-pty', 'ssh2', 'cpu-features'];

const rawArgs = process.argv.slice(2);
const keepElectronAbi = rawArgs.includes('--keep-electron-abi');
const builderArgs = rawArgs.filter((a) => a !== '--keep-electron-abi');

const PLATFORM_FLAGS = { '--linux': 'linux', '-l': 'linux', '--win': 'win32', '--windows': 'win32', '-w': 'win32', '--mac': 'darwin', '--macos': 'darwin', '-m': 'darwin' };
const ARCH_FLAGS = { '--x64': 'x64', '--ia32': 'ia32', '--armv7l': 'armv7l', '--arm64': 'arm64' };

const platforms = [...new Set(builderArgs.filter((a) => a in PLATFORM_FLAGS).map((a) => PLATFORM_FLAGS[a]))];
const arches = [...new Set(builderArgs.filter((a) => a in ARCH_FLAGS).map((a) => ARCH_FLAGS[a]))];
const hostPlatform = process.platform === 'win32' || process.platform === 'darwin' ? process.platform : 'linux';

console.log(
  [
    '',
    '=== Drover dist ===',
    'Packaging downloads the Electron binary and Electron headers (for the native modules), so it',
    'needs network access, a C/C++ toolchain and Python for node-gyp. It is never run by tests.',
    '',
  ].join('\n'),
);

if (platforms.some((p) => p !== hostPlatform)) {
  console.warn(
    `warning: native modules (${NATIVE_MODULES.join(', ')}) can only be rebuilt for this machine's platform ` +
      `(${hostPlatform}); packages for ${platforms.filter((p) => p !== hostPlatform).join(', ')} would carry the wrong binaries.`,
  );
}
if (arches.length > 1) {
  console.warn(`warning: native modules are rebuilt for one architecture (${arches[0]}); build one --<arch> at a time.`);
}

function run(title, command, args) {
  console.log(`\n--- ${title}\n$ ${[command, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, shell: false });
  if (result.error) throw new Error(`${title}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${title} failed (exit ${result.status ?? result.signal})`);
}

const builderCli = require.resolve('electron-builder/cli.js');
const npmCli = process.env.npm_execpath && /npm-cli\.c?js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;

let failed = null;
let rebuiltForElectron = false;
try {
  run('build', process.execPath, [path.join(root, 'scripts/build.mjs'), 'all']);

  const depsArgs = ['install-app-deps', '--platform', hostPlatform];
  if (arches[0]) depsArgs.push('--arch', arches[0]);
  rebuiltForElectron = true;
  run('rebuild native modules for Electron', process.execPath, [builderCli, ...depsArgs]);

  run('package', process.execPath, [builderCli, '--config', 'electron-builder.yml', '--publish', 'never', ...builderArgs]);
  console.log(`\nPackages are in ${path.join(root, 'release')}`);
} catch (err) {
  failed = err;
  console.error(`\ndist failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error('If the failure is a download (ENOTFOUND, ETIMEDOUT, 403), this machine cannot reach the Electron mirrors;');
  console.error('set ELECTRON_MIRROR / ELECTRON_BUILDER_BINARIES_MIRROR or run dist where the network is open.');
}

if (rebuiltForElectron && !keepElectronAbi) {
  try {
    if (npmCli) run('restore Node builds of native modules', process.execPath, [npmCli, 'rebuild', ...NATIVE_MODULES]);
    else run('restore Node builds of native modules', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['rebuild', ...NATIVE_MODULES]);
  } catch (err) {
    console.error(
      `\nwarning: ${err instanceof Error ? err.message : String(err)}; run \`npm rebuild ${NATIVE_MODULES.join(' ')}\` ` +
        'before running tests or the CLI, which load these modules in plain Node.',
    );
  }
}

process.exit(failed ? 1 : 0);
