import type {
  BackupSummary,
  ClusterStatus,
  ConflictInfo,
  DeletePlan,
  DeletePrefixResultData,
  EditResultData,
  EnvCheck,
  EnvRow,
  EtcdKv,
  EtcdSessionConfig,
  EtcdSessionItem,
  EtcdSessionsLiveData,
  EtcdStatusLiveData,
  EtcdWatchLiveData,
  FarmTableKind,
  HistoryPageData,
  KeyValue,
  LeaseDetail,
  MergedEnv,
  RestoreResultData,
  WatchInfo,
} from '@contract/etcd';
import { AppError } from '@contract/errors';
import type { AppApi } from '@contract/index';
import { DisposableStore, MutableDisposable, toDisposable, type Disposable } from '@contract/lifecycle';
import type { SourceHealth } from '@contract/live';
import type { TunnelProfile } from '@contract/tunnels';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';
import { b64ToBytes, bytesToB64, decodeUtf8, displayBytes, escapeBytes, keyInputToB64, parseHex, toHex, unescapeBytes } from './etcd-bytes';
import { ancestorsOf, flattenList, flattenTree, keyBytes, reuseRows, toChanges, type Change, type DirCount, type KeyList, type Level, type Row } from './key-browser';

// ---------------------------------------------------------------- value ⇄ editor text

/** How the editor shows a value: pretty JSON, plain text, escaped text (\xHH for non-UTF-8 bytes), or hex. */
export type EditMode = 'json' | 'text' | 'escaped' | 'hex';

/** The modes that can show these bytes without losing any. */
export function modesFor(bytes: Uint8Array): EditMode[] {
  return decodeUtf8(bytes) !== undefined ? ['json', 'text', 'hex'] : ['escaped', 'hex'];
}

export function defaultMode(value: KeyValue['value']): EditMode {
  if (value.kind === 'json' && !value.displayTruncated) return 'json';
  // Binary: bytes that are not UTF-8, or text with control characters a textarea would hide.
  if (value.kind === 'binary') return 'hex';
  return 'text';
}

/** The editor text for bytes in a mode (JSON mode uses the service's exact pretty form when it has one). */
export function textFor(bytes: Uint8Array, mode: EditMode, prettyJson?: string): string {
  if (mode === 'hex') return toHex(bytes);
  if (mode === 'escaped') return escapeBytes(bytes);
  const text = decodeUtf8(bytes);
  if (text === undefined) return escapeBytes(bytes);
  return mode === 'json' && prettyJson !== undefined ? prettyJson : text;
}

/** The bytes the editor text stands for, or why it does not stand for any. */
export function bytesFor(text: string, mode: EditMode): { ok: true; bytes: Uint8Array } | { ok: false; error: string } {
  if (mode === 'hex') {
    const p = parseHex(text);
    return p.ok ? p : { ok: false, error: p.error };
  }
  if (mode === 'escaped') {
    const p = unescapeBytes(text);
    return p.ok ? p : { ok: false, error: `${p.error} (at character ${p.offset + 1})` };
  }
  return { ok: true, bytes: new TextEncoder().encode(text) };
}

// ---------------------------------------------------------------- state

/** What a panel knows about its live source (for <LiveStatus>). */
export interface LiveView {
  readonly connected: boolean;
  readonly fresh: boolean;
  readonly health: SourceHealth | undefined;
  readonly clockOffsetMs: number;
  readonly updatedAtMs: number | undefined;
}

const NO_LIVE: LiveView = { connected: false, fresh: false, health: undefined, clockOffsetMs: 0, updatedAtMs: undefined };

export interface ConflictView {
  /** What was being written. */
  readonly op: 'update' | 'delete' | 'restore' | 'create';
  readonly info: ConflictInfo;
  /** The editor text of what the user wanted (empty for a delete), and of what is there now, in the editor's mode. */
  readonly mine: string;
  readonly theirs: string | null;
  /** For restore: the revision being restored. */
  readonly revision?: number;
}

export interface HistoryState {
  readonly key: string;
  readonly entries: HistoryPageData['entries'];
  readonly next: number | null;
  readonly end: HistoryPageData['end'];
  readonly loading: boolean;
  readonly error: AppError | null;
}

export interface EditorState {
  readonly key: string;
  readonly keyDisplay: string;
  readonly loading: boolean;
  readonly error: AppError | null;
  /** The key as loaded; null when it does not exist (deleted, or never was). */
  readonly loaded: KeyValue | null;
  readonly mode: EditMode;
  readonly draft: string;
  readonly dirty: boolean;
  /** The draft does not stand for bytes in this mode (bad hex, a stray backslash). */
  readonly draftError: string | null;
  readonly saving: boolean;
  /** The last save's refusal (e.g. malformed JSON with its line and column). */
  readonly saveError: AppError | null;
  readonly conflict: ConflictView | null;
  /** A change of this key arrived after the loaded revision. */
  readonly remote: { readonly type: 'put' | 'delete'; readonly revision: number } | null;
}

export interface FarmTable {
  readonly kind: FarmTableKind;
  readonly pattern: string;
  readonly rows: readonly EnvRow[];
  readonly skipped: number;
  readonly more: boolean;
  readonly lastKey: string | null;
  readonly loading: boolean;
  readonly error: AppError | null;
}

