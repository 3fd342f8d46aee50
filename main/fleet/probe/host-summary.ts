import type { HostMetrics, HostSummary } from '../../contract/fleet';
import type { WorkerHardware } from '../../contract/miners';

const round1 = (n: number) => Math.round(n * 10) / 10;

function sum(values: readonly (number | null)[]): number | null {
  let total = 0;
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    total += v;
    any = true;
  }
  return any ? round1(total) : null;
}

function max(values: readonly (number | null)[]): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && (m === null || v > m)) m = v;
  return m;
}

function avg(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : round1(known.reduce((a, b) => a + b, 0) / known.length);
}

/** Pseudo file systems df lists that say nothing about a disk filling up. */
const IGNORED_MOUNT_PREFIXES = ['/dev', '/run', '/sys', '/proc', '/snap/'];

function interestingMount(m: HostMetrics['mounts'][number]): boolean {
  if (m.sizeBytes <= 0) return false;
  if (m.source === 'tmpfs' || m.source === 'devtmpfs' || m.source === 'overlay' || m.source === 'none') return false;
  return !IGNORED_MOUNT_PREFIXES.some((p) => m.mount === p || m.mount.startsWith(p === '/snap/' ? p : `${p}/`));
}

/** The few numbers a host table shows, from one probe. */
export function summarizeMetrics(m: HostMetrics): HostSummary {
  const mounts = m.mounts.filter(interestingMount);
  const fullest = mounts.reduce<HostMetrics['mounts'][number] | undefined>((a, b) => (a === undefined || b.usePercent > a.usePercent ? b : a), undefined);
  const nets = m.networks.filter((n) => n.iface !== 'lo');
  return {
    atMs: m.atMs,
    hostname: m.hostname,
    uptimeSec: m.uptimeSec,
    load1: m.load1,
    load5: m.load5,
    load15: m.load15,
    cpuCount: m.cpu.count,
    cpuUsePercent: m.cpu.usePercent,
    iowaitPercent: m.cpu.iowaitPercent,
    cpuTempC: m.cpuTempC,
    memUsePercent: m.memory?.usePercent ?? null,
    memTotalBytes: m.memory?.totalBytes ?? null,
    swapUsePercent: m.swap?.usePercent ?? null,
    diskUseMaxPercent: fullest?.usePercent ?? null,
    diskUseMaxMount: fullest?.mount.slice(0, 256) ?? null,
    diskReadBytesPerSec: sum(m.disks.map((d) => d.readBytesPerSec)),
    diskWriteBytesPerSec: sum(m.disks.map((d) => d.writeBytesPerSec)),
    netRxBytesPerSec: sum(nets.map((n) => n.rxBytesPerSec)),
    netTxBytesPerSec: sum(nets.map((n) => n.txBytesPerSec)),
    gpuCount: m.gpus.length,
    gpuTempMaxC: max(m.gpus.map((g) => g.temperatureC)),
    gpuUtilAvgPercent: avg(m.gpus.map((g) => g.utilizationPercent)),
    gpuPowerW: sum(m.gpus.map((g) => g.powerDrawW)),
    errors: m.problems.filter((p) => p.severity === 'error').length,
    warnings: m.problems.filter((p) => p.severity === 'warning').length,
    roundTripMs: m.roundTripMs,
  };
}

const defined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/**
 * A probe as the Miners feature's WorkerHardware (seed 001: CPU and GPU temperature and load,
 * memory, disk use and disk/network IO beside each worker's sealing jobs). For the later link-up:
 * Miners finds the host with FleetService.lookup({ lotusWorker }) and calls this.
 */
export function workerHardware(m: HostMetrics): WorkerHardware {
  const s = summarizeMetrics(m);
  const hw: WorkerHardware = { updatedAtMs: m.atMs };
  const set = <K extends keyof WorkerHardware>(k: K, v: WorkerHardware[K] | null) => {
    if (v !== null && v !== undefined) hw[k] = v;
  };
  set('cpuLoadPercent', s.cpuUsePercent);
  set('cpuTempC', s.cpuTempC);
  set('diskUsePercent', s.diskUseMaxPercent);
  set('diskReadBytesPerSec', s.diskReadBytesPerSec);
  set('diskWriteBytesPerSec', s.diskWriteBytesPerSec);
  set('netRxBytesPerSec', s.netRxBytesPerSec);
  set('netTxBytesPerSec', s.netTxBytesPerSec);
  if (m.gpus.length > 0) {
    hw.gpus = m.gpus.slice(0, 64).map((g) => {
      const out: NonNullable<WorkerHardware['gpus']>[number] = { index: Math.max(0, g.index) };
      const name = defined(g.name);
      if (name !== undefined) out.name = name.slice(0, 256);
      const load = defined(g.utilizationPercent);
      if (load !== undefined) out.loadPercent = load;
      const temp = defined(g.temperatureC);
      if (temp !== undefined) out.tempC = temp;
      if (g.memoryUsedMiB !== null) out.memoryUsedBytes = g.memoryUsedMiB * 1024 * 1024;
      if (g.memoryTotalMiB !== null) out.memoryTotalBytes = g.memoryTotalMiB * 1024 * 1024;
      if (g.powerDrawW !== null) out.powerW = g.powerDrawW;
      return out;
    });
  }
  return hw;
}
