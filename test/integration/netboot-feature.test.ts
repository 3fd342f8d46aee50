import { Etcd3 } from 'etcd3';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import type { Sink } from '../../main/contract/define';
import { applyLive, type LiveUpdate } from '../../main/contract/live';
import { NetbootFeatureStatusSchema, NetbootLiveSchema, type NetbootConfigInput, type NetbootLiveData } from '../../main/contract/netboot';
import { EtcdService } from '../../main/etcd/etcd-service';
import { NetbootService } from '../../main/netboot/netboot-service';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { getFreePort, makeTempDir, startEtcd, stopAll, type EtcdHandle, type TempDir } from '../harness/index';
import { DC_UUID, MAC1, MAC2, get, testConfigInput } from '../support/netboot-http';

// The netboot feature's service against real files, a real responder on 127.0.0.1 and the
// harness's real etcd: the config editor's calls (read, validate as typed, save = reload with
// the last good config kept), the config path, the dnsmasq companion, the etcd values a subnet
// reads, and the live stream.

let etcd: EtcdHandle;
let tmp: TempDir;
let configDir: string;
let service: NetbootService;
let etcdService: EtcdService;
let port: number;
const logs: string[] = [];

function configText(overrides: Partial<NetbootConfigInput> = {}): string {
  return `${JSON.stringify(testConfigInput({ listen: { host: '127.0.0.1', port }, etcd: { endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 }, ...overrides }), null, 2)}\n`;
}

/** A live subscriber: the data as the page would hold it. */
function watch(s: NetbootService): { data(): NetbootLiveData; frames: LiveUpdate[]; dispose(): void } {
  let data: NetbootLiveData = { machines: {}, subnets: {}, status: {} };
  const frames: LiveUpdate[] = [];
  const ctrl = new AbortController();
  const sink: Sink<LiveUpdate> = {
    next: (f) => {
      frames.push(f);
      data = (f.t === 'snapshot' ? f.data : applyLive(data, f.changes)) as NetbootLiveData;
    },
    end: () => undefined,
    signal: ctrl.signal,
    bufferedBytes: () => 0,
  };
  const sub = s.live.subscribe(sink);
  return { data: () => data, frames, dispose: () => sub.dispose() };
}

beforeAll(async () => {
  etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    await client.put(`/farm/dc/${DC_UUID}/config`).value('POOL=stratum+tcp://pool.urumqi:4444\nWALLET=dc-default\n');
    await client.put(`/farm/workers/${MAC1}/env`).value("WORKER_NAME='rig 07'\nWALLET=0xabc\n");
    await client.put(`/farm/workers/${MAC2}/env`).value('WORKER_NAME=rig 08 with a space\n');
  } finally {
    client.close();
  }
  tmp = await makeTempDir('drover-netboot-feature-');
  configDir = path.join(tmp.path, 'config');
  port = await getFreePort();
  // The etcd page's service with one saved session to the same etcd: the preview can read through it.
  etcdService = new EtcdService({ configDir: path.join(tmp.path, 'etcd-config'), clock: systemClock, secrets: new MemorySecretStore() });
  await etcdService.init();
  await etcdService.saveSession({ id: 'farm', name: 'farm etcd', target: { kind: 'direct', endpoints: [etcd.endpoint] }, requestTimeoutMs: 3_000, dialTimeoutMs: 2_000 });
  const etcdSessions = { name: (id: string) => etcdService.list().find((c) => c.id === id)?.name, readText: (id: string, key: string) => etcdService.readText(id, key) };
  service = new NetbootService({ configDir, clock: systemClock, log: (l) => logs.push(l), server: { neighbours: false }, liveIntervalMs: 20, etcdSessions });
  await service.init();
});

afterAll(async () => {
  await service?.disposeAsync();
  await etcdService?.disposeAsync();
  await etcd?.stop();
  await tmp?.remove();
  await stopAll();
});

