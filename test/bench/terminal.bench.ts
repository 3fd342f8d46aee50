// Terminal benchmark (issue 4, item 6): `npm run bench -- terminal`.
//
// A generated 100 MB text file (1 000 000 printable 100-byte lines) goes through `cat` in a local
// terminal, alternating per round:
//   pty_raw        node-pty alone in this process (`sh -c "cat file; echo END…"`): no transport, no emulator;
//   transport      a Drover session over the web host's WebSocket to a Node client that acknowledges
//                  each frame on arrival (node-pty, batching, flow control, JSON, WebSocket);
//   e2e            the real page in headless Chromium (/usr/bin/chromium): node-pty → session →
//                  WebSocket → store → xterm.js, acknowledged once xterm.js has parsed each frame;
//                  timed in the page from sending `cat …` (as typed input) to the parse of the end
//                  marker; renderer setting "auto" (the DOM renderer where WebGL is software);
//   e2e_hidden     the same page while another page of the app is shown (parsing, no drawing);
//   page_transport the same page with xterm.js bypassed (output acknowledged on arrival);
//   e2e_webgl      a page with the WebGL renderer forced (software WebGL here);
//   e2e_playwright the e2e page driven by Playwright instead (see below).
// The page is driven through a minimal DevTools client (support/terminal-cdp.ts) because
// Playwright enables the Network domain on its pages, and Chromium then copies every WebSocket
// frame into a DevTools event for the driver: with 100 MB through the page's WebSocket, that
// instrumentation is a large share of the cost. e2e_playwright shows how large.
//
// Loss: the characters xterm.js parsed between the command and the end marker, minus those of the
// same command on an empty file, must equal the file's bytes plus one \r per line (the pty's
// onlcr); the last 5000 lines left in each buffer are also compared with the file.
// Echo: 500 key presses (DevTools Input.dispatchKeyEvent) into the page while `cat` reads stdin, so
// the echo comes from the pty's line discipline; timed in the page from the keydown event's
// timestamp to the parse of the echoed character, and to the next frame xterm.js draws. Beside it,
// the same keys through a raw WebSocket of the page's own (no store, no xterm.js): once sent from
// a page timer (page_raw_echo) and once from the same DevTools key presses (page_raw_key_echo,
// the reference for echo_p50/p95: the browser's key path costs both the same).
//
// Options (after `npm run bench -- terminal`): --mb N (default 100), --runs N (default 3),
// --keys N (default 500), --chromium PATH (default $CHROMIUM_PATH or /usr/bin/chromium),
// --skip-webgl, --skip-playwright, --profile e2e|page_transport (V8 profile of one more run),
// --server-cpu-prof DIR (the serving process under node --cpu-prof for the whole run; its
// functions by self time are printed at the end),
// --flow '<json>' (other flow-control settings, via support/terminal-flow-server.ts; not written),
// --only transport (pty_raw and transport alone: no browser, no renderer build needed; not written).
import { chromium, type Browser as PwBrowser, type Page as PwPage } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open as openFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn as ptySpawn } from 'node-pty';
// @ts-expect-error -- a plain .mjs module without types, shared with bin/drover.mjs
import { TRAFFIC_V8_FLAGS } from '../../bin/traffic-v8-flags.mjs';
import { connectWebHost } from '../../main/host/ws-client';
import { DEFAULT_FLOW } from '../../main/terminal/terminal-session';
import { listDescendants, makeTempDir, startProcess, stopAll, type ManagedProcess, type TempDir } from '../harness/index';
import { CdpBrowser, type CdpPage } from './support/terminal-cdp';
import './support/terminal-hook';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const MB = 1e6;
const LINE_BYTES = 100;
/** The whole benchmark is stopped after this, whatever it is doing. */
const WATCHDOG_MS = 18 * 60_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1360, height: 820 };

