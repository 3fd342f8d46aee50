import type { AppApi } from '@contract/index';
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ReconnectingConnection } from '../api/reconnecting-connection';
import type { TransportKind } from '../api/transport';
import type { FeatureStore, RendererFeature, StoreDeps, StoreKey } from '../app/feature';
import { createAppStore, type AppState, type AppStore } from './app-store';
import { createConnectionStore, type ConnectionStore, type ConnectionStoreState } from './connection-store';
import { createSecretsStore, type SecretsState, type SecretsStore } from './secrets-store';
import { createSettingsStore, type SettingsState, type SettingsStore, type SystemPreferences } from './settings-store';
import { createSshStore, type SshState, type SshStore } from './ssh-store';
import { createToastStore, type ToastState, type ToastStore } from './toast-store';

/** The shell's stores, and every feature's (found by its StoreKey). */
export interface Stores {
  readonly connection: ConnectionStore;
  readonly toasts: ToastStore;
  readonly app: AppStore;
  readonly settings: SettingsStore;
  readonly secrets: SecretsStore;
  readonly ssh: SshStore;
  get<S extends FeatureStore>(key: StoreKey<S>): S;
  dispose(): void;
}

/**
 * Every store of the page, built once from the api: the shell's, then each feature's in the
 * order of app/features.ts (a store that needs another feature's gets it through deps.get).
 */
export function createStores(deps: {
  api: AppApi;
  link: ReconnectingConnection;
  transport: TransportKind;
  prefs?: SystemPreferences;
  features: readonly RendererFeature[];
}): Stores {
  const toasts = createToastStore();
  const connection = createConnectionStore(deps.link, deps.transport);
  const app = createAppStore({ api: deps.api, link: deps.link, toasts });
  const settings = createSettingsStore({ api: deps.api, toasts, prefs: deps.prefs });
  const secrets = createSecretsStore({ api: deps.api, toasts });
  const ssh = createSshStore({ api: deps.api, toasts, link: deps.link });
  const featureStores = new Map<StoreKey<FeatureStore>, FeatureStore>();
  const creating = new Set<StoreKey<FeatureStore>>();
  const get = <S extends FeatureStore>(key: StoreKey<S>): S => {
    const existing = featureStores.get(key);
    if (existing) return existing as S;
    if (creating.has(key)) throw new Error(`store ${key.id} depends on itself`);
    creating.add(key);
    const store = key.create(storeDeps);
    creating.delete(key);
    featureStores.set(key, store);
    return store;
  };
  const storeDeps: StoreDeps = { api: deps.api, link: deps.link, toasts, connection, get };
  for (const feature of deps.features) for (const key of feature.stores ?? []) get(key);
  return {
    connection,
    toasts,
    app,
    settings,
    secrets,
    ssh,
    get,
    dispose() {
      for (const store of [...featureStores.values()].reverse()) store.dispose();
      featureStores.clear();
      ssh.dispose();
      secrets.dispose();
      settings.dispose();
      app.dispose();
      connection.dispose();
    },
  };
}

const StoresContext = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores outside StoresProvider');
  return stores;
}

/** A feature's store by its key (features export a selector hook built on this). */
export function useFeatureStore<S extends FeatureStore>(key: StoreKey<S>): S {
  return useStores().get(key);
}

// Components read through selectors; they call store actions, never the api.
export const useConnectionStore = <T,>(selector: (s: ConnectionStoreState) => T): T => useStore(useStores().connection, selector);
export const useToastStore = <T,>(selector: (s: ToastState) => T): T => useStore(useStores().toasts, selector);
export const useAppStore = <T,>(selector: (s: AppState) => T): T => useStore(useStores().app, selector);
export const useSettingsStore = <T,>(selector: (s: SettingsState) => T): T => useStore(useStores().settings, selector);
export const useSecretsStore = <T,>(selector: (s: SecretsState) => T): T => useStore(useStores().secrets, selector);
export const useSshStore = <T,>(selector: (s: SshState) => T): T => useStore(useStores().ssh, selector);
