import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertRuleSchema, AlertSchema, HostDownRuleSchema, HostMetricsSchema, ThresholdRuleSchema, type AlertRule, type AlertRuleInput, type AlertTransition, type HostMetrics } from '../../main/contract/fleet';
import { AlertHistory } from '../../main/fleet/alert-history';
import { acknowledgeAlert, DEFAULT_ALERT_RULES, evaluateHostAlerts, rulesForGroup, type HostAlertState, type ProbeObservation } from '../../main/fleet/alert-rules';
import { ManualClock } from '../support/manual-clock';

function rule(input: AlertRuleInput): AlertRule {
  return AlertRuleSchema.parse(input);
}

function metrics(over: { gpuTemps?: Array<number | null>; disks?: Record<string, number>; load1?: number | null; cpuTempC?: number | null } = {}): HostMetrics {
  const m: HostMetrics = {
    atMs: 0,
    hostname: 'rig06',
    kernel: '6.1.0',
    uptimeSec: 1000,
    bootTimeSec: 1_700_000_000,
    rebooted: false,
    load1: over.load1 === undefined ? 1 : over.load1,
    load5: 1,
    load15: 1,
    cpu: { count: 8, usePercent: 10, iowaitPercent: 0, stealPercent: 0 },
    temperatures: [],
    cpuTempC: over.cpuTempC === undefined ? 50 : over.cpuTempC,
    memory: { totalBytes: 100, availableBytes: 50, usedBytes: 50, usePercent: 50 },
    swap: null,
    mounts: Object.entries(over.disks ?? { '/': 40 }).map(([mount, usePercent]) => ({ mount, source: '/dev/x', sizeBytes: 100, usedBytes: usePercent, availableBytes: 100 - usePercent, usePercent })),
    disks: [],
    networks: [],
    gpus: (over.gpuTemps ?? []).map((t, index) => ({
      vendor: 'nvidia' as const,
      index,
      name: 'NVIDIA GeForce RTX 3080',
      uuid: `GPU-${index}`,
      busId: null,
      temperatureC: t,
      hotspotC: null,
      memoryTempC: null,
      utilizationPercent: 100,
      memoryUtilizationPercent: null,
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      powerDrawW: null,
      powerLimitW: null,
      fanPercent: null,
      clockSmMHz: null,
      clockMemMHz: null,
      pstate: null,
      throttleReasons: null,
    })),
    smart: { state: 'skipped', disks: [] },
    tools: { timeout: 'ok', sensors: 'absent', nvidiaSmi: 'ok', rocmSmi: 'absent', smartctl: 'skipped' },
    probeDurationMs: 50,
    roundTripMs: null,
    problems: [],
  };
  return HostMetricsSchema.parse(m);
}

const host = { id: 'rig06', group: 'rigs' };
const gpuHot = ThresholdRuleSchema.parse({ id: 'gpu-hot', group: 'rigs', metric: 'gpu.temperatureC', comparator: 'above', threshold: 80, clearThreshold: 75, forSec: 60, severity: 'critical' });
const diskFull = ThresholdRuleSchema.parse({ id: 'disk-full', group: '*', metric: 'disk.usePercent', comparator: 'above', threshold: 90, clearThreshold: 85 });
const down = HostDownRuleSchema.parse({ id: 'down', group: '*', metric: 'host.down', missedProbes: 3 });

/** Feeds observations every 30 s and collects transitions. */
class Driver {
  state: HostAlertState | undefined;
  t = 1_000_000;
  readonly transitions: AlertTransition[] = [];
  constructor(private readonly rules: AlertRule[]) {}
  observe(o: ProbeObservation | HostMetrics, everyMs = 30_000): AlertTransition[] {
    this.t += everyMs;
    const observation: ProbeObservation = 'kind' in o ? o : { kind: 'metrics', metrics: o };
    const r = evaluateHostAlerts({ host, rules: this.rules, state: this.state, observation, nowMs: this.t });
    this.state = r.state;
    this.transitions.push(...r.transitions);
    return r.transitions;
  }
}

