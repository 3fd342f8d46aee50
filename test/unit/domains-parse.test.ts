import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOMAIN_STATE_NAMES, DOMAIN_STATE_REASONS, domainStateReason } from '../../main/contract/domains';
import { splitBatchOutput } from '../../main/domains/parse/batch-output';
import { parseDomblklist, parseDomiflist } from '../../main/domains/parse/device-lists';
import { parseDomblkstat, parseDomifstat } from '../../main/domains/parse/device-stats';
import { parseDominfo } from '../../main/domains/parse/dominfo';
import { parseDommemstat } from '../../main/domains/parse/dommemstat';
import { parseDomstate } from '../../main/domains/parse/domstate';
import { parseDomstats, statSum, statUint } from '../../main/domains/parse/domstats';
import { parseBareList, parseDomainList, parseUuidSet } from '../../main/domains/parse/list';
import { parseSnapshotList, parseSnapshotNames, parseSnapshotTime } from '../../main/domains/parse/snapshot-list';
import { parseVcpuinfo } from '../../main/domains/parse/vcpuinfo';
import { classifyVirshError, isVirshParseError, virshErrorLines } from '../../main/domains/parse/virsh-error';
import { codePointWidth, parseVshTable } from '../../main/domains/parse/vsh-table';
import { batchMarker } from '../../main/domains/virsh-argv';

const DIR = fileURLToPath(new URL('../fixtures/virsh/', import.meta.url));
const ref = (name: string): string => readFileSync(path.join(DIR, name), 'utf8');
const real = (name: string): string => readFileSync(path.join(DIR, 'captured-9.0', name), 'utf8');

const HOSTILE = ['a b', "x'; touch pwned #", '$(reboot)', '-rf'];

