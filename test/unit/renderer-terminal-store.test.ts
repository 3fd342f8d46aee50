import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import type { SshTarget } from '../../main/contract/ssh';
import type { LiveUpdate } from '../../main/contract/live';
import type { HostRunResult, TerminalBusy, TerminalOutput, TerminalSession, TerminalTarget } from '../../main/contract/terminal';
import type { TunnelProfile } from '../../main/contract/tunnels';
import {
  ACK_INTERVAL_MS,
  createTerminalStore,
  DEFAULT_PREFS,
  selectActiveKey,
  selectActiveTab,
  selectBroadcast,
  selectPrefs,
  selectProfiles,
  selectRecent,
  selectRun,
  selectRunDraft,
  selectTabs,
  selectView,
  type LayoutStorage,
  type PrefsStorage,
  type SshDestination,
  type TerminalPrefs,
  type TerminalStore,
} from '../../renderer/src/features/terminal/terminal-store';
import { createToastStore, type ToastStore } from '../../renderer/src/stores/toast-store';
import { FakeTerminalScreen } from '../support/fake-terminal-screen';
import { RendererLink, settle, until } from '../support/renderer-link';

interface FakeSession {
  info: TerminalSession;
  sinks: Set<Sink<TerminalOutput>>;
  /** Output printed while nobody was attached: sent on the next attach. */
  waiting: string[];
  inputs: string[];
  resizes: { cols: number; rows: number }[];
  acked: number;
  attaches: number;
  /** What the service replays to a page that attaches again. */
  replay: string;
  busy: TerminalBusy;
}

/**
 * The terminal service as the page sees it: sessions that print when the test says so, state
 * first on every attach (then what waited while detached), input/resize/ack recorded, run on
 * hosts held until the test finishes it.
 */
