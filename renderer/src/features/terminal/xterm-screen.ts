import { systemClock } from '@contract/clock';
import { Emitter } from '@contract/lifecycle';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { FONT_MONO } from '../../app/theme-config';
import type { ResolvedTheme } from '../../stores/settings-store';
import { CursorBlinkPolicy } from './cursor-blink';
import type { ScreenFactory, ScreenRequest, TerminalPrefs, TerminalScreen } from './terminal-store';
import { minimumContrast, xtermTheme } from './xterm-theme';

export type RendererKind = 'dom' | 'webgl';

/**
 * Output goes to xterm.js in pieces of at most this many characters. xterm.js parses its queue in
 * slices of about 12 ms and yields to the page between them (key presses, drawing), but never
 * inside one write: a 256 KiB frame in one piece could hold a key press for 25 ms on a slow
 * machine, a 32 KiB piece for 3 ms. The price on a visible tab is drawing between the slices:
 * the benchmark's xterm_queue_parse_mbps (these pieces) against xterm_parse_mbps (1 MB writes
 * that draw nothing until parsed) shows it.
 */
const WRITE_PIECE_CHARS = 32 * 1024;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** After this many lost WebGL contexts in one page, the DOM renderer is used for good. */
const MAX_CONTEXT_LOSSES = 3;
let webglBroken = false;
let contextLosses = 0;
let softwareGl: boolean | undefined;

/**
 * Whether WebGL here is software rendering (SwiftShader, llvmpipe: no GPU, a VM, Chromium with
 * --disable-gpu). There the WebGL renderer burns far more CPU than the DOM renderer (measured in
 * headless Chromium: the GPU process at 100% of a core and output 4× slower), so "auto" avoids it.
 */
export function isSoftwareWebgl(): boolean {
  if (softwareGl !== undefined) return softwareGl;
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return (softwareGl = true);
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    softwareGl = /swiftshader|llvmpipe|softpipe|software|basic render|offscreen/i.test(name);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    softwareGl = true;
  }
  return softwareGl;
}

function wantsWebgl(prefs: TerminalPrefs): boolean {
  return prefs.renderer === 'webgl' || (prefs.renderer === 'auto' && !isSoftwareWebgl());
}

/** Writes text to the clipboard: the async clipboard API, else the old copy command; false if both are refused. */
export async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    /* refused (no permission, not focused): try the copy command */
  }
  const active = document.activeElement as HTMLElement | null;
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.top = '-1000px';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  active?.focus();
  return ok;
}

/**
 * One tab's xterm.js terminal: fit, search, web links and Unicode 11 widths always; the WebGL
 * renderer only while visible (the DOM renderer otherwise, and whenever WebGL fails or loses its
 * context). Its element is created once and moved into whichever container shows it, so the
 * terminal survives the page being left and entered again.
 */
export class XtermScreen implements TerminalScreen {
  readonly element: HTMLDivElement;
  readonly term: Terminal;
  readonly search = new SearchAddon({ highlightLimit: 2000 });
  private readonly fitAddon = new FitAddon();
  private webgl: WebglAddon | undefined;
  private opened = false;
  private visible = false;
  private prefs: TerminalPrefs;
  private mode: ResolvedTheme = 'dark';
  private disposed = false;
  private selectionTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly blink: CursorBlinkPolicy;
  /** Characters handed to xterm.js / parsed by it so far (test hook, benchmark). */
  writtenChars = 0;
  parsedChars = 0;
  /** Benchmark only (test hook): session output is counted and acknowledged but not given to xterm.js. */
  bypassEmulator = false;

  private readonly inputEmitter = new Emitter<string>();
  private readonly resizeEmitter = new Emitter<{ cols: number; rows: number }>();
  private readonly parseEmitter = new Emitter<string>();
  private readonly writeEmitter = new Emitter<string>();
  private readonly requestEmitter = new Emitter<ScreenRequest>();
  private readonly rendererEmitter = new Emitter<RendererKind>();
  readonly onInput = this.inputEmitter.event;
  readonly onResize = this.resizeEmitter.event;
  readonly onDidParse = this.parseEmitter.event;
  /** Session output as it arrives, before xterm.js parses it (test hook, benchmark). */
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidRequest = this.requestEmitter.event;
  readonly onDidChangeRenderer = this.rendererEmitter.event;

