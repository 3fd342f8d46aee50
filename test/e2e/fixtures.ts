import { test as base, expect, type ConsoleMessage, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppApi } from '../../main/contract/index';
import { connectWebHost } from '../../main/host/ws-client';
import { startProcess, type ManagedProcess } from '../harness/proc';
import { makeTempDir, type TempDir } from '../harness/tmp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The renderer's test build (with window.__droverTerminals): `node scripts/build.mjs renderer --test-hooks`. */
const staticDir = path.join(repoRoot, 'dist/renderer-test');

/** What `drover serve` prints on stdout once it listens. */
const URL_LINE = /^Drover web UI: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))\s*$/m;

export interface DroverServer {
  /** http://127.0.0.1:PORT/?token=TOKEN, as printed. */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly pid: number;
  readonly configDir: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node bin/drover.mjs serve --port <port> --config-dir <dir> --static-dir dist/renderer-test`
 * and waits for its URL line.
 * The process is stopped by stop() (and by the harness's exit hooks at the latest).
 */
export async function startDrover(options: { port?: number; configDir?: TempDir; env?: NodeJS.ProcessEnv } = {}): Promise<DroverServer> {
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error('dist/renderer-test is not built: run `node scripts/build.mjs renderer --test-hooks` (npm run test:e2e does it)');
  }
  const dir = options.configDir ?? (await makeTempDir('drover-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DROVER_CONFIG_DIR;
  delete env.DROVER_SECRETS;
  // One process, so `pid` is the server's (the CLI otherwise re-executes itself with V8 flags).
  env.DROVER_NO_REEXEC = '1';
  Object.assign(env, options.env);
  const proc: ManagedProcess = await startProcess({
    name: 'drover serve',
    command: process.execPath,
    args: ['bin/drover.mjs', 'serve', '--port', String(options.port ?? 0), '--config-dir', dir.path, '--static-dir', staticDir],
    cwd: repoRoot,
    env,
  });
  const deadline = Date.now() + 30_000;
  let match: RegExpExecArray | null = null;
  while (!(match = URL_LINE.exec(proc.logs()))) {
    if (proc.exitStatus) throw new Error(`drover serve exited before printing its URL:\n${proc.logs()}`);
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`drover serve printed no URL within 30 s:\n${proc.logs()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, url, port, token] = match as unknown as [string, string, string, string];
  return {
    url,
    origin: new URL(url).origin,
    port: Number(port),
    token,
    pid: proc.pid,
    configDir: dir.path,
    logs: () => proc.logs(),
    async stop() {
      await proc.stop();
      if (!options.configDir) await dir.remove();
    },
  };
}

/** Console errors and uncaught page errors, collected from the moment the page exists. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** A second connection to the server's API for a test's own calls (setup, checks), closed after fn. */
export async function withClient<T>(drover: DroverServer, fn: (api: AppApi) => Promise<T>): Promise<T> {
  const client = await connectWebHost(drover.url);
  try {
    return await fn(client.api);
  } finally {
    client.dispose();
  }
}

export type Ui = { language: 'en' | 'zh-CN'; theme: 'light' | 'dark' };

/** The language and theme the page shows (saved settings, as the settings page saves them). */
export async function setUi(drover: DroverServer, ui: Ui): Promise<void> {
  await withClient(drover, (api) => api.settings.update({ ui }));
}

export const test = base.extend<{ pageErrors: string[]; englishUi: void }, { drover: DroverServer }>({
  /** One server for the worker (one worker): started before the first test, stopped after the last. */
  drover: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a pattern
    async ({}, use) => {
      const server = await startDrover();
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  pageErrors: async ({ page }, use) => {
    await use(collectPageErrors(page));
  },
  /**
   * Every test starts in English with the light theme: the server is shared by the worker, and a
   * test that switched to Chinese or dark (the screenshot tests) must not change what the next
   * one reads. A test that needs another language sets it itself.
   */
  englishUi: [
    async ({ drover }, use) => {
      await setUi(drover, { language: 'en', theme: 'light' });
      await use();
    },
    { auto: true },
  ],
});

export { expect };
