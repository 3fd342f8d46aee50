import type { AppApi } from '@contract/index';
import {
  DESTRUCTIVE_DOMAIN_ACTIONS,
  domainKey,
  splitDomainKey,
  type DomainAction,
  type DomainActionRequestInput,
  type DomainActionResult,
  type DomainDetails,
  type DomainHostConfig,
  type DomainHostSave,
  type DomainHostStatus,
  type DomainLiveData,
  type DomainRow,
  type DomainStateName,
} from '@contract/domains';
import { AppError } from '@contract/errors';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import type { TerminalTarget } from '@contract/terminal';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ToastStore } from '../../stores/toast-store';

export type { DomainRow, DomainHostStatus };

/** What the page knows about the stream itself (the link to Drover's services). */
export interface DomainsLive {
  readonly connected: boolean;
  /** Connected and a snapshot arrived since: values are current and actions may be taken. */
  readonly fresh: boolean;
  readonly clockOffsetMs: number;
  readonly updatedAtMs: number | undefined;
}

export type SaveHostResult = { readonly ok: true; readonly host: DomainHostConfig } | { readonly ok: false; readonly error: AppError };

/** One bulk action on a selection: one line per domain, filled in as each ends (like "run on hosts"). */
export interface BulkRun {
  readonly id: number;
  readonly action: DomainAction;
  readonly targets: readonly { readonly key: string; readonly hostId: string; readonly uuid: string; readonly name: string }[];
  /** By target index; undefined while it runs. */
  readonly results: readonly (DomainActionResult | undefined)[];
  readonly done: boolean;
  readonly cancelled: boolean;
  /** The stream itself failed (not one domain). */
  readonly error: AppError | null;
}

/** The details drawer's content for one domain. */
export interface DetailsView {
  readonly key: string;
  readonly loading: boolean;
  readonly data: DomainDetails | null;
  readonly error: AppError | null;
  /** Local time the data was read. */
  readonly atMs: number | undefined;
}

export type HostBusy = 'save' | 'remove' | 'refresh' | 'retry';

export interface DomainsState {
  readonly loaded: boolean;
  readonly live: DomainsLive;
  /** Every configured host with its own health (keyed by host id). */
  readonly hosts: Readonly<Record<string, DomainHostStatus>>;
  /** Every domain of every host, keyed `<hostId>/<uuid>`. */
  readonly domains: Readonly<Record<string, DomainRow>>;
  /**
   * Local time each domain's state last changed (running → paused…), for the "changed just now"
   * highlight. Counters (CPU%, rates) change every round and do not count.
   */
  readonly changedAtMs: Readonly<Record<string, number>>;
  readonly streamError: AppError | null;
  /** null: every host. */
  readonly hostFilter: string | null;
  readonly search: string;
  /** Empty: every state. */
  readonly stateFilter: readonly DomainStateName[];
  /** Selected domain keys (for bulk actions). */
  readonly selection: readonly string[];
  /** The keyboard cursor (a domain key). */
  readonly cursor: string | null;
  /** An action in flight per domain key. */
  readonly busy: Readonly<Record<string, DomainAction>>;
  readonly hostBusy: Readonly<Record<string, HostBusy>>;
  readonly details: DetailsView | null;
  readonly bulk: BulkRun | null;
  /** The file each domain was last saved to this session (prefills "restore"). */
  readonly savedTo: Readonly<Record<string, string>>;

