// `npm run bench -- fleet`: one Fleet probe round over 500 hosts at the default concurrency (32),
// measuring the main thread's event-loop delay (perf_hooks monitorEventLoopDelay, beyond the
// 10 ms sampling interval), the round's duration, Drover's CPU, and the live frames a subscriber
// validates and serialises (what the RPC server does with each). Two transports:
//   fake: each probe answers with the real captured output after 20-200 ms of simulated network;
//   sshd: the real probe script through the harness's OpenSSH sshd (500 host ids, all rewritten to
//         the one sshd, so 500 exec channels per round share one connection; MaxSessions raised).
// Goal (the issue): 500 hosts at a 30 s interval must not stall the main process: p99 delay < 50 ms.
// Options: --hosts 500 --concurrency 32 --runs 2 --sshd true
import type { FleetHost } from '../../main/contract/fleet';
import type { Hop } from '../../main/contract/ssh';
import type { ProbeTransport } from '../../main/fleet/probe/probe-transport';
import { SshProbeTransport } from '../../main/fleet/probe/probe-transport';
import { systemClock } from '../../main/contract/clock';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { makeTempDir, startSshd, stopAll } from '../harness/index';
import { answered, CAPTURED_PROBES, FakeProbeTransport } from '../support/fleet-fake-transport';
import { measureScaleRound, type ScaleRoundResult } from '../support/fleet-scale';
import { benchOptions, median, round, writeBenchResult } from './support/bench-stats';

const opt = benchOptions({ hosts: 500, concurrency: 32, runs: 2, sshd: true });

/** Probes every host through one real target (the inventory keeps its own, distinct targets). */
class OneTargetTransport implements ProbeTransport {
  constructor(
    private readonly inner: SshProbeTransport,
    private readonly to: Hop,
  ) {}
  private rewrite(h: FleetHost): FleetHost {
    return { ...h, target: this.to, jumps: [] };
  }
  hold(host: FleetHost) {
    return this.inner.hold(this.rewrite(host));
  }
  run(hosts: readonly FleetHost[], argvFor: (h: FleetHost) => string[], options: Parameters<ProbeTransport['run']>[2]) {
    const byId = new Map(hosts.map((h) => [h.id, h]));
    return this.inner.run(hosts.map((h) => this.rewrite(h)), (h) => argvFor(byId.get(h.id)!), { ...options, onOutcome: (h, o) => options.onOutcome(byId.get(h.id)!, o) });
  }
}

const host = (i: number) => ({ name: `rig-${i}`, group: 'rigs', target: { host: `10.30.${i >> 8}.${i & 255}`, port: 22, user: 'root' } });

function summary(name: string, rs: ScaleRoundResult[]): Record<string, number> {
  const m = (f: (r: ScaleRoundResult) => number) => round(median(rs.map(f)), 2);
  const out = {
    [`${name}RoundMs`]: m((r) => r.roundMs),
    [`${name}FailedHosts`]: m((r) => r.failed),
    [`${name}LoopDelayP50Ms`]: m((r) => r.loopDelayP50Ms),
    [`${name}LoopDelayP99Ms`]: m((r) => r.loopDelayP99Ms),
    [`${name}LoopDelayMaxMs`]: m((r) => r.loopDelayMaxMs),
    [`${name}DroverCpuS`]: m((r) => r.cpuS),
    [`${name}IdleDelayP99Ms`]: m((r) => r.idleDelayP99Ms),
    [`${name}IdleDelayMaxMs`]: m((r) => r.idleDelayMaxMs),
    [`${name}Frames`]: m((r) => r.frames),
    [`${name}FrameBytesMax`]: m((r) => r.frameBytesMax),
    [`${name}FrameWorkMaxMs`]: m((r) => r.frameWorkMaxMs),
    [`${name}FrameCpuMaxMs`]: m((r) => r.frameCpuMaxMs),
    [`${name}SnapshotBytes`]: m((r) => r.snapshotBytes),
    [`${name}SnapshotWorkMs`]: m((r) => r.snapshotWorkMs),
    [`${name}HeapUsedMiB`]: m((r) => r.heapUsedMiB),
  };
  console.log(`\n${name} (${rs.length} runs, median):`);
  for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(28)} ${v}`);
  return out;
}

const metrics: Record<string, number> = { hosts: opt.hosts, concurrency: opt.concurrency };

const fakeRuns: ScaleRoundResult[] = [];
for (let run = 0; run < opt.runs; run++) {
  let seed = 7 + run;
  const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const transport = new FakeProbeTransport(async (_h, _a, _r, n) => {
    await new Promise((r) => setTimeout(r, 20 + rand() * 180));
    return answered(CAPTURED_PROBES[n % 2]!, 100);
  });
  fakeRuns.push(await measureScaleRound({ hosts: opt.hosts, transport, host, concurrency: opt.concurrency }));
}
Object.assign(metrics, summary('fake', fakeRuns));

if (opt.sshd) {
  const tmp = await makeTempDir('drover-fleet-bench-');
  const sshd = await startSshd({ extraConfig: ['MaxSessions 128', 'MaxStartups 200:30:400'] });
  const pool = new SshConnectionPool({
    hostKeys: new KnownHostsVerifier({ userKnownHostsFiles: [sshd.knownHostsPath], droverKnownHostsFile: `${tmp.path}/kh` }),
    credentials: { password: async () => undefined, keyPassphrase: async () => undefined },
    env: {},
  });
  try {
    const to: Hop = { host: sshd.host, port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false };
    const sshRuns: ScaleRoundResult[] = [];
    for (let run = 0; run < opt.runs; run++) {
      const transport = new OneTargetTransport(new SshProbeTransport(pool, () => ({ unknownHostKey: 'refuse' }), systemClock), to);
      sshRuns.push(await measureScaleRound({ hosts: opt.hosts, transport, host, concurrency: opt.concurrency, timeoutSec: 120 }));
    }
    Object.assign(metrics, summary('sshd', sshRuns));
  } finally {
    pool.dispose();
    await sshd.stop();
    await tmp.remove();
    await stopAll();
  }
}

await writeBenchResult(
  'fleet',
  opt.runs,
  metrics,
  `one probe round over ${opt.hosts} hosts, concurrency ${opt.concurrency}; loop delay beyond a 10 ms sampling interval; frames validated with FleetLiveSchema and serialised like the RPC server does; sshd: 500 exec channels on one connection to the harness sshd on this 2-core machine (sshd and the probe scripts share the cores with Drover)`,
);
