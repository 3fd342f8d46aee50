import { Etcd3 } from 'etcd3';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { getFreePort, makeTempDir, startEtcd, type EtcdHandle, type TempDir } from '../harness/index';
import { expect, setUi, test, withClient } from './fixtures';
import { screenshots, SHOTS_DIR } from './screenshots';

// The Netboot page against the real `drover serve` (its NetbootService and responder) and a real
// etcd from the harness: write the config in the editor, start the responder from the UI, rigs'
// three calls (plain node http, with ?mac= and X-Forwarded-For through the trusted proxy)
// appear live in the timeline, a stuck machine is highlighted and makes Stop ask first, an
// unknown client is listed apart, a config mistake is named precisely and refused on save
// (the last good config kept), the etcd values a subnet reads, and the dnsmasq panel.

const DC_UUID = '8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80';
const RIG_A = '52:54:00:e2:00:0a';
const RIG_B = '52:54:00:e2:00:0b';

const { shot, shotsInAllLooks } = screenshots('netboot', { fullPage: true });

/** One call of a rig, as the farm's :80 proxy forwards it (X-Forwarded-For from 127.0.0.1, a trusted proxy). */
function rigCall(port: number, pathAndQuery: string, clientIp: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers: { 'X-Forwarded-For': clientIp, 'User-Agent': 'iPXE/1.21.1' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function configFor(port: number, etcdEndpoint: string): object {
  return {
    version: 1,
    listen: { host: '127.0.0.1', port },
    serverUrl: 'http://10.40.23.250',
    trustedProxies: ['127.0.0.1/32'],
    stuckAfterSec: 5,
    retryDelaySec: 5,
    etcd: { endpoints: [etcdEndpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 },
    defaults: {
      script: ['#!ipxe', 'echo {{subnetName}} {{ip}} {{mac}}', 'kernel {{bootUrl}}/vmlinuz?mac={{mac}} {{kernelArgs}}', 'initrd {{bootUrl}}/initrd.gz?mac={{mac}}', 'boot'],
      kernelArgs: 'console=ttyS0,115200n8 quiet',
      datacenterUuid: DC_UUID,
      agentConfig: {
        supervisor: { images: [{ uri: 'http://10.40.23.250/boot/userland-nvidia.tar.zst', mountpoint: '/' }] },
        metrics: { input: { bminer: { device: 'http://127.0.0.1:1880/api/v1/status/device', solver: 'http://127.0.0.1:1880/api/v1/status/solver' } }, output: { influxdb: { url: 'http://10.40.23.250:8086', db: 'miners' } } },
      },
      etcdKeys: { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{mac}/env' },
    },
    subnets: [
      { name: 'urumqi-rigs-a', cidr: '10.40.24.0/24' },
      { name: 'urumqi-rigs-b', cidr: '10.40.25.0/24' },
      { name: 'urumqi-rigs-v6', cidr: 'fd00:40:24::/64' },
    ],
  };
}

let etcd: EtcdHandle;
let tmp: TempDir;
let port: number;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    await client.put(`/farm/dc/${DC_UUID}/config`).value('POOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=dc-default\n');
    await client.put(`/farm/workers/${RIG_A}/env`).value("WORKER_NAME='rig a'\nWALLET=0xaaa\n");
  } finally {
    client.close();
  }
  tmp = await makeTempDir('drover-e2e-netboot-');
  port = await getFreePort();
});

test.afterAll(async () => {
  await etcd?.stop();
  await tmp?.remove();
});

test.beforeEach(async ({ drover }) => {
  await setUi(drover, { language: 'en', theme: 'light' });
});

test('config in the editor, start from the UI, rigs appear live, stuck and unknown machines, stop asks first', async ({ page, drover, pageErrors }) => {
  test.setTimeout(180_000);
  await page.goto(`${drover.url}#/netboot`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('netboot-page')).toHaveAttribute('data-loaded', 'true');
  const header = page.getByTestId('netboot-header');
  await expect(header).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('netboot-no-config')).toBeVisible();
  await expect(page.getByTestId('netboot-config-path')).toHaveText(path.join(drover.configDir, 'netboot.json'));

  // ---- the editor starts from the sample, checked as it is typed ----
  await page.locator('body').press('c');
  const editor = page.getByTestId('netboot-editor');
  await expect(page.getByTestId('netboot-config')).toHaveAttribute('data-loaded', 'true');
  await expect(page.getByTestId('netboot-sample')).toBeVisible();
  await expect(editor).toHaveValue(/"urumqi-rigs-a"/);
  await expect(page.getByTestId('netboot-validation')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('netboot-problem')).toHaveText([/bootFiles\.dir.*\/var\/lib\/drover\/netboot cannot be used \(ENOENT\).*line 7, column 5/]);

  await editor.fill(JSON.stringify(configFor(port, etcd.endpoint), null, 2));
  await expect(page.getByTestId('netboot-validation')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('netboot-validation')).toContainText('Valid: 3 subnets (2 IPv4, 1 IPv6)');
  await page.getByTestId('netboot-save').click();
  await expect(page.getByTestId('netboot-save-result')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('netboot-dirty')).toHaveText('Saved');
  expect(JSON.parse(fs.readFileSync(path.join(drover.configDir, 'netboot.json'), 'utf8'))).toEqual(configFor(port, etcd.endpoint));

  // ---- start from the UI ----
  await page.getByTestId('netboot-start').click();
  await expect(header).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('netboot-listen')).toHaveText(`http://127.0.0.1:${port}`);

  // ---- a rig's three calls appear live, step by step ----
  await page.locator('body').press('t');
  const rowA = page.locator(`[data-testid="netboot-machines"] [data-key="${RIG_A}"]`);
  const script = await rigCall(port, `/api/v1/pxe?mac=${RIG_A}`, '10.40.24.7');
  expect(script.body).toContain(`echo urumqi-rigs-a 10.40.24.7 ${RIG_A}`);
  await expect(rowA.getByTestId('netboot-step-script')).toHaveAttribute('data-outcome', 'ok');
  await expect(rowA.getByTestId('netboot-step-env')).toHaveAttribute('data-outcome', 'none');
  await expect(rowA.getByTestId('netboot-machine-subnet')).toHaveText('urumqi-rigs-a');
  expect((await rigCall(port, `/api/v1/get-config?mac=${RIG_A}`, '10.40.24.7')).status).toBe(200);
  await expect(rowA.getByTestId('netboot-step-config')).toHaveAttribute('data-outcome', 'ok');
  const env = await rigCall(port, `/api/v1/get-initial-config?mac=${RIG_A}`, '10.40.24.7');
  expect(env.body).toBe("POOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=0xaaa\nWORKER_NAME='rig a'\n");
  await expect(rowA.getByTestId('netboot-step-env')).toHaveAttribute('data-outcome', 'ok');
  await expect(rowA.getByTestId('netboot-machine-state')).toHaveText('booted');
  await expect(page.getByTestId('netboot-etcd')).toHaveText('answering');
  // The responder's etcd copy of /farm/dc/ and /farm/workers/ (docs/netboot.md, "The etcd copy").
  await expect(page.getByTestId('netboot-etcd-copy')).toHaveText(/^copy in sync \(\d+ keys\)$/);

  // A second rig gets its script and no further: stuck after 5 s, highlighted, listed first.
  await rigCall(port, `/api/v1/pxe?mac=${RIG_B}`, '10.40.25.9');
  // An address in no configured subnet, without a MAC: listed apart, with why.
  const unknown = await rigCall(port, '/api/v1/pxe', '192.168.77.5');
  expect(unknown.body).toContain('no netboot entry for 192.168.77.5');
  const unknownRow = page.locator('[data-testid="netboot-unknown"] [data-key="ip:192.168.77.5"]');
  await expect(unknownRow).toContainText('in no subnet');
  await expect(unknownRow).toContainText('MAC unknown');
  await expect(page.getByTestId('netboot-unknown-summary')).toContainText('1 client ·');
  const rowB = page.locator(`[data-testid="netboot-machines"] [data-key="${RIG_B}"]`);
  await expect(rowB).toHaveAttribute('data-stuck', 'true', { timeout: 15_000 });
  await expect(rowB.getByTestId('netboot-machine-state')).toContainText('stuck');
  await expect(page.locator('[data-testid="netboot-machines"] [data-key]').first()).toHaveAttribute('data-key', RIG_B);
  await expect(page.getByTestId('netboot-timeline-summary')).toHaveText('Machines: 2 · booted 1 · stuck 1 · failing 0');

  // Opening a row shows every event kept for it.
  await rowA.locator('.ant-table-row-expand-icon').click();
  const events = page.getByTestId('netboot-machine-events');
  await expect(events.locator('tbody tr')).toHaveCount(3);
  await expect(events.locator('tbody tr').nth(2)).toHaveAttribute('data-step', 'env');

  // Filter to the stuck ones.
  await page.getByTestId('netboot-filter-stuck').click();
  await expect(page.locator('[data-testid="netboot-machines"] [data-key]')).toHaveCount(1);
  await shotsInAllLooks(page, drover, 'timeline');
  await page.getByTestId('netboot-filter-all').click();

  // ---- per-subnet counts ----
  await page.locator('body').press('u');
  const subnetA = page.locator('[data-testid="netboot-subnets"] [data-subnet="urumqi-rigs-a"]');
  await expect(subnetA.getByTestId('netboot-subnet-machines')).toHaveText('1');
  await expect(subnetA.getByTestId('netboot-subnet-booted')).toHaveText('1');
  await expect(subnetA.getByTestId('netboot-subnet-requests')).toHaveText('3');
  await expect(page.locator('[data-testid="netboot-subnets"] [data-subnet="urumqi-rigs-b"]').getByTestId('netboot-subnet-stuck')).toHaveText('1');
  await shot(page, 'subnets-en-light');

  // ---- stop asks first, naming the responder and the machine mid-boot ----
  await page.locator('body').press('s');
  const confirm = page.getByTestId('netboot-confirm-stop');
  await expect(confirm).toBeVisible();
  await expect(page.locator('.ant-modal-confirm-title')).toHaveText(`Stop the netboot responder on http://127.0.0.1:${port}?`);
  await expect(confirm).toContainText(`${RIG_B} 10.40.25.9 [urumqi-rigs-b] · Script`);
  await expect(confirm).not.toContainText(RIG_A);
  await page.getByTestId('netboot-confirm-stop-ok').click();
  await expect(header).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('netboot-listen')).toHaveText('not listening');
  await expect(rigCall(port, '/healthz', '127.0.0.1')).rejects.toThrow(/ECONNREFUSED/);

  expect(pageErrors).toEqual([]);
});