const { values: opt } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    keys: { type: 'string', default: '500' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    'skip-webgl': { type: 'boolean', default: false },
    'skip-playwright': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'server-cpu-prof': { type: 'string' },
    flow: { type: 'string' },
    only: { type: 'string' },
  },
  strict: true,
});
const intOpt = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${v})`);
  return n;
};
const LINES = Math.round((intOpt('mb', opt.mb, 1, 2000) * MB) / LINE_BYTES);
const FILE_BYTES = LINES * LINE_BYTES;
/** What the pty delivers for the file: onlcr turns every \n into \r\n. */
const EXPECTED_CHARS = FILE_BYTES + LINES;
const RUNS = intOpt('runs', opt.runs, 1, 20);
/** The forced-WebGL variant (software rendering here) runs once on this many lines. */
const PART_LINES = Math.min(LINES, 100_000);
const KEYS = intOpt('keys', opt.keys, 10, 5000);
const CHROMIUM = opt.chromium!;
/** Pause between key presses in the echo tests (20 keys a second: a fast typist). */
const KEY_GAP_MS = 50;
if (opt.profile !== undefined && opt.profile !== 'e2e' && opt.profile !== 'page_transport') throw new Error('--profile must be e2e or page_transport');
if (opt.only !== undefined && opt.only !== 'transport') throw new Error('--only must be transport');

// ---------------------------------------------------------------------------------------------
// helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
function procCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clkTck;
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Chromium processes among `pids`, by role (browser, renderer, gpu, other). */
function chromiumRoles(pids: readonly number[]): Map<string, number[]> {
  const roles = new Map<string, number[]>();
  for (const pid of pids) {
    const cmd = cmdline(pid);
    if (!/chrom/i.test(cmd.split(' ')[0] ?? '')) continue;
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
    const role = type === 'renderer' ? 'renderer' : type === 'gpu-process' ? 'gpu' : type === 'browser' ? 'browser' : 'other';
    roles.set(role, [...(roles.get(role) ?? []), pid]);
  }
  return roles;
}

interface CpuSnapshot {
  /** The node process that serves. */
  server: number;
  /** What it runs in the pty (shell, cat); processes that ended meanwhile are not counted. */
  pty: number;
  /** The Chromium that shows the page being measured, by process role. */
  chromium: Record<string, number>;
}

/** The node process that serves (bin/drover.mjs runs the CLI in a child node with V8 flags). */
function serverNodePid(pid: number): number {
  let found = pid;
  for (const p of [pid, ...listDescendants(pid)]) if (/(^|\/)node /.test(cmdline(p)) && /drover\.mjs|terminal-flow-server/.test(cmdline(p))) found = p;
  return found;
}

function cpuSnapshot(serverPid: number, chromiumPids: () => number[]): CpuSnapshot {
  const chromiumCpu: Record<string, number> = {};
  for (const [role, pids] of chromiumRoles(chromiumPids())) chromiumCpu[role] = pids.reduce((a, p) => a + procCpuS(p), 0);
  const node = serverNodePid(serverPid);
  const pty = listDescendants(node).reduce((a, p) => a + procCpuS(p), 0);
  return { server: procCpuS(node), pty, chromium: chromiumCpu };
}

function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  const chromiumCpu: Record<string, number> = {};
  for (const role of new Set([...Object.keys(a.chromium), ...Object.keys(b.chromium)])) chromiumCpu[role] = (b.chromium[role] ?? 0) - (a.chromium[role] ?? 0);
  return { server: b.server - a.server, pty: Math.max(0, b.pty - a.pty), chromium: chromiumCpu };
}

/** Line `seq` of the data file: 9-digit number, a space, 89 printable characters, \n. */
function dataLine(seq: number): string {
  const head = String(seq).padStart(9, '0');
  let body = '';
  // Printable ASCII from '!' on, shifted per line so neighbouring lines differ.
  for (let i = 0; i < LINE_BYTES - 11; i++) body += String.fromCharCode(33 + ((seq * 7 + i) % 94));
  return `${head} ${body}\n`;
}

async function writeDataFile(file: string, lines: number): Promise<void> {
  const fh = await openFile(file, 'w');
  try {
    const perChunk = 10_000;
    for (let start = 0; start < lines; start += perChunk) {
      let chunk = '';
      for (let s = start; s < Math.min(lines, start + perChunk); s++) chunk += dataLine(s);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The command as typed, and the end marker it prints (the typed line shows "$((1000+n+1))" with n
 * filled in, not the sum). Fixed width for n < 8999, so every command echoes the same number of
 * characters (the loss count subtracts those of the empty-file run).
 */
const command = (file: string, n: number) => `cat ${path.basename(file)}; echo END$((${1000 + n}+1))-mark\r`;
const mark = (n: number) => `END${1001 + n}-mark`;

// ---------------------------------------------------------------------------------------------
// pty alone

/**
 * node-pty alone: `sh -c "cat file; echo END…"` (the shell keeps the pty open, as in a terminal),
 * timed from spawn to the end marker, counting characters up to it.
 */
async function ptyRaw(file: string, n: number): Promise<{ seconds: number; chars: number }> {
  const end = mark(n);
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TERM: 'xterm-256color' } as Record<string, string>;
    const started = performance.now();
    let chars = 0;
    let tail = '';
    let done = false;
    const p = ptySpawn('/bin/sh', ['-c', `cat ${path.basename(file)}; echo END$((${1000 + n}+1))-mark; sleep 5`], { name: 'xterm-256color', cols: 160, rows: 48, cwd: path.dirname(file), env });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`pty_raw: no end marker within 120 s (${chars} chars)`));
    }, 120_000);
    p.onData((d) => {
      if (done) return;
      const str = tail + d;
      const at = str.indexOf(end);
      if (at >= 0) {
        done = true;
        chars += at + end.length - tail.length;
        clearTimeout(timer);
        const seconds = (performance.now() - started) / 1000;
        p.kill('SIGKILL');
        resolve({ seconds, chars });
        return;
      }
      chars += d.length;
      tail = str.slice(-64);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// the server

interface Server {
  url: string;
  proc: ManagedProcess;
  configDir: TempDir;
}

const URL_LINE = /^Drover web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)\s*$/m;

/** `drover serve` as a user runs it, or with --flow the same services with other flow settings. */
async function startServer(staticDir: string, flowJson: string | undefined, cpuProfDir: string | undefined): Promise<Server> {
  const configDir = await makeTempDir('drover-bench-term-config-');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DROVER_CONFIG_DIR;
  delete env.DROVER_SECRETS;
  delete env.NODE_OPTIONS;
  const args =
    flowJson === undefined
      ? ['bin/drover.mjs', 'serve', '--port', '0', '--config-dir', configDir.path, '--static-dir', staticDir]
      : // As bin/drover.mjs runs the CLI: the same V8 flags, TypeScript through tsx.
        [...(TRAFFIC_V8_FLAGS as string[]), '--import', 'tsx', path.join(here, 'support', 'terminal-flow-server.ts'), flowJson, configDir.path, staticDir];
  // bin/drover.mjs passes its own execArgv on to the node it re-executes, so both are profiled.
  const profArgs = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const proc = await startProcess({ name: 'drover serve', command: process.execPath, args: [...profArgs, ...args], cwd: repoRoot, env });
  const deadline = Date.now() + 30_000;
  let m: RegExpExecArray | null;
  while (!(m = URL_LINE.exec(proc.logs()))) {
    if (proc.exitStatus) throw new Error(`drover serve exited before printing its URL:\n${proc.logs()}`);
    if (Date.now() > deadline) throw new Error(`drover serve printed no URL within 30 s:\n${proc.logs()}`);
    await sleep(50);
  }
  return { url: m[1]!, proc, configDir };
}

// ---------------------------------------------------------------------------------------------
// transport alone: a Node client over the WebSocket, acknowledging at once

async function transportRun(url: string, cwd: string, n: number, file = 'data.txt'): Promise<{ seconds: number; chars: number }> {
  const end = mark(n);
  const client = await connectWebHost(url, { timeoutMs: 30_000 });
  try {
    const session = await client.api.terminal.open({ target: { kind: 'local', cwd }, cols: 160, rows: 48 });
    const id = session.id;
    let buffer = '';
    let counting = false;
    let chars = 0;
    let promptResolve: (() => void) | undefined;
    let doneResolve: ((s: number) => void) | undefined;
    const sub = client.api.terminal.output(
      { id },
      {
        next: (e) => {
          if (e.kind !== 'data') return;
          client.api.terminal.ack({ id, chars: e.data.length });
          if (!counting) {
            buffer = (buffer + e.data).slice(-200);
            if (/[#$] $/.test(buffer)) promptResolve?.();
            return;
          }
          const s = buffer + e.data;
          const at = s.indexOf(end);
          if (at >= 0) {
            chars += at + end.length - buffer.length;
            counting = false;
            doneResolve?.(performance.now());
          } else chars += e.data.length;
          buffer = s.slice(-64);
        },
      },
    );
    await new Promise<void>((r) => (promptResolve = r));
    const done = new Promise<number>((r) => (doneResolve = r));
    counting = true;
    buffer = '';
    const started = performance.now();
    client.api.terminal.input({ id, data: command(file, n) });
    const ended = await Promise.race([done, sleep(180_000).then(() => Promise.reject(new Error('transport run: no end marker within 180 s')))]);
    sub.dispose();
    await client.api.terminal.close({ id });
    return { seconds: (ended - started) / 1000, chars };
  } finally {
    client.dispose();
  }
}

/** Keystroke to echo without a browser: the Node client sends a key to `cat`, times its echo. */
async function transportEcho(url: string, cwd: string, keys: number): Promise<number[]> {
  const client = await connectWebHost(url, { timeoutMs: 30_000 });
  try {
    const { id } = await client.api.terminal.open({ target: { kind: 'local', cwd }, cols: 160, rows: 48 });
    let waiting: { ch: string; t: number; resolve: (ms: number) => void } | null = null;
    let seen = '';
    const sub = client.api.terminal.output(
      { id },
      {
        next: (e) => {
          if (e.kind !== 'data') return;
          client.api.terminal.ack({ id, chars: e.data.length });
          seen = (seen + e.data).slice(-200);
          if (waiting && e.data.includes(waiting.ch)) {
            const w = waiting;
            waiting = null;
            w.resolve(performance.now() - w.t);
          }
        },
      },
    );
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(seen)) {
        if (Date.now() > deadline) throw new Error(`transport echo: no ${re} within 15 s`);
        await sleep(20);
      }
    };
    await until(/[#$] $/);
    client.api.terminal.input({ id, data: 'cat\r' });
    await sleep(300);
    const out: number[] = [];
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < keys; i++) {
      if (i > 0 && i % 60 === 0) {
        client.api.terminal.input({ id, data: '\r' });
        await sleep(60);
      }
      const ch = letters[i % letters.length]!;
      await sleep(KEY_GAP_MS);
      out.push(
        await new Promise<number>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('transport echo: no echo within 10 s')), 10_000);
          waiting = {
            ch,
            t: performance.now(),
            resolve: (ms) => {
              clearTimeout(t);
              resolve(ms);
            },
          };
          client.api.terminal.input({ id, data: ch });
        }),
      );
    }
    sub.dispose();
    await client.api.terminal.close({ id });
    return out;
  } finally {
    client.dispose();
  }
}

/** Round trips of system.ping over a WebSocket of the page's own (calibration: the browser's WebSocket path). */
async function pagePing(page: BenchPage, count: number): Promise<number[]> {
  return page.evaluate(
    (n) =>
      new Promise<number[]>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/rpc`);
        const out: number[] = [];
        let sentAt = 0;
        let id = 0;
        const next = () => {
          sentAt = performance.now();
          ws.send(JSON.stringify({ t: 'req', id: ++id, m: 'system.ping', p: { echo: 'x' } }));
        };
        ws.onmessage = (e) => {
          const f = JSON.parse(String(e.data)) as { t: string };
          if (f.t === 'hello') next();
          else if (f.t === 'res') {
            out.push(performance.now() - sentAt);
            if (out.length >= n) {
              ws.close();
              resolve(out);
            } else next();
          }
        };
        ws.onerror = () => reject(new Error('the page could not open its own WebSocket'));
      }),
    count,
  );
}

