import type { IPutRequest, ITxnResponse } from 'etcd3';
import type { ConflictInfo } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { fromRpcKv, toEtcdKv, type RawKv } from './etcd-kv';
import type { EtcdSession } from './etcd-session';
import { jsonProblem, keyDisplay, toBase64 } from './value-codec';

/**
 * Writes that never overwrite what the writer has not seen. Every change is one etcd transaction:
 * compare, then write; when the compare fails, the same transaction reads the key, so the caller
 * gets the value that won, as it was at that moment, and decides (see it, diff it, retry on top).
 *
 * - update: mod_revision(key) == the revision the editor loaded → put.
 * - create: create_revision(key) == 0 (the key does not exist) → put.
 * - delete: mod_revision(key) == the revision the editor saw → delete.
 *
 * Keys and values are raw bytes. A put keeps the key's lease unless told otherwise (a plain put
 * would detach it: etcd sets the lease given in the request, 0 = none).
 */

export type EditResult =
  | { ok: true; /** The revision of the write (the key's new mod revision; for a delete, the delete's). */ revision: number }
  | { ok: false; conflict: ConflictInfo };

export interface PutOptions {
  /** 'keep' (default for updates): keep the current lease; 'none': detach; or a lease id (decimal). */
  lease?: 'keep' | 'none' | string;
  /** Refuse the write unless the value is valid JSON (INVALID_INPUT with the parse position). */
  requireJson?: boolean;
}

function checkJson(key: Uint8Array, value: Uint8Array, options: PutOptions): void {
  if (!options.requireJson) return;
  const problem = jsonProblem(value);
  if (problem) {
    throw new AppError('INVALID_INPUT', `${keyDisplay(key).display} must hold JSON: ${problem.message}`, {
      hint: 'Fix the JSON and save again; nothing was written.',
      details: { json: problem },
    });
  }
}

function putRequest(key: Buffer, value: Buffer, lease: PutOptions['lease'], existing: boolean): IPutRequest {
  const req: IPutRequest = { key, value };
  if (lease === undefined || lease === 'keep') {
    if (existing) req.ignore_lease = true;
  } else if (lease !== 'none') {
    if (!/^[0-9]{1,20}$/.test(lease)) throw new AppError('INVALID_INPUT', `not a lease id: ${JSON.stringify(lease)}`);
    req.lease = lease;
  }
  return req;
}

function currentFrom(res: ITxnResponse): RawKv | null {
  const kv = res.responses[0]?.response_range?.kvs?.[0];
  return kv ? fromRpcKv(kv) : null;
}

function conflict(key: Buffer, expected: number, current: RawKv | null, proposed?: Buffer): EditResult {
  const info: ConflictInfo = {
    key: toBase64(key),
    keyDisplay: keyDisplay(key).display,
    expectedModRevision: expected,
    current: current ? toEtcdKv(current) : null,
  };
  if (proposed) info.proposed = toBase64(proposed);
  return { ok: false, conflict: info };
}

function checkRevision(expectedModRevision: number): void {
  if (!Number.isSafeInteger(expectedModRevision) || expectedModRevision < 1) {
    throw new AppError('INVALID_INPUT', `an update needs the mod revision the editor loaded (got ${expectedModRevision})`, {
      hint: 'Use createKey for a key that does not exist yet.',
    });
  }
}

/** Replaces the value of an existing key if nobody changed it since the editor read it at expectedModRevision. */
export async function updateKey(
  session: EtcdSession,
  key: Uint8Array,
  value: Uint8Array,
  expectedModRevision: number,
  options: PutOptions = {},
): Promise<EditResult> {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  checkRevision(expectedModRevision);
  checkJson(k, v, options);
  const res = await session.call('update key', (c) =>
    c.kv.txn(
      {
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
        success: [{ request_put: putRequest(k, v, options.lease, true) }],
        failure: [{ request_range: { key: k } }],
      },
      session.callOptions(),
    ),
  );
  if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
  return conflict(k, expectedModRevision, currentFrom(res), v);
}

/** Creates a key; fails (with the existing key) if it already exists. */
export async function createKey(session: EtcdSession, key: Uint8Array, value: Uint8Array, options: PutOptions = {}): Promise<EditResult> {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  if (k.length === 0) throw new AppError('INVALID_INPUT', 'etcd keys cannot be empty');
  checkJson(k, v, options);
  const res = await session.call('create key', (c) =>
    c.kv.txn(
      {
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: putRequest(k, v, options.lease === 'keep' ? 'none' : options.lease, false) }],
        failure: [{ request_range: { key: k } }],
      },
      session.callOptions(),
    ),
  );
  if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
  return conflict(k, 0, currentFrom(res), v);
}

/** Deletes a key if it is still at the revision the user saw. */
export async function deleteKey(session: EtcdSession, key: Uint8Array, expectedModRevision: number): Promise<EditResult> {
  const k = Buffer.from(key);
  checkRevision(expectedModRevision);
  const res = await session.call('delete key', (c) =>
    c.kv.txn(
      {
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
        success: [{ request_delete_range: { key: k } }],
        failure: [{ request_range: { key: k } }],
      },
      session.callOptions(),
    ),
  );
  if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
  return conflict(k, expectedModRevision, currentFrom(res));
}

/**
 * Writes `value` if the key is still as the writer last saw it: expectedModRevision 0 means "it
 * did not exist" (a create), anything else an update. For restores and conflict resolution.
 */
export function putIfUnchanged(session: EtcdSession, key: Uint8Array, value: Uint8Array, expectedModRevision: number, options: PutOptions = {}): Promise<EditResult> {
  return expectedModRevision === 0 ? createKey(session, key, value, options) : updateKey(session, key, value, expectedModRevision, options);
}
