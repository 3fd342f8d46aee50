import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import { FleetLiveSchema, type FleetHostDraft, type FleetLiveData } from '../../main/contract/fleet';
import { applyLive, type LiveUpdate } from '../../main/contract/live';
import { FleetService } from '../../main/fleet/fleet-service';
import { FLEET_INVENTORY_FILE_NAME } from '../../main/fleet/inventory/fleet-inventory-store';
import type { Notice } from '../../main/contract/system';
import { answered, CAPTURED_PROBES, FakeProbeTransport, refused } from '../support/fleet-fake-transport';
import { ManualClock } from '../support/manual-clock';

// FleetService with a fake probe transport (the real captured probe outputs) and a manual clock:
// inventory, rounds, heartbeats, alerts, history, live frames, persistence and imports.

let dir: string;
let clock: ManualClock;
let transport: FakeProbeTransport;
let service: FleetService | undefined;
let notices: Notice[];

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

async function start(opts: { transport?: FakeProbeTransport } = {}): Promise<FleetService> {
  service = await FleetService.create({
    configDir: dir,
    clock,
    transport: opts.transport ?? transport,
    notify: (n) => notices.push(n),
    // No sockets in unit tests: the receiver is tested in test/integration/fleet-feature.test.ts.
    startSyslog: async () => {
      throw new AppError('UNSUPPORTED', 'no syslog in unit tests');
    },
  });
  await settle();
  return service;
}

/** Waits out the interval: the poller's next round runs, and is let finish. */
async function round(s: FleetService): Promise<void> {
  await clock.advance(s.settings.probe.intervalSec * 1000);
  await settle();
}

/** A live subscriber that applies frames like the renderer does, checking each against the schema. */
function subscribe(s: FleetService) {
  const ctrl = new AbortController();
  const frames: LiveUpdate[] = [];
  let data: FleetLiveData | undefined;
  const sub = s.live({
    next: (f) => {
      FleetLiveSchema.parse(f);
      frames.push(f);
      data = f.t === 'snapshot' ? (f.data as FleetLiveData) : applyLive(data!, f.changes);
    },
    end: () => undefined,
    signal: ctrl.signal,
    bufferedBytes: () => 0,
  });
  return {
    frames,
    get data() {
      return data!;
    },
    dispose: () => sub.dispose(),
  };
}

const rig = (name: string, extra: Partial<FleetHostDraft> = {}): FleetHostDraft => ({ name, group: 'rigs', target: { host: `${name}.farm.lan`, port: 22, user: 'root' }, ...extra });

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-fleet-svc-'));
  clock = new ManualClock(1_773_000_000_000);
  transport = new FakeProbeTransport();
  notices = [];
});

