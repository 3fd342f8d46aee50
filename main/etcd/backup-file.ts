import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupFileSchema,
  type BackupEntry,
  type BackupFile,
} from '../contract/etcd';
import { AppError } from '../contract/errors';
import { readFileLimited, writeFileAtomic } from '../settings/atomic-file';
import type { RawKv } from './etcd-kv';
import { decodeUtf8, fromBase64, isUtf8, toBase64 } from './value-codec';

/**
 * The one file format for delete-prefix backups, exports and imports: JSON, one entry per line,
 * keys and values as text when they are UTF-8 and as base64 otherwise, with the revisions they had.
 * Files are written atomically (temp file, fsync, rename), owner-readable only.
 */

/** Largest backup read back (1 GiB): a file beyond that is not one of ours. */
export const MAX_BACKUP_FILE_BYTES = 1024 * 1024 * 1024;

export interface DecodedEntry {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

export function toBackupEntry(kv: RawKv): BackupEntry {
  const e: BackupEntry = { createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease };
  if (isUtf8(kv.key)) e.key = decodeUtf8(kv.key);
  else e.keyBase64 = toBase64(kv.key);
  if (isUtf8(kv.value)) e.value = decodeUtf8(kv.value);
  else e.valueBase64 = toBase64(kv.value);
  return e;
}

export function decodeEntry(e: BackupEntry): DecodedEntry {
  return {
    key: e.key !== undefined ? Buffer.from(e.key, 'utf8') : fromBase64(e.keyBase64!)!,
    value: e.value !== undefined ? Buffer.from(e.value, 'utf8') : fromBase64(e.valueBase64!)!,
    createRevision: e.createRevision,
    modRevision: e.modRevision,
    version: e.version,
    lease: e.lease,
  };
}

export function prefixOf(backup: BackupFile): Buffer {
  if (backup.prefixBase64 !== undefined) return fromBase64(backup.prefixBase64) ?? Buffer.alloc(0);
  return Buffer.from(backup.prefix ?? '', 'utf8');
}

export interface NewBackup {
  reason: BackupFile['reason'];
  endpoint: string;
  clusterId?: string;
  prefix: Buffer;
  revision: number;
  createdAtMs: number;
  kvs: readonly RawKv[];
}

export function makeBackup(b: NewBackup): BackupFile {
  const file: BackupFile = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    reason: b.reason,
    endpoint: b.endpoint,
    revision: b.revision,
    createdAt: new Date(b.createdAtMs).toISOString(),
    count: b.kvs.length,
    entries: b.kvs.map(toBackupEntry),
  };
  if (b.clusterId !== undefined) file.clusterId = b.clusterId;
  if (isUtf8(b.prefix)) file.prefix = decodeUtf8(b.prefix);
  else file.prefixBase64 = toBase64(b.prefix);
  return file;
}

/** JSON with the header fields first and one entry per line (readable, diffable, greppable). */
export function serializeBackup(backup: BackupFile): string {
  const { entries, ...header } = backup;
  const head = JSON.stringify(header, null, 2);
  const lines = entries.map((e) => `    ${JSON.stringify(e)}`);
  return `${head.slice(0, -2)},\n  "entries": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
}

export type ParsedBackup = { ok: true; backup: BackupFile } | { ok: false; problems: string[] };

/** Never throws: a file that is not a valid backup comes back with what is wrong. */
export function parseBackup(text: string): ParsedBackup {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`not JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format !== BACKUP_FORMAT) {
    return { ok: false, problems: [`not a Drover etcd backup (format is ${JSON.stringify((json as { format?: unknown }).format)}, expected "${BACKUP_FORMAT}")`] };
  }
  const r = BackupFileSchema.safeParse(json);
  if (!r.success) {
    return { ok: false, problems: r.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || 'file'}: ${i.message}`) };
  }
  if (r.data.entries.length !== r.data.count) {
    return { ok: false, problems: [`the file says ${r.data.count} entries but holds ${r.data.entries.length} (truncated?)`] };
  }
  return { ok: true, backup: r.data };
}

export async function writeBackupFile(file: string, backup: BackupFile): Promise<void> {
  try {
    await writeFileAtomic(file, serializeBackup(backup));
  } catch (err) {
    throw new AppError('INTERNAL', `cannot write the backup ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'Choose a folder you can write to, with enough free space.',
      cause: err,
    });
  }
}

/** Reads and checks a backup file; INVALID_INPUT with the problems when it is not one. */
export async function readBackupFile(file: string): Promise<BackupFile> {
  let text: string;
  try {
    text = (await readFileLimited(file, MAX_BACKUP_FILE_BYTES)).toString('utf8');
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = parseBackup(text);
  if (!parsed.ok) throw new AppError('INVALID_INPUT', `${file} is not a usable backup: ${parsed.problems.join('; ')}`, { details: { problems: parsed.problems } });
  return parsed.backup;
}
