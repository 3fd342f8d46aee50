/**
 * Build-time flags, replaced by Vite's `define` (vite.config.ts, scripts/build.mjs).
 * __DROVER_TEST_HOOKS__: true only in the test build (`node scripts/build.mjs renderer
 * --test-hooks`, into dist/renderer-test): hooks for e2e tests and benchmarks are compiled in
 * under `if (__DROVER_TEST_HOOKS__)` and left out of every other bundle.
 */
declare const __DROVER_TEST_HOOKS__: boolean;
