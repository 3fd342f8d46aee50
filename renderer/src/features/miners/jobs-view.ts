import { liveChangedKeys, liveKeys } from '@contract/live';
import type { MinerJob } from '@contract/miners';
import { jobSortMs } from './miners-format';

/** What the jobs table shows: filters by task, state and worker, and the order. */
export interface JobsFilter {
  /** Short task names (PC1, C2…); empty: all. */
  readonly tasks: readonly string[];
  readonly states: readonly string[];
  /** Worker ids (or hostnames for jobs without a worker id); empty: all. */
  readonly workers: readonly string[];
  /** Sector number or job id prefix typed in the search box. */
  readonly text: string;
  /** 'time-desc': longest running first; 'time-asc'; 'sector': by sector then task. */
  readonly sort: 'time-desc' | 'time-asc' | 'sector';
}

export const DEFAULT_JOBS_FILTER: JobsFilter = { tasks: [], states: [], workers: [], text: '', sort: 'time-desc' };

/** The worker a job belongs to, for the filter (jobs of returned work have no worker id). */
export function jobWorkerKey(job: Pick<MinerJob, 'workerId' | 'hostname'>): string {
  return job.workerId ?? `host:${job.hostname}`;
}

function matches(job: MinerJob, f: JobsFilter, text: string): boolean {
  if (f.tasks.length > 0 && !f.tasks.includes(job.taskShort)) return false;
  if (f.states.length > 0 && !f.states.includes(job.state)) return false;
  if (f.workers.length > 0 && !f.workers.includes(jobWorkerKey(job))) return false;
  if (text !== '') {
    if (/^\d+$/.test(text)) return String(job.sector).startsWith(text) || job.id.startsWith(text);
    return job.id.toLowerCase().startsWith(text) || job.hostname.toLowerCase().includes(text) || job.taskShort.toLowerCase() === text;
  }
  return true;
}

/**
 * The keys of the jobs to show, in order. `refMs` is the time running times are measured at (the
 * snapshot's time, so the order does not move with the clock between polls).
 */
export function jobIds(jobs: Readonly<Record<string, MinerJob>>, f: JobsFilter, refMs: number): string[] {
  const text = f.text.trim().toLowerCase();
  const rows: { key: string; job: MinerJob; t: number }[] = [];
  for (const key in jobs) {
    const job = jobs[key]!;
    if (matches(job, f, text)) rows.push({ key, job, t: jobSortMs(job, refMs) });
  }
  const bySector = (a: { key: string; job: MinerJob }, b: { key: string; job: MinerJob }) => a.job.sector - b.job.sector || a.job.taskShort.localeCompare(b.job.taskShort) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  if (f.sort === 'sector') rows.sort(bySector);
  else if (f.sort === 'time-asc') rows.sort((a, b) => a.t - b.t || bySector(a, b));
  else rows.sort((a, b) => b.t - a.t || bySector(a, b));
  return rows.map((r) => r.key);
}

interface Row {
  readonly key: string;
  readonly job: MinerJob;
  /** The job's start (a started job), else its reported running time (-1 when none): see jobSortMs. */
  readonly v: number;
}

const keyOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const bySectorRow = (a: Row, b: Row) => a.job.sector - b.job.sector || a.job.taskShort.localeCompare(b.job.taskShort) || keyOrder(a.key, b.key);
const rowOf = (key: string, job: MinerJob): Row => ({ key, job, v: job.startMs ?? job.runningMs ?? -1 });

/**
 * The order of one list (started jobs, or the others): jobIds' order, which within one list does
 * not depend on refMs (a started job's running time is refMs - start, all moving alike).
 */
function listOrder(sort: JobsFilter['sort'], started: boolean): (a: Row, b: Row) => number {
  if (sort === 'sector') return bySectorRow;
  // Running time: refMs - v for a started job (so a later start is a shorter time), v otherwise.
  const dir = (sort === 'time-asc' ? 1 : -1) * (started ? -1 : 1);
  return (a, b) => dir * (a.v - b.v) || bySectorRow(a, b);
}

/** Where `row` sits in `rows` (sorted by `cmp`, a total order), or -1 when it is not there. */
function indexOfRow(rows: readonly Row[], row: Row, cmp: (x: Row, y: Row) => number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = cmp(rows[mid]!, row);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return rows[mid]!.key === row.key ? mid : -1;
  }
  return -1;
}

/**
 * `rows` less the rows at `drop` (ascending indexes) merged with `add` (sorted by `cmp`; on a tie
 * the kept row comes first): one pass and one new array, no lookup per kept row.
 */
