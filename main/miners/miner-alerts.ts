import { setOwn } from '../contract/live';
import type { MinerAlert, MinerAlertThresholds, MinerJob, MinerSnapshot, MinerWorker } from '../contract/miners';

/** Finished-job durations kept per worker+task for the median. */
const SAMPLES_KEPT = 25;
const ERROR_STATES_NOTE = 'failed and fault states';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** FIL as a float (charts and thresholds only) from an attoFIL decimal string. */
export function filNumber(atto: string | undefined): number | null {
  if (atto === undefined) return null;
  try {
    const v = BigInt(atto);
    const whole = v / 10n ** 18n;
    const frac = v % 10n ** 18n;
    return Number(whole) + Number(frac) / 1e18;
  } catch {
    return null;
  }
}

export function errorSectorCount(s: MinerSnapshot): number {
  return s.overview.sectors.failed + s.overview.sectors.faultStates;
}

function fmtDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

const taskKey = (workerId: string, task: string) => `${workerId}|${task}`;

/**
 * The alerts of one miner session, computed on every poll from the new snapshot and what the
 * tracker remembers: finished-job durations per worker+task (rolling median), when each job entered
 * its current waiting state, the workers seen, the error-sector baseline. Firing alerts keep their
 * sinceMs; resolved ones disappear.
 */
export class MinerAlertTracker {
  private readonly durations = new Map<string, number[]>();
  private prevJobs: Readonly<Record<string, MinerJob>> = {};
  private readonly stateSince = new Map<string, { state: string; sinceMs: number }>();
  private readonly knownWorkers = new Map<string, { hostname: string }>();
  private readonly goneWorkers = new Map<string, { hostname: string; sinceMs: number }>();
  private errorBaseline: number | undefined;
  private firing: Record<string, MinerAlert> = {};
  private readonly dismissed = new Set<string>();

  constructor(
    private readonly sessionId: string,
    private thresholds: MinerAlertThresholds,
  ) {}

  setThresholds(t: MinerAlertThresholds): void {
    this.thresholds = t;
  }

  /** The worker's median running time for a task, once enough finished jobs were seen. */
  usualMs(workerId: string | undefined, task: string): number | undefined {
    if (!workerId) return undefined;
    const d = this.durations.get(taskKey(workerId, task));
    if (!d || d.length < this.thresholds.jobSlowMinSamples) return undefined;
    return median(d);
  }

  /** Test and diagnostics: the durations recorded for a worker+task. */
  samples(workerId: string, task: string): readonly number[] {
    return this.durations.get(taskKey(workerId, task)) ?? [];
  }

  /** Forget an alert until its condition clears (worker-gone: forget the worker). */
  dismiss(alertId: string): boolean {
    const a = this.firing[alertId];
    if (!a) return false;
    if (a.kind === 'worker-gone' && a.workerId) {
      this.goneWorkers.delete(a.workerId);
      this.knownWorkers.delete(a.workerId);
    }
    else this.dismissed.add(alertId);
    // A new object: the publisher diffs by identity first.
    const next = { ...this.firing };
    delete next[alertId];
    this.firing = next;
    return true;
  }

  get alerts(): Readonly<Record<string, MinerAlert>> {
    return this.firing;
  }

