import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import type { AppApi } from '../../main/contract/index';
import { toDisposable } from '../../main/contract/lifecycle';
import type { LiveUpdate } from '../../main/contract/live';
import type { NetbootFeatureStatus, NetbootLiveData, NetbootMachineRow, NetbootValidation } from '../../main/contract/netboot';
import { createNetbootStore, isDirty, midBootMachines, subnetRows, timelineRows, unknownClientRows, type NetbootStore } from '../../renderer/src/features/netboot/netboot-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

// The netboot page's store in plain Node, against a fake api: live frames, validate-as-you-type
// (debounced, stale answers dropped), save = reload, start/stop, dnsmasq, etcd values, and the
// pure views the tables use.

const MAC_A = '52:54:00:00:00:0a';
const MAC_B = '52:54:00:00:00:0b';

function row(key: string, over: Partial<NetbootMachineRow> = {}): NetbootMachineRow {
  return {
    key,
    mac: key.startsWith('ip:') ? undefined : key,
    ip: '10.40.24.7',
    subnet: 'rack-a',
    cidr: '10.40.24.0/24',
    firstSeenMs: 1000,
    lastSeenMs: 1000,
    stepSinceMs: 1000,
    boots: 1,
    lastStep: 'script',
    lastOutcome: 'ok',
    stuck: false,
    steps: {},
    eventCount: 1,
    ...over,
  } as NetbootMachineRow;
}

function status(over: Partial<NetbootFeatureStatus> = {}): NetbootFeatureStatus {
  return {
    state: 'running',
    listenUrl: 'http://127.0.0.1:8080',
    subnets: 2,
    openConnections: 0,
    restartRequired: false,
    etcd: { state: 'ok' },
    counters: { requests: 0, scripts: 0, fallbacks: 0, configs: 0, envs: 0, files: 0, notFound: 0, unavailable: 0, badRequests: 0, headerTooLarge: 0, timeouts: 0, internalErrors: 0 },
    configPath: '/c/netboot.json',
    configExists: true,
    machines: 0,
    shownMachines: 0,
    unknownClients: { machines: 0, noSubnet: 0, noMac: 0, requests: 0 },
    evicted: 0,
    stuckAfterSec: 300,
    ...over,
  };
}

const valid = (n: number): NetbootValidation => ({ ok: true, message: `valid: ${n}`, problems: [], subnets: [], subnetCount: n, restartRequired: false });

function fakeApi() {
  const observers: Observer<LiveUpdate<NetbootLiveData>>[] = [];
  const calls: { method: string; input: unknown }[] = [];
  const validations: { text: string; resolve(v: NetbootValidation): void }[] = [];
  const netboot = {
    live: (_: null, o: Observer<LiveUpdate<NetbootLiveData>>) => {
      observers.push(o);
      return toDisposable(() => undefined);
    },
    start: vi.fn(async () => status()),
    stop: vi.fn(async () => status({ state: 'stopped' })),
    readConfig: vi.fn(async () => ({ path: '/c/netboot.json', exists: true, text: '{"a":1}' })),
    validateConfig: vi.fn(({ text }: { text: string }) => new Promise<NetbootValidation>((resolve) => validations.push({ text, resolve }))),
    saveConfig: vi.fn(async () => ({ report: { ok: false, atMs: 1, message: 'x was not applied (1 problem; first: subnets[0].cidr: bad); still serving the config loaded at T', problems: [], keptPrevious: true }, restartRequired: false })),
    setConfigPath: vi.fn(async () => status()),
    dnsmasq: vi.fn(async (input: unknown) => {
      calls.push({ method: 'dnsmasq', input });
      return { mode: 'proxy' as const, text: 'dhcp-range=…', args: [], warnings: [], subnets: 2, serverUrl: 'http://x' };
    }),
    saveDnsmasq: vi.fn(async (input: { overwrite: boolean; path: string }) => {
      if (!input.overwrite) throw new AppError('ALREADY_EXISTS', `${input.path} already exists`);
      return { path: input.path, bytes: 12 };
    }),
    etcdValues: vi.fn(async () => ({ subnet: 'rack-a', cidr: '10.40.24.0/24', datacenterUuid: 'u', source: 'responder' as const, endpoints: ['http://e'], atMs: 1 })),
    machine: vi.fn(async () => {
      throw new AppError('NOT_FOUND', 'gone');
    }),
  };
  return { api: { netboot } as unknown as AppApi, netboot, observers, validations, calls };
}

