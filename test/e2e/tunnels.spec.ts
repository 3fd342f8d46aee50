import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { getFreePorts, startSshd, type SshdHandle } from '../harness/index';
import { expect, setUi, test, withClient, type DroverServer } from './fixtures';
import { screenshots } from './screenshots';

// The Tunnels page against the real `drover serve` and a real OpenSSH sshd from the harness: an
// autossh line imported through the dialog, the host key question, data through the forwards,
// sshd going away and coming back, a taken port, the LAN confirmation and the edit form.


/** Language and theme persist on the server; the page follows settings changes live. */

/** Every test starts from no tunnels (profiles persist in the server's config dir). */
async function removeAllTunnels(drover: DroverServer): Promise<void> {
  await withClient(drover, async (api) => {
    for (const p of await api.tunnels.list(null)) {
      await api.tunnels.stop({ id: p.id }).catch(() => undefined);
      await api.tunnels.remove({ id: p.id });
    }
  });
}

const { shot, shotsInAllLooks } = screenshots('tunnels');

interface EchoServer {
  port: number;
  close(): Promise<void>;
}

async function startEcho(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    sock.pipe(sock);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends the payload through a forward and reads the echo back; rejects on error or after 10 s. */
function roundTrip(host: string, port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no full echo through ${host}:${port} within 10 s (${got} of ${payload.length} bytes)`));
    }, 10_000);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= payload.length) {
        clearTimeout(timer);
        sock.end();
        resolve(Buffer.concat(chunks));
      }
    });
    sock.write(payload);
  });
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
}

async function openTunnels(page: Page, drover: DroverServer): Promise<void> {
  await page.goto(`${drover.url}#/tunnels`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('tunnels-page')).toHaveAttribute('data-loaded', 'true');
}

async function importThroughDialog(page: Page, line: string, opts: { name?: string; open?: 'button' | 'key' | 'empty' } = {}): Promise<Locator> {
  if (opts.open === 'key') await page.locator('body').press('i');
  else if (opts.open === 'empty') await page.getByTestId('tunnels-empty-import').click();
  else await page.getByTestId('tunnels-import').click();
  await expect(page.getByTestId('import-dialog')).toBeVisible();
  await page.getByTestId('import-text').fill(line);
  const preview = page.getByTestId('import-preview');
  await expect(preview).toBeVisible();
  await expect(preview).not.toHaveClass(/drover-stale/);
  if (opts.name !== undefined) await page.getByTestId('import-name').fill(opts.name);
  return preview;
}

function cardOf(page: Page, name: string): Locator {
  return page.locator(`[data-testid="tunnel-card"][data-tunnel-name="${name}"]`);
}

function forwardRow(card: Locator, id: string): Locator {
  return card.locator(`[data-testid="forward-row"][data-forward-id="${id}"]`);
}

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ drover }) => {
  await setUi(drover, { language: 'en', theme: 'light' });
  await removeAllTunnels(drover);
});