function fakeTerminalService() {
  const sessions = new Map<string, FakeSession>();
  let seq = 0;
  const runs: { argv: string[]; hosts: SshTarget[]; sink: Sink<HostRunResult>; aborted: boolean }[] = [];
  const state = { openError: null as AppError | null, holdOpen: null as null | (() => void)[], profiles: [] as TunnelProfile[], listError: null as AppError | null, closed: [] as string[] };
  const get = (id: string) => {
    const s = sessions.get(id);
    if (!s) throw new AppError('NOT_FOUND', 'that terminal session is gone');
    return s;
  };
  const impl = {
    terminal: {
      open: async ({ target, cols, rows, owner, label }: { target: TerminalTarget; cols: number; rows: number; owner?: string; label?: string }) => {
        if (state.holdOpen) await new Promise<void>((resolve) => state.holdOpen!.push(resolve));
        if (state.openError) throw state.openError;
        const id = `sess-${++seq}`;
        const info: TerminalSession = {
          id,
          title: 'shell',
          host: target.kind === 'local' ? 'local' : `${target.target.user}@${target.target.host}:${target.target.port}`,
          kind: target.kind,
          state: 'running',
          cols,
          rows,
          pid: 1000 + seq,
          target,
          createdAtMs: seq,
          ...(owner ? { owner } : {}),
          ...(label ? { label } : {}),
        };
        sessions.set(id, { info, sinks: new Set(), waiting: [], inputs: [], resizes: [], acked: 0, attaches: 0, replay: '', busy: { busy: 'no', how: 'fake' } });
        return info;
      },
      live: (_input: null, sink: Sink<LiveUpdate>) => {
        const data = { sessions: Object.fromEntries([...sessions.values()].map((x) => [x.info.id, { ...x.info, attached: x.sinks.size }])) };
        sink.next({ t: 'snapshot', seq: 0, atMs: 0, nowMs: 0, health: { state: 'live', sinceMs: 0 }, data });
        return toDisposable(() => undefined);
      },
      replay: ({ id, owner }: { id: string; owner?: string }) => {
        const s = get(id);
        if (owner) s.info = { ...s.info, owner };
        return { data: s.replay, truncated: false };
      },
      rename: ({ id, label }: { id: string; label: string }) => {
        const s = get(id);
        s.info = { ...s.info, label };
        return null;
      },
      busy: ({ id }: { id: string }) => get(id).busy,
      savedHosts: () => ({
        hosts: [
          { key: 'profile:kafka', name: 'Kafka', source: 'profile' as const, target: { host: 'gw', port: 22, user: 'ops' }, jumps: [] },
          { key: 'sshConfig:rig-07', name: 'rig-07', source: 'sshConfig' as const, target: { host: '10.1.0.7', port: 2207, user: 'ops' }, jumps: [{ host: '10.0.0.1', port: 22, user: 'jump' }] },
          { key: 'fleet:h1', name: 'gpu-01', source: 'fleet' as const, group: 'gpu', target: { host: '10.1.0.8', port: 22, user: 'root' }, jumps: [] },
        ],
        problems: [],
      }),
      list: () => [...sessions.values()].map((s) => s.info),
      close: ({ id }: { id: string }) => {
        const s = get(id);
        sessions.delete(id);
        state.closed.push(id);
        for (const sink of s.sinks) sink.end();
        return null;
      },
      output: ({ id }: { id: string }, sink: Sink<TerminalOutput>) => {
        const s = get(id);
        s.attaches++;
        sink.next({ kind: 'state', session: s.info });
        for (const data of s.waiting.splice(0)) sink.next({ kind: 'data', data });
        s.sinks.add(sink);
        return toDisposable(() => s.sinks.delete(sink));
      },
      input: ({ id, data }: { id: string; data: string }) => {
        get(id).inputs.push(data);
      },
      resize: ({ id, cols, rows }: { id: string; cols: number; rows: number }) => {
        get(id).resizes.push({ cols, rows });
      },
      ack: ({ id, chars }: { id: string; chars: number }) => {
        const s = sessions.get(id);
        if (s) s.acked += chars;
      },
      runOnHosts: ({ argv, hosts }: { argv: string[]; hosts: SshTarget[] }, sink: Sink<HostRunResult>) => {
        const run = { argv, hosts, sink, aborted: false };
        runs.push(run);
        return toDisposable(() => (run.aborted = true));
      },
    },
    tunnels: {
      list: () => {
        if (state.listError) throw state.listError;
        return state.profiles;
      },
    },
  };
  const print = (id: string, data: string) => {
    const s = get(id);
    if (s.sinks.size === 0) s.waiting.push(data);
    else for (const sink of s.sinks) sink.next({ kind: 'data', data });
  };
  const emit = (id: string, e: TerminalOutput) => {
    for (const sink of get(id).sinks) sink.next(e);
  };
  const exit = (id: string, exitCode: number, exitSignal: string | null = null) => {
    const s = get(id);
    s.info = { ...s.info, state: 'exited', exitCode, exitSignal };
    emit(id, { kind: 'state', session: s.info });
  };
  /** The host restarted: every session is gone. */
  const forgetAll = () => sessions.clear();
  return { sessions, runs, state, impl, print, emit, exit, forgetAll, session: (id: string) => get(id) };
}

function memoryStorage(init: { prefs?: Partial<TerminalPrefs>; recent?: unknown } = {}) {
  const writes: { prefs: TerminalPrefs; recent: readonly SshDestination[] }[] = [];
  const storage: PrefsStorage = { read: () => init, write: (v) => writes.push(structuredClone(v) as (typeof writes)[number]) };
  return { storage, writes };
}

const hop = (host: string, port = 22, user = 'ops') => ({ host, port, user });
const profile = (id: string, name: string, host: string): TunnelProfile =>
  ({ id, name, target: hop(host), jumps: [], forwards: [{ id: 'f1', kind: 'local', bindAddress: '127.0.0.1', bindPort: 9092, destHost: 'kafka', destPort: 9092, allowLan: false, probeIntervalSec: 0 }], keepalive: { intervalSec: 5, countMax: 2 }, exitOnForwardFailure: true, holdClientsSec: 3, unknownHostKey: 'ask', autostart: false }) as TunnelProfile;

