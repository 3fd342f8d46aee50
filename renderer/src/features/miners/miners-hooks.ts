import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createMinersStore, type MinersState, type MinersStore } from './miners-store';

export const minersStoreKey = storeKey<MinersStore>('miners', (deps) =>
  createMinersStore({ api: deps.api, toasts: deps.toasts, link: deps.link, storage: typeof window !== 'undefined' ? window.localStorage : undefined }),
);

/** Components read the miners store through selectors. */
export const useMinersStore = <T,>(selector: (s: MinersState) => T): T => useStore(useFeatureStore(minersStoreKey), selector);
