import net from 'node:net';
import { registerCleanup } from './cleanup';
import { LOOPBACK } from './ports';

/**
 * - pass: pipe both ways, half-close preserved.
 * - blackhole: forward nothing in either direction and send nothing (no data, no FIN, no RST), on
 *   existing and new connections; new connections are accepted and then ignored. Data, ends and
 *   errors are held back (TCP backpressure) and delivered if the mode goes back to pass/rate-limit.
 * - reset: existing and new connections are destroyed with RST (both the client and target side).
 * - refuse: the listener is closed, so connects get ECONNREFUSED; existing connections are reset.
 *   Any other mode reopens the listener on the same port.
 * - rate-limit: like pass, through one token bucket per direction shared by all connections (a
 *   slow link), `bytesPerSecond` each way.
 */
export type FaultMode = 'pass' | 'blackhole' | 'reset' | 'refuse' | 'rate-limit';

export interface RateLimitOptions {
  /** Rate per direction. Required for 'rate-limit' unless set before. */
  bytesPerSecond?: number;
  /** Bucket size (largest burst); default bytesPerSecond / 20, at least 1 byte, at most 256 KiB. */
  burstBytes?: number;
}

export interface FaultProxyOptions extends RateLimitOptions {
  targetPort: number;
  /** Default 127.0.0.1. */
  targetHost?: string;
  /** Default 'pass'. */
  mode?: FaultMode;
  /** Listen port; default a random free one. */
  port?: number;
}

export interface FaultProxyStats {
  /** Accepted connections not yet fully closed. */
  activeConnections: number;
  /** Every connection the listener accepted (including reset ones). */
  totalAccepted: number;
  /** Bytes forwarded client → target. */
  bytesToTarget: number;
  /** Bytes forwarded target → client. */
  bytesToClient: number;
}

export interface FaultProxy {
  readonly host: typeof LOOPBACK;
  readonly port: number;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly mode: FaultMode;
  readonly bytesPerSecond: number | undefined;
  /** Switches mode for existing and new connections. */
  setMode(mode: FaultMode, options?: RateLimitOptions): Promise<void>;
  stats(): FaultProxyStats;
  /** Closes the listener and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    readonly rate: number,
    readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /**
   * Takes up to `wanted` whole tokens, but only once at least min(wanted, capacity / 4) are there:
   * taking the few tokens that trickle in every microsecond would turn the pump into a busy loop of
   * tiny writes. Returns how many were taken (0: wait msUntil(wanted)).
   */
  take(wanted: number): number {
    this.refill();
    if (this.tokens < this.threshold(wanted)) return 0;
    const n = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= n;
    return n;
  }

  /** Milliseconds until take(wanted) can succeed. */
  msUntil(wanted: number): number {
    this.refill();
    const need = this.threshold(wanted) - this.tokens;
    return Math.max(1, Math.ceil((need / this.rate) * 1000));
  }

  private threshold(wanted: number): number {
    return Math.min(wanted, Math.max(1, Math.floor(this.capacity / 4)));
  }
}

type Direction = 'toTarget' | 'toClient';

interface ProxyState {
  mode: FaultMode;
  buckets: Record<Direction, TokenBucket> | null;
  stats: FaultProxyStats;
}

/** Moves bytes from src to dst according to the proxy mode. */
class Pump {
  private pending: Buffer | null = null;
  private srcEnded = false;
  private dstEnded = false;
  private waitingDrain = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly direction: Direction,
    private readonly state: ProxyState,
  ) {
    src.on('readable', () => this.run());
    src.on('end', () => {
      this.srcEnded = true;
      this.run();
    });
  }

  /** Re-evaluates after a mode change. */
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.run();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  run(): void {
    const { mode } = this.state;
    if (mode !== 'pass' && mode !== 'rate-limit') return;
    if (this.waitingDrain || this.timer || this.dst.destroyed) return;
    for (;;) {
      if (!this.pending) {
        this.pending = this.src.read() as Buffer | null;
        if (!this.pending) break;
      }
      let n = this.pending.length;
      const bucket = mode === 'rate-limit' ? this.state.buckets?.[this.direction] : undefined;
      if (bucket) {
        n = bucket.take(n);
        if (n === 0) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.run();
          }, bucket.msUntil(this.pending.length));
          return;
        }
      }
      const part = n === this.pending.length ? this.pending : this.pending.subarray(0, n);
      this.pending = n === this.pending.length ? null : this.pending.subarray(n);
      if (this.direction === 'toTarget') this.state.stats.bytesToTarget += n;
      else this.state.stats.bytesToClient += n;
      if (!this.dst.write(part)) {
        this.waitingDrain = true;
        this.dst.once('drain', () => {
          this.waitingDrain = false;
          this.run();
        });
        return;
      }
    }
    if (this.srcEnded && !this.pending && !this.dstEnded) {
      this.dstEnded = true;
      this.dst.end();
    }
  }
}