  setHostFilter(hostId: string | null): void;
  setSearch(text: string): void;
  setStateFilter(states: readonly DomainStateName[]): void;
  setSelection(keys: readonly string[]): void;
  toggleSelected(key: string): void;
  setCursor(key: string | null): void;
  /** Creates or replaces a host; refusals of the input come back for the form to show. */
  saveHost(host: DomainHostSave): Promise<SaveHostResult>;
  removeHost(id: string): Promise<boolean>;
  refresh(hostId?: string): Promise<void>;
  retryHost(id: string): Promise<void>;
  /** Runs one action on one domain; a failure (virsh's own text) is also a toast. Null when refused locally. */
  act(key: string, request: DomainActionRequestInput): Promise<DomainActionResult | null>;
  runBulk(keys: readonly string[], request: DomainActionRequestInput): void;
  cancelBulk(): void;
  clearBulk(): void;
  openDetails(key: string): Promise<void>;
  reloadDetails(): Promise<void>;
  closeDetails(): void;
  /** The terminal target that runs `virsh console` for this domain (null when it cannot be had). */
  consoleTarget(key: string, force?: boolean): Promise<TerminalTarget | null>;
  /** A login shell on the domain's host. */
  shellTarget(hostId: string): TerminalTarget | null;
}

export type DomainsStore = StoreApi<DomainsState> & Disposable;

export interface DomainsStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  schedule?: (flush: () => void) => void;
  now?: () => number;
}

/** Actions the page asks about first (they lose guest state, stop it hard, or move it). */
export function isDestructive(action: DomainAction): boolean {
  return DESTRUCTIVE_DOMAIN_ACTIONS.includes(action);
}

/** Whether an action makes sense for a domain in this state (the others are not offered). */
export function actionApplies(action: DomainAction, row: Pick<DomainRow, 'state' | 'persistent' | 'managedSave' | 'autostart'>): boolean {
  const active = row.state === 'running' || row.state === 'paused' || row.state === 'idle' || row.state === 'in shutdown' || row.state === 'pmsuspended' || row.state === 'crashed';
  switch (action) {
    case 'start':
      return !active;
    case 'shutdown':
    case 'reboot':
    case 'reset':
      return row.state === 'running' || row.state === 'idle' || row.state === 'in shutdown';
    case 'suspend':
      return row.state === 'running' || row.state === 'idle';
    case 'resume':
      return row.state === 'paused' || row.state === 'pmsuspended';
    case 'destroy':
      return active;
    case 'autostart-enable':
      return row.persistent !== false && row.autostart !== true;
    case 'autostart-disable':
      return row.persistent !== false && row.autostart !== false;
    case 'managedsave':
      return (row.state === 'running' || row.state === 'paused') && row.persistent !== false;
    case 'managedsave-remove':
      return !active && row.managedSave === true;
    case 'save':
    case 'migrate':
      return row.state === 'running' || row.state === 'paused';
    case 'restore':
      return !active;
    case 'snapshot-create':
    case 'snapshot-revert':
    case 'snapshot-delete':
      return true;
  }
}

/**
 * A row may be acted on: the stream is fresh and its host can be reached. A slow host (stale, or
 * a listing round that timed out) still takes actions; one that cannot be reached over SSH, whose
 * libvirt refuses, or that has no data yet does not.
 */
export function hostUsable(live: DomainsLive, host: DomainHostStatus | undefined): boolean {
  if (!live.fresh || host === undefined) return false;
  const s = host.health.state;
  return s === 'live' || s === 'stale' || (s === 'down' && host.failure === 'timeout');
}

/** A row is drawn stale when the stream is not fresh or its host is not live. */
export function rowStale(live: DomainsLive, host: DomainHostStatus | undefined): boolean {
  return !live.fresh || !live.connected || host === undefined || host.health.state !== 'live';
}

function matches(row: DomainRow, search: string): boolean {
  if (!search) return true;
  const s = search.toLowerCase();
  return row.name.toLowerCase().includes(s) || row.uuid.includes(s) || (row.id !== null && String(row.id) === s);
}

/** The rows the table shows, in order: by host name, then domain name (stable across rounds). */
export function visibleKeys(s: Pick<DomainsState, 'domains' | 'hosts' | 'hostFilter' | 'search' | 'stateFilter'>): string[] {
  const out: { key: string; host: string; name: string }[] = [];
  const states = new Set(s.stateFilter);
  for (const [key, row] of Object.entries(s.domains)) {
    if (s.hostFilter !== null && row.hostId !== s.hostFilter) continue;
    if (states.size > 0 && !states.has(row.state)) continue;
    if (!matches(row, s.search.trim())) continue;
    out.push({ key, host: s.hosts[row.hostId]?.config.name ?? row.hostId, name: row.name });
  }
  out.sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  return out.map((x) => x.key);
}

