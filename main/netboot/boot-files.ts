import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { NetbootStep } from '../contract/netboot';

/**
 * Boot files under one directory, served at /boot/<path>. A path is refused (400) when a
 * segment is empty, ".", "..", hidden (starts with "."), or holds "\", NUL or control
 * characters after decoding; a file whose real path (symlinks resolved) leaves the directory is
 * refused (403) too. All file-system access is asynchronous.
 */

export type BootPath = { ok: true; relative: string } | { ok: false; reason: string };

/** rawPath is the undecoded part after "/boot/". */
export function parseBootPath(rawPath: string): BootPath {
  if (rawPath === '' || rawPath.length > 1024) return { ok: false, reason: 'no file named, or the path is too long' };
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: 'the path has a malformed %-escape' };
    }
    if (seg === '' || seg === '.' || seg === '..') return { ok: false, reason: 'empty, "." and ".." path segments are refused' };
    if (seg.startsWith('.')) return { ok: false, reason: 'hidden files are not served' };
    if (seg.includes('\\') || seg.includes('/') || hasControl(seg)) return { ok: false, reason: 'a path segment may not contain "/", "\\" or control characters' };
    segments.push(seg);
  }
  return { ok: true, relative: segments.join('/') };
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Which timeline step fetching this file is: kernels and initrds by their usual names. */
export function bootFileStep(relative: string): NetbootStep {
  const base = relative.slice(relative.lastIndexOf('/') + 1).toLowerCase();
  if (/^(vmlinuz|vmlinux|bzimage|kernel|linux)([-._]|$)/.test(base) || base.includes('vmlinuz')) return 'kernel';
  if (/^(initrd|initramfs)([-._]|$)/.test(base) || base.includes('initrd') || base.includes('initramfs') || /\.cpio(\.\w+)?$/.test(base)) return 'initrd';
  return 'file';
}

export type OpenedBootFile =
  | { kind: 'file'; handle: FileHandle; size: number; mtimeMs: number; realPath: string }
  | { kind: 'missing'; reason: string }
  | { kind: 'refused'; reason: string };

export class BootFileDirectory {
  private root: Promise<string | { error: string }> | undefined;

  constructor(readonly dir: string) {}

  private realRoot(): Promise<string | { error: string }> {
    if (!this.root) {
      this.root = realpath(this.dir).catch((err: unknown) => {
        this.root = undefined; // try again next time: the directory may appear
        return { error: `the boot files directory ${this.dir} cannot be read (${codeOf(err)})` };
      });
    }
    return this.root;
  }

  async open(relative: string): Promise<OpenedBootFile> {
    const root = await this.realRoot();
    if (typeof root !== 'string') return { kind: 'missing', reason: root.error };
    let real: string;
    try {
      real = await realpath(path.join(root, relative));
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', reason: `${relative} is not in the boot files directory` };
      return { kind: 'refused', reason: `${relative} cannot be read (${code})` };
    }
    if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
      return { kind: 'refused', reason: `${relative} leads outside the boot files directory (a symlink)` };
    }
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT') return { kind: 'missing', reason: `${relative} is not in the boot files directory` };
      return { kind: 'refused', reason: `${relative} cannot be opened (${code})` };
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) {
        await handle.close();
        return { kind: 'missing', reason: `${relative} is not a file` };
      }
      return { kind: 'file', handle, size: st.size, mtimeMs: st.mtimeMs, realPath: real };
    } catch (err) {
      await handle.close().catch(() => undefined);
      return { kind: 'refused', reason: `${relative} cannot be read (${codeOf(err)})` };
    }
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
