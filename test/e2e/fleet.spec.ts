import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { ensureBinary, getFreePort, startSshd, type SshdHandle } from '../harness/index';
import { expect, setUi, test, withClient, type DroverServer } from './fixtures';
import { screenshots } from './screenshots';

// The Fleet page against the real `drover serve` and the harness's OpenSSH sshd: a host added
// through the form (host key approved), its metrics appearing (CPU, memory, disks), the charts,
// sshd stopped → the host turns down with its last-seen time, the host-down alert with a desktop
// notification (the Notification API, recorded by a stand-in) and its acknowledgement; syslog sent
// with util-linux `logger` in both RFCs and as garbage, shown live and filtered by severity, pause;
// an import of pasted `lotus-miner sealing workers` output and removing a host with a confirmation.


const { shot, shotsInAllLooks } = screenshots('fleet');

/** Every test starts from an empty fleet with fast probes (the inventory persists in the server's config dir). */
async function resetFleet(drover: DroverServer): Promise<void> {
  await withClient(drover, async (api) => {
    const snapshot = await new Promise<{ hosts: Record<string, { host: { id: string } }> }>((resolve, reject) => {
      const sub = api.fleet.live(null, {
        next: (f) => {
          if (f.t === 'snapshot') {
            sub.dispose();
            resolve(f.data as never);
          }
        },
        end: (err) => err && reject(err),
      });
    });
    for (const h of Object.values(snapshot.hosts)) await api.fleet.removeHost({ id: h.host.id });
    await api.fleet.updateSettings({ probe: { intervalSec: 30, downAfterMissed: 3 } });
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(cmd, args, { timeout: 30_000 }, (err, _o, stderr) => (err ? reject(new Error(`${cmd}: ${err.message} ${stderr}`)) : resolve())));
}

async function openFleet(page: Page, drover: DroverServer, hash = '#/fleet'): Promise<void> {
  await page.goto(`${drover.url}${hash}`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('fleet-page')).toHaveAttribute('data-loaded', 'true');
}

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ drover }) => {
  await setUi(drover, { language: 'en', theme: 'light' });
  await resetFleet(drover);
});

