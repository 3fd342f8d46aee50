import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import type { Sink } from '../../main/contract/define';
import type { EtcdSessionConfigInput, EtcdSessionsLiveData, EtcdStatusLiveData, EtcdWatchLiveData } from '../../main/contract/etcd';
import { isAppError } from '../../main/contract/errors';
import { applyLive, type LiveData, type LiveUpdate, type SourceHealth } from '../../main/contract/live';
import { EtcdService, passwordSecretId } from '../../main/etcd/etcd-service';
import { EtcdSession } from '../../main/etcd/etcd-session';
import { EtcdSessionStore, ETCD_SESSIONS_FILE_NAME } from '../../main/etcd/etcd-session-store';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { HostKeyPrompts, KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { makeTempDir, runEtcdctl, startEtcd, startFaultProxy, startSshd, stopAll, type EtcdctlResult, type EtcdHandle, type SshdHandle, type TempDir } from '../harness';

/**
 * The etcd feature's service against the harness's real etcd (and a real sshd with a real Drover
 * tunnel): sessions persisted with the password in the secret store, the live prefix stream
 * across etcd restarts (compared with etcd's own history), compaction past the resume point, a
 * session through a tunnel whose sshd restarts, guarded delete-prefix with backup and restore,
 * CAS conflicts and JSON refusal through the contract's shapes.
 */

let etcd: EtcdHandle;
let tmp: TempDir;
let direct: EtcdSession;
const services: EtcdService[] = [];

const enc = (s: string) => Buffer.from(s).toString('base64');
const dec = (b: string) => Buffer.from(b, 'base64').toString();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A sink that applies what it receives like the renderer's live store does. */
function liveSink<D extends LiveData>() {
  const ctrl = new AbortController();
  const state = { data: undefined as D | undefined, health: undefined as SourceHealth | undefined, frames: 0, lastSeq: -1, gaps: 0, ended: false };
  const sink: Sink<LiveUpdate> = {
    next: (f) => {
      state.frames++;
      if (f.t === 'snapshot') {
        state.data = f.data as D;
        state.health = f.health;
      } else {
        if (f.seq !== state.lastSeq + 1) state.gaps++;
        state.data = applyLive(state.data!, f.changes);
        if (f.health) state.health = f.health;
      }
      state.lastSeq = f.seq;
    },
    end: () => {
      state.ended = true;
    },
    signal: ctrl.signal,
    bufferedBytes: () => 0,
  };
  return { sink, state, close: () => ctrl.abort() };
}

function etcdctl(args: string[]): Promise<EtcdctlResult> {
  return runEtcdctl(etcd.endpoint, args);
}

function makeService(opts: { configDir?: string; secrets?: MemorySecretStore; tunnels?: TunnelManager; store?: boolean } = {}): EtcdService {
  const configDir = opts.configDir ?? tmp.path;
  const s = new EtcdService({
    configDir,
    clock: systemClock,
    secrets: opts.secrets ?? new MemorySecretStore(),
    ...(opts.tunnels ? { tunnels: opts.tunnels } : {}),
    ...(opts.store ? { store: new EtcdSessionStore(configDir, systemClock) } : {}),
    statusIntervalMs: 500,
    watch: { backoff: { initialMs: 50, maxMs: 500 }, heartbeatMs: 1_000, heartbeatTimeoutMs: 1_000, minIntervalMs: 20 },
    watchIdleMs: 100,
  });
  services.push(s);
  return s;
}

const directConfig = (id: string, extra: Partial<EtcdSessionConfigInput> = {}): EtcdSessionConfigInput => ({
  id,
  name: id,
  target: { kind: 'direct', endpoints: [etcd.endpoint] },
  requestTimeoutMs: 3_000,
  dialTimeoutMs: 2_000,
  ...extra,
});

beforeAll(async () => {
  etcd = await startEtcd();
  tmp = await makeTempDir('drover-etcd-service-');
  direct = await EtcdSession.open(directConfig('direct'), { clock: systemClock });
});

afterAll(async () => {
  for (const s of services) await s.disposeAsync();
  direct?.dispose();
  await etcd?.stop();
  await tmp?.remove();
  await stopAll();
});

describe('sessions', () => {
  it('persists configs in etcd-sessions.json, the password only in the secret store, and logs in with it', async () => {
    // A user with a password, and auth on, on a second etcd (auth applies to the whole cluster).
    const authEtcd = await startEtcd({ name: 'auth' });
    try {
      for (const args of [['user', 'add', 'root:rootpw'], ['auth', 'enable']]) {
        const r = await runEtcdctl(authEtcd.endpoint, args);
        expect(r.code, r.stderr).toBe(0);
      }
      const dir = await makeTempDir('drover-etcd-sessions-');
      const secrets = new MemorySecretStore();
      const service = makeService({ configDir: dir.path, secrets, store: true });
      await service.init();
      const config = { ...directConfig('farm'), target: { kind: 'direct' as const, endpoints: [authEtcd.endpoint] }, auth: { username: 'root', passwordSecretId: passwordSecretId('farm') } };
      await service.saveSession(config, { password: 'rootpw' });
      const file = await fs.readFile(path.join(dir.path, ETCD_SESSIONS_FILE_NAME), 'utf8');
      expect(JSON.parse(file)).toMatchObject({ version: 1, sessions: [{ id: 'farm', auth: { username: 'root', passwordSecretId: 'etcd:farm:password' } }] });
      expect(file).not.toContain('rootpw');
      expect(await secrets.get('etcd:farm:password')).toBe('rootpw');

      const st = await service.connect('farm');
      expect(st.members).toHaveLength(1);
      const sessions = liveSink<EtcdSessionsLiveData>();
      service.sessionsLive.subscribe(sessions.sink);
      await waitFor(() => sessions.state.data?.sessions.farm?.health.state === 'live', 10_000, 'the session live in the list');
      expect(sessions.state.data!.sessions.farm).toMatchObject({ hasPassword: true, open: true, endpoints: [authEtcd.endpoint] });

      // A wrong password: refused, with the cause in the session's health.
      await service.saveSession(config, { password: 'wrong' });
      await expect(service.status('farm')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await waitFor(() => sessions.state.data?.sessions.farm?.health.state === 'down', 10_000, 'the session down');
      expect(sessions.state.data!.sessions.farm!.health.cause?.code).toBe('AUTH_FAILED');

      // Another service on the same config dir loads the sessions back.
      const again = makeService({ configDir: dir.path, secrets, store: true });
      await again.init();
      expect(again.list().map((s) => s.id)).toEqual(['farm']);

      await service.removeSession('farm');
      expect(await secrets.get('etcd:farm:password')).toBeUndefined();
      expect(JSON.parse(await fs.readFile(path.join(dir.path, ETCD_SESSIONS_FILE_NAME), 'utf8')).sessions).toEqual([]);
      sessions.close();
      await dir.remove();
    } finally {
      await authEtcd.stop();
    }
  });
});

describe('the live prefix', () => {
  it('misses, duplicates and reorders nothing while etcd is killed and restarted several times (checked against etcd history by revision)', async () => {
    const service = makeService();
    await service.saveSession(directConfig('w'));
    const live = liveSink<EtcdWatchLiveData>();
    service.subscribeWatch('w', enc('/lw/'), live.sink);
    await waitFor(() => live.state.data?.watch.info !== undefined && live.state.health?.state === 'live', 10_000, 'the watch live');
    const start = live.state.data!.watch.info!.startRevision;

    // Every write goes to a new key, so the keyed collection must end up holding every event.
    let n = 0;
    let writing = true;
    const written: { key: string; revision: number }[] = [];
    const writer = (async () => {
      while (writing) {
        const key = `/lw/k${String(n++).padStart(5, '0')}`;
        try {
          const res = await direct.client.kv.put({ key: Buffer.from(key), value: Buffer.from(String(n)) }, direct.callOptions(1_000));
          written.push({ key, revision: Number(res.header.revision) });
        } catch {
          // etcd is down: this write did not happen (or its reply was lost: etcd's history tells).
        }
        await sleep(5);
      }
    })();
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      if (i % 2 === 0) await etcd.restart();
      else {
        process.kill(etcd.pid, 'SIGKILL');
        await sleep(200);
        await etcd.up();
      }
      await waitFor(() => live.state.health?.state === 'live', 20_000, 'the watch live again');
    }
    await sleep(300);
    writing = false;
    await writer;
    const last = Number((await direct.client.kv.put({ key: Buffer.from('/lw/zz-end'), value: Buffer.from('end') })).header.revision);
    await waitFor(() => (live.state.data?.watch.info?.revision ?? 0) >= last, 20_000, 'the last write');

    // etcd's own record: each key was written once, so its mod revision is the one event it has.
    const got = Object.entries(live.state.data!.keys).map(([k, v]) => ({ key: dec(k), revision: v.revision, type: v.type }));
    const truth = await etcdctl(['get', '/lw/', '--prefix', '-w', 'json']);
    expect(truth.code, truth.stderr).toBe(0);
    const kvs = (JSON.parse(truth.stdout) as { kvs: { key: string; mod_revision: number; create_revision: number }[] }).kvs.map((kv) => ({ key: Buffer.from(kv.key, 'base64').toString(), revision: kv.mod_revision }));
    expect(kvs.length).toBeGreaterThan(50);
    expect(kvs.every((k) => k.revision >= start)).toBe(true);
    expect(got.every((g) => g.type === 'put')).toBe(true);
    expect(got.map((g) => `${g.key}@${g.revision}`).sort()).toEqual(kvs.map((k) => `${k.key}@${k.revision}`).sort());
    // Every acknowledged write is there at its revision.
    const byKey = new Map(got.map((g) => [g.key, g.revision]));
    for (const w of written) expect(byKey.get(w.key), w.key).toBe(w.revision);
    expect(live.state.gaps).toBe(0);
    expect(live.state.data!.watch.info!.epoch).toBe(0);
    expect(live.state.data!.watch.info!.reconnects).toBeGreaterThanOrEqual(4);
    live.close();
  }, 120_000);

  it('detects a compaction past the resume point, starts over and says so', async () => {
    const proxy = await startFaultProxy({ targetPort: etcd.clientPort });
    try {
      const service = makeService();
      await service.saveSession({ ...directConfig('cp'), target: { kind: 'direct', endpoints: [`127.0.0.1:${proxy.port}`] } });
      const live = liveSink<EtcdWatchLiveData>();
      service.subscribeWatch('cp', enc('/cp/'), live.sink);
      await waitFor(() => live.state.health?.state === 'live' && live.state.data?.watch.info !== undefined, 10_000, 'live');
      const a = Number((await direct.client.kv.put({ key: Buffer.from('/cp/a'), value: Buffer.from('1') })).header.revision);
      await waitFor(() => live.state.data?.keys[enc('/cp/a')]?.revision === a, 10_000, '/cp/a');

      await proxy.setMode('refuse');
      await waitFor(() => live.state.health?.state === 'down', 10_000, 'down');
      expect(live.state.health!.cause?.code).toBe('UNAVAILABLE');
      await direct.client.kv.put({ key: Buffer.from('/cp/b'), value: Buffer.from('2') });
      const top = Number((await direct.client.kv.put({ key: Buffer.from('/elsewhere'), value: Buffer.from('x') })).header.revision);
      await direct.client.kv.compact({ revision: top, physical: true });
      await proxy.setMode('pass');

      await waitFor(() => live.state.data?.watch.info?.epoch === 1 && live.state.health?.state === 'live', 20_000, 'the resync');
      const info = live.state.data!.watch.info!;
      expect(info.resync).toMatchObject({ reason: 'compacted', compactRevision: top, resumeRevision: a + 1 });
      expect(info.startRevision).toBeGreaterThan(top);
      expect(live.state.data!.keys).toEqual({}); // starts over: the page reloads from startRevision
      const c = Number((await direct.client.kv.put({ key: Buffer.from('/cp/c'), value: Buffer.from('3') })).header.revision);
      await waitFor(() => live.state.data?.keys[enc('/cp/c')]?.revision === c, 10_000, '/cp/c after the resync');
      live.close();
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('starts over when more keys change than it keeps (a bulk import), and shares one watch between subscribers', async () => {
    const service = new EtcdService({ configDir: tmp.path, clock: systemClock, secrets: new MemorySecretStore(), watch: { maxKeys: 50, minIntervalMs: 20 }, watchIdleMs: 50 });
    services.push(service);
    await service.saveSession(directConfig('ov'));
    const a = liveSink<EtcdWatchLiveData>();
    const b = liveSink<EtcdWatchLiveData>();
    const subA = service.subscribeWatch('ov', enc('/ov/'), a.sink);
    service.subscribeWatch('ov', enc('/ov/'), b.sink);
    await waitFor(() => a.state.health?.state === 'live' && b.state.health?.state === 'live', 10_000, 'live');
    const ops = Array.from({ length: 60 }, (_, i) => ({ request_put: { key: Buffer.from(`/ov/${i}`), value: Buffer.from('v') } }));
    const rev = Number((await direct.client.kv.txn({ success: ops })).header.revision);
    await waitFor(() => a.state.data?.watch.info?.epoch === 1, 10_000, 'overflow');
    expect(a.state.data!.watch.info!.resync).toMatchObject({ reason: 'overflow', resumeRevision: rev + 1 });
    expect(a.state.data!.watch.info!.startRevision).toBe(rev + 1);
    expect(b.state.data!.watch.info!.epoch).toBe(1);
    subA.dispose();
    b.close();
    await waitFor(() => service.watchOf('ov', enc('/ov/')) === undefined, 5_000, 'the idle watch closed');
  });
});

describe('through a real Drover tunnel', () => {
  let sshd: SshdHandle;
  let manager: TunnelManager;
  let pool: SshConnectionPool;
  let prompts: HostKeyPrompts;

  beforeAll(async () => {
    sshd = await startSshd();
    prompts = new HostKeyPrompts(5_000);
    const known = path.join(tmp.path, 'known_hosts');
    await fs.writeFile(known, `${sshd.knownHostsLine}\n`);
    const verifier = new KnownHostsVerifier({ userKnownHostsFiles: [known], droverKnownHostsFile: path.join(tmp.path, 'drover_known_hosts'), approver: prompts });
    pool = new SshConnectionPool({ hostKeys: verifier, credentials: { password: async () => undefined, keyPassphrase: async () => undefined }, env: {} });
    manager = new TunnelManager({ pool, statusIntervalMs: 50, clock: systemClock });
    await manager.save({
      id: 'edgegw',
      name: 'edgegw01',
      target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false },
      forwards: [{ id: 'etcd', kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '127.0.0.1', destPort: etcd.clientPort }],
      keepalive: { intervalSec: 1, countMax: 2 },
      unknownHostKey: 'refuse',
    });
  });

  afterAll(async () => {
    manager?.dispose();
    pool?.dispose();
    prompts?.dispose();
    await sshd?.stop();
  });

  it('follows the tunnel: names it when it is the cause, and survives its sshd being restarted', async () => {
    const service = makeService({ tunnels: manager });
    await service.saveSession({ id: 'tun', name: 'farm via edgegw01', target: { kind: 'tunnel', tunnelId: 'edgegw', forwardId: 'etcd' }, requestTimeoutMs: 3_000 });

    // The tunnel is not running: the failure names it.
    const err = await service.status('tun').catch((e: unknown) => e);
    expect(isAppError(err, 'UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toContain('edgegw01');

    await manager.start('edgegw');
    await waitFor(() => manager.status('edgegw').state === 'up', 10_000, 'the tunnel up');
    const st = await service.connect('tun');
    expect(st.members[0]!.clientUrls).toEqual([etcd.endpoint]);

    const status = liveSink<EtcdStatusLiveData>();
    service.subscribeStatus('tun', status.sink);
    const live = liveSink<EtcdWatchLiveData>();
    service.subscribeWatch('tun', enc('/tun/'), live.sink);
    await waitFor(() => live.state.health?.state === 'live' && status.state.health?.state === 'live', 10_000, 'live through the tunnel');
    const boundPort = manager.status('edgegw').forwards[0]!.boundPort;
    expect(service.connection('tun').endpoints).toEqual([`http://127.0.0.1:${boundPort}`]);

    // sshd goes away: the session is down and says the tunnel is why.
    await sshd.down();
    await waitFor(() => live.state.health?.state === 'down' && status.state.health?.state === 'down', 20_000, 'down while sshd is away');
    await waitFor(() => status.state.health?.via?.name === 'edgegw01', 10_000, 'the tunnel named');
    const during = Number((await direct.client.kv.put({ key: Buffer.from('/tun/while-down'), value: Buffer.from('1') })).header.revision);

    // sshd comes back (a restart): the tunnel reconnects, the watch resumes without losing the change made meanwhile.
    await sshd.up();
    await waitFor(() => live.state.data?.keys[enc('/tun/while-down')]?.revision === during, 30_000, 'the change made while down');
    await waitFor(() => status.state.health?.state === 'live', 15_000, 'status live again');
    await sshd.restart();
    const put = await service.create('tun', { key: enc('/tun/after-restart'), value: enc('2') }).catch(async () => {
      await waitFor(() => manager.status('edgegw').state === 'up', 15_000, 'the tunnel up again');
      return service.create('tun', { key: enc('/tun/after-restart'), value: enc('2') });
    });
    expect(put.ok).toBe(true);
    await waitFor(() => live.state.data?.keys[enc('/tun/after-restart')] !== undefined, 20_000, 'the write through the tunnel, watched');
    expect(live.state.gaps).toBe(0);
    live.close();
    status.close();
  }, 120_000);
});

describe('edits, delete prefix, backup and restore through the service', () => {
  it('compare-and-swap: a stale edit is a conflict carrying the newer value; create refuses an existing key', async () => {
    const service = makeService();
    await service.saveSession(directConfig('ed'));
    const created = await service.create('ed', { key: enc('/ed/cfg'), value: enc('{"a":1}'), requireJson: true });
    expect(created.ok).toBe(true);
    const read = (await service.get('ed', enc('/ed/cfg')))!;
    expect(read.value.kind).toBe('json');
    expect(read.value.display).toBe('{\n  "a": 1\n}');
    await direct.client.kv.put({ key: Buffer.from('/ed/cfg'), value: Buffer.from('{"a":2}') });
    const stale = await service.update('ed', { key: enc('/ed/cfg'), value: enc('{"a":3}'), expectedModRevision: read.entry.modRevision });
    expect(stale.ok).toBe(false);
    if (stale.ok) return;
    expect(dec(stale.conflict.current!.value)).toBe('{"a":2}');
    expect(dec(stale.conflict.proposed!)).toBe('{"a":3}');
    const again = await service.create('ed', { key: enc('/ed/cfg'), value: enc('x') });
    expect(again).toMatchObject({ ok: false, conflict: { expectedModRevision: 0 } });
    // Written on top of the newer version, in the compact style the value had.
    const ok = await service.update('ed', { key: enc('/ed/cfg'), value: enc('{\n  "a": 3,\n  "big": 12345678901234567890\n}'), expectedModRevision: stale.conflict.current!.modRevision, requireJson: true, jsonStyle: 'compact' });
    expect(ok.ok).toBe(true);
    expect((await direct.client.get('/ed/cfg').string()) as string).toBe('{"a":3,"big":12345678901234567890}');
  });

  it('refuses malformed JSON with the parse error and writes nothing', async () => {
    const service = makeService();
    await service.saveSession(directConfig('js'));
    await direct.client.kv.put({ key: Buffer.from('/js/cfg'), value: Buffer.from('{"ok":true}') });
    const cur = (await service.get('js', enc('/js/cfg')))!;
    const err = await service.update('js', { key: enc('/js/cfg'), value: enc('{\n  "ok": tru\n}'), expectedModRevision: cur.entry.modRevision, requireJson: true }).catch((e: unknown) => e);
    expect(isAppError(err, 'INVALID_INPUT')).toBe(true);
    expect((err as { details: { json: { line: number; column: number } } }).details.json).toMatchObject({ line: 2, column: 9 });
    expect((err as Error).message).toMatch(/line 2, column 9/);
    expect(await direct.client.get('/js/cfg').string()).toBe('{"ok":true}');
  });

  it('delete prefix: count, typed confirmation, backup file first (path shown), then restore brings every key back', async () => {
    const service = makeService();
    await service.saveSession(directConfig('dp'));
    for (let i = 0; i < 120; i++) await direct.client.kv.put({ key: Buffer.from(`/dp/w${String(i).padStart(3, '0')}`), value: Buffer.from(`env ${i}`) });
    await direct.client.kv.put({ key: Buffer.from('/dp/raw'), value: Buffer.from([0xff, 0xfe, 0x00]) });
    const plan = await service.planDeletePrefix('dp', enc('/dp/'));
    expect(plan).toMatchObject({ count: 121, confirmationText: '/dp/', prefixDisplay: '/dp/' });
    expect(path.dirname(plan.backupFile)).toBe(service.backupDir);

    await expect(service.deletePrefix('dp', { prefix: enc('/dp/'), confirmation: '/dp', backupFile: plan.backupFile })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const res = await service.deletePrefix('dp', { prefix: enc('/dp/'), confirmation: '/dp/', backupFile: plan.backupFile });
    expect(res).toMatchObject({ deleted: 121, backupFile: plan.backupFile, backupCount: 121 });
    expect(Number((await direct.client.kv.range({ key: Buffer.from('/dp/'), range_end: Buffer.from('/dp0'), count_only: true })).count)).toBe(0);
    // The same file is never overwritten by a later backup.
    await expect(service.deletePrefix('dp', { prefix: enc('/dp/'), confirmation: '/dp/', backupFile: plan.backupFile })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });

    const summary = await service.inspectBackup(plan.backupFile);
    expect(summary).toMatchObject({ count: 121, prefixDisplay: '/dp/', reason: 'delete-prefix' });
    await direct.client.kv.put({ key: Buffer.from('/dp/w007'), value: Buffer.from('recreated meanwhile') });
    const restored = await service.restoreBackup('dp', path.basename(plan.backupFile)); // relative: under the backup folder
    expect(restored).toMatchObject({ restored: 120, unchanged: 0, conflictCount: 1 });
    expect(restored.conflicts[0]!.keyDisplay).toBe('/dp/w007');
    expect(dec(restored.conflicts[0]!.current!.value)).toBe('recreated meanwhile');
    expect(await direct.client.get('/dp/w008').string()).toBe('env 8');
    expect(Buffer.compare((await direct.client.get('/dp/raw').buffer())!, Buffer.from([0xff, 0xfe, 0x00]))).toBe(0);

    // Export and import under another prefix.
    const exp = await service.exportPrefix('dp', { prefix: enc('/dp/'), file: 'dp-export.json' });
    expect(exp.count).toBe(121);
    await expect(service.exportPrefix('dp', { prefix: enc('/dp/'), file: 'dp-export.json' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const imp = await service.importFile('dp', { file: 'dp-export.json', rebaseTo: enc('/dp-copy/') });
    expect(imp).toMatchObject({ restored: 121, conflictCount: 0 });
    expect(await direct.client.get('/dp-copy/w007').string()).toBe('recreated meanwhile');
  });

  it('history: earlier revisions are read and one is restored with CAS', async () => {
    const service = makeService();
    await service.saveSession(directConfig('hi'));
    for (const v of ['one', 'two', 'three']) await direct.client.kv.put({ key: Buffer.from('/hi/k'), value: Buffer.from(v) });
    const page = await service.history('hi', enc('/hi/k'));
    expect(page.entries.map((e) => e.value.display)).toEqual(['three', 'two', 'one']);
    expect(page.end).toBe('created');
    const [current, , first] = page.entries;
    const r = await service.restoreRevision('hi', enc('/hi/k'), first!.entry.modRevision, current!.entry.modRevision);
    expect(r.ok).toBe(true);
    expect(await direct.client.get('/hi/k').string()).toBe('one');
    const stale = await service.restoreRevision('hi', enc('/hi/k'), first!.entry.modRevision, current!.entry.modRevision);
    expect(stale.ok).toBe(false);
  });

  it('farm tables: worker env by MAC in any spelling, datacenter configs by UUID, validated before writing', async () => {
    const service = makeService();
    await service.saveSession(directConfig('fm', { farm: { workerEnvKey: '/fm/workers/{macHyphen}/env', dcConfigKey: '/fm/dc/{uuid}/config' } }));
    const dc = 'e86bf73f-f2bf-4143-b939-fb8de272bb78';
    expect(service.checkEnv('fm', 'worker', '52:54:00:A1:9C:AE', 'POOL=eu1\nWALLET=0xabc\n')).toMatchObject({ normalized: '52:54:00:a1:9c:ae', keyDisplay: '/fm/workers/52-54-00-a1-9c-ae/env', problems: [] });
    expect(service.checkEnv('fm', 'worker', '5254.00a1.9cae', 'A=1').keyDisplay).toBe('/fm/workers/52-54-00-a1-9c-ae/env');
    expect(service.checkEnv('fm', 'worker', '52:54:00:zz:00:01', 'BAD LINE').problems.map((p) => p.line)).toEqual([0, 1]);
    await expect(service.saveEnv('fm', { kind: 'worker', id: '525400a19cae', text: 'X=$(reboot)', expectedModRevision: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await service.saveEnv('fm', { kind: 'worker', id: '525400a19cae', text: 'POOL=eu1\nGPU_COUNT=8\n', expectedModRevision: 0 })).ok).toBe(true);
    expect((await service.saveEnv('fm', { kind: 'datacenter', id: dc.toUpperCase(), text: 'POOL=dc-default\nINFLUX=http://10.0.0.5:8086\n', expectedModRevision: 0 })).ok).toBe(true);
    const workers = await service.envTable('fm', 'worker');
    expect(workers.rows).toHaveLength(1);
    expect(workers.rows[0]).toMatchObject({ id: '52-54-00-a1-9c-ae', normalized: '52:54:00:a1:9c:ae', problems: [], text: 'POOL=eu1\nGPU_COUNT=8\n' });
    const dcs = await service.envTable('fm', 'datacenter');
    expect(dcs.rows[0]).toMatchObject({ id: dc, normalized: dc });
    const merged = await service.mergedEnv('fm', dc, '52:54:00:a1:9c:ae');
    expect(merged.text).toBe('POOL=eu1\nINFLUX=http://10.0.0.5:8086\nGPU_COUNT=8\n');
  });
});
