import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The statistics and result files every benchmark shares (see shared/design/BENCHMARKS.md). */

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

export interface CpuTimes {
  user: number;
  sys: number;
}

/** CPU seconds (user, system) a process has used so far; zeros when it is gone. */
export function procCpu(pid: number): CpuTimes {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / clkTck, sys: Number(f[12]) / clkTck }; // utime, stime (fields 14 and 15)
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function procCpuS(pid: number): number {
  const t = procCpu(pid);
  return t.user + t.sys;
}

/** CPU seconds (user, system) of this process so far. */
export const selfCpu = (): CpuTimes => {
  const u = process.cpuUsage();
  return { user: u.user / 1e6, sys: u.system / 1e6 };
};

/**
 * Seconds a process's main thread (threads 'all': all its threads together) has spent runnable
 * but waiting for a CPU so far (Linux /proc/PID/task/TID/schedstat, its second field, in ns); 0
 * where that cannot be read. Latency that is neither CPU time nor this wait was spent elsewhere.
 */
export function procRunQueueWaitS(pid: number | 'self', threads: 'main' | 'all' = 'main'): number {
  const wait = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').split(' ')[1]) / 1e9 || 0;
    } catch {
      return 0;
    }
  };
  if (threads === 'main') return wait(`/proc/${pid}/schedstat`);
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((a, tid) => a + wait(`/proc/${pid}/task/${tid}/schedstat`), 0);
  } catch {
    return 0;
  }
}

/** CPU seconds of this process so far. */
export const selfCpuS = (): number => {
  const t = selfCpu();
  return t.user + t.sys;
};

/** `--name value` options of a benchmark, with defaults. */
export function benchOptions<T extends Record<string, number | string | boolean>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number | string | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (!(name in defaults)) throw new Error(`unknown option --${name} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    const d = defaults[name as keyof T];
    if (typeof d === 'boolean') out[name] = inline === undefined ? true : inline !== 'false';
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      out[name] = typeof d === 'number' ? Number(v) : v;
    }
  }
  return out as T;
}

/** Writes test/bench/results/<name>.json in the shared shape and prints where. */
export async function writeBenchResult(name: string, runs: number, metrics: Record<string, number | string | boolean | null>, notes: string): Promise<string> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const result = { bench: name, date: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version, notes }, runs, metrics };
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return file;
}
