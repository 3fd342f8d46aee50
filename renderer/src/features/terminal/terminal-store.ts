import { systemClock, type Clock } from '@contract/clock';
import { AppError } from '@contract/errors';
import type { AppApi } from '@contract/index';
import type { Disposable } from '@contract/lifecycle';
import type { Hop } from '@contract/ssh';
import { TerminalTargetSchema, type SavedHost, type TerminalBusy, type TerminalLiveData, type TerminalLiveSession, type TerminalTarget } from '@contract/terminal';
import type { z } from 'zod';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReconnectingConnection } from '../../api/reconnecting-connection';
import { createLiveStore, type LiveStore } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';
import { TerminalAttachment } from './terminal-attach';
import { addRecent, profileDestinations, readRecent, type SshDestination } from './terminal-destinations';
import * as panesOf from './terminal-panes';
import { ONE_PANE, type Panes } from './terminal-panes';
import { cancelledRun, EMPTY_RUN_DRAFT, endedRun, runHosts, startedRun, withResult, type RunDraft, type RunState } from './terminal-run';
import type { ScreenFactory, TerminalScreen } from './terminal-screen';
import {
  cleanName,
  clockTime,
  CONNECTING,
  endTab,
  findTab,
  isEnded,
  newTab,
  patchTab,
  reattachedPatch,
  reconnectNote,
  removeTab,
  sessionPatch,
  sessionsToAdopt,
  type TerminalTab,
} from './terminal-sessions';
import {
  broadcastTo,
  browserPrefsStorage,
  inputTargets,
  normalizePrefs,
  prefsForRequest,
  toggleBroadcastMark,
  viewAfterClose,
  type PrefsStorage,
  type TerminalPrefs,
  type TerminalView,
} from './terminal-view';

// The store is composed from small modules; what components and tests import stays here.
export { ACK_BATCH_CHARS, ACK_INTERVAL_MS } from './terminal-attach';
export type { SshDestination } from './terminal-destinations';
export type { RunDraft, RunHost, RunState } from './terminal-run';
export type { ScreenFactory, ScreenRequest, TerminalScreen } from './terminal-screen';
export { targetLabel, type TabStatus, type TerminalTab } from './terminal-sessions';
export {
  browserPrefsStorage,
  DEFAULT_PREFS,
  FONT_SIZE_RANGE,
  normalizePrefs,
  SCROLLBACK_RANGE,
  type PrefsStorage,
  type RendererPref,
  type TerminalPrefs,
  type TerminalView,
} from './terminal-view';

/** What openTerminal takes: a local shell, or an SSH target (port defaults to 22, jumps to none). */
export type TerminalTargetInput = z.input<typeof TerminalTargetSchema>;

export interface TerminalState {
  readonly tabs: readonly TerminalTab[];
  readonly activeKey: string | null;
  /** Tabs that receive what is typed into any of them; null when broadcast is off. */
  readonly broadcast: readonly string[] | null;
  readonly prefs: TerminalPrefs;
  readonly profiles: readonly SshDestination[];
  readonly profilesLoading: boolean;
  /** Saved hosts from ~/.ssh/config and the fleet inventory (service side), loaded with the profiles. */
  readonly saved: readonly SavedHost[];
  readonly recent: readonly SshDestination[];
  readonly run: RunState | null;
  readonly runDraft: RunDraft;
  readonly view: TerminalView;
  /** Sessions the service holds that no tab of this page shows (another window's, or closed tabs' in their grace time). */
  readonly others: readonly TerminalLiveSession[];
  /** The service's session list arrived and the sessions of before a reload were taken back. */
  readonly restored: boolean;
  /** The tab whose rename dialog is open. */
  readonly renaming: string | null;
  /** One pane, or two side by side (terminal-panes.ts); activeKey is the left pane's front tab. */
  readonly panes: Panes;

