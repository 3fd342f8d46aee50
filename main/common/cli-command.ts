import type { ParseArgsConfig } from 'node:util';
import type { CreateServicesOptions, Services } from '../app/create-services';

/**
 * What a `drover <command>` is: the dispatcher in main/app/cli.ts lists the core commands and
 * every feature's `commands`. stdout carries only what a script may parse; everything else is stderr.
 */

export interface CliIo {
  /** One line of machine-readable output. */
  stdout(line: string): void;
  /** One line of diagnostics. */
  stderr(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Ends long-running commands the way SIGINT/SIGTERM do (for tests and in-process callers). */
  stop?: AbortSignal;
  /** Whether long-running commands listen for SIGINT/SIGTERM/SIGHUP. Default true. */
  handleSignals: boolean;
}

/** Given to every command: the one composition root, so a command never assembles services itself. */
export interface CliContext {
  /** transport defaults to 'cli' (headless: no prompts, no autostart); `serve` asks for 'web'. */
  createServices(options: Omit<CreateServicesOptions, 'transport' | 'env' | 'onNotice'> & { transport?: 'web' | 'cli' }): Promise<Services>;
}

export type CliOptions = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Record<string, string | boolean | undefined>;

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: CliOptions;
  readonly positionals?: boolean;
  run(values: CliValues, positionals: string[], io: CliIo, ctx: CliContext): Promise<number>;
}

/** A wrong command line: message, then usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function parsePort(text: string, usage: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${text}"`, usage);
  return Number(text);
}

export function stringOption(values: CliValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Resolves when the command should stop: a signal or io.stop. A second signal exits at once, but
 * not the same signal within a second of the first: a supervisor that signals every process of a
 * group (systemd, a container runtime) reaches this process directly and through the launcher.
 */
export function waitForStop(io: CliIo): { stopped: Promise<string>; release(): void } {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let stopping = false;
  let first: { signal: NodeJS.Signals; atMs: number } | undefined;
  let resolveStop!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (first && first.signal === signal && Date.now() - first.atMs < 1000) return;
    if (stopping) {
      io.stderr(`${signal} again: exiting without cleaning up`);
      process.exit(130);
    }
    stopping = true;
    first = { signal, atMs: Date.now() };
    resolveStop(signal);
  };
  const onAbort = () => {
    stopping = true;
    resolveStop('stop requested');
  };
  if (io.handleSignals) for (const s of signals) process.on(s, onSignal);
  if (io.stop?.aborted) onAbort();
  else io.stop?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    release() {
      for (const s of signals) process.off(s, onSignal);
      io.stop?.removeEventListener('abort', onAbort);
    },
  };
}
