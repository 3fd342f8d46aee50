import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { systemClock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter } from '../contract/lifecycle';
import type { TerminalBusy } from '../contract/terminal';
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
  private readonly dataEmitter = new Emitter<Uint8Array>();
  private readonly exitEmitter = new Emitter<TerminalExit>();
  readonly onData = this.dataEmitter.event;
  readonly onExit = this.exitEmitter.event;
  private exited = false;
  private readonly shellName: string;

  constructor(opts: { cols: number; rows: number; cwd?: string; env?: NodeJS.ProcessEnv; shell?: string; args?: string[] }) {
    const env = opts.env ?? process.env;
    const shell = opts.shell ?? loginShell(env);
    const args = opts.args ?? (LOGIN_SHELLS.has(path.basename(shell)) ? ['-l'] : []);
    const cwd = opts.cwd ?? os.homedir();
    this.shellName = path.basename(shell);
    try {
      // encoding null: the pty's bytes as Buffers, passed on to the frames undecoded.
      this.pty = spawn(shell, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, cwd, env: terminalEnv(env), encoding: null });
    } catch (err) {
      throw new AppError('UNAVAILABLE', `cannot start ${shell}: ${(err as Error).message}`, { hint: 'Check that the shell exists and the working folder is readable.' });
    }
    this.pty.onData((d) => this.dataEmitter.fire(d as unknown as Uint8Array));
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

  /**
   * Linux: the terminal's foreground process group (tpgid in /proc/<shell>/stat) against the
   * shell's own group; the shell leads its session, so they differ exactly while a job runs in the
   * foreground. Elsewhere: node-pty's name of the foreground process against the shell's name.
   */
  async foreground(): Promise<TerminalBusy> {
    if (this.exited) return { busy: 'no', how: 'exited' };
    if (process.platform === 'linux') {
      try {
        const fg = parseProcStat(await fs.readFile(`/proc/${this.pty.pid}/stat`, 'utf8'));
        if (fg) {
          if (fg.tpgid === fg.pgrp || fg.tpgid <= 0) return { busy: 'no', how: 'tpgid' };
          const comm = (await fs.readFile(`/proc/${fg.tpgid}/comm`, 'utf8').catch(() => '')).trim();
          return { busy: 'yes', ...(comm ? { process: comm } : {}), how: 'tpgid' };
        }
      } catch {
        /* fall back to node-pty's process name */
      }
    }
    try {
      const name = this.pty.process;
      if (!name) return { busy: 'unknown', how: 'pty.process' };
      return path.basename(name) === this.shellName ? { busy: 'no', how: 'pty.process' } : { busy: 'yes', process: path.basename(name), how: 'pty.process' };
    } catch {
      return { busy: 'unknown', how: 'pty.process' };
    }
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

/** pgrp and tpgid of a /proc/<pid>/stat line (the command name in parentheses may hold spaces). */
export function parseProcStat(stat: string): { pgrp: number; session: number; tpgid: number } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(' ');
  // state ppid pgrp session tty_nr tpgid …
  const pgrp = Number(f[2]);
  const session = Number(f[3]);
  const tpgid = Number(f[5]);
  if (!Number.isInteger(pgrp) || !Number.isInteger(tpgid)) return null;
  return { pgrp, session, tpgid };
}
