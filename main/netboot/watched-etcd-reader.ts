import { Range, type Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import { backoffDelayMs, mathRandom, type Random } from '../contract/backoff';
import type { Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import type { Disposable } from '../contract/lifecycle';
import type { NetbootEtcdCopy } from '../contract/netboot';
import { EtcdCopy, type EtcdCopyLimits, type EtcdCopyResult } from './etcd-copy';
import type { EtcdReader } from './etcd-reader';

/**
 * An EtcdReader that answers from an in-memory copy of the watched prefixes while, and only
 * while, the copy is in sync; otherwise every read goes to the inner reader exactly as without a
 * copy (same errors, same messages).
 *
 * In sync means: one transaction of range reads of every prefix at revision R, then one watch
 * per prefix from R+1 (etcd3's Watcher, on the inner reader's client), every event applied in
 * order, and a sign of life from etcd (a watch message or a maintenance Status answer, asked
 * every pingMs) within livenessMs. Any watch error, cancel (compaction included), disconnect or
 * end, an event out of order, the cap, or silence beyond livenessMs (a black-holed etcd) drops
 * the copy; a new range read + watch is tried after a backoff (the one of contract/backoff.ts).
 */

export interface WatchedEtcdReaderOptions {
  /** Reads when the copy is not in sync; its client carries the range read, watch and pings. */
  inner: EtcdReader & Disposable & { readonly client: Etcd3 };
  prefixes: readonly string[];
  clock: Clock;
  limits: EtcdCopyLimits;
  /** Deadline of the range read and of each ping. */
  requestTimeoutMs: number;
  /** Silence after which the copy is not used (default 3000). */
  livenessMs?: number;
  /** How often etcd is asked for a sign of life (default 1000). */
  pingMs?: number;
  /** Retry after over-cap (default 60 s). */
  overCapRetryMs?: number;
  /** One line per state change; never values. */
  log?: (line: string) => void;
  /** The copy's state changed (for the responder's status). */
  onChange?: () => void;
  random?: Random;
}

type State = NetbootEtcdCopy['state'];

export class WatchedEtcdReader implements EtcdReader, Disposable {
  private readonly copy: EtcdCopy;
  private readonly clock: Clock;
  private readonly livenessMs: number;
  private readonly overCapRetryMs: number;
  private state: State = 'syncing';
  private sinceMs: number;
  private reason: string | undefined;
  private lastAliveMs = 0;
  private lastLog = '';
  private generation = 0;
  private watchers: Watcher[] = [];
  private retry: Disposable | undefined;
  private readonly ticker: Disposable;
  private pinging = false;
  private attempt = 0;
  private disposed = false;
  private fromCopy = 0;
  private readThrough = 0;

  constructor(private readonly options: WatchedEtcdReaderOptions) {
    this.clock = options.clock;
    this.livenessMs = options.livenessMs ?? 3000;
    this.overCapRetryMs = options.overCapRetryMs ?? 60_000;
    this.copy = new EtcdCopy(options.prefixes, options.limits);
    this.sinceMs = this.clock.now();
    this.ticker = this.clock.setInterval(() => this.tick(), options.pingMs ?? 1000, { background: true });
    void this.sync();
  }

  get client(): Etcd3 {
    return this.options.inner.client;
  }

  get status(): NetbootEtcdCopy {
    const inSync = this.state === 'in-sync';
    return {
      state: this.state,
      sinceMs: this.sinceMs,
      keys: inSync ? this.copy.size : 0,
      bytes: inSync ? this.copy.bytes : 0,
      ...(inSync ? { revision: this.copy.revision } : {}),
      prefixes: [...this.options.prefixes],
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      fromCopy: this.fromCopy,
      readThrough: this.readThrough,
    };
  }

  get(key: string, signal?: AbortSignal): Promise<string | undefined> {
    if (this.usable() && this.copy.covers(key)) {
      this.fromCopy += 1;
      return Promise.resolve(this.copy.get(key));
    }
    this.readThrough += 1;
    return this.options.inner.get(key, signal);
  }

  getMany(keys: readonly string[], signal?: AbortSignal): Promise<(string | undefined)[]> {
    if (this.usable() && keys.every((k) => this.copy.covers(k))) {
      this.fromCopy += 1;
      return Promise.resolve(keys.map((k) => this.copy.get(k)));
    }
    this.readThrough += 1;
    const inner = this.options.inner;
    if (inner.getMany) return inner.getMany(keys, signal);
    return Promise.all(keys.map((k) => inner.get(k, signal)));
  }

  private usable(): boolean {
    if (this.state !== 'in-sync') return false;
    if (!this.silent()) return true;
    this.drop(`etcd gave no sign of life for ${this.livenessMs} ms`);
    return false;
  }

  /** No sign of life from etcd for longer than livenessMs. */
  private silent(): boolean {
    return this.clock.now() - this.lastAliveMs > this.livenessMs;
  }

  /** A gRPC deadline ms from now, on the reader's clock. */
  private deadline(ms: number): Date {
    return new Date(this.clock.now() + ms);
  }

  private setState(state: State, reason?: string): void {
    const changed = state !== this.state || reason !== this.reason;
    if (state !== this.state) this.sinceMs = this.clock.now();
    this.state = state;
    this.reason = reason;
    if (!changed) return;
    // One line per change of what is served: a retry that fails for the same reason says nothing.
    let line: string | undefined;
    if (state === 'in-sync')
      line = `netboot: etcd copy in sync: ${this.copy.size} key(s) under ${this.options.prefixes.join(', ')} at revision ${this.copy.revision}; get-initial-config reads no etcd`;
    else if (state === 'read-through') line = `netboot: etcd copy not used (${reason ?? 'unknown'}); get-initial-config reads etcd until the copy is in sync again`;
    if (line !== undefined && line !== this.lastLog) {
      this.lastLog = line;
      this.options.log?.(line);
    }
    this.options.onChange?.();
  }

  private alive(): void {
    this.lastAliveMs = this.clock.now();
  }

  private tick(): void {
    if (this.disposed) return;
    if (this.state === 'in-sync' && this.silent()) {
      this.drop(`etcd gave no sign of life for ${this.livenessMs} ms`);
      return;
    }
    // Range read done, watches asked for, and no answer: start again rather than wait forever.
    if (this.state === 'syncing' && this.watchers.length > 0 && this.silent()) {
      this.drop(`the etcd watch was not created within ${this.livenessMs} ms`);
      return;
    }
    if (this.state !== 'in-sync' || this.pinging) return;
    this.pinging = true;
    const generation = this.generation;
    this.client.maintenance
      .status({ deadline: this.deadline(Math.min(this.options.requestTimeoutMs, this.livenessMs)) })
      .then(
        () => {
          if (generation === this.generation) this.alive();
        },
        () => undefined, // silence is judged by the next ticks
      )
      .finally(() => {
        this.pinging = false;
      });
  }

  /** Range read of every prefix (one txn, one revision), then a watch per prefix from R+1. */
  private async sync(): Promise<void> {
    if (this.disposed) return;
    const generation = ++this.generation;
    this.retry?.dispose();
    this.retry = undefined;
    this.setState('syncing', this.reason);
    const prefixes = this.options.prefixes;
    let revision: number;
    try {
      const res = await this.client.kv.txn(
        { success: prefixes.map((p) => { const r = Range.prefix(p); return { request_range: { key: r.start, range_end: r.end } }; }) },
        { deadline: this.deadline(this.options.requestTimeoutMs) },
      );
      if (generation !== this.generation) return;
      revision = Number(res.header.revision);
      const entries: [string, string][] = [];
      for (const r of res.responses) for (const kv of r.response_range?.kvs ?? []) entries.push([kv.key.toString(), kv.value.toString()]);
      const loaded = this.copy.load(entries, revision);
      if (!loaded.ok) {
        this.setState('read-through', `not copied: ${loaded.reason}`);
        this.scheduleRetry(this.overCapRetryMs);
        return;
      }
    } catch (err) {
      if (generation !== this.generation) return;
      this.fail(`the range read failed: ${AppError.from(err).message}`);
      return;
    }
    this.alive();
    let connected = 0;
    for (const prefix of prefixes) {
      const watcher = this.client.watch().prefix(prefix).startRevision(String(revision + 1)).watcher();
      this.watchers.push(watcher);
      watcher.on('connected', () => {
        if (generation !== this.generation) return;
        this.alive();
        connected += 1;
        if (connected === prefixes.length) {
          this.attempt = 0;
          this.setState('in-sync');
        }
      });
      watcher.on('data', (res: IWatchResponse) => {
        if (generation !== this.generation) return;
        this.alive();
        if (res.canceled) return; // 'error' follows
        for (const ev of res.events) {
          const r = this.apply(ev.type, ev.kv);
          if (!r.ok) {
            if (r.overCap) {
              this.dropTo('read-through', `not copied: ${r.reason}`);
              this.scheduleRetry(this.overCapRetryMs);
            } else this.drop(r.reason);
            return;
          }
        }
      });
      watcher.on('error', (err: Error) => {
        if (generation === this.generation) this.drop(`the etcd watch was cancelled: ${err.message.split('\n')[0] ?? ''}`);
      });
      watcher.on('disconnected', (err: Error) => {
        if (generation === this.generation) this.drop(`the etcd watch was disconnected: ${err.constructor.name || err.name}`);
      });
      watcher.on('end', () => {
        if (generation === this.generation) this.drop('the etcd watch ended');
      });
    }
  }

  private apply(type: 'Put' | 'Delete', kv: IKeyValue): EtcdCopyResult {
    const key = kv.key.toString();
    const rev = Number(kv.mod_revision);
    return type === 'Put' ? this.copy.put(key, kv.value.toString(), rev) : this.copy.delete(key, rev);
  }

  /** The copy is not used from now on; a new sync is tried after a backoff. */
  private drop(reason: string): void {
    this.dropTo('read-through', reason);
    this.fail(reason);
  }

  private dropTo(state: State, reason: string): void {
    this.generation += 1;
    this.cancelWatchers();
    this.copy.clear();
    this.setState(state, reason);
  }

  private fail(reason: string): void {
    if (this.state !== 'read-through' || this.reason !== reason) this.dropTo('read-through', reason);
    this.scheduleRetry(backoffDelayMs(this.attempt, this.options.random ?? mathRandom, { baseMs: 250, capMs: 5000, jitter: 0.2 }));
    this.attempt += 1;
  }

  private scheduleRetry(ms: number): void {
    if (this.disposed) return;
    this.retry?.dispose();
    this.retry = this.clock.setTimeout(() => void this.sync(), ms, { background: true });
  }

  private cancelWatchers(): void {
    const list = this.watchers;
    this.watchers = [];
    for (const w of list) w.cancel().catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation += 1;
    this.ticker.dispose();
    this.retry?.dispose();
    this.cancelWatchers();
    this.copy.clear();
    this.state = 'off';
    this.options.inner.dispose();
  }
}
