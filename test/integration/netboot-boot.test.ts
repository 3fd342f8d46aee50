import { Etcd3 } from 'etcd3';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { applyLive, type LiveUpdate } from '../../main/contract/live';
import type { NetbootLiveData } from '../../main/contract/netboot';
import { systemClock } from '../../main/contract/clock';
import { validateNetbootConfig } from '../../main/netboot/config-validation';
import { generateDnsmasqConfig } from '../../main/netboot/dnsmasq-config';
import { NetbootService } from '../../main/netboot/netboot-service';
import { pendingCleanupCount, stopAll } from '../harness/cleanup';
import { getFreePort, makeTempDir, startEtcd, type EtcdHandle, type TempDir } from '../harness/index';
import { buildNetbootArtifacts, type NetbootArtifacts } from '../harness/netboot-artifacts';
import { bootGuest, describeGuestRun, userNetServerUrl } from '../harness/netboot-guest';
import { createNetnsLab, waitForOutput, type NetnsLab } from '../harness/netboot-netns';
import { ensureBinary } from '../harness/require-binary';
import { GUEST_DC_KEY, GUEST_INITRD_FILE, GUEST_KERNEL_FILE, guestBootConfig, guestWorkerKey } from '../support/netboot-guest-config';
import { AGENT_CONFIG } from '../support/netboot-http';

// End to end: QEMU (TCG) network-boots with its built-in iPXE against THE RESPONDER (the real
// NetbootServer, here inside the feature's NetbootService, and then the real `drover netboot
// serve` process): the script from /api/v1/pxe, a Debian kernel and a busybox initramfs from its
// /boot/, and the guest's /init calls get-config and get-initial-config (env merged from a real
// etcd) and prints them. The timeline must hold every step for the guest's MAC.

const BOOT_TIMEOUT_MS = 45_000;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DC_ENV = '# datacenter: urumqi\nPOOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=dc-default\n';
const workerEnv = (n: number) => `WORKER_NAME='rig 0${n}'\nWALLET=0xabc${n}\nOC_PROFILE=3090-low\n`;
/** What get-initial-config sends: the dc config, overridden and extended by the worker's env (serializeEnv quoting). */
const mergedEnv = (n: number) => `POOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=0xabc${n}\nWORKER_NAME='rig 0${n}'\nOC_PROFILE=3090-low\n`;

let artifacts: NetbootArtifacts;

/** A boot dir holding copies of the harness kernel and initramfs (the responder refuses symlinks that leave its dir). */
async function bootDirWithGuest(tmp: TempDir): Promise<string> {
  const dir = path.join(tmp.path, 'boot');
  await fs.promises.mkdir(dir, { recursive: true });
  await fs.promises.copyFile(artifacts.kernelPath, path.join(dir, GUEST_KERNEL_FILE));
  await fs.promises.copyFile(artifacts.initrdPath, path.join(dir, GUEST_INITRD_FILE));
  return dir;
}

function sizeOf(file: string): number {
  return fs.statSync(file).size;
}

beforeAll(async () => {
  artifacts = await buildNetbootArtifacts({ log: (line) => console.info(`[netboot] ${line}`) });
});

afterAll(async () => {
  await stopAll();
  expect(pendingCleanupCount()).toBe(0);
});

