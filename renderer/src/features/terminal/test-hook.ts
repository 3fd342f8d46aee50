import { selectFocusedKey, type TerminalStore, type TerminalTargetInput } from './terminal-store';
import { asXterm, type RendererKind } from './xterm-screen';

export interface TerminalTabInfo {
  key: string;
  kind: 'local' | 'ssh';
  label: string;
  /** The name the user gave the tab, or null. */
  name: string | null;
  title: string;
  status: string;
  sessionId: string | null;
  pid: number | undefined;
  exitCode: number | null | undefined;
  cols: number;
  rows: number;
  renderer: RendererKind | undefined;
  /** Characters of session output handed to xterm.js, and those it has parsed (its write callbacks). */
  writtenChars: number;
  parsedChars: number;
}

/**
 * The terminals as end-to-end tests and the benchmark see them (window.__droverTerminals): the
 * tabs, a tab's buffer as text, callbacks after each parsed write and rendered frame. What reaches
 * the services goes through the same store actions as the UI (open, input).
 */
export interface TerminalTestHook {
  tabs(): TerminalTabInfo[];
  activeKey(): string | null;
  text(key: string): string;
  onParsed(key: string, listener: (data: string) => void): () => void;
  /** Output as it arrives from the session, before xterm.js parses it. */
  onArrived(key: string, listener: (data: string) => void): () => void;
  /** After each frame xterm.js renders (benchmark: echo until drawn). */
  onRendered(key: string, listener: () => void): () => void;
  open(target: TerminalTargetInput): string | null;
  /** What a person typing into the tab would send (same path as xterm's onData). */
  input(key: string, data: string): void;
  /** Writes straight into the tab's emulator, bypassing the session: xterm.js parse speed alone. */
  writeLocal(key: string, data: string): Promise<void>;
  /** The same through the screen (its 32 KiB pieces, as session output goes), resolved once parsed. */
  writeQueued(key: string, data: string): Promise<void>;
  /** Benchmark: the tab's output is counted and acknowledged without reaching xterm.js (transport into the page alone). */
  bypassEmulator(key: string, on: boolean): void;
}

declare global {
  interface Window {
    __droverTerminals?: TerminalTestHook;
  }
}

export function installTerminalTestHook(store: TerminalStore): void {
  if (window.__droverTerminals) return;
  const screenOf = (key: string) => asXterm(store.getState().screen(key));
  window.__droverTerminals = {
    tabs: () =>
      store.getState().tabs.map((t) => {
        const s = screenOf(t.key);
        return {
          key: t.key,
          kind: t.target.kind,
          label: t.label,
          name: t.name,
          title: t.title,
          status: t.status,
          sessionId: t.sessionId,
          pid: t.pid,
          exitCode: t.exitCode,
          cols: s?.size.cols ?? 0,
          rows: s?.size.rows ?? 0,
          renderer: s?.renderer,
          writtenChars: s?.writtenChars ?? 0,
          parsedChars: s?.parsedChars ?? 0,
        };
      }),
    activeKey: () => selectFocusedKey(store.getState()),
    text: (key) => store.getState().screen(key)?.transcript() ?? '',
    onParsed: (key, listener) => {
      const sub = store.getState().screen(key)?.onDidParse(listener);
      return () => sub?.dispose();
    },
    onArrived: (key, listener) => {
      const sub = screenOf(key)?.onDidWrite(listener);
      return () => sub?.dispose();
    },
    onRendered: (key, listener) => {
      const sub = screenOf(key)?.term.onRender(() => listener());
      return () => sub?.dispose();
    },
    open: (target) => store.getState().openTerminal(target),
    input: (key, data) => store.getState().input(key, data),
    bypassEmulator: (key, on) => {
      const screen = screenOf(key);
      if (screen) screen.bypassEmulator = on;
    },
    writeLocal: (key, data) =>
      new Promise<void>((resolve, reject) => {
        const screen = screenOf(key);
        if (!screen) reject(new Error(`no terminal tab ${key}`));
        else screen.term.write(data, resolve);
      }),
    writeQueued: (key, data) =>
      new Promise<void>((resolve, reject) => {
        const screen = screenOf(key);
        if (!screen) reject(new Error(`no terminal tab ${key}`));
        else screen.write(data, resolve);
      }),
  };
}
