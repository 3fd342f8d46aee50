import { describe, expect, it } from 'vitest';
import type { Observer } from '../../main/contract/define';
import type { EtcdSessionItem, KeyValue, TreePage, WatchInfo, WatchKeyItem } from '../../main/contract/etcd';
import type { AppApi } from '../../main/contract/index';
import { toDisposable } from '../../main/contract/lifecycle';
import type { LiveUpdate } from '../../main/contract/live';
import { createEtcdStore, selectFresh, type EtcdStore } from '../../renderer/src/features/etcd/etcd-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

/** The etcd page's store over a fake service: what it asks for, and what it does with the answers. */

const b = (s: string) => Buffer.from(s).toString('base64');
const live = { state: 'live' as const, sinceMs: 0, dataAtMs: 1 };

function sessionItem(id: string, name = id): EtcdSessionItem {
  return {
    config: { id, name, target: { kind: 'direct', endpoints: ['127.0.0.1:2379'] }, dialTimeoutMs: 5000, requestTimeoutMs: 15000 },
    hasPassword: false,
    open: true,
    health: live,
    endpoints: ['http://127.0.0.1:2379'],
  };
}

function kv(key: string, value: string, mod: number, json = false): KeyValue {
  return {
    entry: { key: b(key), keyDisplay: key, keyUtf8: true, createRevision: 2, modRevision: mod, version: 1, lease: '0', valueSize: value.length },
    value: { base64: b(value), sizeBytes: value.length, kind: json ? 'json' : 'text', display: json ? JSON.stringify(JSON.parse(value), null, 2) : value, displayTruncated: false },
  };
}

interface Stream {
  input: unknown;
  o: Observer<LiveUpdate>;
  seq: number;
  closed: boolean;
}

function harness(opts: { remembered?: string } = {}) {
  const calls: { m: string; input: Record<string, unknown> }[] = [];
  const streams: Record<string, Stream[]> = { sessions: [], watch: [], statusLive: [] };
  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {};
  const etcd = new Proxy(
    {},
    {
      get: (_t, m: string) => {
        if (m in streams)
          return (input: unknown, o: Observer<LiveUpdate>) => {
            const s: Stream = { input, o, seq: -1, closed: false };
            streams[m]!.push(s);
            return toDisposable(() => (s.closed = true));
          };
        return async (input: Record<string, unknown>) => {
          calls.push({ m, input });
          const h = handlers[m];
          if (!h) throw new Error(`no fake for etcd.${m}`);
          return h(input);
        };
      },
    },
  );
  const api = { etcd, tunnels: { list: async () => [] } } as unknown as AppApi;
  const storage = new Map<string, string>(opts.remembered ? [['drover.etcd.session', opts.remembered]] : []);
  const timers: (() => void)[] = [];
  const store: EtcdStore = createEtcdStore({
    api,
    toasts: createToastStore(),
    schedule: (flush) => flush(),
    now: () => 1000,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
    timers: { setTimeout: (fn) => timers.push(fn), clearTimeout: () => undefined },
  });
  const send = (s: Stream, f: { t: 'snapshot'; data: unknown; health?: unknown } | { t: 'diff'; changes: unknown; health?: unknown }) => {
    s.seq++;
    s.o.next({ ...f, seq: s.seq, atMs: 1, nowMs: 1000, ...(f.t === 'snapshot' ? { health: f.health ?? live } : {}) } as LiveUpdate);
  };
  const lastOpen = (name: string) => [...streams[name]!].reverse().find((s) => !s.closed)!;
  return {
    store,
    calls,
    handlers,
    streams,
    storage,
    send,
    lastOpen,
    callsOf: (m: string) => calls.filter((c) => c.m === m),
    runTimers: () => timers.splice(0).forEach((f) => f()),
    settle: () => new Promise((r) => setTimeout(r, 0)),
  };
}

function treePage(parent: string, keys: string[], revision: number, dirs: string[] = []): TreePage {
  const nodes = [
    ...dirs.map((d) => ({ segment: d.slice(parent.length, -1), prefix: b(d), prefixDisplay: d, isLeaf: false, childCount: null })),
    ...keys.map((k) => ({
      segment: k.slice(parent.length),
      prefix: b(k),
      prefixDisplay: k,
      isLeaf: true,
      childCount: null,
      entry: { key: b(k), keyDisplay: k, keyUtf8: true, createRevision: 2, modRevision: 3, version: 1, lease: '0', valueSize: null },
    })),
  ].sort((x, y) => Buffer.compare(Buffer.from(x.prefix, 'base64'), Buffer.from(y.prefix, 'base64')));
  return { parent: b(parent), parentDisplay: parent, nodes, nextCursor: null, more: false, revision };
}

