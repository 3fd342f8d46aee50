import { afterEach, describe, expect, it } from 'vitest';
import { NetbootMachineRowSchema } from '../../main/contract/netboot';
import { machineRow } from '../../main/netboot/netboot-service';
import { TimelineRecorder, type RecordInput } from '../../main/netboot/timeline-recorder';
import { ManualClock } from '../support/manual-clock';

// What the live timeline carries: one row per machine with one cell per step of its current
// boot, and counts computed without building every machine's view.

const A = { name: 'rack-a', cidr: '10.40.24.0/24' };
const MAC = '52:54:00:a1:9c:ae';
let recorders: TimelineRecorder[] = [];
afterEach(() => {
  for (const r of recorders) r.dispose();
  recorders = [];
});

function make(clock: ManualClock): TimelineRecorder {
  const r = new TimelineRecorder({ clock, stuckAfterMs: 60_000, maxMachines: 100, maxEventsPerMachine: 16, subnets: [A, { name: 'rack-b', cidr: '10.40.25.0/24' }] });
  recorders.push(r);
  return r;
}
const ev = (step: RecordInput['step'], outcome: RecordInput['outcome'] = 'ok', extra: Partial<RecordInput> = {}): RecordInput => ({ ip: '10.40.24.7', mac: MAC, macSource: 'query', subnet: A, step, outcome, status: outcome === 'ok' ? 200 : 503, ...extra });

describe('live rows', () => {
  it('fold the events of the current boot into one cell per step', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    for (const s of ['script', 'kernel', 'initrd', 'config'] as const) r.record(ev(s, 'ok', s === 'kernel' ? { path: 'vmlinuz', bytes: 9 } : {}));
    r.record(ev('env', 'unavailable', { reason: 'etcd down' }));
    await clock.advance(1000);
    r.record(ev('env'));
    const row = machineRow(r.get(MAC)!);
    expect(NetbootMachineRowSchema.parse(row)).toEqual(row);
    expect(Object.keys(row.steps)).toEqual(['script', 'kernel', 'initrd', 'config', 'env']);
    expect(row.steps.kernel).toMatchObject({ path: 'vmlinuz', bytes: 9 });
    expect(row.steps.env).toMatchObject({ outcome: 'ok', status: 200 });
    expect(row.eventCount).toBe(6);

    // A new boot starts a new set of cells: the last boot's kernel is not shown as this one's.
    await clock.advance(60_000);
    r.record(ev('script'));
    const next = machineRow(r.get(MAC)!);
    expect(Object.keys(next.steps)).toEqual(['script']);
    expect(next.boots).toBe(2);
  });

  it('counts() equals the counts of snapshot()', async () => {
    const clock = new ManualClock();
    const r = make(clock);
    r.record(ev('script'));
    r.record({ ...ev('script'), mac: '52:54:00:00:00:02', ip: '10.40.24.8' });
    r.record({ ip: '192.168.1.5', step: 'script', outcome: 'fallback', status: 200 });
    await clock.advance(61_000);
    r.record({ ...ev('env'), mac: '52:54:00:00:00:03', ip: '10.40.24.9' });
    const { machines, ...snapshotCounts } = r.snapshot();
    const { machineCount, ...counts } = r.counts();
    expect(counts).toEqual(snapshotCounts);
    expect(machineCount).toBe(machines.length);
    expect(counts.subnets.find((s) => s.subnet === 'rack-a')).toMatchObject({ machines: 3, stuck: 2, booted: 1 });
    expect(counts.unknownClients).toMatchObject({ machines: 1, noSubnet: 1, noMac: 1 });
  });
});
