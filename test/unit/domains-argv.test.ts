import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DOMAIN_ACTIONS, DomainActionRequestSchema, type DomainActionRequestInput } from '../../main/contract/domains';
import { isAppError } from '../../main/contract/errors';
import { buildCommand } from '../../main/ssh/shell-quote';
import {
  actionArgv,
  batchArgv,
  batchMarker,
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
  remoteCommand,
  snapshotListArgv,
  vcpuinfoArgv,
  virshBase,
} from '../../main/domains/virsh-argv';

const URI = 'qemu:///system';
const BASE = ['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', URI];
const HOSTILE = ['a b', "x'; touch pwned #", '$(reboot)', '-rf', '--all', '`id`', 'semi;colon', 'new\tline', '矿机-07', "'", '"', '\\', '*', '~root', '$HOME', '!!', '#'];

/** What a POSIX shell hands to the program for this command string: the argv, NUL-separated by printf. */
function shellSees(argv: readonly string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', buildCommand(['printf', '%s\\0', ...argv])], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('virsh argv', () => {
  it('every command starts with env, a C.UTF-8 locale, an empty LANGUAGE and an explicit URI', () => {
    expect(virshBase(URI)).toEqual(BASE);
    const all = [
      listArgv(URI),
      dominfoArgv(URI, 'd'),
      domstateArgv(URI, 'd'),
      dommemstatArgv(URI, 'd'),
      vcpuinfoArgv(URI, 'd', true),
      domstatsArgv(URI),
      domblklistArgv(URI, 'd'),
      domblkstatArgv(URI, 'd', 'vda'),
      domiflistArgv(URI, 'd'),
      domifstatArgv(URI, 'd', 'vnet0'),
      snapshotListArgv(URI, 'd', { parent: true }),
      consoleArgv(URI, 'd'),
      ...DOMAIN_ACTIONS.map((a) => actionArgv(URI, 'd', sampleRequest(a))),
    ];
    for (const argv of all) expect(argv.slice(0, BASE.length)).toEqual(BASE);
  });

  it('list variants', () => {
    expect(listArgv(URI).slice(BASE.length)).toEqual(['list', '--all']);
    expect(listArgv(URI, { id: true, uuid: true, name: true }).slice(BASE.length)).toEqual(['list', '--all', '--id', '--uuid', '--name']);
    expect(listArgv(URI, { managedSave: true }).slice(BASE.length)).toEqual(['list', '--all', '--managed-save']);
    expect(listArgv(URI, { autostart: true, uuid: true }).slice(BASE.length)).toEqual(['list', '--all', '--uuid', '--autostart']);
    expect(listArgv(URI, { withManagedSave: true, transient: true, persistent: true, uuid: true }).slice(BASE.length)).toEqual(['list', '--all', '--uuid', '--transient', '--persistent', '--with-managed-save']);
    expect(listArgv(URI, { activeOnly: true, name: true }).slice(BASE.length)).toEqual(['list', '--name']);
  });

  it('reads: options first, then --, then the domain and devices as single elements', () => {
    expect(dominfoArgv(URI, '-rf').slice(BASE.length)).toEqual(['dominfo', '--', '-rf']);
    expect(domstateArgv(URI, 'a b').slice(BASE.length)).toEqual(['domstate', '--reason', '--', 'a b']);
    expect(domstateArgv(URI, 'a b', false).slice(BASE.length)).toEqual(['domstate', '--', 'a b']);
    expect(vcpuinfoArgv(URI, 'x', true).slice(BASE.length)).toEqual(['vcpuinfo', '--pretty', '--', 'x']);
    expect(domstatsArgv(URI).slice(BASE.length)).toEqual(['domstats', '--raw', '--state', '--cpu-total', '--balloon', '--vcpu', '--interface', '--block']);
    expect(domstatsArgv(URI, { groups: ['state'], nowait: true, domains: ['$(reboot)', 'b'] }).slice(BASE.length)).toEqual(['domstats', '--raw', '--state', '--nowait', '--', '$(reboot)', 'b']);
    expect(domblkstatArgv(URI, 'd', '/var/lib/a b.img').slice(BASE.length)).toEqual(['domblkstat', '--', 'd', '/var/lib/a b.img']);
    expect(domifstatArgv(URI, 'd', 'vnet0').slice(BASE.length)).toEqual(['domifstat', '--', 'd', 'vnet0']);
    expect(domblklistArgv(URI, 'd').slice(BASE.length)).toEqual(['domblklist', '--details', '--', 'd']);
    expect(domiflistArgv(URI, 'd').slice(BASE.length)).toEqual(['domiflist', '--', 'd']);
    expect(dommemstatArgv(URI, 'd').slice(BASE.length)).toEqual(['dommemstat', '--', 'd']);
    expect(snapshotListArgv(URI, 'd', { parent: true, name: true }).slice(BASE.length)).toEqual(['snapshot-list', '--parent', '--name', '--', 'd']);
    expect(consoleArgv(URI, 'd', { force: true }).slice(BASE.length)).toEqual(['console', '--force', '--', 'd']);
  });

  it('every action', () => {
    const a = (r: DomainActionRequestInput, d = 'dom') => actionArgv(URI, d, r).slice(BASE.length);
    expect(a({ action: 'start' })).toEqual(['start', '--', 'dom']);
    expect(a({ action: 'start', forceBoot: true })).toEqual(['start', '--force-boot', '--', 'dom']);
    expect(a({ action: 'shutdown' })).toEqual(['shutdown', '--', 'dom']);
    expect(a({ action: 'shutdown', mode: 'acpi' })).toEqual(['shutdown', '--mode=acpi', '--', 'dom']);
    expect(a({ action: 'reboot' })).toEqual(['reboot', '--', 'dom']);
    expect(a({ action: 'reset' })).toEqual(['reset', '--', 'dom']);
    expect(a({ action: 'suspend' })).toEqual(['suspend', '--', 'dom']);
    expect(a({ action: 'resume' })).toEqual(['resume', '--', 'dom']);
    expect(a({ action: 'destroy' })).toEqual(['destroy', '--', 'dom']);
    expect(a({ action: 'destroy', graceful: true })).toEqual(['destroy', '--graceful', '--', 'dom']);
    expect(a({ action: 'autostart-enable' })).toEqual(['autostart', '--', 'dom']);
    expect(a({ action: 'autostart-disable' })).toEqual(['autostart', '--disable', '--', 'dom']);
    expect(a({ action: 'managedsave' })).toEqual(['managedsave', '--', 'dom']);
    expect(a({ action: 'managedsave', paused: true })).toEqual(['managedsave', '--paused', '--', 'dom']);
    expect(a({ action: 'managedsave-remove' })).toEqual(['managedsave-remove', '--', 'dom']);
    expect(a({ action: 'snapshot-create', name: '-s1', description: '--not an option' })).toEqual(['snapshot-create-as', '--description=--not an option', '--', 'dom', '-s1']);
    expect(a({ action: 'snapshot-create', name: 's1', atomic: true })).toEqual(['snapshot-create-as', '--atomic', '--', 'dom', 's1']);
    expect(a({ action: 'snapshot-revert', name: 's1', running: true })).toEqual(['snapshot-revert', '--running', '--', 'dom', 's1']);
    expect(a({ action: 'snapshot-delete', name: 's 1' })).toEqual(['snapshot-delete', '--', 'dom', 's 1']);
    expect(a({ action: 'save', file: '/var/lib/libvirt/save/a b.save' })).toEqual(['save', '--', 'dom', '/var/lib/libvirt/save/a b.save']);
    expect(a({ action: 'restore', file: '/tmp/x.save', paused: true })).toEqual(['restore', '--paused', '--', '/tmp/x.save']);
    expect(a({ action: 'migrate', destUri: 'qemu+ssh://kvm-b/system' })).toEqual(['migrate', '--live', '--', 'dom', 'qemu+ssh://kvm-b/system']);
    expect(a({ action: 'migrate', destUri: 'qemu+ssh://kvm-b/system', live: false, persistent: true, undefineSource: true })).toEqual([
      'migrate',
      '--persistent',
      '--undefinesource',
      '--',
      'dom',
      'qemu+ssh://kvm-b/system',
    ]);
  });

  it('refuses what cannot be a single clean argument', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isAppError(err, 'INVALID_INPUT');
      }
      return false;
    };
    expect(refused(() => dominfoArgv(URI, ''))).toBe(true);
    expect(refused(() => dominfoArgv(URI, 'a\nb'))).toBe(true);
    expect(refused(() => dominfoArgv(URI, 'a\0b'))).toBe(true);
    expect(refused(() => virshBase(''))).toBe(true);
    expect(refused(() => virshBase('qemu:///system\nx'))).toBe(true);
    expect(refused(() => actionArgv(URI, 'd', { action: 'save', file: '/x', running: true, paused: true }))).toBe(true);
    expect(refused(() => actionArgv(URI, 'd', { action: 'nope' } as unknown as DomainActionRequestInput))).toBe(true);
  });

  it('the remote shell hands every element to env unchanged (real /bin/sh, hostile names)', () => {
    for (const name of HOSTILE) {
      for (const argv of [dominfoArgv(URI, name), actionArgv(URI, name, { action: 'snapshot-create', name, description: name }), actionArgv(URI, name, { action: 'save', file: `/tmp/${name}` })]) {
        expect(shellSees(argv)).toEqual(argv);
        expect(remoteCommand(argv)).toBe(buildCommand(argv));
      }
    }
  });
});

