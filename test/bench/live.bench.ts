// `npm run bench -- live`: the live-data diff (main/contract/live.ts) on a farm-sized state:
// 500 keyed objects of 30 fields, 1% changing per tick. Reports the time to diff two states and
// the bytes of a diff frame against the bytes of a full snapshot frame (what a page would get
// without diffs). Goal: diff under 2 ms, diff bytes under 5% of the snapshot.
// Options: --objects 500 --fields 30 --change 0.01 --ticks 400 --runs 5
import { applyLive, diffLive, jsonEqual, type LiveData } from '../../main/contract/live';
import { benchOptions, median, percentile, round, writeBenchResult } from './support/bench-stats';

const opt = benchOptions({ objects: 500, fields: 30, change: 0.01, ticks: 400, runs: 5 });

let seed = 42;
const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;

type Item = Record<string, string | number | boolean | number[]>;

function makeItem(i: number): Item {
  const item: Item = {};
  for (let f = 0; f < opt.fields; f++) {
    const kind = f % 4;
    item[`f${f}`] = kind === 0 ? `worker-${i}-${f}` : kind === 1 ? Math.round(rand() * 1e6) / 100 : kind === 2 ? rand() > 0.5 : [Math.round(rand() * 100), Math.round(rand() * 100)];
  }
  return item;
}

function tick(prev: Record<string, Item>): Record<string, Item> {
  // A poller builds a fresh state each time (new objects even for unchanged items: the worst case
  // for the diff, which then compares every field).
  const next: Record<string, Item> = {};
  const changing = Math.max(1, Math.round(opt.objects * opt.change));
  const changed = new Set<number>();
  while (changed.size < changing) changed.add(Math.floor(rand() * opt.objects));
  for (let i = 0; i < opt.objects; i++) {
    const p = prev[`w${i}`]!;
    const item: Item = { ...p };
    if (changed.has(i)) {
      item.f1 = Math.round(rand() * 1e6) / 100;
      item.f5 = Math.round(rand() * 1e6) / 100;
      item.f3 = [Math.round(rand() * 100), Math.round(rand() * 100)];
    }
    next[`w${i}`] = item;
  }
  return next;
}

const runs: { diffP50: number; diffP95: number; bytesRatio: number; diffBytes: number; snapBytes: number }[] = [];
for (let run = 0; run < opt.runs; run++) {
  let state: Record<string, Item> = {};
  for (let i = 0; i < opt.objects; i++) state[`w${i}`] = makeItem(i);
  let data: LiveData = { workers: state };
  const times: number[] = [];
  const diffBytes: number[] = [];
  const snapBytes: number[] = [];
  for (let t = 0; t < opt.ticks; t++) {
    const nextState = tick(state);
    const next: LiveData = { workers: nextState };
    const t0 = performance.now();
    const changes = diffLive(data, next)!;
    const t1 = performance.now();
    times.push(t1 - t0);
    const frame = JSON.stringify({ t: 'diff', seq: t + 1, atMs: Date.now(), nowMs: Date.now(), changes });
    const snapshot = JSON.stringify({ t: 'snapshot', seq: t + 1, atMs: Date.now(), nowMs: Date.now(), health: { state: 'live', sinceMs: 0 }, data: next });
    diffBytes.push(Buffer.byteLength(frame));
    snapBytes.push(Buffer.byteLength(snapshot));
    if (t % 50 === 0 && !jsonEqual(applyLive(data, JSON.parse(JSON.stringify(changes))), next)) throw new Error('apply(diff) differs from the next state');
    data = next;
    state = nextState;
  }
  // The first ticks warm the JIT up.
  const steady = times.slice(Math.min(50, times.length >> 2));
  runs.push({
    diffP50: median(steady),
    diffP95: percentile(steady, 95),
    diffBytes: median(diffBytes),
    snapBytes: median(snapBytes),
    bytesRatio: median(diffBytes) / median(snapBytes),
  });
}

const metrics = {
  diff_p50_ms: round(median(runs.map((r) => r.diffP50)), 3),
  diff_p95_ms: round(median(runs.map((r) => r.diffP95)), 3),
  diff_bytes: Math.round(median(runs.map((r) => r.diffBytes))),
  snapshot_bytes: Math.round(median(runs.map((r) => r.snapBytes))),
  diff_bytes_ratio: round(median(runs.map((r) => r.bytesRatio)), 4),
  goal_diff_ms: 2,
  goal_bytes_ratio: 0.05,
};
const rows: [string, string][] = [
  ['objects × fields', `${opt.objects} × ${opt.fields}, ${opt.change * 100}% changing per tick`],
  ['diff time p50 / p95', `${metrics.diff_p50_ms} ms / ${metrics.diff_p95_ms} ms (goal < 2 ms)`],
  ['diff frame', `${metrics.diff_bytes} bytes`],
  ['full snapshot frame', `${metrics.snapshot_bytes} bytes`],
  ['diff / snapshot', `${(metrics.diff_bytes_ratio * 100).toFixed(2)} % (goal < 5 %)`],
];
const w = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
await writeBenchResult(
  'live',
  opt.runs,
  metrics,
  `in-process; ${opt.ticks} ticks per run, the first 50 discarded (JIT warm-up); fresh objects every tick (unchanged items compared field by field); bytes are UTF-8 JSON frames as the transports send them; medians of ${opt.runs} runs`,
);
