/**
 * Stable keys and states for sealing jobs, computed the same way from the API (WorkerJobs) and the
 * CLI (`sealing jobs`), so both sources key a job alike.
 */

export const ZERO_SHORT_ID = '00000000';

/** First 8 hex digits of a UUID (lotus prints hex of its first 4 bytes). */
export function shortId(uuid: string): string {
  return uuid.replace(/-/g, '').slice(0, 8).toLowerCase();
}

export function isZeroId(id: string): boolean {
  return /^[0-]*$/.test(id);
}

/**
 * A job's key: its call id (8 hex, as printed) once the call exists; before that (prepared and
 * assigned jobs have the zero id) "<worker>:<sector>:<task>". A second job with the same key gets
 * "#2", "#3"… via uniqueKey.
 */
export function jobKey(idShort: string, workerShort: string, sector: number, taskShort: string): string {
  if (!isZeroId(idShort)) return idShort.toLowerCase();
  return `${workerShort.toLowerCase()}:${sector}:${taskShort}`;
}

export function uniqueKey(key: string, taken: { has(k: string): boolean }): string {
  if (!taken.has(key)) return key;
  for (let i = 2; ; i++) {
    const k = `${key}#${i}`;
    if (!taken.has(k)) return k;
  }
}

export interface JobState {
  state: string;
  stateText: string;
  assignedWindow?: number;
  runWait?: number;
}

/** The state `sealing jobs` prints for a RunWait value (storiface: 0 running, 1 prepared, ≥2 assigned(N-1), -1/-2/-3). */
export function jobStateFromRunWait(runWait: number): JobState {
  if (runWait > 1) return { state: 'assigned', stateText: `assigned(${runWait - 1})`, assignedWindow: runWait - 1, runWait };
  if (runWait === 1) return { state: 'prepared', stateText: 'prepared', runWait };
  if (runWait === 0) return { state: 'running', stateText: 'running', runWait };
  if (runWait === -1) return { state: 'ret-wait', stateText: 'ret-wait', runWait };
  if (runWait === -2) return { state: 'returned', stateText: 'returned', runWait };
  if (runWait === -3) return { state: 'ret-done', stateText: 'ret-done', runWait };
  return { state: `runwait(${runWait})`, stateText: `runwait(${runWait})`, runWait };
}

/** Reads a printed State cell; unknown words are kept as they are. */
export function jobStateFromText(text: string): JobState {
  const t = text.trim();
  const m = /^assigned\((\d+)\)$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    return { state: 'assigned', stateText: t, assignedWindow: n, runWait: n + 1 };
  }
  switch (t) {
    case 'running':
      return { state: t, stateText: t, runWait: 0 };
    case 'prepared':
      return { state: t, stateText: t, runWait: 1 };
    case 'ret-wait':
      return { state: t, stateText: t, runWait: -1 };
    case 'returned':
      return { state: t, stateText: t, runWait: -2 };
    case 'ret-done':
      return { state: t, stateText: t, runWait: -3 };
    case '':
      return { state: 'unknown', stateText: '' };
    default:
      return { state: t, stateText: t };
  }
}

/** Jobs that wait for a worker's resources (counted as a worker's pending tasks). */
export function isPendingJobState(state: string): boolean {
  return state === 'prepared' || state === 'assigned';
}

/** Keys a list of jobs (see jobKey), giving duplicates "#2", "#3"… */
export function keyJobs<T extends { id: string; workerShort: string; sector: number; taskShort: string }>(jobs: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  const taken = new Set<string>();
  for (const job of jobs) {
    const key = uniqueKey(jobKey(job.id, job.workerShort, job.sector, job.taskShort), taken);
    taken.add(key);
    out[key] = job;
  }
  return out;
}