test('adds a host through the form, shows its metrics and charts; when sshd stops it turns down with its last-seen time, alerts and notifies', async ({ page, drover, pageErrors }) => {
  test.setTimeout(480_000);
  // A stand-in for the Notification API that records what the page shows (headless Chromium has no
  // notification UI), with the window "in the background".
  await page.addInitScript(() => {
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { __notifications: typeof shown }).__notifications = shown;
    class FakeNotification {
      static permission: NotificationPermission = 'default';
      static requestPermission(): Promise<NotificationPermission> {
        FakeNotification.permission = 'granted';
        return Promise.resolve('granted');
      }
      onclick: (() => void) | null = null;
      constructor(title: string, opts: { body?: string }) {
        shown.push({ title, body: opts.body ?? '' });
      }
      close() {}
    }
    Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true });
    document.hasFocus = () => false;
  });
  let sshd: SshdHandle | undefined;
  try {
    sshd = await startSshd();
    await openFleet(page, drover);
    await expect(page.getByTestId('fleet-empty')).toBeVisible();
    await shot(page, 'empty-en-light');

    // ---- settings through the UI: fast probes, down after two missed ----
    await page.getByTestId('fleet-tab-settings').click();
    const interval = page.getByTestId('fleet-settings-interval');
    await interval.fill('2');
    await page.getByTestId('fleet-settings-down-after').fill('2');
    await page.getByTestId('fleet-settings-probe-save').click();
    await expect.poll(() => withClient(drover, async (api) => (await api.fleet.updateSettings({})).probe.intervalSec)).toBe(2);
    await shotsInAllLooks(page, drover, 'settings');

    // ---- add the harness sshd as a host ----
    await page.getByTestId('fleet-tab-hosts').click();
    await page.getByTestId('fleet-empty-add').click();
    await page.getByTestId('fleet-form-name').fill('e2e sshd');
    await page.getByTestId('fleet-form-user').fill(sshd.user);
    await page.getByTestId('fleet-form-host').fill('127.0.0.1');
    await page.getByTestId('fleet-form-port').fill(String(sshd.port));
    await page.getByTestId('fleet-form-identity').fill(sshd.clientKeyPath);
    await page.getByTestId('fleet-form-mac').fill('52-54-00-E2-E0-01');
    await page.getByTestId('fleet-form-save').click();

    // The host key is asked about once, with the fingerprint.
    const dialog = page.getByTestId('hostkey-dialog');
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('hostkey-fingerprint')).toHaveText(sshd.hostKeyFingerprintSha256);
    await page.getByTestId('hostkey-trust').click();
    await expect(dialog).toBeHidden();

    const row = page.locator('[data-testid="fleet-host-row"][data-host-name="e2e sshd"]');
    await expect(row).toHaveAttribute('data-status', 'up', { timeout: 30_000 });
    // Metrics appear: CPU (after the second probe), memory, the fullest disk.
    await expect(row.getByTestId('fleet-host-cpu')).toContainText(/\d+ %/, { timeout: 20_000 });
    await expect(row.getByTestId('fleet-host-mem')).toContainText(/\d+ %/);
    await expect(row.getByTestId('fleet-host-disk')).toContainText(/\d+ %/);
    await expect(page.getByTestId('fleet-summary')).toContainText('Hosts: 1 · up: 1');

    // ---- the host's details: identity, metrics, charts ----
    await row.click();
    const detail = page.getByTestId('fleet-detail-body');
    await expect(detail).toHaveAttribute('data-status', 'up');
    await expect(page.getByTestId('fleet-detail-mac')).toHaveText('52:54:00:e2:e0:01');
    await expect(page.getByTestId('fleet-detail-memory')).toContainText(/GiB|MiB/);
    await expect(page.getByTestId('fleet-detail-cpu')).toContainText('%');
    await expect(page.getByTestId('fleet-detail-mounts')).toContainText('/');
    // The host name the machine reported was learned into its identity.
    await expect(page.getByTestId('fleet-detail-hostname')).not.toHaveText('—', { timeout: 10_000 });
    await shotsInAllLooks(page, drover, 'detail');
    await page.getByRole('tab', { name: 'Charts' }).click();
    await expect(page.getByTestId('fleet-chart-load')).toBeVisible({ timeout: 15_000 });
    await expect.poll(async () => Number(await page.getByTestId('fleet-chart-load').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    // This VM has no temperature sensor: the chart says so instead of drawing nothing.
    await expect(page.getByTestId('fleet-chart-temperature').locator('canvas').or(page.getByTestId('fleet-chart-temperature-none'))).toHaveCount(1);
    await expect(page.getByTestId('fleet-chart-use').locator('canvas')).toHaveCount(1);
    await shotsInAllLooks(page, drover, 'charts');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('fleet-detail')).toBeHidden();
    await row.click({ position: { x: 400, y: 10 } });
    await page.keyboard.press('Escape');
    await shotsInAllLooks(page, drover, 'hosts');

    // ---- notifications are asked for from the button ----
    await page.getByTestId('fleet-tab-alerts').click();
    await page.getByTestId('fleet-notify-enable').click();
    await expect(page.getByTestId('fleet-notify-state')).toHaveAttribute('data-permission', 'granted');
    await page.getByTestId('fleet-tab-hosts').click();

    // ---- sshd stops: down, with the time it was last seen ----
    await sshd.down();
    await expect(row).toHaveAttribute('data-status', 'down', { timeout: 30_000 });
    await expect(row.getByTestId('fleet-host-last-seen')).toContainText(/last seen \d+ s ago/);
    await expect(page.getByTestId('fleet-summary-down')).toHaveText('down: 1');
    await row.click();
    await expect(page.getByTestId('fleet-detail-down')).toContainText('Down: last seen');
    await shot(page, 'down-detail-en-light');
    await page.keyboard.press('Escape');

    // host-down (3 missed) fires: the alert list, the tab badge and a desktop notification.
    await page.getByTestId('fleet-tab-alerts').click();
    const alert = page.locator('[data-testid="fleet-alert-row"][data-rule="host-down"]');
    await expect(alert).toBeVisible({ timeout: 30_000 });
    await expect(alert.getByTestId('fleet-alert-message')).toContainText(/host down: \d+ probes missed, last seen/);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string }[] }).__notifications))
      .toContainEqual({ title: 'Critical: e2e sshd', body: expect.stringContaining('Not answering') });
    await shotsInAllLooks(page, drover, 'alerts');
    await alert.getByTestId('fleet-alert-ack').click();
    await expect(alert).toHaveAttribute('data-acked', 'true');

    // ---- sshd is back: up again, the alert resolves into the history ----
    await sshd.up();
    await page.getByTestId('fleet-tab-hosts').click();
    await expect(row).toHaveAttribute('data-status', 'up', { timeout: 45_000 });
    await page.getByTestId('fleet-tab-alerts').click();
    await expect(alert).toHaveCount(0);
    const episode = page.locator('[data-testid="fleet-alert-history-row"][data-rule="host-down"]').first();
    await expect(episode).toHaveAttribute('data-state', 'resolved');
    await expect(episode).toHaveAttribute('data-acked', 'true');
    expect(pageErrors).toEqual([]);
  } finally {
    if (process.env.FLEET_E2E_LOGS) fs.writeFileSync(process.env.FLEET_E2E_LOGS, `--- drover\n${drover.logs()}\n--- sshd\n${sshd?.logs() ?? ''}\n`);
    await sshd?.stop();
  }
});

