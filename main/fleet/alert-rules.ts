import type { Alert, AlertRule, AlertTransition, FleetHost, HostDownRule, HostHeartbeat, HostMetrics, ThresholdRule } from '../contract/fleet';

/**
 * Alert evaluation, pure: (rules, a host's previous alert state, one observation) → (new state,
 * transitions). No clock, no I/O; the caller passes nowMs, keeps the state per host and writes the
 * transitions to the AlertHistory.
 *
 * Threshold rules have hysteresis: a condition "value above threshold" (or below, for
 * comparator "below") must hold for forSec before the alert fires; a firing alert clears only once
 * the value is back past clearThreshold, so a value hovering at the threshold does not flap.
 * A null value (sensor [N/A], tool failed) changes nothing. A subject that is no longer reported
 * (a mount gone) resolves its alert, unless the host reported no subjects of that kind at all (df
 * or nvidia-smi failed), which changes nothing either.
 *
 * Host down: each missed probe counts; after `downAfterMissed` the heartbeat says down (with the
 * last time the host was seen), and host.down rules fire after their own `missedProbes`. The first
 * good probe marks the host up and resolves them.
 */

export interface PendingCondition {
  /** When the condition started to hold. */
  sinceMs: number;
  value: number;
}

export interface HostAlertState {
  hostId: string;
  heartbeat: HostHeartbeat;
  /** Alerts now firing. Resolved ones leave the state (they are in the transitions and the history). */
  firing: Alert[];
  /** Conditions that hold but have not lasted forSec yet, by alert key. */
  pending: Record<string, PendingCondition>;
}

export type ProbeObservation = { kind: 'metrics'; metrics: HostMetrics } | { kind: 'missed'; reason?: string };

export interface EvaluateInput {
  host: Pick<FleetHost, 'id' | 'group'>;
  rules: readonly AlertRule[];
  /** The host's state from the previous evaluation (undefined the first time). */
  state: HostAlertState | undefined;
  observation: ProbeObservation;
  nowMs: number;
  /** Missed probes before the heartbeat says down. Default 3. */
  downAfterMissed?: number;
}

export interface EvaluateResult {
  state: HostAlertState;
  transitions: AlertTransition[];
}

export const DEFAULT_DOWN_AFTER_MISSED = 3;

/** A starting rule set for every group: hot GPUs, full disks, hosts that stop answering. */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  { id: 'gpu-hot', group: '*', metric: 'gpu.temperatureC', comparator: 'above', threshold: 83, clearThreshold: 78, forSec: 60, severity: 'warning', enabled: true },
  { id: 'gpu-critical', group: '*', metric: 'gpu.temperatureC', comparator: 'above', threshold: 90, clearThreshold: 85, forSec: 0, severity: 'critical', enabled: true },
  { id: 'disk-full', group: '*', metric: 'disk.usePercent', comparator: 'above', threshold: 90, clearThreshold: 85, forSec: 0, severity: 'warning', enabled: true },
  { id: 'host-down', group: '*', metric: 'host.down', missedProbes: 3, severity: 'critical', enabled: true },
];

export function initialHostAlertState(hostId: string): HostAlertState {
  return { hostId, heartbeat: { status: 'unknown', lastSeenMs: null, missed: 0, downSinceMs: null }, firing: [], pending: {} };
}

export function alertKey(hostId: string, ruleId: string, subject: string): string {
  return `${hostId}|${ruleId}|${subject}`;
}

/**
 * The enabled rules that apply to a group: the group's own rules, plus the "*" rules for metrics
 * the group has no rule of its own for (a group's rule shadows the wildcard for that metric).
 */
export function rulesForGroup(rules: readonly AlertRule[], group: string): AlertRule[] {
  const enabled = rules.filter((r) => r.enabled);
  const own = enabled.filter((r) => r.group === group);
  const shadowed = new Set(own.map((r) => r.metric));
  return [...own, ...enabled.filter((r) => r.group === '*' && !shadowed.has(r.metric))];
}