/**
 * Keystroke to echo over a raw WebSocket of the page's own, speaking the protocol directly (no
 * store, no xterm.js): tells the browser's share of the echo from the app's.
 */
async function pageRawEcho(page: BenchPage, cwd: string, keys: number): Promise<number[]> {
  return page.evaluate(
    ({ cwd, keys, gapMs }) =>
      new Promise<number[]>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/rpc`);
        const out: number[] = [];
        let sessionId = '';
        let seen = '';
        let pending: { ch: string; t: number } | null = null;
        let i = 0;
        const letters = 'abcdefghijklmnopqrstuvwxyz';
        const note = (m: string, p: unknown) => ws.send(JSON.stringify({ t: 'note', m, p }));
        const nextKey = () => {
          if (i >= keys) {
            note('terminal.input', { id: sessionId, data: '\u0003' });
            ws.send(JSON.stringify({ t: 'req', id: 3, m: 'terminal.close', p: { id: sessionId } }));
            setTimeout(() => {
              ws.close();
              resolve(out);
            }, 200);
            return;
          }
          const ch = letters[i % letters.length]!;
          i++;
          setTimeout(() => {
            pending = { ch, t: performance.now() };
            note('terminal.input', { id: sessionId, data: ch });
          }, gapMs);
        };
        ws.onmessage = (e) => {
          const f = JSON.parse(String(e.data)) as { t: string; id?: number; r?: { id: string }; d?: { kind: string; data?: string } };
          if (f.t === 'hello') ws.send(JSON.stringify({ t: 'req', id: 1, m: 'terminal.open', p: { target: { kind: 'local', cwd }, cols: 160, rows: 48 } }));
          else if (f.t === 'res' && f.id === 1) {
            sessionId = f.r!.id;
            ws.send(JSON.stringify({ t: 'sub', id: 2, m: 'terminal.output', p: { id: sessionId } }));
          } else if (f.t === 'ev' && f.id === 2 && f.d?.kind === 'data') {
            const data = f.d.data!;
            note('terminal.ack', { id: sessionId, chars: data.length });
            seen = (seen + data).slice(-200);
            if (pending && data.includes(pending.ch)) {
              out.push(performance.now() - pending.t);
              pending = null;
              nextKey();
            } else if (!pending && i === 0 && /[#$] $/.test(seen)) {
              seen = '';
              note('terminal.input', { id: sessionId, data: 'cat\r' });
              setTimeout(nextKey, 300);
            }
          }
        };
        ws.onerror = () => reject(new Error('the page could not open its own WebSocket'));
        setTimeout(() => reject(new Error(`raw echo: stuck after ${out.length} keys`)), 120_000);
      }),
    { cwd, keys, gapMs: KEY_GAP_MS },
  );
}

/**
 * The raw WebSocket again, but each key is a real key press (DevTools Input.dispatchKeyEvent, as
 * the app's echo test presses them), caught before the app sees it and sent over the page's own
 * socket: what the browser's key path adds to a raw socket, so the app's echo is compared with a
 * reference that pays the same. Timed from the keydown event's timestamp to the echo's arrival.
 */
async function pageRawKeyEcho(page: BenchPage, cwd: string, keys: number): Promise<number[]> {
  await page.evaluate(
    ({ cwd }) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/rpc`);
        const state = { ws, id: '', out: [] as number[], pending: null as null | { ch: string; t: number }, onKey: null as null | ((e: KeyboardEvent) => void) };
        (window as unknown as { __rawKey: typeof state }).__rawKey = state;
        let seen = '';
        const note = (m: string, p: unknown) => ws.send(JSON.stringify({ t: 'note', m, p }));
        ws.onmessage = (e) => {
          const f = JSON.parse(String(e.data)) as { t: string; id?: number; r?: { id: string }; d?: { kind: string; data?: string } };
          if (f.t === 'hello') ws.send(JSON.stringify({ t: 'req', id: 1, m: 'terminal.open', p: { target: { kind: 'local', cwd }, cols: 160, rows: 48 } }));
          else if (f.t === 'res' && f.id === 1) {
            state.id = f.r!.id;
            ws.send(JSON.stringify({ t: 'sub', id: 2, m: 'terminal.output', p: { id: state.id } }));
          } else if (f.t === 'ev' && f.id === 2 && f.d?.kind === 'data') {
            const data = f.d.data!;
            note('terminal.ack', { id: state.id, chars: data.length });
            const p = state.pending;
            if (p && data.includes(p.ch)) {
              state.out.push(performance.now() - p.t);
              state.pending = null;
            } else if (!state.onKey) {
              seen = (seen + data).slice(-200);
              if (/[#$] $/.test(seen)) {
                note('terminal.input', { id: state.id, data: 'cat\r' });
                state.onKey = (ev: KeyboardEvent) => {
                  if (ev.key.length !== 1 || ev.ctrlKey) return;
                  ev.stopImmediatePropagation();
                  ev.preventDefault();
                  state.pending = { ch: ev.key, t: ev.timeStamp };
                  note('terminal.input', { id: state.id, data: ev.key });
                };
                document.addEventListener('keydown', state.onKey, true);
                setTimeout(resolve, 300);
              }
            }
          }
        };
        ws.onerror = () => reject(new Error('the page could not open its own WebSocket'));
        setTimeout(() => reject(new Error('raw key echo: no prompt within 20 s')), 20_000);
      }),
    { cwd },
  );
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  try {
    for (let i = 0; i < keys; i++) {
      await sleep(KEY_GAP_MS);
      await page.press(letters[i % letters.length]!);
      await page.evaluate(
        (n) =>
          new Promise<void>((resolve, reject) => {
            const s = (window as unknown as { __rawKey: { out: number[] } }).__rawKey;
            const started = performance.now();
            const check = () => {
              if (s.out.length >= n) resolve();
              else if (performance.now() - started > 10_000) reject(new Error(`raw key echo: no echo of key ${n} within 10 s`));
              else setTimeout(check, 1);
            };
            check();
          }),
        i + 1,
      );
    }
  } finally {
    await page.evaluate(() => {
      const s = (window as unknown as { __rawKey: { ws: WebSocket; id: string; onKey: ((e: KeyboardEvent) => void) | null } }).__rawKey;
      if (s.onKey) document.removeEventListener('keydown', s.onKey, true);
      s.ws.send(JSON.stringify({ t: 'note', m: 'terminal.input', p: { id: s.id, data: '\u0003' } }));
      s.ws.send(JSON.stringify({ t: 'req', id: 3, m: 'terminal.close', p: { id: s.id } }));
      setTimeout(() => s.ws.close(), 200);
    }, null);
  }
  return page.evaluate(() => (window as unknown as { __rawKey: { out: number[] } }).__rawKey.out, null);
}

