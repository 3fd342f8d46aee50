import net from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../contract/clock';
import { AppError, type ErrorData } from '../contract/errors';
import { DisposableStore, Emitter, toDisposable, type Disposable } from '../contract/lifecycle';
import type { ForwardSpec, ForwardState, ForwardStatus, TunnelProfile, TunnelState, TunnelStatus } from '../contract/tunnels';
import type { ConnectionLease, SshConnectionPool } from '../ssh/connection-pool';
import type { Ssh2Connection } from '../ssh/ssh-connection';
import { routeKey, type ConnectionState, type SshRoute } from '../ssh/ssh-types';
import { isLoopbackAddress } from '../contract/net-address';
import { forwardLabel } from '../contract/tunnels';
import { sshRoute } from '../ssh/ssh-route';
import { countedPipe } from './counted-pipe';
import { readSocks5Request, SocksReply, type SocksRequest } from './socks5';

const MAX_PENDING_CLIENTS = 256;
const REMOTE_FORWARD_RETRY_MS = 3_000;

interface ForwardRuntime {
  spec: ForwardSpec;
  state: ForwardState;
  server?: net.Server;
  boundPort?: number;
  /** Local socket → its remote channel, for every connection being carried. */
  active: Map<Duplex, Duplex>;
  /** Clients held while the link is down (or in the SOCKS handshake). */
  pending: Set<net.Socket>;
  total: number;
  failed: number;
  bytesIn: number;
  bytesOut: number;
  lastError?: ErrorData;
  probe?: ForwardStatus['probe'];
  remote?: Disposable;
}

export function profileRoute(p: TunnelProfile): SshRoute {
  return sshRoute(p, {
    keepaliveIntervalMs: p.keepalive.intervalSec * 1000,
    keepaliveCountMax: p.keepalive.countMax,
    unknownHostKey: p.unknownHostKey,
    ...(p.ciphers ? { ciphers: p.ciphers } : {}),
  });
}

/** Refuses forwards that would expose a port to the LAN without an explicit choice. */
export function checkForwardsExposure(p: TunnelProfile): void {
  for (const f of p.forwards) {
    if (f.kind === 'remote') continue; // the server's GatewayPorts decides; -R binds on the server
    if (!isLoopbackAddress(f.bindAddress) && !f.allowLan) {
      throw new AppError('INVALID_INPUT', `forward ${forwardLabel(f)} binds ${f.bindAddress}, which other machines can reach`, {
        hint: 'Bind 127.0.0.1, or tick “expose on LAN” for this forward if other machines must use it.',
        details: { forwardId: f.id },
      });
    }
  }
}

export interface RunnerDeps {
  pool: SshConnectionPool;
  clock?: Clock;
  log?: (line: string) => void;
  /** Which of Drover's own tunnels listens on this address and port, if one does ("port in use" names it). */
  holderOf?: (bindAddress: string, bindPort: number) => string | undefined;
}

/**
 * One running tunnel profile: its listeners (bound before any SSH attempt and kept across
 * reconnects), its lease on the shared connection, and per-forward health.
 */
