import dgram from 'node:dgram';
import net from 'node:net';
import type { Clock } from '../../contract/clock';
import { AppError } from '../../contract/errors';
import type { SyslogMessage } from '../../contract/fleet';
import { Emitter, type Disposable, type Event } from '../../contract/lifecycle';
import { errnoCode } from '../../settings/atomic-file';
import { parseSyslogFrame, type SyslogParseOptions } from './parse-syslog';
import { RingBuffer } from './ring-buffer';
import { SyslogTcpFramer } from './syslog-tcp-framer';

/** Where BusyBox `syslogd -R host` and most senders send by default. Privileged (below 1024). */
export const SYSLOG_PORT = 514;
/** The unprivileged port used when 514 cannot be bound. */
export const FALLBACK_SYSLOG_PORT = 5514;
export const DEFAULT_MAX_MESSAGE_BYTES = 8192;
export const DEFAULT_MAX_CONNECTIONS = 256;

/**
 * What a stored message costs, roughly: V8 keeps strings as UTF-16 here (2 bytes a character for
 * non-Latin-1 text, 1 otherwise; counted as 2), plus the object and its fields.
 */
export function estimateSyslogBytes(m: SyslogMessage): number {
  let n = 320 + 2 * (m.raw.length + m.message.length);
  for (const s of [m.hostname, m.app, m.procid, m.msgid, m.timestamp]) if (s !== null) n += 2 * s.length;
  for (const e of m.structuredData) {
    n += 64 + 2 * e.id.length;
    for (const p of e.params) n += 48 + 2 * (p.name.length + p.value.length);
  }
  return n;
}

/** A ring buffer for syslog messages bounded by count and (estimated) bytes. Defaults: 50 000 messages, 64 MiB. */
export function createSyslogBuffer(limits: { maxMessages?: number; maxBytes?: number; startSeq?: number } = {}): RingBuffer<SyslogMessage> {
  return new RingBuffer<SyslogMessage>({
    maxItems: limits.maxMessages ?? 50_000,
    maxBytes: limits.maxBytes ?? 64 * 1024 * 1024,
    sizeOf: estimateSyslogBytes,
    ...(limits.startSeq !== undefined ? { startSeq: limits.startSeq } : {}),
  });
}

export interface SyslogReceiverOptions {
  /** Address to listen on (e.g. the LAN address the rigs send to, or 0.0.0.0). */
  host: string;
  /** A port (0: any free one, UDP and TCP chosen separately), or 'auto': 514 when it can be bound, else 5514. */
  port: number | 'auto';
  udp?: boolean;
  tcp?: boolean;
  /** Longer frames are cut and flagged truncated. Default 8192 (RFC 5424 asks receivers for at least 2048). */
  maxMessageBytes?: number;
  /** Concurrent TCP connections; more are closed at once. Default 256. */
  maxConnections?: number;
  /** SO_RCVBUF for the UDP socket, for bursts (the kernel caps it at net.core.rmem_max). Default 4 MiB. */
  udpReceiveBufferBytes?: number;
  clock: Clock;
  /** When given, every message is stored here (and gets its sequence number) before it is emitted. */
  buffer?: RingBuffer<SyslogMessage>;
  parse?: SyslogParseOptions;
}

export interface SyslogReceiverStats {
  udpMessages: number;
  tcpMessages: number;
  /** Frames kept as raw text (not RFC 3164/5424). */
  raw: number;
  truncated: number;
  connections: number;
  connectionsRejected: number;
  socketErrors: number;
}

/**
 * A syslog listener on UDP and TCP (RFC 3164, RFC 5424, BusyBox's forwarded /dev/log datagrams;
 * TCP with octet-counting and newline framing). Parsed messages are stored in the optional ring
 * buffer and emitted one by one. Dispose (or close()) frees both ports and every connection.
 */
