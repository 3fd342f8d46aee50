import type { Clock } from '@contract/clock';
import type { Disposable } from '@contract/lifecycle';

/** The cursor blinks again this long after the last key or output. */
export const BLINK_RESUME_MS = 1000;
/** ... and stops blinking (stays steady) this long after it, until the next key or output. */
export const BLINK_STOP_MS = 15_000;

/**
 * When the cursor blinks. A blinking cursor is a CSS animation in xterm.js's DOM renderer, and
 * while any animation runs Chromium draws a frame every vsync and holds incoming WebSocket
 * messages until that frame is done: each echo then waits up to a frame (measured: key to echo
 * p50 2.6 ms in a still page, 11.3 ms with one step-end animation running). So, as kitty and
 * most native terminals do, the cursor is steady while keys or output come, blinks again
 * `resumeMs` after the last of them, and stops blinking `stopMs` after it (an idle window draws
 * no frames at all).
 */
export class CursorBlinkPolicy implements Disposable {
  private blinking = false;
  private lastActivity: number;
  private timer: Disposable | undefined;
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    private readonly setBlink: (on: boolean) => void,
    private readonly resumeMs = BLINK_RESUME_MS,
    private readonly stopMs = BLINK_STOP_MS,
  ) {
    this.lastActivity = clock.now();
    setBlink(false);
    this.arm(resumeMs);
  }

  /** A key was typed or output arrived: steady now, blinking again after a quiet `resumeMs`. */
  activity(): void {
    if (this.disposed) return;
    this.lastActivity = this.clock.now();
    if (this.blinking) {
      this.blinking = false;
      this.setBlink(false);
      // The armed timer is the stop one, far off: blinking resumes after this quiet second.
      this.timer?.dispose();
      this.timer = undefined;
    }
    if (!this.timer) this.arm(this.resumeMs);
  }

  get isBlinking(): boolean {
    return this.blinking;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.disposed) return;
    const idle = this.clock.now() - this.lastActivity;
    if (idle < this.resumeMs) {
      this.arm(this.resumeMs - idle);
    } else if (idle < this.stopMs) {
      if (!this.blinking) {
        this.blinking = true;
        this.setBlink(true);
      }
      this.arm(this.stopMs - idle);
    } else if (this.blinking) {
      this.blinking = false;
      this.setBlink(false);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.timer?.dispose();
    this.timer = undefined;
  }
}
