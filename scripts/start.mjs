#!/usr/bin/env node
// `npm start`: builds what is stale, then opens the desktop app when Electron can run here, and
// otherwise serves the very same UI through the web host (`drover serve`), saying why in one line.
//
// The electron npm package fetches its binary lazily: requiring it (node_modules/electron/index.js)
// runs install.js synchronously, with no time limit, whenever path.txt or dist/<binary> is missing.
// So this script never requires it: it reads path.txt itself, and downloads through install.js in
// a child process with a time limit, after a quick reachability probe of the download mirror.
//
// Environment: DROVER_NO_ELECTRON=1 forces the web host; DROVER_ELECTRON_DOWNLOAD_TIMEOUT_MS bounds
// the binary download (default 180000); arguments after `npm start --` go to Electron or serve.
import { spawn } from 'node:child_process';
import { TRAFFIC_V8_FLAGS } from '../bin/traffic-v8-flags.mjs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const log = (line) => process.stderr.write(`${line}\n`);

// ---- build ----

function walkMtimes(target, pick, acc) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return acc;
  }
  if (!stat.isDirectory()) return pick(acc, stat.mtimeMs);
  for (const name of fs.readdirSync(target)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    acc = walkMtimes(path.join(target, name), pick, acc);
  }
  return acc;
}

/** True when every file of dist/renderer is newer than every renderer and contract source. */
export function rendererIsFresh() {
  const out = path.join(root, 'dist', 'renderer');
  if (!fs.existsSync(path.join(out, 'index.html'))) return false;
  const oldestBuilt = walkMtimes(out, Math.min, Infinity);
  const sources = ['renderer', 'main/contract', 'vite.config.ts', 'tsconfig.web.json', 'package-lock.json'].map((p) => path.join(root, p));
  const newestSource = sources.reduce((acc, p) => walkMtimes(p, Math.max, acc), 0);
  return oldestBuilt > newestSource;
}

function runBuild(target) {
  return new Promise((resolve) => {
    // The build's chatter goes to stderr: stdout stays for the URL line of `drover serve`.
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs'), target], { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (code, signal) => resolve(code === 0 ? undefined : `build ${target} failed (${signal ?? `exit code ${code}`})`));
  });
}

// ---- can Electron run here? ----

function installedElectronBinary(pkgDir) {
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const full = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return fs.existsSync(full) ? full : undefined;
  }
  if (!rel) return undefined;
  const full = path.join(pkgDir, 'dist', rel);
  return fs.existsSync(full) ? full : undefined;
}

function firstErrorLine(text) {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no output';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Quick check that the download mirror answers at all; Node's fetch ignores proxies, so skip then. */
async function probeMirror() {
  if (process.env.HTTPS_PROXY || process.env.https_proxy || process.env.ELECTRON_GET_USE_PROXY) return undefined;
  const mirror = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'https://github.com/electron/electron/releases/download/';
  try {
    const res = await fetch(mirror, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return undefined;
  } catch (err) {
    const cause = err?.cause?.code ?? err?.cause?.message ?? err?.name ?? String(err);
    return `offline? ${new URL(mirror).host} is not reachable (${cause})`;
  }
}

/** Runs the package's own installer with a time limit; resolves to a reason on failure. */
async function downloadElectron(pkgDir) {
  const unreachable = await probeMirror();
  if (unreachable) return unreachable;
  const timeoutMs = Number(process.env.DROVER_ELECTRON_DOWNLOAD_TIMEOUT_MS) || 180_000;
  log(`Downloading the Electron binary (once; up to ${Math.round(timeoutMs / 1000)} s)...`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(pkgDir, 'install.js')], { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`the download did not finish within ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `the installer failed: ${firstErrorLine(output)}`);
    });
  });
}

/** { ok: true, binary } or { ok: false, reason }; never hangs. */
export async function findElectron() {
  if (process.env.DROVER_NO_ELECTRON) return { ok: false, reason: 'DROVER_NO_ELECTRON is set' };
  if (['linux', 'freebsd', 'openbsd'].includes(process.platform) && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { ok: false, reason: 'no display: neither DISPLAY nor WAYLAND_DISPLAY is set' };
  }
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron npm package is not installed' };
  }
  if (!fs.existsSync(path.join(root, 'electron', 'main.ts'))) return { ok: false, reason: 'the Electron shell (electron/main.ts) is missing' };
  let binary = installedElectronBinary(pkgDir);
  if (binary) return { ok: true, binary };
  const failure = await downloadElectron(pkgDir);
  if (failure) return { ok: false, reason: `binary not downloaded: ${failure}` };
  binary = installedElectronBinary(pkgDir);
  return binary ? { ok: true, binary } : { ok: false, reason: 'binary not downloaded: the installer left no executable' };
}

// ---- run ----

/** Electron with the package root as app (package.json main = dist/electron/main.cjs). */
function runElectron(binary) {
  // The main process carries tunnel traffic through ssh2: the same young generation as the CLI.
  const electronArgs = [`--js-flags=${TRAFFIC_V8_FLAGS.join(' ')}`, root, ...args];
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    log('Running as root: starting Electron with --no-sandbox (Chromium refuses root otherwise).');
    electronArgs.unshift('--no-sandbox');
  }
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const startedAt = Date.now();
  const child = spawn(binary, electronArgs, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => [s, forward(s)]);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    const done = (result) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(result);
    };
    child.on('error', (err) => done({ failedToStart: err.message }));
    child.on('exit', (code, signal) => {
      // Exiting with an error right away means it cannot run here (missing libraries, no GPU...).
      if (code !== 0 && code !== null && Date.now() - startedAt < 10_000) done({ failedToStart: `Electron exited with code ${code} at start` });
      else done({ code: code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1) });
    });
  });
}

/** `drover serve`, in this process (it prints the URL line and stops cleanly on Ctrl-C). */
async function runWebHost() {
  const source = path.join(root, 'main', 'app', 'cli.ts');
  const bundle = path.join(root, 'dist', 'main', 'drover.mjs');
  let cli;
  if (!fs.existsSync(source) && fs.existsSync(bundle)) {
    cli = await import(pathToFileURL(bundle).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    cli = await import(pathToFileURL(source).href);
  }
  return cli.main(['serve', ...args]);
}

const fallBack = (why) =>
  log(`Electron is not available (${why}); serving the same UI through the web host instead.`);

async function start() {
  const electron = await findElectron();

  if (rendererIsFresh()) log('dist/renderer is up to date.');
  else {
    const failure = await runBuild('renderer');
    if (failure) {
      log(`npm start: ${failure}`);
      return 1;
    }
  }

  if (electron.ok) {
    const failure = await runBuild('electron');
    if (failure) fallBack(`the Electron bundle did not build: ${failure}`);
    else {
      const result = await runElectron(electron.binary);
      if (!('failedToStart' in result)) return result.code;
      fallBack(result.failedToStart);
    }
  } else {
    fallBack(electron.reason);
  }
  return runWebHost();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await start();
  // Everything is released by now; a leaked handle must not keep the process hanging.
  setTimeout(() => {
    process.stderr.write('drover: still running 3 s after finishing (a handle was not released); exiting\n');
    process.exit();
  }, 3000).unref();
}
