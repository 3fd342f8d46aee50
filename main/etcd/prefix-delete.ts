import type { ICompare, IRequestOp } from 'etcd3';
import type { BackupFile, ConflictInfo } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { decodeEntry, makeBackup, prefixOf, readBackupFile, writeBackupFile, type DecodedEntry } from './backup-file';
import { prefixRange } from './etcd-bytes';
import { fromRpcKv, toEtcdKv, type RawKv } from './etcd-kv';
import type { EtcdSession } from './etcd-session';
import { countKeys, walkValues } from './key-pager';
import { createKey } from './safe-edit';
import { keyDisplay, toBase64 } from './value-codec';

/**
 * Deleting a prefix the careful way (unlike `etcdctl del / --prefix`):
 *
 * 1. planPrefixDelete(): how many keys, and the exact text the user must type to confirm.
 * 2. deletePrefix(): reads every key and value under the prefix at one revision R, writes them
 *    to a backup file atomically and reads the file back to check it, then deletes in ONE
 *    transaction guarded by a range compare: "every key in the prefix has mod_revision < R + 1".
 *    If anyone created or changed a key under the prefix after the backup, the compare fails
 *    and nothing is deleted (CONFLICT, with the keys that changed).
 *
 *    Why one transaction and not chunks: a DeleteRange request is a few bytes whatever the key
 *    count, so etcd's request size and --max-txn-ops limits never apply, and the delete is
 *    all-or-nothing. The cost is one large revision (all delete events share it); watchers read
 *    it with fragmenting on (resumable-watch.ts), so no single watch message exceeds gRPC limits.
 *
 * 3. restoreBackup(): puts back every key of a backup that does not exist now, with a
 *    create-only compare per key; a key that exists with another value is reported, not
 *    overwritten (the user resolves it with safe-edit's updateKey). Keys come back without their
 *    old leases (those are long expired or would expire them again).
 */

/** What the user types to confirm deleting `prefix`. The empty prefix (every key) needs the words. */
export function confirmationText(prefix: Uint8Array): string {
  return prefix.length === 0 ? 'DELETE ALL KEYS' : keyDisplay(prefix).display;
}

export interface DeletePlan {
  prefix: string;
  prefixDisplay: string;
  count: number;
  revision: number;
  confirmationText: string;
}

export async function planPrefixDelete(session: EtcdSession, prefix: Uint8Array): Promise<DeletePlan> {
  const { count, revision } = await countKeys(session, { prefix });
  return { prefix: toBase64(prefix), prefixDisplay: keyDisplay(prefix).display, count, revision, confirmationText: confirmationText(prefix) };
}

export interface BackupReadOptions {
  reason: BackupFile['reason'];
  /** Largest total of key + value bytes (default 512 MiB): past it, refuse instead of filling memory. */
  maxBytes?: number;
  nowMs: number;
  signal?: AbortSignal;
}

/** Every key and value under prefix, read at one revision, as a backup document. */
export async function readPrefixBackup(session: EtcdSession, prefix: Uint8Array, options: BackupReadOptions): Promise<BackupFile> {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const kvs: RawKv[] = [];
  let bytes = 0;
  let revision = 0;
  for await (const page of walkValues(session, { prefix }, { signal: options.signal })) {
    revision = page.revision;
    for (const kv of page.kvs) {
      bytes += kv.key.length + kv.value.length;
      kvs.push(kv);
    }
    if (bytes > maxBytes) {
      throw new AppError('UNSUPPORTED', `the keys under ${keyDisplay(prefix).display} hold more than ${maxBytes} bytes, too much for one backup file`, {
        hint: 'Delete smaller prefixes one at a time.',
      });
    }
  }
  if (revision === 0) revision = (await countKeys(session, { prefix })).revision;
  let clusterId: string | undefined;
  try {
    const st = await session.client.maintenance.status(session.callOptions());
    clusterId = String(st.header.cluster_id);
  } catch {
    // The cluster id is informational; the backup itself is complete.
  }
  return makeBackup({ reason: options.reason, endpoint: session.endpoint, clusterId, prefix: Buffer.from(prefix), revision, createdAtMs: options.nowMs, kvs });
}

