import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createNetbootStore, type NetbootState, type NetbootStore } from './netboot-store';

export const netbootStoreKey = storeKey<NetbootStore>('netboot', (deps) => createNetbootStore({ api: deps.api, toasts: deps.toasts, link: deps.link }));

/** Components read the netboot store through selectors. */
export const useNetbootStore = <T,>(selector: (s: NetbootState) => T): T => useStore(useFeatureStore(netbootStoreKey), selector);