test('imports an autossh line, approves the host key, forwards data, rides out an sshd outage, stops', async ({ page, drover, pageErrors }) => {
  test.setTimeout(240_000);
  let sshd: SshdHandle | undefined;
  const echo = await startEcho();
  try {
    sshd = await startSshd();
    const [p1, p2, p3] = await getFreePorts(3);
    const line =
      `autossh -M 0 -o ExitOnForwardFailure=yes -o ServerAliveCountMax=3 -o ServerAliveInterval=10 -NT -i ${sshd.clientKeyPath} ` +
      `-p ${sshd.port} -L 127.0.0.1:${p1}:127.0.0.1:${echo.port} -L 127.0.0.2:${p2}:127.0.0.1:${echo.port} ` +
      `-L 127.0.0.1:${p3}:127.0.0.1:${echo.port} ${sshd.user}@127.0.0.1`;

    await openTunnels(page, drover);
    await expect(page.getByTestId('tunnels-empty')).toBeVisible();

    // ---- the preview shows exactly what will be created ----
    const preview = await importThroughDialog(page, line, { open: 'empty' });
    await expect(preview.getByTestId('import-forward')).toHaveCount(3);
    await expect(preview.getByTestId('import-forward').nth(0)).toContainText(`-L 127.0.0.1:${p1} → 127.0.0.1:${echo.port}`);
    await expect(preview.getByTestId('import-forward').nth(1)).toContainText(`-L 127.0.0.2:${p2} → 127.0.0.1:${echo.port}`);
    await expect(preview.getByTestId('import-forward').nth(2)).toContainText(`-L 127.0.0.1:${p3} → 127.0.0.1:${echo.port}`);
    await expect(preview.getByTestId('import-forward-lan')).toHaveCount(0); // 127.0.0.2 is loopback too
    await expect(preview.getByTestId('import-keepalive')).toHaveAttribute('data-interval', '10');
    await expect(preview.getByTestId('import-keepalive')).toHaveAttribute('data-count', '3');
    await expect(preview.getByTestId('import-target')).toHaveText(`${sshd.user}@127.0.0.1:${sshd.port}`);
    await expect(preview.getByTestId('import-identity')).toHaveText(sshd.clientKeyPath);
    await expect(preview.getByTestId('import-exit-on-failure')).toHaveAttribute('data-value', 'true');
    await expect(preview.getByTestId('import-policy')).toHaveAttribute('data-value', 'ask');
    await expect(preview.getByTestId('import-warnings')).toHaveAttribute('data-count', '0');
    await page.getByTestId('import-name').fill('kafka via e2e sshd');
    await shotsInAllLooks(page, drover, 'import-preview');
    await page.getByTestId('import-save').click();
    await expect(page.getByTestId('import-dialog')).toBeHidden();

    const card = cardOf(page, 'kafka via e2e sshd');
    await expect(card).toHaveAttribute('data-state', 'stopped');
    await expect(card.getByTestId('tunnel-route')).toHaveText(`${sshd.user}@127.0.0.1:${sshd.port}`);
    await expect(card.getByTestId('forward-row')).toHaveCount(3);

    // ---- start: the unknown host key is asked about, with the server's fingerprint ----
    await card.getByTestId('tunnel-start').click();
    const dialog = page.getByTestId('hostkey-dialog');
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('hostkey-fingerprint')).toHaveText(sshd.hostKeyFingerprintSha256);
    await expect(page.getByTestId('hostkey-host')).toHaveText('127.0.0.1');
    await expect(page.getByTestId('hostkey-port')).toHaveText(String(sshd.port));
    await expect(page.getByTestId('hostkey-type')).toHaveText('ssh-ed25519');
    await expect(page.getByTestId('hostkey-command')).toContainText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    await expect(page.getByTestId('hostkey-expiry')).toContainText(/Refused automatically in \d+:\d\d/);
    await expect(dialog).toContainText('kafka via e2e sshd'); // which tunnel asks
    await shotsInAllLooks(page, drover, 'hostkey');
    await page.getByTestId('hostkey-trust').click();
    await expect(dialog).toBeHidden();

    await expect(card).toHaveAttribute('data-state', 'up', { timeout: 20_000 });
    await expect(card.locator('[data-testid="forward-row"][data-state="up"]')).toHaveCount(3);
    await expect(card.getByTestId('tunnel-state')).toHaveText('Up');

    // ---- data through the forwards moves the counters ----
    const payload = randomBytes(96 * 1024);
    expect((await roundTrip('127.0.0.1', p1, payload)).equals(payload)).toBe(true);
    const row1 = forwardRow(card, 'f1');
    await expect(row1.getByTestId('forward-bytes-out')).toHaveAttribute('data-bytes', String(payload.length));
    await expect(row1.getByTestId('forward-bytes-in')).toHaveAttribute('data-bytes', String(payload.length));
    await expect(row1.getByTestId('forward-bytes-out')).toContainText('96 KiB');
    await expect(row1.getByTestId('forward-total')).toHaveText('1');
    await expect(row1.getByTestId('forward-active')).toHaveText('0');
    expect((await roundTrip('127.0.0.2', p2, Buffer.from('through the second forward'))).toString()).toBe('through the second forward');
    await expect(forwardRow(card, 'f2').getByTestId('forward-total')).toHaveText('1');
    // The throughput sparkline saw the burst (bytes/s over one sampling interval).
    await expect.poll(async () => Number(await row1.locator('svg.drover-sparkline').getAttribute('data-max')), { timeout: 5_000 }).toBeGreaterThan(0);

    // Keep some traffic going for the screenshots' sparkline.
    for (let i = 0; i < 3; i++) {
      await roundTrip('127.0.0.1', p1, randomBytes(32 * 1024 * (i + 1)));
      await roundTrip('127.0.0.1', p3, randomBytes(8 * 1024));
      await page.waitForTimeout(700);
    }
    await card.click({ position: { x: 5, y: 5 } }); // selected outline in the shots
    await shotsInAllLooks(page, drover, 'running');

    // ---- sshd goes away: backoff with a countdown, the attempt and the cause ----
    await sshd.down();
    await expect(card).not.toHaveAttribute('data-state', 'up', { timeout: 15_000 });
    await expect
      .poll(
        async () => {
          const state = await card.getAttribute('data-state');
          const seconds = Number((await card.getByTestId('tunnel-state').getAttribute('data-seconds')) ?? 0);
          const cause = (await card.getByTestId('tunnel-cause-message').textContent().catch(() => '')) ?? '';
          return state === 'backoff' && seconds >= 1 && /refused/.test(cause);
        },
        { timeout: 60_000, intervals: [200] },
      )
      .toBe(true);
    await expect(card.getByTestId('tunnel-state')).toContainText(/Retrying in \d+ s · attempt \d+/);
    await expect(card.getByTestId('tunnel-cause-hint')).toContainText('is sshd running?');
    await expect(card.getByTestId('tunnel-retry')).toBeVisible();
    await expect(card.locator('[data-testid="forward-row"][data-state="backoff"]')).toHaveCount(3);
    await shot(page, 'backoff-en-light');

    // ---- sshd comes back: Retry now (or the probe) brings it up; data flows again ----
    await sshd.up();
    await card
      .getByTestId('tunnel-retry')
      .click({ timeout: 3_000 })
      .catch(() => undefined); // the pool's probe may have reconnected already
    await expect(card).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
    await expect(page.getByTestId('hostkey-dialog')).toBeHidden(); // the key was recorded
    const again = randomBytes(10_000);
    expect((await roundTrip('127.0.0.1', p1, again)).equals(again)).toBe(true);
    // The runner keeps its counters across reconnects.
    await expect
      .poll(async () => Number(await row1.getByTestId('forward-bytes-out').getAttribute('data-bytes')))
      .toBeGreaterThanOrEqual(payload.length + again.length);

    // ---- stop: the listeners close ----
    await card.getByTestId('tunnel-stop').click();
    await expect(card).toHaveAttribute('data-state', 'stopped');
    await expect.poll(() => connectRefused(p1)).toBe(true);
    expect(pageErrors).toEqual([]);
  } finally {
    await sshd?.stop();
    await echo.close();
  }
});