  /**
   * Opens a tab on `target` (a local shell or an SSH destination), makes it the active tab and,
   * unless told otherwise, shows the terminal page (#/terminal). Returns the tab key, or null
   * when the target is invalid (reported as a toast). For other pages: one click, one call.
   */
  openTerminal(target: TerminalTargetInput, options?: { navigate?: boolean; activate?: boolean; name?: string | null }): string | null;
  closeTab(key: string): void;
  /** Whether closing the tab would end a running program (asked of the service; null when it has no running session). */
  busy(key: string): Promise<TerminalBusy | null>;
  /** Takes a session the service holds into a new tab (with its recent output). */
  attachSession(id: string, options?: { activate?: boolean }): string | null;
  /** Names the tab ('' for the default); the service keeps the name with the session. */
  renameTab(key: string, name: string): void;
  /** A new session on the same target, in a new tab next to it. */
  duplicateTab(key: string): string | null;
  /** Opens (key) or closes (null) the rename dialog. */
  requestRename(key: string | null): void;
  /** Two panes side by side, or back to one. */
  toggleSplit(): void;
  /** Moves a tab to the other pane (splitting first). */
  moveTab(key: string): void;
  /** The other pane takes the keyboard. */
  focusOtherPane(): void;
  /** Which pane has the keyboard (a click or focus inside it). */
  focusPane(side: 'left' | 'right'): void;
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

export interface TerminalStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  createScreen: ScreenFactory;
  /** Shows the terminal page; sets location.hash by default. */
  showPage?: () => void;
  storage?: PrefsStorage;
  /** Wall time for the "[…]" lines and the run's times; the clock's by default. */
  now?: () => number;
  /** Timers of the acknowledgement batching; the real clock by default. */
  clock?: Clock;
  /**
   * The link to the services. A run on hosts ends when it drops: the service stopped the run
   * when the connection closed, and the stream must not be subscribed again on reconnect (that
   * would run the command a second time).
   */
  link?: Pick<ReconnectingConnection, 'onDidChangeState' | 'state'>;
  /** This page's id (kept across reloads in sessionStorage): sessions it opened come back after a reload. */
  clientId?: string;
  /** How frames of the live session list are applied (one per animation frame by default). */
  liveSchedule?: (flush: () => void) => void;
  /**
   * Where beforeunload is watched (the window by default): closing or reloading the page while a
   * session runs asks first. A reload takes the sessions back, but the browser cannot tell a
   * reload from a close, and a closed window's sessions end a minute later.
   */
  unloadTarget?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
  /** Where the split layout is kept for a reload (sessionStorage by default; null: not kept). */
  layoutStorage?: LayoutStorage | null;
}

/** One string kept across a reload of this window. */
export interface LayoutStorage {
  read(): string | null;
  write(value: string): void;
}

const LAYOUT_KEY = 'drover.terminal.layout';

/** sessionStorage, like the page's client id: a reload keeps it, another window has its own. */
function sessionLayoutStorage(): LayoutStorage | null {
  try {
    const ss = window.sessionStorage;
    return {
      read: () => ss.getItem(LAYOUT_KEY),
      write: (v) => {
        try {
          ss.setItem(LAYOUT_KEY, v);
        } catch {
          /* storage full or refused: the layout is just not kept */
        }
      },
    };
  } catch {
    return null;
  }
}

/** How long closing a tab waits for "is a job running?" before asking anyway. */
export const BUSY_CHECK_MS = 4000;

/** Sessions that closing the page would leave (and, after a minute, end). */
export function liveTabCount(tabs: readonly TerminalTab[]): number {
  return tabs.filter((t) => t.status === 'running' || t.status === 'connecting').length;
}

/** The page's client id: kept in sessionStorage, so a reload keeps it and another window has its own. */
export function pageClientId(): string {
  const fresh = () => (typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `c${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`);
  try {
    const k = 'drover.terminal.client';
    let id = window.sessionStorage.getItem(k);
    if (!id || !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
      id = fresh();
      window.sessionStorage.setItem(k, id);
    }
    return id;
  } catch {
    return fresh();
  }
}

/** One tab's session link and the screen subscriptions of the tab. */
interface TabRecord {
  readonly attachment: TerminalAttachment;
  readonly subs: Disposable[];
}

/**
 * Terminal tabs and their sessions: the tab list (terminal-sessions.ts), each tab's link to its
 * session with flow control (terminal-attach.ts), what the page shows (terminal-view.ts), the
 * destinations offered (terminal-destinations.ts) and run on hosts (terminal-run.ts).
 */
