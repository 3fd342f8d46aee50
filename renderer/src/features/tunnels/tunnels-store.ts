import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import { isLoopbackAddress } from '@contract/net-address';
import { routeLabel } from '@contract/ssh';
import { forwardLabel, type ForwardStatus, type ImportResult, type SshConfigHost, type TunnelHistory, type TunnelLiveData, type TunnelProfile, type TunnelStatus } from '@contract/tunnels';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';

/** Bytes per second through one forward over one sampling interval. */
export interface RateSample {
  readonly atMs: number;
  /** Remote → local (what the local client receives). */
  readonly inPerSec: number;
  /** Local → remote (what the local client sends). */
  readonly outPerSec: number;
}

export type TunnelBusy = 'start' | 'stop' | 'retry' | 'remove' | 'save';

export type SaveResult = { readonly ok: true; readonly profile: TunnelProfile } | { readonly ok: false; readonly error: AppError };

export interface SshConfigImport {
  readonly path: string;
  readonly hosts: readonly SshConfigHost[];
  readonly warnings: ImportResult['warnings'];
}

/** What the page needs to know about the live stream itself. */
export interface TunnelsLive {
  /** The link to the services is open. */
  readonly connected: boolean;
  /** Connected and a snapshot arrived since: values are current and actions may be taken. */
  readonly fresh: boolean;
  /** server clock − local clock. */
  readonly clockOffsetMs: number;
  /** Local time the last frame was applied (the data's age when stale). */
  readonly updatedAtMs: number | undefined;
}

export interface TunnelsState {
  /** False until the first snapshot arrived. */
  readonly loaded: boolean;
  readonly live: TunnelsLive;
  /** Per profile: state changes, reconnects and outages this session. */
  readonly histories: Readonly<Record<string, TunnelHistory>>;
  /** Profile ids in the service's order (creation order: positions do not jump around). */
  readonly order: readonly string[];
  readonly profiles: Readonly<Record<string, TunnelProfile>>;
  /** Missing for a profile that has never run since the service started: it is stopped. */
  readonly statuses: Readonly<Record<string, TunnelStatus>>;
  /** Throughput history per forward (key: trafficKey), oldest first, while the tunnel runs. */
  readonly traffic: Readonly<Record<string, readonly RateSample[]>>;
  /** A call in flight per profile (buttons show a spinner and do not fire twice). */
  readonly busy: Readonly<Record<string, TunnelBusy>>;
  /** The live stream ended with an error: the list may be stale. */
  readonly streamError: AppError | null;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  /** Start when stopped or failed, stop otherwise. */
  toggle(id: string): Promise<void>;
  retryNow(id: string): Promise<void>;
  remove(id: string): Promise<boolean>;
  setAutostart(id: string, autostart: boolean): Promise<void>;
  /** Creates or replaces a profile; the error (INVALID_INPUT with the service's message) is returned for the form to show. */
  save(profile: TunnelProfile): Promise<SaveResult>;
  /** Parses an autossh / ssh command line into a draft; throws AppError for the dialog to show. */
  importCommand(text: string): Promise<ImportResult>;
  /** Reads ~/.ssh/config on the service's machine; throws AppError for the dialog to show. */
  importSshConfig(): Promise<SshConfigImport>;
}

export type TunnelsStore = StoreApi<TunnelsState> & Disposable;

export interface TunnelsStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  /** The link to the services (stale when it is down). */
  link?: LiveLink;
  /** How live frames are batched: one flush per animation frame by default. */
  schedule?: (flush: () => void) => void;
  /** Throughput sampling period; 0 turns sampling off. */
  sampleIntervalMs?: number;
  /** How many samples each sparkline keeps. */
  historyLength?: number;
  now?: () => number;
}

export const SAMPLE_INTERVAL_MS = 1000;
export const HISTORY_LENGTH = 60;

export function trafficKey(profileId: string, forwardId: string): string {
  return `${profileId}\u0000${forwardId}`;
}

/** States in which the tunnel holds its listeners and (re)connects by itself. */
export function isRunningState(state: TunnelStatus['state']): boolean {
  return state !== 'stopped' && state !== 'failed';
}