describe('alert rules', () => {
  it('validates hysteresis direction', () => {
    expect(() => rule({ id: 'x', group: '*', metric: 'load1', comparator: 'above', threshold: 10, clearThreshold: 12 })).toThrow(/clearThreshold/);
    expect(() => rule({ id: 'x', group: '*', metric: 'gpu.count', comparator: 'below', threshold: 6, clearThreshold: 5 })).toThrow(/clearThreshold/);
    expect(rule({ id: 'x', group: '*', metric: 'gpu.count', comparator: 'below', threshold: 6, clearThreshold: 6 })).toMatchObject({ forSec: 0, enabled: true, severity: 'warning' });
    expect(() => rule({ id: 'x', group: '*', metric: 'host.down', missedProbes: 0 })).toThrow();
  });

  it('ships default rules that validate', () => {
    for (const r of DEFAULT_ALERT_RULES) expect(AlertRuleSchema.parse(r)).toEqual(r);
    expect(rulesForGroup(DEFAULT_ALERT_RULES, 'rigs').map((r) => r.id)).toEqual(['gpu-hot', 'gpu-critical', 'disk-full', 'host-down']);
  });

  it("lets a group's own rule shadow the wildcard rule for the same metric", () => {
    const star = rule({ id: 'load-all', group: '*', metric: 'load1', comparator: 'above', threshold: 10, clearThreshold: 8 });
    const own = rule({ id: 'load-rigs', group: 'rigs', metric: 'load1', comparator: 'above', threshold: 30, clearThreshold: 25 });
    const off = rule({ id: 'off', group: 'rigs', metric: 'cpu.temperatureC', comparator: 'above', threshold: 90, clearThreshold: 85, enabled: false });
    expect(rulesForGroup([star, own, off, diskFull], 'rigs').map((r) => r.id)).toEqual(['load-rigs', 'disk-full']);
    expect(rulesForGroup([star, own, off, diskFull], 'miners').map((r) => r.id)).toEqual(['load-all', 'disk-full']);
  });
});