  constructor(init: { key: string; prefs: TerminalPrefs }) {
    this.prefs = init.prefs;
    this.element = document.createElement('div');
    this.element.className = 'drover-xterm';
    this.element.dataset.tab = init.key;
    this.term = new Terminal({
      allowProposedApi: true,
      fontFamily: FONT_MONO,
      fontSize: init.prefs.fontSize,
      scrollback: init.prefs.scrollback,
      // Steady while keys or output come, blinking when quiet (CursorBlinkPolicy).
      cursorBlink: false,
      cursorInactiveStyle: 'outline',
      theme: xtermTheme(this.mode),
      minimumContrastRatio: minimumContrast(this.mode),
      rightClickSelectsWord: true,
      macOptionIsMeta: true,
      // The overview ruler shows where search matches are in the scrollback.
      overviewRuler: { width: 10 },
    });
    this.term.loadAddon(this.fitAddon);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(
      new WebLinksAddon((event, uri) => {
        event.preventDefault();
        window.open(uri, '_blank', 'noopener,noreferrer');
      }),
    );
    this.blink = new CursorBlinkPolicy(systemClock, (on) => {
      if (!this.disposed) this.term.options.cursorBlink = on;
    });
    this.term.onData((d) => {
      this.blink.activity();
      this.inputEmitter.fire(d);
    });
    this.term.onBinary((d) => {
      this.blink.activity();
      this.inputEmitter.fire(d);
    });
    this.term.onResize((size) => this.resizeEmitter.fire(size));
    this.term.onSelectionChange(() => this.onSelectionChange());
    this.term.attachCustomKeyEventHandler((e) => this.onKey(e));
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  get renderer(): RendererKind {
    return this.webgl ? 'webgl' : 'dom';
  }

  write(data: string, parsed: () => void): void {
    this.writtenChars += data.length;
    this.blink.activity();
    if (this.writeEmitter.listenerCount) this.writeEmitter.fire(data);
    if (this.bypassEmulator) {
      this.parsedChars += data.length;
      parsed();
      if (this.parseEmitter.listenerCount) this.parseEmitter.fire(data);
      return;
    }
    for (let i = 0; i < data.length; ) {
      let end = Math.min(data.length, i + WRITE_PIECE_CHARS);
      if (end < data.length && end - i > 1 && isHighSurrogate(data.charCodeAt(end - 1))) end--;
      const piece = i === 0 && end === data.length ? data : data.slice(i, end);
      const last = end === data.length;
      this.term.write(piece, () => {
        this.parsedChars += piece.length;
        if (!last) return;
        parsed();
        if (this.parseEmitter.listenerCount) this.parseEmitter.fire(data);
      });
      i = end;
    }
  }

  note(text: string, tone: 'info' | 'error'): void {
    // Dim (or red) on a line of its own, whatever state the program left the terminal in.
    const color = tone === 'error' ? '\x1b[31m' : '\x1b[2m';
    this.term.write(`\x1b[0m\r\n${color}${text}\x1b[0m\r\n`);
  }

  applyPrefs(prefs: TerminalPrefs): void {
    const old = this.prefs;
    this.prefs = prefs;
    if (old.fontSize !== prefs.fontSize) this.term.options.fontSize = prefs.fontSize;
    if (old.scrollback !== prefs.scrollback) this.term.options.scrollback = prefs.scrollback;
    if (!wantsWebgl(prefs)) this.disableWebgl();
    else if (this.visible) this.enableWebgl();
    this.fit();
  }

  setTheme(mode: ResolvedTheme): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.term.options.theme = xtermTheme(mode);
    this.term.options.minimumContrastRatio = minimumContrast(mode);
  }

  /** Puts the terminal into `container` (it is opened the first time it is shown). */
  mount(container: HTMLElement): void {
    if (this.element.parentElement !== container) container.appendChild(this.element);
  }

  unmount(): void {
    this.setVisible(false);
    this.element.remove();
  }

  setVisible(visible: boolean): void {
    if (this.disposed) return;
    if (visible && !this.opened) {
      if (!this.element.isConnected) return;
      this.term.open(this.element);
      this.opened = true;
    }
    this.visible = visible;
    if (visible) {
      this.enableWebgl();
      this.fit();
    } else {
      this.disableWebgl();
    }
  }

  /** Fits the grid to the container; the resulting resize goes to the session. */
  fit(): void {
    if (!this.visible || !this.opened || this.disposed) return;
    const dims = this.fitAddon.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    if (dims.cols !== this.term.cols || dims.rows !== this.term.rows) this.fitAddon.fit();
  }

  focus(): void {
    if (this.opened) this.term.focus();
  }

  /** Opens the find bar of the view that shows this screen (as Ctrl+Shift+F does). */
  requestFind(): void {
    this.requestEmitter.fire({ kind: 'find' });
  }

  paste(text: string): void {
    if (text) this.term.paste(text);
  }

  async copySelection(source: 'key' | 'select'): Promise<void> {
    const text = this.term.getSelection();
    if (!text) return;
    const ok = await writeClipboard(text);
    if (source === 'key') this.focus();
    this.requestEmitter.fire(ok ? { kind: 'copied', chars: text.length, source } : { kind: 'copyFailed', source });
  }

  /**
   * Ctrl+Shift+V: the browser's own "paste as plain text" reaches xterm as a paste event when it
   * happens; otherwise the clipboard is read through the async API, and if that is refused the
   * view offers a box to paste into.
   */
  pasteFromClipboard(): void {
    const textarea = this.term.textarea;
    let native = false;
    const onPaste = () => {
      native = true;
    };
    textarea?.addEventListener('paste', onPaste, { capture: true, once: true });
    setTimeout(() => {
      textarea?.removeEventListener('paste', onPaste, { capture: true });
      if (native) return;
      if (!navigator.clipboard?.readText) {
        this.requestEmitter.fire({ kind: 'pasteFallback' });
        return;
      }
      navigator.clipboard.readText().then(
        (text) => this.paste(text),
        () => this.requestEmitter.fire({ kind: 'pasteFallback' }),
      );
    }, 0);
  }

