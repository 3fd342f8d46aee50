import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainHostConfigSchema, DomainRowSchema, type DomainRow } from '../../main/contract/domains';
import { collectDomainDetails, collectDomains, runBulk, runDomainAction, type DomainRound, type VirshExec } from '../../main/domains/domain-collector';
import { parseDomblklist, parseDomiflist } from '../../main/domains/parse/device-lists';
import { parseDomblkstat, parseDomifstat } from '../../main/domains/parse/device-stats';
import { parseDominfo } from '../../main/domains/parse/dominfo';
import { parseDommemstat } from '../../main/domains/parse/dommemstat';
import { parseDomstate } from '../../main/domains/parse/domstate';
import { parseDomstats } from '../../main/domains/parse/domstats';
import { parseBareList, parseDomainList, parseUuidSet } from '../../main/domains/parse/list';
import { parseSnapshotList } from '../../main/domains/parse/snapshot-list';
import { parseVcpuinfo } from '../../main/domains/parse/vcpuinfo';
import {
  consoleArgv,
  domblklistArgv,
  domblkstatArgv,
  domiflistArgv,
  domifstatArgv,
  dominfoArgv,
  dommemstatArgv,
  domstateArgv,
  domstatsArgv,
  listArgv,
  snapshotListArgv,
  vcpuinfoArgv,
} from '../../main/domains/virsh-argv';
import type { Ssh2Connection } from '../../main/ssh/ssh-connection';
import { isPidAlive, makeTempDir, startLibvirtd, startSshd, type LibvirtdHandle, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

// Real virsh (libvirt 9.0 here) over a real sshd against the harness's unprivileged libvirtd
// (test driver, state kept between calls). Every remote command goes through Ssh2Connection.exec,
// i.e. the argv is POSIX-quoted and run by the login shell, exactly as on a KVM host.

const HOSTILE_MARK = randomBytes(4).toString('hex');
/** Names that would create a file in the SSH user's home (the remote cwd) if a shell ever read them. */
const MARKER_NAMES = [`drover-marker-${HOSTILE_MARK}`, `drover-marker2-${HOSTILE_MARK}`];
const EXTRA = [
  { name: `$(touch ${MARKER_NAMES[0]})`, state: 'running' as const },
  { name: `x'; touch ${MARKER_NAMES[1]} #`, state: 'shut off' as const },
];
const HOME = os.homedir();

let tmp: TempDir;
let sshd: SshdHandle;
let lv: LibvirtdHandle;
let lv2: LibvirtdHandle;
let stack: SshStack;
let conn: Ssh2Connection;
let exec: VirshExec;
let rebootCalled: string;
let uri: string;
const host = DomainHostConfigSchema.parse({ id: 'kvm-a', name: 'KVM A', target: { host: '127.0.0.1', user: 'placeholder' } });

const uuidOf = (name: string): string => {
  const d = lv.domains.find((x) => x.name === name);
  if (!d) throw new Error(`no lab domain ${name}`);
  return d.uuid;
};

async function round(previous?: DomainRound): Promise<DomainRound> {
  const r = await collectDomains(exec, host, uri, previous, Date.now());
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  expect(r.problems).toEqual([]);
  // What crosses the transport later must fit the contract.
  for (const x of Object.values(r.rows)) expect(DomainRowSchema.parse(x)).toEqual(x);
  return r;
}

async function row(name: string): Promise<DomainRow> {
  const r = await round();
  const found = r.rows[uuidOf(name)];
  if (!found) throw new Error(`${name} is not in the round`);
  return found;
}

/** Runs a read through SSH and returns its stdout (it must succeed). */
async function read(argv: string[]): Promise<string> {
  const r = await conn.exec(argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function markersPresent(): string[] {
  const found: string[] = [];
  for (const dir of [HOME, process.cwd(), lv.dir, path.join(lv.dir, 'home')]) {
    for (const f of readdirSync(dir)) if (f === 'pwned' || MARKER_NAMES.includes(f)) found.push(path.join(dir, f));
  }
  if (existsSync(rebootCalled)) found.push(rebootCalled);
  return found;
}

beforeAll(async () => {
  tmp = await makeTempDir('drover-domains-');
  // A fake `reboot` first in the remote PATH: if `$(reboot)` were ever expanded, it leaves a mark
  // (and the real one, in /usr/sbin, is not in this PATH at all).
  const fakebin = path.join(tmp.path, 'fakebin');
  rebootCalled = path.join(tmp.path, 'reboot-called');
  await fsp.mkdir(fakebin);
  await fsp.writeFile(path.join(fakebin, 'reboot'), `#!/bin/sh\necho "reboot $*" >> '${rebootCalled}'\n`, { mode: 0o755 });
  sshd = await startSshd({ extraConfig: [`SetEnv PATH=${fakebin}:/usr/local/bin:/usr/bin:/bin`] });
  [lv, lv2] = await Promise.all([startLibvirtd({ extraDomains: EXTRA }), startLibvirtd({ lab: false, extraDomains: [{ name: 'kvm-b-resident', state: 'running' }] })]);
  uri = lv.uri;
  stack = sshStack(sshd, tmp.path);
  conn = await stack.connection();
  exec = async (argv, signal) => {
    const r = await conn.exec(argv, { signal });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  };
});

afterAll(async () => {
  stack?.dispose();
  const pids = [lv?.pid, lv?.keeperPid, lv2?.pid, lv2?.keeperPid].filter((p): p is number => typeof p === 'number' && p > 0);
  await lv?.stop();
  await lv2?.stop();
  await sshd?.stop();
  for (const pid of pids) expect(isPidAlive(pid)).toBe(false);
  expect(existsSync(lv?.dir ?? '/nonexistent-dir')).toBe(false);
  await tmp?.remove();
});

describe('domains over SSH against libvirt’s test driver', () => {
  it('the canary is armed: the remote shell finds the fake reboot, and no marker exists yet', async () => {
    expect(markersPresent()).toEqual([]);
    const r = await conn.exec(['reboot', 'canary']);
    expect(r.code).toBe(0);
    expect(await fsp.readFile(rebootCalled, 'utf8')).toBe('reboot canary\n');
    await fsp.rm(rebootCalled);
    const env = await conn.exec(['sh', '-c', 'command -v reboot']);
    expect(env.stdout.trim()).toBe(path.join(tmp.path, 'fakebin', 'reboot'));
  });

  it('one round lists every lab domain with its state, in two remote calls', async () => {
    const r = await round();
    // The test driver's domstats has only state.*, so dominfo/dommemstat by uuid fill the rest.
    expect(r.calls).toBe(2);
    expect(Object.keys(r.rows).sort()).toEqual(lv.domains.map((d) => d.uuid).sort());
    for (const d of lv.domains) {
      const got = r.rows[d.uuid]!;
      expect(got.name).toBe(d.name);
      expect(got.state).toBe(d.state);
      expect(got.persistent).toBe(!d.transient);
      expect(got.managedSave).toBe(d.managedSave);
      expect(got.id === null).toBe(d.state === 'shut off');
      expect(got.vcpus).toBeGreaterThan(0);
      expect(got.memoryKiB).toBeGreaterThan(0);
    }
    expect(r.rows[uuidOf('gpu-rig-01')]).toMatchObject({ vcpus: 6, memoryKiB: 16777216, memoryMaxKiB: 16777216, reason: 'booted', memoryUsedKiB: 8388608, memoryRssKiB: 8388608 });
    expect(r.rows[uuidOf('gpu-rig-02')]).toMatchObject({ state: 'paused', reason: 'user' });
    expect(r.rows[uuidOf('win11-monitor')]).toMatchObject({ state: 'shut off', reason: 'saved', managedSave: true });
    expect(r.rows[uuidOf('build-scratch')]).toMatchObject({ persistent: false, state: 'running' });
    expect(r.rows[uuidOf('pxe-test')]).toMatchObject({ memoryUsedKiB: null });
    expect(r.rows[uuidOf('矿机-07')]).toMatchObject({ name: '矿机-07', state: 'paused' });
  });

  it('the stateless test:///…/lab.xml URI gives the same lab', async () => {
    const r = await collectDomains(exec, host, lv.labUri, undefined, Date.now());
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    const names = Object.values(r.rows).map((x) => x.name).sort();
    expect(names).toEqual(lv.domains.filter((d) => !EXTRA.some((e) => e.name === d.name)).map((d) => d.name).sort());
  });

  it('parses every real output it reads (tables, bare lists, dominfo, domstate, dommemstat, vcpuinfo, domstats, devices)', async () => {
    const table = parseDomainList(await read(listArgv(uri)));
    expect(table.problems).toEqual([]);
    expect(table.value.map((d) => d.name).sort()).toEqual(lv.domains.map((d) => d.name).sort());
    for (const d of lv.domains) expect(table.value.find((x) => x.name === d.name)?.stateCode).toBe(d.state === 'running' ? 1 : d.state === 'paused' ? 3 : 5);
    const saved = parseDomainList(await read(listArgv(uri, { managedSave: true })));
    expect(saved.value.filter((d) => d.managedSave).map((d) => d.name)).toEqual(['win11-monitor']);
    const bare = parseBareList(await read(listArgv(uri, { id: true, uuid: true, name: true })), { id: true, uuid: true, name: true });
    expect(bare.problems).toEqual([]);
    expect(bare.value.map((d) => d.uuid).sort()).toEqual(lv.domains.map((d) => d.uuid).sort());
    expect(parseBareList(await read(listArgv(uri, { name: true })), { name: true }).value.map((d) => d.name).sort()).toEqual(lv.domains.map((d) => d.name).sort());
    expect([...parseUuidSet(await read(listArgv(uri, { transient: true, uuid: true }))).value]).toEqual([uuidOf('build-scratch')]);

    const stats = parseDomstats(await read(domstatsArgv(uri, { nowait: true })));
    expect(stats.problems).toEqual([]);
    expect(stats.value.map((s) => s.name).sort()).toEqual(lv.domains.map((d) => d.name).sort());

    // Four domains at a time (sshd allows ten sessions per connection), each domain's reads in order.
    const checkDomain = async (d: (typeof lv.domains)[number]) => {
      const info = parseDominfo(await read(dominfoArgv(uri, d.name)));
      expect(info.problems).toEqual([]);
      expect(info.value).toMatchObject({ name: d.name, uuid: d.uuid, state: d.state, persistent: !d.transient, managedSave: d.managedSave });
      const st = parseDomstate(await read(domstateArgv(uri, d.name)));
      expect(st.problems).toEqual([]);
      expect(st.value?.state).toBe(d.state);
      for (const pretty of [false, true]) {
        const v = parseVcpuinfo(await read(vcpuinfoArgv(uri, d.name, pretty)));
        expect(v.problems).toEqual([]);
        expect(v.value.length).toBe(info.value.vcpus);
      }
      const blk = parseDomblklist(await read(domblklistArgv(uri, d.name)));
      expect(blk.problems).toEqual([]);
      const ifs = parseDomiflist(await read(domiflistArgv(uri, d.name)));
      expect(ifs.problems).toEqual([]);
      if (d.state !== 'shut off') {
        const mem = parseDommemstat(await read(dommemstatArgv(uri, d.name)));
        expect(mem.problems).toEqual([]);
        for (const b of blk.value) {
          const s = parseDomblkstat(await read(domblkstatArgv(uri, d.name, b.target)));
          expect(s.problems).toEqual([]);
          expect(s.value.device).toBe(b.target);
          expect(s.value.stats.rd_bytes).toBeGreaterThan(0);
        }
        for (const i of ifs.value) {
          const s = parseDomifstat(await read(domifstatArgv(uri, d.name, i.name!)));
          expect(s.problems).toEqual([]);
          expect(s.value.stats.rx_bytes).toBeGreaterThan(0);
        }
      }
    };
    for (let i = 0; i < lv.domains.length; i += 4) await Promise.all(lv.domains.slice(i, i + 4).map(checkDomain));
  });

  it('hostile names are names and nothing else: actions by name work, no marker appears, $(reboot) never runs', async () => {
    const byName = async (action: Parameters<typeof runDomainAction>[2], name: string) => {
      const r = await runDomainAction(exec, uri, action, name, {} as never);
      expect(r, `${action} ${name}`).toMatchObject({ ok: true, error: null });
      return r;
    };
    // $(reboot): paused in the lab.
    expect((await byName('resume', '$(reboot)')).output).toBe("Domain '$(reboot)' resumed");
    expect(await row('$(reboot)')).toMatchObject({ state: 'running', reason: 'unpaused' });
    await byName('suspend', '$(reboot)');
    expect(await row('$(reboot)')).toMatchObject({ state: 'paused', reason: 'user' });
    // x'; touch pwned #: shut off in the lab.
    expect((await byName('start', "x'; touch pwned #")).output).toBe("Domain 'x'; touch pwned #' started");
    expect(parseDominfo(await read(dominfoArgv(uri, "x'; touch pwned #"))).value.name).toBe("x'; touch pwned #");
    expect(await row("x'; touch pwned #")).toMatchObject({ state: 'running' });
    await byName('destroy', "x'; touch pwned #");
    // -rf and "a b".
    await byName('start', '-rf');
    expect(await row('-rf')).toMatchObject({ state: 'running' });
    await byName('destroy', '-rf');
    await byName('suspend', 'a b');
    expect(await row('a b')).toMatchObject({ state: 'paused' });
    await byName('resume', 'a b');
    // The marker-carrying extras, all in one bulk run by name.
    const results = await runBulk(
      EXTRA.map((e) => ({ host: host.id, exec, uri, domain: e.name })),
      'autostart-enable',
      {},
      { concurrency: 2 },
    );
    expect(results.map((r) => [r.domain, r.ok])).toEqual(EXTRA.map((e) => [e.name, true]));
    const r = await round();
    for (const e of EXTRA) expect(r.rows[uuidOf(e.name)]).toMatchObject({ name: e.name, autostart: true });
    await runBulk(EXTRA.map((e) => ({ host: host.id, exec, uri, domain: e.name })), 'autostart-disable', {});
    expect(markersPresent()).toEqual([]);
  });

  it('lifecycle by uuid: suspend, resume, destroy, start, reboot, reset, shutdown — each seen by the next round', async () => {
    const rig = uuidOf('gpu-rig-01');
    const act = async (action: Parameters<typeof runDomainAction>[2]) => {
      const r = await runDomainAction(exec, uri, action, rig, {} as never);
      expect(r, action).toMatchObject({ ok: true, error: null });
    };
    const first = await round();
    expect(first.rows[rig]).toMatchObject({ state: 'running', runningSinceMs: null });
    await act('suspend');
    const paused = await round(first);
    expect(paused.rows[rig]).toMatchObject({ state: 'paused', stateCode: 3, reason: 'user', reasonCode: 1 });
    await act('resume');
    expect((await round(paused)).rows[rig]).toMatchObject({ state: 'running', reason: 'unpaused' });
    await act('destroy');
    const off = await round(paused);
    expect(off.rows[rig]).toMatchObject({ state: 'shut off', reason: 'destroyed', id: null, cpuPercent: null, runningSinceMs: null });
    await act('start');
    const before = Date.now();
    const on = await round(off);
    expect(on.rows[rig]).toMatchObject({ state: 'running', reason: 'booted' });
    expect(on.rows[rig]!.id).not.toBeNull();
    // It was off in the previous round: Drover saw it start.
    expect(on.rows[rig]!.runningSinceMs).toBeGreaterThanOrEqual(before);
    await act('reboot');
    await act('reset');
    expect((await round(on)).rows[rig]).toMatchObject({ state: 'running', runningSinceMs: on.rows[rig]!.runningSinceMs });
    await act('shutdown');
    expect((await round(on)).rows[rig]).toMatchObject({ state: 'shut off', reason: 'shutdown' });
    await act('start');
    // Wrong-state actions surface virsh's own text.
    const again = await runDomainAction(exec, uri, 'start', rig, {});
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'Domain is already active' } });
  });

  it('snapshots: create (with a dash name and a description), list, revert, delete', async () => {
    const vm = uuidOf('boost-market');
    const create = await runDomainAction(exec, uri, 'snapshot-create', vm, { name: 'pre-upgrade', description: '--before the upgrade' });
    expect(create).toMatchObject({ ok: true, output: 'Domain snapshot pre-upgrade created' });
    expect((await runDomainAction(exec, uri, 'snapshot-create', vm, { name: '-second' })).ok).toBe(true);
    const dup = await runDomainAction(exec, uri, 'snapshot-create', vm, { name: 'pre-upgrade' });
    expect(dup.ok).toBe(false);
    const list = parseSnapshotList(await read(snapshotListArgv(uri, vm, { parent: true })));
    expect(list.problems).toEqual([]);
    expect(list.value.map((s) => [s.name, s.parent, s.state])).toEqual([
      ['-second', 'pre-upgrade', 'running'],
      ['pre-upgrade', null, 'running'],
    ]);
    expect(list.value[1]!.createdAtMs).toBeGreaterThan(Date.now() - 600_000);
    const details = await collectDomainDetails(exec, host, uri, vm);
    expect(details.problems).toEqual([]);
    expect(details.snapshots.map((s) => s.name)).toEqual(['-second', 'pre-upgrade']);

    await runDomainAction(exec, uri, 'suspend', vm, {});
    const revert = await runDomainAction(exec, uri, 'snapshot-revert', vm, { name: 'pre-upgrade' });
    expect(revert).toMatchObject({ ok: true, output: 'Domain snapshot pre-upgrade reverted' });
    expect(await row('boost-market')).toMatchObject({ state: 'running', reason: 'from snapshot' });
    const missing = await runDomainAction(exec, uri, 'snapshot-revert', vm, { name: 'nosuch' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: "Domain snapshot not found: no domain snapshot with matching name 'nosuch'" } });
    for (const name of ['-second', 'pre-upgrade']) expect((await runDomainAction(exec, uri, 'snapshot-delete', vm, { name })).ok).toBe(true);
    expect(parseSnapshotList(await read(snapshotListArgv(uri, vm))).value).toEqual([]);
  });

  it('autostart toggles', async () => {
    const vm = uuidOf('lotus-daemon');
    // virsh names the domain the way it was given (here: by uuid).
    expect(await runDomainAction(exec, uri, 'autostart-enable', vm, {})).toMatchObject({ ok: true, output: `Domain '${vm}' marked as autostarted` });
    expect(await row('lotus-daemon')).toMatchObject({ autostart: true });
    expect(await runDomainAction(exec, uri, 'autostart-disable', vm, {})).toMatchObject({ ok: true, output: `Domain '${vm}' unmarked as autostarted` });
    expect(await row('lotus-daemon')).toMatchObject({ autostart: false });
  });

  it('managedsave: saved, then start; managedsave-remove', async () => {
    const vm = uuidOf('a b');
    expect(await runDomainAction(exec, uri, 'managedsave', 'a b', {})).toMatchObject({ ok: true, output: "Domain 'a b' state saved by libvirt" });
    expect(await row('a b')).toMatchObject({ state: 'shut off', reason: 'saved', managedSave: true, id: null });
    const table = parseDomainList(await read(listArgv(uri, { managedSave: true })));
    expect(table.value.find((d) => d.name === 'a b')).toMatchObject({ state: 'saved', managedSave: true });
    expect((await runDomainAction(exec, uri, 'start', vm, {})).ok).toBe(true);
    expect(await row('a b')).toMatchObject({ state: 'running', managedSave: false });
    expect((await runDomainAction(exec, uri, 'managedsave', vm, {})).ok).toBe(true);
    expect(await runDomainAction(exec, uri, 'managedsave-remove', vm, {})).toMatchObject({ ok: true });
    expect(await row('a b')).toMatchObject({ state: 'shut off', managedSave: false });
    expect((await runDomainAction(exec, uri, 'start', vm, {})).ok).toBe(true);
  });

  it('save to a file and restore from it', async () => {
    const vm = uuidOf('lotus-daemon');
    const file = path.join(lv.stateDir, 'lotus daemon.save');
    expect(await runDomainAction(exec, uri, 'save', vm, { file })).toMatchObject({ ok: true, output: `Domain '${vm}' saved to ${file}` });
    expect(existsSync(file)).toBe(true);
    expect(await row('lotus-daemon')).toMatchObject({ state: 'shut off', reason: 'saved' });
    expect(await runDomainAction(exec, uri, 'restore', 'lotus-daemon', { file })).toMatchObject({ ok: true, output: `Domain restored from ${file}` });
    expect(await row('lotus-daemon')).toMatchObject({ state: 'running', reason: 'restored' });
    const gone = await runDomainAction(exec, uri, 'restore', 'lotus-daemon', { file: path.join(lv.stateDir, 'nope.save') });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(gone.error!.message).toContain('cannot read domain image');
  });

  it('migrate between two hosts: the test driver cannot, and virsh’s own text is surfaced', async () => {
    const r = await runDomainAction(exec, uri, 'migrate', uuidOf('gpu-rig-02'), { destUri: lv2.uri });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED', message: 'this function is not supported by the connection driver: virDomainMigrate3' } });
    // Both "hosts" are unchanged.
    expect(await row('gpu-rig-02')).toMatchObject({ state: 'paused' });
    const other = await collectDomains(exec, { id: 'kvm-b' }, lv2.uri, undefined, Date.now());
    expect(Object.values(other.rows).map((x) => x.name)).toEqual(['kvm-b-resident']);
  });

  it('errors keep virsh’s text: not found, libvirtd unreachable, permission denied', async () => {
    const nf = await runDomainAction(exec, uri, 'start', 'no-such-domain', {});
    expect(nf).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: "failed to get domain 'no-such-domain'" } });
    const down = await collectDomains(exec, host, `test+unix:///default?socket=${path.join(tmp.path, 'no-libvirtd.sock')}`, undefined, Date.now());
    expect(down).toMatchObject({ ok: false, rows: {}, error: { code: 'UNAVAILABLE' } });
    expect(down.error!.message).toBe(`failed to connect to the hypervisor\nFailed to connect socket to '${path.join(tmp.path, 'no-libvirtd.sock')}': No such file or directory`);
    // virsh as a user that may not open the daemon's socket (0700, owned by the daemon user).
    expect(process.getuid?.(), 'this check runs virsh as another user and needs root').toBe(0);
    const asDaemonUser: VirshExec = (argv, signal) => exec(['setpriv', '--reuid=daemon', '--regid=daemon', '--clear-groups', '--', ...argv], signal);
    const denied = await collectDomains(asDaemonUser, host, uri, undefined, Date.now());
    expect(denied).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect(denied.error!.message).toContain('Permission denied');
    const action = await runDomainAction(asDaemonUser, uri, 'suspend', uuidOf('pxe-test'), {});
    expect(action).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
  });

  it('CPU% from the deltas of two real rounds (test driver: CPU time runs with the wall clock)', async () => {
    const r1 = await round();
    await new Promise((r) => setTimeout(r, 1500));
    const r2 = await round(r1);
    for (const d of lv.domains.filter((x) => x.state === 'running')) {
      const got = r2.rows[d.uuid];
      if (!got || got.state !== 'running') continue;
      // One second of CPU per second of wall time, spread over the vCPUs (0.1 s resolution).
      const expected = 100 / got.vcpus!;
      expect(got.cpuPercent, d.name).not.toBeNull();
      // Wall time between the two rounds is measured around SSH round trips: loose on a loaded machine.
      expect(Math.abs(got.cpuPercent! - expected), `${d.name}: ${got.cpuPercent} vs ${expected}`).toBeLessThan(expected * 0.5 + 0.5);
    }
    expect(r2.rows[uuidOf('pxe-test')]!.cpuPercent).toBeNull();
  });

  it('details of one domain: dominfo, dommemstat, vcpus, disks and interfaces with counters', async () => {
    const d = await collectDomainDetails(exec, host, uri, uuidOf('gpu-rig-01'));
    expect(d.problems).toEqual([]);
    expect(d.info).toMatchObject({ name: 'gpu-rig-01', state: 'running', vcpus: 6 });
    expect(d.memoryStats).toMatchObject({ actual: 16777216 });
    expect(d.vcpus).toHaveLength(6);
    expect(d.blockDevices).toEqual([expect.objectContaining({ target: 'vda', source: '/var/lib/libvirt/images/lab-2.qcow2', stats: expect.objectContaining({ rd_bytes: expect.any(Number) }) })]);
    expect(d.interfaces).toEqual([expect.objectContaining({ mac: '52:54:00:a1:9c:a2', stats: expect.objectContaining({ tx_bytes: expect.any(Number) }) })]);
    const off = await collectDomainDetails(exec, host, uri, uuidOf('pxe-test'));
    expect(off.problems).toEqual([]);
    expect(off.memoryStats).toBeNull();
    expect(off.blockDevices[0]!.stats).toBeNull();
  });

  it('console without a terminal: virsh’s own refusal', async () => {
    const r = await conn.exec(consoleArgv(uri, uuidOf('boost-market')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot run interactive console without a controlling TTY');
  });

  it('after everything, still no marker and no reboot', () => {
    expect(markersPresent()).toEqual([]);
  });
});
