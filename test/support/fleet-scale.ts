import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock } from '../../main/contract/clock';
import { FleetLiveSchema, type FleetHostDraft } from '../../main/contract/fleet';
import type { LiveUpdate } from '../../main/contract/live';
import { FleetService } from '../../main/fleet/fleet-service';
import type { ProbeTransport } from '../../main/fleet/probe/probe-transport';

/**
 * One measured probe round over many hosts, for the scale test and the benchmark: the hosts are
 * added, one round warms up (connections, first samples), then the main thread's event-loop delay
 * (perf_hooks monitorEventLoopDelay) is recorded during the next round while a subscriber does
 * what the RPC server does with every live frame (validate it against the contract, serialise it).
 */
export interface ScaleRoundResult {
  hosts: number;
  roundMs: number;
  failed: number;
  /** Event-loop delay beyond the 10 ms sampling interval (what a timer or an incoming frame waited). */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU seconds this process used during the measured round. */
  cpuS: number;
  /** The same delays with nothing to do, measured just before the round for as long (the machine's own noise: other processes share the cores). */
  idleDelayP99Ms: number;
  idleDelayMaxMs: number;
  frames: number;
  frameBytesMax: number;
  /** Validating and serialising one frame (the largest cost per frame), wall time. */
  frameWorkMaxMs: number;
  /** The same in CPU time (what the frame costs the process, whatever else runs on the machine). */
  frameCpuMaxMs: number;
  snapshotBytes: number;
  snapshotWorkMs: number;
  heapUsedMiB: number;
}

const RESOLUTION_MS = 10;
/** The histogram holds whole tick intervals (ns): the delay is what exceeds the sampling interval. */
const beyond = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);

export async function measureScaleRound(opts: {
  hosts: number;
  transport: ProbeTransport;
  host: (i: number) => FleetHostDraft;
  concurrency?: number;
  timeoutSec?: number;
}): Promise<ScaleRoundResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-fleet-scale-'));
  const service = await FleetService.create({ configDir: dir, clock: systemClock, transport: opts.transport, notify: () => undefined });
  try {
    await service.updateSettings({ probe: { intervalSec: 3600, concurrency: opts.concurrency ?? 32, timeoutSec: opts.timeoutSec ?? 30 }, syslog: { enabled: false } });
    await service.addHosts(Array.from({ length: opts.hosts }, (_, i) => opts.host(i)));
    const rounds = () => service.monitor.roundStats.rounds;
    const waitRound = async (after: number) => {
      while (rounds() <= after || service.monitor.roundStats.running) await new Promise((r) => setTimeout(r, 20));
    };
    // Warm-up: the round the poller started when probing was configured may have had no hosts.
    let r0 = rounds();
    if (service.monitor.roundStats.running) await waitRound(r0);
    r0 = rounds();
    service.probeNow();
    await waitRound(r0);

    // A subscriber like the RPC server: every frame validated and serialised.
    let frames = 0;
    let frameBytesMax = 0;
    let frameWorkMaxMs = 0;
    let frameCpuMaxMs = 0;
    let snapshotBytes = 0;
    let snapshotWorkMs = 0;
    const ctrl = new AbortController();
    const sub = service.live({
      next: (f: LiveUpdate) => {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        FleetLiveSchema.parse(f);
        const text = JSON.stringify(f);
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        const cpuMs = (c.user + c.system) / 1000;
        if (f.t === 'snapshot') {
          snapshotBytes = text.length;
          snapshotWorkMs = ms;
          return;
        }
        frames++;
        frameBytesMax = Math.max(frameBytesMax, text.length);
        frameWorkMaxMs = Math.max(frameWorkMaxMs, ms);
        frameCpuMaxMs = Math.max(frameCpuMaxMs, cpuMs);
      },
      end: () => undefined,
      signal: ctrl.signal,
      bufferedBytes: () => 0,
    });
    await new Promise((r) => setTimeout(r, 400));

    // The machine's noise first: the same histogram while this process has nothing to do.
    const idle = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    idle.enable();
    await new Promise((r) => setTimeout(r, Math.max(1000, Math.min(5000, service.monitor.roundStats.lastRoundMs ?? 2000))));
    idle.disable();

    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const r1 = rounds();
    const cpu0 = process.cpuUsage();
    h.enable();
    service.probeNow();
    await waitRound(r1);
    await new Promise((r) => setTimeout(r, 400)); // the last diff frames
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    sub.dispose();
    const stats = service.monitor.roundStats;
    return {
      hosts: opts.hosts,
      roundMs: stats.lastRoundMs ?? 0,
      failed: stats.lastRoundFailed,
      loopDelayP50Ms: beyond(h.percentile(50)),
      loopDelayP99Ms: beyond(h.percentile(99)),
      loopDelayMaxMs: beyond(h.max),
      cpuS: (cpu.user + cpu.system) / 1e6,
      idleDelayP99Ms: beyond(idle.percentile(99)),
      idleDelayMaxMs: beyond(idle.max),
      frames,
      frameBytesMax,
      frameWorkMaxMs,
      frameCpuMaxMs,
      snapshotBytes,
      snapshotWorkMs,
      heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024,
    };
  } finally {
    await service.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
