import type { Clock, TimerOptions } from '../../main/contract/clock';
import type { Disposable } from '../../main/contract/lifecycle';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  everyMs?: number;
}

/**
 * A Clock that moves only when the test says so. advance(ms) runs every timer due in that span
 * in time order (intervals repeat), so retry, poll and timeout logic is tested without sleeping.
 */
export class ManualClock implements Clock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(startMs = 1_700_000_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number, _options?: TimerOptions): Disposable {
    return this.add({ id: this.nextId++, at: this.t + Math.max(0, ms), fn });
  }

  setInterval(fn: () => void, ms: number, _options?: TimerOptions): Disposable {
    const every = Math.max(1, ms);
    return this.add({ id: this.nextId++, at: this.t + every, fn, everyMs: every });
  }

  /** How many timers are pending (a leak check: should be 0 after dispose). */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, running due timers in order; awaits microtasks between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.t = next.at;
      if (next.everyMs !== undefined) next.at += next.everyMs;
      else this.timers.delete(next.id);
      next.fn();
      await flushMicrotasks();
    }
    this.t = end;
    await flushMicrotasks();
  }

  private nextDue(end: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at <= end && (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id))) best = timer;
    }
    return best;
  }

  private add(timer: Timer): Disposable {
    this.timers.set(timer.id, timer);
    return { dispose: () => this.timers.delete(timer.id) };
  }
}

export async function flushMicrotasks(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
