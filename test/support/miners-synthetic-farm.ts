import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MinerAlert, MinerLiveItem, MinerLiveJob, MinerLiveWorker, MinersLiveData, MinerSnapshot } from '../../main/contract/miners';
import { cliSnapshot } from '../../main/miners/cli/cli-snapshot';
import { FAKE_LOTUS_SAMPLE_NOW_MS } from '../fixtures/lotus/fake-lotus-server';

/**
 * A synthetic miners.live state for the UI: farm A's real overview (from the reference CLI
 * samples) with as many workers and jobs as asked, and a tick() that moves a few jobs on (state
 * changes, a job finishing and a new one starting) the way a busy farm does between polls. For
 * the Miners UI benchmark and screenshots; the e2e test drives the real service instead.
 */

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus/raw');
const raw = (name: string) => readFileSync(path.join(FIX, name), 'utf8');

const TASKS: [short: string, full: string][] = [
  ['PC1', 'seal/v0/precommit/1'],
  ['PC2', 'seal/v0/precommit/2'],
  ['C2', 'seal/v0/commit/2'],
  ['GET', 'seal/v0/fetch'],
  ['FIN', 'seal/v0/finalize'],
  ['AP', 'seal/v0/addpiece'],
];
const STATES: [state: string, runWait: number][] = [
  ['running', 0],
  ['running', 0],
  ['running', 0],
  ['prepared', 1],
  ['assigned', 2],
  ['ret-wait', -1],
];

export interface SyntheticFarmOptions {
  sessionId?: string;
  name?: string;
  workers?: number;
  jobs?: number;
  /** Jobs changed per tick. */
  changesPerTick?: number;
}

export interface SyntheticFarm {
  readonly data: () => MinersLiveData;
  /** Moves the farm on by one poll (nowMs = the new poll time); returns the job keys changed. */
  tick(nowMs: number): string[];
  readonly sessionId: string;
}

function hex(n: number, len = 8): string {
  return (n >>> 0).toString(16).padStart(len, '0').slice(-len);
}

export function baseSnapshot(nowMs = FAKE_LOTUS_SAMPLE_NOW_MS): MinerSnapshot {
  return cliSnapshot(
    {
      info: raw('info.A.txt'),
      sealingWorkers: raw('sealing-workers.B.txt'),
      provingWorkers: '',
      sealingJobs: raw('sealing-jobs.A.txt'),
      storageList: raw('storage-list.A.txt'),
      provingInfo: raw('proving-info.A.txt'),
    },
    nowMs,
  );
}