export interface ResyncNotice {
  readonly reason: 'compacted' | 'overflow';
  readonly compactRevision?: number;
  readonly resumeRevision: number;
  readonly atMs: number;
}

export type CreateResult = { ok: true } | { ok: false; error: string; jsonError?: boolean } | { ok: false; exists: EtcdKv | null; key: string };

export type EtcdTab = 'keys' | 'leases' | 'workers' | 'datacenters';

export interface EtcdState {
  readonly sessionsLoaded: boolean;
  readonly sessions: Readonly<Record<string, EtcdSessionItem>>;
  /** Session ids by name. */
  readonly sessionOrder: readonly string[];
  readonly sessionsLive: LiveView;
  readonly sessionId: string | null;
  readonly status: { readonly live: LiveView; readonly cluster: ClusterStatus | undefined };
  readonly tab: EtcdTab;

  /** The prefix searched for (as typed); '' shows the tree. */
  readonly search: string;
  readonly searchError: string | null;
  readonly levels: Readonly<Record<string, Level>>;
  readonly expanded: Readonly<Record<string, boolean>>;
  readonly counts: Readonly<Record<string, DirCount>>;
  readonly list: KeyList | null;
  readonly watch: { readonly live: LiveView; readonly info: WatchInfo | undefined; readonly changes: readonly Change[] };
  readonly rows: readonly Row[];
  /** The selected row (a key or directory, base64). */
  readonly selected: string | null;
  readonly editor: EditorState | null;
  readonly history: HistoryState | null;
  readonly notice: ResyncNotice | null;

  readonly leases: { readonly loading: boolean; readonly error: AppError | null; readonly total: number; readonly items: readonly LeaseDetail[] } | null;
  readonly farm: Readonly<Partial<Record<FarmTableKind, FarmTable>>>;

  selectSession(id: string | null): void;
  saveSession(config: EtcdSessionConfig, password?: string, clearPassword?: boolean): Promise<EtcdSessionConfig>;
  removeSession(id: string): Promise<void>;
  testSession(config: EtcdSessionConfig, password?: string): Promise<ClusterStatus>;
  connect(): Promise<void>;
  listTunnels(): Promise<TunnelProfile[]>;
  setTab(tab: EtcdTab): void;

  setSearch(text: string): void;
  toggle(prefix: string): void;
  setExpanded(prefix: string, open: boolean): void;
  loadMore(parent: string): void;
  refresh(): void;
  select(rowId: string | null): void;
  /** Moves the selection by delta rows (keyboard). */
  move(delta: number): void;
  /** Opens a key in the editor (and reveals it in the tree). */
  openKey(keyB64: string): void;
  closeEditor(): void;

  setMode(mode: EditMode): void;
  setDraft(text: string): void;
  revert(): void;
  save(): Promise<void>;
  /** take-theirs: load what is there now; write-mine: write the draft over it (another CAS); cancel. */
  resolveConflict(choice: 'take-theirs' | 'write-mine' | 'cancel'): Promise<void>;
  createKey(keyText: string, valueText: string, mode: EditMode, requireJson: boolean): Promise<CreateResult>;
  deleteOpenKey(): Promise<boolean>;

  loadHistory(more?: boolean): Promise<void>;
  closeHistory(): void;
  restoreRevision(revision: number): Promise<boolean>;

  planDelete(prefixB64: string): Promise<DeletePlan>;
  deletePrefix(plan: DeletePlan, confirmation: string, backupFile: string): Promise<DeletePrefixResultData>;
  inspectBackup(file: string): Promise<BackupSummary>;
  restoreBackup(file: string): Promise<RestoreResultData>;
  exportPrefix(prefixB64: string, file: string, overwrite: boolean): Promise<{ file: string; count: number; revision: number }>;
  defaultExportFile(prefixB64: string): string;
  importFile(file: string, rebaseTo?: string): Promise<RestoreResultData>;

  loadLeases(): Promise<void>;
  loadFarm(kind: FarmTableKind, more?: boolean): Promise<void>;
  checkEnv(kind: FarmTableKind, id: string, text: string): Promise<EnvCheck>;
  saveEnv(kind: FarmTableKind, id: string, text: string, expectedModRevision: number): Promise<EditResultData>;
  mergedEnv(uuid: string, mac: string): Promise<MergedEnv>;
  dismissNotice(): void;
}

export type EtcdStore = StoreApi<EtcdState> & Disposable;

export interface EtcdStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  schedule?: (flush: () => void) => void;
  now?: () => number;
  /** Remembers the selected session (localStorage by default). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  /** Delay before directories touched by changes are counted again (default 400 ms). */
  recountDelayMs?: number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

const SESSION_KEY = 'drover.etcd.session';
/**
 * First pages are small (a fast first screen); later ones larger: etcd counts the rest of the range
 * for every request, so many small pages of a 100,000-key prefix would cost far more in total.
 */
const TREE_PAGE = 500;
const TREE_PAGE_MORE = 2000;
const LIST_PAGE = 1000;
const LIST_PAGE_MORE = 5000;

function liveView<D extends Record<string, Record<string, object>>>(l: LiveState<D>, updatedAtMs: number | undefined): LiveView {
  return { connected: l.connected, fresh: l.fresh, health: l.health, clockOffsetMs: l.clockOffsetMs, updatedAtMs };
}

const emptyLevel = (parent: string): Level => ({ parent, nodes: [], cursor: null, more: false, revision: 0, loading: true, error: null });