afterEach(async () => {
  await service?.close();
  service = undefined;
  expect(clock.pending).toBe(0);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('FleetService: inventory and identity', () => {
  it('starts with the default groups and rules, saves hosts to fleet-inventory.json and reads them back', async () => {
    const s = await start();
    expect(s.inventory.groups.map((g) => g.name)).toEqual(['rigs', 'lotus-workers', 'kvm-hosts', 'default']);
    expect(s.inventory.rules.map((r) => r.id)).toEqual(['gpu-hot', 'gpu-critical', 'disk-full', 'host-down']);
    const h = await s.saveHost(rig('rig-01', { mac: '52-54-00-A1-9C-AE', ip: '10.30.5.46' }));
    expect(h.mac).toBe('52:54:00:a1:9c:ae');
    expect(h.id).toMatch(/^rig-01-[0-9a-f]{6}$/);
    const file = JSON.parse(await fs.readFile(path.join(dir, FLEET_INVENTORY_FILE_NAME), 'utf8')) as { version: number; hosts: { id: string }[]; settings: unknown };
    expect(file.version).toBe(1);
    expect(file.hosts.map((x) => x.id)).toEqual([h.id]);
    expect((await fs.stat(path.join(dir, FLEET_INVENTORY_FILE_NAME))).mode & 0o777).toBe(0o600);
    await s.close();
    service = undefined;
    const again = await start();
    // As saved, plus the host name its first probe reported (it had none).
    expect(again.hosts).toEqual([{ ...h, hostname: 'vm' }]);
  });

  it('refuses a second entry for the same machine and finds a machine by MAC, host name, IP, SSH host or lotus worker', async () => {
    const s = await start();
    const a = await s.saveHost(rig('rig-07', { mac: '52:54:00:00:00:07', hostname: 'rig-07', lotusWorker: 'rig-07' }));
    for (const dup of [
      rig('other-name', { mac: '5254.0000.0007' }),
      rig('x', { hostname: 'RIG-07.farm.lan' }),
      { name: 'same target', target: { host: 'rig-07.farm.lan', port: 22, user: 'admin' } },
    ]) {
      const err = await s.saveHost(dup).catch((e: unknown) => e);
      expect(err, JSON.stringify(dup)).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('ALREADY_EXISTS');
      expect((err as AppError).message).toContain('“rig-07” is already this machine');
    }
    const b = await s.saveHost({ name: 'kvm-1', group: 'kvm-hosts', target: { host: '10.0.0.9', port: 2222, user: 'root' }, ip: '10.0.0.9' });
    expect(s.lookup({ mac: '52-54-00-00-00-07' })?.id).toBe(a.id);
    expect(s.lookup({ hostname: 'rig-07.farm.lan' })?.id).toBe(a.id);
    expect(s.lookup({ lotusWorker: 'RIG-07' })?.id).toBe(a.id);
    expect(s.lookup({ ip: '10.0.0.9' })?.id).toBe(b.id);
    expect(s.lookup({ sshHost: 'rig-07.farm.lan' })?.id).toBe(a.id);
    expect(s.lookup({ mac: 'not a mac' })).toBeUndefined();
    expect(s.lookup({ hostname: 'rig-08' })).toBeUndefined();
    // Editing a host keeps its identity; a bad MAC says what is wrong.
    const edited = await s.saveHost({ ...a, name: 'rig-07 (bench)' });
    expect(edited.id).toBe(a.id);
    await expect(s.saveHost(rig('bad', { mac: 'zz:zz' }))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: '"zz:zz" is not a MAC address' });
    await expect(s.removeGroup('rigs')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('adds imported hosts merging each into the same machine, and exports / imports the inventory as a file', async () => {
    const s = await start();
    const a = await s.saveHost(rig('rig-01', { hostname: 'rig-01' }));
    const res = await s.addHosts([
      rig('rig-01 from etcd', { hostname: 'rig-01', mac: '52:54:00:00:00:01', ip: '10.30.5.1', target: { host: '10.30.5.1', port: 22, user: 'root' } }),
      rig('rig-02'),
      rig('rig-02 again', { target: { host: 'rig-02.farm.lan', port: 22, user: 'admin' } }),
      rig('rig-03', { hostname: 'rig-01', mac: '52:54:00:00:00:99' }),
      { name: 'broken', target: { host: 'has space', port: 22, user: 'root' } },
    ]);
    expect(res.added).toHaveLength(1);
    expect(res.merged).toEqual([a.id, res.added[0]]);
    expect(res.skipped.map((x) => x.name)).toEqual(['rig-03', 'broken']);
    expect(res.skipped[0]!.reason).toContain('MAC 52:54:00:00:00:01 ≠ 52:54:00:00:00:99');
    // The merge filled in what the host lacked and kept what a person set.
    expect(s.inventory.host(a.id)).toMatchObject({ name: 'rig-01', mac: '52:54:00:00:00:01', ip: '10.30.5.1', target: { host: 'rig-01.farm.lan' } });

    const out = path.join(dir, 'export', 'farm.json');
    expect(await s.exportInventory(out)).toEqual({ path: out, hosts: 2, groups: 4, rules: 4 });
    const exported = JSON.parse(await fs.readFile(out, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(exported)).toEqual(['version', 'groups', 'hosts', 'rules']);
    await s.removeHost(a.id);
    const back = await s.importInventory(out);
    expect(back).toMatchObject({ added: [a.id], groups: 4, rules: 4 });
    expect(back.merged).toHaveLength(1);
    await expect(s.importInventory(path.join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await fs.writeFile(path.join(dir, 'bad.json'), '{"version":1,"hosts":[{}]}');
    await expect(s.importInventory(path.join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(s.exportInventory('relative.json')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('keeps a corrupt inventory aside and starts with defaults, saying so', async () => {
    await fs.writeFile(path.join(dir, FLEET_INVENTORY_FILE_NAME), '{"version":1,"hosts":');
    const s = await start();
    expect(s.hosts).toEqual([]);
    expect(notices.map((n) => n.key)).toContain('fleet.inventory.keptAside');
    expect((await fs.readdir(dir)).some((f) => f.startsWith(`${FLEET_INVENTORY_FILE_NAME}.corrupt-`))).toBe(true);
  });
});

describe('FleetService: probes, heartbeats and alerts', () => {
  it('probes every host each round and publishes its metrics, summary and chart history', async () => {
    const s = await start();
    const live = subscribe(s);
    const h = await s.saveHost(rig('vm-1'));
    await settle();
    expect(transport.heldCount).toBe(1);
    await round(s);
    expect(transport.rounds).toBeGreaterThanOrEqual(1);
    await clock.advance(300);
    const item = live.data.hosts[h.id]!;
    expect(item.heartbeat).toMatchObject({ status: 'up', missed: 0, lastSeenMs: expect.any(Number) });
    expect(item.summary).toMatchObject({ hostname: 'vm', cpuCount: 2, load1: expect.any(Number), memTotalBytes: 24683664 * 1024 });
    expect(live.data.metrics[h.id]!.mounts.length).toBeGreaterThan(0);
    await round(s);
    await clock.advance(300);
    // The second probe has a previous sample: CPU use and rates are known.
    expect(live.data.metrics[h.id]!.cpu.usePercent).not.toBeNull();
    const history = s.history(h.id);
    expect(history.atMs.length).toBeGreaterThanOrEqual(2);
    expect(history.series.load1).toHaveLength(history.atMs.length);
    expect(history.series.cpuTempC.every((v) => v === null)).toBe(true); // the VM has no sensors
    // The probe learned the host name the machine gives itself.
    await settle();
    expect(s.inventory.host(h.id)!.hostname).toBe('vm');
    live.dispose();
  });

  it('marks a host down after missed probes with the time it was last seen, fires host-down, and resolves it when it answers', async () => {
    const s = await start();
    await s.updateSettings({ probe: { intervalSec: 10, downAfterMissed: 2 } });
    const h = await s.saveHost(rig('rig-09'));
    let up = true;
    transport.answer = (_h, _a, _r, n) => (up ? answered(CAPTURED_PROBES[n % 2]!) : refused());
    await round(s);
    await round(s);
    const seenAt = s.hostState(h.id)!.heartbeat.lastSeenMs!;
    expect(seenAt).toBeGreaterThan(0);
    up = false;
    await round(s);
    expect(s.hostState(h.id)!.heartbeat).toMatchObject({ status: 'up', missed: 1 });
    expect(s.hostState(h.id)!.lastError).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
    await round(s);
    expect(s.hostState(h.id)!.heartbeat).toMatchObject({ status: 'down', missed: 2, lastSeenMs: seenAt, downSinceMs: expect.any(Number) });
    // host-down (default rule: 3 missed) fires on the third miss.
    expect(Object.values(s.monitor.alerts)).toEqual([]);
    await round(s);
    const [alert] = Object.values(s.monitor.alerts);
    expect(alert).toMatchObject({ hostId: h.id, ruleId: 'host-down', metric: 'host.down', state: 'firing', acked: false, lastSeenMs: seenAt, severity: 'critical' });
    expect(s.hostState(h.id)!.alerts).toEqual({ firing: 1, unacked: 1, worst: 'critical' });
    const acked = s.acknowledge(alert!.id);
    expect(acked).toMatchObject({ acked: true, ackedAtMs: clock.now() });
    expect(s.hostState(h.id)!.alerts.unacked).toBe(0);
    up = true;
    await round(s);
    expect(Object.values(s.monitor.alerts)).toEqual([]);
    expect(s.hostState(h.id)!.heartbeat).toMatchObject({ status: 'up', missed: 0 });
    const episodes = s.alertHistoryList({ limit: 10 });
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ id: alert!.id, state: 'resolved', acked: true });
    expect(() => s.acknowledge(alert!.id)).toThrow(/not firing any more/);
  });

  it('keeps firing alerts across a restart (history on disk) and resolves those of removed hosts', async () => {
    const s = await start();
    await s.updateSettings({ probe: { intervalSec: 10 } });
    const a = await s.saveHost(rig('rig-a'));
    const b = await s.saveHost(rig('rig-b'));
    transport.answer = () => refused();
    for (let i = 0; i < 4; i++) await round(s);
    expect(Object.keys(s.monitor.alerts)).toHaveLength(2);
    await s.close();
    service = undefined;
    // Edit the file as another Drover would have: rig-b is gone.
    const file = path.join(dir, FLEET_INVENTORY_FILE_NAME);
    const inv = JSON.parse(await fs.readFile(file, 'utf8')) as { hosts: { id: string }[] };
    inv.hosts = inv.hosts.filter((x) => x.id !== b.id);
    await fs.writeFile(file, JSON.stringify(inv));
    transport = new FakeProbeTransport(() => refused());
    const again = await start();
    expect(Object.values(again.monitor.alerts).map((x) => x.hostId)).toEqual([a.id]);
    expect(again.alertHistoryList({ hostId: b.id, limit: 5 })[0]).toMatchObject({ state: 'resolved', message: expect.stringContaining('host no longer in the inventory') });
  });

  it('fires a GPU temperature alert with hysteresis from a probe with a hot card', async () => {
    const s = await start();
    await s.updateSettings({ probe: { intervalSec: 10 } });
    await s.saveRule({ id: 'gpu-hot', group: '*', metric: 'gpu.temperatureC', comparator: 'above', threshold: 80, clearThreshold: 75, forSec: 0, severity: 'warning', enabled: true });
    const h = await s.saveHost(rig('rig-gpu'));
    let temp = 85;
    const gpuProbe = () =>
      CAPTURED_PROBES[0]!.replace(
        '@@drover absent nvidia',
        `@@drover begin nvidia\nfields=index,name,uuid,pci.bus_id,temperature.gpu,fan.speed,power.draw,power.limit,utilization.gpu,memory.used,memory.total,clocks.sm,clocks.mem\nfallback=\n0, NVIDIA GeForce RTX 3090, GPU-1, 00000000:01:00.0, ${temp}, 80, 300.1, 350.00, 99, 20000, 24576, 1800, 9751\n@@drover end nvidia rc=0`,
      );
    expect(gpuProbe()).toContain('temperature.gpu');
    transport.answer = () => answered(gpuProbe());
    await round(s);
    expect(Object.values(s.monitor.alerts)).toMatchObject([{ ruleId: 'gpu-hot', subject: 'gpu 0', value: 85 }]);
    temp = 78; // below the threshold but not below clearThreshold: still firing
    await round(s);
    expect(Object.values(s.monitor.alerts)).toMatchObject([{ lastValue: 78 }]);
    temp = 70;
    await round(s);
    expect(Object.values(s.monitor.alerts)).toEqual([]);
    const hist = s.history(h.id);
    expect(hist.gpus.map((g) => g.label)).toEqual(['GPU 0 · NVIDIA GeForce RTX 3090']);
    expect(hist.gpus[0]!.tempC.slice(-3)).toEqual([85, 78, 70]);
    expect(hist.series.gpuUtilAvgPercent.slice(-1)).toEqual([99]);
  });

  it('holds a connection per host only while probing is on, and marks the source down when it is off', async () => {
    const s = await start();
    const live = subscribe(s);
    await s.saveHost(rig('r1'));
    await s.saveHost(rig('r2'));
    expect(transport.heldCount).toBe(2);
    await s.updateSettings({ probe: { enabled: false } });
    expect(transport.heldCount).toBe(0);
    await clock.advance(300);
    const last = [...live.frames].reverse().find((f) => f.health)!;
    expect(last.health).toMatchObject({ state: 'down', cause: { message: 'host probes are turned off' } });
    expect(() => s.probeNow()).toThrow(/turned off/);
    await s.updateSettings({ probe: { enabled: true } });
    expect(transport.heldCount).toBe(2);
    live.dispose();
  });

  it('runs at most `concurrency` probes at once and asks for SMART only at its own cadence', async () => {
    const s = await start();
    await s.updateSettings({ probe: { concurrency: 3, intervalSec: 10, smartEverySec: 25 } });
    for (let i = 0; i < 10; i++) await s.saveHost(rig(`c${i}`));
    transport.answer = async (_h, _a, _r, n) => {
      await new Promise((res) => setImmediate(res));
      return answered(CAPTURED_PROBES[n % 2]!);
    };
    transport.argvs.length = 0;
    await round(s);
    await round(s);
    await round(s);
    expect(transport.maxInFlight).toBe(3);
    const smartFlags = transport.argvs.map((a) => a[5]);
    // The first round asks every host for SMART; then not until 25 s later.
    expect(smartFlags.slice(0, 10)).toEqual(Array(10).fill('1'));
    expect(smartFlags.slice(10, 20)).toEqual(Array(10).fill('0'));
  });
});

describe('FleetService: imports', () => {
  it('previews lotus workers by host name and host lists, marking the machines it already has', async () => {
    const s = await start();
    const known = await s.saveHost(rig('gpu-01', { hostname: 'gpu-01' }));
    const text = await fs.readFile(path.resolve(__dirname, '../fixtures/lotus/raw/sealing-workers.B.txt'), 'utf8');
    const p = s.importText({ kind: 'lotus-workers', text, user: 'ops', port: 22 });
    expect(p.problems).toEqual([]);
    const names = p.candidates.map((c) => c.host?.name);
    expect(names).toContain('gpu-01');
    expect(names).toContain('pc1-05');
    const gpu01 = p.candidates.find((c) => c.host?.name === 'gpu-01')!;
    expect(gpu01.matchId).toBe(known.id);
    expect(gpu01.host).toMatchObject({ group: 'lotus-workers', lotusWorker: 'gpu-01', target: { host: 'gpu-01', user: 'ops', port: 22 } });
    const list = s.importText({ kind: 'hostnames', text: 'rig-01, root@10.0.0.5:2222\n#comment\nrig-01 bad_host!', user: 'admin' });
    expect(list.candidates.map((c) => c.host?.target)).toEqual([
      { host: 'rig-01', port: 22, user: 'admin' },
      { host: '10.0.0.5', port: 2222, user: 'root' },
    ]);
    expect(list.problems).toEqual(['"bad_host!" is not a host name or user@host[:port]']);
    expect(s.importText({ kind: 'lotus-workers', text: 'not workers', user: 'x' }).problems[0]).toContain('no "Worker <id>, host <name>" line found');
  });

  it('previews ~/.ssh/config aliases through the tunnels resolver', async () => {
    const cfg = path.join(dir, 'ssh_config');
    await fs.writeFile(cfg, 'Host rig-*\n  User miner\nHost rig-11\n  HostName 10.30.5.11\n  Port 2200\nHost jumpy\n  HostName 10.0.0.2\n  ProxyJump gw\nHost gw\n  HostName gw.example\n  User ops\n');
    const { importSshConfigHosts } = await import('../../main/tunnels/tunnel-service');
    service = await FleetService.create({ configDir: dir, clock, transport, notify: () => undefined, autostart: false, readSshConfig: () => importSshConfigHosts({ file: cfg, homeDir: dir, user: 'me' }) });
    const p = await service.importSshConfig({ group: 'rigs' });
    expect(p.from).toBe(cfg);
    const rig11 = p.candidates.find((c) => c.origin === 'Host rig-11')!;
    expect(rig11.host).toMatchObject({ name: 'rig-11', group: 'rigs', ip: '10.30.5.11', target: { host: '10.30.5.11', port: 2200, user: 'miner' } });
    const jumpy = p.candidates.find((c) => c.origin === 'Host jumpy')!;
    expect(jumpy.host!.jumps).toEqual([{ host: 'gw.example', port: 22, user: 'ops' }]);
  });

  it('previews worker envs from etcd rows by MAC, with the address the env holds', async () => {
    const rows = [
      { id: '52:54:00:a1:9c:ae', env: 'HOSTNAME=rig-17\nIP=10.30.5.46\n' },
      { id: '5254.00a1.9caf', env: 'WORKER_IP=10.30.5.47:3456\n' },
      { id: '52-54-00-a1-9c-b0', env: 'POOL=stratum+tcp://x\n' },
      { id: 'not-a-mac', env: 'IP=10.0.0.1\n' },
    ];
    const { parseEnv } = await import('../../main/farm/env-file');
    const { normalizeMac } = await import('../../main/farm/mac-address');
    service = await FleetService.create({
      configDir: dir,
      clock,
      transport,
      notify: () => undefined,
      autostart: false,
      readEtcdEnv: async () => ({
        rows: rows.map((r) => ({
          id: r.id,
          normalized: normalizeMac(r.id) ?? null,
          entry: { key: Buffer.from(`/farm/workers/${r.id}/env`).toString('base64') } as never,
          text: r.env,
          env: parseEnv(r.env).entries,
          problems: normalizeMac(r.id) ? [] : [{ line: 0, message: `"${r.id}" in the key is not a MAC address` }],
        })),
        skipped: 2,
        from: 'http://127.0.0.1:2379 /farm/workers/{mac}/env',
      }),
    });
    const p = await service.importEtcd({ endpoints: ['http://127.0.0.1:2379'], user: 'root', port: 22 });
    expect(p.problems).toEqual(["2 key(s) under the pattern's prefix do not fit /farm/workers/{mac}/env and were left out"]);
    const [a, b, c, d] = p.candidates;
    expect(a).toMatchObject({ origin: '/farm/workers/52:54:00:a1:9c:ae/env', host: { name: 'rig-17', mac: '52:54:00:a1:9c:ae', ip: '10.30.5.46', hostname: 'rig-17', group: 'rigs', target: { host: '10.30.5.46' } } });
    expect(b!.host).toMatchObject({ name: '52:54:00:a1:9c:af', ip: '10.30.5.47', target: { host: '10.30.5.47' } });
    expect(c!.host).toBeUndefined();
    expect(c!.problems[0]).toContain('no address to reach it');
    expect(d!.host).toBeUndefined();
    // Adding a candidate keeps its MAC: the netboot timeline and domains find the machine by it.
    const added = await service.addHosts([a!.host!]);
    expect(service.lookup({ mac: '52:54:00:A1:9C:AE' })?.id).toBe(added.added[0]);
  });
});
