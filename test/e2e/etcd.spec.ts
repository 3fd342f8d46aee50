import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { Etcd3 } from 'etcd3';
import { runEtcdctl, startEtcd, type EtcdctlResult, type EtcdHandle } from '../harness/index';
import { expect, setUi, test, withClient, type DroverServer } from './fixtures';
import { screenshots } from './screenshots';

// The etcd page against the real `drover serve` and a real etcd from the harness: browsing the
// tree, an edit that loses its compare-and-swap to a change made with etcdctl (both versions and
// a diff shown, the user chooses), malformed JSON refused with its position, a key put by
// etcdctl appearing live, the guarded prefix delete (count, backup path, typed prefix) and the
// restore from its backup, and the farm's worker-env table.

const DC = 'e86bf73f-f2bf-4143-b939-fb8de272bb78';

let etcd: EtcdHandle;

function etcdctl(args: string[], input?: string): Promise<EtcdctlResult> {
  return runEtcdctl(etcd.endpoint, args, input === undefined ? {} : { input });
}

async function ctlOk(args: string[], input?: string): Promise<string> {
  const r = await etcdctl(args, input);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const { shot, shotsInAllLooks } = screenshots('etcd');

function row(page: Page, key: string) {
  return page.locator(`[data-testid="etcd-row"][data-key="${key}"]`);
}

async function openEtcd(page: Page, drover: DroverServer): Promise<void> {
  await page.goto(`${drover.url}#/etcd`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('etcd-page')).toHaveAttribute('data-loaded', 'true');
}

async function search(page: Page, prefix: string): Promise<void> {
  await page.getByTestId('etcd-search').fill(prefix);
  await page.getByTestId('etcd-search').press('Enter');
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  etcd = await startEtcd({ name: 'e2e' });
  await ctlOk(['put', '/app/config', '{"mode":"tophc","hasconvert":true,"replicas":3}']);
  await ctlOk(['put', '/app/README', 'plain text\nsecond line']);
  await ctlOk(['put', `/farm/dc/${DC}/config`, 'POOL=dc-default\nINFLUX=http://10.40.23.250:8086\n']);
  for (const mac of ['52:54:00:a1:9c:ae', '52:54:00:a1:9c:af', '52-54-00-a1-9c-b0']) await ctlOk(['put', `/farm/workers/${mac}/env`, `POOL=eu1\nRIG=${mac}\n`]);
  await ctlOk(['put', '/farm/workers/52:54:00:a1:9c:b1/env', 'BROKEN LINE\nPOOL=eu1\n']);
  // 2,000 keys to delete as a prefix, in transactions of 100 puts.
  const client = new Etcd3({ hosts: [etcd.endpoint] });
  try {
    for (let b = 0; b < 20; b++) {
      const ops = Array.from({ length: 100 }, (_, i) => ({ request_put: { key: Buffer.from(`/big/rack${String(b).padStart(2, '0')}/w${String(i).padStart(3, '0')}`), value: Buffer.from(`v${b * 100 + i}`) } }));
      await client.kv.txn({ success: ops });
    }
  } finally {
    client.close();
  }
});

test.afterAll(async () => {
  await etcd?.stop();
});

test.beforeEach(async ({ drover }) => {
  await setUi(drover, { language: 'en', theme: 'light' });
  await withClient(drover, async (api) => {
    await api.etcd.saveSession({ config: { id: 'e2e', name: 'farm etcd (e2e)', target: { kind: 'direct', endpoints: [etcd.endpoint] }, requestTimeoutMs: 5000 } });
  });
});

