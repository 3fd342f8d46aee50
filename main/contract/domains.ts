import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorCodeSchema, ErrorDataSchema } from './errors';
import { liveUpdateSchema, SourceHealthSchema, type LiveDataOf } from './live';
import { HopSchema } from './ssh';

/**
 * libvirt/KVM domains over SSH (virsh on the KVM host): host configs, the rows of the live table,
 * details, actions, and the `domains` contract. Names and numbers of states and reasons are
 * libvirt's (virDomainState and the per-state reason enums, as virsh prints them).
 */

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);

/** A libvirt connection URI as virsh -c takes it: qemu:///system, qemu+ssh://…, test:///default. */
export const LibvirtUriSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]*$/, 'a libvirt URI such as qemu:///system');

/** One KVM host: reached over SSH (target through jumps), virsh runs there against `uri`. */
export const DomainHostConfigSchema = z.object({
  id: Id,
  name: z.string().min(1).max(128),
  target: HopSchema,
  /** ProxyJump chain, first hop first. */
  jumps: z.array(HopSchema).max(8).default([]),
  uri: LibvirtUriSchema.default('qemu:///system'),
  /** Seconds between the end of one listing round and the start of the next. */
  pollIntervalSec: z.number().int().min(1).max(3600).default(5),
});
export type DomainHostConfig = z.infer<typeof DomainHostConfigSchema>;
export type DomainHostConfigInput = z.input<typeof DomainHostConfigSchema>;

/** virDomainState: the index is the state code. */
export const DOMAIN_STATE_NAMES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'] as const;
export const DomainStateNameSchema = z.enum(DOMAIN_STATE_NAMES);
export type DomainStateName = z.infer<typeof DomainStateNameSchema>;
export const DomainStateCodeSchema = z.number().int().min(0).max(DOMAIN_STATE_NAMES.length - 1);

/** The reasons virsh prints for each state (`domstate --reason`); the index is the reason code. */
export const DOMAIN_STATE_REASONS: Readonly<Record<DomainStateName, readonly string[]>> = {
  'no state': ['unknown'],
  running: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'migration canceled', 'save canceled', 'event wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  idle: ['unknown'],
  paused: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog', 'from snapshot', 'shutting down', 'creating snapshot', 'crashed', 'starting up', 'post-copy', 'post-copy failed', 'api error'],
  'in shutdown': ['unknown', 'user'],
  'shut off': ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  crashed: ['unknown', 'panicked'],
  pmsuspended: ['unknown'],
};

/** virsh's name for a state code; unknown codes are "no state", as virsh prints them. */
export function domainStateName(code: number): DomainStateName {
  return DOMAIN_STATE_NAMES[code] ?? 'no state';
}

