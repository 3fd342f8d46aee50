import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { liveUpdateSchema, SourceHealthSchema, type LiveDataOf } from './live';
import { SecretIdSchema } from './secrets';

/**
 * The etcd feature: its data shapes and its contract (etcdContract, at the end). Keys and values are bytes: they cross the transport as
 * base64, with a display form beside them. Revisions are etcd's int64 revisions as JS numbers
 * (safe up to 2^53, far beyond any real cluster); member and lease ids are uint64/int64 and stay
 * decimal strings.
 */

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);

/** Standard base64 (with padding) of raw bytes. 8 Mi chars holds a 6 MiB value, beyond etcd's default 1.5 MiB request limit. */
export const Base64Schema = z
  .string()
  .max(8 * 1024 * 1024)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'base64');
export type Base64 = z.infer<typeof Base64Schema>;

export const RevisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A uint64/int64 id (member, lease, cluster) in decimal. */
export const EtcdIdSchema = z.string().regex(/^-?[0-9]{1,20}$/, 'a decimal id');

/** "http://127.0.0.1:2379", "https://etcd-1:2379" or bare "host:port" (the scheme then follows the TLS setting). */
export const EtcdEndpointSchema = z
  .string()
  .min(3)
  .max(300)
  .regex(/^(?:https?:\/\/)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}$/, 'host:port, optionally with http:// or https://');

export const EtcdTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), endpoints: z.array(EtcdEndpointSchema).min(1).max(16) }),
  /** Through a Drover tunnel's local forward (e.g. the farm's -L 127.0.0.1:2379:…:2379). */
  z.object({ kind: z.literal('tunnel'), tunnelId: Id, forwardId: Id }),
]);
export type EtcdTarget = z.infer<typeof EtcdTargetSchema>;

const FilePath = z.string().min(1).max(4096);

export const EtcdTlsSchema = z.object({
  /** PEM CA bundle that signed the server certificate; absent uses the system roots. */
  caFile: FilePath.optional(),
  /** PEM client certificate and key, for clusters started with --client-cert-auth. Both or neither. */
  certFile: FilePath.optional(),
  keyFile: FilePath.optional(),
  /** The name to verify in the server certificate when it differs from the host dialled (a tunnel's 127.0.0.1). */
  serverName: z.string().min(1).max(253).optional(),
});
export type EtcdTls = z.infer<typeof EtcdTlsSchema>;

/**
 * Key patterns of the farm views, in the netboot responder's syntax: {uuid}, {mac} (lower-case
 * colons), {macHyphen}, {macBare}, {macUpper}. The netboot config's etcdKeys use the same.
 */
export const FarmKeysSchema = z.object({
  /** e.g. "/farm/workers/{mac}/env": the worker environment, one key per MAC. */
  workerEnvKey: z.string().min(3).max(512),
  /** e.g. "/farm/dc/{uuid}/config": the datacenter config, one key per datacenter UUID. */
  dcConfigKey: z.string().min(3).max(512),
});
export type FarmKeys = z.infer<typeof FarmKeysSchema>;
export const DEFAULT_FARM_KEYS: FarmKeys = { workerEnvKey: '/farm/workers/{mac}/env', dcConfigKey: '/farm/dc/{uuid}/config' };

export const EtcdSessionConfigSchema = z
  .object({
    id: Id,
    name: z.string().min(1).max(128),
    target: EtcdTargetSchema,
    tls: EtcdTlsSchema.optional(),
    auth: z.object({ username: z.string().min(1).max(256), passwordSecretId: SecretIdSchema }).optional(),
    dialTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    /** Where the farm keeps its configuration in this etcd (the farm views); absent: the defaults below. */
    farm: FarmKeysSchema.optional(),
  })
  .refine((c) => (c.tls?.certFile === undefined) === (c.tls?.keyFile === undefined), {
    message: 'a client certificate needs its key (certFile and keyFile together)',
    path: ['tls'],
  });
export type EtcdSessionConfig = z.infer<typeof EtcdSessionConfigSchema>;
export type EtcdSessionConfigInput = z.input<typeof EtcdSessionConfigSchema>;

export const EtcdMemberSchema = z.object({
  id: EtcdIdSchema,
  /** As etcdctl prints it (member list, endpoint status). */
  idHex: z.string(),
  name: z.string(),
  peerUrls: z.array(z.string()),
  clientUrls: z.array(z.string()),
  isLearner: z.boolean(),
  isLeader: z.boolean(),
});
export type EtcdMember = z.infer<typeof EtcdMemberSchema>;

