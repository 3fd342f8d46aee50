import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../contract/clock';
import type { Sink } from '../../contract/define';
import { AppError } from '../../contract/errors';
import type { FleetSyslogSettings, SyslogFilter, SyslogMessage, SyslogPage, SyslogStatus, SyslogTailEvent } from '../../contract/fleet';
import { Emitter, toDisposable, type Disposable, type Event } from '../../contract/lifecycle';
import { isLoopbackAddress } from '../../contract/net-address';
import type { Notice } from '../../contract/system';
import { writeFileAtomic } from '../../settings/atomic-file';
import { writeError } from '../../settings/file-errors';
import { SerialQueue } from '../../settings/serial-queue';
import type { RingBuffer } from './ring-buffer';
import { exportSyslog, type SyslogExportFormat } from './syslog-export';
import { compileSyslogFilter, type SyslogPredicate } from './syslog-filter';
import { createSyslogBuffer, SyslogReceiver, type SyslogReceiverOptions } from './syslog-receiver';

/** New messages go out to a tail at most this often (one frame per interval, not one per message). */
export const TAIL_FLUSH_MS = 100;
/** Messages in one append frame (a frame stays far below the transport's limit). */
export const TAIL_MAX_BATCH = 2000;
/** A tail whose connection has more than this queued gets a gap instead of more messages. */
export const TAIL_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Messages held for one tail between flushes; beyond that they become a gap. */
export const TAIL_MAX_PENDING = 20_000;

export interface SyslogServiceOptions {
  clock: Clock;
  notify?: (notice: Notice) => void;
  log?: (line: string) => void;
  /** Starts the receiver (tests may wrap it). */
  start?: (options: SyslogReceiverOptions) => Promise<SyslogReceiver>;
}

class Tail implements Disposable {
  private pending: SyslogMessage[] = [];
  private gap: { from: number; to: number; count: number } | undefined;
  private timer: Disposable | undefined;
  private closed = false;

  constructor(
    readonly predicate: SyslogPredicate,
    private readonly sink: Sink<SyslogTailEvent>,
    private readonly clock: Clock,
    private readonly nextSeq: () => number,
  ) {}

  offer(m: SyslogMessage): void {
    if (this.closed || !this.predicate(m)) return;
    if (this.pending.length >= TAIL_MAX_PENDING) this.toGap();
    this.pending.push(m);
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, TAIL_FLUSH_MS);
  }

  private addGap(from: number, to: number, count: number): void {
    this.gap = this.gap ? { from: Math.min(this.gap.from, from), to: Math.max(this.gap.to, to), count: this.gap.count + count } : { from, to, count };
  }

  private toGap(): void {
    if (this.pending.length === 0) return;
    this.addGap(this.pending[0]!.seq, this.pending[this.pending.length - 1]!.seq, this.pending.length);
    this.pending = [];
  }

  flush(): void {
    if (this.closed) return;
    if (this.sink.bufferedBytes() > TAIL_MAX_BUFFERED_BYTES) {
      // A slow reader: what it cannot take becomes a gap it can page back through.
      this.toGap();
      this.timer ??= this.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, TAIL_FLUSH_MS * 5);
      return;
    }
    if (this.gap) {
      this.sink.next({ t: 'gap', fromSeq: this.gap.from, toSeq: this.gap.to, count: this.gap.count });
      this.gap = undefined;
    }
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, TAIL_MAX_BATCH);
      this.sink.next({ t: 'append', messages: batch, nextSeq: this.nextSeq() });
    }
  }

  dispose(): void {
    this.closed = true;
    this.timer?.dispose();
    this.timer = undefined;
    this.pending = [];
  }
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/** An absolute path for a file the service writes on its own machine (a relative path is refused: relative to what?). */
export function outputPath(p: string): string {
  const full = expandHome(p.trim());
  if (!path.isAbsolute(full)) throw new AppError('INVALID_INPUT', `${JSON.stringify(p)} is not an absolute path`, { hint: 'Give the full path on the machine Drover runs on, e.g. /tmp/syslog.txt or ~/syslog.txt.' });
  return path.normalize(full);
}

