import { z } from 'zod';
import { HopSchema } from './ssh';

/**
 * Fleet: hosts, their health metrics (from one batched SSH probe), alert rules and alerts, and
 * syslog messages. Schemas and types only (no methods yet): the live stream, the scheduler and the
 * contract registration come later and build on these shapes.
 */

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);
/** A group name; `*` is reserved for "every group" in alert rules. */
const GroupName = z
  .string()
  .min(1)
  .max(64)
  .refine((g) => g !== '*' && g.trim() === g, 'a group name (not "*", no surrounding spaces)');
/** Canonical form, as main/farm/mac-address.ts normalizeMac writes it. */
const Mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a MAC address in canonical form (52:54:00:a1:9c:ae)');
const N = z.number().nullable();
const Text = (max: number) => z.string().max(max);

// ---------------------------------------------------------------------------------------------
// Hosts

export const FleetHostSchema = z.object({
  id: Id,
  name: z.string().min(1).max(128),
  group: GroupName.default('default'),
  /** How to reach it: the SSH target and its ProxyJump chain (first hop first). */
  target: HopSchema,
  jumps: z.array(HopSchema).max(8).default([]),
  mac: Mac.optional(),
  ip: z.string().min(2).max(64).regex(/^[0-9A-Fa-f.:%]+$/, 'an IPv4 or IPv6 address').optional(),
  /** The host's own name (what it puts in syslog), when it differs from `name`. */
  hostname: z.string().min(1).max(253).optional(),
  /** The lotus worker running here, to join with miner data. */
  lotusWorker: z.string().min(1).max(128).optional(),
  tags: z.array(z.string().min(1).max(64)).max(64).default([]),
});
export type FleetHost = z.infer<typeof FleetHostSchema>;
export type FleetHostInput = z.input<typeof FleetHostSchema>;

// ---------------------------------------------------------------------------------------------
// Metrics (one probe of one host)

export const ProblemSeveritySchema = z.enum(['info', 'warning', 'error']);
export const ProbeProblemSchema = z.object({
  /** The probe section it came from: meta, stat, df, nvidia, rocm, smart, ... */
  section: Text(32),
  severity: ProblemSeveritySchema,
  message: Text(1024),
});
export type ProbeProblem = z.infer<typeof ProbeProblemSchema>;

/** How a tool fared in this probe. `absent`: not installed (not an error). */
export const ToolStateSchema = z.enum(['ok', 'absent', 'failed', 'timed-out', 'not-permitted', 'skipped']);
export type ToolState = z.infer<typeof ToolStateSchema>;

export const TemperatureKindSchema = z.enum(['cpu', 'gpu', 'disk', 'board', 'other']);
export const TemperatureSchema = z.object({
  source: z.enum(['hwmon', 'thermal', 'sensors']),
  /** hwmon chip name (coretemp, k10temp, nvme, ...) or thermal zone type. */
  chip: Text(128),
  /** The sensor label (Package id 0, Tctl, Composite) or its attribute name (temp1). */
  label: Text(128),
  kind: TemperatureKindSchema,
  celsius: z.number(),
  maxC: N,
  critC: N,
});
export type Temperature = z.infer<typeof TemperatureSchema>;

export const MountUsageSchema = z.object({
  mount: Text(4096),
  source: Text(4096),
  sizeBytes: z.number(),
  usedBytes: z.number(),
  availableBytes: z.number(),
  /** As df computes Capacity: used / (used + available), rounded up. */
  usePercent: z.number(),
});
export type MountUsage = z.infer<typeof MountUsageSchema>;

/** Rates are null on the first sample, after a reboot, and when a counter went backwards. */
export const DiskRateSchema = z.object({
  device: Text(64),
  readBytesPerSec: N,
  writeBytesPerSec: N,
  readOpsPerSec: N,
  writeOpsPerSec: N,
  /** Share of the interval with I/O in flight (like iostat %util). */
  busyPercent: N,
});
export type DiskRate = z.infer<typeof DiskRateSchema>;

export const NetRateSchema = z.object({
  iface: Text(64),
  rxBytesPerSec: N,
  txBytesPerSec: N,
  rxPacketsPerSec: N,
  txPacketsPerSec: N,
  /** Receive + transmit errors and drops in the interval. */
  errorsPerSec: N,
});
export type NetRate = z.infer<typeof NetRateSchema>;

/** Every field is null where the tool printed [N/A], [Not Supported] or an error token, or lacks it. */
export const GpuMetricsSchema = z.object({
  vendor: z.enum(['nvidia', 'amd']),
  index: z.number().int(),
  name: Text(256).nullable(),
  uuid: Text(128).nullable(),
  busId: Text(64).nullable(),
  temperatureC: N,
  /** AMD: junction (hotspot) and memory sensors; NVIDIA: memory when reported. */
  hotspotC: N,
  memoryTempC: N,
  utilizationPercent: N,
  memoryUtilizationPercent: N,
  memoryUsedMiB: N,
  memoryTotalMiB: N,
  powerDrawW: N,
  powerLimitW: N,
  fanPercent: N,
  clockSmMHz: N,
  clockMemMHz: N,
  pstate: Text(8).nullable(),
  /** Active clock throttle (event) reasons by NVML name, e.g. ["hw_thermal_slowdown"]; [] none; null unknown. */
  throttleReasons: z.array(Text(64)).max(32).nullable(),
});
export type GpuMetrics = z.infer<typeof GpuMetricsSchema>;

