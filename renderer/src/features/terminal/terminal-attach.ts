import { systemClock, type Clock } from '@contract/clock';
import { AppError } from '@contract/errors';
import type { AppApi } from '@contract/index';
import type { Disposable } from '@contract/lifecycle';
import type { TerminalOutput, TerminalSession, TerminalTarget } from '@contract/terminal';
import type { TerminalScreen } from './terminal-screen';
import { clamp } from './terminal-view';

/**
 * One tab's link to its session on the service: open, attach to the output, write it to the
 * screen, acknowledge what the screen parsed, send input and resizes, close. A reconnect is a new
 * session in the same attachment; events of an older session are ignored.
 *
 * When the link to the services drops, the output subscription survives it: the reconnecting
 * connection (api/reconnecting-connection.ts) attaches it again, and the service then sends the
 * session's state and what waited meanwhile. A session that ended meanwhile ends the stream with
 * an error, which ends the tab.
 */

/** Acknowledge parsed output at least this often… */
export const ACK_INTERVAL_MS = 16;
/** …or as soon as this many characters have been parsed. */
export const ACK_BATCH_CHARS = 32 * 1024;
/** Input is sent in pieces no larger than this (a big paste). */
export const INPUT_CHUNK_CHARS = 64 * 1024;

export type TerminalApi = Pick<AppApi['terminal'], 'open' | 'close' | 'output' | 'input' | 'resize' | 'ack'> & Partial<Pick<AppApi['terminal'], 'replay'>>;

/** Who opens a session (the page's client id) and the tab's name, both kept by the service. */
export interface OpenExtras {
  readonly owner?: string | undefined;
  readonly label?: string | undefined;
}

/**
 * Flow control, page side: characters are acknowledged only once the screen has parsed them,
 * batched (every ACK_INTERVAL_MS, or at ACK_BATCH_CHARS), so the service pauses the source while
 * the page is behind. Parsed characters of another session first flush those of the previous one.
 */
export class AckBatcher implements Disposable {
  private id: string | null = null;
  private chars = 0;
  private timer: Disposable | null = null;

  constructor(
    private readonly send: (id: string, chars: number) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Characters parsed but not acknowledged yet. */
  get pendingChars(): number {
    return this.chars;
  }

  parsed(id: string, chars: number): void {
    if (this.id !== id) {
      this.flush();
      this.id = id;
    }
    this.chars += chars;
    if (this.chars >= ACK_BATCH_CHARS) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), ACK_INTERVAL_MS);
  }

  flush(): void {
    this.timer?.dispose();
    this.timer = null;
    const id = this.id;
    const chars = this.chars;
    this.chars = 0;
    if (!id || chars === 0) return;
    this.send(id, chars);
  }

  dispose(): void {
    this.flush();
  }
}

/** What an attachment tells its tab, and asks of it. */
export interface AttachHost {
  /** A new session is being opened. */
  connecting(): void;
  opened(info: TerminalSession): void;
  /** A title or state event of the current session. */
  event(e: Exclude<TerminalOutput, { kind: 'data' }>): void;
  /** The session could not be opened; CANCELLED when cancelOpen stopped it. */
  openFailed(error: AppError): void;
  /** The output stream ended: the session is over (err when it ended by an error). */
  streamEnded(err: AppError | undefined): void;
  /** Something the user must see. */
  report(err: unknown, action: 'openTerminal' | 'closeTerminal'): void;
  /** Input and resizes go to a running session only. */
  isRunning(): boolean;
}

export class TerminalAttachment implements Disposable {
  private id: string | null = null;
  /** Bumped by every (re)connect and detach; events of an older session are ignored. */
  private generation = 0;
  private output: Disposable | null = null;
  private opening: AbortController | null = null;
  private readonly acks: AckBatcher;

  constructor(
    private readonly api: TerminalApi,
    readonly screen: TerminalScreen,
    private readonly host: AttachHost,
    clock: Clock = systemClock,
  ) {
    this.acks = new AckBatcher((id, chars) => {
      try {
        api.ack({ id, chars });
      } catch {
        /* link down: the service forgets unacknowledged output when the page attaches again */
      }
    }, clock);
  }

