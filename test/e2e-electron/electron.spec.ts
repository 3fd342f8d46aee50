// The Electron e2e: launches the real app (dist/electron/main.cjs, built by global-setup.ts) with
// Playwright's _electron and checks the window renders, the MessagePort transport answers
// system.ping, and the security settings hold at run time. Runs only where the Electron binary
// exists; elsewhere every test is skipped with "ELECTRON E2E NOT RUN: <reason>".
// Run: npx playwright test -c playwright.electron.config.ts
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayStatus, electronAvailability, notRunMessage, repoRoot } from './electron-available.mjs';

const availability = electronAvailability();
const display = displayStatus();
const notRunReason = !availability.ok
  ? availability.reason
  : !display.ok
    ? display.reason
    : (process.env.DROVER_ELECTRON_E2E_NOT_RUN ?? null); // set by global-setup.ts

test.describe.configure({ mode: 'serial' });
test.skip(notRunReason !== null, notRunMessage(notRunReason ?? ''));

const APP_INDEX_URL = 'app://drover/index.html';

let app: ElectronApplication;
let page: Page;
let configDir: string;
const mainLog: string[] = [];

test.beforeAll(async () => {
  if (!availability.ok) return;
  configDir = mkdtempSync(path.join(os.tmpdir(), 'drover-electron-e2e-'));
  // Chromium refuses to start as root with its OS sandbox on; containers often run as root. The
  // renderer is still sandboxed by the app (webPreferences.sandbox, app.enableSandbox()).
  const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  app = await electron.launch({
    executablePath: availability.executablePath,
    args: [...rootArgs, path.join(repoRoot, 'dist/electron/main.cjs')],
    cwd: repoRoot,
    env: { ...process.env, DROVER_CONFIG_DIR: configDir, ELECTRON_ENABLE_LOGGING: '1' } as Record<string, string>,
    timeout: 30_000,
  });
  app.process().stdout?.on('data', (d: Buffer) => mainLog.push(d.toString()));
  app.process().stderr?.on('data', (d: Buffer) => mainLog.push(d.toString()));
  page = await app.firstWindow();
});

test.afterAll(async () => {
  if (app) {
    await app.close();
    expect(app.process().exitCode ?? 0).toBe(0);
  }
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/**
 * Does the page's own handshake (the one renderer/src/api does) and a ping + info over the port.
 * A window has one live connection, so this takes it from the UI; if the UI asks again at the same
 * moment it takes it back, hence a few attempts.
 */
async function pingOverFreshPort(p: Page, echo: string): Promise<{ ping: { echo: string }; info: { transport: string } }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await pingOnce(p, echo);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function pingOnce(p: Page, echo: string): Promise<{ ping: { echo: string }; info: { transport: string } }> {
  return p.evaluate(async (text) => {
    const port = await new Promise<MessagePort>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no drover:port within 5 s')), 5000);
      const onMessage = (event: MessageEvent) => {
        if (event.source !== window || event.data !== 'drover:port' || !event.ports[0]) return;
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        resolve(event.ports[0]);
      };
      window.addEventListener('message', onMessage);
      window.postMessage('drover:want-port', '*');
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply over the port within 5 s')), 5000);
      let ping: unknown;
      port.onmessage = (event: MessageEvent) => {
        const frame = JSON.parse(String(event.data)) as { t: string; id?: number; r?: unknown; e?: unknown };
        if (frame.t === 'hello') port.postMessage(JSON.stringify({ t: 'req', id: 1, m: 'system.ping', p: { echo: text } }));
        else if (frame.t === 'res' && frame.id === 1) {
          ping = frame.r;
          port.postMessage(JSON.stringify({ t: 'req', id: 2, m: 'system.info', p: null }));
        } else if (frame.t === 'res' && frame.id === 2) {
          clearTimeout(timer);
          port.close();
          resolve({ ping, info: frame.r } as { ping: { echo: string }; info: { transport: string } });
        } else if (frame.t === 'rej' || frame.t === 'err') {
          clearTimeout(timer);
          reject(new Error(`error frame: ${JSON.stringify(frame)}`));
        }
      };
    });
  }, echo);
}

test('the window loads the shell from app://drover and it renders', async () => {
  await page.waitForLoadState('domcontentloaded');
  expect(page.url()).toBe(APP_INDEX_URL);
  await page.waitForFunction(() => (document.getElementById('root') ?? document.body).childElementCount > 0, null, { timeout: 20_000 });
  expect(await page.evaluate(() => location.origin)).toBe('app://drover');
  // The renderer did its own handshake: main logged an opened connection.
  await expect.poll(() => mainLog.join('')).toMatch(/connection window-\d+:\d+ opened/);
  expect(mainLog.join('')).not.toMatch(/refused drover:hello/);
});

test('webPreferences at run time: sandboxed, isolated, no Node in the page', async () => {
  // getLastWebPreferences() is Electron's own (undocumented, untyped) view of the applied preferences.
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const wc = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null } | undefined;
    return wc?.getLastWebPreferences?.() ?? null;
  });
  expect(prefs, 'webContents.getLastWebPreferences() returned nothing').not.toBeNull();
  expect(prefs).toMatchObject({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  });
  expect(String(prefs?.preload)).toMatch(/dist[\\/]electron[\\/]preload\.cjs$/);
  const page_ = await page.evaluate(() => ({
    require: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
    electron: typeof (globalThis as { electron?: unknown }).electron,
    ipcRenderer: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
    isSecureContext: window.isSecureContext,
  }));
  expect(page_).toEqual({ require: 'undefined', process: 'undefined', electron: 'undefined', ipcRenderer: 'undefined', isSecureContext: true });
});

test('the CSP header is served and blocks inline scripts', async () => {
  const csp = await page.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
  const scriptSrc = (csp ?? '').split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src ')) ?? '';
  expect(scriptSrc).toContain("'self'");
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  const ran = await page.evaluate(async () => {
    const el = document.createElement('script');
    el.textContent = 'window.__droverInlineRan = true';
    document.head.appendChild(el);
    await new Promise((r) => setTimeout(r, 100));
    return (window as { __droverInlineRan?: boolean }).__droverInlineRan === true;
  });
  expect(ran).toBe(false);
});

test('navigation away and window.open are refused', async () => {
  const opened = await page.evaluate(() => window.open('https://example.com/') === null);
  expect(opened).toBe(true);
  await page.evaluate(() => {
    location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(APP_INDEX_URL);
  expect(app.windows()).toHaveLength(1);
});

test('system.ping round trip over a fresh MessagePort; a reload gets a new port', async () => {
  const first = await pingOverFreshPort(page, 'e2e ping');
  expect(first.ping.echo).toBe('e2e ping');
  expect(first.info.transport).toBe('electron');

  await page.reload();
  await page.waitForFunction(() => (document.getElementById('root') ?? document.body).childElementCount > 0, null, { timeout: 20_000 });
  const second = await pingOverFreshPort(page, 'after reload');
  expect(second.ping.echo).toBe('after reload');
});