describe('before there is a config file', () => {
  it('offers the sample to start from, says the file is missing, and refuses to start', async () => {
    const c = await service.readConfig();
    expect(c).toMatchObject({ path: path.join(configDir, 'netboot.json'), exists: false });
    expect(c.text).toBe(fs.readFileSync(path.resolve('resources/netboot/sample-config.json'), 'utf8'));
    expect(service.status()).toMatchObject({ state: 'stopped', configExists: false, configPath: path.join(configDir, 'netboot.json') });
    await expect(service.start()).rejects.toMatchObject({ code: 'NOT_FOUND', message: `there is no netboot config at ${path.join(configDir, 'netboot.json')} yet` });
    // The sample is checked like any text: its boot dir does not exist on this machine.
    const v = await service.validateConfig(c.text);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ path: 'bootFiles.dir', message: '/var/lib/drover/netboot cannot be used (ENOENT)', line: 7, column: 5 }]);
  });
});

describe('validate as typed', () => {
  it('names the line and column of a JSON syntax error', async () => {
    const v = await service.validateConfig('{\n  "serverUrl": "http://x",\n  "subnets": [,]\n}');
    expect(v).toMatchObject({ ok: false, message: '1 problem', subnets: [] });
    expect(v.problems[0]).toMatchObject({ path: '', line: 3, column: 15 });
    expect(v.problems[0]!.message).toMatch(/is not JSON: .* at line 3, column 15$/);
  });

  it('names the entry, the field and where it is in the text', async () => {
    const text = configText({ subnets: [{ name: 'lo', cidr: '127.0.0.1/32' }, { name: 'rack-b', cidr: '10.40.25.7/24' }, { name: 'rack-b', cidr: '10.40.26.0/33' }] });
    const v = await service.validateConfig(text);
    expect(v.ok).toBe(false);
    const lines = text.split('\n');
    const cidrLine = lines.findIndex((l) => l.includes('"10.40.25.7/24"')) + 1;
    const dupLine = lines.findIndex((l, i) => i > cidrLine && l.includes('"rack-b"')) + 1;
    expect(v.problems).toEqual([
      expect.objectContaining({ path: 'subnets[1].cidr', subnet: 'rack-b', line: cidrLine, column: 7, message: expect.stringMatching(/host bits/) }),
      expect.objectContaining({ path: 'subnets[2].name', subnet: 'rack-b', line: dupLine, message: 'the name is also used by subnets[1]' }),
      expect.objectContaining({ path: 'subnets[2].cidr', subnet: 'rack-b', line: dupLine + 1 }),
    ]);
  });

  it('a missing field points at its entry', async () => {
    const input = testConfigInput({ defaults: undefined, subnets: [{ name: 'lo', cidr: '127.0.0.1/32' }] });
    const text = JSON.stringify(input, null, 2);
    const v = await service.validateConfig(text);
    const entryLine = text.split('\n').findIndex((l) => l.includes('"name": "lo"'));
    expect(v.problems.find((p) => p.path === 'subnets[0].script')).toMatchObject({ subnet: 'lo', line: entryLine, message: 'missing: set it in this entry or in defaults.script' });
  });

  it('a valid text lists its subnets with the keys they read', async () => {
    const v = await service.validateConfig(configText());
    expect(v).toMatchObject({ ok: true, message: 'valid: 3 subnets (2 IPv4, 1 IPv6)', problems: [], subnetCount: 3, restartRequired: false });
    expect(v.subnets[1]).toEqual({ name: 'rack-a', cidr: '10.40.24.0/24', family: 4, datacenterUuid: DC_UUID, dcConfigKey: `/farm/dc/${DC_UUID}/config`, workerEnvKeyPattern: '/farm/workers/{mac}/env' });
  });
});

