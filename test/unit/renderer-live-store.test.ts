import { describe, expect, it } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { Emitter, toDisposable } from '../../main/contract/lifecycle';
import type { LiveChanges, LiveUpdate } from '../../main/contract/live';
import type { ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import { CHANGED_KEEP_MS, changedRecently, createLiveStore, dataAgeMs, isStale } from '../../renderer/src/stores/live-store';

type Data = { jobs: Record<string, { state: string }> };
const health = { state: 'live' as const, sinceMs: 0, dataAtMs: 1000 };

function harness() {
  const subscriptions: Observer<LiveUpdate<Data>>[] = [];
  let disposed = 0;
  const linkEmitter = new Emitter<ConnectionState>();
  const link = { state: { status: 'open', sinceMs: 0 } as ConnectionState, onDidChangeState: linkEmitter.event };
  let pending: (() => void) | undefined;
  let t = 10_000;
  const store = createLiveStore<Data>({
    subscribe: (o) => {
      subscriptions.push(o);
      return toDisposable(() => disposed++);
    },
    initial: { jobs: {} },
    link,
    schedule: (flush) => (pending = flush),
    now: () => t,
  });
  return {
    store,
    subscriptions,
    get disposed() {
      return disposed;
    },
    /** What requestAnimationFrame would do. */
    frame() {
      const f = pending;
      pending = undefined;
      f?.();
    },
    setLink(state: ConnectionState) {
      link.state = state;
      linkEmitter.fire(state);
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

describe('live store (renderer)', () => {
  it('applies frames once per animation frame, keeps unchanged rows, and marks what changed', () => {
    const h = harness();
    const o = h.subscriptions[0]!;
    o.next({ t: 'snapshot', seq: 4, atMs: 1000, nowMs: 10_500, health, data: { jobs: { a: { state: 'running' }, b: { state: 'running' } } } });
    o.next({ t: 'diff', seq: 5, atMs: 1100, nowMs: 10_600, changes: { jobs: { patch: { b: { state: 'ret-wait' } } } } });
    expect(h.store.getState().seq).toBe(-1); // nothing applied before the frame
    h.frame();
    const s = h.store.getState();
    expect(s.seq).toBe(5);
    expect(s.data.jobs).toEqual({ a: { state: 'running' }, b: { state: 'ret-wait' } });
    expect(s.fresh).toBe(true);
    expect(isStale(s)).toBe(false);
    expect(changedRecently(s, 'jobs', 'b', 10_000)).toBe(true);
    expect(changedRecently(s, 'jobs', 'a', 10_000)).toBe(false);
    expect(changedRecently(s, 'jobs', 'b', 13_000)).toBe(false);
    const a = s.data.jobs.a;
    o.next({ t: 'diff', seq: 6, atMs: 1200, nowMs: 10_700, changes: { jobs: { put: { c: { state: 'assigned(1)' } } } } });
    h.frame();
    expect(h.store.getState().data.jobs.a).toBe(a);
    expect(dataAgeMs(h.store.getState(), 10_000)).toBe(10_000 + 700 - 1000);
  });

  it('keeps change times for CHANGED_KEEP_MS only (jobs come and go: the record would grow without end)', () => {
    const h = harness();
    const o = h.subscriptions[0]!;
    o.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 10_000, health, data: { jobs: { a: { state: 'running' } } } });
    o.next({ t: 'diff', seq: 2, atMs: 1000, nowMs: 10_000, changes: { jobs: { put: { b: { state: 'running' } } } } });
    h.frame();
    h.advance(CHANGED_KEEP_MS - 1);
    o.next({ t: 'diff', seq: 3, atMs: 1000, nowMs: 10_000, changes: { jobs: { put: { c: { state: 'running' } } } } });
    h.frame();
    expect(Object.keys(h.store.getState().changedAtMs.jobs ?? {}).sort()).toEqual(['b', 'c']);
    h.advance(1);
    o.next({ t: 'diff', seq: 4, atMs: 1000, nowMs: 10_000, changes: JSON.parse('{"jobs":{"put":{"__proto__":{"state":"odd key"}}}}') as LiveChanges });
    h.frame();
    const s = h.store.getState();
    expect(Object.keys(s.changedAtMs.jobs ?? {}).sort()).toEqual(['__proto__', 'c']);
    expect(changedRecently(s, 'jobs', '__proto__', 10_000 + CHANGED_KEEP_MS)).toBe(true);
  });

  it('detects a gap in the sequence and subscribes again for a fresh snapshot', () => {
    const h = harness();
    const first = h.subscriptions[0]!;
    first.next({ t: 'snapshot', seq: 1, atMs: 1, nowMs: 1, health, data: { jobs: { a: { state: 'running' } } } });
    h.frame();
    first.next({ t: 'diff', seq: 3, atMs: 2, nowMs: 2, changes: { jobs: { remove: ['a'] } } });
    h.frame();
    expect(h.disposed).toBe(1);
    expect(h.subscriptions).toHaveLength(2);
    expect(h.store.getState().fresh).toBe(false);
    expect(h.store.getState().data.jobs).toEqual({ a: { state: 'running' } }); // the diff after the gap was not applied
    // Frames of the old subscription are ignored from now on.
    first.next({ t: 'diff', seq: 4, atMs: 2, nowMs: 2, changes: { jobs: { remove: ['a'] } } });
    h.subscriptions[1]!.next({ t: 'snapshot', seq: 7, atMs: 3, nowMs: 3, health, data: { jobs: { z: { state: 'running' } } } });
    h.frame();
    expect(h.store.getState()).toMatchObject({ seq: 7, fresh: true, data: { jobs: { z: { state: 'running' } } } });
  });

  it('turns stale at once when the link drops, and fresh again only with a new snapshot', () => {
    const h = harness();
    const o = h.subscriptions[0]!;
    o.next({ t: 'snapshot', seq: 1, atMs: 1, nowMs: 1, health, data: { jobs: {} } });
    h.frame();
    expect(h.store.getState().fresh).toBe(true);
    h.setLink({ status: 'reconnecting', attempt: 1, nextRetryAtMs: 5, downSinceMs: 1, cause: new (class extends Error {})() as never });
    expect(h.store.getState()).toMatchObject({ connected: false, fresh: false });
    expect(isStale(h.store.getState())).toBe(true);
    h.setLink({ status: 'open', sinceMs: 2 });
    expect(h.store.getState()).toMatchObject({ connected: true, fresh: false });
    // The reconnecting link re-subscribes the same observer: its snapshot makes the data fresh.
    o.next({ t: 'snapshot', seq: 9, atMs: 2, nowMs: 2, health, data: { jobs: { a: { state: 'running' } } } });
    h.frame();
    expect(h.store.getState()).toMatchObject({ connected: true, fresh: true, seq: 9 });
  });

  it('shows the source as stale when its health says so, even while connected', () => {
    const h = harness();
    h.subscriptions[0]!.next({ t: 'snapshot', seq: 0, atMs: 1, nowMs: 1, health: { state: 'down', sinceMs: 1, cause: { code: 'UNAVAILABLE', message: 'etcd down' } }, data: { jobs: {} } });
    h.frame();
    expect(isStale(h.store.getState())).toBe(true);
  });
});
