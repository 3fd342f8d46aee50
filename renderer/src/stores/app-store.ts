import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import { DisposableStore, type Disposable } from '@contract/lifecycle';
import type { Notice, SystemInfo } from '@contract/system';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReconnectingConnection } from '../api/reconnecting-connection';
import type { ToastStore } from './toast-store';

export type PingResult =
  | { readonly status: 'idle' }
  | { readonly status: 'pending'; readonly sent: string }
  | { readonly status: 'ok'; readonly sent: string; readonly echo: string; readonly rttMs: number; readonly serverTimeMs: number }
  | { readonly status: 'error'; readonly sent: string; readonly error: AppError };

export interface AppState {
  /** From system.info; refreshed on every (re)connect, since the service may have restarted. */
  readonly info: SystemInfo | null;
  readonly infoLoading: boolean;
  readonly infoError: AppError | null;
  /** Notices seen this session, newest first. */
  readonly notices: readonly Notice[];
  readonly ping: PingResult;
  refreshInfo(): Promise<void>;
  sendPing(): Promise<void>;
}

export type AppStore = StoreApi<AppState> & Disposable;

const MAX_NOTICES = 100;

export interface AppStoreDeps {
  api: AppApi;
  link: Pick<ReconnectingConnection, 'onDidChangeState' | 'state'>;
  toasts: ToastStore;
  /** For the ping round trip; performance.now by default. */
  now?: () => number;
  randomMarker?: () => string;
}

function defaultMarker(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `ping-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** System facts, service notices (each shown once as a toast) and the ping round trip. */
export function createAppStore({ api, link, toasts, now = () => performance.now(), randomMarker = defaultMarker }: AppStoreDeps): AppStore {
  const disposables = new DisposableStore();
  const seenNotices = new Set<string>();

  /** Notices arrive in system.info (raised before we connected) and on the stream: each once. */
  const addNotices = (list: readonly Notice[]) => {
    const fresh = list.filter((n) => !seenNotices.has(n.id));
    if (fresh.length === 0) return;
    for (const n of fresh) {
      seenNotices.add(n.id);
      toasts.getState().reportNotice(n);
    }
    const newestFirst = fresh.reverse();
    store.setState((s) => ({ notices: [...newestFirst, ...s.notices].slice(0, MAX_NOTICES) }));
  };

  const store = createStore<AppState>()((set, get) => {
    let infoSeq = 0;
    return {
      info: null,
      infoLoading: false,
      infoError: null,
      notices: [],
      ping: { status: 'idle' },

      async refreshInfo() {
        const seq = ++infoSeq;
        set({ infoLoading: true });
        try {
          const info = await api.system.info(null);
          if (seq !== infoSeq) return;
          set({ info, infoLoading: false, infoError: null });
          addNotices(info.notices);
        } catch (err) {
          if (seq !== infoSeq) return;
          const e = AppError.from(err);
          set({ infoLoading: false, infoError: e });
          toasts.getState().reportError(e, 'loadInfo');
        }
      },

      async sendPing() {
        if (get().ping.status === 'pending') return;
        const sent = randomMarker();
        set({ ping: { status: 'pending', sent } });
        const started = now();
        try {
          const res = await api.system.ping({ echo: sent });
          const rttMs = now() - started;
          set({ ping: { status: 'ok', sent, echo: res.echo, rttMs, serverTimeMs: res.serverTimeMs } });
        } catch (err) {
          const error = AppError.from(err);
          set({ ping: { status: 'error', sent, error } });
          toasts.getState().reportError(error, 'ping');
        }
      },
    };
  });

  disposables.add(
    api.system.notices(null, {
      next: (notice) => addNotices([notice]),
      end: (err) => {
        if (err) toasts.getState().reportError(err, 'watchNotices');
      },
    }),
  );

  const onState = () => {
    if (link.state.status === 'open') void store.getState().refreshInfo();
  };
  disposables.add(link.onDidChangeState(onState));
  onState();

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

export const selectInfo = (s: AppState): SystemInfo | null => s.info;
export const selectVersion = (s: AppState): string | undefined => s.info?.version;
export const selectPing = (s: AppState): PingResult => s.ping;
export const selectNotices = (s: AppState): readonly Notice[] => s.notices;
