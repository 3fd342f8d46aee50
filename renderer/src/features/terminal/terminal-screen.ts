import type { Disposable, Event } from '@contract/lifecycle';
import type { TerminalPrefs } from './terminal-view';

/**
 * The screen of one tab (xterm.js in the page, see features/terminal/xterm-screen.ts). The store
 * owns the session behind it: what the session prints goes to write(), what the user types comes
 * back through onInput.
 */
export interface TerminalScreen extends Disposable {
  /** Parses output; `parsed` runs once the emulator has parsed it (that is when it is acknowledged). */
  write(data: string, parsed: () => void): void;
  /** A line from Drover itself (session ended, reconnected), dimmed, in the scrollback. */
  note(text: string, tone: 'info' | 'error'): void;
  /** The current grid size (80×24 until the screen has been laid out). */
  readonly size: { readonly cols: number; readonly rows: number };
  readonly onInput: Event<string>;
  readonly onResize: Event<{ cols: number; rows: number }>;
  /** Fired after each write() has been parsed, with its data (test hook and benchmark). */
  readonly onDidParse: Event<string>;
  /** Keys the screen does not handle itself (font size) become requests to the store. */
  readonly onDidRequest: Event<ScreenRequest>;
  applyPrefs(prefs: TerminalPrefs): void;
  /** The whole scrollback and screen as text, trailing blanks trimmed. */
  transcript(): string;
}

export type ScreenRequest =
  | { kind: 'fontSize'; delta: number }
  | { kind: 'fontSizeReset' }
  | { kind: 'toggleBroadcast' }
  | { kind: 'rename' }
  | { kind: 'duplicate' }
  | { kind: 'moveTab' }
  | { kind: 'otherPane' }
  | { kind: 'find' }
  | { kind: 'pasteFallback' }
  | { kind: 'copied'; chars: number; source: 'key' | 'select' }
  | { kind: 'copyFailed'; source: 'key' | 'select' };

export type ScreenFactory = (init: { key: string; prefs: TerminalPrefs }) => TerminalScreen;
