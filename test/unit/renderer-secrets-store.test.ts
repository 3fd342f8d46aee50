import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import type { SecretsSnapshot, SecretStatus } from '../../main/contract/secrets';
import { createSecretsStore, selectSecretsBusy, selectSecretsSnapshot, selectUnlockError, type SecretsStore } from '../../renderer/src/stores/secrets-store';
import { createToastStore, type ToastStore } from '../../renderer/src/stores/toast-store';
import { RendererLink, settle, until } from '../support/renderer-link';

const PASSPHRASE = 'a long enough passphrase';

/** A vault as the secrets service shows it: status and entries, locked until the right passphrase. */
function fakeVault() {
  const sinks = new Set<Sink<SecretsSnapshot>>();
  const state = {
    locked: true,
    entries: [{ id: 'ssh:rig-1:password', label: 'rig-1' }],
    /** Unlock and lock wait for this when set. */
    gate: null as Promise<void> | null,
    lockError: null as AppError | null,
  };
  const status = (): SecretStatus => ({ backend: 'vault', persistent: true, locked: state.locked, vaultExists: true });
  const snapshot = (): SecretsSnapshot => ({ status: status(), entries: state.locked ? null : state.entries.map((e) => ({ ...e })) });
  const publish = () => {
    for (const s of sinks) s.next(snapshot());
  };
  const impl = {
    unlock: async ({ passphrase }: { passphrase: string }) => {
      if (state.gate) await state.gate;
      if (passphrase !== PASSPHRASE) throw new AppError('UNAUTHENTICATED', 'wrong passphrase');
      state.locked = false;
      return status();
    },
    lock: async () => {
      if (state.gate) await state.gate;
      if (state.lockError) throw state.lockError;
      state.locked = true;
      return status();
    },
    changes: (_input: null, sink: Sink<SecretsSnapshot>) => {
      sinks.add(sink);
      sink.next(snapshot());
      return toDisposable(() => sinks.delete(sink));
    },
  };
  return { state, impl, publish, subscribers: () => sinks.size };
}

describe('secrets store', () => {
  let fx: RendererLink;
  let toasts: ToastStore;
  let store: SecretsStore | undefined;
  afterEach(() => {
    store?.dispose();
    fx?.dispose();
  });

  async function setup(vault = fakeVault()) {
    fx = new RendererLink({ secrets: vault.impl });
    toasts = createToastStore();
    store = createSecretsStore({ api: fx.api, toasts });
    expect(selectSecretsSnapshot(store.getState())).toBeNull();
    await fx.open();
    await until('first snapshot', () => store!.getState().snapshot !== null);
    return { vault, store };
  }

  it('shows the status and, once unlocked, the entries (never values)', async () => {
    const { vault, store } = await setup();
    expect(store.getState().snapshot).toEqual({ status: expect.objectContaining({ locked: true }), entries: null });

    await expect(store.getState().unlock(PASSPHRASE)).resolves.toBe(true);
    expect(store.getState().snapshot?.status.locked).toBe(false);
    vault.publish(); // the service's change event after the unlock
    await until('entries', () => store.getState().snapshot?.entries !== null);
    expect(store.getState().snapshot?.entries).toEqual([{ id: 'ssh:rig-1:password', label: 'rig-1' }]);
    expect(selectSecretsBusy(store.getState())).toBeNull();
  });

  it('a wrong passphrase is shown at the field, not as a toast; clearUnlockError takes it away', async () => {
    const { store } = await setup();
    await expect(store.getState().unlock('wrong')).resolves.toBe(false);
    expect(selectUnlockError(store.getState())).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(toasts.getState().queue).toEqual([]);
    store.getState().clearUnlockError();
    expect(store.getState().unlockError).toBeNull();
  });

  it('locking drops the entries it knew; a failed lock is toasted', async () => {
    const { vault, store } = await setup();
    await store.getState().unlock(PASSPHRASE);
    vault.publish();
    await until('entries', () => store.getState().snapshot?.entries !== null);
    // A status answer keeps the entries known while unlocked.
    await store.getState().unlock(PASSPHRASE);
    expect(store.getState().snapshot?.entries).toHaveLength(1);

    await store.getState().lock();
    expect(store.getState().snapshot).toEqual({ status: expect.objectContaining({ locked: true }), entries: null });

    vault.state.lockError = new AppError('INTERNAL', 'disk full');
    await store.getState().lock();
    expect(toasts.getState().queue).toEqual([expect.objectContaining({ code: 'INTERNAL', action: 'lockSecrets' })]);
  });

  it('does one thing at a time: a second unlock or a lock while busy is refused', async () => {
    const vault = fakeVault();
    let open!: () => void;
    vault.state.gate = new Promise((resolve) => (open = resolve));
    const { store } = await setup(vault);
    const first = store.getState().unlock(PASSPHRASE);
    expect(store.getState().busy).toBe('unlock');
    await expect(store.getState().unlock(PASSPHRASE)).resolves.toBe(false);
    await store.getState().lock();
    open();
    await expect(first).resolves.toBe(true);
    expect(store.getState().busy).toBeNull();
    expect(store.getState().snapshot?.status.locked).toBe(false);
  });

  it('an unlock on a lost link fails with a toast; after the restore the snapshot is fresh (the host restarted: locked again)', async () => {
    const { vault, store } = await setup();
    await store.getState().unlock(PASSPHRASE);
    vault.publish();
    await until('entries', () => store.getState().snapshot?.entries !== null);

    await fx.lose({ stayDown: true });
    const unlocking = store.getState().unlock(PASSPHRASE);
    await fx.clock.advance(1_000);
    await expect(unlocking).resolves.toBe(false);
    expect(store.getState().unlockError).toBeNull();
    expect(toasts.getState().queue).toEqual([expect.objectContaining({ code: 'UNAVAILABLE', action: 'unlockSecrets' })]);

    vault.state.locked = true; // a restarted web host starts with the vault locked
    await fx.restore();
    await until('fresh snapshot', () => store.getState().snapshot?.status.locked === true);
    expect(store.getState().snapshot?.entries).toBeNull();
    expect(vault.subscribers()).toBe(1);
  });

  it('disposing ends the changes subscription', async () => {
    const { vault, store } = await setup();
    store.dispose();
    await settle();
    expect(vault.subscribers()).toBe(0);
  });
});