/** The code of a state name as virsh prints it, or undefined. */
export function domainStateCode(name: string): number | undefined {
  const i = (DOMAIN_STATE_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i;
}

/** virsh's text for a reason code of a state; codes virsh does not know print as "unknown". */
export function domainStateReason(stateCode: number, reasonCode: number): string {
  return DOMAIN_STATE_REASONS[domainStateName(stateCode)][reasonCode] ?? 'unknown';
}

/** The reason code of a reason text for a state, or undefined. */
export function domainStateReasonCode(stateCode: number, reason: string): number | undefined {
  const i = DOMAIN_STATE_REASONS[domainStateName(stateCode)].indexOf(reason);
  return i < 0 ? undefined : i;
}

/** Active states: the domain has an id and a process (virsh lists it without --all). */
export function isActiveState(code: number): boolean {
  return code !== 5 && code !== 0;
}

export const DomainUuidSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

const Count = z.number().int().min(0);
const Rate = z.number().min(0).nullable();

/** One domain on one host, keyed by uuid (stable across renames, restarts and reordering). */
export const DomainRowSchema = z.object({
  uuid: DomainUuidSchema,
  hostId: Id,
  name: z.string().max(1024),
  /** Hypervisor id while active; null when shut off. */
  id: Count.nullable(),
  state: DomainStateNameSchema,
  stateCode: DomainStateCodeSchema,
  /** virsh's reason text ("booted", "user", "destroyed"…); null when not known. */
  reason: z.string().max(64).nullable(),
  reasonCode: Count.nullable(),
  vcpus: Count.nullable(),
  vcpusMax: Count.nullable(),
  /** Current balloon size and the maximum, KiB. */
  memoryKiB: Count.nullable(),
  memoryMaxKiB: Count.nullable(),
  autostart: z.boolean().nullable(),
  persistent: z.boolean().nullable(),
  /** A managed-save image exists (virsh list --managed-save shows such a shut-off domain as "saved"). */
  managedSave: z.boolean().nullable(),
  /**
   * CPU use between the last two rounds as a share of the domain's vCPUs (0–100; 100 = every vCPU
   * busy), from the delta of cpu.time. Null on the first round, after a restart, or when inactive.
   */
  cpuPercent: z.number().min(0).max(100).nullable(),
  /** Memory the guest uses (balloon available − usable, or current − unused), KiB; needs a balloon driver. */
  memoryUsedKiB: Count.nullable(),
  /** Resident size of the domain's process on the host, KiB. */
  memoryRssKiB: Count.nullable(),
  /** Sums over all disks / interfaces, bytes per second between the last two rounds. */
  diskReadBytesPerSec: Rate,
  diskWriteBytesPerSec: Rate,
  netRxBytesPerSec: Rate,
  netTxBytesPerSec: Rate,
  /**
   * When Drover saw it start (wall ms, accurate to one polling interval); null when it was
   * already running when first seen, or is not running.
   */
  runningSinceMs: z.number().nullable(),
});
export type DomainRow = z.infer<typeof DomainRowSchema>;

/** Something that could not be read, with virsh's own text where there is one. */
export const DomainProblemSchema = z.object({
  hostId: Id,
  /** uuid or name of the domain concerned; null for the host as a whole. */
  domain: z.string().max(1024).nullable(),
  code: ErrorCodeSchema.nullable(),
  message: z.string().max(8192),
  /** The unparsed text, shortened. */
  raw: z.string().max(4096).optional(),
});
export type DomainProblem = z.infer<typeof DomainProblemSchema>;

export const DomainInfoSchema = z.object({
  id: Count.nullable(),
  name: z.string(),
  uuid: z.string(),
  osType: z.string().nullable(),
  state: DomainStateNameSchema.nullable(),
  vcpus: Count.nullable(),
  /** Seconds, 0.1 s resolution; null when virsh omits it (inactive). */
  cpuTimeSec: z.number().nullable(),
  /** Null for "no limit" or absent. */
  maxMemoryKiB: Count.nullable(),
  usedMemoryKiB: Count.nullable(),
  persistent: z.boolean().nullable(),
  autostart: z.boolean().nullable(),
  managedSave: z.boolean().nullable(),
  securityModel: z.string().nullable(),
  securityDoi: z.string().nullable(),
  securityLabel: z.string().nullable(),
  messages: z.array(z.string()),
  /** Lines with labels this version does not know, label → value. */
  extra: z.record(z.string(), z.string()),
});
export type DomainInfo = z.infer<typeof DomainInfoSchema>;

export const VcpuInfoSchema = z.object({
  vcpu: Count,
  /** Host CPU it runs on now; null for N/A (inactive). */
  cpu: Count.nullable(),
  /** "running", "blocked", "offline"; null for N/A. */
  state: z.string().nullable(),
  cpuTimeSec: z.number().nullable(),
  /** Host CPUs it may run on, e.g. [8,9,10,11,12,13]; null when not given. */
  affinity: z.array(Count).nullable(),
  /** Host CPU count from the affinity map or "(out of N)". */
  hostCpus: Count.nullable(),
});
export type VcpuInfo = z.infer<typeof VcpuInfoSchema>;

export const BlockDeviceSchema = z.object({
  target: z.string(),
  source: z.string().nullable(),
  type: z.string().nullable(),
  device: z.string().nullable(),
  /** Counters by virsh's names (rd_req, rd_bytes, wr_req, wr_bytes, flush_operations, errs, …). */
  stats: z.record(z.string(), z.number()).nullable(),
});
export type BlockDevice = z.infer<typeof BlockDeviceSchema>;

export const InterfaceDeviceSchema = z.object({
  /** Host-side device (vnet0); null ("-") when the domain is off. */
  name: z.string().nullable(),
  type: z.string().nullable(),
  source: z.string().nullable(),
  model: z.string().nullable(),
  mac: z.string().nullable(),
  /** rx_bytes, rx_packets, rx_errs, rx_drop, tx_* */
  stats: z.record(z.string(), z.number()).nullable(),
});
export type InterfaceDevice = z.infer<typeof InterfaceDeviceSchema>;

export const SnapshotSchema = z.object({
  name: z.string(),
  /** As virsh prints it: "2026-12-03 10:34:51 +0000". */
  creationTime: z.string().nullable(),
  createdAtMs: z.number().nullable(),
  /** Snapshot state: running, paused, shutoff, disk-snapshot, … */
  state: z.string().nullable(),
  parent: z.string().nullable(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** Everything about one domain, read on demand (not polled). */
export const DomainDetailsSchema = z.object({
  hostId: Id,
  uuid: DomainUuidSchema,
  info: DomainInfoSchema.nullable(),
  /** dommemstat: tag → value (KiB except counters and last_update); null when inactive. */
  memoryStats: z.record(z.string(), z.number()).nullable(),
  vcpus: z.array(VcpuInfoSchema),
  blockDevices: z.array(BlockDeviceSchema),
  interfaces: z.array(InterfaceDeviceSchema),
  snapshots: z.array(SnapshotSchema),
  problems: z.array(DomainProblemSchema),
});
export type DomainDetails = z.infer<typeof DomainDetailsSchema>;

export const DOMAIN_ACTIONS = [
  'start',
  'shutdown',
  'reboot',
  'reset',
  'suspend',
  'resume',
  'destroy',
  'autostart-enable',
  'autostart-disable',
  'managedsave',
  'managedsave-remove',
  'snapshot-create',
  'snapshot-revert',
  'snapshot-delete',
  'save',
  'restore',
  'migrate',
] as const;
export const DomainActionSchema = z.enum(DOMAIN_ACTIONS);
export type DomainAction = z.infer<typeof DomainActionSchema>;

/** Actions that lose guest state or stop a guest hard: the UI names the target and asks first. */
export const DESTRUCTIVE_DOMAIN_ACTIONS: readonly DomainAction[] = ['destroy', 'reset', 'snapshot-revert', 'snapshot-delete', 'managedsave-remove', 'restore', 'migrate'];

const SnapshotName = z.string().min(1).max(255).regex(/^[^\n\r/]+$/, 'a snapshot name without "/" or line breaks');
/** A path on the KVM host (virsh save / restore): absolute, no line breaks. */
const HostPath = z.string().min(2).max(4096).regex(/^\/[^\n\r\0]*$/, 'an absolute path on the KVM host');

/** One action with its options; `action` picks the shape. */
export const DomainActionRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), forceBoot: z.boolean().optional() }),
  z.object({ action: z.literal('shutdown'), mode: z.enum(['acpi', 'agent', 'initctl', 'signal', 'paravirt']).optional() }),
  z.object({ action: z.literal('reboot'), mode: z.enum(['acpi', 'agent', 'initctl', 'signal', 'paravirt']).optional() }),
  z.object({ action: z.literal('reset') }),
  z.object({ action: z.literal('suspend') }),
  z.object({ action: z.literal('resume') }),
  z.object({ action: z.literal('destroy'), graceful: z.boolean().optional() }),
  z.object({ action: z.literal('autostart-enable') }),
  z.object({ action: z.literal('autostart-disable') }),
  z.object({ action: z.literal('managedsave'), running: z.boolean().optional(), paused: z.boolean().optional() }),
  z.object({ action: z.literal('managedsave-remove') }),
  z.object({ action: z.literal('snapshot-create'), name: SnapshotName, description: z.string().max(4096).optional(), atomic: z.boolean().optional() }),
  z.object({ action: z.literal('snapshot-revert'), name: SnapshotName, running: z.boolean().optional(), paused: z.boolean().optional() }),
  z.object({ action: z.literal('snapshot-delete'), name: SnapshotName }),
  z.object({ action: z.literal('save'), file: HostPath, running: z.boolean().optional(), paused: z.boolean().optional() }),
  /** Restores a domain from a save file; the domain argument only labels the result. */
  z.object({ action: z.literal('restore'), file: HostPath, running: z.boolean().optional(), paused: z.boolean().optional() }),
  z.object({
    action: z.literal('migrate'),
    destUri: LibvirtUriSchema,
    live: z.boolean().default(true),
    persistent: z.boolean().optional(),
    undefineSource: z.boolean().optional(),
  }),
]);
export type DomainActionRequest = z.infer<typeof DomainActionRequestSchema>;
export type DomainActionRequestInput = z.input<typeof DomainActionRequestSchema>;
/** The options of one action (the request without its `action`). */
export type DomainActionOptions<A extends DomainAction> = Omit<Extract<DomainActionRequestInput, { action: A }>, 'action'>;

