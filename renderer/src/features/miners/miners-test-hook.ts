import { jobRenderCounts } from './render-counts';

/**
 * Render counts of the Miners tables, for end-to-end tests and the benchmark
 * (window.__droverMiners, test builds only: `node scripts/build.mjs renderer --test-hooks`).
 * A job row counts each time it renders, so a test can check that a changed job re-renders its
 * own row and no other.
 */
export interface MinersTestHook {
  /** Renders per job key since the last reset. */
  jobRenders(): Record<string, number>;
  reset(): void;
}

declare global {
  interface Window {
    __droverMiners?: MinersTestHook;
  }
}

export function installMinersTestHook(): void {
  if (window.__droverMiners) return;
  window.__droverMiners = {
    jobRenders: () => Object.fromEntries(jobRenderCounts),
    reset() {
      jobRenderCounts.clear();
    },
  };
}
