import { describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { applyLive, type LiveUpdate } from '../../main/contract/live';
import { LivePublisher } from '../../main/live/live-publisher';
import { ManualClock } from '../support/manual-clock';

type Data = { workers: Record<string, { host: string; load: number }> };

function fakeSink() {
  const ctrl = new AbortController();
  const frames: LiveUpdate[] = [];
  let buffered = 0;
  const sink: Sink<LiveUpdate> & { frames: LiveUpdate[]; setBuffered(n: number): void } = {
    frames,
    next: (f) => frames.push(structuredClone(f)),
    end: () => ctrl.abort(),
    signal: ctrl.signal,
    bufferedBytes: () => buffered,
    setBuffered: (n) => (buffered = n),
  };
  return sink;
}

/** What a renderer would hold after these frames (throws on a gap). */
function replay(frames: LiveUpdate[]): { data: Data; seq: number } {
  let state: { data: Data; seq: number } | undefined;
  for (const f of frames) {
    if (f.t === 'snapshot') state = { data: f.data as Data, seq: f.seq };
    else {
      if (!state || f.seq !== state.seq + 1) throw new Error(`gap: ${state?.seq} -> ${f.seq}`);
      state = { data: applyLive(state.data, f.changes), seq: f.seq };
    }
  }
  return state!;
}

describe('LivePublisher', () => {
  it('sends a snapshot first, then diffs squashed to the interval', async () => {
    const clock = new ManualClock();
    const pub = new LivePublisher<Data>({ initial: { workers: {} }, clock, minIntervalMs: 250 });
    const sink = fakeSink();
    pub.subscribe(sink);
    expect(sink.frames).toMatchObject([{ t: 'snapshot', seq: 0, data: { workers: {} }, health: { state: 'connecting' } }]);
    for (let i = 0; i < 100; i++) pub.put('workers', 'w1', { host: 'pc1-01', load: i });
    await clock.advance(0);
    expect(sink.frames).toHaveLength(2);
    for (let i = 0; i < 100; i++) pub.put('workers', `w${i % 7}`, { host: 'pc1-01', load: i });
    await clock.advance(100);
    expect(sink.frames).toHaveLength(2); // squashed until 250 ms after the last frame
    await clock.advance(150);
    expect(sink.frames).toHaveLength(3);
    expect(sink.frames.map((f) => f.seq)).toEqual([0, 1, 2]);
    expect(replay(sink.frames).data).toEqual(pub.data);
    pub.dispose();
    expect(sink.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('gives a late subscriber the current state as a snapshot', async () => {
    const clock = new ManualClock();
    const pub = new LivePublisher<Data>({ initial: { workers: {} }, clock });
    pub.set({ workers: { a: { host: 'a', load: 1 }, b: { host: 'b', load: 2 } } });
    await clock.advance(300);
    pub.remove('workers', 'a');
    await clock.advance(300);
    const late = fakeSink();
    pub.subscribe(late);
    expect(late.frames).toMatchObject([{ t: 'snapshot', seq: 2, data: { workers: { b: { host: 'b', load: 2 } } } }]);
  });

  it('publishes health changes with their cause, and keeps sinceMs while the state holds', async () => {
    const clock = new ManualClock(1_000_000);
    const pub = new LivePublisher<Data>({ initial: { workers: {} }, clock });
    const sink = fakeSink();
    pub.subscribe(sink);
    pub.markLive();
    await clock.advance(300);
    expect(sink.frames[1]).toMatchObject({ t: 'diff', health: { state: 'live', sinceMs: 1_000_000, dataAtMs: 1_000_000 } });
    pub.markDown(new Error('ECONNREFUSED'), { via: { tunnelId: 'edge', name: 'edge', state: 'backoff', retryAtMs: 1_008_300 } });
    await clock.advance(300);
    expect(sink.frames[2]).toMatchObject({ health: { state: 'down', sinceMs: 1_000_300, cause: { message: 'ECONNREFUSED' }, via: { name: 'edge' } } });
    pub.markDown(new Error('ECONNREFUSED'), { via: { tunnelId: 'edge', name: 'edge', state: 'backoff', retryAtMs: 1_008_300 } });
    await clock.advance(300);
    expect(sink.frames).toHaveLength(3); // same health: nothing sent
  });

  it('skips a subscriber whose connection backs up, then sends it a fresh snapshot; memory stays bounded', async () => {
    const clock = new ManualClock();
    const pub = new LivePublisher<Data>({ initial: { workers: {} }, clock, maxBufferedBytes: 1000 });
    const slow = fakeSink();
    const fast = fakeSink();
    pub.subscribe(slow);
    pub.subscribe(fast);
    slow.setBuffered(5000);
    for (let tick = 0; tick < 200; tick++) {
      pub.put('workers', `w${tick % 50}`, { host: 'h', load: tick });
      await clock.advance(250);
    }
    expect(fast.frames.length).toBeGreaterThan(190);
    expect(slow.frames).toHaveLength(1); // only the first snapshot: no backlog queued for it
    slow.setBuffered(0);
    await clock.advance(250);
    const last = slow.frames.at(-1)!;
    expect(last.t).toBe('snapshot');
    expect(replay(slow.frames).data).toEqual(pub.data);
    pub.put('workers', 'w1', { host: 'h', load: -1 });
    await clock.advance(250);
    expect(replay(slow.frames).data).toEqual(replay(fast.frames).data);
  });
});
