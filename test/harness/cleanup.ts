/**
 * Process-wide registry of everything the harness started (processes, temp dirs, proxies).
 * `stopAll()` releases what is still registered (use it in `afterAll`); a process 'exit' hook and
 * SIGINT/SIGTERM/SIGHUP hooks kill what is left synchronously, so nothing outlives the test run.
 */

export interface CleanupEntry {
  /** Shown in errors. */
  readonly name: string;
  /** Graceful release, used by stopAll(). */
  cleanup(): Promise<void> | void;
  /** Last-resort release from the process 'exit' hook: must be synchronous (SIGKILL, rmSync). */
  cleanupSync?(): void;
}

const entries: CleanupEntry[] = [];
let hooksInstalled = false;

function forget(entry: CleanupEntry): void {
  const index = entries.lastIndexOf(entry);
  if (index >= 0) entries.splice(index, 1);
}

/** Registers a resource; returns a function that unregisters it (call it once the resource is released). */
export function registerCleanup(entry: CleanupEntry): () => void {
  installExitHooks();
  entries.push(entry);
  return () => forget(entry);
}

/** How many resources are still registered (a leak check for tests). */
export function pendingCleanupCount(): number {
  return entries.length;
}

/**
 * Releases everything still registered, newest first (a server's process goes before its temp dir).
 * Throws an AggregateError after trying all of them if any failed.
 */
export async function stopAll(): Promise<void> {
  const errors: unknown[] = [];
  while (entries.length > 0) {
    const entry = entries.pop()!;
    try {
      await entry.cleanup();
    } catch (error) {
      errors.push(new Error(`cleanup of ${entry.name} failed: ${String(error)}`, { cause: error }));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `harness cleanup: ${errors.length} failure(s)`);
}

/** Synchronous last resort (process 'exit', signals): kills and removes without waiting. */
export function stopAllSync(): void {
  while (entries.length > 0) {
    const entry = entries.pop()!;
    try {
      entry.cleanupSync?.();
    } catch {}
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', stopAllSync);
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      stopAllSync();
      process.removeListener(signal, onSignal);
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
