import path from 'node:path';
import type { Clock } from '../contract/clock';
import type { Notice } from '../contract/system';
import { errnoCode, FileTooLargeError, keepAside, readFileLimited } from './atomic-file';
import { isPlainObject } from './deep-merge';

/**
 * The one way Drover loads one of its own JSON files (settings.json, tunnels.json, inventories,
 * alert history, ...): versioned, bounded in size, never overwritten when it cannot be used.
 *
 * - missing: the caller's defaults, no notice;
 * - corrupt, not matching the schema, or from a newer Drover: renamed aside with a timestamp, the
 *   caller starts on defaults and may write a new file, and a notice says where the old one went;
 * - unreadable (EACCES, EIO, ...) or impossible to move aside (a read-only directory): defaults,
 *   and `readOnlyReason` is set: the caller must not write the file this run (changes then live
 *   in memory only), and a notice says so.
 * Never throws for a problem with the file.
 */

export interface VersionedJsonSpec<T> {
  readonly file: string;
  /** For messages: "settings", "tunnel profiles". */
  readonly what: string;
  /** Notice keys are `${noticeKey}.unreadable|keptAside|keptAsideNewer|keepAsideFailed|migrated` (i18n "notice.<key>"). */
  readonly noticeKey: string;
  /** The version this Drover writes; a file with a higher `version` is from a newer Drover. */
  readonly version: number;
  readonly maxBytes: number;
  readonly clock: Clock;
  /** Brings an older document up to `version` (default: only the current version is accepted). */
  migrate?(raw: Record<string, unknown>): { ok: true; raw: Record<string, unknown>; from: number } | { ok: false; reason: string };
  /** Validates the (migrated) document. */
  parse(raw: Record<string, unknown>): { ok: true; value: T } | { ok: false; reason: string };
}

export interface VersionedJsonResult<T> {
  /** The file's content, or undefined when it was missing or could not be used. */
  readonly value: T | undefined;
  /** The migrated document the value was parsed from (a caller may keep sections it does not know). */
  readonly raw: Record<string, unknown> | undefined;
  readonly notices: Notice[];
  /** Set when the file must not be written this run. */
  readonly readOnlyReason: string | undefined;
}

let noticeSeq = 0;

export async function loadVersionedJson<T>(spec: VersionedJsonSpec<T>): Promise<VersionedJsonResult<T>> {
  const notices: Notice[] = [];
  const name = path.basename(spec.file);
  const notice = (level: Notice['level'], key: string, values: Record<string, string | number>, message: string) =>
    notices.push({ id: `${spec.noticeKey}.${key}-${spec.clock.now()}-${++noticeSeq}`, level, key: `${spec.noticeKey}.${key}`, values: { file: spec.file, ...values }, message });
  const result = (value: T | undefined, raw: Record<string, unknown> | undefined, readOnlyReason?: string): VersionedJsonResult<T> => ({ value, raw, notices, readOnlyReason });

  const setAside = async (tag: 'corrupt' | 'newer', why: string, extra: Record<string, string | number> = {}): Promise<VersionedJsonResult<T>> => {
    try {
      const keptAs = await keepAside(spec.file, tag, spec.clock.now());
      notice('warning', tag === 'newer' ? 'keptAsideNewer' : 'keptAside', { keptAs, reason: why, ...extra }, `${why}. It was kept as ${path.basename(keptAs)} and Drover starts with default ${spec.what}.`);
      return result(undefined, undefined);
    } catch (err) {
      const code = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
      notice(
        'error',
        'keepAsideFailed',
        { code, reason: why, ...extra },
        `${why}. It could not be moved aside (${code}), so Drover starts with default ${spec.what} and will not write over it; changes made now last until Drover quits.`,
      );
      return result(undefined, undefined, `${spec.file} could not be moved aside (${code})`);
    }
  };

  let bytes: Buffer;
  try {
    bytes = await readFileLimited(spec.file, spec.maxBytes);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return result(undefined, undefined);
    if (err instanceof FileTooLargeError) return setAside('corrupt', `${name} is too large (${err.sizeBytes} bytes) to hold ${spec.what}`);
    const code = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
    notice('error', 'unreadable', { code }, `Drover could not read ${spec.file} (${code}). It starts with default ${spec.what} and will not write over that file; changes made now last until Drover quits.`);
    return result(undefined, undefined, `${spec.file} could not be read (${code})`);
  }

  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    return setAside('corrupt', `${name} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(raw)) return setAside('corrupt', `${name} does not hold a JSON object`);

  const version = raw.version;
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > spec.version) {
    return setAside('newer', `${name} was written by a newer Drover (version ${version}; this one reads up to ${spec.version})`, { version });
  }
  let doc: Record<string, unknown> = raw;
  if (spec.migrate) {
    const migrated = spec.migrate(raw);
    if (!migrated.ok) return setAside('corrupt', `${name} cannot be used: ${migrated.reason}`);
    doc = migrated.raw;
    if (migrated.from !== spec.version) {
      notice('info', 'migrated', { from: migrated.from, to: spec.version }, `${spec.what} were upgraded from version ${migrated.from} to ${spec.version}; they are saved in the new format on the next change.`);
    }
  } else if (version !== spec.version) {
    return setAside('corrupt', `${name} has version ${JSON.stringify(version)}, not ${spec.version}`);
  }
  const parsed = spec.parse(doc);
  if (!parsed.ok) return setAside('corrupt', `${name} does not hold valid ${spec.what} (${parsed.reason})`);
  return result(parsed.value, doc);
}

/** zod issues in one line, for notices. */
export function summarizeIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`)
    .join('; ');
}