function mergeWithout(rows: readonly Row[], drop: readonly number[], add: readonly Row[], cmp: (x: Row, y: Row) => number): Row[] {
  if (drop.length === 0 && add.length === 0) return rows as Row[];
  const out = new Array<Row>(rows.length - drop.length + add.length);
  let k = 0;
  let j = 0;
  let d = 0;
  for (let i = 0; i < rows.length; i++) {
    if (d < drop.length && drop[d] === i) {
      d++;
      continue;
    }
    const r = rows[i]!;
    while (j < add.length && cmp(add[j]!, r) < 0) out[k++] = add[j++]!;
    out[k++] = r;
  }
  while (j < add.length) out[k++] = add[j++]!;
  return out;
}

/** Started rows merged with the others at refMs (jobIds' order), as keys. */
function mergeAt(started: readonly Row[], other: readonly Row[], sort: JobsFilter['sort'], refMs: number): string[] {
  const ids = new Array<string>(started.length + other.length);
  const dir = sort === 'time-asc' ? 1 : -1;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < started.length && j < other.length) {
    const a = started[i]!;
    const b = other[j]!;
    const c = sort === 'sector' ? bySectorRow(a, b) : dir * (refMs - a.v - b.v) || bySectorRow(a, b);
    if (c <= 0) {
      ids[k++] = a.key;
      i++;
    } else {
      ids[k++] = b.key;
      j++;
    }
  }
  while (i < started.length) ids[k++] = started[i++]!.key;
  while (j < other.length) ids[k++] = other[j++]!.key;
  return ids;
}

/**
 * jobIds, kept up to date from one poll to the next instead of filtering and sorting every job
 * again: when the new jobs derive from the last ones (liveChangedKeys: the live store's applyLive
 * records it), only the changed jobs are taken out and merged back in. The rows are held in two
 * sorted lists, jobs with a start time and jobs without: the running time of the first moves
 * with refMs, all alike, so each list stays sorted as refMs moves, and the two are merged at
 * refMs. Same result as jobIds (test/unit/renderer-miners-store.test.ts).
 */
export function createJobOrder(): (jobs: Readonly<Record<string, MinerJob>>, f: JobsFilter, refMs: number) => string[] {
  let last: { jobs: Readonly<Record<string, MinerJob>>; filter: JobsFilter; started: Row[]; other: Row[] } | undefined;
  return (jobs, f, refMs) => {
    const text = f.text.trim().toLowerCase();
    const startedOrder = listOrder(f.sort, true);
    const otherOrder = listOrder(f.sort, false);
    // Sorted by sector, every job goes in one list (refMs plays no part).
    const isStarted = (job: MinerJob) => job.startMs !== undefined || f.sort === 'sector';
    const changed = last && last.filter === f ? liveChangedKeys(jobs, last.jobs) : undefined;
    let started: Row[];
    let other: Row[];
    if (last && changed !== undefined) {
      if (changed.length === 0) ({ started, other } = last);
      else {
        // A changed job's old row is found by binary search (each row holds the job it was made
        // from, the one last.jobs holds), so the 20,000 kept rows are copied without a lookup each.
        const dropStarted: number[] = [];
        const dropOther: number[] = [];
        const addStarted: Row[] = [];
        const addOther: Row[] = [];
        const prev = last.jobs;
        for (const key of changed) {
          const before = Object.prototype.hasOwnProperty.call(prev, key) ? prev[key] : undefined;
          if (before && matches(before, f, text)) {
            const startedBefore = isStarted(before);
            const i = indexOfRow(startedBefore ? last.started : last.other, rowOf(key, before), startedBefore ? startedOrder : otherOrder);
            if (i >= 0) (startedBefore ? dropStarted : dropOther).push(i);
          }
          if (!Object.prototype.hasOwnProperty.call(jobs, key)) continue;
          const job = jobs[key]!;
          if (matches(job, f, text)) (isStarted(job) ? addStarted : addOther).push(rowOf(key, job));
        }
        const ascending = (a: number, b: number) => a - b;
        started = mergeWithout(last.started, dropStarted.sort(ascending), addStarted.sort(startedOrder), startedOrder);
        other = mergeWithout(last.other, dropOther.sort(ascending), addOther.sort(otherOrder), otherOrder);
      }
    } else {
      started = [];
      other = [];
      const keys = liveKeys(jobs);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const job = jobs[key]!;
        if (matches(job, f, text)) (isStarted(job) ? started : other).push(rowOf(key, job));
      }
      started.sort(startedOrder);
      other.sort(otherOrder);
    }
    last = { jobs, filter: f, started, other };
    return mergeAt(started, other, f.sort, refMs);
  };
}

