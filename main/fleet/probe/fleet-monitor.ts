import type { Clock } from '../../contract/clock';
import { AppError, type ErrorData } from '../../contract/errors';
import type { Alert, AlertRule, AlertTransition, FleetHost, FleetHostState, FleetProbeSettings, HostMetrics } from '../../contract/fleet';
import { hopLabel } from '../../contract/ssh';
import { Emitter, type Disposable, type Event } from '../../contract/lifecycle';
import { acknowledgeAlert, evaluateHostAlerts, initialHostAlertState, type HostAlertState, type ProbeObservation } from '../alert-rules';
import { parseProbeOutput, type ProbeSample } from '../parse/parse-probe-output';
import { firstLine } from '../parse/parse-util';
import { PROBE_MARK, probeArgv } from '../probe-script';
import { summarizeMetrics } from './host-summary';
import { MetricsHistory } from './metrics-history';
import type { ProbeConnection, ProbeOutcome, ProbeTransport } from './probe-transport';

/** A refused unknown host key (nobody answered the question) is asked again at most this often. */
export const HOST_KEY_RETRY_MS = 5 * 60_000;

interface HostRuntime {
  host: FleetHost;
  conn: ProbeConnection | undefined;
  connSub: Disposable | undefined;
  sample: ProbeSample | undefined;
  alerts: HostAlertState;
  lastError: ErrorData | null;
  lastErrorAtMs: number | null;
  lastSmartAtMs: number;
  lastSmart: HostMetrics['smart'] | undefined;
  lastKeyRetryMs: number;
}

export interface RoundStats {
  rounds: number;
  running: boolean;
  lastRoundAtMs: number | null;
  lastRoundMs: number | null;
  lastRoundHosts: number;
  lastRoundFailed: number;
}

export interface FleetMonitorOptions {
  clock: Clock;
  transport: ProbeTransport;
  settings(): FleetProbeSettings;
  rules(): readonly AlertRule[];
  /** Where alert transitions go (the AlertHistory). */
  record(transitions: readonly AlertTransition[]): void;
  log?: (line: string) => void;
}

function sameRoute(a: FleetHost, b: FleetHost): boolean {
  return JSON.stringify([a.target, a.jumps]) === JSON.stringify([b.target, b.jumps]);
}

function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

function toRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of map) setOwn(out, k, v);
  return out;
}

/**
 * The probing side of Fleet: per host its connection (held between rounds), the counters of its
 * previous probe, its heartbeat and alert state, its latest metrics and its chart history. One
 * round (poll) probes every host through the transport with bounded concurrency; each outcome is
 * parsed, recorded and evaluated as it arrives. The live collections (hosts, metrics, alerts) are
 * built lazily from maps, keeping every unchanged item's identity so the publisher's diff skips it.
 */
export class FleetMonitor implements Disposable {
  private readonly runtimes = new Map<string, HostRuntime>();
  private readonly metricsMap = new Map<string, HostMetrics>();
  private readonly hostItems = new Map<string, FleetHostState>();
  private readonly alertMap = new Map<string, Alert>();
  private hostRecord: Record<string, FleetHostState> | undefined;
  private metricsRecord: Record<string, HostMetrics> | undefined;
  private alertRecord: Record<string, Alert> | undefined;
  private readonly changeEmitter = new Emitter<void>();
  /** Something in hosts, metrics, alerts or the round stats changed. */
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  private readonly alertEmitter = new Emitter<readonly AlertTransition[]>();
  readonly onDidTransition: Event<readonly AlertTransition[]> = this.alertEmitter.event;
  readonly history: MetricsHistory;
  private holding = false;
  private argv: { plain: string[]; smart: string[]; timeoutSec: number } | undefined;
  private stats: RoundStats = { rounds: 0, running: false, lastRoundAtMs: null, lastRoundMs: null, lastRoundHosts: 0, lastRoundFailed: 0 };
  private disposed = false;

  constructor(private readonly options: FleetMonitorOptions) {
    const s = options.settings();
    this.history = new MetricsHistory(MetricsHistory.capacityFor(s.historyMinutes, s.intervalSec), s.intervalSec * 1000);
  }

  // ---- the live collections ----

