import os from 'node:os';
import path from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { systemClock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter } from '../contract/lifecycle';
import type { TerminalExit, TerminalSource } from './terminal-source';

const LOGIN_SHELLS = new Set(['bash', 'zsh', 'sh', 'dash', 'fish', 'ksh', 'mksh', 'tcsh', 'csh']);

/** The user's login shell: $SHELL, then the passwd entry, then /bin/sh. */
export function loginShell(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHELL && path.isAbsolute(env.SHELL)) return env.SHELL;
  try {
    const shell = os.userInfo().shell;
    if (shell) return shell;
  } catch {}
  return process.platform === 'win32' ? 'powershell.exe' : '/bin/sh';
}

/** What a terminal's shell sees: the user's environment, TERM for xterm.js, none of Drover's own. */
export function terminalEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith('DROVER_') || k.startsWith('ELECTRON_') || k === 'NODE_OPTIONS' || k.startsWith('npm_') || k.startsWith('VITEST')) continue;
    out[k] = v;
  }
  out.TERM = 'xterm-256color';
  out.COLORTERM = 'truecolor';
  return out;
}

/** A local login shell through node-pty. */
export class LocalPtySource implements TerminalSource {
  private readonly pty: IPty;
  private readonly dataEmitter = new Emitter<string>();
  private readonly exitEmitter = new Emitter<TerminalExit>();
  readonly onData = this.dataEmitter.event;
  readonly onExit = this.exitEmitter.event;
  private exited = false;

  constructor(opts: { cols: number; rows: number; cwd?: string; env?: NodeJS.ProcessEnv; shell?: string; args?: string[] }) {
    const env = opts.env ?? process.env;
    const shell = opts.shell ?? loginShell(env);
    const args = opts.args ?? (LOGIN_SHELLS.has(path.basename(shell)) ? ['-l'] : []);
    const cwd = opts.cwd ?? os.homedir();
    try {
      this.pty = spawn(shell, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, cwd, env: terminalEnv(env) });
    } catch (err) {
      throw new AppError('UNAVAILABLE', `cannot start ${shell}: ${(err as Error).message}`, { hint: 'Check that the shell exists and the working folder is readable.' });
    }
    this.pty.onData((d) => this.dataEmitter.fire(d));
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      this.exitEmitter.fire({ code: exitCode, signal: signal ? (os.constants.signals && Object.entries(os.constants.signals).find(([, n]) => n === signal)?.[0]) ?? String(signal) : null });
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  write(data: string): void {
    if (!this.exited) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.pty.resize(cols, rows);
  }

  pause(): void {
    this.pty.pause();
  }

  resume(): void {
    this.pty.resume();
  }

  dispose(): void {
    if (!this.exited) {
      try {
        this.pty.kill('SIGHUP');
      } catch {}
      // A shell that ignores SIGHUP is killed for good shortly after.
      const pid = this.pty.pid;
      systemClock.setTimeout(() => {
        try {
          if (!this.exited) process.kill(pid, 'SIGKILL');
        } catch {}
      }, 2000, { background: true });
    }
    this.dataEmitter.dispose();
  }
}