export class SyslogReceiver implements Disposable {
  private readonly receiveEmitter = new Emitter<SyslogMessage>();
  /** Every parsed message, in arrival order (already in the buffer, with its seq, when there is one). */
  readonly onDidReceive: Event<SyslogMessage> = this.receiveEmitter.event;
  private readonly sockets = new Set<net.Socket>();
  private readonly counters: Omit<SyslogReceiverStats, 'connections'> = { udpMessages: 0, tcpMessages: 0, raw: 0, truncated: 0, connectionsRejected: 0, socketErrors: 0 };
  private readonly maxMessageBytes: number;
  private readonly maxConnections: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: SyslogReceiverOptions,
    private readonly udp: dgram.Socket | undefined,
    private readonly tcp: net.Server | undefined,
    /** Why the port differs from the one asked for ('auto' fell back to 5514). */
    readonly notice: string | undefined,
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    udp?.on('message', (msg, rinfo) => {
      if (msg.length === 0) return;
      this.counters.udpMessages++;
      this.handle(msg, false, { address: plainAddress(rinfo.address), port: rinfo.port, transport: 'udp' });
    });
    udp?.on('error', () => this.counters.socketErrors++);
    tcp?.on('connection', (socket) => this.accept(socket));
    tcp?.on('error', () => this.counters.socketErrors++);
  }

  /** Binds the listeners. Throws AppError PORT_IN_USE, PERMISSION_DENIED or INVALID_INPUT. */
  static async start(options: SyslogReceiverOptions): Promise<SyslogReceiver> {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < 480 || max > 65_535) throw new AppError('INVALID_INPUT', `maxMessageBytes must be from 480 to 65535, not ${max}`);
    if (options.udp === false && options.tcp === false) throw new AppError('INVALID_INPUT', 'a syslog receiver needs UDP, TCP or both');
    if (net.isIP(options.host) === 0) throw new AppError('INVALID_INPUT', `${JSON.stringify(options.host)} is not an IP address to listen on`);
    if (options.port !== 'auto') {
      const bound = await bindAll(options, options.port);
      return new SyslogReceiver(options, bound.udp, bound.tcp, undefined);
    }
    try {
      const bound = await bindAll(options, SYSLOG_PORT);
      return new SyslogReceiver(options, bound.udp, bound.tcp, undefined);
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'PERMISSION_DENIED' && err.code !== 'PORT_IN_USE')) throw err;
      const bound = await bindAll(options, FALLBACK_SYSLOG_PORT);
      const why = err.code === 'PERMISSION_DENIED' ? 'binding a port below 1024 needs privileges' : 'port 514 is in use';
      return new SyslogReceiver(
        options,
        bound.udp,
        bound.tcp,
        `syslog listens on port ${FALLBACK_SYSLOG_PORT}, not 514 (${why}). Point the rigs at it (busybox syslogd -R host:${FALLBACK_SYSLOG_PORT}) or redirect 514 to it on this machine.`,
      );
    }
  }

  get host(): string {
    return this.options.host;
  }

  /** The bound UDP port, or null without UDP. */
  get udpPort(): number | null {
    return this.udp ? this.udp.address().port : null;
  }

  /** The bound TCP port, or null without TCP. */
  get tcpPort(): number | null {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  stats(): SyslogReceiverStats {
    return { ...this.counters, connections: this.sockets.size };
  }

  private accept(socket: net.Socket): void {
    if (this.closing || this.sockets.size >= this.maxConnections) {
      this.counters.connectionsRejected++;
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setKeepAlive(true, 60_000);
    const sender = { address: plainAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0, transport: 'tcp' as const };
    const framer = new SyslogTcpFramer(this.maxMessageBytes, (frame, truncated) => {
      this.counters.tcpMessages++;
      this.handle(frame, truncated, sender);
    });
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('end', () => {
      framer.end();
      socket.end();
    });
    socket.on('error', () => this.counters.socketErrors++);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private handle(bytes: Buffer, truncatedBefore: boolean, sender: SyslogMessage['sender']): void {
    if (this.closing) return;
    const truncated = truncatedBefore || bytes.length > this.maxMessageBytes;
    const text = bytes.toString('utf8', 0, Math.min(bytes.length, this.maxMessageBytes));
    const message = parseSyslogFrame(text, { receivedAtMs: this.options.clock.now(), sender, truncated }, this.options.parse);
    if (message.format === 'raw') this.counters.raw++;
    if (truncated) this.counters.truncated++;
    if (this.options.buffer) {
      message.seq = this.options.buffer.nextSeq;
      this.options.buffer.push(message);
    }
    this.receiveEmitter.fire(message);
  }

  /** Stops listening, closes every connection and frees both ports. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      await Promise.all([
        this.udp ? new Promise<void>((resolve) => this.udp!.close(() => resolve())) : undefined,
        this.tcp ? new Promise<void>((resolve) => this.tcp!.close(() => resolve())) : undefined,
      ]);
      this.receiveEmitter.dispose();
    })();
    return this.closing;
  }

  dispose(): void {
    void this.close();
  }
}

/** "::ffff:10.30.5.46" (an IPv4 peer on a dual-stack socket) → "10.30.5.46". */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function bindError(err: unknown, host: string, port: number, proto: string): AppError {
  const code = errnoCode(err);
  const where = `${proto} ${host}:${port}`;
  if (code === 'EADDRINUSE') return new AppError('PORT_IN_USE', `cannot listen for syslog on ${where}: the port is in use`, { hint: 'Stop the other syslog daemon or choose another port.', cause: err });
  if (code === 'EACCES' || code === 'EPERM') {
    return new AppError('PERMISSION_DENIED', `cannot listen for syslog on ${where}: ports below 1024 need privileges`, {
      hint: `Use port ${FALLBACK_SYSLOG_PORT}, grant CAP_NET_BIND_SERVICE, or redirect 514 to an unprivileged port.`,
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL') return new AppError('INVALID_INPUT', `cannot listen for syslog on ${where}: that address is not on this machine`, { cause: err });
  return new AppError('INTERNAL', `cannot listen for syslog on ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

async function bindAll(options: SyslogReceiverOptions, port: number): Promise<{ udp?: dgram.Socket; tcp?: net.Server }> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AppError('INVALID_INPUT', `${port} is not a port number`);
  let udp: dgram.Socket | undefined;
  let tcp: net.Server | undefined;
  try {
    if (options.udp !== false) {
      const socket = dgram.createSocket({ type: net.isIPv6(options.host) ? 'udp6' : 'udp4', recvBufferSize: options.udpReceiveBufferBytes ?? 4 * 1024 * 1024 });
      udp = socket;
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: options.host, port, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      }).catch((err: unknown) => {
        throw bindError(err, options.host, port, 'UDP');
      });
    }
    if (options.tcp !== false) {
      const server = net.createServer({ allowHalfOpen: true });
      tcp = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: options.host, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      }).catch((err: unknown) => {
        throw bindError(err, options.host, port, 'TCP');
      });
    }
    return { udp, tcp };
  } catch (err) {
    await Promise.all([
      udp ? new Promise<void>((r) => { try { udp!.close(() => r()); } catch { r(); } }) : undefined,
      tcp ? new Promise<void>((r) => tcp!.close(() => r())) : undefined,
    ]);
    throw err;
  }
}