describe('QEMU boots from the netboot responder (user-mode networking, etcd from the harness)', () => {
  let etcd: EtcdHandle;
  let tmp: TempDir;
  let service: NetbootService;
  let port: number;
  const logs: string[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      await client.put(GUEST_DC_KEY).value(DC_ENV);
      await client.put(guestWorkerKey('52:54:00:d7:10:01')).value(workerEnv(1));
    } finally {
      client.close();
    }
    tmp = await makeTempDir('drover-netboot-boot-');
    const bootDir = await bootDirWithGuest(tmp);
    port = await getFreePort();
    const configDir = path.join(tmp.path, 'config');
    await fs.promises.mkdir(configDir);
    // QEMU's user-mode network: the guest reaches 127.0.0.1:PORT as 10.0.2.2:PORT, and its
    // requests arrive from 127.0.0.1 (the "qemu-usernet" subnet; the farm subnets never match).
    const config = guestBootConfig({
      listen: { host: '127.0.0.1', port },
      serverUrl: userNetServerUrl(port),
      bootDir,
      etcdEndpoints: [etcd.endpoint],
      subnets: [
        { name: 'rack-a', cidr: '10.40.24.0/24' },
        { name: 'qemu-usernet', cidr: '127.0.0.0/8' },
        { name: 'rack-v6', cidr: 'fd00:40:24::/64' },
      ],
    });
    await fs.promises.writeFile(path.join(configDir, 'netboot.json'), JSON.stringify(config, null, 2));
    service = new NetbootService({ configDir, clock: systemClock, log: (l) => logs.push(l), server: { neighbours: false }, liveIntervalMs: 50 });
    await service.init();
    await service.start();
  });

  afterAll(async () => {
    await service?.disposeAsync();
    await etcd?.stop();
    await tmp?.remove();
  });

  it('boots the guest: script, kernel, initrd, config and env all recorded for its MAC, the env merged from etcd', async () => {
    const mac = '52:54:00:d7:10:01';
    // The live stream the page shows, from before the boot.
    let data: NetbootLiveData = { machines: {}, subnets: {}, status: {} };
    const ctrl = new AbortController();
    const sink: Sink<LiveUpdate> = {
      next: (f) => {
        data = (f.t === 'snapshot' ? f.data : applyLive(data, f.changes)) as NetbootLiveData;
      },
      end: () => undefined,
      signal: ctrl.signal,
      bufferedBytes: () => 0,
    };
    const sub = service.live.subscribe(sink);
    try {
      const run = await bootGuest({ httpPort: port, bootPath: '/api/v1/pxe?mac=${net0/mac}', mac, timeoutMs: BOOT_TIMEOUT_MS });
      const timeline = service.server.machine(mac);
      const why = `${describeGuestRun(run, 50)}\ntimeline: ${JSON.stringify(timeline, null, 1)}\nresponder log:\n${logs.join('\n')}`;
      console.info(`[netboot] user-mode boot from the responder powered off at ${(run.durationMs / 1000).toFixed(1)} s`);
      expect(run.failure, why).toBeNull();
      expect(run.markers, why).toEqual([
        { name: 'get-config', body: JSON.stringify(AGENT_CONFIG), rc: 0 },
        { name: 'get-initial-config', body: mergedEnv(1), rc: 0 },
      ]);
      expect(run.report.params, why).toMatchObject({ server: userNetServerUrl(port), mac });

      expect(timeline, why).toMatchObject({ key: mac, mac, macSource: 'query', ip: '127.0.0.1', subnet: 'qemu-usernet', cidr: '127.0.0.0/8', boots: 1, lastStep: 'env', lastOutcome: 'ok', stuck: false });
      const events = timeline!.events;
      expect(events.map((e) => [e.step, e.outcome, e.status]), why).toEqual([
        ['script', 'ok', 200],
        ['kernel', 'ok', 200],
        ['initrd', 'ok', 200],
        ['config', 'ok', 200],
        ['env', 'ok', 200],
      ]);
      expect(events[1]).toMatchObject({ path: GUEST_KERNEL_FILE, bytes: sizeOf(artifacts.kernelPath) });
      expect(events[2]).toMatchObject({ path: GUEST_INITRD_FILE, bytes: sizeOf(artifacts.initrdPath) });
      // In order, each after the one before, all within the boot.
      for (let i = 1; i < events.length; i++) expect(events[i]!.atMs).toBeGreaterThanOrEqual(events[i - 1]!.atMs);
      expect(events[0]!.atMs).toBeGreaterThanOrEqual(run.startedAt);

      // The live stream carries the same machine, one cell per step, and the subnet's count.
      await expect.poll(() => data.machines[mac]?.lastStep, { timeout: 2000 }).toBe('env');
      const row = data.machines[mac]!;
      expect(Object.keys(row.steps).sort()).toEqual(['config', 'env', 'initrd', 'kernel', 'script']);
      expect(row.steps.env).toMatchObject({ outcome: 'ok', status: 200 });
      expect(data.subnets['qemu-usernet']).toMatchObject({ machines: 1, booted: 1, stuck: 0, failing: 0, requests: 5 });
      expect(data.status.server).toMatchObject({ state: 'running', counters: { scripts: 1, files: 2, configs: 1, envs: 1 } });
      // The responder logs no env value.
      expect(logs.join('\n')).not.toMatch(/WALLET|POOL=|rig 01/);
    } finally {
      sub.dispose();
    }
  });
});

