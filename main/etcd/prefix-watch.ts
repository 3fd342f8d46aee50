import type { Clock } from '../contract/clock';
import type { EtcdWatchLiveData, WatchInfo, WatchKeyItem } from '../contract/etcd';
import type { ErrorCode } from '../contract/errors';
import { DisposableBase } from '../contract/lifecycle';
import { setOwn } from '../contract/live';
import { LivePublisher } from '../live/live-publisher';
import type { EtcdConnection } from './etcd-connection';
import { toKeyEntry } from './etcd-kv';
import { ResumableWatch, sessionWatchSource, type ResyncNeeded, type WatchBatch, type WatchStreamSource } from './resumable-watch';
import { keyDisplay, toBase64 } from './value-codec';

/**
 * The live view of a prefix for the etcd page: a ResumableWatch (resumes by revision after a
 * disconnect, nothing missed, duplicated or reordered) published through the one LivePublisher as
 * two collections:
 *
 * - keys: the latest change of every key changed since the watch began, keyed by the key's
 *   base64 ({ type, revision, entry }). A page of keys read at revision P shows the truth once
 *   the changes with a revision > P are laid over it.
 * - watch: one item, "info": startRevision (changes from there on are in keys), the last
 *   revision delivered, and an epoch that goes up whenever keys starts over.
 *
 * keys starts over (epoch + 1) when etcd compacted past the resume point (the events in between
 * are gone: the watch restarts from now, reason "compacted") or when more than maxKeys distinct
 * keys changed (reason "overflow"). Either way the page reloads what it shows from the new
 * startRevision; the reason is shown to the user.
 *
 * Health is the watch's: connecting, live, down because of the error (with the retry time, and
 * the Drover tunnel when the session goes through one that is not up).
 */

export interface PrefixWatchOptions {
  clock: Clock;
  /** Distinct changed keys kept before starting over (default 5,000). */
  maxKeys?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** Minimum time between two frames (default 250 ms). */
  minIntervalMs?: number;
}

/** Watch streams from whatever session the connection has open now (it may have been reopened on another tunnel port). */
export function connectionWatchSource(conn: EtcdConnection): WatchStreamSource {
  return {
    async open(lastError) {
      const session = await conn.session();
      return sessionWatchSource(session).open(lastError);
    },
  };
}

export const INFO_KEY = 'info';

export class PrefixWatch extends DisposableBase {
  readonly publisher: LivePublisher<EtcdWatchLiveData>;
  private readonly watch: ResumableWatch;
  private readonly keys = new Map<string, WatchKeyItem>();
  private info: WatchInfo;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  /** The next 'live' sets startRevision (first connect, or a restart after a compaction). */
  private takeStart = true;

