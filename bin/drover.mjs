#!/usr/bin/env node
// `drover`: runs main/app/cli.ts through tsx from a source checkout, or the bundled
// dist/main/drover.mjs (scripts/build.mjs cli) when the sources are not there.
//
// Tunnels push every byte through ssh2. Its packets now come from a reused slab
// (patches/ssh2+1.17.0.patch), but channel data still makes short-lived buffers; with V8's default
// young generation that meant dozens of full GCs per GiB. A larger young generation measured
// about 1.5x the throughput (test/bench/tunnel.bench.ts), and the flag cannot be set once V8
// runs, so the CLI re-executes itself once with it (DROVER_NO_REEXEC=1 skips that).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TRAFFIC_V8_FLAGS } from './traffic-v8-flags.mjs';


/** The parent pid of a process (Linux /proc), or undefined where that cannot be read. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

const source = fileURLToPath(new URL('../main/app/cli.ts', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/main/drover.mjs', import.meta.url));
const hasFlags = TRAFFIC_V8_FLAGS.every((f) => process.execArgv.includes(f));

if (!hasFlags && !process.env.DROVER_NO_REEXEC && !process.env.DROVER_CHILD) {
  // Our own process group: a terminal's Ctrl-C reaches only this parent, which passes each
  // signal on exactly once (a second Ctrl-C still forces the exit).
  const child = spawn(process.execPath, [...process.execArgv, ...TRAFFIC_V8_FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, DROVER_CHILD: String(process.pid) },
  });
  const forward = (signal) => {
    try {
      child.kill(signal);
    } catch {}
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  // Whoever started us may die without passing its signal on (npx and `npm exec` do, when a
  // container runtime or systemd sends them SIGTERM or SIGKILL; the `sh -c` npm puts between
  // us stays behind): when our parent or its parent goes away we stop the child as if we had been
  // sent SIGTERM, so the port is freed and nothing lives on.
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watch = setInterval(() => {
    if (process.ppid !== parent || (grandparent !== undefined && parentOf(parent) !== grandparent)) {
      clearInterval(watch);
      forward('SIGTERM');
    }
  }, 500);
  watch.unref();
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 1)));
  child.on('error', (err) => {
    process.stderr.write(`drover: cannot start: ${err.message}\n`);
    process.exit(1);
  });
} else {
  if (process.env.DROVER_CHILD) {
    // The parent is gone (killed outright): do not live on as an orphan.
    const parent = Number(process.env.DROVER_CHILD);
    setInterval(() => {
      if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
    }, 500).unref();
  }
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
}
