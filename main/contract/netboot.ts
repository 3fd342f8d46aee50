import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorDataSchema } from './errors';
import { liveUpdateSchema, type LiveDataOf } from './live';

/**
 * Netboot: a local stand-in for the farm's "shepherd" service that PXE-booting rigs call.
 *
 * The flow (seed 000, "pxeserver"): dnsmasq hands the rig iPXE, iPXE asks /api/v1/pxe for a
 * script (kernel + initrd + boot), the booted userland asks /api/v1/get-config for the
 * AgentConfig (JSON), and the init script asks /api/v1/get-initial-config for the worker env
 * (the datacenter config from etcd merged with the worker's own env, also from etcd).
 *
 * This file holds the config file's schema and the timeline/status shapes shared with the UI.
 * Semantic checks (CIDRs, template variables, key patterns) live in main/netboot/config-validation.ts.
 */

export const NETBOOT_CONFIG_VERSION = 1;

/** Variables an iPXE script template may use, written {{name}}. Any other name is a config error. */
export const NETBOOT_TEMPLATE_VARIABLES = [
  'serverUrl', // the configured serverUrl, no trailing slash
  'bootUrl', // serverUrl + "/boot": where boot files are served (or redirected to upstream)
  'mac', // the client's MAC, colon form: 52:54:00:a1:9c:ae
  'macHyphen', // 52-54-00-a1-9c-ae
  'ip', // the client's address
  'subnet', // the matched CIDR, e.g. 10.40.0.0/24
  'subnetName', // the matched entry's name
  'uuid', // the matched entry's datacenter UUID
  'kernelArgs', // the entry's kernel arguments (inserted as words, checked at load)
] as const;
export type NetbootTemplateVariable = (typeof NETBOOT_TEMPLATE_VARIABLES)[number];

/** Variables an etcd key pattern may use, written {name}. */
export const NETBOOT_KEY_VARIABLES = ['uuid', 'subnetName', 'mac', 'macHyphen', 'macBare', 'macUpper'] as const;
export type NetbootKeyVariable = (typeof NETBOOT_KEY_VARIABLES)[number];

const Url = z.string().min(1).max(2048);
const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

/** One image the supervisor unpacks (the GPU userland package, mounted at /). */
export const AgentImageSchema = z.looseObject({
  uri: Url,
  mountpoint: z.string().min(1).max(1024),
});
export type AgentImage = z.infer<typeof AgentImageSchema>;

/**
 * The agent's config (seed 000): supervisor images, bminer metrics input, influxdb output.
 * Unknown fields are kept and served as they are, so a newer agent's settings pass through.
 */