export const EtcdAlarmSchema = z.object({
  memberId: EtcdIdSchema,
  /** NOSPACE (quota exceeded: the cluster refuses writes until defrag + disarm), CORRUPT, … */
  alarm: z.string(),
});

export const ClusterStatusSchema = z.object({
  /** The endpoint that answered. */
  endpoint: z.string(),
  clusterId: EtcdIdSchema,
  memberId: EtcdIdSchema,
  leaderId: EtcdIdSchema,
  version: z.string(),
  dbSizeBytes: z.number(),
  dbSizeInUseBytes: z.number(),
  raftIndex: z.number(),
  raftAppliedIndex: z.number(),
  raftTerm: z.number(),
  /** The store's current revision. */
  revision: RevisionSchema,
  members: z.array(EtcdMemberSchema),
  alarms: z.array(EtcdAlarmSchema),
  /** Status errors reported by the member (alarms, health). */
  errors: z.array(z.string()),
  atMs: z.number(),
});
export type ClusterStatus = z.infer<typeof ClusterStatusSchema>;

/** A key with its metadata; valueSize is null when the key came from a keys-only range (etcd does not report sizes without values). */
export const KeyEntrySchema = z.object({
  key: Base64Schema,
  /** The key as text when it is UTF-8, else with \xHH escapes (and \\ for a backslash). */
  keyDisplay: z.string(),
  keyUtf8: z.boolean(),
  createRevision: RevisionSchema,
  modRevision: RevisionSchema,
  version: z.number().int().min(0),
  /** Lease id in decimal; "0" when the key has no lease. */
  lease: EtcdIdSchema,
  valueSize: z.number().int().min(0).nullable(),
});
export type KeyEntry = z.infer<typeof KeyEntrySchema>;

export const ValueKindSchema = z.enum(['json', 'text', 'binary']);
export type ValueKind = z.infer<typeof ValueKindSchema>;

export const JsonErrorSchema = z.object({
  message: z.string(),
  /** 0-based offset in UTF-16 code units of the decoded text. */
  offset: z.number().int().min(0),
  /** 1-based line and column (column counted in UTF-16 code units). */
  line: z.number().int().min(1),
  column: z.number().int().min(1),
});
export type JsonError = z.infer<typeof JsonErrorSchema>;

export const ValueReprSchema = z.object({
  base64: Base64Schema,
  sizeBytes: z.number().int().min(0),
  kind: ValueKindSchema,
  /** Pretty JSON (numbers and strings kept exactly as written), the text, or a hex dump. */
  display: z.string(),
  displayTruncated: z.boolean(),
  /** Set when the value looks like JSON ({ or [) but does not parse. */
  jsonError: JsonErrorSchema.optional(),
});
export type ValueRepr = z.infer<typeof ValueReprSchema>;

/** A key with its value as raw bytes: the form events, backups and conflicts carry. */
export const EtcdKvSchema = KeyEntrySchema.extend({ value: Base64Schema });
export type EtcdKv = z.infer<typeof EtcdKvSchema>;

export const KeyPageSchema = z.object({
  entries: z.array(KeyEntrySchema),
  /** Opaque; pass back to get the next page. Null at the end. */
  nextCursor: z.string().nullable(),
  more: z.boolean(),
  /** The store revision the page was read at (pages of one walk share it until a compaction forces a newer one). */
  revision: RevisionSchema,
});
export type KeyPage = z.infer<typeof KeyPageSchema>;

export const ValuePageSchema = z.object({
  entries: z.array(z.object({ entry: KeyEntrySchema, value: ValueReprSchema })),
  nextCursor: z.string().nullable(),
  more: z.boolean(),
  revision: RevisionSchema,
  /** Value bytes in this page (bounded by the byte budget asked for, except a single value larger than it). */
  bytes: z.number().int().min(0),
});
export type ValuePage = z.infer<typeof ValuePageSchema>;