test('a config mistake is named precisely; saving it keeps the last good config; etcd values beside each subnet', async ({ page, drover, pageErrors }) => {
  test.setTimeout(180_000);
  await withClient(drover, (api) => api.netboot.start(null));
  await page.goto(`${drover.url}#/netboot`);
  await expect(page.getByTestId('netboot-page')).toHaveAttribute('data-loaded', 'true');
  await expect(page.getByTestId('netboot-header')).toHaveAttribute('data-state', 'running');
  await page.getByTestId('netboot-tab-config').click();
  const editor = page.getByTestId('netboot-editor');
  await expect(editor).toHaveValue(/"urumqi-rigs-a"/);
  await expect(page.getByTestId('netboot-validation')).toHaveAttribute('data-ok', 'true');

  // The etcd values each subnet reads (the responder's own etcd endpoints).
  await page.locator('[data-testid="netboot-config-subnets"] .ant-table-row[data-subnet="urumqi-rigs-a"]').click();
  const values = page.getByTestId('netboot-etcd-values');
  await expect(values).toHaveAttribute('data-subnet', 'urumqi-rigs-a');
  await values.getByTestId('netboot-etcd-mac').locator('input').fill(RIG_A);
  await values.getByTestId('netboot-etcd-read').click();
  await expect(values.getByTestId('netboot-etcd-dc')).toHaveAttribute('data-state', 'ok');
  await expect(values.getByTestId('netboot-etcd-dc')).toContainText(`/farm/dc/${DC_UUID}/config`);
  await expect(values.getByTestId('netboot-etcd-dc')).toContainText('WALLET=dc-default');
  await expect(values.getByTestId('netboot-etcd-worker')).toContainText("WORKER_NAME='rig a'");
  await expect(values.getByTestId('netboot-etcd-merged')).toContainText('WALLET=0xaaa');
  await expect(values.getByTestId('netboot-etcd-merged')).toContainText('4 entries');
  await values.getByTestId('netboot-etcd-mac').locator('input').fill('52:54:00:e2:00:99');
  await values.getByTestId('netboot-etcd-read').click();
  await expect(values.getByTestId('netboot-etcd-worker')).toHaveAttribute('data-state', 'missing');

  // A mistake while typing: which entry, which field, which line.
  const good = await editor.inputValue();
  const bad = good.replace('"10.40.25.0/24"', '"10.40.25.0/33"');
  await editor.fill(bad);
  await expect(page.getByTestId('netboot-validation')).toHaveAttribute('data-ok', 'false');
  const problem = page.getByTestId('netboot-problem');
  await expect(problem).toHaveCount(1);
  await expect(problem).toHaveAttribute('data-path', 'subnets[1].cidr');
  const line = bad.split('\n').findIndex((l) => l.includes('10.40.25.0/33')) + 1;
  await expect(problem).toContainText('subnets[1].cidr');
  await expect(problem).toContainText('urumqi-rigs-b');
  await expect(problem).toContainText(`line ${line}`);
  // Clicking it selects that line in the text.
  await problem.locator('button').click();
  const selected = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
  expect(selected).toContain('"10.40.25.0/33"');

  // Saving it anyway: written, refused, the responder keeps the last good config and says why.
  await page.keyboard.press('Control+s');
  const result = page.getByTestId('netboot-save-result');
  await expect(result).toHaveAttribute('data-ok', 'false');
  await expect(result).toContainText('the responder kept the last good config because subnets[1].cidr (subnet "urumqi-rigs-b"):');
  await expect(page.getByTestId('netboot-config-refused')).toBeVisible();
  expect((await rigCall(port, `/api/v1/pxe?mac=${RIG_B}`, '10.40.25.9')).body).toContain('echo urumqi-rigs-b 10.40.25.9');
  await page.getByTestId('netboot-header').scrollIntoViewIfNeeded();
  await shotsInAllLooks(page, drover, 'config-error');

  // Fixed: applied again.
  await editor.fill(good);
  await expect(page.getByTestId('netboot-validation')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('netboot-save').click();
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('netboot-config-refused')).toBeHidden();
  expect(pageErrors).toEqual([]);
});

