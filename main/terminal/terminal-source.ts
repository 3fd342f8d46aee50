import type { Disposable, Event } from '../contract/lifecycle';
import type { TerminalBusy } from '../contract/terminal';

export interface TerminalExit {
  code: number | null;
  signal: string | null;
}

/** A pausable terminal byte source: a local pty or an SSH shell channel. */
export interface TerminalSource extends Disposable {
  readonly pid: number | undefined;
  /**
   * Output as text, or as bytes of UTF-8 (one byte stream: a sequence may be split between two
   * reads, the session joins it again).
   */
  readonly onData: Event<string | Uint8Array>;
  /** Fires once when the process or channel has ended. */
  readonly onExit: Event<TerminalExit>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Whether a program other than the shell runs in the foreground (see each source for how); 'unknown' without it. */
  foreground?(): Promise<TerminalBusy>;
}