let stores: NetbootStore[] = [];
afterEach(() => {
  for (const s of stores) s.dispose();
  stores = [];
  vi.useRealTimers();
});

function make() {
  const fake = fakeApi();
  const toasts = createToastStore();
  let pending: (() => void) | undefined;
  const store = createNetbootStore({ api: fake.api, toasts, schedule: (f) => (pending = f), validateDelayMs: 300, now: () => 5000 });
  stores.push(store);
  return { ...fake, store, toasts, frame: () => pending?.() };
}

describe('netboot store', () => {
  it('holds machines, subnet counts and the status from the live stream', () => {
    const h = make();
    expect(h.store.getState().loaded).toBe(false);
    h.observers[0]!.next({ t: 'snapshot', seq: 0, atMs: 1, nowMs: 5100, health: { state: 'live', sinceMs: 0 }, data: { machines: { [MAC_A]: row(MAC_A) }, subnets: {}, status: { server: status() } } });
    h.frame();
    const s = h.store.getState();
    expect(s.loaded).toBe(true);
    expect(s.live).toMatchObject({ fresh: true, clockOffsetMs: 100 });
    expect(s.machines[MAC_A]?.lastStep).toBe('script');
    expect(s.status?.listenUrl).toBe('http://127.0.0.1:8080');
    h.observers[0]!.next({ t: 'diff', seq: 1, atMs: 2, nowMs: 5200, changes: { machines: { patch: { [MAC_A]: { lastStep: 'env' } }, put: { [MAC_B]: row(MAC_B) } } } });
    h.frame();
    expect(h.store.getState().machines[MAC_A]?.lastStep).toBe('env');
    expect(Object.keys(h.store.getState().changedAtMs).sort()).toEqual([MAC_A, MAC_B]);
  });

  it('validates a moment after typing stops, and drops an answer for text that changed since', async () => {
    vi.useFakeTimers();
    const h = make();
    await h.store.getState().loadConfig();
    // loadConfig validates the file's text at once.
    expect(h.validations.map((v) => v.text)).toEqual(['{"a":1}']);
    h.validations[0]!.resolve(valid(1));
    await vi.runAllTimersAsync();
    expect(h.store.getState().editor).toMatchObject({ loaded: true, exists: true, validatedText: '{"a":1}' });
    expect(isDirty(h.store.getState().editor)).toBe(false);

    h.store.getState().setText('{"a":2');
    h.store.getState().setText('{"a":2}');
    expect(isDirty(h.store.getState().editor)).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(h.validations).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.validations.map((v) => v.text)).toEqual(['{"a":1}', '{"a":2}']);
    h.store.getState().setText('{"a":3}');
    await vi.advanceTimersByTimeAsync(300);
    // The answer for "a":3 comes first; the late one for "a":2 must not replace it.
    h.validations[2]!.resolve(valid(3));
    await vi.runAllTimersAsync();
    h.validations[1]!.resolve(valid(2));
    await vi.runAllTimersAsync();
    expect(h.store.getState().editor).toMatchObject({ validatedText: '{"a":3}', validation: { subnetCount: 3 } });
  });

  it('save writes the text and keeps the reload report (kept the last good config)', async () => {
    const h = make();
    await h.store.getState().loadConfig();
    h.store.getState().setText('{"b":1}');
    const r = await h.store.getState().saveConfig();
    expect(h.netboot.saveConfig).toHaveBeenCalledWith({ text: '{"b":1}' });
    expect(r?.report.keptPrevious).toBe(true);
    expect(h.store.getState().editor).toMatchObject({ savedText: '{"b":1}', saving: false, lastSave: { report: { ok: false, keptPrevious: true } } });
    expect(isDirty(h.store.getState().editor)).toBe(false);
  });

  it('start and stop are single-flight; a failure is a toast naming the action', async () => {
    const h = make();
    const a = h.store.getState().start();
    const b = h.store.getState().start();
    expect(await a).toBe(true);
    expect(await b).toBe(false);
    expect(h.netboot.start).toHaveBeenCalledTimes(1);
    h.netboot.stop.mockRejectedValueOnce(new AppError('UNAVAILABLE', 'boom'));
    expect(await h.store.getState().stop()).toBe(false);
    expect(h.toasts.getState().queue).toEqual([expect.objectContaining({ kind: 'error', code: 'UNAVAILABLE', action: 'stopNetboot' })]);
  });

  it('dnsmasq: generates with the options; saving an existing file reports "exists" so the page can ask', async () => {
    const h = make();
    h.store.getState().setDnsmasqOptions({ mode: 'proxy', interfaces: ['br0'], tftp: false });
    await h.store.getState().generateDnsmasq();
    expect(h.calls.at(-1)?.input).toEqual({ mode: 'proxy', interfaces: ['br0'], tftp: false });
    expect(h.store.getState().dnsmasq.result?.text).toBe('dhcp-range=…');
    expect(await h.store.getState().saveDnsmasq('/etc/dnsmasq.d/x.conf', false)).toBe('exists');
    expect(h.toasts.getState().queue).toEqual([]);
    expect(await h.store.getState().saveDnsmasq('/etc/dnsmasq.d/x.conf', true)).toBe('saved');
    expect(h.store.getState().dnsmasq.saved).toEqual({ path: '/etc/dnsmasq.d/x.conf', bytes: 12 });
  });

  it('etcd values and machine details are kept per subnet / machine, errors inline', async () => {
    const h = make();
    await h.store.getState().loadEtcdValues('rack-a', ' 52:54:00:00:00:0a ');
    expect(h.netboot.etcdValues).toHaveBeenCalledWith({ subnet: 'rack-a', mac: MAC_A });
    expect(h.store.getState().etcd['rack-a']).toMatchObject({ loading: false, mac: MAC_A, preview: { source: 'responder' } });
    await h.store.getState().loadEtcdValues('rack-a', undefined, 'farm-etcd');
    expect(h.netboot.etcdValues).toHaveBeenLastCalledWith({ subnet: 'rack-a', sessionId: 'farm-etcd' });
    await h.store.getState().loadMachine(MAC_B);
    expect(h.store.getState().details[MAC_B]?.error?.code).toBe('NOT_FOUND');
  });
});

