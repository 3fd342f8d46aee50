import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { ConnectionLease } from '../ssh/connection-pool';
import type { TerminalExit, TerminalSource } from './terminal-source';

/** An interactive shell (or one command in a pty) on a host over the shared SSH connection (its lease is released on dispose). */
export class SshShellSource implements TerminalSource {
  private readonly dataEmitter = new Emitter<string>();
  private readonly exitEmitter = new Emitter<TerminalExit>();
  readonly onData = this.dataEmitter.event;
  readonly onExit = this.exitEmitter.event;
  readonly pid = undefined;
  private exit: TerminalExit = { code: null, signal: null };
  private ended = false;
  /** On the shared connection's emitter: must go when this shell goes, or every closed tab leaks one. */
  private readonly leaseSub: Disposable;

  private constructor(
    private readonly channel: ClientChannel,
    private readonly lease: ConnectionLease,
  ) {
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    channel.on('data', (d: Buffer) => this.dataEmitter.fire(out.write(d)));
    channel.stderr.on('data', (d: Buffer) => this.dataEmitter.fire(err.write(d)));
    channel.on('exit', (code: number | null, signal?: string) => {
      this.exit = { code: code ?? null, signal: signal ?? null };
    });
    channel.on('close', () => this.end());
    this.leaseSub = lease.onDidChangeState((s) => {
      if (s.kind !== 'ready' && s.kind !== 'connecting') this.end();
    });
  }

  /** The login shell, or `command` (an argv) in a pty instead of it. */
  static async open(lease: ConnectionLease, size: { cols: number; rows: number }, signal?: AbortSignal, command?: readonly string[]): Promise<SshShellSource> {
    try {
      const conn = await lease.whenReady(signal);
      const pty = { term: 'xterm-256color', cols: size.cols, rows: size.rows };
      const channel = command && command.length > 0 ? await conn.execPty([...command], pty) : await conn.shell(pty);
      return new SshShellSource(channel, lease);
    } catch (err) {
      lease.dispose();
      throw err;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.exitEmitter.fire(this.exit);
  }

  write(data: string): void {
    if (!this.ended) this.channel.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.channel.setWindow(rows, cols, 0, 0);
  }

  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  dispose(): void {
    if (!this.ended) this.channel.close();
    this.leaseSub.dispose();
    this.lease.dispose();
    this.dataEmitter.dispose();
    this.exitEmitter.dispose();
  }
}
