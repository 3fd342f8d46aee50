import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import { LivePoller } from '../../main/live/live-poller';
import { LivePublisher } from '../../main/live/live-publisher';
import { flushMicrotasks, ManualClock } from '../support/manual-clock';

type Data = { hosts: Record<string, { load: number }> };

describe('LivePoller', () => {
  it('never overlaps polls, publishes each result, and marks failures down with the next attempt', async () => {
    const clock = new ManualClock(0);
    const publisher = new LivePublisher<Data>({ initial: { hosts: {} }, clock });
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    let fail = false;
    let release: (() => void) | undefined;
    const poller = new LivePoller<Data>({
      publisher,
      clock,
      intervalMs: 1000,
      poll: async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => (release = r));
        running--;
        if (fail) throw new AppError('UNAVAILABLE', 'ssh: connection refused');
        return { hosts: { a: { load: calls } } };
      },
      via: () => ({ tunnelId: 'edge', name: 'edge', state: 'backoff', retryAtMs: 9000 }),
    });
    poller.start();
    await clock.advance(5000); // a slow poll: no second one starts meanwhile
    expect(calls).toBe(1);
    release!();
    await flushMicrotasks();
    expect(publisher.data.hosts.a).toEqual({ load: 1 });
    expect(publisher.currentHealth).toMatchObject({ state: 'live', dataAtMs: 5000 });
    await clock.advance(1000);
    expect(calls).toBe(2);
    fail = true;
    release!();
    await flushMicrotasks();
    expect(publisher.currentHealth).toMatchObject({ state: 'down', cause: { code: 'UNAVAILABLE' }, via: { name: 'edge' }, nextAttemptAtMs: 7000 });
    expect(publisher.data.hosts.a).toEqual({ load: 1 }); // the last data is kept
    expect(maxRunning).toBe(1);
    poller.dispose();
    publisher.dispose();
  });

  it('times a hung poll out, and marks unrefreshed data stale', async () => {
    const clock = new ManualClock(0);
    const publisher = new LivePublisher<Data>({ initial: { hosts: {} }, clock });
    let calls = 0;
    const poller = new LivePoller<Data>({
      publisher,
      clock,
      intervalMs: 1000,
      timeoutMs: 2000,
      staleAfterMs: 1500,
      poll: (signal) => {
        calls++;
        if (calls === 1) return Promise.resolve({ hosts: { a: { load: 1 } } });
        return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    });
    poller.start();
    await clock.advance(0);
    expect(publisher.currentHealth.state).toBe('live');
    await clock.advance(1600);
    expect(publisher.currentHealth.state).toBe('stale');
    await clock.advance(2000);
    expect(publisher.currentHealth).toMatchObject({ state: 'down', cause: { code: 'TIMEOUT' } });
    poller.dispose();
    publisher.dispose();
    expect(clock.pending).toBe(0);
  });
});
