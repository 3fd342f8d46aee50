import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createTunnelsStore, type TunnelsState, type TunnelsStore } from './tunnels-store';

export const tunnelsStoreKey = storeKey<TunnelsStore>('tunnels', (deps) => createTunnelsStore({ api: deps.api, toasts: deps.toasts, link: deps.link }));

/** Components read the tunnels store through selectors. */
export const useTunnelsStore = <T,>(selector: (s: TunnelsState) => T): T => useStore(useFeatureStore(tunnelsStoreKey), selector);
