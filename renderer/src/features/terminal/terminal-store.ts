import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import type { Disposable, Event } from '@contract/lifecycle';
import { TerminalTargetSchema, type HostRunResult, type TerminalOutput, type TerminalSession, type TerminalTarget } from '@contract/terminal';
import { hopLabel, routeLabel, shortHopLabel, type Hop } from '@contract/ssh';
import type { z } from 'zod';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ToastStore } from '../../stores/toast-store';

/** What openTerminal takes: a local shell, or an SSH target (port defaults to 22, jumps to none). */
export type TerminalTargetInput = z.input<typeof TerminalTargetSchema>;

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
  | { kind: 'find' }
  | { kind: 'pasteFallback' }
  | { kind: 'copied'; chars: number; source: 'key' | 'select' }
  | { kind: 'copyFailed'; source: 'key' | 'select' };

export type ScreenFactory = (init: { key: string; prefs: TerminalPrefs }) => TerminalScreen;

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

export type TabStatus = 'connecting' | 'running' | 'exited' | 'failed';

export interface TerminalTab {
  /** Stable for the tab's life (a reconnect opens a new session in the same tab). */
  readonly key: string;
  readonly target: TerminalTarget;
  /** "local", or user@host:port (with " via jump" when there are jump hosts). */
  readonly label: string;
  /** From the shell's title sequence (OSC 0/2); '' until one arrives. */
  readonly title: string;
  readonly status: TabStatus;
  readonly sessionId: string | null;
  readonly pid: number | undefined;
  readonly exitCode: number | null | undefined;
  readonly exitSignal: string | null | undefined;
  /** Why the session failed to open or was lost. */
  readonly error: AppError | null;
  /** How many sessions this tab has had (1 + reconnects). */
  readonly sessions: number;
}

/** An SSH destination to offer: from a saved tunnel profile, an open tab, or typed in recently. */
export interface SshDestination {
  readonly key: string;
  readonly name: string;
  readonly source: 'profile' | 'tab' | 'recent';
  readonly target: Hop;
  readonly jumps: readonly Hop[];
}

export interface RunHost {
  /** user@host:port: what the service reports results under. */
  readonly host: string;
  readonly route: string;
  readonly target: Hop;
  readonly jumps: readonly Hop[];
}

export interface RunState {
  readonly id: number;
  readonly argv: readonly string[];
  readonly hosts: readonly RunHost[];
  readonly results: Readonly<Record<string, HostRunResult>>;
  readonly running: boolean;
  readonly cancelled: boolean;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly error: AppError | null;
}

export type TerminalView = 'terminals' | 'run';

/** What the run-on-hosts form holds between visits. */
export interface RunDraft {
  /** Route labels (see routeLabel) of the picked hosts. */
  readonly selected: readonly string[];
  readonly commandLine: string;
  readonly timeoutSec: number;
  /** Hosts typed into the form (not from tabs or profiles). */
  readonly added: readonly SshDestination[];
}

export interface TerminalState {
  readonly tabs: readonly TerminalTab[];
  readonly activeKey: string | null;
  /** Tabs that receive what is typed into any of them; null when broadcast is off. */
  readonly broadcast: readonly string[] | null;
  readonly prefs: TerminalPrefs;
  readonly profiles: readonly SshDestination[];
  readonly profilesLoading: boolean;
  readonly recent: readonly SshDestination[];
  readonly run: RunState | null;
  readonly runDraft: RunDraft;
  readonly view: TerminalView;

