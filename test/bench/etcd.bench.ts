// etcd benchmark (the etcd issue, item 7): `npm run bench -- etcd`.
//
// A real etcd from the harness holds 100,000 keys under /big/ (dc0..9/rack00..99/w000..099).
// Measured in the same run, alternating, medians of --runs:
//   first_page_ms    the key list's first page as the etcd page asks for it (etcd.keys, 1,000 keys,
//                    through EtcdService: the session, the fast range decoder, the contract's shapes);
//   walk_ms          every key under /big/, keys-only, page by page (walkKeys: growing pages at one revision);
//   etcdctl_walk_ms  `etcdctl get /big/ --prefix --keys-only` (process start included: that is what an
//                    operator waits for), with walk_ratio = walk_ms / etcdctl_walk_ms;
//   ui_first_render_ms  the page in headless Chromium against `drover serve`: from the Enter key in the
//                    search box holding /big/ to the first frame drawn with its rows (key events sent
//                    through DevTools' Input domain, as a keyboard would);
//   ui_scroll_frame_p95_ms  frames while the 100,000-row list is scrolled from top to bottom with pages
//                    loading as they come into view (the list is virtualized: it must stay responsive);
//   ui_scroll_all_ms the same scroll (~150 rows a frame, pages loading on the way) until all 100,000 keys are in the list.
// Goal: first page under 100 ms; full walk within 1.5x of etcdctl.
// Options: --runs 5 --keys 100000 --chromium PATH --skip-ui
import { execFile } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../main/contract/clock';
import { EtcdService } from '../../main/etcd/etcd-service';
import { walkKeys } from '../../main/etcd/key-pager';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { makeTempDir, startEtcd, startProcess, stopAll, type EtcdHandle } from '../harness/index';
import { benchOptions, median, percentile, round, writeBenchResult } from './support/bench-stats';
import { CdpBrowser, type CdpPage } from './support/terminal-cdp';

const opt = benchOptions({ runs: 5, keys: 100_000, chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', 'skip-ui': false });
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PREFIX = '/big/';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const bigKey = (i: number) => `/big/dc${Math.floor(i / 10_000)}/rack${String(Math.floor((i % 10_000) / 100)).padStart(2, '0')}/w${String(i % 100).padStart(3, '0')}`;

async function load(service: EtcdService, n: number): Promise<void> {
  const conn = service.connection('bench');
  const session = await conn.session();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const start = next;
      next += 128;
      const ops = [];
      for (let j = start; j < Math.min(n, start + 128); j++) ops.push({ request_put: { key: Buffer.from(bigKey(j)), value: Buffer.from(`v${j}`) } });
      await session.client.kv.txn({ success: ops });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

function etcdctlWalk(etcd: EtcdHandle): Promise<{ ms: number; keys: number }> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL'))), ETCDCTL_API: '3' };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile('/usr/bin/etcdctl', [`--endpoints=${etcd.endpoint}`, 'get', PREFIX, '--prefix', '--keys-only'], { env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      const ms = performance.now() - t0;
      if (err) reject(err);
      else resolve({ ms, keys: stdout.split('\n').filter((l) => l !== '').length });
    });
  });
}

// ---- the page in Chromium ----

const URL_LINE = /^Drover web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)\s*$/m;

async function startServer(configDir: string, staticDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DROVER_CONFIG_DIR;
  delete env.DROVER_SECRETS;
  delete env.NODE_OPTIONS;
  const proc = await startProcess({ name: 'drover serve', command: process.execPath, args: ['bin/drover.mjs', 'serve', '--port', '0', '--config-dir', configDir, '--static-dir', staticDir], cwd: repoRoot, env });
  const deadline = Date.now() + 30_000;
  let m: RegExpExecArray | null;
  while (!(m = URL_LINE.exec(proc.logs()))) {
    if (proc.exitStatus) throw new Error(`drover serve exited before printing its URL:\n${proc.logs()}`);
    if (Date.now() > deadline) throw new Error(`drover serve printed no URL within 30 s:\n${proc.logs()}`);
    await sleep(50);
  }
  return { url: m[1]!, proc };
}

