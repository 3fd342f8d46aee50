import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { request as playwrightRequest, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { connectWebHost } from '../../main/host/ws-client';
import { makeTempDir } from '../harness/tmp';
import { expect, startDrover, test, type DroverServer } from './fixtures';

// The shell of the web UI against the real `drover serve`: connection, navigation, language,
// theme, a real ping round trip over the WebSocket, the host's refusals, and reconnecting.

const NAV = [
  { id: 'tunnels', en: 'Tunnels', zh: '隧道', key: 'Alt+1' },
  { id: 'terminal', en: 'Terminal', zh: '终端', key: 'Alt+2' },
  { id: 'etcd', en: 'etcd', zh: 'etcd', key: 'Alt+3' },
  { id: 'miners', en: 'Miners', zh: '矿工', key: 'Alt+4' },
  { id: 'netboot', en: 'Netboot', zh: '网络启动', key: 'Alt+5' },
  { id: 'domains', en: 'Domains', zh: '虚拟机', key: 'Alt+6' },
  { id: 'fleet', en: 'Fleet', zh: '机群', key: 'Alt+7' },
  { id: 'settings', en: 'Settings', zh: '设置', key: 'Control+Comma' },
] as const;

const SHOTS = '/tmp/drover-shots';

/** Screenshots for a human to look at; waits for the UI kit's open/close animations to finish. */
async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}
const packageVersion = (JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { version: string }).version;

/** Language and theme persist in the server's settings.json: every test starts from a known state. */
async function resetUi(drover: DroverServer, ui: { language: 'system' | 'en' | 'zh-CN'; theme: 'system' | 'light' | 'dark' }) {
  const client = await connectWebHost(drover.url);
  try {
    await client.api.settings.update({ ui });
  } finally {
    client.dispose();
  }
}

async function openShell(page: Page, drover: DroverServer): Promise<void> {
  await page.goto(drover.url);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
}

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ drover }) => {
  await resetUi(drover, { language: 'en', theme: 'light' });
});

test('loads from the printed URL, connects over the web socket, shows the server version, logs no errors', async ({ page, drover, pageErrors }) => {
  await page.goto(drover.url);
  const indicator = page.getByTestId('connection-indicator');
  await expect(indicator).toHaveAttribute('data-status', 'open');
  await expect(indicator).toHaveAttribute('data-tone', 'ok');
  await expect(indicator).toHaveAttribute('data-transport', 'web');
  await expect(indicator).toContainText('Web socket');
  await expect(indicator).toContainText('Connected');
  await expect(page.getByTestId('server-version')).toContainText(`v${packageVersion}`);
  // The host moved the token into a cookie and out of the address bar.
  expect(page.url()).not.toContain('token=');

  await indicator.click();
  await expect(page.getByTestId('connection-details')).toContainText('Web socket');

  await page.waitForTimeout(1000); // late errors (failed requests, React warnings) land here
  expect(pageErrors).toEqual([]);
});

const BUILT_PAGES = new Set(['settings', 'tunnels', 'terminal', 'etcd', 'miners', 'netboot', 'domains', 'fleet']);

