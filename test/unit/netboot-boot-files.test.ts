import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootFileDirectory, bootFileStep, parseBootPath } from '../../main/netboot/boot-files';
import { parseRange } from '../../main/netboot/http-range';

describe('Range header', () => {
  it('reads one byte range', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ kind: 'range', start: 50, end: 99 });
    expect(parseRange('BYTES = 1 - 2', 100)).toEqual({ kind: 'range', start: 1, end: 2 });
  });
  it('says unsatisfiable past the end, ignores what it cannot read', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    for (const ignored of ['bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-', 'bytes=a-b', 'bytes=1234567890123456-']) {
      expect(parseRange(ignored, 100), ignored).toEqual({ kind: 'none' });
    }
  });
});

describe('boot file paths', () => {
  it('accepts plain relative paths, decoding escapes', () => {
    expect(parseBootPath('vmlinuz')).toEqual({ ok: true, relative: 'vmlinuz' });
    expect(parseBootPath('userland/nvidia%20535.tar.zst')).toEqual({ ok: true, relative: 'userland/nvidia 535.tar.zst' });
  });
  it('refuses traversal, hidden files, separators and control characters, however encoded', () => {
    for (const bad of ['../etc/passwd', 'a/../../x', '%2e%2e/etc/passwd', 'a/%2E%2E/b', '..%2fetc', 'a%5c..%5cb', 'a//b', '/abs', '.ssh/id', 'a/%00', 'x%zz', '', 'a/.', 'a%0ab']) {
      expect(parseBootPath(bad).ok, bad).toBe(false);
    }
  });
  it('names the timeline step by the file name', () => {
    expect(bootFileStep('vmlinuz')).toBe('kernel');
    expect(bootFileStep('debian/vmlinuz-6.1.0-cloud-amd64')).toBe('kernel');
    expect(bootFileStep('bzImage')).toBe('kernel');
    expect(bootFileStep('initrd-zrt')).toBe('initrd');
    expect(bootFileStep('initramfs-6.1.img')).toBe('initrd');
    expect(bootFileStep('rootfs.cpio.gz')).toBe('initrd');
    expect(bootFileStep('userland-nvidia.tar.zst')).toBe('file');
    expect(bootFileStep('bminer-v16.tar.xz')).toBe('file');
  });
});

describe('BootFileDirectory', () => {
  let tmp: string;
  let root: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'drover-bootfiles-'));
    root = path.join(tmp, 'boot');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'vmlinuz'), 'kernel bytes');
    await writeFile(path.join(tmp, 'secret'), 'outside');
    await symlink(path.join(tmp, 'secret'), path.join(root, 'escape'));
    await symlink(path.join(root, 'vmlinuz'), path.join(root, 'sub', 'inside-link'));
    await symlink(tmp, path.join(root, 'dirlink'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('opens files inside, follows symlinks that stay inside, refuses those that leave', async () => {
    const d = new BootFileDirectory(root);
    const f = await d.open('vmlinuz');
    expect(f.kind).toBe('file');
    if (f.kind === 'file') {
      expect(f.size).toBe(12);
      await f.handle.close();
    }
    const inside = await d.open('sub/inside-link');
    expect(inside.kind).toBe('file');
    if (inside.kind === 'file') await inside.handle.close();
    expect(await d.open('escape')).toEqual({ kind: 'refused', reason: 'escape leads outside the boot files directory (a symlink)' });
    expect((await d.open('dirlink/secret')).kind).toBe('refused');
    expect(await d.open('missing')).toEqual({ kind: 'missing', reason: 'missing is not in the boot files directory' });
    expect(await d.open('sub')).toEqual({ kind: 'missing', reason: 'sub is not a file' });
  });

  it('says when the directory itself is missing', async () => {
    const d = new BootFileDirectory(path.join(tmp, 'nope'));
    expect(await d.open('vmlinuz')).toEqual({ kind: 'missing', reason: `the boot files directory ${path.join(tmp, 'nope')} cannot be read (ENOENT)` });
  });
});
