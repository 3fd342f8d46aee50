import { AppError } from '../contract/errors';
import { mergeEnv, parseEnv, serializeEnv, type EnvEntry } from '../farm/env-file';
import type { ResolvedSubnet } from './config-validation';
import type { EtcdReader } from './etcd-reader';
import { renderKeyPattern } from '../farm/key-pattern';

/**
 * get-initial-config (seed 000, getInitialEnv): the datacenter config (etcd, by the subnet's
 * UUID) merged with the worker's env (etcd, by MAC), the worker winning, as worker.env text.
 * All or nothing: if either read fails, either key is missing or either value has a bad line,
 * the result is an error that says which key and why; values never appear in a reason.
 */

export type InitialEnvResult =
  | { ok: true; text: string; keyCount: number; dcKey: string; workerKey: string }
  /** etcd could not be read: retryable (503 + Retry-After). */
  | { ok: false; kind: 'unavailable'; reason: string }
  /** A key does not exist (404). */
  | { ok: false; kind: 'not-found'; reason: string }
  /** A value is not a valid env file (502: fix it in etcd). */
  | { ok: false; kind: 'invalid'; reason: string }
  /** The client went away first. */
  | { ok: false; kind: 'cancelled'; reason: string };

export function initialEnvKeys(subnet: ResolvedSubnet, mac: string): { dcKey: string; workerKey: string } {
  const values = { uuid: subnet.datacenterUuid, subnetName: subnet.name, mac };
  return { dcKey: renderKeyPattern(subnet.dcConfigKey, values), workerKey: renderKeyPattern(subnet.workerEnvKey, values) };
}

export async function buildInitialEnv(subnet: ResolvedSubnet, mac: string, reader: EtcdReader, signal?: AbortSignal): Promise<InitialEnvResult> {
  const { dcKey, workerKey } = initialEnvKeys(subnet, mac);
  let dcText: string | undefined;
  let workerText: string | undefined;
  try {
    // One round trip (and one revision) when the reader can; else both keys at once.
    if (reader.getMany) [dcText, workerText] = await reader.getMany([dcKey, workerKey], signal);
    else {
      const [dc, worker] = await Promise.allSettled([reader.get(dcKey, signal), reader.get(workerKey, signal)]);
      for (const r of [dc, worker]) if (r.status === 'rejected') throw r.reason;
      dcText = (dc as PromiseFulfilledResult<string | undefined>).value;
      workerText = (worker as PromiseFulfilledResult<string | undefined>).value;
    }
  } catch (err) {
    if (signal?.aborted) return { ok: false, kind: 'cancelled', reason: 'the client closed the connection' };
    return { ok: false, kind: 'unavailable', reason: `etcd could not be read: ${AppError.from(err).message}` };
  }
  if (signal?.aborted) return { ok: false, kind: 'cancelled', reason: 'the client closed the connection' };
  if (workerText === undefined) {
    return { ok: false, kind: 'not-found', reason: `no worker env for ${mac}: etcd key ${workerKey} does not exist` };
  }
  if (dcText === undefined) {
    return {
      ok: false,
      kind: 'not-found',
      reason: `no datacenter config for subnet ${subnet.name} (datacenter ${subnet.datacenterUuid}): etcd key ${dcKey} does not exist`,
    };
  }
  const dcEntries = parseLayer(dcText, dcKey);
  if (!Array.isArray(dcEntries)) return dcEntries;
  const workerEntries = parseLayer(workerText, workerKey);
  if (!Array.isArray(workerEntries)) return workerEntries;
  const merged = mergeEnv(dcEntries, workerEntries);
  return { ok: true, text: serializeEnv(merged), keyCount: merged.length, dcKey, workerKey };
}

function parseLayer(text: string, key: string): EnvEntry[] | { ok: false; kind: 'invalid'; reason: string } {
  const parsed = parseEnv(text);
  if (parsed.problems.length === 0) return parsed.entries;
  // Line numbers only: a problem's message may quote the line, and the line may hold a secret.
  const lines = parsed.problems.slice(0, 10).map((p) => p.line);
  const more = parsed.problems.length > lines.length ? ` and ${parsed.problems.length - lines.length} more` : '';
  return {
    ok: false,
    kind: 'invalid',
    reason: `the value of etcd key ${key} is not a valid env file (bad line${parsed.problems.length > 1 ? 's' : ''} ${lines.join(', ')}${more}); fix it in etcd`,
  };
}