function reset(socket: net.Socket | null): void {
  if (!socket || socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

class Link {
  private upstream: net.Socket | null = null;
  private pumps: Pump[] = [];
  /** An error seen while black-holed, delivered (as RST to the other side) when forwarding resumes. */
  private deferredError = false;
  private closedSides = 0;
  private done = false;

  constructor(
    private readonly client: net.Socket,
    private readonly target: { host: string; port: number },
    private readonly state: ProxyState,
    private readonly onDone: (link: Link) => void,
  ) {
    client.setNoDelay(true);
    client.on('error', () => this.onError(client));
    client.on('close', () => this.onSideClosed());
    this.update();
  }

  private onError(side: net.Socket): void {
    if (this.state.mode === 'blackhole') {
      this.deferredError = true;
      return;
    }
    reset(side === this.client ? this.upstream : this.client);
  }

  private onSideClosed(): void {
    this.closedSides += 1;
    const expected = this.upstream ? 2 : 1;
    if (this.closedSides >= expected) this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const pump of this.pumps) pump.dispose();
    this.onDone(this);
  }

  private connectUpstream(): void {
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => this.onError(upstream));
    upstream.on('close', () => this.onSideClosed());
    this.pumps = [new Pump(this.client, upstream, 'toTarget', this.state), new Pump(upstream, this.client, 'toClient', this.state)];
  }

  /** Applies the current proxy mode. */
  update(): void {
    if (this.done) return;
    switch (this.state.mode) {
      case 'blackhole':
        return; // pumps check the mode; nothing is read, written, ended or reset
      case 'reset':
      case 'refuse':
        this.resetBoth();
        return;
      case 'pass':
      case 'rate-limit':
        if (this.client.destroyed && !this.upstream) {
          this.finish();
          return;
        }
        if (!this.upstream) this.connectUpstream();
        if (this.deferredError) {
          this.deferredError = false;
          this.resetBoth();
          return;
        }
        for (const pump of this.pumps) pump.kick();
        return;
    }
  }

  resetBoth(): void {
    reset(this.client);
    reset(this.upstream);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }
}

function defaultBurst(bytesPerSecond: number): number {
  return Math.max(1, Math.min(256 * 1024, Math.round(bytesPerSecond / 20)));
}

/** Starts a TCP proxy on 127.0.0.1 (random port) to targetHost:targetPort with switchable faults. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = { host: options.targetHost ?? LOOPBACK, port: options.targetPort };
  const state: ProxyState = {
    mode: 'pass',
    buckets: null,
    stats: { activeConnections: 0, totalAccepted: 0, bytesToTarget: 0, bytesToClient: 0 },
  };
  const links = new Set<Link>();
  let bytesPerSecond: number | undefined;
  let server: net.Server | null = null;
  let port = options.port ?? 0;
  let closed = false;

  const onConnection = (socket: net.Socket): void => {
    state.stats.totalAccepted += 1;
    if (closed || state.mode === 'reset' || state.mode === 'refuse') {
      socket.on('error', () => {});
      reset(socket);
      return;
    }
    state.stats.activeConnections += 1;
    const link = new Link(socket, target, state, (done) => {
      if (links.delete(done)) state.stats.activeConnections -= 1;
    });
    links.add(link);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, onConnection);
      next.once('error', reject);
      next.listen({ host: LOOPBACK, port, exclusive: true }, () => {
        next.removeListener('error', reject);
        next.on('error', () => {});
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  const unlisten = (): void => {
    server?.close();
    server = null;
  };

  const setMode = async (mode: FaultMode, rate: RateLimitOptions = {}): Promise<void> => {
    if (closed) throw new Error('fault proxy is closed');
    if (rate.bytesPerSecond !== undefined || rate.burstBytes !== undefined || (mode === 'rate-limit' && !state.buckets)) {
      const rateBps = rate.bytesPerSecond ?? bytesPerSecond;
      if (rateBps === undefined || !(rateBps > 0)) throw new Error("fault proxy: 'rate-limit' needs bytesPerSecond > 0");
      bytesPerSecond = rateBps;
      const burst = rate.burstBytes ?? defaultBurst(rateBps);
      state.buckets = { toTarget: new TokenBucket(rateBps, burst), toClient: new TokenBucket(rateBps, burst) };
    }
    state.mode = mode;
    if (mode === 'refuse') unlisten();
    else if (!server) await listen();
    for (const link of [...links]) link.update();
  };

  await listen();
  await setMode(options.mode ?? 'pass', options);

  const unregister = registerCleanup({ name: `fault proxy :${port}`, cleanup: () => close() });

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    unregister();
    const current = server;
    server = null;
    for (const link of [...links]) link.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  return {
    host: LOOPBACK,
    get port() {
      return port;
    },
    targetHost: target.host,
    targetPort: target.port,
    get mode() {
      return state.mode;
    },
    get bytesPerSecond() {
      return bytesPerSecond;
    },
    setMode,
    stats: () => ({ ...state.stats }),
    close,
  };
}
