import type { Disposable, Event } from '../contract/lifecycle';
import type { TerminalBusy } from '../contract/terminal';

export interface TerminalExit {
  code: number | null;
  signal: string | null;
}

/** A pausable terminal byte source: a local pty or an SSH shell channel. */
export interface TerminalSource extends Disposable {
  readonly pid: number | undefined;
  readonly onData: Event<string>;
  /** Fires once when the process or channel has ended. */
  readonly onExit: Event<TerminalExit>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Whether a program other than the shell runs in the foreground (see each source for how); 'unknown' without it. */
  foreground?(): Promise<TerminalBusy>;
}
