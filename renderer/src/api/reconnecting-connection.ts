import { backoffDelayMs } from '@contract/backoff';
import { systemClock, withTimeout, type Clock } from '@contract/clock';
import { appContract, type AppApi, type AppContractType } from '@contract/index';
import type { CallOptions, Observer } from '@contract/define';
import type { FrameEndpoint } from '@contract/endpoint';
import { AppError } from '@contract/errors';
import { Emitter, toDisposable, type Disposable, type Event } from '@contract/lifecycle';
import { createClient, type RpcClient } from '@contract/rpc-client';

/**
 * What the UI shows about the link to the services.
 * - connecting: the very first connection is being made.
 * - open: calls go through.
 * - reconnecting: the link is down; attempt counts failures since it went down, nextRetryAtMs is
 *   when the next dial starts (null while dialing), cause says why the last attempt failed.
 * - closed: no automatic retry. 'unauthorized' when the web host refuses our credentials (the user
 *   reopens the printed URL, then retryNow works since the cookie is shared); 'gone' when nothing
 *   has answered at the page's address for giveUpAfterMs (the host was stopped or restarted on
 *   another port: this page's token and port will not come back); 'disposed' at teardown.
 */
export type ConnectionState =
  | { readonly status: 'connecting' }
  | { readonly status: 'open'; readonly sinceMs: number }
  | {
      readonly status: 'reconnecting';
      readonly attempt: number;
      readonly nextRetryAtMs: number | null;
      readonly downSinceMs: number;
      readonly cause: AppError;
    }
  | { readonly status: 'closed'; readonly reason: 'unauthorized' | 'gone' | 'disposed'; readonly cause?: AppError; readonly downSinceMs?: number };

export interface ReconnectingConnectionOptions {
  /** Opens one endpoint over the page's transport (see transport.ts). */
  open: () => Promise<FrameEndpoint>;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long a fresh endpoint may take to send the server's hello. */
  helloTimeoutMs?: number;
  /** How long a call made while the link is down waits for it before failing with UNAVAILABLE. */
  waitForOpenMs?: number;
  /**
   * Give up (closed, 'gone') once every dial for this long failed because nothing answers at the
   * address (the transport's UNAVAILABLE with details.reason 'unreachable'); 0 never. Default 15 s:
   * a host restarted by a supervisor on the same port with the same token is back well before.
   */
  giveUpAfterMs?: number;
  /** Heartbeat period used to notice a link that hangs without closing; 0 disables. */
  livenessIntervalMs?: number;
  clock?: Clock;
  /** In [0, 1); jitter of the backoff. */
  random?: () => number;
  onProtocolError?: (err: AppError) => void;
}

interface Subscription {
  readonly name: string;
  readonly input: unknown;
  readonly observer: Observer<unknown>;
  /** The subscription on the current client, if attached. */
  inner: Disposable | undefined;
}

interface Waiter {
  resolve(client: RpcClient<AppContractType>): void;
  reject(err: AppError): void;
}

type AnyApi = Record<string, Record<string, (...args: unknown[]) => unknown>>;

/**
 * The typed api over a link that survives drops: on a drop it dials again with exponential
 * backoff (250 ms doubling up to 5 s, with jitter), builds a new RPC client and re-establishes
 * every active stream subscription, so stores never see the drop in their streams (a stream
 * that delivers a snapshot first delivers a fresh one). Calls in flight when the link drops fail
 * with UNAVAILABLE (they are not retried: they may not be idempotent); calls made while it is
 * down wait for it for a while.
 */
export class ReconnectingConnection implements Disposable {
  readonly api: AppApi;
  private readonly stateEmitter = new Emitter<ConnectionState>();
  readonly onDidChangeState: Event<ConnectionState> = this.stateEmitter.event;

