import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import { DisposableStore, type Disposable } from '@contract/lifecycle';
import type { SecretsSnapshot, SecretStatus } from '@contract/secrets';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ToastStore } from './toast-store';

export interface SecretsState {
  /** Status and the ids/labels of stored secrets (never values); null until first loaded. */
  readonly snapshot: SecretsSnapshot | null;
  readonly busy: 'unlock' | 'lock' | null;
  /** A wrong passphrase, shown at the field rather than as a toast. */
  readonly unlockError: AppError | null;
  unlock(passphrase: string): Promise<boolean>;
  lock(): Promise<void>;
  clearUnlockError(): void;
}

export type SecretsStore = StoreApi<SecretsState> & Disposable;

/** The secret store's status, and unlocking / locking the web host's vault. */
export function createSecretsStore(deps: { api: AppApi; toasts: ToastStore }): SecretsStore {
  const remote = deps.api.secrets;
  const disposables = new DisposableStore();
  const report = deps.toasts.getState().reportError;

  const store = createStore<SecretsState>()((set, get) => {
    const applyStatus = (status: SecretStatus) => {
      const snap = get().snapshot;
      set({ snapshot: { status, entries: status.locked ? null : (snap?.entries ?? null) } });
    };
    return {
      snapshot: null,
      busy: null,
      unlockError: null,
      async unlock(passphrase) {
        if (get().busy) return false;
        set({ busy: 'unlock', unlockError: null });
        try {
          applyStatus(await remote.unlock({ passphrase }));
          return true;
        } catch (err) {
          const e = AppError.from(err);
          if (e.code === 'UNAUTHENTICATED') set({ unlockError: e });
          else report(e, 'unlockSecrets');
          return false;
        } finally {
          set({ busy: null });
        }
      },
      async lock() {
        if (get().busy) return;
        set({ busy: 'lock' });
        try {
          applyStatus(await remote.lock(null));
        } catch (err) {
          report(err, 'lockSecrets');
        } finally {
          set({ busy: null });
        }
      },
      clearUnlockError: () => set({ unlockError: null }),
    };
  });

  disposables.add(
    remote.changes(null, {
      next: (snapshot) => store.setState({ snapshot }),
      end: (err) => {
        if (err) report(err, 'loadSecrets');
      },
    }),
  );
  return Object.assign(store, { dispose: () => disposables.dispose() });
}

export const selectSecretsSnapshot = (s: SecretsState): SecretsSnapshot | null => s.snapshot;
export const selectSecretsBusy = (s: SecretsState): SecretsState['busy'] => s.busy;
export const selectUnlockError = (s: SecretsState): AppError | null => s.unlockError;