describe('virsh batches', () => {
  it('echo markers around fixed commands, as one virsh argument', () => {
    const argv = batchArgv(URI, [{ key: 'uuids', words: ['list', '--all', '--uuid'] }, { key: 'info0', words: ['dominfo', '870e8c59-aff9-47e4-894a-7a17c5f2b1f3'] }], 'abcd1234');
    expect(argv.slice(0, BASE.length)).toEqual(BASE);
    expect(argv).toHaveLength(BASE.length + 1);
    expect(argv[BASE.length]).toBe(
      `echo ${batchMarker('abcd1234', 'uuids')}; list --all --uuid; echo ${batchMarker('abcd1234', 'info0')}; dominfo 870e8c59-aff9-47e4-894a-7a17c5f2b1f3; echo ${batchMarker('abcd1234', 'end')}`,
    );
  });

  it('refuses names and anything virsh’s own parser would read specially', () => {
    for (const w of ["x'; touch pwned #", 'a b', '$(reboot)', 'a;b', '"q"', 'back\\slash', '#', '']) {
      expect(() => batchArgv(URI, [{ key: 'k', words: ['dominfo', w] }], 'abcd1234')).toThrow(/fixed word|empty/);
    }
    expect(() => batchArgv(URI, [{ key: 'end', words: ['list'] }], 'abcd1234')).toThrow(/key/);
    expect(() => batchArgv(URI, [{ key: 'a', words: ['list'] }, { key: 'a', words: ['list'] }], 'abcd1234')).toThrow(/repeated/);
    expect(() => batchArgv(URI, [{ key: 'a', words: [] }], 'abcd1234')).toThrow(/no command/);
    expect(() => batchArgv(URI, [], 'abcd1234')).toThrow(/empty/);
    expect(() => batchArgv(URI, [{ key: 'a', words: ['list'] }], 'bad nonce')).toThrow(/nonce/);
  });
});

function sampleRequest(action: (typeof DOMAIN_ACTIONS)[number]): DomainActionRequestInput {
  const extra: Record<string, unknown> = { 'snapshot-create': { name: 's' }, 'snapshot-revert': { name: 's' }, 'snapshot-delete': { name: 's' }, save: { file: '/f' }, restore: { file: '/f' }, migrate: { destUri: 'qemu+ssh://h/system' } };
  const request = { action, ...((extra[action] as object | undefined) ?? {}) };
  return DomainActionRequestSchema.parse(request);
}