export const TreeNodeSchema = z.object({
  /** The '/'-separated segment under the parent, without the '/', for display. */
  segment: z.string(),
  /** Leaves: the full key. Directories: the full prefix including the trailing '/'. Base64. */
  prefix: Base64Schema,
  prefixDisplay: z.string(),
  isLeaf: z.boolean(),
  /** Keys under a directory, when asked for (one count-only range per directory, batched); null otherwise. */
  childCount: z.number().int().min(0).nullable(),
  /** A leaf's key entry (keys-only: valueSize is null). */
  entry: KeyEntrySchema.optional(),
});
export type TreeNode = z.infer<typeof TreeNodeSchema>;

export const TreePageSchema = z.object({
  parent: Base64Schema,
  parentDisplay: z.string(),
  nodes: z.array(TreeNodeSchema),
  nextCursor: z.string().nullable(),
  more: z.boolean(),
  revision: RevisionSchema,
});
export type TreePage = z.infer<typeof TreePageSchema>;

export const WatchEventSchema = z.object({
  type: z.enum(['put', 'delete']),
  /** The revision of the change (= kv.modRevision; a delete's kv carries only key and revision). */
  revision: RevisionSchema,
  kv: EtcdKvSchema,
  /** The key before the change, when the watch asked for it and history still had it. */
  prevKv: EtcdKvSchema.nullable(),
});
export type WatchEvent = z.infer<typeof WatchEventSchema>;

export const WatchConnectionStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('connecting'), attempt: z.number().int() }),
  z.object({ state: z.literal('live'), sinceMs: z.number(), nextRevision: RevisionSchema }),
  z.object({
    state: z.literal('reconnecting'),
    attempt: z.number().int(),
    retryAtMs: z.number(),
    nextRevision: RevisionSchema,
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  /** etcd compacted past the resume point: events are gone; reload a snapshot and watch again from its revision + 1. */
  z.object({ state: z.literal('resync-needed'), compactRevision: RevisionSchema, nextRevision: RevisionSchema }),
  z.object({ state: z.literal('stopped') }),
]);
export type WatchConnectionState = z.infer<typeof WatchConnectionStateSchema>;

/** One backed-up key. Text (key/value) when the bytes are UTF-8, else base64 (keyBase64/valueBase64). */
export const BackupEntrySchema = z
  .object({
    key: z.string().optional(),
    keyBase64: Base64Schema.optional(),
    value: z.string().optional(),
    valueBase64: Base64Schema.optional(),
    createRevision: RevisionSchema,
    modRevision: RevisionSchema,
    version: z.number().int().min(0),
    lease: EtcdIdSchema,
  })
  .refine((e) => (e.key === undefined) !== (e.keyBase64 === undefined), { message: 'exactly one of key and keyBase64' })
  .refine((e) => (e.value === undefined) !== (e.valueBase64 === undefined), { message: 'exactly one of value and valueBase64' });
export type BackupEntry = z.infer<typeof BackupEntrySchema>;

export const BACKUP_FORMAT = 'drover-etcd-backup';
export const BACKUP_FORMAT_VERSION = 1;

export const BackupFileSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  /** Why it was written. */
  reason: z.enum(['delete-prefix', 'export']),
  endpoint: z.string(),
  clusterId: EtcdIdSchema.optional(),
  /** The prefix, as text or base64 like the entries. */
  prefix: z.string().optional(),
  prefixBase64: Base64Schema.optional(),
  /** Every entry was read at this store revision. */
  revision: RevisionSchema,
  createdAt: z.string(),
  count: z.number().int().min(0),
  entries: z.array(BackupEntrySchema),
});
export type BackupFile = z.infer<typeof BackupFileSchema>;

/** A write that did not happen because the key is not what the writer last saw. */
export const ConflictInfoSchema = z.object({
  key: Base64Schema,
  keyDisplay: z.string(),
  /** What the writer based its change on: the mod revision it saw (0 = it expected no key). */
  expectedModRevision: RevisionSchema,
  /** The key as it is now; null when it no longer exists. */
  current: EtcdKvSchema.nullable(),
  /** The value the writer wanted to store (absent for deletes). */
  proposed: Base64Schema.optional(),
});
export type ConflictInfo = z.infer<typeof ConflictInfoSchema>;

export const LeaseInfoSchema = z.object({
  id: EtcdIdSchema,
  /** As etcdctl prints lease ids. */
  idHex: z.string(),
  /** Remaining seconds; -1 when the lease has expired or does not exist. */
  ttlSec: z.number().int(),
  grantedTtlSec: z.number().int(),
  keys: z.array(z.object({ key: Base64Schema, keyDisplay: z.string(), keyUtf8: z.boolean() })),
});
export type LeaseInfo = z.infer<typeof LeaseInfoSchema>;

