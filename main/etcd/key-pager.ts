import type { KeyPage, ValuePage } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { keyAfter, prefixRange, type KeyRange } from './etcd-bytes';
import { fromRpcKv, toKeyEntry, type RawKv } from './etcd-kv';
import { rangeRaw, type FastRangeResult } from './fast-range';
import { isCompactedError, isTooLargeError } from './etcd-errors';
import type { EtcdSession } from './etcd-session';
import { describeValue, type DescribeOptions } from './value-codec';

/**
 * Reading big prefixes without ever asking etcd for all of it at once.
 *
 * - Keys come from keys-only ranges with a limit, continued with `key > lastKey` (the range
 *   starts at lastKey + "\0"). Every page of one listing is read at the revision of its first
 *   page, so a walk is one consistent snapshot; if etcd compacts that revision away mid-walk,
 *   the walk goes on at the current revision (the page says which revision it was read at).
 * - etcd counts every key left in the range for each request (RangeResponse.count), so a page
 *   costs time in proportion to the keys after it: many small pages make a full walk quadratic.
 *   walkKeys() therefore doubles its page size from a small first page (fast first screen) up to
 *   a byte budget, which keeps a 100,000-key walk close to a single `etcdctl get --keys-only`.
 * - Values are paged by bytes. etcd cannot report a value's size without sending the value
 *   (keys_only and count_only give no sizes), so the byte budget is met adaptively: the first
 *   request asks for a few values, later ones ask for as many as fit the budget at the largest
 *   value size seen so far; anything past the budget is left for the next page. A response over
 *   gRPC's receive limit is retried with half the count. A page holds at least one value, so a
 *   single value larger than the budget still comes through alone.
 */

export type RangeSpec = { prefix: Uint8Array } | { range: KeyRange };

export function toRange(spec: RangeSpec): KeyRange {
  return 'prefix' in spec ? prefixRange(spec.prefix) : spec.range;
}

interface Cursor {
  revision: number;
  after: Buffer;
  /** Value pages: the largest value size seen so far. */
  sizeHint?: number;
}

export function encodeCursor(c: Cursor): string {
  const parts = [String(c.revision), c.after.toString('base64url')];
  if (c.sizeHint !== undefined) parts.push(String(c.sizeHint));
  return parts.join('.');
}

export function decodeCursor(text: string): Cursor {
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]*)(?:\.(\d{1,12}))?$/.exec(text);
  if (!m) throw new AppError('INVALID_INPUT', 'not a cursor from a previous page', { hint: 'Start the listing again without a cursor.' });
  const c: Cursor = { revision: Number(m[1]), after: Buffer.from(m[2]!, 'base64url') };
  if (m[3] !== undefined) c.sizeHint = Number(m[3]);
  return c;
}

interface RangeCall {
  key: Buffer;
  rangeEnd: Buffer;
  limit: number;
  revision: number;
  keysOnly: boolean;
}

/**
 * One range request at call.revision (0 = latest). A pinned revision that etcd has compacted
 * falls back to the latest. Returns the revision the data was read at.
 */
async function rangeAt(session: EtcdSession, call: RangeCall, what: string): Promise<{ res: FastRangeResult; revision: number }> {
  const run = (revision: number) =>
    rangeRaw(session, { key: call.key, range_end: call.rangeEnd, limit: call.limit, revision, keys_only: call.keysOnly });
  if (call.revision > 0) {
    try {
      return { res: await run(call.revision), revision: call.revision };
    } catch (err) {
      if (!isCompactedError(err)) throw err;
    }
  }
  try {
    const res = await run(0);
    return { res, revision: res.revision };
  } catch (err) {
    if (call.revision > 0) throw session.error(err, what);
    throw err;
  }
}

const MAX_KEYS_PER_PAGE = 50_000;

export interface ListKeysOptions {
  cursor?: string | null;
  /** Keys per page (default 500, at most 50,000). */
  limit?: number;
}

/** Reads one range [key, rangeEnd) keys-only page from `start`. */
async function keysPage(session: EtcdSession, range: KeyRange, start: Buffer, revision: number, limit: number): Promise<{ kvs: RawKv[]; more: boolean; revision: number }> {
  const { res, revision: at } = await rangeAt(session, { key: start, rangeEnd: range.rangeEnd, limit, revision, keysOnly: true }, 'list keys');
  return { kvs: res.kvs, more: res.more, revision: at };
}

