import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { TerminalBusy } from '../contract/terminal';
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
    /** The tag in the shell's environment (LC_DROVER_TAB), or null for a command session. */
    private readonly tag: string | null,
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

  /**
   * The login shell, or `command` (an argv) in a pty instead of it. `tag` (the session id) is
   * asked for as LC_DROVER_TAB in the shell's environment, to find the shell again (foreground()).
   */
  static async open(lease: ConnectionLease, size: { cols: number; rows: number }, signal?: AbortSignal, command?: readonly string[], tag?: string): Promise<SshShellSource> {
    try {
      const conn = await lease.whenReady(signal);
      const pty = { term: 'xterm-256color', cols: size.cols, rows: size.rows };
      const isCommand = !!command && command.length > 0;
      const safeTag = tag && /^[A-Za-z0-9-]{1,64}$/.test(tag) ? tag : null;
      const channel = isCommand ? await conn.execPty([...command], pty) : await conn.shell(pty, safeTag ? { [TAG_VAR]: safeTag } : undefined);
      return new SshShellSource(channel, lease, isCommand ? null : safeTag);
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

  /**
   * SSH has no "foreground process" message, so Drover asks the host over a second channel of the
   * same connection: it finds the shell by LC_DROVER_TAB in /proc/<pid>/environ (the session leader
   * carrying it) and compares the terminal's foreground group (tpgid) with the shell's group. This
   * needs a Linux host whose sshd accepts LC_* variables (AcceptEnv LANG LC_*, Debian's and
   * Ubuntu's default); otherwise the answer is "unknown". A command session (virsh console) is a
   * foreground program by definition.
   */
  async foreground(): Promise<TerminalBusy> {
    if (this.ended) return { busy: 'no', how: 'exited' };
    if (!this.tag) return { busy: 'yes', how: 'command session' };
    try {
      const conn = await this.lease.whenReady(AbortSignal.timeout(3000));
      const res = await conn.exec(['sh', '-c', FOREGROUND_SCRIPT, 'drover-fg', `${TAG_VAR}=${this.tag}`], { signal: AbortSignal.timeout(5000), maxOutputBytes: 64 * 1024 });
      return parseForeground(res.stdout);
    } catch {
      return { busy: 'unknown', how: 'remote /proc probe failed' };
    }
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

const TAG_VAR = 'LC_DROVER_TAB';

/**
 * Run by `sh -c` on the host with $1 = "LC_DROVER_TAB=<id>": prints "fg <pgrp> <tpgid> <name>" for
 * the session leader whose environment has it (the login shell), or "none".
 */
const FOREGROUND_SCRIPT = `tag=$1
for d in /proc/[0-9]*; do
  tr '\\000' '\\n' < "$d/environ" 2>/dev/null | grep -qxF "$tag" || continue
  read -r st < "$d/stat" || continue
  set -- \${st##*)}
  if [ "\${d#/proc/}" = "$4" ]; then
    echo "fg $3 $6 $(cat "/proc/$6/comm" 2>/dev/null)"
    exit 0
  fi
done
echo none`;

export function parseForeground(stdout: string): TerminalBusy {
  const m = /^fg (\d+) (-?\d+) ?(.*)$/m.exec(stdout);
  if (!m) return { busy: 'unknown', how: 'remote /proc probe: shell not found (no AcceptEnv LC_*?)' };
  const pgrp = Number(m[1]);
  const tpgid = Number(m[2]);
  const name = m[3]!.trim();
  if (tpgid <= 0 || tpgid === pgrp) return { busy: 'no', how: 'remote tpgid' };
  return { busy: 'yes', ...(name ? { process: name } : {}), how: 'remote tpgid' };
}