/** The names the filter menus offer: tasks, states and workers (id and label), sorted as jobFacets sorts them. */
export interface JobFacetNames {
  readonly tasks: readonly string[];
  readonly states: readonly string[];
  readonly workers: readonly (readonly [string, string])[];
}

/**
 * The filter menus' entries, kept up to date from the changed jobs only (as createJobOrder);
 * the same object while no entry comes or goes.
 */
export function createJobFacets(): (jobs: Readonly<Record<string, MinerJob>>) => JobFacetNames {
  let last: { jobs: Readonly<Record<string, MinerJob>>; names: JobFacetNames } | undefined;
  const tasks = new Map<string, number>();
  const states = new Map<string, number>();
  const workers = new Map<string, { label: string; n: number }>();
  // An entry came or went since the names were last listed.
  let dirty = true;
  const count = (job: MinerJob, d: 1 | -1) => {
    const bump = (m: Map<string, number>, k: string) => {
      const n = (m.get(k) ?? 0) + d;
      if (n > 0) {
        if (n === 1 && d > 0) dirty = true;
        m.set(k, n);
      } else {
        m.delete(k);
        dirty = true;
      }
    };
    bump(tasks, job.taskShort);
    bump(states, job.state);
    const w = jobWorkerKey(job);
    const cur = workers.get(w);
    if (cur) {
      cur.n += d;
      if (cur.n <= 0) {
        workers.delete(w);
        dirty = true;
      }
    } else if (d > 0) {
      workers.set(w, { label: job.hostname || job.workerShort, n: 1 });
      dirty = true;
    }
  };
  return (jobs) => {
    if (last?.jobs === jobs) return last.names;
    const changed = last ? liveChangedKeys(jobs, last.jobs) : undefined;
    if (last && changed !== undefined) {
      const prev = last.jobs;
      for (const key of changed) {
        const before = Object.prototype.hasOwnProperty.call(prev, key) ? prev[key] : undefined;
        const after = Object.prototype.hasOwnProperty.call(jobs, key) ? jobs[key] : undefined;
        if (before === after) continue;
        if (before) count(before, -1);
        if (after) count(after, 1);
      }
    } else {
      tasks.clear();
      states.clear();
      workers.clear();
      dirty = true;
      const keys = liveKeys(jobs);
      for (let i = 0; i < keys.length; i++) count(jobs[keys[i]!]!, 1);
    }
    if (last && !dirty) {
      last = { jobs, names: last.names };
      return last.names;
    }
    dirty = false;
    const byName = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
    const names: JobFacetNames = {
      tasks: [...tasks.keys()].sort(byName),
      states: [...states.keys()].sort(byName),
      workers: [...workers.entries()]
        .sort((a, b) => byName(a[0], b[0]))
        .map(([k, v]) => [k, v.label] as const)
        .sort((a, b) => byName(a[1], b[1])),
    };
    const same =
      last !== undefined &&
      sameList(last.names.tasks, names.tasks) &&
      sameList(last.names.states, names.states) &&
      last.names.workers.length === names.workers.length &&
      last.names.workers.every((w, i) => w[0] === names.workers[i]![0] && w[1] === names.workers[i]![1]);
    last = { jobs, names: same ? last!.names : names };
    return last.names;
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The previous array when it holds the same ids (a list that did not change keeps its identity). */
export function keepSame(prev: readonly string[], next: readonly string[]): readonly string[] {
  if (prev.length !== next.length) return next;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== next[i]) return next;
  return prev;
}

/** The values present in the jobs, for the filter menus: tasks, states and workers with their counts. */
export function jobFacets(jobs: Readonly<Record<string, MinerJob>>): { tasks: [string, number][]; states: [string, number][]; workers: [string, string, number][] } {
  const tasks = new Map<string, number>();
  const states = new Map<string, number>();
  const workers = new Map<string, { label: string; n: number }>();
  for (const key in jobs) {
    const j = jobs[key]!;
    tasks.set(j.taskShort, (tasks.get(j.taskShort) ?? 0) + 1);
    states.set(j.state, (states.get(j.state) ?? 0) + 1);
    const w = jobWorkerKey(j);
    const cur = workers.get(w);
    if (cur) cur.n++;
    else workers.set(w, { label: j.hostname || j.workerShort, n: 1 });
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }));
  return {
    tasks: sorted(tasks),
    states: sorted(states),
    workers: sorted(workers).map(([k, v]) => [k, v.label, v.n] as [string, string, number]).sort((a, b) => a[1].localeCompare(b[1], undefined, { numeric: true })),
  };
}

/** Jobs per state (for the chart and the summary). */
export function countByState(jobs: Readonly<Record<string, MinerJob>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in jobs) {
    const s = jobs[key]!.state;
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}