test('dnsmasq panel: full DHCP and proxy-DHCP for the configured subnets, copy, save to a file (asks before replacing)', async ({ page, drover, pageErrors }) => {
  test.setTimeout(120_000);
  await page.goto(`${drover.url}#/netboot`);
  await expect(page.getByTestId('netboot-page')).toHaveAttribute('data-loaded', 'true');
  await page.locator('body').press('d');
  const text = page.getByTestId('netboot-dnsmasq-text');
  await expect(text).toContainText('dhcp-range=set:net-urumqi-rigs-a,10.40.24.25,10.40.24.254,255.255.255.0,12h');
  await expect(text).toContainText('dhcp-boot=tag:ipxe,http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
  await expect(text).toContainText('enable-ra');
  await page.getByTestId('netboot-dnsmasq-mode-proxy').click();
  await expect(text).toContainText('dhcp-range=set:net-urumqi-rigs-b,10.40.25.0,proxy,255.255.255.0');
  await expect(text).toContainText('pxe-service=tag:ipxe,x86PC,"Drover netboot",http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
  await expect(page.getByTestId('netboot-dnsmasq-warnings')).toContainText('proxy-DHCP is IPv4 only');
  await page.getByTestId('netboot-dnsmasq-interfaces').locator('input').fill('br0 ');
  await expect(text).toContainText('interface=br0');
  await page.getByTestId('netboot-dnsmasq-tftp').click();
  await expect(text).not.toContainText('enable-tftp');

  // Copy (the clipboard in this headless Chromium needs the permission).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: drover.origin });
  await page.getByTestId('netboot-dnsmasq-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await text.innerText());

  const file = path.join(tmp.path, 'dnsmasq.d', 'drover-netboot.conf');
  await page.getByTestId('netboot-dnsmasq-path').fill(file);
  await page.getByTestId('netboot-dnsmasq-save').click();
  await expect(page.getByTestId('netboot-dnsmasq-saved')).toContainText(`Wrote ${file}`);
  expect(fs.readFileSync(file, 'utf8')).toContain(',proxy,');
  await shot(page, 'dnsmasq-en-light');
  await page.getByTestId('netboot-dnsmasq-mode-dhcp').click();
  await expect(text).toContainText('dhcp-boot=tag:ipxe,');
  await page.getByTestId('netboot-dnsmasq-save').click();
  await expect(page.getByTestId('netboot-dnsmasq-replace')).toBeVisible();
  await page.getByTestId('netboot-dnsmasq-replace-ok').click();
  await expect(page.getByTestId('netboot-dnsmasq-saved')).toBeVisible();
  expect(fs.readFileSync(file, 'utf8')).toContain('dhcp-boot=tag:ipxe,');
  await shot(page, 'dnsmasq-dhcp-en-light');
  await withClient(drover, (api) => api.netboot.stop(null));
  expect(pageErrors).toEqual([]);
});

test('a machine known to Fleet links to its Fleet identity from the timeline, and Fleet links back to its boot steps', async ({ page, drover, pageErrors }) => {
  test.setTimeout(180_000);
  const RIG_C = '52:54:00:e2:00:0c';
  const closed = await getFreePort(); // nothing listens: the Fleet host is never probed successfully, which is fine here
  const id = await withClient(drover, async (api) => {
    await api.netboot.saveConfig({ text: JSON.stringify(configFor(port, etcd.endpoint), null, 2) });
    await api.netboot.start(null);
    const host = await api.fleet.saveHost({ name: 'rig-c', group: 'default', target: { host: '127.0.0.1', port: closed, user: 'root' }, jumps: [], hostname: 'rig-c', mac: RIG_C.toUpperCase().replace(/:/g, '-'), ip: '10.40.24.33', tags: [] });
    return host.id;
  });
  try {
    expect((await rigCall(port, `/api/v1/pxe?mac=${RIG_C}`, '10.40.24.33')).status).toBe(200);
    await page.goto(`${drover.url}#/netboot`);
    await expect(page.getByTestId('netboot-page')).toHaveAttribute('data-loaded', 'true');
    // Other tests' rigs may be listed too (and are not in Fleet): narrow the timeline to this one.
    await expect(page.getByTestId('netboot-machines').locator(`[data-key="${RIG_A}"], [data-key="${RIG_B}"]`).getByTestId('fleet-machine-link')).toHaveCount(0);
    await page.getByTestId('netboot-search').fill(RIG_C);
    const row = page.getByTestId('netboot-machines').locator(`[data-key="${RIG_C}"]`);
    const link = row.getByTestId('fleet-machine-link');
    await expect(link).toHaveText('Fleet: rig-c');
    await expect(link).toHaveAttribute('href', `#/fleet?host=${id}`);
    await shot(page, 'fleet-link-en-light');

    // The link opens the machine's Fleet details; from there its boot steps open the timeline on it.
    await link.click();
    await expect(page.getByTestId('fleet-detail-name')).toHaveText('rig-c');
    await expect(page.getByTestId('fleet-detail-mac')).toHaveText(RIG_C);
    await expect(page.getByTestId('fleet-detail-jobs')).toHaveAttribute('href', '#/miners?worker=rig-c');
    await page.screenshot({ path: `${SHOTS_DIR}/fleet-detail-links-en-light.png` });
    await page.getByTestId('fleet-detail-boot-steps').click();
    await expect(page).toHaveURL(new RegExp(`#/netboot\\?machine=${encodeURIComponent(RIG_C)}$`));
    const events = page.getByTestId('netboot-machine-events');
    await expect(events).toHaveAttribute('data-key', RIG_C);
    await expect(events.locator('tr[data-step="script"]')).toHaveCount(1);
    await expect(page.getByTestId('netboot-search')).toHaveValue(RIG_C);
    await expect(events.getByTestId('fleet-machine-link')).toHaveText('Fleet: rig-c');
    await shot(page, 'boot-steps-from-fleet-en-light');
  } finally {
    await withClient(drover, async (api) => {
      await api.fleet.removeHost({ id });
      await api.netboot.stop(null);
    });
  }
  expect(pageErrors).toEqual([]);
});
