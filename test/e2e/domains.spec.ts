import type { Locator, Page } from '@playwright/test';
import { startLibvirtd, startSshd, type LibvirtdHandle, type SshdHandle } from '../harness/index';
import { expect, setUi, test, withClient, type DroverServer } from './fixtures';
import { screenshots } from './screenshots';

// The Domains page against the real `drover serve`, a real OpenSSH sshd and the harness's
// unprivileged libvirtd (libvirt's test driver, state kept between virsh calls, the lab with
// hostile names): the host is added through the form, its key approved in the dialog, the
// domains appear, a suspend shows "paused" live, destroy asks first naming domain and host
// (cancel changes nothing, confirm forces it off), bulk results per domain, details, the
// console in a terminal tab, and the host's own health when libvirtd is unreachable.


let sshd: SshdHandle;
let lv: LibvirtdHandle;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  sshd = await startSshd();
  lv = await startLibvirtd();
});

// On a failure, what the page showed about the hosts and the stream (attached to the report).
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus) return;
  const text = await page
    .evaluate(() =>
      ['domain-host', 'domains-live', 'domains-stream-error', 'toast-error']
        .flatMap((id) => [...document.querySelectorAll(`[data-testid="${id}"]`)].map((el) => `${id}: ${(el as HTMLElement).innerText} ${JSON.stringify({ ...(el as HTMLElement).dataset })}`))
        .join('\n'),
    )
    .catch((err: unknown) => `page not readable: ${String(err)}`);
  console.log(`page state at the failure:\n${text}`);
  await testInfo.attach('page-state', { body: text, contentType: 'text/plain' });
});

test.afterAll(async () => {
  await lv?.stop();
  await sshd?.stop();
});

const { shot, shotsInAllLooks } = screenshots('domains');

/** virsh's own view of a domain's state (ground truth, not the page). */
async function virshState(uuid: string): Promise<string> {
  const r = await lv.virsh(['domstate', uuid]);
  return r.stdout.trim();
}

function uuidOf(name: string): string {
  const d = lv.domains.find((x) => x.name === name);
  if (!d) throw new Error(`no lab domain ${name}`);
  return d.uuid;
}

function rowOf(page: Page, name: string): Locator {
  return page.locator(`[data-testid="domain-row"][data-name="${name.replace(/["\\]/g, '\\$&')}"]`);
}

async function openDomains(page: Page, drover: DroverServer): Promise<void> {
  await page.goto(`${drover.url}#/domains`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('domains-page')).toHaveAttribute('data-loaded', 'true');
}

/** Fills the host form (a fresh drawer) and saves. */
async function addHost(page: Page, opts: { name: string; uri: string; openWith: Locator }): Promise<void> {
  await opts.openWith.click();
  const form = page.getByTestId('domain-host-form');
  await expect(form).toBeVisible();
  await page.getByTestId('domain-host-name').fill(opts.name);
  await page.getByTestId('domain-host-target-user').fill(sshd.user);
  await page.getByTestId('domain-host-target-host').fill('127.0.0.1');
  await page.getByTestId('domain-host-target-port').fill(String(sshd.port));
  const identity = page.getByTestId('domain-host-target-identity');
  await identity.click();
  await page.keyboard.type(sshd.clientKeyPath);
  await page.keyboard.press('Enter');
  await expect(form).toContainText(sshd.clientKeyPath);
  await form.getByText('Use ssh-agent').click();
  await page.getByTestId('domain-host-uri').fill(opts.uri);
  await page.getByTestId('domain-host-interval').fill('1');
  await page.getByTestId('domain-host-save').click();
  await expect(form).toBeHidden({ timeout: 30_000 });
}

