import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import { WatchedEtcdReader } from '../../main/netboot/watched-etcd-reader';
import { ManualClock, flushMicrotasks } from '../support/manual-clock';

// The copy's rules with a fake etcd3 client and a ManualClock: when it is used, and every way it
// is dropped (the integration test netboot-etcd-copy runs the same against a real etcd).

class FakeWatcher extends EventEmitter {
  cancelled = false;
  constructor(readonly prefix: string, readonly startRevision: string) {
    super();
  }
  cancel(): Promise<void> {
    this.cancelled = true;
    return Promise.resolve();
  }
}

function kv(key: string, value: string, rev: number) {
  return { key: Buffer.from(key), value: Buffer.from(value), mod_revision: String(rev) };
}

function setup(opts: { data?: Record<string, string>; maxKeys?: number } = {}) {
  const clock = new ManualClock();
  const data = new Map(Object.entries(opts.data ?? { '/w/a': 'A=1\n', '/dc/x': 'D=1\n' }));
  let revision = 10;
  let statusAnswers = true;
  let txnFails = false;
  const watchers: FakeWatcher[] = [];
  const inner = { gets: 0, getManys: 0, disposed: false };
  const client = {
    kv: {
      txn: (req: { success: { request_range: { key: Buffer } }[] }) => {
        if (txnFails) return Promise.reject(new Error('unreachable'));
        return Promise.resolve({
          header: { revision: String(revision) },
          responses: req.success.map((r) => ({
            response_range: { kvs: [...data].filter(([k]) => k.startsWith(r.request_range.key.toString())).map(([k, v]) => kv(k, v, revision)) },
          })),
        });
      },
    },
    maintenance: { status: () => (statusAnswers ? Promise.resolve({}) : new Promise(() => undefined)) },
    watch: () => {
      let prefix = '';
      const b = {
        prefix: (p: string) => ((prefix = p), b),
        startRevision: (r: string) => ({
          watcher: () => {
            const w = new FakeWatcher(prefix, r);
            watchers.push(w);
            return w;
          },
        }),
      };
      return b;
    },
  };
  const logs: string[] = [];
  const reader = new WatchedEtcdReader({
    inner: {
      client: client as unknown as Etcd3,
      get: () => ((inner.gets += 1), Promise.reject(new AppError('UNAVAILABLE', 'etcd at E is unreachable'))),
      getMany: () => ((inner.getManys += 1), Promise.reject(new AppError('UNAVAILABLE', 'etcd at E is unreachable'))),
      dispose: () => (inner.disposed = true),
    },
    prefixes: ['/dc/', '/w/'],
    clock,
    limits: { maxKeys: opts.maxKeys ?? 100, maxBytes: 1_000_000 },
    requestTimeoutMs: 1000,
    log: (l) => logs.push(l),
    random: { next: () => 0.5 },
  });
  const connectAll = () => {
    for (const w of watchers.filter((x) => !x.cancelled)) w.emit('connected', { header: { revision: String(revision) } });
  };
  return {
    clock,
    reader,
    watchers,
    inner,
    logs,
    connectAll,
    setRevision: (r: number) => (revision = r),
    setStatusAnswers: (v: boolean) => (statusAnswers = v),
    setTxnFails: (v: boolean) => (txnFails = v),
  };
}

async function inSync(t: ReturnType<typeof setup>) {
  await flushMicrotasks();
  t.connectAll();
  expect(t.reader.status.state).toBe('in-sync');
}