const info = (startRevision: number, epoch = 0, extra: Partial<WatchInfo> = {}): WatchInfo => ({
  prefix: '',
  prefixDisplay: '',
  startRevision,
  revision: startRevision - 1,
  epoch,
  events: 0,
  reconnects: 0,
  maxKeys: 5000,
  ...extra,
});

async function started(h: ReturnType<typeof harness>, pages: Record<string, TreePage>) {
  h.handlers.children = (i) => pages[Buffer.from(i.parent as string, 'base64').toString()] ?? treePage(Buffer.from(i.parent as string, 'base64').toString(), [], 10);
  h.handlers.countPrefixes = (i) => ({ counts: (i.prefixes as string[]).map(() => 3), revision: 10 });
  h.send(h.streams.sessions![0]!, { t: 'snapshot', data: { sessions: { b: sessionItem('b', 'beta'), a: sessionItem('a', 'alpha') } } });
  await h.settle();
  const w = h.lastOpen('watch');
  h.send(w, { t: 'snapshot', data: { keys: {}, watch: { info: info(11) } } });
  await h.settle();
  return w;
}

describe('etcd store', () => {
  it('picks the remembered session, watches every key, loads the root level and counts its directories', async () => {
    const h = harness({ remembered: 'b' });
    await started(h, { '': treePage('', ['readme'], 10, ['/']) });
    const s = h.store.getState();
    expect(s.sessionOrder).toEqual(['a', 'b']); // by name
    expect(s.sessionId).toBe('b');
    expect(h.lastOpen('watch').input).toEqual({ sessionId: 'b', prefix: '' });
    expect(h.lastOpen('statusLive').input).toEqual({ sessionId: 'b' });
    expect(s.rows.map((r) => (r.kind === 'node' ? r.node.prefixDisplay : r.kind))).toEqual(['/', 'readme']);
    expect(h.callsOf('countPrefixes')[0]!.input.prefixes).toEqual([b('/')]);
    expect(s.rows[0]).toMatchObject({ count: 3 });
    expect(selectFresh(s)).toBe(true);
    h.store.dispose();
  });

  it('lays live changes over the pages, and reloads a page read before the watch began', async () => {
    const h = harness();
    const w = await started(h, { '': treePage('', [], 10, ['/']), '/': treePage('/', ['/a', '/c'], 12) });
    h.store.getState().setExpanded(b('/'), true);
    await h.settle();
    const labels = () => h.store.getState().rows.map((r) => (r.kind === 'node' ? r.node.prefixDisplay : r.kind));
    expect(labels()).toEqual(['/', '/a', '/c']);
    const put: WatchKeyItem = { type: 'put', revision: 13, entry: { key: b('/b'), keyDisplay: '/b', keyUtf8: true, createRevision: 13, modRevision: 13, version: 1, lease: '0', valueSize: 1 } };
    h.send(w, { t: 'diff', changes: { keys: { put: { [b('/b')]: put } } } });
    expect(labels()).toEqual(['/', '/a', '/b', '/c']);
    const del: WatchKeyItem = { type: 'delete', revision: 14, entry: { ...put.entry, key: b('/a'), keyDisplay: '/a', createRevision: 0, version: 0, modRevision: 14, valueSize: null } };
    h.send(w, { t: 'diff', changes: { keys: { put: { [b('/a')]: del } } } });
    expect(labels()).toEqual(['/', '/b', '/c']);

    // The root page was read at 10 but the watch starts at 11: fine (10 = start - 1). A restart at 20 is not.
    const before = h.callsOf('children').length;
    h.send(w, { t: 'diff', changes: { watch: { patch: { info: { startRevision: 20, epoch: 1, resync: { reason: 'compacted', compactRevision: 18, resumeRevision: 15, atMs: 5 } } } }, keys: { remove: [b('/a'), b('/b')] } } });
    await h.settle();
    expect(h.callsOf('children').length).toBe(before + 2); // both shown levels read again
    expect(h.store.getState().notice).toMatchObject({ reason: 'compacted', compactRevision: 18, resumeRevision: 15 });
    h.store.dispose();
  });

  it('saves with compare-and-swap; a conflict shows theirs and mine, and the user chooses', async () => {
    const h = harness();
    await started(h, { '': treePage('', ['/cfg'], 10) });
    let current = kv('/cfg', '{"a":1}', 5, true);
    h.handlers.get = (i) => (i.revision === 7 ? kv('/cfg', '{"a":2}', 7, true) : current);
    h.store.getState().openKey(b('/cfg'));
    await h.settle();
    let ed = h.store.getState().editor!;
    expect(ed.mode).toBe('json');
    expect(ed.draft).toBe('{\n  "a": 1\n}');
    h.store.getState().setDraft('{\n  "a": 3\n}');
    expect(h.store.getState().editor!.dirty).toBe(true);

    h.handlers.update = (i) =>
      i.expectedModRevision === 5
        ? { ok: false, conflict: { key: b('/cfg'), keyDisplay: '/cfg', expectedModRevision: 5, current: { ...kv('/cfg', '{"a":2}', 7).entry, value: b('{"a":2}') }, proposed: i.value } }
        : { ok: true, revision: 8 };
    await h.store.getState().save();
    const first = h.callsOf('update')[0]!.input;
    expect(first).toMatchObject({ expectedModRevision: 5, requireJson: true, jsonStyle: 'compact' });
    expect(Buffer.from(first.value as string, 'base64').toString()).toBe('{\n  "a": 3\n}');
    ed = h.store.getState().editor!;
    expect(ed.conflict).toMatchObject({ op: 'update', theirs: '{\n  "a": 2\n}', mine: '{\n  "a": 3\n}' });
    expect(h.callsOf('update')).toHaveLength(1); // nothing else was written

    current = kv('/cfg', '{"a":3}', 8, true);
    await h.store.getState().resolveConflict('write-mine');
    expect(h.callsOf('update')[1]!.input).toMatchObject({ expectedModRevision: 7 });
    await h.settle();
    ed = h.store.getState().editor!;
    expect(ed.conflict).toBeNull();
    expect(ed.loaded!.entry.modRevision).toBe(8);
    expect(ed.dirty).toBe(false);
    h.store.dispose();
  });

  it('a change from elsewhere reloads a clean editor and only flags a dirty one; JSON refusals stay in the editor', async () => {
    const h = harness();
    const w = await started(h, { '': treePage('', ['/k'], 10) });
    let current = kv('/k', 'one', 5);
    h.handlers.get = () => current;
    h.store.getState().openKey(b('/k'));
    await h.settle();
    const change = (rev: number): WatchKeyItem => ({ type: 'put', revision: rev, entry: { ...current.entry, modRevision: rev } });
    // Frames about other keys do not read the open key again.
    const other: WatchKeyItem = { type: 'put', revision: 11, entry: { ...current.entry, key: b('/other'), keyDisplay: '/other', modRevision: 11 } };
    h.send(w, { t: 'diff', changes: { keys: { put: { [b('/other')]: other } } } });
    h.send(w, { t: 'diff', changes: { watch: { patch: { info: { revision: 11 } } } } });
    await h.settle();
    expect(h.callsOf('get')).toHaveLength(1);
    current = kv('/k', 'two', 12);
    h.send(w, { t: 'diff', changes: { keys: { put: { [b('/k')]: change(12) } } } });
    await h.settle();
    expect(h.store.getState().editor!.draft).toBe('two');
    expect(h.callsOf('get')).toHaveLength(2);
    h.store.getState().setDraft('mine');
    current = kv('/k', 'three', 13);
    h.send(w, { t: 'diff', changes: { keys: { patch: { [b('/k')]: { revision: 13 } } } } });
    await h.settle();
    expect(h.store.getState().editor).toMatchObject({ draft: 'mine', remote: { type: 'put', revision: 13 } });

    h.store.getState().setMode('json');
    h.handlers.update = () => {
      throw Object.assign(new Error('/k must hold JSON: unexpected "m" at line 1, column 1'), { code: 'INVALID_INPUT', details: { json: { line: 1, column: 1 } } });
    };
    await h.store.getState().save();
    expect(h.store.getState().editor!.saveError).not.toBeNull();
    h.store.dispose();
  });

  it('a prefix search lists keys page by page and watches that prefix', async () => {
    const h = harness();
    await started(h, { '': treePage('', [], 10) });
    h.handlers.keys = (i) => ({
      entries: i.cursor ? [] : [{ key: b('/w/1'), keyDisplay: '/w/1', keyUtf8: true, createRevision: 2, modRevision: 3, version: 1, lease: '0', valueSize: null }],
      nextCursor: i.cursor ? null : 'next',
      more: !i.cursor,
      revision: 10,
    });
    h.store.getState().setSearch('/w/');
    await h.settle();
    expect(h.callsOf('keys')[0]!.input).toMatchObject({ prefix: b('/w/'), cursor: null });
    expect(h.lastOpen('watch').input).toEqual({ sessionId: 'a', prefix: b('/w/') });
    expect(h.store.getState().rows.map((r) => r.kind)).toEqual(['key', 'more']);
    h.store.getState().loadMore(b('/w/'));
    await h.settle();
    expect(h.callsOf('keys')[1]!.input).toMatchObject({ cursor: 'next' });
    expect(h.store.getState().rows.map((r) => r.kind)).toEqual(['key']);
    h.store.getState().setSearch('/bad\\q');
    expect(h.store.getState().searchError).toMatch(/backslash/);
    h.store.dispose();
  });
});
