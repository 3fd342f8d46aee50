/**
 * Render counts of the Miners tables, for end-to-end tests and the benchmark
 * (window.__droverMiners, test builds only: `node scripts/build.mjs renderer --test-hooks`).
 * A job row counts each time it renders, so a test can check that a changed job re-renders its
 * own row and no other.
 */
export interface MinersTestHook {
  /** Renders per job key since the last reset. */
  jobRenders(): Record<string, number>;
  workerRenders(): Record<string, number>;
  reset(): void;
}

declare global {
  interface Window {
    __droverMiners?: MinersTestHook;
  }
}

const jobs = new Map<string, number>();
const workers = new Map<string, number>();

/** Called by a job row as it renders (a no-op outside test builds). */
export function countJobRender(key: string): void {
  if (__DROVER_TEST_HOOKS__) jobs.set(key, (jobs.get(key) ?? 0) + 1);
}

export function countWorkerRender(key: string): void {
  if (__DROVER_TEST_HOOKS__) workers.set(key, (workers.get(key) ?? 0) + 1);
}

export function installMinersTestHook(): void {
  if (window.__droverMiners) return;
  window.__droverMiners = {
    jobRenders: () => Object.fromEntries(jobs),
    workerRenders: () => Object.fromEntries(workers),
    reset() {
      jobs.clear();
      workers.clear();
    },
  };
}
