import { afterEach, describe, expect, it } from 'vitest';
import type { NetbootRecord } from '../../main/contract/netboot';
import { MachineTimelineSchema, NetbootRecordSchema, NetbootTimelineSnapshotSchema } from '../../main/contract/netboot';
import { TimelineRecorder, type RecordInput } from '../../main/netboot/timeline-recorder';
import { ManualClock } from '../support/manual-clock';

const A = { name: 'rack-a', cidr: '10.40.24.0/24' };
const B = { name: 'rack-b', cidr: '10.40.25.0/24' };
const MAC1 = '52:54:00:a1:9c:ae';
const MAC2 = '52:54:00:a1:9c:af';

let recorders: TimelineRecorder[] = [];
afterEach(() => {
  for (const r of recorders) r.dispose();
  recorders = [];
});

function make(clock: ManualClock, opts: Partial<ConstructorParameters<typeof TimelineRecorder>[0]> = {}) {
  const r = new TimelineRecorder({ clock, stuckAfterMs: 60_000, maxMachines: 100, maxEventsPerMachine: 8, subnets: [A, B], ...opts });
  recorders.push(r);
  return r;
}

const ok = (mac: string, ip: string, step: RecordInput['step'], subnet = A): RecordInput => ({ ip, mac, macSource: 'query', subnet, step, outcome: 'ok', status: 200 });

