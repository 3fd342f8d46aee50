import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorDataSchema } from './errors';
import { liveUpdateSchema, type LiveDataOf } from './live';
import { sectionPatch } from './settings';
import { HopSchema } from './ssh';

/**
 * Fleet: hosts (one identity per machine), their health metrics (from one batched SSH probe),
 * heartbeats, alert rules and alerts, per-host history for charts, and syslog messages; the
 * fleet contract (methods, the live stream and the syslog tail) is at the end of this file.
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

// ---------------------------------------------------------------------------------------------
// Groups, settings and the inventory

export const FLEET_GROUP_KINDS = ['rigs', 'lotus-workers', 'kvm-hosts', 'other'] as const;
export const FleetGroupKindSchema = z.enum(FLEET_GROUP_KINDS);
export type FleetGroupKind = z.infer<typeof FleetGroupKindSchema>;

export const FleetGroupSchema = z.object({
  name: GroupName,
  kind: FleetGroupKindSchema.default('other'),
  description: Text(512).default(''),
});
export type FleetGroup = z.infer<typeof FleetGroupSchema>;
export type FleetGroupInput = z.input<typeof FleetGroupSchema>;

/** The groups a new inventory starts with. */
export const DEFAULT_FLEET_GROUPS: readonly FleetGroup[] = [
  { name: 'rigs', kind: 'rigs', description: 'GPU mining rigs' },
  { name: 'lotus-workers', kind: 'lotus-workers', description: 'Filecoin sealing and PoSt workers' },
  { name: 'kvm-hosts', kind: 'kvm-hosts', description: 'KVM / libvirt hosts' },
  { name: 'default', kind: 'other', description: '' },
];

export const HostKeyPolicySchema = z.enum(['ask', 'accept-new', 'refuse']);

export const FleetProbeSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  /** One round over every host this often (the next round starts this long after the previous one ended). */
  intervalSec: z.number().int().min(2).max(3600).default(30),
  /** Hosts probed at once. */
  concurrency: z.number().int().min(1).max(256).default(32),
  /** Per host: connecting (when needed) plus the probe. */
  timeoutSec: z.number().int().min(2).max(600).default(20),
  /** Per tool inside the probe (a hung nvidia-smi or df). */
  sectionTimeoutSec: z.number().int().min(1).max(120).default(5),
  /** Missed probes before a host is shown down. */
  downAfterMissed: z.number().int().min(1).max(100).default(3),
  /** SMART health (smartctl -H through sudo -n) at most this often per host; 0: never. */
  smartEverySec: z.number().int().min(0).max(86_400).default(0),
  /** What the probes do with a host key no known_hosts file has. */
  unknownHostKey: HostKeyPolicySchema.default('ask'),
  /** Chart history kept per host (in memory, at most 720 points). */
  historyMinutes: z.number().int().min(5).max(1440).default(120),
});
export type FleetProbeSettings = z.infer<typeof FleetProbeSettingsSchema>;

const ListenAddress = z.string().min(2).max(64).regex(/^[0-9A-Fa-f.:]+$/, 'an IPv4 or IPv6 address');

export const FleetSyslogSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  /** 127.0.0.1 hears only this machine; rigs reach 0.0.0.0 or a LAN address (a warning says so). */
  host: ListenAddress.default('127.0.0.1'),
  /** A port, or "auto": 514 when it can be bound (root or CAP_NET_BIND_SERVICE), else 5514. */
  port: z.union([z.number().int().min(1).max(65_535), z.literal('auto')]).default(5514),
  udp: z.boolean().default(true),
  tcp: z.boolean().default(true),
  /** The ring buffer: at most this many messages and this many MiB (oldest dropped first). */
  maxMessages: z.number().int().min(100).max(1_000_000).default(50_000),
  maxMiB: z.number().int().min(1).max(1024).default(64),
});
export type FleetSyslogSettings = z.infer<typeof FleetSyslogSettingsSchema>;

