// `npm run bench -- miners`: the miners live stream on a big farm: 500 workers and 20,000 jobs
// (farm B's real worker and job records from the fixture, cloned under new ids), 1% of them
// changing per poll (state changes, jobs finishing and new ones starting, worker counters). Each
// poll is built as the service builds it (liveCollections: fresh objects every poll, as a poller
// makes them) and diffed with the contract's diffLive, as the LivePublisher does.
// Reports: diff time (median, p95), build time, and the diff frame's bytes against the full
// snapshot frame's. Goal: diff under 5 ms, diff bytes under 5% of the snapshot. liveCollections
// records which keys each poll changed (deriveCollection), so diffLive looks at those only: that
// is diff_p50_ms. diff_unrecorded_p50_ms is the same diff without the record (a producer that
// does not record it, several miners merged), every item compared by identity.
// UI (Chromium): the same farm size, a 20,000-row jobs table (500 workers) receiving an update
// every second for 60 s, 1% of the jobs changing per update; long tasks over 50 ms and p95 frame
// time from a performance trace (support/miners-ui-trace.ts); needs dist/renderer.
// Options: --workers 500 --jobs 20000 --change 0.01 --ticks 30 --runs 3 --ui-jobs 20000 --ui-seconds 60 --skip-ui --ui-trace FILE (keep the raw trace) --ui-cpu-prof FILE (a V8 profile of the page meanwhile; skews the frame times) --chromium PATH
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { applyLive, diffLive, jsonEqual, type LiveData } from '../../main/contract/live';
import type { MinerJob, MinerSnapshot, MinerWorker, MinersLiveData } from '../../main/contract/miners';
import { liveCollections } from '../../main/miners/miner-session';
import { rpcSnapshot } from '../../main/miners/rpc/rpc-snapshot';
import { fakeLotusCaller } from '../fixtures/lotus/fake-lotus-caller';
import { createFakeLotusFarm } from '../fixtures/lotus/fake-lotus-server';
import { benchOptions, median, percentile, round, writeBenchResult } from './support/bench-stats';
import { measureMinersUi } from './support/miners-ui-trace';

const opt = benchOptions({ workers: 500, jobs: 20_000, change: 0.01, ticks: 30, runs: 3, 'ui-jobs': 20_000, 'ui-seconds': 60, 'skip-ui': false, 'ui-trace': '', 'ui-cpu-prof': '', chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });

let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len);
const uuid = (n: number, tag: string) => `${tag}${hex(n, 8 - tag.length)}-${hex(n >> 3, 4)}-4${hex(n, 3)}-8${hex(n >> 5, 3)}-${hex(n * 7919, 12)}`;

