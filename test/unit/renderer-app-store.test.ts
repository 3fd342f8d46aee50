import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import type { Notice, SystemInfo } from '../../main/contract/system';
import { createAppStore, selectInfo, selectNotices, selectPing, selectVersion, type AppStore } from '../../renderer/src/stores/app-store';
import { createToastStore, type ToastStore } from '../../renderer/src/stores/toast-store';
import { RendererLink, settle, until } from '../support/renderer-link';

const notice = (id: string, level: Notice['level'] = 'info'): Notice => ({ id, level, key: `test.${id}`, message: `notice ${id}` });

/** A fake system service: info as set by the test, notices pushed to every subscriber. */
function fakeSystem() {
  const sinks = new Set<Sink<Notice>>();
  const state = {
    info: { name: 'drover', version: '0.1.0', transport: 'web', platform: 'linux', node: 'v20', pid: 100, startedAtMs: 1, configDir: '/cfg', notices: [] } as SystemInfo,
    infoCalls: 0,
    infoError: null as AppError | null,
    /** Resolves info calls only when the test says so. */
    holdInfo: null as null | (() => void)[],
    pingError: null as AppError | null,
  };
  const impl = {
    info: async () => {
      state.infoCalls++;
      if (state.holdInfo) await new Promise<void>((resolve) => state.holdInfo!.push(resolve));
      if (state.infoError) throw state.infoError;
      return structuredClone(state.info);
    },
    ping: ({ echo }: { echo: string }) => {
      if (state.pingError) throw state.pingError;
      return { echo, serverTimeMs: 42 };
    },
    notices: (_input: null, sink: Sink<Notice>) => {
      sinks.add(sink);
      return toDisposable(() => sinks.delete(sink));
    },
  };
  const push = (n: Notice) => {
    for (const s of sinks) s.next(n);
  };
  return { state, impl, push, subscribers: () => sinks.size };
}

