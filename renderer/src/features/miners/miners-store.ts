import { AppError } from '@contract/errors';
import type { AppApi } from '@contract/index';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import { liveChangedKeys, liveKeys } from '@contract/live';
import type {
  MinerAlert,
  MinerHistory,
  MinerLiveItem,
  MinerLiveJob,
  MinerLiveWorker,
  MinerSessionConfig,
  MinerSessionItem,
  MinersLiveData,
  MinerTestResult,
  WorkerTasksResult,
  WorkerTerminal,
} from '@contract/miners';
import type { TunnelProfile } from '@contract/tunnels';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ActionKey, ToastStore } from '../../stores/toast-store';
import { NO_LIVE, type LiveView, type MinerViewState, type MinerViewStore } from './miner-view';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

/** The tokens a save or test may carry (never kept in the renderer beyond the call). */
export interface MinerTokens {
  readonly minerToken?: string | undefined;
  readonly fullNodeToken?: string | undefined;
  readonly clearMinerToken?: boolean | undefined;
  readonly clearFullNodeToken?: boolean | undefined;
}

export type MinersBusy = 'abort' | 'tasks' | 'terminal' | 'poll' | 'remove' | 'dismiss';

export interface MinersState {
  /** A snapshot of miners.live arrived. */
  readonly loaded: boolean;
  /** The stream itself (link to the services). */
  readonly live: LiveView;
  /** Every session as the stream shows it (overview, health, access), by session id. */
  readonly miners: Readonly<Record<string, MinerLiveItem>>;
  /** Session ids by name. */
  readonly order: readonly string[];
  /** Firing alerts per session id. */
  readonly alertCounts: Readonly<Record<string, number>>;
  /** Saved session configs (from miners.list, for the form), by id. */
  readonly configs: Readonly<Record<string, MinerSessionItem>>;
  /** Miners shown side by side (their panels), in the order opened. */
  readonly open: readonly string[];
  /** The miner whose panel has the keyboard. */
  readonly active: string | null;
  /** Calls in flight by target (job key, worker key, session id). */
  readonly busy: Readonly<Record<string, MinersBusy>>;
  readonly streamError: AppError | null;

  /** Shows a miner (adds its panel, makes it active). */
  openMiner(id: string): void;
  closeMiner(id: string): void;
  setActive(id: string): void;
  refreshConfigs(): Promise<void>;
  saveSession(config: MinerSessionConfig, tokens: MinerTokens): Promise<Result<MinerSessionItem>>;
  removeSession(id: string): Promise<boolean>;
  testSession(config: MinerSessionConfig, tokens: MinerTokens): Promise<Result<MinerTestResult>>;
  pollNow(id: string): Promise<void>;
  abortJob(sessionId: string, jobKey: string): Promise<boolean>;
  setWorkerTasks(sessionId: string, workerId: string, change: { enable: string[]; disable: string[]; enabled?: boolean }): Promise<Result<WorkerTasksResult>>;
  workerTerminal(sessionId: string, workerId: string): Promise<WorkerTerminal | null>;
  history(sessionId: string): Promise<MinerHistory>;
  dismissAlert(alertId: string): Promise<void>;
  listTunnels(): Promise<TunnelProfile[]>;
  /** One miner's panels read this (workers, jobs, alerts of that session only; rows keep their identity). */
  view(sessionId: string): MinerViewStore;
  /**
   * The lotus worker of that hostname or worker id (a link from another page names it so), in
   * the miners shown: its session and its id, the first by session name; null when none has it.
   */
  findWorker(name: string): { sessionId: string; workerId: string } | null;
}

export type MinersStore = StoreApi<MinersState> & Disposable;

export interface MinersStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  schedule?: (flush: () => void) => void;
  now?: () => number;
  /** Where the open panels are remembered (localStorage in the page). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
}

const EMPTY: MinersLiveData = { miners: {}, workers: {}, jobs: {}, alerts: {} };
const OPEN_KEY = 'drover.miners.open';

/** A live key `${sessionId}/${rest}` belongs to this session. */
export function inSession(key: string, sessionId: string): boolean {
  return key.length > sessionId.length && key.charCodeAt(sessionId.length) === 47 /* / */ && key.startsWith(sessionId);
}

/**
 * The items of one session, the same object as before when none of them changed. When every item
 * is the session's (one miner: the usual case), that is the collection itself, no copy; the next
 * one then derives from it (applyLive records which keys changed), so the check looks at those.
 */