  /** Feeds one snapshot (atMs: when it was read); returns the firing alerts keyed by id. */
  update(snap: MinerSnapshot, atMs: number): Record<string, MinerAlert> {
    const t = this.thresholds;
    this.recordFinished(snap.jobs, snap.workers);
    const next: Record<string, MinerAlert> = {};
    const put = (a: Omit<MinerAlert, 'id' | 'sessionId' | 'sinceMs'> & { sinceMs?: number }) => {
      const id = `${this.sessionId}/${a.kind}/${a.subject}`;
      if (this.dismissed.has(id)) return;
      const prev = this.firing[id];
      setOwn(next, id, { ...a, id, sessionId: this.sessionId, sinceMs: prev?.sinceMs ?? a.sinceMs ?? atMs });
    };

    // ---- jobs
    const seenStates = new Set<string>();
    for (const [key, job] of Object.entries(snap.jobs)) {
      seenStates.add(key);
      const since = this.stateSince.get(key);
      if (!since || since.state !== job.state) this.stateSince.set(key, { state: job.state, sinceMs: job.state === 'running' ? (job.startMs ?? atMs) : atMs });
      const inStateMs = Math.max(job.runningMs ?? 0, atMs - (this.stateSince.get(key)?.sinceMs ?? atMs));
      const base = { jobKey: key, task: job.taskShort, hostname: job.hostname, ...(job.workerId ? { workerId: job.workerId } : {}) };
      if (job.state === 'running') {
        const running = job.runningMs ?? (job.startMs !== undefined ? atMs - job.startMs : undefined);
        if (running === undefined) continue;
        const limitSec = t.jobMaxRunningSec[job.taskShort];
        if (limitSec !== undefined && running > limitSec * 1000) {
          put({
            ...base,
            kind: 'job-over-limit',
            severity: 'critical',
            subject: key,
            runningMs: running,
            limitMs: limitSec * 1000,
            message: `${job.taskShort} of sector ${job.sector} on ${job.hostname} has run ${fmtDuration(running)}, over the limit of ${fmtDuration(limitSec * 1000)}`,
          });
          continue;
        }
        const usual = this.usualMs(job.workerId, job.taskShort);
        if (usual !== undefined && usual > 0 && running > usual * t.jobSlowFactor) {
          put({
            ...base,
            kind: 'job-slow',
            severity: 'warning',
            subject: key,
            runningMs: running,
            usualMs: usual,
            limitMs: usual * t.jobSlowFactor,
            message: `${job.taskShort} of sector ${job.sector} on ${job.hostname} has run ${fmtDuration(running)}; this worker usually needs ${fmtDuration(usual)}`,
          });
        }
      } else if (job.state === 'assigned' || job.state === 'prepared') {
        if (inStateMs > t.stuckAssignedSec * 1000) {
          put({
            ...base,
            kind: 'job-stuck-assigned',
            severity: 'warning',
            subject: key,
            runningMs: inStateMs,
            limitMs: t.stuckAssignedSec * 1000,
            message: `${job.taskShort} of sector ${job.sector} has waited ${fmtDuration(inStateMs)} in ${job.stateText} on ${job.hostname}`,
          });
        }
      } else if (job.state === 'ret-wait') {
        if (inStateMs > t.stuckRetWaitSec * 1000) {
          put({
            ...base,
            kind: 'job-stuck-ret-wait',
            severity: 'warning',
            subject: key,
            runningMs: inStateMs,
            limitMs: t.stuckRetWaitSec * 1000,
            message: `the result of ${job.taskShort} for sector ${job.sector} has waited ${fmtDuration(inStateMs)} for the miner (ret-wait)`,
          });
        }
      }
    }
    for (const key of [...this.stateSince.keys()]) if (!seenStates.has(key)) this.stateSince.delete(key);

    // ---- workers
    for (const [id, w] of Object.entries(snap.workers)) {
      this.knownWorkers.set(id, { hostname: w.hostname });
      this.goneWorkers.delete(id);
    }
    if (t.workerGone) {
      for (const [id, w] of this.knownWorkers) {
        if (Object.prototype.hasOwnProperty.call(snap.workers, id)) continue;
        if (!this.goneWorkers.has(id)) this.goneWorkers.set(id, { hostname: w.hostname, sinceMs: atMs });
      }
      for (const [id, g] of this.goneWorkers) {
        put({ kind: 'worker-gone', severity: 'critical', subject: id, workerId: id, hostname: g.hostname, sinceMs: g.sinceMs, message: `worker ${g.hostname} (${id.slice(0, 8)}) is no longer connected to the miner` });
      }
    }
    for (const id of [...this.knownWorkers.keys()]) if (!Object.prototype.hasOwnProperty.call(snap.workers, id) && !this.goneWorkers.has(id)) this.knownWorkers.delete(id);

    // ---- error sectors
    const errors = errorSectorCount(snap);
    if (this.errorBaseline === undefined || errors < this.errorBaseline) this.errorBaseline = errors;
    if (t.errorSectors && errors > this.errorBaseline) {
      put({
        kind: 'sectors-error',
        severity: 'critical',
        subject: 'sectors',
        value: errors,
        previous: this.errorBaseline,
        message: `sectors in ${ERROR_STATES_NOTE} went up from ${this.errorBaseline} to ${errors}`,
      });
    }

    // ---- balances
    const b = snap.overview.balances;
    const balances: Record<string, string | undefined> = { miner: b.miner?.atto, available: b.available?.atto, worker: b.worker?.balance?.atto, control: b.controlTotal?.atto };
    for (const [name, threshold] of Object.entries(t.balanceBelowFil)) {
      if (threshold === undefined) continue;
      const fil = filNumber(balances[name]);
      if (fil === null || fil >= threshold) continue;
      put({ kind: 'balance-low', severity: name === 'worker' || name === 'control' ? 'critical' : 'warning', subject: name, value: fil, threshold, message: `the ${name} balance is ${fil.toFixed(3)} FIL, below ${threshold} FIL` });
    }

    // dismissed alerts whose condition cleared may fire again
    for (const id of [...this.dismissed]) if (!this.conditionHolds(id, snap)) this.dismissed.delete(id);
    this.firing = next;
    return next;
  }

  private conditionHolds(id: string, snap: MinerSnapshot): boolean {
    const [, kind, ...rest] = id.split('/');
    const subject = rest.join('/');
    if (kind?.startsWith('job-')) return Object.prototype.hasOwnProperty.call(snap.jobs, subject);
    if (kind === 'sectors-error') return this.errorBaseline !== undefined && errorSectorCount(snap) > this.errorBaseline;
    return kind === 'balance-low';
  }

  /** Jobs that were running and are not any more (gone, or returned): their running time is a sample. */
  private recordFinished(jobs: Readonly<Record<string, MinerJob>>, workers: Readonly<Record<string, MinerWorker>>): void {
    for (const [key, prev] of Object.entries(this.prevJobs)) {
      if (prev.state !== 'running' || prev.runningMs === undefined || !prev.workerId) continue;
      const now = Object.prototype.hasOwnProperty.call(jobs, key) ? jobs[key] : undefined;
      if (now?.state === 'running') continue;
      // A job that vanished with its worker did not finish.
      if (!now && !Object.prototype.hasOwnProperty.call(workers, prev.workerId)) continue;
      const k = taskKey(prev.workerId, prev.taskShort);
      const list = this.durations.get(k) ?? [];
      list.push(prev.runningMs);
      if (list.length > SAMPLES_KEPT) list.shift();
      this.durations.set(k, list);
    }
    this.prevJobs = jobs;
  }
}
