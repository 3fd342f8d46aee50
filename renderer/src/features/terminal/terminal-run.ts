import type { AppError } from '@contract/errors';
import { hopLabel, routeLabel, type Hop } from '@contract/ssh';
import { commandLineArgv, type ShellToken } from '@contract/shell-words';
import type { HostRunResult } from '@contract/terminal';
import type { SshDestination } from './terminal-destinations';

/** Run one command on many hosts: the run's state and the form's draft, as pure reducers. */

export interface RunHost {
  /** user@host:port: what the service reports results under. */
  readonly host: string;
  readonly route: string;
  readonly target: Hop;
  readonly jumps: readonly Hop[];
}

export interface RunState {
  readonly id: number;
  readonly argv: readonly string[];
  readonly hosts: readonly RunHost[];
  readonly results: Readonly<Record<string, HostRunResult>>;
  readonly running: boolean;
  readonly cancelled: boolean;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly error: AppError | null;
}

/** What the run-on-hosts form holds between visits. */
export interface RunDraft {
  /** Route labels (see routeLabel) of the picked hosts. */
  readonly selected: readonly string[];
  readonly commandLine: string;
  readonly timeoutSec: number;
  /** Hosts typed into the form (not from tabs or profiles). */
  readonly added: readonly SshDestination[];
  /**
   * argv: the line is split into arguments like a shell splits words (nothing of it is shell
   * syntax on the host); shell: the whole line is one argument of `sh -c` on the host.
   */
  readonly mode: RunMode;
}

export type RunMode = 'argv' | 'shell';

export const EMPTY_RUN_DRAFT: RunDraft = { selected: [], commandLine: '', timeoutSec: 60, added: [], mode: 'argv' };

export type DraftArgv =
  | { readonly ok: true; readonly argv: readonly string[]; readonly tokens: readonly ShellToken[] }
  | { readonly ok: false; readonly error: 'unterminated-single' | 'unterminated-double' };

/**
 * The argv the service runs for a command line: split into words (argv mode), or
 * `sh -c <line>` (shell mode; the service quotes every argument for the remote shell, so the line
 * reaches sh byte for byte as one argument).
 */
export function draftArgv(line: string, mode: RunMode): DraftArgv {
  if (mode === 'shell') return line.trim() ? { ok: true, argv: ['sh', '-c', line], tokens: [] } : { ok: true, argv: [], tokens: [] };
  const parsed = commandLineArgv(line);
  return parsed.ok ? { ok: true, argv: parsed.argv, tokens: parsed.tokens } : { ok: false, error: parsed.error };
}

/** The hosts of a run, once each: results are keyed by user@host:port, so the first route to a host wins. */
export function runHosts(list: readonly { target: Hop; jumps: readonly Hop[] }[]): RunHost[] {
  const byHost = new Map<string, RunHost>();
  for (const h of list) {
    const host = hopLabel(h.target);
    if (!byHost.has(host)) byHost.set(host, { host, route: routeLabel(h.target, h.jumps), target: h.target, jumps: h.jumps });
  }
  return [...byHost.values()];
}

export function startedRun(id: number, argv: readonly string[], hosts: readonly RunHost[], atMs: number): RunState {
  return { id, argv: [...argv], hosts, results: {}, running: true, cancelled: false, startedAtMs: atMs, endedAtMs: null, error: null };
}

export function withResult(run: RunState, r: HostRunResult): RunState {
  return { ...run, results: { ...run.results, [r.host]: r } };
}

export function endedRun(run: RunState, error: AppError | null, atMs: number): RunState {
  return { ...run, running: false, endedAtMs: atMs, error };
}

/** The user stopped it; a run that already ended stays as it was. */
export function cancelledRun(run: RunState, atMs: number): RunState {
  return run.running ? { ...run, running: false, cancelled: true, endedAtMs: atMs } : run;
}
