import { defineConfig } from '@playwright/test';

// Browser e2e of the web UI: test/e2e starts the real `drover serve` (test/e2e/fixtures.ts) and
// drives Debian's Chromium (no Playwright browser download). It serves the test build of the
// renderer (dist/renderer-test, with the test hooks): build it first (`npm run test:e2e` does:
// node scripts/build.mjs renderer --test-hooks && playwright test).
export default defineConfig({
  testDir: 'test/e2e',
  workers: 1,
  fullyParallel: false,
  // One retry: a shared 2-core machine under load can miss a timing once; a retried pass is reported as flaky.
  retries: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  outputDir: 'test-results/e2e-artifacts',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1360, height: 820 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
