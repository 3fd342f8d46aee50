import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import type { Clock } from '../contract/clock';
import type { WatchConnectionState, WatchEvent } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { DisposableBase, Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { prefixRange, type KeyRange } from './etcd-bytes';
import { fromRpcKv, toEtcdKv, type RawKv } from './etcd-kv';
import { etcdError } from './etcd-errors';
import type { EtcdSession } from './etcd-session';

/**
 * A watch on a key range that survives etcd going away and coming back, on its own gRPC
 * watch stream (not etcd3's shared Watcher, which resumes from the revision in a response
 * header: for a watcher catching up, that header is the store's current revision, ahead of the
 * events still to come, so a disconnect at that moment would skip them).
 *
 * Guarantees, for one ResumableWatch:
 * - Batches are delivered in strictly increasing revision order, one batch per revision with
 *   every event of that revision (a transaction's events together; fragments of a large
 *   revision are reassembled first: the watch asks for fragmenting so no message exceeds gRPC
 *   limits).
 * - After a disconnect the watch is created again from (last delivered revision + 1); anything
 *   at or below the last delivered revision is dropped, so nothing is delivered twice.
 * - When etcd has compacted past the resume point, the events in between are gone: the state
 *   becomes 'resync-needed' with etcd's compact revision, onDidRequireResync fires, and the
 *   watch stops until restart(revision) (after the owner reloaded a snapshot).
 * - State changes (connecting, live, reconnecting with the error and retry time, resync-needed,
 *   stopped) are events. Every timer goes through the injected Clock.
 *
 * A heartbeat (a progress request every heartbeatMs) finds a stream that went silent without
 * an error (a black-holed tunnel): no message at all for heartbeatMs + heartbeatTimeoutMs ends
 * the stream and reconnects. Per-watch progress notifications (no events, our watch id) move
 * the resume point forward, so a quiet prefix does not fall behind a compaction; the answers
 * to progress requests (watch id -1) are only used as a sign of life, since etcd 3.4 sends them
 * before pending events of a watcher that is still catching up.
 */

export type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** Opens a new watch stream. lastError: why the previous one failed (to refresh an auth token). */
export interface WatchStreamSource {
  open(lastError?: unknown): Promise<WatchStream>;
}

/** A session's etcd3 client as a stream source. */
export function sessionWatchSource(session: EtcdSession): WatchStreamSource {
  return {
    async open(lastError) {
      if (lastError instanceof Error && /invalid auth token|EtcdInvalidAuthToken/.test(`${lastError.constructor.name} ${lastError.message}`)) {
        // etcd3 renews the token only when a unary call is refused; make one.
        await session.client.maintenance.status(session.callOptions()).catch(() => undefined);
      }
      return session.client.watchClient.watch();
    },
  };
}

export interface RawWatchEvent {
  type: 'put' | 'delete';
  revision: number;
  kv: RawKv;
  prevKv: RawKv | null;
}

/** Every event of one revision. */
export interface WatchBatch {
  revision: number;
  events: RawWatchEvent[];
}

export interface ResyncNeeded {
  /** etcd's compaction point: history before it is gone. */
  compactRevision: number;
  /** Where the watch wanted to resume. */
  nextRevision: number;
}

export interface ResumableWatchOptions {
  /** The keys to watch. */
  range: KeyRange | { prefix: Uint8Array };
  /** First revision to deliver (inclusive), e.g. a snapshot's revision + 1; 0 = from now. */
  startRevision: number;
  /** Ask etcd for each event's previous key-value (default false). */
  prevKv?: boolean;
  clock: Clock;
  /** Reconnect delays: initialMs × 2^(attempt-1) up to maxMs, ±20% jitter (default 100 ms .. 5 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  random?: () => number;
  /** 0 disables the heartbeat (default 10 s). */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** How long a new stream may take to confirm the watch (default 10 s). */
  createTimeoutMs?: number;
}

export interface WatchStats {
  /** Streams opened after the first. */
  reconnects: number;
  batches: number;
  events: number;
  /** Events dropped because they were at or below the last delivered revision. */
  duplicatesDropped: number;
  /** Watch responses that were fragments of a larger revision. */
  fragments: number;
}

export class ResumableWatch extends DisposableBase {
  private readonly stateEmitter = this.register(new Emitter<WatchConnectionState>());
  private readonly batchEmitter = this.register(new Emitter<WatchBatch>());
  private readonly resyncEmitter = this.register(new Emitter<ResyncNeeded>());
  readonly onDidChangeState: Event<WatchConnectionState> = this.stateEmitter.event;
  readonly onDidReceive: Event<WatchBatch> = this.batchEmitter.event;
  readonly onDidRequireResync: Event<ResyncNeeded> = this.resyncEmitter.event;

  private readonly range: KeyRange;
  private readonly clock: Clock;
  private currentState: WatchConnectionState = { state: 'connecting', attempt: 0 };
  private next: number;
  private generation = 0;
  private stream: WatchStream | undefined;
  private watchId: string | undefined;
  private fragments: IEvent[] = [];
  private attempt = 0;
  private lastError: unknown;
  private lastActivityMs = 0;
  private retryTimer: Disposable | undefined;
  private createTimer: Disposable | undefined;
  private heartbeat: Disposable | undefined;
  private started = false;
  private connects = 0;
  readonly stats: WatchStats = { reconnects: 0, batches: 0, events: 0, duplicatesDropped: 0, fragments: 0 };

  constructor(
    private readonly source: WatchStreamSource,
    private readonly options: ResumableWatchOptions,
  ) {
    super();
    this.range = 'prefix' in options.range ? prefixRange(options.range.prefix) : options.range;
    this.clock = options.clock;
    this.next = Math.max(0, Math.floor(options.startRevision));
  }

  get state(): WatchConnectionState {
    return this.currentState;
  }

  /** The revision the watch resumes from: the last delivered revision + 1 (0 before the first connect "from now"). */
  get nextRevision(): number {
    return this.next;
  }

  /** Connects; events flow from startRevision. */
  start(): this {
    if (this.started || this.isDisposed) return this;
    this.started = true;
    void this.connect();
    return this;
  }

  /** After a resync: watch again from `fromRevision` (a fresh snapshot's revision + 1). */
  restart(fromRevision: number): void {
    if (this.isDisposed) return;
    this.closeStream();
    this.clearTimer('retryTimer');
    this.next = Math.max(0, Math.floor(fromRevision));
    this.attempt = 0;
    this.started = true;
    void this.connect();
  }

  private setState(s: WatchConnectionState): void {
    this.currentState = s;
    this.stateEmitter.fire(s);
  }

  private clearTimer(name: 'retryTimer' | 'createTimer' | 'heartbeat'): void {
    this[name]?.dispose();
    this[name] = undefined;
  }

  private async connect(): Promise<void> {
    if (this.isDisposed) return;
    const gen = ++this.generation;
    this.attempt++;
    if (this.connects++ > 0) this.stats.reconnects++;
    this.setState({ state: 'connecting', attempt: this.attempt });
    let stream: WatchStream;
    try {
      stream = await this.source.open(this.lastError);
    } catch (err) {
      if (gen === this.generation) this.fail(err);
      return;
    }
    if (gen !== this.generation || this.isDisposed) {
      endQuietly(stream);
      return;
    }
    this.stream = stream;
    this.watchId = undefined;
    this.fragments = [];
    this.lastActivityMs = this.clock.now();
    stream.on('data', (res: IWatchResponse) => {
      if (gen === this.generation) this.onResponse(res);
    });
    stream.on('error', (err: Error) => {
      if (gen === this.generation) this.fail(err);
    });
    stream.on('end', () => {
      if (gen === this.generation) this.fail(new AppError('UNAVAILABLE', 'etcd ended the watch stream'));
    });
    const create: IWatchRequest['create_request'] = {
      key: this.range.key,
      range_end: this.range.rangeEnd,
      progress_notify: true,
      fragment: true,
      prev_kv: Boolean(this.options.prevKv),
    };
    if (this.next > 0) create.start_revision = this.next;
    try {
      stream.write({ create_request: create });
    } catch (err) {
      this.fail(err);
      return;
    }
    const createTimeoutMs = this.options.createTimeoutMs ?? 10_000;
    this.createTimer = this.clock.setTimeout(() => {
      if (gen === this.generation && this.watchId === undefined) {
        this.fail(new AppError('TIMEOUT', `etcd did not confirm the watch within ${createTimeoutMs} ms`));
      }
    }, createTimeoutMs);
  }

  private onResponse(res: IWatchResponse): void {
    this.lastActivityMs = this.clock.now();
    if (res.created) {
      this.clearTimer('createTimer');
      if (res.canceled) {
        this.onCanceled(res);
        return;
      }
      this.watchId = String(res.watch_id);
      if (this.next === 0) this.next = Number(res.header.revision) + 1;
      this.attempt = 0;
      this.lastError = undefined;
      this.startHeartbeat();
      this.setState({ state: 'live', sinceMs: this.clock.now(), nextRevision: this.next });
      return;
    }
    if (res.canceled) {
      this.onCanceled(res);
      return;
    }
    const events = res.events ?? [];
    if (events.length === 0) {
      // A progress notification for this watch: every event up to header.revision was sent.
      if (String(res.watch_id) === this.watchId && this.fragments.length === 0) {
        const rev = Number(res.header?.revision ?? 0);
        if (rev + 1 > this.next) this.next = rev + 1;
      }
      return;
    }
    if (res.fragment) {
      this.stats.fragments++;
      this.fragments.push(...events);
      return;
    }
    const all = this.fragments.length > 0 ? [...this.fragments, ...events] : events;
    this.fragments = [];
    this.deliver(all);
  }

  private deliver(events: IEvent[]): void {
    let i = 0;
    while (i < events.length && !this.isDisposed) {
      const revision = Number(events[i]!.kv.mod_revision);
      const batch: RawWatchEvent[] = [];
      while (i < events.length && Number(events[i]!.kv.mod_revision) === revision) {
        const ev = events[i++]!;
        batch.push({
          type: String(ev.type).toLowerCase() === 'delete' ? 'delete' : 'put',
          revision,
          kv: fromRpcKv(ev.kv),
          prevKv: ev.prev_kv ? fromRpcKv(ev.prev_kv) : null,
        });
      }
      if (revision < this.next) {
        this.stats.duplicatesDropped += batch.length;
        continue;
      }
      this.next = revision + 1;
      this.stats.batches++;
      this.stats.events += batch.length;
      this.batchEmitter.fire({ revision, events: batch });
    }
  }

  private onCanceled(res: IWatchResponse): void {
    const compactRevision = Number(res.compact_revision ?? 0);
    if (compactRevision > 0) {
      this.closeStream();
      this.clearTimer('heartbeat');
      const info: ResyncNeeded = { compactRevision, nextRevision: this.next };
      this.setState({ state: 'resync-needed', ...info });
      this.resyncEmitter.fire(info);
      return;
    }
    this.fail(new AppError('UNAVAILABLE', `etcd cancelled the watch${res.cancel_reason ? `: ${res.cancel_reason}` : ''}`));
  }

  private startHeartbeat(): void {
    this.clearTimer('heartbeat');
    const every = this.options.heartbeatMs ?? 10_000;
    if (every <= 0) return;
    const timeout = this.options.heartbeatTimeoutMs ?? 5_000;
    const gen = this.generation;
    this.heartbeat = this.clock.setInterval(() => {
      if (gen !== this.generation) return;
      const silentMs = this.clock.now() - this.lastActivityMs;
      if (silentMs > every + timeout) {
        this.fail(new AppError('TIMEOUT', `no message from etcd for ${silentMs} ms`));
        return;
      }
      try {
        this.stream?.write({ progress_request: {} });
      } catch (err) {
        this.fail(err);
      }
    }, every);
  }

  private fail(err: unknown): void {
    if (this.isDisposed || this.currentState.state === 'resync-needed') return;
    this.closeStream();
    this.clearTimer('heartbeat');
    this.lastError = err;
    const initial = this.options.backoff?.initialMs ?? 100;
    const max = this.options.backoff?.maxMs ?? 5_000;
    const attempt = Math.max(1, this.attempt);
    const base = Math.min(max, initial * 2 ** Math.min(30, attempt - 1));
    const jitter = 0.8 + 0.4 * (this.options.random ?? Math.random)();
    const delay = Math.round(base * jitter);
    const e = etcdError(err, 'watch');
    this.setState({ state: 'reconnecting', attempt, retryAtMs: this.clock.now() + delay, nextRevision: this.next, error: { code: e.code, message: e.message } });
    this.clearTimer('retryTimer');
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private closeStream(): void {
    this.generation++;
    this.clearTimer('createTimer');
    const s = this.stream;
    this.stream = undefined;
    this.watchId = undefined;
    this.fragments = [];
    if (s) endQuietly(s);
  }

  protected override onDispose(): void {
    this.closeStream();
    this.clearTimer('retryTimer');
    this.clearTimer('heartbeat');
    this.setState({ state: 'stopped' });
  }
}

/**
 * Ends a stream without side effects: end() first makes it non-writable, so the CANCELLED error
 * that cancel() raises does not make etcd3 reset the session's channels (it does that for
 * "recoverable" errors on writable streams), then cancel() releases the call.
 */
function endQuietly(s: WatchStream): void {
  s.on('error', () => undefined);
  try {
    s.end();
  } catch {}
  try {
    s.cancel();
  } catch {}
}

/** The contract form of a raw event. */
export function toWatchEvent(ev: RawWatchEvent): WatchEvent {
  return { type: ev.type, revision: ev.revision, kv: toEtcdKv(ev.kv), prevKv: ev.prevKv ? toEtcdKv(ev.prevKv) : null };
}