test('every navigation page opens, by click and by keyboard; the shortcut help lists the keys', async ({ page, drover, pageErrors }) => {
  await openShell(page, drover);
  for (const nav of NAV) {
    await page.getByTestId(`nav-${nav.id}`).click();
    await expect(page.getByTestId('page-title')).toHaveText(nav.en);
    await expect(page.getByTestId(`page-${nav.id}`)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#/${nav.id}$`));
    // Built pages have their own specs (tunnels.spec.ts, terminal.spec.ts); the rest say what is coming.
    if (!BUILT_PAGES.has(nav.id)) {
      const placeholder = page.getByTestId('not-built-yet');
      await expect(placeholder).toHaveAttribute('data-page', nav.id);
      await expect(placeholder).toContainText('not built yet');
      await expect(page.getByTestId('not-built-yet-description')).not.toBeEmpty();
    }
  }

  for (const nav of [...NAV].reverse()) {
    await page.locator('body').press(nav.key);
    await expect(page.getByTestId('page-title')).toHaveText(nav.en);
  }

  await page.keyboard.press('Control+k');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Go to Fleet');
  await expect(help).toContainText('Open Settings');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  await page.keyboard.press('Shift+Slash'); // "?"
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');

  expect(pageErrors).toEqual([]);
});

test('switches the language to 简体中文 and back; the choice is saved in the settings file', async ({ page, drover, pageErrors }) => {
  await openShell(page, drover);
  await page.getByTestId('language-switcher').click();
  await page.getByTestId('language-option-zh-CN').click();
  for (const nav of NAV) await expect(page.getByTestId(`nav-${nav.id}`)).toContainText(nav.zh);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('connection-indicator')).toContainText('已连接');
  await page.getByTestId('nav-etcd').click();
  // The page in Chinese, whether this host already has sessions (an earlier spec may have saved one) or not.
  await expect(page.getByTestId('etcd-page')).toContainText(/还没有 etcd 会话|新建键/);

  // Saved through settings.update: survives a reload and is in settings.json.
  await expect.poll(() => fs.readFileSync(path.join(drover.configDir, 'settings.json'), 'utf8')).toContain('zh-CN');
  await page.reload();
  await expect(page.getByTestId('nav-tunnels')).toContainText('隧道');
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');

  await page.getByTestId('language-switcher').click();
  await page.getByTestId('language-option-en').click();
  for (const nav of NAV) await expect(page.getByTestId(`nav-${nav.id}`)).toContainText(nav.en);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  // Alt+L toggles.
  await page.locator('body').press('Alt+l');
  await expect(page.getByTestId('nav-settings')).toContainText('设置');
  await page.locator('body').press('Alt+l');
  await expect(page.getByTestId('nav-settings')).toContainText('Settings');
  expect(pageErrors).toEqual([]);
});

test('switches the theme: dark, light, and system following the OS', async ({ page, drover, pageErrors }) => {
  await openShell(page, drover);
  const shell = page.getByTestId('shell');
  const contentLuminance = () =>
    page.locator('.drover-content').evaluate((el) => {
      const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(el.closest('.ant-layout') ?? el).backgroundColor);
      const [r, g, b] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    });

  await page.getByTestId('theme-option-dark').click();
  await expect(shell).toHaveAttribute('data-theme', 'dark');
  await expect.poll(contentLuminance).toBeLessThan(0.2);

  await page.getByTestId('theme-option-light').click();
  await expect(shell).toHaveAttribute('data-theme', 'light');
  await expect.poll(contentLuminance).toBeGreaterThan(0.8);

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('theme-option-system').click();
  await expect(shell).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(shell).toHaveAttribute('data-theme', 'light');

  await page.locator('body').press('Alt+t');
  await expect(shell).toHaveAttribute('data-theme', 'dark');
  expect(pageErrors).toEqual([]);
});

test('Ping echoes a random marker over the WebSocket and shows the round-trip time', async ({ page, drover, pageErrors }) => {
  const sent: string[] = [];
  const received: string[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().endsWith('/rpc')) return;
    ws.on('framesent', (f) => sent.push(String(f.payload)));
    ws.on('framereceived', (f) => received.push(String(f.payload)));
  });
  await openShell(page, drover);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('info-version')).toHaveText(packageVersion);
  await expect(page.getByTestId('info-config-dir')).toHaveText(drover.configDir);

  for (let round = 0; round < 2; round++) {
    await page.getByTestId('ping-button').click();
    await expect(page.getByTestId('ping-result')).toHaveAttribute('data-status', 'ok');
    const marker = (await page.getByTestId('ping-sent').textContent()) ?? '';
    expect(marker).toMatch(/^ping-[0-9a-f]{12}$/);
    await expect(page.getByTestId('ping-echo')).toHaveText(marker);
    await expect(page.getByTestId('ping-rtt')).toHaveText(/^\d+(\.\d)? ms$/);
    // A real round trip: the request left on the socket and the answer came back on it.
    expect(sent.some((f) => f.includes('"m":"system.ping"') && f.includes(marker))).toBe(true);
    expect(received.some((f) => f.includes('"t":"res"') && f.includes(marker))).toBe(true);
  }
  expect(pageErrors).toEqual([]);
});

