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