  private currentState: ConnectionState = { status: 'connecting' };
  private client: RpcClient<AppContractType> | undefined;
  private clientDisposables: Disposable[] = [];
  private readonly subs = new Set<Subscription>();
  private readonly waiters = new Set<Waiter>();
  private attempt = 0;
  private downSinceMs = 0;
  /** Since when every dial found nothing at the address (0: the last one did not). */
  private unreachableSinceMs = 0;
  private retryTimer: Disposable | undefined;
  private generation = 0;
  private started = false;
  private disposed = false;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: ReconnectingConnectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.api = this.buildApi();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    void this.dial();
  }

  /** Dial now instead of waiting for the backoff (also leaves the 'unauthorized' state). */
  retryNow(): void {
    if (this.disposed || this.client) return;
    const s = this.currentState;
    if (s.status === 'reconnecting' && s.nextRetryAtMs === null) return; // dialing already
    if (s.status === 'connecting') return;
    this.retryTimer?.dispose();
    void this.dial();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.retryTimer?.dispose();
    const err = new AppError('UNAVAILABLE', 'the connection was shut down');
    for (const w of [...this.waiters]) w.reject(err);
    this.waiters.clear();
    for (const sub of this.subs) sub.inner?.dispose();
    this.subs.clear();
    this.dropClient()?.dispose();
    this.setState({ status: 'closed', reason: 'disposed' });
    this.stateEmitter.dispose();
  }

  // ---- dialing ----

  private async dial(): Promise<void> {
    const gen = ++this.generation;
    const s = this.currentState;
    if (s.status === 'reconnecting') this.setState({ ...s, nextRetryAtMs: null });
    else if (s.status === 'closed') {
      this.attempt = Math.max(this.attempt, 1);
      this.setState({
        status: 'reconnecting',
        attempt: this.attempt,
        nextRetryAtMs: null,
        downSinceMs: this.downSinceMs || this.clock.now(),
        cause: s.cause ?? new AppError('UNAVAILABLE', 'not connected'),
      });
    }

    let endpoint: FrameEndpoint;
    try {
      endpoint = await this.options.open();
    } catch (err) {
      if (gen === this.generation && !this.disposed) this.failed(AppError.from(err));
      return;
    }
    if (gen !== this.generation || this.disposed) {
      endpoint.close();
      return;
    }

    const client = createClient(endpoint, appContract, { onProtocolError: this.options.onProtocolError });
    try {
      await withTimeout(this.clock, client.ready, this.options.helloTimeoutMs ?? 10_000, () =>
        new AppError('TIMEOUT', 'the Drover service accepted the connection but did not greet within the time limit'),
      );
    } catch (err) {
      client.dispose();
      if (gen === this.generation && !this.disposed) this.failed(AppError.from(err));
      return;
    }
    if (gen !== this.generation || this.disposed || client.isClosed) {
      client.dispose();
      if (gen === this.generation && !this.disposed) this.failed(new AppError('UNAVAILABLE', 'the connection closed right after it opened'));
      return;
    }

    this.client = client;
    this.attempt = 0;
    this.downSinceMs = 0;
    this.unreachableSinceMs = 0;
    this.clientDisposables.push(client.onDidClose((reason) => this.lost(client, reason)));
    this.setState({ status: 'open', sinceMs: this.clock.now() });
    for (const w of [...this.waiters]) w.resolve(client);
    this.waiters.clear();
    for (const sub of this.subs) this.attach(sub, client);
    this.watchLiveness(client);
  }

  private failed(err: AppError): void {
    if (err.details?.reason === 'unreachable') {
      const now = this.clock.now();
      if (!this.unreachableSinceMs) this.unreachableSinceMs = now;
      const giveUpMs = this.options.giveUpAfterMs ?? 15_000;
      if (giveUpMs > 0 && now - this.unreachableSinceMs >= giveUpMs) {
        this.setState({ status: 'closed', reason: 'gone', cause: err, downSinceMs: this.downSinceMs || this.unreachableSinceMs });
        for (const w of [...this.waiters]) w.reject(err);
        this.waiters.clear();
        this.unreachableSinceMs = 0;
        return;
      }
    } else this.unreachableSinceMs = 0;
    if (err.code === 'UNAUTHENTICATED') {
      this.setState({ status: 'closed', reason: 'unauthorized', cause: err });
      for (const w of [...this.waiters]) w.reject(err);
      this.waiters.clear();
      return;
    }
    this.attempt++;
    if (!this.downSinceMs) this.downSinceMs = this.clock.now();
    this.scheduleRetry(err);
  }

  private lost(client: RpcClient<AppContractType>, reason: string): void {
    if (client !== this.client) return;
    this.dropClient();
    for (const sub of this.subs) sub.inner = undefined;
    this.attempt = 1;
    this.downSinceMs = this.clock.now();
    this.scheduleRetry(new AppError('UNAVAILABLE', `connection lost: ${reason}`));
  }

  private scheduleRetry(cause: AppError): void {
    const delayMs = backoffDelayMs(this.attempt - 1, { next: this.random }, { baseMs: this.options.backoffInitialMs ?? 250, capMs: this.options.backoffMaxMs ?? 5_000, jitter: 0.2 });
    this.setState({
      status: 'reconnecting',
      attempt: this.attempt,
      nextRetryAtMs: this.clock.now() + delayMs,
      downSinceMs: this.downSinceMs,
      cause,
    });
    this.retryTimer?.dispose();
    this.retryTimer = this.clock.setTimeout(() => void this.dial(), delayMs);
  }

  private dropClient(): RpcClient<AppContractType> | undefined {
    const client = this.client;
    this.client = undefined;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    return client;
  }

  /** A link can hang without closing (suspended peer); a missing heartbeat forces a reconnect. */
  private watchLiveness(client: RpcClient<AppContractType>): void {
    const intervalMs = this.options.livenessIntervalMs ?? 5_000;
    if (intervalMs <= 0) return;
    let lastTickMs = this.clock.now();
    let timer: Disposable | undefined;
    const check = () => {
      const silentMs = this.clock.now() - lastTickMs;
      if (silentMs > intervalMs * 3) {
        this.lost(client, `no heartbeat from the service for ${(silentMs / 1000).toFixed(1)} s`);
        client.dispose();
        return;
      }
      timer = this.clock.setTimeout(check, intervalMs);
    };
    const beat = client.api.system.heartbeat(
      { intervalMs },
      {
        next: () => {
          lastTickMs = this.clock.now();
        },
        end: () => timer?.dispose(),
      },
    );
    timer = this.clock.setTimeout(check, intervalMs);
    this.clientDisposables.push(beat, toDisposable(() => timer?.dispose()));
  }

  // ---- the api ----

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  private whenOpen(signal: AbortSignal | undefined, timeoutMs: number): Promise<RpcClient<AppContractType>> {
    if (this.client) return Promise.resolve(this.client);
    const s = this.currentState;
    if (s.status === 'closed') {
      return Promise.reject(s.cause ?? new AppError('UNAVAILABLE', 'the connection to the Drover service is closed'));
    }
    return new Promise((resolve, reject) => {
      const finish = () => {
        this.waiters.delete(waiter);
        timer.dispose();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (c) => {
          finish();
          resolve(c);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      };
      const onAbort = () => waiter.reject(new AppError('CANCELLED', 'the operation was cancelled'));
      const timer = this.clock.setTimeout(() => {
        const cur = this.currentState;
        const why = cur.status === 'reconnecting' ? ` (last attempt: ${cur.cause.message})` : '';
        waiter.reject(new AppError('UNAVAILABLE', `not connected to the Drover service${why}`));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private attach(sub: Subscription, client: RpcClient<AppContractType>): void {
    const [ns, entry] = splitName(sub.name);
    const fn = (client.api as unknown as AnyApi)[ns]![entry]!;
    let active = true;
    const inner = fn(sub.input, {
      next: (value: unknown) => {
        if (active) sub.observer.next(value);
      },
      end: (err?: AppError) => {
        if (!active) return;
        active = false;
        // Ended because the link dropped: kept, and attached again after the reconnect.
        if (client.isClosed) return;
        this.subs.delete(sub);
        sub.observer.end?.(err);
      },
    } satisfies Observer<unknown>) as Disposable;
    sub.inner = toDisposable(() => {
      active = false;
      inner.dispose();
    });
  }

  private buildApi(): AppApi {
    const api: Record<string, Record<string, unknown>> = {};
    for (const [ns, entries] of Object.entries(appContract)) {
      const nsApi: Record<string, unknown> = {};
      for (const [entry, def] of Object.entries(entries)) {
        const name = `${ns}.${entry}`;
        if (def.kind === 'method') {
          nsApi[entry] = async (input: unknown, opts?: CallOptions) => {
            const waitMs = Math.min(this.options.waitForOpenMs ?? 10_000, opts?.timeoutMs || Infinity);
            const client = await this.whenOpen(opts?.signal, waitMs);
            return (client.api as unknown as AnyApi)[ns]![entry]!(input, opts);
          };
        } else if (def.kind === 'stream') {
          nsApi[entry] = (input: unknown, observer: Observer<unknown>): Disposable => {
            const sub: Subscription = { name, input, observer, inner: undefined };
            this.subs.add(sub);
            if (this.client) this.attach(sub, this.client);
            return toDisposable(() => {
              this.subs.delete(sub);
              sub.inner?.dispose();
              sub.inner = undefined;
            });
          };
        } else {
          nsApi[entry] = (input: unknown): void => {
            if (!this.client) throw new AppError('UNAVAILABLE', 'not connected to the Drover service');
            (this.client.api as unknown as AnyApi)[ns]![entry]!(input);
          };
        }
      }
      api[ns] = Object.freeze(nsApi);
    }
    return api as unknown as AppApi;
  }
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

