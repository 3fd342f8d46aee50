// The Chromium half of `npm run bench -- miners`: the real page (dist/renderer, the production
// build) served by test/support/miners-farm-server.ts, a synthetic farm (20,000 jobs by default) of which 1%
// change every second (state changes, jobs finishing and new ones starting), the jobs tab open.
// For `seconds` (60) a Chromium performance trace is recorded (Playwright's browser.startTracing:
// categories toplevel, devtools.timeline, cc) and read afterwards:
//   ui_long_tasks_over_50ms  main-thread tasks (toplevel RunTask on CrRendererMain) longer than 50 ms
//   ui_frame_p95_ms          p95 of the main thread's work per frame (ProxyMain::BeginMainFrame:
//                            rAF callbacks, where the live store applies the frames, React's commit,
//                            style, layout and paint recording), i.e. whether each frame fits 16.7 ms
//   ui_task_p95_ms / ui_task_max_ms, ui_frame_max_ms, ui_frames: context for the two above;
//   ui_load_avg_1m_at_start: the machine's load when the trace started.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../../harness/proc';
import { makeTempDir } from '../../harness/tmp';
import { percentile, round } from './bench-stats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const URL_LINE = /^Drover web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)\s*$/m;

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

export interface MinersUiOptions {
  chromium: string;
  seconds: number;
  jobs: number;
  workers: number;
  changesPerTick: number;
  /** Where to keep the raw trace (chrome://tracing, DevTools' Performance panel); none: not kept. */
  traceOut?: string;
  /** Where to keep a V8 CPU profile of the page over the same seconds (.cpuprofile); none: not taken. */
  cpuProfileOut?: string;
}

export async function measureMinersUi(opt: MinersUiOptions): Promise<Record<string, number | null>> {
  const staticDir = path.join(repoRoot, 'dist/renderer');
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    // A fresh clone: the production renderer (no test hooks), as `npm start` builds it.
    console.log('building dist/renderer (node scripts/build.mjs renderer)');
    execFileSync(process.execPath, ['scripts/build.mjs', 'renderer'], { cwd: repoRoot, stdio: 'inherit' });
  }
  if (!existsSync(opt.chromium)) throw new Error(`no Chromium at ${opt.chromium} (apt-get install chromium, or pass --chromium PATH)`);
  const tmp = await makeTempDir('drover-bench-miners-ui-');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DROVER_CONFIG_DIR;
  delete env.DROVER_SECRETS;
  delete env.NODE_OPTIONS;
  const farmOpts = JSON.stringify({ jobs: opt.jobs, workers: opt.workers, intervalMs: 1000, changesPerTick: opt.changesPerTick });
  const server = await startProcess({
    name: 'miners farm server',
    command: process.execPath,
    args: ['--import', 'tsx', 'test/support/miners-farm-server.ts', farmOpts, tmp.path, staticDir],
    cwd: repoRoot,
    env,
  });
  const browser = await chromium.launch({ executablePath: opt.chromium, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const deadline = Date.now() + 60_000;
    let m: RegExpExecArray | null;
    while (!(m = URL_LINE.exec(server.logs()))) {
      if (server.exitStatus) throw new Error(`the farm server exited:\n${server.logs()}`);
      if (Date.now() > deadline) throw new Error(`the farm server printed no URL within 60 s:\n${server.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx keeps function names through a __name() helper that evaluated functions carry along.
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.goto(`${m[1]!}#/miners`);
    await page.waitForSelector('[data-testid="miners-panel"]', { timeout: 60_000 });
    await page.click('[data-testid="miners-tab-jobs"]');
    await page.waitForSelector('[data-testid="miners-job-row"]', { timeout: 30_000 });
    const shown = await page.locator('[data-testid="miners-jobs-count"]').textContent();
    if (!shown?.includes(String(opt.jobs))) throw new Error(`the jobs table shows "${shown}", not ${opt.jobs} jobs`);
    await page.waitForTimeout(3000); // warm up: a few updates through the code paths
    const loadAtStart = os.loadavg()[0]!;
    const cdp = opt.cpuProfileOut ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'cc', 'disabled-by-default-devtools.timeline'] });
    await page.waitForTimeout(opt.seconds * 1000);
    const buf = await browser.stopTracing();
    if (cdp) await writeFile(opt.cpuProfileOut!, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    if (opt.traceOut) await writeFile(opt.traceOut, buf);
    const trace = JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
    const events = Array.isArray(trace) ? trace : trace.traceEvents;
    // The renderer's main thread: the thread named CrRendererMain of the process that ran the page's frames.
    const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
    const frames = events.filter((e) => e.name === 'ProxyMain::BeginMainFrame' && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.dur !== undefined);
    // The busiest renderer main thread is the page's (about:blank and others are idle).
    const byThread = new Map<string, number>();
    for (const f of frames) byThread.set(`${f.pid}:${f.tid}`, (byThread.get(`${f.pid}:${f.tid}`) ?? 0) + 1);
    const pageThread = [...byThread.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const tasks = events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.dur !== undefined && `${e.pid}:${e.tid}` === pageThread);
    const frameMs = frames.filter((f) => `${f.pid}:${f.tid}` === pageThread).map((f) => f.dur! / 1000);
    const taskMs = tasks.map((t) => t.dur! / 1000);
    return {
      ui_long_tasks_over_50ms: taskMs.filter((d) => d > 50).length,
      ui_frame_p95_ms: frameMs.length ? round(percentile(frameMs, 95), 2) : null,
      ui_frame_max_ms: frameMs.length ? round(Math.max(...frameMs), 2) : null,
      ui_frames: frameMs.length,
      ui_task_p95_ms: taskMs.length ? round(percentile(taskMs, 95), 2) : null,
      ui_task_max_ms: taskMs.length ? round(Math.max(...taskMs), 2) : null,
      ui_seconds: opt.seconds,
      ui_load_avg_1m_at_start: round(loadAtStart, 1),
      ui_jobs: opt.jobs,
      goal_ui_long_tasks: 0,
      goal_ui_frame_p95_ms: 16.7,
    };
  } finally {
    await browser.close();
    await server.stop();
    await tmp.remove();
  }
}
