import { systemClock, type Clock } from '../contract/clock';
import type { Sink } from '../contract/define';
import { AppError, type ErrorData } from '../contract/errors';
import { DisposableBase, toDisposable, type Disposable } from '../contract/lifecycle';
import { diffLive, jsonEqual, setOwn, type Keyed, type LiveData, type LiveUpdate, type SourceHealth, type SourceState, type ViaTunnel } from '../contract/live';

export interface LivePublisherOptions<D extends LiveData> {
  /** The collections, empty, before the first data arrives. */
  readonly initial: D;
  readonly clock?: Clock;
  /** Diffs are squashed to at most one per this interval (default 250 ms: four a second). */
  readonly minIntervalMs?: number;
  /** A subscriber whose connection has more than this queued gets no diffs, then a fresh snapshot. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Initial health (default: connecting). */
  readonly health?: Omit<SourceHealth, 'sinceMs'>;
  /**
   * Pull mode: for sources that change constantly (tunnel byte counters), markDirty() is cheap
   * and the state is computed only when a frame goes out.
   */
  readonly compute?: () => D;
}

interface Subscriber {
  readonly sink: Sink<LiveUpdate>;
  /** Set when a diff was skipped: the next frame it gets is a snapshot. */
  needsSnapshot: boolean;
}

/**
 * The one publisher of live data (snapshot, then keyed diffs, and source health). A source sets
 * its whole state (set), one collection (setCollection) or one item (put/remove) as often as it
 * likes; subscribers get at most one diff per interval, computed from what they last got.
 *
 * Memory stays bounded whatever the subscribers do: the publisher keeps only the last published
 * state and the current one. A subscriber whose connection backs up (a slow or hidden client) is
 * skipped and gets a fresh snapshot once its queue has drained, never an ever-growing backlog.
 */
export class LivePublisher<D extends LiveData> extends DisposableBase {
  private current: D;
  private published: D;
  private seq = 0;
  private atMs: number;
  private health: SourceHealth;
  private healthDirty = false;
  private readonly subscribers = new Set<Subscriber>();
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly maxBufferedBytes: number;
  private timer: Disposable | undefined;
  private lastFlushMs = -Infinity;
  private dirty = false;
  private readonly compute: (() => D) | undefined;

  constructor(options: LivePublisherOptions<D>) {
    super();
    this.clock = options.clock ?? systemClock;
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.compute = options.compute;
    this.current = options.compute ? options.compute() : options.initial;
    this.published = this.current;
    this.atMs = this.clock.now();
    this.health = { state: 'connecting', ...options.health, sinceMs: this.clock.now() };
  }

  /** The state subscribers will see after the next flush. */
  get data(): D {
    if (this.dirty && this.compute) {
      this.dirty = false;
      this.current = this.compute();
    }
    return this.current;
  }

  get currentHealth(): SourceHealth {
    return this.health;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Pull mode: something changed; compute() runs when the next frame goes out. */
  markDirty(atMs = this.clock.now()): void {
    this.dirty = true;
    this.atMs = atMs;
    this.schedule();
  }

  /** Replaces the whole state (a poll result); atMs is when the source produced it. */
  set(data: D, atMs = this.clock.now()): void {
    this.current = data;
    this.atMs = atMs;
    this.schedule();
  }

  /** Replaces one collection. */
  setCollection<K extends keyof D & string>(name: K, items: D[K], atMs = this.clock.now()): void {
    this.current = { ...this.current, [name]: items };
    this.atMs = atMs;
    this.schedule();
  }

  /** Adds or replaces one item. */
  put<K extends keyof D & string>(name: K, key: string, item: D[K][string], atMs = this.clock.now()): void {
    const coll = this.current[name] as Keyed<object>;
    if (Object.prototype.hasOwnProperty.call(coll, key) && coll[key] === item) return;
    const next: Record<string, object> = { ...coll };
    setOwn(next, key, item);
    this.current = { ...this.current, [name]: next };
    this.atMs = atMs;
    this.schedule();
  }

  remove<K extends keyof D & string>(name: K, key: string, atMs = this.clock.now()): void {
    const coll = this.current[name] as Keyed<object>;
    if (!Object.prototype.hasOwnProperty.call(coll, key)) return;
    const next: Record<string, object> = { ...coll };
    delete next[key];
    this.current = { ...this.current, [name]: next };
    this.atMs = atMs;
    this.schedule();
  }

  /**
   * Sets the source's health. sinceMs moves only when the state changes; dataAtMs follows the
   * data unless given. Changes go out with the next frame.
   */
  setHealth(next: { state: SourceState; cause?: ErrorData | undefined; via?: ViaTunnel | undefined; nextAttemptAtMs?: number | undefined; dataAtMs?: number }): void {
    const now = this.clock.now();
    const health: SourceHealth = {
      state: next.state,
      sinceMs: next.state === this.health.state ? this.health.sinceMs : now,
      ...(next.dataAtMs !== undefined ? { dataAtMs: next.dataAtMs } : this.health.dataAtMs !== undefined ? { dataAtMs: this.health.dataAtMs } : {}),
      ...(next.cause ? { cause: next.cause } : {}),
      ...(next.via ? { via: next.via } : {}),
      ...(next.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: next.nextAttemptAtMs } : {}),
    };
    if (jsonEqual(health, this.health)) return;
    this.health = health;
    this.healthDirty = true;
    this.schedule();
  }