export function sessionSlice<T>(all: Readonly<Record<string, T>>, sessionId: string, prev: Readonly<Record<string, T>> | undefined): Readonly<Record<string, T>> {
  if (prev === all) return prev;
  if (prev !== undefined) {
    const changed = liveChangedKeys(all, prev);
    if (changed !== undefined && changed.every((key) => inSession(key, sessionId))) return all;
  }
  const keys = liveKeys(all);
  let mine = 0;
  for (let i = 0; i < keys.length; i++) if (inSession(keys[i]!, sessionId)) mine++;
  if (mine === keys.length) return prev !== undefined && sameItems(prev, all, keys) ? prev : all;
  const out: Record<string, T> = {};
  let same = prev !== undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!inSession(key, sessionId)) continue;
    const item = all[key]!;
    out[key] = item;
    if (same && prev![key] !== item) same = false;
  }
  if (same && liveKeys(prev!).length === mine) return prev!;
  return out;
}

/** prev holds exactly these keys of all, with the same items. */
function sameItems<T>(prev: Readonly<Record<string, T>>, all: Readonly<Record<string, T>>, keys: readonly string[]): boolean {
  if (liveKeys(prev).length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (prev[keys[i]!] !== all[keys[i]!] || !Object.prototype.hasOwnProperty.call(prev, keys[i]!)) return false;
  return true;
}

export function sortSessions(miners: Readonly<Record<string, MinerLiveItem>>): string[] {
  return Object.values(miners)
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.sessionId.localeCompare(b.sessionId))
    .map((m) => m.sessionId);
}

/** Firing alerts per session. */
export function countAlerts(alerts: Readonly<Record<string, MinerAlert>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in alerts) {
    const id = alerts[key]!.sessionId;
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The Miners page's state: every session from miners.live (one stream for all miners, applied
 * once per animation frame), the panels shown, the saved configs, and the calls. Each shown
 * miner gets a view store of its own slice, so a job row re-renders only when that job changed.
 */
