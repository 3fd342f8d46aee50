import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { HostRunResult } from '../../main/contract/terminal';
import { cancelledRun, EMPTY_RUN_DRAFT, endedRun, runHosts, startedRun, withResult } from '../../renderer/src/features/terminal/terminal-run';

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
    expect(EMPTY_RUN_DRAFT).toEqual({ selected: [], commandLine: '', timeoutSec: 60, added: [] });
  });
});
