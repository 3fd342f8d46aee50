import type { AppApi } from '@contract/index';
import { AppError } from '@contract/errors';
import {
  FLEET_SERVICE_KEY,
  type AddHostsResult,
  type Alert,
  type AlertRule,
  type EtcdImportInput,
  type FleetGroup,
  type FleetHost,
  type FleetHostDraft,
  type FleetHostState,
  type FleetLiveData,
  type FleetLookup,
  type FleetServiceState,
  type FleetSettings,
  type FleetSettingsPatch,
  type HostHistory,
  type HostMetrics,
  type ImportPreview,
  type TextImportInput,
} from '@contract/fleet';
import { indexHosts, type HostIdentityIndex } from '@contract/fleet-identity';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import type { SourceHealth } from '@contract/live';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLiveStore, type LiveLink, type LiveState } from '../../stores/live-store';
import type { ActionKey, ToastStore } from '../../stores/toast-store';
import { newlyFiredAlerts, type AlertNotifier } from './alert-notifier';

export type FleetBusy = 'save' | 'remove' | 'retry' | 'ack' | 'probe';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

/** What the page needs to know about the live stream itself. */
export interface FleetLive {
  readonly connected: boolean;
  /** Connected and a snapshot arrived since: values are current and actions may be taken. */
  readonly fresh: boolean;
  readonly health: SourceHealth | undefined;
  readonly clockOffsetMs: number;
  readonly updatedAtMs: number | undefined;
}

export interface FleetState {
  readonly loaded: boolean;
  readonly live: FleetLive;
  readonly hosts: Readonly<Record<string, FleetHostState>>;
  /**
   * The inventory's identities (MAC, IP, host name, SSH host, lotus worker) indexed once, for
   * other pages to match the machines they show (rebuilt only when an identity fact changes).
   */
  readonly identity: HostIdentityIndex;
  readonly metrics: Readonly<Record<string, HostMetrics>>;
  /** Firing alerts by id. */
  readonly alerts: Readonly<Record<string, Alert>>;
  readonly groups: Readonly<Record<string, FleetGroup>>;
  readonly rules: readonly AlertRule[];
  readonly service: FleetServiceState | undefined;
  /** Host ids by group (in the inventory's group order), then name. */
  readonly order: readonly string[];
  /** A call in flight per host or alert id. */
  readonly busy: Readonly<Record<string, FleetBusy>>;
  readonly streamError: AppError | null;
  /** The browser's permission for desktop notifications ('unsupported' without the Notification API). */
  readonly notificationPermission: NotificationPermission | 'unsupported';

  saveHost(draft: FleetHostDraft): Promise<Result<FleetHost>>;
  removeHost(id: string): Promise<boolean>;
  retryHost(id: string): Promise<void>;
  probeNow(): Promise<void>;
  acknowledge(alertId: string): Promise<void>;
  saveGroup(group: FleetGroup): Promise<Result<FleetGroup>>;
  removeGroup(name: string): Promise<boolean>;
  saveRule(rule: AlertRule): Promise<Result<AlertRule>>;
  removeRule(id: string): Promise<boolean>;
  updateSettings(patch: FleetSettingsPatch): Promise<Result<FleetSettings>>;
  /** Chart data of one host (throws AppError for the view to show). */
  history(hostId: string): Promise<HostHistory>;
  alertHistory(hostId?: string): Promise<Alert[]>;
  importSshConfig(login: { user?: string; group?: string }): Promise<ImportPreview>;
  importEtcd(input: EtcdImportInput): Promise<ImportPreview>;
  importText(input: TextImportInput): Promise<ImportPreview>;
  addHosts(hosts: FleetHostDraft[]): Promise<Result<AddHostsResult>>;
  exportInventory(path: string): Promise<Result<{ path: string; hosts: number; groups: number; rules: number }>>;
  importInventory(path: string): Promise<Result<AddHostsResult & { groups: number; rules: number }>>;
  /** Asks the browser for permission (only from a click: never on its own). */
  enableNotifications(): Promise<void>;
}

export type FleetStore = StoreApi<FleetState> & Disposable;

export interface FleetStoreDeps {
  api: AppApi;
  toasts: ToastStore;
  link?: LiveLink;
  schedule?: (flush: () => void) => void;
  now?: () => number;
  /** Desktop notifications (the browser's / Electron's Notification API); absent: none. */
  notifier?: AlertNotifier;
}

const EMPTY: FleetLiveData = { hosts: {}, metrics: {}, alerts: {}, groups: {}, rules: {}, service: {} };

