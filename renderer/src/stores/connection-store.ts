import type { Disposable } from '@contract/lifecycle';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConnectionState, ReconnectingConnection } from '../api/reconnecting-connection';
import type { TransportKind } from '../api/transport';

export interface ConnectionStoreState {
  readonly transport: TransportKind;
  readonly connection: ConnectionState;
  retryNow(): void;
}

export type ConnectionStore = StoreApi<ConnectionStoreState> & Disposable;

/** Mirrors the link's state for the UI; "Retry now" is its only action. */
export function createConnectionStore(link: ReconnectingConnection, transport: TransportKind): ConnectionStore {
  const store = createStore<ConnectionStoreState>()(() => ({
    transport,
    connection: link.state,
    retryNow: () => link.retryNow(),
  }));
  const sub = link.onDidChangeState((connection) => store.setState({ connection }));
  return Object.assign(store, { dispose: () => sub.dispose() });
}

/** After this many failed attempts in a row the indicator turns from amber to red. */
export const ATTEMPTS_BEFORE_DISCONNECTED = 4;

export type ConnectionTone = 'ok' | 'pending' | 'warning' | 'error';

export const selectConnection = (s: ConnectionStoreState): ConnectionState => s.connection;
export const selectTransport = (s: ConnectionStoreState): TransportKind => s.transport;
export const selectIsOpen = (s: ConnectionStoreState): boolean => s.connection.status === 'open';
export const selectConnectionTone = (s: ConnectionStoreState): ConnectionTone => {
  const c = s.connection;
  switch (c.status) {
    case 'open':
      return 'ok';
    case 'connecting':
      return 'pending';
    case 'reconnecting':
      return c.attempt >= ATTEMPTS_BEFORE_DISCONNECTED ? 'error' : 'warning';
    case 'closed':
      return 'error';
  }
};
