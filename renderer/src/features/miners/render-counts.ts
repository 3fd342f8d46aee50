/**
 * How often each job row rendered, kept only in test builds (__DROVER_TEST_HOOKS__) and read
 * through miners-test-hook.ts. Its own module so that production bundles, which keep the no-op
 * call, carry nothing of the hook itself.
 */
export const jobRenderCounts = new Map<string, number>();

/** Called by a job row as it renders (a no-op outside test builds). */
export function countJobRender(key: string): void {
  if (__DROVER_TEST_HOOKS__) jobRenderCounts.set(key, (jobRenderCounts.get(key) ?? 0) + 1);
}
