import { systemClock, type Clock } from '../contract/clock';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { TerminalBusy, TerminalOutput, TerminalSession as SessionInfo } from '../contract/terminal';
import { ReplayBuffer } from './replay-buffer';
import type { TerminalSource } from './terminal-source';
import { utf8Text } from '../contract/frames';
import { completeUtf8Length, utf16Length, utf8CutAt } from './utf8-chunks';

export interface FlowControl {
  /**
   * Pause the source above this many characters sent but not yet acknowledged (UTF-16 code
   * units of the decoded text: what the renderer counts when it acknowledges).
   */
  highWatermarkChars: number;
  /** Resume it below this many. */
  lowWatermarkChars: number;
  /**
   * Output that follows other output within this long is gathered into one frame; output after a
   * quiet line (nothing sent for this long: an echo, a prompt) goes at once.
   */
  batchMs: number;
  /** A frame never carries more than this many bytes of UTF-8 text (so never more characters either). */
  maxFrameChars: number;
}

/** Recent output kept per session for a page that attaches again (characters; 0 keeps none). */
export const DEFAULT_REPLAY_CHARS = 256 * 1024;

/**
 * A 2 MiB window in 256 KiB frames, resumed at half: the pipe never runs dry while the renderer
 * acknowledges (every 16 ms or 32 KiB parsed), and 2 MiB + one read is all a session ever holds.
 * (The old 256 KiB window, resumed at 32 KiB, capped a page at about 256 KiB per ack interval.)
 */
export const DEFAULT_FLOW: FlowControl = { highWatermarkChars: 2 * 1024 * 1024, lowWatermarkChars: 1024 * 1024, batchMs: 4, maxFrameChars: 256 * 1024 };

// OSC 0 / OSC 2: set window title, ended by BEL or ST.
// eslint-disable-next-line no-control-regex -- escape sequences are control characters
const TITLE_RE = /\x1b\][02];([^\x07\x1b]{0,512})(?:\x07|\x1b\\)/g;

const OSC = Buffer.from('\x1b]', 'latin1');

/**
 * One frame of output as the session sends it: whole UTF-8 sequences in one or more chunks (the
 * source's own buffers, not copied), their total size, and the length of their text in UTF-16
 * code units (the unit of acknowledgements). `data` decodes them, for listeners that want text;
 * the terminal service hands the chunks to the binary frame as they are.
 */
export class SessionData {
  readonly kind = 'data';
  private text: string | undefined;
  constructor(
    readonly chunks: readonly Uint8Array[],
    readonly bytes: number,
    readonly chars: number,
  ) {}
  get data(): string {
    return (this.text ??= utf8Text(this.chunks));
  }
}

/** What a session's listeners get: title and state as in the contract, data as bytes (SessionData). */
export type SessionOutput = Exclude<TerminalOutput, { kind: 'data' }> | SessionData;

/**
 * One terminal: batches the source's output, tracks what the renderer has not acknowledged yet
 * and pauses the source above the high watermark, so nothing is dropped and no queue grows
 * without bound. Output waits (bounded the same way) while nobody is attached.
 */
export class TerminalSession implements Disposable {
  /** Whole UTF-8 sequences not sent yet, each at most maxFrameChars bytes, with their UTF-16 lengths. */
  private pending: Uint8Array[] = [];
  private pendingLens: number[] = [];
  private pendingBytes = 0;
  private pendingChars = 0;
  /** An incomplete UTF-8 sequence at the end of the last byte read, completed by the next. */
  private carry: Uint8Array | undefined;
  private unacked = 0;
  private paused = false;
  private timer: Disposable | undefined;
  /** When output was last sent (clock ms); a quiet line sends new output at once. */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly outEmitter = new Emitter<SessionOutput>();
  private attached = 0;
  private readonly disposables: Disposable[] = [];
  /** What was sent to pages, bounded: with what is still pending, the recent output. */
  private readonly replay: ReplayBuffer;
  private readonly infoEmitter = new Emitter<SessionInfo>();
  /** Title, state, size or label changed (the live session list). */
  readonly onDidChangeInfo = this.infoEmitter.event;
  info: SessionInfo;

  constructor(
    info: SessionInfo,
    private readonly source: TerminalSource,
    private readonly flow: FlowControl = DEFAULT_FLOW,
    private readonly clock: Clock = systemClock,
    replayChars: number = DEFAULT_REPLAY_CHARS,
  ) {
    this.replay = new ReplayBuffer(replayChars);
    this.info = { ...info, state: 'running', ...(source.pid !== undefined ? { pid: source.pid } : {}) };
    this.disposables.push(source.onData((d) => this.onData(d)));
    this.disposables.push(
      source.onExit((e) => {
        // An incomplete sequence the source ended with goes as it is (the renderer shows U+FFFD).
        if (this.carry) this.push(this.carry, utf16Length(this.carry));
        this.carry = undefined;
        this.flush();
        this.info = { ...this.info, state: 'exited', exitCode: e.code, exitSignal: e.signal };
        this.outEmitter.fire({ kind: 'state', session: this.info });
        this.infoEmitter.fire(this.info);
      }),
    );
  }