/** What one action on one domain did: virsh's own output, or its error with virsh's text. */
export const DomainActionResultSchema = z.object({
  /** uuid or name, as the action was given. */
  domain: z.string().max(1024),
  /** DomainHostConfig id. */
  host: z.string().max(256),
  ok: z.boolean(),
  output: z.string().max(65_536),
  error: ErrorDataSchema.nullable(),
});
export type DomainActionResult = z.infer<typeof DomainActionResultSchema>;

// ---- the live table: hosts and their domains ------------------------------------------------

/** The key of a domain in the live `domains` collection: `<hostId>/<uuid>` (neither contains "/"). */
export function domainKey(hostId: string, uuid: string): string {
  return `${hostId}/${uuid}`;
}

/** The host id and uuid of a `domains` key, or null when it is not one. */
export function splitDomainKey(key: string): { hostId: string; uuid: string } | null {
  const at = key.indexOf('/');
  if (at <= 0 || at === key.length - 1) return null;
  return { hostId: key.slice(0, at), uuid: key.slice(at + 1) };
}

/**
 * Where a host's data currently fails: reaching it over SSH (or a jump host), an unknown host key
 * waiting for a person, no answer in time, or libvirt on the host (virsh's own error: libvirtd
 * not running, permission denied, virsh missing).
 */