  /**
   * Opens a tab on `target` (a local shell or an SSH destination), makes it the active tab and,
   * unless told otherwise, shows the terminal page (#/terminal). Returns the tab key, or null
   * when the target is invalid (reported as a toast). For other pages: one click, one call.
   */
  openTerminal(target: TerminalTargetInput, options?: { navigate?: boolean; activate?: boolean }): string | null;
  closeTab(key: string): void;
  /** A new session in the same tab, keeping the scrollback (SSH reconnect, local restart). */
  reconnect(key: string): void;
  /** Gives up waiting for a session that is still opening. */
  cancelOpen(key: string): void;
  activate(key: string): void;
  setView(view: TerminalView): void;
  /** What the user typed in a tab: to its session, or to every broadcast tab when it is one. */
  input(key: string, data: string): void;
  resize(key: string, cols: number, rows: number): void;
  setPrefs(patch: Partial<TerminalPrefs>): void;
  /** Turns broadcast on for these tabs (default: every running tab). */
  startBroadcast(keys?: readonly string[]): void;
  toggleBroadcastTab(key: string): void;
  stopBroadcast(): void;
  loadProfiles(): Promise<void>;
  runOnHosts(argv: readonly string[], hosts: readonly { target: Hop; jumps: readonly Hop[] }[], timeoutSec: number): void;
  cancelRun(): void;
  clearRun(): void;
  setRunDraft(patch: Partial<RunDraft>): void;
  /** The screen of a tab, for the view that shows it. */
  screen(key: string): TerminalScreen | undefined;
}

export type TerminalStore = StoreApi<TerminalState> & Disposable;

/** Acknowledge parsed output at least this often… */
export const ACK_INTERVAL_MS = 16;
/** …or as soon as this many characters have been parsed. */
export const ACK_BATCH_CHARS = 32 * 1024;
/** Input is sent in pieces no larger than this (a big paste). */
const INPUT_CHUNK_CHARS = 64 * 1024;
const MAX_RECENT = 10;

export interface PrefsStorage {
  read(): { prefs?: Partial<TerminalPrefs>; recent?: unknown };
  write(value: { prefs: TerminalPrefs; recent: readonly SshDestination[] }): void;
}

const STORAGE_KEY = 'drover.terminal';

