import { describe, expect, it } from 'vitest';
import { MinerAlertThresholdsSchema, type MinerJob, type MinerSnapshot, type MinerWorker } from '../../main/contract/miners';
import { filNumber, median, MinerAlertTracker } from '../../main/miners/miner-alerts';
import { MinerHistoryRing } from '../../main/miners/miner-history';
import { diffLive, liveChangedKeys, liveKeys } from '../../main/contract/live';
import { liveCollections, liveJob } from '../../main/miners/miner-session';

const W = 'd8e59e78-1fa5-4913-a50a-3a8e04700ccf';
const MIN = 60_000;

function worker(id = W, hostname = 'fil-seal-01'): MinerWorker {
  return { id, idShort: id.slice(0, 8), hostname, kind: 'sealing', state: 'ok', connection: 'connected', cpu: {}, gpu: { count: 0, names: [] }, memory: {}, taskCounts: {} };
}

function job(id: string, state: string, extra: Partial<MinerJob> = {}): MinerJob {
  return { id, sector: 1, workerId: W, workerShort: W.slice(0, 8), hostname: 'fil-seal-01', taskShort: 'PC1', state, stateText: state, ...extra };
}

function snap(jobs: Record<string, MinerJob>, opts: { workers?: Record<string, MinerWorker>; failed?: number; workerAtto?: string } = {}): MinerSnapshot {
  return {
    source: { kind: 'rpc', takenAtMs: 0 },
    overview: {
      balances: opts.workerAtto ? { worker: { address: 'f0100', balance: { atto: opts.workerAtto, text: 'x', exact: true } } } : {},
      power: {},
      sectors: {
        states: {}, proving: 0, faultStates: 0, failed: opts.failed ?? 0, terminated: 0, removed: 0,
        sealing: { waitDeals: 0, addPiece: 0, pc1: 0, pc2: 0, precommitWaiting: 0, waitSeed: 0, committing: 0, commitWaiting: 0, waitingChain: 0, finalizing: 0, inProgress: 0 },
      },
      messages: {},
    },
    workers: opts.workers ?? { [W]: worker() },
    jobs,
    problems: [],
  };
}

const thresholds = (t: object = {}) => MinerAlertThresholdsSchema.parse(t);

describe('MinerAlertTracker', () => {
  it('a job far over the worker\'s median for its task (finished jobs seen) is slow; a configured limit is critical', () => {
    const tr = new MinerAlertTracker('s', thresholds({ jobSlowFactor: 2, jobSlowMinSamples: 3, jobMaxRunningSec: { C2: 3600 } }));
    let t = 0;
    // Three PC1 jobs run 3 h, 4 h, 5 h and finish (disappear while their worker stays).
    for (const [i, ms] of [3, 4, 5].map((h, i) => [i, h * 60 * MIN] as const)) {
      tr.update(snap({ [`j${i}`]: job(`j${i}`, 'running', { runningMs: ms, startMs: t - ms }) }), (t += MIN));
      tr.update(snap({}), (t += MIN));
    }
    expect(tr.samples(W, 'PC1')).toEqual([3, 4, 5].map((h) => h * 60 * MIN));
    expect(tr.usualMs(W, 'PC1')).toBe(4 * 60 * MIN);
    // 7 h: under 2 × 4 h; 9 h: over.
    expect(Object.keys(tr.update(snap({ x: job('x', 'running', { runningMs: 7 * 60 * MIN }) }), (t += MIN)))).toEqual([]);
    const a = tr.update(snap({ x: job('x', 'running', { runningMs: 9 * 60 * MIN }) }), (t += MIN));
    expect(a['s/job-slow/x']).toMatchObject({ kind: 'job-slow', severity: 'warning', usualMs: 4 * 60 * MIN, workerId: W, task: 'PC1' });
    const since = a['s/job-slow/x']!.sinceMs;
    expect(tr.update(snap({ x: job('x', 'running', { runningMs: 10 * 60 * MIN }) }), (t += MIN))['s/job-slow/x']!.sinceMs).toBe(since);
    const c2 = tr.update(snap({ y: job('y', 'running', { taskShort: 'C2', runningMs: 2 * 3600_000 }) }), (t += MIN));
    expect(c2['s/job-over-limit/y']).toMatchObject({ severity: 'critical', limitMs: 3600_000 });
  });

  it('jobs stuck in assigned or ret-wait, counted from when Drover first saw them there', () => {
    const tr = new MinerAlertTracker('s', thresholds({ stuckAssignedSec: 600, stuckRetWaitSec: 300 }));
    const jobs = { a: job('a', 'assigned'), r: job('r', 'ret-wait') };
    expect(tr.update(snap(jobs), 0)).toEqual({});
    const later = tr.update(snap(jobs), 6 * MIN);
    expect(Object.keys(later)).toEqual(['s/job-stuck-ret-wait/r']);
    expect(Object.keys(tr.update(snap(jobs), 11 * MIN)).sort()).toEqual(['s/job-stuck-assigned/a', 's/job-stuck-ret-wait/r']);
    // It runs now: resolved.
    expect(Object.keys(tr.update(snap({ a: job('a', 'running', { runningMs: 1 }) }), 12 * MIN))).toEqual([]);
  });

  it('a worker gone stays until it is back or dismissed; error sectors going up; a low balance', () => {
    const tr = new MinerAlertTracker('s', thresholds({ balanceBelowFil: { worker: 5 } }));
    const two = { [W]: worker(), w2: worker('w2', 'fil-seal-02') };
    tr.update(snap({}, { workers: two, failed: 1, workerAtto: '10000000000000000000' }), 0);
    let a = tr.update(snap({}, { failed: 3, workerAtto: '2500000000000000000' }), MIN);
    expect(a['s/worker-gone/w2']).toMatchObject({ hostname: 'fil-seal-02', severity: 'critical', sinceMs: MIN });
    expect(a['s/sectors-error/sectors']).toMatchObject({ value: 3, previous: 1 });
    expect(a['s/balance-low/worker']).toMatchObject({ value: 2.5, threshold: 5 });
    a = tr.update(snap({}, { failed: 3 }), 2 * MIN);
    expect(a['s/worker-gone/w2']!.sinceMs).toBe(MIN);
    expect(tr.dismiss('s/worker-gone/w2')).toBe(true);
    expect(tr.update(snap({}, { failed: 3 }), 3 * MIN)['s/worker-gone/w2']).toBeUndefined();
    // back to the baseline: resolved
    expect(tr.update(snap({}, { failed: 1 }), 4 * MIN)['s/sectors-error/sectors']).toBeUndefined();
  });
});