test('browses the tree, edits with a conflict (both versions, a diff, the user chooses), refuses malformed JSON', async ({ page, drover, pageErrors }) => {
  test.setTimeout(180_000);
  await openEtcd(page, drover);
  await expect(page.getByTestId('etcd-page')).toHaveAttribute('data-session', 'e2e');
  await expect(page.getByTestId('etcd-watch-live')).toHaveAttribute('data-look', 'live');
  await expect(page.getByTestId('etcd-status-live')).toHaveAttribute('data-look', 'live');
  await expect(page.getByTestId('etcd-cluster-summary')).toContainText('v3.');

  // The root holds "/" (keys start with a slash); open /, app/, then the key.
  await row(page, '/').click();
  await expect(row(page, '/app/')).toBeVisible();
  await expect(row(page, '/big/')).toContainText('2,000');
  await row(page, '/app/').click();
  await row(page, '/app/config').click();
  const editor = page.getByTestId('etcd-editor');
  await expect(editor).toHaveAttribute('data-key', '/app/config');
  await expect(editor).toHaveAttribute('data-mode', 'json');
  const text = page.getByTestId('etcd-editor-text');
  await expect(text).toHaveValue('{\n  "mode": "tophc",\n  "hasconvert": true,\n  "replicas": 3\n}');
  await shotsInAllLooks(page, drover, 'browse');

  // Edit; meanwhile someone changes the key with etcdctl: the editor says so, and saving shows both.
  await text.fill('{\n  "mode": "tophc",\n  "hasconvert": false,\n  "replicas": 5\n}');
  await expect(page.getByTestId('etcd-editor-dirty')).toBeVisible();
  await ctlOk(['put', '/app/config', '{"mode":"tophc","hasconvert":true,"replicas":4}']);
  await expect(page.getByTestId('etcd-editor-remote')).toBeVisible();
  await page.keyboard.press('Control+s');
  const conflict = page.getByTestId('etcd-conflict');
  await expect(conflict).toBeVisible();
  const diff = page.getByTestId('etcd-conflict-diff');
  await expect(diff).toContainText('"replicas": 4');
  await expect(diff).toContainText('"replicas": 5');
  await expect(diff).toHaveAttribute('data-added', '2');
  await expect(diff).toHaveAttribute('data-removed', '2');
  // Nothing was written yet.
  expect(await ctlOk(['get', '/app/config', '--print-value-only'])).toBe('{"mode":"tophc","hasconvert":true,"replicas":4}\n');
  await shotsInAllLooks(page, drover, 'conflict');
  await page.getByTestId('etcd-conflict-mine').click();
  await expect(conflict).toBeHidden();
  await expect(page.getByTestId('etcd-editor-dirty')).toBeHidden();
  // Written over theirs as chosen, in the compact style the value had.
  expect(await ctlOk(['get', '/app/config', '--print-value-only'])).toBe('{"mode":"tophc","hasconvert":false,"replicas":5}\n');

  // The other choice: take theirs.
  await text.fill('{\n  "mode": "mine"\n}');
  await ctlOk(['put', '/app/config', '{"mode":"theirs"}']);
  await expect(page.getByTestId('etcd-editor-remote')).toBeVisible();
  await page.getByTestId('etcd-editor-save').click();
  await expect(conflict).toBeVisible();
  await page.getByTestId('etcd-conflict-theirs').click();
  await expect(text).toHaveValue('{\n  "mode": "theirs"\n}');
  expect(await ctlOk(['get', '/app/config', '--print-value-only'])).toBe('{"mode":"theirs"}\n');

  // Malformed JSON: refused with the parse position; etcd keeps the old value.
  await text.fill('{\n  "mode": "broken",\n  "replicas": 3,,\n}');
  await page.getByTestId('etcd-editor-save').click();
  const err = page.getByTestId('etcd-editor-save-error');
  await expect(err).toBeVisible();
  await expect(err).toHaveAttribute('data-line', '3');
  await expect(err).toContainText('line 3');
  expect(await ctlOk(['get', '/app/config', '--print-value-only'])).toBe('{"mode":"theirs"}\n');
  await shot(page, 'json-error-en-light');

  // History: the earlier revisions are there; restore one (CAS).
  await page.getByTestId('etcd-editor-revert').click();
  await page.getByTestId('etcd-editor-history').click();
  await expect(page.getByTestId('etcd-history-item')).toHaveCount(4);
  await page.getByTestId('etcd-history-item').nth(3).click();
  await expect(page.getByTestId('etcd-history-diff')).toBeVisible();
  await shot(page, 'history-en-light');
  await page.getByTestId('etcd-history-restore').click();
  await page.getByTestId('etcd-history-restore-ok').click();
  await expect.poll(async () => ctlOk(['get', '/app/config', '--print-value-only'])).toBe('{"mode":"tophc","hasconvert":true,"replicas":3}\n');
  expect(pageErrors).toEqual([]);
});