// ---------------------------------------------------------------- the contract

const SessionId = Id;
/** A key: raw bytes as base64, never empty (etcd refuses an empty key). */
const KeySchema = Base64Schema.min(1, 'an etcd key cannot be empty');
/** A prefix: raw bytes as base64; empty means every key. */
const PrefixSchema = Base64Schema;
const CursorSchema = z.string().max(4096).nullable().optional();
/** An absolute path on the machine that runs Drover's services (backups, exports); relative paths are taken under the backup folder. */
export const ServicePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character');

/** A key with its value as the UI shows it. */
export const KeyValueSchema = z.object({ entry: KeyEntrySchema, value: ValueReprSchema });
export type KeyValue = z.infer<typeof KeyValueSchema>;

/** The outcome of a compare-and-swap write: done at a revision, or a conflict with what is there now. */
export const EditResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), revision: RevisionSchema }),
  z.object({ ok: z.literal(false), conflict: ConflictInfoSchema }),
]);
export type EditResultData = z.infer<typeof EditResultSchema>;

/** How a JSON value is written: as typed, or compacted (no whitespace between tokens; strings and numbers kept exactly). */
export const JsonStyleSchema = z.enum(['as-typed', 'compact']);
export type JsonStyle = z.infer<typeof JsonStyleSchema>;

const WriteOptions = {
  /** Refuse unless the value is valid JSON (INVALID_INPUT, details.json = the position). */
  requireJson: z.boolean().optional(),
  /** With requireJson: write the JSON compacted (the style the value had, when it had no line breaks). */
  jsonStyle: JsonStyleSchema.optional(),
};

export const DeletePlanSchema = z.object({
  prefix: PrefixSchema,
  prefixDisplay: z.string(),
  count: z.number().int().min(0),
  revision: RevisionSchema,
  /** Exactly what the user types to confirm. */
  confirmationText: z.string(),
  /** Where the backup goes unless the user picks another file (on the service's machine). */
  backupFile: z.string(),
});
export type DeletePlan = z.infer<typeof DeletePlanSchema>;

export const DeletePrefixResultSchema = z.object({
  deleted: z.number().int().min(0),
  revision: RevisionSchema,
  backupFile: z.string(),
  backupRevision: RevisionSchema,
  backupCount: z.number().int().min(0),
});
export type DeletePrefixResultData = z.infer<typeof DeletePrefixResultSchema>;

export const RestoreResultSchema = z.object({
  file: z.string(),
  /** Keys written back (they did not exist). */
  restored: z.number().int().min(0),
  /** Keys that already hold the file's value. */
  unchanged: z.number().int().min(0),
  /** Keys that exist with another value: shown, never overwritten. */
  conflictCount: z.number().int().min(0),
  conflicts: z.array(ConflictInfoSchema),
});
export type RestoreResultData = z.infer<typeof RestoreResultSchema>;

/** What a backup or export file holds, before restoring it. */
export const BackupSummarySchema = z.object({
  file: z.string(),
  reason: z.enum(['delete-prefix', 'export']),
  endpoint: z.string(),
  clusterId: EtcdIdSchema.optional(),
  prefix: PrefixSchema,
  prefixDisplay: z.string(),
  revision: RevisionSchema,
  createdAt: z.string(),
  count: z.number().int().min(0),
  sizeBytes: z.number().int().min(0),
});
export type BackupSummary = z.infer<typeof BackupSummarySchema>;

export const ExportResultSchema = z.object({ file: z.string(), count: z.number().int().min(0), revision: RevisionSchema });

export const HistoryEntrySchema = z.object({ entry: KeyEntrySchema, value: ValueReprSchema });
export const HistoryPageSchema = z.object({
  /** Newest first. */
  entries: z.array(HistoryEntrySchema),
  /** fromRevision for the next, older page; null when the walk ended. */
  next: RevisionSchema.nullable(),
  /** Why it ended: the key's creation, etcd's compaction point, or no such key at that revision. */
  end: z.enum(['created', 'compacted', 'absent']).nullable(),
});
export type HistoryPageData = z.infer<typeof HistoryPageSchema>;

export const LeaseDetailSchema = LeaseInfoSchema.extend({ keysTruncated: z.boolean() });
export type LeaseDetail = z.infer<typeof LeaseDetailSchema>;

