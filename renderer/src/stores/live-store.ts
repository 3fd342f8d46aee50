import type { Observer } from '@contract/define';
import type { AppError } from '@contract/errors';
import type { Disposable } from '@contract/lifecycle';
import { applyLive, touchedKeys, type LiveData, type LiveUpdate, type SourceHealth } from '@contract/live';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConnectionState } from '../api/reconnecting-connection';

/**
 * The one way a page holds live data: a zustand store fed by a live stream (snapshot, then keyed
 * diffs). Frames are applied as they arrive and shown once per animation frame; a gap in the sequence makes it subscribe
 * again for a fresh snapshot; unchanged items keep their identity, so a selector of one row
 * re-renders only that row; every touched key remembers when it changed (for a highlight).
 * When the link to the services is lost, `connected` and `fresh` turn false at once: pages draw
 * every value stale and disable actions until a new snapshot has arrived.
 */

export interface LiveState<D extends LiveData> {
  readonly data: D;
  /** The last frame's sequence number (-1 before the first snapshot). */
  readonly seq: number;
  /** The source's health as the service last reported it. */
  readonly health: SourceHealth | undefined;
  /** server clock − local clock, from the last frame (to show ages in the server's time). */
  readonly clockOffsetMs: number;
  /** The link to the services is open. */
  readonly connected: boolean;
  /** Connected, and a snapshot arrived since the link was last (re)opened: the data can be acted on. */
  readonly fresh: boolean;
  /** The stream ended with an error (the data shown is from before). */
  readonly error: AppError | undefined;
  /** Local time each key of each collection last changed (added or patched), for the last CHANGED_KEEP_MS. */
  readonly changedAtMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export type LiveStore<D extends LiveData> = StoreApi<LiveState<D>> & Disposable & {
  /** Drops the subscription and subscribes again (a fresh snapshot). */
  resync(): void;
};

export interface LiveLink {
  readonly state: ConnectionState;
  onDidChangeState(listener: (state: ConnectionState) => void): Disposable;
}

export interface LiveStoreOptions<D extends LiveData> {
  /** Opens the stream, e.g. (o) => api.tunnels.live(null, o). */
  subscribe(observer: Observer<LiveUpdate<D>>): Disposable;
  readonly initial: D;
  readonly link?: LiveLink;
  /** How applying is batched: one flush per animation frame by default (a timer when hidden). */
  schedule?: (flush: () => void) => void;
  now?: () => number;
  /** Called when the stream ends with an error. */
  onError?: (err: AppError) => void;
}

export function frameScheduler(flush: () => void): void {
  // requestAnimationFrame pauses in a hidden tab; a timer keeps a background window current enough.
  if (typeof document !== 'undefined' && document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') {
    requestAnimationFrame(flush);
  } else setTimeout(flush, 100);
}

/** Frames applied while no animation frame came (a hidden tab's timer lags); beyond this many it resubscribes. */
const MAX_QUEUED_FRAMES = 500;

export function createLiveStore<D extends LiveData>(options: LiveStoreOptions<D>): LiveStore<D> {
  const schedule = options.schedule ?? frameScheduler;
  const now = options.now ?? Date.now;
  const isOpen = () => (options.link ? options.link.state.status === 'open' : true);
  const store = createStore<LiveState<D>>()(() => ({
    data: options.initial,
    seq: -1,
    health: undefined,
    clockOffsetMs: 0,
    connected: isOpen(),
    fresh: false,
    error: undefined,
    changedAtMs: {},
  }));

  /**
   * Frames are applied as they arrive (in the task that received them), into this: what the
   * store will show at the next animation frame. The frame itself then only publishes it (one
   * store update, one React render), so applying a diff to a big collection does not lengthen
   * the frame the page is drawn in.
   */
  let pending:
    | { data: D; seq: number; health: SourceHealth | undefined; clockOffsetMs: number; changedAtMs: LiveState<D>['changedAtMs']; snapshot: boolean; frames: number; touched: Record<string, Record<string, number>> }
    | undefined;
  let scheduled = false;
  let disposed = false;
  let sub: Disposable | undefined;
  let generation = 0;

  const receive = (frame: LiveUpdate<D>) => {
    const t = now();
    if (!pending) {
      const s = store.getState();
      pending = { data: s.data, seq: s.seq, health: s.health, clockOffsetMs: s.clockOffsetMs, changedAtMs: s.changedAtMs, snapshot: false, frames: 0, touched: {} };
    }
    const p = pending;
    p.clockOffsetMs = frame.nowMs - t;
    if (frame.t === 'snapshot') {
      Object.assign(p, { data: frame.data, seq: frame.seq, health: frame.health, changedAtMs: {}, snapshot: true, frames: 0, touched: {} });
    } else if (p.frames >= MAX_QUEUED_FRAMES) {
      resync();
      return;
    } else if (p.seq < 0 || frame.seq !== p.seq + 1) {
      // A lost frame: what we hold can no longer be patched. Show what we have, start over from a snapshot.
      store.setState({ data: p.data, seq: p.seq, health: p.health, clockOffsetMs: p.clockOffsetMs, changedAtMs: mergeTouched(p.changedAtMs, p.touched, t), fresh: false });
      resync();
      return;
    } else {
      p.data = applyLive(p.data, frame.changes);
      p.seq = frame.seq;
      p.frames++;
      if (frame.health) p.health = frame.health;
      for (const [name, keys] of Object.entries(touchedKeys(frame.changes))) {
        const coll = (p.touched[name] ??= Object.create(null) as Record<string, number>);
        for (const key of keys) coll[key] = t;
      }
    }
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  };

  const open = () => {
    const gen = ++generation;
    sub = options.subscribe({
      next: (frame) => {
        if (gen !== generation || disposed) return;
        receive(frame);
      },
      end: (err) => {
        if (gen !== generation || disposed || !err) return;
        store.setState({ error: err, fresh: false });
        options.onError?.(err);
      },
    });
  };

  const resync = () => {
    if (disposed) return;
    sub?.dispose();
    pending = undefined;
    store.setState({ fresh: false });
    open();
  };

  const flush = () => {
    scheduled = false;
    const p = pending;
    pending = undefined;
    if (disposed || !p) return;
    // A snapshot makes the data fresh if the link is up now; otherwise fresh stays as the link left it.
    const fresh = p.snapshot ? isOpen() : store.getState().fresh;
    store.setState({ data: p.data, seq: p.seq, health: p.health, clockOffsetMs: p.clockOffsetMs, changedAtMs: mergeTouched(p.changedAtMs, p.touched, now()), fresh, error: undefined });
  };

  const linkSub = options.link?.onDidChangeState((state) => {
    const connected = state.status === 'open';
    // Reopened: the connection re-subscribes by itself; fresh again once its snapshot arrives.
    store.setState({ connected, fresh: false });
  });

  open();

  return Object.assign(store, {
    resync,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      sub?.dispose();
      linkSub?.dispose();
    },
  });
}