describe('boot timeline', () => {
  it('records each step of a boot with time and outcome, and counts per subnet', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    const seen: NetbootRecord[] = [];
    r.onDidRecord((e) => seen.push(e));
    r.record(ok(MAC1, '10.40.24.7', 'script'));
    await clock.advance(1000);
    r.record({ ...ok(MAC1, '10.40.24.7', 'kernel'), path: 'vmlinuz', bytes: 9_000_000, durationMs: 800 });
    r.record({ ...ok(MAC1, '10.40.24.7', 'initrd'), path: 'initrd-zrt', bytes: 40_000_000 });
    await clock.advance(20_000);
    r.record(ok(MAC1, '10.40.24.7', 'config'));
    r.record(ok(MAC1, '10.40.24.7', 'env'));
    r.record(ok(MAC2, '10.40.25.9', 'script', B));

    const m = r.get(MAC1)!;
    expect(MachineTimelineSchema.parse(m)).toEqual(m);
    expect(m.events.map((e) => `${e.step}:${e.outcome}`)).toEqual(['script:ok', 'kernel:ok', 'initrd:ok', 'config:ok', 'env:ok']);
    expect(m.events[1]).toMatchObject({ path: 'vmlinuz', bytes: 9_000_000, durationMs: 800, atMs: m.firstSeenMs + 1000 });
    expect(m).toMatchObject({ mac: MAC1, ip: '10.40.24.7', subnet: 'rack-a', boots: 1, lastStep: 'env', stuck: false });
    for (const e of seen) NetbootRecordSchema.parse(e);
    expect(seen.filter((e) => e.change === 'step')).toHaveLength(6);

    const snap = r.snapshot();
    NetbootTimelineSnapshotSchema.parse(snap);
    const a = snap.subnets.find((s) => s.subnet === 'rack-a')!;
    expect(a).toMatchObject({ machines: 1, booted: 1, stuck: 0, requests: 5, byStep: { env: 1, script: 0 } });
    const b = snap.subnets.find((s) => s.subnet === 'rack-b')!;
    expect(b).toMatchObject({ machines: 1, booted: 0, byStep: { script: 1 } });
  });

  it('counts repeats instead of storing them, and marks a machine stuck once', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    const stuck: NetbootRecord[] = [];
    r.onDidRecord((e) => e.change === 'stuck' && stuck.push(e));
    const fail: RecordInput = { ip: '10.40.24.7', mac: MAC1, subnet: A, step: 'env', outcome: 'unavailable', status: 503, reason: 'etcd could not be read: down' };
    r.record(ok(MAC1, '10.40.24.7', 'script'));
    for (let i = 0; i < 30; i++) {
      r.record(fail);
      await clock.advance(10_000);
    }
    const m = r.get(MAC1)!;
    expect(m.events).toHaveLength(2);
    expect(m.events[1]).toMatchObject({ step: 'env', outcome: 'unavailable', count: 30, reason: 'etcd could not be read: down' });
    expect(m.events[1]!.atMs - m.events[1]!.firstAtMs).toBe(290_000);
    expect(m).toMatchObject({ stuck: true, reason: 'etcd could not be read: down', lastOutcome: 'unavailable' });
    expect(stuck).toHaveLength(1);
    expect(r.snapshot().subnets.find((s) => s.subnet === 'rack-a')).toMatchObject({ stuck: 1, failing: 1 });
    // Progress clears it.
    r.record(ok(MAC1, '10.40.24.7', 'env'));
    expect(r.get(MAC1)!.stuck).toBe(false);
  });

  it('says why a silent machine is stuck, and never calls a booted one stuck', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    r.record(ok(MAC1, '10.40.24.7', 'script'));
    r.record({ ...ok(MAC1, '10.40.24.7', 'kernel'), path: 'vmlinuz' });
    r.record(ok(MAC2, '10.40.24.8', 'script'));
    r.record(ok(MAC2, '10.40.24.8', 'env'));
    await clock.advance(61_000);
    expect(r.get(MAC1)).toMatchObject({ stuck: true, lastStep: 'kernel', reason: 'no progress after "kernel" for 60 s' });
    expect(r.get(MAC2)!.stuck).toBe(false);
  });

  it('keys unknown MACs by IP and folds them into the MAC entry when it becomes known', () => {
    const clock = new ManualClock();
    const r = make(clock);
    const removed: NetbootRecord[] = [];
    r.onDidRecord((e) => e.change === 'removed' && removed.push(e));
    r.record({ ip: '10.40.24.7', subnet: A, step: 'script', outcome: 'fallback', status: 200, reason: 'MAC unknown' });
    r.record({ ip: '10.9.9.9', step: 'script', outcome: 'fallback', status: 200, reason: 'no subnet' });
    expect(r.get('ip:10.40.24.7')).toMatchObject({ key: 'ip:10.40.24.7', lastOutcome: 'fallback' });
    let snap = r.snapshot();
    expect(snap.unknownClients).toEqual({ machines: 2, noSubnet: 1, noMac: 2, requests: 1 });

    r.record(ok(MAC1, '10.40.24.7', 'script'));
    expect(r.get('ip:10.40.24.7')).toBeUndefined();
    expect(removed).toEqual([{ change: 'removed', key: 'ip:10.40.24.7', mergedInto: MAC1 }]);
    expect(r.get(MAC1)!.events.map((e) => e.outcome)).toEqual(['fallback', 'ok']);
    snap = r.snapshot();
    expect(snap.unknownClients).toMatchObject({ machines: 1, noSubnet: 1 });
    // The MAC seen at an address is remembered for later requests that do not carry one.
    expect(r.macForIp('10.40.24.7')).toBe(MAC1);
    expect(r.macForIp('10.40.24.8')).toBeUndefined();
  });

  it('forgets an address-to-MAC link when it is old or the MAC moved', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    r.record(ok(MAC1, '10.40.24.7', 'script'));
    await clock.advance(5000);
    expect(r.macForIp('10.40.24.7', 4000)).toBeUndefined();
    expect(r.macForIp('10.40.24.7', 6000)).toBe(MAC1);
    r.record(ok(MAC1, '10.40.24.99', 'script'));
    expect(r.macForIp('10.40.24.7')).toBeUndefined();
    expect(r.macForIp('10.40.24.99')).toBe(MAC1);
  });

  it('stays bounded: oldest machines evicted, events per machine capped', () => {
    const clock = new ManualClock();
    const r = make(clock, { maxMachines: 50, maxEventsPerMachine: 4 });
    for (let i = 0; i < 500; i++) {
      const mac = `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      r.record(ok(mac, `10.40.24.${i % 250}`, 'script'));
    }
    for (let i = 0; i < 20; i++) r.record({ ...ok(MAC1, '10.40.24.7', 'file'), path: `pkg-${i}` });
    expect(r.size).toBe(50);
    expect(r.get('52:54:00:00:00:00')).toBeUndefined();
    expect(r.get(MAC1)!.events.map((e) => e.path)).toEqual(['pkg-16', 'pkg-17', 'pkg-18', 'pkg-19']);
    expect(r.snapshot().evicted).toBe(451);
  });

  it('counts a new boot when a served script follows other steps', () => {
    const clock = new ManualClock();
    const r = make(clock);
    r.record(ok(MAC1, '10.40.24.7', 'script'));
    r.record(ok(MAC1, '10.40.24.7', 'script')); // re-request: same boot
    r.record(ok(MAC1, '10.40.24.7', 'env'));
    r.record(ok(MAC1, '10.40.24.7', 'script')); // rebooted
    expect(r.get(MAC1)!.boots).toBe(2);
  });

  it('releases its timer on dispose', () => {
    const clock = new ManualClock();
    const r = make(clock);
    expect(clock.pending).toBe(1);
    r.dispose();
    expect(clock.pending).toBe(0);
  });
});
