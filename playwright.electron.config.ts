import { defineConfig } from '@playwright/test';
import { displayStatus, electronAvailability, printNotRun } from './test/e2e-electron/electron-available.mjs';

// The Electron e2e: `npx playwright test -c playwright.electron.config.ts`.
// It drives the real app (dist/electron/main.cjs) with Playwright's _electron, so it needs the
// Electron binary, which `npm ci` cannot fetch on a machine without network. Where the binary is
// missing this prints "ELECTRON E2E NOT RUN: <reason>" and the tests are skipped (exit code 0).
// `node test/e2e-electron/electron-available.mjs` answers the same question without Playwright.
if (!process.env.TEST_WORKER_INDEX) {
  const electron = electronAvailability();
  const display = displayStatus();
  if (!electron.ok) printNotRun(electron.reason);
  else if (!display.ok) printNotRun(display.reason);
}

export default defineConfig({
  testDir: './test/e2e-electron',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e-electron/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/e2e-electron.json' }]],
  outputDir: 'test-results/e2e-electron',
});
