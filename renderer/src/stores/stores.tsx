import type { AppApi } from '@contract/index';
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ReconnectingConnection } from '../api/reconnecting-connection';
import type { TransportKind } from '../api/transport';
import { createAppStore, type AppState, type AppStore } from './app-store';
import { createConnectionStore, type ConnectionStore, type ConnectionStoreState } from './connection-store';
import { createSecretsStore, type SecretsState, type SecretsStore } from './secrets-store';
import { createSettingsStore, type SettingsState, type SettingsStore, type SystemPreferences } from './settings-store';
import { createSshStore, type SshState, type SshStore } from './ssh-store';
import { createToastStore, type ToastState, type ToastStore } from './toast-store';
import { createTunnelsStore, type TunnelsState, type TunnelsStore } from './tunnels-store';
import { createTerminalStore, type TerminalState, type TerminalStore } from './terminal-store';
import { createXtermScreen } from '../features/terminal/xterm-screen';

/** Every feature store of the page, built once from the api. */
export interface Stores {
  readonly connection: ConnectionStore;
  readonly toasts: ToastStore;
  readonly app: AppStore;
  readonly settings: SettingsStore;
  readonly secrets: SecretsStore;
  readonly ssh: SshStore;
  readonly tunnels: TunnelsStore;
  readonly terminal: TerminalStore;
  dispose(): void;
}

export function createStores(deps: {
  api: AppApi;
  link: ReconnectingConnection;
  transport: TransportKind;
  prefs?: SystemPreferences;
}): Stores {
  const toasts = createToastStore();
  const connection = createConnectionStore(deps.link, deps.transport);
  const app = createAppStore({ api: deps.api, link: deps.link, toasts });
  const settings = createSettingsStore({ api: deps.api, toasts, prefs: deps.prefs });
  const secrets = createSecretsStore({ api: deps.api, toasts });
  const ssh = createSshStore({ api: deps.api, toasts, link: deps.link });
  const tunnels = createTunnelsStore({ api: deps.api, toasts });
  const terminal = createTerminalStore({ api: deps.api, toasts, createScreen: createXtermScreen });
  return {
    connection,
    toasts,
    app,
    settings,
    secrets,
    ssh,
    tunnels,
    terminal,
    dispose() {
      terminal.dispose();
      tunnels.dispose();
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

// Components read through selectors; they call store actions, never the api.
export const useConnectionStore = <T,>(selector: (s: ConnectionStoreState) => T): T => useStore(useStores().connection, selector);
export const useToastStore = <T,>(selector: (s: ToastState) => T): T => useStore(useStores().toasts, selector);
export const useAppStore = <T,>(selector: (s: AppState) => T): T => useStore(useStores().app, selector);
export const useSettingsStore = <T,>(selector: (s: SettingsState) => T): T => useStore(useStores().settings, selector);
export const useSecretsStore = <T,>(selector: (s: SecretsState) => T): T => useStore(useStores().secrets, selector);
export const useSshStore = <T,>(selector: (s: SshState) => T): T => useStore(useStores().ssh, selector);
export const useTunnelsStore = <T,>(selector: (s: TunnelsState) => T): T => useStore(useStores().tunnels, selector);
export const useTerminalStore = <T,>(selector: (s: TerminalState) => T): T => useStore(useStores().terminal, selector);