/** What a profile that has not run looks like: stopped, counters at zero. */
export function stoppedStatus(p: TunnelProfile): TunnelStatus {
  return {
    profileId: p.id,
    state: 'stopped',
    route: routeLabel(p.target, p.jumps),
    forwards: p.forwards.map(
      (f): ForwardStatus => ({
        id: f.id,
        kind: f.kind,
        label: forwardLabel(f),
        state: 'stopped',
        exposesLan: f.kind !== 'remote' && !isLoopbackAddress(f.bindAddress),
        activeConnections: 0,
        totalConnections: 0,
        failedConnections: 0,
        bytesIn: 0,
        bytesOut: 0,
      }),
    ),
    seq: -1,
  };
}

/**
 * The tunnels page's state: profiles, statuses and histories from the tunnels.live stream
 * (applied once per animation frame by the live store), a short throughput history per forward,
 * whether the data is fresh (connected to the services), and the actions that call the service.
 */
export function createTunnelsStore(deps: TunnelsStoreDeps): TunnelsStore {
  const remote = deps.api.tunnels;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();
  const now = deps.now ?? Date.now;
  const historyLength = deps.historyLength ?? HISTORY_LENGTH;

  const store = createStore<TunnelsState>()((set, get) => {
    /** Runs one call per profile at a time, marking it busy; errors become toasts. */
    const run = async <T>(id: string, busy: TunnelBusy, action: Parameters<typeof report>[1], call: () => Promise<T>): Promise<T | undefined> => {
      if (get().busy[id]) return undefined;
      set((s) => ({ busy: { ...s.busy, [id]: busy } }));
      try {
        return await call();
      } catch (err) {
        report(err, action);
        return undefined;
      } finally {
        set((s) => {
          const next = { ...s.busy };
          delete next[id];
          return { busy: next };
        });
      }
    };

    return {
      loaded: false,
      live: { connected: deps.link ? deps.link.state.status === 'open' : true, fresh: false, clockOffsetMs: 0, updatedAtMs: undefined },
      histories: {},
      order: [],
      profiles: {},
      statuses: {},
      traffic: {},
      busy: {},
      streamError: null,
      async start(id) {
        await run(id, 'start', 'startTunnel', () => remote.start({ id }));
      },
      async stop(id) {
        await run(id, 'stop', 'stopTunnel', () => remote.stop({ id }));
      },
      async toggle(id) {
        const state = get().statuses[id]?.state ?? 'stopped';
        if (isRunningState(state)) await get().stop(id);
        else await get().start(id);
      },
      async retryNow(id) {
        await run(id, 'retry', 'retryTunnel', () => remote.retryNow({ id }));
      },
      async remove(id) {
        const done = await run(id, 'remove', 'deleteTunnel', async () => {
          await remote.remove({ id });
          return true;
        });
        return done === true;
      },
      async setAutostart(id, autostart) {
        const profile = get().profiles[id];
        if (!profile || profile.autostart === autostart) return;
        await run(id, 'save', 'saveTunnel', () => remote.save({ ...profile, autostart }));
      },
      async save(profile) {
        try {
          const saved = await remote.save(profile);
          return { ok: true, profile: saved };
        } catch (err) {
          const error = AppError.from(err);
          // Refusals of the input belong in the form; anything else is also a toast.
          if (error.code !== 'INVALID_INPUT') report(error, 'saveTunnel');
          return { ok: false, error };
        }
      },
      importCommand: (text) => remote.importCommand({ text }),
      importSshConfig: () => remote.importSshConfig(null),
    };
  });

  const live = disposables.add(
    createLiveStore<TunnelLiveData>({
      subscribe: (observer) => remote.live(null, observer),
      initial: { list: {}, profiles: {}, status: {}, history: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchTunnels'),
    }),
  );
  const fromLive = (l: LiveState<TunnelLiveData>, prev: LiveState<TunnelLiveData> | undefined) => {
    const s = store.getState();
    const patch: { -readonly [K in keyof TunnelsState]?: TunnelsState[K] } = {
      live: { connected: l.connected, fresh: l.fresh, clockOffsetMs: l.clockOffsetMs, updatedAtMs: prev && prev.data === l.data ? s.live.updatedAtMs : now() },
      streamError: l.error ?? null,
    };
    if (!prev || prev.data !== l.data || prev.seq !== l.seq) {
      const order = l.data.list.all?.ids ?? [];
      Object.assign(patch, {
        loaded: l.seq >= 0,
        order: sameIds(order, s.order) ? s.order : order,
        profiles: l.data.profiles,
        statuses: l.data.status,
        histories: l.data.history,
      });
      // A profile gone from the list takes its spinner along.
      const busy = Object.fromEntries(Object.entries(s.busy).filter(([id]) => id in l.data.profiles));
      if (Object.keys(busy).length !== Object.keys(s.busy).length) patch.busy = busy;
    }
    store.setState(patch);
  };
  fromLive(live.getState(), undefined);
  disposables.add(toDisposable(live.subscribe((l, prev) => fromLive(l, prev))));

  // ---- throughput: bytes/s from successive statuses, sampled on a fixed period ----
  const intervalMs = deps.sampleIntervalMs ?? SAMPLE_INTERVAL_MS;
  if (intervalMs > 0) {
    const last = new Map<string, { atMs: number; bytesIn: number; bytesOut: number }>();
    const sample = () => {
      const s = store.getState();
      const t = now();
      const next: Record<string, readonly RateSample[]> = {};
      let changed = false;
      const seen = new Set<string>();
      for (const status of Object.values(s.statuses)) {
        if (!isRunningState(status.state)) continue;
        for (const f of status.forwards) {
          const key = trafficKey(status.profileId, f.id);
          seen.add(key);
          const prev = last.get(key);
          last.set(key, { atMs: t, bytesIn: f.bytesIn, bytesOut: f.bytesOut });
          const history = s.traffic[key] ?? [];
          if (!prev || t <= prev.atMs) {
            next[key] = history;
            continue;
          }
          const dt = (t - prev.atMs) / 1000;
          // Counters start again at zero when a tunnel restarts: that interval counts as idle.
          const rate = (cur: number, before: number) => (cur >= before ? (cur - before) / dt : 0);
          const point: RateSample = { atMs: t, inPerSec: rate(f.bytesIn, prev.bytesIn), outPerSec: rate(f.bytesOut, prev.bytesOut) };
          next[key] = [...history, point].slice(-historyLength);
          changed = true;
        }
      }
      for (const key of [...last.keys()]) if (!seen.has(key)) last.delete(key);
      if (changed || Object.keys(s.traffic).length !== Object.keys(next).length) store.setState({ traffic: next });
    };
    const timer = setInterval(sample, intervalMs);
    disposables.add(toDisposable(() => clearInterval(timer)));
  }

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

// ---- selectors ----

export const selectTunnelsLoaded = (s: TunnelsState): boolean => s.loaded;
export const selectTunnelOrder = (s: TunnelsState): readonly string[] => s.order;
export const selectTunnelProfiles = (s: TunnelsState): Readonly<Record<string, TunnelProfile>> => s.profiles;
export const selectTunnelStreamError = (s: TunnelsState): AppError | null => s.streamError;
export const selectTunnelsLive = (s: TunnelsState): TunnelsLive => s.live;
/** Values may be acted on (connected, and fresh since the last reconnect). */
export const selectTunnelsFresh = (s: TunnelsState): boolean => s.live.fresh;
export const selectHistory =
  (id: string) =>
  (s: TunnelsState): TunnelHistory | undefined =>
    s.histories[id];
export const selectProfile =
  (id: string) =>
  (s: TunnelsState): TunnelProfile | undefined =>
    s.profiles[id];
/** The status, or a stopped one built from the profile when the tunnel has not run. */
export const selectStatus =
  (id: string) =>
  (s: TunnelsState): TunnelStatus | undefined =>
    s.statuses[id];
export const selectBusy =
  (id: string) =>
  (s: TunnelsState): TunnelBusy | undefined =>
    s.busy[id];
export const selectTraffic =
  (profileId: string, forwardId: string) =>
  (s: TunnelsState): readonly RateSample[] | undefined =>
    s.traffic[trafficKey(profileId, forwardId)];