  constructor(
    private readonly conn: EtcdConnection,
    readonly prefix: Buffer,
    options: PrefixWatchOptions,
  ) {
    super();
    this.clock = options.clock;
    this.maxKeys = Math.max(1, options.maxKeys ?? 5_000);
    this.info = {
      prefix: toBase64(prefix),
      prefixDisplay: keyDisplay(prefix).display,
      startRevision: 0,
      revision: 0,
      epoch: 0,
      events: 0,
      reconnects: 0,
      maxKeys: this.maxKeys,
    };
    this.publisher = this.register(
      new LivePublisher<EtcdWatchLiveData>({
        initial: { keys: {}, watch: {} },
        clock: this.clock,
        minIntervalMs: options.minIntervalMs ?? 250,
        health: { state: 'connecting' },
        compute: () => this.snapshot(),
      }),
    );
    this.watch = this.register(
      new ResumableWatch(connectionWatchSource(conn), {
        range: { prefix },
        startRevision: 0,
        clock: this.clock,
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
        ...(options.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeoutMs } : {}),
      }),
    );
    this.register(this.watch.onDidReceive((b) => this.onBatch(b)));
    this.register(this.watch.onDidChangeState((s) => this.onState(s)));
    this.register(this.watch.onDidRequireResync((r) => this.onResync(r)));
    this.register(
      conn.onDidTunnelComeUp(() => {
        // The tunnel is back: reconnect now instead of at the end of the backoff.
        if (this.watch.state.state === 'reconnecting') this.watch.restart(this.watch.nextRevision);
      }),
    );
  }

  get currentInfo(): WatchInfo {
    return this.info;
  }

  get stats(): ResumableWatch['stats'] {
    return this.watch.stats;
  }

  start(): this {
    this.watch.start();
    return this;
  }

  /** Reconnects at once if the watch is waiting to retry (the user asked, or the session reconnected). */
  retryNow(): void {
    if (this.watch.state.state === 'reconnecting') this.watch.restart(this.watch.nextRevision);
  }

  private snapshot(): EtcdWatchLiveData {
    const keys: Record<string, WatchKeyItem> = {};
    for (const [k, v] of this.keys) setOwn(keys, k, v);
    return { keys, watch: this.info.startRevision > 0 ? { [INFO_KEY]: this.info } : {} };
  }

  private setInfo(patch: Partial<WatchInfo>): void {
    this.info = { ...this.info, ...patch };
    this.publisher.markDirty();
  }

  private onBatch(b: WatchBatch): void {
    let fresh = 0;
    for (const ev of b.events) if (!this.keys.has(toBase64(ev.kv.key))) fresh++;
    const events = this.info.events + b.events.length;
    if (this.keys.size + fresh > this.maxKeys) {
      // Too many distinct keys changed to keep them all: start over after this revision.
      this.keys.clear();
      this.setInfo({
        events,
        revision: b.revision,
        startRevision: b.revision + 1,
        epoch: this.info.epoch + 1,
        resync: { reason: 'overflow', resumeRevision: b.revision + 1, atMs: this.clock.now() },
      });
      return;
    }
    for (const ev of b.events) {
      this.keys.set(toBase64(ev.kv.key), {
        type: ev.type,
        revision: ev.revision,
        entry: toKeyEntry(ev.kv, ev.type === 'put' ? ev.kv.value.length : null),
      });
    }
    this.setInfo({ events, revision: b.revision });
    this.publisher.setHealth({ state: 'live', dataAtMs: this.clock.now() });
  }

  private onState(s: ResumableWatch['state']): void {
    switch (s.state) {
      case 'connecting':
        if (this.publisher.currentHealth.state !== 'down') this.publisher.setHealth({ state: 'connecting' });
        break;
      case 'live':
        if (this.takeStart) {
          this.takeStart = false;
          this.setInfo({ startRevision: s.nextRevision, revision: s.nextRevision - 1, reconnects: this.watch.stats.reconnects });
        } else this.setInfo({ reconnects: this.watch.stats.reconnects });
        this.publisher.setHealth({ state: 'live', dataAtMs: this.clock.now() });
        break;
      case 'reconnecting': {
        const via = this.conn.viaIfTunnelDown();
        this.publisher.setHealth({
          state: 'down',
          cause: {
            code: s.error.code as ErrorCode,
            message: s.error.message,
            hint:
              s.nextRevision > 0
                ? `Drover reconnects by itself and resumes from revision ${s.nextRevision}: no change is lost.`
                : 'Drover reconnects by itself.',
          },
          nextAttemptAtMs: s.retryAtMs,
          ...(via ? { via } : {}),
        });
        break;
      }
      default:
        break;
    }
  }

  private onResync(r: ResyncNeeded): void {
    // The events between the resume point and etcd's compaction point are gone: start over from now.
    this.keys.clear();
    this.takeStart = true;
    this.setInfo({
      epoch: this.info.epoch + 1,
      resync: { reason: 'compacted', compactRevision: r.compactRevision, resumeRevision: r.nextRevision, atMs: this.clock.now() },
    });
    this.watch.restart(0);
  }
}