export function createMinersStore(deps: MinersStoreDeps): MinersStore {
  const remote = deps.api.miners;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();
  const now = deps.now ?? Date.now;
  const views = new Map<string, { store: MinerViewStore; update(l: LiveState<MinersLiveData>): void }>();
  const storage = deps.storage;

  const remembered = (): string[] => {
    try {
      const v: unknown = JSON.parse(storage?.getItem(OPEN_KEY) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 16) : [];
    } catch {
      return [];
    }
  };
  const remember = (open: readonly string[]) => {
    try {
      storage?.setItem(OPEN_KEY, JSON.stringify(open));
    } catch {}
  };

  const store = createStore<MinersState>()((set, get) => {
    const busyRun = async <T>(key: string, busy: MinersBusy, action: ActionKey, call: () => Promise<T>): Promise<Result<T> | undefined> => {
      if (get().busy[key]) return undefined;
      set((s) => ({ busy: { ...s.busy, [key]: busy } }));
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        const error = AppError.from(err);
        report(error, action);
        return { ok: false, error };
      } finally {
        set((s) => {
          const next = { ...s.busy };
          delete next[key];
          return { busy: next };
        });
      }
    };
    const setOpen = (open: readonly string[], active: string | null) => {
      remember(open);
      set({ open, active });
    };
    return {
      loaded: false,
      live: { ...NO_LIVE, connected: deps.link ? deps.link.state.status === 'open' : true },
      miners: {},
      order: [],
      alertCounts: {},
      configs: {},
      open: remembered(),
      active: null,
      busy: {},
      streamError: null,

      openMiner(id) {
        const s = get();
        setOpen(s.open.includes(id) ? s.open : [...s.open, id], id);
      },
      closeMiner(id) {
        const s = get();
        const open = s.open.filter((x) => x !== id);
        setOpen(open, s.active === id ? (open[open.length - 1] ?? null) : s.active);
      },
      setActive(id) {
        if (get().open.includes(id)) set({ active: id });
      },
      async refreshConfigs() {
        try {
          const list = await remote.list(null);
          set({ configs: Object.fromEntries(list.map((i) => [i.config.id, i])) });
        } catch (err) {
          report(err, 'minersList');
        }
      },
      async saveSession(config, tokens) {
        try {
          const item = await remote.save({
            config,
            ...(tokens.minerToken ? { minerToken: tokens.minerToken } : {}),
            ...(tokens.fullNodeToken ? { fullNodeToken: tokens.fullNodeToken } : {}),
            ...(tokens.clearMinerToken ? { clearMinerToken: true } : {}),
            ...(tokens.clearFullNodeToken ? { clearFullNodeToken: true } : {}),
          });
          set((s) => ({ configs: { ...s.configs, [item.config.id]: item } }));
          get().openMiner(item.config.id);
          return { ok: true, value: item };
        } catch (err) {
          // The form shows the refusal with its cause and hint.
          return { ok: false, error: AppError.from(err) };
        }
      },
      async removeSession(id) {
        const r = await busyRun(id, 'remove', 'minersRemove', () => remote.remove({ id }));
        if (!r?.ok) return false;
        set((s) => {
          const configs = { ...s.configs };
          delete configs[id];
          return { configs };
        });
        get().closeMiner(id);
        return true;
      },
      async testSession(config, tokens) {
        try {
          const value = await remote.testConnection({
            config,
            ...(tokens.minerToken ? { minerToken: tokens.minerToken } : {}),
            ...(tokens.fullNodeToken ? { fullNodeToken: tokens.fullNodeToken } : {}),
          });
          return { ok: true, value };
        } catch (err) {
          return { ok: false, error: AppError.from(err) };
        }
      },
      async pollNow(id) {
        await busyRun(id, 'poll', 'minersPoll', () => remote.pollNow({ sessionId: id }));
      },
      async abortJob(sessionId, jobKey) {
        const r = await busyRun(`${sessionId}/${jobKey}`, 'abort', 'minersAbortJob', () => remote.abortJob({ sessionId, jobKey }));
        return r?.ok === true;
      },
      async setWorkerTasks(sessionId, workerId, change) {
        const r = await busyRun(`${sessionId}/${workerId}`, 'tasks', 'minersWorkerTasks', () =>
          remote.setWorkerTasks({ sessionId, workerId, enable: change.enable, disable: change.disable, ...(change.enabled !== undefined ? { enabled: change.enabled } : {}) }),
        );
        return r ?? { ok: false, error: new AppError('CONFLICT', 'a change of this worker is already in progress') };
      },
      async workerTerminal(sessionId, workerId) {
        const r = await busyRun(`${sessionId}/${workerId}`, 'terminal', 'minersWorkerTerminal', () => remote.workerTerminal({ sessionId, workerId }));
        return r?.ok ? r.value : null;
      },
      history: (sessionId) => remote.history({ sessionId }),
      async dismissAlert(alertId) {
        await busyRun(alertId, 'dismiss', 'minersDismissAlert', () => remote.dismissAlert({ alertId }));
      },
      listTunnels: () => deps.api.tunnels.list(null),
      view(sessionId) {
        return viewOf(sessionId).store;
      },

      findWorker(name) {
        const wanted = name.trim().toLowerCase();
        if (!wanted) return null;
        const order = get().order;
        const rank = (id: string) => (order.indexOf(id) + order.length + 1) % (order.length + 1);
        let best: { sessionId: string; workerId: string } | null = null;
        for (const w of Object.values(live.getState().data.workers)) {
          if (w.hostname.toLowerCase() !== wanted && w.id.toLowerCase() !== wanted && w.idShort.toLowerCase() !== wanted) continue;
          if (!best || rank(w.sessionId) < rank(best.sessionId)) best = { sessionId: w.sessionId, workerId: w.id };
        }
        return best;
      },
    };
  });

  // ---- live data ----
  const live = disposables.add(
    createLiveStore<MinersLiveData>({
      subscribe: (observer) => remote.live(null, observer),
      initial: EMPTY,
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'minersWatch'),
    }),
  );

  const liveView = (l: LiveState<MinersLiveData>, updatedAtMs: number | undefined): LiveView => ({
    connected: l.connected,
    fresh: l.fresh,
    health: l.health,
    clockOffsetMs: l.clockOffsetMs,
    updatedAtMs,
  });

  let updatedAtMs: number | undefined;
  function viewOf(sessionId: string) {
    const existing = views.get(sessionId);
    if (existing) return existing;
    const initial = (): MinerViewState => ({
      sessionId,
      loaded: false,
      live: NO_LIVE,
      item: undefined,
      overview: undefined,
      source: undefined,
      problems: [],
      workers: {},
      jobs: {},
      alerts: {},
      changedAtMs: {},
      actionable: false,
    });
    const vs = createStore<MinerViewState>()(initial);
    const update = (l: LiveState<MinersLiveData>) => {
      const prev = vs.getState();
      const item = Object.prototype.hasOwnProperty.call(l.data.miners, sessionId) ? l.data.miners[sessionId] : undefined;
      const health = item?.health;
      const lv: LiveView = { connected: l.connected, fresh: l.fresh && item !== undefined, health, clockOffsetMs: l.clockOffsetMs, updatedAtMs };
      const sameLive =
        prev.live.connected === lv.connected && prev.live.fresh === lv.fresh && prev.live.health === lv.health && prev.live.clockOffsetMs === lv.clockOffsetMs && prev.live.updatedAtMs === lv.updatedAtMs;
      const workers = sessionSlice<MinerLiveWorker>(l.data.workers, sessionId, prev.workers as Record<string, MinerLiveWorker>);
      const jobs = sessionSlice<MinerLiveJob>(l.data.jobs, sessionId, prev.jobs as Record<string, MinerLiveJob>);
      const alerts = sessionSlice<MinerAlert>(l.data.alerts, sessionId, prev.alerts as Record<string, MinerAlert>);
      const actionable = lv.connected && lv.fresh && health?.state === 'live';
      const next: { -readonly [K in keyof MinerViewState]?: MinerViewState[K] } = {};
      if (!sameLive) next.live = lv;
      if (prev.item !== item) {
        next.item = item;
        next.overview = item?.overview;
        next.source = item?.takenAtMs !== undefined ? { kind: item.kind, takenAtMs: item.takenAtMs, ...(item.durationMs !== undefined ? { durationMs: item.durationMs } : {}) } : undefined;
        next.problems = item?.problems ?? [];
      }
      if (prev.workers !== workers) next.workers = workers;
      if (prev.jobs !== jobs) next.jobs = jobs;
      if (prev.alerts !== alerts) next.alerts = alerts;
      if (prev.changedAtMs !== l.changedAtMs) next.changedAtMs = l.changedAtMs;
      if (prev.actionable !== actionable) next.actionable = actionable;
      const loaded = l.seq >= 0;
      if (prev.loaded !== loaded) next.loaded = loaded;
      if (Object.keys(next).length > 0) vs.setState(next);
    };
    const entry = { store: vs, update };
    views.set(sessionId, entry);
    update(live.getState());
    return entry;
  }

  const fromLive = (l: LiveState<MinersLiveData>, prev: LiveState<MinersLiveData> | undefined) => {
    const s = store.getState();
    if (!prev || prev.data !== l.data) updatedAtMs = now();
    const patch: { -readonly [K in keyof MinersState]?: MinersState[K] } = { live: liveView(l, updatedAtMs), streamError: l.error ?? null };
    if (!prev || prev.data.miners !== l.data.miners || prev.seq !== l.seq) {
      const order = sortSessions(l.data.miners);
      patch.loaded = l.seq >= 0;
      patch.miners = l.data.miners;
      patch.order = sameIds(order, s.order) ? s.order : order;
      // The first snapshot: show the remembered panels that still exist, else the first miner.
      if (!s.loaded && l.seq >= 0) {
        const open = s.open.filter((id) => l.data.miners[id] !== undefined);
        const shown = open.length > 0 ? open : order.slice(0, 1);
        patch.open = shown;
        patch.active = shown[0] ?? null;
      }
    }
    if (!prev || prev.data.alerts !== l.data.alerts) patch.alertCounts = countAlerts(l.data.alerts);
    store.setState(patch);
    for (const v of views.values()) v.update(l);
  };
  fromLive(live.getState(), undefined);
  disposables.add(toDisposable(live.subscribe((l, prev) => fromLive(l, prev))));

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

// ---- selectors ----

export const selectMinersLoaded = (s: MinersState): boolean => s.loaded;
export const selectMinersLive = (s: MinersState): LiveView => s.live;
export const selectOrder = (s: MinersState): readonly string[] => s.order;
export const selectOpen = (s: MinersState): readonly string[] => s.open;
export const selectMiner =
  (id: string) =>
  (s: MinersState): MinerLiveItem | undefined =>
    s.miners[id];
