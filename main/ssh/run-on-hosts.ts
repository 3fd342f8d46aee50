import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { hopLabel, routeLabel, type SshTarget } from '../contract/ssh';
import type { ConnectionLease, SshConnectionPool } from './connection-pool';
import type { Ssh2Connection } from './ssh-connection';
import { sshRoute, type RouteOptions } from './ssh-route';

/**
 * For one-shot work: the lease's connection once it is ready, or its first failure (a backoff, a
 * permanent failure, a jump host that failed) without waiting out retries.
 */
export function readyConnection(lease: ConnectionLease, signal: AbortSignal): Promise<Ssh2Connection> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = lease.state;
      const conn = lease.connection;
      if (conn) {
        done();
        resolve(conn);
      } else if (s.kind === 'backoff' || s.kind === 'failed' || (s.kind === 'waiting' && s.error)) {
        done();
        reject(s.error ?? new AppError('UNAVAILABLE', 'jump host unavailable'));
      }
    };
    const onAbort = () => {
      done();
      reject(new AppError('CANCELLED', 'cancelled'));
    };
    const sub = lease.onDidChangeState(check);
    const done = () => {
      sub.dispose();
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

export interface HostRunOptions {
  /** Per host: connecting plus the work. */
  timeoutMs: number;
  signal?: AbortSignal;
  clock?: Clock;
  route?: RouteOptions;
}

export interface HostOutcomeBase {
  /** The route ("a@jump:22 > b@host:22"): unique even when one host is reached two ways. */
  readonly route: string;
  /** user@host:port of the target. */
  readonly host: string;
  readonly index: number;
  readonly durationMs: number;
}
export type HostOutcome<R> =
  | (HostOutcomeBase & { readonly ok: true; readonly value: R })
  | (HostOutcomeBase & { readonly ok: false; readonly error: AppError; readonly timedOut: boolean });

/** Work on one host through the shared pool: connect (or reuse), run, release; bounded in time. */
export async function onHost<R>(
  pool: SshConnectionPool,
  target: SshTarget,
  work: (conn: Ssh2Connection, signal: AbortSignal) => Promise<R>,
  options: HostRunOptions,
  index = 0,
): Promise<HostOutcome<R>> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const base = { route: routeLabel(target.target, target.jumps), host: hopLabel(target.target), index };
  const ctrl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctrl.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) ctrl.abort();
  const timer = clock.setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, options.timeoutMs);
  let lease: ConnectionLease | undefined;
  try {
    lease = pool.acquire(sshRoute(target, options.route));
    const conn = await readyConnection(lease, ctrl.signal);
    const value = await work(conn, ctrl.signal);
    if (timedOut) throw new AppError('TIMEOUT', `${base.host}: no answer within ${Math.round(options.timeoutMs / 1000)} s`);
    return { ...base, ok: true, value, durationMs: clock.now() - started };
  } catch (err) {
    const error = timedOut
      ? new AppError('TIMEOUT', `${base.host}: no answer within ${Math.round(options.timeoutMs / 1000)} s`, { hint: 'The host or a jump host may be down or slow; try a longer timeout.' })
      : AppError.from(err);
    return { ...base, ok: false, error, timedOut, durationMs: clock.now() - started };
  } finally {
    timer.dispose();
    options.signal?.removeEventListener('abort', onAbort);
    lease?.dispose();
  }
}

/**
 * The one "run this on these hosts" fan-out: at most `concurrency` hosts at once, each bounded by
 * timeoutMs, one outcome per host (reported as soon as it ends, and returned in input order).
 * Domains, Miners (CLI mode), Fleet probes and the terminal's "run on hosts" all use it.
 */
export async function onHosts<R>(
  pool: SshConnectionPool,
  targets: readonly SshTarget[],
  work: (conn: Ssh2Connection, signal: AbortSignal, target: SshTarget) => Promise<R>,
  options: HostRunOptions & { concurrency?: number; onOutcome?: (outcome: HostOutcome<R>) => void },
): Promise<HostOutcome<R>[]> {
  const results: HostOutcome<R>[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const target = targets[i]!;
      const outcome = await onHost(pool, target, (conn, signal) => work(conn, signal, target), options, i);
      results[i] = outcome;
      options.onOutcome?.(outcome);
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 16, targets.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
