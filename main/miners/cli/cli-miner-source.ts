import { systemClock, type Clock } from '../../contract/clock';
import { AppError } from '../../contract/errors';
import type { MinerSnapshot } from '../../contract/miners';
import type { AbortableJob, MinerSource } from '../miner-source';
import { classifyCliFailure } from './classify-cli-failure';
import { cliSnapshot, type CliCommandOutput, type CliOutputs } from './cli-snapshot';
import { abortJobArgv, cliCommandLabel, DEFAULT_CLI_COMMANDS, lotusCliArgv, type CliCommandName, type LotusCliOptions } from './lotus-cli-commands';

/** Runs one command (locally, or remotely via Ssh2Connection.exec) and resolves with its result. */
export type CliExec = (argv: string[], signal: AbortSignal) => Promise<{ code: number | null; stdout: string; stderr: string }>;

export interface CliMinerSourceOptions extends LotusCliOptions {
  exec: CliExec;
  clock?: Clock;
  /** Commands run on every poll. Default DEFAULT_CLI_COMMANDS. */
  commands?: readonly CliCommandName[];
  /** Per-command timeout. Default 60 s. */
  timeoutMs?: number;
}

/**
 * A MinerSource that runs lotus-miner commands concurrently through `exec` and parses them. A
 * command that fails or times out becomes a problem; the others are kept.
 */
export class CliMinerSource implements MinerSource {
  readonly kind = 'cli' as const;
  private readonly clock: Clock;
  private readonly inflight = new Set<AbortController>();
  private disposed = false;

  constructor(private readonly opts: CliMinerSourceOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  async poll(signal?: AbortSignal): Promise<MinerSnapshot> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'the miner source is closed');
    if (signal?.aborted) throw new AppError('CANCELLED', 'reading the miner was cancelled');
    const started = this.clock.now();
    const names = this.opts.commands ?? DEFAULT_CLI_COMMANDS;
    const results = await Promise.all(names.map((name) => this.run(name, signal)));
    if (signal?.aborted) throw new AppError('CANCELLED', 'reading the miner was cancelled');
    const outputs: CliOutputs = {};
    names.forEach((name, i) => (outputs[name] = results[i]!));
    const succeeded = results.filter((r) => !r.error && r.code === 0);
    if (succeeded.length === 0 && results.length > 0) {
      const first = results[0]!;
      if (first.error) throw new AppError(first.error.code, first.error.message, first.error.hint ? { hint: first.error.hint } : {});
      const f = classifyCliFailure(cliCommandLabel(names[0]!), first.code, first.stderr ?? '');
      throw new AppError(f.code, f.message, { ...(f.hint ? { hint: f.hint } : {}), details: { stderr: (first.stderr ?? '').slice(0, 2000) } });
    }
    const now = this.clock.now();
    return cliSnapshot(outputs, now, { durationMs: now - started });
  }

  private async run(name: CliCommandName, signal?: AbortSignal): Promise<CliCommandOutput> {
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const ac = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inflight.add(ac);
    const label = cliCommandLabel(name);
    try {
      const argv = lotusCliArgv(name, this.opts);
      const r = await untilAborted(this.opts.exec(argv, ac.signal), ac.signal);
      return { stdout: r.stdout, stderr: r.stderr, code: r.code, atMs: this.clock.now() };
    } catch (err) {
      if (timedOut) return { stdout: '', error: { code: 'TIMEOUT', message: `\`${label}\` did not finish within ${timeoutMs} ms`, hint: 'The miner may be busy; `sectors list` is slow on large miners.' } };
      const e = AppError.from(err);
      return { stdout: '', error: { code: e.code, message: `\`${label}\` could not be run: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) } };
    } finally {
      timer.dispose();
      signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ac);
    }
  }

  async abortJob(job: AbortableJob, signal?: AbortSignal): Promise<void> {
    const argv = abortJobArgv(job.callId ?? job.id, this.opts);
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await untilAborted(this.opts.exec(argv, ac.signal), ac.signal);
      if (r.code !== 0) {
        const f = classifyCliFailure('lotus-miner sealing abort', r.code, r.stderr);
        throw new AppError(/job with specified id prefix not found/.test(r.stderr) ? 'NOT_FOUND' : f.code, f.message, f.hint ? { hint: f.hint } : {});
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ac of this.inflight) ac.abort();
    this.inflight.clear();
  }
}

/**
 * The exec's result, or a rejection as soon as the signal aborts: an SSH exec channel closes only
 * when the remote process ends, and a poll must not wait for a command it gave up on.
 */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new AppError('CANCELLED', 'the command was cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AppError('CANCELLED', 'the command was cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