describe('WatchedEtcdReader', () => {
  it('reads through while syncing; in sync after the range read and every watch from R+1', async () => {
    const t = setup();
    await expect(t.reader.getMany(['/dc/x', '/w/a'])).rejects.toThrow('etcd at E is unreachable');
    await flushMicrotasks();
    expect(t.watchers.map((w) => [w.prefix, w.startRevision])).toEqual([
      ['/dc/', '11'],
      ['/w/', '11'],
    ]);
    t.watchers[0]!.emit('connected', {});
    expect(t.reader.status.state).toBe('syncing');
    t.watchers[1]!.emit('connected', {});
    expect(t.reader.status).toMatchObject({ state: 'in-sync', keys: 2, revision: 10, readThrough: 1 });
    expect(await t.reader.getMany(['/dc/x', '/w/a', '/w/none'])).toEqual(['D=1\n', 'A=1\n', undefined]);
    expect(await t.reader.get('/w/a')).toBe('A=1\n');
    expect(t.inner).toMatchObject({ gets: 0, getManys: 1 });
    expect(t.reader.status).toMatchObject({ fromCopy: 2, readThrough: 1 });
    expect(t.logs).toEqual(['netboot: etcd copy in sync: 2 key(s) under /dc/, /w/ at revision 10; get-initial-config reads no etcd']);
    // a key outside the prefixes is read through
    await expect(t.reader.get('/other')).rejects.toThrow('unreachable');
    t.reader.dispose();
    expect(t.inner.disposed).toBe(true);
    expect(t.watchers.every((w) => w.cancelled)).toBe(true);
  });

  it('applies watch events in order', async () => {
    const t = setup();
    await inSync(t);
    t.watchers[1]!.emit('data', { events: [{ type: 'Put', kv: kv('/w/b', 'B=2\n', 11) }, { type: 'Delete', kv: kv('/w/a', '', 12) }] });
    expect(await t.reader.getMany(['/w/a', '/w/b'])).toEqual([undefined, 'B=2\n']);
    expect(t.reader.status).toMatchObject({ keys: 2, revision: 12 });
  });

  it.each([
    ['error', 'the etcd watch was cancelled: etcdserver: mvcc: required revision has been compacted'],
    ['disconnected', 'the etcd watch was disconnected: Error'],
    ['end', 'the etcd watch ended'],
  ])('a watch %s drops the copy, reads go through, then it syncs again', async (event, reason) => {
    const t = setup();
    await inSync(t);
    t.watchers[0]!.emit(event, new Error(reason.replace(/^the etcd watch was cancelled: /, '')));
    expect(t.reader.status).toMatchObject({ state: 'read-through', reason, keys: 0 });
    expect(t.watchers.every((w) => w.cancelled)).toBe(true);
    await expect(t.reader.getMany(['/w/a'])).rejects.toThrow('unreachable');
    expect(t.logs.at(-1)).toBe(`netboot: etcd copy not used (${reason}); get-initial-config reads etcd until the copy is in sync again`);
    t.setRevision(20);
    await t.clock.advance(1000); // backoff 0.25 s ± 20 %
    await flushMicrotasks();
    expect(t.watchers.slice(2).map((w) => w.startRevision)).toEqual(['21', '21']);
    t.connectAll();
    expect(t.reader.status).toMatchObject({ state: 'in-sync', revision: 20 });
  });

  it('an event out of order drops the copy', async () => {
    const t = setup();
    await inSync(t);
    t.watchers[1]!.emit('data', { events: [{ type: 'Put', kv: kv('/w/a', 'x', 5) }] });
    expect(t.reader.status).toMatchObject({ state: 'read-through', reason: 'an etcd event at revision 5 came after revision 10' });
  });

  it('no sign of life for 3 s (black hole): the copy is not used, from the next read or tick', async () => {
    const t = setup();
    await inSync(t);
    await t.clock.advance(2500); // pings answered
    await flushMicrotasks();
    expect(await t.reader.get('/w/a')).toBe('A=1\n');
    t.setStatusAnswers(false);
    t.setTxnFails(true);
    await t.clock.advance(2000);
    expect(t.reader.status.state).toBe('in-sync'); // last answer at 2.5 s: 2 s ago
    await t.clock.advance(1500);
    expect(t.reader.status).toMatchObject({ state: 'read-through', reason: 'etcd gave no sign of life for 3000 ms' });
    await expect(t.reader.get('/w/a')).rejects.toThrow('unreachable');
    // retries fail quietly with one log line per reason
    await t.clock.advance(20_000);
    await flushMicrotasks();
    expect(t.reader.status.state).toBe('read-through');
    expect(t.logs.filter((l) => l.includes('the range read failed'))).toHaveLength(1);
  });

  it('watches that are never created: syncing is given up after 3 s and tried again', async () => {
    const t = setup();
    await flushMicrotasks();
    expect(t.watchers).toHaveLength(2);
    await t.clock.advance(3000);
    expect(t.reader.status.state).toBe('syncing');
    await t.clock.advance(1000);
    expect(t.reader.status).toMatchObject({ state: 'read-through', reason: 'the etcd watch was not created within 3000 ms' });
    expect(t.watchers.every((w) => w.cancelled)).toBe(true);
    await t.clock.advance(1000);
    await flushMicrotasks();
    expect(t.watchers).toHaveLength(4);
    t.connectAll();
    expect(t.reader.status.state).toBe('in-sync');
  });

  it('over the cap: nothing copied, reads go through, said once', async () => {
    const t = setup({ maxKeys: 1 });
    await flushMicrotasks();
    expect(t.reader.status).toMatchObject({ state: 'read-through', reason: 'not copied: the watched prefixes hold more than 1 keys (etcd.cache.maxKeys)' });
    expect(t.watchers).toHaveLength(0);
    await t.clock.advance(180_000);
    await flushMicrotasks();
    expect(t.logs.filter((l) => l.includes('not copied'))).toHaveLength(1);
    await expect(t.reader.get('/w/a')).rejects.toThrow('unreachable');
  });
});
