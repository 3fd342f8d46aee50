import { randomUUID } from 'node:crypto';
import { AppError } from '../contract/errors';
import { hopLabel, routeLabel, shortHopLabel, type SshTarget } from '../contract/ssh';
import { systemClock, type Clock } from '../contract/clock';
import type { Disposable } from '../contract/lifecycle';
import type { HostRunResult, TerminalBusy, TerminalLiveData, TerminalLiveSession, TerminalSession as SessionInfo, TerminalTarget } from '../contract/terminal';
import { LivePublisher } from '../live/live-publisher';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { onHosts } from '../ssh/run-on-hosts';
import { sshRoute } from '../ssh/ssh-route';
import { LocalPtySource } from './local-pty-source';
import { SshShellSource } from './ssh-shell-source';
import { DEFAULT_REPLAY_CHARS, TerminalSession, type FlowControl, type SessionOutput } from './terminal-session';

export interface TerminalManagerDeps {
  pool: SshConnectionPool;
  env?: NodeJS.ProcessEnv;
  flow?: FlowControl;
  /** A session nobody has been attached to for this long is closed (a renderer that vanished). */
  orphanTimeoutMs?: number;
  maxSessions?: number;
  clock?: Clock;
  /**
   * Recent output kept per session for a page that attaches again after a reload (characters;
   * default 256 Ki, 0 keeps none). Memory: at most this plus one frame per session.
   */
  replayChars?: number;
}

export interface OpenOptions {
  /** The page opening it (its client id). */
  owner?: string;
  label?: string;
  signal?: AbortSignal;
}

/** Every open terminal; closing one ends its process or channel, disposing ends them all. */
export class TerminalManager implements Disposable {
  private readonly sessions = new Map<string, { session: TerminalSession; orphanTimer?: Disposable }>();
  private readonly clock: Clock;
  /** terminal.live: every session with how many pages are attached. */
  readonly live: LivePublisher<TerminalLiveData>;

  constructor(private readonly deps: TerminalManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.live = new LivePublisher<TerminalLiveData>({ initial: { sessions: {} }, clock: this.clock, health: { state: 'live' } });
  }

  private publish(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) {
      this.live.remove('sessions', id);
      return;
    }
    const item: TerminalLiveSession = { ...entry.session.info, attached: entry.session.attachedCount };
    this.live.put('sessions', id, item);
  }

  async open(target: TerminalTarget, cols: number, rows: number, signalOrOptions?: AbortSignal | OpenOptions): Promise<SessionInfo> {
    const opts: OpenOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
    const signal = opts.signal;
    if (this.sessions.size >= (this.deps.maxSessions ?? 256)) throw new AppError('UNAVAILABLE', 'too many open terminals', { hint: 'Close some tabs first.' });
    const id = randomUUID();
    let source;
    let host: string;
    if (target.kind === 'local') {
      source = new LocalPtySource({ cols, rows, cwd: target.cwd, env: this.deps.env });
      host = 'local';
    } else {
      const lease = this.deps.pool.acquire(sshRoute(target));
      source = await SshShellSource.open(lease, { cols, rows }, signal, target.command, id);
      host = hopLabel(target.target);
    }
    const title = target.kind === 'local' ? 'local' : shortHopLabel(target.target);
    const info: SessionInfo = {
      id,
      title,
      host,
      kind: target.kind,
      state: 'starting',
      cols,
      rows,
      target,
      createdAtMs: this.clock.now(),
      ...(opts.owner ? { owner: opts.owner } : {}),
      ...(opts.label ? { label: opts.label } : {}),
    };
    const session = new TerminalSession(info, source, this.deps.flow, this.clock, this.deps.replayChars ?? DEFAULT_REPLAY_CHARS);
    this.sessions.set(id, { session });
    session.onDidChangeInfo(() => this.publish(id));
    this.armOrphanTimer(id);
    this.publish(id);
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

  attach(id: string, listener: (e: SessionOutput) => void): Disposable {
    const entry = this.sessions.get(id);
    const session = this.get(id);
    entry?.orphanTimer?.dispose();
    const sub = session.attach(listener);
    this.publish(id);
    return {
      dispose: () => {
        sub.dispose();
        if (session.attachedCount === 0) this.armOrphanTimer(id);
        this.publish(id);
      },
    };
  }

  /** The recent output (see TerminalSession.replayText); the asking page becomes the owner. */
  replay(id: string, owner?: string): { data: string; truncated: boolean } {
    const session = this.get(id);
    if (owner && session.info.owner !== owner) session.update({ owner });
    return session.replayText();
  }

  rename(id: string, label: string): void {
    this.get(id).update({ label: label.trim() });
  }

  busy(id: string): Promise<TerminalBusy> {
    return this.get(id).foreground();
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
    this.publish(id);
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
    this.live.dispose();
  }
}
