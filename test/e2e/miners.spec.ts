import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { startFakeLotus, type FakeLotus } from '../fixtures/lotus/fake-lotus-server';
import { startSshd, type SshdHandle } from '../harness/index';
import { expect, setUi, startDrover, test, withClient, type DroverServer, type Ui } from './fixtures';

// The Miners page against the real `drover serve`, the fixture lotus (test/fixtures/lotus) and a
// real OpenSSH sshd from the harness: a miner API session routed through a Drover tunnel. The
// dashboard shows the miner; then the farm moves on (a job starts, another finishes) and only
// those rows update — every other job row keeps its DOM node and does not re-render (render
// counts from the test build's window.__droverMiners); then sshd stops, the tunnel goes down and
// the page says so, naming the tunnel, with the data greyed and the actions disabled.

const SHOTS = '/tmp/drover-shots';

let fake: FakeLotus;
let sshd: SshdHandle;
/** Its own server: tokens go to the secret vault, unlocked here with a passphrase of this test's. */
let drover: DroverServer;

async function shot(page: Page, drover: DroverServer, name: string, ui: Ui): Promise<void> {
  await setUi(drover, ui);
  const shell = page.getByTestId('shell');
  await expect(shell).toHaveAttribute('data-theme', ui.theme);
  await expect(shell).toHaveAttribute('data-language', ui.language);
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${SHOTS}/miners-${name}-${ui.language === 'en' ? 'en' : 'zh'}-${ui.theme}.png` });
}

function jobRows(page: Page) {
  return page.locator('[data-testid="miners-job-row"]');
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  fake = await startFakeLotus({ farm: 'A' });
  sshd = await startSshd();
  drover = await startDrover();
  await withClient(drover, (api) => api.secrets.unlock({ passphrase: 'miners e2e passphrase' }));
});

test.afterAll(async () => {
  await drover?.stop();
  await fake?.close();
  await sshd?.stop();
});

test('shows the miner, updates only the rows that changed, and says when its tunnel is down', async ({ page, pageErrors }) => {
  test.setTimeout(150_000);
  await setUi(drover, { language: 'en', theme: 'light' });
  await withClient(drover, async (api) => {
    await api.tunnels.save({
      id: 'edge',
      name: 'edge-gw e2e',
      target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath] },
      forwards: [{ id: 'lotus', kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '127.0.0.1', destPort: fake.miner.port }],
      unknownHostKey: 'accept-new',
      keepalive: { intervalSec: 1, countMax: 2 },
    });
    await api.tunnels.start({ id: 'edge' });
    await api.miners.save({
      config: {
        id: 'farm-a',
        name: 'farm A via edge',
        pollIntervalSec: 2,
        source: {
          kind: 'rpc',
          miner: { url: 'http://10.20.0.10:2345/rpc/v0', tunnel: { tunnelId: 'edge', forwardId: 'lotus' } },
          fullNode: { url: fake.fullNode.url },
          transport: 'http',
          chainNotify: false,
          storage: true,
        },
        alerts: {},
        paused: false,
      },
      minerToken: fake.tokens.admin,
      fullNodeToken: fake.tokens.read,
    });
  });
  try {
    // ---- the dashboard shows the miner, live ----
    await page.goto(`${drover.url}#/miners`);
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
    const panel = page.locator('[data-testid="miners-panel"][data-session="farm-a"]');
    await expect(panel).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('miners-live')).toHaveAttribute('data-look', 'live', { timeout: 30_000 });
    await expect(page.getByTestId('miners-panel-title')).toHaveText('f03150672');
    await expect(page.getByTestId('miners-power-raw')).not.toHaveText('—');
    await expect(page.getByTestId('miners-balance-miner')).toContainText('FIL');
    await shot(page, drover, 'overview', { language: 'en', theme: 'light' });

    await page.getByTestId('miners-tab-workers').click();
    await expect(page.locator('[data-testid="miners-worker-row"]').first()).toBeVisible();
    await shot(page, drover, 'workers', { language: 'en', theme: 'dark' });
    await setUi(drover, { language: 'en', theme: 'light' });

    // ---- jobs: a stable order (by sector), then the farm moves on ----
    await page.getByTestId('miners-tab-jobs').click();
    await page.getByTestId('miners-jobs-sort').getByText('By sector').click();
    await expect(jobRows(page).first()).toBeVisible();
    const before = await page.evaluate(() => {
      const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="miners-job-row"]')];
      // Mark each row's DOM node: a re-mounted row would come back without the mark.
      for (const r of rows) (r as unknown as { __mark: string }).__mark = r.dataset.jobKey!;
      window.__droverMiners!.reset();
      return rows.map((r) => ({ key: r.dataset.jobKey!, state: r.dataset.state!, sector: r.dataset.sector! }));
    });
    expect(before.length).toBeGreaterThan(3);
    const assigned = before.find((r) => r.state === 'assigned');
    expect(assigned, 'farm A has an assigned job').toBeDefined();

    const report = fake.step(); // the first assigned job starts; a finalize finishes; an AddPiece starts
    expect(report.events.some((e) => e.includes('started'))).toBe(true);
    const startedRow = page.locator(`[data-testid="miners-job-row"][data-sector="${assigned!.sector}"]`);
    await expect(startedRow).toHaveAttribute('data-state', 'running', { timeout: 20_000 });
    await page.waitForTimeout(1500); // any further frame of the same poll has landed
    const after = await page.evaluate(() => {
      const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="miners-job-row"]')];
      return {
        rows: rows.map((r) => ({ key: r.dataset.jobKey!, state: r.dataset.state!, same: (r as unknown as { __mark?: string }).__mark === r.dataset.jobKey })),
        renders: window.__droverMiners!.jobRenders(),
      };
    });
    const beforeKeys = new Set(before.map((r) => r.key));
    const kept = after.rows.filter((r) => beforeKeys.has(r.key));
    const fresh = after.rows.filter((r) => !beforeKeys.has(r.key));
    expect(fresh.length, 'the started job (new call id) and the new AddPiece are new rows').toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeGreaterThan(2);
    // Every row that was there and did not change: the same DOM node, not rendered again.
    for (const r of kept) {
      expect(r.same, `row ${r.key} kept its DOM node`).toBe(true);
      expect(after.renders[r.key] ?? 0, `row ${r.key} did not re-render`).toBe(0);
    }
    // The rows that changed did render.
    for (const r of fresh) expect(after.renders[r.key] ?? 0).toBeGreaterThan(0);
    await shot(page, drover, 'jobs', { language: 'en', theme: 'light' });
    await shot(page, drover, 'jobs', { language: 'zh-CN', theme: 'dark' });
    await setUi(drover, { language: 'en', theme: 'light' });

    // ---- sshd stops: the tunnel goes down, the page says so and names it ----
    await sshd.down();
    const status = page.getByTestId('miners-live');
    await expect(status).toHaveAttribute('data-look', /down|stale/, { timeout: 40_000 });
    await expect(page.getByTestId('miners-live-via')).toContainText('edge-gw e2e', { timeout: 20_000 });
    await expect(page.getByTestId('miners-jobs')).toHaveClass(/drover-stale/);
    // No action on data that is not live: every abort button is disabled.
    expect(await page.evaluate(() => [...document.querySelectorAll<HTMLButtonElement>('[data-testid="miners-job-abort"]')].every((b) => b.disabled))).toBe(true);
    await expect(page.locator('[data-testid="miners-card"][data-session="farm-a"]')).toHaveAttribute('data-look', /down|stale/);
    await shot(page, drover, 'tunnel-down', { language: 'en', theme: 'light' });
    await shot(page, drover, 'tunnel-down', { language: 'zh-CN', theme: 'light' });
    await setUi(drover, { language: 'en', theme: 'light' });
  } finally {
    await sshd.up().catch(() => undefined);
    await withClient(drover, async (api) => {
      await api.miners.remove({ id: 'farm-a' }).catch(() => undefined);
      await api.tunnels.stop({ id: 'edge' }).catch(() => undefined);
      await api.tunnels.remove({ id: 'edge' }).catch(() => undefined);
    });
  }
  expect(pageErrors).toEqual([]);
});