export const SmartHealthSchema = z.enum(['passed', 'failed', 'standby', 'unsupported', 'unknown']);
export const SmartDiskSchema = z.object({
  device: Text(64),
  health: SmartHealthSchema,
  /** The line that decided it, or why it is unknown. */
  detail: Text(512).nullable(),
});
export type SmartDisk = z.infer<typeof SmartDiskSchema>;

export const HostMetricsSchema = z.object({
  /** When the probe output was parsed (the receiver's clock). */
  atMs: z.number(),
  hostname: Text(253).nullable(),
  kernel: Text(256).nullable(),
  uptimeSec: N,
  /** Boot time (epoch seconds, /proc/stat btime). */
  bootTimeSec: N,
  /** The host rebooted since the previous sample (rates restart). */
  rebooted: z.boolean(),
  load1: N,
  load5: N,
  load15: N,
  cpu: z.object({ count: z.number().int().nullable(), usePercent: N, iowaitPercent: N, stealPercent: N }),
  temperatures: z.array(TemperatureSchema).max(256),
  /** The hottest CPU sensor (package/Tctl/core), null when none is readable. */
  cpuTempC: N,
  memory: z.object({ totalBytes: z.number(), availableBytes: z.number(), usedBytes: z.number(), usePercent: z.number() }).nullable(),
  swap: z.object({ totalBytes: z.number(), freeBytes: z.number(), usedBytes: z.number(), usePercent: N }).nullable(),
  mounts: z.array(MountUsageSchema).max(512),
  disks: z.array(DiskRateSchema).max(512),
  networks: z.array(NetRateSchema).max(512),
  gpus: z.array(GpuMetricsSchema).max(64),
  smart: z.object({ state: ToolStateSchema, disks: z.array(SmartDiskSchema).max(256) }),
  tools: z.object({ timeout: ToolStateSchema, sensors: ToolStateSchema, nvidiaSmi: ToolStateSchema, rocmSmi: ToolStateSchema, smartctl: ToolStateSchema }),
  /** Time the probe script took on the host (from /proc/uptime at its start and end). */
  probeDurationMs: N,
  /** Round trip measured by the caller (exec start to exit), when it gave one. */
  roundTripMs: N,
  problems: z.array(ProbeProblemSchema).max(256),
});
export type HostMetrics = z.infer<typeof HostMetricsSchema>;

// ---------------------------------------------------------------------------------------------
// Alert rules and alerts

export const ALERT_THRESHOLD_METRICS = [
  'gpu.temperatureC', // per GPU
  'gpu.count', // the host's GPU count (below N: a card fell off the bus)
  'cpu.temperatureC',
  'cpu.usePercent',
  'memory.usePercent',
  'disk.usePercent', // per mount
  'load1',
  'load5',
  'load15',
] as const;
export const AlertThresholdMetricSchema = z.enum(ALERT_THRESHOLD_METRICS);
export type AlertThresholdMetric = z.infer<typeof AlertThresholdMetricSchema>;
export const AlertMetricSchema = z.enum([...ALERT_THRESHOLD_METRICS, 'host.down']);
export type AlertMetric = z.infer<typeof AlertMetricSchema>;
export const AlertSeveritySchema = z.enum(['warning', 'critical']);

const RuleBase = {
  id: Id,
  /** The host group the rule applies to, or "*" for every group. A group's own rule for a metric shadows the "*" rule. */
  group: z.union([z.literal('*'), GroupName]),
  severity: AlertSeveritySchema.default('warning'),
  enabled: z.boolean().default(true),
};

export const ThresholdRuleSchema = z
  .object({
    ...RuleBase,
    metric: AlertThresholdMetricSchema,
    comparator: z.enum(['above', 'below']),
    /** Fires when the value is beyond this (strictly) for forSec. */
    threshold: z.number(),
    /** Clears only once the value is back past this one (hysteresis): ≤ threshold for "above", ≥ for "below". */
    clearThreshold: z.number(),
    forSec: z.number().min(0).max(86_400).default(0),
  })
  .refine((r) => (r.comparator === 'above' ? r.clearThreshold <= r.threshold : r.clearThreshold >= r.threshold), {
    message: 'clearThreshold must be on the safe side of threshold (≤ for "above", ≥ for "below")',
    path: ['clearThreshold'],
  });
export type ThresholdRule = z.infer<typeof ThresholdRuleSchema>;

