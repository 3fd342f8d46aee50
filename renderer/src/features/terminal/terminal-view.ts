import type { SshDestination } from './terminal-destinations';
import type { ScreenRequest } from './terminal-screen';

/**
 * What the terminal page shows, apart from the sessions themselves: which tab is active, which
 * tabs receive broadcast input, which view (tabs or run on hosts), and the screen preferences
 * (font size, scrollback, renderer, copy on select) with their storage. Pure functions only;
 * terminal-store.ts holds the state.
 */

export type TerminalView = 'terminals' | 'run';

export interface TerminalPrefs {
  readonly fontSize: number;
  readonly scrollback: number;
  /**
   * auto: the WebGL renderer on the visible tab when the GPU is hardware-accelerated (the DOM
   * renderer with software GL, where WebGL costs more CPU than it saves); webgl: WebGL even in
   * software; dom: never WebGL. Failures and lost contexts fall back to the DOM renderer.
   */
  readonly renderer: RendererPref;
  readonly copyOnSelect: boolean;
}

export type RendererPref = 'auto' | 'webgl' | 'dom';
export const DEFAULT_PREFS: TerminalPrefs = { fontSize: 13, scrollback: 10_000, renderer: 'auto', copyOnSelect: true };
export const FONT_SIZE_RANGE = { min: 8, max: 32 } as const;
export const SCROLLBACK_RANGE = { min: 100, max: 200_000 } as const;

export function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

/** Any stored or patched value into valid preferences (older pages stored `webgl: false`). */
export function normalizePrefs(p: (Partial<TerminalPrefs> & { webgl?: unknown }) | undefined): TerminalPrefs {
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return {
    fontSize: clamp(num(p?.fontSize, DEFAULT_PREFS.fontSize), FONT_SIZE_RANGE.min, FONT_SIZE_RANGE.max),
    scrollback: clamp(num(p?.scrollback, DEFAULT_PREFS.scrollback), SCROLLBACK_RANGE.min, SCROLLBACK_RANGE.max),
    renderer: p?.renderer === 'auto' || p?.renderer === 'webgl' || p?.renderer === 'dom' ? p.renderer : p?.webgl === false ? 'dom' : DEFAULT_PREFS.renderer,
    copyOnSelect: typeof p?.copyOnSelect === 'boolean' ? p.copyOnSelect : DEFAULT_PREFS.copyOnSelect,
  };
}

/** The preference change a key press on a screen asks for (Ctrl+= / Ctrl+- / Ctrl+0), if any. */
export function prefsForRequest(prefs: TerminalPrefs, request: ScreenRequest): Partial<TerminalPrefs> | null {
  if (request.kind === 'fontSize') return { fontSize: prefs.fontSize + request.delta };
  if (request.kind === 'fontSizeReset') return { fontSize: DEFAULT_PREFS.fontSize };
  return null;
}

// ---- storage (preferences and recent hosts, one localStorage entry) ----

export interface PrefsStorage {
  read(): { prefs?: Partial<TerminalPrefs>; recent?: unknown };
  write(value: { prefs: TerminalPrefs; recent: readonly SshDestination[] }): void;
}

const STORAGE_KEY = 'drover.terminal';

export function browserPrefsStorage(): PrefsStorage {
  return {
    read() {
      try {
        const v: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
        // Anything but an object (a stored "null" included) reads as nothing stored.
        return typeof v === 'object' && v !== null ? (v as { prefs?: Partial<TerminalPrefs>; recent?: unknown }) : {};
      } catch {
        return {};
      }
    },
    write(value) {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch {
        /* storage disabled: preferences last for this page */
      }
    },
  };
}

// ---- active tab and broadcast marks ----

/** Which tab is shown, and which tabs receive broadcast input (null: broadcast is off). */
export interface TabView {
  readonly activeKey: string | null;
  readonly broadcast: readonly string[] | null;
}

/**
 * The view once tab `key` is closed: the tab that took its place (else the one before it)
 * becomes active if it was, and it leaves the broadcast (which turns off when nobody is left).
 * `keys` are the tab keys in order, before the close.
 */
export function viewAfterClose(view: TabView, keys: readonly string[], key: string): TabView {
  const i = keys.indexOf(key);
  const rest = keys.filter((k) => k !== key);
  const activeKey = view.activeKey === key ? (rest[Math.min(i, rest.length - 1)] ?? null) : view.activeKey;
  const b = view.broadcast?.filter((k) => k !== key) ?? null;
  return { activeKey, broadcast: b && b.length ? b : null };
}

/** Broadcast to these tabs (default: every running one), keeping only tabs that exist. */
export function broadcastTo(tabs: readonly { key: string; status: string }[], keys?: readonly string[]): string[] {
  const chosen = keys ?? tabs.filter((t) => t.status === 'running').map((t) => t.key);
  return chosen.filter((k) => tabs.some((t) => t.key === k));
}

/** Adds the tab to the broadcast, or takes it out. */
export function toggleBroadcastMark(broadcast: readonly string[] | null, key: string): string[] {
  const b = broadcast ?? [];
  return b.includes(key) ? b.filter((k) => k !== key) : [...b, key];
}

/** The tabs that get what is typed into tab `key`: every broadcast tab when it is one, else itself. */
export function inputTargets(broadcast: readonly string[] | null, key: string): readonly string[] {
  return broadcast && broadcast.includes(key) ? broadcast : [key];
}