  get hosts(): Record<string, FleetHostState> {
    return (this.hostRecord ??= toRecord(this.hostItems));
  }

  get metrics(): Record<string, HostMetrics> {
    return (this.metricsRecord ??= toRecord(this.metricsMap));
  }

  get alerts(): Record<string, Alert> {
    return (this.alertRecord ??= toRecord(this.alertMap));
  }

  get roundStats(): RoundStats {
    return this.stats;
  }

  latestMetrics(hostId: string): HostMetrics | undefined {
    return this.metricsMap.get(hostId);
  }

  hostState(hostId: string): FleetHostState | undefined {
    return this.hostItems.get(hostId);
  }

  private changed(): void {
    if (!this.disposed) this.changeEmitter.fire();
  }

  private refreshItem(rt: HostRuntime): void {
    const id = rt.host.id;
    const m = this.metricsMap.get(id);
    const prev = this.hostItems.get(id);
    let unacked = 0;
    let worst: FleetHostState['alerts']['worst'] = null;
    for (const a of rt.alerts.firing) {
      if (!a.acked) unacked++;
      if (a.severity === 'critical') worst = 'critical';
      else if (worst === null) worst = 'warning';
    }
    const item: FleetHostState = {
      host: rt.host,
      heartbeat: rt.alerts.heartbeat,
      // The summary object is rebuilt only with new metrics (its identity tells the diff it is unchanged).
      summary: m ? (prev?.summary && prev.summary.atMs === m.atMs ? prev.summary : summarizeMetrics(m)) : null,
      lastError: rt.lastError,
      lastErrorAtMs: rt.lastErrorAtMs,
      connection: rt.conn?.state ?? 'idle',
      alerts: { firing: rt.alerts.firing.length, unacked, worst },
    };
    this.hostItems.set(id, item);
    this.hostRecord = undefined;
  }

  // ---- hosts and their connections ----

  /** Follows the inventory: new hosts get a runtime (and a held connection), removed ones release theirs and resolve their alerts. */
  syncHosts(hosts: readonly FleetHost[]): void {
    if (this.disposed) return;
    const ids = new Set(hosts.map((h) => h.id));
    const now = this.options.clock.now();
    for (const [id, rt] of [...this.runtimes]) {
      if (ids.has(id)) continue;
      this.release(rt);
      this.runtimes.delete(id);
      this.metricsMap.delete(id);
      this.hostItems.delete(id);
      this.history.remove(id);
      const transitions: AlertTransition[] = rt.alerts.firing.map((a) => ({
        kind: 'resolved',
        atMs: now,
        alert: { ...a, state: 'resolved', resolvedAtMs: now, message: `${a.message} — host removed from the inventory` },
      }));
      this.applyTransitions(id, [], transitions);
      this.metricsRecord = undefined;
      this.hostRecord = undefined;
    }
    for (const host of hosts) {
      const rt = this.runtimes.get(host.id);
      if (!rt) {
        const fresh: HostRuntime = {
          host,
          conn: undefined,
          connSub: undefined,
          sample: undefined,
          alerts: initialHostAlertState(host.id),
          lastError: null,
          lastErrorAtMs: null,
          lastSmartAtMs: -Infinity,
          lastSmart: undefined,
          lastKeyRetryMs: now,
        };
        this.runtimes.set(host.id, fresh);
        if (this.holding) this.hold(fresh);
        this.refreshItem(fresh);
        continue;
      }
      if (rt.host === host) continue;
      const rehold = !sameRoute(rt.host, host);
      rt.host = host;
      if (rehold) {
        this.release(rt);
        rt.sample = undefined;
        if (this.holding) this.hold(rt);
      }
      this.refreshItem(rt);
    }
    this.changed();
  }

  private hold(rt: HostRuntime): void {
    try {
      rt.conn = this.options.transport.hold(rt.host);
    } catch (err) {
      rt.lastError = AppError.from(err).toData();
      rt.lastErrorAtMs = this.options.clock.now();
      return;
    }
    rt.connSub = rt.conn.onDidChangeState(() => {
      const prev = this.hostItems.get(rt.host.id);
      if (prev && prev.connection === rt.conn?.state) return;
      this.refreshItem(rt);
      this.changed();
    });
  }