  get unackedChars(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onData(data: string | Uint8Array): void {
    let bytes: Uint8Array;
    let chars: number | undefined;
    let text: string | undefined;
    if (typeof data === 'string') {
      if (!data) return;
      text = data;
      chars = data.length;
      bytes = Buffer.from(data, 'utf8');
    } else {
      bytes = this.carry ? Buffer.concat([this.carry, data]) : data;
      this.carry = undefined;
      const whole = completeUtf8Length(bytes);
      if (whole < bytes.length) {
        this.carry = Uint8Array.prototype.slice.call(bytes, whole);
        bytes = bytes.subarray(0, whole);
      }
      if (!bytes.length) return;
    }
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(OSC)) {
      text ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      chars ??= text.length;
      for (const m of text.matchAll(TITLE_RE)) {
        this.info = { ...this.info, title: m[1]! };
        this.outEmitter.fire({ kind: 'title', title: m[1]! });
        this.infoEmitter.fire(this.info);
      }
    }
    const max = this.flow.maxFrameChars;
    if (bytes.length <= max) this.push(bytes, chars ?? utf16Length(bytes));
    else
      for (let i = 0; i < bytes.length; ) {
        const end = i + utf8CutAt(bytes.subarray(i), max);
        const piece = bytes.subarray(i, end);
        this.push(piece, utf16Length(piece));
        i = end;
      }
    this.checkPause();
    if (!this.attached) return;
    if (this.pendingBytes >= max) this.flush();
    else if (!this.timer) {
      const quietFor = this.clock.now() - this.lastSentAt;
      if (quietFor >= this.flow.batchMs) this.flush();
      else this.timer = this.clock.setTimeout(() => this.flush(), this.flow.batchMs - quietFor);
    }
  }

  private push(bytes: Uint8Array, chars: number): void {
    this.pending.push(bytes);
    this.pendingLens.push(chars);
    this.pendingBytes += bytes.length;
    this.pendingChars += chars;
    this.unacked += chars;
  }

  private checkPause(): void {
    if (!this.paused && this.unacked > this.flow.highWatermarkChars) {
      this.paused = true;
      this.source.pause();
    }
  }

  private flush(): void {
    if (this.timer) {
      this.timer.dispose();
      this.timer = undefined;
    }
    if (!this.attached || this.pendingBytes === 0) return;
    const pending = this.pending;
    const lens = this.pendingLens;
    this.pending = [];
    this.pendingLens = [];
    this.pendingBytes = 0;
    this.pendingChars = 0;
    this.lastSentAt = this.clock.now();
    // Frames of whole chunks (each chunk is whole UTF-8 sequences, at most max bytes).
    const max = this.flow.maxFrameChars;
    let from = 0;
    let bytes = 0;
    let chars = 0;
    for (let i = 0; i < pending.length; i++) {
      const b = pending[i]!.length;
      if (bytes + b > max && i > from) {
        this.send(pending.slice(from, i), bytes, chars);
        from = i;
        bytes = 0;
        chars = 0;
      }
      bytes += b;
      chars += lens[i]!;
    }
    this.send(from === 0 ? pending : pending.slice(from), bytes, chars);
  }

  private send(chunks: Uint8Array[], bytes: number, chars: number): void {
    for (const c of chunks) this.replay.append(c);
    this.outEmitter.fire(new SessionData(chunks, bytes, chars));
  }

  /** The renderer parsed this many characters. */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked < this.flow.lowWatermarkChars) {
      this.paused = false;
      this.source.resume();
    }
  }

  /** A renderer attaches: it gets the state, then what waited, then live output. */
  attach(listener: (e: SessionOutput) => void): Disposable {
    this.attached++;
    // What an earlier, vanished renderer never acknowledged is not owed any more; what is
    // still pending is sent now and counted again.
    this.unacked = this.pendingChars;
    const sub = this.outEmitter.event(listener);
    listener({ kind: 'state', session: this.info });
    this.flush();
    if (this.paused && this.unacked < this.flow.lowWatermarkChars) {
      this.paused = false;
      this.source.resume();
    }
    return {
      dispose: () => {
        sub.dispose();
        this.attached--;
      },
    };
  }

  get attachedCount(): number {
    return this.attached;
  }

  write(data: string): void {
    this.source.write(data);
  }

  resize(cols: number, rows: number): void {
    this.info = { ...this.info, cols, rows };
    this.source.resize(cols, rows);
    this.infoEmitter.fire(this.info);
  }

  /**
   * The recent output a page has not got yet in its new screen: what was sent before (bounded)
   * then what is pending. A page writes it, then attaches; attach() sends what is pending, so
   * the pending part is left out here (nothing twice, nothing missing).
   */
  replayText(): { data: string; truncated: boolean } {
    return { data: this.replay.text(), truncated: this.replay.truncated };
  }

  /** Changes what the session list shows (label, owner). */
  update(patch: Pick<Partial<SessionInfo>, 'label' | 'owner'>): void {
    const next = { ...this.info, ...patch };
    if (patch.label === '') delete next.label;
    this.info = next;
    this.infoEmitter.fire(this.info);
  }

  foreground(): Promise<TerminalBusy> {
    return this.source.foreground ? this.source.foreground() : Promise.resolve({ busy: 'unknown', how: 'the source cannot tell' });
  }

  dispose(): void {
    this.timer?.dispose();
    for (const d of this.disposables) d.dispose();
    this.source.dispose();
    this.outEmitter.dispose();
    this.infoEmitter.dispose();
    this.replay.clear();
  }
}
