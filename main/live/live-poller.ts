import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableBase, type Disposable } from '../contract/lifecycle';
import type { LiveData, ViaTunnel } from '../contract/live';
import type { LivePublisher } from './live-publisher';

export interface LivePollerOptions<D extends LiveData> {
  readonly publisher: LivePublisher<D>;
  /** One round: the whole new state (the publisher diffs it). Honour the signal. */
  poll(signal: AbortSignal): Promise<D>;
  readonly intervalMs: number;
  /** A round that takes longer is aborted and counts as a failure. Default: 3 × interval, at least 10 s. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** When the source goes through a Drover tunnel: its state, named in the health when the source is down. */
  via?(): ViaTunnel | undefined;
  /** Data older than this is reported stale (default 3 × interval). */
  readonly staleAfterMs?: number;
}

/**
 * The one polling loop of Drover (miners, domains, fleet probes use it): polls never overlap, the
 * next round starts intervalMs after the previous one ended; each success publishes the new state
 * (diffed by the publisher) and marks the source live; a failure keeps the last data, marks the
 * source down with its cause (and the tunnel, when one is configured and not up) and when it tries
 * again; data that has not been refreshed for staleAfterMs is marked stale.
 */
export class LivePoller<D extends LiveData> extends DisposableBase {
  private readonly clock: Clock;
  private timer: Disposable | undefined;
  private staleTimer: Disposable | undefined;
  private inFlight: AbortController | undefined;
  private lastSuccessMs: number | undefined;
  private rounds = 0;
  private started = false;

  constructor(private readonly options: LivePollerOptions<D>) {
    super();
    this.clock = options.clock ?? systemClock;
  }

  get roundCount(): number {
    return this.rounds;
  }

  get isPolling(): boolean {
    return this.inFlight !== undefined;
  }

  start(): void {
    if (this.started || this.isDisposed) return;
    this.started = true;
    void this.round();
  }

  /** Polls now (cancelling the wait), unless a round is already running. */
  pollNow(): void {
    if (!this.started || this.isDisposed || this.inFlight) return;
    this.timer?.dispose();
    this.timer = undefined;
    void this.round();
  }

  private async round(): Promise<void> {
    if (this.isDisposed) return;
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    const timeoutMs = this.options.timeoutMs ?? Math.max(10_000, this.options.intervalMs * 3);
    let timedOut = false;
    const deadline = this.clock.setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, timeoutMs);
    const startedMs = this.clock.now();
    try {
      const data = await this.options.poll(ctrl.signal);
      if (this.isDisposed || ctrl.signal.aborted) throw ctrl.signal.reason ?? new AppError('CANCELLED', 'cancelled');
      const atMs = this.clock.now();
      this.lastSuccessMs = atMs;
      this.options.publisher.set(data, atMs);
      this.options.publisher.markLive(atMs);
    } catch (err) {
      if (this.isDisposed) return;
      const cause = timedOut ? new AppError('TIMEOUT', `no answer within ${Math.round(timeoutMs / 1000)} s`, { hint: 'The source is slow or unreachable; Drover keeps trying.' }) : AppError.from(err);
      const via = this.options.via?.();
      this.options.publisher.markDown(cause, { ...(via ? { via } : {}), nextAttemptAtMs: this.clock.now() + this.options.intervalMs });
    } finally {
      deadline.dispose();
      if (this.inFlight === ctrl) this.inFlight = undefined;
      this.rounds++;
    }
    if (this.isDisposed) return;
    this.armStale(startedMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, this.options.intervalMs);
  }

  /** Live data that is not refreshed in time turns stale (until the next success). */
  private armStale(_startedMs: number): void {
    this.staleTimer?.dispose();
    const staleAfter = this.options.staleAfterMs ?? this.options.intervalMs * 3;
    if (this.lastSuccessMs === undefined) return;
    const due = this.lastSuccessMs + staleAfter - this.clock.now();
    this.staleTimer = this.clock.setTimeout(() => {
      const h = this.options.publisher.currentHealth;
      if (h.state === 'live') this.options.publisher.setHealth({ state: 'stale', ...(h.dataAtMs !== undefined ? { dataAtMs: h.dataAtMs } : {}) });
    }, Math.max(0, due));
  }

  protected override onDispose(): void {
    this.timer?.dispose();
    this.staleTimer?.dispose();
    this.inFlight?.abort();
  }
}
