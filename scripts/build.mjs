#!/usr/bin/env node
// Builds what runs outside the TypeScript toolchain: the renderer bundle (Vite), the Electron
// main and preload (esbuild, CommonJS as Electron's sandboxed preload requires), and the
// headless CLI bundle. Usage: node scripts/build.mjs [renderer|electron|cli|all]...
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const targets = process.argv.slice(2);
const want = (t) => targets.length === 0 || targets.includes('all') || targets.includes(t);

// Native or dynamically-loaded modules stay outside the bundle and load from node_modules.
const external = ['electron', 'ssh2', 'cpu-features', 'node-pty', 'etcd3', '@grpc/grpc-js', 'ws', 'bufferutil', 'utf-8-validate'];

const steps = [];
if (want('renderer')) {
  steps.push(async () => {
    await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
    return 'dist/renderer';
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
