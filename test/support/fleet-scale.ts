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
  frames: number;
  frameBytesMax: number;
  /** Validating and serialising one frame (the largest cost per frame). */
  frameWorkMaxMs: number;
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
    let snapshotBytes = 0;
    let snapshotWorkMs = 0;
    const ctrl = new AbortController();
    const sub = service.live({
      next: (f: LiveUpdate) => {
        const t0 = performance.now();
        FleetLiveSchema.parse(f);
        const text = JSON.stringify(f);
        const ms = performance.now() - t0;
        if (f.t === 'snapshot') {
          snapshotBytes = text.length;
          snapshotWorkMs = ms;
          return;
        }
        frames++;
        frameBytesMax = Math.max(frameBytesMax, text.length);
        frameWorkMaxMs = Math.max(frameWorkMaxMs, ms);
      },
      end: () => undefined,
      signal: ctrl.signal,
      bufferedBytes: () => 0,
    });
    await new Promise((r) => setTimeout(r, 400));

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
      frames,
      frameBytesMax,
      frameWorkMaxMs,
      snapshotBytes,
      snapshotWorkMs,
      heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024,
    };
  } finally {
    await service.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
