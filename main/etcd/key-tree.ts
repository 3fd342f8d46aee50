import type { IRequestOp } from 'etcd3';
import type { TreeNode, TreePage } from '../contract/etcd';
import { keyAfter, prefixEnd, prefixRange, startsWith } from './etcd-bytes';
import { toKeyEntry, type RawKv } from './etcd-kv';
import { rangeRaw } from './fast-range';
import { isCompactedError } from './etcd-errors';
import type { EtcdSession } from './etcd-session';
import { decodeCursor, encodeCursor } from './key-pager';
import { keyDisplay, toBase64 } from './value-codec';

/**
 * The key tree by '/' segments, one level at a time, without reading the keys below a level.
 *
 * Children of `parent` are found by walking its range in key order with small keys-only ranges.
 * A key "parent/a" (no further '/') is a leaf. A key "parent/b/…" makes a directory "b/" and the
 * walk jumps straight past everything under it: the next range starts at prefixEnd("parent/b/"),
 * which is "parent/b0" ('0' is the byte after '/'). So a level with D directories and L leaves
 * costs about D + L/batch requests, whatever the directories hold.
 *
 * Batches adapt: a batch whose keys were mostly inside one directory (wasted) shrinks the next
 * batch (down to one key, i.e. a pure jump); a batch of mostly distinct children grows it (up to
 * 1,000), so levels of many leaves or many small directories take few requests.
 *
 * Child counts (keys under each directory) are optional: one count-only range per directory,
 * sent 100 at a time in read-only transactions (one round trip per 100 directories).
 */

const SLASH = 0x2f;
const MAX_BATCH = 1000;
const TXN_OPS = 100; // etcd's --max-txn-ops defaults to 128

export interface TreeOptions {
  cursor?: string | null;
  /** Children per page (default 200). */
  limit?: number;
  /** Count the keys under each directory (default false). */
  withCounts?: boolean;
}

export interface TreeStats {
  requests: number;
  keysRead: number;
}

/** One page of the children of `parent` (which should end with '/', or be empty for the root). */
export async function listChildren(session: EtcdSession, parent: Uint8Array, options: TreeOptions = {}, stats?: TreeStats): Promise<TreePage> {
  const parentBuf = Buffer.from(parent);
  const range = prefixRange(parentBuf);
  const limit = Math.max(1, Math.min(5000, Math.floor(options.limit ?? 200)));
  const cursor = options.cursor ? decodeCursor(options.cursor) : undefined;
  // A tree cursor's "after" is the next start key itself (inclusive).
  let start = cursor ? cursor.after : range.key;
  let revision = cursor?.revision ?? 0;
  let batch = Math.min(limit, 64);
  const nodes: TreeNode[] = [];
  let more = true;

  while (nodes.length < limit) {
    let kvs: RawKv[];
    let resMore: boolean;
    try {
      const r = await rangeKeys(session, start, range.rangeEnd, batch, revision);
      kvs = r.kvs;
      resMore = r.more;
      revision = r.revision;
    } catch (err) {
      throw session.error(err, 'list tree children');
    }
    if (stats) {
      stats.requests++;
      stats.keysRead += kvs.length;
    }
    let dir: Buffer | undefined;
    let wasted = 0;
    let consumedAll = true;
    for (let i = 0; i < kvs.length; i++) {
      const kv = kvs[i]!;
      if (dir && startsWith(kv.key, dir)) {
        wasted++;
        continue;
      }
      if (nodes.length >= limit) {
        consumedAll = false;
        start = kv.key;
        break;
      }
      const rest = kv.key.subarray(parentBuf.length);
      const slash = rest.indexOf(SLASH);
      if (slash < 0) {
        nodes.push(leafNode(kv, rest));
        dir = undefined;
        start = keyAfter(kv.key);
      } else {
        dir = Buffer.concat([parentBuf, rest.subarray(0, slash + 1)]);
        nodes.push(dirNode(dir, rest.subarray(0, slash)));
        start = prefixEnd(dir);
      }
    }
    if (consumedAll && !resMore) {
      // Everything in the range was seen, except possibly the rest of the last directory.
      more = false;
      break;
    }
    if (start.length === 1 && start[0] === 0) {
      more = false; // jumped past a directory at the very end of the keyspace
      break;
    }
    if (!consumedAll) break;
    batch = wasted * 2 > kvs.length ? Math.max(1, batch >> 2) : Math.min(MAX_BATCH, batch * 2);
  }

  if (options.withCounts) await addCounts(session, nodes, revision);
  const { display } = keyDisplay(parentBuf);
  return {
    parent: toBase64(parentBuf),
    parentDisplay: display,
    nodes,
    more,
    nextCursor: more ? encodeCursor({ revision, after: start }) : null,
    revision,
  };
}

async function rangeKeys(session: EtcdSession, key: Buffer, rangeEnd: Buffer, limit: number, revision: number): Promise<{ kvs: RawKv[]; more: boolean; revision: number }> {
  const run = (rev: number) => rangeRaw(session, { key, range_end: rangeEnd, limit, revision: rev, keys_only: true });
  let res;
  let at = revision;
  try {
    res = await run(revision);
  } catch (err) {
    if (!(revision > 0 && isCompactedError(err))) throw err;
    res = await run(0);
    at = 0;
  }
  return { kvs: res.kvs, more: res.more, revision: at > 0 ? at : res.revision };
}

function leafNode(kv: RawKv, segment: Buffer): TreeNode {
  const entry = toKeyEntry(kv, null);
  return { segment: keyDisplay(segment).display, prefix: entry.key, prefixDisplay: entry.keyDisplay, isLeaf: true, childCount: null, entry };
}

function dirNode(prefix: Buffer, segment: Buffer): TreeNode {
  return { segment: keyDisplay(segment).display, prefix: toBase64(prefix), prefixDisplay: keyDisplay(prefix).display, isLeaf: false, childCount: null };
}

async function addCounts(session: EtcdSession, nodes: TreeNode[], revision: number): Promise<void> {
  const dirs = nodes.filter((n) => !n.isLeaf);
  if (dirs.length === 0) return;
  const { counts } = await countPrefixes(session, dirs.map((n) => Buffer.from(n.prefix, 'base64')), revision);
  dirs.forEach((n, i) => {
    n.childCount = counts[i] ?? 0;
  });
}

/**
 * How many keys start with each prefix, at one revision (0 = latest): count-only ranges, 100 per
 * read-only transaction, so no key crosses the wire.
 */
export async function countPrefixes(session: EtcdSession, prefixes: readonly Uint8Array[], revision = 0): Promise<{ counts: number[]; revision: number }> {
  const counts: number[] = [];
  let at = revision;
  for (let i = 0; i < prefixes.length; i += TXN_OPS) {
    const ops: IRequestOp[] = prefixes.slice(i, i + TXN_OPS).map((p) => {
      const r = prefixRange(p);
      return { request_range: { key: r.key, range_end: r.rangeEnd, count_only: true, revision: at } };
    });
    const res = await session.call('count keys under prefixes', (c) => c.kv.txn({ success: ops }, session.callOptions()));
    if (at === 0) at = Number(res.header.revision);
    for (const r of res.responses) counts.push(Number(r.response_range?.count ?? 0));
  }
  return { counts, revision: at };
}