test('Secrets: creates the vault, locks it, refuses a wrong passphrase, unlocks; never shows a value', async ({ page, drover, pageErrors }) => {
  await openShell(page, drover);
  await page.getByTestId('nav-settings').click();
  const panel = page.getByTestId('secrets-panel');
  const state = page.getByTestId('secrets-state');
  await expect(panel).toContainText('Passphrase vault');
  await expect(state).toHaveText('Not created yet');

  const passphrase = 'correct horse battery';
  await page.getByTestId('secrets-passphrase').fill(passphrase);
  await page.getByTestId('secrets-passphrase-confirm').fill('something else');
  await expect(panel).toContainText('The two passphrases differ.');
  await expect(page.getByTestId('secrets-unlock')).toBeDisabled();
  await page.getByTestId('secrets-passphrase-confirm').fill(passphrase);
  await page.getByTestId('secrets-unlock').click();
  await expect(state).toHaveText('Unlocked', { timeout: 30_000 });
  await expect(panel).toContainText('No secrets stored.');

  await page.getByTestId('secrets-lock').click();
  await expect(state).toHaveText('Locked');
  await page.getByTestId('secrets-passphrase').fill('wrong passphrase');
  await page.getByTestId('secrets-unlock').click();
  await expect(panel).toContainText('Wrong passphrase', { timeout: 30_000 });
  await expect(state).toHaveText('Locked');
  await page.getByTestId('secrets-passphrase').fill(passphrase);
  await page.getByTestId('secrets-unlock').click();
  await expect(state).toHaveText('Unlocked', { timeout: 30_000 });
  await expect(panel).not.toContainText(passphrase);
  await page.getByTestId('secrets-lock').click();
  await expect(state).toHaveText('Locked');
  expect(pageErrors).toEqual([]);
});

test('the host refuses requests and WebSockets without the token or from another origin', async ({ page, drover }) => {
  // HTTP without cookie or token, and with a wrong token.
  const fresh = await playwrightRequest.newContext();
  try {
    expect((await fresh.get(`${drover.origin}/`)).status()).toBe(401);
    expect((await fresh.get(`${drover.origin}/?token=wrong-token-0123456789abcdef`)).status()).toBe(401);
    expect((await fresh.get(`${drover.origin}/assets/`)).status()).toBe(401);
    const ok = await fresh.get(drover.url, { maxRedirects: 0 });
    expect(ok.status()).toBe(303);
    expect(ok.headers()['set-cookie']).toContain('HttpOnly');
  } finally {
    await fresh.dispose();
  }

  // The cookie the browser got from opening the printed URL.
  await openShell(page, drover);
  const cookie = (await page.context().cookies(drover.origin)).find((c) => c.name.startsWith('drover-token'));
  expect(cookie, 'the host set its token cookie').toBeDefined();
  const cookieHeader = `${cookie!.name}=${cookie!.value}`;
  const rpc = `ws://127.0.0.1:${drover.port}/rpc`;

  const tryWebSocket = (headers: Record<string, string>) =>
    new Promise<number | 'open'>((resolve, reject) => {
      const ws = new WebSocket(rpc, { headers });
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    });
  expect(await tryWebSocket({})).toBe(401);
  expect(await tryWebSocket({ Origin: drover.origin })).toBe(401);
  expect(await tryWebSocket({ Cookie: cookieHeader, Origin: 'http://evil.example' })).toBe(403);
  expect(await tryWebSocket({ Cookie: cookieHeader, Origin: `http://127.0.0.1:${drover.port + 1}` })).toBe(403);
  expect(await tryWebSocket({ Cookie: cookieHeader })).toBe(403); // a cookie alone, without Origin, is not enough
  expect(await tryWebSocket({ Cookie: cookieHeader, Origin: drover.origin })).toBe('open'); // control

  // A page of another origin in the same browser (which holds the cookie) cannot open the socket.
  const other = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other origin</title>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const otherPage = await page.context().newPage();
    await otherPage.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    const outcome = await otherPage.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve('open');
          ws.onclose = (e) => resolve(`closed ${e.code}`);
        }),
      rpc,
    );
    expect(outcome).toMatch(/^closed /);
    await otherPage.close();
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
  }
});