describe('terminal store (composed), over the real link and RPC engine', () => {
  let fx: RendererLink;
  let toasts: ToastStore;
  let store: TerminalStore | undefined;
  let svc: ReturnType<typeof fakeTerminalService>;
  let screens: FakeTerminalScreen[];
  let pageShown: number;
  let stored: ReturnType<typeof memoryStorage>;

  afterEach(() => {
    store?.dispose();
    store = undefined;
    fx?.dispose();
  });

  async function setup(options: { storage?: ReturnType<typeof memoryStorage>; link?: boolean; service?: ReturnType<typeof fakeTerminalService>; clientId?: string; layout?: LayoutStorage } = {}) {
    svc = options.service ?? fakeTerminalService();
    fx = new RendererLink(svc.impl);
    toasts = createToastStore();
    screens = [];
    pageShown = 0;
    stored = options.storage ?? memoryStorage();
    store = createTerminalStore({
      api: fx.api,
      toasts,
      createScreen: ({ key, prefs }) => {
        const s = new FakeTerminalScreen(key, prefs);
        screens.push(s);
        return s;
      },
      showPage: () => pageShown++,
      storage: stored.storage,
      now: () => fx.clock.now(),
      clock: fx.clock,
      clientId: options.clientId ?? 'page-1',
      liveSchedule: (flush) => queueMicrotask(flush),
      layoutStorage: options.layout ?? null,
      ...(options.link === false ? {} : { link: fx.link }),
    });
    await fx.open();
    return store;
  }

  const tab = (key: string) => store!.getState().tabs.find((t) => t.key === key)!;
  const running = (key: string) => until(`${key} runs`, () => tab(key)?.status === 'running');
  const screenOf = (key: string) => store!.getState().screen(key) as FakeTerminalScreen;
  const sessionOf = (key: string) => svc.session(tab(key).sessionId!);
  const errorToasts = () => toasts.getState().queue.flatMap((t) => (t.kind === 'error' ? [`${t.action}:${t.code}`] : []));

  it('starts from stored preferences and recent hosts', async () => {
    const s = await setup({ storage: memoryStorage({ prefs: { fontSize: 18, renderer: 'dom' }, recent: [{ target: hop('rig-1'), jumps: [] }, null] }) });
    expect(selectPrefs(s.getState())).toEqual({ ...DEFAULT_PREFS, fontSize: 18, renderer: 'dom' });
    expect(selectRecent(s.getState()).map((r) => r.name)).toEqual(['ops@rig-1:22']);
    expect(selectTabs(s.getState())).toEqual([]);
    expect(selectView(s.getState())).toBe('terminals');
    expect(selectRunDraft(s.getState())).toEqual({ selected: [], commandLine: '', timeoutSec: 60, added: [], mode: 'argv' });
  });

  it('opens a tab: active, shown, running, its output on the screen and acknowledged once parsed', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'local' })!;
    expect(key).toBe('t1');
    expect(selectActiveKey(s.getState())).toBe('t1');
    expect(selectActiveTab(s.getState())?.status).toBe('connecting');
    expect(pageShown).toBe(1);
    expect(screens[0]!.initialPrefs).toEqual(DEFAULT_PREFS);
    await running(key);
    expect(tab(key)).toMatchObject({ label: 'local', sessionId: 'sess-1', pid: 1001, sessions: 1, error: null });

    screenOf(key).autoParse = false;
    svc.print('sess-1', 'hello ');
    svc.print('sess-1', 'world');
    await until('output', () => screenOf(key).written.length === 2);
    await fx.clock.advance(ACK_INTERVAL_MS * 2);
    await settle();
    expect(sessionOf(key).acked).toBe(0);
    screenOf(key).parse();
    await fx.clock.advance(ACK_INTERVAL_MS);
    await until('acked', () => sessionOf(key).acked === 11);
    expect(screenOf(key).transcript()).toBe('hello world');

    svc.emit('sess-1', { kind: 'title', title: 'htop' });
    await until('title', () => tab(key).title === 'htop');
  });

  it('an SSH tab is remembered as a recent host; an invalid target opens nothing and says why', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'ssh', target: { host: 'rig-9.lan', user: 'ops' } }, { navigate: false })!;
    expect(pageShown).toBe(0);
    expect(tab(key).label).toBe('ops@rig-9.lan');
    expect(selectRecent(s.getState()).map((r) => r.key)).toEqual(['recent:ops@rig-9.lan:22']);
    expect(stored.writes.at(-1)?.recent.map((r) => r.name)).toEqual(['ops@rig-9.lan:22']);

    expect(s.getState().openTerminal({ kind: 'ssh', target: { host: '', user: 'ops' } } as never)).toBeNull();
    expect(s.getState().tabs).toHaveLength(1);
    expect(errorToasts()).toEqual(['openTerminal:INVALID_INPUT']);
  });

  it('a background tab is opened without taking the focus', async () => {
    const s = await setup();
    s.getState().openTerminal({ kind: 'local' });
    s.getState().setView('run');
    s.getState().openTerminal({ kind: 'local' }, { activate: false });
    expect(selectActiveKey(s.getState())).toBe('t1');
    expect(selectView(s.getState())).toBe('run');
    s.getState().activate('t2');
    expect(s.getState()).toMatchObject({ activeKey: 't2', view: 'terminals' });
    s.getState().activate('nope');
    expect(selectActiveKey(s.getState())).toBe('t2');
  });

  it('a session that exits says so in its scrollback, once', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'local' })!;
    await running(key);
    svc.exit('sess-1', 2);
    await until('exited', () => tab(key).status === 'exited');
    expect(tab(key).exitCode).toBe(2);
    expect(screenOf(key).notes).toEqual([{ text: expect.stringMatching(/^\[session ended · exit 2 · \d\d:\d\d:\d\d\]$/), tone: 'error' }]);
    svc.session('sess-1').sinks.forEach((sink) => sink.end());
    await settle();
    expect(screenOf(key).notes).toHaveLength(1);
  });

  it('sends what is typed and the screen size to the session', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'local' })!;
    await running(key);
    screenOf(key).type('ls -la\r');
    screenOf(key).fit(100, 30);
    await until('input', () => sessionOf(key).inputs.length === 1);
    expect(sessionOf(key).inputs).toEqual(['ls -la\r']);
    await until('resize', () => sessionOf(key).resizes.length === 1);
    expect(sessionOf(key).resizes).toEqual([{ cols: 100, rows: 30 }]);
  });

  it('broadcast: typing into a broadcast tab reaches every broadcast tab, and only those', async () => {
    const s = await setup();
    const [a, b, c] = [s.getState().openTerminal({ kind: 'local' })!, s.getState().openTerminal({ kind: 'local' })!, s.getState().openTerminal({ kind: 'local' })!];
    await Promise.all([running(a), running(b), running(c)]);
    s.getState().startBroadcast([a, b]);
    expect(selectBroadcast(s.getState())).toEqual([a, b]);
    screenOf(a).type('uptime\r');
    screenOf(c).type('only c\r');
    await until('inputs', () => sessionOf(b).inputs.length === 1 && sessionOf(c).inputs.length === 1);
    expect([sessionOf(a).inputs, sessionOf(b).inputs, sessionOf(c).inputs]).toEqual([['uptime\r'], ['uptime\r'], ['only c\r']]);

    s.getState().toggleBroadcastTab(c);
    expect(selectBroadcast(s.getState())).toEqual([a, b, c]);
    s.getState().closeTab(b);
    expect(selectBroadcast(s.getState())).toEqual([a, c]);
    s.getState().stopBroadcast();
    expect(selectBroadcast(s.getState())).toBeNull();

    // The screen's key toggles it: on for every running tab, then off.
    screenOf(a).press({ kind: 'toggleBroadcast' });
    expect(selectBroadcast(s.getState())).toEqual([a, c]);
    screenOf(a).press({ kind: 'toggleBroadcast' });
    expect(selectBroadcast(s.getState())).toBeNull();
  });

  it('closing a tab ends its session, frees its screen and activates a neighbour', async () => {
    const s = await setup();
    const [a, b] = [s.getState().openTerminal({ kind: 'local' })!, s.getState().openTerminal({ kind: 'local' })!];
    await Promise.all([running(a), running(b)]);
    const id = tab(b).sessionId!;
    s.getState().closeTab(b);
    expect(selectTabs(s.getState()).map((t) => t.key)).toEqual([a]);
    expect(selectActiveKey(s.getState())).toBe(a);
    expect(screens[1]!.disposed).toBe(true);
    expect(s.getState().screen(b)).toBeUndefined();
    await until('closed on the service', () => svc.state.closed.includes(id));
    s.getState().closeTab(b); // twice is harmless
  });

  it('reconnect opens a new session in the same tab and closes the old one', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'local' })!;
    await running(key);
    s.getState().reconnect(key);
    expect(tab(key)).toMatchObject({ status: 'connecting', sessions: 2, sessionId: null });
    await running(key);
    expect(tab(key).sessionId).toBe('sess-2');
    expect(screenOf(key).notes).toEqual([{ text: expect.stringMatching(/^\[new shell: local · /), tone: 'info' }]);
    await until('old closed', () => svc.state.closed.includes('sess-1'));
  });

  it('a failed open fails the tab and says why; cancelling an open is quiet', async () => {
    const s = await setup();
    svc.state.openError = new AppError('HOST_KEY_CHANGED', 'the host key of rig-9 changed');
    const key = s.getState().openTerminal({ kind: 'ssh', target: { host: 'rig-9', user: 'ops' } })!;
    await until('failed', () => tab(key).status === 'failed');
    expect(tab(key).error?.code).toBe('HOST_KEY_CHANGED');
    expect(errorToasts()).toEqual(['openTerminal:HOST_KEY_CHANGED']);
    expect(screenOf(key).notes[0]?.tone).toBe('error');

    svc.state.openError = null;
    svc.state.holdOpen = [];
    const other = s.getState().openTerminal({ kind: 'local' })!;
    await until('open sent', () => svc.state.holdOpen!.length === 1);
    s.getState().cancelOpen(other);
    await until('cancelled', () => tab(other).status === 'failed');
    expect(tab(other).error?.code).toBe('CANCELLED');
    expect(errorToasts()).toHaveLength(1);
  });

  it('preferences apply to every screen and are stored; font keys change them', async () => {
    const s = await setup();
    const [a, b] = [s.getState().openTerminal({ kind: 'local' })!, s.getState().openTerminal({ kind: 'local' })!];
    s.getState().setPrefs({ scrollback: 5000, copyOnSelect: false });
    screenOf(a).press({ kind: 'fontSize', delta: 2 });
    expect(selectPrefs(s.getState())).toEqual({ ...DEFAULT_PREFS, scrollback: 5000, copyOnSelect: false, fontSize: 15 });
    expect(screenOf(b).appliedPrefs.at(-1)).toEqual(selectPrefs(s.getState()));
    expect(stored.writes.at(-1)?.prefs).toEqual(selectPrefs(s.getState()));
    screenOf(b).press({ kind: 'fontSizeReset' });
    expect(selectPrefs(s.getState()).fontSize).toBe(DEFAULT_PREFS.fontSize);
    s.getState().setPrefs({ fontSize: 1000 });
    expect(selectPrefs(s.getState()).fontSize).toBe(32);
  });

  it('offers saved tunnel targets once per route; a failure is toasted', async () => {
    const s = await setup();
    svc.state.profiles = [profile('kafka', 'Kafka', 'gw'), profile('influx', 'Influx', 'gw'), profile('etcd', 'etcd', 'db')];
    await s.getState().loadProfiles();
    expect(selectProfiles(s.getState()).map((p) => p.key)).toEqual(['profile:kafka', 'profile:etcd']);
    expect(s.getState().profilesLoading).toBe(false);
    // ~/.ssh/config and fleet hosts come from the service beside them (profiles are not listed twice).
    expect(s.getState().saved.map((h) => h.key)).toEqual(['sshConfig:rig-07', 'fleet:h1']);
    svc.state.listError = new AppError('LOCKED', 'the vault is locked');
    await s.getState().loadProfiles();
    expect(selectProfiles(s.getState())).toHaveLength(2);
    expect(errorToasts()).toEqual(['loadTunnelTargets:LOCKED']);
  });

  it('runs a command on hosts: results as they come, then the end; cancel and clear', async () => {
    const s = await setup();
    s.getState().setRunDraft({ commandLine: 'uptime', selected: ['ops@a:22'] });
    expect(selectRunDraft(s.getState())).toMatchObject({ commandLine: 'uptime', selected: ['ops@a:22'], timeoutSec: 60 });
    s.getState().runOnHosts(['uptime'], [{ target: hop('a'), jumps: [] }, { target: hop('b'), jumps: [] }], 30);
    expect(selectRun(s.getState())).toMatchObject({ id: 1, argv: ['uptime'], running: true, results: {} });
    await until('run started on the service', () => svc.runs.length === 1);
    const run = svc.runs[0]!;
    expect(run.hosts.map((h) => h.target.host)).toEqual(['a', 'b']);
    run.sink.next({ host: 'ops@a:22', route: 'ops@a:22', state: 'done', exitCode: 0, stdout: 'up 3 days\n', stderr: '' });
    await until('result', () => Object.keys(selectRun(s.getState())!.results).length === 1);
    run.sink.end();
    await until('ended', () => !selectRun(s.getState())!.running);
    expect(selectRun(s.getState())).toMatchObject({ cancelled: false, error: null, endedAtMs: fx.clock.now() });

    s.getState().runOnHosts(['sleep', '100'], [{ target: hop('a'), jumps: [] }], 30);
    await until('second run', () => svc.runs.length === 2);
    s.getState().cancelRun();
    expect(selectRun(s.getState())).toMatchObject({ id: 2, running: false, cancelled: true });
    await until('aborted on the service', () => svc.runs[1]!.aborted);
    s.getState().clearRun();
    expect(selectRun(s.getState())).toBeNull();
  });

  describe('with the link lost and restored', () => {
    it('a running tab stays attached: the service sends its state and what was printed meanwhile, and acks flow again', async () => {
      const s = await setup();
      const key = s.getState().openTerminal({ kind: 'local' })!;
      await running(key);
      svc.print('sess-1', 'before ');
      await until('before', () => screenOf(key).written.length === 1);

      await fx.lose({ stayDown: true });
      svc.print('sess-1', 'during ');
      expect(tab(key).status).toBe('running');
      await fx.restore();
      await until('what waited arrives', () => screenOf(key).transcript() === 'before during ');
      expect(sessionOf(key).attaches).toBe(2);
      expect(tab(key)).toMatchObject({ status: 'running', sessionId: 'sess-1', sessions: 1 });

      svc.print('sess-1', 'after');
      await until('after', () => screenOf(key).transcript().endsWith('after'));
      await fx.clock.advance(ACK_INTERVAL_MS);
      await until('acks after the restore', () => sessionOf(key).acked >= 'during after'.length);
      expect(screenOf(key).notes).toEqual([]);
      expect(errorToasts()).toEqual([]);
    });

    it('typing while the link is down is refused with a toast; once restored it reaches the session', async () => {
      const s = await setup();
      const key = s.getState().openTerminal({ kind: 'local' })!;
      await running(key);
      await fx.lose({ stayDown: true });
      screenOf(key).type('ls\r');
      expect(errorToasts()).toEqual(['terminalInput:UNAVAILABLE']);
      await fx.restore();
      screenOf(key).type('pwd\r');
      await until('input after restore', () => sessionOf(key).inputs.length === 1);
      expect(sessionOf(key).inputs).toEqual(['pwd\r']);
    });

    it('a session the service lost meanwhile (restarted host) ends the tab with the reason', async () => {
      const s = await setup();
      const key = s.getState().openTerminal({ kind: 'local' })!;
      await running(key);
      await fx.lose({ stayDown: true });
      svc.forgetAll();
      await fx.restore();
      await until('failed', () => tab(key).status === 'failed');
      expect(tab(key).error).toMatchObject({ code: 'NOT_FOUND' });
      expect(screenOf(key).notes).toEqual([{ text: expect.stringMatching(/^\[session failed · that terminal session is gone · /), tone: 'error' }]);
      // Reconnect in the same tab works once the link is back.
      s.getState().reconnect(key);
      await running(key);
      expect(tab(key).sessions).toBe(2);
    });

    it('an open in flight when the link drops fails the tab (it is not retried)', async () => {
      const s = await setup();
      svc.state.holdOpen = [];
      const key = s.getState().openTerminal({ kind: 'local' })!;
      await until('open sent', () => svc.state.holdOpen!.length === 1);
      await fx.lose({ stayDown: true });
      await until('failed', () => tab(key).status === 'failed');
      expect(tab(key).error?.code).toBe('UNAVAILABLE');
      expect(errorToasts()).toEqual(['openTerminal:UNAVAILABLE']);
    });

    it('a run on hosts ends when the link drops and is not run again after the restore', async () => {
      const s = await setup();
      s.getState().runOnHosts(['reboot'], [{ target: hop('a'), jumps: [] }], 30);
      await until('run started', () => svc.runs.length === 1);
      await fx.lose({ stayDown: true });
      expect(selectRun(s.getState())).toMatchObject({ running: false, cancelled: false, error: { code: 'UNAVAILABLE' } });
      expect(errorToasts()).toEqual(['runOnHosts:UNAVAILABLE']);
      await fx.restore();
      await settle();
      expect(svc.runs).toHaveLength(1);
      expect(svc.runs[0]!.aborted).toBe(true);
    });

    it('without the link dependency a run would be subscribed again, and so run twice (why the store takes the link)', async () => {
      const s = await setup({ link: false });
      s.getState().runOnHosts(['reboot'], [{ target: hop('a'), jumps: [] }], 30);
      await until('run started', () => svc.runs.length === 1);
      await fx.lose({ stayDown: true });
      await fx.restore();
      await until('run again', () => svc.runs.length === 2);
      expect(selectRun(s.getState())?.running).toBe(true);
    });
  });

  describe('after a reload', () => {
    /** Sessions a page had before it reloaded: one it owned, one of another window that is still attached, one nobody holds. */
    async function serviceWithSessions() {
      const service = fakeTerminalService();
      const t = service.impl.terminal;
      const mine = await t.open({ target: { kind: 'local' }, cols: 80, rows: 24, owner: 'page-1', label: 'build' });
      const ssh = await t.open({ target: { kind: 'ssh', target: { host: 'rig-07', port: 22, user: 'ops' }, jumps: [] }, cols: 80, rows: 24, owner: 'page-1' });
      const theirs = await t.open({ target: { kind: 'local' }, cols: 80, rows: 24, owner: 'page-2' });
      const orphan = await t.open({ target: { kind: 'local' }, cols: 80, rows: 24, owner: 'page-3' });
      service.session(mine.id).replay = 'echo M1\r\nM1\r\n$ ';
      service.session(ssh.id).replay = 'ssh-marker\r\n';
      // page-2 is attached in another window.
      service.impl.terminal.output({ id: theirs.id }, { next: () => undefined, end: () => undefined, signal: new AbortController().signal, bufferedBytes: () => 0 });
      return { service, mine, ssh, theirs, orphan };
    }

    it('takes back its own sessions with their recent output, names and order; other windows\' and orphaned ones are offered', async () => {
      const { service, mine, ssh, theirs, orphan } = await serviceWithSessions();
      const s = await setup({ service });
      await until('restored', () => s.getState().restored && s.getState().tabs.length === 2);
      const tabs = s.getState().tabs;
      expect(tabs.map((x) => x.sessionId)).toEqual([mine.id, ssh.id]);
      expect(tabs[0]).toMatchObject({ name: 'build', label: 'local' });
      expect(tabs[1]).toMatchObject({ name: null, label: 'ops@rig-07' });
      await until('running', () => s.getState().tabs.every((x) => x.status === 'running'));
      expect(screenOf(tabs[0]!.key).transcript()).toContain('M1');
      expect(screenOf(tabs[1]!.key).transcript()).toContain('ssh-marker');
      expect(screenOf(tabs[0]!.key).notes.map((n) => n.text)).toEqual([expect.stringMatching(/^\[reattached · /)]);
      // Live output continues after the replay, and is acknowledged.
      svc.print(mine.id, 'after');
      await until('after', () => screenOf(tabs[0]!.key).transcript().endsWith('after'));
      expect(s.getState().activeKey).toBe(tabs[1]!.key);
      // The other window's session and the orphan are offered, not taken.
      expect(s.getState().others.map((x) => x.id)).toEqual([theirs.id, orphan.id]);
      const k = s.getState().attachSession(orphan.id)!;
      await until('attached on demand', () => tab(k)?.status === 'running');
      expect(svc.session(orphan.id).info.owner).toBe('page-1');
      await until('offered no more', () => s.getState().others.length === 1);
    });

    it('lays the tabs out as before the reload: the split, each pane\'s front tab and the focus; the layout is kept as the user changes it', async () => {
      const { service, mine, ssh } = await serviceWithSessions();
      let kept: string | null = JSON.stringify({ split: true, right: [mine.id], rightFront: mine.id, leftFront: ssh.id, focus: 'right' });
      const layout: LayoutStorage = { read: () => kept, write: (v) => (kept = v) };
      const s = await setup({ service, layout });
      await until('restored', () => s.getState().restored && s.getState().tabs.length === 2);
      const [m, h] = s.getState().tabs.map((x) => x.key);
      expect(s.getState().panes).toEqual({ split: true, right: [m], rightKey: m, focus: 'right' });
      expect(s.getState().activeKey).toBe(h);
      await until('running', () => s.getState().tabs.every((x) => x.status === 'running'));
      // Back to one pane: that is what the next reload shows.
      s.getState().toggleSplit();
      await until('kept', () => JSON.parse(kept!).split === false);
      expect(JSON.parse(kept!)).toMatchObject({ split: false, right: [], leftFront: mine.id });
    });

    it('a stored layout that is not one brings the tabs back in one pane', async () => {
      const { service } = await serviceWithSessions();
      const s = await setup({ service, layout: { read: () => '{not json', write: () => undefined } });
      await until('restored', () => s.getState().restored && s.getState().tabs.length === 2);
      expect(s.getState().panes.split).toBe(false);
      expect(s.getState().activeKey).toBe(s.getState().tabs[1]!.key);
    });

    it('a page that opened a tab before the list arrived takes nothing back by itself', async () => {
      const { service } = await serviceWithSessions();
      svc = service;
      fx = new RendererLink(svc.impl);
      toasts = createToastStore();
      screens = [];
      store = createTerminalStore({
        api: fx.api,
        toasts,
        createScreen: ({ key, prefs }) => new FakeTerminalScreen(key, prefs),
        showPage: () => undefined,
        storage: memoryStorage().storage,
        clock: fx.clock,
        clientId: 'page-1',
        liveSchedule: (flush) => queueMicrotask(flush),
        link: fx.link,
      });
      store.getState().openTerminal({ kind: 'local' });
      await fx.open();
      await until('list', () => store!.getState().restored);
      await settle();
      expect(store.getState().tabs).toHaveLength(1);
      expect(store.getState().others.length).toBeGreaterThanOrEqual(4);
    });
  });

  it('rename keeps the name on the service and a reconnect carries it; duplicate opens the same target with the name', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'ssh', target: { host: 'rig-07', user: 'ops' } })!;
    await running(key);
    s.getState().renameTab(key, '  miner   seven ');
    expect(tab(key).name).toBe('miner seven');
    await until('renamed on the service', () => sessionOf(key).info.label === 'miner seven');
    s.getState().reconnect(key);
    await until('new session', () => tab(key).sessionId === 'sess-2' && tab(key).status === 'running');
    expect(sessionOf(key).info.label).toBe('miner seven');
    const dup = s.getState().duplicateTab(key)!;
    await running(dup);
    expect(tab(dup)).toMatchObject({ name: 'miner seven', label: 'ops@rig-07', target: tab(key).target });
    expect(sessionOf(dup).info.owner).toBe('page-1');
    s.getState().renameTab(key, '');
    expect(tab(key).name).toBeNull();
  });

  it('closing or reloading the page while a session runs asks first (beforeunload); with none, it does not', async () => {
    const target = new EventTarget();
    svc = fakeTerminalService();
    fx = new RendererLink(svc.impl);
    toasts = createToastStore();
    store = createTerminalStore({
      api: fx.api,
      toasts,
      createScreen: ({ key, prefs }) => new FakeTerminalScreen(key, prefs),
      showPage: () => undefined,
      storage: memoryStorage().storage,
      clock: fx.clock,
      clientId: 'page-1',
      liveSchedule: (flush) => queueMicrotask(flush),
      link: fx.link,
      unloadTarget: target,
    });
    await fx.open();
    const unload = () => {
      const e = new Event('beforeunload', { cancelable: true });
      target.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(unload()).toBe(false);
    const key = store.getState().openTerminal({ kind: 'local' })!;
    await running(key);
    expect(unload()).toBe(true);
    svc.exit(tab(key).sessionId!, 0);
    await until('exited', () => tab(key).status === 'exited');
    expect(unload()).toBe(false);
    store.dispose();
    store = undefined;
  });

  it('busy asks the service whether a job runs in the tab', async () => {
    const s = await setup();
    const key = s.getState().openTerminal({ kind: 'local' })!;
    await running(key);
    expect(await s.getState().busy(key)).toEqual({ busy: 'no', how: 'fake' });
    sessionOf(key).busy = { busy: 'yes', process: 'vim', how: 'fake' };
    expect(await s.getState().busy(key)).toMatchObject({ busy: 'yes', process: 'vim' });
    svc.exit(sessionOf(key).info.id, 0);
    await until('exited', () => tab(key).status === 'exited');
    expect(await s.getState().busy(key)).toBeNull();
  });

  it('dispose closes every session and frees every screen', async () => {
    const s = await setup();
    const [a, b] = [s.getState().openTerminal({ kind: 'local' })!, s.getState().openTerminal({ kind: 'local' })!];
    await Promise.all([running(a), running(b)]);
    s.dispose();
    store = undefined;
    await until('closed on the service', () => svc.state.closed.length === 2);
    expect(screens.every((x) => x.disposed)).toBe(true);
  });
});