describe('save = reload, the responder and its live stream', () => {
  it('saves, starts, records requests live, and keeps the last good config when a bad one is saved', async () => {
    const live = watch(service);
    try {
      const saved = await service.saveConfig(configText());
      expect(saved.report).toMatchObject({ ok: true, keptPrevious: false, problems: [] });
      expect(fs.readFileSync(path.join(configDir, 'netboot.json'), 'utf8')).toBe(configText());
      const st = await service.start();
      expect(NetbootFeatureStatusSchema.parse(st)).toMatchObject({ state: 'running', port, configExists: true, subnets: 3 });

      // A rig's three calls: script, config, env (from the real etcd).
      expect((await get(port, `/api/v1/pxe?mac=${MAC1}`)).status).toBe(200);
      expect((await get(port, `/api/v1/get-config?mac=${MAC1}`)).status).toBe(200);
      const env = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
      expect(env.text).toBe("POOL=stratum+tcp://pool.urumqi:4444\nWALLET=0xabc\nWORKER_NAME='rig 07'\n");
      // A client in no subnet, through the trusted proxy.
      await get(port, '/api/v1/pxe', { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': '192.168.7.7' } });

      await expect.poll(() => live.data().machines[MAC1]?.lastStep, { timeout: 3000 }).toBe('env');
      const row = live.data().machines[MAC1]!;
      expect(row).toMatchObject({ mac: MAC1, ip: '127.0.0.1', subnet: 'lo', lastOutcome: 'ok', stuck: false, eventCount: 3 });
      expect(Object.keys(row.steps)).toEqual(['script', 'config', 'env']);
      expect(row).not.toHaveProperty('events');
      await expect.poll(() => live.data().machines['ip:192.168.7.7']?.lastOutcome, { timeout: 3000 }).toBe('fallback');
      expect(live.data().subnets.lo).toMatchObject({ machines: 1, booted: 1, requests: 3 });
      expect(live.data().subnets['rack-a']).toMatchObject({ machines: 0, requests: 0 });
      await expect.poll(() => live.data().status.server?.unknownClients, { timeout: 3000 }).toMatchObject({ machines: 1, noSubnet: 1, noMac: 1, requests: 1 });
      // Every frame is what the contract's stream schema accepts.
      for (const f of live.frames) expect(NetbootLiveSchema.safeParse(f).success).toBe(true);
      expect(service.machine(MAC1).events.map((e) => e.step)).toEqual(['script', 'config', 'env']);
      expect(() => service.machine('52:54:00:00:00:99')).toThrow(/no machine/);

      // A bad file: refused, the running config kept and said so; requests still served by it.
      const bad = await service.saveConfig(configText({ subnets: [{ name: 'lo', cidr: '127.0.0.1/40' }] }));
      expect(bad.report).toMatchObject({ ok: false, keptPrevious: true });
      expect(bad.report.message).toMatch(/was not applied \(1 problem; first: subnets\[0\]\.cidr \(subnet "lo"\): .*\); still serving the config loaded at /);
      expect(bad.report.problems).toEqual([expect.objectContaining({ path: 'subnets[0].cidr', subnet: 'lo' })]);
      expect((await get(port, `/api/v1/pxe?mac=${MAC1}`)).text).toContain('echo lo 127.0.0.1');
      await expect.poll(() => live.data().status.server?.config?.keptPrevious, { timeout: 3000 }).toBe(true);

      // A good one again: applied live, no restart needed.
      const good = await service.saveConfig(configText({ retryDelaySec: 3 }));
      expect(good).toMatchObject({ report: { ok: true }, restartRequired: false });
      // A different listen port needs a restart (the validation says so beforehand).
      const other = configText({ listen: { host: '127.0.0.1', port: port + 1 === 65536 ? port - 1 : port + 1 } });
      expect((await service.validateConfig(other)).restartRequired).toBe(true);
    } finally {
      live.dispose();
    }
  });

  it('carries at most maxLiveMachines machines live (the most recently seen) and says how many there are', async () => {
    const dir = path.join(tmp.path, 'small');
    const small = new NetbootService({ configDir: dir, clock: systemClock, log: () => undefined, server: { neighbours: false }, maxLiveMachines: 3, liveIntervalMs: 20 });
    try {
      await small.init();
      const p = await getFreePort();
      await small.saveConfig(configText({ listen: { host: '127.0.0.1', port: p }, etcd: undefined }));
      await small.start();
      const macs = ['52:54:00:00:01:01', '52:54:00:00:01:02', '52:54:00:00:01:03', '52:54:00:00:01:04', '52:54:00:00:01:05'];
      for (const m of macs) await get(p, `/api/v1/pxe?mac=${m}`);
      const live = watch(small);
      try {
        await expect.poll(() => Object.keys(live.data().machines).sort(), { timeout: 3000 }).toEqual(macs.slice(2));
        await get(p, `/api/v1/get-config?mac=${macs[0]}`);
        await expect.poll(() => Object.keys(live.data().machines).sort(), { timeout: 3000 }).toEqual([macs[0], macs[3], macs[4]]);
        expect(live.data().status.server).toMatchObject({ machines: 5, shownMachines: 3 });
      } finally {
        live.dispose();
      }
    } finally {
      await small.disposeAsync();
    }
  });
});

describe('the etcd values a subnet reads (through the responder’s own reader)', () => {
  it('shows the datacenter config, a worker env and what get-initial-config would send', async () => {
    const v = await service.etcdValues({ subnet: 'rack-a', mac: '52-54-00-A1-9C-AE' });
    expect(v).toMatchObject({ subnet: 'rack-a', cidr: '10.40.24.0/24', datacenterUuid: DC_UUID, source: 'responder', endpoints: [etcd.endpoint], mac: MAC1 });
    expect(v.dc).toEqual({ key: `/farm/dc/${DC_UUID}/config`, state: 'ok', text: 'POOL=stratum+tcp://pool.urumqi:4444\nWALLET=dc-default\n', entries: 2 });
    expect(v.worker).toEqual({ key: `/farm/workers/${MAC1}/env`, state: 'ok', text: "WORKER_NAME='rig 07'\nWALLET=0xabc\n", entries: 2 });
    expect(v.merged).toEqual({ text: "POOL=stratum+tcp://pool.urumqi:4444\nWALLET=0xabc\nWORKER_NAME='rig 07'\n", keyCount: 3 });
    // Values are for the UI only: never in the log.
    expect(logs.join('\n')).not.toMatch(/0xabc|dc-default/);
  });

  it('a missing key, a value that is not an env file, and no MAC', async () => {
    const missing = await service.etcdValues({ subnet: 'rack-a', mac: '52:54:00:ff:00:01' });
    expect(missing.worker).toEqual({ key: '/farm/workers/52:54:00:ff:00:01/env', state: 'missing', reason: 'etcd key /farm/workers/52:54:00:ff:00:01/env does not exist' });
    expect(missing.merged).toBeUndefined();
    const invalid = await service.etcdValues({ subnet: 'rack-a', mac: MAC2 });
    expect(invalid.worker).toMatchObject({ state: 'invalid', reason: 'not a valid env file (bad line 1)', entries: 0 });
    const dcOnly = await service.etcdValues({ subnet: 'lo' });
    expect(dcOnly.worker).toBeUndefined();
    expect(dcOnly.dc?.state).toBe('ok');
    await expect(service.etcdValues({ subnet: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.etcdValues({ subnet: 'lo', mac: 'not-a-mac' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('reads the same values through an etcd page session when asked, and says which', async () => {
    const v = await service.etcdValues({ subnet: 'rack-a', mac: MAC1, sessionId: 'farm' });
    expect(v).toMatchObject({ source: 'session', sessionId: 'farm', sessionName: 'farm etcd', endpoints: [], mac: MAC1 });
    expect(v.dc).toMatchObject({ key: `/farm/dc/${DC_UUID}/config`, state: 'ok', entries: 2 });
    expect(v.worker).toMatchObject({ key: `/farm/workers/${MAC1}/env`, state: 'ok', entries: 2 });
    expect(v.merged?.keyCount).toBe(3);
    const missing = await service.etcdValues({ subnet: 'rack-a', mac: '52:54:00:ff:00:01', sessionId: 'farm' });
    expect(missing.worker?.state).toBe('missing');
    await expect(service.etcdValues({ subnet: 'rack-a', sessionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no etcd session "nope"/) });
  });

  it('etcd down: says so per value, quickly', async () => {
    await etcd.down();
    try {
      const started = Date.now();
      const v = await service.etcdValues({ subnet: 'rack-a', mac: MAC1 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(v.dc).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/^etcd at http:\/\/127\.0\.0\.1:\d+ /) });
      expect(v.worker?.state).toBe('unavailable');
    } finally {
      await etcd.up();
    }
  });
});

describe('dnsmasq companion', () => {
  it('generates both modes for the running config and saves to a file, asking before replacing one', async () => {
    const full = service.dnsmasq({ mode: 'dhcp', interfaces: ['eth1'] });
    expect(full).toMatchObject({ mode: 'dhcp', subnets: 3, serverUrl: 'http://10.40.23.250' });
    expect(full.text).toContain('dhcp-range=set:net-rack-a,10.40.24.25,10.40.24.254,255.255.255.0,12h');
    expect(full.text).toContain('dhcp-boot=tag:ipxe,http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    expect(full.text).toContain('interface=eth1');
    const proxy = service.dnsmasq({ mode: 'proxy', tftp: false });
    expect(proxy.text).toContain('dhcp-range=set:net-rack-a,10.40.24.0,proxy,255.255.255.0');
    expect(proxy.text).not.toContain('enable-tftp');
    expect(proxy.warnings).toEqual([expect.stringMatching(/^rack-v6 \(fd00:40:24::\/64\): proxy-DHCP is IPv4 only/)]);

    const file = path.join(tmp.path, 'dnsmasq.d', 'drover.conf');
    await expect(service.saveDnsmasq({ mode: 'proxy', path: file })).resolves.toEqual({ path: file, bytes: Buffer.byteLength(service.dnsmasq({ mode: 'proxy' }).text) });
    expect(fs.readFileSync(file, 'utf8')).toBe(service.dnsmasq({ mode: 'proxy' }).text);
    await expect(service.saveDnsmasq({ mode: 'dhcp', path: file })).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: `${file} already exists` });
    await service.saveDnsmasq({ mode: 'dhcp', path: file, overwrite: true });
    expect(fs.readFileSync(file, 'utf8')).toContain('dhcp-boot=tag:ipxe,');
    await expect(service.saveDnsmasq({ mode: 'dhcp', path: 'relative.conf' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('the config file path', () => {
  it('cannot change while running; after stop it switches, the port is free, and it is remembered', async () => {
    const other = path.join(tmp.path, 'elsewhere', 'site-b.json');
    await expect(service.setConfigPath(other)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.setConfigPath('relative.json')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await service.stop();
    // Nothing listens on the port any more.
    await new Promise<void>((resolve, reject) => {
      const srv = net.createServer().once('error', reject);
      srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve()));
    });
    const st = await service.setConfigPath(other);
    expect(st).toMatchObject({ configPath: other, configExists: false, state: 'stopped', machines: 0 });
    expect((await service.readConfig()).exists).toBe(false);

    const again = new NetbootService({ configDir, clock: systemClock, log: () => undefined });
    try {
      await again.init();
      expect(again.configPath).toBe(other);
    } finally {
      await again.disposeAsync();
    }
    await service.setConfigPath('');
    expect(service.configPath).toBe(path.join(configDir, 'netboot.json'));
  });
});