export function browserPrefsStorage(): PrefsStorage {
  return {
    read() {
      try {
        return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as { prefs?: Partial<TerminalPrefs>; recent?: unknown };
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

export interface TerminalStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  createScreen: ScreenFactory;
  /** Shows the terminal page; sets location.hash by default. */
  showPage?: () => void;
  storage?: PrefsStorage;
  now?: () => number;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

export function normalizePrefs(p: (Partial<TerminalPrefs> & { webgl?: unknown }) | undefined): TerminalPrefs {
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return {
    fontSize: clamp(num(p?.fontSize, DEFAULT_PREFS.fontSize), FONT_SIZE_RANGE.min, FONT_SIZE_RANGE.max),
    scrollback: clamp(num(p?.scrollback, DEFAULT_PREFS.scrollback), SCROLLBACK_RANGE.min, SCROLLBACK_RANGE.max),
    renderer: p?.renderer === 'auto' || p?.renderer === 'webgl' || p?.renderer === 'dom' ? p.renderer : p?.webgl === false ? 'dom' : DEFAULT_PREFS.renderer,
    copyOnSelect: typeof p?.copyOnSelect === 'boolean' ? p.copyOnSelect : DEFAULT_PREFS.copyOnSelect,
  };
}


export function targetLabel(t: TerminalTarget): string {
  if (t.kind === 'local') return 'local';
  const host = shortHopLabel(t.target);
  return t.jumps.length ? `${host} (via ${t.jumps.map((j) => j.host).join(' > ')})` : host;
}

function statusOf(s: TerminalSession['state']): TabStatus {
  return s === 'starting' ? 'connecting' : s;
}

/** One "[…]" line in the scrollback; language-neutral so it reads the same in every UI language. */
function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function isHop(v: unknown): v is Hop {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  return typeof h.host === 'string' && typeof h.user === 'string' && typeof h.port === 'number';
}

function readRecent(v: unknown): SshDestination[] {
  if (!Array.isArray(v)) return [];
  const out: SshDestination[] = [];
  for (const item of v.slice(0, MAX_RECENT)) {
    const r = item as Partial<SshDestination>;
    if (!isHop(r.target) || !Array.isArray(r.jumps) || !r.jumps.every(isHop)) continue;
    out.push({ key: `recent:${routeLabel(r.target, r.jumps)}`, name: routeLabel(r.target, r.jumps), source: 'recent', target: r.target, jumps: r.jumps });
  }
  return out;
}

interface Link {
  readonly screen: TerminalScreen;
  readonly subs: Disposable[];
  sessionId: string | null;
  /** Bumped by every (re)connect; events of an older session are ignored. */
  generation: number;
  output: Disposable | null;
  opening: AbortController | null;
  /** Parsed characters not acknowledged yet, and for which session. */
  ackId: string | null;
  ackChars: number;
  ackTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * Terminal tabs and their sessions. Flow control: every data event is written to the screen, and
 * only once the screen has parsed it are its characters acknowledged (batched, every
 * ACK_INTERVAL_MS or ACK_BATCH_CHARS), so the service pauses the source while the page is behind.
 */
export function createTerminalStore(deps: TerminalStoreDeps): TerminalStore {
  const { api, toasts } = deps;
  const storage = deps.storage ?? browserPrefsStorage();
  const now = deps.now ?? (() => Date.now());
  const showPage =
    deps.showPage ??
    (() => {
      if (window.location.hash !== '#/terminal') window.location.hash = '#/terminal';
    });
  const links = new Map<string, Link>();
  const saved = storage.read();
  let tabSeq = 0;
  let runSeq = 0;
  let runSub: Disposable | null = null;
  let disposed = false;

  const report = (err: unknown, action: 'openTerminal' | 'closeTerminal' | 'terminalInput' | 'runOnHosts' | 'loadTunnelTargets') => toasts.getState().reportError(err, action);

  const store = createStore<TerminalState>()((set, get) => {
    const patchTab = (key: string, patch: Partial<TerminalTab>) =>
      set((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? { ...t, ...patch } : t)) }));
    const tabOf = (key: string) => get().tabs.find((t) => t.key === key);

    const persist = () => storage.write({ prefs: get().prefs, recent: get().recent });

    const flushAck = (link: Link) => {
      if (link.ackTimer) clearTimeout(link.ackTimer);
      link.ackTimer = null;
      const id = link.ackId;
      const chars = link.ackChars;
      link.ackChars = 0;
      if (!id || chars === 0) return;
      try {
        api.terminal.ack({ id, chars });
      } catch {
        /* link down: the service forgets unacknowledged output when the page attaches again */
      }
    };

    const parsed = (link: Link, id: string, chars: number) => {
      if (link.ackId !== id) {
        flushAck(link);
        link.ackId = id;
      }
      link.ackChars += chars;
      if (link.ackChars >= ACK_BATCH_CHARS) flushAck(link);
      else link.ackTimer ??= setTimeout(() => flushAck(link), ACK_INTERVAL_MS);
    };

    const ended = (key: string, link: Link, patch: Partial<TerminalTab>) => {
      const tab = tabOf(key);
      if (!tab || tab.status === 'exited' || tab.status === 'failed') {
        if (tab) patchTab(key, patch);
        return;
      }
      patchTab(key, patch);
      const t = tabOf(key)!;
      const parts = [t.status === 'failed' ? 'session failed' : 'session ended'];
      if (t.exitCode !== null && t.exitCode !== undefined) parts.push(`exit ${t.exitCode}`);
      if (t.exitSignal) parts.push(t.exitSignal);
      if (t.error) parts.push(t.error.message);
      link.screen.note(`[${parts.join(' · ')} · ${clock(now())}]`, t.status === 'failed' || (t.exitCode ?? 0) !== 0 ? 'error' : 'info');
    };

    const onOutput = (key: string, link: Link, gen: number, id: string, e: TerminalOutput) => {
      if (link.generation !== gen) return;
      switch (e.kind) {
        case 'data':
          link.screen.write(e.data, () => parsed(link, id, e.data.length));
          break;
        case 'title':
          patchTab(key, { title: e.title });
          break;
        case 'state': {
          const s = e.session;
          const status = statusOf(s.state);
          const patch: Partial<TerminalTab> = { status, exitCode: s.exitCode, exitSignal: s.exitSignal, pid: s.pid };
          if (status === 'exited' || status === 'failed') ended(key, link, patch);
          else patchTab(key, patch);
          break;
        }
      }
    };

    const connect = async (key: string) => {
      const link = links.get(key);
      const tab = tabOf(key);
      if (!link || !tab) return;
      const gen = ++link.generation;
      const ctrl = new AbortController();
      link.opening = ctrl;
      patchTab(key, { status: 'connecting', error: null, exitCode: undefined, exitSignal: undefined, sessionId: null, pid: undefined });
      const { cols, rows } = link.screen.size;
      let info: TerminalSession;
      try {
        info = await api.terminal.open({ target: tab.target, cols, rows }, { signal: ctrl.signal });
      } catch (err) {
        if (link.generation !== gen || !links.has(key)) return;
        link.opening = null;
        const e = AppError.from(err);
        const error = ctrl.signal.aborted ? new AppError('CANCELLED', 'cancelled: the terminal was not opened') : e;
        ended(key, link, { status: 'failed', error });
        if (!ctrl.signal.aborted) report(e, 'openTerminal');
        return;
      }
      link.opening = null;
      if (link.generation !== gen || !links.has(key) || disposed) {
        // Closed or superseded while it opened: end the session nobody will look at.
        void api.terminal.close({ id: info.id }).catch(() => undefined);
        return;
      }
      link.sessionId = info.id;
      patchTab(key, { sessionId: info.id, pid: info.pid, status: statusOf(info.state), title: '' });
      const id = info.id;
      link.output = api.terminal.output(
        { id },
        {
          next: (e) => onOutput(key, link, gen, id, e),
          end: (err) => {
            if (link.generation !== gen || !links.has(key)) return;
            link.output = null;
            const t = tabOf(key);
            if (t && t.status !== 'exited' && t.status !== 'failed') ended(key, link, err ? { status: 'failed', error: err } : { status: 'exited' });
          },
        },
      );
      const size = link.screen.size;
      if (size.cols !== cols || size.rows !== rows) get().resize(key, size.cols, size.rows);
    };

    const detachSession = (link: Link) => {
      link.generation++;
      link.opening?.abort();
      link.opening = null;
      link.output?.dispose();
      link.output = null;
      flushAck(link);
      const id = link.sessionId;
      link.sessionId = null;
      if (id) {
        api.terminal.close({ id }).catch((err: unknown) => {
          if (!(err instanceof AppError && err.code === 'NOT_FOUND')) report(err, 'closeTerminal');
        });
      }
    };

    const rememberRecent = (t: TerminalTarget) => {
      if (t.kind !== 'ssh') return;
      const name = routeLabel(t.target, t.jumps);
      const entry: SshDestination = { key: `recent:${name}`, name, source: 'recent', target: t.target, jumps: t.jumps };
      set((s) => ({ recent: [entry, ...s.recent.filter((r) => r.key !== entry.key)].slice(0, MAX_RECENT) }));
      persist();
    };

    const sendInput = (id: string, data: string) => {
      for (let i = 0; i < data.length; i += INPUT_CHUNK_CHARS) api.terminal.input({ id, data: data.slice(i, i + INPUT_CHUNK_CHARS) });
    };

    return {
      tabs: [],
      activeKey: null,
      broadcast: null,
      prefs: normalizePrefs(saved.prefs),
      profiles: [],
      profilesLoading: false,
      recent: readRecent(saved.recent),
      run: null,
      runDraft: { selected: [], commandLine: '', timeoutSec: 60, added: [] },
      view: 'terminals',

      openTerminal(input, options = {}) {
        const parsedTarget = TerminalTargetSchema.safeParse(input);
        if (!parsedTarget.success) {
          report(new AppError('INVALID_INPUT', parsedTarget.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 'openTerminal');
          return null;
        }
        const target = parsedTarget.data;
        const key = `t${++tabSeq}`;
        const screen = deps.createScreen({ key, prefs: get().prefs });
        const link: Link = { screen, subs: [], sessionId: null, generation: 0, output: null, opening: null, ackId: null, ackChars: 0, ackTimer: null };
        links.set(key, link);
        link.subs.push(screen.onInput((data) => get().input(key, data)));
        link.subs.push(screen.onResize(({ cols, rows }) => get().resize(key, cols, rows)));
        link.subs.push(
          screen.onDidRequest((r) => {
            const p = get().prefs;
            if (r.kind === 'fontSize') get().setPrefs({ fontSize: p.fontSize + r.delta });
            else if (r.kind === 'fontSizeReset') get().setPrefs({ fontSize: DEFAULT_PREFS.fontSize });
            else if (r.kind === 'toggleBroadcast') {
              if (get().broadcast) get().stopBroadcast();
              else get().startBroadcast();
            }
          }),
        );
        const tab: TerminalTab = {
          key,
          target,
          label: targetLabel(target),
          title: '',
          status: 'connecting',
          sessionId: null,
          pid: undefined,
          exitCode: undefined,
          exitSignal: undefined,
          error: null,
          sessions: 1,
        };
        const activate = options.activate ?? true;
        set((s) => ({ tabs: [...s.tabs, tab], ...(activate ? { activeKey: key, view: 'terminals' as const } : {}) }));
        rememberRecent(target);
        if (options.navigate ?? true) showPage();
        void connect(key);
        return key;
      },

      closeTab(key) {
        const link = links.get(key);
        if (!link) return;
        detachSession(link);
        links.delete(key);
        for (const d of link.subs) d.dispose();
        link.screen.dispose();
        set((s) => {
          const i = s.tabs.findIndex((t) => t.key === key);
          const tabs = s.tabs.filter((t) => t.key !== key);
          const activeKey = s.activeKey === key ? (tabs[Math.min(i, tabs.length - 1)]?.key ?? null) : s.activeKey;
          const b = s.broadcast?.filter((k) => k !== key) ?? null;
          return { tabs, activeKey, broadcast: b && b.length ? b : null };
        });
      },

      reconnect(key) {
        const link = links.get(key);
        const tab = tabOf(key);
        if (!link || !tab) return;
        detachSession(link);
        link.screen.note(`[${tab.target.kind === 'ssh' ? 'reconnecting to' : 'new shell:'} ${tab.label} · ${clock(now())}]`, 'info');
        patchTab(key, { sessions: tab.sessions + 1 });
        void connect(key);
      },

      cancelOpen(key) {
        links.get(key)?.opening?.abort();
      },

      activate(key) {
        if (links.has(key)) set({ activeKey: key, view: 'terminals' });
      },

      setView(view) {
        set({ view });
      },

      input(key, data) {
        const b = get().broadcast;
        const keys = b && b.includes(key) ? b : [key];
        for (const k of keys) {
          const link = links.get(k);
          const tab = tabOf(k);
          if (!link?.sessionId || tab?.status !== 'running') continue;
          try {
            sendInput(link.sessionId, data);
          } catch (err) {
            report(err, 'terminalInput');
            return;
          }
        }
      },

      resize(key, cols, rows) {
        const link = links.get(key);
        if (!link?.sessionId || tabOf(key)?.status !== 'running') return;
        try {
          api.terminal.resize({ id: link.sessionId, cols: clamp(cols, 2, 1000), rows: clamp(rows, 1, 500) });
        } catch {
          /* link down: the next fit after reconnecting sends the size again */
        }
      },

      setPrefs(patch) {
        const prefs = normalizePrefs({ ...get().prefs, ...patch });
        set({ prefs });
        for (const link of links.values()) link.screen.applyPrefs(prefs);
        persist();
      },

      startBroadcast(keys) {
        const chosen = keys ?? get().tabs.filter((t) => t.status === 'running').map((t) => t.key);
        set({ broadcast: chosen.filter((k) => links.has(k)) });
      },

      toggleBroadcastTab(key) {
        const b = get().broadcast ?? [];
        set({ broadcast: b.includes(key) ? b.filter((k) => k !== key) : [...b, key] });
      },

      stopBroadcast() {
        set({ broadcast: null });
      },

      async loadProfiles() {
        if (get().profilesLoading) return;
        set({ profilesLoading: true });
        try {
          const list = await api.tunnels.list(null);
          const seen = new Set<string>();
          const profiles: SshDestination[] = [];
          for (const p of list) {
            const route = routeLabel(p.target, p.jumps);
            if (seen.has(route)) continue;
            seen.add(route);
            profiles.push({ key: `profile:${p.id}`, name: p.name, source: 'profile', target: p.target, jumps: p.jumps });
          }
          set({ profiles, profilesLoading: false });
        } catch (err) {
          set({ profilesLoading: false });
          report(err, 'loadTunnelTargets');
        }
      },

      runOnHosts(argv, hostList, timeoutSec) {
        runSub?.dispose();
        runSub = null;
        const id = ++runSeq;
        const byHost = new Map<string, RunHost>();
        for (const h of hostList) {
          const host = hopLabel(h.target);
          if (!byHost.has(host)) byHost.set(host, { host, route: routeLabel(h.target, h.jumps), target: h.target, jumps: h.jumps });
        }
        const hosts = [...byHost.values()];
        set({ run: { id, argv: [...argv], hosts, results: {}, running: true, cancelled: false, startedAtMs: now(), endedAtMs: null, error: null } });
        const update = (fn: (r: RunState) => Partial<RunState>) =>
          set((s) => (s.run && s.run.id === id ? { run: { ...s.run, ...fn(s.run) } } : {}));
        runSub = api.terminal.runOnHosts(
          { argv: [...argv], hosts: hosts.map((h) => ({ target: h.target, jumps: [...h.jumps] })), timeoutSec },
          {
            next: (r) => update((run) => ({ results: { ...run.results, [r.host]: r } })),
            end: (err) => {
              update(() => ({ running: false, endedAtMs: now(), error: err ?? null }));
              if (err) report(err, 'runOnHosts');
            },
          },
        );
      },

      cancelRun() {
        runSub?.dispose();
        runSub = null;
        set((s) => (s.run?.running ? { run: { ...s.run, running: false, cancelled: true, endedAtMs: now() } } : {}));
      },

      clearRun() {
        runSub?.dispose();
        runSub = null;
        set({ run: null });
      },

      setRunDraft(patch) {
        set((s) => ({ runDraft: { ...s.runDraft, ...patch } }));
      },

      screen(key) {
        return links.get(key)?.screen;
      },
    };
  });

  return Object.assign(store, {
    dispose() {
      disposed = true;
      runSub?.dispose();
      for (const key of [...links.keys()]) store.getState().closeTab(key);
    },
  });
}

export const selectTabs = (s: TerminalState): readonly TerminalTab[] => s.tabs;
export const selectActiveKey = (s: TerminalState): string | null => s.activeKey;
export const selectActiveTab = (s: TerminalState): TerminalTab | undefined => s.tabs.find((t) => t.key === s.activeKey);
export const selectBroadcast = (s: TerminalState): readonly string[] | null => s.broadcast;
export const selectPrefs = (s: TerminalState): TerminalPrefs => s.prefs;
export const selectRun = (s: TerminalState): RunState | null => s.run;
export const selectRunDraft = (s: TerminalState): RunDraft => s.runDraft;
export const selectView = (s: TerminalState): TerminalView => s.view;
export const selectProfiles = (s: TerminalState): readonly SshDestination[] => s.profiles;
export const selectRecent = (s: TerminalState): readonly SshDestination[] => s.recent;
