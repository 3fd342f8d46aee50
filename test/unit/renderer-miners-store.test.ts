import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import type { AppApi } from '../../main/contract/index';
import { Emitter, toDisposable } from '../../main/contract/lifecycle';
import { applyLive, liveChangedKeys, type LiveChanges, type LiveUpdate, type SourceHealth } from '../../main/contract/live';
import type { MinerAlert, MinerLiveItem, MinerLiveJob, MinerLiveWorker, MinersLiveData } from '../../main/contract/miners';
import type { ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import { alertText, sortMinerAlerts } from '../../renderer/src/features/miners/alert-text';
import { createJobFacets, createJobOrder, jobFacets, jobIds, keepSame, DEFAULT_JOBS_FILTER, type JobsFilter } from '../../renderer/src/features/miners/jobs-view';
import { keepFlash, recentChange, sameJobRow } from '../../renderer/src/features/miners/miner-view';
import { fil, filNumber, goDuration, jobElapsedMs, workerTrouble } from '../../renderer/src/features/miners/miners-format';
import { countAlerts, createMinersStore, inSession, sessionSlice } from '../../renderer/src/features/miners/miners-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

// The Miners store in plain Node: one miners.live stream for every session, per-miner view
// slices that keep the identity of rows that did not change (so a job row re-renders only when
// its job changed), staleness (link down, source down: actions off), the calls and their errors,
// and the pure helpers the tables use (filter/sort, "changed just now", alert sentences).

const live: SourceHealth = { state: 'live', sinceMs: 0, dataAtMs: 1000 };

function miner(sessionId: string, name: string, extra: Partial<MinerLiveItem> = {}): MinerLiveItem {
  return {
    sessionId,
    name,
    kind: 'rpc',
    where: `rpc http://${sessionId}:2345/rpc/v0`,
    paused: false,
    health: live,
    access: 'admin',
    chainNotify: 'live',
    takenAtMs: 1000,
    pollIntervalMs: 10_000,
    workerCount: 1,
    jobCount: 2,
    jobsByState: { running: 2 },
    problems: [],
    ...extra,
  };
}

function job(sessionId: string, id: string, extra: Partial<MinerLiveJob> = {}): MinerLiveJob {
  return { sessionId, id, sector: Number.parseInt(id, 16) % 1000, workerShort: 'aaaaaaaa', workerId: 'aaaaaaaa-1', hostname: 'fil-seal-01', taskShort: 'PC1', state: 'running', stateText: 'running', startMs: 0, ...extra };
}

function worker(sessionId: string, id: string, extra: Partial<MinerLiveWorker> = {}): MinerLiveWorker {
  return { sessionId, id, idShort: id.slice(0, 8), hostname: `host-${id}`, kind: 'sealing', state: 'ok', connection: 'connected', cpu: {}, gpu: { count: 0, names: [] }, memory: {}, taskCounts: {}, ...extra };
}

function data(): MinersLiveData {
  return {
    miners: { a: miner('a', 'farm A'), b: miner('b', 'Alpha farm') },
    workers: { 'a/w1': worker('a', 'w1'), 'b/w1': worker('b', 'w1') },
    jobs: { 'a/00000001': job('a', '00000001'), 'a/00000002': job('a', '00000002', { startMs: 500 }), 'b/00000001': job('b', '00000001') },
    alerts: {
      'a/worker-gone/w9': { id: 'a/worker-gone/w9', sessionId: 'a', kind: 'worker-gone', severity: 'critical', subject: 'w9', message: 'worker gone', sinceMs: 900, hostname: 'fil-seal-09' },
    },
  };
}

function harness(overrides: Partial<AppApi['miners']> = {}) {
  const observers: Observer<LiveUpdate<MinersLiveData>>[] = [];
  const linkEmitter = new Emitter<ConnectionState>();
  const link = { state: { status: 'open', sinceMs: 0 } as ConnectionState, onDidChangeState: linkEmitter.event };
  let pending: (() => void) | undefined;
  let clock = 10_000;
  const stored = new Map<string, string>();
  const miners = {
    live: (_: null, o: Observer<LiveUpdate<MinersLiveData>>) => {
      observers.push(o);
      return toDisposable(() => undefined);
    },
    list: vi.fn(async () => []),
    abortJob: vi.fn(async () => null),
    remove: vi.fn(async () => null),
    save: vi.fn(async () => {
      throw new AppError('INVALID_INPUT', 'miner.url: an http(s):// or ws(s):// URL');
    }),
    pollNow: vi.fn(async () => {
      throw new AppError('UNAVAILABLE', 'the miner is paused');
    }),
    setWorkerTasks: vi.fn(async () => ({ tasks: ['seal/v0/precommit/1'], workerApi: 'http://x:3456/rpc/v0' })),
    dismissAlert: vi.fn(async () => null),
    ...overrides,
  };
  const toasts = createToastStore();
  const store = createMinersStore({
    api: { miners, tunnels: { list: async () => [] } } as unknown as AppApi,
    toasts,
    link,
    schedule: (f) => (pending = f),
    now: () => clock,
    storage: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => void stored.set(k, v) },
  });
  return {
    store,
    toasts,
    miners,
    observers,
    stored,
    advance(ms: number) {
      clock += ms;
    },
    frame() {
      const f = pending;
      pending = undefined;
      f?.();
    },
    setLink(state: ConnectionState) {
      link.state = state;
      linkEmitter.fire(state);
    },
  };
}

