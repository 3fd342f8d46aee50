import { Etcd3 } from 'etcd3';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import type { Disposable } from '../contract/lifecycle';
import type { EtcdReader } from './etcd-reader';

/**
 * An EtcdReader on the etcd3 client. Every read has a deadline (grpc) and a timer of its own
 * (on the Clock), so a black-holed etcd costs at most requestTimeoutMs. Every failure becomes a
 * retryable AppError UNAVAILABLE naming the endpoints and the cause; values never appear in
 * messages.
 */

export interface Etcd3ReaderOptions {
  endpoints: readonly string[];
  dialTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock?: Clock;
}

export class Etcd3Reader implements EtcdReader, Disposable {
  private readonly etcd: Etcd3;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  private readonly where: string;
  private closed = false;

  constructor(options: Etcd3ReaderOptions) {
    this.clock = options.clock ?? systemClock;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    this.where = options.endpoints.join(', ');
    this.etcd = new Etcd3({ hosts: [...options.endpoints], dialTimeout: options.dialTimeoutMs ?? 3000 });
  }

  /** The client, for the watched copy (watched-etcd-reader.ts): one connection for reads and watch. */
  get client(): Etcd3 {
    return this.etcd;
  }

  get(key: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.withDeadline(signal, (deadline) => this.etcd.get(key).options({ deadline }).string(), (value) => value ?? undefined);
  }

  /**
   * The keys in one etcd transaction of range reads: one gRPC call instead of one per key (each
   * call costs the responder about as much CPU as the rest of its request), and every value is
   * from the same revision.
   */
  getMany(keys: readonly string[], signal?: AbortSignal): Promise<(string | undefined)[]> {
    return this.withDeadline(
      signal,
      (deadline) => this.etcd.kv.txn({ success: keys.map((k) => ({ request_range: { key: Buffer.from(k) } })) }, { deadline }),
      (res) =>
        keys.map((_, i) => {
          const kv = res.responses[i]?.response_range?.kvs[0];
          return kv === undefined ? undefined : kv.value.toString();
        }),
    );
  }

  /** Runs one read with the gRPC deadline and a timer of its own; cancellable by signal. */
  private withDeadline<R, T>(signal: AbortSignal | undefined, read: (deadline: Date) => Promise<R>, map: (result: R) => T): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'the etcd client is closed'));
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'the read was cancelled'));
    const ms = this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        timer.dispose();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => finish(() => reject(new AppError('CANCELLED', 'the read was cancelled')));
      const timer = this.clock.setTimeout(
        () =>
          finish(() =>
            reject(
              new AppError('UNAVAILABLE', `etcd at ${this.where} did not answer within ${ms} ms`, {
                hint: 'Check that etcd (or the tunnel to it) is up; the agent will retry.',
                details: { endpoints: this.where, timeoutMs: ms },
              }),
            ),
          ),
        ms,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      read(new Date(this.clock.now() + ms)).then(
        (result) => finish(() => resolve(map(result))),
        (err: unknown) => finish(() => reject(this.mapError(err))),
      );
    });
  }

  private mapError(err: unknown): AppError {
    const name = err instanceof Error ? err.constructor.name || err.name : 'Error';
    const text = err instanceof Error ? (err.message.split('\n')[0] ?? '').slice(0, 300) : String(err).slice(0, 300);
    let what: string;
    if (name === 'GRPCDeadlineExceededError') what = `did not answer within ${this.requestTimeoutMs} ms`;
    else if (name === 'GRPCUnavailableError' || name === 'BrokenCircuitError') what = 'is unreachable';
    else if (name === 'EtcdPermissionDeniedError' || name === 'GRPCUnauthenticatedError' || name.startsWith('EtcdAuth') || name === 'EtcdInvalidAuthTokenError')
      what = 'refused the read (permission)';
    else what = 'failed the read';
    return new AppError('UNAVAILABLE', `etcd at ${this.where} ${what}: ${name}${text ? ` (${text})` : ''}`, {
      hint: 'Check that etcd (or the tunnel to it) is up; the agent will retry.',
      details: { endpoints: this.where, cause: name },
      cause: err,
    });
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.etcd.close();
  }
}
