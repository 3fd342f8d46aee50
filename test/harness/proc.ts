import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { registerCleanup } from './cleanup';

/** Polled until it returns true; the signal aborts a slow attempt. */
export type ReadyProbe = (signal: AbortSignal) => Promise<boolean>;

export interface StartProcessOptions {
  /** Short name used in errors and logs, e.g. "sshd". */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Readiness check, polled every `readyIntervalMs`; without it the process is ready once spawned. */
  ready?: ReadyProbe;
  readyTimeoutMs?: number;
  readyIntervalMs?: number;
  /** Size of the stdout+stderr ring buffer. */
  logLimitBytes?: number;
  /** SIGTERM → SIGKILL grace period used by stop(). */
  stopGraceMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** null while running. */
  readonly exitStatus: ExitStatus | null;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** The last `logLimitBytes` of stdout and stderr, interleaved as they arrived. */
  logs(): string;
  /**
   * SIGTERM to the process and every descendant it had (sshd's per-connection children), SIGKILL to
   * whatever is still alive after the grace period. Resolves when all of them are gone. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<ExitStatus>;
}

/** Startup failed or timed out; `logs` holds the process output (also part of the message). */
export class ProcessStartError extends Error {
  constructor(
    message: string,
    readonly logs: string,
  ) {
    super(`${message}\n--- process output (last bytes) ---\n${logs || '(no output)'}\n--- end of output ---`);
    this.name = 'ProcessStartError';
  }
}

/** Bounded byte buffer keeping the newest bytes. */
export class RingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private droppedBytes = 0;

  constructor(private readonly limitBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.limitBytes) {
      this.droppedBytes += this.size + chunk.length - this.limitBytes;
      this.chunks = [chunk.subarray(chunk.length - this.limitBytes)];
      this.size = this.limitBytes;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limitBytes) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limitBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.droppedBytes += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.droppedBytes += excess;
      }
    }
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.droppedBytes > 0 ? `[... ${this.droppedBytes} earlier bytes dropped ...]\n${text}` : text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while `pid` exists and is not a zombie (Linux /proc is used to tell zombies apart). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** All descendants of `pid` (children, grandchildren...), read from /proc; empty where /proc is absent. */
export function listDescendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {}
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

async function waitForPidsGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every((pid) => !isPidAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
}

/** Ready once a TCP connection to host:port succeeds. */
export function tcpProbe(host: string, port: number): ReadyProbe {
  return (signal) =>
    new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(ok);
      };
      const onAbort = (): void => done(false);
      signal.addEventListener('abort', onAbort);
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
}

/** Ready once a TCP connection to host:port receives a first line starting with `prefix` (e.g. "SSH-2.0-"). */
export function bannerProbe(host: string, port: number, prefix: string): ReadyProbe {
  return (signal) =>
    new Promise((resolve) => {
      const socket = net.connect({ host, port });
      let received = '';
      const done = (ok: boolean): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(ok);
      };
      const onAbort = (): void => done(false);
      signal.addEventListener('abort', onAbort);
      socket.setEncoding('latin1');
      socket.on('data', (data: string) => {
        received += data;
        if (received.length >= prefix.length || received.includes('\n')) done(received.startsWith(prefix));
      });
      socket.once('end', () => done(received.startsWith(prefix)));
      socket.once('error', () => done(false));
    });
}

function describe(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Spawns a server process, captures its output in a ring buffer and waits until `ready` says yes.
 * If the process exits first, fails to spawn, or is not ready in time, it is killed and a
 * ProcessStartError carrying its output is thrown. The process is registered for stopAll() and for
 * the exit hook until it has been stopped.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const args = options.args ?? [];
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const readyIntervalMs = options.readyIntervalMs ?? 50;
  const defaultGraceMs = options.stopGraceMs ?? 3_000;
  const ring = new RingBuffer(options.logLimitBytes ?? 64 * 1024);
  const commandLine = describe(options.command, args);

  const child: ChildProcess = spawn(options.command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => ring.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => ring.push(chunk));

  let exitStatus: ExitStatus | null = null;
  let spawnError: Error | null = null;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) {
        exitStatus = { code: null, signal: null };
        resolve(exitStatus);
      }
    });
  });

  // Known descendants, refreshed on every stop() and by the exit hook (sshd children call setsid,
  // so a process group kill would miss them).
  const rootPid = child.pid;
  let stopping: Promise<ExitStatus> | null = null;
  let unregister: () => void = () => {};

  const stop = (stopOptions?: { graceMs?: number }): Promise<ExitStatus> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (rootPid === undefined) return exited;
      const graceMs = stopOptions?.graceMs ?? defaultGraceMs;
      const pids = [rootPid, ...listDescendants(rootPid)];
      signalPids(pids, 'SIGTERM');
      if (!(await waitForPidsGone(pids, graceMs))) {
        signalPids([rootPid, ...listDescendants(rootPid), ...pids], 'SIGKILL');
        await waitForPidsGone(pids, 5_000);
      }
      const status = await exited;
      unregister();
      return status;
    })();
    return stopping;
  };

  unregister = registerCleanup({
    name: `${options.name} (pid ${rootPid ?? '?'})`,
    cleanup: async () => {
      await stop();
    },
    cleanupSync: () => {
      if (rootPid === undefined) return;
      signalPids([rootPid, ...listDescendants(rootPid)], 'SIGKILL');
    },
  });

  const handle: ManagedProcess = {
    name: options.name,
    get pid() {
      return rootPid ?? -1;
    },
    get exitStatus() {
      return exitStatus;
    },
    exited,
    logs: () => ring.toString(),
    stop,
  };

  const fail = async (reason: string): Promise<never> => {
    await stop({ graceMs: 500 });
    throw new ProcessStartError(`${options.name}: ${reason}\ncommand: ${commandLine}`, ring.toString());
  };

  if (rootPid === undefined) {
    await exited;
    unregister();
    throw new ProcessStartError(`${options.name}: could not spawn (${String(spawnError)})\ncommand: ${commandLine}`, '');
  }
  if (!options.ready) return handle;

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitStatus) {
      const { code, signal } = exitStatus as ExitStatus;
      return fail(`exited (code ${code}, signal ${signal}) before it was ready`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return fail(`not ready after ${readyTimeoutMs} ms`);
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(), Math.min(remaining, 2_000));
    let ok = false;
    try {
      ok = await Promise.race([options.ready(attempt.signal), exited.then(() => false)]);
    } catch {
      ok = false;
    } finally {
      clearTimeout(timer);
    }
    if (ok && !exitStatus) return handle;
    if (!exitStatus) await Promise.race([sleep(readyIntervalMs), exited]);
  }
}