function snapshot(h: ReturnType<typeof harness>, d: MinersLiveData = data(), seq = 1) {
  h.observers[h.observers.length - 1]!.next({ t: 'snapshot', seq, atMs: 1000, nowMs: 10_000, health: live, data: d });
  h.frame();
}

describe('miners store (renderer)', () => {
  it('orders sessions by name, opens the first, counts alerts per session', () => {
    const h = harness();
    expect(h.store.getState().loaded).toBe(false);
    snapshot(h);
    const s = h.store.getState();
    expect(s.loaded).toBe(true);
    expect(s.order).toEqual(['b', 'a']); // "Alpha farm" before "farm A"
    expect(s.open).toEqual(['b']);
    expect(s.active).toBe('b');
    expect(s.alertCounts).toEqual({ a: 1 });
    s.openMiner('a');
    expect(h.store.getState().open).toEqual(['b', 'a']);
    expect(JSON.parse(h.stored.get('drover.miners.open')!)).toEqual(['b', 'a']);
    h.store.getState().closeMiner('a');
    expect(h.store.getState()).toMatchObject({ open: ['b'], active: 'b' });
  });

  it('finds a lotus worker a link names, by hostname or worker id in any case, in the first miner by name', () => {
    const h = harness();
    expect(h.store.getState().findWorker('host-w1')).toBeNull(); // no data yet
    snapshot(h);
    const s = h.store.getState();
    // Both sessions have host-w1: "Alpha farm" (b) comes first by name.
    expect(s.findWorker('HOST-w1')).toEqual({ sessionId: 'b', workerId: 'w1' });
    expect(s.findWorker(' w1 ')).toEqual({ sessionId: 'b', workerId: 'w1' });
    expect(s.findWorker('fil-seal-09')).toBeNull();
    expect(s.findWorker('')).toBeNull();
  });

  it('gives each miner a view of its own workers, jobs and alerts', () => {
    const h = harness();
    snapshot(h);
    const a = h.store.getState().view('a').getState();
    expect(Object.keys(a.jobs)).toEqual(['a/00000001', 'a/00000002']);
    expect(Object.keys(a.workers)).toEqual(['a/w1']);
    expect(Object.keys(a.alerts)).toEqual(['a/worker-gone/w9']);
    expect(a.item?.name).toBe('farm A');
    expect(a.actionable).toBe(true);
    expect(Object.keys(h.store.getState().view('b').getState().jobs)).toEqual(['b/00000001']);
  });

  it('keeps unchanged rows (and an untouched session) identical through a diff; marks the changed row', () => {
    const h = harness();
    snapshot(h);
    const a0 = h.store.getState().view('a').getState();
    const b0 = h.store.getState().view('b').getState();
    h.advance(100);
    h.observers[0]!.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 10_100, changes: { jobs: { patch: { 'a/00000002': { state: 'ret-wait', stateText: 'ret-wait' } } } } });
    h.frame();
    const a1 = h.store.getState().view('a').getState();
    const b1 = h.store.getState().view('b').getState();
    expect(a1.jobs).not.toBe(a0.jobs);
    expect(a1.jobs['a/00000001']).toBe(a0.jobs['a/00000001']);
    expect(a1.jobs['a/00000002']!.state).toBe('ret-wait');
    expect(a1.workers).toBe(a0.workers);
    expect(b1.jobs).toBe(b0.jobs); // the other miner's table does not even re-render its list
    expect(recentChange(a1, 'jobs', 'a/00000002')).toBe(10_100);
    expect(recentChange(a1, 'jobs', 'a/00000001')).toBe(0);
    // Two seconds later the highlight is over; keepFlash keeps the row from re-rendering for that.
    h.advance(2500);
    h.observers[0]!.next({ t: 'diff', seq: 3, atMs: 1200, nowMs: 12_600, changes: { jobs: { patch: { 'a/00000001': { state: 'ret-wait' } } } } });
    h.frame();
    const a2 = h.store.getState().view('a').getState();
    expect(recentChange(a2, 'jobs', 'a/00000002')).toBe(0);
    expect(keepFlash(10_100, 0)).toBe(true);
    expect(keepFlash(10_100, 12_600)).toBe(false);
  });

  it('a session whose source is down, or a lost link, draws stale and takes no actions', () => {
    const h = harness();
    snapshot(h);
    const down: SourceHealth = { state: 'down', sinceMs: 1000, cause: { code: 'UNAVAILABLE', message: 'tunnel edge01 is down' }, via: { tunnelId: 'edge', name: 'edge01', state: 'backoff' } };
    h.observers[0]!.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 10_100, changes: { miners: { patch: { a: { health: down } } } } });
    h.frame();
    const a = h.store.getState().view('a').getState();
    expect(a.actionable).toBe(false);
    expect(a.live.health?.via?.name).toBe('edge01');
    expect(h.store.getState().view('b').getState().actionable).toBe(true);
    h.setLink({ status: 'reconnecting', attempt: 1, nextRetryAtMs: null, downSinceMs: 1, cause: new AppError('UNAVAILABLE', 'gone') });
    expect(h.store.getState().view('b').getState()).toMatchObject({ actionable: false, live: { connected: false, fresh: false } });
    expect(h.store.getState().live).toMatchObject({ connected: false });
  });

  it('a gap in the sequence resubscribes for a fresh snapshot', () => {
    const h = harness();
    snapshot(h);
    h.observers[0]!.next({ t: 'diff', seq: 5, atMs: 1100, nowMs: 10_100, changes: {} });
    h.frame();
    expect(h.observers).toHaveLength(2);
    expect(h.store.getState().view('a').getState().actionable).toBe(false);
    snapshot(h, data(), 9);
    expect(h.store.getState().view('a').getState().actionable).toBe(true);
  });

  it('aborts a job by its key without the session prefix, once at a time; failures are toasts', async () => {
    const h = harness();
    snapshot(h);
    expect(await h.store.getState().abortJob('a', '00000002')).toBe(true);
    expect(h.miners.abortJob).toHaveBeenCalledWith({ sessionId: 'a', jobKey: '00000002' });
    await h.store.getState().pollNow('a');
    expect(h.toasts.getState().queue).toMatchObject([{ kind: 'error', code: 'UNAVAILABLE', action: 'minersPoll' }]);
    const r = await h.store.getState().setWorkerTasks('a', 'w1', { enable: ['seal/v0/precommit/1'], disable: [] });
    expect(r).toMatchObject({ ok: true, value: { tasks: ['seal/v0/precommit/1'] } });
    expect(h.miners.setWorkerTasks).toHaveBeenCalledWith({ sessionId: 'a', workerId: 'w1', enable: ['seal/v0/precommit/1'], disable: [] });
  });

  it('returns a refused save to the form (no toast) and removes a session and its panel', async () => {
    const h = harness();
    snapshot(h);
    const r = await h.store.getState().saveSession({} as never, { minerToken: 'secret' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(h.toasts.getState().queue).toEqual([]);
    expect(await h.store.getState().removeSession('b')).toBe(true);
    expect(h.store.getState().open).toEqual([]);
  });
});