test('add a KVM host through the form, approve its key, see its domains; suspend shows "paused" live; destroy asks first, naming domain and host', async ({ page, drover, pageErrors }) => {
  test.setTimeout(420_000);
  await setUi(drover, { language: 'en', theme: 'light' });
  await openDomains(page, drover);
  await expect(page.getByTestId('domains-empty')).toBeVisible();
  await shot(page, 'empty-en-light');

  await addHost(page, { name: 'kvm-lab-01', uri: lv.uri, openWith: page.getByTestId('domains-empty-add') });

  // The first connection asks about the unknown host key, with the server's fingerprint.
  const dialog = page.getByTestId('hostkey-dialog');
  await expect(dialog).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('hostkey-fingerprint')).toHaveText(sshd.hostKeyFingerprintSha256);
  await page.getByTestId('hostkey-trust').click();
  await expect(dialog).toBeHidden();

  const host = page.locator('[data-testid="domain-host"][data-host-name="kvm-lab-01"]');
  await expect(host).toHaveAttribute('data-state', 'live', { timeout: 45_000 });
  await expect(host.getByTestId('domain-host-route')).toHaveText(`${sshd.user}@127.0.0.1:${sshd.port}`);
  await expect(host.getByTestId('domain-host-counts')).toHaveAttribute('data-total', String(lv.domains.length));
  await expect(host.getByTestId('domain-host-live')).toHaveAttribute('data-look', 'live');
  // Every lab domain (the table is virtualized: found through the search box), hostile names shown as they are.
  const search = page.getByTestId('domains-search');
  for (const d of lv.domains) {
    await search.fill(d.uuid);
    await expect(page.getByTestId('domain-row')).toHaveCount(1);
    await expect(rowOf(page, d.name), d.name).toHaveAttribute('data-state', d.state);
    await expect(rowOf(page, d.name).getByTestId('domain-name')).toHaveText(d.name);
  }
  await search.fill('');
  await expect(page.getByTestId('domains-shown')).toHaveText(`${lv.domains.length} shown`);
  await expect(rowOf(page, '$(reboot)').getByTestId('domain-state')).toContainText('paused');
  expect(await withClient(drover, (api) => api.domains.listHosts(null))).toEqual([expect.objectContaining({ name: 'kvm-lab-01', uri: lv.uri, pollIntervalSec: 1 })]);
  await shotsInAllLooks(page, drover, 'table');

  // ---- suspend: "paused" appears live (the next round, not a reload) ----
  const rig = rowOf(page, 'gpu-rig-01');
  await expect(rig).toHaveAttribute('data-state', 'running');
  await rig.getByTestId('domain-action-suspend').click();
  // virsh's own output, as soon as the action returns…
  await expect(page.getByText(`gpu-rig-01: Domain '${uuidOf('gpu-rig-01')}' suspended`)).toBeVisible({ timeout: 30_000 });
  // …and the state in the table from the next round.
  await expect(rig).toHaveAttribute('data-state', 'paused', { timeout: 30_000 });
  await expect(rig.getByTestId('domain-state')).toContainText('paused');
  await expect(rig.getByTestId('domain-state')).toContainText('by user');
  expect(await virshState(uuidOf('gpu-rig-01'))).toBe('paused');

  // ---- destroy asks first, naming the domain and the host; cancel changes nothing ----
  const openDestroy = async () => {
    await rig.getByTestId('domain-more').click();
    await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByTestId('domain-menu-destroy').click();
  };
  await openDestroy();
  const confirm = page.getByTestId('domain-confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm).toHaveAttribute('data-domain', 'gpu-rig-01');
  await expect(confirm).toHaveAttribute('data-host', 'kvm-lab-01');
  await expect(page.locator('.ant-modal-confirm-title')).toHaveText('Destroy (force off) “gpu-rig-01” on kvm-lab-01?');
  await expect(confirm).toContainText('pulling the power cord');
  await shot(page, 'confirm-destroy-en-light');
  await page.getByTestId('domain-confirm-cancel').click();
  await expect(confirm).toBeHidden();
  // The dialog is written in the language it opens in: one per look for the screenshots.
  for (const ui of [
    { language: 'en', theme: 'dark' },
    { language: 'zh-CN', theme: 'light' },
    { language: 'zh-CN', theme: 'dark' },
  ] as const) {
    await setUi(drover, ui);
    await expect(page.getByTestId('shell')).toHaveAttribute('data-language', ui.language);
    await expect(page.getByTestId('shell')).toHaveAttribute('data-theme', ui.theme);
    await openDestroy();
    await expect(confirm).toBeVisible();
    await shot(page, `confirm-destroy-${ui.language === 'en' ? 'en' : 'zh'}-${ui.theme}`);
    await page.getByTestId('domain-confirm-cancel').click();
    await expect(confirm).toBeHidden();
  }
  await setUi(drover, { language: 'en', theme: 'light' });
  await expect(page.getByTestId('shell')).toHaveAttribute('data-language', 'en');
  await page.waitForTimeout(2500); // two more rounds
  await expect(rig).toHaveAttribute('data-state', 'paused');
  expect(await virshState(uuidOf('gpu-rig-01'))).toBe('paused');

  // ---- confirm: forced off ----
  await openDestroy();
  await expect(confirm).toBeVisible();
  await page.getByTestId('domain-confirm-ok').click();
  await expect(rig).toHaveAttribute('data-state', 'shut off', { timeout: 30_000 });
  await expect(rig.getByTestId('domain-state')).toContainText('destroyed');
  expect(await virshState(uuidOf('gpu-rig-01'))).toBe('shut off');

  // ---- what virsh refuses comes back in its own words: restore from a file that is not there ----
  await rig.getByTestId('domain-more').click();
  await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByTestId('domain-menu-restore').click();
  const restore = page.getByTestId('domain-dialog');
  await expect(restore).toHaveAttribute('data-action', 'restore');
  await expect(restore).toHaveAttribute('data-host', 'kvm-lab-01');
  await page.getByTestId('domain-dialog-file').fill(`${lv.stateDir}/never-saved.save`);
  await page.getByTestId('domain-dialog-ok').click();
  const toast = page.getByTestId('toast-error');
  await expect(toast).toBeVisible();
  await expect(toast).toContainText('cannot read domain image');
  await expect(toast).toContainText('While running a domain action');
  await shot(page, 'virsh-error-en-light');
  await page.keyboard.press('Escape');
  expect(pageErrors).toEqual([]);
});