  private release(rt: HostRuntime): void {
    rt.connSub?.dispose();
    rt.conn?.dispose();
    rt.connSub = undefined;
    rt.conn = undefined;
  }

  /** Keeps a connection open to every host (probing on) or none (off, and on dispose). */
  setHolding(on: boolean): void {
    if (this.disposed || on === this.holding) return;
    this.holding = on;
    for (const rt of this.runtimes.values()) {
      if (on) this.hold(rt);
      else this.release(rt);
      this.refreshItem(rt);
    }
    this.changed();
  }

  /** New SSH options (a host key policy): every connection is taken again. */
  rehold(): void {
    if (!this.holding) return;
    for (const rt of this.runtimes.values()) {
      this.release(rt);
      this.hold(rt);
    }
  }

  retry(hostId: string): void {
    const rt = this.runtimes.get(hostId);
    if (!rt) throw new AppError('NOT_FOUND', `no host with id ${hostId}`);
    if (!rt.conn) throw new AppError('UNAVAILABLE', 'probes are turned off', { hint: 'Turn them on in Fleet settings.' });
    rt.conn.retryNow();
  }

  /** Settings changed: the probe command and the chart history's size follow. */
  configure(): void {
    this.argv = undefined;
    const s = this.options.settings();
    this.history.configure(MetricsHistory.capacityFor(s.historyMinutes, s.intervalSec), s.intervalSec * 1000);
  }

  // ---- alerts ----

  /** Alerts that were firing when Drover stopped (from the history): they go on, and resolve as usual. */
  restoreFiring(alerts: readonly Alert[]): void {
    const now = this.options.clock.now();
    const orphans: AlertTransition[] = [];
    for (const a of alerts) {
      if (a.state !== 'firing') continue;
      const rt = this.runtimes.get(a.hostId);
      if (!rt) {
        orphans.push({ kind: 'resolved', atMs: now, alert: { ...a, state: 'resolved', resolvedAtMs: now, message: `${a.message} — host no longer in the inventory` } });
        continue;
      }
      if (rt.alerts.firing.some((x) => x.key === a.key)) continue;
      rt.alerts = { ...rt.alerts, firing: [...rt.alerts.firing, a] };
      this.alertMap.set(a.id, a);
      this.refreshItem(rt);
    }
    this.alertRecord = undefined;
    if (orphans.length) this.options.record(orphans);
    this.changed();
  }

  acknowledge(alertId: string): Alert {
    const alert = this.alertMap.get(alertId);
    const rt = alert ? this.runtimes.get(alert.hostId) : undefined;
    if (!alert || !rt) throw new AppError('NOT_FOUND', 'this alert is not firing any more', { hint: 'It resolved meanwhile: it is in the alert history.' });
    const { state, transition } = acknowledgeAlert(rt.alerts, alertId, this.options.clock.now());
    if (!transition) return alert;
    rt.alerts = state;
    this.applyTransitions(rt.host.id, state.firing, [transition]);
    this.refreshItem(rt);
    this.changed();
    return transition.alert;
  }

  private applyTransitions(hostId: string, firing: readonly Alert[], transitions: readonly AlertTransition[]): void {
    // The firing set of this host replaces what the map held for it (values, acks).
    for (const [id, a] of this.alertMap) if (a.hostId === hostId && !firing.some((f) => f.id === id)) this.alertMap.delete(id);
    for (const a of firing) if (this.alertMap.get(a.id) !== a) this.alertMap.set(a.id, a);
    this.alertRecord = undefined;
    if (transitions.length) {
      this.options.record(transitions);
      this.alertEmitter.fire(transitions);
    }
  }

  // ---- rounds ----

  private argvFor(rt: HostRuntime, nowMs: number): string[] {
    const s = this.options.settings();
    if (!this.argv || this.argv.timeoutSec !== s.sectionTimeoutSec) {
      this.argv = { plain: probeArgv({ sectionTimeoutSec: s.sectionTimeoutSec }), smart: probeArgv({ sectionTimeoutSec: s.sectionTimeoutSec, smart: true }), timeoutSec: s.sectionTimeoutSec };
    }
    if (s.smartEverySec > 0 && nowMs - rt.lastSmartAtMs >= s.smartEverySec * 1000) {
      rt.lastSmartAtMs = nowMs;
      return this.argv.smart;
    }
    return this.argv.plain;
  }

