import type { EtcdKv } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { fromRpcKv, toEtcdKv, type RawKv } from './etcd-kv';
import { isCompactedError } from './etcd-errors';
import type { EtcdSession } from './etcd-session';
import { putIfUnchanged, type EditResult, type PutOptions } from './safe-edit';
import { keyDisplay } from './value-codec';

/**
 * A key's earlier versions, while etcd's history still has them. Reading the key at revision
 * R - 1, where R is the mod revision of the version in hand, gives the version before it; the
 * walk goes back one version per request until the key's first version (version 1: its
 * creation) or etcd's compaction point. Only the key's current life is reachable this way: a
 * delete leaves no trace at later revisions, so an older life is found only from a revision
 * before the delete (a watch event's revision - 1).
 */

export type HistoryEnd =
  /** Reached version 1: the key's creation. */
  | 'created'
  /** The next older version was compacted away. */
  | 'compacted'
  /** The key does not exist at the revision asked for. */
  | 'absent';

export interface HistoryPage {
  /** Newest first. */
  entries: EtcdKv[];
  /** Revision to pass as fromRevision for the next (older) page; null when the walk ended. */
  next: number | null;
  end: HistoryEnd | null;
}

export interface HistoryOptions {
  /** Start with the version visible at this revision (default the latest). */
  fromRevision?: number;
  /** Versions per page (default 20). */
  limit?: number;
  /** Value bytes per page (default 4 MiB; at least one version is returned). */
  budgetBytes?: number;
}

export async function readHistory(session: EtcdSession, key: Uint8Array, options: HistoryOptions = {}): Promise<HistoryPage> {
  const k = Buffer.from(key);
  const limit = Math.max(1, Math.min(1000, Math.floor(options.limit ?? 20)));
  const budget = options.budgetBytes ?? 4 * 1024 * 1024;
  const entries: EtcdKv[] = [];
  let bytes = 0;
  let rev = options.fromRevision ?? 0;
  for (;;) {
    let kv: RawKv | null;
    try {
      const res = await session.client.kv.range({ key: k, revision: rev }, session.callOptions());
      kv = res.kvs[0] ? fromRpcKv(res.kvs[0]) : null;
    } catch (err) {
      if (isCompactedError(err)) return { entries, next: null, end: 'compacted' };
      throw session.error(err, `read the history of ${keyDisplay(k).display}`);
    }
    if (!kv) return { entries, next: null, end: entries.length === 0 ? 'absent' : 'created' };
    entries.push(toEtcdKv(kv));
    bytes += kv.value.length;
    if (kv.version <= 1 || kv.modRevision <= 1) return { entries, next: null, end: 'created' };
    rev = kv.modRevision - 1;
    if (entries.length >= limit || bytes >= budget) return { entries, next: rev, end: null };
  }
}

/**
 * Writes the value the key had at `revision` back, if the key is still at expectedModRevision
 * (the version the user looked at; 0 if it does not exist now). A conflict comes back as data.
 */
export async function restoreRevision(
  session: EtcdSession,
  key: Uint8Array,
  revision: number,
  expectedModRevision: number,
  options: PutOptions = {},
): Promise<EditResult> {
  const k = Buffer.from(key);
  let old: RawKv | null;
  try {
    const res = await session.client.kv.range({ key: k, revision }, session.callOptions());
    old = res.kvs[0] ? fromRpcKv(res.kvs[0]) : null;
  } catch (err) {
    throw session.error(err, `read ${keyDisplay(k).display} at revision ${revision}`);
  }
  if (!old) throw new AppError('NOT_FOUND', `${keyDisplay(k).display} did not exist at revision ${revision}`);
  return putIfUnchanged(session, k, old.value, expectedModRevision, options);
}
