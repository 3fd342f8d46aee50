import { EventEmitter } from 'node:events';
import type { IWatchRequest, IWatchResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import type { WatchConnectionState } from '../../main/contract/etcd';
import { ResumableWatch, type WatchBatch, type WatchStream, type WatchStreamSource } from '../../main/etcd/resumable-watch';
import { ManualClock, flushMicrotasks } from '../support/manual-clock';

/** A scripted watch stream: records what the watch writes, lets the test answer. */
class FakeStream extends EventEmitter {
  readonly written: IWatchRequest[] = [];
  ended = false;
  cancelled = false;
  write(req: IWatchRequest): void {
    this.written.push(req);
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  reply(res: Partial<IWatchResponse>): void {
    this.emit('data', { header: { revision: '0' }, watch_id: '0', created: false, canceled: false, compact_revision: '0', cancel_reason: '', fragment: false, events: [], ...res });
  }
}

class FakeSource implements WatchStreamSource {
  readonly streams: FakeStream[] = [];
  failNext = 0;
  async open(): Promise<WatchStream> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { name: 'Error' });
    }
    const s = new FakeStream();
    this.streams.push(s);
    return s as unknown as WatchStream;
  }
  get last(): FakeStream {
    return this.streams[this.streams.length - 1]!;
  }
}

const put = (key: string, rev: number, value = `v${rev}`) => ({
  type: 'Put',
  kv: { key: Buffer.from(key), value: Buffer.from(value), create_revision: String(rev), mod_revision: String(rev), version: '1', lease: '0' },
  prev_kv: null,
});
const del = (key: string, rev: number) => ({
  type: 'Delete',
  kv: { key: Buffer.from(key), value: Buffer.alloc(0), create_revision: '0', mod_revision: String(rev), version: '0', lease: '0' },
  prev_kv: null,
});

function setup(startRevision = 10, extra: Partial<ConstructorParameters<typeof ResumableWatch>[1]> = {}) {
  const clock = new ManualClock();
  const source = new FakeSource();
  const watch = new ResumableWatch(source, { range: { prefix: Buffer.from('/p/') }, startRevision, clock, random: () => 0.5, ...extra });
  const batches: WatchBatch[] = [];
  const states: WatchConnectionState[] = [];
  watch.onDidReceive((b) => batches.push(b));
  watch.onDidChangeState((s) => states.push(s));
  return { clock, source, watch, batches, states };
}