export const FleetSettingsSchema = z.object({
  probe: FleetProbeSettingsSchema.prefault({}),
  syslog: FleetSyslogSettingsSchema.prefault({}),
});
export type FleetSettings = z.infer<typeof FleetSettingsSchema>;

export const FleetSettingsPatchSchema = z.strictObject({
  probe: sectionPatch(FleetProbeSettingsSchema).optional(),
  syslog: sectionPatch(FleetSyslogSettingsSchema).optional(),
});
export type FleetSettingsPatch = z.input<typeof FleetSettingsPatchSchema>;

/**
 * A host as a person or an import writes it: the id is made when missing, the MAC may be in any
 * spelling (52-54-00-A1-9C-AE, 5254.00a1.9cae): the service stores it canonical.
 */
export const FleetHostDraftSchema = FleetHostSchema.extend({
  id: Id.optional(),
  mac: z.string().min(1).max(64).optional(),
});
export type FleetHostDraft = z.input<typeof FleetHostDraftSchema>;
/** A draft with the schema's defaults filled in (what import previews hold). */
export type FleetHostDraftValue = z.infer<typeof FleetHostDraftSchema>;

/** What fleet-inventory.json holds, and what an inventory export writes (without settings). */
export const FleetInventorySchema = z.object({
  groups: z.array(FleetGroupSchema).max(1000),
  hosts: z.array(FleetHostSchema).max(10_000),
  rules: z.array(AlertRuleSchema).max(1000),
});
export type FleetInventory = z.infer<typeof FleetInventorySchema>;

/** Which hosts the lookup matches: any given field, MAC in any spelling. */
export const FleetLookupSchema = z.object({
  mac: z.string().max(64).optional(),
  hostname: z.string().max(253).optional(),
  ip: z.string().max(64).optional(),
  /** An SSH host name or address as in a target. */
  sshHost: z.string().max(253).optional(),
  lotusWorker: z.string().max(128).optional(),
});
export type FleetLookup = z.infer<typeof FleetLookupSchema>;

// ---------------------------------------------------------------------------------------------
// Imports

export const ImportSourceSchema = z.enum(['ssh-config', 'etcd', 'lotus-workers', 'hostnames', 'file']);

/** One machine an import found, not saved yet. */
export const ImportCandidateSchema = z.object({
  source: ImportSourceSchema,
  /** Where it came from: the Host alias, the etcd key, the worker line. */
  origin: Text(512),
  /** The host to add; absent when the source gave no address to reach it (see problems). */
  host: FleetHostDraftSchema.optional(),
  /** The inventory host it is the same machine as (by MAC, hostname, lotus worker or SSH target): adding merges into it. */
  matchId: Id.nullable(),
  problems: z.array(Text(1024)).max(64),
});
export type ImportCandidate = z.infer<typeof ImportCandidateSchema>;

export const ImportPreviewSchema = z.object({
  candidates: z.array(ImportCandidateSchema).max(10_000),
  /** Problems with the source as a whole (a line that was not understood, keys that did not fit). */
  problems: z.array(Text(1024)).max(1000),
  /** e.g. the ssh config file read, the etcd endpoint. */
  from: Text(1024),
});
export type ImportPreview = z.infer<typeof ImportPreviewSchema>;

/** Defaults for the SSH login of imported hosts whose source gives only an address. */
const ImportLogin = z.object({
  user: HopSchema.shape.user,
  port: HopSchema.shape.port,
  identityFiles: HopSchema.shape.identityFiles,
  jumps: z.array(HopSchema).max(8).default([]),
  group: GroupName.optional(),
});

