#!/usr/bin/env node
// Builds what runs outside the TypeScript toolchain: the renderer bundle (Vite), the Electron
// main and preload (esbuild, CommonJS as Electron's sandboxed preload requires), and the
// headless CLI bundle. Usage: node scripts/build.mjs [renderer|electron|cli|all]... [options]
//
// Test hooks: the renderer carries hooks for end-to-end tests and benchmarks (today the terminal
// hook, window.__droverTerminals, features/terminal/test-hook.ts) only in a test build.
//   --test-hooks     build the renderer with __DROVER_TEST_HOOKS__ = true (a Vite `define`; code
//                    under `if (__DROVER_TEST_HOOKS__)` is dropped from every other build) into
//                    dist/renderer-test. `npm run test:e2e`, `npm test` and the terminal
//                    benchmark serve that folder; dist/renderer (npm run build, npm start,
//                    npm run serve, npm run dist, Electron) never has the hooks.
//   --out-dir DIR    write the renderer to DIR instead (test/unit/renderer-bundle.test.ts).
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const targets = [];
let testHooks = false;
let outDir;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--test-hooks') testHooks = true;
  else if (a === '--out-dir' && i + 1 < argv.length) outDir = path.resolve(argv[++i]);
  else if (a.startsWith('--out-dir=')) outDir = path.resolve(a.slice('--out-dir='.length));
  else if (['renderer', 'electron', 'cli', 'all'].includes(a)) targets.push(a);
  else {
    console.error(`build: unknown argument ${a} (usage: node scripts/build.mjs [renderer|electron|cli|all]... [--test-hooks] [--out-dir DIR])`);
    process.exit(2);
  }
}
const want = (t) => targets.length === 0 || targets.includes('all') || targets.includes(t);

// Native or dynamically-loaded modules stay outside the bundle and load from node_modules.
const external = ['electron', 'ssh2', 'cpu-features', 'node-pty', 'etcd3', '@grpc/grpc-js', 'ws', 'bufferutil', 'utf-8-validate'];

const steps = [];
if (want('renderer')) {
  steps.push(async () => {
    const dir = outDir ?? path.join(root, testHooks ? 'dist/renderer-test' : 'dist/renderer');
    await viteBuild({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      define: { __DROVER_TEST_HOOKS__: JSON.stringify(testHooks) },
      build: { outDir: dir, emptyOutDir: true },
    });
    return `${path.relative(root, dir) || '.'}${testHooks ? ' (with test hooks)' : ''}`;
  });
}
if (want('electron')) {
  steps.push(async () => {
    await esbuild({
      entryPoints: { main: path.join(root, 'electron/main.ts') },
      outdir: path.join(root, 'dist/electron'),
      outExtension: { '.js': '.cjs' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      // The services are ESM and use import.meta.url; in a CommonJS bundle it comes from __filename.
      define: { 'import.meta.url': 'import_meta_url' },
      banner: { js: "const import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
      target: 'node22',
      sourcemap: true,
      external,
      logLevel: 'warning',
    });
    await esbuild({
      entryPoints: { preload: path.join(root, 'electron/preload.ts') },
      outdir: path.join(root, 'dist/electron'),
      outExtension: { '.js': '.cjs' },
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
      logLevel: 'warning',
    });
    return 'dist/electron';
  });
}
if (want('cli')) {
  steps.push(async () => {
    await esbuild({
      entryPoints: { drover: path.join(root, 'main/app/cli.ts') },
      outdir: path.join(root, 'dist/main'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      packages: 'external',
      logLevel: 'warning',
    });
    return 'dist/main';
  });
}

const started = Date.now();
for (const step of steps) {
  const out = await step();
  console.log(`built ${out}`);
}
console.log(`build finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