describe('app store', () => {
  let fx: RendererLink;
  let toasts: ToastStore;
  let store: AppStore | undefined;
  afterEach(() => {
    store?.dispose();
    fx?.dispose();
  });

  async function setup(sys = fakeSystem(), extra: Partial<Parameters<typeof createAppStore>[0]> = {}) {
    fx = new RendererLink({ system: sys.impl });
    toasts = createToastStore();
    store = createAppStore({ api: fx.api, link: fx.link, toasts, ...extra });
    await fx.open();
    await until('info loaded', () => store!.getState().info !== null || store!.getState().infoError !== null);
    return { sys, store };
  }

  it('loads system info once the link is open, and toasts its notices once each', async () => {
    const sys = fakeSystem();
    sys.state.info.notices = [notice('a'), notice('b', 'warning')];
    const { store } = await setup(sys);
    expect(selectInfo(store.getState())).toMatchObject({ version: '0.1.0', pid: 100 });
    expect(selectVersion(store.getState())).toBe('0.1.0');
    expect(store.getState().infoLoading).toBe(false);
    // Newest first: info lists them oldest first.
    expect(selectNotices(store.getState()).map((n) => n.id)).toEqual(['b', 'a']);
    expect(toasts.getState().queue.map((t) => t.kind === 'notice' && t.notice.id)).toEqual(['a', 'b']);

    // The stream repeats one of them and adds one: only the new one is toasted.
    sys.push(notice('b', 'warning'));
    sys.push(notice('c'));
    await until('c arrives', () => store.getState().notices.length === 3);
    expect(selectNotices(store.getState()).map((n) => n.id)).toEqual(['c', 'b', 'a']);
    expect(toasts.getState().queue.map((t) => t.kind === 'notice' && t.notice.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps at most 100 notices', async () => {
    const { sys, store } = await setup();
    for (let i = 0; i < 105; i++) sys.push(notice(`n${i}`));
    await until('all arrived', () => store.getState().notices[0]?.id === 'n104');
    expect(store.getState().notices).toHaveLength(100);
    expect(store.getState().notices.at(-1)?.id).toBe('n5');
  });

  it('a failed info call is shown at the store and as a toast', async () => {
    const sys = fakeSystem();
    sys.state.infoError = new AppError('INTERNAL', 'info broke');
    const { store } = await setup(sys);
    expect(store.getState().info).toBeNull();
    expect(store.getState().infoError).toMatchObject({ code: 'INTERNAL', message: 'info broke' });
    expect(toasts.getState().queue).toEqual([expect.objectContaining({ code: 'INTERNAL', action: 'loadInfo' })]);

    sys.state.infoError = null;
    await store.getState().refreshInfo();
    expect(store.getState().info?.version).toBe('0.1.0');
    expect(store.getState().infoError).toBeNull();
  });

  it('only the latest of overlapping info calls counts', async () => {
    const { sys, store } = await setup();
    sys.state.holdInfo = [];
    const older = store.getState().refreshInfo();
    await until('first held', () => sys.state.holdInfo!.length === 1);
    sys.state.info = { ...sys.state.info, version: '0.2.0' };
    const newer = store.getState().refreshInfo();
    await until('second held', () => sys.state.holdInfo!.length === 2);
    expect(store.getState().infoLoading).toBe(true);
    const [releaseOlder, releaseNewer] = sys.state.holdInfo;
    sys.state.holdInfo = null;
    releaseNewer!();
    await newer;
    expect(store.getState().info?.version).toBe('0.2.0');
    sys.state.info = { ...sys.state.info, version: 'stale' };
    releaseOlder!();
    await older;
    expect(store.getState().info?.version).toBe('0.2.0');
    expect(store.getState().infoLoading).toBe(false);
  });

  it('measures a ping round trip with the marker it sent, and ignores a second ping while one is pending', async () => {
    let t = 1_000;
    const { store } = await setup(fakeSystem(), { now: () => (t += 7), randomMarker: () => 'ping-fixed' });
    expect(selectPing(store.getState())).toEqual({ status: 'idle' });
    const p = store.getState().sendPing();
    expect(store.getState().ping).toEqual({ status: 'pending', sent: 'ping-fixed' });
    await store.getState().sendPing(); // ignored: one is pending
    await p;
    expect(store.getState().ping).toEqual({ status: 'ok', sent: 'ping-fixed', echo: 'ping-fixed', rttMs: 7, serverTimeMs: 42 });
  });

  it('a failed ping is shown and toasted', async () => {
    const sys = fakeSystem();
    sys.state.pingError = new AppError('TIMEOUT', 'no answer');
    const { store } = await setup(sys, { randomMarker: () => 'ping-x' });
    await store.getState().sendPing();
    expect(store.getState().ping).toMatchObject({ status: 'error', sent: 'ping-x', error: { code: 'TIMEOUT' } });
    expect(toasts.getState().queue.at(-1)).toMatchObject({ code: 'TIMEOUT', action: 'ping' });
  });

  it('after a lost and restored link it asks for the info again (the service may have restarted) and keeps following notices', async () => {
    const sys = fakeSystem();
    sys.state.info.notices = [notice('boot')];
    const { store } = await setup(sys);
    expect(sys.state.infoCalls).toBe(1);

    await fx.lose();
    expect(store.getState().info?.pid).toBe(100); // what it knew stays while the link is down
    sys.state.info = { ...sys.state.info, pid: 200, startedAtMs: 2, notices: [notice('boot'), notice('after-restart', 'error')] };
    await fx.restore();
    await until('info refreshed', () => store.getState().info?.pid === 200);
    expect(sys.state.infoCalls).toBe(2);
    expect(store.getState().info?.startedAtMs).toBe(2);
    // The notice seen before the drop is not toasted again; the new one is.
    expect(toasts.getState().queue.map((t) => t.kind === 'notice' && t.notice.id)).toEqual(['boot', 'after-restart']);

    // The notices stream was attached again on the new connection.
    expect(sys.subscribers()).toBe(1);
    sys.push(notice('live'));
    await until('live notice', () => store.getState().notices[0]?.id === 'live');
  });

  it('disposing ends the notices subscription and stops refreshing', async () => {
    const { sys, store } = await setup();
    store.dispose();
    await settle();
    expect(sys.subscribers()).toBe(0);
    await fx.lose();
    await fx.restore();
    expect(sys.state.infoCalls).toBe(1);
  });
});
