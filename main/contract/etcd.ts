import { z } from 'zod';
import { SecretIdSchema } from './secrets';

/**
 * The etcd feature's data shapes (no methods yet: the contract with its methods and streams is
 * registered later, together with the UI). Keys and values are bytes: they cross the transport as
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

export const EtcdSessionConfigSchema = z
  .object({
    id: Id,
    name: z.string().min(1).max(128),
    target: EtcdTargetSchema,
    tls: EtcdTlsSchema.optional(),
    auth: z.object({ username: z.string().min(1).max(256), passwordSecretId: SecretIdSchema }).optional(),
    dialTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
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
