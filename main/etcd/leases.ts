import type { LeaseInfo } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { idToHex } from './etcd-kv';
import type { EtcdSession } from './etcd-session';
import { keyDisplay, toBase64 } from './value-codec';

/** Leases: their remaining TTL and the keys attached to them (keys go away when the lease expires). */

export interface LeaseListOptions {
  /** Leases described (default 500; the rest are counted in `total`). */
  limit?: number;
  /** Keys listed per lease (default 1,000). */
  maxKeys?: number;
}

export async function leaseInfo(session: EtcdSession, id: string, maxKeys = 1000): Promise<LeaseInfo & { keysTruncated: boolean }> {
  if (!/^-?[0-9]{1,20}$/.test(id)) throw new AppError('INVALID_INPUT', `not a lease id: ${JSON.stringify(id)}`);
  const res = await session.call(`read lease ${idToHex(id)}`, (c) => c.leaseClient.leaseTimeToLive({ ID: id, keys: true }, session.callOptions()));
  const keys = (res.keys ?? []).slice(0, maxKeys).map((k) => {
    const { display, utf8 } = keyDisplay(k);
    return { key: toBase64(k), keyDisplay: display, keyUtf8: utf8 };
  });
  return {
    id: String(res.ID ?? id),
    idHex: idToHex(String(res.ID ?? id)),
    ttlSec: Number(res.TTL),
    grantedTtlSec: Number(res.grantedTTL ?? 0),
    keys,
    keysTruncated: (res.keys?.length ?? 0) > maxKeys,
  };
}

export async function listLeases(session: EtcdSession, options: LeaseListOptions = {}): Promise<{ total: number; leases: (LeaseInfo & { keysTruncated: boolean })[] }> {
  const res = await session.call('list leases', (c) => c.leaseClient.leaseLeases(session.callOptions()));
  const ids = (res.leases ?? []).map((l) => String(l.ID));
  const limit = options.limit ?? 500;
  const leases: (LeaseInfo & { keysTruncated: boolean })[] = [];
  const wanted = ids.slice(0, limit);
  for (let i = 0; i < wanted.length; i += 16) {
    leases.push(...(await Promise.all(wanted.slice(i, i + 16).map((id) => leaseInfo(session, id, options.maxKeys)))));
  }
  leases.sort((a, b) => (a.ttlSec === b.ttlSec ? (a.id < b.id ? -1 : 1) : a.ttlSec - b.ttlSec));
  return { total: ids.length, leases };
}
