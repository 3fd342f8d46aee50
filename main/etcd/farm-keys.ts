import type { KeyEntry } from '../contract/etcd';
import { AppError } from '../contract/errors';
import type { NetbootKeyVariable } from '../contract/netboot';
import { compileKeyPattern } from '../farm/key-pattern';
import { mergeEnv, parseEnv, type EnvEntry, type EnvProblem } from '../farm/env-file';
import { macForms, normalizeMac } from '../farm/mac-address';
import { startsWith } from './etcd-bytes';
import { toKeyEntry } from './etcd-kv';
import type { EtcdSession } from './etcd-session';
import { readKey, readValueBatch } from './key-pager';
import { decodeUtf8, isUtf8 } from './value-codec';

/**
 * The farm's etcd layout (seed 000: shepherd's getInitialEnv reads the datacenter config found
 * through the subnet's UUID and the worker env keyed by the worker's MAC, and merges them into
 * /tmp/workeragent/worker.env). Both are KEY=VALUE env text (main/farm/env-file.ts).
 *
 * Key patterns name the varying segment: "/farm/workers/{mac}/env", "/farm/dc/{uuid}/config".
 * {mac} matches a MAC in any spelling when reading (colon, hyphen, bare, Cisco dots, any case)
 * and is written in the pattern's form: {mac} lower-case colons, {mac:hyphen}, {mac:bare},
 * {mac:upper} — or, as the netboot responder's etcdKeys write them, {macHyphen}, {macBare},
 * {macUpper}, so one pattern string means the same key in both places.
 */

export type MacForm = 'colon' | 'hyphen' | 'bare' | 'upper';

export interface KeyPattern {
  prefix: Buffer;
  suffix: Buffer;
  placeholder: 'mac' | 'uuid';
  macForm: MacForm;
}

const MAC_FORM_OF: Partial<Record<NetbootKeyVariable, MacForm>> = { mac: 'colon', macHyphen: 'hyphen', macBare: 'bare', macUpper: 'upper' };

export function parseKeyPattern(pattern: string, placeholder: 'mac' | 'uuid'): KeyPattern {
  const example = placeholder === 'mac' ? '/farm/workers/{mac}/env' : '/farm/dc/{uuid}/config';
  const compiled = compileKeyPattern(pattern);
  if (!compiled.ok) throw new AppError('INVALID_INPUT', `the key pattern ${JSON.stringify(pattern)}: ${compiled.error}`, { hint: `For example ${example}` });
  const { parts } = compiled.pattern;
  const isPlaceholder = (v: NetbootKeyVariable) => (placeholder === 'mac' ? MAC_FORM_OF[v] !== undefined : v === 'uuid');
  const slots = parts.flatMap((p, i) => ('variable' in p && isPlaceholder(p.variable) ? [i] : []));
  if (slots.length !== 1) {
    throw new AppError('INVALID_INPUT', `the key pattern ${JSON.stringify(pattern)} must contain {${placeholder}} exactly once`, { hint: `For example ${example}` });
  }
  const at = slots[0]!;
  const other = parts.find((p, i) => i !== at && 'variable' in p);
  if (other && 'variable' in other) {
    throw new AppError('INVALID_INPUT', `the key pattern ${JSON.stringify(pattern)} has {${other.variable}} besides {${placeholder}}: the farm view lists one varying segment`, {
      hint: `Use a pattern such as ${example}`,
    });
  }
  const text = (ps: typeof parts) => ps.map((p) => ('text' in p ? p.text : '')).join('');
  const before = text(parts.slice(0, at));
  const after = text(parts.slice(at + 1));
  if (after.length > 0 && !after.startsWith('/')) {
    throw new AppError('INVALID_INPUT', `in ${JSON.stringify(pattern)}, {${placeholder}} must be a whole path segment (followed by "/" or the end)`);
  }
  if (before.length > 0 && !before.endsWith('/')) {
    throw new AppError('INVALID_INPUT', `in ${JSON.stringify(pattern)}, {${placeholder}} must be a whole path segment (after a "/")`);
  }
  const slot = parts[at]!;
  const macForm = 'variable' in slot ? (MAC_FORM_OF[slot.variable] ?? 'colon') : 'colon';
  return { prefix: Buffer.from(before, 'utf8'), suffix: Buffer.from(after, 'utf8'), placeholder, macForm };
}

/** The segment of `key` in the pattern's placeholder position, or undefined when the key does not fit the pattern. */
export function matchKeyPattern(p: KeyPattern, key: Buffer): string | undefined {
  if (!startsWith(key, p.prefix) || key.length < p.prefix.length + p.suffix.length + 1) return undefined;
  const tail = key.subarray(key.length - p.suffix.length);
  if (Buffer.compare(tail, p.suffix) !== 0) return undefined;
  const middle = key.subarray(p.prefix.length, key.length - p.suffix.length);
  if (middle.includes(0x2f) || !isUtf8(middle)) return undefined;
  return decodeUtf8(middle);
}