/**
 * Fleet's syslog: the receiver (UDP + TCP, from the Fleet settings), a ring buffer bounded by
 * count and bytes, live tails with their filter applied here (append-only, batched, a gap instead
 * of an unbounded queue for a slow reader), paging back, and export to a file.
 */
export class SyslogService implements Disposable {
  private buffer: RingBuffer<SyslogMessage> = createSyslogBuffer();
  private receiver: SyslogReceiver | undefined;
  private receiverSub: Disposable | undefined;
  private applied: FleetSyslogSettings | undefined;
  private state: SyslogStatus['state'] = 'off';
  private error: AppError | undefined;
  private received = 0;
  private readonly tails = new Set<Tail>();
  private readonly queue = new SerialQueue();
  private readonly changeEmitter = new Emitter<void>();
  /** Status or buffer changed (a message arrived, the receiver started or failed). */
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  private readonly messageEmitter = new Emitter<SyslogMessage>();
  readonly onDidReceive: Event<SyslogMessage> = this.messageEmitter.event;
  private disposed = false;

  constructor(private readonly options: SyslogServiceOptions) {}

  /** Starts, restarts or stops the receiver and resizes the buffer to match the settings. Never throws: a failure is in the status. */
  apply(settings: FleetSyslogSettings): Promise<void> {
    return this.queue.run(async () => {
      if (this.disposed) return;
      const prev = this.applied;
      this.applied = settings;
      const maxBytes = settings.maxMiB * 1024 * 1024;
      const cap = this.buffer.capacity;
      if (cap.maxItems !== settings.maxMessages || cap.maxBytes !== maxBytes) {
        const old = this.buffer;
        const next = createSyslogBuffer({ maxMessages: settings.maxMessages, maxBytes, startSeq: old.firstSeq });
        for (const m of old.toArray()) next.push(m);
        this.buffer = next;
      }
      const listenerSame =
        prev !== undefined && prev.enabled === settings.enabled && prev.host === settings.host && prev.port === settings.port && prev.udp === settings.udp && prev.tcp === settings.tcp;
      if (listenerSame && (this.receiver || !settings.enabled)) {
        this.changed();
        return;
      }
      await this.stopReceiver();
      if (!settings.enabled) {
        this.state = 'off';
        this.error = undefined;
        this.changed();
        return;
      }
      this.state = 'starting';
      this.error = undefined;
      this.changed();
      try {
        const start = this.options.start ?? ((o: SyslogReceiverOptions) => SyslogReceiver.start(o));
        const rx = await start({ host: settings.host, port: settings.port, udp: settings.udp, tcp: settings.tcp, clock: this.options.clock });
        if (this.disposed || this.applied !== settings) {
          await rx.close();
          return;
        }
        this.receiver = rx;
        this.receiverSub = rx.onDidReceive((m) => this.store(m));
        this.state = 'listening';
        if (!isLoopbackAddress(settings.host)) {
          this.options.notify?.({
            id: `fleet.syslog.exposed-${this.options.clock.now()}`,
            level: 'warning',
            key: 'fleet.syslog.exposed',
            values: { host: settings.host, port: rx.udpPort ?? rx.tcpPort ?? 0 },
            message: `Syslog listens on ${settings.host} (port ${rx.udpPort ?? rx.tcpPort}): any machine that can reach this one can send it messages. Drover only stores and shows them.`,
          });
        }
      } catch (err) {
        this.state = 'failed';
        this.error = AppError.from(err);
        this.options.log?.(`fleet: syslog receiver: ${this.error.message}`);
      }
      this.changed();
    });
  }

  private async stopReceiver(): Promise<void> {
    this.receiverSub?.dispose();
    this.receiverSub = undefined;
    const rx = this.receiver;
    this.receiver = undefined;
    await rx?.close();
  }