test('a taken port shows "port in use" with its hint, without any SSH attempt; edit and delete', async ({ page, drover, pageErrors }) => {
  test.setTimeout(120_000);
  // Something already listens on the first forward's port.
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve));
  const taken = (blocker.address() as net.AddressInfo).port;
  // A fake "ssh server" that counts connection attempts.
  let sshAttempts = 0;
  const fakeSsh = net.createServer((sock) => {
    sshAttempts++;
    sock.destroy();
  });
  await new Promise<void>((resolve) => fakeSsh.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const sshPort = (fakeSsh.address() as net.AddressInfo).port;
  const [free, other] = await getFreePorts(2);
  try {
    await openTunnels(page, drover);
    await importThroughDialog(page, `ssh -N -p ${sshPort} -L 127.0.0.1:${taken}:127.0.0.1:9 -L 127.0.0.1:${free}:127.0.0.1:9 e2e@127.0.0.1`, {
      name: 'blocked port',
      open: 'key', // "I" opens the import dialog
    });
    await page.getByTestId('import-save').click();
    const card = cardOf(page, 'blocked port');
    await card.getByTestId('tunnel-start').click();

    await expect(card).toHaveAttribute('data-state', 'failed');
    const row = forwardRow(card, 'f1');
    await expect(row).toHaveAttribute('data-state', 'port-in-use');
    await expect(row.getByTestId('forward-state')).toHaveText('Port in use');
    await expect(row.getByTestId('forward-error')).toContainText(`127.0.0.1:${taken} is taken by another program`);
    await expect(row.getByTestId('forward-hint')).toContainText(`ss -ltnp 'sport = :${taken}'`);
    // The other forward went down with the tunnel: it does not repeat the cause.
    await expect(forwardRow(card, 'f2')).toHaveAttribute('data-state', 'failed');
    await expect(forwardRow(card, 'f2').getByTestId('forward-stopped-with-tunnel')).toBeVisible();
    await expect(card.getByTestId('tunnel-cause')).toHaveAttribute('data-code', 'PORT_IN_USE');
    await expect(card.getByTestId('tunnel-cause')).toContainText('Port in use');
    // A failed tunnel waits for a person: Start is its one action (no "Retry now" beside it).
    await expect(card.getByTestId('tunnel-retry')).toHaveCount(0);
    await expect(card.getByTestId('tunnel-start')).toBeVisible();
    await page.waitForTimeout(1500);
    expect(sshAttempts).toBe(0);
    await shot(page, 'port-in-use-en-light');

    // ---- edit: a LAN address needs the explicit tick; then move the forward to a free port ----
    await card.click({ position: { x: 5, y: 5 } });
    await page.locator('body').press('e');
    const form = page.getByTestId('tunnel-form');
    await expect(form).toBeVisible();
    const firstForward = form.getByTestId('tunnel-form-forward').first();
    await firstForward.getByTestId('tunnel-form-forward-bind-address').fill('0.0.0.0');
    await page.getByTestId('tunnel-form-save').click();
    await expect(firstForward).toContainText('tick “expose on LAN” to allow it');
    await expect(firstForward.getByTestId('tunnel-form-forward-lan')).toBeVisible();
    await expect(form).toBeVisible();
    await shotsInAllLooks(page, drover, 'form');
    // Page keys stay quiet while the drawer is open.
    await page.locator('.ant-drawer-title').click();
    await page.keyboard.press('n');
    await expect(page.locator('.ant-drawer-title')).toHaveText('Edit tunnel “blocked port”');
    await firstForward.getByTestId('tunnel-form-forward-bind-address').fill('127.0.0.1');
    await firstForward.getByTestId('tunnel-form-forward-bind-port').fill(String(other));
    await form.getByTestId('tunnel-form-name').fill('moved port');
    await page.getByTestId('tunnel-form-save').click();
    await expect(form).toBeHidden();
    const moved = cardOf(page, 'moved port');
    await expect(moved).toHaveAttribute('data-state', 'stopped');
    await expect(forwardRow(moved, 'f1').getByTestId('forward-label')).toHaveText(`-L 127.0.0.1:${other} → 127.0.0.1:9`);

    // ---- delete names the tunnel and asks first ----
    await moved.getByTestId('tunnel-delete').click();
    await expect(page.getByTestId('confirm-delete')).toBeVisible();
    await expect(page.locator('.ant-modal-confirm-title')).toHaveText('Delete tunnel “moved port”?');
    await page.getByTestId('confirm-delete-ok').click();
    await expect(moved).toHaveCount(0);
    await expect(page.getByTestId('tunnels-empty')).toBeVisible();
    expect(pageErrors).toEqual([]);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    await new Promise((resolve) => fakeSsh.close(resolve));
  }
});

