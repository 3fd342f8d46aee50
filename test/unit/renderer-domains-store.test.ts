import { describe, expect, it } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { domainKey, type DomainActionResult, type DomainBulkEvent, type DomainDetails, type DomainHostStatus, type DomainLiveData, type DomainRow } from '../../main/contract/domains';
import type { AppApi } from '../../main/contract/index';
import { AppError } from '../../main/contract/errors';
import { Emitter, toDisposable } from '../../main/contract/lifecycle';
import type { LiveUpdate } from '../../main/contract/live';
import type { ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import { actionApplies, createDomainsStore, hostOrder, hostUsable, isDestructive, rowStale, visibleKeys } from '../../renderer/src/features/domains/domains-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

// The Domains page's store with a scripted api: live frames applied per animation frame, each
// host's health, filters and ordering, the selection, actions (virsh errors become toasts),
// bulk results filled in as they arrive, details, console targets, and stale on link loss.

const A = 'kvm-a';
const B = 'kvm-b';
const RIG = '870e8c59-aff9-47e4-894a-7a17c5f2b1f3';
const PXE = '8cdd9478-5a12-4744-8a1e-1941eb7e0d81';
const WEIRD = '3f5e4d1c-0000-4000-8000-00000000000a';

function row(hostId: string, uuid: string, name: string, state: DomainRow['state'], extra: Partial<DomainRow> = {}): DomainRow {
  const active = state !== 'shut off';
  return {
    uuid,
    hostId,
    name,
    id: active ? 3 : null,
    state,
    stateCode: state === 'running' ? 1 : state === 'paused' ? 3 : 5,
    reason: null,
    reasonCode: null,
    vcpus: 2,
    vcpusMax: 2,
    memoryKiB: 1048576,
    memoryMaxKiB: 1048576,
    autostart: false,
    persistent: true,
    managedSave: false,
    cpuPercent: null,
    memoryUsedKiB: null,
    memoryRssKiB: null,
    diskReadBytesPerSec: null,
    diskWriteBytesPerSec: null,
    netRxBytesPerSec: null,
    netTxBytesPerSec: null,
    runningSinceMs: null,
    ...extra,
  };
}

function host(id: string, name: string, state: DomainHostStatus['health']['state'] = 'live'): DomainHostStatus {
  return {
    config: { id, name, target: { host: `${id}.lan`, port: 22, user: 'root' }, jumps: [], uri: 'qemu:///system', pollIntervalSec: 5 },
    route: `root@${id}.lan:22`,
    health: { state, sinceMs: 0, dataAtMs: 1000, ...(state === 'down' ? { cause: { code: 'UNAVAILABLE' as const, message: 'connection refused' } } : {}) },
    failure: state === 'down' ? 'ssh' : null,
    problems: [],
    domainCount: 2,
    roundMs: 40,
    calls: 1,
  };
}

function harness() {
  const live: Observer<LiveUpdate<DomainLiveData>>[] = [];
  const calls: { method: string; input: unknown }[] = [];
  const bulkObservers: Observer<DomainBulkEvent>[] = [];
  let bulkDisposed = 0;
  let actResult: DomainActionResult | Error = { domain: RIG, host: A, ok: true, output: "Domain 'x' suspended", error: null };
  let details: DomainDetails | Error = { hostId: A, uuid: RIG, info: null, memoryStats: { actual: 1 }, vcpus: [], blockDevices: [], interfaces: [], snapshots: [], problems: [] };
  const method =
    (name: string, result: () => unknown) =>
    async (input: unknown): Promise<unknown> => {
      calls.push({ method: name, input });
      const r = result();
      if (r instanceof Error) throw r;
      return r;
    };
  const api = {
    domains: {
      live: (_input: null, o: Observer<LiveUpdate<DomainLiveData>>) => {
        live.push(o);
        return toDisposable(() => undefined);
      },
      listHosts: method('listHosts', () => []),
      saveHost: method('saveHost', () => new AppError('INVALID_INPUT', 'target.host: a host name or IP address')),
      removeHost: method('removeHost', () => null),
      refresh: method('refresh', () => null),
      retryHost: method('retryHost', () => null),
      act: method('act', () => actResult),
      details: method('details', () => details),
      consoleTarget: method('consoleTarget', () => ({ target: { host: 'kvm-a.lan', port: 22, user: 'root' }, jumps: [], command: ['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', 'qemu:///system', 'console', '--', RIG] })),
      bulk: (input: unknown, o: Observer<DomainBulkEvent>) => {
        calls.push({ method: 'bulk', input });
        bulkObservers.push(o);
        return toDisposable(() => bulkDisposed++);
      },
    },
  } as unknown as AppApi;
  const toasts = createToastStore();
  const linkEmitter = new Emitter<ConnectionState>();
  const link = { state: { status: 'open', sinceMs: 0 } as ConnectionState, onDidChangeState: linkEmitter.event };
  let pending: (() => void) | undefined;
  let t = 50_000;
  const store = createDomainsStore({ api, toasts, link, schedule: (f) => (pending = f), now: () => t });
  return {
    store,
    toasts,
    calls,
    live,
    bulkObservers,
    get bulkDisposed() {
      return bulkDisposed;
    },
    setAct(r: DomainActionResult | Error) {
      actResult = r;
    },
    setDetails(d: DomainDetails | Error) {
      details = d;
    },
    frame() {
      const f = pending;
      pending = undefined;
      f?.();
    },
    setLink(state: ConnectionState) {
      link.state = state;
      linkEmitter.fire(state);
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

const snapshotData = (): DomainLiveData => ({
  hosts: { [A]: host(A, 'kvm A'), [B]: host(B, 'Alpha host', 'down') },
  domains: {
    [domainKey(A, RIG)]: row(A, RIG, 'gpu-rig-01', 'running'),
    [domainKey(A, PXE)]: row(A, PXE, 'pxe-test', 'shut off'),
    [domainKey(B, WEIRD)]: row(B, WEIRD, "x'; touch pwned #", 'paused'),
  },
});

function loaded() {
  const h = harness();
  h.live[0]!.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 50_200, health: { state: 'live', sinceMs: 0 }, data: snapshotData() });
  h.frame();
  return h;
}

describe('domains store (renderer)', () => {
  it('applies the snapshot on the next frame; hosts and rows keyed as the service sends them; stale per host', () => {
    const h = harness();
    expect(h.store.getState().loaded).toBe(false);
    h.live[0]!.next({ t: 'snapshot', seq: 1, atMs: 1000, nowMs: 50_200, health: { state: 'live', sinceMs: 0 }, data: snapshotData() });
    expect(h.store.getState().loaded).toBe(false);
    h.frame();
    const s = h.store.getState();
    expect(s.loaded).toBe(true);
    expect(s.live).toMatchObject({ connected: true, fresh: true, clockOffsetMs: 200 });
    expect(Object.keys(s.domains)).toHaveLength(3);
    expect(hostOrder(s.hosts)).toEqual([B, A]); // by name: "Alpha host" < "kvm A"
    // Host B is down: its rows are drawn stale and its actions wait; host A's are live.
    expect(rowStale(s.live, s.hosts[B])).toBe(true);
    expect(hostUsable(s.live, s.hosts[B])).toBe(false);
    expect(rowStale(s.live, s.hosts[A])).toBe(false);
    expect(hostUsable(s.live, s.hosts[A])).toBe(true);
    // A host that is only slow (a round timed out) still takes actions; drawn stale all the same.
    const slow: DomainHostStatus = { ...host(A, 'kvm A', 'down'), failure: 'timeout' };
    expect(hostUsable(s.live, slow)).toBe(true);
    expect(rowStale(s.live, slow)).toBe(true);

    // The link drops: everything is stale at once, until a new snapshot.
    h.setLink({ status: 'reconnecting', sinceMs: 0, attempt: 1, retryAtMs: 0 } as unknown as ConnectionState);
    expect(h.store.getState().live).toMatchObject({ connected: false, fresh: false });
    expect(rowStale(h.store.getState().live, h.store.getState().hosts[A])).toBe(true);
    h.setLink({ status: 'open', sinceMs: 0 });
    expect(h.store.getState().live.fresh).toBe(false);
    h.live[0]!.next({ t: 'snapshot', seq: 9, atMs: 2000, nowMs: 50_300, health: { state: 'live', sinceMs: 0 }, data: snapshotData() });
    h.frame();
    expect(h.store.getState().live.fresh).toBe(true);
  });

  it('a state change is highlighted, a counter change is not; unchanged rows keep their identity', () => {
    const h = loaded();
    const pxe = h.store.getState().domains[domainKey(A, PXE)];
    h.live[0]!.next({
      t: 'diff',
      seq: 2,
      atMs: 1100,
      nowMs: 50_300,
      changes: { domains: { patch: { [domainKey(A, RIG)]: { state: 'paused', stateCode: 3 }, [domainKey(B, WEIRD)]: { cpuPercent: 12.5 } } } },
    });
    h.frame();
    const s = h.store.getState();
    expect(s.domains[domainKey(A, RIG)]!.state).toBe('paused');
    expect(s.domains[domainKey(A, PXE)]).toBe(pxe);
    expect(Object.keys(s.changedAtMs)).toEqual([domainKey(A, RIG)]);
  });

  it('filters and orders rows: by host name then domain name; search by name, uuid or id; host and state filters', () => {
    const h = loaded();
    const s = () => h.store.getState();
    expect(visibleKeys(s())).toEqual([domainKey(B, WEIRD), domainKey(A, RIG), domainKey(A, PXE)]);
    h.store.getState().setSearch("touch pwned");
    expect(visibleKeys(s())).toEqual([domainKey(B, WEIRD)]);
    h.store.getState().setSearch(PXE.slice(0, 8));
    expect(visibleKeys(s())).toEqual([domainKey(A, PXE)]);
    h.store.getState().setSearch('3');
    expect(visibleKeys(s())).toEqual([domainKey(B, WEIRD), domainKey(A, RIG)]);
    h.store.getState().setSearch('');
    h.store.getState().setHostFilter(A);
    expect(visibleKeys(s())).toEqual([domainKey(A, RIG), domainKey(A, PXE)]);
    h.store.getState().setStateFilter(['shut off']);
    expect(visibleKeys(s())).toEqual([domainKey(A, PXE)]);
  });

  it('the selection and cursor drop domains that are gone; a removed host clears its filter', () => {
    const h = loaded();
    h.store.getState().setSelection([domainKey(A, RIG), domainKey(B, WEIRD), domainKey(A, RIG)]);
    expect(h.store.getState().selection).toEqual([domainKey(A, RIG), domainKey(B, WEIRD)]);
    h.store.getState().toggleSelected(domainKey(A, PXE));
    h.store.getState().toggleSelected(domainKey(A, RIG));
    expect(h.store.getState().selection).toEqual([domainKey(B, WEIRD), domainKey(A, PXE)]);
    h.store.getState().setCursor(domainKey(B, WEIRD));
    h.store.getState().setHostFilter(B);
    h.live[0]!.next({ t: 'diff', seq: 2, atMs: 1100, nowMs: 50_300, changes: { hosts: { remove: [B] }, domains: { remove: [domainKey(B, WEIRD)] } } });
    h.frame();
    const s = h.store.getState();
    expect(s.selection).toEqual([domainKey(A, PXE)]);
    expect(s.cursor).toBeNull();
    expect(s.hostFilter).toBeNull();
  });

  it('act: by host and uuid, busy while it runs; a virsh error is a toast with virsh’s text; save remembers the file', async () => {
    const h = loaded();
    const key = domainKey(A, RIG);
    const p = h.store.getState().act(key, { action: 'suspend' });
    expect(h.store.getState().busy[key]).toBe('suspend');
    // A second click while it runs does nothing.
    expect(await h.store.getState().act(key, { action: 'suspend' })).toBeNull();
    expect((await p)?.ok).toBe(true);
    expect(h.store.getState().busy[key]).toBeUndefined();
    expect(h.calls.filter((c) => c.method === 'act')).toEqual([{ method: 'act', input: { hostId: A, domain: RIG, request: { action: 'suspend' } } }]);

    h.setAct({ domain: RIG, host: A, ok: false, output: '', error: { code: 'CONFLICT', message: 'Requested operation is not valid: domain is not running', hint: 'refresh' } });
    const r = await h.store.getState().act(key, { action: 'suspend' });
    expect(r?.ok).toBe(false);
    expect(h.toasts.getState().queue).toEqual([expect.objectContaining({ kind: 'error', code: 'CONFLICT', message: 'Requested operation is not valid: domain is not running', action: 'domainAction' })]);

    h.setAct({ domain: RIG, host: A, ok: true, output: 'saved', error: null });
    await h.store.getState().act(key, { action: 'save', file: '/var/lib/libvirt/qemu/save/rig.save' });
    expect(h.store.getState().savedTo[key]).toBe('/var/lib/libvirt/qemu/save/rig.save');

    h.setAct(new AppError('UNAVAILABLE', 'the services went away'));
    expect(await h.store.getState().act(key, { action: 'resume' })).toBeNull();
    expect(h.toasts.getState().queue.at(-1)).toMatchObject({ code: 'UNAVAILABLE', action: 'domainAction' });
    expect(h.store.getState().busy[key]).toBeUndefined();
  });

  it('bulk: one line per domain, filled in as results arrive; done when the stream ends; cancel stops listening', () => {
    const h = loaded();
    h.store.getState().runBulk([domainKey(A, RIG), domainKey(B, WEIRD), 'not-a-key'], { action: 'start' });
    expect(h.calls.find((c) => c.method === 'bulk')?.input).toEqual({ request: { action: 'start' }, targets: [{ hostId: A, domain: RIG }, { hostId: B, domain: WEIRD }] });
    let b = h.store.getState().bulk!;
    expect(b.targets.map((t) => t.name)).toEqual(['gpu-rig-01', "x'; touch pwned #"]);
    expect(b.results).toEqual([undefined, undefined]);
    const o = h.bulkObservers[0]!;
    o.next({ index: 1, result: { domain: WEIRD, host: B, ok: false, output: '', error: { code: 'CONFLICT', message: 'Domain is already active' } } });
    b = h.store.getState().bulk!;
    expect(b.results[0]).toBeUndefined();
    expect(b.results[1]).toMatchObject({ ok: false });
    o.next({ index: 0, result: { domain: RIG, host: A, ok: true, output: "Domain 'x' started", error: null } });
    o.end?.();
    expect(h.store.getState().bulk).toMatchObject({ done: true, cancelled: false, error: null });

    h.store.getState().runBulk([domainKey(A, PXE)], { action: 'destroy' });
    h.store.getState().cancelBulk();
    expect(h.bulkDisposed).toBeGreaterThan(0);
    expect(h.store.getState().bulk).toMatchObject({ done: true, cancelled: true });
    h.store.getState().clearBulk();
    expect(h.store.getState().bulk).toBeNull();
  });

  it('details: loading, then data; an error is kept for the drawer; console and shell targets for the terminal', async () => {
    const h = loaded();
    const key = domainKey(A, RIG);
    const p = h.store.getState().openDetails(key);
    expect(h.store.getState().details).toMatchObject({ key, loading: true, data: null });
    await p;
    expect(h.store.getState().details).toMatchObject({ key, loading: false, data: { memoryStats: { actual: 1 } }, error: null, atMs: 50_000 });
    h.setDetails(new AppError('TIMEOUT', 'no answer'));
    await h.store.getState().reloadDetails();
    expect(h.store.getState().details).toMatchObject({ key, loading: false, data: { memoryStats: { actual: 1 } }, error: { code: 'TIMEOUT' } });
    h.store.getState().closeDetails();
    expect(h.store.getState().details).toBeNull();

    expect(await h.store.getState().consoleTarget(key)).toEqual({
      kind: 'ssh',
      target: { host: 'kvm-a.lan', port: 22, user: 'root' },
      jumps: [],
      command: ['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', 'qemu:///system', 'console', '--', RIG],
    });
    expect(h.calls.find((c) => c.method === 'consoleTarget')?.input).toEqual({ hostId: A, uuid: RIG });
    expect(h.store.getState().shellTarget(A)).toEqual({ kind: 'ssh', target: { host: 'kvm-a.lan', port: 22, user: 'root' }, jumps: [] });
    expect(h.store.getState().shellTarget('nope')).toBeNull();
  });

  it('host calls: a refused save comes back for the form (no toast); remove clears the filter; refresh and retry', async () => {
    const h = loaded();
    const r = await h.store.getState().saveHost({ name: 'x', target: { host: 'a b', user: 'root' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(h.toasts.getState().queue).toEqual([]);
    h.store.getState().setHostFilter(A);
    expect(await h.store.getState().removeHost(A)).toBe(true);
    expect(h.store.getState().hostFilter).toBeNull();
    await h.store.getState().refresh();
    await h.store.getState().refresh(B);
    await h.store.getState().retryHost(B);
    expect(h.calls.filter((c) => ['refresh', 'retryHost', 'removeHost'].includes(c.method)).map((c) => [c.method, c.input])).toEqual([
      ['removeHost', { id: A }],
      ['refresh', {}],
      ['refresh', { hostId: B }],
      ['retryHost', { id: B }],
    ]);
  });

  it('which actions are offered in which state, and which ask first', () => {
    const running = row(A, RIG, 'r', 'running');
    const paused = row(A, RIG, 'p', 'paused');
    const off = row(A, RIG, 'o', 'shut off', { managedSave: true });
    const transient = row(A, RIG, 't', 'running', { persistent: false });
    expect(actionApplies('start', off)).toBe(true);
    expect(actionApplies('start', running)).toBe(false);
    expect(actionApplies('suspend', running)).toBe(true);
    expect(actionApplies('suspend', paused)).toBe(false);
    expect(actionApplies('resume', paused)).toBe(true);
    expect(actionApplies('destroy', paused)).toBe(true);
    expect(actionApplies('destroy', off)).toBe(false);
    expect(actionApplies('managedsave-remove', off)).toBe(true);
    expect(actionApplies('autostart-enable', transient)).toBe(false);
    expect(actionApplies('managedsave', transient)).toBe(false);
    expect(actionApplies('migrate', paused)).toBe(true);
    expect(actionApplies('restore', off)).toBe(true);
    expect(['destroy', 'reset', 'snapshot-revert', 'snapshot-delete', 'managedsave-remove'].every((a) => isDestructive(a as never))).toBe(true);
    expect(['start', 'shutdown', 'suspend', 'resume', 'reboot'].some((a) => isDestructive(a as never))).toBe(false);
  });
});