/** One page of keys (no values) under a prefix or in a range, for the key list and prefix search. */
export async function listKeys(session: EtcdSession, spec: RangeSpec, options: ListKeysOptions = {}): Promise<KeyPage> {
  const range = toRange(spec);
  const limit = clampInt(options.limit ?? 500, 1, MAX_KEYS_PER_PAGE);
  const cursor = options.cursor ? decodeCursor(options.cursor) : undefined;
  const start = cursor ? keyAfter(cursor.after) : range.key;
  try {
    const page = await keysPage(session, range, start, cursor?.revision ?? 0, limit);
    const revision = page.revision;
    const last = page.kvs[page.kvs.length - 1];
    return {
      entries: page.kvs.map((kv) => toKeyEntry(kv, null)),
      more: page.more,
      nextCursor: page.more && last ? encodeCursor({ revision, after: last.key }) : null,
      revision,
    };
  } catch (err) {
    throw session.error(err, 'list keys');
  }
}

export interface WalkOptions {
  /** First page size (default 1,000: the first screen comes back fast). */
  firstLimit?: number;
  /** Largest page (default 50,000 keys). */
  maxLimit?: number;
  /** Largest page in key bytes (default 4 MiB, far under gRPC's receive limit). */
  maxPageBytes?: number;
  /** Read every page at this revision (default: the first page's). */
  revision?: number;
  signal?: AbortSignal;
}

export interface RawKeyPage {
  kvs: RawKv[];
  revision: number;
  more: boolean;
}

/** Every key (keys-only) of a range, page by page with growing pages, at one revision. */
export async function* walkKeys(session: EtcdSession, spec: RangeSpec, options: WalkOptions = {}): AsyncGenerator<RawKeyPage> {
  const range = toRange(spec);
  const maxLimit = clampInt(options.maxLimit ?? MAX_KEYS_PER_PAGE, 1, MAX_KEYS_PER_PAGE);
  const maxBytes = options.maxPageBytes ?? 4 * 1024 * 1024;
  let limit = clampInt(options.firstLimit ?? 1000, 1, maxLimit);
  let revision = options.revision ?? 0;
  let start = range.key;
  for (;;) {
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'the key walk was cancelled');
    let page: Awaited<ReturnType<typeof keysPage>>;
    try {
      page = await keysPage(session, range, start, revision, limit);
    } catch (err) {
      if (isTooLargeError(err) && limit > 1) {
        limit = Math.max(1, limit >> 1);
        continue;
      }
      throw session.error(err, 'walk keys');
    }
    revision = page.revision;
    yield { kvs: page.kvs, revision, more: page.more };
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || !last) return;
    start = keyAfter(last.key);
    const bytes = page.kvs.reduce((n, kv) => n + kv.key.length + 32, 0);
    const perKey = Math.max(1, bytes / page.kvs.length);
    limit = clampInt(Math.min(limit * 2, Math.floor(maxBytes / perKey)), 1, maxLimit);
  }
}

/** How many keys a prefix or range holds (count-only: no keys cross the wire). */
export async function countKeys(session: EtcdSession, spec: RangeSpec, revision = 0): Promise<{ count: number; revision: number }> {
  const range = toRange(spec);
  return session.call('count keys', async (c) => {
    const res = await c.kv.range({ key: range.key, range_end: range.rangeEnd, count_only: true, revision }, session.callOptions());
    return { count: Number(res.count), revision: revision > 0 ? revision : Number(res.header.revision) };
  });
}

/** One key with its value (at a revision, or the latest), or null when absent. */
export async function readKey(session: EtcdSession, key: Uint8Array, revision = 0): Promise<RawKv | null> {
  return session.call('read key', async (c) => {
    const res = await c.kv.range({ key: Buffer.from(key), revision }, session.callOptions());
    const kv = res.kvs[0];
    return kv ? fromRpcKv(kv) : null;
  });
}

// ---------------------------------------------------------------- values by bytes

export interface ValueBatchOptions {
  /** Start after this key (exclusive); default the range start. */
  after?: Buffer;
  /** Read at this revision (0 = latest). */
  revision?: number;
  /** Value bytes per page (default 1 MiB). */
  budgetBytes?: number;
  /** Keys per page (default 1,000). */
  maxCount?: number;
  /** The largest value size seen so far (from an earlier page), to size the first request. */
  sizeHint?: number;
}

export interface RawValuePage {
  kvs: RawKv[];
  more: boolean;
  revision: number;
  bytes: number;
  /** The largest value size seen, for the next page's first request. */
  sizeHint: number;
}