describe('ResumableWatch', () => {
  it('creates the watch from the start revision with fragments and progress on, and groups events by revision', async () => {
    const { source, watch, batches, states } = setup(10);
    watch.start();
    await flushMicrotasks();
    const create = source.last.written[0]!.create_request!;
    expect(Number(create.start_revision)).toBe(10);
    expect(create.fragment).toBe(true);
    expect(create.progress_notify).toBe(true);
    expect(create.key!.toString()).toBe('/p/');
    expect(create.range_end!.toString()).toBe('/p0');
    source.last.reply({ created: true, header: { revision: '12' } as IWatchResponse['header'] });
    expect(states.map((s) => s.state)).toEqual(['connecting', 'live']);
    source.last.reply({ events: [put('/p/a', 10), put('/p/b', 11), put('/p/c', 11), del('/p/a', 12)] as unknown as IWatchResponse['events'] });
    expect(batches.map((b) => [b.revision, b.events.map((e) => `${e.type} ${e.kv.key.toString()}`)])).toEqual([
      [10, ['put /p/a']],
      [11, ['put /p/b', 'put /p/c']],
      [12, ['delete /p/a']],
    ]);
    expect(watch.nextRevision).toBe(13);
    watch.dispose();
    expect(source.last.ended && source.last.cancelled).toBe(true);
    expect(states[states.length - 1]!.state).toBe('stopped');
  });

  it('reassembles fragments before delivering a revision', async () => {
    const { source, watch, batches } = setup(5);
    watch.start();
    await flushMicrotasks();
    source.last.reply({ created: true });
    source.last.reply({ fragment: true, events: [del('/p/1', 7), del('/p/2', 7)] as unknown as IWatchResponse['events'] });
    expect(batches).toHaveLength(0);
    source.last.reply({ fragment: false, events: [del('/p/3', 7)] as unknown as IWatchResponse['events'] });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events.map((e) => e.kv.key.toString())).toEqual(['/p/1', '/p/2', '/p/3']);
    watch.dispose();
  });

  it('reconnects with backoff on the clock from the last delivered revision + 1 and drops replays', async () => {
    const { clock, source, watch, batches, states } = setup(10, { backoff: { initialMs: 100, maxMs: 1000 } });
    watch.start();
    await flushMicrotasks();
    source.last.reply({ created: true });
    source.last.reply({ events: [put('/p/a', 10), put('/p/b', 11)] as unknown as IWatchResponse['events'] });
    source.failNext = 2;
    source.last.emit('error', Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), {}));
    expect(states[states.length - 1]).toMatchObject({ state: 'reconnecting', attempt: 1, nextRevision: 12, retryAtMs: clock.now() + 100 });
    await clock.advance(99);
    expect(source.streams).toHaveLength(1);
    await clock.advance(1); // attempt 1: open fails
    expect(states[states.length - 1]).toMatchObject({ state: 'reconnecting', attempt: 1, retryAtMs: clock.now() + 100 });
    await clock.advance(100); // attempt 2: fails again, the delay doubles
    expect(states[states.length - 1]).toMatchObject({ state: 'reconnecting', attempt: 2, retryAtMs: clock.now() + 200 });
    await clock.advance(199);
    expect(source.streams).toHaveLength(1);
    await clock.advance(1);
    expect(source.streams).toHaveLength(2);
    const create = source.last.written[0]!.create_request!;
    expect(Number(create.start_revision)).toBe(12);
    source.last.reply({ created: true });
    // A replay of 11 (should not happen, but must not be delivered twice), then new events.
    source.last.reply({ events: [put('/p/b', 11), put('/p/c', 12)] as unknown as IWatchResponse['events'] });
    expect(batches.map((b) => b.revision)).toEqual([10, 11, 12]);
    expect(watch.stats.duplicatesDropped).toBe(1);
    expect(watch.stats.reconnects).toBeGreaterThanOrEqual(1);
    watch.dispose();
    expect(clock.pending).toBe(0);
  });

  it('grows the backoff up to the maximum while etcd stays away', async () => {
    const { clock, source, watch, states } = setup(1, { backoff: { initialMs: 100, maxMs: 400 } });
    source.failNext = 100;
    watch.start();
    await flushMicrotasks();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = states[states.length - 1]!;
      if (s.state !== 'reconnecting') throw new Error(`expected reconnecting, got ${s.state}`);
      delays.push(s.retryAtMs - clock.now());
      await clock.advance(s.retryAtMs - clock.now());
      await flushMicrotasks();
    }
    // attempt resets only on a confirmed watch, so the delay doubles up to the cap
    expect(delays).toEqual([100, 200, 400, 400, 400]);
    watch.dispose();
  });

  it('stops with resync-needed when etcd compacted past the resume point, and restarts from a new revision', async () => {
    const { source, watch, states } = setup(3);
    const resync: unknown[] = [];
    watch.onDidRequireResync((r) => resync.push(r));
    watch.start();
    await flushMicrotasks();
    source.last.reply({ created: true });
    source.last.reply({ canceled: true, compact_revision: '40' });
    expect(resync).toEqual([{ compactRevision: 40, nextRevision: 3 }]);
    expect(watch.state).toEqual({ state: 'resync-needed', compactRevision: 40, nextRevision: 3 });
    // A late error on the old stream changes nothing.
    source.last.emit('error', new Error('14 UNAVAILABLE'));
    expect(watch.state.state).toBe('resync-needed');
    watch.restart(55);
    await flushMicrotasks();
    expect(Number(source.last.written[0]!.create_request!.start_revision)).toBe(55);
    source.last.reply({ created: true });
    expect(states[states.length - 1]!.state).toBe('live');
    watch.dispose();
  });

  it('starts "from now" at the created revision + 1, and moves the resume point on progress notifications only for its own watch id', async () => {
    const { source, watch } = setup(0);
    watch.start();
    await flushMicrotasks();
    expect(source.last.written[0]!.create_request!.start_revision).toBeUndefined();
    source.last.reply({ created: true, watch_id: '3', header: { revision: '100' } as IWatchResponse['header'] });
    expect(watch.nextRevision).toBe(101);
    source.last.reply({ watch_id: '-1', header: { revision: '150' } as IWatchResponse['header'] });
    expect(watch.nextRevision).toBe(101);
    source.last.reply({ watch_id: '3', header: { revision: '160' } as IWatchResponse['header'] });
    expect(watch.nextRevision).toBe(161);
    watch.dispose();
  });

  it('sends progress requests as a heartbeat and reconnects when the stream goes silent', async () => {
    const { clock, source, watch, states } = setup(1, { heartbeatMs: 1000, heartbeatTimeoutMs: 500 });
    watch.start();
    await flushMicrotasks();
    source.last.reply({ created: true });
    await clock.advance(1000);
    expect(source.last.written.some((w) => w.progress_request)).toBe(true);
    source.last.reply({ watch_id: '-1' }); // the answer: alive
    await clock.advance(1000);
    expect(watch.state.state).toBe('live');
    await clock.advance(1000); // 2000 ms of silence > 1000 + 500
    expect(states[states.length - 1]).toMatchObject({ state: 'reconnecting', error: { code: 'TIMEOUT' } });
    watch.dispose();
    expect(clock.pending).toBe(0);
  });

  it('times out a stream that never confirms the watch', async () => {
    const { clock, source, watch } = setup(1, { createTimeoutMs: 2000 });
    watch.start();
    await flushMicrotasks();
    await clock.advance(2000);
    expect(watch.state).toMatchObject({ state: 'reconnecting', error: { code: 'TIMEOUT' } });
    expect(source.streams[0]!.cancelled).toBe(true);
    watch.dispose();
  });
});
