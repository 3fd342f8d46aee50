import type { HostHistory, HostMetrics } from '../../contract/fleet';

/** The most points kept per host, whatever the interval and retention (memory: ~100 bytes a point for a 4-GPU host). */
export const MAX_HISTORY_POINTS = 720;

const SERIES = ['cpuTempC', 'load1', 'cpuUsePercent', 'memUsePercent', 'gpuTempMaxC', 'gpuUtilAvgPercent'] as const;
type SeriesName = (typeof SERIES)[number];

/** A fixed ring of float samples; NaN stands for "no value". */
class Ring {
  readonly values: Float32Array;
  constructor(capacity: number) {
    this.values = new Float32Array(capacity).fill(Number.NaN);
  }
}

interface GpuRings {
  label: string;
  temp: Ring;
  util: Ring;
}

class HostRing {
  readonly atMs: Float64Array;
  readonly series: Record<SeriesName, Ring>;
  readonly gpus = new Map<string, GpuRings>();
  /** Index of the next write; count of points held. */
  head = 0;
  count = 0;

  constructor(readonly capacity: number) {
    this.atMs = new Float64Array(capacity);
    this.series = Object.fromEntries(SERIES.map((s) => [s, new Ring(capacity)])) as Record<SeriesName, Ring>;
  }
}

const f = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? Number.NaN : v);
const round = (v: number) => Math.round(v * 10) / 10;

function gpuStats(m: HostMetrics): { tMax: number; uAvg: number } {
  let tMax = Number.NaN;
  let uSum = 0;
  let uN = 0;
  for (const g of m.gpus) {
    if (g.temperatureC !== null && !(g.temperatureC <= tMax)) tMax = g.temperatureC;
    if (g.utilizationPercent !== null) {
      uSum += g.utilizationPercent;
      uN++;
    }
  }
  return { tMax, uAvg: uN > 0 ? uSum / uN : Number.NaN };
}

/**
 * Per-host chart history in memory: a fixed-size ring per host (time, CPU temperature, load, CPU
 * and memory use, hottest GPU, mean GPU use, and each GPU's temperature and use). Bounded by
 * capacity × hosts; nothing is kept on disk. get() returns uPlot's columnar shape.
 */
export class MetricsHistory {
  private readonly hosts = new Map<string, HostRing>();
  private cap: number;

  constructor(
    capacity: number,
    private intervalMs: number,
  ) {
    this.cap = clampCapacity(capacity);
  }

  /** Points per host for a retention and an interval. */
  static capacityFor(historyMinutes: number, intervalSec: number): number {
    return clampCapacity(Math.ceil((historyMinutes * 60) / Math.max(1, intervalSec)));
  }

  get capacity(): number {
    return this.cap;
  }

  /** A new capacity (or interval) keeps the newest points that fit. */
  configure(capacity: number, intervalMs: number): void {
    this.intervalMs = intervalMs;
    const cap = clampCapacity(capacity);
    if (cap === this.cap) return;
    this.cap = cap;
    for (const [id, old] of this.hosts) {
      const next = new HostRing(cap);
      const keep = Math.min(old.count, cap);
      for (let i = old.count - keep; i < old.count; i++) {
        const src = (old.head - old.count + i + old.capacity) % old.capacity;
        const dst = next.head;
        next.atMs[dst] = old.atMs[src]!;
        for (const s of SERIES) next.series[s].values[dst] = old.series[s].values[src]!;
        for (const [key, g] of old.gpus) {
          let ng = next.gpus.get(key);
          if (!ng) next.gpus.set(key, (ng = { label: g.label, temp: new Ring(cap), util: new Ring(cap) }));
          ng.temp.values[dst] = g.temp.values[src]!;
          ng.util.values[dst] = g.util.values[src]!;
        }
        next.head = (next.head + 1) % cap;
        next.count++;
      }
      this.hosts.set(id, next);
    }
  }

  record(hostId: string, m: HostMetrics): void {
    let ring = this.hosts.get(hostId);
    if (!ring) this.hosts.set(hostId, (ring = new HostRing(this.cap)));
    const i = ring.head;
    ring.atMs[i] = m.atMs;
    const g = gpuStats(m);
    const s = ring.series;
    s.cpuTempC.values[i] = f(m.cpuTempC);
    s.load1.values[i] = f(m.load1);
    s.cpuUsePercent.values[i] = f(m.cpu.usePercent);
    s.memUsePercent.values[i] = f(m.memory?.usePercent);
    s.gpuTempMaxC.values[i] = g.tMax;
    s.gpuUtilAvgPercent.values[i] = g.uAvg;
    const seen = new Set<string>();
    for (const gpu of m.gpus.slice(0, 64)) {
      const key = `${gpu.vendor}:${gpu.index}`;
      seen.add(key);
      let rings = ring.gpus.get(key);
      if (!rings) {
        if (ring.gpus.size >= 64) continue;
        ring.gpus.set(key, (rings = { label: '', temp: new Ring(ring.capacity), util: new Ring(ring.capacity) }));
      }
      rings.label = `${gpu.vendor === 'nvidia' ? 'GPU' : `${gpu.vendor.toUpperCase()} GPU`} ${gpu.index}${gpu.name ? ` · ${gpu.name}` : ''}`.slice(0, 300);
      rings.temp.values[i] = f(gpu.temperatureC);
      rings.util.values[i] = f(gpu.utilizationPercent);
    }
    for (const [key, rings] of ring.gpus) {
      if (seen.has(key)) continue;
      rings.temp.values[i] = Number.NaN;
      rings.util.values[i] = Number.NaN;
    }
    ring.head = (i + 1) % ring.capacity;
    if (ring.count < ring.capacity) ring.count++;
  }

  remove(hostId: string): void {
    this.hosts.delete(hostId);
  }

  /** Hosts held (for tests and memory figures). */
  get size(): number {
    return this.hosts.size;
  }

  get(hostId: string): HostHistory {
    const ring = this.hosts.get(hostId);
    const empty: HostHistory = {
      hostId,
      intervalMs: this.intervalMs,
      atMs: [],
      series: { cpuTempC: [], load1: [], cpuUsePercent: [], memUsePercent: [], gpuTempMaxC: [], gpuUtilAvgPercent: [] },
      gpus: [],
    };
    if (!ring) return empty;
    const order: number[] = [];
    for (let k = 0; k < ring.count; k++) order.push((ring.head - ring.count + k + ring.capacity) % ring.capacity);
    const read = (r: Ring) => order.map((idx) => {
      const v = r.values[idx]!;
      return Number.isNaN(v) ? null : round(v);
    });
    return {
      hostId,
      intervalMs: this.intervalMs,
      atMs: order.map((idx) => ring.atMs[idx]!),
      series: {
        cpuTempC: read(ring.series.cpuTempC),
        load1: order.map((idx) => {
          const v = ring.series.load1.values[idx]!;
          return Number.isNaN(v) ? null : Math.round(v * 100) / 100;
        }),
        cpuUsePercent: read(ring.series.cpuUsePercent),
        memUsePercent: read(ring.series.memUsePercent),
        gpuTempMaxC: read(ring.series.gpuTempMaxC),
        gpuUtilAvgPercent: read(ring.series.gpuUtilAvgPercent),
      },
      gpus: [...ring.gpus.entries()].map(([key, g]) => ({ key, label: g.label, tempC: read(g.temp), utilPercent: read(g.util) })),
    };
  }
}

function clampCapacity(n: number): number {
  return Math.max(2, Math.min(MAX_HISTORY_POINTS, Math.floor(Number.isFinite(n) ? n : MAX_HISTORY_POINTS)));
}
