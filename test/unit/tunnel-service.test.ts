import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { describeStatusChange } from '../../main/tunnels/tunnel-command';
import { importCommandLine, importSshConfigHosts } from '../../main/tunnels/tunnel-service';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { TunnelProfileStore } from '../../main/tunnels/tunnel-profile-store';

const SEED =
  'autossh -M 0 -o ExitOnForwardFailure=yes -o ServerAliveCountMax=3 -o ServerAliveInterval=10 -NT -L 127.0.0.1:9092:100.70.81.93:9092 -L 10.40.23.250:8086:100.71.38.14:8086 -L 127.0.0.1:2379:100.69.106.78:2379 svc@edgegw01-a1.alt-chain.io';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'drover-tsvc-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function offlinePool(): SshConnectionPool {
  return new SshConnectionPool({
    hostKeys: { verify: async () => undefined, knownKeyTypes: async () => [] },
    credentials: { password: async () => undefined, keyPassphrase: async () => undefined },
  });
}

describe('importing the seed autossh line', () => {
  it('gives exactly its three forwards, its host and its keepalive, and holds the LAN forward back', () => {
    const { profile, warnings } = importCommandLine(SEED, { user: 'ops' });
    expect(profile.target).toMatchObject({ host: 'edgegw01-a1.alt-chain.io', port: 22, user: 'svc' });
    expect(profile.jumps).toEqual([]);
    expect(profile.keepalive).toEqual({ intervalSec: 10, countMax: 3 });
    expect(profile.exitOnForwardFailure).toBe(true);
    expect(profile.forwards.map((f) => [f.kind, f.bindAddress, f.bindPort, 'destHost' in f ? f.destHost : '', 'destPort' in f ? f.destPort : 0, f.allowLan])).toEqual([
      ['local', '127.0.0.1', 9092, '100.70.81.93', 9092, false],
      ['local', '10.40.23.250', 8086, '100.71.38.14', 8086, false],
      ['local', '127.0.0.1', 2379, '100.69.106.78', 2379, false],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/10\.40\.23\.250.*expose on LAN/);
  });

  it('refuses to save the LAN forward until it is explicitly allowed', async () => {
    const manager = new TunnelManager({ pool: offlinePool() });
    const { profile } = importCommandLine(SEED);
    await expect(manager.save(profile)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const allowed = importCommandLine(SEED, { allowLan: true });
    expect(allowed.warnings).toEqual([]);
    await expect(manager.save(allowed.profile)).resolves.toMatchObject({ name: allowed.profile.name });
    manager.dispose();
  });

  it('reports unknown options instead of dropping them, and uses Drover keepalive defaults when none is set', () => {
    const { profile, warnings } = importCommandLine('ssh -A -o ProxyCommand="nc %h %p" -L 8080:web:80 ops@jump');
    expect(warnings.map((w) => w.option).join(' ')).toMatch(/-A/);
    expect(warnings.map((w) => w.option).join(' ')).toMatch(/ProxyCommand/);
    expect(profile.keepalive).toEqual({ intervalSec: 5, countMax: 2 });
  });

  it('refuses a command line with no forward, naming why', () => {
    expect(() => importCommandLine('ssh ops@host')).toThrow(/no -L, -R or -D/);
  });
});

describe('importing ~/.ssh/config hosts', () => {
  it('resolves concrete aliases with HostName, User, Port, IdentityFile, ProxyJump, forwards and ServerAlive*', async () => {
    const home = await tmp();
    const file = path.join(home, 'config');
    await writeFile(
      file,
      [
        'Host edge',
        '  HostName edgegw01.example.net',
        '  User svc',
        '  Port 2222',
        '  IdentityFile ~/.ssh/id_edge',
        '  ProxyJump bastion',
        '  LocalForward 127.0.0.1:9092 10.0.0.5:9092',
        '  DynamicForward 1080',
        '  ServerAliveInterval 10',
        '  ServerAliveCountMax 3',
        '  ForwardAgent yes',
        'Host bastion',
        '  HostName 10.0.0.2',
        '  User ops',
        '  Port 2200',
        'Host *.lan',
        '  User root',
        'Host plain',
        '  HostName 192.0.2.10',
      ].join('\n'),
    );
    const result = await importSshConfigHosts({ file, homeDir: home, user: 'me' });
    expect(result.hosts.map((h) => h.alias)).toEqual(['edge', 'bastion', 'plain']);
    const edge = result.hosts[0]!;
    expect(edge.target).toMatchObject({ host: 'edgegw01.example.net', user: 'svc', port: 2222, identityFiles: [path.join(home, '.ssh', 'id_edge')] });
    // The jump host is looked up in the config too, as ssh does.
    expect(edge.jumps).toEqual([expect.objectContaining({ host: '10.0.0.2', user: 'ops', port: 2200 })]);
    expect(edge.warnings.map((w) => w.option)).toContain('ForwardAgent');
    expect(edge.keepalive).toEqual({ intervalSec: 10, countMax: 3 });
    expect(edge.forwards).toEqual([
      expect.objectContaining({ kind: 'local', bindAddress: '127.0.0.1', bindPort: 9092, destHost: '10.0.0.5', destPort: 9092 }),
      expect.objectContaining({ kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 1080 }),
    ]);
    expect(result.hosts[2]!.target).toMatchObject({ host: '192.0.2.10', user: 'me', port: 22 });
  });
});

describe('tunnel profiles on disk', () => {
  it('round-trips profiles and keeps a corrupt file aside', async () => {
    const dir = await tmp();
    const store = new TunnelProfileStore(dir);
    const { profile } = importCommandLine('ssh -L 9092:kafka:9092 svc@edge');
    await store.save([profile]);
    expect((await store.load()).items).toEqual([profile]);
    await writeFile(store.file, '{ not json');
    const loaded = await store.load();
    expect(loaded.items).toEqual([]);
    expect(loaded.notices[0]!.message).toMatch(/kept as tunnels\.json\.corrupt-/);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).some((f) => f.startsWith('tunnels.json.corrupt-'))).toBe(true);
  });
});