/** In the page: arms a timer that starts at the next Enter in the search box and stops on the first frame drawn with rows under the prefix. */
function armSearchTimer(arg: { expect: string }): void {
  const w = window as unknown as { __etcdTimer?: Promise<number> };
  const input = document.querySelector<HTMLInputElement>('[data-testid="etcd-search"]')!;
  w.__etcdTimer = new Promise<number>((resolve) => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Enter') return;
      input.removeEventListener('keydown', onKey, true);
      const t0 = performance.now();
      const check = () => {
        const first = document.querySelector('[data-testid="etcd-row"]');
        if (first && (first.getAttribute('data-key') ?? '').startsWith(arg.expect)) requestAnimationFrame(() => resolve(performance.now() - t0));
        else requestAnimationFrame(check);
      };
      check();
    };
    input.addEventListener('keydown', onKey, true);
  });
  input.focus();
  input.select();
}

function awaitSearchTimer(): Promise<number> {
  return (window as unknown as { __etcdTimer: Promise<number> }).__etcdTimer;
}

/** Types the prefix into the search box and presses Enter, as the keyboard does (DevTools input events), timing it in the page. */
async function timedSearch(page: CdpPage, prefix: string, expect: string): Promise<number> {
  await page.evaluate(armSearchTimer, { expect });
  if (prefix === '') await page.press('Backspace', 'Backspace', 8);
  else await page.send('Input.insertText', { text: prefix });
  await page.press('Enter', 'Enter', 13, '\r');
  return page.evaluate(awaitSearchTimer);
}

