import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import { HostMetricsSchema, SyslogTailEventSchema, type FleetHost, type SyslogMessage, type SyslogTailEvent } from '../../main/contract/fleet';
import { EtcdService } from '../../main/etcd/etcd-service';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { FleetService } from '../../main/fleet/fleet-service';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { ensureBinary, getFreePort, LOOPBACK, makeTempDir, startEtcd, startSshd, type EtcdHandle, type SshdHandle, type TempDir } from '../harness/index';

// FleetService against real servers: probes through the harness's OpenSSH sshd (the real probe
// script, the shared pool), the host turning down when sshd stops and up when it is back; the
// syslog receiver fed by util-linux `logger` in both RFCs and with garbage, the live tail with its
// server-side filter, paging and export, a 10,000-message burst through a tail; the etcd import
// against a real etcd.

let tmp: TempDir;
let sshd: SshdHandle;
let pool: SshConnectionPool;
let service: FleetService;
let logger: string;

async function waitFor<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, _o, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** A tail subscriber like the renderer's: the events, checked against the contract. */
function tail(filter: Parameters<FleetService['syslogTail']>[0]['filter'], limit = 500) {
  const ctrl = new AbortController();
  const events: SyslogTailEvent[] = [];
  const messages: SyslogMessage[] = [];
  const sub = service.syslogTail(
    { filter, limit },
    {
      next: (e) => {
        SyslogTailEventSchema.parse(e);
        events.push(e);
        if (e.t === 'start') messages.splice(0, messages.length, ...e.messages);
        if (e.t === 'append') messages.push(...e.messages);
      },
      end: () => undefined,
      signal: ctrl.signal,
      bufferedBytes: () => 0,
    },
  );
  return { events, messages, dispose: () => sub.dispose() };
}

beforeAll(async () => {
  logger = await ensureBinary('logger', 'bsdutils');
  tmp = await makeTempDir('drover-fleet-feature-');
  sshd = await startSshd();
  pool = new SshConnectionPool({
    hostKeys: new KnownHostsVerifier({ userKnownHostsFiles: [sshd.knownHostsPath], droverKnownHostsFile: path.join(tmp.path, 'known_hosts') }),
    credentials: { password: async () => undefined, keyPassphrase: async () => undefined },
    env: {},
    probeIntervalMs: 500,
  });
  service = await FleetService.create({ configDir: tmp.path, clock: systemClock, pool, notify: () => undefined });
  await service.updateSettings({ probe: { intervalSec: 2, timeoutSec: 10, downAfterMissed: 2 }, syslog: { port: await getFreePort() } });
});

afterAll(async () => {
  await service?.close();
  pool?.dispose();
  await sshd?.stop();
  await tmp?.remove();
});

describe('probes through the harness sshd', () => {
  let host: FleetHost;

  it('shows a probed host with its metrics: CPU, memory, disks, network', async () => {
    host = await service.saveHost({ name: 'this machine', group: 'rigs', target: { host: sshd.host, port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false } });
    const m = await waitFor('a second probe (rates need two)', () => {
      const x = service.latestMetrics(host.id);
      return x && x.cpu.usePercent !== null ? x : undefined;
    });
    HostMetricsSchema.parse(m);
    expect(m.hostname).toBe(os.hostname());
    expect(m.cpu.count).toBe(os.cpus().length);
    expect(m.memory!.totalBytes).toBe(os.totalmem());
    expect(m.mounts.some((x) => x.mount === '/')).toBe(true);
    expect(m.roundTripMs).toBeGreaterThan(0);
    const st = service.hostState(host.id)!;
    expect(st.connection).toBe('ready');
    expect(st.heartbeat).toMatchObject({ status: 'up', missed: 0 });
    expect(st.summary).toMatchObject({ hostname: os.hostname(), memTotalBytes: os.totalmem(), cpuCount: os.cpus().length });
    expect(st.summary!.diskUseMaxPercent).toBeGreaterThanOrEqual(0);
    expect(st.summary!.netRxBytesPerSec).not.toBeNull();
    // One connection for the host, however many probes ran.
    expect(pool.list().filter((s) => s.label.endsWith(`@127.0.0.1:${sshd.port}`))).toHaveLength(1);
    expect(service.history(host.id).atMs.length).toBeGreaterThanOrEqual(2);
    expect(service.workerHardware(host.id)).toMatchObject({ updatedAtMs: m.atMs, diskUsePercent: expect.any(Number) });
    // The host name the machine reported was learned into the inventory.
    await waitFor('the learned host name', () => service.inventory.host(host.id)?.hostname === os.hostname());
  });

  it('turns the host down, with the time it was last seen, when sshd stops; up again when it is back', async () => {
    const seen = service.hostState(host.id)!.heartbeat.lastSeenMs!;
    await sshd.down();
    const down = await waitFor('the host down', () => {
      const s = service.hostState(host.id)!;
      return s.heartbeat.status === 'down' ? s : undefined;
    });
    expect(down.heartbeat.lastSeenMs).toBeGreaterThanOrEqual(seen);
    expect(down.heartbeat.missed).toBeGreaterThanOrEqual(2);
    expect(down.lastError?.message).toMatch(/refused|closed|ECONNRESET|not ready|connect/i);
    await sshd.up();
    await waitFor('the host up again', () => service.hostState(host.id)!.heartbeat.status === 'up', 45_000);
    const episodes = service.alertHistoryList({ hostId: host.id, limit: 10 });
    // host-down (3 missed by default) may or may not have fired depending on timing; if it did, it resolved.
    for (const a of episodes) expect(a.state).toBe('resolved');
  });
});