  /** One round over every host; resolves when each has an outcome (or the signal aborts). */
  async poll(signal: AbortSignal): Promise<void> {
    if (this.disposed) return;
    const s = this.options.settings();
    const clock = this.options.clock;
    const started = clock.now();
    const runtimes = [...this.runtimes.values()];
    for (const rt of runtimes) {
      // Nobody answered the host key question (or no UI was open): ask again now and then.
      if (rt.conn?.state === 'failed' && rt.conn.error?.code === 'HOST_KEY_UNKNOWN' && started - rt.lastKeyRetryMs >= HOST_KEY_RETRY_MS) {
        rt.lastKeyRetryMs = started;
        rt.conn.retryNow();
      }
    }
    this.stats = { ...this.stats, running: true };
    this.changed();
    let failed = 0;
    try {
      await this.options.transport.run(
        runtimes.map((r) => r.host),
        (host) => this.argvFor(this.runtimes.get(host.id) ?? runtimes.find((r) => r.host.id === host.id)!, clock.now()),
        {
          concurrency: s.concurrency,
          timeoutMs: s.timeoutSec * 1000,
          signal,
          onOutcome: (host, outcome) => {
            if (!this.observe(host, outcome)) failed++;
          },
        },
      );
    } finally {
      const end = clock.now();
      this.stats = { rounds: this.stats.rounds + 1, running: false, lastRoundAtMs: end, lastRoundMs: end - started, lastRoundHosts: runtimes.length, lastRoundFailed: failed };
      this.changed();
    }
  }

  /** One host's outcome: parsed, recorded, evaluated. Returns whether the host answered. */
  observe(host: FleetHost, outcome: ProbeOutcome): boolean {
    const rt = this.runtimes.get(host.id);
    if (!rt || this.disposed) return false;
    const now = this.options.clock.now();
    let observation: ProbeObservation;
    let error: AppError | undefined;
    if (outcome.ok && outcome.stdout.includes(PROBE_MARK)) {
      const parsed = parseProbeOutput(outcome.stdout, rt.sample, now, { roundTripMs: Math.round(outcome.durationMs) });
      const m = parsed.metrics;
      if (m.smart.state === 'skipped' && rt.lastSmart) {
        m.smart = rt.lastSmart;
        m.tools = { ...m.tools, smartctl: rt.lastSmart.state };
      } else if (m.smart.state !== 'skipped') rt.lastSmart = m.smart;
      rt.sample = parsed.sample;
      this.metricsMap.set(rt.host.id, m);
      this.metricsRecord = undefined;
      this.history.record(rt.host.id, m);
      rt.lastError = null;
      rt.lastErrorAtMs = null;
      observation = { kind: 'metrics', metrics: m };
    } else {
      error = outcome.ok
        ? new AppError('UNAVAILABLE', `${hopLabel(rt.host.target)}: the probe did not run (exit status ${outcome.code ?? 'none'}): ${firstLine(outcome.stderr || outcome.stdout) || 'no output'}`, {
            hint: 'The probe needs a POSIX sh on the host; check the login shell and that the user may run commands.',
          })
        : outcome.error;
      rt.lastError = error.toData();
      rt.lastErrorAtMs = now;
      observation = { kind: 'missed', reason: error.message };
    }
    const result = evaluateHostAlerts({ host: rt.host, rules: this.options.rules(), state: rt.alerts, observation, nowMs: now, downAfterMissed: this.options.settings().downAfterMissed });
    rt.alerts = result.state;
    this.applyTransitions(rt.host.id, result.state.firing, result.transitions);
    this.refreshItem(rt);
    this.changed();
    if (error) this.options.log?.(`fleet: ${rt.host.name}: probe failed: ${error.message}`);
    return error === undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const rt of this.runtimes.values()) this.release(rt);
    this.disposed = true;
    this.changeEmitter.dispose();
    this.alertEmitter.dispose();
  }
}
