import { describe, expect, it, vi } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import type { Alert, FleetHostState, FleetLiveData, FleetServiceState } from '../../main/contract/fleet';
import type { AppApi } from '../../main/contract/index';
import { Emitter, toDisposable } from '../../main/contract/lifecycle';
import type { LiveUpdate } from '../../main/contract/live';
import type { ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import { newlyFiredAlerts, type AlertNotifier } from '../../renderer/src/features/fleet/alert-notifier';
import { notificationText } from '../../renderer/src/features/fleet/fleet-hooks';
import { parseFleetHash, fleetHostHash, fleetTabHash } from '../../renderer/src/features/fleet/fleet-links';
import { createFleetStore, selectCounts, selectFleetIdentity, sortAlerts } from '../../renderer/src/features/fleet/fleet-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

// The Fleet store in plain Node: live frames (applied once per animation frame), sorting, the
// calls and their errors (inline vs toast), and desktop notifications for alerts that fire later.

const health = { state: 'live' as const, sinceMs: 0, dataAtMs: 1000 };

function hostState(id: string, name: string, group: string, status: 'up' | 'down' | 'unknown' = 'up'): FleetHostState {
  return {
    host: { id, name, group, target: { host: `${name}.lan`, port: 22, user: 'root' }, jumps: [], tags: [] },
    heartbeat: { status, lastSeenMs: status === 'up' ? 900 : null, missed: status === 'down' ? 3 : 0, downSinceMs: status === 'down' ? 950 : null },
    summary: null,
    lastError: null,
    lastErrorAtMs: null,
    connection: 'ready',
    alerts: { firing: 0, unacked: 0, worst: null },
  };
}

function alert(id: string, hostId: string, extra: Partial<Alert> = {}): Alert {
  return {
    id,
    key: `${hostId}|host-down|`,
    hostId,
    ruleId: 'host-down',
    metric: 'host.down',
    subject: '',
    severity: 'critical',
    state: 'firing',
    acked: false,
    ackedAtMs: null,
    sinceMs: 1000,
    conditionSinceMs: 1000,
    resolvedAtMs: null,
    value: 3,
    lastValue: 3,
    peakValue: 3,
    threshold: 3,
    lastSeenMs: 900,
    message: 'host down: 3 probe(s) missed',
    ...extra,
  };
}

const service = { settings: { probe: { intervalSec: 30 } }, probe: { rounds: 1 } } as unknown as FleetServiceState;

function data(hosts: FleetHostState[], alerts: Alert[] = []): FleetLiveData {
  return {
    hosts: Object.fromEntries(hosts.map((h) => [h.host.id, h])),
    metrics: {},
    alerts: Object.fromEntries(alerts.map((a) => [a.id, a])),
    groups: { rigs: { name: 'rigs', kind: 'rigs', description: '' }, default: { name: 'default', kind: 'other', description: '' } },
    rules: { 'host-down': { rule: { id: 'host-down', group: '*', metric: 'host.down', missedProbes: 3, severity: 'critical', enabled: true } } },
    service: { current: service },
  };
}

function harness(overrides: Partial<AppApi['fleet']> = {}) {
  const observers: Observer<LiveUpdate<FleetLiveData>>[] = [];
  const linkEmitter = new Emitter<ConnectionState>();
  const link = { state: { status: 'open', sinceMs: 0 } as ConnectionState, onDidChangeState: linkEmitter.event };
  let pending: (() => void) | undefined;
  const notified: { alert: Alert; host: string | undefined }[] = [];
  let permission: NotificationPermission = 'default';
  const notifier: AlertNotifier = {
    permission: () => permission,
    request: async () => (permission = 'granted'),
    notify: (a, h) => notified.push({ alert: a, host: h?.name }),
  };
  const fleet = {
    live: (_: null, o: Observer<LiveUpdate<FleetLiveData>>) => {
      observers.push(o);
      return toDisposable(() => undefined);
    },
    saveHost: vi.fn(async () => {
      throw new AppError('ALREADY_EXISTS', '“rig-01” is already this machine (same MAC 52:54:00:00:00:01)');
    }),
    acknowledge: vi.fn(async ({ alertId }: { alertId: string }) => alert(alertId, 'h1', { acked: true })),
    probeNow: vi.fn(async () => {
      throw new AppError('UNAVAILABLE', 'host probes are turned off');
    }),
    ...overrides,
  };
  const toasts = createToastStore();
  const store = createFleetStore({ api: { fleet } as unknown as AppApi, toasts, link, notifier, schedule: (f) => (pending = f), now: () => 10_000 });
  return {
    store,
    toasts,
    fleet,
    notified,
    observers,
    frame() {
      const f = pending;
      pending = undefined;
      f?.();
    },
    setLink(state: ConnectionState) {
      link.state = state;
      linkEmitter.fire(state);
    },
  };
}

describe('fleet store (renderer)', () => {
  it('shows hosts in group order then by name, with the service state, rules and counts', () => {
    const h = harness();
    expect(h.store.getState().loaded).toBe(false);
    h.observers[0]!.next({
      t: 'snapshot',
      seq: 1,
      atMs: 1000,
      nowMs: 10_000,
      health,
      data: data([hostState('c', 'rig-10', 'rigs'), hostState('a', 'spare', 'default', 'down'), hostState('b', 'rig-9', 'rigs'), hostState('d', 'new', 'default', 'unknown')], [alert('x', 'a')]),
    });
    h.frame();
    const s = h.store.getState();
    expect(s.loaded).toBe(true);
    expect(s.live.fresh).toBe(true);
    expect(s.order).toEqual(['b', 'c', 'd', 'a']); // rigs first (rig-9 before rig-10), then default by name
    expect(s.service).toBe(service);
    expect(s.rules.map((r) => r.id)).toEqual(['host-down']);
    expect(selectCounts(s)).toBe('4/2/1/1/1/1');
    const order = s.order;
    // A diff that changes one host keeps the order array (the table does not re-render for nothing).
    h.observers[0]!.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 10_100, changes: { hosts: { patch: { b: { connection: 'backoff' } } } } });
    h.frame();
    expect(h.store.getState().order).toBe(order);
    expect(h.store.getState().hosts.b!.connection).toBe('backoff');
  });

  it('matches the machines other pages show to their Fleet host locally, rebuilding the index only when an identity changes', () => {
    const h = harness();
    const rig = hostState('h7', 'rig-07', 'rigs');
    const withMac: FleetHostState = { ...rig, host: { ...rig.host, mac: '52:54:00:00:00:07', ip: '10.0.0.7' } };
    h.observers[0]!.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 10_000, health, data: data([withMac, hostState('k1', 'kvm-1', 'default')]) });
    h.frame();
    const s = h.store.getState();
    expect(selectFleetIdentity({ mac: '52-54-00-00-00-07' })(s)).toBe('h7');
    expect(selectFleetIdentity({ ip: '10.0.0.7' })(s)).toBe('h7');
    expect(selectFleetIdentity({ sshHost: 'kvm-1.lan' })(s)).toBe('k1');
    expect(selectFleetIdentity({ hostname: 'rig-07.farm.lan' })(s)).toBe('h7');
    expect(selectFleetIdentity({ mac: '52:54:00:00:00:99' })(s)).toBeUndefined();
    const index = s.identity;
    // A heartbeat changes the host record but no identity: the same index (no re-render of every link).
    h.observers[0]!.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 10_100, changes: { hosts: { patch: { h7: { connection: 'backoff' } } } } });
    h.frame();
    expect(h.store.getState().identity).toBe(index);
    // A new MAC does.
    h.observers[0]!.next({ t: 'diff', seq: 3, atMs: 1200, nowMs: 10_200, changes: { hosts: { put: { k1: { ...hostState('k1', 'kvm-1', 'default'), host: { ...hostState('k1', 'kvm-1', 'default').host, mac: '52:54:00:00:00:99' } } } } } });
    h.frame();
    expect(h.store.getState().identity).not.toBe(index);
    expect(selectFleetIdentity({ mac: '52:54:00:00:00:99' })(h.store.getState())).toBe('k1');
  });

  it('draws everything stale when the link to the services drops, until a fresh snapshot', () => {
    const h = harness();
    h.observers[0]!.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 10_000, health, data: data([hostState('a', 'a', 'rigs')]) });
    h.frame();
    expect(h.store.getState().live.fresh).toBe(true);
    h.setLink({ status: 'reconnecting', attempt: 1, nextRetryAtMs: null, downSinceMs: 1, cause: new AppError('UNAVAILABLE', 'gone') });
    expect(h.store.getState().live).toMatchObject({ connected: false, fresh: false });
  });

  it('notifies alerts that fire after the page opened (not the ones already firing, not acknowledged ones)', () => {
    const h = harness();
    const o = h.observers[0]!;
    o.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 10_000, health, data: data([hostState('h1', 'rig-01', 'rigs'), hostState('h2', 'rig-02', 'rigs')], [alert('old', 'h1')]) });
    h.frame();
    expect(h.notified).toEqual([]);
    o.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 10_100, changes: { alerts: { put: { new1: alert('new1', 'h2'), quiet: alert('quiet', 'h2', { acked: true }) } } } });
    h.frame();
    expect(h.notified.map((n) => [n.alert.id, n.host])).toEqual([['new1', 'rig-02']]);
    // The same alert changing (its value) is not announced again.
    o.next({ t: 'diff', seq: 3, atMs: 1200, nowMs: 10_200, changes: { alerts: { patch: { new1: { lastValue: 4 } } } } });
    h.frame();
    expect(h.notified).toHaveLength(1);
  });

  it('asks for notification permission only when told to', async () => {
    const h = harness();
    expect(h.store.getState().notificationPermission).toBe('default');
    await h.store.getState().enableNotifications();
    expect(h.store.getState().notificationPermission).toBe('granted');
  });

  it('returns refusals of a host to the form, and reports other failures as toasts', async () => {
    const h = harness();
    const r = await h.store.getState().saveHost({ name: 'x', target: { host: 'x', user: 'root' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    expect(h.toasts.getState().queue).toEqual([]);
    await h.store.getState().probeNow();
    expect(h.toasts.getState().queue).toMatchObject([{ kind: 'error', code: 'UNAVAILABLE', action: 'fleetProbeNow' }]);
  });

  it('marks an acknowledgement busy while it runs, once', async () => {
    let release!: () => void;
    const h = harness({
      acknowledge: vi.fn(
        ({ alertId }: { alertId: string }) =>
          new Promise<Alert>((resolve) => {
            release = () => resolve(alert(alertId, 'h1', { acked: true }));
          }),
      ) as never,
    });
    const p = h.store.getState().acknowledge('a1');
    expect(h.store.getState().busy.a1).toBe('ack');
    void h.store.getState().acknowledge('a1');
    expect(h.fleet.acknowledge).toHaveBeenCalledTimes(1);
    release();
    await p;
    expect(h.store.getState().busy.a1).toBeUndefined();
  });
});

describe('fleet alerts, links and notification text', () => {
  it('finds newly fired alerts once and forgets gone ones', () => {
    const seen = new Set(['a']);
    expect(newlyFiredAlerts({ a: alert('a', 'h'), b: alert('b', 'h'), c: alert('c', 'h', { acked: true }) }, seen).map((x) => x.id)).toEqual(['b']);
    expect(newlyFiredAlerts({ a: alert('a', 'h'), b: alert('b', 'h') }, seen)).toEqual([]);
    expect(sortAlerts({ w: alert('w', 'h', { severity: 'warning', sinceMs: 5 }), c1: alert('c1', 'h', { sinceMs: 1 }), c2: alert('c2', 'h', { sinceMs: 2 }) }).map((x) => x.id)).toEqual(['c2', 'c1', 'w']);
  });

  it('writes the notification in the page language', () => {
    const en = notificationText(() => 'en');
    const zh = notificationText(() => 'zh-CN');
    const down = alert('a', 'h', { lastSeenMs: null });
    expect(en.title(down, 'rig-01')).toBe('Critical: rig-01');
    expect(en.body(down)).toBe('Not answering: 3 probes missed, last seen never');
    expect(zh.title(down, 'rig-01')).toBe('严重：rig-01');
    const hot = alert('b', 'h', { metric: 'gpu.temperatureC', subject: 'gpu 3', value: 91, threshold: 90, severity: 'warning' });
    expect(en.title(hot, 'rig-02')).toBe('Warning: rig-02');
    expect(en.body(hot)).toBe('gpu 3 GPU temperature (°C) is 91 (threshold 90)');
    expect(zh.body(hot)).toBe('gpu 3 GPU 温度（°C） 为 91（阈值 90）');
  });

  it('links to a host, a tab, and reads them back', () => {
    expect(parseFleetHash(fleetHostHash('rig-01-abc'))).toEqual({ tab: undefined, host: 'rig-01-abc', syslogHost: undefined });
    expect(parseFleetHash(fleetTabHash('syslog', { host: 'rig-01' }))).toEqual({ tab: 'syslog', host: undefined, syslogHost: 'rig-01' });
    expect(parseFleetHash('#/tunnels?host=x')).toEqual({ tab: undefined, host: undefined, syslogHost: undefined });
  });
});