test('shows syslog from logger in both RFCs and garbage, live, filtered by severity; pause and follow', async ({ page, drover, pageErrors }) => {
  test.setTimeout(120_000);
  const logger = await ensureBinary('logger', 'bsdutils');
  const port = await getFreePort();
  await openFleet(page, drover);
  await page.getByTestId('fleet-tab-settings').click();
  await page.getByTestId('fleet-settings-syslog-port').fill(String(port));
  await page.getByTestId('fleet-settings-syslog-save').click();
  await page.getByTestId('fleet-tab-syslog').click();
  const status = page.getByTestId('fleet-syslog-status');
  await expect(status).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
  await expect(status).toHaveAttribute('data-udp-port', String(port));

  const send = (...args: string[]) => run(logger, ['--server', '127.0.0.1', '--port', String(port), ...args]);
  await send('--udp', '--rfc3164', '-t', 'gpuwatch', '-p', 'local0.err', 'gpu=4 temp=91 action=throttle');
  await send('--udp', '--rfc5424', '-t', 'lotus-worker', '-p', 'local0.info', '--msgid', 'SCHED', 'sealing task PC1 started');
  await send('--tcp', '--rfc5424', '-t', 'kernel', '-p', 'user.crit', 'NVRM: Xid 79, GPU has fallen off the bus.');
  await new Promise<void>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.send('complete garbage, no header', port, '127.0.0.1', (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    });
  });
  const lines = page.getByTestId('fleet-syslog-line');
  await expect(lines).toHaveCount(4, { timeout: 15_000 });
  await expect(lines.nth(0)).toContainText('gpu=4 temp=91');
  // Lines are shown in the order they arrived: the TCP message (a connection to accept and read)
  // and the UDP datagram sent after it can arrive either way round.
  const garbage = lines.filter({ hasText: 'complete garbage' });
  await expect(garbage).toHaveCount(1);
  await expect(garbage).toHaveAttribute('data-severity', 'raw');
  await shotsInAllLooks(page, drover, 'syslog');

  // Severity filter (applied by the service): err and worse.
  await page.getByTestId('fleet-syslog-severity').click();
  await page.locator('.ant-select-item-option', { hasText: 'up to err' }).click();
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0)).toHaveAttribute('data-severity', '3');
  await expect(lines.nth(1)).toHaveAttribute('data-severity', '2');
  // New lines that match arrive live; others do not.
  await send('--udp', '--rfc3164', '-t', 'rigwatch', '-p', 'daemon.err', 'fan 3 stopped');
  await send('--udp', '--rfc3164', '-t', 'rigwatch', '-p', 'daemon.info', 'all fine');
  await expect(lines).toHaveCount(3);
  await expect(lines.nth(2)).toContainText('fan 3 stopped');

  // Pause: new lines wait and are counted; resume shows them.
  await page.getByTestId('fleet-syslog-pause').click();
  await send('--udp', '--rfc3164', '-t', 'rigwatch', '-p', 'daemon.err', 'while paused');
  await expect(page.getByTestId('fleet-syslog-resume')).toContainText('1 waiting');
  await expect(lines).toHaveCount(3);
  await page.getByTestId('fleet-syslog-resume').click();
  await expect(lines).toHaveCount(4);
  await expect(page.getByTestId('fleet-syslog-follow')).toHaveAttribute('aria-checked', 'true');

  // Text filter.
  await page.getByTestId('fleet-syslog-text').fill('Xid 79');
  await expect(lines).toHaveCount(1);
  await expect(lines.nth(0)).toContainText('GPU has fallen off the bus');

  // Export what matches to a file on the server's machine.
  const out = path.join(drover.configDir, 'syslog-export.txt');
  await page.getByTestId('fleet-syslog-export').click();
  await page.getByTestId('fleet-syslog-export-path').fill(out);
  await page.getByTestId('fleet-syslog-export-ok').click();
  await expect(page.getByTestId('fleet-syslog-exported')).toContainText('Wrote 1 lines');
  expect(fs.readFileSync(out, 'utf8')).toContain('user.crit');
  expect(pageErrors).toEqual([]);
});