test('reconnects with a countdown when the server goes away, and says when its token is no longer accepted', async ({ page }) => {
  const first = await startDrover();
  const secondDir = await makeTempDir('drover-e2e-');
  let second: DroverServer | undefined;
  try {
    await openShell(page, first);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('system-info')).toContainText(String(first.pid));
    const indicator = page.getByTestId('connection-indicator');

    await first.stop();
    await expect(indicator).toHaveAttribute('data-status', 'reconnecting');
    await expect(page.getByTestId('connection-status')).toHaveText(/Reconnect|Disconnected/);
    // After a few failed attempts it turns red, counts down and tells what to do.
    await expect(indicator).toHaveAttribute('data-tone', 'error', { timeout: 15_000 });
    const banner = page.getByTestId('connection-banner');
    await expect(banner).toContainText('drover serve');
    await expect(page.getByTestId('connection-status')).toHaveText(/retry in \d+ s|retrying/);
    await shot(page, 'disconnected-en-light');

    // A new server on the same port has a new token: the page's cookie is refused. (Its settings
    // file is corrupt, so it also raises a notice the page must show once it is let in.)
    fs.writeFileSync(path.join(secondDir.path, 'settings.json'), '{"version": 1, "ui": ');
    second = await startDrover({ port: first.port, configDir: secondDir });
    await expect(indicator).toHaveAttribute('data-status', 'closed', { timeout: 15_000 });
    await expect(indicator).toContainText('Not authorized');
    await expect(banner).toContainText('open the new URL printed by `npm start` (or `drover serve`)');
    // A call now fails at once, with the cause and what to do, as a toast.
    await page.getByTestId('ping-button').click();
    const toast = page.getByTestId('toast-error').filter({ hasText: 'pinging the service' });
    await expect(toast).toContainText('Not authenticated');
    await expect(toast).toContainText('UNAUTHENTICATED');
    await expect(toast).toContainText('drover serve');
    await shot(page, 'unauthorized-en-light');

    // Opening the new URL (another tab) renews the cookie; "Retry now" then connects.
    const tab = await page.context().newPage();
    await tab.goto(second.url);
    await expect(tab.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
    await banner.getByRole('button', { name: 'Retry now' }).click();
    await expect(indicator).toHaveAttribute('data-status', 'open');
    await expect(banner).toBeHidden();
    // system.info is fetched again on reconnect: it is the new process now, and its notice shows.
    await expect(page.getByTestId('system-info')).toContainText(String(second.pid));
    await expect(page.getByTestId('toast-notice')).toContainText('The settings file was unusable');
    await expect(page.getByTestId('notice-list')).toContainText('The settings file was unusable');
    await shot(page, 'reconnected-notice-en-light');
    await page.getByTestId('ping-button').click();
    await expect(page.getByTestId('ping-result')).toHaveAttribute('data-status', 'ok');
    await tab.close();
  } finally {
    await first.stop();
    await second?.stop();
    await secondDir.remove();
  }
});

for (const language of ['en', 'zh-CN'] as const) {
  for (const theme of ['light', 'dark'] as const) {
    const tag = `${language === 'en' ? 'en' : 'zh'}-${theme}`;
    test(`screenshots of the shell: ${tag}`, async ({ page, drover, pageErrors }) => {
      await resetUi(drover, { language, theme });
      await openShell(page, drover);
      await expect(page.getByTestId('shell')).toHaveAttribute('data-theme', theme);
      await expect(page.getByTestId('shell')).toHaveAttribute('data-language', language);
      await page.getByTestId('nav-miners').click();
      await shot(page, `shell-${tag}`);
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('ping-button').click();
      await expect(page.getByTestId('ping-result')).toHaveAttribute('data-status', 'ok');
      await shot(page, `settings-${tag}`);
      await page.getByTestId('connection-indicator').click();
      await expect(page.getByTestId('connection-details')).toBeVisible();
      await shot(page, `connection-${tag}`);
      await page.getByTestId('connection-indicator').click();
      await expect(page.getByTestId('connection-details')).toBeHidden();
      await page.keyboard.press('Control+k');
      await expect(page.getByTestId('shortcut-help')).toBeVisible();
      await shot(page, `shortcuts-${tag}`);
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('shortcut-help')).toBeHidden();
      expect(pageErrors).toEqual([]);
    });
  }
}