describe('virsh list (table)', () => {
  it('reads the vsh-table layout (reference sample)', () => {
    const r = parseDomainList(ref('list-all.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value.map((d) => [d.id, d.name, d.state, d.stateCode])).toEqual([
      [1, 'lotus-daemon', 'running', 1],
      [2, 'boost-market', 'running', 1],
      [3, 'gpu-rig-01', 'running', 1],
      [5, 'gpu-rig-02', 'paused', 3],
      [null, 'pxe-test', 'shut off', 5],
      [null, 'ubuntu-2404-template', 'shut off', 5],
      [null, 'win11-monitor', 'shut off', 5],
    ]);
  });

  it('reads the legacy fixed-width layout the same way', () => {
    const legacy = parseDomainList(ref('list-all.legacy-pre5.txt'));
    expect(legacy.problems).toEqual([]);
    expect(legacy.value).toEqual(parseDomainList(ref('list-all.txt')).value);
  });

  it('tolerates an extra UUID column and reads "saved" as shut off with a managed-save image', () => {
    const r = parseDomainList(ref('list-all-uuid-managedsave.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value).toHaveLength(7);
    const win = r.value.find((d) => d.name === 'win11-monitor')!;
    expect(win).toMatchObject({ id: null, state: 'saved', stateCode: 5, managedSave: true, uuid: '27ec3236-0cd2-4da2-a9d8-b4df812e746b' });
    expect(r.value.every((d) => d.uuid !== undefined)).toBe(true);
  });

  it('reads real virsh 9.0 tables with hostile and CJK names (columns counted in display cells)', () => {
    const r = parseDomainList(real('list-all.txt'));
    expect(r.problems).toEqual([]);
    const names = r.value.map((d) => d.name);
    for (const n of [...HOSTILE, '矿机-07', 'lotus-daemon', 'gpu-rig-01', 'gpu-rig-02']) expect(names).toContain(n);
    expect(r.value.find((d) => d.name === '矿机-07')).toMatchObject({ id: 10, state: 'paused' });
    expect(r.value.find((d) => d.name === "x'; touch pwned #")).toMatchObject({ id: null, state: 'shut off' });
    const ms = parseDomainList(real('list-all-managed-save.txt'));
    expect(ms.problems).toEqual([]);
    expect(ms.value.filter((d) => d.managedSave).map((d) => d.name)).toEqual(['win11-monitor']);
  });

  it('an empty list (header only) is no domains and no problem', () => {
    const r = parseDomainList(' Id   Name   State\n--------------------\n\n');
    expect(r.value).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(parseDomainList('').problems).toEqual([]);
  });

  it('falls back to reading by words when a row is misaligned', () => {
    const text = ' Id   Name   State\n-------------------\n 1    web  running\n 12   my running box   paused\n';
    const r = parseDomainList(text);
    expect(r.value.map((d) => [d.id, d.name, d.state])).toEqual([
      [1, 'web', 'running'],
      [12, 'my running box', 'paused'],
    ]);
  });

  it('keeps a row with a state it does not know, with a problem', () => {
    const r = parseDomainList(' Id   Name   State\n----------------------\n 1    web    hibernating\n');
    expect(r.value).toEqual([{ id: 1, name: 'web', state: 'hibernating', stateCode: null, managedSave: false }]);
    expect(r.problems[0]!.message).toMatch(/unknown domain state "hibernating"/);
  });
});

describe('virsh list (bare forms)', () => {
  it('--name: one name per line, exactly (reference and real)', () => {
    expect(parseBareList(ref('list-name.txt'), { name: true }).value.map((d) => d.name)).toEqual([
      'lotus-daemon',
      'boost-market',
      'gpu-rig-01',
      'gpu-rig-02',
      'pxe-test',
      'ubuntu-2404-template',
      'win11-monitor',
    ]);
    const realNames = parseBareList(real('list-all-name.txt'), { name: true });
    expect(realNames.problems).toEqual([]);
    expect(realNames.value.map((d) => d.name)).toEqual(expect.arrayContaining([...HOSTILE, '矿机-07']));
  });

  it('--id --uuid --name prints "uuid id name"', () => {
    const r = parseBareList(real('list-all-id-uuid-name.txt'), { uuid: true, id: true, name: true });
    expect(r.problems).toEqual([]);
    expect(r.value).toHaveLength(12);
    expect(r.value).toContainEqual({ uuid: '6c1a7d2f-3b4e-4f60-9bac-1d2e3f4a5b6c', id: null, name: "x'; touch pwned #" });
    expect(r.value).toContainEqual({ uuid: '7d2b8e30-4c5f-4071-8cbd-2e3f4a5b6c7d', id: 8, name: '$(reboot)' });
    expect(r.value).toContainEqual({ uuid: '5b0f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', id: 7, name: 'a b' });
  });

  it('--uuid --name, including the old "%-36s %-30s" padding', () => {
    const r = parseBareList(real('list-all-uuid-name.txt'), { uuid: true, name: true });
    expect(r.problems).toEqual([]);
    expect(r.value.find((d) => d.name === '-rf')?.uuid).toBe('8e3c9f41-5d60-4182-9dce-3f4a5b6c7d8e');
    const old = parseBareList(`${'bb76633a-5e9f-46ad-86c5-00799dbcf2fe'} ${'lotus-daemon'.padEnd(30)}\n\n`, { uuid: true, name: true });
    expect(old.value).toEqual([{ uuid: 'bb76633a-5e9f-46ad-86c5-00799dbcf2fe', name: 'lotus-daemon' }]);
  });

  it('uuid sets for the --autostart / --transient / --with-managed-save filters', () => {
    expect([...parseUuidSet(real('list-all-autostart-uuid.txt')).value]).toEqual(['bb76633a-5e9f-46ad-86c5-00799dbcf2fe']);
    expect([...parseUuidSet(real('list-all-transient-uuid.txt')).value]).toEqual(['9f4da052-6e71-4293-aedf-4a5b6c7d8e9f']);
    expect([...parseUuidSet(real('list-all-with-managed-save-uuid.txt')).value]).toEqual(['27ec3236-0cd2-4da2-a9d8-b4df812e746b']);
    expect(parseUuidSet('\n').value.size).toBe(0);
  });

  it('reports lines that do not start with a uuid or id', () => {
    const r = parseBareList('not-a-uuid web\nbb76633a-5e9f-46ad-86c5-00799dbcf2fe x web\n', { uuid: true, id: true, name: true });
    expect(r.value).toEqual([]);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2]);
  });
});

