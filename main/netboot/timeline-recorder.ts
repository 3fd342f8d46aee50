import type { Clock } from '../contract/clock';
import { Emitter, type Disposable, type Event } from '../contract/lifecycle';
import {
  NETBOOT_STEPS,
  type MacSource,
  type MachineTimeline,
  type NetbootOutcome,
  type NetbootRecord,
  type NetbootStep,
  type NetbootTimelineCounts,
  type NetbootTimelineSnapshot,
  type SubnetCounts,
  type TimelineEvent,
} from '../contract/netboot';

/**
 * The boot timeline: per machine (keyed by MAC, or "ip:<address>" while the MAC is unknown) the
 * steps it went through with time and outcome; machines stuck at a step; per-subnet counts.
 *
 * Memory is bounded: at most maxMachines machines (the one seen longest ago is dropped), at most
 * maxEventsPerMachine events each, and a repeat of the same event (a fallback retry loop) bumps a
 * count instead of adding an event. Event objects are never changed once made, so a listener may
 * keep what it gets.
 */

export interface RecordInput {
  ip: string;
  mac?: string;
  macSource?: MacSource;
  subnet?: { name: string; cidr: string };
  step: NetbootStep;
  outcome: NetbootOutcome;
  status: number;
  reason?: string;
  path?: string;
  bytes?: number;
  durationMs?: number;
}

export interface TimelineRecorderOptions {
  clock: Clock;
  stuckAfterMs: number;
  maxMachines: number;
  maxEventsPerMachine: number;
  /** How often stuck machines are looked for. Default: stuckAfterMs / 5, between 1 s and 10 s. */
  checkIntervalMs?: number;
  /** The configured subnets, so that the counts list those with no machine yet. */
  subnets?: readonly { name: string; cidr: string }[];
}

interface Machine {
  key: string;
  mac: string | undefined;
  macSource: MacSource | undefined;
  ip: string;
  subnet: string | undefined;
  cidr: string | undefined;
  firstSeenMs: number;
  lastSeenMs: number;
  stepSinceMs: number;
  boots: number;
  lastStep: NetbootStep;
  lastOutcome: NetbootOutcome;
  stuck: boolean;
  reason: string | undefined;
  events: TimelineEvent[];
}

interface RequestCounts {
  requests: number;
  fallbacks: number;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

export class TimelineRecorder implements Disposable {
  private readonly clock: Clock;
  private stuckAfterMs: number;
  private maxMachines: number;
  private maxEvents: number;
  private subnets: readonly { name: string; cidr: string }[];
  /** Insertion order = least recently seen first. */
  private readonly machines = new Map<string, Machine>();
  private readonly ipToMac = new Map<string, string>();
  private readonly requestCounts = new Map<string, RequestCounts>();
  private unknownRequests = 0;
  private evicted = 0;
  private readonly emitter = new Emitter<NetbootRecord>();
  private timer: Disposable | undefined;
  private checkIntervalMs: number | undefined;
  readonly onDidRecord: Event<NetbootRecord> = this.emitter.event;

  constructor(options: TimelineRecorderOptions) {
    this.clock = options.clock;
    this.stuckAfterMs = options.stuckAfterMs;
    this.maxMachines = options.maxMachines;
    this.maxEvents = options.maxEventsPerMachine;
    this.subnets = options.subnets ?? [];
    this.checkIntervalMs = options.checkIntervalMs;
    this.startTimer();
  }

  /** New limits (a config reload); shrinking maxMachines drops the oldest machines now. */
  configure(options: Partial<Omit<TimelineRecorderOptions, 'clock'>>): void {
    if (options.stuckAfterMs !== undefined) this.stuckAfterMs = options.stuckAfterMs;
    if (options.maxMachines !== undefined) this.maxMachines = options.maxMachines;
    if (options.maxEventsPerMachine !== undefined) {
      this.maxEvents = options.maxEventsPerMachine;
      for (const m of this.machines.values()) if (m.events.length > this.maxEvents) m.events.splice(0, m.events.length - this.maxEvents);
    }
    if (options.subnets !== undefined) this.subnets = options.subnets;
    if (options.checkIntervalMs !== undefined) this.checkIntervalMs = options.checkIntervalMs;
    this.evictOverflow();
    this.startTimer();
  }

  /** The MAC last seen at this address (from a ?mac= or the neighbour table) within maxAgeMs, if any. */
  macForIp(ip: string, maxAgeMs = Number.POSITIVE_INFINITY): string | undefined {
    const mac = this.ipToMac.get(ip);
    if (mac === undefined) return undefined;
    const m = this.machines.get(mac);
    if (!m || m.ip !== ip || this.clock.now() - m.lastSeenMs > maxAgeMs) return undefined;
    return mac;
  }

