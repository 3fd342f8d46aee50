#!/usr/bin/env node
// `npm test`: typecheck, lint, unit + integration (vitest, real servers), e2e (Playwright driving
// Debian's Chromium against `drover serve`), and the Electron e2e where the binary exists.
// Every step runs even when an earlier one failed; the last line is the summary
// "N passed, N failed" (", N skipped" when some were), counting individual tests plus one
// check each for typecheck, lint and the build.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const results = path.join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const only = process.argv.slice(2);
const want = (s) => only.length === 0 || only.includes(s);

const totals = { passed: 0, failed: 0, skipped: 0 };
const report = [];

function run(name, cmd, args, { timeoutMs = 30 * 60_000, env = {} } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...env } });
    const timer = setTimeout(() => {
      console.error(`!!! ${name} exceeded ${timeoutMs / 1000} s: killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      resolve({ ok: code === 0, code: code ?? signal, secs });
    });
  });
}

function check(name, r) {
  if (r.ok) totals.passed++;
  else totals.failed++;
  report.push(`${r.ok ? 'ok  ' : 'FAIL'} ${name} (${r.secs} s)`);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const npx = (bin) => path.join(root, 'node_modules', '.bin', bin);

if (want('typecheck')) check('typecheck', await run('typecheck', 'npm', ['run', '--silent', 'typecheck']));
if (want('lint')) check('lint', await run('lint', 'npm', ['run', '--silent', 'lint']));

if (want('vitest')) {
  const out = path.join(results, 'vitest.json');
  const r = await run('unit + integration (vitest)', npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const j = readJson(out);
  if (j) {
    totals.passed += j.numPassedTests ?? 0;
    totals.failed += j.numFailedTests ?? 0;
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even if no test inside it ran.
    const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'));
    totals.failed += brokenFiles.length;
    report.push(`${r.ok ? 'ok  ' : 'FAIL'} vitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests} skipped (${r.secs} s)`);
    for (const f of brokenFiles) report.push(`FAIL   suite did not run: ${path.relative(root, f.name)}`);
  } else {
    totals.failed++;
    report.push(`FAIL vitest produced no results (${r.secs} s)`);
  }
  if (!r.ok && j && j.numFailedTests === 0 && !(j.testResults ?? []).some((f) => f.status === 'failed')) {
    totals.failed++;
    report.push('FAIL vitest exited non-zero (errors outside tests, e.g. unhandled rejections or leaks)');
  }
}

if (want('e2e')) {
  // The production renderer and Electron bundles (the Electron e2e loads them), then the renderer's
  // test build (dist/renderer-test, with test hooks) that the browser e2e serves.
  const prod = await run('build (renderer + electron bundles)', 'node', ['scripts/build.mjs', 'renderer', 'electron']);
  const withHooks = await run('build (renderer with test hooks)', 'node', ['scripts/build.mjs', 'renderer', '--test-hooks']);
  check('build', { ok: prod.ok && withHooks.ok, secs: (Number(prod.secs) + Number(withHooks.secs)).toFixed(1) });
  const out = path.join(results, 'e2e.json');
  const r = await run('e2e (Playwright + Chromium)', npx('playwright'), ['test', '--config', 'playwright.config.ts'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out },
  });
  const j = readJson(out);
  if (j?.stats) {
    const s = j.stats;
    totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    totals.failed += s.unexpected ?? 0;
    totals.skipped += s.skipped ?? 0;
    report.push(`${r.ok ? 'ok  ' : 'FAIL'} e2e: ${s.expected} passed, ${s.unexpected} failed, ${s.skipped} skipped, ${s.flaky} flaky (${r.secs} s)`);
  } else {
    totals.failed++;
    report.push(`FAIL e2e produced no results (${r.secs} s)`);
  }
  if (!r.ok && j?.stats && !j.stats.unexpected) {
    totals.failed++;
    report.push('FAIL e2e exited non-zero');
  }
}

if (want('electron')) {
  // Runs where the Electron binary exists; elsewhere its global setup prints
  // "ELECTRON E2E NOT RUN: <reason>" and the tests are reported as skipped.
  const out = path.join(results, 'e2e-electron.json');
  const r = await run('Electron e2e (Playwright _electron)', npx('playwright'), ['test', '--config', 'playwright.electron.config.ts'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out },
  });
  const j = readJson(out);
  if (j?.stats) {
    const s = j.stats;
    totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    totals.failed += s.unexpected ?? 0;
    totals.skipped += s.skipped ?? 0;
    const ran = (s.expected ?? 0) + (s.unexpected ?? 0) + (s.flaky ?? 0);
    report.push(
      ran === 0
        ? `NOT RUN electron e2e: the Electron binary is not available here (${s.skipped} tests skipped; see the banner above)`
        : `${r.ok ? 'ok  ' : 'FAIL'} electron e2e: ${s.expected} passed, ${s.unexpected} failed (${r.secs} s)`,
    );
  } else {
    totals.failed++;
    report.push(`FAIL electron e2e produced no results (${r.secs} s)`);
  }
}

console.log('\n=== summary');
for (const line of report) console.log(line);
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed === 0 ? 0 : 1);