  private changed(): void {
    if (!this.disposed) this.changeEmitter.fire();
  }

  /** Stores a message (giving it its sequence number) and hands it to the tails. */
  store(m: SyslogMessage): void {
    if (this.disposed) return;
    m.seq = this.buffer.nextSeq;
    this.buffer.push(m);
    this.received++;
    for (const t of this.tails) t.offer(m);
    this.messageEmitter.fire(m);
    this.changed();
  }

  status(): SyslogStatus {
    const s = this.applied;
    const stats = this.receiver?.stats();
    const b = this.buffer;
    return {
      state: this.state,
      host: s?.host ?? '127.0.0.1',
      port: s?.port ?? 5514,
      udpPort: this.receiver?.udpPort ?? null,
      tcpPort: this.receiver?.tcpPort ?? null,
      exposed: s !== undefined && s.enabled && !isLoopbackAddress(s.host),
      notice: this.receiver?.notice ?? null,
      error: this.error ? this.error.toData() : null,
      received: this.received,
      raw: stats?.raw ?? 0,
      truncated: stats?.truncated ?? 0,
      connections: stats?.connections ?? 0,
      buffer: { size: b.size, bytes: Math.round(b.bytes), maxMessages: b.capacity.maxItems, maxBytes: b.capacity.maxBytes, evicted: b.evicted, nextSeq: b.nextSeq },
    };
  }

  /** The newest matching messages, then new ones as they arrive. Throws INVALID_INPUT for a refused pattern. */
  tail(input: { filter: SyslogFilter; limit: number }, sink: Sink<SyslogTailEvent>): Disposable {
    const predicate = compileSyslogFilter(input.filter);
    const newest = this.buffer.newest(input.limit + 1, predicate);
    const more = newest.length > input.limit;
    const messages = more ? newest.slice(1) : newest;
    sink.next({ t: 'start', messages, more, nextSeq: this.buffer.nextSeq });
    const tail = new Tail(predicate, sink, this.options.clock, () => this.buffer.nextSeq);
    this.tails.add(tail);
    const onAbort = () => close.dispose();
    const close = toDisposable(() => {
      sink.signal.removeEventListener('abort', onAbort);
      tail.dispose();
      this.tails.delete(tail);
    });
    sink.signal.addEventListener('abort', onAbort, { once: true });
    return close;
  }

  get tailCount(): number {
    return this.tails.size;
  }

  /** Matching messages before `beforeSeq`, oldest first, at most `limit`. */
  page(input: { filter: SyslogFilter; beforeSeq: number; limit: number }): SyslogPage {
    const predicate = compileSyslogFilter(input.filter);
    const found = this.buffer.newest(input.limit + 1, predicate, input.beforeSeq);
    const more = found.length > input.limit;
    return { messages: more ? found.slice(1) : found, more };
  }

  /** Writes the matching buffered messages to a file (text lines or JSON lines). */
  async export(input: { path: string; format: SyslogExportFormat; filter: SyslogFilter }): Promise<{ path: string; count: number; bytes: number }> {
    const file = outputPath(input.path);
    const predicate = compileSyslogFilter(input.filter);
    const messages = this.buffer.toArray().filter(predicate);
    const text = exportSyslog(messages, input.format);
    try {
      await writeFileAtomic(file, text);
    } catch (err) {
      throw writeError(file, err);
    }
    return { path: file, count: messages.length, bytes: Buffer.byteLength(text) };
  }

  /** Buffered messages (oldest first), for tests and other features. */
  messages(): SyslogMessage[] {
    return this.buffer.toArray();
  }

  async close(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tails) t.dispose();
    this.tails.clear();
    await this.queue.run(() => this.stopReceiver());
    this.changeEmitter.dispose();
    this.messageEmitter.dispose();
  }

  dispose(): void {
    void this.close();
  }
}