describe('live items', () => {
  it('running jobs carry startMs, not the running time; unchanged jobs and workers keep their object; CLI start times stay steady', () => {
    const j = job('a', 'running', { startMs: 1000, runningMs: 5000, timeText: '5s' });
    const l1 = liveJob('s', j, undefined, undefined);
    expect(l1).toEqual({ ...j, runningMs: undefined, timeText: undefined, sessionId: 's' } as unknown as typeof l1);
    expect('runningMs' in l1).toBe(false);
    expect(liveJob('s', { ...j, runningMs: 15000 }, l1, undefined)).toBe(l1);
    expect(liveJob('s', { ...j, startMs: 1900 }, l1, undefined)).toBe(l1); // within CLI rounding
    expect(liveJob('s', { ...j, state: 'ret-wait' }, l1, undefined)).not.toBe(l1);
    const noStart = liveJob('s', job('b', 'running', { runningMs: 5, timeText: '5ms' }), undefined, undefined);
    expect(noStart.runningMs).toBe(5);

    const first = liveCollections('s', snap({ a: j }), {});
    const second = liveCollections('s', snap({ a: { ...j } }), first.jobs, undefined, first.workers);
    expect(second.jobs['s/a']).toBe(first.jobs['s/a']);
    expect(second.workers[`s/${W}`]).toBe(first.workers[`s/${W}`]);
  });

  it('records which keys a poll changed, so the publisher diffs those only, with the same result as comparing every item', () => {
    const jobs = (n: number, change: (i: number) => Partial<MinerJob> | null) => {
      const out: Record<string, MinerJob> = {};
      for (let i = 0; i < n; i++) {
        const c = change(i);
        if (c !== null) out[`j${i}`] = job(`j${i}`, 'running', { startMs: 1000 + i, sector: i, ...c });
      }
      return out;
    };
    const w2 = 'aaaaaaaa-1fa5-4913-a50a-3a8e04700ccf';
    const first = liveCollections('s', snap(jobs(50, () => ({}))), {});
    // j3 changes state, j7 is gone, j60 is new, j9 only re-reads its running time; a worker joins.
    const polled = jobs(50, (i) => (i === 7 ? null : i === 3 ? { state: 'ret-wait', stateText: 'ret-wait' } : i === 9 ? { runningMs: 99 } : {}));
    polled.j60 = job('j60', 'running', { startMs: 5000, sector: 60 });
    const second = liveCollections('s', snap(polled, { workers: { [W]: worker(), [w2]: worker(w2, 'fil-seal-02') } }), first.jobs, undefined, first.workers);
    expect([...(liveChangedKeys(second.jobs, first.jobs) ?? [])].sort()).toEqual(['s/j3', 's/j60', 's/j7']);
    expect(liveChangedKeys(second.workers, first.workers)).toEqual([`s/${w2}`]);
    expect([...liveKeys(second.jobs)].sort()).toEqual(Object.keys(second.jobs).sort());
    const prev = { jobs: first.jobs, workers: first.workers };
    const next = { jobs: second.jobs, workers: second.workers };
    const fast = diffLive(prev, next);
    expect(fast).toEqual(diffLive({ jobs: { ...first.jobs }, workers: { ...first.workers } }, { jobs: { ...second.jobs }, workers: { ...second.workers } }));
    expect(fast?.jobs).toMatchObject({ patch: { 's/j3': { state: 'ret-wait', stateText: 'ret-wait' } }, remove: ['s/j7'] });
    expect(Object.keys(fast?.jobs?.put ?? {})).toEqual(['s/j60']);
  });

  it('history is a bounded ring with one column per series', () => {
    const h = new MinerHistoryRing('s', 10_000, 3);
    for (let i = 0; i < 5; i++) h.add(snap({ a: job('a', i % 2 ? 'running' : 'assigned') }, { workerAtto: '1500000000000000000' }), i);
    const out = h.toHistory();
    expect(out.atMs).toEqual([2, 3, 4]);
    expect(out.jobsByState).toEqual({ assigned: [1, 0, 1], running: [0, 1, 0] });
    expect(out.balances.worker).toEqual([1.5, 1.5, 1.5]);
    expect(median([3, 1, 2])).toBe(2);
    expect(filNumber('-1')).toBeCloseTo(-1e-18);
  });
});
