import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import type { SourceHealth } from '@contract/live';
import {
  NETBOOT_STATUS_KEY,
  type DnsmasqModeName,
  type MachineTimeline,
  type NetbootDnsmasq,
  type NetbootEtcdPreview,
  type NetbootFeatureStatus,
  type NetbootLiveData,
  type NetbootMachineRow,
  type NetbootSaveResult,
  type NetbootValidation,
  type SubnetCounts,
} from '@contract/netboot';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';

/** The live stream itself, for the panel header and for stale drawing. */
export interface NetbootLive {
  readonly connected: boolean;
  /** Connected and a snapshot arrived since: values are current, actions may be taken. */
  readonly fresh: boolean;
  readonly health: SourceHealth | undefined;
  readonly clockOffsetMs: number;
  readonly updatedAtMs: number | undefined;
}

export interface ConfigEditorState {
  /** The file being edited. */
  readonly path: string;
  /** False until readConfig answered. */
  readonly loaded: boolean;
  readonly loading: boolean;
  /** The file existed when it was read (otherwise the text is the sample). */
  readonly exists: boolean;
  readonly text: string;
  /** What is on disk (the last read or save): the editor is dirty when text differs. */
  readonly savedText: string;
  /** The check of `text` (undefined until the first answer). */
  readonly validation: NetbootValidation | undefined;
  /** The text `validation` is for. */
  readonly validatedText: string | undefined;
  readonly validating: boolean;
  readonly saving: boolean;
  /** The last save's outcome (the reload report: applied, or refused with the last good config kept). */
  readonly lastSave: NetbootSaveResult | undefined;
  readonly error: AppError | undefined;
}

export interface DnsmasqState {
  readonly mode: DnsmasqModeName;
  readonly interfaces: readonly string[];
  readonly tftp: boolean;
  readonly result: NetbootDnsmasq | undefined;
  readonly loading: boolean;
  readonly error: AppError | undefined;
  readonly saving: boolean;
  /** The file last written, and its size. */
  readonly saved: { readonly path: string; readonly bytes: number } | undefined;
}

export interface EtcdValuesState {
  readonly loading: boolean;
  readonly mac: string | undefined;
  readonly preview: NetbootEtcdPreview | undefined;
  readonly error: AppError | undefined;
}

export interface MachineDetailState {
  readonly loading: boolean;
  readonly timeline: MachineTimeline | undefined;
  readonly error: AppError | undefined;
}

export type SaveDnsmasqResult = 'saved' | 'exists' | 'failed';

export interface NetbootState {
  /** False until the first snapshot arrived. */
  readonly loaded: boolean;
  readonly live: NetbootLive;
  readonly machines: Readonly<Record<string, NetbootMachineRow>>;
  readonly subnets: Readonly<Record<string, SubnetCounts>>;
  readonly status: NetbootFeatureStatus | undefined;
  /** Local time each machine last changed (for a brief highlight). */
  readonly changedAtMs: Readonly<Record<string, number>>;
  readonly streamError: AppError | null;
  /** start / stop in flight. */
  readonly busy: 'start' | 'stop' | 'path' | null;
  readonly editor: ConfigEditorState;
  readonly dnsmasq: DnsmasqState;
  /** Per subnet name. */
  readonly etcd: Readonly<Record<string, EtcdValuesState>>;
  /** Per machine key. */
  readonly details: Readonly<Record<string, MachineDetailState>>;

  start(): Promise<boolean>;
  stop(): Promise<boolean>;
  loadConfig(): Promise<void>;
  /** Edits the text; it is validated a moment after typing stops. */
  setText(text: string): void;
  /** Writes the text and reloads (the outcome is editor.lastSave). */
  saveConfig(): Promise<NetbootSaveResult | undefined>;
  setConfigPath(path: string): Promise<boolean>;
  setDnsmasqOptions(options: { mode?: DnsmasqModeName; interfaces?: readonly string[]; tftp?: boolean }): void;
  generateDnsmasq(): Promise<void>;
  saveDnsmasq(path: string, overwrite: boolean): Promise<SaveDnsmasqResult>;
  /** Reads through the responder's endpoints, or through the etcd page's session `sessionId`. */
  loadEtcdValues(subnet: string, mac?: string, sessionId?: string): Promise<void>;
  loadMachine(key: string): Promise<void>;
}

