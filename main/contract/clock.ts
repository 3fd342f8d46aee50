import type { Disposable } from './lifecycle';

/**
 * The one source of time for every timer in Drover (main and renderer). Services take a Clock
 * in their constructor; tests pass a ManualClock (test/support/manual-clock.ts) and drive time
 * without sleeping. Timers are Disposables: dispose() cancels, and is safe to call twice.
 */
export interface Clock {
  /** Milliseconds since the epoch (wall time). */
  now(): number;
  /** Runs fn once after ms; dispose() cancels it. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Disposable;
  /** Runs fn every ms; dispose() stops it. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): Disposable;
}

export interface TimerOptions {
  /**
   * A clean-up timer (destroy a socket that did not close politely, SIGKILL a process that ignored
   * SIGHUP) that must not keep a Node process alive on its own. Timers that carry work (a retry, a
   * throttled status) are kept: a process must not exit while they are due.
   */
  background?: boolean;
}

interface MaybeUnref {
  unref?: () => void;
}

/** The real clock. Background timers are unref'd in Node (no effect in a browser). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, options) {
    const t = globalThis.setTimeout(fn, ms);
    if (options?.background) (t as unknown as MaybeUnref).unref?.();
    return { dispose: () => globalThis.clearTimeout(t) };
  },
  setInterval(fn, ms, options) {
    const t = globalThis.setInterval(fn, ms);
    if (options?.background) (t as unknown as MaybeUnref).unref?.();
    return { dispose: () => globalThis.clearInterval(t) };
  },
};

/** Resolves after ms on the given clock (rejects with the signal's reason when aborted first). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.dispose();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The promise's outcome, or onTimeout()'s error when it takes longer than ms on the clock. The
 * timer is cleared either way.
 */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        timer.dispose();
        resolve(value);
      },
      (err: unknown) => {
        timer.dispose();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
