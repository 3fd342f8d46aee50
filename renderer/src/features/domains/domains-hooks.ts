import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createDomainsStore, type DomainsState, type DomainsStore } from './domains-store';

export const domainsStoreKey = storeKey<DomainsStore>('domains', (deps) => createDomainsStore({ api: deps.api, toasts: deps.toasts, link: deps.link }));

/** The domains store itself (for its actions outside React renders). */
export const useDomainsStoreApi = (): DomainsStore => useFeatureStore(domainsStoreKey);

/** Components read the domains store through selectors. */
export const useDomainsStore = <T,>(selector: (s: DomainsState) => T): T => useStore(useFeatureStore(domainsStoreKey), selector);