/** The same from the Node client. */
async function nodePing(url: string, count: number): Promise<number[]> {
  const client = await connectWebHost(url, { timeoutMs: 30_000 });
  try {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await client.api.system.ping({ echo: 'x' });
      out.push(performance.now() - t);
    }
    return out;
  } finally {
    client.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// the page, driven either way

/** What the benchmark does with a page: evaluate code, press keys, talk DevTools. */
interface BenchPage {
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** A printable key (text), Enter, or Ctrl+C. */
  press(key: string): Promise<void>;
  cdp<T>(method: string, params?: Record<string, unknown>): Promise<T>;
}

function cdpBenchPage(page: CdpPage): BenchPage {
  return {
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    press: async (key) => {
      if (key === 'Enter') await page.press('Enter', 'Enter', 13, '\r');
      else if (key === 'Control+C') await page.press('c', 'KeyC', 67, undefined, 2);
      else await page.press(key, `Key${key.toUpperCase()}`, key.toUpperCase().charCodeAt(0), key);
    },
    cdp: (method, params) => page.send(method, params),
  };
}

async function playwrightBenchPage(page: PwPage): Promise<BenchPage> {
  const session = await page.context().newCDPSession(page);
  return {
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as never,
    press: (key) => page.keyboard.press(key),
    cdp: (method, params) => session.send(method as never, params as never) as never,
  };
}

/** Opens a local terminal in the page and waits for its prompt. */
async function openTerminal(page: BenchPage, cwd: string): Promise<string> {
  const waitFor = async (fn: (k: string) => boolean, k: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if (await page.evaluate(fn, k)) return;
      } catch {
        /* still loading */
      }
      if (Date.now() > deadline) throw new Error(`the page did not get ready: ${fn.toString().slice(0, 100)}`);
      await sleep(50);
    }
  };
  await waitFor(() => window.__droverTerminals !== undefined, '');
  const key = await page.evaluate((dir) => window.__droverTerminals!.open({ kind: 'local', cwd: dir }), cwd);
  if (!key) throw new Error('the page did not open a terminal');
  await waitFor((k) => {
    const h = window.__droverTerminals!;
    return h.tabs().find((t) => t.key === k)?.status === 'running' && /[#$]\s*$/.test(h.text(k).split('\n').pop() ?? '');
  }, key);
  return key;
}

const prefsScript = (renderer: 'auto' | 'webgl') => `localStorage.setItem('drover.terminal', JSON.stringify({ prefs: { renderer: '${renderer}' } }));`;

interface PageRun {
  ms: number;
  /** Characters parsed from just after the command was sent up to the end of the end marker. */
  chars: number;
  frames: number;
  /** Sampled every 10 ms: characters handed to xterm.js but not parsed yet. */
  backlogMedian: number;
  /** Share of samples where xterm.js had nothing to parse (waiting for the server). */
  idle: number;
}

