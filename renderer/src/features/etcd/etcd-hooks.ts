import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createEtcdStore, type EtcdState, type EtcdStore } from './etcd-store';

export const etcdStoreKey = storeKey<EtcdStore>('etcd', (deps) => createEtcdStore({ api: deps.api, toasts: deps.toasts, link: deps.link }));

/** Components read the etcd store through selectors. */
export const useEtcdStore = <T,>(selector: (s: EtcdState) => T): T => useStore(useFeatureStore(etcdStoreKey), selector);