export const EnvProblemSchema = z.object({ line: z.number().int().min(0), message: z.string() });
export type EnvProblemData = z.infer<typeof EnvProblemSchema>;

export const FarmTableKindSchema = z.enum(['worker', 'datacenter']);
export type FarmTableKind = z.infer<typeof FarmTableKindSchema>;

export const EnvRowSchema = z.object({
  /** The MAC or UUID as written in the key. */
  id: z.string(),
  /** Lower-case colon MAC or lower-case UUID; null when the key's segment is not one. */
  normalized: z.string().nullable(),
  entry: KeyEntrySchema,
  /** The value as text (empty when it is not UTF-8). */
  text: z.string(),
  env: z.array(z.object({ key: z.string(), value: z.string() })),
  /** Env syntax problems by line (1-based), problems with the key itself on line 0. */
  problems: z.array(EnvProblemSchema),
});
export type EnvRow = z.infer<typeof EnvRowSchema>;

export const EnvTablePageSchema = z.object({
  kind: FarmTableKindSchema,
  /** The key pattern the table reads, e.g. /farm/workers/{mac}/env. */
  pattern: z.string(),
  rows: z.array(EnvRowSchema),
  /** Keys under the pattern's prefix that do not fit it (other data). */
  skipped: z.number().int().min(0),
  more: z.boolean(),
  /** Pass back as `after` for the next page. */
  lastKey: Base64Schema.nullable(),
  revision: RevisionSchema,
});
export type EnvTablePage = z.infer<typeof EnvTablePageSchema>;

export const EnvCheckSchema = z.object({
  /** The key the value goes to (the MAC or UUID in the pattern's form). */
  key: Base64Schema.nullable(),
  keyDisplay: z.string().nullable(),
  normalized: z.string().nullable(),
  problems: z.array(EnvProblemSchema),
  env: z.array(z.object({ key: z.string(), value: z.string() })),
});
export type EnvCheck = z.infer<typeof EnvCheckSchema>;

export const MergedEnvSchema = z.object({
  dcKey: z.string(),
  workerKey: z.string(),
  found: z.object({ datacenter: z.boolean(), worker: z.boolean() }),
  env: z.array(z.object({ key: z.string(), value: z.string() })),
  problems: z.array(z.object({ source: z.enum(['datacenter', 'worker']), problem: EnvProblemSchema })),
  /** The worker.env text netboot would serve. */
  text: z.string(),
});
export type MergedEnv = z.infer<typeof MergedEnvSchema>;

/** A saved session as the session list shows it, with its health. */
export const EtcdSessionItemSchema = z.object({
  config: EtcdSessionConfigSchema,
  /** Whether a password is in the secret store for it. */
  hasPassword: z.boolean(),
  /** A connection is open (or being opened): its health is meaningful. */
  open: z.boolean(),
  health: SourceHealthSchema,
  /** The URLs dialled (for a tunnel target: its forward's local address), once resolved. */
  endpoints: z.array(z.string()),
});
export type EtcdSessionItem = z.infer<typeof EtcdSessionItemSchema>;

export const ETCD_SESSIONS_COLLECTIONS = { sessions: EtcdSessionItemSchema };
export const EtcdSessionsLiveSchema = liveUpdateSchema(ETCD_SESSIONS_COLLECTIONS);
export type EtcdSessionsLiveData = LiveDataOf<typeof ETCD_SESSIONS_COLLECTIONS>;

/** etcd.statusLive: one item, "status", refreshed every few seconds. */
export const ETCD_STATUS_COLLECTIONS = { cluster: ClusterStatusSchema };
export const EtcdStatusLiveSchema = liveUpdateSchema(ETCD_STATUS_COLLECTIONS);
export type EtcdStatusLiveData = LiveDataOf<typeof ETCD_STATUS_COLLECTIONS>;

/** The latest change of one key under the watched prefix since the watch (or its last reload) began. */
export const WatchKeyItemSchema = z.object({
  type: z.enum(['put', 'delete']),
  /** The revision of this change. */
  revision: RevisionSchema,
  /** The key after the change (for a delete: key and revision only; valueSize null). */
  entry: KeyEntrySchema,
});
export type WatchKeyItem = z.infer<typeof WatchKeyItemSchema>;

