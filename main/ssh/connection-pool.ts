import net from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, withTimeout, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableStore, Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { backoffDelayMs, DEFAULT_BACKOFF, mathRandom, type BackoffPolicy, type Random } from '../contract/backoff';
import { Ssh2Connection, type CredentialSource, type HostKeyCheck } from './ssh-connection';
import { isPermanent } from './ssh-errors';
import { loginKey, routeKey, type ConnectionState, type SshHostConfig, type SshRoute } from './ssh-types';

export interface PoolDeps {
  hostKeys: HostKeyCheck;
  credentials: CredentialSource;
  clock?: Clock;
  random?: Random;
  backoff?: BackoffPolicy;
  env?: NodeJS.ProcessEnv;
  /** While backing off, how often to check cheaply whether the server answers again. */
  probeIntervalMs?: number;
  log?: (line: string) => void;
}

export interface ConnectionLease extends Disposable {
  /** Which logins share this connection (see loginKey). */
  readonly key: string;
  /** The route as people read it. */
  readonly label: string;
  readonly state: ConnectionState;
  readonly connection: Ssh2Connection | undefined;
  readonly onDidChangeState: Event<ConnectionState>;
  /** Resolves with the connection once ready; rejects on permanent failure or abort. */
  whenReady(signal?: AbortSignal): Promise<Ssh2Connection>;
  /** Forget the backoff and try now (this hop and the jump hosts before it). */
  retryNow(): void;
}

export interface SlotInfo {
  key: string;
  label: string;
  /** Listeners on the connection's state (a leak check: stays flat as tabs and tunnels come and go). */
  listeners: number;
  state: ConnectionState;
  leases: number;
}

/**
 * One verified SSH connection per route (host and jump chain), shared by every feature. Each
 * route is a slot that reconnects by itself: one attempt in flight, exponential backoff with
 * full jitter for transient failures, no retries for permanent ones. A route through jump
 * hosts holds a lease on the route of its last jump, so the jump connection is shared and a
 * target that goes down does not take the jump connection with it.
 */
export class SshConnectionPool implements Disposable {
  private readonly slots = new Map<string, ConnectionSlot>();
  private readonly changeEmitter = new Emitter<SlotInfo>();
  readonly onDidChangeSlot: Event<SlotInfo> = this.changeEmitter.event;
  private disposed = false;

  constructor(private readonly deps: PoolDeps) {}

  acquire(route: SshRoute): ConnectionLease {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'the SSH pool is shut down');
    const key = loginKey(route);
    let slot = this.slots.get(key);
    if (!slot) {
      const parentRoute = route.jumps.length ? { jumps: route.jumps.slice(0, -1), target: route.jumps[route.jumps.length - 1]! } : undefined;
      slot = new ConnectionSlot(key, routeKey(route), route.target, parentRoute ? () => this.acquire(parentRoute) : undefined, this.deps, (s) => {
        this.slots.delete(s.key);
      });
      slot.onDidChangeState((state) => this.changeEmitter.fire({ key, label: slot!.label, state, leases: slot!.refs, listeners: slot!.listenerCount }));
      this.slots.set(key, slot);
    }
    return slot.lease();
  }

  list(): SlotInfo[] {
    return [...this.slots.values()].map((s) => ({ key: s.key, label: s.label, state: s.state, leases: s.refs, listeners: s.listenerCount }));
  }

  dispose(): void {
    this.disposed = true;
    for (const slot of [...this.slots.values()]) slot.dispose();
    this.slots.clear();
    this.changeEmitter.dispose();
  }
}

class ConnectionSlot implements Disposable {
  refs = 0;
  state: ConnectionState = { kind: 'idle' };
  private conn: Ssh2Connection | undefined;
  private parent: ConnectionLease | undefined;
  private attempt = 0;
  private inFlight: AbortController | undefined;
  private timers = new DisposableStore();
  private parentSub: Disposable | undefined;
  private readonly stateEmitter = new Emitter<ConnectionState>();
  readonly onDidChangeState = this.stateEmitter.event;

  get listenerCount(): number {
    return this.stateEmitter.listenerCount;
  }
  private disposed = false;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(
    readonly key: string,
    /** How the route is named in logs and states ("user@jump:22 > user@host:22"). */
    readonly label: string,
    private readonly hop: SshHostConfig,
    private readonly acquireParent: (() => ConnectionLease) | undefined,
    private readonly deps: PoolDeps,
    private readonly onEmpty: (slot: ConnectionSlot) => void,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? mathRandom;
  }