export interface DeletePrefixRequest {
  prefix: Uint8Array;
  /** Must equal confirmationText(prefix). */
  confirmation: string;
  /** Where the backup goes (written before anything is deleted). */
  backupFile: string;
  nowMs: number;
}

export interface DeletePrefixResult {
  deleted: number;
  /** The revision of the delete. */
  revision: number;
  backupFile: string;
  backupRevision: number;
  backupCount: number;
}

/** Steps 1–2 of a delete: check the confirmation, read the prefix at one revision, write the backup and read it back. */
export async function backupBeforeDelete(session: EtcdSession, req: DeletePrefixRequest): Promise<BackupFile> {
  const prefix = Buffer.from(req.prefix);
  const expected = confirmationText(prefix);
  if (req.confirmation !== expected) {
    throw new AppError('INVALID_INPUT', `the confirmation does not match: type ${JSON.stringify(expected)} to delete every key under it`, {
      hint: 'Nothing was deleted.',
    });
  }
  const backup = await readPrefixBackup(session, prefix, { reason: 'delete-prefix', nowMs: req.nowMs });
  await writeBackupFile(req.backupFile, backup);
  const check = await readBackupFile(req.backupFile);
  if (check.count !== backup.count || check.revision !== backup.revision) {
    throw new AppError('INTERNAL', `the backup ${req.backupFile} does not read back as written; nothing was deleted`);
  }
  return backup;
}

/**
 * Step 3: deletes every key under the backup's prefix in one transaction, only if no key there
 * was created or changed after the backup's revision (CONFLICT otherwise; nothing is deleted).
 */
export async function deleteBackedUpPrefix(session: EtcdSession, backup: BackupFile, backupFile: string): Promise<DeletePrefixResult> {
  const prefix = prefixOf(backup);
  const range = prefixRange(prefix);
  const guard: ICompare = { key: range.key, range_end: range.rangeEnd, target: 'Mod', result: 'Less', mod_revision: backup.revision + 1 };
  const res = await session.call('delete prefix', (c) =>
    c.kv.txn(
      {
        compare: [guard],
        success: [{ request_delete_range: { key: range.key, range_end: range.rangeEnd } }],
        failure: [{ request_range: { key: range.key, range_end: range.rangeEnd, keys_only: true, min_mod_revision: backup.revision + 1, limit: 20 } }],
      },
      session.callOptions(60_000),
    ),
  );
  if (!res.succeeded) {
    const changed = (res.responses[0]?.response_range?.kvs ?? []).map((kv) => keyDisplay(kv.key).display);
    throw new AppError('CONFLICT', `keys under ${keyDisplay(prefix).display} changed after the backup (e.g. ${changed.slice(0, 5).join(', ')}); nothing was deleted`, {
      hint: 'Review the changes, then delete again (a new backup is taken).',
      details: { changedKeys: changed, backupFile },
    });
  }
  return {
    deleted: Number(res.responses[0]?.response_delete_range?.deleted ?? 0),
    revision: Number(res.header.revision),
    backupFile,
    backupRevision: backup.revision,
    backupCount: backup.count,
  };
}

/** The whole delete: confirmation, backup written and checked, then the guarded delete. */
export async function deletePrefix(session: EtcdSession, req: DeletePrefixRequest): Promise<DeletePrefixResult> {
  const backup = await backupBeforeDelete(session, req);
  return deleteBackedUpPrefix(session, backup, req.backupFile);
}

export interface RestoreResult {
  /** Keys written back (they did not exist). */
  restored: number;
  /** Keys that already hold the backed-up value. */
  unchanged: number;
  /** Keys that exist with another value: not touched. */
  conflictCount: number;
  /** The first maxConflicts of them, with their current value and the backup's. */
  conflicts: ConflictInfo[];
}