test('bulk start on a selection shows one result per domain; details; the console opens in a terminal tab with its escape key explained', async ({ page, drover, pageErrors }) => {
  test.setTimeout(300_000);
  await setUi(drover, { language: 'en', theme: 'light' });
  await openDomains(page, drover);
  const host = page.locator('[data-testid="domain-host"][data-host-name="kvm-lab-01"]');
  await expect(host).toHaveAttribute('data-state', 'live', { timeout: 45_000 });

  // ---- bulk: select three (one already running: virsh refuses it) ----
  // The table is virtualized: each is found through the search box; the selection outlives the filter.
  const search = page.getByTestId('domains-search');
  for (const name of ['gpu-rig-01', 'pxe-test', 'lotus-daemon']) {
    await search.fill(name);
    await rowOf(page, name).locator('.ant-checkbox-input').check();
  }
  await search.fill('');
  const bar = page.getByTestId('domain-bulkbar');
  await expect(bar).toHaveAttribute('data-count', '3');
  await bar.getByTestId('domain-bulk-start').click();
  const results = page.getByTestId('domain-bulk-results');
  await expect(results).toHaveAttribute('data-done', 'true', { timeout: 45_000 });
  await expect(results).toHaveAttribute('data-finished', '3');
  await expect(results).toHaveAttribute('data-failed', '1');
  await expect(results.locator('[data-testid="domain-bulk-row"][data-name="lotus-daemon"]')).toHaveAttribute('data-tone', 'error');
  await expect(results.locator('[data-testid="domain-bulk-row"][data-name="lotus-daemon"]')).toContainText('Domain is already active');
  await expect(results.locator('[data-testid="domain-bulk-row"][data-name="pxe-test"]')).toHaveAttribute('data-tone', 'ok');
  await shotsInAllLooks(page, drover, 'bulk');
  await page.getByTestId('domain-bulk-close').click();
  await search.fill('pxe-test');
  await expect(rowOf(page, 'pxe-test')).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  await search.fill('gpu-rig-01');
  await expect(rowOf(page, 'gpu-rig-01')).toHaveAttribute('data-state', 'running');
  expect(await virshState(uuidOf('pxe-test'))).toBe('running');
  await bar.getByTestId('domain-bulk-clear').click();
  await expect(bar).toBeHidden();

  // ---- details ----
  await rowOf(page, 'gpu-rig-01').getByTestId('domain-details').click();
  const details = page.getByTestId('domain-details-drawer');
  await expect(details).toHaveAttribute('data-loading', 'false', { timeout: 45_000 });
  await expect(page.getByTestId('domain-details-info')).toContainText(uuidOf('gpu-rig-01'));
  await page.getByRole('tab', { name: /Disks/ }).click();
  await expect(page.getByTestId('domain-details-disks')).toContainText('/var/lib/libvirt/images/lab-2.qcow2');
  await page.getByRole('tab', { name: /Interfaces/ }).click();
  await expect(page.getByTestId('domain-details-interfaces')).toContainText('52:54:00:a1:9c:a2');
  await shotsInAllLooks(page, drover, 'details');
  await page.keyboard.press('Escape');
  await expect(details).toBeHidden();

  // ---- console: virsh console in a pty, in a terminal tab; Ctrl+] explained ----
  await rowOf(page, 'gpu-rig-01').getByTestId('domain-console').click();
  await expect(page.getByTestId('page-terminal')).toBeVisible();
  await expect(page.locator('.ant-notification')).toContainText('Press Ctrl+]');
  await page.waitForFunction(() => (window as unknown as { __droverTerminals?: unknown }).__droverTerminals !== undefined);
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const hook = (window as unknown as { __droverTerminals: { activeKey(): string | null; text(k: string): string } }).__droverTerminals;
          const key = hook.activeKey();
          return key ? hook.text(key) : '';
        }),
      { timeout: 20_000 },
    )
    .toContain('Escape character is ^] (Ctrl + ])');
  await shot(page, 'console-en-light');
  expect(pageErrors).toEqual([]);
});

