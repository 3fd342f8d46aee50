import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Files holding settings and secrets: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** The config directory, when Drover creates it: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/** mkdir -p with owner-only permissions on the directories it creates (existing ones are left alone). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Replaces `file` atomically: a temp file in the same directory (mode 0600), write, fsync, close,
 * rename over the target, fsync the directory. A crash at any point leaves either the old file or
 * the new one, never a mix; a failure removes the temp file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode: number = PRIVATE_FILE_MODE): Promise<void> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    renamed = true;
    await fsyncDir(dir);
  } finally {
    if (!renamed) await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Makes a rename durable. Some platforms cannot open or sync a directory; that is not an error. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** A file name fragment for a moment: 2025-11-23T15-55-00.123Z (no colons, safe on every OS). */
export function fileTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-');
}

/**
 * Moves `file` out of the way as `<file>.<tag>-<timestamp>` without ever replacing an existing
 * file (a hard link refuses to overwrite; a counter is appended on a clash). Returns the new path.
 */
export async function keepAside(file: string, tag: string, nowMs: number): Promise<string> {
  const base = `${file}.${tag}-${fileTimestamp(nowMs)}`;
  for (let n = 0; n < 1000; n++) {
    const target = n === 0 ? base : `${base}-${n}`;
    try {
      await fs.link(file, target);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') throw err;
      // No hard links here (some network or FAT file systems): check, then rename.
      if (await exists(target)) continue;
      await fs.rename(file, target);
      await fsyncDir(path.dirname(file));
      return target;
    }
    await fs.unlink(file);
    await fsyncDir(path.dirname(file));
    return target;
  }
  throw new Error(`could not find a free name to keep ${file} aside`);
}

/** Reads a whole file, refusing one larger than maxBytes (a config file that size is not ours). */
export async function readFileLimited(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new FileTooLargeError(file, size, maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`${file} is ${sizeBytes} bytes, more than the ${maxBytes} bytes allowed`);
    this.name = 'FileTooLargeError';
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}