/** A threshold rule's values on one probe: one per subject; `known: false` when the host reported none of that kind. */
export function metricValues(rule: ThresholdRule, m: HostMetrics): { known: boolean; values: Array<{ subject: string; value: number | null }> } {
  switch (rule.metric) {
    case 'gpu.temperatureC':
      return { known: m.gpus.length > 0, values: m.gpus.map((g) => ({ subject: gpuSubject(g.vendor, g.index), value: g.temperatureC })) };
    case 'gpu.count':
      // A failed nvidia-smi lists no GPU: a count of 0 is exactly what this rule is for.
      return { known: true, values: [{ subject: '', value: m.gpus.length }] };
    case 'cpu.temperatureC':
      return { known: true, values: [{ subject: '', value: m.cpuTempC }] };
    case 'cpu.usePercent':
      return { known: true, values: [{ subject: '', value: m.cpu.usePercent }] };
    case 'memory.usePercent':
      return { known: true, values: [{ subject: '', value: m.memory?.usePercent ?? null }] };
    case 'disk.usePercent':
      // Subjects end up in alert keys and ids (bounded): a pathological mount path is cut.
      return { known: m.mounts.length > 0, values: m.mounts.map((x) => ({ subject: x.mount.slice(0, 200), value: x.usePercent })) };
    case 'load1':
      return { known: true, values: [{ subject: '', value: m.load1 }] };
    case 'load5':
      return { known: true, values: [{ subject: '', value: m.load5 }] };
    case 'load15':
      return { known: true, values: [{ subject: '', value: m.load15 }] };
  }
}

function gpuSubject(vendor: string, index: number): string {
  return vendor === 'nvidia' ? `gpu ${index}` : `${vendor} gpu ${index}`;
}

function beyond(rule: ThresholdRule, value: number): boolean {
  return rule.comparator === 'above' ? value > rule.threshold : value < rule.threshold;
}

function cleared(rule: ThresholdRule, value: number): boolean {
  return rule.comparator === 'above' ? value < rule.clearThreshold : value > rule.clearThreshold;
}

function worse(rule: ThresholdRule, a: number | null, b: number): number {
  if (a === null) return b;
  return rule.comparator === 'above' ? Math.max(a, b) : Math.min(a, b);
}

const METRIC_LABEL: Record<ThresholdRule['metric'], string> = {
  'gpu.temperatureC': 'temperature',
  'gpu.count': 'GPU count',
  'cpu.temperatureC': 'CPU temperature',
  'cpu.usePercent': 'CPU use',
  'memory.usePercent': 'memory use',
  'disk.usePercent': 'disk use',
  load1: 'load (1 min)',
  load5: 'load (5 min)',
  load15: 'load (15 min)',
};

function thresholdMessage(rule: ThresholdRule, subject: string, value: number): string {
  const what = subject ? `${subject} ${METRIC_LABEL[rule.metric]}` : METRIC_LABEL[rule.metric];
  const dir = rule.comparator === 'above' ? 'above' : 'below';
  const back = rule.comparator === 'above' ? 'below' : 'above';
  return `${what} ${value} ${dir} ${rule.threshold}${rule.forSec > 0 ? ` for ${rule.forSec}s` : ''} (clears ${back} ${rule.clearThreshold})`;
}

function downMessage(missed: number, lastSeenMs: number | null): string {
  return `host down: ${missed} probe(s) missed, last seen ${lastSeenMs === null ? 'never' : new Date(lastSeenMs).toISOString()}`;
}

/** Evaluates one observation of one host. Pure: the input state is not modified. */
export function evaluateHostAlerts(input: EvaluateInput): EvaluateResult {
  const { host, nowMs, observation } = input;
  const prev = input.state ?? initialHostAlertState(host.id);
  const downAfter = input.downAfterMissed ?? DEFAULT_DOWN_AFTER_MISSED;
  const rules = rulesForGroup(input.rules, host.group);
  const ruleIds = new Set(rules.map((r) => r.id));
  const transitions: AlertTransition[] = [];
  const firing = new Map<string, Alert>(prev.firing.map((a) => [a.key, a]));
  const pending: Record<string, PendingCondition> = {};
  for (const [k, p] of Object.entries(prev.pending)) if (ruleIds.has(k.split('|')[1] ?? '')) pending[k] = p;

  const resolve = (alert: Alert, message: string, lastValue: number | null = alert.lastValue) => {
    firing.delete(alert.key);
    transitions.push({ kind: 'resolved', atMs: nowMs, alert: { ...alert, state: 'resolved', resolvedAtMs: nowMs, lastValue, message } });
  };
  const fire = (alert: Alert) => {
    firing.set(alert.key, alert);
    transitions.push({ kind: 'fired', atMs: nowMs, alert });
  };

  // Alerts of rules that no longer apply (removed, disabled, group changed) end now.
  for (const alert of [...firing.values()]) if (!ruleIds.has(alert.ruleId)) resolve(alert, `${alert.message} — rule no longer applies`);

  let heartbeat: HostHeartbeat;
  if (observation.kind === 'missed') {
    const missed = prev.heartbeat.missed + 1;
    const down = missed >= downAfter;
    heartbeat = {
      status: down ? 'down' : prev.heartbeat.status,
      lastSeenMs: prev.heartbeat.lastSeenMs,
      missed,
      downSinceMs: down ? (prev.heartbeat.status === 'down' ? prev.heartbeat.downSinceMs : nowMs) : prev.heartbeat.downSinceMs,
    };
    for (const rule of rules) {
      if (rule.metric !== 'host.down') continue;
      const key = alertKey(host.id, rule.id, '');
      const existing = firing.get(key);
      if (existing) {
        firing.set(key, { ...existing, lastValue: missed, peakValue: missed, message: downMessage(missed, heartbeat.lastSeenMs) });
      } else if (missed >= rule.missedProbes) {
        fire(newAlert(host.id, rule, '', missed, rule.missedProbes, nowMs, nowMs, heartbeat.lastSeenMs, downMessage(missed, heartbeat.lastSeenMs)));
      }
    }
  } else {
    const m = observation.metrics;
    heartbeat = { status: 'up', lastSeenMs: nowMs, missed: 0, downSinceMs: null };
    for (const rule of rules) {
      if (rule.metric === 'host.down') {
        const existing = firing.get(alertKey(host.id, rule.id, ''));
        if (existing) resolve(existing, `host answers again (was down, ${prev.heartbeat.missed} probe(s) missed)`, 0);
        continue;
      }
      evaluateThreshold(rule, host.id, m, nowMs, firing, pending, fire, resolve);
    }
  }

  const state: HostAlertState = { hostId: host.id, heartbeat, firing: [...firing.values()], pending };
  return { state, transitions };
}