export type NetbootStore = StoreApi<NetbootState> & Disposable;

export interface NetbootStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  /** How live frames are batched (one flush per animation frame by default). */
  schedule?: (flush: () => void) => void;
  /** Delay between the last keystroke and the validation call. Default 300 ms. */
  validateDelayMs?: number;
  now?: () => number;
}

export const VALIDATE_DELAY_MS = 300;

const EMPTY_EDITOR: ConfigEditorState = {
  path: '',
  loaded: false,
  loading: false,
  exists: false,
  text: '',
  savedText: '',
  validation: undefined,
  validatedText: undefined,
  validating: false,
  saving: false,
  lastSave: undefined,
  error: undefined,
};

/**
 * The netboot page's state: machines, subnet counts and the status from netboot.live (applied
 * once per animation frame by the live store); the config editor (validated a moment after each
 * keystroke, stale answers dropped; save = write + reload); the dnsmasq companion; the etcd
 * values per subnet; one machine's events on demand.
 */
export function createNetbootStore(deps: NetbootStoreDeps): NetbootStore {
  const remote = deps.api.netboot;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();
  const now = deps.now ?? Date.now;
  const delay = deps.validateDelayMs ?? VALIDATE_DELAY_MS;
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let validateSeq = 0;
  let dnsmasqSeq = 0;
  disposables.add(toDisposable(() => validateTimer !== undefined && clearTimeout(validateTimer)));

  const store = createStore<NetbootState>()((set, get) => {
    const editor = (patch: Partial<ConfigEditorState>) => set((s) => ({ editor: { ...s.editor, ...patch } }));
    const dns = (patch: Partial<DnsmasqState>) => set((s) => ({ dnsmasq: { ...s.dnsmasq, ...patch } }));

    const validate = async (text: string) => {
      const seq = ++validateSeq;
      editor({ validating: true });
      try {
        const validation = await remote.validateConfig({ text });
        if (seq !== validateSeq) return;
        editor({ validation, validatedText: text, validating: false, error: undefined });
      } catch (err) {
        if (seq !== validateSeq) return;
        editor({ validating: false, error: AppError.from(err) });
      }
    };
    const scheduleValidate = (text: string) => {
      if (validateTimer !== undefined) clearTimeout(validateTimer);
      validateTimer = setTimeout(() => {
        validateTimer = undefined;
        void validate(text);
      }, delay);
    };

    const runBusy = async (busy: 'start' | 'stop' | 'path', action: Parameters<typeof report>[1], call: () => Promise<unknown>): Promise<boolean> => {
      if (get().busy) return false;
      set({ busy });
      try {
        await call();
        return true;
      } catch (err) {
        report(err, action);
        return false;
      } finally {
        set({ busy: null });
      }
    };

    return {
      loaded: false,
      live: { connected: deps.link ? deps.link.state.status === 'open' : true, fresh: false, health: undefined, clockOffsetMs: 0, updatedAtMs: undefined },
      machines: {},
      subnets: {},
      status: undefined,
      changedAtMs: {},
      streamError: null,
      busy: null,
      editor: EMPTY_EDITOR,
      dnsmasq: { mode: 'dhcp', interfaces: [], tftp: true, result: undefined, loading: false, error: undefined, saving: false, saved: undefined },
      etcd: {},
      details: {},

      start: () => runBusy('start', 'startNetboot', () => remote.start(null)),
      stop: () => runBusy('stop', 'stopNetboot', () => remote.stop(null)),

      async loadConfig() {
        editor({ loading: true });
        try {
          const c = await remote.readConfig(null);
          editor({ path: c.path, exists: c.exists, text: c.text, savedText: c.exists ? c.text : '', loaded: true, loading: false, error: undefined, lastSave: undefined });
          if (validateTimer !== undefined) clearTimeout(validateTimer);
          void validate(c.text);
        } catch (err) {
          editor({ loading: false, error: AppError.from(err) });
          report(err, 'readNetbootConfig');
        }
      },

      setText(text) {
        if (text === get().editor.text) return;
        editor({ text });
        scheduleValidate(text);
      },

      async saveConfig() {
        const { text, saving } = get().editor;
        if (saving) return undefined;
        editor({ saving: true });
        try {
          const result = await remote.saveConfig({ text });
          editor({ saving: false, savedText: text, exists: true, lastSave: result, error: undefined });
          // The check after a save is the reload's: show the same problems (and their lines).
          if (validateTimer !== undefined) clearTimeout(validateTimer);
          void validate(text);
          return result;
        } catch (err) {
          editor({ saving: false });
          report(err, 'saveNetbootConfig');
          return undefined;
        }
      },

      async setConfigPath(path) {
        const ok = await runBusy('path', 'setNetbootConfigPath', () => remote.setConfigPath({ path }));
        if (ok) {
          set({ etcd: {}, details: {} });
          await get().loadConfig();
        }
        return ok;
      },

      setDnsmasqOptions(options) {
        const d = get().dnsmasq;
        dns({ mode: options.mode ?? d.mode, interfaces: options.interfaces ?? d.interfaces, tftp: options.tftp ?? d.tftp, saved: undefined });
      },

      async generateDnsmasq() {
        const seq = ++dnsmasqSeq;
        const { mode, interfaces, tftp } = get().dnsmasq;
        dns({ loading: true });
        try {
          const result = await remote.dnsmasq({ mode, interfaces: [...interfaces], tftp });
          if (seq === dnsmasqSeq) dns({ result, loading: false, error: undefined });
        } catch (err) {
          if (seq === dnsmasqSeq) dns({ result: undefined, loading: false, error: AppError.from(err) });
        }
      },

      async saveDnsmasq(path, overwrite) {
        const { mode, interfaces, tftp, saving } = get().dnsmasq;
        if (saving) return 'failed';
        dns({ saving: true });
        try {
          const saved = await remote.saveDnsmasq({ mode, interfaces: [...interfaces], tftp, path, overwrite });
          dns({ saving: false, saved });
          return 'saved';
        } catch (err) {
          dns({ saving: false });
          const e = AppError.from(err);
          if (e.code === 'ALREADY_EXISTS') return 'exists';
          report(e, 'saveDnsmasq');
          return 'failed';
        }
      },

      async loadEtcdValues(subnet, mac, sessionId) {
        const m = mac === undefined || mac.trim() === '' ? undefined : mac.trim();
        set((s) => ({ etcd: { ...s.etcd, [subnet]: { loading: true, mac: m, preview: s.etcd[subnet]?.preview, error: undefined } } }));
        try {
          const preview = await remote.etcdValues({ subnet, ...(m ? { mac: m } : {}), ...(sessionId ? { sessionId } : {}) });
          set((s) => ({ etcd: { ...s.etcd, [subnet]: { loading: false, mac: m, preview, error: undefined } } }));
        } catch (err) {
          set((s) => ({ etcd: { ...s.etcd, [subnet]: { loading: false, mac: m, preview: undefined, error: AppError.from(err) } } }));
        }
      },

      async loadMachine(key) {
        set((s) => ({ details: { ...s.details, [key]: { loading: true, timeline: s.details[key]?.timeline, error: undefined } } }));
        try {
          const timeline = await remote.machine({ key });
          set((s) => ({ details: { ...s.details, [key]: { loading: false, timeline, error: undefined } } }));
        } catch (err) {
          set((s) => ({ details: { ...s.details, [key]: { loading: false, timeline: undefined, error: AppError.from(err) } } }));
        }
      },
    };
  });

  const live = disposables.add(
    createLiveStore<NetbootLiveData>({
      subscribe: (observer) => remote.live(null, observer),
      initial: { machines: {}, subnets: {}, status: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchNetboot'),
    }),
  );
  const fromLive = (l: LiveState<NetbootLiveData>, prev: LiveState<NetbootLiveData> | undefined) => {
    const s = store.getState();
    const patch: { -readonly [K in keyof NetbootState]?: NetbootState[K] } = {
      live: { connected: l.connected, fresh: l.fresh, health: l.health, clockOffsetMs: l.clockOffsetMs, updatedAtMs: prev && prev.data === l.data ? s.live.updatedAtMs : now() },
      streamError: l.error ?? null,
    };
    if (!prev || prev.data !== l.data || prev.seq !== l.seq) {
      patch.loaded = l.seq >= 0;
      patch.machines = l.data.machines;
      patch.subnets = l.data.subnets;
      patch.status = l.data.status[NETBOOT_STATUS_KEY];
      // A machine gone from the timeline takes its details along.
      const details = Object.fromEntries(Object.entries(s.details).filter(([key]) => key in l.data.machines));
      if (Object.keys(details).length !== Object.keys(s.details).length) patch.details = details;
    }
    if (!prev || prev.changedAtMs !== l.changedAtMs) patch.changedAtMs = l.changedAtMs.machines ?? {};
    store.setState(patch);
  };
  fromLive(live.getState(), undefined);
  disposables.add(toDisposable(live.subscribe((l, prev) => fromLive(l, prev))));

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

// ---- derived views (pure: tested in renderer-netboot-store.test.ts) ----

export type MachineFilter = 'all' | 'stuck' | 'failing' | 'booting' | 'booted';

/** Booted: the last step is a served env. */
export function isBooted(m: NetbootMachineRow): boolean {
  return m.lastStep === 'env' && m.lastOutcome === 'ok';
}

/** A machine in no configured subnet or whose MAC is not known: listed apart. */
export function isUnknownClient(m: NetbootMachineRow): boolean {
  return m.subnet === undefined || m.mac === undefined;
}

/** Seen within this long and not booted: a stop would cut its boot short. */
export const MID_BOOT_WINDOW_MS = 15 * 60_000;

/** Machines a stop would interrupt: recently seen, known, not booted yet; most recent first. */
export function midBootMachines(machines: Readonly<Record<string, NetbootMachineRow>>, serverNowMs: number): NetbootMachineRow[] {
  return Object.values(machines)
    .filter((m) => !isUnknownClient(m) && !isBooted(m) && serverNowMs - m.lastSeenMs < MID_BOOT_WINDOW_MS)
    .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
}

export function matchesFilter(m: NetbootMachineRow, filter: MachineFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'stuck':
      return m.stuck;
    case 'failing':
      return m.lastOutcome !== 'ok';
    case 'booted':
      return isBooted(m);
    case 'booting':
      return !isBooted(m) && !m.stuck;
  }
}

/** Known machines (subnet and MAC) for the timeline table: stuck first, then most recently seen. */
export function timelineRows(machines: Readonly<Record<string, NetbootMachineRow>>, filter: MachineFilter, search: string): NetbootMachineRow[] {
  const q = search.trim().toLowerCase();
  return Object.values(machines)
    .filter((m) => !isUnknownClient(m) && matchesFilter(m, filter) && (q === '' || `${m.mac} ${m.ip} ${m.subnet}`.toLowerCase().includes(q)))
    .sort((a, b) => (a.stuck === b.stuck ? b.lastSeenMs - a.lastSeenMs : a.stuck ? -1 : 1));
}

export function unknownClientRows(machines: Readonly<Record<string, NetbootMachineRow>>): NetbootMachineRow[] {
  return Object.values(machines)
    .filter(isUnknownClient)
    .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
}

/** Subnets in config order as the counts list them, filtered by name or CIDR. */
export function subnetRows(subnets: Readonly<Record<string, SubnetCounts>>, search: string): SubnetCounts[] {
  const q = search.trim().toLowerCase();
  return Object.values(subnets).filter((s) => q === '' || `${s.subnet} ${s.cidr}`.toLowerCase().includes(q));
}

/** The editor's text differs from the file. */
export function isDirty(e: ConfigEditorState): boolean {
  return e.loaded && (!e.exists || e.text !== e.savedText);
}

// ---- selectors ----

export const selectNetbootLive = (s: NetbootState): NetbootLive => s.live;
export const selectNetbootFresh = (s: NetbootState): boolean => s.live.fresh;
export const selectNetbootStatus = (s: NetbootState): NetbootFeatureStatus | undefined => s.status;
export const selectNetbootMachines = (s: NetbootState): Readonly<Record<string, NetbootMachineRow>> => s.machines;
export const selectNetbootSubnets = (s: NetbootState): Readonly<Record<string, SubnetCounts>> => s.subnets;
export const selectEditor = (s: NetbootState): ConfigEditorState => s.editor;
export const selectDnsmasq = (s: NetbootState): DnsmasqState => s.dnsmasq;
export const selectEtcdValues =
  (subnet: string) =>
  (s: NetbootState): EtcdValuesState | undefined =>
    s.etcd[subnet];
export const selectMachineDetail =
  (key: string) =>
  (s: NetbootState): MachineDetailState | undefined =>
    s.details[key];