/** Host ids in group order (as the inventory lists groups), then by name. */
export function sortHosts(hosts: Readonly<Record<string, FleetHostState>>, groups: Readonly<Record<string, FleetGroup>>): string[] {
  const rank = new Map(Object.keys(groups).map((g, i) => [g, i]));
  return Object.values(hosts)
    .sort((a, b) => (rank.get(a.host.group) ?? 1e9) - (rank.get(b.host.group) ?? 1e9) || a.host.name.localeCompare(b.host.name, undefined, { numeric: true }) || a.host.id.localeCompare(b.host.id))
    .map((h) => h.host.id);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The Fleet page's state: hosts, metrics, firing alerts, groups, rules and the service's own
 * state from fleet.live (applied once per animation frame), whether it is fresh, the calls, and
 * desktop notifications for alerts that fire while the window is not focused.
 */
export function createFleetStore(deps: FleetStoreDeps): FleetStore {
  const remote = deps.api.fleet;
  const report = deps.toasts.getState().reportError;
  const disposables = new DisposableStore();
  const now = deps.now ?? Date.now;
  const notifier = deps.notifier;

  const store = createStore<FleetState>()((set, get) => {
    const busyRun = async <T>(key: string, busy: FleetBusy, action: ActionKey, call: () => Promise<T>): Promise<T | undefined> => {
      if (get().busy[key]) return undefined;
      set((s) => ({ busy: { ...s.busy, [key]: busy } }));
      try {
        return await call();
      } catch (err) {
        report(err, action);
        return undefined;
      } finally {
        set((s) => {
          const next = { ...s.busy };
          delete next[key];
          return { busy: next };
        });
      }
    };
    /** Input refusals go back to the form; anything else is also a toast. */
    const result = async <T>(action: ActionKey, call: () => Promise<T>): Promise<Result<T>> => {
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        const error = AppError.from(err);
        if (error.code !== 'INVALID_INPUT' && error.code !== 'ALREADY_EXISTS' && error.code !== 'CONFLICT' && error.code !== 'NOT_FOUND') report(error, action);
        return { ok: false, error };
      }
    };
    return {
      loaded: false,
      live: { connected: deps.link ? deps.link.state.status === 'open' : true, fresh: false, health: undefined, clockOffsetMs: 0, updatedAtMs: undefined },
      hosts: {},
      identity: indexHosts([]),
      metrics: {},
      alerts: {},
      groups: {},
      rules: [],
      service: undefined,
      order: [],
      busy: {},
      streamError: null,
      notificationPermission: notifier ? notifier.permission() : 'unsupported',

      saveHost: (draft) => result('fleetSaveHost', () => remote.saveHost(draft)),
      async removeHost(id) {
        const done = await busyRun(id, 'remove', 'fleetRemoveHost', async () => {
          await remote.removeHost({ id });
          return true;
        });
        return done === true;
      },
      async retryHost(id) {
        await busyRun(id, 'retry', 'fleetRetryHost', () => remote.retryHost({ id }));
      },
      async probeNow() {
        await busyRun('*probe', 'probe', 'fleetProbeNow', () => remote.probeNow(null));
      },
      async acknowledge(alertId) {
        await busyRun(alertId, 'ack', 'fleetAcknowledge', () => remote.acknowledge({ alertId }));
      },
      saveGroup: (group) => result('fleetSaveGroup', () => remote.saveGroup(group)),
      async removeGroup(name) {
        const done = await busyRun(`group:${name}`, 'remove', 'fleetRemoveGroup', async () => {
          await remote.removeGroup({ name });
          return true;
        });
        return done === true;
      },
      saveRule: (rule) => result('fleetSaveRule', () => remote.saveRule(rule)),
      async removeRule(id) {
        const done = await busyRun(`rule:${id}`, 'remove', 'fleetRemoveRule', async () => {
          await remote.removeRule({ id });
          return true;
        });
        return done === true;
      },
      updateSettings: (patch) => result('fleetSaveSettings', () => remote.updateSettings(patch)),
      history: (hostId) => remote.history({ hostId }),
      alertHistory: (hostId) => remote.alertHistory({ ...(hostId !== undefined ? { hostId } : {}), limit: 500 }),
      importSshConfig: (login) => remote.importSshConfig(login),
      importEtcd: (input) => remote.importEtcd(input),
      importText: (input) => remote.importText(input),
      addHosts: (hosts) => result('fleetAddHosts', () => remote.addHosts({ hosts })),
      exportInventory: (path) => result('fleetExportInventory', () => remote.exportInventory({ path })),
      importInventory: (path) => result('fleetImportInventory', () => remote.importInventory({ path })),
      async enableNotifications() {
        if (!notifier) return;
        set({ notificationPermission: await notifier.request() });
      },
    };
  });

  // ---- live data ----
  const live = disposables.add(
    createLiveStore<FleetLiveData>({
      subscribe: (observer) => remote.live(null, observer),
      initial: EMPTY,
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      now,
      onError: (err) => report(err, 'fleetWatch'),
    }),
  );
  let identityKey = '';
  /** The index, rebuilt only when some host's identity facts change (not on every heartbeat). */
  const identityOf = (hosts: Readonly<Record<string, FleetHostState>>, prev: HostIdentityIndex): HostIdentityIndex => {
    const list = Object.values(hosts).map((h) => h.host);
    const key = list.map((h) => [h.id, h.name, h.mac, h.ip, h.hostname, h.lotusWorker, h.target.host].join('\u0001')).join('\u0002');
    if (key === identityKey) return prev;
    identityKey = key;
    return indexHosts(list);
  };
  /** Alert ids already seen: the first snapshot's are not announced (they fired before the page opened). */
  let seenAlerts: Set<string> | undefined;
  const fromLive = (l: LiveState<FleetLiveData>, prev: LiveState<FleetLiveData> | undefined) => {
    const s = store.getState();
    const patch: { -readonly [K in keyof FleetState]?: FleetState[K] } = {
      live: { connected: l.connected, fresh: l.fresh, health: l.health, clockOffsetMs: l.clockOffsetMs, updatedAtMs: prev && prev.data === l.data ? s.live.updatedAtMs : now() },
      streamError: l.error ?? null,
    };
    if (!prev || prev.data !== l.data || prev.seq !== l.seq) {
      const d = l.data;
      const order = sortHosts(d.hosts, d.groups);
      Object.assign(patch, {
        loaded: l.seq >= 0,
        hosts: d.hosts,
        identity: identityOf(d.hosts, s.identity),
        metrics: d.metrics,
        alerts: d.alerts,
        groups: d.groups,
        rules: prev && prev.data.rules === d.rules ? s.rules : Object.values(d.rules).map((r) => r.rule),
        service: d.service[FLEET_SERVICE_KEY],
        order: sameIds(order, s.order) ? s.order : order,
      });
      if (l.seq >= 0) {
        if (seenAlerts === undefined) seenAlerts = new Set(Object.keys(d.alerts));
        else {
          const fired = newlyFiredAlerts(d.alerts, seenAlerts);
          for (const a of fired) notifier?.notify(a, d.hosts[a.hostId]?.host);
        }
      }
    }
    store.setState(patch);
  };
  fromLive(live.getState(), undefined);
  disposables.add(toDisposable(live.subscribe((l, prev) => fromLive(l, prev))));

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

// ---- selectors ----

export const selectFleetLoaded = (s: FleetState): boolean => s.loaded;
export const selectFleetLive = (s: FleetState): FleetLive => s.live;
export const selectFleetFresh = (s: FleetState): boolean => s.live.fresh;
export const selectHostOrder = (s: FleetState): readonly string[] => s.order;
export const selectHosts = (s: FleetState): Readonly<Record<string, FleetHostState>> => s.hosts;
export const selectAlerts = (s: FleetState): Readonly<Record<string, Alert>> => s.alerts;
export const selectGroups = (s: FleetState): Readonly<Record<string, FleetGroup>> => s.groups;
export const selectRules = (s: FleetState): readonly AlertRule[] => s.rules;
export const selectService = (s: FleetState): FleetServiceState | undefined => s.service;
export const selectHost =
  (id: string | null) =>
  (s: FleetState): FleetHostState | undefined =>
    id === null ? undefined : s.hosts[id];
/** The Fleet host id of the machine a page knows by these facts (undefined: not in the inventory). */
export const selectFleetIdentity =
  (q: FleetLookup) =>
  (s: FleetState): string | undefined =>
    s.identity.find(q)?.id;
export const selectMetrics =
  (id: string | null) =>
  (s: FleetState): HostMetrics | undefined =>
    id === null ? undefined : s.metrics[id];
export const selectBusy =
  (key: string) =>
  (s: FleetState): FleetBusy | undefined =>
    s.busy[key];

/** "hosts/up/down/unknown/firing/unacked" as one string: a summary line re-renders only when a count changes. */
export function selectCounts(s: FleetState): string {
  let up = 0;
  let down = 0;
  let unknown = 0;
  for (const h of Object.values(s.hosts)) {
    if (h.heartbeat.status === 'up') up++;
    else if (h.heartbeat.status === 'down') down++;
    else unknown++;
  }
  const alerts = Object.values(s.alerts);
  return [s.order.length, up, down, unknown, alerts.length, alerts.filter((a) => !a.acked).length].join('/');
}

/** Firing alerts, critical first, then newest. */
export function sortAlerts(alerts: Readonly<Record<string, Alert>>): Alert[] {
  return Object.values(alerts).sort((a, b) => (a.severity === b.severity ? b.sinceMs - a.sinceMs : a.severity === 'critical' ? -1 : 1));
}
