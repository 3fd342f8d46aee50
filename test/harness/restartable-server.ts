import { registerCleanup } from './cleanup';
import type { ManagedProcess } from './proc';
import type { TempDir } from './tmp';

/** What every harness server offers: its process, and taking it down and up on the same port and data. */
export interface RestartableServer {
  readonly pid: number;
  readonly running: boolean;
  /** Output of the current (or last) process. */
  logs(): string;
  /** Stops the process (port and data kept). */
  down(): Promise<void>;
  /** Starts it again (no-op while it runs). */
  up(): Promise<void>;
  /** down() then up(): cuts every connection. */
  restart(): Promise<void>;
  /** Stops it for good and removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * One server process that a test can take down and bring back, stopped for good by stop() or the
 * harness's process-wide cleanup. `start` launches it (and waits until it is ready).
 */
export function restartableServer(name: string, tmp: TempDir, start: () => Promise<ManagedProcess>): RestartableServer {
  let proc: ManagedProcess | null = null;
  let lastProc: ManagedProcess | null = null;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    unregister();
    await proc?.stop();
    proc = null;
    await tmp.remove();
  };
  const unregister = registerCleanup({ name: `${name} in ${tmp.path}`, cleanup: () => stop() });
  const up = async (): Promise<void> => {
    if (stopped) throw new Error(`${name} was stopped`);
    if (proc && proc.exitStatus === null) return;
    proc = await start();
    lastProc = proc;
  };
  const down = async (): Promise<void> => {
    const current = proc;
    proc = null;
    await current?.stop();
  };
  return {
    get pid() {
      return proc && proc.exitStatus === null ? proc.pid : -1;
    },
    get running() {
      return proc !== null && proc.exitStatus === null;
    },
    logs: () => lastProc?.logs() ?? '',
    down,
    up,
    restart: async () => {
      await down();
      await up();
    },
    stop,
  };
}
