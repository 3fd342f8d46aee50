import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import type { SyslogFilter, SyslogMessage, SyslogTailEvent } from '@contract/fleet';
import type { Disposable } from '@contract/lifecycle';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LiveLink } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';

/** Messages the view holds (newest kept); paging back may add up to MAX_VIEW more. */
export const MAX_VIEW = 5000;
/** Messages held while paused; beyond that the view says how many were skipped. */
export const MAX_HELD = 20_000;
const PAGE = 500;

export interface SyslogViewFilter {
  readonly host: string;
  /** The least severe level shown (0 emerg … 7 debug); null: everything, raw lines included. */
  readonly minSeverity: number | null;
  readonly text: string;
  readonly regex: boolean;
}

export const NO_FILTER: SyslogViewFilter = { host: '', minSeverity: null, text: '', regex: false };

export interface SyslogState {
  /** Subscribed (the syslog view is open). */
  readonly open: boolean;
  readonly filter: SyslogViewFilter;
  /** What is shown, oldest first. */
  readonly messages: readonly SyslogMessage[];
  /** Older matching messages exist in the service's buffer. */
  readonly more: boolean;
  readonly loadingOlder: boolean;
  /** Waiting for the first answer after (re)subscribing. */
  readonly loading: boolean;
  /** New messages are not added to the view while paused; they wait here. */
  readonly paused: boolean;
  readonly held: number;
  /** Messages that did not reach this view (slow connection, or more than MAX_HELD while paused). */
  readonly skipped: number;
  /** The view scrolls to the newest line as they arrive. */
  readonly follow: boolean;
  /** The filter was refused (a regex that could backtrack) or the stream ended with an error. */
  readonly error: AppError | null;
  /** Changes on every batch, so a view can react (scroll when following). */
  readonly version: number;

  start(): void;
  stop(): void;
  setFilter(patch: Partial<SyslogViewFilter>): void;
  pause(): void;
  resume(): void;
  setFollow(follow: boolean): void;
  loadOlder(): Promise<void>;
  clear(): void;
  exportTo(path: string, format: 'text' | 'jsonl'): Promise<{ ok: true; path: string; count: number } | { ok: false; error: AppError }>;
}

export type SyslogStore = StoreApi<SyslogState> & Disposable;

export interface SyslogStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  /** Delay before a changed text filter resubscribes (typing). */
  debounceMs?: number;
}

export function toServiceFilter(f: SyslogViewFilter): SyslogFilter {
  const out: SyslogFilter = {};
  if (f.host.trim()) out.host = f.host.trim();
  if (f.minSeverity !== null) out.minSeverity = f.minSeverity;
  if (f.text !== '') {
    out.text = f.text;
    if (f.regex) out.regex = true;
  }
  return out;
}

/**
 * The live log view: a tail of the service's syslog buffer with the filter applied by the service,
 * pause (new lines wait) and follow (scroll to the newest), paging back through older lines, and
 * export to a file. Subscribed only while the view is open.
 */