export const AgentConfigSchema = z.looseObject({
  supervisor: z.looseObject({
    /** One image or a list; served in the form written. */
    images: z.union([AgentImageSchema, z.array(AgentImageSchema).min(1).max(32)], {
      error: 'an image {"uri", "mountpoint"} or a list of them',
    }),
  }),
  metrics: z.looseObject({
    input: z.looseObject({
      /** Where the agent reads bminer's device and solver status (bminer's HTTP API). */
      bminer: z.looseObject({ device: z.string().max(2048), solver: z.string().max(2048) }),
    }),
    output: z.looseObject({
      influxdb: z.looseObject({ url: Url, db: z.string().min(1).max(256) }),
    }),
  }),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** etcd key patterns: the datacenter config (by UUID) and the worker env (by MAC). */
export const NetbootEtcdKeysSchema = z.strictObject({
  /** e.g. "/farm/dc/{uuid}/config" */
  dcConfig: z.string().min(1).max(512),
  /** e.g. "/farm/workers/{mac}/env" */
  workerEnv: z.string().min(1).max(512),
});
export type NetbootEtcdKeys = z.infer<typeof NetbootEtcdKeysSchema>;

/** An iPXE script template: one string, or its lines (joined with "\n"). */
export const IpxeScriptSchema = z.union([z.string().min(1).max(65_536), z.array(z.string().max(4096)).min(1).max(1024)], {
  error: 'an iPXE script: a string, or a list of lines (at most 64 KiB)',
});

/** What the dnsmasq companion writes for a subnet (all optional; computed from the CIDR otherwise). */
export const NetbootDhcpSchema = z.strictObject({
  rangeStart: z.string().max(64).optional(),
  rangeEnd: z.string().max(64).optional(),
  /** dnsmasq lease time: "12h", "30m", "infinite". */
  leaseTime: z.string().regex(/^(\d+[smhdw]?|infinite)$/, 'a dnsmasq lease time such as 12h, 30m or infinite').optional(),
  router: z.string().max(64).optional(),
});
export type NetbootDhcp = z.infer<typeof NetbootDhcpSchema>;

const EntryFields = {
  script: IpxeScriptSchema.optional(),
  kernelArgs: z.string().max(4096).optional(),
  agentConfig: AgentConfigSchema.optional(),
  datacenterUuid: z.string().max(64).optional(),
  etcdKeys: NetbootEtcdKeysSchema.optional(),
};

/** Fields a subnet takes from `defaults` when it does not set them itself. */
export const NetbootDefaultsSchema = z.strictObject(EntryFields);

export const NetbootSubnetSchema = z.strictObject({
  /** Shown in the timeline and the per-subnet counts; unique. */
  name: Name,
  /** IPv4 or IPv6 network, e.g. "10.40.0.0/24" or "fd00:40::/64". Host bits must be zero. */
  cidr: z.string().min(1).max(64),
  ...EntryFields,
  dhcp: NetbootDhcpSchema.optional(),
});
export type NetbootSubnet = z.infer<typeof NetbootSubnetSchema>;

export const NetbootLimitsSchema = z.strictObject({
  /** Time to receive a request's headers (slowloris guard); at most 10 s. */
  headersTimeoutMs: z.number().int().min(100).max(10_000).default(10_000),
  /** Time to receive a whole request; at least headersTimeoutMs. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  /** A connection with no traffic for this long is closed (a stalled download). */
  idleTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
  /** Request line plus headers; more is answered 431. */
  maxHeaderBytes: z.number().int().min(1024).max(65_536).default(8192),
  maxConnections: z.number().int().min(1).max(100_000).default(10_000),
});
export type NetbootLimits = z.infer<typeof NetbootLimitsSchema>;

export const NetbootEtcdSchema = z.strictObject({
  /** e.g. ["http://127.0.0.1:2379"] (the tunnel or the etcd grpc-proxy). */
  endpoints: z.array(Url).min(1).max(16),
  dialTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
  /** Per read; a read that takes longer makes get-initial-config answer 503 (retryable). */
  requestTimeoutMs: z.number().int().min(100).max(60_000).default(2_000),
  /**
   * The in-memory copy of the watched prefixes (docs/netboot.md, "The etcd copy"): on unless
   * enabled is false; above maxKeys or maxBytes nothing is copied and every request reads etcd.
   */
  cache: z
    .strictObject({
      enabled: z.boolean().optional(),
      maxKeys: z.number().int().min(1).max(10_000_000).optional(),
      maxBytes: z.number().int().min(1024).max(4 * 1024 * 1024 * 1024).optional(),
    })
    .optional(),
});
export type NetbootEtcd = z.infer<typeof NetbootEtcdSchema>;

export const NetbootConfigSchema = z.strictObject({
  version: z.literal(NETBOOT_CONFIG_VERSION).default(NETBOOT_CONFIG_VERSION),
  listen: z
    .strictObject({
      host: z.string().min(1).max(253).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  /** How clients reach this responder (through the :80 proxy in the seed); used in scripts and dnsmasq. */
  serverUrl: Url,
  /** Proxies whose X-Forwarded-For is believed (CIDRs or addresses), e.g. ["127.0.0.1/32"]. */
  trustedProxies: z.array(z.string().min(1).max(64)).max(256).default([]),
  /** Boot files (kernels, initrds, userland and miner packages) under /boot/: a directory, an upstream, or both (directory first). */
  bootFiles: z
    .strictObject({
      dir: z.string().min(1).max(4096).optional(),
      upstreamUrl: Url.optional(),
    })
    .prefault({}),
  /** Delay before the fallback script (unknown subnet/MAC) asks again; also the Retry-After of 503s. */
  retryDelaySec: z.number().int().min(1).max(3600).default(10),
  /** A machine that stays at one step (short of the env) longer than this is shown as stuck. */
  stuckAfterSec: z.number().int().min(5).max(86_400).default(300),
  limits: NetbootLimitsSchema.prefault({}),
  etcd: NetbootEtcdSchema.optional(),
  timeline: z
    .strictObject({
      /** Machines kept; the one seen longest ago is dropped first. */
      maxMachines: z.number().int().min(1).max(1_000_000).default(10_000),
      /** Events kept per machine (repeats of the same event are counted, not stored). */
      maxEventsPerMachine: z.number().int().min(4).max(1000).default(32),
    })
    .prefault({}),
  defaults: NetbootDefaultsSchema.optional(),
  subnets: z.array(NetbootSubnetSchema).min(1).max(65_536),
});
export type NetbootConfig = z.infer<typeof NetbootConfigSchema>;
export type NetbootConfigInput = z.input<typeof NetbootConfigSchema>;

// ---- timeline ----

/** script: /api/v1/pxe; kernel/initrd/file: boot files; config: get-config; env: get-initial-config. */
export const NETBOOT_STEPS = ['script', 'kernel', 'initrd', 'file', 'config', 'env'] as const;
export const NetbootStepSchema = z.enum(NETBOOT_STEPS);
export type NetbootStep = z.infer<typeof NetbootStepSchema>;

/**
 * ok: served; fallback: the retry script was served (unknown subnet or MAC); refused: a 4xx
 * (no entry, no env, bad range); unavailable: a retryable 503 (etcd down); failed: a transfer
 * cut short or a server-side error.
 */
export const NetbootOutcomeSchema = z.enum(['ok', 'fallback', 'refused', 'unavailable', 'failed']);
export type NetbootOutcome = z.infer<typeof NetbootOutcomeSchema>;

export const TimelineEventSchema = z.object({
  step: NetbootStepSchema,
  outcome: NetbootOutcomeSchema,
  /** HTTP status sent (0 when the client left before an answer). */
  status: z.number().int(),
  /** When it happened; for a repeated event, the last time. */
  atMs: z.number(),
  /** For a repeated event, the first time. */
  firstAtMs: z.number(),
  /** How many times in a row this same event happened. */
  count: z.number().int().min(1),
  /** Why (for anything but ok), in words an operator can act on. Never env values. */
  reason: z.string().max(1024).optional(),
  /** The boot file's path under /boot/. */
  path: z.string().max(1024).optional(),
  bytes: z.number().optional(),
  durationMs: z.number().optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export const MacSourceSchema = z.enum(['query', 'neighbour', 'recent']);
export type MacSource = z.infer<typeof MacSourceSchema>;

export const MachineTimelineSchema = z.object({
  /** The MAC (colon form), or "ip:<address>" for a client whose MAC is not known. */
  key: z.string(),
  mac: z.string().optional(),
  macSource: MacSourceSchema.optional(),
  ip: z.string(),
  /** The matched subnet entry's name; absent for a client in no configured subnet. */
  subnet: z.string().optional(),
  cidr: z.string().optional(),
  firstSeenMs: z.number(),
  lastSeenMs: z.number(),
  /** When the machine reached its current step (the start of a run of repeats). */
  stepSinceMs: z.number(),
  /** Script requests that started a new boot. */
  boots: z.number().int(),
  lastStep: NetbootStepSchema,
  lastOutcome: NetbootOutcomeSchema,
  /** At one step short of a served env for longer than stuckAfterSec. */
  stuck: z.boolean(),
  /** The last non-ok reason, or why the machine is stuck. */
  reason: z.string().max(1024).optional(),
  /** Oldest first; bounded. */
  events: z.array(TimelineEventSchema),
});
export type MachineTimeline = z.infer<typeof MachineTimelineSchema>;

export const SubnetCountsSchema = z.object({
  subnet: z.string(),
  cidr: z.string(),
  /** Machines seen in this subnet (kept in the timeline). */
  machines: z.number().int(),
  /** Machines whose last step is a served env. */
  booted: z.number().int(),
  stuck: z.number().int(),
  /** Machines whose last event is not ok. */
  failing: z.number().int(),
  /** Machines by their last step. */
  byStep: z.record(NetbootStepSchema, z.number().int()),
  /** Requests answered for this subnet since start (all endpoints). */
  requests: z.number().int(),
  fallbacks: z.number().int(),
});
export type SubnetCounts = z.infer<typeof SubnetCountsSchema>;

export const UnknownClientCountsSchema = z.object({
  /** Timeline entries with no subnet or no MAC. */
  machines: z.number().int(),
  noSubnet: z.number().int(),
  noMac: z.number().int(),
  /** Requests from addresses in no configured subnet, since start. */
  requests: z.number().int(),
});

export const NetbootTimelineSnapshotSchema = z.object({
  atMs: z.number(),
  machines: z.array(MachineTimelineSchema),
  subnets: z.array(SubnetCountsSchema),
  unknownClients: UnknownClientCountsSchema,
  /** Machines dropped to stay under timeline.maxMachines since start. */
  evicted: z.number().int(),
});
export type NetbootTimelineSnapshot = z.infer<typeof NetbootTimelineSnapshotSchema>;

/** One change to the timeline, keyed by machine key: a new event, a machine turned stuck, or dropped. */
export const NetbootRecordSchema = z.discriminatedUnion('change', [
  z.object({ change: z.literal('step'), key: z.string(), machine: MachineTimelineSchema, event: TimelineEventSchema }),
  z.object({ change: z.literal('stuck'), key: z.string(), machine: MachineTimelineSchema }),
  /** A machine removed: evicted for space, or merged into its MAC entry once its MAC became known. */
  z.object({ change: z.literal('removed'), key: z.string(), mergedInto: z.string().optional() }),
]);
export type NetbootRecord = z.infer<typeof NetbootRecordSchema>;

// ---- server status ----

export const NetbootServerStateSchema = z.enum(['stopped', 'starting', 'running', 'stopping', 'failed']);
export type NetbootServerState = z.infer<typeof NetbootServerStateSchema>;

export const NetbootConfigProblemSchema = z.object({
  /** e.g. "subnets[3].cidr" ("" for the whole file). */
  path: z.string(),
  /** The subnet entry's name, when the problem is inside one. */
  subnet: z.string().optional(),
  message: z.string(),
});
export type NetbootConfigProblem = z.infer<typeof NetbootConfigProblemSchema>;

export const NetbootConfigReportSchema = z.object({
  ok: z.boolean(),
  atMs: z.number(),
  /** The config file, when there is one. */
  path: z.string().optional(),
  /** One line: what was loaded, or why not and what is served instead. */
  message: z.string(),
  problems: z.array(NetbootConfigProblemSchema),
  /** The new config was refused and the previous good one is still in use. */
  keptPrevious: z.boolean(),
});
export type NetbootConfigReport = z.infer<typeof NetbootConfigReportSchema>;

/**
 * The responder's copy of the etcd prefixes it reads: in-sync (requests are answered from it),
 * syncing (range read + watch under way; requests read etcd), read-through (dropped: watch error,
 * compaction, reconnect, no sign of life, over the cap, or off; requests read etcd, reason says why).
 */
export const NetbootEtcdCopySchema = z.object({
  state: z.enum(['off', 'syncing', 'in-sync', 'read-through']),
  sinceMs: z.number(),
  keys: z.number().int(),
  bytes: z.number().int(),
  /** The etcd revision the copy reflects (in-sync only). */
  revision: z.number().optional(),
  prefixes: z.array(z.string()),
  reason: z.string().optional(),
  /** Reads answered from the copy and reads sent to etcd, since the responder made its reader. */
  fromCopy: z.number().int(),
  readThrough: z.number().int(),
});
export type NetbootEtcdCopy = z.infer<typeof NetbootEtcdCopySchema>;

export const NetbootEtcdHealthSchema = z.object({
  state: z.enum(['not-configured', 'unknown', 'ok', 'down']),
  sinceMs: z.number().optional(),
  reason: z.string().optional(),
  copy: NetbootEtcdCopySchema.optional(),
});
export type NetbootEtcdHealth = z.infer<typeof NetbootEtcdHealthSchema>;

export const NetbootCountersSchema = z.object({
  requests: z.number().int(),
  scripts: z.number().int(),
  fallbacks: z.number().int(),
  configs: z.number().int(),
  envs: z.number().int(),
  files: z.number().int(),
  notFound: z.number().int(),
  /** 503s sent because etcd could not be read. */
  unavailable: z.number().int(),
  /** Malformed requests (400), oversized headers (431), header timeouts (408). */
  badRequests: z.number().int(),
  headerTooLarge: z.number().int(),
  timeouts: z.number().int(),
  internalErrors: z.number().int(),
});
export type NetbootCounters = z.infer<typeof NetbootCountersSchema>;

export const NetbootStatusSchema = z.object({
  state: NetbootServerStateSchema,
  /** http://HOST:PORT where the responder listens (while running). */
  listenUrl: z.string().optional(),
  port: z.number().int().optional(),
  serverUrl: z.string().optional(),
  subnets: z.number().int(),
  openConnections: z.number().int(),
  config: NetbootConfigReportSchema.optional(),
  /** Changes that take effect only after stop/start (listen address, header size). */
  restartRequired: z.boolean(),
  etcd: NetbootEtcdHealthSchema,
  counters: NetbootCountersSchema,
  error: ErrorDataSchema.optional(),
});
export type NetbootStatus = z.infer<typeof NetbootStatusSchema>;

export const NetbootTimelineCountsSchema = z.object({
  atMs: z.number(),
  /** Machines in the timeline. */
  machineCount: z.number().int(),
  subnets: z.array(SubnetCountsSchema),
  unknownClients: UnknownClientCountsSchema,
  evicted: z.number().int(),
});
export type NetbootTimelineCounts = z.infer<typeof NetbootTimelineCountsSchema>;

// ---- the feature: what the UI and `drover netboot` see ----

/** Per step, the latest event of the machine's current boot (since its latest script request). */
export const NetbootStepsSchema = z.object(Object.fromEntries(NETBOOT_STEPS.map((s) => [s, TimelineEventSchema.optional()])) as Record<NetbootStep, z.ZodOptional<typeof TimelineEventSchema>>);
export type NetbootSteps = z.infer<typeof NetbootStepsSchema>;

/** A machine as the live timeline table shows it: its events folded into one cell per step (the full list: netboot.machine). */
export const NetbootMachineRowSchema = MachineTimelineSchema.omit({ events: true }).extend({
  steps: NetbootStepsSchema,
  /** Events kept for this machine (netboot.machine returns them). */
  eventCount: z.number().int(),
});
export type NetbootMachineRow = z.infer<typeof NetbootMachineRowSchema>;

export const NetbootFeatureStatusSchema = NetbootStatusSchema.extend({
  /** The config file the responder uses (settings, or netboot.json in the config dir). */
  configPath: z.string(),
  configExists: z.boolean(),
  /** Machines in the timeline, and how many of them the live stream carries (the most recently seen). */
  machines: z.number().int(),
  shownMachines: z.number().int(),
  unknownClients: UnknownClientCountsSchema,
  evicted: z.number().int(),
  /** From the running config (default 300): how long a machine may stay at one step. */
  stuckAfterSec: z.number().int(),
});
export type NetbootFeatureStatus = z.infer<typeof NetbootFeatureStatusSchema>;

/** netboot.live: machines keyed by MAC (or "ip:<address>"), subnet counts keyed by subnet name, the status keyed "server". */
export const NETBOOT_LIVE_COLLECTIONS = {
  machines: NetbootMachineRowSchema,
  subnets: SubnetCountsSchema,
  status: NetbootFeatureStatusSchema,
};
export const NetbootLiveSchema = liveUpdateSchema(NETBOOT_LIVE_COLLECTIONS);
export type NetbootLiveData = LiveDataOf<typeof NETBOOT_LIVE_COLLECTIONS>;
/** The one key of the status collection. */
export const NETBOOT_STATUS_KEY = 'server';

export const NetbootLocatedProblemSchema = NetbootConfigProblemSchema.extend({
  /** Where the path's value starts in the text (1-based), when it can be found. */
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type NetbootLocatedProblem = z.infer<typeof NetbootLocatedProblemSchema>;

/** A subnet of a valid config, with the etcd keys it reads (the worker key as a pattern: it depends on the MAC). */
export const NetbootSubnetSummarySchema = z.object({
  name: z.string(),
  cidr: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  datacenterUuid: z.string(),
  dcConfigKey: z.string(),
  workerEnvKeyPattern: z.string(),
});
export type NetbootSubnetSummary = z.infer<typeof NetbootSubnetSummarySchema>;

export const NetbootValidationSchema = z.object({
  ok: z.boolean(),
  /** One line: "2 problems", "valid: 3 subnets (2 IPv4, 1 IPv6)". */
  message: z.string(),
  problems: z.array(NetbootLocatedProblemSchema),
  /** When ok (at most the first 5,000). */
  subnets: z.array(NetbootSubnetSummarySchema),
  subnetCount: z.number().int(),
  /** When ok: the listen address differs from the running responder's (save, then stop and start). */
  restartRequired: z.boolean(),
});
export type NetbootValidation = z.infer<typeof NetbootValidationSchema>;

export const NetbootConfigTextSchema = z.object({
  path: z.string(),
  exists: z.boolean(),
  /** The file's text, or (when it does not exist) the sample config to start from. */
  text: z.string(),
  /** The last load or reload. */
  report: NetbootConfigReportSchema.optional(),
});
export type NetbootConfigText = z.infer<typeof NetbootConfigTextSchema>;

/** Config text as the editor sends it (the file limit of config-file.ts). */
const ConfigText = z.string().max(16 * 1024 * 1024);

export const NetbootSaveResultSchema = z.object({
  /** The reload after writing: ok, or refused with the problems and the last good config kept. */
  report: NetbootConfigReportSchema,
  restartRequired: z.boolean(),
});
export type NetbootSaveResult = z.infer<typeof NetbootSaveResultSchema>;

export const DnsmasqModeSchema = z.enum(['dhcp', 'proxy']);
export type DnsmasqModeName = z.infer<typeof DnsmasqModeSchema>;

const InterfaceName = z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'an interface name such as eth0 or br0');

export const NetbootDnsmasqRequestSchema = z.object({
  mode: DnsmasqModeSchema,
  /** interface= lines (and bind-interfaces); empty: dnsmasq's default (all interfaces). */
  interfaces: z.array(InterfaceName).max(16).default([]),
  /** Serve undionly.kpxe / ipxe.efi over TFTP (for PXE ROMs that are not iPXE yet). */
  tftp: z.boolean().default(true),
  tftpRoot: z.string().min(1).max(1024).optional(),
});
export type NetbootDnsmasqRequest = z.input<typeof NetbootDnsmasqRequestSchema>;

export const NetbootDnsmasqSchema = z.object({
  mode: DnsmasqModeSchema,
  /** The config file text. */
  text: z.string(),
  /** The same directives as dnsmasq command-line arguments. */
  args: z.array(z.string()),
  warnings: z.array(z.string()),
  subnets: z.number().int(),
  /** Where rigs are sent (the serverUrl of the running config). */
  serverUrl: z.string(),
});
export type NetbootDnsmasq = z.infer<typeof NetbootDnsmasqSchema>;

export const NetbootEtcdValueSchema = z.object({
  key: z.string(),
  /** ok: read and a valid env file; missing: no such key; invalid: not an env file; unavailable: etcd could not be read. */
  state: z.enum(['ok', 'missing', 'invalid', 'unavailable']),
  /** The value (at most 64 KiB; shown in the UI only, never logged). */
  text: z.string().optional(),
  truncated: z.boolean().optional(),
  /** KEY=VALUE entries in it. */
  entries: z.number().int().optional(),
  reason: z.string().optional(),
});
export type NetbootEtcdValue = z.infer<typeof NetbootEtcdValueSchema>;

export const NetbootEtcdPreviewSchema = z.object({
  subnet: z.string(),
  cidr: z.string(),
  datacenterUuid: z.string(),
  /**
   * Where the values were read: "responder" = the netboot config's own etcd endpoints (what
   * get-initial-config reads); "session" = one of the etcd page's sessions (sessionId, sessionName),
   * e.g. the farm's etcd through a Drover tunnel when the responder's endpoints are not reachable here.
   */
  source: z.enum(['responder', 'session']),
  sessionId: z.string().max(64).optional(),
  sessionName: z.string().max(256).optional(),
  endpoints: z.array(z.string()),
  /** The datacenter config of the subnet. */
  dc: NetbootEtcdValueSchema.optional(),
  /** The worker env of `mac`, when a MAC was given. */
  mac: z.string().optional(),
  worker: NetbootEtcdValueSchema.optional(),
  /** What get-initial-config would send that worker (dc config + worker env, worker wins). */
  merged: z.object({ text: z.string(), keyCount: z.number().int() }).optional(),
  /** Why nothing could be read (no etcd configured, the subnet is not in the running config). */
  reason: z.string().optional(),
  atMs: z.number(),
});
export type NetbootEtcdPreview = z.infer<typeof NetbootEtcdPreviewSchema>;

const Mac = z.string().min(1).max(64);

export const netbootContract = defineContract({
  /** Starts the responder on the config file (loaded again first). */
  start: method({ input: z.null(), output: NetbootFeatureStatusSchema, timeoutMs: 30_000 }),
  /** Stops it; every connection is closed and the port is free when this answers. */
  stop: method({ input: z.null(), output: NetbootFeatureStatusSchema, timeoutMs: 30_000 }),
  /** The config file's text for the editor (the sample when there is no file yet). */
  readConfig: method({ input: z.null(), output: NetbootConfigTextSchema }),
  /** Checks config text as the editor has it, problem by problem (nothing is written). */
  validateConfig: method({ input: z.object({ text: ConfigText }), output: NetbootValidationSchema }),
  /** Writes the text to the config file and reloads it: an invalid file is refused and the last good config kept (the report says why). */
  saveConfig: method({ input: z.object({ text: ConfigText }), output: NetbootSaveResultSchema }),
  /** Uses another config file ("" = netboot.json in the config dir); only while stopped. */
  setConfigPath: method({ input: z.object({ path: z.string().max(4096) }), output: NetbootFeatureStatusSchema }),
  /** The dnsmasq config for the running config's subnets. */
  dnsmasq: method({ input: NetbootDnsmasqRequestSchema, output: NetbootDnsmasqSchema }),
  /** Writes that dnsmasq config to a file (an absolute path); an existing file only with overwrite. */
  saveDnsmasq: method({
    input: NetbootDnsmasqRequestSchema.extend({ path: z.string().min(1).max(4096), overwrite: z.boolean().default(false) }),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
  }),
  /** The etcd values a subnet of the running config reads (its datacenter config; a worker's env for a MAC). */
  etcdValues: method({ input: z.object({ subnet: z.string().min(1).max(64), mac: Mac.optional(), sessionId: z.string().min(1).max(64).optional() }), output: NetbootEtcdPreviewSchema, timeoutMs: 15_000 }),
  /** One machine's whole timeline (every event kept). */
  machine: method({ input: z.object({ key: z.string().min(1).max(128) }), output: MachineTimelineSchema }),
  /** Machines (keyed by MAC or ip key), subnet counts (keyed by subnet) and the status: a snapshot, then keyed diffs. */
  live: stream({ input: z.null(), event: NetbootLiveSchema }),
});