  private onSelectionChange(): void {
    if (!this.prefs.copyOnSelect) return;
    if (this.selectionTimer) clearTimeout(this.selectionTimer);
    // Wait until the mouse has settled: one copy per selection, not one per mouse move.
    this.selectionTimer = setTimeout(() => {
      this.selectionTimer = undefined;
      if (this.term.hasSelection()) void this.copySelection('select');
    }, 250);
  }

  /** Drover's keys inside the terminal; everything else goes to the program. */
  private onKey(e: KeyboardEvent): boolean {
    const ctrl = e.ctrlKey || e.metaKey;
    // Alt+1…9 always belongs to the app (page switch, see app/use-shortcuts.ts), never the shell:
    // xterm.js leaves it alone and the window's handler gets it. Esc, then the digit, is the shell's Meta+digit.
    if (e.altKey && !ctrl && !e.shiftKey && /^Digit[1-9]$/.test(e.code)) return false;
    if (!ctrl || e.altKey) return true;
    const down = e.type === 'keydown';
    const code = e.code;
    if (e.shiftKey) {
      switch (code) {
        case 'KeyC':
          if (!this.term.hasSelection()) return true; // nothing selected: the program gets it
          if (down) void this.copySelection('key');
          e.preventDefault();
          return false;
        case 'KeyV':
          // No preventDefault: the browser's paste, if it does one, is what we want.
          if (down) this.pasteFromClipboard();
          return false;
        case 'KeyF':
          if (down) this.requestEmitter.fire({ kind: 'find' });
          e.preventDefault();
          return false;
        case 'KeyB':
          if (down) this.requestEmitter.fire({ kind: 'toggleBroadcast' });
          e.preventDefault();
          return false;
        case 'KeyE':
          if (down) this.requestEmitter.fire({ kind: 'rename' });
          e.preventDefault();
          return false;
        case 'KeyD':
          if (down) this.requestEmitter.fire({ kind: 'duplicate' });
          e.preventDefault();
          return false;
        case 'KeyM':
          if (down) this.requestEmitter.fire({ kind: 'moveTab' });
          e.preventDefault();
          return false;
        case 'ArrowLeft':
        case 'ArrowRight':
          if (down) this.requestEmitter.fire({ kind: 'otherPane' });
          e.preventDefault();
          return false;
        case 'Equal':
          if (down) this.requestEmitter.fire({ kind: 'fontSize', delta: 1 });
          e.preventDefault();
          return false;
      }
      return true;
    }
    switch (code) {
      case 'Equal':
      case 'NumpadAdd':
        if (down) this.requestEmitter.fire({ kind: 'fontSize', delta: 1 });
        break;
      case 'Minus':
      case 'NumpadSubtract':
        if (down) this.requestEmitter.fire({ kind: 'fontSize', delta: -1 });
        break;
      case 'Digit0':
      case 'Numpad0':
        if (down) this.requestEmitter.fire({ kind: 'fontSizeReset' });
        break;
      default:
        return true;
    }
    e.preventDefault();
    return false;
  }

  private enableWebgl(): void {
    if (this.webgl || webglBroken || !this.opened || !this.visible || !wantsWebgl(this.prefs)) return;
    let addon: WebglAddon;
    try {
      addon = new WebglAddon();
      addon.onContextLoss(() => {
        contextLosses++;
        if (contextLosses >= MAX_CONTEXT_LOSSES) webglBroken = true;
        this.disableWebgl();
        // A lost context is often transient (GPU reset, too many contexts): try once more later.
        setTimeout(() => this.enableWebgl(), 1000);
      });
      this.term.loadAddon(addon);
    } catch (err) {
      webglBroken = true;
      console.warn('drover: WebGL terminal renderer unavailable, using the DOM renderer', err);
      return;
    }
    this.webgl = addon;
    this.rendererEmitter.fire('webgl');
  }

  private disableWebgl(): void {
    const addon = this.webgl;
    if (!addon) return;
    this.webgl = undefined;
    try {
      addon.dispose();
    } catch {
      /* a lost context can fail to clean up: the DOM renderer takes over regardless */
    }
    this.rendererEmitter.fire('dom');
  }

  /** The whole buffer as text: wrapped rows joined, trailing blank lines dropped. */
  transcript(): string {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      if (!line) continue;
      const text = line.translateToString(true);
      if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.selectionTimer) clearTimeout(this.selectionTimer);
    this.blink.dispose();
    this.disableWebgl();
    this.term.dispose();
    this.element.remove();
    this.inputEmitter.dispose();
    this.resizeEmitter.dispose();
    this.parseEmitter.dispose();
    this.writeEmitter.dispose();
    this.requestEmitter.dispose();
    this.rendererEmitter.dispose();
  }
}

export const createXtermScreen: ScreenFactory = (init) => new XtermScreen(init);

export function asXterm(screen: TerminalScreen | undefined): XtermScreen | undefined {
  return screen instanceof XtermScreen ? screen : undefined;
}