export class TunnelRunner implements Disposable {
  private readonly forwards: ForwardRuntime[];
  private lease: ConnectionLease | undefined;
  private session = new DisposableStore();
  private connSession = new DisposableStore();
  private running = false;
  private failure: AppError | undefined;
  private seq = 0;
  private upSinceMs: number | undefined;
  private readonly changeEmitter = new Emitter<void>();
  /** Fires on any change of state or counters; the manager throttles what it sends on. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly clock: Clock;

  constructor(
    private currentProfile: TunnelProfile,
    private readonly deps: RunnerDeps,
  ) {
    const profile = currentProfile;
    this.clock = deps.clock ?? systemClock;
    this.forwards = profile.forwards.map((spec) => ({ spec, state: 'stopped', active: new Map(), pending: new Set(), total: 0, failed: 0, bytesIn: 0, bytesOut: 0 }));
  }

  get profile(): TunnelProfile {
    return this.currentProfile;
  }

  /** Takes a new name or autostart flag without touching the connection. */
  rename(profile: TunnelProfile): void {
    this.currentProfile = profile;
    this.changed();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Moves on every change of state (not on byte counters): status().seq. */
  get statusSeq(): number {
    return this.seq;
  }

  private changed(): void {
    this.seq++;
    this.changeEmitter.fire();
  }

  private log(line: string): void {
    this.deps.log?.(`tunnel ${this.profile.name}: ${line}`);
  }

  /** Binds every local listener, then connects. A port in use stops it before any SSH attempt. */
  async start(): Promise<void> {
    if (this.running) return;
    this.failure = undefined;
    checkForwardsExposure(this.profile);
    this.running = true;
    for (const f of this.forwards) {
      f.state = 'starting';
      delete f.lastError;
    }
    this.changed();
    const results = await Promise.all(this.forwards.map((f) => (f.spec.kind === 'remote' ? Promise.resolve(undefined) : this.bind(f))));
    if (!this.running) return;
    const bindErrors = results.filter((e): e is AppError => e !== undefined);
    if (bindErrors.length && this.profile.exitOnForwardFailure) {
      this.fail(bindErrors[0]!, { keepForwardStates: true });
      return;
    }
    this.lease = this.deps.pool.acquire(profileRoute(this.profile));
    this.session.add(this.lease);
    this.session.add(this.lease.onDidChangeState((s) => this.onConnectionState(s)));
    this.onConnectionState(this.lease.state);
    this.log(`started (${this.forwards.length} forwards over ${this.lease.label})`);
  }

  private bind(f: ForwardRuntime): Promise<AppError | undefined> {
    return new Promise((resolve) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.onLocalClient(f, socket));
      server.maxConnections = 4096;
      const onError = (err: NodeJS.ErrnoException) => {
        const where = `${f.spec.bindAddress}:${f.spec.bindPort}`;
        let appErr: AppError;
        if (err.code === 'EADDRINUSE') {
          f.state = 'port-in-use';
          const holder = this.deps.holderOf?.(f.spec.bindAddress, f.spec.bindPort);
          appErr = holder
            ? new AppError('PORT_IN_USE', `port in use: ${where} is taken by Drover's own tunnel "${holder}"`, {
                hint: `Stop "${holder}" first, or give this forward another port.`,
                details: { forwardId: f.spec.id, address: f.spec.bindAddress, port: f.spec.bindPort, holder },
              })
            : new AppError('PORT_IN_USE', `port in use: ${where} is taken by another program`, {
                hint: `Find it with: ss -ltnp 'sport = :${f.spec.bindPort}'. Stop it, or give this forward another port.`,
                details: { forwardId: f.spec.id, address: f.spec.bindAddress, port: f.spec.bindPort },
              });
        } else if (err.code === 'EACCES') {
          f.state = 'failed';
          appErr = new AppError('PERMISSION_DENIED', `not allowed to listen on ${where}`, { hint: 'Ports below 1024 need privileges; choose a port above 1024.' });
        } else if (err.code === 'EADDRNOTAVAIL') {
          f.state = 'failed';
          appErr = new AppError('INVALID_INPUT', `${f.spec.bindAddress} is not an address of this machine`, { hint: 'Bind 127.0.0.1 or an address shown by `ip addr`.' });
        } else {
          f.state = 'failed';
          appErr = new AppError('INTERNAL', `cannot listen on ${where}: ${err.message}`);
        }
        f.lastError = appErr.toData();
        this.changed();
        resolve(appErr);
      };
      server.once('error', onError);
      server.listen({ host: f.spec.bindAddress, port: f.spec.bindPort, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.log(`listener error: ${err.message}`));
        f.server = server;
        f.boundPort = (server.address() as net.AddressInfo).port;
        f.state = 'listening';
        this.session.add(toDisposable(() => server.close()));
        this.changed();
        resolve(undefined);
      });
    });
  }

  private onConnectionState(s: ConnectionState): void {
    if (!this.running) return;
    this.connSession.dispose();
    this.connSession = new DisposableStore();
    if (s.kind === 'failed') {
      this.fail(s.error);
      return;
    }
    const conn = s.kind === 'ready' ? this.lease?.connection : undefined;
    if (conn) {
      this.upSinceMs = this.clock.now();
      this.log('up');
    } else this.upSinceMs = undefined;
    const fwState: ForwardState = conn ? 'up' : s.kind === 'backoff' ? 'backoff' : s.kind === 'waiting' ? 'waiting' : 'connecting';
    for (const f of this.forwards) {
      if (f.state === 'port-in-use' || (f.state === 'failed' && f.spec.kind !== 'remote')) continue;
      if (f.spec.kind === 'remote') {
        f.remote = undefined;
        f.boundPort = undefined;
        f.state = conn ? 'connecting' : fwState;
        if (conn) this.setupRemote(f, conn, this.connSession);
      } else f.state = fwState;
      if (conn && f.spec.probeIntervalSec > 0) this.scheduleProbe(f, conn, this.connSession);
    }
    this.changed();
  }

  private setupRemote(f: ForwardRuntime, conn: Ssh2Connection, session: DisposableStore): void {
    const spec = f.spec as Extract<ForwardSpec, { kind: 'remote' }>;
    let cancelled = false;
    session.add(toDisposable(() => (cancelled = true)));
    const attempt = () => {
      conn.forwardIn(spec.bindAddress, spec.bindPort).then(
        (port) => {
          if (cancelled) return void conn.unforwardIn(spec.bindAddress, port);
          f.boundPort = port;
          f.state = 'up';
          delete f.lastError;
          session.add(conn.handleRemote(port, (info, accept, reject) => this.onRemoteClient(f, spec, accept, reject)));
          session.add(toDisposable(() => void conn.unforwardIn(spec.bindAddress, port)));
          this.changed();
        },
        (err: unknown) => {
          if (cancelled) return;
          // Often the server still holds the port for the previous session: retry while connected.
          f.state = 'backoff';
          f.lastError = new AppError('UNAVAILABLE', AppError.from(err).message, {
            hint: 'The server may still hold this port for an earlier session, or GatewayPorts forbids the address. Drover retries.',
          }).toData();
          this.changed();
          session.add(this.clock.setTimeout(attempt, REMOTE_FORWARD_RETRY_MS));
        },
      );
    };
    attempt();
  }

  private onRemoteClient(f: ForwardRuntime, spec: Extract<ForwardSpec, { kind: 'remote' }>, accept: () => Duplex, reject: () => void): void {
    f.total++;
    const sock = net.connect({ host: spec.destHost, port: spec.destPort, allowHalfOpen: true });
    sock.once('error', (err) => {
      if (f.active.has(sock)) return;
      f.failed++;
      f.lastError = new AppError('UNAVAILABLE', `${spec.destHost}:${spec.destPort} refused a forwarded connection: ${err.message}`).toData();
      reject();
      this.changed();
    });
    sock.once('connect', () => {
      const channel = accept();
      this.track(f, sock, channel);
    });
  }

  private track(f: ForwardRuntime, local: Duplex, remote: Duplex): void {
    f.active.set(local, remote);
    this.changed();
    void countedPipe(local, remote, {
      addIn: (n) => {
        f.bytesIn += n;
        this.changeEmitter.fire();
      },
      addOut: (n) => {
        f.bytesOut += n;
        this.changeEmitter.fire();
      },
    }).then(() => {
      f.active.delete(local);
      this.changed();
    });
  }

  private async onLocalClient(f: ForwardRuntime, socket: net.Socket): Promise<void> {
    f.total++;
    socket.on('error', () => undefined);
    if (f.pending.size >= MAX_PENDING_CLIENTS) {
      f.failed++;
      socket.resetAndDestroy();
      return;
    }
    let socks: SocksRequest | undefined;
    f.pending.add(socket);
    try {
      socket.resume();
      let host: string;
      let port: number;
      if (f.spec.kind === 'dynamic') {
        socks = await readSocks5Request(socket);
        host = socks.host;
        port = socks.port;
      } else {
        socket.pause();
        host = (f.spec as { destHost: string }).destHost;
        port = (f.spec as { destPort: number }).destPort;
      }
      const conn = await this.connectionFor(socket);
      const channel = await conn.forwardOut(host, port, socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0);
      f.pending.delete(socket);
      if (socket.destroyed) {
        channel.close();
        return;
      }
      socks?.reply(SocksReply.succeeded);
      this.track(f, socket, channel);
      socket.resume();
    } catch (err) {
      f.pending.delete(socket);
      if (!this.running) {
        socket.destroy();
        return;
      }
      f.failed++;
      const appErr = AppError.from(err);
      f.lastError = appErr.toData();
      if (socks) socks.reply(/refused/i.test(appErr.message) ? SocksReply.connectionRefused : SocksReply.hostUnreachable);
      else if (!socket.destroyed) socket.resetAndDestroy();
      this.changed();
    }
  }

  /** The connection if up; otherwise wait (the client is held, bounded in time) until it is. */
  private connectionFor(socket: net.Socket): Promise<Ssh2Connection> {
    const lease = this.lease;
    const conn = lease?.connection;
    if (conn) return Promise.resolve(conn);
    if (!lease) return Promise.reject(new AppError('UNAVAILABLE', 'the tunnel is not connected'));
    const holdMs = this.profile.holdClientsSec * 1000;
    if (holdMs <= 0) return Promise.reject(new AppError('UNAVAILABLE', 'the SSH connection is down: client refused at once (hold time 0 s)'));
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, holdMs);
    const onClose = () => ctrl.abort();
    socket.once('close', onClose);
    return lease
      .whenReady(ctrl.signal)
      .catch((err: unknown) => {
        if (!timedOut) throw err;
        throw new AppError('UNAVAILABLE', `no SSH connection within ${this.profile.holdClientsSec} s: the client was refused so it fails fast`, {
          hint: 'The tunnel reconnects by itself; the client can retry. Raise "hold clients" in the profile to wait longer.',
        });
      })
      .finally(() => {
        timer.dispose();
        socket.off('close', onClose);
      });
  }

  private scheduleProbe(f: ForwardRuntime, conn: Ssh2Connection, session: DisposableStore): void {
    if (f.spec.kind === 'dynamic') return;
    const spec = f.spec;
    const run = async () => {
      const started = this.clock.now();
      try {
        if (spec.kind === 'local') {
          const ch = await conn.forwardOut(spec.destHost, spec.destPort);
          ch.close();
        } else {
          await new Promise<void>((resolve, reject) => {
            const s = net.connect({ host: spec.destHost, port: spec.destPort }, () => {
              s.destroy();
              resolve();
            });
            s.once('error', reject);
            s.setTimeout(5000, () => s.destroy(new Error('timeout')));
          });
        }
        f.probe = { ok: true, latencyMs: this.clock.now() - started, atMs: this.clock.now() };
      } catch (err) {
        f.probe = { ok: false, atMs: this.clock.now(), error: AppError.from(err).message };
      }
      this.changed();
    };
    void run();
    session.add(this.clock.setInterval(() => void run(), spec.probeIntervalSec * 1000));
  }

  private fail(err: AppError, opts: { keepForwardStates?: boolean } = {}): void {
    this.log(`failed: ${err.message}`);
    this.failure = err;
    this.teardown();
    for (const f of this.forwards) {
      if (!opts.keepForwardStates || (f.state !== 'port-in-use' && f.state !== 'failed')) f.state = 'failed';
      f.lastError ??= err.toData();
    }
    this.changed();
  }

  private teardown(): void {
    this.running = false;
    this.connSession.dispose();
    this.connSession = new DisposableStore();
    for (const f of this.forwards) {
      for (const [local, remote] of f.active) {
        local.destroy();
        remote.destroy();
      }
      f.active.clear();
      for (const s of f.pending) s.resetAndDestroy();
      f.pending.clear();
      f.server = undefined;
      f.boundPort = undefined;
    }
    this.session.dispose();
    this.session = new DisposableStore();
    this.lease = undefined;
    this.upSinceMs = undefined;
  }

  stop(): void {
    if (!this.running && !this.failure) return;
    this.teardown();
    this.failure = undefined;
    for (const f of this.forwards) f.state = 'stopped';
    this.log('stopped');
    this.changed();
  }

  async retryNow(): Promise<void> {
    if (!this.running) {
      this.stop();
      await this.start();
      return;
    }
    this.lease?.retryNow();
  }

  status(): TunnelStatus {
    const s = this.lease?.state;
    let state: TunnelState;
    let error: ErrorData | undefined;
    let retryAtMs: number | undefined;
    let attempt: number | undefined;
    if (this.failure) {
      state = 'failed';
      error = this.failure.toData();
    } else if (!this.running) state = 'stopped';
    else if (!s) state = 'starting';
    else {
      switch (s.kind) {
        case 'idle':
        case 'connecting':
          state = 'connecting';
          if (s.kind === 'connecting') attempt = s.attempt;
          break;
        case 'ready':
          state = this.forwards.every((f) => f.state === 'up') ? 'up' : 'degraded';
          break;
        case 'backoff':
          state = 'backoff';
          error = s.error.toData();
          retryAtMs = s.retryAtMs;
          attempt = s.attempt;
          break;
        case 'waiting':
          state = 'waiting';
          error = (s.error ?? new AppError('UNAVAILABLE', `waiting for jump host ${s.on}`)).toData();
          break;
        case 'failed':
          state = 'failed';
          error = s.error.toData();
          break;
      }
    }
    return {
      profileId: this.profile.id,
      state,
      route: routeKey(profileRoute(this.profile)),
      ...(attempt !== undefined ? { attempt } : {}),
      ...(retryAtMs !== undefined ? { retryAtMs } : {}),
      ...(this.upSinceMs !== undefined ? { upSinceMs: this.upSinceMs } : {}),
      ...(error ? { error } : {}),
      forwards: this.forwards.map((f) => ({
        id: f.spec.id,
        kind: f.spec.kind,
        label: forwardLabel(f.spec),
        state: f.state,
        exposesLan: f.spec.kind !== 'remote' && !isLoopbackAddress(f.spec.bindAddress),
        ...(f.boundPort !== undefined ? { boundPort: f.boundPort } : {}),
        activeConnections: f.active.size,
        totalConnections: f.total,
        failedConnections: f.failed,
        bytesIn: f.bytesIn,
        bytesOut: f.bytesOut,
        ...(f.lastError ? { lastError: f.lastError } : {}),
        ...(f.probe ? { probe: f.probe } : {}),
      })),
      seq: this.seq,
    };
  }

  dispose(): void {
    this.teardown();
    this.changeEmitter.dispose();
  }
}