describe('threshold alerts with hysteresis and for-duration', () => {
  it('fires only after the condition held for forSec, and clears only below the clear threshold', () => {
    const d = new Driver([gpuHot]);
    expect(d.observe(metrics({ gpuTemps: [70, 82] }))).toEqual([]);
    expect(d.state!.pending['rig06|gpu-hot|gpu 1']).toMatchObject({ value: 82 });
    expect(d.observe(metrics({ gpuTemps: [70, 83] }))).toEqual([]); // 30 s: not yet
    const fired = d.observe(metrics({ gpuTemps: [70, 84] })); // 60 s: fires
    expect(fired).toHaveLength(1);
    const alert = fired[0]!.alert;
    expect(AlertSchema.parse(alert)).toMatchObject({ hostId: 'rig06', ruleId: 'gpu-hot', subject: 'gpu 1', state: 'firing', severity: 'critical', value: 84, threshold: 80, acked: false });
    expect(alert.sinceMs - alert.conditionSinceMs).toBe(60_000);
    expect(alert.id).toBe(`rig06|gpu-hot|gpu 1@${alert.sinceMs}`);
    // Between the thresholds it stays firing (no flapping), tracking the worst value.
    for (const t of [79, 76, 88, 75]) expect(d.observe(metrics({ gpuTemps: [70, t] }))).toEqual([]);
    expect(d.state!.firing[0]).toMatchObject({ lastValue: 75, peakValue: 88 });
    const cleared = d.observe(metrics({ gpuTemps: [70, 74.5] }));
    expect(cleared.map((t) => [t.kind, t.alert.state, t.alert.lastValue])).toEqual([['resolved', 'resolved', 74.5]]);
    expect(cleared[0]!.alert.resolvedAtMs).toBe(d.t);
    expect(d.state!.firing).toEqual([]);
  });

  it('restarts the for-duration when the value dips below the threshold before it elapses', () => {
    const d = new Driver([gpuHot]);
    d.observe(metrics({ gpuTemps: [81] }));
    d.observe(metrics({ gpuTemps: [79] })); // below threshold: pending dropped
    expect(d.state!.pending).toEqual({});
    d.observe(metrics({ gpuTemps: [81] }));
    expect(d.observe(metrics({ gpuTemps: [81] }))).toEqual([]);
    expect(d.observe(metrics({ gpuTemps: [81] }))).toHaveLength(1);
  });

  it('fires at once with forSec 0; "below" rules work the other way round (a card fell off the bus)', () => {
    const count = rule({ id: 'gpus', group: 'rigs', metric: 'gpu.count', comparator: 'below', threshold: 6, clearThreshold: 6 });
    const d = new Driver([count]);
    expect(d.observe(metrics({ gpuTemps: [60, 60, 60, 60, 60, 60] }))).toEqual([]);
    const fired = d.observe(metrics({ gpuTemps: [60, 60, 60, 60, 60] }));
    expect(fired[0]!.alert).toMatchObject({ metric: 'gpu.count', subject: '', value: 5, message: 'GPU count 5 below 6 (clears above 6)' });
    expect(d.observe(metrics({ gpuTemps: [60, 60, 60, 60, 60, 60] }))).toEqual([]); // 6 is not above 6
    expect(d.observe(metrics({ gpuTemps: [60, 60, 60, 60, 60, 60, 60] }))[0]!.kind).toBe('resolved');
  });

  it('keeps firing alerts when the value is unknown, resolves one whose subject is gone', () => {
    const d = new Driver([diskFull]);
    d.observe(metrics({ disks: { '/': 95, '/mnt/usb': 99 } }));
    expect(d.state!.firing.map((a) => a.subject).sort()).toEqual(['/', '/mnt/usb']);
    // df failed: no mounts at all says nothing.
    expect(d.observe(metrics({ disks: {} }))).toEqual([]);
    const gone = d.observe(metrics({ disks: { '/': 95 } }));
    expect(gone.map((t) => [t.kind, t.alert.subject])).toEqual([['resolved', '/mnt/usb']]);
    expect(gone[0]!.alert.message).toContain('no longer reported');
    // [N/A] GPU temperature: no change either way.
    const g = new Driver([rule({ ...gpuHot, forSec: 0 })]);
    g.observe(metrics({ gpuTemps: [90] }));
    expect(g.observe(metrics({ gpuTemps: [null] }))).toEqual([]);
    expect(g.state!.firing).toHaveLength(1);
  });

  it('resolves alerts of a rule that was removed or disabled', () => {
    const d = new Driver([diskFull]);
    d.observe(metrics({ disks: { '/': 95 } }));
    const r = evaluateHostAlerts({ host, rules: [{ ...diskFull, enabled: false }], state: d.state, observation: { kind: 'metrics', metrics: metrics({ disks: { '/': 95 } }) }, nowMs: d.t + 1 });
    expect(r.transitions.map((t) => t.kind)).toEqual(['resolved']);
    expect(r.state.firing).toEqual([]);
  });

  it('does not modify the state it was given', () => {
    const d = new Driver([gpuHot]);
    d.observe(metrics({ gpuTemps: [85] }));
    const before = JSON.stringify(d.state);
    const copy = d.state!;
    evaluateHostAlerts({ host, rules: [gpuHot], state: copy, observation: { kind: 'metrics', metrics: metrics({ gpuTemps: [85] }) }, nowMs: d.t + 120_000 });
    expect(JSON.stringify(copy)).toBe(before);
  });
});

