import { systemClock, type Clock } from '../contract/clock';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { TerminalBusy, TerminalOutput, TerminalSession as SessionInfo } from '../contract/terminal';
import { ReplayBuffer } from './replay-buffer';
import type { TerminalSource } from './terminal-source';

export interface FlowControl {
  /** Pause the source above this many characters sent but not yet acknowledged. */
  highWatermarkChars: number;
  /** Resume it below this many. */
  lowWatermarkChars: number;
  /**
   * Output that follows other output within this long is gathered into one frame; output after a
   * quiet line (nothing sent for this long: an echo, a prompt) goes at once.
   */
  batchMs: number;
  /** A frame never carries more than this. */
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

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/**
 * One terminal: batches the source's output, tracks what the renderer has not acknowledged yet
 * and pauses the source above the high watermark, so nothing is dropped and no queue grows
 * without bound. Output waits (bounded the same way) while nobody is attached.
 */
export class TerminalSession implements Disposable {
  private pending: string[] = [];
  private pendingChars = 0;
  private unacked = 0;
  private paused = false;
  private timer: Disposable | undefined;
  /** When output was last sent (clock ms); a quiet line sends new output at once. */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly outEmitter = new Emitter<TerminalOutput>();
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

  private onData(data: string): void {
    if (!data) return;
    if (data.includes('\x1b]')) {
      for (const m of data.matchAll(TITLE_RE)) {
        this.info = { ...this.info, title: m[1]! };
        this.outEmitter.fire({ kind: 'title', title: m[1]! });
        this.infoEmitter.fire(this.info);
      }
    }
    this.pending.push(data);
    this.pendingChars += data.length;
    this.unacked += data.length;
    this.checkPause();
    if (!this.attached) return;
    if (this.pendingChars >= this.flow.maxFrameChars) this.flush();
    else if (!this.timer) {
      const quietFor = this.clock.now() - this.lastSentAt;
      if (quietFor >= this.flow.batchMs) this.flush();
      else this.timer = this.clock.setTimeout(() => this.flush(), this.flow.batchMs - quietFor);
    }
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
    if (!this.attached || this.pendingChars === 0) return;
    const all = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.replay.append(all);
    this.lastSentAt = this.clock.now();
    const max = this.flow.maxFrameChars;
    if (all.length <= max) {
      this.outEmitter.fire({ kind: 'data', data: all });
      return;
    }
    for (let i = 0; i < all.length; ) {
      let end = Math.min(all.length, i + max);
      // Never between the halves of a surrogate pair: each frame is valid UTF-16 (and UTF-8).
      if (end < all.length && end - i > 1 && isHighSurrogate(all.charCodeAt(end - 1))) end--;
      this.outEmitter.fire({ kind: 'data', data: all.slice(i, end) });
      i = end;
    }
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
  attach(listener: (e: TerminalOutput) => void): Disposable {
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