export function createTerminalStore(deps: TerminalStoreDeps): TerminalStore {
  const { api, toasts } = deps;
  const storage = deps.storage ?? browserPrefsStorage();
  const clock = deps.clock ?? systemClock;
  const now = deps.now ?? (() => clock.now());
  const showPage =
    deps.showPage ??
    (() => {
      if (window.location.hash !== '#/terminal') window.location.hash = '#/terminal';
    });
  const records = new Map<string, TabRecord>();
  const clientId = deps.clientId ?? pageClientId();
  const saved = storage.read();
  let tabSeq = 0;
  let runSeq = 0;
  let runSub: Disposable | null = null;
  let linkSub: Disposable | undefined;
  /** A tab was opened by hand before the session list arrived: nothing is taken back automatically. */
  let openedHere = false;
  let live: LiveStore<TerminalLiveData> | undefined;
  const liveSessions = (): TerminalLiveSession[] => Object.values(live?.getState().data.sessions ?? {});
  /** Recomputes `others` (the service's sessions no tab shows). */
  const refreshOthers = () => {
    const shown = new Set(store.getState().tabs.map((t) => t.sessionId));
    const others = liveSessions()
      .filter((x) => !shown.has(x.id) && x.state !== 'starting')
      .sort((a, b) => (a.createdAtMs ?? 0) - (b.createdAtMs ?? 0));
    const prev = store.getState().others;
    if (prev.length === others.length && prev.every((p, i) => p === others[i])) return;
    store.setState({ others });
  };

  const report = (err: unknown, action: 'openTerminal' | 'closeTerminal' | 'terminalInput' | 'runOnHosts' | 'loadTunnelTargets') => toasts.getState().reportError(err, action);

  const store = createStore<TerminalState>()((set, get) => {
    const patch = (key: string, p: Partial<TerminalTab>) => set((s) => ({ tabs: patchTab(s.tabs, key, p) }));
    const tabOf = (key: string) => findTab(get().tabs, key);
    const persist = () => storage.write({ prefs: get().prefs, recent: get().recent });

    /** The session of tab `key` ended: the tab says so, and its scrollback once. */
    const end = (key: string, p: Partial<TerminalTab>) => {
      const tab = tabOf(key);
      if (!tab) return;
      const { tab: ended, note } = endTab(tab, p, now());
      set((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? ended : t)) }));
      if (note) records.get(key)?.attachment.screen.note(note.text, note.tone);
    };

    const attachmentFor = (key: string, screen: TerminalScreen) =>
      new TerminalAttachment(
        api.terminal,
        screen,
        {
          connecting: () => patch(key, CONNECTING),
          opened: (info) => patch(key, reattachedPatch(info, tabOf(key)?.target ?? info.target ?? { kind: 'local' })),
          event: (e) => {
            if (e.kind === 'title') patch(key, { title: e.title });
            else {
              const p = sessionPatch(e.session);
              if (isEnded(p)) end(key, p);
              else patch(key, p);
            }
          },
          openFailed: (error) => end(key, { status: 'failed', error }),
          streamEnded: (err) => {
            const t = tabOf(key);
            if (t && !isEnded(t)) end(key, err ? { status: 'failed', error: err } : { status: 'exited' });
          },
          report,
          isRunning: () => tabOf(key)?.status === 'running',
        },
        clock,
      );

    const connect = (key: string) => {
      const rec = records.get(key);
      const tab = tabOf(key);
      if (rec && tab) void rec.attachment.connect(tab.target, { owner: clientId, label: tab.name ?? undefined });
    };

    /** A tab with its screen and attachment (not connected yet). */
    const addTab = (target: TerminalTarget, name: string | null, activate: boolean): string => {
      const key = `t${++tabSeq}`;
      const screen = deps.createScreen({ key, prefs: get().prefs });
      const rec: TabRecord = { attachment: attachmentFor(key, screen), subs: [] };
      records.set(key, rec);
      rec.subs.push(screen.onInput((data) => get().input(key, data)));
      rec.subs.push(screen.onResize(({ cols, rows }) => get().resize(key, cols, rows)));
      rec.subs.push(
        screen.onDidRequest((r) => {
          const prefs = prefsForRequest(get().prefs, r);
          if (prefs) get().setPrefs(prefs);
          else if (r.kind === 'toggleBroadcast') {
            if (get().broadcast) get().stopBroadcast();
            else get().startBroadcast();
          } else if (r.kind === 'rename') get().requestRename(key);
          else if (r.kind === 'duplicate') get().duplicateTab(key);
          else if (r.kind === 'moveTab') get().moveTab(key);
          else if (r.kind === 'otherPane') get().focusOtherPane();
        }),
      );
      set((s) => {
        const tabs = [...s.tabs, newTab(key, target, name)];
        if (!activate) return { tabs };
        const o = panesOf.opened(s.panes, key);
        return { tabs, panes: o.panes, ...(o.left ? { activeKey: key } : {}), view: 'terminals' as const };
      });
      return key;
    };

    return {
      tabs: [],
      activeKey: null,
      broadcast: null,
      prefs: normalizePrefs(saved.prefs),
      profiles: [],
      profilesLoading: false,
      saved: [],
      recent: readRecent(saved.recent),
      run: null,
      runDraft: EMPTY_RUN_DRAFT,
      view: 'terminals',
      others: [],
      restored: false,
      renaming: null,
      panes: ONE_PANE,

      openTerminal(input, options = {}) {
        const parsedTarget = TerminalTargetSchema.safeParse(input);
        if (!parsedTarget.success) {
          report(new AppError('INVALID_INPUT', parsedTarget.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 'openTerminal');
          return null;
        }
        const target = parsedTarget.data;
        openedHere = true;
        const key = addTab(target, options.name ?? null, options.activate ?? true);
        const recent = addRecent(get().recent, target);
        if (recent !== get().recent) {
          set({ recent });
          persist();
        }
        if (options.navigate ?? true) showPage();
        connect(key);
        return key;
      },

      closeTab(key) {
        const rec = records.get(key);
        if (!rec) return;
        rec.attachment.detach();
        records.delete(key);
        for (const d of rec.subs) d.dispose();
        rec.attachment.screen.dispose();
        set((s) => {
          const keys = s.tabs.map((t) => t.key);
          const v = panesOf.afterClose(keys, s.activeKey, s.panes, key);
          return { tabs: removeTab(s.tabs, key), ...viewAfterClose(s, keys, key), activeKey: v.activeKey, panes: v.panes };
        });
      },

      async busy(key) {
        const tab = tabOf(key);
        if (!tab?.sessionId || tab.status !== 'running') return null;
        // A close must not hang on a slow host: after BUSY_CHECK_MS the answer is "cannot tell" (and Drover asks).
        let timer: Disposable | undefined;
        const late = new Promise<TerminalBusy>((resolve) => {
          timer = clock.setTimeout(() => resolve({ busy: 'unknown', how: 'no answer in time' }), BUSY_CHECK_MS);
        });
        try {
          return await Promise.race([api.terminal.busy({ id: tab.sessionId }), late]);
        } catch {
          return { busy: 'unknown', how: 'the service did not answer' };
        } finally {
          timer?.dispose();
        }
      },

      attachSession(id, options = {}) {
        const info = liveSessions().find((x) => x.id === id);
        if (!info?.target || get().tabs.some((t) => t.sessionId === id)) return null;
        const target = info.target;
        const key = addTab(target, info.label ?? null, options.activate ?? true);
        const rec = records.get(key)!;
        void rec.attachment.reattach(info, clientId).then(() => {
          if (rec.attachment.sessionId === id) rec.attachment.screen.note(`[reattached · ${clockTime(now())}]`, 'info');
        });
        refreshOthers();
        return key;
      },

      renameTab(key, raw) {
        const tab = tabOf(key);
        if (!tab) return;
        const name = cleanName(raw);
        patch(key, { name });
        if (tab.sessionId) {
          api.terminal.rename({ id: tab.sessionId, label: name ?? '' }).catch((err: unknown) => {
            if (!(err instanceof AppError && err.code === 'NOT_FOUND')) report(err, 'terminalInput');
          });
        }
      },

      duplicateTab(key) {
        const tab = tabOf(key);
        if (!tab) return null;
        return get().openTerminal(tab.target, { name: tab.name });
      },

      requestRename(key) {
        set({ renaming: key && records.has(key) ? key : null });
      },

      reconnect(key) {
        const rec = records.get(key);
        const tab = tabOf(key);
        if (!rec || !tab) return;
        rec.attachment.detach();
        const note = reconnectNote(tab, now());
        rec.attachment.screen.note(note.text, note.tone);
        patch(key, { sessions: tab.sessions + 1 });
        connect(key);
      },

      cancelOpen(key) {
        records.get(key)?.attachment.cancelOpen();
      },

      activate(key) {
        if (!records.has(key)) return;
        const a = panesOf.activated(get().panes, key);
        set({ panes: a.panes, ...(a.left ? { activeKey: key } : {}), view: 'terminals' });
      },

      toggleSplit() {
        const s = get();
        const v = s.panes.split ? panesOf.splitOff(s.activeKey, s.panes) : panesOf.splitOn(s.tabs.map((t) => t.key), s.activeKey);
        set({ panes: v.panes, activeKey: v.activeKey });
      },

      moveTab(key) {
        const s = get();
        const v = panesOf.moveToOther(s.tabs.map((t) => t.key), s.activeKey, s.panes, key);
        set({ panes: v.panes, activeKey: v.activeKey });
      },

      focusOtherPane() {
        const p = get().panes;
        if (p.split) set({ panes: { ...p, focus: p.focus === 'left' ? 'right' : 'left' } });
      },

      focusPane(side) {
        const p = get().panes;
        if (p.split && p.focus !== side) set({ panes: { ...p, focus: side } });
      },

      setView(view) {
        set({ view });
      },

      input(key, data) {
        for (const k of inputTargets(get().broadcast, key)) {
          const rec = records.get(k);
          if (!rec) continue;
          try {
            rec.attachment.input(data);
          } catch (err) {
            report(err, 'terminalInput');
            return;
          }
        }
      },

      resize(key, cols, rows) {
        records.get(key)?.attachment.resize(cols, rows);
      },

      setPrefs(p) {
        const prefs = normalizePrefs({ ...get().prefs, ...p });
        set({ prefs });
        for (const rec of records.values()) rec.attachment.screen.applyPrefs(prefs);
        persist();
      },

      startBroadcast(keys) {
        set({ broadcast: broadcastTo(get().tabs, keys) });
      },

      toggleBroadcastTab(key) {
        set({ broadcast: toggleBroadcastMark(get().broadcast, key) });
      },

      stopBroadcast() {
        set({ broadcast: null });
      },

      async loadProfiles() {
        if (get().profilesLoading) return;
        set({ profilesLoading: true });
        const savedHosts =
          typeof api.terminal.savedHosts === 'function'
            ? api.terminal.savedHosts(null).then(
                (r) => set({ saved: r.hosts.filter((h) => h.source !== 'profile') }),
                () => undefined, // ~/.ssh/config and fleet only add to the menu; profiles below say what failed
              )
            : Promise.resolve();
        try {
          const list = await api.tunnels.list(null);
          set({ profiles: profileDestinations(list), profilesLoading: false });
        } catch (err) {
          set({ profilesLoading: false });
          report(err, 'loadTunnelTargets');
        }
        await savedHosts;
      },

      runOnHosts(argv, hostList, timeoutSec) {
        runSub?.dispose();
        runSub = null;
        const id = ++runSeq;
        const hosts = runHosts(hostList);
        set({ run: startedRun(id, argv, hosts, now()) });
        const update = (fn: (r: RunState) => RunState) => set((s) => (s.run && s.run.id === id ? { run: fn(s.run) } : {}));
        runSub = api.terminal.runOnHosts(
          { argv: [...argv], hosts: hosts.map((h) => ({ target: h.target, jumps: [...h.jumps] })), timeoutSec },
          {
            next: (r) => update((run) => withResult(run, r)),
            end: (err) => {
              update((run) => endedRun(run, err ?? null, now()));
              if (err) report(err, 'runOnHosts');
            },
          },
        );
      },

      cancelRun() {
        runSub?.dispose();
        runSub = null;
        set((s) => (s.run?.running ? { run: cancelledRun(s.run, now()) } : {}));
      },

      clearRun() {
        runSub?.dispose();
        runSub = null;
        set({ run: null });
      },

      setRunDraft(p) {
        set((s) => ({ runDraft: { ...s.runDraft, ...p } }));
      },

      screen(key) {
        return records.get(key)?.attachment.screen;
      },
    };
  });

  // The split layout, kept by session id for a reload of this window.
  const layoutStorage = deps.layoutStorage !== undefined ? deps.layoutStorage : sessionLayoutStorage();
  let savedLayoutText: string | null = null;
  const saveLayout = (s: TerminalState) => {
    if (!layoutStorage) return;
    const text = JSON.stringify(panesOf.layoutToSave({ panes: s.panes, activeKey: s.activeKey }, (k) => s.tabs.find((t) => t.key === k)?.sessionId ?? null));
    if (text === savedLayoutText) return;
    savedLayoutText = text;
    layoutStorage.write(text);
  };
  // Read before anything is saved: the first save (no tabs yet) would overwrite it.
  const savedLayout = ((): panesOf.SavedLayout | null => {
    try {
      return layoutStorage ? panesOf.parseSavedLayout(JSON.parse(layoutStorage.read() ?? 'null')) : null;
    } catch {
      return null; // not JSON: the tabs come back in one pane
    }
  })();
  const restoreSavedLayout = (keyOf: ReadonlyMap<string, string>) => {
    if (!savedLayout || keyOf.size === 0) return;
    const s = store.getState();
    const view = panesOf.restoreLayout(savedLayout, s.tabs.map((t) => t.key), keyOf, s.activeKey);
    if (view) store.setState({ panes: view.panes, activeKey: view.activeKey });
  };

  if (typeof api.terminal.live === 'function') {
    live = createLiveStore<TerminalLiveData>({
      subscribe: (observer) => api.terminal.live(null, observer),
      initial: { sessions: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.liveSchedule ? { schedule: deps.liveSchedule } : {}),
      // The list only helps; tabs work without it (an older service, or the link down).
      onError: () => undefined,
    });
    const onLive = () => {
      const l = live!.getState();
      if (l.fresh && !store.getState().restored) {
        store.setState({ restored: true });
        if (!openedHere) {
          const shown = new Set(store.getState().tabs.flatMap((t) => (t.sessionId ? [t.sessionId] : [])));
          const adopt = sessionsToAdopt(liveSessions(), clientId, shown);
          const keyOf = new Map<string, string>();
          adopt.forEach((x, i) => {
            const key = store.getState().attachSession(x.id, { activate: i === adopt.length - 1 });
            if (key) keyOf.set(x.id, key);
          });
          restoreSavedLayout(keyOf);
        }
      }
      refreshOthers();
    };
    live.subscribe(onLive);
    store.subscribe((s, prev) => {
      if (s.tabs !== prev.tabs) refreshOthers();
      if (s.restored && (s.tabs !== prev.tabs || s.panes !== prev.panes || s.activeKey !== prev.activeKey)) saveLayout(s);
    });
    onLive();
  }

  const unloadTarget = deps.unloadTarget !== undefined ? deps.unloadTarget : typeof window !== 'undefined' ? window : null;
  const onBeforeUnload = (e: Event) => {
    if (liveTabCount(store.getState().tabs) === 0) return;
    e.preventDefault();
    // Older browsers (and Electron's will-prevent-unload) look at returnValue.
    if (typeof BeforeUnloadEvent !== 'undefined' && e instanceof BeforeUnloadEvent) e.returnValue = '';
  };
  unloadTarget?.addEventListener('beforeunload', onBeforeUnload);

  if (deps.link) {
    linkSub = deps.link.onDidChangeState((state) => {
      if (state.status === 'open' || !store.getState().run?.running) return;
      runSub?.dispose();
      runSub = null;
      const error = new AppError('UNAVAILABLE', 'the connection to the Drover service was lost while the command ran: the results are incomplete (the command was not run again)');
      store.setState((s) => (s.run?.running ? { run: endedRun(s.run, error, now()) } : {}));
      report(error, 'runOnHosts');
    });
  }

  return Object.assign(store, {
    dispose() {
      unloadTarget?.removeEventListener('beforeunload', onBeforeUnload);
      linkSub?.dispose();
      live?.dispose();
      runSub?.dispose();
      for (const key of [...records.keys()]) store.getState().closeTab(key);
    },
  });
}

