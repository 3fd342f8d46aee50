import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeMac } from '../../main/farm/mac-address';
import { pendingCleanupCount, stopAll } from '../harness/cleanup';
import { buildNetbootArtifacts, type NetbootArtifacts } from '../harness/netboot-artifacts';
import {
  DEFAULT_INITRD_PATH,
  DEFAULT_KERNEL_PATH,
  bootGuest,
  describeGuestRun,
  parseDroverOutput,
  renderIpxeScript,
  serverUrlFromHost,
  type GuestRun,
} from '../harness/netboot-guest';
import { createNetnsLab, waitForOutput, type NetnsLab } from '../harness/netboot-netns';
import { ensureBinary } from '../harness/require-binary';

// Real network boots under QEMU (TCG): SeaBIOS -> QEMU's iPXE ROM -> HTTP iPXE script -> a Debian
// cloud kernel + busybox initramfs -> the guest fetches get-config and get-initial-config, prints
// them on the serial console and powers off. ~10-13 s per boot on this 2-core machine.

const BOOT_TIMEOUT_MS = 45_000;
const FIXTURE = fileURLToPath(new URL('../fixtures/netboot/responder.mjs', import.meta.url));

/** What the fake shepherd answers; the guest must print exactly this. */
function configJson(mac: string): string {
  return `${JSON.stringify({ mac, worker: 'rig-01', pools: ['stratum+tcp://pool.invalid:3333'] })}\n`;
}
function initialConfigEnv(mac: string): string {
  return `WORKER_MAC=${mac}\nWORKER_NAME="rig 01"\nEMPTY=\n`;
}

interface SeenRequest {
  t: number;
  remote: string;
  url: string;
  userAgent: string;
}

const EXPECTED_PATHS = ['/api/v1/pxe', DEFAULT_KERNEL_PATH, DEFAULT_INITRD_PATH, '/api/v1/get-config', '/api/v1/get-initial-config'];

function pathOf(url: string): string {
  return new URL(url, 'http://x').pathname;
}

function macParam(url: string): string | undefined {
  const value = new URL(url, 'http://x').searchParams.get('mac');
  return value === null ? undefined : normalizeMac(value);
}

function failureReport(run: GuestRun, requests: readonly SeenRequest[]): string {
  return `${describeGuestRun(run, 50)}\nrequests seen by the server:\n${requests.map((r) => `  ${r.remote} ${r.url} (${r.userAgent})`).join('\n') || '  (none)'}`;
}

/** Timings for the report: when the server saw the script, and the whole boot. */
function timing(label: string, run: GuestRun, requests: readonly SeenRequest[]): void {
  const script = requests.find((r) => pathOf(r.url) === '/api/v1/pxe');
  console.info(
    `[netboot] ${label}: script requested at ${script ? ((script.t - run.startedAt) / 1000).toFixed(1) : '?'} s, powered off at ${(run.durationMs / 1000).toFixed(1)} s`,
  );
}

function expectCleanBoot(run: GuestRun, requests: readonly SeenRequest[], mac: string): void {
  const why = failureReport(run, requests);
  expect(run.failure, why).toBeNull();
  expect(run.exitCode, why).toBe(0);
  expect(run.markers, why).toEqual([
    { name: 'get-config', body: configJson(mac), rc: 0 },
    { name: 'get-initial-config', body: initialConfigEnv(mac), rc: 0 },
  ]);
  expect(run.report.params?.mac, why).toBe(mac);
  // Every request, in order, each of the shepherd API calls carrying the guest's MAC.
  expect(requests.map((r) => pathOf(r.url)), why).toEqual(EXPECTED_PATHS);
  expect(macParam(requests[3]!.url), why).toBe(mac);
  expect(macParam(requests[4]!.url), why).toBe(mac);
  expect(requests.slice(0, 3).every((r) => r.userAgent.startsWith('iPXE/')), why).toBe(true);
  expect(requests.slice(3).every((r) => r.userAgent === 'Wget'), why).toBe(true);
}

let artifacts: NetbootArtifacts;

beforeAll(async () => {
  artifacts = await buildNetbootArtifacts({ log: (line) => console.info(`[netboot] ${line}`) });
  console.info(`[netboot] artifacts ${artifacts.fromCache ? 'from cache' : 'built'} in ${artifacts.buildMs} ms: ${artifacts.kernelPackage} ${artifacts.kernelPackageVersion}`);
});