export const HostDownRuleSchema = z.object({
  ...RuleBase,
  metric: z.literal('host.down'),
  /** Consecutive missed probes before the alert fires; the first good probe clears it. */
  missedProbes: z.number().int().min(1).max(1000).default(3),
});
export type HostDownRule = z.infer<typeof HostDownRuleSchema>;

export const AlertRuleSchema = z.discriminatedUnion('metric', [ThresholdRuleSchema, HostDownRuleSchema]);
export type AlertRule = z.infer<typeof AlertRuleSchema>;
export type AlertRuleInput = z.input<typeof AlertRuleSchema>;

export const AlertSchema = z.object({
  /** Unique per firing episode: `${key}@${firedAtMs}`. */
  id: Text(512),
  /** Stable per host, rule and subject: `${hostId}|${ruleId}|${subject}`. */
  key: Text(512),
  hostId: Id,
  ruleId: Id,
  metric: AlertMetricSchema,
  /** What within the host: "gpu 3", "/data"; "" for host-wide metrics. */
  subject: Text(256),
  severity: AlertSeveritySchema,
  state: z.enum(['firing', 'resolved']),
  acked: z.boolean(),
  ackedAtMs: N,
  /** When it fired, and when its condition first held (before forSec elapsed). */
  sinceMs: z.number(),
  conditionSinceMs: z.number(),
  resolvedAtMs: N,
  /** The value when it fired, the latest one, and the worst one seen while firing. */
  value: N,
  lastValue: N,
  peakValue: N,
  threshold: z.number(),
  /** Host down: when the host last answered a probe (null: never). */
  lastSeenMs: N,
  message: Text(1024),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertTransitionSchema = z.object({
  kind: z.enum(['fired', 'resolved', 'acked']),
  atMs: z.number(),
  alert: AlertSchema,
});
export type AlertTransition = z.infer<typeof AlertTransitionSchema>;

export const HostHeartbeatSchema = z.object({
  status: z.enum(['unknown', 'up', 'down']),
  /** Last successful probe (null: never answered). */
  lastSeenMs: N,
  /** Consecutive missed probes. */
  missed: z.number().int().min(0),
  downSinceMs: N,
});
export type HostHeartbeat = z.infer<typeof HostHeartbeatSchema>;

// ---------------------------------------------------------------------------------------------
// Syslog

export const SYSLOG_SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export const SYSLOG_FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

export const SyslogStructuredElementSchema = z.object({
  id: Text(64),
  params: z.array(z.object({ name: Text(64), value: Text(65_536) })).max(256),
});
export type SyslogStructuredElement = z.infer<typeof SyslogStructuredElementSchema>;

export const SyslogMessageSchema = z.object({
  /** Position in the receiver's ring buffer (1, 2, ...); 0 before it is stored. */
  seq: z.number().int().min(0),
  receivedAtMs: z.number(),
  sender: z.object({ address: Text(64), port: z.number().int().min(0).max(65_535), transport: z.enum(['udp', 'tcp']) }),
  facility: z.number().int().min(0).max(23).nullable(),
  severity: z.number().int().min(0).max(7).nullable(),
  /** The timestamp as sent (RFC 3164 "Mar 10 09:29:58" or RFC 3339). The receive time is authoritative. */
  timestamp: Text(64).nullable(),
  /** RFC 5424: exact. RFC 3164: the year and zone guessed (see the parser); null when unparsable. */
  timestampMs: N,
  hostname: Text(255).nullable(),
  app: Text(128).nullable(),
  procid: Text(128).nullable(),
  msgid: Text(32).nullable(),
  structuredData: z.array(SyslogStructuredElementSchema).max(64),
  message: z.string(),
  format: z.enum(['rfc3164', 'rfc5424', 'raw']),
  /** The whole frame as received (trailing newline and NUL removed), decoded as UTF-8. */
  raw: z.string(),
  /** Cut at the receiver's maximum message size. */
  truncated: z.boolean(),
});
export type SyslogMessage = z.infer<typeof SyslogMessageSchema>;

export const SyslogFilterSchema = z.object({
  /** Matches the hostname in the message or the sender address (substring, case-insensitive). */
  host: z.string().max(255).optional(),
  /** The least severe level shown: 3 shows emerg..err. Raw lines (no severity) do not pass a severity filter. */
  minSeverity: z.number().int().min(0).max(7).optional(),
  /** Text searched in the message, app and hostname. */
  text: z.string().max(512).optional(),
  /** Treat `text` as a regular expression (refused when it could backtrack catastrophically). */
  regex: z.boolean().optional(),
  caseSensitive: z.boolean().optional(),
});
export type SyslogFilter = z.infer<typeof SyslogFilterSchema>;

export function syslogSeverityName(severity: number | null): string {
  return severity === null ? '-' : (SYSLOG_SEVERITY_NAMES[severity] ?? String(severity));
}

export function syslogFacilityName(facility: number | null): string {
  return facility === null ? '-' : (SYSLOG_FACILITY_NAMES[facility] ?? String(facility));
}
