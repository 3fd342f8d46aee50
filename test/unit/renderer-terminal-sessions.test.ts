import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { TerminalSession, TerminalTarget } from '../../main/contract/terminal';
import {
  cleanName,
  clockTime,
  CONNECTING,
  endTab,
  findTab,
  isEnded,
  newTab,
  openedPatch,
  patchTab,
  reconnectNote,
  removeTab,
  sessionPatch,
  sessionsToAdopt,
  statusOf,
  targetLabel,
} from '../../renderer/src/features/terminal/terminal-sessions';

const local: TerminalTarget = { kind: 'local' };
const hop = (host: string, port = 22, user = 'ops') => ({ host, port, user });
const ssh: TerminalTarget = { kind: 'ssh', target: hop('rig-7.lan'), jumps: [] };
const viaJumps: TerminalTarget = { kind: 'ssh', target: hop('10.0.0.5', 2222, 'root'), jumps: [hop('bastion'), hop('inner')] };
const AT = new Date(2025, 10, 23, 9, 5, 7).getTime();

const session = (s: Partial<TerminalSession> = {}): TerminalSession => ({
  id: 's-1',
  title: 'local',
  host: 'local',
  kind: 'local',
  state: 'running',
  cols: 80,
  rows: 24,
  pid: 4242,
  ...s,
});

describe('terminal sessions: labels and status', () => {
  it('labels local and SSH tabs (port only when not 22, jump hosts in order)', () => {
    expect(targetLabel(local)).toBe('local');
    expect(targetLabel(ssh)).toBe('ops@rig-7.lan');
    expect(targetLabel(viaJumps)).toBe('root@10.0.0.5:2222 (via bastion > inner)');
  });

  it('maps session states to tab states', () => {
    expect(statusOf('starting')).toBe('connecting');
    expect(statusOf('running')).toBe('running');
    expect(statusOf('exited')).toBe('exited');
    expect(statusOf('failed')).toBe('failed');
    expect(isEnded({ status: 'exited' })).toBe(true);
    expect(isEnded({ status: 'failed' })).toBe(true);
    expect(isEnded({ status: 'running' })).toBe(false);
    expect(isEnded({ status: 'connecting' })).toBe(false);
  });

  it('formats the local time of "[…]" lines', () => {
    expect(clockTime(AT)).toBe('09:05:07');
  });
});

describe('terminal sessions: the tab list', () => {
  it('a new tab is connecting, on its first session, with its label', () => {
    expect(newTab('t1', ssh)).toEqual({
      key: 't1',
      target: ssh,
      label: 'ops@rig-7.lan',
      name: null,
      title: '',
      status: 'connecting',
      sessionId: null,
      pid: undefined,
      exitCode: undefined,
      exitSignal: undefined,
      error: null,
      sessions: 1,
    });
  });

  it('patches and removes one tab, leaving the others as they were (same objects)', () => {
    const tabs = [newTab('t1', local), newTab('t2', ssh), newTab('t3', local)];
    const patched = patchTab(tabs, 't2', { title: 'htop' });
    expect(findTab(patched, 't2')?.title).toBe('htop');
    expect(patched[0]).toBe(tabs[0]);
    expect(patched[2]).toBe(tabs[2]);
    expect(tabs[1]!.title).toBe('');
    expect(patchTab(tabs, 'nope', { title: 'x' })).toEqual(tabs);
    expect(removeTab(tabs, 't2').map((t) => t.key)).toEqual(['t1', 't3']);
    expect(findTab(tabs, 'nope')).toBeUndefined();
  });

  it('opening a session clears what the last one left; opened and state events fill it in', () => {
    const ended = { ...newTab('t1', local), status: 'exited' as const, exitCode: 1, exitSignal: 'SIGHUP', error: new AppError('UNAVAILABLE', 'lost'), sessionId: 'old', pid: 1 };
    expect({ ...ended, ...CONNECTING }).toMatchObject({ status: 'connecting', exitCode: undefined, exitSignal: undefined, error: null, sessionId: null, pid: undefined });
    expect(openedPatch(session({ state: 'starting', id: 'new', pid: 7 }))).toEqual({ sessionId: 'new', pid: 7, status: 'connecting', title: '' });
    expect(sessionPatch(session({ state: 'exited', exitCode: 3, exitSignal: null, pid: 7 }))).toEqual({ status: 'exited', exitCode: 3, exitSignal: null, pid: 7 });
  });
});

describe('terminal sessions: the end of a session', () => {
  const running = { ...newTab('t1', ssh), status: 'running' as const, sessionId: 's-1' };

  it('a clean exit is an info line', () => {
    const { tab, note } = endTab(running, { status: 'exited', exitCode: 0 }, AT);
    expect(tab).toMatchObject({ status: 'exited', exitCode: 0 });
    expect(note).toEqual({ text: '[session ended · exit 0 · 09:05:07]', tone: 'info' });
  });

  it('a non-zero exit, a signal or a failure is an error line with what is known', () => {
    expect(endTab(running, { status: 'exited', exitCode: 130 }, AT).note).toEqual({ text: '[session ended · exit 130 · 09:05:07]', tone: 'error' });
    expect(endTab(running, { status: 'exited', exitCode: null, exitSignal: 'SIGKILL' }, AT).note).toEqual({ text: '[session ended · SIGKILL · 09:05:07]', tone: 'info' });
    const lost = endTab(running, { status: 'failed', error: new AppError('NOT_FOUND', 'that terminal session is gone') }, AT);
    expect(lost.note).toEqual({ text: '[session failed · that terminal session is gone · 09:05:07]', tone: 'error' });
    expect(lost.tab.error?.code).toBe('NOT_FOUND');
  });

  it('a tab that had ended takes a late patch without a second line', () => {
    const { tab: ended } = endTab(running, { status: 'exited' }, AT);
    const { tab, note } = endTab(ended, { exitCode: 2 }, AT);
    expect(tab).toMatchObject({ status: 'exited', exitCode: 2 });
    expect(note).toBeNull();
  });

  it('says what a reconnect opens', () => {
    expect(reconnectNote(newTab('t1', ssh), AT)).toEqual({ text: '[reconnecting to ops@rig-7.lan · 09:05:07]', tone: 'info' });
    expect(reconnectNote(newTab('t2', local), AT)).toEqual({ text: '[new shell: local · 09:05:07]', tone: 'info' });
  });

  it('after a reload: its own sessions come back oldest first, never twice, never another window\'s or an orphan', () => {
    const t = { kind: 'local' as const };
    const list = [
      { id: 'c', owner: 'me', attached: 1, target: t, createdAtMs: 3 },
      { id: 'a', owner: 'other', attached: 0, target: t, createdAtMs: 1 },
      { id: 'b', owner: 'other', attached: 1, target: t, createdAtMs: 2 },
      { id: 'd', owner: 'me', attached: 0, target: t, createdAtMs: 4 },
      { id: 'e', owner: 'me', attached: 0, createdAtMs: 5 },
    ];
    expect(sessionsToAdopt(list, 'me', new Set(['d'])).map((x) => x.id)).toEqual(['c']);
  });

  it('tab names are trimmed, squeezed and bounded; empty means none', () => {
    expect(cleanName('  a   b ')).toBe('a b');
    expect(cleanName('   ')).toBeNull();
    expect(cleanName('x'.repeat(300))).toHaveLength(128);
  });
});
