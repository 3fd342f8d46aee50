import { castGrpcError, type IRangeRequest } from 'etcd3';
import { fromRpcKv, type RawKv } from './etcd-kv';
import type { EtcdSession } from './etcd-session';

/**
 * Range requests whose reply is decoded by a small protobuf reader instead of etcd3's
 * protobufjs objects. For a 100,000-key page, etcd3's decoding (an object per key with every
 * int64 turned into a string) costs ~300 ms of CPU, more than etcd's own work; this reader
 * goes straight from the bytes to RawKv (revisions as numbers, the lease id as a decimal string)
 * in a few tens of ms. That is what keeps a full keys walk close to `etcdctl get --keys-only`.
 *
 * It calls the session's own gRPC channel (through etcd3's connection pool, so TLS, auth
 * metadata and the call deadline are the session's) with etcd3's request serializer and this
 * response deserializer. If etcd3's internals are not what this expects (another etcd3
 * version), fastRange returns undefined and callers use the ordinary client.kv.range.
 */

export interface FastRangeResult {
  kvs: RawKv[];
  more: boolean;
  count: number;
  revision: number;
}

interface UnaryClient {
  makeUnaryRequest(
    method: string,
    serialize: (value: unknown) => Buffer,
    deserialize: (value: Buffer) => unknown,
    argument: unknown,
    metadata: unknown,
    options: unknown,
    callback: (err: Error | null, value?: unknown) => void,
  ): unknown;
  constructor: { service?: Record<string, { path: string; requestSerialize: (v: unknown) => Buffer }> };
}

interface PoolLike {
  withConnection<R>(service: 'KV', fn: (args: { client: UnaryClient; metadata: unknown }) => Promise<R> | R): Promise<R>;
}

function poolOf(session: EtcdSession): PoolLike | undefined {
  const pool = (session.client as unknown as { pool?: unknown }).pool;
  return pool && typeof (pool as PoolLike).withConnection === 'function' ? (pool as PoolLike) : undefined;
}

/** Undefined when the fast path is not available; throws etcd3-typed errors like client.kv.range. */
export async function fastRange(session: EtcdSession, req: IRangeRequest): Promise<FastRangeResult | undefined> {
  const pool = poolOf(session);
  if (!pool) return undefined;
  return pool.withConnection('KV', ({ client, metadata }) => {
    const def = client.constructor?.service?.Range;
    if (!def || typeof client.makeUnaryRequest !== 'function') return undefined;
    return new Promise<FastRangeResult>((resolve, reject) => {
      client.makeUnaryRequest(def.path, def.requestSerialize, decodeRangeResponse, req, metadata, session.callOptions(), (err, value) => {
        if (err) reject(castGrpcError(err));
        else resolve(value as FastRangeResult);
      });
    });
  });
}

// ---------------------------------------------------------------- protobuf reading

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** A varint as a Number (exact below 2^53: revisions, versions, counts). */
  varint(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    throw new Error('varint too long');
  }

  /** A varint as an exact decimal string of the int64 (lease ids are random 63-bit numbers). */
  int64String(): string {
    const start = this.pos;
    let n = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++]!;
      n |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, n).toString();
      shift += 7n;
    }
    this.pos = start;
    throw new Error('varint too long');
  }

  length(): number {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error('truncated field');
    return n;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.pos += this.length();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

const EMPTY = Buffer.alloc(0);

function readKv(r: Reader, end: number): RawKv {
  const kv: RawKv = { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0, version: 0, lease: '0' };
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const n = r.length();
      kv.key = r.buf.subarray(r.pos, r.pos + n);
      r.pos += n;
    } else if (field === 5 && wire === 2) {
      const n = r.length();
      kv.value = r.buf.subarray(r.pos, r.pos + n);
      r.pos += n;
    } else if (field === 2 && wire === 0) kv.createRevision = r.varint();
    else if (field === 3 && wire === 0) kv.modRevision = r.varint();
    else if (field === 4 && wire === 0) kv.version = r.varint();
    else if (field === 6 && wire === 0) kv.lease = r.int64String();
    else r.skip(wire);
  }
  return kv;
}

/** etcdserverpb.RangeResponse → keys, revisions, more, count, header revision. */
export function decodeRangeResponse(buf: Buffer): FastRangeResult {
  const r = new Reader(buf);
  const out: FastRangeResult = { kvs: [], more: false, count: 0, revision: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const n = r.length();
      const end = r.pos + n;
      while (r.pos < end) {
        const t = r.varint();
        if (t >>> 3 === 3 && (t & 7) === 0) out.revision = r.varint();
        else r.skip(t & 7);
      }
    } else if (field === 2 && wire === 2) {
      const n = r.length();
      const end = r.pos + n;
      out.kvs.push(readKv(r, end));
      r.pos = end;
    } else if (field === 3 && wire === 0) out.more = r.varint() !== 0;
    else if (field === 4 && wire === 0) out.count = r.varint();
    else r.skip(wire);
  }
  return out;
}

/**
 * A range as RawKvs: the fast decoder when available, else etcd3's client (which also renews an
 * expired auth token, so a refused token takes that path once).
 */
export async function rangeRaw(session: EtcdSession, req: IRangeRequest): Promise<FastRangeResult> {
  try {
    const fast = await fastRange(session, req);
    if (fast) return fast;
  } catch (err) {
    if (!(err instanceof Error && err.constructor.name === 'EtcdInvalidAuthTokenError')) throw err;
  }
  const res = await session.client.kv.range(req, session.callOptions());
  return { kvs: res.kvs.map(fromRpcKv), more: Boolean(res.more), count: Number(res.count), revision: Number(res.header.revision) };
}