test('each host shows its own health: a host whose libvirtd is unreachable is down with virsh’s text, the other stays live', async ({ page, drover, pageErrors }) => {
  test.setTimeout(200_000);
  await setUi(drover, { language: 'en', theme: 'light' });
  await openDomains(page, drover);
  await addHost(page, { name: 'kvm-no-libvirtd', uri: `test+unix:///default?socket=${lv.dir}/nope.sock`, openWith: page.getByTestId('domains-add-host') });
  const bad = page.locator('[data-testid="domain-host"][data-host-name="kvm-no-libvirtd"]');
  await expect(bad).toHaveAttribute('data-state', 'down', { timeout: 45_000 });
  await expect(bad).toHaveAttribute('data-failure', 'libvirt');
  await expect(bad.getByTestId('domain-host-failure')).toHaveText('libvirt on the host');
  await expect(bad.getByTestId('domain-host-live-cause')).toContainText("Failed to connect socket to '");
  await expect(page.locator('[data-testid="domain-host"][data-host-name="kvm-lab-01"]')).toHaveAttribute('data-state', 'live');
  await shotsInAllLooks(page, drover, 'host-down');

  // Removing it asks first and leaves the other host alone.
  await bad.getByTestId('domain-host-remove').click();
  await page.getByTestId('domain-host-remove-ok').click();
  await expect(bad).toHaveCount(0);
  await expect(page.locator('[data-testid="domain-host"]')).toHaveCount(1);
  expect(pageErrors).toEqual([]);
});