describe('syslog through the feature', () => {
  it('receives logger --rfc3164 and --rfc5424 and garbage; the tail filters by severity, host and text; pages back; exports', async () => {
    const status = await waitFor('the receiver', () => (service.syslog.status().state === 'listening' ? service.syslog.status() : undefined));
    expect(status).toMatchObject({ host: '127.0.0.1', exposed: false, udpPort: expect.any(Number), tcpPort: status.udpPort });
    const port = String(status.udpPort);
    const all = tail({});
    const errors = tail({ minSeverity: 3 });
    const gpu = tail({ text: 'gpu=4' });
    await run(logger, ['--server', LOOPBACK, '--port', port, '--udp', '--rfc3164', '-t', 'gpuwatch', '-p', 'local0.err', 'gpu=4 temp=83 action=alert']);
    await run(logger, ['--server', LOOPBACK, '--port', port, '--udp', '--rfc5424', '-t', 'lotus-worker', '-p', 'local0.warning', '--msgid', 'SCHED', 'failed to check worker session']);
    await run(logger, ['--server', LOOPBACK, '--port', port, '--tcp', '--rfc5424', '-t', 'kernel', '-p', 'kern.crit', 'NVRM: Xid 79, GPU has fallen off the bus.']);
    // The receiver keeps arrival order, and a TCP message (a connection to accept, then read) can
    // arrive after a datagram sent later: the garbage goes once the kernel's line is in.
    await waitFor('the TCP message in the tail', () => all.messages.length >= 3);
    await new Promise<void>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.send('garbage without a header', Number(port), LOOPBACK, (err) => {
        s.close();
        if (err) reject(err);
        else resolve();
      });
    });
    await waitFor('4 messages in the tail', () => all.messages.length >= 4);
    expect(all.messages.map((m) => [m.format, m.app, m.severity])).toEqual([
      ['rfc3164', 'gpuwatch', 3],
      ['rfc5424', 'lotus-worker', 4],
      ['rfc5424', 'kernel', 2],
      ['raw', null, null],
    ]);
    await waitFor('the filtered tails', () => errors.messages.length >= 2 && gpu.messages.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(errors.messages.map((m) => m.app)).toEqual(['gpuwatch', 'kernel']);
    expect(gpu.messages.map((m) => m.app)).toEqual(['gpuwatch']);
    const byHost = tail({ host: os.hostname().slice(0, 3) });
    expect(byHost.events[0]).toMatchObject({ t: 'start' });
    expect(byHost.messages.map((m) => m.app)).toEqual(['gpuwatch', 'lotus-worker', 'kernel']);

    const lastSeq = all.messages.at(-1)!.seq;
    const page = service.syslogPage({ filter: {}, beforeSeq: lastSeq, limit: 2 });
    expect(page.messages.map((m) => m.app)).toEqual(['lotus-worker', 'kernel']);
    expect(page.more).toBe(true);
    expect(() => service.syslogPage({ filter: { text: '(a+)+$', regex: true }, beforeSeq: lastSeq, limit: 2 })).toThrow(/not allowed/);

    const out = path.join(tmp.path, 'syslog-errors.txt');
    expect(await service.syslogExport({ path: out, format: 'text', filter: { minSeverity: 3 } })).toMatchObject({ path: out, count: 2 });
    const text = await fs.readFile(out, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toContain('local0.err');
    expect(text).toContain('user.crit'); // logger sends kern.* from user space as user.*
    for (const t of [all, errors, gpu, byHost]) t.dispose();
    expect(service.syslog.tailCount).toBe(0);
  });

  it('moves the receiver when the port changes and says why when the port is taken', async () => {
    const blocker = dgram.createSocket('udp4');
    const taken = await new Promise<number>((resolve) => blocker.bind(0, LOOPBACK, () => resolve(blocker.address().port)));
    try {
      await service.updateSettings({ syslog: { port: taken, tcp: false } });
      const failed = await waitFor('the failure', () => (service.syslog.status().state === 'failed' ? service.syslog.status() : undefined));
      expect(failed.error).toMatchObject({ code: 'PORT_IN_USE', hint: expect.stringContaining('choose another port') });
    } finally {
      blocker.close();
    }
    const free = await getFreePort();
    await service.updateSettings({ syslog: { port: free, tcp: true } });
    await waitFor('listening again', () => service.syslog.status().state === 'listening' && service.syslog.status().udpPort === free);
  });

  it('hands every message of a 10,000-message burst in one second to a tail (within the buffer size)', async () => {
    const port = service.syslog.status().udpPort!;
    const t = tail({ text: 'burst-' });
    const code = `
      const dgram = require('node:dgram');
      const s = dgram.createSocket('udp4');
      const N = 10000; let i = 0, done = 0;
      const sent = () => { if (++done === N) s.close(); };
      (function batch() {
        for (let k = 0; k < 100 && i < N; k++, i++) s.send('<134>Mar 10 09:35:02 burst[7]: burst-' + i + ' gpu=4 temp=83', ${port}, '127.0.0.1', sent);
        if (i < N) setTimeout(batch, 10);
      })();`;
    const child = spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
    await new Promise((r) => child.on('exit', r));
    await waitFor('10,000 messages in the tail', () => t.messages.length >= 10_000, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.messages.map((m) => m.message.split(' ')[0])).toEqual(Array.from({ length: 10_000 }, (_, i) => `burst-${i}`));
    expect(t.events.some((e) => e.t === 'gap')).toBe(false);
    // Batched: far fewer frames than messages.
    expect(t.events.length).toBeLessThan(200);
    t.dispose();
  });
});

