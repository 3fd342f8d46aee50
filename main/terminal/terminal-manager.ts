import { randomUUID } from 'node:crypto';
import { AppError } from '../contract/errors';
import type { Disposable } from '../contract/lifecycle';
import type { HostRunResult, TerminalOutput, TerminalSession as SessionInfo, TerminalTarget } from '../contract/terminal';
import type { Hop } from '../contract/tunnels';
import type { ConnectionLease, SshConnectionPool } from '../ssh/connection-pool';
import type { Ssh2Connection } from '../ssh/ssh-connection';
import { hopKey, type SshHostConfig, type SshRoute } from '../ssh/ssh-types';
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
}

export function hopConfig(h: Hop): SshHostConfig {
  return { host: h.host, port: h.port, user: h.user, identityFiles: h.identityFiles, useAgent: h.useAgent, passwordSecretId: h.passwordSecretId };
}

export function hopRoute(target: Hop, jumps: Hop[]): SshRoute {
  return { target: hopConfig(target), jumps: jumps.map(hopConfig) };
}

/** For one-shot work: the connection once ready, or the first failure (no waiting out backoffs). */
export function readyOrFirstFailure(lease: ConnectionLease, signal: AbortSignal): Promise<Ssh2Connection> {
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
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

/** Every open terminal; closing one ends its process or channel, disposing ends them all. */
export class TerminalManager implements Disposable {
  private readonly sessions = new Map<string, { session: TerminalSession; orphanTimer?: NodeJS.Timeout }>();

  constructor(private readonly deps: TerminalManagerDeps) {}

  async open(target: TerminalTarget, cols: number, rows: number, signal?: AbortSignal): Promise<SessionInfo> {
    if (this.sessions.size >= (this.deps.maxSessions ?? 256)) throw new AppError('UNAVAILABLE', 'too many open terminals', { hint: 'Close some tabs first.' });
    const id = randomUUID();
    let source;
    let host: string;
    if (target.kind === 'local') {
      source = new LocalPtySource({ cols, rows, cwd: target.cwd, env: this.deps.env });
      host = 'local';
    } else {
      const lease = this.deps.pool.acquire(hopRoute(target.target, target.jumps));
      source = await SshShellSource.open(lease, { cols, rows }, signal);
      host = hopKey(target.target);
    }
    const title = target.kind === 'local' ? 'local' : `${target.target.user}@${target.target.host}`;
    const session = new TerminalSession({ id, title, host, kind: target.kind, state: 'starting', cols, rows }, source, this.deps.flow);
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
    if (entry.orphanTimer) clearTimeout(entry.orphanTimer);
    entry.orphanTimer = setTimeout(() => {
      if (entry.session.attachedCount === 0) this.close(id);
    }, this.deps.orphanTimeoutMs ?? 60_000);
    entry.orphanTimer.unref();
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.session.info);
  }

  attach(id: string, listener: (e: TerminalOutput) => void): Disposable {
    const entry = this.sessions.get(id);
    const session = this.get(id);
    if (entry?.orphanTimer) clearTimeout(entry.orphanTimer);
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
    if (entry.orphanTimer) clearTimeout(entry.orphanTimer);
    this.sessions.delete(id);
    entry.session.dispose();
  }

  /** Runs one command on many hosts in parallel (at most `concurrency` at once); reports each as it ends. */
  async runOnHosts(
    argv: string[],
    hosts: Array<{ target: Hop; jumps: Hop[] }>,
    timeoutSec: number,
    emit: (r: HostRunResult) => void,
    signal: AbortSignal,
    concurrency = 16,
  ): Promise<void> {
    const queue = hosts.map((h, i) => ({ ...h, i }));
    for (const h of queue) emit({ host: hopKey(h.target), state: 'running', stdout: '', stderr: '' });
    const worker = async () => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        const host = hopKey(h.target);
        const started = Date.now();
        const lease = this.deps.pool.acquire(hopRoute(h.target, h.jumps));
        const ctrl = new AbortController();
        const onAbort = () => ctrl.abort();
        signal.addEventListener('abort', onAbort);
        const timer = setTimeout(() => ctrl.abort(), timeoutSec * 1000);
        try {
          const conn = await readyOrFirstFailure(lease, ctrl.signal);
          const r = await conn.exec(argv, { signal: ctrl.signal, maxOutputBytes: 1024 * 1024 });
          emit({ host, state: 'done', exitCode: r.code, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - started });
        } catch (err) {
          const e = AppError.from(err);
          const message = ctrl.signal.aborted && !signal.aborted ? `no answer within ${timeoutSec} s` : e.message;
          emit({ host, state: 'failed', stdout: '', stderr: '', error: message, durationMs: Date.now() - started });
        } finally {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          lease.dispose();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker));
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