  lease(): ConnectionLease {
    this.refs++;
    if (this.state.kind === 'idle') this.start();
    let released = false;
    const getState = () => this.state;
    const getConnection = () => (this.conn && !this.conn.isClosed ? this.conn : undefined);
    // What the lease's holder subscribed goes with the lease: a closed tab or stopped tunnel leaves
    // no listener on a connection that others keep using.
    const subs = new DisposableStore();
    const onDidChangeState: Event<ConnectionState> = (listener) => {
      if (released) return { dispose: () => undefined };
      const sub = this.stateEmitter.event(listener);
      subs.add(sub);
      return { dispose: () => subs.delete(sub) };
    };
    return {
      key: this.key,
      label: this.label,
      get state() {
        return getState();
      },
      get connection() {
        return getConnection();
      },
      onDidChangeState,
      whenReady: (signal) => this.whenReady(signal),
      retryNow: () => this.retryNow(),
      dispose: () => {
        if (released) return;
        released = true;
        subs.dispose();
        this.refs--;
        if (this.refs === 0) this.dispose();
      },
    };
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.deps.log?.(`ssh ${this.label}: ${describeState(state)}`);
    this.stateEmitter.fire(state);
  }

  private start(): void {
    if (this.acquireParent) {
      this.parent = this.acquireParent();
      this.parentSub = this.parent.onDidChangeState((ps) => this.onParentState(ps));
    }
    void this.connect();
  }

  private onParentState(ps: ConnectionState): void {
    if (this.disposed) return;
    if (ps.kind === 'ready' && this.state.kind === 'waiting') {
      this.attempt = 0;
      void this.connect();
    } else if (ps.kind === 'failed' && this.state.kind !== 'ready') {
      this.clearTimers();
      this.inFlight?.abort();
      this.setState({ kind: 'waiting', on: this.parent!.label, error: ps.error });
    } else if ((ps.kind === 'backoff' || ps.kind === 'waiting') && this.state.kind === 'backoff') {
      // Our retries cannot succeed before the jump host is back: wait for it instead.
      this.clearTimers();
      this.setState({ kind: 'waiting', on: this.parent!.label, error: ps.error ?? this.state.error });
    } else if ((ps.kind === 'backoff' || ps.kind === 'waiting') && this.state.kind === 'waiting' && ps.error && ps.error !== this.state.error) {
      // Keep showing why the jump host is not up (its own cause, or the cause further up the chain).
      this.setState({ kind: 'waiting', on: this.state.on, error: ps.error });
    }
  }

  private async connect(): Promise<void> {
    if (this.disposed || this.inFlight) return;
    this.clearTimers();
    const parentConn = this.parent?.connection;
    if (this.parent && !parentConn) {
      const ps = this.parent.state;
      this.setState({ kind: 'waiting', on: this.parent.label, ...(ps.kind === 'failed' || ps.kind === 'backoff' ? { error: ps.error } : {}) });
      return;
    }
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    this.setState({ kind: 'connecting', attempt: this.attempt, sinceMs: this.clock.now() });
    try {
      const sock = parentConn ? await parentConn.forwardOut(this.hop.host, this.hop.port) : undefined;
      const conn = await Ssh2Connection.open(this.hop, {
        hostKeys: this.deps.hostKeys,
        credentials: this.deps.credentials,
        sock,
        signal: ctrl.signal,
        env: this.deps.env,
        label: this.label,
      });
      if (this.disposed || ctrl.signal.aborted) {
        conn.dispose();
        return;
      }
      this.inFlight = undefined;
      this.conn = conn;
      this.attempt = 0;
      conn.onDidClose((err) => this.onConnectionClosed(conn, err));
      this.setState({ kind: 'ready', sinceMs: this.clock.now() });
    } catch (err) {
      if (this.inFlight === ctrl) this.inFlight = undefined;
      if (this.disposed || ctrl.signal.aborted) return;
      const appErr = AppError.from(err);
      this.onFailure(appErr);
    }
  }

