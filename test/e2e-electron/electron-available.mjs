#!/usr/bin/env node
// Is there an Electron binary to run the Electron e2e with? Answers from the files alone: it never
// require()s the 'electron' package, whose index.js would start a download (this machine has no
// network, and tests must not fetch anything). Run directly, it prints the answer and exits 0:
//
//   node test/e2e-electron/electron-available.mjs
//   → "electron available: <path> (v45.x.y)"  or  "ELECTRON E2E NOT RUN: <reason>"
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electronPkgDir = path.join(repoRoot, 'node_modules', 'electron');

function readText(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Where the Electron executable is, or why there is none. Honors ELECTRON_OVERRIDE_DIST_PATH
 * (a folder with an unpacked Electron) like the electron package does. checkRuns: also run
 * `electron --version` as Node (ELECTRON_RUN_AS_NODE, at most 5 s) to catch missing libraries.
 */
export function electronAvailability({ checkRuns = true } = {}) {
  const wanted = JSON.parse(readText(path.join(electronPkgDir, 'package.json')) ?? '{}').version ?? null;
  if (!wanted) return { ok: false, reason: 'the electron npm package is not installed (node_modules/electron is missing)' };
  const relative = readText(path.join(electronPkgDir, 'path.txt'));
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let executablePath;
  if (override) {
    executablePath = path.join(override, relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
  } else if (relative) {
    executablePath = path.join(electronPkgDir, 'dist', relative);
  } else {
    return {
      ok: false,
      reason:
        `the Electron ${wanted} binary was never downloaded (node_modules/electron/path.txt and dist/ are missing; ` +
        'its install script needs network access). Where the network is open run `node node_modules/electron/install.js`, ' +
        'or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an unpacked Electron.',
    };
  }
  if (!existsSync(executablePath)) {
    return { ok: false, reason: `the Electron executable ${executablePath} does not exist (incomplete download?)` };
  }
  const installed = override ? null : readText(path.join(electronPkgDir, 'dist', 'version'));
  if (installed && installed.replace(/^v/, '') !== wanted) {
    return { ok: false, reason: `node_modules/electron/dist holds Electron ${installed}, but the package is ${wanted}; reinstall it` };
  }
  if (checkRuns) {
    const run = spawnSync(executablePath, ['--version'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
      timeout: 5000,
    });
    if (run.error || run.status !== 0) {
      const why = run.error ? run.error.message : (run.stderr || run.stdout || `exit ${run.status}`).trim().split('\n').slice(0, 3).join(' ');
      return { ok: false, reason: `the Electron executable ${executablePath} does not run here: ${why}` };
    }
  }
  return { ok: true, executablePath, version: installed ?? wanted };
}

/** Whether a window can be shown: on Linux a DISPLAY/WAYLAND_DISPLAY, or Xvfb to start one. */
export function displayStatus() {
  if (process.platform !== 'linux') return { ok: true, needsXvfb: false };
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return { ok: true, needsXvfb: false };
  const xvfb = spawnSync('Xvfb', ['-help'], { encoding: 'utf8', timeout: 3000 });
  if (!xvfb.error) return { ok: true, needsXvfb: true };
  return { ok: false, reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset and Xvfb is not installed (run under xvfb-run)' };
}

/** The loud line the e2e prints when it does not run. */
export function notRunMessage(reason) {
  return `ELECTRON E2E NOT RUN: ${reason}`;
}

/** Prints notRunMessage(reason) framed so it stands out in a long test log. */
export function printNotRun(reason) {
  const text = notRunMessage(reason);
  const rule = '!'.repeat(Math.min(100, text.length + 8));
  console.log(`\n${rule}\n!!! ${text}\n${rule}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = electronAvailability();
  const d = displayStatus();
  if (!a.ok) printNotRun(a.reason);
  else if (!d.ok) printNotRun(d.reason);
  else console.log(`electron available: ${a.executablePath} (v${a.version})${d.needsXvfb ? ' — will start Xvfb' : ''}`);
  process.exit(0);
}
