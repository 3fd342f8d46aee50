import { systemClock, type Clock } from '@contract/clock';
import { AppError } from '@contract/errors';
import type { AppApi } from '@contract/index';
import type { Disposable } from '@contract/lifecycle';
import type { Hop } from '@contract/ssh';
import { TerminalTargetSchema } from '@contract/terminal';
import type { z } from 'zod';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReconnectingConnection } from '../../api/reconnecting-connection';
import type { ToastStore } from '../../stores/toast-store';
import { TerminalAttachment } from './terminal-attach';
import { addRecent, profileDestinations, readRecent, type SshDestination } from './terminal-destinations';
import { cancelledRun, EMPTY_RUN_DRAFT, endedRun, runHosts, startedRun, withResult, type RunDraft, type RunState } from './terminal-run';
import type { ScreenFactory, TerminalScreen } from './terminal-screen';
import { CONNECTING, endTab, findTab, isEnded, newTab, openedPatch, patchTab, reconnectNote, removeTab, sessionPatch, type TerminalTab } from './terminal-sessions';
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
  const saved = storage.read();
  let tabSeq = 0;
  let runSeq = 0;
  let runSub: Disposable | null = null;
  let linkSub: Disposable | undefined;

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
          opened: (info) => patch(key, openedPatch(info)),
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
      if (rec && tab) void rec.attachment.connect(tab.target);
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
      runDraft: EMPTY_RUN_DRAFT,
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
            }
          }),
        );
        const activate = options.activate ?? true;
        set((s) => ({ tabs: [...s.tabs, newTab(key, target)], ...(activate ? { activeKey: key, view: 'terminals' as const } : {}) }));
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
        set((s) => ({ tabs: removeTab(s.tabs, key), ...viewAfterClose(s, s.tabs.map((t) => t.key), key) }));
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
        if (records.has(key)) set({ activeKey: key, view: 'terminals' });
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
        try {
          const list = await api.tunnels.list(null);
          set({ profiles: profileDestinations(list), profilesLoading: false });
        } catch (err) {
          set({ profilesLoading: false });
          report(err, 'loadTunnelTargets');
        }
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
      linkSub?.dispose();
      runSub?.dispose();
      for (const key of [...records.keys()]) store.getState().closeTab(key);
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