afterAll(async () => {
  await stopAll();
  expect(pendingCleanupCount()).toBe(0);
});

describe('netboot artifacts', () => {
  it('builds a kernel and a newc initramfs holding busybox, /init and the virtio modules in load order', async () => {
    expect(fs.statSync(artifacts.kernelPath).size).toBeGreaterThan(1_000_000);
    // The modules test-infra.md lists for Debian's 6.1 cloud kernel, dependencies before users.
    for (const name of ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'failover', 'net_failover', 'virtio_net']) {
      if (artifacts.kernelRelease.startsWith('6.1.')) expect(artifacts.modules).toContain(name);
    }
    const order = artifacts.modules;
    expect(order.indexOf('virtio_ring')).toBeLessThan(order.indexOf('virtio_net'));
    expect(order.indexOf('net_failover')).toBeLessThan(order.indexOf('virtio_net'));
    expect(order.at(-1)).toBe('virtio_net');

    const cpio = await ensureBinary('cpio', 'cpio');
    const listing = await new Promise<string>((resolve, reject) => {
      const child = execFile(cpio, ['-itv', '--quiet'], { maxBuffer: 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin!.end(gunzipSync(fs.readFileSync(artifacts.initrdPath)));
    });
    expect(listing).toMatch(/^-rwxr-xr-x .* root +root .* init$/m);
    expect(listing).toMatch(/^crw------- .* 5, +1 .* dev\/console$/m);
    expect(listing).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    for (const name of order) expect(listing).toContain(`lib/modules/${name}.ko`);
  });

  it('parses marked blocks exactly, with or without a trailing newline, and flags a cut-off block', () => {
    const output = [
      'noise',
      '\x1b[2JDROVER-BOOTED uptime=1.2\r',
      'DROVER-BEGIN a\r',
      'no newline\r',
      'DROVER-END a rc=0\r',
      'DROVER-BEGIN b',
      'line 1',
      '',
      'DROVER-END b rc=1',
      'DROVER-WGET-ERR b wget: server returned error: HTTP/1.1 404 Not Found',
      'DROVER-BEGIN c',
      'partial',
    ].join('\n');
    const report = parseDroverOutput(output);
    expect(report.booted).toBe(true);
    expect(report.done).toBe(false);
    expect(report.blocks).toEqual([
      { name: 'a', body: 'no newline', rc: 0 },
      { name: 'b', body: 'line 1\n', rc: 1 },
    ]);
    expect(report.problems).toEqual(['DROVER-WGET-ERR b wget: server returned error: HTTP/1.1 404 Not Found', 'block c has no DROVER-END (output cut off?)']);
  });
});

describe('netboot under QEMU user-mode networking', () => {
  let server: http.Server;
  let port: number;
  const requests: SeenRequest[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      requests.push({ t: Date.now(), remote: req.socket.remoteAddress ?? '', url, userAgent: req.headers['user-agent'] ?? '' });
      const mac = macParam(url) ?? 'unknown';
      const send = (type: string, body: string): void => {
        res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      switch (pathOf(url)) {
        case '/api/v1/pxe':
          // The guest sees the server as 10.0.2.2:PORT or 10.0.2.100 (restricted): answer in its terms.
          return send('text/plain', renderIpxeScript({ serverUrl: serverUrlFromHost(req.headers.host, `http://10.0.2.2:${port}`) }));
        case DEFAULT_KERNEL_PATH:
        case DEFAULT_INITRD_PATH: {
          const file = pathOf(url) === DEFAULT_KERNEL_PATH ? artifacts.kernelPath : artifacts.initrdPath;
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size });
          fs.createReadStream(file).pipe(res);
          return;
        }
        case '/api/v1/get-config':
          return send('application/json', configJson(mac));
        case '/api/v1/get-initial-config':
          return send('text/plain', initialConfigEnv(mac));
        default:
          res.writeHead(404);
          res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('boots over HTTP from 127.0.0.1 and prints both shepherd answers', async () => {
    requests.length = 0;
    const mac = '52:54:00:d7:00:01';
    // iPXE expands ${net0/mac} in the DHCP file name (and URL-encodes the colons).
    const run = await bootGuest({ httpPort: port, bootPath: '/api/v1/pxe?mac=${net0/mac}', mac, timeoutMs: BOOT_TIMEOUT_MS });
    timing('user-mode', run, requests);
    expectCleanBoot(run, requests, mac);
    expect(macParam(requests[0]!.url)).toBe(mac);
    expect(requests.every((r) => r.remote === '127.0.0.1')).toBe(true);
    expect(run.report.dhcp?.ip).toBe('10.0.2.15');
    expect(run.report.params?.server).toBe(`http://10.0.2.2:${port}`);
  });

  it('with restrict, the guest reaches only the responder (as 10.0.2.100 through socat)', async () => {
    requests.length = 0;
    const mac = '52:54:00:d7:00:02';
    const run = await bootGuest({ httpPort: port, bootPath: '/api/v1/pxe?mac=${net0/mac}', mac, timeoutMs: BOOT_TIMEOUT_MS, restrict: true });
    timing('user-mode restricted', run, requests);
    expectCleanBoot(run, requests, mac);
    expect(run.report.params?.server).toBe('http://10.0.2.100');
    expect(run.command.join(' ')).toContain('restrict=on');
  });
});

describe('netboot on a private L2 network with dnsmasq DHCP + proxy-DHCP', () => {
  let lab: NetnsLab;
  let labName = '';

  beforeAll(async () => {
    lab = await createNetnsLab();
    labName = lab.name;
  });

  afterAll(async () => {
    await lab?.dispose();
    if (labName) {
      const list = await new Promise<string>((resolve) => execFile('ip', ['netns', 'list'], (_e, stdout) => resolve(stdout)));
      expect(list).not.toContain(labName);
    }
  });

  it('the responder inside the namespace sees the guest at its real DHCP address', async () => {
    const mac = '52:54:00:d7:00:03';
    const serverUrl = `http://${lab.hostAddress}:8080`;
    const config = {
      host: lab.hostAddress,
      port: 8080, // the namespace has its own port space: nothing else listens there
      routes: {
        '/api/v1/pxe': { body: renderIpxeScript({ serverUrl }) },
        [DEFAULT_KERNEL_PATH]: { file: artifacts.kernelPath },
        [DEFAULT_INITRD_PATH]: { file: artifacts.initrdPath },
        '/api/v1/get-config': { body: configJson(mac), type: 'application/json' },
        '/api/v1/get-initial-config': { body: initialConfigEnv(mac) },
      },
    };
    const configFile = path.join(lab.dir, 'responder.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
    const responder = await lab.runInNamespace([process.execPath, FIXTURE, configFile], { name: 'netboot responder' });
    await waitForOutput(responder, /^LISTENING /m);
    const proxy = await lab.startProxyDhcp({ bootUrl: `${serverUrl}/api/v1/pxe` });

    const run = await lab.bootGuest({ mac, timeoutMs: BOOT_TIMEOUT_MS });
    const requests: SeenRequest[] = [...responder.logs().matchAll(/^REQUEST (.*)$/gm)].map((m) => JSON.parse(m[1]!) as SeenRequest);
    timing('netns proxy-DHCP', run, requests);
    expectCleanBoot(run, requests, mac);

    const guestIp = run.report.dhcp?.ip;
    const lease = lab.leases().find((l) => l.mac === mac);
    const why = `${failureReport(run, requests)}\nleases: ${JSON.stringify(lab.leases())}\nproxy log:\n${proxy.logs().slice(-2000)}`;
    expect(guestIp, why).toMatch(new RegExp(`^${lab.subnet.replace(/\.0\/24$/, '').replace(/\./g, '\\.')}\\.(1\\d\\d)$`));
    expect(lease?.ip, why).toBe(guestIp);
    expect(new Set(requests.map((r) => r.remote)), why).toEqual(new Set([guestIp]));
    // iPXE got its script URL from the proxy-DHCP server, not from the plain one.
    expect(proxy.logs(), why).toContain(`bootfile name: ${serverUrl}/api/v1/pxe`);
    expect(lab.dhcp.logs(), why).not.toContain('bootfile name');
  });
});
