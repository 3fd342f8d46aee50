import type { ContractImpl } from '../contract/define';
import type { Disposable } from '../contract/lifecycle';
import type { settingsContract } from '../contract/settings';
import type { SettingsStore } from './settings-store';

/** The settings contract over a SettingsStore (the store is owned by the composition root). */
export class SettingsService implements Disposable {
  constructor(private readonly store: SettingsStore) {}

  readonly impl: ContractImpl<typeof settingsContract> = {
    get: () => this.store.current,
    update: (patch) => this.store.update(patch),
    changes: (_input, sink) => {
      sink.next(this.store.current);
      return this.store.onDidChange((settings) => sink.next(settings));
    },
  };

  dispose(): void {}
}