/** A page of keys with values whose value bytes stay within budgetBytes (but always at least one key). */
export async function readValueBatch(session: EtcdSession, spec: RangeSpec, options: ValueBatchOptions = {}): Promise<RawValuePage> {
  const range = toRange(spec);
  const budget = Math.max(1, options.budgetBytes ?? 1024 * 1024);
  const maxCount = clampInt(options.maxCount ?? 1000, 1, MAX_KEYS_PER_PAGE);
  let revision = options.revision ?? 0;
  let start = options.after ? keyAfter(options.after) : range.key;
  let sizeHint = options.sizeHint ?? 0;
  const kvs: RawKv[] = [];
  let bytes = 0;
  let more = true;
  let limit = sizeHint > 0 ? fit(budget, sizeHint, maxCount) : Math.min(maxCount, 16);
  while (kvs.length < maxCount && more) {
    let res: FastRangeResult;
    try {
      ({ res, revision } = await rangeAt(session, { key: start, rangeEnd: range.rangeEnd, limit, revision, keysOnly: false }, 'read values'));
    } catch (err) {
      if (isTooLargeError(err) && limit > 1) {
        limit = Math.max(1, limit >> 1);
        continue;
      }
      throw session.error(err, 'read values');
    }
    more = res.more;
    let took = 0;
    for (const kv of res.kvs) {
      sizeHint = Math.max(sizeHint, kv.value.length);
      if (kvs.length > 0 && bytes + kv.value.length > budget) {
        more = true;
        break;
      }
      kvs.push(kv);
      bytes += kv.value.length;
      took++;
    }
    if (took < res.kvs.length) break; // the budget is full; the rest belongs to the next page
    const last = kvs[kvs.length - 1];
    if (!last || bytes >= budget) break;
    start = keyAfter(last.key);
    limit = fit(budget - bytes, sizeHint, maxCount - kvs.length);
  }
  return { kvs, more, revision, bytes, sizeHint };
}

function fit(budget: number, perValue: number, maxCount: number): number {
  return clampInt(Math.floor(budget / Math.max(1, perValue)), 1, Math.max(1, maxCount));
}

export interface ValuePageOptions extends Omit<ValueBatchOptions, 'after' | 'revision' | 'sizeHint'> {
  cursor?: string | null;
  describe?: DescribeOptions;
}

/** One page of keys with their values (JSON/text/hex display), bounded by bytes, for the value list. */
export async function listValues(session: EtcdSession, spec: RangeSpec, options: ValuePageOptions = {}): Promise<ValuePage> {
  const cursor = options.cursor ? decodeCursor(options.cursor) : undefined;
  const page = await readValueBatch(session, spec, {
    ...options,
    after: cursor?.after,
    revision: cursor?.revision ?? 0,
    sizeHint: cursor?.sizeHint,
  });
  const last = page.kvs[page.kvs.length - 1];
  return {
    entries: page.kvs.map((kv) => ({ entry: toKeyEntry(kv, kv.value.length), value: describeValue(kv.value, options.describe) })),
    more: page.more,
    nextCursor: page.more && last ? encodeCursor({ revision: page.revision, after: last.key, sizeHint: page.sizeHint }) : null,
    revision: page.revision,
    bytes: page.bytes,
  };
}

/** Every key with its value, in byte-bounded pages, all at one revision (for backups and exports). */
export async function* walkValues(
  session: EtcdSession,
  spec: RangeSpec,
  options: Omit<ValueBatchOptions, 'after' | 'sizeHint'> & { signal?: AbortSignal } = {},
): AsyncGenerator<RawValuePage> {
  let after: Buffer | undefined;
  let revision = options.revision ?? 0;
  let sizeHint: number | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'reading the values was cancelled');
    const page = await readValueBatch(session, spec, { ...options, after, revision, sizeHint });
    if (revision === 0) revision = page.revision;
    else if (page.revision !== revision) {
      throw new AppError('CONFLICT', `etcd compacted revision ${revision} while its keys were being read`, {
        hint: 'Nothing was written. Try again (the copy is then taken at the current revision).',
      });
    }
    yield page;
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || !last) return;
    after = last.key;
    sizeHint = page.sizeHint;
  }
}

function clampInt(n: number, lo: number, hi: number): number {
  if (!Number.isFinite(n)) return hi;
  return Math.min(hi, Math.max(lo, Math.floor(n)));
}
