#!/usr/bin/env node
// `npm run bench -- <name> [<name>...] [--option value...]`, or `npm run bench` for all of them.
// Runs test/bench/<name>.bench.ts through tsx, in its own Node process with --expose-gc, one after
// the other. Options starting with `--` go to every benchmark unchanged. Each benchmark prints a
// table and writes test/bench/results/<name>.json (see shared/design/BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The benchmarks run Drover's services in-process: give them the V8 flags the drover CLI runs with.
import { TRAFFIC_V8_FLAGS } from '../bin/traffic-v8-flags.mjs';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const benchDir = path.join(root, 'test', 'bench');
const SUFFIX = '.bench.ts';
/** A benchmark that runs longer than this is killed (with its process group). */
const TIMEOUT_MS = 20 * 60_000;

const known = readdirSync(benchDir)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

const args = process.argv.slice(2);
const names = [];
const passThrough = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a.startsWith('--')) {
    passThrough.push(a);
    // `--opt value` (a value never starts with --); `--opt=value` is one argument.
    if (!a.includes('=') && i + 1 < args.length && !args[i + 1].startsWith('--')) passThrough.push(args[++i]);
  } else names.push(a);
}

const unknown = names.filter((n) => !known.includes(n));
if (unknown.length) {
  console.error(`bench: unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  console.error(`known: ${known.length ? known.join(', ') : '(none: no test/bench/*.bench.ts)'}`);
  process.exit(2);
}
const selected = names.length ? [...new Set(names)] : known;
if (!selected.length) {
  console.error('bench: no benchmarks found (test/bench/*.bench.ts)');
  process.exit(2);
}

function run(name) {
  return new Promise((resolve) => {
    const file = path.join(benchDir, `${name}${SUFFIX}`);
    const started = Date.now();
    console.log(`\n=== bench ${name}`);
    const child = spawn(process.execPath, ['--expose-gc', ...TRAFFIC_V8_FLAGS, '--import', 'tsx', file, ...passThrough], {
      cwd: root,
      stdio: 'inherit',
      detached: true, // own process group, so a timeout kills what it started too
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    const timer = setTimeout(() => {
      console.error(`bench ${name}: still running after ${TIMEOUT_MS / 60_000} min: killing it`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5_000).unref();
    }, TIMEOUT_MS);
    const forward = (signal) => () => killGroup(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ name, ok: code === 0, status: code ?? signal, secs: ((Date.now() - started) / 1000).toFixed(1) });
    });
  });
}

const results = [];
for (const name of selected) results.push(await run(name));
console.log('');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} bench ${r.name} (${r.secs} s${r.ok ? '' : `, exit ${r.status}`})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
