import { Emitter } from '../../main/contract/lifecycle';
import type { ScreenRequest, TerminalScreen } from '../../renderer/src/features/terminal/terminal-screen';
import type { TerminalPrefs } from '../../renderer/src/features/terminal/terminal-view';

/**
 * A TerminalScreen without xterm.js: records what is written and noted, parses at once (or holds
 * the writes until parse() when `autoParse` is off, like an emulator that is behind), and lets
 * the test type, resize and press keys.
 */
export class FakeTerminalScreen implements TerminalScreen {
  readonly written: string[] = [];
  readonly notes: { text: string; tone: 'info' | 'error' }[] = [];
  readonly appliedPrefs: TerminalPrefs[] = [];
  size = { cols: 80, rows: 24 };
  autoParse = true;
  disposed = false;
  private readonly held: { data: string; parsed: () => void }[] = [];
  private readonly inputEmitter = new Emitter<string>();
  private readonly resizeEmitter = new Emitter<{ cols: number; rows: number }>();
  private readonly parseEmitter = new Emitter<string>();
  private readonly requestEmitter = new Emitter<ScreenRequest>();
  readonly onInput = this.inputEmitter.event;
  readonly onResize = this.resizeEmitter.event;
  readonly onDidParse = this.parseEmitter.event;
  readonly onDidRequest = this.requestEmitter.event;

  constructor(
    readonly key: string,
    readonly initialPrefs: TerminalPrefs,
  ) {}

  write(data: string, parsed: () => void): void {
    this.written.push(data);
    if (this.autoParse) this.finish({ data, parsed });
    else this.held.push({ data, parsed });
  }

  /** Parses what was held back; returns how many characters. */
  parse(): number {
    let chars = 0;
    for (const w of this.held.splice(0)) {
      chars += w.data.length;
      this.finish(w);
    }
    return chars;
  }

  note(text: string, tone: 'info' | 'error'): void {
    this.notes.push({ text, tone });
  }

  applyPrefs(prefs: TerminalPrefs): void {
    this.appliedPrefs.push(prefs);
  }

  transcript(): string {
    return this.written.join('');
  }

  type(data: string): void {
    this.inputEmitter.fire(data);
  }

  fit(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.resizeEmitter.fire({ cols, rows });
  }

  press(request: ScreenRequest): void {
    this.requestEmitter.fire(request);
  }

  dispose(): void {
    this.disposed = true;
    this.inputEmitter.dispose();
    this.resizeEmitter.dispose();
    this.parseEmitter.dispose();
    this.requestEmitter.dispose();
  }

  private finish(w: { data: string; parsed: () => void }): void {
    w.parsed();
    this.parseEmitter.fire(w.data);
  }
}
