import { randomUUID } from 'node:crypto';
import { AppError } from '../contract/errors';
import { hopLabel, routeLabel, shortHopLabel, type SshTarget } from '../contract/ssh';
import { systemClock, type Clock } from '../contract/clock';
import type { Disposable } from '../contract/lifecycle';
import type { HostRunResult, TerminalOutput, TerminalSession as SessionInfo, TerminalTarget } from '../contract/terminal';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { onHosts } from '../ssh/run-on-hosts';
import { sshRoute } from '../ssh/ssh-route';
import { LocalPtySource } from './local-pty-source';
import { SshShellSource } from './ssh-shell-source';
import { TerminalSession, type FlowControl } from './terminal-session';

export interface TerminalManagerDeps {
  pool: SshConnectionPool;
  env?: NodeJS.ProcessEnv;
  flow?: FlowControl;
  /** A session nobody has been attached to for this long is closed (a renderer that vanished). */
  orphanTimeoutMs?: number;
  maxSessions?: number;
  clock?: Clock;
}

/** Every open terminal; closing one ends its process or channel, disposing ends them all. */
export class TerminalManager implements Disposable {
  private readonly sessions = new Map<string, { session: TerminalSession; orphanTimer?: Disposable }>();
  private readonly clock: Clock;

  constructor(private readonly deps: TerminalManagerDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  async open(target: TerminalTarget, cols: number, rows: number, signal?: AbortSignal): Promise<SessionInfo> {
    if (this.sessions.size >= (this.deps.maxSessions ?? 256)) throw new AppError('UNAVAILABLE', 'too many open terminals', { hint: 'Close some tabs first.' });
    const id = randomUUID();
    let source;
    let host: string;
    if (target.kind === 'local') {
      source = new LocalPtySource({ cols, rows, cwd: target.cwd, env: this.deps.env });
      host = 'local';
    } else {
      const lease = this.deps.pool.acquire(sshRoute(target));
      source = await SshShellSource.open(lease, { cols, rows }, signal, target.command);
      host = hopLabel(target.target);
    }
    const title = target.kind === 'local' ? 'local' : shortHopLabel(target.target);
    const session = new TerminalSession({ id, title, host, kind: target.kind, state: 'starting', cols, rows }, source, this.deps.flow, this.clock);
    this.sessions.set(id, { session });
    this.armOrphanTimer(id);
    return session.info;
  }

  private get(id: string): TerminalSession {
    const s = this.sessions.get(id);
    if (!s) throw new AppError('NOT_FOUND', 'that terminal session is gone', { hint: 'It was closed or Drover restarted; open a new one.' });
    return s.session;
  }

  private armOrphanTimer(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    entry.orphanTimer?.dispose();
    entry.orphanTimer = this.clock.setTimeout(() => {
      if (entry.session.attachedCount === 0) this.close(id);
    }, this.deps.orphanTimeoutMs ?? 60_000, { background: true });
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.session.info);
  }

  attach(id: string, listener: (e: TerminalOutput) => void): Disposable {
    const entry = this.sessions.get(id);
    const session = this.get(id);
    entry?.orphanTimer?.dispose();
    const sub = session.attach(listener);
    return {
      dispose: () => {
        sub.dispose();
        if (session.attachedCount === 0) this.armOrphanTimer(id);
      },
    };
  }

  write(id: string, data: string): void {
    this.get(id).write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).resize(cols, rows);
  }

  ack(id: string, chars: number): void {
    this.sessions.get(id)?.session.ack(chars);
  }

  close(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    entry.orphanTimer?.dispose();
    this.sessions.delete(id);
    entry.session.dispose();
  }

  /** Runs one command on many hosts (at most `concurrency` at once); reports each as it ends. */
  async runOnHosts(
    argv: string[],
    hosts: SshTarget[],
    timeoutSec: number,
    emit: (r: HostRunResult) => void,
    signal: AbortSignal,
    concurrency = 16,
  ): Promise<void> {
    for (const h of hosts) emit({ host: hopLabel(h.target), route: routeLabel(h.target, h.jumps), state: 'running', stdout: '', stderr: '' });
    await onHosts(this.deps.pool, hosts, (conn, sig) => conn.exec(argv, { signal: sig, maxOutputBytes: 1024 * 1024 }), {
      timeoutMs: timeoutSec * 1000,
      signal,
      concurrency,
      onOutcome: (o) => {
        if (o.ok) emit({ host: o.host, route: o.route, state: 'done', exitCode: o.value.code, stdout: o.value.stdout, stderr: o.value.stderr, durationMs: o.durationMs });
        else emit({ host: o.host, route: o.route, state: 'failed', stdout: '', stderr: '', error: o.error.message, durationMs: o.durationMs });
      },
    });
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