describe('heartbeat and host down', () => {
  it('marks the host down after missed probes with the time it was last seen, and up again', () => {
    const d = new Driver([down, diskFull]);
    d.observe(metrics());
    const lastSeen = d.t;
    expect(d.state!.heartbeat).toEqual({ status: 'up', lastSeenMs: lastSeen, missed: 0, downSinceMs: null });
    expect(d.observe({ kind: 'missed' })).toEqual([]);
    expect(d.observe({ kind: 'missed' })).toEqual([]);
    expect(d.state!.heartbeat).toMatchObject({ status: 'up', missed: 2 });
    const fired = d.observe({ kind: 'missed', reason: 'timeout' });
    expect(d.state!.heartbeat).toEqual({ status: 'down', lastSeenMs: lastSeen, missed: 3, downSinceMs: d.t });
    expect(fired[0]!.alert).toMatchObject({ metric: 'host.down', value: 3, lastSeenMs: lastSeen });
    expect(fired[0]!.alert.message).toBe(`host down: 3 probe(s) missed, last seen ${new Date(lastSeen).toISOString()}`);
    const downSince = d.t;
    expect(d.observe({ kind: 'missed' })).toEqual([]);
    expect(d.state!.heartbeat).toMatchObject({ missed: 4, downSinceMs: downSince });
    expect(d.state!.firing[0]).toMatchObject({ lastValue: 4 });
    const back = d.observe(metrics());
    expect(back.map((t) => [t.kind, t.alert.metric])).toEqual([['resolved', 'host.down']]);
    expect(d.state!.heartbeat).toEqual({ status: 'up', lastSeenMs: d.t, missed: 0, downSinceMs: null });
  });

  it('says down for a host that never answered (last seen: never)', () => {
    const d = new Driver([rule({ ...down, missedProbes: 1 })]);
    const fired = d.observe({ kind: 'missed' });
    expect(fired[0]!.alert).toMatchObject({ lastSeenMs: null, message: 'host down: 1 probe(s) missed, last seen never' });
    expect(d.state!.heartbeat.status).toBe('unknown');
  });

  it('keeps metric alerts as they are while the host is unreachable', () => {
    const d = new Driver([diskFull, down]);
    d.observe(metrics({ disks: { '/': 95 } }));
    for (let i = 0; i < 5; i++) d.observe({ kind: 'missed' });
    expect(d.state!.firing.map((a) => a.metric).sort()).toEqual(['disk.usePercent', 'host.down']);
  });
});

describe('acknowledge', () => {
  it('acknowledges a firing alert once; a new episode starts unacknowledged', () => {
    const d = new Driver([rule({ ...diskFull, forSec: 0 })]);
    const [fired] = d.observe(metrics({ disks: { '/': 95 } }));
    const { state, transition } = acknowledgeAlert(d.state!, fired!.alert.id, d.t + 5);
    expect(transition).toMatchObject({ kind: 'acked', atMs: d.t + 5, alert: { acked: true, ackedAtMs: d.t + 5 } });
    expect(state.firing[0]!.acked).toBe(true);
    expect(acknowledgeAlert(state, fired!.alert.id, d.t + 6).transition).toBeUndefined();
    expect(acknowledgeAlert(state, 'nope', d.t + 6).transition).toBeUndefined();
    d.state = state;
    expect(d.observe(metrics({ disks: { '/': 96 } }))).toEqual([]);
    expect(d.state.firing[0]!.acked).toBe(true);
    d.observe(metrics({ disks: { '/': 50 } }));
    const [again] = d.observe(metrics({ disks: { '/': 95 } }));
    expect(again!.alert.acked).toBe(false);
    expect(again!.alert.id).not.toBe(fired!.alert.id);
  });
});