export function workerEnvKey(p: KeyPattern, mac: string): Buffer {
  const forms = macForms(mac); // throws on a bad MAC: callers validate first
  return Buffer.concat([p.prefix, Buffer.from(forms[p.macForm], 'utf8'), p.suffix]);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function datacenterKey(p: KeyPattern, uuid: string): Buffer {
  if (!isUuid(uuid)) throw new AppError('INVALID_INPUT', `not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.concat([p.prefix, Buffer.from(uuid.toLowerCase(), 'utf8'), p.suffix]);
}

export interface EnvRow {
  /** The segment as written in the key. */
  id: string;
  /** The normalised MAC (lower-case colons) or UUID (lower-case); null when the segment is not one. */
  normalized: string | null;
  entry: KeyEntry;
  /** The value as text ('' when it is not UTF-8). */
  text: string;
  env: EnvEntry[];
  /** Env syntax problems by line, plus problems with the key itself (line 0). */
  problems: EnvProblem[];
}

export interface EnvTablePage {
  rows: EnvRow[];
  /** Keys under the pattern's prefix that do not fit the pattern (other data), skipped. */
  skipped: number;
  more: boolean;
  /** Pass back as `after` for the next page. */
  lastKey: string | null;
  revision: number;
}

export interface EnvTableOptions {
  /** Continue after this key (base64 of lastKey from the previous page). */
  after?: string | null;
  revision?: number;
  /** Value bytes per page (default 1 MiB). */
  budgetBytes?: number;
  maxCount?: number;
}

function checkValue(value: Buffer): { env: EnvEntry[]; problems: EnvProblem[] } {
  if (!isUtf8(value)) return { env: [], problems: [{ line: 0, message: 'the value is not UTF-8 text' }] };
  const parsed = parseEnv(decodeUtf8(value));
  return { env: parsed.entries, problems: parsed.problems };
}

/** One page of the env table under a pattern (worker envs by MAC, or datacenter configs by UUID). */
export async function listEnvTable(session: EtcdSession, pattern: KeyPattern, options: EnvTableOptions = {}): Promise<EnvTablePage> {
  const page = await readValueBatch(session, { prefix: pattern.prefix }, {
    after: options.after ? Buffer.from(options.after, 'base64') : undefined,
    revision: options.revision ?? 0,
    budgetBytes: options.budgetBytes,
    maxCount: options.maxCount,
  });
  const rows: EnvRow[] = [];
  let skipped = 0;
  const seen = new Map<string, string>();
  for (const kv of page.kvs) {
    const id = matchKeyPattern(pattern, kv.key);
    if (id === undefined) {
      skipped++;
      continue;
    }
    const normalized = pattern.placeholder === 'mac' ? (normalizeMac(id) ?? null) : isUuid(id) ? id.toLowerCase() : null;
    const { env, problems } = checkValue(kv.value);
    if (normalized === null) problems.unshift({ line: 0, message: `${JSON.stringify(id)} in the key is not a ${pattern.placeholder === 'mac' ? 'MAC address' : 'UUID'}` });
    else {
      const other = seen.get(normalized);
      if (other !== undefined && other !== id) problems.unshift({ line: 0, message: `the same ${pattern.placeholder} as ${JSON.stringify(other)}, spelled differently` });
      seen.set(normalized, id);
    }
    rows.push({ id, normalized, entry: toKeyEntry(kv, kv.value.length), text: isUtf8(kv.value) ? decodeUtf8(kv.value) : '', env, problems });
  }
  const last = page.kvs[page.kvs.length - 1];
  return { rows, skipped, more: page.more, lastKey: last ? last.key.toString('base64') : null, revision: page.revision };
}

/** Problems with a worker-env edit before it is written: the MAC and the env text. */
export function validateEnvEdit(placeholder: 'mac' | 'uuid', id: string, text: string): EnvProblem[] {
  const problems: EnvProblem[] = [];
  if (placeholder === 'mac' && normalizeMac(id) === undefined) problems.push({ line: 0, message: `${JSON.stringify(id)} is not a MAC address (e.g. 52:54:00:a1:9c:ae)` });
  if (placeholder === 'uuid' && !isUuid(id)) problems.push({ line: 0, message: `${JSON.stringify(id)} is not a UUID` });
  problems.push(...parseEnv(text).problems);
  return problems;
}

/**
 * What shepherd would hand a worker: the datacenter config, then the worker's own env on top
 * (later wins), as env entries, with the problems of both values.
 */
export async function mergedWorkerEnv(
  session: EtcdSession,
  patterns: { datacenter: KeyPattern; worker: KeyPattern },
  ids: { uuid: string; mac: string },
): Promise<{ env: EnvEntry[]; problems: { source: 'datacenter' | 'worker'; problem: EnvProblem }[]; found: { datacenter: boolean; worker: boolean } }> {
  const [dc, worker] = await Promise.all([
    readKey(session, datacenterKey(patterns.datacenter, ids.uuid)),
    readKey(session, workerEnvKey(patterns.worker, ids.mac)),
  ]);
  const dcParsed = dc ? checkValue(dc.value) : { env: [], problems: [] };
  const wParsed = worker ? checkValue(worker.value) : { env: [], problems: [] };
  return {
    env: mergeEnv(dcParsed.env, wParsed.env),
    problems: [
      ...dcParsed.problems.map((problem) => ({ source: 'datacenter' as const, problem })),
      ...wParsed.problems.map((problem) => ({ source: 'worker' as const, problem })),
    ],
    found: { datacenter: dc !== null, worker: worker !== null },
  };
}