/** Waits until the shell shows its prompt (typing earlier would echo the line twice: type-ahead). */
async function waitPrompt(page: BenchPage, key: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await page.evaluate((k) => /[#$]\s*$/.test(window.__droverTerminals!.text(k).split('\n').pop() ?? ''), key))) {
    if (Date.now() > deadline) {
      const last = await page.evaluate((k) => window.__droverTerminals!.text(k).split('\n').slice(-3).join('⏎'), key);
      throw new Error(`no shell prompt within 30 s; the terminal ends with: ${JSON.stringify(last.slice(-300))}`);
    }
    await sleep(20);
  }
  await sleep(100);
}

/** Sends the command as typed input and times, in the page, until xterm.js has parsed the end marker. */
async function pageRun(page: BenchPage, key: string, n: number, file: string, timeoutMs = 300_000): Promise<PageRun> {
  await waitPrompt(page, key);
  return page.evaluate(
    ({ key, command, mark, timeoutMs }) =>
      new Promise<PageRun>((resolve, reject) => {
        const h = window.__droverTerminals!;
        let chars = 0;
        let frames = 0;
        let tail = '';
        let off: () => void = () => undefined;
        const backlog: number[] = [];
        const sampler = setInterval(() => {
          const tab = h.tabs().find((t) => t.key === key);
          if (tab) backlog.push(tab.writtenChars - tab.parsedChars);
        }, 10);
        const finish = () => {
          clearInterval(sampler);
          clearTimeout(timer);
          off();
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no end marker within ${timeoutMs} ms (${chars} chars parsed)`));
        }, timeoutMs);
        const started = performance.now();
        off = h.onParsed(key, (d) => {
          frames++;
          const s = tail + d;
          const at = s.indexOf(mark);
          if (at >= 0) {
            chars += at + mark.length - tail.length;
            const ms = performance.now() - started;
            finish();
            const sorted = [...backlog].sort((a, b) => a - b);
            resolve({ ms, chars, frames, backlogMedian: sorted[sorted.length >> 1] ?? 0, idle: backlog.filter((b) => b === 0).length / Math.max(1, backlog.length) });
            return;
          }
          chars += d.length;
          tail = s.slice(-64);
        });
        h.input(key, command);
      }),
    { key, command: command(file, n), mark: mark(n), timeoutMs },
  );
}

/** The last data lines in the xterm buffer must be the file's last lines, in order, intact. */
async function checkBufferTail(page: BenchPage, key: string): Promise<{ checked: number; bad: number }> {
  const text = await page.evaluate((k) => window.__droverTerminals!.text(k), key);
  const lines = text.split('\n').filter((l) => /^\d{9} /.test(l));
  const tailLines = lines.slice(-5000);
  const first = LINES - tailLines.length;
  let bad = 0;
  tailLines.forEach((l, i) => {
    if (`${l}\n` !== dataLine(first + i)) bad++;
  });
  return { checked: tailLines.length, bad };
}

/**
 * xterm.js alone: the same kind of lines written straight into the page's terminal, 1 MB at a
 * time (queued: through the screen's write queue, as session output goes).
 */
async function xtermParseOnly(page: BenchPage, key: string, bytes: number, queued = false): Promise<number> {
  let chunk = '';
  for (let s = 0; chunk.length < 1_000_000; s++) chunk += dataLine(LINES - 1 - (s % 1000)).replace('\n', '\r\n');
  return page.evaluate(
    async ({ key, chunk, times, queued }) => {
      const h = window.__droverTerminals!;
      const started = performance.now();
      for (let i = 0; i < times; i++) await (queued ? h.writeQueued(key, chunk) : h.writeLocal(key, chunk));
      return performance.now() - started;
    },
    { key, chunk, times: Math.max(1, Math.round(bytes / chunk.length)), queued },
  );
}

/** Keystroke to echo: `cat` reads stdin, the pty echoes each key; timed in the page. */
async function echoLatency(page: BenchPage, key: string, keys: number): Promise<{ parsed: number[]; rendered: number[]; arrived: number[]; sent: number[] }> {
  // A fresh screen and prompt (what the parse-only test wrote is not the shell's).
  await page.evaluate((k) => window.__droverTerminals!.input(k, 'clear\r'), key);
  await waitPrompt(page, key);
  await page.evaluate((k) => {
    const h = window.__droverTerminals!;
    const state = {
      pending: null as null | { ch: string; t: number },
      parsed: [] as number[],
      rendered: [] as number[],
      arrived: [] as number[],
      /** Keydown to the page sending the key over its WebSocket. */
      sent: [] as number[],
      renderFrom: 0,
      waiter: null as null | { n: number; resolve: () => void },
    };
    (window as unknown as { __echo: typeof state }).__echo = state;
    // When the page hands the key to its WebSocket: splits the echo into page → server → page.
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      const p = state.pending;
      if (p && typeof data === 'string' && data.includes('terminal.input') && state.sent.length === state.parsed.length) state.sent.push(performance.now() - p.t);
      return send.call(this, data);
    };
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key.length === 1 && !e.ctrlKey) state.pending = { ch: e.key, t: e.timeStamp };
      },
      true,
    );
    h.onArrived(k, (d) => {
      const p = state.pending;
      if (p && d.includes(p.ch) && state.arrived.length === state.parsed.length) state.arrived.push(performance.now() - p.t);
    });
    h.onParsed(k, (d) => {
      const p = state.pending;
      if (p && d.includes(p.ch)) {
        state.parsed.push(performance.now() - p.t);
        state.renderFrom = p.t;
        state.pending = null;
        if (state.waiter && state.parsed.length >= state.waiter.n) {
          state.waiter.resolve();
          state.waiter = null;
        }
      }
    });
    h.onRendered(k, () => {
      if (state.renderFrom) {
        state.rendered.push(performance.now() - state.renderFrom);
        state.renderFrom = 0;
      }
    });
    (document.querySelector('.drover-term-pane.is-active .xterm-helper-textarea') as HTMLElement | null)?.focus();
  }, key);
  for (const c of 'cat') await page.press(c);
  await page.press('Enter');
  await sleep(300);
  // Forget the keys of "cat" itself.
  await page.evaluate(() => {
    const s = (window as unknown as { __echo: { pending: unknown; parsed: number[]; rendered: number[]; arrived: number[]; sent: number[] } }).__echo;
    s.pending = null;
    for (const list of [s.parsed, s.rendered, s.arrived, s.sent]) list.length = 0;
  }, null);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < keys; i++) {
    if (i > 0 && i % 60 === 0) {
      // cat prints the line back on Enter: let that pass before timing the next key.
      await page.press('Enter');
      await sleep(60);
    }
    // A fast typist: 20 keys a second. Keys sent back to back would land while the page is still
    // drawing the previous echo, which no person can do.
    await sleep(KEY_GAP_MS);
    await page.press(letters[i % letters.length]!);
    await page.evaluate(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const s = (window as unknown as { __echo: { parsed: number[]; waiter: null | { n: number; resolve: () => void } } }).__echo;
          if (s.parsed.length >= n) return resolve();
          const t = setTimeout(() => reject(new Error(`no echo of key ${n} within 10 s`)), 10_000);
          s.waiter = {
            n,
            resolve: () => {
              clearTimeout(t);
              resolve();
            },
          };
        }),
      i + 1,
    );
  }
  await page.press('Enter');
  await page.press('Control+C');
  await sleep(200);
  return page.evaluate(() => {
    const s = (window as unknown as { __echo: { parsed: number[]; rendered: number[]; arrived: number[]; sent: number[] } }).__echo;
    return { parsed: s.parsed, rendered: s.rendered, arrived: s.arrived, sent: s.sent };
  }, null);
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function, largest first. */
function selfTimes(profile: CpuProfile): { total: number; byFn: Array<[string, number]> } {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const us = byNode.get(n.id) ?? 0;
    total += us;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    byFn.set(name, (byFn.get(name) ?? 0) + us);
  }
  return { total, byFn: [...byFn.entries()].sort((a, b) => b[1] - a[1]) };
}

/** The serving process's profile (the largest .cpuprofile: the re-executed CLI's main thread). */
function printServerProfile(dir: string): void {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {}
  const largest = files.map((f) => path.join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!largest) {
    console.log(`\nno server CPU profile in ${dir}`);
    return;
  }
  const { total, byFn } = selfTimes(JSON.parse(readFileSync(largest, 'utf8')) as CpuProfile);
  const busy = byFn.filter(([n]) => !n.startsWith('(idle)')).reduce((a, [, us]) => a + us, 0);
  console.log(`\nserver CPU profile (${path.basename(largest)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy), self time as a share of the busy time:`);
  for (const [name, us] of byFn.filter(([n]) => !n.startsWith('(idle)')).slice(0, 25)) console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

/** One more run under the V8 CPU profiler: the page's functions by self time. */
async function profileRun(page: BenchPage, key: string, file: string, bypass: boolean): Promise<void> {
  if (bypass) await page.evaluate((k) => window.__droverTerminals!.bypassEmulator(k, true), key);
  await page.cdp('Profiler.enable');
  await page.cdp('Profiler.setSamplingInterval', { interval: 200 });
  await page.cdp('Profiler.start');
  const run = await pageRun(page, key, 90, file);
  const { profile } = await page.cdp<{
    profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[]; timeDeltas: number[] };
  }>('Profiler.stop');
  if (bypass) await page.evaluate((k) => window.__droverTerminals!.bypassEmulator(k, false), key);
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const us = byNode.get(n.id) ?? 0;
    total += us;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    byFn.set(name, (byFn.get(name) ?? 0) + us);
  }
  console.log(`\nV8 profile of one ${bypass ? 'page_transport' : 'e2e'} run (${(run.ms / 1000).toFixed(2)} s wall, ${(total / 1e6).toFixed(2)} s sampled), self time:`);
  for (const [name, us] of [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}

// ---------------------------------------------------------------------------------------------

type Variant = 'e2e' | 'e2e_hidden' | 'page_transport' | 'e2e_webgl' | 'e2e_playwright';

interface PageSlot {
  page: BenchPage;
  key: string;
  /** Characters parsed for the command on an empty file: command echo, marker, prompt. */
  base: number;
  renderer: string;
  /** Chromium processes that show this page, for CPU accounting. */
  pids: () => number[];
}

/**
 * --only transport: pty_raw against transport, alternating, with the server's CPU and the
 * transport's loss (characters against those of the same command on an empty file). Not written.
 */
async function transportOnly(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const tmp = await makeTempDir('drover-bench-term-');
  const staticDir = path.join(tmp.path, 'renderer');
  await mkdir(staticDir, { recursive: true });
  const dataFile = path.join(tmp.path, 'data.txt');
  const nullFile = path.join(tmp.path, 'null.txt');
  console.log(`terminal bench (--only transport): writing ${FILE_BYTES / MB} MB (${LINES} lines of ${LINE_BYTES} bytes) to ${dataFile}`);
  await writeDataFile(dataFile, LINES);
  await writeFile(nullFile, '');
  const serverProfDir = opt['server-cpu-prof'] === undefined ? undefined : path.resolve(opt['server-cpu-prof']);
  const server = await startServer(staticDir, opt.flow, serverProfDir);
  const pty: number[] = [];
  const tr: number[] = [];
  const cpuRatio: number[] = [];
  const lost: number[] = [];
  try {
    const base = (await transportRun(server.url, tmp.path, 1, 'null.txt')).chars;
    await ptyRaw(dataFile, 2);
    await transportRun(server.url, tmp.path, 2);
    for (let r = 0; r < RUNS; r++) {
      const n = 3 + r;
      const raw = await ptyRaw(dataFile, n);
      pty.push(FILE_BYTES / MB / raw.seconds);
      const c0 = cpuSnapshot(server.proc.pid, () => []);
      const t = await transportRun(server.url, tmp.path, n);
      const used = cpuDelta(c0, cpuSnapshot(server.proc.pid, () => []));
      tr.push(FILE_BYTES / MB / t.seconds);
      cpuRatio.push(used.server / t.seconds);
      lost.push(EXPECTED_CHARS - (t.chars - base));
      console.log(
        `  round ${r + 1}/${RUNS} pty_raw ${pty[r]!.toFixed(1)} MB/s, transport ${tr[r]!.toFixed(1)} MB/s (${t.seconds.toFixed(2)} s, lost ${lost[r]}); cpu s: server ${used.server.toFixed(2)}, pty ${used.pty.toFixed(2)}`,
      );
    }
  } finally {
    await server.proc.stop();
    if (serverProfDir) printServerProfile(serverProfDir);
    await server.configDir.remove();
    await tmp.remove();
    await stopAll();
  }
  const p = median(pty);
  console.log(
    `\npty_raw_mbps ${round(p)}, transport_mbps ${round(median(tr))}, transport_ratio ${round(median(tr) / p, 3)}, transport_server_cpu_ratio ${round(median(cpuRatio), 2)}, bytes_lost ${Math.max(...lost.map(Math.abs))}` +
      `; ${RUNS} runs; 1-minute load ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (--only transport: not written)`,
  );
}

async function main(): Promise<void> {
  if (opt.only === 'transport') return transportOnly();
  const started = Date.now();
  const loadAtStart = os.loadavg()[0]!;
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or pass --chromium PATH)`);
  // The renderer's test build: the benchmark drives the page through window.__droverTerminals.
  if (!existsSync(path.join(repoRoot, 'dist/renderer-test/index.html'))) throw new Error('dist/renderer-test is not built: run `node scripts/build.mjs renderer --test-hooks` first');

  const tmp = await makeTempDir('drover-bench-term-');
  // Our own copy of the built page, so a rebuild elsewhere cannot pull it away mid-run.
  const staticDir = path.join(tmp.path, 'renderer');
  cpSync(path.join(repoRoot, 'dist/renderer-test'), staticDir, { recursive: true });
  // Same name lengths: the command echo (part of every count) is the same for each.
  const dataFile = path.join(tmp.path, 'data.txt');
  const nullFile = path.join(tmp.path, 'null.txt');
  const partFile = path.join(tmp.path, 'part.txt');
  console.log(`terminal bench: writing ${FILE_BYTES / MB} MB (${LINES} lines of ${LINE_BYTES} bytes) to ${dataFile}`);
  await writeDataFile(dataFile, LINES);
  await writeFile(nullFile, '');
  await writeDataFile(partFile, PART_LINES);

  const flow = { ...DEFAULT_FLOW, ...(opt.flow ? (JSON.parse(opt.flow) as Partial<typeof DEFAULT_FLOW>) : {}) };
  const serverProfDir = opt['server-cpu-prof'] === undefined ? undefined : path.resolve(opt['server-cpu-prof']);
  const server = await startServer(staticDir, opt.flow, serverProfDir);
  const cdpBrowser = await CdpBrowser.launch(CHROMIUM, CHROMIUM_ARGS, path.join(tmp.path, 'chromium-profile'));
  const cdpPids = () => [cdpBrowser.pid, ...listDescendants(cdpBrowser.pid)];
  let pwBrowser: PwBrowser | undefined;
  let webglBrowser: CdpBrowser | undefined;

  const mbps: Record<'pty_raw' | 'transport' | Variant, number[]> = { pty_raw: [], transport: [], e2e: [], e2e_hidden: [], page_transport: [], e2e_webgl: [], e2e_playwright: [] };
  const runs: Record<Variant, PageRun[]> = { e2e: [], e2e_hidden: [], page_transport: [], e2e_webgl: [], e2e_playwright: [] };
  const lost: number[] = [];
  const cpu: Array<{ variant: string; cpu: CpuSnapshot; seconds: number }> = [];
  let tail = { checked: 0, bad: 0 };
  let xtermMs = NaN;
  let xtermQueuedMs = NaN;
  let echo: { parsed: number[]; rendered: number[]; arrived: number[]; sent: number[] } = { parsed: [], rendered: [], arrived: [], sent: [] };
  let nodeEcho: number[] = [];
  let pings = { page: [] as number[], node: [] as number[] };
  let rawEcho: number[] = [];
  let rawKeyEcho: number[] = [];
  let chromiumVersion = '';
  const slots = new Map<'auto' | 'webgl' | 'playwright', PageSlot>();

  try {
    chromiumVersion = (await cdpBrowser.send<{ product: string }>('Browser.getVersion')).product;
    const openSlot = async (page: BenchPage, pids: () => number[], warmUp: string): Promise<PageSlot> => {
      const key = await openTerminal(page, tmp.path);
      const renderer = await page.evaluate((k) => window.__droverTerminals!.tabs().find((t) => t.key === k)?.renderer ?? 'none', key);
      const base = (await pageRun(page, key, 1, nullFile, 30_000)).chars;
      // Warm-up, not counted: JIT, glyph caches, the file in the page cache.
      await pageRun(page, key, 2, warmUp);
      return { page, key, base, renderer: renderer ?? 'none', pids };
    };
    const cdpSlot = async (browser: CdpBrowser, pref: 'auto' | 'webgl', warmUp: string): Promise<PageSlot> => {
      const cdpPage = await browser.newPage('about:blank', VIEWPORT);
      await cdpPage.send('Page.addScriptToEvaluateOnNewDocument', { source: prefsScript(pref) });
      await cdpPage.send('Page.navigate', { url: `${server.url}#/terminal` });
      return openSlot(cdpBenchPage(cdpPage), () => [browser.pid, ...listDescendants(browser.pid)], warmUp);
    };
    slots.set('auto', await cdpSlot(cdpBrowser, 'auto', dataFile));
    if (!opt['skip-playwright']) {
      pwBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      const context = await pwBrowser.newContext({ viewport: VIEWPORT });
      await context.addInitScript({ content: `globalThis.__name = (f) => f; ${prefsScript('auto')}` });
      const page = await context.newPage();
      await page.goto(`${server.url}#/terminal`);
      const cdpSet = () => new Set(cdpPids());
      slots.set('playwright', await openSlot(await playwrightBenchPage(page), () => listDescendants(process.pid).filter((p) => !cdpSet().has(p)), dataFile));
    }
    console.log(`${chromiumVersion}; renderer with setting auto: ${slots.get('auto')!.renderer}`);
    await ptyRaw(dataFile, 2);

    const variants: Array<{ name: Variant; slot: 'auto' | 'webgl' | 'playwright'; hidden?: boolean; bypass?: boolean }> = [
      { name: 'e2e', slot: 'auto' },
      { name: 'e2e_hidden', slot: 'auto', hidden: true },
      { name: 'page_transport', slot: 'auto', hidden: true, bypass: true },
      ...(slots.has('playwright') ? [{ name: 'e2e_playwright' as const, slot: 'playwright' as const }] : []),
    ];
    for (let r = 0; r < RUNS; r++) {
      const n = 3 + r;
      const raw = await ptyRaw(dataFile, n);
      mbps.pty_raw.push(FILE_BYTES / MB / raw.seconds);
      if (raw.chars !== EXPECTED_CHARS + mark(n).length) console.log(`  note: pty_raw read ${raw.chars} chars, expected ${EXPECTED_CHARS + mark(n).length}`);
      console.log(`  round ${r + 1}/${RUNS} ${'pty_raw'.padEnd(14)} ${mbps.pty_raw[r]!.toFixed(1).padStart(6)} MB/s  ${raw.seconds.toFixed(2)} s`);

      let c0 = cpuSnapshot(server.proc.pid, () => []);
      const tr = await transportRun(server.url, tmp.path, n);
      mbps.transport.push(FILE_BYTES / MB / tr.seconds);
      const trCpu = cpuDelta(c0, cpuSnapshot(server.proc.pid, () => []));
      cpu.push({ variant: 'transport', cpu: trCpu, seconds: tr.seconds });
      console.log(`  round ${r + 1}/${RUNS} ${'transport'.padEnd(14)} ${mbps.transport[r]!.toFixed(1).padStart(6)} MB/s  ${tr.seconds.toFixed(2)} s; cpu s: server ${trCpu.server.toFixed(2)}, pty ${trCpu.pty.toFixed(2)}`);

      for (const v of variants) {
        const s = slots.get(v.slot)!;
        if (v.hidden) await s.page.evaluate(() => (window.location.hash = '#/settings'), null);
        // The prompt of the previous run must be in the buffer before xterm.js is bypassed.
        if (v.bypass) await waitPrompt(s.page, s.key);
        if (v.bypass) await s.page.evaluate((k) => window.__droverTerminals!.bypassEmulator(k, true), s.key);
        c0 = cpuSnapshot(server.proc.pid, s.pids);
        const run = await pageRun(s.page, s.key, n, dataFile);
        const used = cpuDelta(c0, cpuSnapshot(server.proc.pid, s.pids));
        if (v.bypass) await s.page.evaluate((k) => window.__droverTerminals!.bypassEmulator(k, false), s.key);
        if (v.hidden) {
          await s.page.evaluate(() => (window.location.hash = '#/terminal'), null);
          await sleep(300);
        }
        const seconds = run.ms / 1000;
        mbps[v.name].push(FILE_BYTES / MB / seconds);
        runs[v.name].push(run);
        if (!v.bypass) lost.push(EXPECTED_CHARS - (run.chars - s.base));
        cpu.push({ variant: v.name, cpu: used, seconds });
        console.log(
          `  round ${r + 1}/${RUNS} ${v.name.padEnd(14)} ${mbps[v.name][r]!.toFixed(1).padStart(6)} MB/s  ${seconds.toFixed(2)} s, ${run.frames} frames` +
            `${v.bypass ? '' : `, lost ${lost[lost.length - 1]}, xterm idle ${(run.idle * 100).toFixed(0)}%, backlog ${run.backlogMedian}`}; cpu s: server ${used.server.toFixed(2)}, pty ${used.pty.toFixed(2)}, ` +
            Object.entries(used.chromium)
              .map(([k, x]) => `${k} ${x.toFixed(2)}`)
              .join(', '),
        );
      }
    }
    for (const [name, s] of slots) {
      if (name === 'webgl') continue;
      const c = await checkBufferTail(s.page, s.key);
      tail = { checked: tail.checked + c.checked, bad: tail.bad + c.bad };
    }
    const auto = slots.get('auto')!;
    if (opt.profile) await profileRun(auto.page, auto.key, dataFile, opt.profile === 'page_transport');
    xtermMs = await xtermParseOnly(auto.page, auto.key, FILE_BYTES);
    xtermQueuedMs = await xtermParseOnly(auto.page, auto.key, FILE_BYTES, true);
    echo = await echoLatency(auto.page, auto.key, KEYS);
    nodeEcho = await transportEcho(server.url, tmp.path, KEYS);
    pings = { page: await pagePing(auto.page, 200), node: await nodePing(server.url, 200) };
    rawEcho = await pageRawEcho(auto.page, tmp.path, Math.min(KEYS, 200));
    rawKeyEcho = await pageRawKeyEcho(auto.page, tmp.path, Math.min(KEYS, 200));

    // Software WebGL is slow: once, on the first tenth of the file, in a browser of its own (its
    // GPU process would slow down everything else).
    await pwBrowser?.close();
    pwBrowser = undefined;
    if (!opt['skip-webgl']) {
      webglBrowser = await CdpBrowser.launch(CHROMIUM, CHROMIUM_ARGS, path.join(tmp.path, 'chromium-webgl-profile'));
      const webgl = await cdpSlot(webglBrowser, 'webgl', nullFile);
      slots.set('webgl', webgl);
      const c0 = cpuSnapshot(server.proc.pid, webgl.pids);
      const run = await pageRun(webgl.page, webgl.key, 80, partFile);
      const used = cpuDelta(c0, cpuSnapshot(server.proc.pid, webgl.pids));
      mbps.e2e_webgl.push(PART_LINES * LINE_BYTES / MB / (run.ms / 1000));
      runs.e2e_webgl.push(run);
      lost.push(PART_LINES * (LINE_BYTES + 1) - (run.chars - webgl.base));
      cpu.push({ variant: 'e2e_webgl', cpu: used, seconds: run.ms / 1000 });
      console.log(
        `  e2e_webgl (${(PART_LINES * LINE_BYTES) / MB} MB, once) ${mbps.e2e_webgl[0]!.toFixed(1)} MB/s, lost ${lost[lost.length - 1]}; cpu s: server ${used.server.toFixed(2)}, ` +
          Object.entries(used.chromium)
            .map(([k, x]) => `${k} ${x.toFixed(2)}`)
            .join(', '),
      );
    }
  } finally {
    await pwBrowser?.close().catch(() => undefined);
    await webglBrowser?.close();
    await cdpBrowser.close();
    await server.proc.stop();
    if (serverProfDir) printServerProfile(serverProfDir);
    await server.configDir.remove();
    await tmp.remove();
    await stopAll();
  }

  const e2e = median(mbps.e2e);
  const pty = median(mbps.pty_raw);
  const metrics: Record<string, number> = {
    e2e_mbps: round(e2e),
    pty_raw_mbps: round(pty),
    bytes_lost: Math.max(...lost.map(Math.abs)) + tail.bad * LINE_BYTES,
    echo_p50_ms: round(percentile(echo.parsed, 50), 2),
    echo_p95_ms: round(percentile(echo.parsed, 95), 2),
    e2e_ratio: round(e2e / pty, 3),
    e2e_hidden_mbps: round(median(mbps.e2e_hidden)),
    e2e_hidden_ratio: round(median(mbps.e2e_hidden) / pty, 3),
    page_transport_mbps: round(median(mbps.page_transport)),
    transport_mbps: round(median(mbps.transport)),
    transport_ratio: round(median(mbps.transport) / pty, 3),
    e2e_webgl_mbps: round(median(mbps.e2e_webgl)),
    e2e_playwright_mbps: round(median(mbps.e2e_playwright)),
    xterm_parse_mbps: round(FILE_BYTES / MB / (xtermMs / 1000)),
    xterm_queue_parse_mbps: round(FILE_BYTES / MB / (xtermQueuedMs / 1000)),
    echo_sent_p50_ms: round(percentile(echo.sent, 50), 2),
    echo_sent_p95_ms: round(percentile(echo.sent, 95), 2),
    echo_arrival_p50_ms: round(percentile(echo.arrived, 50), 2),
    echo_arrival_p95_ms: round(percentile(echo.arrived, 95), 2),
    page_ws_rtt_p50_ms: round(percentile(pings.page, 50), 2),
    page_ws_rtt_p95_ms: round(percentile(pings.page, 95), 2),
    node_ws_rtt_p50_ms: round(percentile(pings.node, 50), 2),
    page_raw_echo_p50_ms: round(percentile(rawEcho, 50), 2),
    page_raw_echo_p95_ms: round(percentile(rawEcho, 95), 2),
    page_raw_key_echo_p50_ms: round(percentile(rawKeyEcho, 50), 2),
    page_raw_key_echo_p95_ms: round(percentile(rawKeyEcho, 95), 2),
    transport_echo_p50_ms: round(percentile(nodeEcho, 50), 2),
    transport_echo_p95_ms: round(percentile(nodeEcho, 95), 2),
    echo_render_p50_ms: round(percentile(echo.rendered, 50), 2),
    echo_render_p95_ms: round(percentile(echo.rendered, 95), 2),
    echo_max_ms: round(Math.max(...echo.parsed), 2),
    e2e_frames: Math.round(median(runs.e2e.map((r) => r.frames))),
    e2e_xterm_idle_ratio: round(median(runs.e2e.map((r) => r.idle)), 2),
    e2e_xterm_backlog_chars: Math.round(median(runs.e2e.map((r) => r.backlogMedian))),
    buffer_tail_lines_checked: tail.checked,
  };
  const ratio = (variant: string, pick: (c: CpuSnapshot) => number) => round(median(cpu.filter((c) => c.variant === variant).map((c) => pick(c.cpu) / c.seconds)), 2);
  for (const variant of ['transport', 'e2e', 'e2e_hidden', 'page_transport', 'e2e_webgl', 'e2e_playwright']) {
    metrics[`${variant}_server_cpu_ratio`] = ratio(variant, (c) => c.server);
    if (variant === 'transport') continue;
    metrics[`${variant}_renderer_cpu_ratio`] = ratio(variant, (c) => c.chromium.renderer ?? 0);
    metrics[`${variant}_gpu_process_cpu_ratio`] = ratio(variant, (c) => c.chromium.gpu ?? 0);
    metrics[`${variant}_browser_cpu_ratio`] = ratio(variant, (c) => (c.chromium.browser ?? 0) + (c.chromium.other ?? 0));
  }
  for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];

  const cpuRow = (v: string) =>
    metrics[`${v}_server_cpu_ratio`] === undefined
      ? []
      : [
          [
            `  cpu/s ${v}`,
            `server ${metrics[`${v}_server_cpu_ratio`]}` +
              (v === 'transport' ? '' : `, renderer ${metrics[`${v}_renderer_cpu_ratio`]}, gpu process ${metrics[`${v}_gpu_process_cpu_ratio`]}, browser+network ${metrics[`${v}_browser_cpu_ratio`]}`),
          ] as [string, string],
        ];
  const row = (k: string, metric: string, text: (v: number) => string): Array<[string, string]> => (metrics[metric] === undefined ? [] : [[k, text(metrics[metric]!)]]);
  const auto = slots.get('auto');
  const rows: Array<[string, string]> = [
    ...row('e2e (page, renderer auto)', 'e2e_mbps', (v) => `${v} MB/s   (${auto?.renderer})   e2e/pty_raw ${metrics.e2e_ratio} (goal ≥ 0.6)`),
    ...row('e2e, page not showing it', 'e2e_hidden_mbps', (v) => `${v} MB/s   (xterm.js parses, draws nothing)   e2e_hidden/pty_raw ${metrics.e2e_hidden_ratio} (goal ≥ 0.8)`),
    ...row('page transport', 'page_transport_mbps', (v) => `${v} MB/s   (WebSocket → store in the page; xterm.js bypassed)`),
    ...row('transport (Node client)', 'transport_mbps', (v) => `${v} MB/s   transport/pty_raw ${metrics.transport_ratio} (goal ≥ 0.9)`),
    ...row('pty_raw (node-pty alone)', 'pty_raw_mbps', (v) => `${v} MB/s`),
    ...row('xterm.js parse alone', 'xterm_parse_mbps', (v) => `${v} MB/s   (1 MB writes into the page's terminal: nothing drawn during each)`),
    ...row('xterm.js through the screen', 'xterm_queue_parse_mbps', (v) => `${v} MB/s   (the same 1 MB writes through the screen, in its 32 KiB pieces: xterm.js yields and draws between its parse slices)`),
    ...row('e2e, WebGL forced', 'e2e_webgl_mbps', (v) => `${v} MB/s   (${slots.get('webgl')?.renderer}; software WebGL here; ${(PART_LINES * LINE_BYTES) / MB} MB, one run)`),
    ...row('e2e, driven by Playwright', 'e2e_playwright_mbps', (v) => `${v} MB/s   (Network domain on: every WebSocket frame copied to the driver)`),
    ...row('bytes lost', 'bytes_lost', (v) => `${v}   (+ last ${tail.checked} buffer lines compared with the file, ${tail.bad} differ)`),
    ...row('echo (key → parsed)', 'echo_p50_ms', () => `p50 ${metrics.echo_p50_ms} ms, p95 ${metrics.echo_p95_ms} ms, max ${metrics.echo_max_ms} ms over ${echo.parsed.length} keys (goal p95 ≤ 12)`),
    ...row('echo (key → sent by the page)', 'echo_sent_p50_ms', () => `p50 ${metrics.echo_sent_p50_ms} ms, p95 ${metrics.echo_sent_p95_ms} ms   (keydown → xterm.js → store → WebSocket.send)`),
    ...row('echo (key → in the page)', 'echo_arrival_p50_ms', () => `p50 ${metrics.echo_arrival_p50_ms} ms, p95 ${metrics.echo_arrival_p95_ms} ms   (before xterm.js)`),
    ...row('echo, Node client (no browser)', 'transport_echo_p50_ms', () => `p50 ${metrics.transport_echo_p50_ms} ms, p95 ${metrics.transport_echo_p95_ms} ms   (input → echo back over the WebSocket)`),
    ...row('echo, page raw WebSocket', 'page_raw_echo_p50_ms', () => `p50 ${metrics.page_raw_echo_p50_ms} ms, p95 ${metrics.page_raw_echo_p95_ms} ms   (the protocol by hand in the page: no store, no xterm.js)`),
    ...row('echo, raw WebSocket, key pressed', 'page_raw_key_echo_p50_ms', () => `p50 ${metrics.page_raw_key_echo_p50_ms} ms, p95 ${metrics.page_raw_key_echo_p95_ms} ms   (the same, each key a DevTools key press as in the app's echo test)`),
    ...row('WebSocket round trip', 'page_ws_rtt_p50_ms', () => `page p50 ${metrics.page_ws_rtt_p50_ms} ms (p95 ${metrics.page_ws_rtt_p95_ms}), Node client p50 ${metrics.node_ws_rtt_p50_ms} ms   (system.ping)`),
    ...row('echo (key → next frame)', 'echo_render_p50_ms', () => `p50 ${metrics.echo_render_p50_ms} ms, p95 ${metrics.echo_render_p95_ms} ms`),
    ...row('e2e: xterm.js idle', 'e2e_xterm_idle_ratio', (v) => `${(v * 100).toFixed(0)}% of 10 ms samples had nothing to parse; median backlog ${metrics.e2e_xterm_backlog_chars} chars; ${metrics.e2e_frames} frames`),
    ...['e2e', 'e2e_hidden', 'page_transport', 'transport', 'e2e_webgl', 'e2e_playwright'].flatMap(cpuRow),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);

  const notes = [
    `loopback; one drover serve (web host) and headless ${chromiumVersion} (${CHROMIUM}, ${CHROMIUM_ARGS.join(' ')}: WebGL is software, SwiftShader), viewport ${VIEWPORT.width}x${VIEWPORT.height}`,
    `page driven through a minimal DevTools client (Target/Runtime/Input only); e2e_playwright: the same through Playwright, whose Network domain copies every WebSocket frame to the driver`,
    `${FILE_BYTES / MB} MB file of ${LINES} printable ${LINE_BYTES}-byte lines; MB = 10^6 bytes of the file`,
    `e2e: in-page time from sending "cat file; echo END…" as typed input to xterm.js parsing the end marker; renderer setting auto → ${auto?.renderer}`,
    `pty_raw: node-pty in the bench process running sh -c "cat file; echo END…", spawn to end marker; transport: a Node WebSocket client acknowledging every frame on arrival`,
    `terminal output as binary WebSocket frames (UTF-8 text after an 8-byte header; title and state events as JSON); output after a quiet line sent at once, else gathered for the batch time`,
    `flow control${opt.flow ? ' (--flow, not the default)' : ''}: batch ${flow.batchMs} ms, frames ≤ ${flow.maxFrameChars} chars, pause above ${flow.highWatermarkChars} unacknowledged chars, resume below ${flow.lowWatermarkChars}; the page acks every 16 ms or 32 KiB of parsed chars`,
    `bytes_lost: |expected chars (file + one \\r per line) − (chars parsed for the file − chars parsed for the same command on an empty file)|, worst run of every page variant, plus ${LINE_BYTES} per differing line among the last buffer lines`,
    `echo: ${echo.parsed.length} key presses (Input.dispatchKeyEvent), ${KEY_GAP_MS} ms apart after each echo, while cat reads stdin; keydown timeStamp to xterm.js parse of the echo, and to the next onRender; p95 nearest-rank; the same keys from the Node client and from a raw WebSocket in the page for comparison`,
    `cpu ratios: CPU seconds per wall second during the run (1.0 = one core), ${os.cpus().length} cpus shared by everything`,
    `medians of ${RUNS} runs after one warm-up per page; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (other work on the machine skews absolute figures)`,
  ].join('; ');
  const result = {
    bench: 'terminal',
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    machine: { cpus: os.cpus().length, node: process.version, notes },
    runs: RUNS,
    metrics,
  };
  if (opt.flow) {
    console.log(`\n--flow given: results not written (not Drover's defaults) (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return;
  }
  const outDir = path.join(here, 'results');
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, 'terminal.json');
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const watchdog = setTimeout(() => {
  console.error(`terminal bench: still running after ${WATCHDOG_MS / 60_000} min: giving up`);
  process.exit(3);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('terminal bench failed:', err);
    process.exit(1);
  },
);