export const HostFailureSchema = z.enum(['ssh', 'hostkey', 'timeout', 'libvirt']);
export type HostFailure = z.infer<typeof HostFailureSchema>;

/** One configured host as the live stream shows it: its config, its own source health and the last round. */
export const DomainHostStatusSchema = z.object({
  config: DomainHostConfigSchema,
  /** "user@jump:22 > user@host:22". */
  route: z.string(),
  /** This host's own state, cause and data age (the stream's health is Drover's own). */
  health: SourceHealthSchema,
  failure: HostFailureSchema.nullable(),
  /** What the last round could not read although the host answered (bounded). */
  problems: z.array(DomainProblemSchema).max(50),
  /** Domains in the last successful round; null before the first one. */
  domainCount: z.number().int().min(0).nullable(),
  /** Duration of the last round and the remote commands it ran. */
  roundMs: z.number().min(0).nullable(),
  calls: z.number().int().min(0).nullable(),
});
export type DomainHostStatus = z.infer<typeof DomainHostStatusSchema>;

/** domains.live: `hosts` keyed by host id, `domains` keyed by domainKey(hostId, uuid). */
export const DOMAIN_LIVE_COLLECTIONS = {
  hosts: DomainHostStatusSchema,
  domains: DomainRowSchema,
};
export const DomainLiveSchema = liveUpdateSchema(DOMAIN_LIVE_COLLECTIONS);
export type DomainLiveData = LiveDataOf<typeof DOMAIN_LIVE_COLLECTIONS>;

// ---- migration --------------------------------------------------------------------------------

/**
 * The libvirt URI the *source* host's virsh uses to reach another configured host, for
 * `virsh migrate --live DOMAIN URI`: `<driver>+ssh://<user>@<host>[:<port>]<path>[?<query>]`,
 * built from the target host's SSH login (as Drover has it) and its libvirt URI (driver, path
 * and query: qemu:///system → qemu+ssh://root@kvm-b/system).
 *
 * Assumed: the source host reaches the target directly under the same host name, port and user
 * that Drover uses (no jump hosts: libvirt's ssh transport has no ProxyJump, so a target behind
 * jumps needs an entry in the source host's ~/.ssh/config), and the source's libvirt can log in
 * there with its own keys. The dialog lets the person edit the URI when that is not so.
 */