test('import preview lists every warning and needs “expose on LAN” ticked for LAN forwards', async ({ page, drover, pageErrors }) => {
  await openTunnels(page, drover);
  await expect(page.getByTestId('tunnels-empty')).toBeVisible();
  await shotsInAllLooks(page, drover, 'empty');
  const preview = await importThroughDialog(page, 'ssh -A -o Foo=bar -o ControlMaster=auto -N -L 0.0.0.0:18080:db:5432 -D 1080 -J ops@bastion:2200 me@rig-17', {
    open: 'empty',
  });
  await expect(preview.getByTestId('import-jumps')).toContainText('ops@bastion:2200');
  await expect(preview.getByTestId('import-forward')).toHaveCount(2);
  const warnings = preview.getByTestId('import-warning');
  await expect(warnings).toHaveCount(4);
  await expect(preview.getByTestId('import-warnings')).toContainText('unknown ssh option "Foo": ignored');
  await expect(preview.getByTestId('import-warnings')).toContainText('ForwardAgent is not supported');
  await expect(preview.getByTestId('import-warnings')).toContainText('ControlMaster is not supported');
  const lanForward = preview.locator('[data-testid="import-forward"][data-exposes-lan="true"]');
  await expect(lanForward).toHaveCount(1);
  await expect(page.getByTestId('import-save')).toBeDisabled();
  await expect(page.getByTestId('import-save-state')).toContainText('expose on LAN');
  await shot(page, 'import-warnings-en-light');
  await lanForward.getByTestId('import-forward-lan').check();
  await expect(page.getByTestId('import-save')).toBeEnabled();

  // A line that cannot be imported says why, inline.
  await page.getByTestId('import-text').fill('ssh -N me@rig-17');
  await expect(page.getByTestId('import-error')).toContainText('no -L, -R or -D forward');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('import-dialog')).toBeHidden();
  await expect(page.getByTestId('tunnels-empty')).toBeVisible(); // nothing was saved

  // The shortcut help lists the page's keys.
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('shortcut-help-tunnels')).toContainText('Import an autossh line');
  await page.keyboard.press('Escape');
  expect(pageErrors).toEqual([]);
});
