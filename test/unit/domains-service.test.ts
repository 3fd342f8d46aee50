import { readFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { DomainLiveSchema, domainKey, DomainRowSchema, migrationUri, splitDomainKey, type DomainHostConfig, type DomainLiveData } from '../../main/contract/domains';
import { AppError } from '../../main/contract/errors';
import { applyLive, type LiveUpdate, type SourceHealth } from '../../main/contract/live';
import type { VirshExec } from '../../main/domains/domain-collector';
import { DomainHostStore } from '../../main/domains/domain-host-store';
import { DomainsService } from '../../main/domains/domains-service';
import type { HostRunner } from '../../main/domains/host-runner';
import type { HostOutcome } from '../../main/ssh/run-on-hosts';
import { makeTempDir, type TempDir } from '../harness/tmp';
import { flushMicrotasks, ManualClock } from '../support/manual-clock';

// The service with a scripted host runner (no SSH) and a manual clock: the stream's two
// collections, each host's own health and where it fails, persistence, actions and bulk.

const CAPTURED = (f: string) => readFileSync(fileURLToPath(new URL(`../fixtures/virsh/captured-9.0/${f}`, import.meta.url)), 'utf8');

interface FakeDomain {
  name: string;
  id: number | null;
  state: 1 | 3 | 5;
}

/** A virsh that answers the collector's batch from a table of domains, and runs actions on it. */
function fakeVirsh(domains: Map<string, FakeDomain>, log: string[][]): VirshExec {
  let nextId = 10;
  return async (argv) => {
    log.push(argv);
    const rest = argv.slice(6);
    if (rest.length === 1) {
      // A batch: `echo MARK; cmd; echo MARK; …`
      let stdout = '';
      for (const c of rest[0]!.split('; ')) {
        const words = c.split(' ');
        if (words[0] === 'echo') stdout += `${words[1]}\n`;
        else if (c === 'list --all --id --uuid --name') stdout += [...domains].map(([u, d]) => `${u} ${d.id ?? '-'} ${d.name}`).join('\n') + '\n';
        else if (c.startsWith('list --all --')) stdout += '\n';
        else if (c.startsWith('domstats')) {
          stdout += [...domains]
            .map(([, d]) =>
              [`Domain: '${d.name}'`, `  state.state=${d.state}`, '  state.reason=1', ...(d.state === 5 ? [] : ['  cpu.time=1000000000', '  balloon.rss=1024']), '  balloon.current=1048576', '  balloon.maximum=1048576', '  vcpu.current=2', '  vcpu.maximum=2'].join('\n'),
            )
            .join('\n\n');
          stdout += '\n';
        }
      }
      return { code: 0, stdout, stderr: '' };
    }
    // One action: virsh -c URI <action> [options] -- <domain> [...]
    const action = rest[0]!;
    const dash = rest.indexOf('--');
    const target = rest[dash + 1]!;
    const d = domains.get(target) ?? [...domains.values()].find((x) => x.name === target);
    if (!d) return { code: 1, stdout: '', stderr: `error: failed to get domain '${target}'\n` };
    if (action === 'suspend') {
      if (d.state !== 1) return { code: 1, stdout: '', stderr: 'error: Failed to suspend domain \'x\'\nerror: Requested operation is not valid: domain is not running\n' };
      d.state = 3;
      return { code: 0, stdout: `Domain '${target}' suspended\n`, stderr: '' };
    }
    if (action === 'start') {
      d.state = 1;
      d.id = nextId++;
      return { code: 0, stdout: `Domain '${target}' started\n`, stderr: '' };
    }
    return { code: 1, stdout: '', stderr: `error: unknown command: '${action}'\n` };
  };
}

type Script = { exec?: VirshExec; fail?: AppError; timedOut?: boolean };

function fakeRunner(script: Record<string, Script>) {
  const holds: string[] = [];
  const released: string[] = [];
  const runs: string[] = [];
  const runner: HostRunner = {
    hold(host) {
      holds.push(host.id);
      return { retryNow: () => runs.push(`retry:${host.id}`), dispose: () => released.push(host.id) };
    },
    async run<R>(host: DomainHostConfig, work: (exec: VirshExec, signal: AbortSignal) => Promise<R>): Promise<HostOutcome<R>> {
      runs.push(host.id);
      const s = script[host.id] ?? {};
      const base = { route: `${host.target.user}@${host.target.host}:${host.target.port}`, host: `${host.target.user}@${host.target.host}:${host.target.port}`, index: 0, durationMs: 1 };
      if (s.fail) return { ...base, ok: false, error: s.fail, timedOut: s.timedOut ?? false };
      return { ...base, ok: true, value: await work(s.exec!, new AbortController().signal) };
    },
  };
  return { runner, holds, released, runs };
}

/** Subscribes like the transport does and keeps the applied state (every frame checked against the schema). */
function watch(service: DomainsService) {
  let data: DomainLiveData = { hosts: {}, domains: {} };
  let health: SourceHealth | undefined;
  const frames: LiveUpdate[] = [];
  const ctrl = new AbortController();
  const sink: Sink<LiveUpdate> = {
    next(frame) {
      DomainLiveSchema.parse(frame);
      frames.push(frame);
      if (frame.t === 'snapshot') {
        data = frame.data as DomainLiveData;
        health = frame.health;
      } else {
        data = applyLive(data, frame.changes);
        if (frame.health) health = frame.health;
      }
    },
    end: () => undefined,
    signal: ctrl.signal,
    bufferedBytes: () => 0,
  };
  const sub = service.subscribe(sink);
  return {
    frames,
    get data() {
      return data;
    },
    get health() {
      return health;
    },
    dispose: () => {
      sub.dispose();
      ctrl.abort();
    },
  };
}

const A = 'kvm-a';
const B = 'kvm-b';
const RIG = '870e8c59-aff9-47e4-894a-7a17c5f2b1f3';
const PXE = '8cdd9478-5a12-4744-8a1e-1941eb7e0d81';
const HOSTILE = '3f5e4d1c-0000-4000-8000-00000000000a';

let tmp: TempDir;
let clock: ManualClock;

/** Every pending promise (the fakes do no I/O) runs to its end. */
const drain = () => new Promise<void>((r) => setImmediate(r));

/** Moves the clock in 50 ms steps, letting every round and flush finish in between. */
async function tick(ms: number): Promise<void> {
  await drain();
  for (let t = 0; t < ms; t += 50) {
    await clock.advance(Math.min(50, ms - t));
    await drain();
  }
}

beforeEach(async () => {
  tmp = await makeTempDir('drover-domains-unit-');
  clock = new ManualClock();
});

afterEach(async () => {
  await tmp.remove();
});

function hostInput(id: string, extra: Partial<DomainHostConfig> = {}) {
  return { id, name: id.toUpperCase(), target: { host: '10.0.0.5', user: 'root' }, uri: 'qemu:///system', pollIntervalSec: 5, ...extra };
}

describe('DomainsService', () => {
  it('publishes every host’s rows keyed host/uuid and each host’s own health; a failing host does not take the stream down', async () => {
    const log: string[][] = [];
    const domsA = new Map<string, FakeDomain>([
      [RIG, { name: 'gpu-rig-01', id: 3, state: 1 }],
      [PXE, { name: 'pxe-test', id: null, state: 5 }],
      [HOSTILE, { name: "x'; touch pwned #", id: 4, state: 1 }],
    ]);
    const fake = fakeRunner({ [A]: { exec: fakeVirsh(domsA, log) }, [B]: { fail: new AppError('UNAVAILABLE', 'root@10.0.0.6:22: connection refused', { hint: 'is sshd running?' }) } });
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock });
    await service.init();
    await service.saveHost(hostInput(A));
    await service.saveHost(hostInput(B, { target: { host: '10.0.0.6', user: 'root', port: 22 } }));
    // Nobody watches yet: nothing is polled, no connection held.
    await tick(20_000);
    expect(fake.runs).toEqual([]);
    expect(fake.holds).toEqual([]);

    const w = watch(service);
    await tick(300);
    expect(fake.holds.sort()).toEqual([A, B]);
    expect(Object.keys(w.data.domains).sort()).toEqual([domainKey(A, HOSTILE), domainKey(A, PXE), domainKey(A, RIG)].sort());
    expect(w.data.domains[domainKey(A, RIG)]).toMatchObject({ hostId: A, name: 'gpu-rig-01', state: 'running', vcpus: 2 });
    expect(w.data.domains[domainKey(A, HOSTILE)]!.name).toBe("x'; touch pwned #");
    for (const row of Object.values(w.data.domains)) expect(DomainRowSchema.parse(row)).toEqual(row);
    expect(w.data.hosts[A]).toMatchObject({ failure: null, domainCount: 3, calls: 1, route: 'root@10.0.0.5:22', health: { state: 'live', dataAtMs: clock.now() - 300 } });
    expect(w.data.hosts[B]).toMatchObject({ failure: 'ssh', domainCount: null, health: { state: 'down', cause: { code: 'UNAVAILABLE', message: 'root@10.0.0.6:22: connection refused', hint: 'is sshd running?' } } });
    expect(w.health?.state).toBe('live');
    expect(splitDomainKey(domainKey(A, RIG))).toEqual({ hostId: A, uuid: RIG });

    // The next round comes one interval after the previous one ended; unchanged rows send nothing.
    const before = w.frames.length;
    const runs = fake.runs.length;
    await tick(5_000);
    expect(fake.runs.length).toBe(runs + 2);
    const diffs = w.frames.slice(before).filter((f) => f.t === 'diff');
    for (const f of diffs) if (f.t === 'diff') expect(Object.keys(f.changes.domains?.patch ?? {}).every((k) => k.startsWith(`${A}/`))).toBe(true);
    w.dispose();
    await service.disposeAsync();
    expect(fake.released.sort()).toEqual([A, B]);
    expect(clock.pending).toBe(0);
  });

  it('says where a host fails: libvirtd unreachable and permission denied are libvirt (virsh’s text), a timeout waiting for a host key is the host key', async () => {
    const refused: VirshExec = async () => ({ code: 1, stdout: '', stderr: CAPTURED('error.connect.stderr.txt') });
    const denied: VirshExec = async () => ({ code: 1, stdout: '', stderr: CAPTURED('error.connect-permission.stderr.txt') });
    const fake = fakeRunner({
      a: { exec: refused },
      b: { exec: denied },
      c: { fail: new AppError('TIMEOUT', 'root@10.0.0.7:22: no answer within 15 s'), timedOut: true },
      d: { fail: new AppError('TIMEOUT', 'root@10.0.0.8:22: no answer within 15 s'), timedOut: true },
      // The channel closed without an exit status (sshd went away in the middle of the batch).
      e: { exec: async () => ({ code: null, stdout: '', stderr: '' }) },
    });
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock, hostKeys: { pending: () => [{ host: '10.0.0.7', port: 22 }] } });
    await service.init();
    await service.saveHost(hostInput('a'));
    await service.saveHost(hostInput('b'));
    await service.saveHost(hostInput('c', { target: { host: '10.0.0.7', user: 'root', port: 22 } }));
    await service.saveHost(hostInput('d', { target: { host: '10.0.0.8', user: 'root', port: 22 } }));
    await service.saveHost(hostInput('e', { target: { host: '10.0.0.9', user: 'root', port: 22 } }));
    const w = watch(service);
    await tick(300);
    expect(w.data.hosts.a).toMatchObject({
      failure: 'libvirt',
      health: { state: 'down', cause: { code: 'UNAVAILABLE', message: "failed to connect to the hypervisor\nFailed to connect socket to '/nonexistent/libvirt-sock': No such file or directory" } },
    });
    expect(w.data.hosts.b).toMatchObject({ failure: 'libvirt', health: { state: 'down', cause: { code: 'PERMISSION_DENIED' } } });
    expect(w.data.hosts.b!.health.cause!.message).toContain('Permission denied');
    expect(w.data.hosts.b!.health.cause!.hint).toContain('libvirt group');
    expect(w.data.hosts.c).toMatchObject({ failure: 'hostkey', health: { state: 'down', cause: { code: 'HOST_KEY_UNKNOWN', message: 'waiting for you to trust the host key of root@10.0.0.7:22' } } });
    expect(w.data.hosts.d).toMatchObject({ failure: 'timeout', health: { state: 'down', cause: { code: 'TIMEOUT' } } });
    expect(w.data.hosts.d!.health.nextAttemptAtMs).toBeGreaterThan(clock.now());
    expect(w.data.hosts.e).toMatchObject({ failure: 'ssh', health: { state: 'down', cause: { code: 'UNAVAILABLE', message: 'root@10.0.0.9:22: the SSH connection closed before virsh finished' } } });
    w.dispose();
    await service.disposeAsync();
  });

  it('an action runs by uuid as one argv element after "--" and the host is polled again at once; bulk gives one result per domain', async () => {
    const log: string[][] = [];
    const doms = new Map<string, FakeDomain>([
      [RIG, { name: 'gpu-rig-01', id: 3, state: 1 }],
      [PXE, { name: 'pxe-test', id: null, state: 5 }],
    ]);
    const fake = fakeRunner({ [A]: { exec: fakeVirsh(doms, log) } });
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock });
    await service.init();
    await service.saveHost(hostInput(A));
    const w = watch(service);
    await tick(300);
    const rounds = fake.runs.filter((r) => r === A).length;

    const r = await service.act(A, RIG, { action: 'suspend' });
    expect(r).toEqual({ domain: RIG, host: A, ok: true, output: `Domain '${RIG}' suspended`, error: null });
    expect(log.filter((a) => a.length > 7)).toEqual([['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', 'qemu:///system', 'suspend', '--', RIG]]);
    await tick(300);
    expect(w.data.domains[domainKey(A, RIG)]).toMatchObject({ state: 'paused' });
    // action + the immediate round, well before the 5 s interval.
    expect(fake.runs.filter((x) => x === A).length).toBe(rounds + 2);

    const again = await service.act(A, RIG, { action: 'suspend' });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: "Failed to suspend domain 'x'\nRequested operation is not valid: domain is not running" } });

    const events: unknown[] = [];
    const results = await service.bulk(
      [
        { hostId: A, domain: PXE },
        { hostId: 'gone', domain: RIG },
        { hostId: A, domain: 'no-such' },
      ],
      { action: 'start' },
      (e) => events.push(e),
    );
    expect(results.map((x) => [x.host, x.domain, x.ok])).toEqual([
      [A, PXE, true],
      ['gone', RIG, false],
      [A, 'no-such', false],
    ]);
    expect(results[1]!.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(results[2]!.error).toMatchObject({ code: 'NOT_FOUND', message: "failed to get domain 'no-such'" });
    expect(events).toHaveLength(3);
    await tick(300);
    expect(w.data.domains[domainKey(A, PXE)]).toMatchObject({ state: 'running', id: 10 });

    // The console runs virsh with the uuid as one argv element, like every action.
    expect(service.consoleTarget(A, RIG)).toEqual({
      target: { host: '10.0.0.5', user: 'root', port: 22 },
      jumps: [],
      command: ['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', 'qemu:///system', 'console', '--', RIG],
    });
    expect(() => service.consoleTarget(A, 'gpu-rig-01')).toThrow(/uuid/);
    await expect(service.act('nope', RIG, { action: 'start' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    w.dispose();
    await service.disposeAsync();
    expect(clock.pending).toBe(0);
  });

  it('hosts persist in domains.json; a saved host restarts its watcher; a removed one takes its rows along', async () => {
    const doms = new Map<string, FakeDomain>([[RIG, { name: 'gpu-rig-01', id: 3, state: 1 }]]);
    const fake = fakeRunner({ [A]: { exec: fakeVirsh(doms, []) } });
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock });
    await service.init();
    const created = await service.saveHost({ name: 'KVM east 1', target: { host: 'kvm-east-1', user: 'ops' }, jumps: [{ host: 'bastion', user: 'jump', port: 2222 }] });
    expect(created).toMatchObject({ name: 'KVM east 1', uri: 'qemu:///system', pollIntervalSec: 5, target: { port: 22 } });
    expect(created.id).toMatch(/^kvm-east-1-[0-9a-f]{6}$/);
    const file = JSON.parse(await fsp.readFile(path.join(tmp.path, 'domains.json'), 'utf8')) as { version: number; hosts: DomainHostConfig[] };
    expect(file).toEqual({ version: 1, hosts: [created] });
    await expect(service.saveHost({ name: 'bad', target: { host: 'a b', user: 'root' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(service.saveHost({ name: 'bad uri', target: { host: 'h', user: 'root' }, uri: 'not a uri' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    await service.saveHost(hostInput(A));
    const w = watch(service);
    await tick(300);
    expect(w.data.hosts[created.id]!.route).toBe('jump@bastion:2222 > ops@kvm-east-1:22');
    expect(Object.keys(w.data.domains)).toEqual([domainKey(A, RIG)]);
    await service.saveHost({ ...hostInput(A), name: 'renamed', pollIntervalSec: 2 });
    expect(fake.released).toEqual([A]);
    await tick(300);
    expect(w.data.hosts[A]!.config).toMatchObject({ name: 'renamed', pollIntervalSec: 2 });
    expect(Object.keys(w.data.domains)).toEqual([domainKey(A, RIG)]);
    await service.removeHost(A);
    await tick(300);
    expect(w.data.hosts[A]).toBeUndefined();
    expect(w.data.domains).toEqual({});
    w.dispose();
    await service.disposeAsync();

    const reloaded = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock });
    await reloaded.init();
    expect(reloaded.listHosts()).toEqual([created]);
    await reloaded.disposeAsync();
  });

  it('a corrupt domains.json is kept aside with a notice, and Drover starts with no hosts', async () => {
    await fsp.writeFile(path.join(tmp.path, 'domains.json'), '{"version":1,"hosts":[{"id":"x"}]}');
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fakeRunner({}).runner, clock });
    const notices = await service.init();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', key: 'domains.keptAside' });
    expect(service.listHosts()).toEqual([]);
    expect((await fsp.readdir(tmp.path)).some((f) => f.startsWith('domains.json.corrupt'))).toBe(true);
    await service.disposeAsync();
  });

  it('a refresh during a round polls once more right after it', async () => {
    let release: (() => void) | undefined;
    const doms = new Map<string, FakeDomain>([[RIG, { name: 'gpu-rig-01', id: 3, state: 1 }]]);
    const inner = fakeVirsh(doms, []);
    const slow: VirshExec = async (argv, signal) => {
      await new Promise<void>((r) => (release = r));
      return inner(argv, signal);
    };
    const fake = fakeRunner({ [A]: { exec: slow } });
    const service = new DomainsService({ store: new DomainHostStore(tmp.path, clock), runner: fake.runner, clock });
    await service.init();
    await service.saveHost(hostInput(A));
    const w = watch(service);
    await flushMicrotasks();
    expect(fake.runs).toEqual([A]);
    service.refresh(A);
    doms.get(RIG)!.state = 3;
    release!();
    await tick(50);
    expect(fake.runs).toEqual([A, A]);
    release!();
    await tick(300);
    expect(w.data.domains[domainKey(A, RIG)]).toMatchObject({ state: 'paused' });
    w.dispose();
    await service.disposeAsync();
  });
});

describe('migrationUri', () => {
  it('builds the source host’s view of the target: driver+ssh, the target’s login and its URI path and query', () => {
    expect(migrationUri({ target: { user: 'root', host: 'kvm-b', port: 22 }, uri: 'qemu:///system' })).toBe('qemu+ssh://root@kvm-b/system');
    expect(migrationUri({ target: { user: 'ops', host: '10.0.0.9', port: 2222 }, uri: 'qemu:///session' })).toBe('qemu+ssh://ops@10.0.0.9:2222/session');
    expect(migrationUri({ target: { user: 'root', host: 'fe80::1', port: 22 }, uri: 'qemu+tcp://localhost/system' })).toBe('qemu+ssh://root@[fe80::1]/system');
    expect(migrationUri({ target: { user: 'root', host: '127.0.0.1', port: 40022 }, uri: 'test+unix:///default?socket=/tmp/x/libvirt-sock' })).toBe('test+ssh://root@127.0.0.1:40022/default?socket=/tmp/x/libvirt-sock');
    expect(migrationUri({ target: { user: 'root', host: 'h', port: 22 }, uri: 'qemu://' })).toBe('qemu+ssh://root@h/system');
  });
});