export const EtcdImportInputSchema = ImportLogin.extend({
  /** etcd client URLs reached directly; or give sessionId instead. */
  endpoints: z.array(z.string().min(3).max(300)).max(16).default([]),
  /** One of the etcd page's saved sessions (its tunnel, TLS and login), instead of endpoints. */
  sessionId: z.string().min(1).max(64).optional(),
  /** Where the worker envs are, {mac} in the key (as the netboot responder reads them). */
  pattern: z.string().min(3).max(512).default('/farm/workers/{mac}/env'),
  /** Env keys tried, in order, for the host name and the address. */
  hostnameKeys: z.array(z.string().min(1).max(128)).max(16).default(['HOSTNAME', 'WORKER_HOSTNAME', 'WORKER_NAME', 'NODE_NAME']),
  ipKeys: z.array(z.string().min(1).max(128)).max(16).default(['IP', 'IPADDR', 'WORKER_IP', 'HOST_IP', 'ADDRESS']),
}).refine((v) => v.endpoints.length > 0 || v.sessionId !== undefined, { message: 'give etcd endpoints or an etcd session', path: ['endpoints'] });
export type EtcdImportInput = z.input<typeof EtcdImportInputSchema>;

export const TextImportInputSchema = ImportLogin.extend({
  /** `lotus-miner sealing workers` output, or host names one per line. */
  text: z.string().min(1).max(4 * 1024 * 1024),
  kind: z.enum(['lotus-workers', 'hostnames']),
});
export type TextImportInput = z.input<typeof TextImportInputSchema>;

export const AddHostsResultSchema = z.object({
  added: z.array(Id),
  merged: z.array(Id),
  skipped: z.array(z.object({ name: Text(256), reason: Text(1024) })),
});
export type AddHostsResult = z.infer<typeof AddHostsResultSchema>;

// ---------------------------------------------------------------------------------------------
// Live state

/** The few numbers a host table shows, from the latest probe. */
export const HostSummarySchema = z.object({
  atMs: z.number(),
  hostname: Text(253).nullable(),
  uptimeSec: N,
  load1: N,
  load5: N,
  load15: N,
  cpuCount: z.number().int().nullable(),
  cpuUsePercent: N,
  iowaitPercent: N,
  cpuTempC: N,
  memUsePercent: N,
  memTotalBytes: N,
  swapUsePercent: N,
  /** The fullest mount. */
  diskUseMaxPercent: N,
  diskUseMaxMount: Text(256).nullable(),
  /** Sums over the disks, and over the network interfaces except loopback. */
  diskReadBytesPerSec: N,
  diskWriteBytesPerSec: N,
  netRxBytesPerSec: N,
  netTxBytesPerSec: N,
  gpuCount: z.number().int(),
  gpuTempMaxC: N,
  gpuUtilAvgPercent: N,
  gpuPowerW: N,
  /** Probe problems of severity error / warning. */
  errors: z.number().int(),
  warnings: z.number().int(),
  roundTripMs: N,
});
export type HostSummary = z.infer<typeof HostSummarySchema>;

export const FleetHostStateSchema = z.object({
  host: FleetHostSchema,
  heartbeat: HostHeartbeatSchema,
  summary: HostSummarySchema.nullable(),
  /** Why the last probe failed (kept until one succeeds). */
  lastError: ErrorDataSchema.nullable(),
  lastErrorAtMs: N,
  /** The shared SSH connection's state: idle, connecting, ready, backoff, waiting, failed. */
  connection: Text(32),
  alerts: z.object({ firing: z.number().int(), unacked: z.number().int(), worst: AlertSeveritySchema.nullable() }),
});
export type FleetHostState = z.infer<typeof FleetHostStateSchema>;

export const SyslogStatusSchema = z.object({
  state: z.enum(['off', 'starting', 'listening', 'failed']),
  host: Text(64),
  /** As configured. */
  port: z.union([z.number().int(), z.literal('auto')]),
  udpPort: z.number().int().nullable(),
  tcpPort: z.number().int().nullable(),
  /** Listening on an address other machines can reach. */
  exposed: z.boolean(),
  /** Why the port differs from the one asked for ('auto' fell back to 5514). */
  notice: Text(1024).nullable(),
  error: ErrorDataSchema.nullable(),
  received: z.number().int(),
  raw: z.number().int(),
  truncated: z.number().int(),
  connections: z.number().int(),
  buffer: z.object({ size: z.number().int(), bytes: z.number(), maxMessages: z.number().int(), maxBytes: z.number(), evicted: z.number().int(), nextSeq: z.number().int() }),
});
export type SyslogStatus = z.infer<typeof SyslogStatusSchema>;