describe('miners table helpers', () => {
  const jobs = {
    'a/1': job('a', '00000001', { taskShort: 'PC1', startMs: 100, sector: 7 }),
    'a/2': job('a', '00000002', { taskShort: 'C2', startMs: 50, sector: 3, state: 'assigned', hostname: 'fil-seal-02', workerId: 'bbbb' }),
    'a/3': job('a', '00000003', { taskShort: 'PC1', startMs: undefined, runningMs: 5000, sector: 12, state: 'ret-wait', workerId: undefined, hostname: 'fil-seal-01' }),
  };
  it('filters by task, state and worker, sorts by running time or sector', () => {
    expect(jobIds(jobs, DEFAULT_JOBS_FILTER, 1000)).toEqual(['a/3', 'a/2', 'a/1']); // 5000, 950, 900 ms
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, sort: 'time-asc' }, 1000)).toEqual(['a/1', 'a/2', 'a/3']);
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, sort: 'sector' }, 1000)).toEqual(['a/2', 'a/1', 'a/3']);
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, tasks: ['PC1'] }, 1000)).toEqual(['a/3', 'a/1']);
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, states: ['assigned', 'ret-wait'] }, 1000)).toEqual(['a/3', 'a/2']);
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, workers: ['host:fil-seal-01'] }, 1000)).toEqual(['a/3']);
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, text: '1' }, 1000)).toEqual(['a/3']); // sector 12
    expect(jobIds(jobs, { ...DEFAULT_JOBS_FILTER, text: '0000000' }, 1000)).toEqual(['a/3', 'a/2', 'a/1']); // job id prefix
    const f = jobFacets(jobs);
    expect(f.tasks).toEqual([['C2', 1], ['PC1', 2]]);
    expect(f.workers.map((w) => w[1])).toEqual(['fil-seal-01', 'fil-seal-01', 'fil-seal-02']);
  });

  it('keeps the order and the filter menus up to date from the changed jobs only, as jobIds and jobFacets compute them afresh', () => {
    // Jobs with and without a start time, a few sectors, tasks, states and workers, so that ties and the two lists both occur.
    const jobArb = fc.record({
      sector: fc.integer({ min: 1, max: 6 }),
      taskShort: fc.constantFrom('PC1', 'PC2', 'C2'),
      state: fc.constantFrom('running', 'assigned', 'ret-wait'),
      host: fc.constantFrom('fil-seal-01', 'fil-seal-02', 'gpu-01'),
      startMs: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      runningMs: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    });
    const toJob = (k: number, j: { sector: number; taskShort: string; state: string; host: string; startMs: number | undefined; runningMs: number | undefined }) =>
      job('a', k.toString(16).padStart(8, '0'), { sector: j.sector, taskShort: j.taskShort, state: j.state, stateText: j.state, hostname: j.host, workerId: `w-${j.host}`, startMs: j.startMs, ...(j.runningMs !== undefined ? { runningMs: j.runningMs } : {}) });
    const step = fc.record({ put: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), jobArb), { maxLength: 6 }), remove: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }), refMs: fc.integer({ min: 0, max: 400 }) });
    const filters: JobsFilter[] = [
      DEFAULT_JOBS_FILTER,
      { ...DEFAULT_JOBS_FILTER, sort: 'time-asc' },
      { ...DEFAULT_JOBS_FILTER, sort: 'sector' },
      { ...DEFAULT_JOBS_FILTER, tasks: ['PC1', 'C2'], states: ['running'] },
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), jobArb), { maxLength: 25 }), fc.array(step, { minLength: 1, maxLength: 8 }), (initial, steps) => {
        let d: { jobs: Record<string, MinerLiveJob> } = { jobs: Object.fromEntries(initial.map(([k, j]) => [`a/${k}`, toJob(k, j)])) };
        const orders = filters.map(() => createJobOrder());
        const facets = createJobFacets();
        const check = (refMs: number) => {
          filters.forEach((f, i) => expect(orders[i]!(d.jobs, f, refMs)).toEqual(jobIds(d.jobs, f, refMs)));
          const full = jobFacets(d.jobs);
          const got = facets(d.jobs);
          expect(got.tasks).toEqual(full.tasks.map((x) => x[0]));
          expect(got.states).toEqual(full.states.map((x) => x[0]));
          expect(got.workers.map((w) => w[0])).toEqual(full.workers.map((w) => w[0]));
        };
        check(0);
        for (const st of steps) {
          // A frame as the live store applies it: the new collection derives from the old one.
          const put: Record<string, MinerLiveJob> = {};
          for (const [k, j] of st.put) if (!(`a/${k}` in d.jobs)) put[`a/${k}`] = toJob(k, j);
          const patch: Record<string, Partial<MinerLiveJob>> = {};
          for (const [k, j] of st.put) if (`a/${k}` in d.jobs) patch[`a/${k}`] = { state: j.state, stateText: j.state, sector: j.sector };
          const remove = st.remove.map((k) => `a/${k}`).filter((k) => k in d.jobs && !(k in patch));
          const changes: LiveChanges = { jobs: { put, patch, remove } };
          const next = applyLive(d, changes);
          expect(liveChangedKeys(next.jobs, d.jobs)).toBeDefined();
          d = next;
          check(st.refMs);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a list that did not change, and a job row whose only change is the re-read running time', () => {
    const a = ['x', 'y'];
    expect(keepSame(a, ['x', 'y'])).toBe(a);
    expect(keepSame(a, ['y', 'x'])).not.toBe(a);
    const j = job('a', '1', { startMs: 5, runningMs: 10, timeText: '10ms' });
    expect(sameJobRow(j, { ...j, runningMs: 20, timeText: '20ms' })).toBe(true);
    expect(sameJobRow(j, { ...j, state: 'ret-wait' })).toBe(false);
    expect(sameJobRow({ ...j, startMs: undefined }, { ...j, startMs: undefined, runningMs: 20 })).toBe(false);
  });

  it('slices one session out of the shared collections, keeping the slice when nothing of it changed', () => {
    const all = { 'a/1': 1, 'ab/1': 2, 'a/2': 3 };
    expect(inSession('a/1', 'a')).toBe(true);
    expect(inSession('ab/1', 'a')).toBe(false);
    const s1 = sessionSlice(all, 'a', undefined);
    expect(s1).toEqual({ 'a/1': 1, 'a/2': 3 });
    expect(sessionSlice({ ...all, 'ab/2': 4 }, 'a', s1)).toBe(s1);
    expect(sessionSlice({ ...all, 'a/2': 5 }, 'a', s1)).toEqual({ 'a/1': 1, 'a/2': 5 });
    // One miner: its slice is the collection itself (no copy), also for the next frame that derives from it.
    const one: Record<string, object> = { 'a/1': { n: 1 }, 'a/2': { n: 3 } };
    expect(sessionSlice(one, 'a', undefined)).toBe(one);
    const next = applyLive({ c: one }, { c: { patch: { 'a/2': { n: 4 } }, put: { 'a/3': { n: 5 } } } }).c!;
    expect(sessionSlice(next, 'a', one)).toBe(next);
    expect(sessionSlice({ ...one }, 'a', one)).toBe(one);
    expect(countAlerts(data().alerts)).toEqual({ a: 1 });
  });

  it('formats as lotus prints and says alerts in the UI language', () => {
    expect(fil({ text: '244.058 mFIL', exact: true, atto: '244058000000000000' })).toBe('244.058 mFIL');
    expect(filNumber({ text: '1.5 FIL', exact: true, atto: '1500000000000000000' })).toBe(1.5);
    expect(filNumber({ text: '-2 FIL', exact: true, atto: '-2000000000000000000' })).toBe(-2);
    expect(goDuration(3 * 3600_000 + 2 * 60_000 + 41_300)).toBe('3h2m41s');
    expect(goDuration(59_000)).toBe('59s');
    expect(goDuration(47 * 3600_000 + 59 * 60_000)).toBe('47h59m0s');
    expect(goDuration(6465 * 3600_000 + 55 * 60_000 + 30_000)).toBe('269d9h55m');
    expect(jobElapsedMs({ startMs: 1000 }, 4000)).toBe(3000);
    expect(jobElapsedMs({ runningMs: 7 }, 4000)).toBe(7);
    expect(workerTrouble({ state: 'ok', connection: 'unreachable' })).toBe('unreachable');
    expect(workerTrouble({ state: 'ok', connection: 'connected', enabled: false })).toBe('disabled');
    const t = ((key: string, v?: Record<string, unknown>) => `${key}${v ? ` ${JSON.stringify(v)}` : ''}`) as never;
    const slow: MinerAlert = { id: 'x', sessionId: 'a', kind: 'job-slow', severity: 'warning', subject: 'c0ffee01', message: 'English', sinceMs: 1, jobKey: 'c0ffee01', task: 'PC1', hostname: 'fil-seal-01', runningMs: 7_200_000, usualMs: 3_600_000 };
    expect(alertText(slow, t)).toBe('miners.alert.text.job-slow {"job":"c0ffee01","task":"PC1","host":"fil-seal-01","running":"2h0m0s","usual":"1h0m0s"}');
    expect(alertText({ ...slow, usualMs: undefined }, t)).toBe('English');
    const crit: MinerAlert = { ...slow, id: 'y', severity: 'critical', sinceMs: 0 };
    expect(sortMinerAlerts({ x: slow, y: crit }).map((a) => a.id)).toEqual(['y', 'x']);
  });
});
