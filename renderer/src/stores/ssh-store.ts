import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import { DisposableStore, type Disposable } from '@contract/lifecycle';
import type { HostKeyPrompt } from '@contract/ssh';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReconnectingConnection } from '../api/reconnecting-connection';
import type { ToastStore } from './toast-store';

export interface SshState {
  /** Unknown host keys waiting for a person, oldest first. */
  readonly prompts: readonly HostKeyPrompt[];
  /** Prompts the person put aside ("decide later"): still pending, not shown in the dialog. */
  readonly deferred: readonly string[];
  /** The prompt whose answer is being sent. */
  readonly answering: string | null;
  /** Trust (record in Drover's known_hosts) or refuse a prompted key. */
  answer(id: string, trust: boolean): Promise<void>;
  /** Hide a prompt from the dialog without answering it; it expires (refused) unless reopened. */
  defer(id: string): void;
  /** Show a deferred prompt (or all of them) in the dialog again. */
  reopen(id?: string): void;
}

export type SshStore = StoreApi<SshState> & Disposable;

/**
 * Host key approvals for everything that opens SSH connections (tunnels, terminals): the
 * ssh.hostKeyPrompts stream, and the answers. Subscribed for the whole life of the page, since
 * the service refuses unknown keys at once when no UI listens.
 */
export function createSshStore(deps: {
  api: AppApi;
  toasts: ToastStore;
  link?: Pick<ReconnectingConnection, 'onDidChangeState' | 'state'>;
}): SshStore {
  const remote = deps.api.ssh;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();

  const drop = (id: string) =>
    store.setState((s) => ({ prompts: s.prompts.filter((p) => p.id !== id), deferred: s.deferred.filter((d) => d !== id) }));

  const store = createStore<SshState>()((set, get) => ({
    prompts: [],
    deferred: [],
    answering: null,
    async answer(id, trust) {
      if (get().answering) return;
      set({ answering: id });
      try {
        await remote.answerHostKey({ id, trust });
        drop(id);
      } catch (err) {
        const e = AppError.from(err);
        // Answered elsewhere or expired meanwhile: the question is gone either way; say so.
        if (e.code === 'NOT_FOUND') drop(id);
        report(e, 'answerHostKey');
      } finally {
        set({ answering: null });
      }
    },
    defer(id) {
      set((s) => (s.deferred.includes(id) ? s : { deferred: [...s.deferred, id] }));
    },
    reopen(id) {
      set((s) => ({ deferred: id === undefined ? [] : s.deferred.filter((d) => d !== id) }));
    },
  }));

  // After a reconnect the stream sends every pending prompt again: what we held may be stale.
  if (deps.link) {
    let wasOpen = deps.link.state.status === 'open';
    disposables.add(
      deps.link.onDidChangeState((state) => {
        const open = state.status === 'open';
        if (open && !wasOpen) store.setState({ prompts: [], deferred: [] });
        wasOpen = open;
      }),
    );
  }

  disposables.add(
    remote.hostKeyPrompts(null, {
      next: (event) => {
        if (event.kind === 'prompt') {
          const p = event.prompt;
          store.setState((s) => (s.prompts.some((x) => x.id === p.id) ? s : { prompts: [...s.prompts, p] }));
        } else drop(event.id);
      },
      end: (err) => {
        if (err) report(err, 'watchHostKeys');
      },
    }),
  );

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

export const selectHostKeyPrompts = (s: SshState): readonly HostKeyPrompt[] => s.prompts;
export const selectDeferredPrompts = (s: SshState): readonly string[] => s.deferred;
export const selectAnswering = (s: SshState): string | null => s.answering;
