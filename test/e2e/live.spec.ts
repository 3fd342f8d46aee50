import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { connectWebHost } from '../../main/host/ws-client';
import { getFreePorts, makeTempDir, startSshd, type SshdHandle } from '../harness/index';
import { expect, startDrover, test, type DroverServer } from './fixtures';

// Live data honesty: a tunnel card is drawn stale (greyed, its age, buttons disabled) as soon as
// the console loses Drover's services, and live again with fresh values when they are back; an
// sshd outage shows in the tunnel's history with its duration.

const SHOTS = '/tmp/drover-shots';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${SHOTS}/live-${name}.png` });
}

test('stale within 2 s when the web host dies, live again when it is back; an sshd outage lands in the history', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = await makeTempDir('drover-e2e-live-');
  const env = { DROVER_WEB_TOKEN: randomBytes(24).toString('base64url') };
  let drover: DroverServer | undefined;
  let sshd: SshdHandle | undefined;
  try {
    sshd = await startSshd();
    const [lport] = await getFreePorts(1);
    drover = await startDrover({ configDir: dir, env });
    const client = await connectWebHost(drover.url);
    try {
      await client.api.tunnels.save({
        id: 'live-e2e',
        name: 'live e2e',
        target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath] },
        forwards: [{ id: 'f1', kind: 'local', bindAddress: '127.0.0.1', bindPort: lport!, destHost: '127.0.0.1', destPort: sshd.port }],
        unknownHostKey: 'accept-new',
        keepalive: { intervalSec: 1, countMax: 2 },
        autostart: true,
      });
      await client.api.tunnels.start({ id: 'live-e2e' });
    } finally {
      client.dispose();
    }

    await page.goto(drover.url);
    const card = page.locator('[data-testid="tunnel-card"][data-tunnel-id="live-e2e"]');
    await expect(card).toHaveAttribute('data-state', 'up', { timeout: 20_000 });
    await expect(card).toHaveAttribute('data-stale', 'false');
    await expect(page.getByTestId('tunnels-live')).toHaveAttribute('data-look', 'live');

    // ---- the web host dies: stale within 2 s, buttons disabled, the age shown ----
    const port = drover.port;
    process.kill(drover.pid, 'SIGKILL');
    await expect(card).toHaveAttribute('data-stale', 'true', { timeout: 2_000 });
    await expect(card.getByTestId('tunnel-stop')).toBeDisabled();
    await expect(card.getByTestId('tunnel-edit')).toBeDisabled();
    await expect(card.getByTestId('tunnel-delete')).toBeDisabled();
    await expect(card.getByTestId('tunnel-stale')).toBeVisible();
    await expect(page.getByTestId('tunnels-live')).toHaveAttribute('data-look', 'disconnected');
    await expect(card.getByTestId('tunnel-upfor')).toHaveCount(0); // no frozen "up 10 s" drawn as live
    await page.waitForTimeout(2_500);
    await expect(card.getByTestId('tunnel-stale')).toContainText(/[2-9] s|1\d s/);
    await shot(page, 'stale-en-light');
    await drover.stop().catch(() => undefined);

    // ---- back on the same port (same token): live again, with the new process's fresh values ----
    drover = await startDrover({ port, configDir: dir, env });
    await expect(card).toHaveAttribute('data-stale', 'false', { timeout: 20_000 });
    await expect(card).toHaveAttribute('data-state', 'up', { timeout: 20_000 }); // autostart in the new process
    await expect(card.getByTestId('tunnel-stop')).toBeEnabled();
    await expect(page.getByTestId('tunnels-live')).toHaveAttribute('data-look', 'live');
    // Buttons are named by their words, not their icons ("Stop", not "pause Stop").
    await expect(card.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
    // Enter on a running tunnel asks before it drops connections.
    await card.click({ position: { x: 5, y: 5 } });
    await page.locator('body').press('Enter');
    await expect(page.getByTestId('confirm-stop')).toContainText('every connection through it drops');
    await expect(page.getByRole('dialog')).toContainText('Stop tunnel “live e2e”?');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(card).toHaveAttribute('data-state', 'up');

    // ---- sshd away for 10 s: the history shows one outage of about that length ----
    await sshd.down();
    await expect(card).not.toHaveAttribute('data-state', 'up', { timeout: 10_000 });
    await page.waitForTimeout(10_000);
    await sshd.up();
    await expect(card).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
    const history = card.getByTestId('tunnel-history');
    await expect(history).toBeVisible();
    await history.locator('summary').click();
    const outage = history.getByTestId('tunnel-outage').first();
    await expect(outage).toBeVisible();
    const durationMs = Number(await outage.getAttribute('data-duration-ms'));
    expect(durationMs).toBeGreaterThan(9_000);
    expect(durationMs).toBeLessThan(40_000);
    await expect(history.getByTestId('tunnel-history-summary')).toContainText('1 outage');
    await shot(page, 'history-en-light');
  } finally {
    await drover?.stop().catch(() => undefined);
    await sshd?.stop();
    await dir.remove();
  }
});

test('a line that cannot be imported marks the offending part and names it', async ({ page, drover }) => {
  await page.goto(drover.url);
  await page.getByTestId('nav-tunnels').click();
  await page.locator('body').press('i');
  await page.getByTestId('import-text').fill('ssh -N -L 127.0.0.1:99999:kafka:9092 svc@edge');
  await expect(page.getByTestId('import-error')).toContainText('bad port "99999"');
  await expect(page.getByTestId('import-offending-token')).toHaveText('99999');
  await expect(page.getByTestId('import-error')).not.toContainText('highlighted');
  await shot(page, 'import-error-en-light');
});