  /** The current session's id, once opened. */
  get sessionId(): string | null {
    return this.id;
  }

  get isOpening(): boolean {
    return this.opening !== null;
  }

  /** Opens a session on target at the screen's size and attaches to its output. */
  async connect(target: TerminalTarget, extras: OpenExtras = {}): Promise<void> {
    const gen = ++this.generation;
    const ctrl = new AbortController();
    this.opening = ctrl;
    this.host.connecting();
    const { cols, rows } = this.screen.size;
    let info: TerminalSession;
    try {
      info = await this.api.open(
        { target, cols, rows, ...(extras.owner ? { owner: extras.owner } : {}), ...(extras.label ? { label: extras.label } : {}) },
        { signal: ctrl.signal },
      );
    } catch (err) {
      if (this.generation !== gen) return;
      this.opening = null;
      const e = AppError.from(err);
      this.host.openFailed(ctrl.signal.aborted ? new AppError('CANCELLED', 'cancelled: the terminal was not opened') : e);
      if (!ctrl.signal.aborted) this.host.report(e, 'openTerminal');
      return;
    }
    if (this.opening === ctrl) this.opening = null;
    if (this.generation !== gen) {
      // Closed or superseded while it opened: end the session nobody will look at.
      void this.api.close({ id: info.id }).catch(() => undefined);
      return;
    }
    this.id = info.id;
    this.host.opened(info);
    this.follow(info.id, gen, cols, rows);
  }

  /**
   * Attaches to a session that already runs (a page that reloaded): writes its recent output
   * (the service's replay buffer), then follows its output from there on.
   */
  async reattach(info: TerminalSession, owner?: string): Promise<void> {
    const gen = ++this.generation;
    this.host.connecting();
    let replay: { data: string; truncated: boolean } = { data: '', truncated: false };
    try {
      if (this.api.replay) replay = await this.api.replay({ id: info.id, ...(owner ? { owner } : {}) });
    } catch (err) {
      if (this.generation !== gen) return;
      this.host.openFailed(AppError.from(err));
      return;
    }
    if (this.generation !== gen) return;
    this.id = info.id;
    this.host.opened(info);
    if (replay.data) this.screen.write(replay.data, () => undefined);
    this.follow(info.id, gen, info.cols, info.rows);
  }

  private follow(id: string, gen: number, cols: number, rows: number): void {
    this.output = this.api.output(
      { id },
      {
        next: (e) => {
          if (this.generation !== gen) return;
          if (e.kind === 'data') this.screen.write(e.data, () => this.acks.parsed(id, e.data.length));
          else this.host.event(e);
        },
        end: (err) => {
          if (this.generation !== gen) return;
          this.output = null;
          this.host.streamEnded(err);
        },
      },
    );
    const size = this.screen.size;
    if (size.cols !== cols || size.rows !== rows) this.resize(size.cols, size.rows);
  }

  /** Gives up waiting for a session that is still opening. */
  cancelOpen(): void {
    this.opening?.abort();
  }

  /** Sends what the user typed, in pieces of INPUT_CHUNK_CHARS; throws when the link is down. */
  input(data: string): void {
    const id = this.id;
    if (!id || !this.host.isRunning()) return;
    for (let i = 0; i < data.length; i += INPUT_CHUNK_CHARS) this.api.input({ id, data: data.slice(i, i + INPUT_CHUNK_CHARS) });
  }

  resize(cols: number, rows: number): void {
    const id = this.id;
    if (!id || !this.host.isRunning()) return;
    try {
      this.api.resize({ id, cols: clamp(cols, 2, 1000), rows: clamp(rows, 1, 500) });
    } catch {
      /* link down: the next fit after reconnecting sends the size again */
    }
  }

  /** Leaves the current session (stops opening it, detaches, acknowledges, closes it on the service). */
  detach(): void {
    this.generation++;
    this.opening?.abort();
    this.opening = null;
    this.output?.dispose();
    this.output = null;
    this.acks.flush();
    const id = this.id;
    this.id = null;
    if (id) {
      this.api.close({ id }).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'NOT_FOUND')) this.host.report(err, 'closeTerminal');
      });
    }
  }

  dispose(): void {
    this.detach();
  }
}