describe('headless log lines', () => {
  it('logs state changes with cause and hint, and forward changes, not counters', () => {
    const base = {
      profileId: 'p',
      route: 'svc@edge:22',
      seq: 1,
      forwards: [{ id: 'f1', kind: 'local' as const, label: '-L 127.0.0.1:9092 → kafka:9092', state: 'up' as const, exposesLan: false, activeConnections: 0, totalConnections: 0, failedConnections: 0, bytesIn: 0, bytesOut: 0 }],
    };
    const up = { ...base, state: 'up' as const };
    expect(describeStatusChange('edge', undefined, up)).toEqual(['tunnel edge: up via svc@edge:22', '  forward -L 127.0.0.1:9092 → kafka:9092: up']);
    expect(describeStatusChange('edge', up, { ...up, seq: 2, forwards: [{ ...base.forwards[0]!, bytesIn: 500 }] })).toEqual([]);
    const failed = {
      ...base,
      state: 'failed' as const,
      error: { code: 'AUTH_FAILED' as const, message: 'login rejected', hint: 'check the key' },
      forwards: [{ ...base.forwards[0]!, state: 'failed' as const, lastError: { code: 'AUTH_FAILED' as const, message: 'login rejected' } }],
    };
    expect(describeStatusChange('edge', up, failed)).toEqual(['tunnel edge: failed: login rejected', '  hint: check the key', '  forward -L 127.0.0.1:9092 → kafka:9092: failed: login rejected']);
  });
});

describe('profile rules', () => {
  it('refuses a second profile with the same name or the same listen address, naming the other', async () => {
    const manager = new TunnelManager({ pool: offlinePool() });
    const a = importCommandLine('ssh -L 127.0.0.1:9092:kafka:9092 svc@edge').profile;
    await manager.save({ ...a, id: 'a', name: 'edge kafka' });
    await expect(manager.save({ ...a, id: 'b', name: 'Edge Kafka', forwards: [{ ...a.forwards[0]!, bindPort: 9093 }] })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringMatching(/named "edge kafka"/),
    });
    await expect(manager.save({ ...a, id: 'c', name: 'other' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringMatching(/127\.0\.0\.1:9092 is already the listen address of tunnel "edge kafka"/),
    });
    // All interfaces clash with loopback on the same port; another port does not.
    await expect(manager.save({ ...a, id: 'd', name: 'any', forwards: [{ ...a.forwards[0]!, bindAddress: '0.0.0.0', allowLan: true }] })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(manager.save({ ...a, id: 'e', name: 'fine', forwards: [{ ...a.forwards[0]!, bindPort: 9094 }] })).resolves.toMatchObject({ id: 'e' });
    // Saving the same profile again (an edit) is fine.
    await expect(manager.save({ ...a, id: 'a', name: 'edge kafka' })).resolves.toMatchObject({ id: 'a' });
    manager.dispose();
  });
});
