import { setMaxListeners } from 'node:events';
import type { Clock } from '../../contract/clock';
import type { AppError } from '../../contract/errors';
import type { FleetHost } from '../../contract/fleet';
import { Emitter, type Disposable, type Event } from '../../contract/lifecycle';
import type { ConnectionLease, SshConnectionPool } from '../../ssh/connection-pool';
import { onHosts } from '../../ssh/run-on-hosts';
import type { RouteOptions } from '../../ssh/ssh-route';
import { sshRoute } from '../../ssh/ssh-route';
import { PROBE_MAX_OUTPUT_BYTES } from '../probe-script';

export type ProbeOutcome =
  | { readonly ok: true; readonly stdout: string; readonly stderr: string; readonly code: number | null; readonly durationMs: number }
  | { readonly ok: false; readonly error: AppError; readonly timedOut: boolean; readonly durationMs: number };

/** The connection a host's probes ride on, kept open between rounds. */
export interface ProbeConnection extends Disposable {
  /** idle, connecting, ready, backoff, waiting, failed. */
  readonly state: string;
  /** Why it is not ready (backoff, waiting, failed). */
  readonly error: AppError | undefined;
  readonly onDidChangeState: Event<string>;
  /** Forget the backoff (or a permanent failure) and connect now. */
  retryNow(): void;
}

export interface ProbeRunOptions {
  concurrency: number;
  /** Per host: connecting plus the probe. */
  timeoutMs: number;
  signal: AbortSignal;
  onOutcome(host: FleetHost, outcome: ProbeOutcome): void;
}

/**
 * How probes reach hosts. The real one is the shared SSH pool (SshProbeTransport); tests and the
 * benchmark give a fake that answers with captured outputs.
 */
export interface ProbeTransport {
  hold(host: FleetHost): ProbeConnection;
  /** Runs each host's argv, at most `concurrency` at once; resolves when every host has an outcome. */
  run(hosts: readonly FleetHost[], argvFor: (host: FleetHost) => string[], options: ProbeRunOptions): Promise<void>;
}

/**
 * Probes over the shared SSH pool: one held lease per host keeps its connection open between
 * rounds (and lets the pool's backoff and reachability checks notice a host coming back), and each
 * round runs one exec per host through onHosts (bounded concurrency, per-host timeout).
 */
export class SshProbeTransport implements ProbeTransport {
  constructor(
    private readonly pool: SshConnectionPool,
    private readonly routeOptions: () => RouteOptions,
    private readonly clock: Clock,
  ) {}

  hold(host: FleetHost): ProbeConnection {
    const lease: ConnectionLease = this.pool.acquire(sshRoute(host, this.routeOptions()));
    const emitter = new Emitter<string>();
    const sub = lease.onDidChangeState((s) => emitter.fire(s.kind));
    return {
      get state() {
        return lease.state.kind;
      },
      get error() {
        const s = lease.state;
        return s.kind === 'backoff' || s.kind === 'failed' ? s.error : s.kind === 'waiting' ? s.error : undefined;
      },
      onDidChangeState: emitter.event,
      retryNow: () => lease.retryNow(),
      dispose: () => {
        sub.dispose();
        emitter.dispose();
        lease.dispose();
      },
    };
  }

  async run(hosts: readonly FleetHost[], argvFor: (host: FleetHost) => string[], options: ProbeRunOptions): Promise<void> {
    // Every host in flight listens to the round's signal: one signal of our own, sized for that.
    const ctrl = new AbortController();
    setMaxListeners(options.concurrency + 16, ctrl.signal);
    const onAbort = () => ctrl.abort();
    if (options.signal.aborted) ctrl.abort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.runAll(hosts, argvFor, { ...options, signal: ctrl.signal });
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  private async runAll(hosts: readonly FleetHost[], argvFor: (host: FleetHost) => string[], options: ProbeRunOptions): Promise<void> {
    await onHosts(
      this.pool,
      hosts,
      (conn, signal, target) => conn.exec(argvFor(target as FleetHost), { signal, maxOutputBytes: PROBE_MAX_OUTPUT_BYTES }),
      {
        concurrency: options.concurrency,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        clock: this.clock,
        route: this.routeOptions(),
        onOutcome: (o) => {
          const host = hosts[o.index]!;
          if (o.ok) options.onOutcome(host, { ok: true, stdout: o.value.stdout, stderr: o.value.stderr, code: o.value.code, durationMs: o.durationMs });
          else options.onOutcome(host, { ok: false, error: o.error, timedOut: o.timedOut, durationMs: o.durationMs });
        },
      },
    );
  }
}
