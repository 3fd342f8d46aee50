import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { HostRunResult } from '../../main/contract/terminal';
import i18next from 'i18next';
import { terminalEn } from '../../renderer/src/features/terminal/i18n.en';
import { terminalZhCN } from '../../renderer/src/features/terminal/i18n.zh-cn';
import { cancelledRun, draftArgv, EMPTY_RUN_DRAFT, endedRun, runHosts, startedRun, withResult } from '../../renderer/src/features/terminal/terminal-run';

const hop = (host: string, port = 22, user = 'ops') => ({ host, port, user });
const result = (host: string, r: Partial<HostRunResult> = {}): HostRunResult => ({ host, route: host, state: 'done', exitCode: 0, stdout: 'ok\n', stderr: '', ...r });

describe('terminal run on hosts', () => {
  it('runs once per host (results are keyed by user@host:port): the first route to a host wins', () => {
    const hosts = runHosts([
      { target: hop('rig-1'), jumps: [] },
      { target: hop('rig-2', 2222), jumps: [hop('bastion')] },
      { target: hop('rig-1'), jumps: [hop('other')] },
      { target: hop('rig-1', 22, 'root'), jumps: [] },
    ]);
    expect(hosts).toEqual([
      { host: 'ops@rig-1:22', route: 'ops@rig-1:22', target: hop('rig-1'), jumps: [] },
      { host: 'ops@rig-2:2222', route: 'ops@bastion:22 > ops@rig-2:2222', target: hop('rig-2', 2222), jumps: [hop('bastion')] },
      { host: 'root@rig-1:22', route: 'root@rig-1:22', target: hop('rig-1', 22, 'root'), jumps: [] },
    ]);
  });

  it('a run starts running with no results, collects one per host (the latest wins) and ends', () => {
    const argv = ['uptime'];
    const run = startedRun(3, argv, runHosts([{ target: hop('a'), jumps: [] }]), 1_000);
    argv.push('mutated');
    expect(run).toMatchObject({ id: 3, argv: ['uptime'], results: {}, running: true, cancelled: false, startedAtMs: 1_000, endedAtMs: null, error: null });
    const r1 = withResult(run, result('ops@a:22', { state: 'running', exitCode: undefined, stdout: '' }));
    const r2 = withResult(r1, result('ops@a:22'));
    expect(r2.results['ops@a:22']).toMatchObject({ state: 'done', stdout: 'ok\n' });
    expect(run.results).toEqual({});
    const done = endedRun(r2, null, 2_000);
    expect(done).toMatchObject({ running: false, endedAtMs: 2_000, error: null, cancelled: false });
    const failed = endedRun(r2, new AppError('UNAVAILABLE', 'lost'), 2_500);
    expect(failed.error?.code).toBe('UNAVAILABLE');
  });

  it('cancelling stops a running run and leaves an ended one as it was', () => {
    const run = startedRun(1, ['true'], [], 0);
    expect(cancelledRun(run, 50)).toMatchObject({ running: false, cancelled: true, endedAtMs: 50 });
    const ended = endedRun(run, null, 10);
    expect(cancelledRun(ended, 50)).toBe(ended);
  });

  it('the form starts empty with a one-minute timeout', () => {
    expect(EMPTY_RUN_DRAFT).toEqual({ selected: [], commandLine: '', timeoutSec: 60, added: [], mode: 'argv' });
  });

  it('argv mode splits the line into words; shell mode sends it whole as one argument of sh -c', () => {
    const line = `uname -r; echo "done $HOME" | tr a-z A-Z`;
    const asArgv = draftArgv(line, 'argv');
    expect(asArgv.ok && asArgv.argv).toEqual(['uname', '-r', ';', 'echo', 'done $HOME', '|', 'tr', 'a-z', 'A-Z']);
    expect(draftArgv(line, 'shell')).toMatchObject({ ok: true, argv: ['sh', '-c', line] });
    expect(draftArgv('   ', 'shell')).toMatchObject({ ok: true, argv: [] });
    expect(draftArgv(`echo 'open`, 'argv')).toMatchObject({ ok: false, error: 'unterminated-single' });
    // The shell parses it on the host, so an unbalanced quote is its business (it reports it there).
    expect(draftArgv(`echo 'open`, 'shell')).toMatchObject({ ok: true, argv: ['sh', '-c', `echo 'open`] });
  });

  it('says "1 host" and "N hosts" (en), and reads right in zh-CN', async () => {
    const en = i18next.createInstance();
    await en.init({ lng: 'en', resources: { en: { translation: terminalEn } } });
    expect(en.t('terminal.run.run', { count: 1 })).toBe('Run on 1 host');
    expect(en.t('terminal.run.run', { count: 3 })).toBe('Run on 3 hosts');
    expect(en.t('terminal.run.confirm', { count: 1 })).toBe('Run this command on 1 host?');
    const zh = i18next.createInstance();
    await zh.init({ lng: 'zh-CN', resources: { 'zh-CN': { translation: terminalZhCN } } });
    expect(zh.t('terminal.run.run', { count: 1 })).toBe('在 1 台主机上执行');
    expect(zh.t('terminal.run.run', { count: 5 })).toBe('在 5 台主机上执行');
  });
});