// ---- a farm-sized snapshot from farm B's real records
const farmB = createFakeLotusFarm('B');
const template = await rpcSnapshot(fakeLotusCaller(farmB, 'miner'), undefined, farmB.nowMs);
const workerTemplates = Object.values(template.workers);
const jobTemplates = Object.values(template.jobs);
const NOW = farmB.nowMs;
const LOAD_AT_START = os.loadavg()[0]!;
/** Share of time runnable tasks waited for a CPU over the last minute (Linux PSI), at the start. */
function cpuPressure(): number | null {
  try {
    const m = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
const PRESSURE_AT_START = cpuPressure();

function buildFarm(): { workers: Record<string, MinerWorker>; jobs: Record<string, MinerJob> } {
  const workers: Record<string, MinerWorker> = {};
  const ids: MinerWorker[] = [];
  for (let i = 0; i < opt.workers; i++) {
    const t = workerTemplates[i % workerTemplates.length]!;
    const id = uuid(i, 'a');
    const w: MinerWorker = { ...structuredClone(t), id, idShort: id.slice(0, 8), hostname: `fil-seal-${String(i).padStart(3, '0')}` };
    workers[id] = w;
    ids.push(w);
  }
  const jobs: Record<string, MinerJob> = {};
  for (let i = 0; i < opt.jobs; i++) {
    const t = jobTemplates[i % jobTemplates.length]!;
    const w = ids[i % ids.length]!;
    const callId = uuid(i, 'c');
    const j: MinerJob = { ...structuredClone(t), id: callId.slice(0, 8), callId, sector: 100_000 + i, workerId: w.id, workerShort: w.idShort, hostname: w.hostname, startMs: NOW - Math.round(rand() * 3_600_000) };
    if (j.state === 'running') j.runningMs = NOW - j.startMs!;
    jobs[j.id] = j;
  }
  return { workers, jobs };
}

/** The next poll: fresh objects for everything (as a poll parses them), 1% of records changed. */
function nextPoll(prev: { workers: Record<string, MinerWorker>; jobs: Record<string, MinerJob> }, tick: number) {
  const workers: Record<string, MinerWorker> = {};
  for (const [k, w] of Object.entries(prev.workers)) workers[k] = structuredClone(w);
  const jobs: Record<string, MinerJob> = {};
  for (const [k, j] of Object.entries(prev.jobs)) jobs[k] = { ...j, ...(j.runningMs !== undefined ? { runningMs: j.runningMs + 10_000 } : {}) };
  const wkeys = Object.keys(workers);
  for (let n = 0; n < Math.max(1, Math.round(wkeys.length * opt.change)); n++) {
    const w = workers[wkeys[Math.floor(rand() * wkeys.length)]!]!;
    w.cpu = { ...w.cpu, inUse: Math.floor(rand() * 64) };
    w.memory = { ...w.memory, usedBytes: Math.floor(rand() * 2 ** 38) };
  }
  const jkeys = Object.keys(jobs);
  const changing = Math.max(1, Math.round(jkeys.length * opt.change));
  for (let n = 0; n < changing; n++) {
    const key = jkeys[Math.floor(rand() * jkeys.length)]!;
    const j = jobs[key];
    if (!j) continue;
    if (n % 2 === 0) {
      // finished: gone, and a new job takes its place
      delete jobs[key];
      const callId = uuid(opt.jobs + tick * changing + n, 'd');
      jobs[callId.slice(0, 8)] = { ...j, id: callId.slice(0, 8), callId, sector: j.sector + 1_000_000, state: 'running', stateText: 'running', runWait: 0, startMs: NOW + tick * 10_000, runningMs: 0 };
    } else {
      jobs[key] = { ...j, state: j.state === 'running' ? 'ret-wait' : 'running', stateText: j.state === 'running' ? 'ret-wait' : 'running', runWait: j.state === 'running' ? -1 : 0 };
    }
  }
  return { workers, jobs };
}

/**
 * The Chromium half (test/bench/support/miners-ui-trace.ts): the jobs table (20,000 rows by
 * default, as the farm above) receiving an update every second for 60 s, long tasks and frame
 * times from a performance trace.
 */
async function measureUi(): Promise<Record<string, number | null>> {
  if (opt['skip-ui']) return {};
  const ui = await measureMinersUi({ chromium: opt.chromium, seconds: opt['ui-seconds'], jobs: opt['ui-jobs'], workers: opt.workers, changesPerTick: Math.max(1, Math.round(opt['ui-jobs'] * opt.change)), traceOut: opt['ui-trace'] || undefined, cpuProfileOut: opt['ui-cpu-prof'] || undefined });
  console.log(`ui: ${ui.ui_jobs} jobs, ${ui.ui_seconds} s: ${ui.ui_long_tasks_over_50ms} long tasks over 50 ms (longest task ${ui.ui_task_max_ms} ms), frame work p95 ${ui.ui_frame_p95_ms} ms over ${ui.ui_frames} frames (max ${ui.ui_frame_max_ms} ms)`);
  return ui;
}

/** CPU time (user + system, µs resolution) of this process: on a shared, loaded machine wall time mostly measures waiting for a core. */
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** A diff with its removed keys sorted (their order is not part of its meaning). */
const sortedRemoves = (c: Record<string, { remove?: string[] }>) => JSON.parse(JSON.stringify(c, (k, v: unknown) => (k === 'remove' && Array.isArray(v) ? [...(v as string[])].sort() : v))) as unknown;

const runs: { fullP50: number; wallP50: number; diffP50: number; diffP95: number; buildP50: number; diffBytes: number; snapBytes: number; ratio: number; touched: number }[] = [];
for (let run = 0; run < opt.runs; run++) {
  let farm = buildFarm();
  let live = liveCollections('farm', farm, {});
  let data: MinersLiveData = { miners: {}, workers: live.workers, jobs: live.jobs, alerts: {} };
  const diffTimes: number[] = [];
  const wallTimes: number[] = [];
  const buildTimes: number[] = [];
  const diffBytes: number[] = [];
  const snapBytes: number[] = [];
  const touched: number[] = [];
  const fullTimes: number[] = [];
  // The same states as shallow copies that carry no record of how they were built (a producer
  // that does not record it, several miners merged into one collection): diffLive then compares
  // every item by identity.
  const unrecorded = (d: MinersLiveData): MinersLiveData => ({ miners: {}, workers: { ...d.workers }, jobs: { ...d.jobs }, alerts: {} });
  let fullPrev = unrecorded(data);
  diffLive(fullPrev as LiveData, unrecorded(data) as LiveData);
  for (let t = 0; t < opt.ticks; t++) {
    farm = nextPoll(farm, t);
    const b0 = process.cpuUsage();
    live = liveCollections('farm', farm as Pick<MinerSnapshot, 'workers' | 'jobs'>, live.jobs, undefined, live.workers);
    const next: MinersLiveData = { miners: {}, workers: live.workers, jobs: live.jobs, alerts: {} };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const changes = diffLive(data as LiveData, next as LiveData) ?? {};
    const t1 = performance.now();
    buildTimes.push(cpuMs(process.cpuUsage(b0)) - cpuMs(process.cpuUsage(c0)));
    diffTimes.push(cpuMs(process.cpuUsage(c0)));
    wallTimes.push(t1 - t0);
    const fullNext = unrecorded(next);
    const f0 = process.cpuUsage();
    const fullChanges = diffLive(fullPrev as LiveData, fullNext as LiveData) ?? {};
    fullTimes.push(cpuMs(process.cpuUsage(f0)));
    fullPrev = fullNext;
    const nowMs = Date.now();
    diffBytes.push(Buffer.byteLength(JSON.stringify({ t: 'diff', seq: t + 1, atMs: nowMs, nowMs, changes })));
    snapBytes.push(Buffer.byteLength(JSON.stringify({ t: 'snapshot', seq: t + 1, atMs: nowMs, nowMs, health: { state: 'live', sinceMs: 0 }, data: next })));
    touched.push(Object.values(changes).reduce((n, c) => n + Object.keys(c.put ?? {}).length + Object.keys(c.patch ?? {}).length + (c.remove ?? []).length, 0));
    if (t % 20 === 0 && !jsonEqual(applyLive(data as LiveData, JSON.parse(JSON.stringify(changes))), JSON.parse(JSON.stringify(next)))) throw new Error('apply(diff) differs from the next state');
    if (t % 20 === 0 && !jsonEqual(sortedRemoves(changes), sortedRemoves(fullChanges))) throw new Error('the diff from the recorded changes differs from the full comparison');
    data = next;
  }
  const steady = diffTimes.slice(Math.min(10, diffTimes.length >> 2));
  runs.push({
    fullP50: median(fullTimes.slice(Math.min(10, fullTimes.length >> 2))),
    diffP50: median(steady),
    diffP95: percentile(steady, 95),
    wallP50: median(wallTimes.slice(Math.min(10, wallTimes.length >> 2))),
    buildP50: median(buildTimes.slice(Math.min(10, buildTimes.length >> 2))),
    diffBytes: median(diffBytes),
    snapBytes: median(snapBytes),
    ratio: median(diffBytes) / median(snapBytes),
    touched: median(touched),
  });
}

const metrics: Record<string, number | null> = {
  diff_p50_ms: round(median(runs.map((r) => r.diffP50)), 3),
  diff_p95_ms: round(median(runs.map((r) => r.diffP95)), 3),
  diff_wall_p50_ms: round(median(runs.map((r) => r.wallP50)), 3),
  diff_unrecorded_p50_ms: round(median(runs.map((r) => r.fullP50)), 3),
  build_p50_ms: round(median(runs.map((r) => r.buildP50)), 3),
  diff_bytes: Math.round(median(runs.map((r) => r.diffBytes))),
  snapshot_bytes: Math.round(median(runs.map((r) => r.snapBytes))),
  diff_bytes_ratio: round(median(runs.map((r) => r.ratio)), 4),
  items_changed_per_poll: Math.round(median(runs.map((r) => r.touched))),
  goal_diff_ms: 5,
  load_avg_1m_at_start: round(LOAD_AT_START, 1),
  cpu_pressure_pct_at_start: PRESSURE_AT_START,
  goal_bytes_ratio: 0.05,
  ...(await measureUi()),
};
const rows: [string, string][] = [
  ['farm', `${opt.workers} workers, ${opt.jobs} jobs, ${opt.change * 100}% changing per poll`],
  ['diff CPU time p50 / p95', `${metrics.diff_p50_ms} ms / ${metrics.diff_p95_ms} ms (goal < 5 ms)`],
  ['diff wall time p50', `${metrics.diff_wall_p50_ms} ms (includes waiting for a core)`],
  ['diff CPU p50, no record', `${metrics.diff_unrecorded_p50_ms} ms (every item compared by identity)`],
  ['building the live items', `${metrics.build_p50_ms} ms CPU (p50)`],
  ['items in a diff', `${metrics.items_changed_per_poll}`],
  ['diff frame', `${metrics.diff_bytes} bytes`],
  ['full snapshot frame', `${metrics.snapshot_bytes} bytes`],
  ['diff / snapshot', `${((metrics.diff_bytes_ratio ?? 0) * 100).toFixed(2)} % (goal < 5 %)`],
];
const w = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
await writeBenchResult(
  'miners',
  opt.runs,
  metrics,
  `in-process; farm B's worker/job records cloned to ${opt.workers} workers and ${opt.jobs} jobs; ${opt.ticks} polls per run, the first 10 discarded (JIT warm-up); fresh objects every poll from the parser; unchanged items keep their object and liveCollections records which keys changed, so diffLive (diff_p50_ms) looks at those only; diff_unrecorded_p50_ms: the same states as copies without that record, every item compared by identity; diff_p50_ms/diff_p95_ms/build_p50_ms are CPU time of the process (process.cpuUsage), diff_wall_p50_ms wall time; bytes are UTF-8 JSON frames; UI: the production renderer in Chromium, ${opt['ui-jobs']} jobs and ${opt.workers} workers, an update a second with ${opt.change * 100}% of the jobs changing, 60 s traced after 3 s of warm-up (until 2026-12-04 the UI part used 2,000 jobs and 40 workers); the machine's 1-minute load average and CPU pressure (PSI avg60, % of time tasks waited for a core) at the start are in load_avg_1m_at_start and cpu_pressure_pct_at_start; medians of ${opt.runs} runs`,
);