export interface RestoreOptions {
  /** Conflicts listed in full (default 1,000; all are counted). */
  maxConflicts?: number;
  /** Bytes of keys + values per transaction (default 1 MiB, under etcd's 1.5 MiB request limit). */
  batchBytes?: number;
  signal?: AbortSignal;
}

const BATCH_KEYS = 100; // under etcd's default --max-txn-ops of 128

/** Puts back the keys of a backup (or an import file) that do not exist; never overwrites one that does. */
export async function restoreBackup(session: EtcdSession, backup: BackupFile, options: RestoreOptions = {}): Promise<RestoreResult> {
  const maxConflicts = options.maxConflicts ?? 1000;
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  const result: RestoreResult = { restored: 0, unchanged: 0, conflictCount: 0, conflicts: [] };
  const addConflict = (entry: DecodedEntry, current: RawKv | null) => {
    result.conflictCount++;
    if (result.conflicts.length >= maxConflicts) return;
    result.conflicts.push({
      key: toBase64(entry.key),
      keyDisplay: keyDisplay(entry.key).display,
      expectedModRevision: entry.modRevision,
      current: current ? toEtcdKv(current) : null,
      proposed: toBase64(entry.value),
    });
  };

  let batch: DecodedEntry[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const entries = batch;
    batch = [];
    bytes = 0;
    await restoreBatch(session, entries, result, addConflict);
  };
  for (const raw of backup.entries) {
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'the restore was cancelled (keys restored so far stay)');
    const entry = decodeEntry(raw);
    const size = entry.key.length * 2 + entry.value.length + 64;
    if (batch.length >= BATCH_KEYS || (batch.length > 0 && bytes + size > batchBytes)) await flush();
    batch.push(entry);
    bytes += size;
  }
  await flush();
  return result;
}

async function restoreBatch(
  session: EtcdSession,
  entries: DecodedEntry[],
  result: RestoreResult,
  addConflict: (e: DecodedEntry, current: RawKv | null) => void,
): Promise<void> {
  // Where they stand now: one read-only transaction for the whole batch.
  const read = await session.call('read keys to restore', (c) =>
    c.kv.txn({ success: entries.map((e): IRequestOp => ({ request_range: { key: e.key } })) }, session.callOptions()),
  );
  const missing: DecodedEntry[] = [];
  entries.forEach((entry, i) => {
    const kv = read.responses[i]?.response_range?.kvs?.[0];
    if (!kv) missing.push(entry);
    else if (Buffer.compare(kv.value, entry.value) === 0) result.unchanged++;
    else addConflict(entry, fromRpcKv(kv));
  });
  if (missing.length === 0) return;
  // All missing keys in one create-only transaction; if one appeared meanwhile, go key by key.
  const res = await session.call('restore keys', (c) =>
    c.kv.txn(
      {
        compare: missing.map((e): ICompare => ({ key: e.key, target: 'Create', result: 'Equal', create_revision: 0 })),
        success: missing.map((e): IRequestOp => ({ request_put: { key: e.key, value: e.value } })),
      },
      session.callOptions(),
    ),
  );
  if (res.succeeded) {
    result.restored += missing.length;
    return;
  }
  for (const entry of missing) {
    const r = await createKey(session, entry.key, entry.value);
    if (r.ok) result.restored++;
    else if (r.conflict.current && Buffer.from(r.conflict.current.value, 'base64').equals(entry.value)) result.unchanged++;
    else addConflict(entry, r.conflict.current ? rawFromConflict(r.conflict) : null);
  }
}

function rawFromConflict(c: ConflictInfo): RawKv {
  const cur = c.current!;
  return {
    key: Buffer.from(cur.key, 'base64'),
    value: Buffer.from(cur.value, 'base64'),
    createRevision: cur.createRevision,
    modRevision: cur.modRevision,
    version: cur.version,
    lease: cur.lease,
  };
}

