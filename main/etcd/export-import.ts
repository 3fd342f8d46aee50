import type { BackupFile } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { decodeEntry, prefixOf, readBackupFile, toBackupEntry, writeBackupFile } from './backup-file';
import { startsWith } from './etcd-bytes';
import type { EtcdSession } from './etcd-session';
import { readPrefixBackup, restoreBackup, type RestoreOptions, type RestoreResult } from './prefix-delete';
import { keyDisplay } from './value-codec';

/**
 * Export and import of a prefix, in the backup file format (backup-file.ts). An import is a
 * restore: keys that do not exist are created, keys holding the same value are left alone, and
 * keys holding another value are reported, never overwritten.
 */

export interface ExportResult {
  file: string;
  count: number;
  revision: number;
}

export async function exportPrefix(session: EtcdSession, prefix: Uint8Array, file: string, nowMs: number): Promise<ExportResult> {
  const backup = await readPrefixBackup(session, prefix, { reason: 'export', nowMs });
  await writeBackupFile(file, backup);
  return { file, count: backup.count, revision: backup.revision };
}

export interface ImportOptions extends RestoreOptions {
  /** Import under another prefix: every key's `from` prefix (default the file's prefix) is replaced by `to`. */
  rebase?: { from?: Uint8Array; to: Uint8Array };
}

export async function importFile(session: EtcdSession, file: string, options: ImportOptions = {}): Promise<RestoreResult & { file: string }> {
  let backup = await readBackupFile(file);
  if (options.rebase) backup = rebaseBackup(backup, options.rebase.from ?? prefixOf(backup), options.rebase.to);
  const result = await restoreBackup(session, backup, options);
  return { ...result, file };
}

/** The same entries with `from` replaced by `to` at the start of every key (all keys must start with `from`). */
export function rebaseBackup(backup: BackupFile, from: Uint8Array, to: Uint8Array): BackupFile {
  const entries = backup.entries.map((e) => {
    const d = decodeEntry(e);
    if (!startsWith(d.key, from)) {
      throw new AppError('INVALID_INPUT', `${keyDisplay(d.key).display} does not start with ${keyDisplay(from).display}; cannot move it under ${keyDisplay(to).display}`);
    }
    const key = Buffer.concat([to, d.key.subarray(from.length)]);
    return toBackupEntry({ ...d, key });
  });
  return { ...backup, entries };
}