export function createSyntheticFarm(opts: SyntheticFarmOptions = {}, startMs = Date.now()): SyntheticFarm {
  const sessionId = opts.sessionId ?? 'farm-a';
  const nWorkers = opts.workers ?? 40;
  const nJobs = opts.jobs ?? 2000;
  const changes = opts.changesPerTick ?? 20;
  const snap = baseSnapshot(startMs);
  const template = Object.values(snap.workers)[0]!;
  const workers: Record<string, MinerLiveWorker> = {};
  const workerIds: string[] = [];
  for (let i = 0; i < nWorkers; i++) {
    const id = `${hex(0x5eed0000 + i)}-0000-4000-8000-${hex(i, 12)}`;
    const hostname = `fil-seal-${String(i + 1).padStart(2, '0')}`;
    const trouble = i === 3 ? 'unreachable' : i === 7 ? 'disabled' : 'ok';
    workers[`${sessionId}/${id}`] = {
      ...template,
      sessionId,
      id,
      idShort: id.slice(0, 8),
      hostname,
      state: trouble,
      enabled: trouble !== 'disabled',
      connection: trouble === 'unreachable' ? 'unreachable' : 'connected',
      tasks: TASKS.map(([, full]) => full),
      taskCounts: {
        PC1: { task: 'seal/v0/precommit/1', short: 'PC1', running: i % 3, pending: i % 2, max: 4 },
        C2: { task: 'seal/v0/commit/2', short: 'C2', running: (i + 1) % 2, pending: 0 },
      },
      hardware: { cpuLoadPercent: 35 + ((i * 17) % 60), cpuTempC: 55 + ((i * 7) % 35), diskUsePercent: 40 + ((i * 11) % 55), gpus: [{ index: 0, loadPercent: (i * 23) % 100, tempC: 50 + ((i * 13) % 40) }] },
    };
    workerIds.push(id);
  }
  const jobs: Record<string, MinerLiveJob> = {};
  let serial = 0;
  const makeJob = (nowMs: number, fresh: boolean): [string, MinerLiveJob] => {
    const n = serial++;
    const [taskShort, task] = TASKS[n % TASKS.length]!;
    const [state, runWait] = STATES[(n * 7) % STATES.length]!;
    const wid = workerIds[n % workerIds.length]!;
    const w = workers[`${sessionId}/${wid}`]!;
    const id = hex(0xc0ffee00 + n);
    const startMs = fresh ? nowMs : nowMs - ((n * 7919) % (6 * 3600_000));
    return [
      `${sessionId}/${id}`,
      {
        sessionId,
        id,
        callId: `${id}-1111-4222-8333-${hex(n, 12)}`,
        sector: 1000 + n,
        workerId: wid,
        workerShort: wid.slice(0, 8),
        hostname: w.hostname,
        task,
        taskShort,
        state,
        stateText: state === 'assigned' ? 'assigned(1)' : state,
        ...(state === 'assigned' ? { assignedWindow: 1 } : {}),
        runWait,
        startMs,
        runningMs: nowMs - startMs,
      },
    ];
  };
  for (let i = 0; i < nJobs; i++) {
    const [k, j] = makeJob(startMs, false);
    jobs[k] = j;
  }
  let overview = snap.overview;
  const item = (nowMs: number): MinerLiveItem => {
    const byState: Record<string, number> = {};
    for (const j of Object.values(jobs)) byState[j.state] = (byState[j.state] ?? 0) + 1;
    return {
      sessionId,
      name: opts.name ?? 'farm A (synthetic)',
      kind: 'rpc',
      where: 'rpc http://10.20.0.10:2345/rpc/v0',
      paused: false,
      health: { state: 'live', sinceMs: startMs, dataAtMs: nowMs },
      access: 'admin',
      chainNotify: 'live',
      overview,
      takenAtMs: nowMs,
      durationMs: 180,
      pollIntervalMs: 1000,
      workerCount: nWorkers,
      jobCount: Object.keys(jobs).length,
      jobsByState: byState,
      problems: [],
    };
  };
  const alerts: Record<string, MinerAlert> = {
    [`${sessionId}/worker-gone/x`]: {
      id: `${sessionId}/worker-gone/x`,
      sessionId,
      kind: 'worker-gone',
      severity: 'critical',
      subject: 'fil-seal-99',
      message: 'worker fil-seal-99 is gone',
      sinceMs: startMs - 600_000,
      hostname: 'fil-seal-99',
    },
  };
  let now = startMs;
  let miners: Record<string, MinerLiveItem> = { [sessionId]: item(now) };
  let workersRef: Record<string, MinerLiveWorker> = { ...workers };
  let jobsRef: Record<string, MinerLiveJob> = { ...jobs };
  return {
    sessionId,
    data: () => ({ miners, workers: workersRef, jobs: jobsRef, alerts }),
    tick(nowMs) {
      now = nowMs;
      const keys = Object.keys(jobs);
      const changed: string[] = [];
      for (let c = 0; c < changes && keys.length > 0; c++) {
        const k = keys[(serial * 31 + c * 97) % keys.length]!;
        const j = jobs[k]!;
        if (c % 4 === 0) {
          // A job finished: it goes, a new one comes.
          delete jobs[k];
          const [nk, nj] = makeJob(nowMs, true);
          jobs[nk] = nj;
          changed.push(nk);
        } else {
          const next = j.state === 'assigned' ? 'running' : j.state === 'prepared' ? 'assigned' : j.state === 'running' ? 'ret-wait' : 'running';
          jobs[k] = { ...j, state: next, stateText: next === 'assigned' ? 'assigned(1)' : next, runWait: next === 'running' ? 0 : next === 'assigned' ? 2 : -1, startMs: nowMs, runningMs: 0 };
          changed.push(k);
        }
      }
      overview = { ...overview, headEpoch: (overview.headEpoch ?? 0) + 1 };
      miners = { [sessionId]: item(nowMs) };
      workersRef = { ...workers };
      jobsRef = { ...jobs };
      return changed;
    },
  };
}