/** In the page: scrolls the key list to the end until `total` keys are loaded; the frame times while doing so. */
function scrollAll(arg: { total: number; timeoutMs: number }): Promise<{ ms: number; frames: number[]; rows: number }> {
  const list = document.querySelector<HTMLElement>('[data-testid="etcd-rows"]')!;
  const rowHeight = 26;
  const frames: number[] = [];
  const t0 = performance.now();
  let last = t0;
  return new Promise((resolve) => {
    const step = () => {
      const now = performance.now();
      frames.push(now - last);
      last = now;
      const rows = Math.round(list.scrollHeight / rowHeight);
      list.scrollTop += 4000; // ~150 rows a frame
      const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
      const more = document.querySelector('[data-testid="etcd-row-more"]');
      if ((atEnd && !more && rows >= arg.total) || now - t0 > arg.timeoutMs) resolve({ ms: now - t0, frames: frames.slice(1), rows });
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}

async function uiRuns(etcd: EtcdHandle, tmpDir: string, total: number): Promise<{ render: number[]; scroll: { ms: number; p95: number; rows: number } }> {
  if (!existsSync(path.join(repoRoot, 'dist/renderer/index.html'))) throw new Error('dist/renderer is not built: run `node scripts/build.mjs renderer` first');
  if (!existsSync(opt.chromium)) throw new Error(`no Chromium at ${opt.chromium} (apt-get install chromium, or pass --chromium PATH)`);
  const staticDir = path.join(tmpDir, 'renderer');
  cpSync(path.join(repoRoot, 'dist/renderer'), staticDir, { recursive: true });
  const configDir = path.join(tmpDir, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(
    path.join(configDir, 'etcd-sessions.json'),
    `${JSON.stringify({ version: 1, sessions: [{ id: 'bench', name: 'bench etcd', target: { kind: 'direct', endpoints: [etcd.endpoint] }, dialTimeoutMs: 5000, requestTimeoutMs: 15000 }] }, null, 2)}\n`,
  );
  const server = await startServer(configDir, staticDir);
  const browser = await CdpBrowser.launch(opt.chromium, CHROMIUM_ARGS, path.join(tmpDir, 'chromium-profile'));
  try {
    const page: CdpPage = await browser.newPage(`${server.url}#/etcd`, { width: 1360, height: 900 });
    await page.waitFor(() => document.querySelector('[data-testid="etcd-watch-live"]')?.getAttribute('data-look') === 'live' && document.querySelector('[data-testid="etcd-row"]') !== null, undefined, 60_000);
    const render: number[] = [];
    for (let i = 0; i < opt.runs + 1; i++) {
      const ms = await timedSearch(page, PREFIX, PREFIX);
      if (i > 0) render.push(ms); // the first run warms the page's code paths
      await timedSearch(page, '', '/');
      await sleep(500);
    }
    await timedSearch(page, PREFIX, PREFIX);
    const scroll = await page.evaluate(scrollAll, { total, timeoutMs: 120_000 });
    return { render, scroll: { ms: scroll.ms, p95: percentile(scroll.frames, 95), rows: scroll.rows } };
  } finally {
    await browser.close();
    await server.proc.stop();
  }
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const tmp = await makeTempDir('drover-bench-etcd-');
  const etcd = await startEtcd({ name: 'bench' });
  const service = new EtcdService({ configDir: tmp.path, clock: systemClock, secrets: new MemorySecretStore() });
  try {
    await service.saveSession({ id: 'bench', name: 'bench', target: { kind: 'direct', endpoints: [etcd.endpoint] } });
    const t0 = performance.now();
    await load(service, opt.keys);
    console.log(`etcd bench: loaded ${opt.keys} keys in ${Math.round(performance.now() - t0)} ms`);
    const session = await service.connection('bench').session();
    const prefix = Buffer.from(PREFIX).toString('base64');

    // Warm up both paths once.
    await service.keys('bench', prefix, null, 1000);
    for await (const _ of walkKeys(session, { prefix: Buffer.from(PREFIX) }));
    await etcdctlWalk(etcd);

    const first: number[] = [];
    const walk: number[] = [];
    const ctl: number[] = [];
    for (let r = 0; r < opt.runs; r++) {
      let t = performance.now();
      const page = await service.keys('bench', prefix, null, 1000);
      first.push(performance.now() - t);
      if (page.entries.length !== 1000) throw new Error(`first page has ${page.entries.length} keys`);
      t = performance.now();
      let n = 0;
      for await (const p of walkKeys(session, { prefix: Buffer.from(PREFIX) })) n += p.kvs.length;
      walk.push(performance.now() - t);
      if (n !== opt.keys) throw new Error(`the walk found ${n} keys, not ${opt.keys}`);
      const c = await etcdctlWalk(etcd);
      if (c.keys !== opt.keys) throw new Error(`etcdctl found ${c.keys} keys`);
      ctl.push(c.ms);
    }
    let ui: Awaited<ReturnType<typeof uiRuns>> | undefined;
    if (!opt['skip-ui']) ui = await uiRuns(etcd, tmp.path, opt.keys);

    const metrics = {
      keys: opt.keys,
      first_page_ms: round(median(first), 1),
      walk_ms: round(median(walk), 0),
      etcdctl_walk_ms: round(median(ctl), 0),
      walk_ratio: round(median(walk) / median(ctl), 2),
      ui_first_render_ms: ui ? round(median(ui.render), 0) : null,
      ui_scroll_frame_p95_ms: ui ? round(ui.scroll.p95, 1) : null,
      ui_scroll_all_ms: ui ? round(ui.scroll.ms, 0) : null,
      ui_rows_loaded: ui ? ui.scroll.rows : null,
      first_page_goal_met: median(first) < 100,
      walk_goal_met: median(walk) / median(ctl) <= 1.5,
    };
    console.log('\nmetric                   value');
    for (const [k, v] of Object.entries(metrics)) console.log(`${k.padEnd(24)} ${String(v)}`);
    console.log(`\nruns: first page ${first.map((x) => x.toFixed(1)).join(' ')} ms; walk ${walk.map((x) => x.toFixed(0)).join(' ')} ms; etcdctl ${ctl.map((x) => x.toFixed(0)).join(' ')} ms`);
    if (ui) console.log(`ui first render ${ui.render.map((x) => x.toFixed(0)).join(' ')} ms`);
    await writeBenchResult(
      'etcd',
      opt.runs,
      metrics,
      `etcd ${etcd.endpoint.startsWith('http://127.0.0.1') ? 'on loopback' : ''} (harness, etcd-server from Debian), ${opt.keys} keys; load average ${loadAtStart.toFixed(2)} at start; 2 shared cores`,
    );
  } finally {
    await service.disposeAsync();
    await etcd.stop();
    await tmp.remove();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void stopAll().finally(() => process.exit(1));
  },
);