export function migrationUri(target: { target: { user: string; host: string; port: number }; uri: string }): string {
  const m = /^([A-Za-z][A-Za-z0-9.-]*)(?:\+[A-Za-z0-9.-]+)?:\/\/[^/?#]*(\/[^?#]*)?(\?[^#]*)?/.exec(target.uri);
  const driver = m?.[1] ?? 'qemu';
  const pathPart = m?.[2] && m[2] !== '/' ? m[2] : '/system';
  const query = m?.[3] ?? '';
  const h = target.target.host;
  const host = h.includes(':') ? `[${h}]` : h;
  const port = target.target.port === 22 ? '' : `:${target.target.port}`;
  return `${driver}+ssh://${target.target.user}@${host}${port}${pathPart}${query}`;
}

// ---- the contract -----------------------------------------------------------------------------

const HostId = Id;
/** A domain as an action names it: its uuid (what the UI sends), or its name. */
const DomainRef = z.string().min(1).max(1024);

/** A host as the form saves it: without an id for a new host (the service picks one). */
export const DomainHostSaveSchema = DomainHostConfigSchema.extend({ id: Id.optional() });
export type DomainHostSave = z.input<typeof DomainHostSaveSchema>;

export const DomainBulkEventSchema = z.object({
  /** The target's position in the request. */
  index: z.number().int().min(0),
  result: DomainActionResultSchema,
});
export type DomainBulkEvent = z.infer<typeof DomainBulkEventSchema>;

/** What the terminal needs to run `virsh console` on the host in a pty. */
export const DomainConsoleTargetSchema = z.object({
  target: HopSchema,
  jumps: z.array(HopSchema),
  /** The argv to run instead of a login shell (env LC_ALL=C.UTF-8 LANGUAGE= virsh -c URI console -- UUID). */
  command: z.array(z.string()).min(1),
});
export type DomainConsoleTarget = z.infer<typeof DomainConsoleTargetSchema>;

export const domainsContract = defineContract({
  /** Every host's health and every domain, snapshot then keyed diffs. */
  live: stream({ input: z.null(), event: DomainLiveSchema }),
  listHosts: method({ input: z.null(), output: z.array(DomainHostConfigSchema) }),
  /** Creates (no id) or replaces a host; its poller restarts with the new settings. */
  saveHost: method({ input: DomainHostSaveSchema, output: DomainHostConfigSchema }),
  removeHost: method({ input: z.object({ id: HostId }), output: z.null() }),
  /** Polls now (one host, or every host). */
  refresh: method({ input: z.object({ hostId: HostId.optional() }), output: z.null() }),
  /** Forgets the SSH backoff (or a refused host key) and polls now. */
  retryHost: method({ input: z.object({ id: HostId }), output: z.null() }),
  /** One action on one domain; virsh's own output or error text comes back. */
  act: method({
    input: z.object({ hostId: HostId, domain: DomainRef, request: DomainActionRequestSchema }),
    output: DomainActionResultSchema,
    // save, restore and migrate run as long as the guest's memory takes to copy.
    timeoutMs: 35 * 60_000,
  }),
  /** One action on many domains: one event per domain as each ends, then the stream ends. */
  bulk: stream({
    input: z.object({ request: DomainActionRequestSchema, targets: z.array(z.object({ hostId: HostId, domain: DomainRef })).min(1).max(2000) }),
    event: DomainBulkEventSchema,
  }),
  /** dominfo, dommemstat, vcpuinfo, disks and interfaces with counters, snapshots. */
  details: method({ input: z.object({ hostId: HostId, uuid: DomainUuidSchema }), output: DomainDetailsSchema, timeoutMs: 90_000 }),
  /** The terminal target for `virsh console` of one domain. */
  consoleTarget: method({ input: z.object({ hostId: HostId, uuid: DomainUuidSchema, force: z.boolean().optional() }), output: DomainConsoleTargetSchema }),
});