describe('AlertHistory', () => {
  let dir: string;
  let clock: ManualClock;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-alerts-'));
    clock = new ManualClock(1_773_000_000_000);
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  function episodes(n: number, start = 0): AlertTransition[] {
    const d = new Driver([rule({ ...diskFull, forSec: 0 })]);
    const out: AlertTransition[] = [];
    for (let i = start; i < start + n; i++) {
      out.push(...d.observe(metrics({ disks: { '/': 95 } })));
      out.push(...d.observe(metrics({ disks: { '/': 10 } })));
    }
    return out;
  }

  it('keeps episodes across restarts, merging fired, acked and resolved, with a debounced atomic write', async () => {
    const file = path.join(dir, 'alert-history.json');
    const h = new AlertHistory({ file, clock, saveDelayMs: 1000 });
    expect(await h.load()).toEqual({ notices: [] });
    const d = new Driver([rule({ ...diskFull, forSec: 0 })]);
    const [fired] = d.observe(metrics({ disks: { '/': 95 } }));
    h.record([fired!]);
    const acked = acknowledgeAlert(d.state!, fired!.alert.id, d.t + 1);
    d.state = acked.state;
    h.record([acked.transition!]);
    await clock.advance(999);
    await expect(fs.stat(file)).rejects.toThrow();
    await clock.advance(1);
    await h.flush();
    const resolved = d.observe(metrics({ disks: { '/': 10 } }));
    h.record(resolved);
    await h.close();
    expect(clock.pending).toBe(0);

    const h2 = new AlertHistory({ file, clock });
    await h2.load();
    const [a] = h2.list();
    expect(h2.size).toBe(1);
    expect(a).toMatchObject({ id: fired!.alert.id, state: 'resolved', acked: true, ackedAtMs: d.t - 30_000 + 1 });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    h2.dispose();
  });

  it('is bounded: the oldest episodes go first; list is newest first and filters by host', async () => {
    const file = path.join(dir, 'h.json');
    const h = new AlertHistory({ file, clock, maxEntries: 5 });
    const all = episodes(8);
    h.record(all);
    expect(h.size).toBe(5);
    const ids = [...new Set(all.map((t) => t.alert.id))];
    expect(h.list().map((a) => a.id)).toEqual(ids.slice(-5).reverse());
    expect(h.list({ limit: 2 })).toHaveLength(2);
    expect(h.list({ hostId: 'other' })).toEqual([]);
    await h.close();
    const text = JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; alerts: unknown[] };
    expect(text.version).toBe(1);
    expect(text.alerts).toHaveLength(5);
    // A smaller bound on the next start trims on load.
    const h2 = new AlertHistory({ file, clock, maxEntries: 2 });
    await h2.load();
    expect(h2.list().map((a) => a.id)).toEqual(ids.slice(-2).reverse());
    h2.dispose();
  });

  it('keeps a corrupt or newer file aside, never overwriting it, and starts empty', async () => {
    const file = path.join(dir, 'alert-history.json');
    await fs.writeFile(file, '{"version":1,"alerts":[{"id":');
    const h = new AlertHistory({ file, clock });
    const { notices } = await h.load();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', key: 'fleet.alertHistory.keptAside' });
    const keptAs = String(notices[0]!.values!.keptAs);
    expect(await fs.readFile(keptAs, 'utf8')).toBe('{"version":1,"alerts":[{"id":');
    expect(path.basename(keptAs)).toMatch(/^alert-history\.json\.corrupt-/);
    expect(h.size).toBe(0);
    h.record(episodes(1));
    await h.close();
    expect(JSON.parse(await fs.readFile(file, 'utf8')).alerts).toHaveLength(1);

    await fs.writeFile(file, JSON.stringify({ version: 9, alerts: [] }));
    const h2 = new AlertHistory({ file, clock });
    const newer = await h2.load();
    expect(String(newer.notices[0]!.values!.keptAs)).toMatch(/\.newer-/);
    await fs.writeFile(file, JSON.stringify({ version: 1, alerts: [{ id: 'x' }] }));
    const h3 = new AlertHistory({ file, clock: new ManualClock(1_773_000_001_000) });
    // Loaded through main/settings/versioned-json-file.ts: the notice says what is wrong and where the file went.
    const bad = await h3.load();
    expect(bad.notices[0]).toMatchObject({ key: 'fleet.alertHistory.keptAside', message: expect.stringContaining('does not hold valid alert history') });
    expect((await fs.readdir(dir)).filter((f) => f.includes('.corrupt-') || f.includes('.newer-'))).toHaveLength(3);
  });

  it('stops its timer on dispose', () => {
    const h = new AlertHistory({ file: path.join(dir, 'x.json'), clock });
    h.record(episodes(1));
    expect(clock.pending).toBe(1);
    h.dispose();
    expect(clock.pending).toBe(0);
    h.record(episodes(1));
    expect(clock.pending).toBe(0);
  });
});