export const FleetServiceStateSchema = z.object({
  settings: FleetSettingsSchema,
  probe: z.object({
    rounds: z.number().int(),
    running: z.boolean(),
    lastRoundAtMs: N,
    lastRoundMs: N,
    lastRoundHosts: z.number().int(),
    lastRoundFailed: z.number().int(),
  }),
  syslog: SyslogStatusSchema,
  inventory: z.object({ file: Text(4096), notPersistingReason: Text(2048).nullable() }),
});
export type FleetServiceState = z.infer<typeof FleetServiceStateSchema>;

/** fleet.live: hosts (identity, heartbeat, summary), latest metrics by host id, firing alerts by alert id, groups, rules, and the service itself ("current"). */
export const FLEET_LIVE_COLLECTIONS = {
  hosts: FleetHostStateSchema,
  metrics: HostMetricsSchema,
  alerts: AlertSchema,
  groups: FleetGroupSchema,
  rules: z.object({ rule: AlertRuleSchema }),
  service: FleetServiceStateSchema,
};
export const FleetLiveSchema = liveUpdateSchema(FLEET_LIVE_COLLECTIONS);
export type FleetLiveData = LiveDataOf<typeof FLEET_LIVE_COLLECTIONS>;
export const FLEET_SERVICE_KEY = 'current';

/** Per-host chart data, columnar (uPlot's shape): every series has one value (or null) per time. */
export const HostHistorySchema = z.object({
  hostId: Id,
  intervalMs: z.number(),
  atMs: z.array(z.number()),
  series: z.object({
    cpuTempC: z.array(N),
    load1: z.array(N),
    cpuUsePercent: z.array(N),
    memUsePercent: z.array(N),
    gpuTempMaxC: z.array(N),
    gpuUtilAvgPercent: z.array(N),
  }),
  gpus: z.array(z.object({ key: Text(64), label: Text(300), tempC: z.array(N), utilPercent: z.array(N) })).max(64),
});
export type HostHistory = z.infer<typeof HostHistorySchema>;

// ---------------------------------------------------------------------------------------------
// Syslog tail

export const SyslogTailInputSchema = z.object({
  filter: SyslogFilterSchema.default({}),
  /** The newest matching messages sent first. */
  limit: z.number().int().min(1).max(5000).default(500),
});

/** fleet.syslogTail: the newest matching messages, then new ones as they arrive (append-only, server-side filter). */
export const SyslogTailEventSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('start'), messages: z.array(SyslogMessageSchema), more: z.boolean(), nextSeq: z.number().int() }),
  z.object({ t: z.literal('append'), messages: z.array(SyslogMessageSchema), nextSeq: z.number().int() }),
  /** The connection was too slow: these sequence numbers were not sent (page back with syslogPage). */
  z.object({ t: z.literal('gap'), fromSeq: z.number().int(), toSeq: z.number().int(), count: z.number().int() }),
]);
export type SyslogTailEvent = z.infer<typeof SyslogTailEventSchema>;

export const SyslogPageSchema = z.object({ messages: z.array(SyslogMessageSchema), more: z.boolean() });
export type SyslogPage = z.infer<typeof SyslogPageSchema>;

const FilePath = z.string().min(1).max(4096);

// ---------------------------------------------------------------------------------------------
// The contract