describe('virsh dominfo', () => {
  it('running (reference)', () => {
    const r = parseDominfo(ref('dominfo.gpu-rig-01.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value).toMatchObject({
      id: 3,
      name: 'gpu-rig-01',
      uuid: '870e8c59-aff9-47e4-894a-7a17c5f2b1f3',
      osType: 'hvm',
      state: 'running',
      vcpus: 6,
      cpuTimeSec: 1843201.3,
      maxMemoryKiB: 16777216,
      usedMemoryKiB: 16777216,
      persistent: true,
      autostart: true,
      managedSave: false,
      securityModel: 'apparmor',
      securityDoi: '0',
      securityLabel: 'libvirt-870e8c59-aff9-47e4-894a-7a17c5f2b1f3 (enforcing)',
    });
  });

  it('paused and shut off (reference): no CPU time, Id "-"', () => {
    expect(parseDominfo(ref('dominfo.gpu-rig-02.paused.txt')).value).toMatchObject({ id: 5, state: 'paused' });
    const off = parseDominfo(ref('dominfo.pxe-test.shutoff.txt'));
    expect(off.problems).toEqual([]);
    expect(off.value).toMatchObject({ id: null, state: 'shut off', cpuTimeSec: null, autostart: false, securityLabel: null });
  });

  it('real virsh 9.0: empty Security DOI, managed save', () => {
    const r = parseDominfo(real('dominfo.gpu-rig-01.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value).toMatchObject({ id: 4, name: 'gpu-rig-01', securityDoi: null, securityModel: 'testSecurity' });
    expect(parseDominfo(real('dominfo.win11-monitor.managedsave.txt')).value).toMatchObject({ managedSave: true, state: 'shut off', id: null });
    expect(parseDominfo(real('dominfo.pxe-test.shutoff.txt')).problems).toEqual([]);
  });

  it('keeps names with leading spaces and colons, unknown labels and "no limit"', () => {
    const text = ['Id:             -', 'Name:            odd: name', 'UUID:           8CDD9478-5A12-4744-8A1E-1941EB7E0D81', 'Max memory:     no limit', 'Frobnication:   7', ''].join('\n');
    const r = parseDominfo(text);
    expect(r.value.name).toBe(' odd: name');
    expect(r.value.uuid).toBe('8cdd9478-5a12-4744-8a1e-1941eb7e0d81');
    expect(r.value.maxMemoryKiB).toBeNull();
    expect(r.value.extra).toEqual({ Frobnication: '7' });
    expect(r.problems).toEqual([]);
  });
});

describe('virsh domstate --reason', () => {
  it('every transcript of the reference sample', () => {
    const blocks = ref('domstate-reason.txt').split(/^\$ .*$/m).slice(1);
    expect(blocks.map((b) => parseDomstate(b).value)).toEqual([
      { state: 'running', stateCode: 1, reason: 'booted', reasonCode: 1, text: 'running' },
      { state: 'paused', stateCode: 3, reason: 'user', reasonCode: 1, text: 'paused' },
      { state: 'shut off', stateCode: 5, reason: 'shutdown', reasonCode: 1, text: 'shut off' },
      { state: 'shut off', stateCode: 5, reason: 'saved', reasonCode: 5, text: 'shut off' },
    ]);
  });

  it('real output, and without --reason', () => {
    expect(parseDomstate(real('domstate-reason.gpu-rig-02.txt')).value).toMatchObject({ state: 'paused', reason: 'user' });
    expect(parseDomstate(real('domstate-reason.pxe-test.txt')).value).toMatchObject({ state: 'shut off', reason: 'unknown', reasonCode: 0 });
    expect(parseDomstate('running\n\n').value).toMatchObject({ state: 'running', reason: null, reasonCode: null });
    expect(parseDomstate('paused (I/O error)\n').value).toMatchObject({ reasonCode: 5 });
  });

  it('unknown states and reasons are kept as text with a problem', () => {
    const r = parseDomstate('hibernating (tired)\n');
    expect(r.value).toMatchObject({ state: null, stateCode: null, text: 'hibernating' });
    expect(r.problems).toHaveLength(1);
    expect(parseDomstate('running (moonwalking)\n').problems[0]!.message).toMatch(/unknown reason/);
    expect(parseDomstate('').value).toBeNull();
  });

  it('state and reason tables match FORMATS.md', () => {
    expect(DOMAIN_STATE_NAMES).toEqual(['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended']);
    expect(DOMAIN_STATE_REASONS.running).toHaveLength(12);
    expect(DOMAIN_STATE_REASONS.paused).toHaveLength(15);
    expect(DOMAIN_STATE_REASONS['shut off']).toHaveLength(9);
    expect(domainStateReason(5, 8)).toBe('daemon');
    expect(domainStateReason(3, 14)).toBe('api error');
    expect(domainStateReason(1, 99)).toBe('unknown');
    expect(domainStateReason(42, 0)).toBe('unknown');
  });
});

describe('virsh dommemstat', () => {
  it('with a balloon driver (reference and real), in the order printed', () => {
    const r = parseDommemstat(ref('dommemstat.gpu-rig-01.txt'));
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.value)[0]).toBe('actual');
    expect(r.value).toMatchObject({ actual: 16777216, unused: 2817524, available: 16393196, usable: 13045820, rss: 16832516, last_update: 1773134994 });
    expect(parseDommemstat(real('dommemstat.gpu-rig-01.txt')).value).toMatchObject({ actual: 16777216, usable: 8388608 });
  });

  it('without one: actual, last_update, rss', () => {
    expect(parseDommemstat(ref('dommemstat.no-balloon-driver.txt')).value).toEqual({ actual: 4194304, last_update: 0, rss: 3995412 });
  });

  it('bad lines become problems; __proto__ is just a tag', () => {
    const r = parseDommemstat('actual 5\nrss lots\n__proto__ 3\n');
    expect(r.value.actual).toBe(5);
    expect(r.value.__proto__).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(r.problems).toHaveLength(1);
  });
});

