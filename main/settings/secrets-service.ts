import type { ContractImpl } from '../contract/define';
import { isAppError } from '../contract/errors';
import { DisposableStore, type Disposable } from '../contract/lifecycle';
import type { SecretsSnapshot, secretsContract } from '../contract/secrets';
import type { SecretStore } from './secret-store';
import { SerialQueue } from './serial-queue';

/**
 * The secrets contract over a SecretStore. Values go in, never out: the renderer can set, list
 * (ids and labels) and delete, and services in main read values from the store itself.
 */
export class SecretsService implements Disposable {
  constructor(private readonly store: SecretStore) {}

  async snapshot(): Promise<SecretsSnapshot> {
    const status = await this.store.status();
    if (status.locked) return { status, entries: null };
    try {
      return { status, entries: await this.store.list() };
    } catch (err) {
      if (isAppError(err, 'LOCKED')) return { status: { ...status, locked: true }, entries: null };
      throw err;
    }
  }

  readonly impl: ContractImpl<typeof secretsContract> = {
    status: () => this.store.status(),
    unlock: ({ passphrase }) => this.store.unlock(passphrase),
    lock: () => this.store.lock(),
    list: () => this.store.list(),
    set: ({ id, label, value }) => this.store.set(id, value, label),
    delete: async ({ id }) => ({ deleted: await this.store.delete(id) }),
    changes: (_input, sink) => {
      // Snapshots are taken one at a time so events arrive in the order of the changes.
      const queue = new SerialQueue();
      const subscription = new DisposableStore();
      let queued = false;
      const push = () => {
        if (queued) return; // a snapshot not yet taken covers this change too
        queued = true;
        void queue
          .run(async () => {
            queued = false;
            if (subscription.isDisposed) return;
            const snap = await this.snapshot();
            if (!subscription.isDisposed) sink.next(snap);
          })
          .catch((err: unknown) => sink.end(err));
      };
      push();
      subscription.add(this.store.onDidChange(() => push()));
      return subscription;
    },
  };

  dispose(): void {}
}