test('imports pasted lotus workers, exports the inventory, removes a host after naming it', async ({ page, drover, pageErrors }) => {
  test.setTimeout(120_000);
  await withClient(drover, (api) => api.fleet.updateSettings({ probe: { enabled: false } }));
  try {
    await openFleet(page, drover);
    await page.getByTestId('fleet-import').hover();
    await page.getByTestId('fleet-import-menu-lotus-workers').click();
    const text = fs.readFileSync(path.resolve('test/fixtures/lotus/raw/sealing-workers.A.txt'), 'utf8');
    await page.getByTestId('fleet-import-text').fill(text);
    await page.getByTestId('fleet-import-read').click();
    await expect(page.getByTestId('fleet-import-candidate')).toHaveCount(2);
    await shot(page, 'import-preview-en-light');
    await page.getByTestId('fleet-import-add').click();
    await expect(page.getByTestId('fleet-import-body')).toBeHidden();
    await expect(page.getByTestId('fleet-host-row')).toHaveCount(2);
    const seal = page.locator('[data-testid="fleet-host-row"][data-host-name="fil-seal-01"]');
    await expect(seal).toBeVisible();

    await page.getByTestId('fleet-export').click();
    const out = path.join(drover.configDir, 'fleet-export.json');
    await page.getByTestId('fleet-export-path').fill(out);
    await page.getByTestId('fleet-export-ok').click();
    await expect(page.getByTestId('fleet-export-done')).toContainText('Wrote 2 hosts');
    const exported = JSON.parse(fs.readFileSync(out, 'utf8')) as { hosts: { name: string; lotusWorker?: string }[] };
    expect(exported.hosts.map((h) => [h.name, h.lotusWorker])).toEqual([
      ['fil-miner-01', 'fil-miner-01'],
      ['fil-seal-01', 'fil-seal-01'],
    ]);
    await page.keyboard.press('Escape');

    // Delete by keyboard on the selected row: the confirmation names the host.
    await seal.click({ position: { x: 400, y: 10 } });
    await page.keyboard.press('Escape');
    await page.locator('body').press('Delete');
    await expect(page.locator('.ant-modal-confirm-title')).toHaveText('Remove “fil-seal-01” from the fleet?');
    await page.getByTestId('fleet-confirm-remove-ok').click();
    await expect(page.getByTestId('fleet-host-row')).toHaveCount(1);
    expect(pageErrors).toEqual([]);
  } finally {
    await withClient(drover, (api) => api.fleet.updateSettings({ probe: { enabled: true } }));
  }
});