describe('virsh vcpuinfo', () => {
  it('affinity map (reference): six vCPUs on host CPUs 8-13 of 32', () => {
    const r = parseVcpuinfo(ref('vcpuinfo.gpu-rig-01.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value).toHaveLength(6);
    expect(r.value[0]).toEqual({ vcpu: 0, cpu: 9, state: 'running', cpuTimeSec: 310402.7, affinity: [8, 9, 10, 11, 12, 13], hostCpus: 32 });
  });

  it('--pretty gives the same affinity', () => {
    const pretty = parseVcpuinfo(ref('vcpuinfo.gpu-rig-01.pretty.head.txt'));
    expect(pretty.problems).toEqual([]);
    expect(pretty.value).toEqual(parseVcpuinfo(ref('vcpuinfo.gpu-rig-01.txt')).value.slice(0, 2));
    const realPretty = parseVcpuinfo(real('vcpuinfo.gpu-rig-01.pretty.txt'));
    expect(realPretty.problems).toEqual([]);
    expect(realPretty.value).toEqual(parseVcpuinfo(real('vcpuinfo.gpu-rig-01.txt')).value);
  });

  it('shut off: N/A fields and "CPU time        N/A" without a colon', () => {
    for (const text of [ref('vcpuinfo.pxe-test.shutoff.txt'), real('vcpuinfo.pxe-test.shutoff.txt')]) {
      const r = parseVcpuinfo(text);
      expect(r.problems).toEqual([]);
      expect(r.value).toHaveLength(2);
      expect(r.value[1]).toMatchObject({ vcpu: 1, cpu: null, state: null, cpuTimeSec: null });
    }
  });

  it('cpuset lists with ranges and singles', () => {
    expect(parseVcpuinfo('VCPU: 0\nCPU Affinity:   0-2,5,7-8 (out of 16)\n').value[0]!.affinity).toEqual([0, 1, 2, 5, 7, 8]);
  });
});

describe('virsh domstats --raw', () => {
  it('reference sample: two records with every group', () => {
    const r = parseDomstats(ref('domstats-raw.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value.map((d) => d.name)).toEqual(['gpu-rig-01', 'pxe-test']);
    const rig = r.value[0]!;
    expect(statUint(rig, 'state.state')).toBe(1);
    expect(rig.fields['cpu.time']).toBe('1843201325913204');
    expect(rig.fields['block.0.path']).toBe('/var/lib/libvirt/images/gpu-rig-01.qcow2');
    expect(statSum(rig, 'block', 'rd.bytes')).toBe(41925083136n + 370188288n);
    expect(statSum(rig, 'net', 'tx.bytes')).toBe(23344192014n);
    expect(statSum(r.value[1]!, 'net', 'rx.bytes')).toBeUndefined();
  });

  it('real virsh 9.0 (test driver: state only), names with quotes', () => {
    const r = parseDomstats(real('domstats-raw.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value.map((d) => d.name)).toEqual(expect.arrayContaining([...HOSTILE, '矿机-07']));
    expect(r.value.find((d) => d.name === 'win11-monitor')!.fields).toEqual({ 'state.state': '5', 'state.reason': '5' });
  });

  it('fields before any Domain line and lines without = are problems', () => {
    const r = parseDomstats("  state.state=1\nDomain: 'a'\n  x=1\n  garbage\nDomain: b\n");
    expect(r.value.map((d) => d.name)).toEqual(['a']);
    expect(r.problems).toHaveLength(3);
  });
});

describe('virsh snapshot-list', () => {
  it('real table with --parent: dash and CJK names, empty parent', () => {
    const r = parseSnapshotList(real('snapshot-list.gpu-rig-01.parent.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value.map((s) => [s.name, s.state, s.parent])).toEqual([
      ['-dash snap', 'running', 'pre-upgrade'],
      ['pre-upgrade', 'running', null],
      ['快照-1', 'running', '-dash snap'],
    ]);
    expect(r.value[0]!.creationTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
    expect(r.value[0]!.createdAtMs).toBe(parseSnapshotTime(r.value[0]!.creationTime!));
  });

  it('an empty list', () => {
    const r = parseSnapshotList(real('snapshot-list.pxe-test.empty.txt'));
    expect(r).toMatchObject({ value: [], problems: [] });
  });

  it('time zones, misaligned rows and --name', () => {
    expect(parseSnapshotTime('2026-03-10 17:30:00 +0800')).toBe(Date.UTC(2026, 2, 10, 9, 30, 0));
    expect(parseSnapshotTime('yesterday')).toBeNull();
    const r = parseSnapshotList(' Name   Creation Time               State\n------------------------------------------\n  odd   2026-03-10 17:30:00 +0800   shutoff\n');
    expect(r.value).toEqual([{ name: ' odd', creationTime: '2026-03-10 17:30:00 +0800', createdAtMs: Date.UTC(2026, 2, 10, 9, 30, 0), state: 'shutoff', parent: null }]);
    expect(parseSnapshotNames('a\n-b\n\n').value).toEqual(['a', '-b']);
  });
});

describe('block and interface lists and stats', () => {
  it('domblklist with and without --details (a source with a space)', () => {
    expect(parseDomblklist(real('domblklist.build-scratch.details.txt')).value).toEqual([
      { target: 'vda', source: '/var/lib/libvirt/images/build scratch.qcow2', type: 'file', device: 'disk' },
    ]);
    expect(parseDomblklist(real('domblklist.gpu-rig-01.txt')).value).toEqual([{ target: 'vda', source: '/var/lib/libvirt/images/lab-2.qcow2', type: null, device: null }]);
  });

  it('domiflist, MAC normalised, "-" is null', () => {
    const r = parseDomiflist(real('domiflist.gpu-rig-01.txt'));
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual([{ name: 'testnet0', type: 'network', source: 'default', model: null, mac: '52:54:00:a1:9c:a2' }]);
    const bad = parseDomiflist(' Interface   Type   Source   Model   MAC\n---------------------------------------\n -           user   -        virtio  zz:zz\n');
    expect(bad.value[0]).toMatchObject({ name: null, mac: null });
    expect(bad.problems[0]!.message).toMatch(/unreadable MAC/);
  });

  it('domblkstat and domifstat', () => {
    const blk = parseDomblkstat(real('domblkstat.gpu-rig-01.vda.txt'));
    expect(blk.problems).toEqual([]);
    expect(blk.value.device).toBe('vda');
    expect(Object.keys(blk.value.stats)).toEqual(['rd_req', 'rd_bytes', 'wr_req', 'wr_bytes', 'errs']);
    const ifs = parseDomifstat(real('domifstat.gpu-rig-01.txt'));
    expect(ifs.problems).toEqual([]);
    expect(Object.keys(ifs.value.stats)).toHaveLength(8);
    // A device path with spaces; -1 means "not supported" and is left out.
    const odd = parseDomblkstat('/var/lib/a b.img rd_req 5\n/var/lib/a b.img flush_operations -1\n');
    expect(odd.value).toEqual({ device: '/var/lib/a b.img', stats: { rd_req: 5 } });
  });
});

describe('virsh errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['error.connect.stderr.txt', 'UNAVAILABLE', /^failed to connect to the hypervisor\nFailed to connect socket to '\/nonexistent\/libvirt-sock': No such file or directory$/],
    ['error.connect-permission.stderr.txt', 'PERMISSION_DENIED', /Permission denied/],
    ['error.not-found.stderr.txt', 'NOT_FOUND', /^failed to get domain 'nosuch'$/],
    ['error.read-only.stderr.txt', 'PERMISSION_DENIED', /read only access prevents virDomainSuspend/],
    ['error.not-running.stderr.txt', 'CONFLICT', /domain 'pxe-test' not running/],
    ['error.already-active.stderr.txt', 'CONFLICT', /Domain is already active/],
    ['error.snapshot-not-found.stderr.txt', 'NOT_FOUND', /no domain snapshot with matching name 'nosnap'/],
    ['error.migrate-unsupported.stderr.txt', 'UNSUPPORTED', /virDomainMigrate3/],
    ['error.console-no-tty.stderr.txt', 'INTERNAL', /Cannot run interactive console without a controlling TTY/],
    ['error.unknown-option.stderr.txt', 'UNSUPPORTED', /doesn't support option --bogus/],
  ];
  it.each(cases)('%s → %s, keeping virsh’s text', (file, code, text) => {
    const err = classifyVirshError({ code: 1, stdout: '\n', stderr: real(file) })!;
    expect(err.code).toBe(code);
    expect(err.message).toMatch(text);
    expect(err.hint).toBeTruthy();
    expect(err.details?.virshMessage).toBe(err.message);
  });

  it('more texts seen in the field', () => {
    const c = (stderr: string, code: number | null = 1) => classifyVirshError({ code, stdout: '', stderr })?.code;
    expect(c("error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'\n")).toBe('NOT_FOUND');
    expect(c("error: failed to connect to the hypervisor\nerror: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'\n")).toBe('PERMISSION_DENIED');
    expect(c("error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Connection refused\n")).toBe('UNAVAILABLE');
    expect(c('error: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainGetInfo)\n')).toBe('TIMEOUT');
    expect(c("error: operation failed: domain snapshot 's1' already exists\n")).toBe('ALREADY_EXISTS');
    expect(c('error: Failed to start domain \'x\'\nerror: Requested operation is not valid: domain is already running\n')).toBe('CONFLICT');
    expect(c('error: Options --table and --uuid are mutually exclusive\n')).toBe('INVALID_INPUT');
    expect(c("env: 'virsh': No such file or directory\n", 127)).toBe('UNAVAILABLE');
    expect(c('bash: line 1: virsh: command not found\n', 127)).toBe('UNAVAILABLE');
    expect(c('', null)).toBe('INTERNAL');
    expect(classifyVirshError({ code: 0, stdout: "Domain 'x' started\n", stderr: '' })).toBeNull();
    expect(classifyVirshError({ code: 0, stdout: '', stderr: 'setlocale: No such file or directory\n' })).toBeNull();
    expect(classifyVirshError({ code: 1, stdout: '', stderr: 'setlocale: No such file or directory\nerror: failed to get domain \'x\'\n' })!.message).toBe("failed to get domain 'x'");
  });

  it('parse errors that abort a batch are told apart', () => {
    expect(isVirshParseError({ code: 1, stdout: '', stderr: real('error.unknown-option.stderr.txt') })).toBe(true);
    expect(isVirshParseError({ code: 1, stdout: '', stderr: real('error.not-found.stderr.txt') })).toBe(false);
    expect(virshErrorLines('warning: x\n')).toEqual(['warning: x']);
  });
});

describe('batch output', () => {
  it('splits by marker lines, reports missing sections and an unfinished batch', () => {
    const m = (k: string) => batchMarker('n0nce', k);
    const out = [m('a'), 'one', '', m('b'), '', m('end'), ''].join('\n');
    const r = splitBatchOutput(out, 'n0nce', ['a', 'b']);
    expect(r.value.complete).toBe(true);
    expect(r.value.sections.get('a')).toBe('one\n');
    expect(r.value.sections.get('b')).toBe('');
    const cut = splitBatchOutput([m('a'), 'one'].join('\n'), 'n0nce', ['a', 'b']);
    expect(cut.value.complete).toBe(false);
    expect(cut.problems.map((p) => p.message)).toEqual(['no output section for b']);
    // A domain named like a marker of another nonce is just text.
    const spoof = splitBatchOutput([m('a'), batchMarker('other', 'b'), m('end')].join('\n'), 'n0nce', ['a']);
    expect(spoof.value.sections.get('a')).toBe(batchMarker('other', 'b'));
  });
});

describe('vsh-table', () => {
  it('counts CJK characters as two display cells', () => {
    expect(codePointWidth('矿'.codePointAt(0)!)).toBe(2);
    expect(codePointWidth('a'.codePointAt(0)!)).toBe(1);
    expect(codePointWidth(0x301)).toBe(0);
    const { table } = parseVshTable(real('list-all.txt'));
    expect(table!.headers).toEqual(['Id', 'Name', 'State']);
    expect(table!.rows.every((r) => r.aligned)).toBe(true);
  });

  it('refuses text without a header and dashes', () => {
    expect(parseVshTable('hello\nworld\n').table).toBeNull();
    expect(parseVshTable('').problems[0]!.message).toMatch(/empty/);
  });
});

// ---- fuzz / malformed input -----------------------------------------------------------------

const PARSERS: Array<[string, (x: unknown) => { problems: unknown[]; raw: string }]> = [
  ['list', parseDomainList],
  ['bare list', (x) => parseBareList(x, { uuid: true, id: true, name: true })],
  ['uuid set', parseUuidSet],
  ['dominfo', parseDominfo],
  ['domstate', parseDomstate],
  ['dommemstat', parseDommemstat],
  ['vcpuinfo', parseVcpuinfo],
  ['domstats', parseDomstats],
  ['snapshot-list', parseSnapshotList],
  ['domblklist', parseDomblklist],
  ['domiflist', parseDomiflist],
  ['domblkstat', parseDomblkstat],
  ['domifstat', parseDomifstat],
];

/** A small deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function allSamples(): string[] {
  const top = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
  const cap = readdirSync(path.join(DIR, 'captured-9.0'));
  return [...top.map(ref), ...cap.map(real)];
}

function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const ops = 1 + Math.floor(rand() * 8);
  const junk = ['\0', '\r', '\n', ' ', '-', ':', '=', "'", '矿', '\u0301', '\uFFFD', '(', ')', '9999999999999999999999', 'Domain: ', 'error: '];
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rand() * (chars.length + 1));
    const r = rand();
    if (r < 0.3) chars.splice(at, 1 + Math.floor(rand() * 20));
    else if (r < 0.7) chars.splice(at, 0, junk[Math.floor(rand() * junk.length)]!);
    else chars.splice(at, 0, ...chars.slice(Math.floor(rand() * chars.length), Math.floor(rand() * chars.length)));
  }
  return chars.join('');
}

describe('malformed input never throws', () => {
  it.each(PARSERS)('%s: non-strings, empty, binary', (_name, parse) => {
    for (const input of [undefined, null, 42, {}, [], '', '\n\n\n', '\0\0', Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'x'.repeat(100_000)]) {
      const r = parse(input);
      expect(typeof r.raw).toBe('string');
      expect(Array.isArray(r.problems)).toBe(true);
    }
  });

  it.each(PARSERS)('%s: every sample, truncated and mutated (seeded)', (_name, parse) => {
    const rand = rng(0xd0a1);
    for (const sample of allSamples()) {
      for (let cut = 0; cut < sample.length; cut += Math.max(1, Math.floor(sample.length / 7))) parse(sample.slice(0, cut));
      for (let i = 0; i < 25; i++) {
        const r = parse(mutate(sample, rand));
        expect(Array.isArray(r.problems)).toBe(true);
      }
    }
  });

  it('a sample fed to the wrong parser gives problems, not a crash or a silent success', () => {
    expect(parseDominfo(ref('vcpuinfo.gpu-rig-01.txt')).problems.length).toBeGreaterThan(0);
    expect(parseDomainList(ref('dominfo.gpu-rig-01.txt')).problems.length).toBeGreaterThan(0);
    expect(parseDomstats(ref('list-all.txt')).problems.length).toBeGreaterThan(0);
    expect(parseVcpuinfo(ref('domstats-raw.txt')).problems.length).toBeGreaterThan(0);
  });
});