/** Hosts in the order the page lists them: by name. */
export function hostOrder(hosts: Readonly<Record<string, DomainHostStatus>>): string[] {
  return Object.values(hosts)
    .sort((a, b) => a.config.name.localeCompare(b.config.name) || a.config.id.localeCompare(b.config.id))
    .map((h) => h.config.id);
}

/**
 * The Domains page's state: hosts and domains from domains.live (applied once per animation
 * frame by the live store), filters, the selection and keyboard cursor, actions in flight, the
 * details drawer and the current bulk run. Only these actions call the service.
 */
export function createDomainsStore(deps: DomainsStoreDeps): DomainsStore {
  const remote = deps.api.domains;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();
  const now = deps.now ?? Date.now;
  let bulkSeq = 0;
  let bulkSub: Disposable | undefined;
  let detailsCall: AbortController | undefined;

  const store = createStore<DomainsState>()((set, get) => {
    const withoutKey = <T>(rec: Readonly<Record<string, T>>, key: string): Record<string, T> => {
      const next = { ...rec };
      delete next[key];
      return next;
    };

    const hostCall = async (id: string, busy: HostBusy, action: Parameters<typeof report>[1], call: () => Promise<unknown>): Promise<boolean> => {
      if (get().hostBusy[id]) return false;
      set((s) => ({ hostBusy: { ...s.hostBusy, [id]: busy } }));
      try {
        await call();
        return true;
      } catch (err) {
        report(err, action);
        return false;
      } finally {
        set((s) => ({ hostBusy: withoutKey(s.hostBusy, id) }));
      }
    };

    return {
      loaded: false,
      live: { connected: deps.link ? deps.link.state.status === 'open' : true, fresh: false, clockOffsetMs: 0, updatedAtMs: undefined },
      hosts: {},
      domains: {},
      changedAtMs: {},
      streamError: null,
      hostFilter: null,
      search: '',
      stateFilter: [],
      selection: [],
      cursor: null,
      busy: {},
      hostBusy: {},
      details: null,
      bulk: null,
      savedTo: {},

      setHostFilter: (hostFilter) => set({ hostFilter }),
      setSearch: (search) => set({ search }),
      setStateFilter: (states) => set({ stateFilter: [...states] }),
      setSelection: (keys) => set({ selection: [...new Set(keys)] }),
      toggleSelected(key) {
        const sel = get().selection;
        set({ selection: sel.includes(key) ? sel.filter((k) => k !== key) : [...sel, key] });
      },
      setCursor: (cursor) => set({ cursor }),

      async saveHost(host) {
        const id = host.id ?? '';
        if (id && get().hostBusy[id]) return { ok: false, error: new AppError('CONFLICT', 'this host is being saved already') };
        if (id) set((s) => ({ hostBusy: { ...s.hostBusy, [id]: 'save' } }));
        try {
          const saved = await remote.saveHost(host);
          return { ok: true, host: saved };
        } catch (err) {
          const error = AppError.from(err);
          if (error.code !== 'INVALID_INPUT') report(error, 'saveDomainHost');
          return { ok: false, error };
        } finally {
          if (id) set((s) => ({ hostBusy: withoutKey(s.hostBusy, id) }));
        }
      },

      async removeHost(id) {
        const done = await hostCall(id, 'remove', 'removeDomainHost', () => remote.removeHost({ id }));
        if (done && get().hostFilter === id) set({ hostFilter: null });
        return done;
      },

      async refresh(hostId) {
        if (hostId === undefined) {
          try {
            await remote.refresh({});
          } catch (err) {
            report(err, 'refreshDomains');
          }
          return;
        }
        await hostCall(hostId, 'refresh', 'refreshDomains', () => remote.refresh({ hostId }));
      },

      async retryHost(id) {
        await hostCall(id, 'retry', 'refreshDomains', () => remote.retryHost({ id }));
      },

      async act(key, request) {
        const ref = splitDomainKey(key);
        if (!ref || get().busy[key]) return null;
        set((s) => ({ busy: { ...s.busy, [key]: request.action } }));
        try {
          const result = await remote.act({ hostId: ref.hostId, domain: ref.uuid, request });
          if (!result.ok && result.error) report(AppError.fromData(result.error), 'domainAction');
          if (result.ok && request.action === 'save') set((s) => ({ savedTo: { ...s.savedTo, [key]: request.file } }));
          // Snapshots live in the details: read them again when that drawer shows this domain.
          if (request.action.startsWith('snapshot-') && get().details?.key === key) void get().reloadDetails();
          return result;
        } catch (err) {
          report(err, 'domainAction');
          return null;
        } finally {
          set((s) => ({ busy: withoutKey(s.busy, key) }));
        }
      },

      runBulk(keys, request) {
        bulkSub?.dispose();
        const targets = keys.flatMap((key) => {
          const ref = splitDomainKey(key);
          if (!ref) return [];
          return [{ key, hostId: ref.hostId, uuid: ref.uuid, name: get().domains[key]?.name ?? ref.uuid }];
        });
        if (targets.length === 0) return;
        const id = ++bulkSeq;
        set({ bulk: { id, action: request.action, targets, results: targets.map(() => undefined), done: false, cancelled: false, error: null } });
        const patch = (f: (b: BulkRun) => Partial<BulkRun>) => {
          const b = get().bulk;
          if (b && b.id === id) set({ bulk: { ...b, ...f(b) } });
        };
        bulkSub = remote.bulk(
          { request, targets: targets.map((t) => ({ hostId: t.hostId, domain: t.uuid })) },
          {
            next: (e) =>
              patch((b) => {
                const results = [...b.results];
                results[e.index] = e.result;
                return { results };
              }),
            end: (err) => {
              if (err) report(err, 'domainBulk');
              patch(() => ({ done: true, ...(err ? { error: err } : {}) }));
            },
          },
        );
      },

      cancelBulk() {
        bulkSub?.dispose();
        bulkSub = undefined;
        const b = get().bulk;
        if (b && !b.done) set({ bulk: { ...b, done: true, cancelled: true } });
      },

      clearBulk() {
        bulkSub?.dispose();
        bulkSub = undefined;
        set({ bulk: null });
      },

      async openDetails(key) {
        const ref = splitDomainKey(key);
        if (!ref) return;
        detailsCall?.abort();
        const ctrl = new AbortController();
        detailsCall = ctrl;
        const prev = get().details;
        set({ details: { key, loading: true, data: prev?.key === key ? prev.data : null, error: null, atMs: prev?.key === key ? prev.atMs : undefined } });
        try {
          const data = await remote.details({ hostId: ref.hostId, uuid: ref.uuid }, { signal: ctrl.signal });
          if (detailsCall === ctrl) set({ details: { key, loading: false, data, error: null, atMs: now() } });
        } catch (err) {
          if (detailsCall !== ctrl || ctrl.signal.aborted) return;
          const error = AppError.from(err);
          set({ details: { key, loading: false, data: get().details?.data ?? null, error, atMs: get().details?.atMs } });
        }
      },

      async reloadDetails() {
        const d = get().details;
        if (d) await get().openDetails(d.key);
      },

      closeDetails() {
        detailsCall?.abort();
        detailsCall = undefined;
        set({ details: null });
      },

      async consoleTarget(key, force) {
        const ref = splitDomainKey(key);
        if (!ref) return null;
        try {
          const c = await remote.consoleTarget({ hostId: ref.hostId, uuid: ref.uuid, ...(force ? { force } : {}) });
          return { kind: 'ssh', target: c.target, jumps: c.jumps, command: c.command };
        } catch (err) {
          report(err, 'openDomainConsole');
          return null;
        }
      },

      shellTarget(hostId) {
        const h = get().hosts[hostId];
        return h ? { kind: 'ssh', target: h.config.target, jumps: h.config.jumps } : null;
      },
    };
  });

  const live = disposables.add(
    createLiveStore<DomainLiveData>({
      subscribe: (observer) => remote.live(null, observer),
      initial: { hosts: {}, domains: {} },
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'watchDomains'),
    }),
  );
  const fromLive = (l: LiveState<DomainLiveData>, prev: LiveState<DomainLiveData> | undefined) => {
    const s = store.getState();
    const patch: { -readonly [K in keyof DomainsState]?: DomainsState[K] } = {
      live: { connected: l.connected, fresh: l.fresh, clockOffsetMs: l.clockOffsetMs, updatedAtMs: prev && prev.data === l.data ? s.live.updatedAtMs : now() },
      streamError: l.error ?? null,
    };
    if (!prev || prev.data !== l.data || prev.seq !== l.seq) {
      Object.assign(patch, { loaded: l.seq >= 0, hosts: l.data.hosts, domains: l.data.domains });
      // A new snapshot (first, or after a resync) has nothing to compare with: no highlight.
      const before = prev && prev.seq >= 0 && l.seq > prev.seq ? s.domains : undefined;
      const changedAtMs: Record<string, number> = {};
      let changed = false;
      for (const [key, row] of Object.entries(l.data.domains)) {
        const old = before?.[key];
        if (old && old !== row && old.state !== row.state) {
          changedAtMs[key] = now();
          changed = true;
        } else if (s.changedAtMs[key] !== undefined) changedAtMs[key] = s.changedAtMs[key];
      }
      if (changed || Object.keys(changedAtMs).length !== Object.keys(s.changedAtMs).length) patch.changedAtMs = changedAtMs;
      // Domains that are gone leave the selection, the cursor and the filter.
      const selection = s.selection.filter((k) => k in l.data.domains);
      if (selection.length !== s.selection.length) patch.selection = selection;
      if (s.cursor !== null && !(s.cursor in l.data.domains)) patch.cursor = null;
      if (s.hostFilter !== null && !(s.hostFilter in l.data.hosts) && l.seq >= 0) patch.hostFilter = null;
    }
    store.setState(patch);
  };
  fromLive(live.getState(), undefined);
  disposables.add(toDisposable(live.subscribe((l, prev) => fromLive(l, prev))));
  disposables.add(
    toDisposable(() => {
      bulkSub?.dispose();
      detailsCall?.abort();
    }),
  );

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

// ---- selectors ----

export const selectDomainsLoaded = (s: DomainsState): boolean => s.loaded;
export const selectDomainsLive = (s: DomainsState): DomainsLive => s.live;
export const selectDomainsFresh = (s: DomainsState): boolean => s.live.fresh;
export const selectHosts = (s: DomainsState): Readonly<Record<string, DomainHostStatus>> => s.hosts;
export const selectDomains = (s: DomainsState): Readonly<Record<string, DomainRow>> => s.domains;
export const selectStreamError = (s: DomainsState): AppError | null => s.streamError;
export const selectSelection = (s: DomainsState): readonly string[] => s.selection;
export const selectBulk = (s: DomainsState): BulkRun | null => s.bulk;
export const selectDetails = (s: DomainsState): DetailsView | null => s.details;
export const selectRow =
  (key: string) =>
  (s: DomainsState): DomainRow | undefined =>
    s.domains[key];
export const selectHost =
  (id: string) =>
  (s: DomainsState): DomainHostStatus | undefined =>
    s.hosts[id];
export const selectBusy =
  (key: string) =>
  (s: DomainsState): DomainAction | undefined =>
    s.busy[key];

export { domainKey };