test('abort asks first, naming the job, its task, sector and miner', async ({ page, pageErrors }) => {
  test.setTimeout(90_000);
  await setUi(drover, { language: 'en', theme: 'light' });
  await withClient(drover, (api) =>
    api.miners.save({
      config: { id: 'direct-a', name: 'farm A direct', pollIntervalSec: 2, source: { kind: 'rpc', miner: { url: fake.miner.url }, fullNode: { url: fake.fullNode.url }, transport: 'http', chainNotify: false, storage: false }, alerts: {}, paused: false },
      minerToken: fake.tokens.admin,
    }),
  );
  try {
    await page.goto(`${drover.url}#/miners`);
    await page.locator('[data-testid="miners-card"][data-session="direct-a"]').click();
    await expect(page.locator('[data-testid="miners-panel"][data-session="direct-a"]')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('miners-live')).toHaveAttribute('data-look', 'live', { timeout: 30_000 });
    await page.keyboard.press('3'); // the jobs tab, by its key
    const row = page.locator('[data-testid="miners-job-row"][data-state="running"]').first();
    await expect(row).toBeVisible();
    const sector = await row.getAttribute('data-sector');
    const task = await row.getAttribute('data-task');
    await row.getByTestId('miners-job-abort').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText(`(${task}, sector ${sector}) on miner f03150672`);
    await expect(page.getByTestId('miners-confirm-abort')).toBeVisible();
    await shot(page, drover, 'abort-confirm', { language: 'en', theme: 'light' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect(fake.calls.some((c) => c.method === 'Filecoin.SealingAbort')).toBe(false);
  } finally {
    await withClient(drover, (api) => api.miners.remove({ id: 'direct-a' }).catch(() => undefined));
  }
  expect(pageErrors).toEqual([]);
});

test('a link naming a lotus worker (#/miners?worker=) shows only its jobs; a worker no miner has is said plainly', async ({ page, pageErrors }) => {
  test.setTimeout(90_000);
  await withClient(drover, (api) =>
    api.miners.save({
      config: { id: 'direct-w', name: 'farm A direct', pollIntervalSec: 2, source: { kind: 'rpc', miner: { url: fake.miner.url }, fullNode: { url: fake.fullNode.url }, transport: 'http', chainNotify: false, storage: false }, alerts: {}, paused: false },
      minerToken: fake.tokens.admin,
    }),
  );
  try {
    // As the Fleet host detail's "Lotus jobs" link opens it, before the page has any data.
    await page.goto(`${drover.url}#/miners?worker=FIL-SEAL-01`);
    await expect(page.locator('[data-testid="miners-panel"][data-session="direct-w"]')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('miners-jobs')).toBeVisible();
    await expect(page.getByTestId('miners-jobs-filter-worker')).toContainText('fil-seal-01');
    await expect(jobRows(page).first()).toBeVisible();
    const hosts = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-testid="miners-job-row"] .drover-miners-host')].map((e) => e.textContent ?? ''));
    expect(hosts.length).toBeGreaterThan(0);
    expect(new Set(hosts)).toEqual(new Set(['fil-seal-01']));
    // A worker none of the miners has: said, with what to check.
    await page.goto(`${drover.url}#/miners?worker=rig-nowhere`);
    await expect(page.getByTestId('miners-worker-missing')).toContainText('No lotus worker named “rig-nowhere”');
  } finally {
    await withClient(drover, (api) => api.miners.remove({ id: 'direct-w' }).catch(() => undefined));
  }
  expect(pageErrors).toEqual([]);
});