  /** Convenience: live with fresh data as of atMs. */
  markLive(atMs = this.clock.now()): void {
    this.setHealth({ state: 'live', dataAtMs: atMs });
  }

  /** Convenience: down because of err (data kept, drawn stale by the UI). */
  markDown(err: unknown, extra: { via?: ViaTunnel; nextAttemptAtMs?: number } = {}): void {
    this.setHealth({ state: 'down', cause: AppError.from(err).toData(), ...extra });
  }

  /** Sends a snapshot now, then diffs; dispose() (or the sink's signal) ends it. */
  subscribe(sink: Sink<LiveUpdate>): Disposable {
    if (this.isDisposed) {
      sink.end(new AppError('UNAVAILABLE', 'this live source was closed'));
      return toDisposable(() => undefined);
    }
    const sub: Subscriber = { sink, needsSnapshot: false };
    this.subscribers.add(sub);
    // A late subscriber starts from what is published; pending changes follow as the next diff.
    this.sendSnapshot(sub);
    const onAbort = () => this.subscribers.delete(sub);
    sink.signal.addEventListener('abort', onAbort, { once: true });
    return toDisposable(() => {
      sink.signal.removeEventListener('abort', onAbort);
      this.subscribers.delete(sub);
    });
  }

  /** Sends what is pending now instead of at the next interval (tests, shutdown). */
  flush(): void {
    this.timer?.dispose();
    this.timer = undefined;
    this.lastFlushMs = this.clock.now();
    if (this.dirty && this.compute) {
      this.dirty = false;
      this.current = this.compute();
    }
    const changes = this.current === this.published ? undefined : diffLive(this.published, this.current);
    const healthChanged = this.healthDirty;
    this.published = this.current;
    this.healthDirty = false;
    if (!changes && !healthChanged) {
      this.retryLagging();
      return;
    }
    this.seq++;
    const now = this.clock.now();
    const frame: LiveUpdate = { t: 'diff', seq: this.seq, atMs: this.atMs, nowMs: now, changes: changes ?? {}, ...(healthChanged ? { health: this.health } : {}) };
    for (const sub of this.subscribers) {
      if (sub.needsSnapshot) {
        this.trySnapshot(sub);
        continue;
      }
      if (sub.sink.bufferedBytes() > this.maxBufferedBytes) {
        sub.needsSnapshot = true;
        this.watchLagging();
        continue;
      }
      sub.sink.next(frame);
    }
  }

  private sendSnapshot(sub: Subscriber): void {
    sub.needsSnapshot = false;
    sub.sink.next({ t: 'snapshot', seq: this.seq, atMs: this.atMs, nowMs: this.clock.now(), health: this.health, data: this.published });
  }

  private trySnapshot(sub: Subscriber): void {
    if (sub.sink.bufferedBytes() > this.maxBufferedBytes / 2) {
      this.watchLagging();
      return;
    }
    this.sendSnapshot(sub);
  }

  private retryLagging(): void {
    for (const sub of this.subscribers) if (sub.needsSnapshot) this.trySnapshot(sub);
  }

  /** While a subscriber lags, check again each interval even if nothing changes. */
  private watchLagging(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.retryLagging();
      if (this.current !== this.published || this.healthDirty || this.dirty) this.flush();
    }, this.minIntervalMs);
  }

  private schedule(): void {
    if (this.timer || this.isDisposed) return;
    const wait = Math.max(0, this.lastFlushMs + this.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  protected override onDispose(): void {
    this.timer?.dispose();
    this.timer = undefined;
    for (const sub of this.subscribers) sub.sink.end();
    this.subscribers.clear();
  }
}