  record(input: RecordInput): void {
    const now = this.clock.now();
    this.countRequest(input);
    const key = input.mac ?? ipKey(input.ip);
    let m = this.machines.get(key);
    const isNew = m === undefined;
    if (m) {
      this.machines.delete(key); // re-inserted below: most recently seen last
    } else {
      m = {
        key,
        mac: input.mac,
        macSource: input.macSource,
        ip: input.ip,
        subnet: input.subnet?.name,
        cidr: input.subnet?.cidr,
        firstSeenMs: now,
        lastSeenMs: now,
        stepSinceMs: now,
        boots: 0,
        lastStep: input.step,
        lastOutcome: input.outcome,
        stuck: false,
        reason: undefined,
        events: [],
      };
    }
    this.machines.set(key, m);
    if (input.mac !== undefined) {
      if (input.macSource !== undefined) m.macSource = input.macSource;
      if (m.ip !== input.ip && this.ipToMac.get(m.ip) === input.mac) this.ipToMac.delete(m.ip);
      this.ipToMac.set(input.ip, input.mac);
      this.mergeIpEntry(m, input.ip);
    }
    m.ip = input.ip;
    if (input.subnet) {
      m.subnet = input.subnet.name;
      m.cidr = input.subnet.cidr;
    } else if (input.step === 'script') {
      m.subnet = undefined;
      m.cidr = undefined;
    }

    const event = this.append(m, input, now);
    // A served script starts a boot, unless it repeats the script just served (a re-request).
    const repeatOfScript = !isNew && m.lastStep === 'script' && m.lastOutcome === 'ok';
    if (input.step === 'script' && input.outcome === 'ok' && !repeatOfScript) m.boots++;
    if (event.count === 1) {
      // Progress (or at least something new): the step clock restarts and the machine is not stuck.
      m.stepSinceMs = now;
      m.stuck = false;
    }
    m.lastSeenMs = now;
    m.lastStep = input.step;
    m.lastOutcome = input.outcome;
    if (input.outcome === 'ok') m.reason = undefined;
    else if (input.reason !== undefined) m.reason = input.reason;
    this.evictOverflow();
    if (this.emitter.listenerCount > 0) this.emitter.fire({ change: 'step', key, machine: this.view(m, now), event });
  }

  private countRequest(input: RecordInput): void {
    if (!input.subnet) {
      this.unknownRequests++;
      return;
    }
    let c = this.requestCounts.get(input.subnet.name);
    if (!c) this.requestCounts.set(input.subnet.name, (c = { requests: 0, fallbacks: 0 }));
    c.requests++;
    if (input.outcome === 'fallback') c.fallbacks++;
  }

  private append(m: Machine, input: RecordInput, now: number): TimelineEvent {
    const last = m.events[m.events.length - 1];
    if (
      last &&
      last.step === input.step &&
      last.outcome === input.outcome &&
      last.status === input.status &&
      last.reason === input.reason &&
      last.path === input.path
    ) {
      const repeated: TimelineEvent = { ...last, atMs: now, count: last.count + 1 };
      if (input.bytes !== undefined) repeated.bytes = input.bytes;
      if (input.durationMs !== undefined) repeated.durationMs = input.durationMs;
      m.events[m.events.length - 1] = repeated;
      return repeated;
    }
    const event: TimelineEvent = { step: input.step, outcome: input.outcome, status: input.status, atMs: now, firstAtMs: now, count: 1 };
    if (input.reason !== undefined) event.reason = input.reason;
    if (input.path !== undefined) event.path = input.path;
    if (input.bytes !== undefined) event.bytes = input.bytes;
    if (input.durationMs !== undefined) event.durationMs = input.durationMs;
    m.events.push(event);
    if (m.events.length > this.maxEvents) m.events.splice(0, m.events.length - this.maxEvents);
    return event;
  }

  /** The MAC became known for an address first seen without one: fold that entry into the MAC's. */
  private mergeIpEntry(m: Machine, ip: string): void {
    const k = ipKey(ip);
    const old = this.machines.get(k);
    if (!old) return;
    this.machines.delete(k);
    const merged = [...old.events, ...m.events].sort((a, b) => a.firstAtMs - b.firstAtMs);
    m.events = merged.length > this.maxEvents ? merged.slice(merged.length - this.maxEvents) : merged;
    m.firstSeenMs = Math.min(m.firstSeenMs, old.firstSeenMs);
    m.boots += old.boots;
    this.emitter.fire({ change: 'removed', key: k, mergedInto: m.key });
  }

  private evictOverflow(): void {
    while (this.machines.size > this.maxMachines) {
      const oldest = this.machines.values().next().value as Machine;
      this.machines.delete(oldest.key);
      if (oldest.mac !== undefined && this.ipToMac.get(oldest.ip) === oldest.mac) this.ipToMac.delete(oldest.ip);
      this.evicted++;
      this.emitter.fire({ change: 'removed', key: oldest.key });
    }
  }

