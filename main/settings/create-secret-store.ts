import type { Clock } from '../contract/clock';
import type { Notice } from '../contract/system';
import { MemorySecretStore, type SecretStore } from './secret-store';
import { VaultSecretStore, type ScryptParams } from './vault-secret-store';

export interface CreateSecretStoreOptions {
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** A store built by the host (electron passes a SafeStorageSecretStore). Owned by the result. */
  injected?: SecretStore;
  scrypt?: ScryptParams;
  clock?: Clock;
}

/**
 * Picks the secret store: DROVER_SECRETS=memory forces memory only, DROVER_SECRETS=vault forces
 * the passphrase vault; otherwise the injected store (Electron's safeStorage), otherwise the vault
 * (the web host's default: locked until the user unlocks it). Notices tell the user what was chosen
 * when it is not the safe default, including a store that does not persist.
 */
export async function createSecretStore(options: CreateSecretStoreOptions): Promise<{ store: SecretStore; notices: Notice[] }> {
  const now = options.clock?.now() ?? Date.now();
  const notices: Notice[] = [];
  const choice = (options.env.DROVER_SECRETS ?? '').trim().toLowerCase();
  let store: SecretStore;

  if (choice !== '' && choice !== 'memory' && choice !== 'vault') {
    notices.push({
      id: `secrets.badEnv-${now}`,
      level: 'warning',
      key: 'secrets.badEnv',
      values: { value: choice.slice(0, 64) },
      message: `DROVER_SECRETS=${choice.slice(0, 64)} is not understood (use "memory" or "vault"); using the default secret store.`,
    });
  }

  if (choice === 'memory') {
    options.injected?.dispose();
    store = new MemorySecretStore('DROVER_SECRETS=memory: secrets are kept in memory only and are forgotten when Drover quits.');
    notices.push({
      id: `secrets.memoryOnly-${now}`,
      level: 'info',
      key: 'secrets.memoryOnly',
      message: 'Secrets are kept in memory only (DROVER_SECRETS=memory) and are forgotten when Drover quits.',
    });
    return { store, notices };
  }

  if (choice === 'vault' || options.injected === undefined) {
    options.injected?.dispose();
    store = new VaultSecretStore({ dir: options.configDir, scrypt: options.scrypt, clock: options.clock });
  } else {
    store = options.injected;
  }

  const status = await store.status();
  if (!status.persistent) {
    notices.push({
      id: `secrets.notPersistent-${now}`,
      level: 'warning',
      key: 'secrets.notPersistent',
      values: { reason: status.reason ?? '' },
      message: status.reason ?? 'Secrets are kept in memory only and are forgotten when Drover quits.',
    });
  } else if (status.reason !== undefined) {
    notices.push({ id: `secrets.note-${now}`, level: 'warning', key: 'secrets.note', values: { reason: status.reason }, message: status.reason });
  }
  return { store, notices };
}
