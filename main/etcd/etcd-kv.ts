import type { IKeyValue } from 'etcd3';
import type { EtcdKv, KeyEntry } from '../contract/etcd';
import { keyDisplay, toBase64 } from './value-codec';

/** A key-value as etcd returned it, with revisions as numbers and bytes as Buffers. */
export interface RawKv {
  key: Buffer;
  /** Empty for keys-only reads. */
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease id in decimal; "0" for none. */
  lease: string;
}

const EMPTY = Buffer.alloc(0);

export function fromRpcKv(kv: IKeyValue): RawKv {
  return {
    key: kv.key,
    value: kv.value ?? EMPTY,
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: String(kv.lease ?? '0') || '0',
  };
}

/** valueSize: the value's length when the value was read, null for keys-only reads. */
export function toKeyEntry(kv: RawKv, valueSize: number | null): KeyEntry {
  const { display, utf8 } = keyDisplay(kv.key);
  return {
    key: toBase64(kv.key),
    keyDisplay: display,
    keyUtf8: utf8,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
    valueSize,
  };
}

export function toEtcdKv(kv: RawKv): EtcdKv {
  return { ...toKeyEntry(kv, kv.value.length), value: toBase64(kv.value) };
}

/** etcd ids are uint64 (members) or int64 (leases) in decimal; etcdctl prints them in hex. */
export function idToHex(id: string): string {
  try {
    return BigInt.asUintN(64, BigInt(id)).toString(16);
  } catch {
    return id;
  }
}