export const WatchInfoSchema = z.object({
  prefix: PrefixSchema,
  prefixDisplay: z.string(),
  /** Changes from this revision on are in `keys`; pages read at a later revision already include the older ones. */
  startRevision: RevisionSchema,
  /** The last revision delivered (startRevision - 1 before any change). */
  revision: RevisionSchema,
  /** Goes up each time the keys collection starts over: reload what is shown. */
  epoch: z.number().int().min(0),
  /** Why the last start-over happened: etcd compacted past the resume point, or too many changes to keep. */
  resync: z
    .object({
      reason: z.enum(['compacted', 'overflow']),
      /** etcd's compaction point (compacted). */
      compactRevision: RevisionSchema.optional(),
      /** Where the watch wanted to resume. */
      resumeRevision: RevisionSchema,
      atMs: z.number(),
    })
    .optional(),
  events: z.number().int().min(0),
  reconnects: z.number().int().min(0),
  /** Changes kept at most; more make a start-over (reason overflow). */
  maxKeys: z.number().int().min(1),
});
export type WatchInfo = z.infer<typeof WatchInfoSchema>;

/** etcd.watch: `keys` (latest change per key, keyed by the key's base64) and `watch` (one item, "info"). */
export const ETCD_WATCH_COLLECTIONS = { keys: WatchKeyItemSchema, watch: WatchInfoSchema };
export const EtcdWatchLiveSchema = liveUpdateSchema(ETCD_WATCH_COLLECTIONS);
export type EtcdWatchLiveData = LiveDataOf<typeof ETCD_WATCH_COLLECTIONS>;

const S = { sessionId: SessionId };
const LONG_MS = 10 * 60_000;