  private onConnectionClosed(conn: Ssh2Connection, err: AppError | undefined): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    if (this.disposed) return;
    const cause = err ?? new AppError('UNAVAILABLE', `${this.label}: the connection closed`, { hint: 'Drover reconnects by itself.' });
    this.attempt = 0;
    this.onFailure(cause);
  }

  private onFailure(err: AppError): void {
    if (isPermanent(err)) {
      this.setState({ kind: 'failed', error: err });
      return;
    }
    if (this.parent && !this.parent.connection) {
      this.setState({ kind: 'waiting', on: this.parent.label, error: err });
      return;
    }
    const delay = backoffDelayMs(this.attempt, this.random, this.deps.backoff ?? DEFAULT_BACKOFF);
    const attempt = this.attempt;
    this.attempt++;
    const retryAtMs = this.clock.now() + delay;
    this.setState({ kind: 'backoff', attempt, retryAtMs, error: err });
    this.timers.add(this.clock.setTimeout(() => void this.connect(), delay));
    const probeEvery = this.deps.probeIntervalMs ?? 1000;
    if (delay > probeEvery * 1.5) this.scheduleProbe(probeEvery);
  }

  /** While backing off, check cheaply whether the server answers again, and retry at once if so. */
  private scheduleProbe(everyMs: number): void {
    const t = this.clock.setTimeout(() => {
      this.timers.forget(t);
      if (this.state.kind !== 'backoff' || this.disposed) return;
      void this.reachable(Math.min(everyMs, 1000)).then((ok) => {
        if (this.disposed || this.state.kind !== 'backoff') return;
        if (ok) void this.connect();
        else this.scheduleProbe(everyMs);
      });
    }, everyMs);
    this.timers.add(t);
  }

  private async reachable(timeoutMs: number): Promise<boolean> {
    const parentConn = this.parent?.connection;
    if (this.parent) {
      if (!parentConn) return false;
      try {
        const ch = await withTimeout(this.clock, parentConn.forwardOut(this.hop.host, this.hop.port), timeoutMs, () => new Error('timeout'));
        return await sshBannerWithin(ch, timeoutMs, this.clock);
      } catch {
        return false;
      }
    }
    return sshBannerWithin(net.connect({ host: this.hop.host, port: this.hop.port }), timeoutMs, this.clock);
  }

  private whenReady(signal?: AbortSignal): Promise<Ssh2Connection> {
    const conn = this.conn;
    if (conn && !conn.isClosed) return Promise.resolve(conn);
    return new Promise((resolve, reject) => {
      const done = () => {
        sub.dispose();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new AppError('CANCELLED', 'cancelled while waiting for the SSH connection'));
      };
      const sub = this.stateEmitter.event((s) => {
        if (s.kind === 'ready' && this.conn) {
          done();
          resolve(this.conn);
        } else if (s.kind === 'failed') {
          done();
          reject(s.error);
        }
      });
      if (this.state.kind === 'failed') {
        done();
        reject(this.state.error);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  retryNow(): void {
    if (this.disposed) return;
    this.attempt = 0;
    this.parent?.retryNow();
    if (this.state.kind === 'ready' || this.state.kind === 'connecting') return;
    void this.connect();
  }

  private clearTimers(): void {
    this.timers.dispose();
    this.timers = new DisposableStore();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.timers.dispose();
    this.inFlight?.abort();
    this.conn?.dispose();
    this.conn = undefined;
    this.parentSub?.dispose();
    this.parent?.dispose();
    this.setState({ kind: 'idle' });
    this.stateEmitter.dispose();
    this.onEmpty(this);
  }
}

export function describeState(s: ConnectionState): string {
  switch (s.kind) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return `connecting (attempt ${s.attempt + 1})`;
    case 'ready':
      return 'connected';
    case 'backoff':
      return `retrying in ${Math.max(0, s.retryAtMs - Date.now())} ms after: ${s.error.message}`;
    case 'waiting':
      return `waiting for ${s.on}${s.error ? ` (${s.error.message})` : ''}`;
    case 'failed':
      return `failed: ${s.error.message}`;
  }
}

/**
 * True when an SSH server greets on the stream within the time: more than a TCP connect, which a
 * black-holed path or a half-dead proxy would also accept.
 */
export function sshBannerWithin(sock: Duplex, timeoutMs: number, clock: Clock = systemClock): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const finish = (ok: boolean) => {
      t.dispose();
      sock.removeAllListeners('data');
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(ok);
    };
    const t = clock.setTimeout(() => finish(false), timeoutMs, { background: true });
    sock.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes('SSH-')) finish(true);
      else if (seen.length > 1024) finish(false);
    });
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
  });
}