describe('netboot views', () => {
  const machines = {
    [MAC_A]: row(MAC_A, { lastSeenMs: 3000, lastStep: 'env' }),
    [MAC_B]: row(MAC_B, { lastSeenMs: 2000, stuck: true, lastStep: 'kernel', ip: '10.40.24.8' }),
    '52:54:00:00:00:0c': row('52:54:00:00:00:0c', { lastSeenMs: 4000, lastStep: 'config', lastOutcome: 'ok' }),
    'ip:192.168.7.7': row('ip:192.168.7.7', { subnet: undefined, cidr: undefined, lastOutcome: 'fallback' }),
  };

  it('timeline rows: known machines, stuck first, then most recent; filters and search', () => {
    expect(timelineRows(machines, 'all', '').map((m) => m.key)).toEqual([MAC_B, '52:54:00:00:00:0c', MAC_A]);
    expect(timelineRows(machines, 'stuck', '').map((m) => m.key)).toEqual([MAC_B]);
    expect(timelineRows(machines, 'booted', '').map((m) => m.key)).toEqual([MAC_A]);
    expect(timelineRows(machines, 'booting', '').map((m) => m.key)).toEqual(['52:54:00:00:00:0c']);
    expect(timelineRows(machines, 'all', '10.40.24.8').map((m) => m.key)).toEqual([MAC_B]);
    expect(unknownClientRows(machines).map((m) => m.key)).toEqual(['ip:192.168.7.7']);
  });

  it('mid-boot machines: known, not booted, seen within 15 min; most recent first', () => {
    expect(midBootMachines(machines, 5000).map((m) => m.key)).toEqual(['52:54:00:00:00:0c', MAC_B]);
    expect(midBootMachines(machines, 3000 + 16 * 60_000)).toEqual([]);
  });

  it('subnet rows keep the service order and filter by name or CIDR', () => {
    const subnets = {
      b: { subnet: 'b', cidr: '10.0.1.0/24', machines: 0, booted: 0, stuck: 0, failing: 0, byStep: { script: 0, kernel: 0, initrd: 0, file: 0, config: 0, env: 0 }, requests: 0, fallbacks: 0 },
      a: { subnet: 'a', cidr: 'fd00::/64', machines: 0, booted: 0, stuck: 0, failing: 0, byStep: { script: 0, kernel: 0, initrd: 0, file: 0, config: 0, env: 0 }, requests: 0, fallbacks: 0 },
    };
    expect(subnetRows(subnets, '').map((s) => s.subnet)).toEqual(['b', 'a']);
    expect(subnetRows(subnets, 'fd00').map((s) => s.subnet)).toEqual(['a']);
  });
});