function evaluateThreshold(
  rule: ThresholdRule,
  hostId: string,
  m: HostMetrics,
  nowMs: number,
  firing: Map<string, Alert>,
  pending: Record<string, PendingCondition>,
  fire: (a: Alert) => void,
  resolve: (a: Alert, message: string, lastValue?: number | null) => void,
): void {
  const { known, values } = metricValues(rule, m);
  if (!known) return;
  const seen = new Set<string>();
  for (const { subject, value } of values) {
    const key = alertKey(hostId, rule.id, subject);
    seen.add(key);
    if (value === null) continue;
    const existing = firing.get(key);
    if (existing) {
      if (cleared(rule, value)) resolve(existing, `${thresholdMessage(rule, subject, value)} — cleared`, value);
      else firing.set(key, { ...existing, lastValue: value, peakValue: worse(rule, existing.peakValue, value) });
      continue;
    }
    if (!beyond(rule, value)) {
      delete pending[key];
      continue;
    }
    const since = pending[key]?.sinceMs ?? nowMs;
    if (nowMs - since >= rule.forSec * 1000) {
      delete pending[key];
      fire(newAlert(hostId, rule, subject, value, rule.threshold, since, nowMs, null, thresholdMessage(rule, subject, value)));
    } else {
      pending[key] = { sinceMs: since, value };
    }
  }
  // Subjects the host no longer reports (unmounted, card gone from the list).
  for (const alert of [...firing.values()]) {
    if (alert.ruleId === rule.id && !seen.has(alert.key)) resolve(alert, `${alert.message} — ${alert.subject || 'value'} no longer reported`);
  }
  for (const key of Object.keys(pending)) if (key.split('|')[1] === rule.id && !seen.has(key)) delete pending[key];
}

function newAlert(
  hostId: string,
  rule: ThresholdRule | HostDownRule,
  subject: string,
  value: number,
  threshold: number,
  conditionSinceMs: number,
  nowMs: number,
  lastSeenMs: number | null,
  message: string,
): Alert {
  const key = alertKey(hostId, rule.id, subject);
  return {
    id: `${key}@${nowMs}`,
    key,
    hostId,
    ruleId: rule.id,
    metric: rule.metric,
    subject,
    severity: rule.severity,
    state: 'firing',
    acked: false,
    ackedAtMs: null,
    sinceMs: nowMs,
    conditionSinceMs,
    resolvedAtMs: null,
    value,
    lastValue: value,
    peakValue: value,
    threshold,
    lastSeenMs,
    message,
  };
}

/** Acknowledges a firing alert (by id). Unknown or already acknowledged ids change nothing. */
export function acknowledgeAlert(state: HostAlertState, alertId: string, nowMs: number): { state: HostAlertState; transition: AlertTransition | undefined } {
  const alert = state.firing.find((a) => a.id === alertId);
  if (!alert || alert.acked) return { state, transition: undefined };
  const acked: Alert = { ...alert, acked: true, ackedAtMs: nowMs };
  return {
    state: { ...state, firing: state.firing.map((a) => (a.id === alertId ? acked : a)) },
    transition: { kind: 'acked', atMs: nowMs, alert: acked },
  };
}
