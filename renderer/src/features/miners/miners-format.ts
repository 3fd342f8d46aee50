import type { ByteQuantity, FilAmount, MinerJob, MinerWorker } from '@contract/miners';
import { TASK_SHORT_NAMES, WORKER_SETTABLE_TASKS } from '@contract/miner-task-types';

/** Values as the Miners page shows them: lotus' own text where lotus printed one, "—" for unknown. */

export const DASH = '—';

/** A FIL amount as lotus prints it ("244.058 mFIL"). */
export function fil(v: FilAmount | undefined): string {
  return v?.text ?? DASH;
}

/** A size as lotus prints it ("12.44 TiB", "23.7 Ti"). */
export function size(v: ByteQuantity | undefined): string {
  return v?.text ?? DASH;
}

/** A FIL amount as a number of FIL (for charts and thresholds); undefined when lotus printed an unknown unit. */
export function filNumber(v: FilAmount | undefined): number | undefined {
  if (v?.atto === undefined) return undefined;
  const neg = v.atto.startsWith('-');
  const digits = (neg ? v.atto.slice(1) : v.atto).padStart(19, '0');
  const whole = digits.slice(0, -18);
  const frac = digits.slice(-18, -12);
  const n = Number(`${whole}.${frac}`);
  return neg ? -n : n;
}

/** Bytes as a number (may lose precision above 2^53; fine for a chart). */
export function bytesNumber(v: ByteQuantity | undefined): number | undefined {
  return v?.bytes === undefined ? undefined : Number(v.bytes);
}

/**
 * "3h2m41s" like lotus' Go durations (whole seconds), from milliseconds. From two days on, days
 * and no seconds ("9d4h12m"): lotus would print "220h12m5s", which nobody reads at a glance.
 */
export function goDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  let s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h >= 48) return `${Math.floor(h / 24)}d${h % 24}h${m}m`;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * How long a job has been in its state at server time `serverNowMs`: from its start when known,
 * else the running time the source reported (as of `takenAtMs`).
 */
export function jobElapsedMs(job: Pick<MinerJob, 'startMs' | 'runningMs'>, serverNowMs: number): number | undefined {
  if (job.startMs !== undefined) return Math.max(0, serverNowMs - job.startMs);
  return job.runningMs;
}

/** The sort key "running time": longer first means an earlier start (or a larger reported time). */
export function jobSortMs(job: Pick<MinerJob, 'startMs' | 'runningMs'>, refMs: number): number {
  if (job.startMs !== undefined) return refMs - job.startMs;
  return job.runningMs ?? -1;
}

export type Tone = 'ok' | 'warning' | 'error' | 'unknown';

/** Green / amber / red for a use or load percentage. */
export function percentTone(v: number | undefined, warn = 80, crit = 90): Tone {
  if (v === undefined) return 'unknown';
  return v >= crit ? 'error' : v >= warn ? 'warning' : 'ok';
}

export function tempTone(v: number | undefined): Tone {
  return percentTone(v, 80, 88);
}

export function pct(v: number | undefined): string {
  return v === undefined ? DASH : `${Math.round(v)} %`;
}

export function celsius(v: number | undefined): string {
  return v === undefined ? DASH : `${Math.round(v)} °C`;
}

/** A job's state as a tag color. */
export function jobStateColor(state: string): string {
  switch (state) {
    case 'running':
      return 'processing';
    case 'prepared':
      return 'cyan';
    case 'assigned':
      return 'gold';
    case 'ret-wait':
      return 'orange';
    case 'returned':
    case 'ret-done':
      return 'default';
    default:
      return 'magenta';
  }
}

/** Whether a worker must be shown as not doing work: disabled, unreachable or with a broken link. */
export function workerTrouble(w: Pick<MinerWorker, 'state' | 'connection' | 'enabled'>): 'disabled' | 'unreachable' | undefined {
  if (w.state === 'unreachable' || w.connection === 'unreachable') return 'unreachable';
  if (w.state === 'disabled' || w.enabled === false) return 'disabled';
  return undefined;
}

/** Running + pending of every task of a worker. */
export function workerLoad(w: Pick<MinerWorker, 'taskCounts'>): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const c of Object.values(w.taskCounts)) {
    running += c.running;
    pending += c.pending;
  }
  return { running, pending };
}

/** The first 8 characters of an id followed by an ellipsis when longer ("3f2a91c0…"). */
export function shortRef(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

export function formatBytesShort(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** lotus' short task names (sealtasks, main/contract/miner-task-types.ts), for display; an unknown type shows its full name. */
export function taskShort(task: string): string {
  return TASK_SHORT_NAMES[task] ?? task;
}

/** Task types lotus-worker can turn on and off (TaskEnable / TaskDisable). */
export const SETTABLE_TASKS: readonly string[] = WORKER_SETTABLE_TASKS;
