import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { StoreApi } from 'zustand/vanilla';

/**
 * A selector hook with an equality test: the component re-renders only when the selected value
 * changed by `equal` (e.g. a job row ignores a running time that only moved with the clock).
 * `key` names what is selected (a row's id): the selector is taken afresh when the key changes,
 * so inline selectors of the same key are fine.
 */
export function useStoreSelect<S, T>(store: StoreApi<S>, key: string, selector: (s: S) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  // One cache per (store, key); the selector and equality of that key do not change meaning.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const get = useMemo(() => cachedSelector(store, selector, equal), [store, key]);
  const subscribe = useCallback((listener: () => void) => store.subscribe(listener), [store]);
  return useSyncExternalStore(subscribe, get, get);
}

function cachedSelector<S, T>(store: StoreApi<S>, selector: (s: S) => T, equal: (a: T, b: T) => boolean): () => T {
  let last: { state: S; value: T } | undefined;
  return () => {
    const state = store.getState();
    if (last && last.state === state) return last.value;
    const value = selector(state);
    if (last && equal(last.value, value)) {
      last = { state, value: last.value };
      return last.value;
    }
    last = { state, value };
    return value;
  };
}
