import { parseCounter, splitLines } from './parse-util';

/** Aggregate CPU time in USER_HZ ticks. guest/guest_nice are already inside user/nice and are left out. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface ProcStat {
  cpu: CpuTimes | null;
  /** Number of "cpuN" lines (online CPUs). */
  cpuCount: number | null;
  bootTimeSec: number | null;
}

/** The cpu and btime lines of /proc/stat (the probe greps them out; other lines are ignored). */
export function parseProcStat(text: string): ProcStat {
  let cpu: CpuTimes | null = null;
  let cpuCount = 0;
  let bootTimeSec: number | null = null;
  for (const line of splitLines(text)) {
    const f = line.trim().split(/\s+/);
    const key = f[0];
    if (key === 'cpu') {
      const n = f.slice(1, 9).map((v) => parseCounter(v));
      // Kernels before 2.6.11 lack steal, before 2.6.0 iowait/irq/softirq: missing ones count as 0.
      if (n.length >= 4 && n.slice(0, 4).every((v) => v !== null)) {
        const v = (i: number) => n[i] ?? 0;
        cpu = { user: v(0), nice: v(1), system: v(2), idle: v(3), iowait: v(4), irq: v(5), softirq: v(6), steal: v(7) };
      }
    } else if (key !== undefined && /^cpu\d+$/.test(key)) cpuCount++;
    else if (key === 'btime') bootTimeSec = parseCounter(f[1]);
  }
  return { cpu, cpuCount: cpuCount > 0 ? cpuCount : null, bootTimeSec };
}

export function cpuTotal(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}
