import { systemClock, type Clock } from '../contract/clock';
import type { DomainHostConfig } from '../contract/domains';
import type { Disposable } from '../contract/lifecycle';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { onHost, type HostOutcome } from '../ssh/run-on-hosts';
import type { Ssh2Connection } from '../ssh/ssh-connection';
import { sshRoute } from '../ssh/ssh-route';
import type { VirshExec } from './domain-collector';

/** Keeps a host's SSH connection open while it is watched; retryNow forgets the backoff. */
export interface HostHold extends Disposable {
  retryNow(): void;
}

/**
 * How the Domains service reaches a KVM host: over the shared SSH pool in the app (onHost with
 * sshRoute, jump hosts included), scripted in unit tests.
 */
export interface HostRunner {
  hold(host: DomainHostConfig): HostHold;
  /** Connects (or reuses the connection), runs the work with an exec for argv arrays, bounded in time. */
  run<R>(host: DomainHostConfig, work: (exec: VirshExec, signal: AbortSignal) => Promise<R>, options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<HostOutcome<R>>;
}

/** An exec over one SSH connection: the argv is POSIX-quoted by Ssh2Connection.exec (buildCommand). */
export function connectionExec(conn: Ssh2Connection): VirshExec {
  return async (argv, signal) => {
    const r = await conn.exec(argv, signal ? { signal } : {});
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  };
}

export function sshHostRunner(pool: SshConnectionPool, clock: Clock = systemClock): HostRunner {
  return {
    hold(host) {
      const lease = pool.acquire(sshRoute(host));
      return { retryNow: () => lease.retryNow(), dispose: () => lease.dispose() };
    },
    run(host, work, options) {
      return onHost(pool, host, (conn, signal) => work(connectionExec(conn), signal), {
        timeoutMs: options.timeoutMs,
        clock,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },
  };
}