describe('import from etcd worker-env keys', () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('lists the MACs under the pattern with the host name and address their env holds', async () => {
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      await client.put('/farm/workers/52:54:00:a1:9c:ae/env').value('HOSTNAME=rig-17\nIP=10.30.5.46\nPOOL=stratum+tcp://pool:3333\n');
      await client.put('/farm/workers/52-54-00-A1-9C-AF/env').value('WORKER_IP=10.30.5.47\n');
      await client.put('/farm/workers/readme').value('not a worker');
      await client.put('/farm/dc/x/config').value('DC=1');
    } finally {
      client.close();
    }
    const p = await service.importEtcd({ endpoints: [etcd.endpoint], user: 'root', port: 22 });
    expect(p.from).toContain(etcd.endpoint.replace(/^http:\/\//, ''));
    expect(p.candidates.map((c) => [c.host?.mac, c.host?.target.host, c.host?.hostname])).toEqual([
      ['52:54:00:a1:9c:af', '10.30.5.47', undefined],
      ['52:54:00:a1:9c:ae', '10.30.5.46', 'rig-17'],
    ]);
    expect(p.problems).toEqual(["1 key(s) under the pattern's prefix do not fit /farm/workers/{mac}/env and were left out"]);
    await expect(service.importEtcd({ endpoints: ['http://127.0.0.1:1'], user: 'root', port: 22 })).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/) });
  });

  it('imports through an etcd page session instead of endpoints, and names it', async () => {
    const dir = await makeTempDir('drover-fleet-etcd-session-');
    const etcdService = new EtcdService({ configDir: dir.path, clock: systemClock, secrets: new MemorySecretStore() });
    const viaSessions = await FleetService.create({
      configDir: dir.path,
      clock: systemClock,
      pool,
      notify: () => undefined,
      autostart: false,
      etcdSessions: { name: (id) => etcdService.list().find((c) => c.id === id)?.name, use: (id, what, fn) => etcdService.use(id, what, fn) },
    });
    try {
      await etcdService.init();
      await etcdService.saveSession({ id: 'farm', name: 'farm etcd', target: { kind: 'direct', endpoints: [etcd.endpoint] }, requestTimeoutMs: 3_000, dialTimeoutMs: 2_000 });
      const p = await viaSessions.importEtcd({ sessionId: 'farm', user: 'root', port: 22 });
      expect(p.from).toBe('etcd session "farm etcd" /farm/workers/{mac}/env');
      expect(p.candidates.map((c) => c.host?.mac).sort()).toEqual(['52:54:00:a1:9c:ae', '52:54:00:a1:9c:af']);
      await expect(viaSessions.importEtcd({ sessionId: 'nope', user: 'root', port: 22 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await viaSessions.close();
      await etcdService.disposeAsync();
      await dir.remove();
    }
  });
});