/** etcd inside the namespace (its own loopback: the root namespace's 127.0.0.1 is not reachable from there). */
async function startEtcdInNamespace(lab: NetnsLab): Promise<{ endpoint: string; put(key: string, value: string): Promise<void> }> {
  const etcdBin = await ensureBinary('/usr/bin/etcd', 'etcd-server');
  const etcdctl = await ensureBinary('etcdctl', 'etcd-client');
  const endpoint = 'http://127.0.0.1:2379';
  const peer = 'http://127.0.0.1:2380';
  const dataDir = path.join(lab.dir, 'etcd');
  await lab.runInNamespace(
    [etcdBin, '--name', 'nb', '--data-dir', dataDir, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `nb=${peer}`, '--initial-cluster-state', 'new'],
    { name: 'etcd (netns)', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD'))) },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await lab.exec([etcdctl, `--endpoints=${endpoint}`, '--command-timeout=1s', 'endpoint', 'health']);
    if (r.code === 0) break;
    if (Date.now() > deadline) throw new Error(`etcd in ${lab.name} did not become healthy: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    async put(key, value) {
      const r = await lab.exec([etcdctl, `--endpoints=${endpoint}`, 'put', key, value]);
      if (r.code !== 0) throw new Error(`etcdctl put ${key} failed: ${r.stderr}`);
    },
  };
}

describe('QEMU in a network namespace: address from dnsmasq, boot URL from the generated proxy-DHCP config, `drover netboot serve` inside', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    lab = await createNetnsLab();
  });

  afterAll(async () => {
    await lab?.dispose();
  });

  it('the responder sees the guest at its real address and matches its subnet without X-Forwarded-For', async () => {
    const mac = '52:54:00:d7:10:02';
    const etcd = await startEtcdInNamespace(lab);
    await etcd.put(GUEST_DC_KEY, DC_ENV);
    await etcd.put(guestWorkerKey(mac), workerEnv(2));

    const tmp = await makeTempDir('drover-netboot-netns-');
    try {
      const bootDir = await bootDirWithGuest(tmp);
      const serverUrl = `http://${lab.hostAddress}:8080`; // the namespace has its own ports: 8080 is free there
      const config = guestBootConfig({
        listen: { host: lab.hostAddress, port: 8080 },
        serverUrl,
        bootDir,
        etcdEndpoints: [etcd.endpoint],
        // No trusted proxies: the peer address is the client. The /16 is a decoy that the longer /24 beats.
        subnets: [
          { name: 'site', cidr: lab.subnet.replace(/\.\d+\.0\/24$/, '.0.0/16') },
          { name: 'lab', cidr: lab.subnet },
          { name: 'rack-v6', cidr: 'fd00:40:24::/64' },
        ],
      });
      const configFile = path.join(tmp.path, 'netboot.json');
      await fs.promises.writeFile(configFile, JSON.stringify(config, null, 2));

      const responder = await lab.runInNamespace([process.execPath, path.join(REPO, 'bin/drover.mjs'), 'netboot', 'serve', '--config', configFile], {
        name: 'drover netboot serve (netns)',
        cwd: REPO,
        env: { ...process.env, DROVER_NO_REEXEC: '1' },
      });
      await waitForOutput(responder, /responder listening on /, 30_000);

      // The dnsmasq companion's proxy-DHCP config, as the UI would save it, run beside the plain DHCP server.
      const resolvedConfig = validateNetbootConfig(config, { baseDir: tmp.path });
      if (!resolvedConfig.ok) throw new Error(JSON.stringify(resolvedConfig.problems));
      const generated = generateDnsmasqConfig(resolvedConfig.config, { mode: 'proxy', interfaces: [lab.bridge], tftp: false });
      const dnsmasqConf = path.join(tmp.path, 'dnsmasq-proxy.conf');
      await fs.promises.writeFile(dnsmasqConf, generated.text);
      const dnsmasq = await ensureBinary('dnsmasq', 'dnsmasq-base');
      const proxy = await lab.runInNamespace(
        [dnsmasq, '--keep-in-foreground', `--conf-file=${dnsmasqConf}`, '--no-resolv', '--no-hosts', '--log-facility=-', '--user=root', `--pid-file=${path.join(tmp.path, 'proxy.pid')}`, `--dhcp-leasefile=${path.join(tmp.path, 'proxy.leases')}`],
        { name: 'dnsmasq proxy-dhcp (generated)', stopGraceMs: 1_000 },
      );
      await waitForOutput(proxy, /proxy on subnet/);

      const run = await lab.bootGuest({ mac, timeoutMs: BOOT_TIMEOUT_MS });
      const guestIp = run.report.dhcp?.ip;
      const log = responder.logs();
      const why = `${describeGuestRun(run, 50)}\nresponder:\n${log}\nproxy dnsmasq:\n${proxy.logs().slice(-3000)}\nleases: ${JSON.stringify(lab.leases())}`;
      console.info(`[netboot] netns proxy-DHCP boot from \`drover netboot serve\` powered off at ${(run.durationMs / 1000).toFixed(1)} s`);
      expect(run.failure, why).toBeNull();
      expect(run.markers, why).toEqual([
        { name: 'get-config', body: JSON.stringify(AGENT_CONFIG), rc: 0 },
        { name: 'get-initial-config', body: mergedEnv(2), rc: 0 },
      ]);
      expect(guestIp, why).toBe(lab.leases().find((l) => l.mac === mac)?.ip);
      expect(proxy.logs(), why).toContain(`bootfile name: ${serverUrl}/api/v1/pxe?mac=`);

      // Every step, for this MAC at its real address, in the /24 (not the /16 decoy).
      for (const step of ['script', 'kernel', 'initrd', 'config', 'env']) {
        expect(log, why).toMatch(new RegExp(`netboot: ${mac} ${guestIp!.replace(/\./g, '\\.')} \\[lab\\] ${step} ok 200`));
      }
      expect(log).not.toMatch(/WALLET|POOL=|rig 02/);

      // SIGTERM: stops, frees the port, exits 0.
      const status = await responder.stop();
      expect(status.code, responder.logs()).toBe(0);
      expect(responder.logs()).toMatch(/SIGTERM: stopping the responder[\s\S]*responder stopped/);
      await proxy.stop();
    } finally {
      await tmp.remove();
    }
  });
});