export function createSyslogStore(deps: SyslogStoreDeps): SyslogStore {
  const remote = deps.api.fleet;
  const report = deps.toasts.getState().reportError;
  let sub: Disposable | undefined;
  let generation = 0;
  let pendingHeld: SyslogMessage[] = [];
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let linkSub: Disposable | undefined;

  const store = createStore<SyslogState>()((set, get) => {
    const subscribe = () => {
      sub?.dispose();
      const gen = ++generation;
      pendingHeld = [];
      set({ loading: true, error: null, held: 0, skipped: 0 });
      sub = remote.syslogTail(
        { filter: toServiceFilter(get().filter), limit: PAGE },
        {
          next: (e: SyslogTailEvent) => {
            if (gen !== generation) return;
            onEvent(e);
          },
          end: (err) => {
            if (gen !== generation || !err) return;
            set({ error: err, loading: false });
            if (err.code !== 'INVALID_INPUT') report(err, 'fleetWatchSyslog');
          },
        },
      );
    };
    const onEvent = (e: SyslogTailEvent) => {
      const s = get();
      if (e.t === 'start') {
        pendingHeld = [];
        set({ messages: e.messages, more: e.more, loading: false, held: 0, version: s.version + 1 });
        return;
      }
      if (e.t === 'gap') {
        set({ skipped: s.skipped + e.count, more: true, version: s.version + 1 });
        return;
      }
      if (s.paused) {
        pendingHeld.push(...e.messages);
        let skipped = s.skipped;
        if (pendingHeld.length > MAX_HELD) {
          skipped += pendingHeld.length - MAX_HELD;
          pendingHeld = pendingHeld.slice(-MAX_HELD);
        }
        set({ held: pendingHeld.length, skipped });
        return;
      }
      const next = [...s.messages, ...e.messages];
      const trimmed = next.length > MAX_VIEW ? next.slice(-MAX_VIEW) : next;
      set({ messages: trimmed, more: s.more || trimmed.length < next.length, version: s.version + 1 });
    };
    return {
      open: false,
      filter: NO_FILTER,
      messages: [],
      more: false,
      loadingOlder: false,
      loading: false,
      paused: false,
      held: 0,
      skipped: 0,
      follow: true,
      error: null,
      version: 0,
      start() {
        if (get().open) return;
        set({ open: true });
        subscribe();
        linkSub ??= deps.link?.onDidChangeState((state) => {
          // The connection re-subscribes its streams by itself; the first event is a fresh start.
          if (state.status === 'open' && get().open) set({ loading: true });
        });
      },
      stop() {
        if (!get().open) return;
        generation++;
        sub?.dispose();
        sub = undefined;
        pendingHeld = [];
        set({ open: false, held: 0 });
      },
      setFilter(patch) {
        const filter = { ...get().filter, ...patch };
        set({ filter, messages: [], more: false, error: null });
        if (!get().open) return;
        if (debounce) clearTimeout(debounce);
        const typing = patch.text !== undefined || patch.host !== undefined;
        if (typing && (deps.debounceMs ?? 250) > 0) debounce = setTimeout(subscribe, deps.debounceMs ?? 250);
        else subscribe();
      },
      pause() {
        set({ paused: true, follow: false });
      },
      resume() {
        const s = get();
        const next = [...s.messages, ...pendingHeld];
        pendingHeld = [];
        const trimmed = next.length > MAX_VIEW ? next.slice(-MAX_VIEW) : next;
        set({ paused: false, follow: true, held: 0, messages: trimmed, more: s.more || trimmed.length < next.length, version: s.version + 1 });
      },
      setFollow(follow) {
        set({ follow });
      },
      async loadOlder() {
        const s = get();
        if (s.loadingOlder || !s.more) return;
        const first = s.messages[0];
        if (!first) return;
        set({ loadingOlder: true });
        const gen = generation;
        try {
          const page = await remote.syslogPage({ filter: toServiceFilter(s.filter), beforeSeq: first.seq, limit: PAGE });
          if (gen !== generation) return;
          const cur = get();
          const merged = [...page.messages, ...cur.messages];
          set({ messages: merged.length > MAX_VIEW * 2 ? merged.slice(0, MAX_VIEW * 2) : merged, more: page.more, follow: false, version: cur.version + 1 });
        } catch (err) {
          report(err, 'fleetLoadOlder');
        } finally {
          set({ loadingOlder: false });
        }
      },
      clear() {
        set((s) => ({ messages: [], more: s.messages.length > 0 || s.more, version: s.version + 1 }));
      },
      async exportTo(path, format) {
        try {
          const r = await remote.syslogExport({ path, format, filter: toServiceFilter(get().filter) });
          return { ok: true, path: r.path, count: r.count };
        } catch (err) {
          const error = AppError.from(err);
          if (error.code !== 'INVALID_INPUT') report(error, 'fleetExportSyslog');
          return { ok: false, error };
        }
      },
    };
  });

  return Object.assign(store, {
    dispose: () => {
      generation++;
      sub?.dispose();
      linkSub?.dispose();
      if (debounce) clearTimeout(debounce);
    },
  });
}