  private startTimer(): void {
    this.timer?.dispose();
    const every = this.checkIntervalMs ?? Math.max(1000, Math.min(10_000, Math.floor(this.stuckAfterMs / 5)));
    this.timer = this.clock.setInterval(() => this.checkStuck(), every);
  }

  /** Marks machines that made no progress for stuckAfterMs; fires "stuck" once per machine and step. */
  checkStuck(): void {
    const now = this.clock.now();
    for (const m of this.machines.values()) {
      if (m.stuck || !this.isStuck(m, now)) continue;
      m.stuck = true;
      if (m.reason === undefined) m.reason = `no progress after "${m.lastStep}" for ${Math.round((now - m.stepSinceMs) / 1000)} s`;
      this.emitter.fire({ change: 'stuck', key: m.key, machine: this.view(m, now) });
    }
  }

  private isStuck(m: Machine, now: number): boolean {
    if (m.lastStep === 'env' && m.lastOutcome === 'ok') return false;
    return now - m.stepSinceMs >= this.stuckAfterMs;
  }

  private view(m: Machine, now: number): MachineTimeline {
    return {
      key: m.key,
      ...(m.mac !== undefined ? { mac: m.mac } : {}),
      ...(m.macSource !== undefined ? { macSource: m.macSource } : {}),
      ip: m.ip,
      ...(m.subnet !== undefined ? { subnet: m.subnet, cidr: m.cidr ?? '' } : {}),
      firstSeenMs: m.firstSeenMs,
      lastSeenMs: m.lastSeenMs,
      stepSinceMs: m.stepSinceMs,
      boots: m.boots,
      lastStep: m.lastStep,
      lastOutcome: m.lastOutcome,
      stuck: m.stuck || this.isStuck(m, now),
      ...(m.reason !== undefined ? { reason: m.reason } : {}),
      events: m.events.slice(),
    };
  }

  get(key: string): MachineTimeline | undefined {
    const m = this.machines.get(key);
    return m ? this.view(m, this.clock.now()) : undefined;
  }

  get size(): number {
    return this.machines.size;
  }

  snapshot(): NetbootTimelineSnapshot {
    const now = this.clock.now();
    const machines: MachineTimeline[] = [];
    for (const m of this.machines.values()) machines.push(this.view(m, now));
    return { atMs: now, machines, ...this.tally(now) };
  }

  /**
   * The per-subnet and unknown-client counts of snapshot() without the machines: no view is built,
   * so a live page can ask for them often on a timeline of 10,000 machines.
   */
  counts(): NetbootTimelineCounts {
    const now = this.clock.now();
    return { atMs: now, machineCount: this.machines.size, ...this.tally(now) };
  }

  private tally(now: number): Pick<NetbootTimelineSnapshot, 'subnets' | 'unknownClients' | 'evicted'> {
    const counts = new Map<string, SubnetCounts>();
    const row = (name: string, cidr: string): SubnetCounts => {
      let c = counts.get(name);
      if (!c) {
        const req = this.requestCounts.get(name);
        c = {
          subnet: name,
          cidr,
          machines: 0,
          booted: 0,
          stuck: 0,
          failing: 0,
          byStep: Object.fromEntries(NETBOOT_STEPS.map((s) => [s, 0])) as SubnetCounts['byStep'],
          requests: req?.requests ?? 0,
          fallbacks: req?.fallbacks ?? 0,
        };
        counts.set(name, c);
      }
      return c;
    };
    for (const s of this.subnets) row(s.name, s.cidr);
    let noSubnet = 0;
    let noMac = 0;
    let unknown = 0;
    for (const m of this.machines.values()) {
      if (m.subnet === undefined || m.mac === undefined) unknown++;
      if (m.subnet === undefined) {
        noSubnet++;
        if (m.mac === undefined) noMac++;
        continue;
      }
      if (m.mac === undefined) noMac++;
      const c = row(m.subnet, m.cidr ?? '');
      c.machines++;
      c.byStep[m.lastStep]++;
      if (m.lastStep === 'env' && m.lastOutcome === 'ok') c.booted++;
      if (m.stuck || this.isStuck(m, now)) c.stuck++;
      if (m.lastOutcome !== 'ok') c.failing++;
    }
    return {
      subnets: [...counts.values()],
      unknownClients: { machines: unknown, noSubnet, noMac, requests: this.unknownRequests },
      evicted: this.evicted,
    };
  }

  /** Forgets every machine and count. */
  clear(): void {
    for (const key of [...this.machines.keys()]) this.emitter.fire({ change: 'removed', key });
    this.machines.clear();
    this.ipToMac.clear();
    this.requestCounts.clear();
    this.unknownRequests = 0;
  }

  dispose(): void {
    this.timer?.dispose();
    this.timer = undefined;
    this.emitter.dispose();
  }
}