test('a key put with etcdctl appears live, a deleted one goes, in the tree and in a prefix search', async ({ page, drover, pageErrors }) => {
  await openEtcd(page, drover);
  await expect(page.getByTestId('etcd-watch-live')).toHaveAttribute('data-look', 'live');
  await search(page, '/farm/workers/');
  await expect(page.locator('[data-testid="etcd-row"]')).toHaveCount(4);
  await ctlOk(['put', '/farm/workers/52:54:00:a1:9c:c0/env', 'POOL=eu2\n']);
  await expect(row(page, '/farm/workers/52:54:00:a1:9c:c0/env')).toBeVisible();
  await expect(page.locator('[data-testid="etcd-row"]')).toHaveCount(5);
  await ctlOk(['del', '/farm/workers/52:54:00:a1:9c:c0/env']);
  await expect(row(page, '/farm/workers/52:54:00:a1:9c:c0/env')).toHaveCount(0);

  // In the tree: a new directory appears under an open one.
  await search(page, '');
  await row(page, '/').click();
  await row(page, '/farm/').click();
  await expect(row(page, '/farm/workers/')).toBeVisible();
  await ctlOk(['put', '/farm/racks/r1', 'rack one']);
  await expect(row(page, '/farm/racks/')).toBeVisible();
  await ctlOk(['del', '/farm/racks/r1']);
  await expect(row(page, '/farm/racks/')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test('guarded delete: the count, the backup path, the prefix typed exactly; restore brings every key back', async ({ page, drover, pageErrors }) => {
  test.setTimeout(120_000);
  await openEtcd(page, drover);
  await search(page, '/big/');
  await expect(row(page, '/big/rack00/w000')).toBeVisible();
  await page.getByTestId('etcd-tree').getByTestId('etcd-delete-prefix').first().click();
  const dialog = page.getByTestId('etcd-delete-dialog');
  await expect(dialog.getByTestId('etcd-delete-count')).toHaveAttribute('data-count', '2000');
  await expect(dialog.getByTestId('etcd-delete-expected')).toHaveText('/big/');
  const backup = dialog.getByTestId('etcd-delete-backup');
  await expect(backup).toHaveValue(new RegExp(`${drover.configDir}/etcd-backups/e2e-big-backup-.*\\.json$`));
  const confirm = page.getByTestId('etcd-delete-confirm');
  await expect(confirm).toBeDisabled();
  await dialog.getByTestId('etcd-delete-typed').fill('/big');
  await expect(confirm).toBeDisabled();
  await dialog.getByTestId('etcd-delete-typed').fill('/big/');
  await expect(confirm).toBeEnabled();
  await shotsInAllLooks(page, drover, 'delete-prefix');
  const backupFile = await backup.inputValue();
  await confirm.click();
  await expect(dialog.getByTestId('etcd-delete-result')).toBeVisible();
  await expect(dialog.getByTestId('etcd-delete-backup-path')).toHaveText(backupFile);
  expect(fs.existsSync(backupFile)).toBe(true);
  expect((JSON.parse(fs.readFileSync(backupFile, 'utf8')) as { count: number }).count).toBe(2000);
  expect(await ctlOk(['get', '/big/', '--prefix', '--keys-only'])).toBe('');
  await expect(row(page, '/big/rack00/w000')).toHaveCount(0);

  await page.getByTestId('etcd-delete-restore').click();
  const restore = page.getByTestId('etcd-restore-dialog');
  await expect(restore.getByTestId('etcd-backup-summary')).toContainText('2,000');
  await restore.getByTestId('etcd-restore-run').click();
  await expect(restore.getByTestId('etcd-restore-result')).toHaveAttribute('data-restored', '2000');
  await expect(restore.getByTestId('etcd-restore-result')).toHaveAttribute('data-conflicts', '0');
  expect(await ctlOk(['get', '/big/rack07/w042', '--print-value-only'])).toBe('v742\n');
  await page.keyboard.press('Escape');
  await expect(row(page, '/big/rack00/w000')).toBeVisible();
  expect(pageErrors).toEqual([]);
});

test('the worker env table: MACs in any spelling, problems shown, a new worker validated before it is written', async ({ page, drover, pageErrors }) => {
  await openEtcd(page, drover);
  await page.getByTestId('etcd-tab-workers').click();
  const table = page.getByTestId('etcd-farm-worker');
  await expect(table.getByTestId('etcd-farm-row')).toHaveCount(4);
  await expect(table.locator('[data-testid="etcd-farm-row"][data-id="52:54:00:a1:9c:b0"]')).toContainText('52-54-00-a1-9c-b0');
  await expect(table.getByTestId('etcd-farm-problems')).toHaveCount(1);
  await shotsInAllLooks(page, drover, 'workers');
  await page.getByTestId('etcd-farm-worker-add').click();
  const ed = page.getByTestId('etcd-env-editor');
  await ed.getByTestId('etcd-env-id').fill('5254.00A1.9CD0');
  await ed.getByTestId('etcd-env-text').fill('POOL=eu1\nCMD=$(reboot)\n');
  await expect(page.getByTestId('etcd-env-save')).toBeDisabled();
  await expect(ed.getByTestId('etcd-env-problems')).toContainText('line 2');
  await ed.getByTestId('etcd-env-text').fill("POOL=eu1\nNOTE='two words'\n");
  await expect(ed.getByTestId('etcd-env-key')).toContainText('/farm/workers/52:54:00:a1:9c:d0/env');
  await expect(page.getByTestId('etcd-env-save')).toBeEnabled();
  await page.getByTestId('etcd-env-save').click();
  await expect(ed).toBeHidden();
  expect(await ctlOk(['get', '/farm/workers/52:54:00:a1:9c:d0/env', '--print-value-only'])).toBe("POOL=eu1\nNOTE='two words'\n\n");
  await expect(table.getByTestId('etcd-farm-row')).toHaveCount(5);

  // What netboot would serve that worker.
  await page.getByTestId('etcd-merged-uuid').fill(DC);
  await page.getByTestId('etcd-merged-mac').fill('52-54-00-a1-9c-d0');
  await page.getByTestId('etcd-merged-run').click();
  await expect(page.getByTestId('etcd-merged-text')).toContainText("NOTE='two words'");
  await expect(page.getByTestId('etcd-merged-text')).toContainText('INFLUX=http://10.40.23.250:8086');
  expect(pageErrors).toEqual([]);
});

test('a session through a tunnel that is not running says the tunnel is the cause', async ({ page, drover, pageErrors }) => {
  await withClient(drover, async (api) => {
    await api.tunnels.save({
      id: 'edgegw',
      name: 'edgegw01',
      target: { host: '127.0.0.1', port: 1, user: 'svc' },
      forwards: [{ id: 'etcd', kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '100.69.106.78', destPort: 2379 }],
    });
    await api.etcd.saveSession({ config: { id: 'via-tunnel', name: 'farm via edgegw01', target: { kind: 'tunnel', tunnelId: 'edgegw', forwardId: 'etcd' } } });
  });
  try {
    await openEtcd(page, drover);
    await page.getByTestId('etcd-session-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'farm via edgegw01' }).click();
    await expect(page.getByTestId('etcd-page')).toHaveAttribute('data-session', 'via-tunnel');
    const status = page.getByTestId('etcd-watch-live');
    await expect(status).toHaveAttribute('data-look', 'down');
    await expect(page.getByTestId('etcd-watch-live-via')).toContainText('edgegw01');
    await expect(page.getByTestId('etcd-watch-live-cause')).toContainText('edgegw01');
    await expect(page.getByTestId('etcd-rows')).toHaveClass(/drover-stale/);
    await shotsInAllLooks(page, drover, 'tunnel-down');
  } finally {
    await withClient(drover, async (api) => {
      await api.etcd.removeSession({ id: 'via-tunnel' });
      await api.tunnels.remove({ id: 'edgegw' });
    });
  }
  expect(pageErrors).toEqual([]);
});