/**
 * The etcd page's state: saved sessions (live, with health), the selected session's cluster
 * status (live), the key tree or prefix search loaded page by page with the live changes of the
 * watched prefix laid over it, the value editor (CAS saves, conflicts with both sides), history,
 * leases and the farm tables, and every action that calls the service.
 */
export function createEtcdStore(deps: EtcdStoreDeps): EtcdStore {
  const remote = deps.api.etcd;
  const report = deps.toasts.getState().reportError;
  const now = deps.now ?? Date.now;
  const storage = deps.storage ?? (typeof localStorage !== 'undefined' ? localStorage : undefined);
  const timers = deps.timers ?? { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  const disposables = new DisposableStore();
  const statusSub = disposables.add(new MutableDisposable());
  const watchSub = disposables.add(new MutableDisposable());
  /** Bumped whenever the session or the watched prefix changes: late answers for the old one are dropped. */
  let generation = 0;
  let watchPrefix: string | null = null;
  let epochSeen = -1;
  let recountTimer: unknown;

  const store = createStore<EtcdState>()(() => ({
    sessionsLoaded: false,
    sessions: {},
    sessionOrder: [],
    sessionsLive: NO_LIVE,
    sessionId: null,
    status: { live: NO_LIVE, cluster: undefined },
    tab: 'keys',
    search: '',
    searchError: null,
    levels: {},
    expanded: {},
    counts: {},
    list: null,
    watch: { live: NO_LIVE, info: undefined, changes: [] },
    rows: [],
    selected: null,
    editor: null,
    history: null,
    notice: null,
    leases: null,
    farm: {},
    ...actions(),
  }));

  const get = () => store.getState();
  const set = (patch: Partial<EtcdState>) => store.setState(patch);
  const sid = () => {
    const id = get().sessionId;
    if (!id) throw new AppError('INVALID_INPUT', 'no etcd session is selected', { hint: 'Pick or create a session first.' });
    return id;
  };

  /** The search box's prefix as base64, or the tree ('' = every key). */
  const searchPrefix = (): { ok: true; b64: string } | { ok: false; error: string } => {
    const text = get().search;
    return text === '' ? { ok: true, b64: '' } : keyInputToB64(text);
  };

  const recomputeRows = () => {
    const s = get();
    const rows = s.list ? flattenList(s.list, s.watch.changes) : s.sessionId ? flattenTree('', s.levels, s.expanded, s.watch.changes, s.counts) : [];
    set({ rows: reuseRows(s.rows, rows) });
  };

  // ---- tree levels and the search list ----

  const loadLevel = async (parent: string, more: boolean) => {
    const gen = generation;
    const id = get().sessionId;
    if (!id) return;
    const prev = get().levels[parent];
    if (prev?.loading && prev.nodes.length > 0) return;
    const cursor = more ? (prev?.cursor ?? null) : null;
    if (more && !cursor) return;
    set({ levels: { ...get().levels, [parent]: prev ? { ...prev, loading: true, error: null } : emptyLevel(parent) } });
    recomputeRows();
    try {
      const page = await remote.children({ sessionId: id, parent, cursor, limit: more ? TREE_PAGE_MORE : TREE_PAGE });
      if (gen !== generation) return;
      const base = more && prev ? prev.nodes : [];
      const level: Level = { parent, nodes: [...base, ...page.nodes], cursor: page.nextCursor, more: page.more, revision: page.revision, loading: false, error: null };
      set({ levels: { ...get().levels, [parent]: level } });
      recomputeRows();
      void countDirs(page.nodes.filter((n) => !n.isLeaf).map((n) => n.prefix));
    } catch (err) {
      if (gen !== generation) return;
      const e = AppError.from(err);
      const cur = get().levels[parent] ?? emptyLevel(parent);
      set({ levels: { ...get().levels, [parent]: { ...cur, loading: false, error: e } } });
      recomputeRows();
    }
  };

  const countDirs = async (prefixes: readonly string[]) => {
    const id = get().sessionId;
    if (!id || prefixes.length === 0) return;
    const gen = generation;
    for (let i = 0; i < prefixes.length; i += 100) {
      const group = prefixes.slice(i, i + 100);
      try {
        const res = await remote.countPrefixes({ sessionId: id, prefixes: [...group] });
        if (gen !== generation) return;
        const counts = { ...get().counts };
        group.forEach((p, j) => {
          counts[p] = { count: res.counts[j] ?? 0, revision: res.revision };
        });
        set({ counts });
        recomputeRows();
      } catch {
        return; // counts are a convenience: the tree works without them
      }
    }
  };

  const loadList = async (more: boolean) => {
    const gen = generation;
    const id = get().sessionId;
    const prefix = searchPrefix();
    if (!id || !prefix.ok) return;
    const prev = get().list;
    if (more && (!prev || !prev.cursor || prev.loading)) return;
    const base: KeyList = prev && prev.prefix === prefix.b64 ? prev : { prefix: prefix.b64, entries: [], cursor: null, more: false, revision: 0, loading: true, error: null };
    set({ list: { ...base, loading: true, error: null } });
    recomputeRows();
    try {
      mark('drover-etcd-keys-sent');
      const page = await remote.keys({ sessionId: id, prefix: prefix.b64, cursor: more ? prev!.cursor : null, limit: more ? LIST_PAGE_MORE : LIST_PAGE });
      mark('drover-etcd-keys-received');
      if (gen !== generation) return;
      const entries = more && prev ? [...prev.entries, ...page.entries] : page.entries;
      set({ list: { prefix: prefix.b64, entries, cursor: page.nextCursor, more: page.more, revision: page.revision, loading: false, error: null } });
      recomputeRows();
    } catch (err) {
      if (gen !== generation) return;
      set({ list: { ...(get().list ?? base), loading: false, error: AppError.from(err) } });
      recomputeRows();
    }
  };

  /** Pages read before the watch's start revision miss changes: read them again (after a resync too). */
  const reloadOlderThan = (revision: number) => {
    const s = get();
    if (s.list && !s.list.loading && s.list.revision < revision) void loadList(false);
    if (!s.list) {
      for (const level of Object.values(s.levels)) {
        if (!level.loading && level.revision < revision && (level.parent === '' || s.expanded[level.parent])) void loadLevel(level.parent, false);
      }
      // Levels of collapsed directories are dropped; they load again when opened.
      const cur = get();
      const keep = Object.entries(cur.levels).filter(([p, l]) => l.revision >= revision || l.loading || p === '' || s.expanded[p]);
      const counts = Object.entries(cur.counts).filter(([, c]) => c.revision >= revision);
      if (keep.length !== Object.keys(cur.levels).length) set({ levels: Object.fromEntries(keep) });
      if (counts.length !== Object.keys(cur.counts).length) set({ counts: Object.fromEntries(counts) });
    }
  };

  // ---- the watch ----

  const watchFor = (prefix: string) => {
    const id = get().sessionId;
    if (!id) {
      watchSub.clear();
      watchPrefix = null;
      return;
    }
    if (watchPrefix === prefix && watchSub.value) return;
    watchPrefix = prefix;
    epochSeen = -1;
    set({ watch: { live: NO_LIVE, info: undefined, changes: [] } });
    const live = createLiveStore<EtcdWatchLiveData>({
      subscribe: (o) => remote.watch({ sessionId: id, prefix }, o),
      initial: { keys: {}, watch: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchEtcd'),
    });
    const onLive = (l: LiveState<EtcdWatchLiveData>, prev: LiveState<EtcdWatchLiveData> | undefined) => {
      const info = l.data.watch.info;
      const changes = prev && prev.data.keys === l.data.keys ? get().watch.changes : toChanges(l.data.keys);
      set({ watch: { live: liveView(l, now()), info, changes } });
      if (info) {
        if (epochSeen >= 0 && info.epoch > epochSeen) {
          // The watch started over: changes were lost. The open key is read again (unless it holds an edit).
          if (info.resync) set({ notice: { ...info.resync } });
          const ed = get().editor;
          if (ed && !ed.dirty && !ed.loading) void loadEditor(ed.key, true);
        }
        epochSeen = info.epoch;
        reloadOlderThan(info.startRevision - 1);
      }
      if (!prev || prev.data.keys !== l.data.keys) {
        recomputeRows();
        onChangesForEditor(changes);
        scheduleRecount(changes);
      }
    };
    onLive(live.getState(), undefined);
    const sub = live.subscribe((l, prev) => onLive(l, prev));
    watchSub.value = toDisposable(() => {
      sub();
      live.dispose();
    });
  };

  const onChangesForEditor = (changes: readonly Change[]) => {
    const ed = get().editor;
    if (!ed || ed.loading) return;
    const c = changes.find((x) => x.key === ed.key);
    if (!c) return;
    const loadedRev = ed.loaded?.entry.modRevision ?? 0;
    if (c.item.revision <= loadedRev || (ed.remote && ed.remote.revision >= c.item.revision)) return;
    if (!ed.dirty && !ed.conflict) void loadEditor(ed.key, true);
    else set({ editor: { ...ed, remote: { type: c.item.type, revision: c.item.revision } } });
  };

  const scheduleRecount = (changes: readonly Change[]) => {
    if (recountTimer !== undefined) return;
    recountTimer = timers.setTimeout(() => {
      recountTimer = undefined;
      const s = get();
      if (s.list) return;
      const dirs = new Set<string>();
      for (const c of changes) {
        for (const dir of ancestorsOf(c.bytes, new Uint8Array()).slice(1)) {
          const known = s.counts[dir];
          if (known && known.revision < c.item.revision) dirs.add(dir);
          else if (!known && s.levels[parentOf(dir)]) dirs.add(dir);
        }
      }
      void countDirs([...dirs]);
    }, deps.recountDelayMs ?? 400);
  };

  const resetBrowser = () => {
    generation++;
    const prefix = searchPrefix();
    set({ levels: {}, counts: {}, list: null, rows: [], selected: get().selected, searchError: prefix.ok ? null : prefix.error });
    if (!get().sessionId) {
      watchFor('');
      recomputeRows();
      return;
    }
    if (!prefix.ok) {
      recomputeRows();
      return;
    }
    watchFor(prefix.b64);
    if (get().search === '') void loadLevel('', false);
    else void loadList(false);
  };

  // ---- the editor ----

  const loadEditor = async (key: string, keepMode: boolean) => {
    const id = get().sessionId;
    if (!id) return;
    const gen = generation;
    const prev = get().editor;
    const keyDisplay = displayBytes(keyBytes(key));
    set({
      editor: {
        key,
        keyDisplay,
        loading: true,
        error: null,
        loaded: prev?.key === key ? prev.loaded : null,
        mode: keepMode && prev?.key === key ? prev.mode : 'text',
        draft: prev?.key === key ? prev.draft : '',
        dirty: false,
        draftError: null,
        saving: false,
        saveError: null,
        conflict: null,
        remote: null,
      },
    });
    try {
      const kv = await remote.get({ sessionId: id, key });
      if (gen !== generation || get().editor?.key !== key) return;
      const cur = get().editor!;
      if (!kv) {
        set({ editor: { ...cur, loading: false, loaded: null, draft: '', dirty: false } });
        return;
      }
      const bytes = b64ToBytes(kv.value.base64);
      const modes = modesFor(bytes);
      let mode = keepMode && prev?.key === key && modes.includes(prev.mode) ? prev.mode : defaultMode(kv.value);
      if (mode === 'json' && kv.value.kind !== 'json') mode = 'text';
      set({ editor: { ...cur, loading: false, loaded: kv, mode, draft: textFor(bytes, mode, kv.value.kind === 'json' && !kv.value.displayTruncated ? kv.value.display : undefined), dirty: false } });
    } catch (err) {
      if (gen !== generation || get().editor?.key !== key) return;
      set({ editor: { ...get().editor!, loading: false, error: AppError.from(err) } });
    }
  };

  const loadedBytes = (ed: EditorState): Uint8Array => (ed.loaded ? b64ToBytes(ed.loaded.value.base64) : new Uint8Array());
  const prettyOf = (kv: KeyValue | null): string | undefined => (kv && kv.value.kind === 'json' && !kv.value.displayTruncated ? kv.value.display : undefined);
  const theirsText = (info: ConflictInfo, mode: EditMode): string | null => (info.current ? textFor(b64ToBytes(info.current.value), mode === 'json' ? 'text' : mode) : null);

  const applyEdit = async (op: ConflictView['op'], call: () => Promise<EditResultData>, mine: string, revision?: number): Promise<boolean> => {
    const ed = get().editor;
    if (!ed) return false;
    set({ editor: { ...ed, saving: true, saveError: null } });
    try {
      const r = await call();
      const cur = get().editor;
      if (!cur || cur.key !== ed.key) return r.ok;
      if (r.ok) {
        set({ editor: { ...cur, saving: false, conflict: null, remote: null } });
        await loadEditor(ed.key, true);
        return true;
      }
      let theirs = theirsText(r.conflict, cur.mode);
      const current = r.conflict.current;
      if (cur.mode === 'json' && current) {
        // Their version pretty-printed by the service (numbers and strings exactly as written), so the diff is line by line.
        const kv = await remote.get({ sessionId: sid(), key: ed.key, revision: current.modRevision }).catch(() => null);
        const pretty = prettyOf(kv);
        if (pretty !== undefined) theirs = pretty;
      }
      const now = get().editor;
      if (!now || now.key !== ed.key) return false;
      set({ editor: { ...now, saving: false, conflict: { op, info: r.conflict, mine, theirs, ...(revision !== undefined ? { revision } : {}) } } });
      return false;
    } catch (err) {
      const e = AppError.from(err);
      const cur = get().editor;
      if (cur && cur.key === ed.key) set({ editor: { ...cur, saving: false, saveError: e } });
      if (e.code !== 'INVALID_INPUT') report(e, 'saveEtcdKey');
      return false;
    }
  };

  const writeDraft = (expectedModRevision: number | null) => {
    const ed = get().editor!;
    const parsed = bytesFor(ed.draft, ed.mode);
    if (!parsed.ok) {
      set({ editor: { ...ed, draftError: parsed.error } });
      return Promise.resolve(false);
    }
    const original = ed.loaded ? decodeUtf8(loadedBytes(ed)) : undefined;
    const compact = ed.mode === 'json' && original !== undefined && !original.includes('\n');
    const json = ed.mode === 'json' ? { requireJson: true, jsonStyle: compact ? ('compact' as const) : ('as-typed' as const) } : {};
    const value = bytesToB64(parsed.bytes);
    const id = sid();
    if (expectedModRevision === null) return applyEdit('create', () => remote.create({ sessionId: id, key: ed.key, value, ...json }), ed.draft);
    return applyEdit('update', () => remote.update({ sessionId: id, key: ed.key, value, expectedModRevision, ...json }), ed.draft);
  };

  const revealKey = (key: string) => {
    const s = get();
    if (s.list) return;
    const ancestors = ancestorsOf(keyBytes(key), new Uint8Array()).slice(1);
    const expanded = { ...s.expanded };
    for (const a of ancestors) {
      expanded[a] = true;
      if (!get().levels[a]) void loadLevel(a, false);
    }
    set({ expanded });
    recomputeRows();
  };

  // ---- sessions ----

  const sessionsLive = disposables.add(
    createLiveStore<EtcdSessionsLiveData>({
      subscribe: (o) => remote.sessions(null, o),
      initial: { sessions: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchEtcdSessions'),
    }),
  );
  const onSessions = (l: LiveState<EtcdSessionsLiveData>, prev: LiveState<EtcdSessionsLiveData> | undefined) => {
    const sessions = l.data.sessions;
    const order = Object.keys(sessions).sort((a, b) => sessions[a]!.config.name.localeCompare(sessions[b]!.config.name) || (a < b ? -1 : 1));
    const same = order.length === get().sessionOrder.length && order.every((id, i) => get().sessionOrder[i] === id);
    set({ sessionsLoaded: l.seq >= 0, sessions, sessionOrder: same ? get().sessionOrder : order, sessionsLive: liveView(l, prev && prev.data === l.data ? get().sessionsLive.updatedAtMs : now()) });
    if (l.seq < 0) return;
    const cur = get().sessionId;
    if (cur && !sessions[cur]) get().selectSession(order[0] ?? null);
    else if (!cur && order.length > 0) {
      const remembered = storage?.getItem(SESSION_KEY);
      get().selectSession(remembered && sessions[remembered] ? remembered : order[0]!);
    }
  };
  onSessions(sessionsLive.getState(), undefined);
  disposables.add(toDisposable(sessionsLive.subscribe((l, prev) => onSessions(l, prev))));

  const watchStatus = (id: string | null) => {
    statusSub.clear();
    set({ status: { live: NO_LIVE, cluster: undefined } });
    if (!id) return;
    const live = createLiveStore<EtcdStatusLiveData>({
      subscribe: (o) => remote.statusLive({ sessionId: id }, o),
      initial: { cluster: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchEtcdStatus'),
    });
    const onLive = (l: LiveState<EtcdStatusLiveData>) => set({ status: { live: liveView(l, now()), cluster: l.data.cluster.status } });
    onLive(live.getState());
    const sub = live.subscribe(onLive);
    statusSub.value = toDisposable(() => {
      sub();
      live.dispose();
    });
  };

  function actions(): Omit<
    EtcdState,
    | 'sessionsLoaded'
    | 'sessions'
    | 'sessionOrder'
    | 'sessionsLive'
    | 'sessionId'
    | 'status'
    | 'tab'
    | 'search'
    | 'searchError'
    | 'levels'
    | 'expanded'
    | 'counts'
    | 'list'
    | 'watch'
    | 'rows'
    | 'selected'
    | 'editor'
    | 'history'
    | 'notice'
    | 'leases'
    | 'farm'
  > {
    return {
      selectSession(id) {
        if (get().sessionId === id && id !== null) return;
        generation++;
        watchSub.clear();
        watchPrefix = null;
        set({ sessionId: id, levels: {}, expanded: {}, counts: {}, list: null, rows: [], selected: null, editor: null, history: null, notice: null, leases: null, farm: {} });
        if (id) storage?.setItem(SESSION_KEY, id);
        watchStatus(id);
        resetBrowser();
        if (get().tab === 'leases') void get().loadLeases();
        if (get().tab === 'workers') void get().loadFarm('worker');
        if (get().tab === 'datacenters') void get().loadFarm('datacenter');
      },
      async saveSession(config, password, clearPassword) {
        const saved = await remote.saveSession({ config, ...(password ? { password } : {}), ...(clearPassword ? { clearPassword } : {}) });
        if (get().sessionId === saved.id) {
          // New settings: start the views over on the reconfigured connection.
          const id = saved.id;
          set({ sessionId: null });
          get().selectSession(id);
        } else get().selectSession(saved.id);
        return saved;
      },
      async removeSession(id) {
        await remote.removeSession({ id });
      },
      testSession: (config, password) => remote.testSession({ config, ...(password ? { password } : {}) }),
      async connect() {
        try {
          await remote.connect({ sessionId: sid() });
          get().refresh();
        } catch (err) {
          report(err, 'connectEtcd');
        }
      },
      listTunnels: () => deps.api.tunnels.list(null),
      setTab(tab) {
        set({ tab });
        if (tab === 'leases' && !get().leases) void get().loadLeases();
        if (tab === 'workers' && !get().farm.worker) void get().loadFarm('worker');
        if (tab === 'datacenters' && !get().farm.datacenter) void get().loadFarm('datacenter');
      },

      setSearch(text) {
        if (text === get().search) return;
        set({ search: text, selected: null });
        resetBrowser();
      },
      toggle(prefix) {
        get().setExpanded(prefix, !get().expanded[prefix]);
      },
      setExpanded(prefix, open) {
        const expanded = { ...get().expanded };
        if (open) expanded[prefix] = true;
        else delete expanded[prefix];
        set({ expanded });
        if (open && !get().levels[prefix]) void loadLevel(prefix, false);
        recomputeRows();
      },
      loadMore(parent) {
        if (get().list) void loadList(true);
        else void loadLevel(parent, true);
      },
      refresh() {
        const s = get();
        if (!s.sessionId) return;
        if (s.list || s.search !== '') {
          void loadList(false);
        } else {
          set({ counts: {} });
          for (const parent of Object.keys(s.levels)) {
            if (parent === '' || s.expanded[parent]) void loadLevel(parent, false);
          }
        }
        if (s.editor && !s.editor.dirty) void loadEditor(s.editor.key, true);
      },
      select(rowId) {
        set({ selected: rowId });
      },
      move(delta) {
        const s = get();
        const selectable = s.rows.filter((r) => r.kind === 'node' || r.kind === 'key');
        if (selectable.length === 0) return;
        const i = s.selected === null ? -1 : selectable.findIndex((r) => r.id === s.selected);
        const next = selectable[Math.min(selectable.length - 1, Math.max(0, i < 0 ? (delta > 0 ? 0 : selectable.length - 1) : i + delta))]!;
        set({ selected: next.id });
      },
      openKey(key) {
        set({ selected: key, history: null });
        revealKey(key);
        void loadEditor(key, false);
      },
      closeEditor() {
        set({ editor: null, history: null });
      },

      setMode(mode) {
        const ed = get().editor;
        if (!ed || ed.mode === mode) return;
        // The draft carries over: its bytes are shown in the new mode (unless they cannot be read).
        const parsed = bytesFor(ed.draft, ed.mode);
        if (!parsed.ok) {
          set({ editor: { ...ed, draftError: parsed.error } });
          return;
        }
        const pretty = !ed.dirty ? prettyOf(ed.loaded) : undefined;
        set({ editor: { ...ed, mode, draft: textFor(parsed.bytes, mode, pretty), draftError: null } });
      },
      setDraft(text) {
        const ed = get().editor;
        if (!ed) return;
        const original = ed.loaded ? textFor(loadedBytes(ed), ed.mode, prettyOf(ed.loaded)) : '';
        set({ editor: { ...ed, draft: text, dirty: text !== original, draftError: null, saveError: null } });
      },
      revert() {
        const ed = get().editor;
        if (!ed) return;
        void loadEditor(ed.key, true);
      },
      async save() {
        const ed = get().editor;
        if (!ed || ed.saving || ed.loading) return;
        await writeDraft(ed.loaded ? ed.loaded.entry.modRevision : null);
      },
      async resolveConflict(choice) {
        const ed = get().editor;
        if (!ed?.conflict) return;
        const c = ed.conflict;
        if (choice === 'cancel') {
          set({ editor: { ...ed, conflict: null } });
          return;
        }
        if (choice === 'take-theirs') {
          set({ editor: { ...ed, conflict: null, dirty: false } });
          await loadEditor(ed.key, true);
          return;
        }
        // write-mine: the user saw theirs and chose to replace it; still a CAS against what they saw.
        const current = c.info.current;
        set({ editor: { ...ed, conflict: null } });
        if (c.op === 'delete') {
          if (!current) {
            await loadEditor(ed.key, true);
            return;
          }
          await applyEdit('delete', () => remote.deleteKey({ sessionId: sid(), key: ed.key, expectedModRevision: current.modRevision }), '');
          return;
        }
        if (c.op === 'restore' && c.revision !== undefined) {
          const revision = c.revision;
          await applyEdit('restore', () => remote.restoreRevision({ sessionId: sid(), key: ed.key, revision, expectedModRevision: current?.modRevision ?? 0 }), c.mine, revision);
          return;
        }
        await writeDraft(current ? current.modRevision : null);
      },
      async createKey(keyText, valueText, mode, requireJson) {
        const key = keyInputToB64(keyText);
        if (!key.ok) return { ok: false, error: key.error };
        if (key.b64 === '') return { ok: false, error: 'empty' };
        const parsed = bytesFor(valueText, mode);
        if (!parsed.ok) return { ok: false, error: parsed.error };
        const id = sid();
        try {
          const r = await remote.create({ sessionId: id, key: key.b64, value: bytesToB64(parsed.bytes), ...(requireJson ? { requireJson: true } : {}) });
          if (r.ok) {
            get().openKey(key.b64);
            return { ok: true };
          }
          return { ok: false, exists: r.conflict.current, key: key.b64 };
        } catch (err) {
          const e = AppError.from(err);
          if (e.code !== 'INVALID_INPUT') report(e, 'createEtcdKey');
          return { ok: false, error: e.message, ...(e.details?.json ? { jsonError: true } : {}) };
        }
      },
      async deleteOpenKey() {
        const ed = get().editor;
        if (!ed?.loaded) return false;
        const expected = ed.loaded.entry.modRevision;
        return applyEdit('delete', () => remote.deleteKey({ sessionId: sid(), key: ed.key, expectedModRevision: expected }), '');
      },

      async loadHistory(more) {
        const ed = get().editor;
        if (!ed) return;
        const id = sid();
        const prev = get().history;
        const base = more && prev && prev.key === ed.key ? prev : { key: ed.key, entries: [], next: null, end: null, loading: true, error: null };
        if (more && (!prev?.next || prev.loading)) return;
        set({ history: { ...base, loading: true, error: null } });
        try {
          const page = await remote.history({ sessionId: id, key: ed.key, ...(more && prev?.next ? { fromRevision: prev.next } : {}), limit: 20 });
          if (get().editor?.key !== ed.key) return;
          set({ history: { key: ed.key, entries: [...base.entries, ...page.entries], next: page.next, end: page.end, loading: false, error: null } });
        } catch (err) {
          set({ history: { ...base, loading: false, error: AppError.from(err) } });
        }
      },
      closeHistory() {
        set({ history: null });
      },
      async restoreRevision(revision) {
        const ed = get().editor;
        if (!ed) return false;
        const entry = get().history?.entries.find((e) => e.entry.modRevision === revision);
        const mine = entry ? textFor(b64ToBytes(entry.value.base64), ed.mode === 'json' ? 'text' : ed.mode) : '';
        const ok = await applyEdit('restore', () => remote.restoreRevision({ sessionId: sid(), key: ed.key, revision, expectedModRevision: ed.loaded?.entry.modRevision ?? 0 }), mine, revision);
        if (ok) void get().loadHistory();
        return ok;
      },

      planDelete: (prefix) => remote.planDeletePrefix({ sessionId: sid(), prefix }),
      async deletePrefix(plan, confirmation, backupFile) {
        const r = await remote.deletePrefix({ sessionId: sid(), prefix: plan.prefix, confirmation, backupFile });
        const ed = get().editor;
        if (ed && !ed.dirty) void loadEditor(ed.key, true);
        return r;
      },
      inspectBackup: (file) => remote.inspectBackup({ file }),
      restoreBackup: (file) => remote.restoreBackup({ sessionId: sid(), file }),
      exportPrefix: (prefix, file, overwrite) => remote.exportPrefix({ sessionId: sid(), prefix, file, overwrite }),
      defaultExportFile(prefix) {
        const text = prefix === '' ? 'all-keys' : displayBytes(keyBytes(prefix));
        const slug = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'prefix';
        return `${get().sessionId ?? 'etcd'}-${slug}-export.json`;
      },
      importFile: (file, rebaseTo) => remote.importFile({ sessionId: sid(), file, ...(rebaseTo !== undefined ? { rebaseTo } : {}) }),

      async loadLeases() {
        const id = get().sessionId;
        if (!id) return;
        const prev = get().leases;
        set({ leases: { loading: true, error: null, total: prev?.total ?? 0, items: prev?.items ?? [] } });
        try {
          const r = await remote.leases({ sessionId: id });
          if (get().sessionId !== id) return;
          set({ leases: { loading: false, error: null, total: r.total, items: r.leases } });
        } catch (err) {
          set({ leases: { loading: false, error: AppError.from(err), total: prev?.total ?? 0, items: prev?.items ?? [] } });
        }
      },
      async loadFarm(kind, more) {
        const id = get().sessionId;
        if (!id) return;
        const prev = get().farm[kind];
        if (more && (!prev?.more || prev.loading)) return;
        const base: FarmTable = more && prev ? prev : { kind, pattern: prev?.pattern ?? '', rows: [], skipped: 0, more: false, lastKey: null, loading: true, error: null };
        set({ farm: { ...get().farm, [kind]: { ...base, loading: true, error: null } } });
        try {
          const page = await remote.envTable({ sessionId: id, kind, after: more ? (prev?.lastKey ?? null) : null });
          if (get().sessionId !== id) return;
          set({
            farm: {
              ...get().farm,
              [kind]: { kind, pattern: page.pattern, rows: [...base.rows, ...page.rows], skipped: base.skipped + page.skipped, more: page.more, lastKey: page.lastKey, loading: false, error: null },
            },
          });
        } catch (err) {
          set({ farm: { ...get().farm, [kind]: { ...base, loading: false, error: AppError.from(err) } } });
        }
      },
      checkEnv: (kind, id, text) => remote.checkEnv({ sessionId: sid(), kind, id, text }),
      async saveEnv(kind, id, text, expectedModRevision) {
        const r = await remote.saveEnv({ sessionId: sid(), kind, id, text, expectedModRevision });
        if (r.ok) void get().loadFarm(kind);
        return r;
      },
      mergedEnv: (uuid, mac) => remote.mergedEnv({ sessionId: sid(), uuid, mac }),
      dismissNotice() {
        set({ notice: null });
      },
    };
  }

  return Object.assign(store, {
    dispose: () => {
      generation++;
      if (recountTimer !== undefined) timers.clearTimeout(recountTimer);
      disposables.dispose();
    },
  });
}

/** A performance mark (the benchmark reads them to split the first render into request and drawing). */
function mark(name: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(name);
}

function parentOf(dir: string): string {
  const b = keyBytes(dir);
  for (let i = b.length - 2; i >= 0; i--) if (b[i] === 0x2f) return bytesToB64(b.subarray(0, i + 1));
  return '';
}

/** The search text for a key or prefix (escaped where it is not UTF-8). */
export function searchTextFor(b64: string): string {
  return displayBytes(keyBytes(b64));
}

// ---- selectors ----

export const selectSessionsLoaded = (s: EtcdState) => s.sessionsLoaded;
export const selectSessionOrder = (s: EtcdState) => s.sessionOrder;
export const selectSessions = (s: EtcdState) => s.sessions;
export const selectSessionId = (s: EtcdState) => s.sessionId;
export const selectCurrentSession = (s: EtcdState): EtcdSessionItem | undefined => (s.sessionId ? s.sessions[s.sessionId] : undefined);
export const selectStatus = (s: EtcdState) => s.status;
export const selectRows = (s: EtcdState) => s.rows;
export const selectSelected = (s: EtcdState) => s.selected;
export const selectEditor = (s: EtcdState) => s.editor;
export const selectHistory = (s: EtcdState) => s.history;
export const selectWatch = (s: EtcdState) => s.watch;
export const selectNotice = (s: EtcdState) => s.notice;
export const selectSearch = (s: EtcdState) => s.search;
export const selectTab = (s: EtcdState) => s.tab;
/** Values may be acted on: connected to the services, and a snapshot of the watch arrived since. */
export const selectFresh = (s: EtcdState) => s.watch.live.connected && s.watch.live.fresh;
/** What is shown must be drawn stale: not connected, no fresh snapshot, or the watch is not live. */
export const selectStale = (s: EtcdState) => !s.watch.live.connected || !s.watch.live.fresh || s.watch.live.health?.state !== 'live';
