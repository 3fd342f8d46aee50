import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerCleanup } from './cleanup';

export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Removes the directory and everything in it (idempotent). */
  remove(): Promise<void>;
}

/**
 * A throwaway directory under os.tmpdir(). It is removed by remove(), by stopAll(), and at the
 * latest when the process exits.
 */
export async function makeTempDir(prefix = 'drover-test-'): Promise<TempDir> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  let removed = false;
  const unregister = registerCleanup({
    name: `temp dir ${dir}`,
    cleanup: () => remove(),
    cleanupSync: () => {
      if (!removed) fs.rmSync(dir, { recursive: true, force: true });
    },
  });
  async function remove(): Promise<void> {
    if (removed) return;
    removed = true;
    unregister();
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  return { path: dir, remove };
}