/**
 * How long a key's change time is kept. Pages light a change up for 2 s; keeping every key that
 * ever changed would grow without end (jobs come and go) and be copied on every frame.
 */
export const CHANGED_KEEP_MS = 10_000;

function mergeTouched(
  prev: Readonly<Record<string, Readonly<Record<string, number>>>>,
  touched: Record<string, Record<string, number>>,
  nowMs: number,
): Readonly<Record<string, Readonly<Record<string, number>>>> {
  if (Object.keys(touched).length === 0) return prev;
  const out: Record<string, Readonly<Record<string, number>>> = { ...prev };
  for (const [name, keys] of Object.entries(touched)) {
    // Keys can be anything (an etcd key "__proto__"): a prototype-less record, copied key by key.
    const merged: Record<string, number> = Object.create(null) as Record<string, number>;
    const old = prev[name];
    if (old) for (const key in old) if (nowMs - old[key]! < CHANGED_KEEP_MS) merged[key] = old[key]!;
    for (const key in keys) merged[key] = keys[key]!;
    out[name] = merged;
  }
  return out;
}

// ---- selectors ----

/** Data may be acted on: connected, and a snapshot since the last (re)connect. */
export const selectLiveFresh = <D extends LiveData>(s: LiveState<D>): boolean => s.fresh;

/** Whether a value must be drawn stale: not connected to the services, or the source is not live. */
export function isStale<D extends LiveData>(s: LiveState<D>): boolean {
  return !s.connected || !s.fresh || (s.health !== undefined && s.health.state !== 'live');
}

/** Age of the data in ms, in the server's clock (undefined before any data). */
export function dataAgeMs<D extends LiveData>(s: Pick<LiveState<D>, 'health' | 'clockOffsetMs'>, localNowMs: number): number | undefined {
  const at = s.health?.dataAtMs;
  return at === undefined ? undefined : Math.max(0, localNowMs + s.clockOffsetMs - at);
}

/** Whether the key changed within the last windowMs (local time). */
export function changedRecently<D extends LiveData>(s: LiveState<D>, collection: string, key: string, localNowMs: number, windowMs = 2000): boolean {
  const at = s.changedAtMs[collection]?.[key];
  return at !== undefined && localNowMs - at < windowMs;
}
