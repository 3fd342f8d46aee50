import { useSyncExternalStore } from 'react';

/**
 * Date.now() to the second, from one shared timer for every subscriber (thousands of job rows
 * tick their running times from it without a timer each). The timer runs while anyone listens.
 */
const listeners = new Set<() => void>();
let now = Math.floor(Date.now() / 1000) * 1000;
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Math.floor(Date.now() / 1000) * 1000;
    timer = setInterval(() => {
      now = Math.floor(Date.now() / 1000) * 1000;
      for (const l of [...listeners]) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const get = () => now;

export function useSecond(): number {
  return useSyncExternalStore(subscribe, get, get);
}