export const fleetContract = defineContract({
  /** Creates (id absent) or replaces a host; refuses a second host with the same MAC, hostname, lotus worker or SSH target. */
  saveHost: method({ input: FleetHostDraftSchema, output: FleetHostSchema }),
  removeHost: method({ input: z.object({ id: Id }), output: z.null() }),
  saveGroup: method({ input: FleetGroupSchema, output: FleetGroupSchema }),
  /** Refuses while hosts are in the group. */
  removeGroup: method({ input: z.object({ name: GroupName }), output: z.null() }),
  saveRule: method({ input: AlertRuleSchema, output: AlertRuleSchema }),
  removeRule: method({ input: z.object({ id: Id }), output: z.null() }),
  updateSettings: method({ input: FleetSettingsPatchSchema, output: FleetSettingsSchema }),
  /** The host a MAC, hostname, IP, SSH host or lotus worker belongs to (other features link to it). */
  lookup: method({ input: FleetLookupSchema, output: FleetHostSchema.nullable() }),

  /** Candidates from ~/.ssh/config on the service's machine (not saved). */
  importSshConfig: method({ input: ImportLogin.partial().prefault({}), output: ImportPreviewSchema }),
  /** Candidates from the worker-env keys in etcd, by MAC (not saved). */
  importEtcd: method({ input: EtcdImportInputSchema, output: ImportPreviewSchema, timeoutMs: 60_000 }),
  /** Candidates from pasted `lotus-miner sealing workers` output or a host name list (not saved). */
  importText: method({ input: TextImportInputSchema, output: ImportPreviewSchema }),
  /** Adds hosts, merging each into the host it is the same machine as. */
  addHosts: method({ input: z.object({ hosts: z.array(FleetHostDraftSchema).min(1).max(10_000) }), output: AddHostsResultSchema }),
  /** Writes groups, hosts and rules to a JSON file on the service's machine. */
  exportInventory: method({ input: z.object({ path: FilePath }), output: z.object({ path: Text(4096), hosts: z.number().int(), groups: z.number().int(), rules: z.number().int() }) }),
  /** Reads an exported inventory: its groups and rules are added or replaced by name/id, its hosts merged by identity. */
  importInventory: method({ input: z.object({ path: FilePath }), output: AddHostsResultSchema.extend({ groups: z.number().int(), rules: z.number().int() }) }),

  /** Probes every host now (unless a round is running). */
  probeNow: method({ input: z.null(), output: z.null() }),
  /** Forgets the SSH backoff (or a refused key or login) of one host and connects again. */
  retryHost: method({ input: z.object({ id: Id }), output: z.null() }),
  acknowledge: method({ input: z.object({ alertId: Text(512) }), output: AlertSchema }),
  /** Alert episodes (fired, acknowledged, resolved), newest first, kept across restarts (bounded). */
  alertHistory: method({ input: z.object({ hostId: Id.optional(), limit: z.number().int().min(1).max(5000).default(500) }), output: z.array(AlertSchema) }),
  /** Chart data of one host (in memory, bounded). */
  history: method({ input: z.object({ hostId: Id }), output: HostHistorySchema }),

  /** A snapshot, then keyed diffs: hosts, metrics, alerts, groups, rules, service. */
  live: stream({ input: z.null(), event: FleetLiveSchema }),

  /** New syslog messages matching the filter, after the newest `limit` ones. */
  syslogTail: stream({ input: SyslogTailInputSchema, event: SyslogTailEventSchema }),
  /** Older messages matching the filter (paging back), oldest first. */
  syslogPage: method({ input: z.object({ filter: SyslogFilterSchema.default({}), beforeSeq: z.number().int().min(1), limit: z.number().int().min(1).max(5000).default(500) }), output: SyslogPageSchema }),
  /** Writes the buffered messages matching the filter to a file on the service's machine. */
  syslogExport: method({ input: z.object({ path: FilePath, format: z.enum(['text', 'jsonl']).default('text'), filter: SyslogFilterSchema.default({}) }), output: z.object({ path: Text(4096), count: z.number().int(), bytes: z.number().int() }) }),
});