export const etcdContract = defineContract({
  /** Saved sessions with their health; snapshot, then keyed diffs. */
  sessions: stream({ input: z.null(), event: EtcdSessionsLiveSchema }),
  /** Creates or replaces a session (by id); a password given is stored in the secret store (never in etcd-sessions.json). */
  saveSession: method({
    input: z.object({ config: EtcdSessionConfigSchema, password: z.string().min(1).max(1024).optional(), clearPassword: z.boolean().optional() }),
    output: EtcdSessionConfigSchema,
  }),
  /** Deletes a session and its stored password. */
  removeSession: method({ input: z.object({ id: SessionId }), output: z.null() }),
  /** Connects with these settings (not saved) and returns the cluster's status. */
  testSession: method({ input: z.object({ config: EtcdSessionConfigSchema, password: z.string().min(1).max(1024).optional() }), output: ClusterStatusSchema, timeoutMs: 130_000 }),
  /** Opens the session now (or retries at once) and returns the cluster's status. */
  connect: method({ input: z.object(S), output: ClusterStatusSchema, timeoutMs: 130_000 }),
  /** Closes the session's connection (its watches end). */
  disconnect: method({ input: z.object(S), output: z.null() }),
  status: method({ input: z.object(S), output: ClusterStatusSchema }),
  /** Members, leader, version, DB size, raft index and alarms, refreshed every few seconds, with the session's health. */
  statusLive: stream({ input: z.object(S), event: EtcdStatusLiveSchema }),

  /** One page of the children of `parent` ('/'-separated segments; empty parent = the root). */
  children: method({ input: z.object({ ...S, parent: PrefixSchema, cursor: CursorSchema, limit: z.number().int().min(1).max(2000).optional() }), output: TreePageSchema }),
  /** Keys under each prefix (count-only ranges, one transaction), at one revision. */
  countPrefixes: method({
    input: z.object({ ...S, prefixes: z.array(PrefixSchema).min(1).max(100), revision: RevisionSchema.optional() }),
    output: z.object({ counts: z.array(z.number().int().min(0)), revision: RevisionSchema }),
  }),
  /** One keys-only page of the keys starting with `prefix` (search by prefix). */
  keys: method({ input: z.object({ ...S, prefix: PrefixSchema, cursor: CursorSchema, limit: z.number().int().min(1).max(5000).optional() }), output: KeyPageSchema }),
  /** One page of keys with values, bounded by value bytes. */
  values: method({
    input: z.object({ ...S, prefix: PrefixSchema, cursor: CursorSchema, budgetBytes: z.number().int().min(1).max(1024 * 1024).optional(), maxCount: z.number().int().min(1).max(1000).optional() }),
    output: ValuePageSchema,
  }),
  /** A key with its value (at a revision, or the latest); null when absent. */
  get: method({ input: z.object({ ...S, key: KeySchema, revision: RevisionSchema.optional() }), output: KeyValueSchema.nullable() }),
  /** Replaces the value if the key is still at expectedModRevision (a conflict otherwise, with the current value). */
  update: method({ input: z.object({ ...S, key: KeySchema, value: Base64Schema, expectedModRevision: RevisionSchema.min(1), ...WriteOptions }), output: EditResultSchema }),
  /** Creates a key; a conflict (with the existing key) when it already exists. */
  create: method({ input: z.object({ ...S, key: KeySchema, value: Base64Schema, ...WriteOptions }), output: EditResultSchema }),
  /** Deletes one key if it is still at expectedModRevision. */
  deleteKey: method({ input: z.object({ ...S, key: KeySchema, expectedModRevision: RevisionSchema.min(1) }), output: EditResultSchema }),

  /** How many keys a prefix delete removes, what to type, and where the backup goes. */
  planDeletePrefix: method({ input: z.object({ ...S, prefix: PrefixSchema }), output: DeletePlanSchema }),
  /** Checks the typed confirmation, writes the backup file (and reads it back), then deletes in one guarded transaction. */
  deletePrefix: method({ input: z.object({ ...S, prefix: PrefixSchema, confirmation: z.string().max(8192), backupFile: ServicePathSchema }), output: DeletePrefixResultSchema, timeoutMs: LONG_MS }),
  /** What a backup or export file holds. */
  inspectBackup: method({ input: z.object({ file: ServicePathSchema }), output: BackupSummarySchema }),
  /** Puts back every key of a backup that does not exist; keys changed since are reported, not overwritten. */
  restoreBackup: method({ input: z.object({ ...S, file: ServicePathSchema }), output: RestoreResultSchema, timeoutMs: LONG_MS }),
  exportPrefix: method({ input: z.object({ ...S, prefix: PrefixSchema, file: ServicePathSchema, overwrite: z.boolean().optional() }), output: ExportResultSchema, timeoutMs: LONG_MS }),
  /** Imports an export (or backup) file like a restore, optionally under another prefix. */
  importFile: method({ input: z.object({ ...S, file: ServicePathSchema, rebaseTo: PrefixSchema.optional() }), output: RestoreResultSchema, timeoutMs: LONG_MS }),

  /** Earlier versions of a key, newest first, while etcd's history has them. */
  history: method({ input: z.object({ ...S, key: KeySchema, fromRevision: RevisionSchema.optional(), limit: z.number().int().min(1).max(200).optional() }), output: HistoryPageSchema }),
  /** Writes back the value the key had at `revision`, if the key is still at expectedModRevision (0: it does not exist now). */
  restoreRevision: method({ input: z.object({ ...S, key: KeySchema, revision: RevisionSchema.min(1), expectedModRevision: RevisionSchema }), output: EditResultSchema }),
  leases: method({ input: z.object(S), output: z.object({ total: z.number().int().min(0), leases: z.array(LeaseDetailSchema) }) }),

  /** One page of the worker env table (by MAC) or the datacenter configs (by UUID). */
  envTable: method({ input: z.object({ ...S, kind: FarmTableKindSchema, after: Base64Schema.nullable().optional() }), output: EnvTablePageSchema }),
  /** Checks a MAC/UUID and env text before saving, and names the key it goes to. */
  checkEnv: method({ input: z.object({ ...S, kind: FarmTableKindSchema, id: z.string().max(128), text: z.string().max(1024 * 1024) }), output: EnvCheckSchema }),
  /** Writes a worker env / datacenter config: validated first; expectedModRevision 0 creates it. */
  saveEnv: method({
    input: z.object({ ...S, kind: FarmTableKindSchema, id: z.string().max(128), text: z.string().max(1024 * 1024), expectedModRevision: RevisionSchema }),
    output: EditResultSchema,
  }),
  /** What netboot's get-initial-config would serve a worker: the datacenter config with the worker's env on top. */
  mergedEnv: method({ input: z.object({ ...S, uuid: z.string().max(64), mac: z.string().max(64) }), output: MergedEnvSchema }),

  /** The keys under a prefix, live: the latest change per key, resuming by revision, reloading after a compaction. */
  watch: stream({ input: z.object({ ...S, prefix: PrefixSchema }), event: EtcdWatchLiveSchema }),
});