export const selectTabs = (s: TerminalState): readonly TerminalTab[] => s.tabs;
export const selectActiveKey = (s: TerminalState): string | null => s.activeKey;
/** The tab the keyboard and the toolbar act on (the focused pane's front tab). */
export const selectActiveTab = (s: TerminalState): TerminalTab | undefined => {
  const key = panesOf.focusedKey(s.activeKey, s.panes);
  return s.tabs.find((t) => t.key === key);
};
export const selectFocusedKey = (s: TerminalState): string | null => panesOf.focusedKey(s.activeKey, s.panes);
export const selectPanes = (s: TerminalState): Panes => s.panes;
export const selectBroadcast = (s: TerminalState): readonly string[] | null => s.broadcast;
export const selectPrefs = (s: TerminalState): TerminalPrefs => s.prefs;
export const selectRun = (s: TerminalState): RunState | null => s.run;
export const selectRunDraft = (s: TerminalState): RunDraft => s.runDraft;
export const selectView = (s: TerminalState): TerminalView => s.view;
export const selectProfiles = (s: TerminalState): readonly SshDestination[] => s.profiles;
export const selectRecent = (s: TerminalState): readonly SshDestination[] => s.recent;
export const selectSaved = (s: TerminalState): readonly SavedHost[] => s.saved;
export const selectOthers = (s: TerminalState): readonly TerminalLiveSession[] => s.others;
export const selectRestored = (s: TerminalState): boolean => s.restored;
export const selectRenaming = (s: TerminalState): string | null => s.renaming;
