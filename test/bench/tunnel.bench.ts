// Tunnel benchmark (issue 3, item 7): `npm run bench -- tunnel`.
//
// One harness sshd on loopback. In the same run, alternating, 1 GiB goes through
//   - Drover's -L forward (TunnelManager + SshConnectionPool, profile ciphers forced),
//   - OpenSSH `ssh -N -L` with the same cipher (-c aes128-gcm@openssh.com), and
//   - a bare ssh2 forwardOut piped to a local listener (diagnostic: ssh2 without Drover's code),
// plus the no-tunnel ceiling (straight to the sink). A separate process (support/tcp-pump.mjs) sends
// the data and runs the sink, so the process under test does only tunnel work.
// Also: connect-to-ready of a fresh profile (new pool, so a new SSH connection), OpenSSH's time to
// a listening forward, and the memory cost of one profile with 50 forwards on one connection.
//
// Options (after `npm run bench -- tunnel`): --mib N (per transfer, default 1024), --runs N
// (default 5), --connect-runs N (default 30), --forwards N (default 50).
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from 'ssh2';
import type { ForwardSpec, TunnelProfileInput } from '../../main/contract/tunnels';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { profileRoute } from '../../main/tunnels/tunnel-runner';
import { listDescendants, makeTempDir, startProcess, startSshd, stopAll, stopAllSync, tcpProbe, type ManagedProcess, type SshdHandle, type TempDir } from '../harness/index';
import { median, percentile, procCpu, procCpuS, round, selfCpu, type CpuTimes } from './support/bench-stats';

const CIPHER = 'aes128-gcm@openssh.com';
const MB = 1e6;
const GIB = 1024 ** 3;
/** The whole benchmark is killed after this, whatever it is doing. */
const WATCHDOG_MS = 12 * 60_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const { values: opt } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    'connect-runs': { type: 'string', default: '30' },
    forwards: { type: 'string', default: '50' },
  },
  strict: true,
});
const intOpt = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${v})`);
  return n;
};
const BYTES = intOpt('mib', opt.mib, 1, 8192) * 1024 * 1024;
const RUNS = intOpt('runs', opt.runs, 1, 50);
const CONNECT_RUNS = intOpt('connect-runs', opt['connect-runs'], 1, 500);
const FORWARDS = intOpt('forwards', opt.forwards, 1, 256);
const WARMUP_BYTES = Math.min(BYTES, 128 * 1024 * 1024);

// ---------------------------------------------------------------------------------------------
// helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Garbage collections of this process (where Drover and bare ssh2 run), from perf_hooks. */
const gcStats = { count: 0, major: 0, ms: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcStats.count++;
    gcStats.ms += e.duration;
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcStats.major++;
  }
});

async function forceGc(): Promise<boolean> {
  if (typeof gc !== 'function') return false;
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  await sleep(50);
  gc();
  return true;
}

// ---------------------------------------------------------------------------------------------
// the load generator / sink process

class Pump {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (s: number) => void; reject: (e: Error) => void }>();
  private constructor(
    readonly child: ChildProcess,
    readonly sinkPort: number,
  ) {
    child.on('message', (m: { type: string; id: number; seconds?: number; error?: string }) => {
      if (m.type !== 'result') return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.seconds!);
    });
    child.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('the pump process exited'));
      this.waiting.clear();
    });
  }

  static start(): Promise<Pump> {
    const child = fork(path.join(here, 'support', 'tcp-pump.mjs'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the pump process did not start within 10 s'));
      }, 10_000);
      child.once('message', (m: { type: string; sinkPort: number }) => {
        clearTimeout(t);
        resolve(new Pump(child, m.sinkPort));
      });
      child.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  /** Sends `bytes` to port and waits for the sink's count; seconds from first write to the reply. */
  run(port: number, bytes: number): Promise<number> {
    const id = ++this.seq;
    const timeoutMs = Math.max(30_000, (bytes / (10 * MB)) * 1000);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ type: 'run', id, port, bytes, timeoutMs });
    });
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/** One small request through a forward: sends `n` bytes, half-closes, expects the sink's count. */
function smallRoundTrip(port: number, n = 1024, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let reply = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer through port ${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    sock.on('end', () => {
      clearTimeout(timer);
      sock.end();
      if (reply === String(n)) resolve();
      else reject(new Error(`unexpected reply ${JSON.stringify(reply)} through port ${port}`));
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => sock.end(Buffer.alloc(n, 0x61)));
  });
}

// ---------------------------------------------------------------------------------------------
// Drover, OpenSSH and bare ssh2

let tmp!: TempDir;
let sshd!: SshdHandle;
let pump!: Pump;

interface Stack {
  pool: SshConnectionPool;
  manager: TunnelManager;
  dispose(): void;
}

function makeStack(): Stack {
  const verifier = new KnownHostsVerifier({ userKnownHostsFiles: [sshd.knownHostsPath], droverKnownHostsFile: path.join(tmp.path, 'drover_known_hosts') });
  const pool = new SshConnectionPool({
    hostKeys: verifier,
    credentials: { password: async () => undefined, keyPassphrase: async () => undefined },
    env: {},
  });
  const manager = new TunnelManager({ pool });
  return {
    pool,
    manager,
    dispose: () => {
      manager.dispose();
      pool.dispose();
    },
  };
}

function localForward(id: string, destPort: number): ForwardSpec {
  return { id, kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '127.0.0.1', destPort, allowLan: false, probeIntervalSec: 0 };
}

function profile(id: string, forwards: ForwardSpec[]): TunnelProfileInput {
  return {
    id,
    name: id,
    target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false },
    forwards,
    unknownHostKey: 'refuse',
    ciphers: [CIPHER],
  };
}

async function startProfile(stack: Stack, p: TunnelProfileInput, timeoutMs = 10_000): Promise<number[]> {
  await stack.manager.save(p);
  await stack.manager.start(p.id);
  const st = await stack.manager.waitFor(p.id, ['up', 'failed', 'degraded'], timeoutMs);
  if (st.state !== 'up') throw new Error(`tunnel ${p.id} is ${st.state}: ${st.error?.message ?? st.forwards.map((f) => f.lastError?.message).join('; ')}`);
  return st.forwards.map((f) => f.boundPort!);
}

function sshArgs(lport: number): string[] {
  return [
    '-N',
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-c',
    CIPHER,
    '-i',
    sshd.clientKeyPath,
    '-p',
    String(sshd.port),
    '-L',
    `127.0.0.1:${lport}:127.0.0.1:${pump.sinkPort}`,
    `${sshd.user}@127.0.0.1`,
  ];
}

async function getPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function startOpenSsh(lport: number, readyIntervalMs = 10): Promise<ManagedProcess> {
  return startProcess({ name: 'ssh -L', command: 'ssh', args: sshArgs(lport), ready: tcpProbe('127.0.0.1', lport), readyTimeoutMs: 10_000, readyIntervalMs, stopGraceMs: 2_000 });
}

/** ssh2 with nothing of Drover: forwardOut piped to a local listener (allowHalfOpen), same cipher. */
async function startBareSsh2(): Promise<{ port: number; cipherImpl: string; close(): void }> {
  const client = new Client();
  const hostKey = Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64');
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      privateKey: readFileSync(sshd.clientKeyPath),
      algorithms: { cipher: [CIPHER] },
      hostVerifier: (key: Buffer) => key.equals(hostKey),
      readyTimeout: 10_000,
    });
  });
  client.on('error', () => undefined);
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
    sock.on('error', () => undefined);
    client.forwardOut('127.0.0.1', 0, '127.0.0.1', pump.sinkPort, (err, ch) => {
      if (err) return void sock.destroy();
      ch.on('error', () => sock.destroy());
      sock.on('close', () => ch.destroy());
      sock.pipe(ch);
      ch.pipe(sock);
      sock.resume();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cipherImpl: cipherImplOf(client),
    close: () => {
      server.close();
      client.end();
    },
  };
}

/** Class names of the cipher/decipher ssh2 chose (…Binding = native sshcrypto.node). Private fields: best effort. */
function cipherImplOf(client: Client | undefined): string {
  const proto = (client as unknown as { _protocol?: { _cipher?: object; _decipher?: object } } | undefined)?._protocol;
  const name = (o: object | undefined) => o?.constructor?.name ?? '?';
  return proto ? `${name(proto._cipher)}/${name(proto._decipher)}` : '?';
}

function sshdTreeCpuS(): number {
  const pid = sshd.pid;
  if (pid < 0) return 0;
  return [pid, ...listDescendants(pid)].reduce((sum, p) => sum + procCpuS(p), 0);
}

// ---------------------------------------------------------------------------------------------
// phases

interface TransferSample {
  variant: string;
  round: number;
  mbps: number;
  seconds: number;
  /** CPU seconds of the tunnel's client-side process (Drover's node, or ssh) during the transfer. */
  clientCpuS: number;
  clientUserS: number;
  clientSysS: number;
  sshdCpuS: number;
  pumpCpuS: number;
  /** Garbage collection in this process during the transfer (meaningful for Drover and bare ssh2). */
  gcMs: number;
  majorGcs: number;
}

interface Variant {
  key: string;
  label: string;
  port: number;
  cpu: () => CpuTimes;
}

async function transfer(v: Variant, bytes: number, roundNo: number): Promise<TransferSample> {
  const c0 = v.cpu();
  const s0 = sshdTreeCpuS();
  const p0 = procCpuS(pump.child.pid!);
  const g0 = { ...gcStats };
  const seconds = await pump.run(v.port, bytes);
  await new Promise((r) => setImmediate(r)); // let the gc observer deliver
  return {
    variant: v.key,
    round: roundNo,
    seconds,
    mbps: bytes / MB / seconds,
    ...(() => {
      const c1 = v.cpu();
      return { clientCpuS: c1.user + c1.sys - c0.user - c0.sys, clientUserS: c1.user - c0.user, clientSysS: c1.sys - c0.sys };
    })(),
    sshdCpuS: sshdTreeCpuS() - s0,
    pumpCpuS: procCpuS(pump.child.pid!) - p0,
    gcMs: gcStats.ms - g0.ms,
    majorGcs: gcStats.major - g0.major,
  };
}

async function memoryPhase() {
  const gcOk = await forceGc();
  // Warm-up: load and run every code path once (handshake, forwardOut, pipe) so module loading
  // and JIT code are not counted as the cost of the forwards.
  {
    const warm = makeStack();
    const [port] = await startProfile(warm, profile('mem-warm', [localForward('w', pump.sinkPort)]));
    await smallRoundTrip(port!);
    warm.manager.stop('mem-warm');
    warm.dispose();
  }
  const stack = makeStack();
  await forceGc();
  const before = process.memoryUsage();
  const forwards = Array.from({ length: FORWARDS }, (_, i) => localForward(`f${i}`, pump.sinkPort));
  const ports = await startProfile(stack, profile('mem50', forwards));
  await Promise.all(ports.map((p) => smallRoundTrip(p)));
  const deadline = Date.now() + 5_000;
  while (stack.manager.status('mem50').forwards.some((f) => f.activeConnections > 0) && Date.now() < deadline) await sleep(20);
  const connections = stack.pool.list().length;
  await forceGc();
  const running = process.memoryUsage();
  stack.manager.stop('mem50');
  stack.dispose();
  await sleep(100);
  await forceGc();
  const stopped = process.memoryUsage();
  return { gcOk, before, running, stopped, connections };
}

async function throughputPhase() {
  const stack = makeStack();
  const [droverPort] = await startProfile(stack, profile('tput', [localForward('f1', pump.sinkPort)]));
  const peek = stack.pool.acquire(profileRoute(stack.manager.get('tput')));
  const droverCipherImpl = cipherImplOf(peek.connection?.client);
  // patches/ssh2+*.patch gives every native cipher a PacketPool (reused output buffers).
  const ssh2Patched = (peek.connection?.client as unknown as { _protocol?: { _cipher?: { _pool?: unknown } } } | undefined)?._protocol?._cipher?._pool !== undefined;
  peek.dispose();

  const sshLport = await getPort();
  const ssh = await startOpenSsh(sshLport);
  const bare = await startBareSsh2();
  try {
    const variants: Variant[] = [
      { key: 'drover', label: 'Drover -L (TunnelManager)', port: droverPort!, cpu: selfCpu },
      { key: 'openssh', label: `OpenSSH ssh -N -L -c ${CIPHER}`, port: sshLport, cpu: () => procCpu(ssh.pid) },
      { key: 'ssh2', label: 'bare ssh2 forwardOut + pipe', port: bare.port, cpu: selfCpu },
    ];
    for (const v of variants) await transfer(v, WARMUP_BYTES, -1);
    const samples: TransferSample[] = [];
    for (let r = 0; r < RUNS; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
      for (const v of order) {
        const s = await transfer(v, BYTES, r);
        samples.push(s);
        console.log(`  round ${r + 1}/${RUNS} ${v.key.padEnd(8)} ${s.mbps.toFixed(1).padStart(7)} MB/s  (client cpu ${s.clientCpuS.toFixed(2)} s = ${s.clientUserS.toFixed(2)} user + ${s.clientSysS.toFixed(2)} sys, sshd ${s.sshdCpuS.toFixed(2)} s, pump ${s.pumpCpuS.toFixed(2)} s, wall ${s.seconds.toFixed(2)} s${v.key === 'openssh' ? '' : `, gc ${s.gcMs.toFixed(0)} ms / ${s.majorGcs} major`})`);
      }
    }
    const direct: Variant = { key: 'direct', label: 'no tunnel (straight to the sink)', port: pump.sinkPort, cpu: () => ({ user: 0, sys: 0 }) };
    await transfer(direct, WARMUP_BYTES, -1);
    for (let r = 0; r < RUNS; r++) samples.push(await transfer(direct, BYTES, r));
    return { samples, variants: [...variants, direct], droverCipherImpl, bareCipherImpl: bare.cipherImpl, ssh2Patched };
  } finally {
    bare.close();
    await ssh.stop();
    stack.manager.stop('tput');
    stack.dispose();
  }
}

async function connectPhase() {
  const drover: number[] = [];
  // One extra run first, not counted (warm-up), for both.
  for (let i = 0; i <= CONNECT_RUNS; i++) {
    const stack = makeStack();
    try {
      const p = profile(`c${i}`, [localForward('f1', pump.sinkPort)]);
      await stack.manager.save(p);
      const t0 = performance.now();
      await stack.manager.start(p.id);
      const st = await stack.manager.waitFor(p.id, ['up', 'failed', 'degraded'], 10_000);
      const dt = performance.now() - t0;
      if (st.state !== 'up') throw new Error(`connect run ${i}: ${st.state}: ${st.error?.message}`);
      if (i > 0) drover.push(dt);
    } finally {
      stack.dispose();
    }
  }
  const openssh: number[] = [];
  for (let i = 0; i <= CONNECT_RUNS; i++) {
    const lport = await getPort();
    const t0 = performance.now();
    const proc = await startOpenSsh(lport, 2);
    const dt = performance.now() - t0;
    await proc.stop({ graceMs: 1_000 });
    if (i > 0) openssh.push(dt);
  }
  return { drover, openssh };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0]!;
  const ssh2Crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
  const nativeCrypto = ssh2Crypto.bindingAvailable === true;
  const ssh2Version = (require('ssh2/package.json') as { version: string }).version;
  const sshV = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();

  gcObserver.observe({ entryTypes: ['gc'] });
  tmp = await makeTempDir('drover-bench-tunnel-');
  sshd = await startSshd();
  pump = await Pump.start();
  console.log(`tunnel bench: ${BYTES / 1024 / 1024} MiB x ${RUNS} runs, cipher ${CIPHER}, ssh2 ${ssh2Version} (native crypto ${nativeCrypto ? 'loaded' : 'NOT loaded'}), ${sshV}`);

  console.log('memory: one profile with', FORWARDS, 'forwards on one connection');
  const mem = await memoryPhase();
  console.log('throughput:');
  const tp = await throughputPhase();
  console.log('connect-to-ready:');
  const conn = await connectPhase();

  const med = (k: string) => median(tp.samples.filter((s) => s.variant === k).map((s) => s.mbps));
  const perGib = (k: string, f: (s: TransferSample) => number) => median(tp.samples.filter((s) => s.variant === k).map((s) => (f(s) / BYTES) * GIB));
  const pairedRatios = Array.from({ length: RUNS }, (_, r) => {
    const d = tp.samples.find((s) => s.variant === 'drover' && s.round === r)!;
    const o = tp.samples.find((s) => s.variant === 'openssh' && s.round === r)!;
    return d.mbps / o.mbps;
  });
  const pairedCpuRatios = Array.from({ length: RUNS }, (_, r) => {
    const d = tp.samples.find((s) => s.variant === 'drover' && s.round === r)!;
    const o = tp.samples.find((s) => s.variant === 'openssh' && s.round === r)!;
    return d.clientCpuS / o.clientCpuS;
  });
  const droverCpu = perGib('drover', (s) => s.clientCpuS);
  const opensshCpu = perGib('openssh', (s) => s.clientCpuS);
  const drover = med('drover');
  const openssh = med('openssh');
  const bare = med('ssh2');
  const direct = med('direct');
  const mbDiff = (a: number, b: number) => round((a - b) / MB, 2);

  const metrics = {
    throughput_mbps: round(drover),
    openssh_throughput_mbps: round(openssh),
    throughput_ratio: round(drover / openssh, 3),
    throughput_ratio_paired_median: round(median(pairedRatios), 3),
    ssh2_bare_throughput_mbps: round(bare),
    ssh2_bare_ratio: round(bare / openssh, 3),
    direct_throughput_mbps: round(direct),
    drover_cpu_s_per_gib: round(droverCpu, 2),
    openssh_cpu_s_per_gib: round(opensshCpu, 2),
    cpu_ratio: round(droverCpu / opensshCpu, 3),
    cpu_ratio_paired_median: round(median(pairedCpuRatios), 3),
    drover_user_cpu_s_per_gib: round(perGib('drover', (s) => s.clientUserS), 2),
    drover_sys_cpu_s_per_gib: round(perGib('drover', (s) => s.clientSysS), 2),
    openssh_user_cpu_s_per_gib: round(perGib('openssh', (s) => s.clientUserS), 2),
    openssh_sys_cpu_s_per_gib: round(perGib('openssh', (s) => s.clientSysS), 2),
    ssh2_bare_cpu_s_per_gib: round(perGib('ssh2', (s) => s.clientCpuS), 2),
    drover_gc_ms_per_gib: round(perGib('drover', (s) => s.gcMs)),
    drover_major_gcs_per_gib: round(perGib('drover', (s) => s.majorGcs)),
    ssh2_bare_gc_ms_per_gib: round(perGib('ssh2', (s) => s.gcMs)),
    sshd_cpu_s_per_gib_drover: round(perGib('drover', (s) => s.sshdCpuS), 2),
    sshd_cpu_s_per_gib_openssh: round(perGib('openssh', (s) => s.sshdCpuS), 2),
    pump_cpu_s_per_gib_drover: round(perGib('drover', (s) => s.pumpCpuS), 2),
    pump_cpu_s_per_gib_openssh: round(perGib('openssh', (s) => s.pumpCpuS), 2),
    connect_p50_ms: round(percentile(conn.drover, 50)),
    connect_p95_ms: round(percentile(conn.drover, 95)),
    openssh_connect_p50_ms: round(percentile(conn.openssh, 50)),
    openssh_connect_p95_ms: round(percentile(conn.openssh, 95)),
    rss_growth_50_forwards_mb: mbDiff(mem.running.rss, mem.before.rss),
    heap_used_growth_50_forwards_mb: mbDiff(mem.running.heapUsed, mem.before.heapUsed),
    rss_growth_after_stop_mb: mbDiff(mem.stopped.rss, mem.before.rss),
    heap_used_growth_after_stop_mb: mbDiff(mem.stopped.heapUsed, mem.before.heapUsed),
    ssh2_native_crypto: nativeCrypto,
    ssh2_patched: tp.ssh2Patched,
  };

  const rows: Array<[string, string]> = [
    ['Drover -L (median MB/s)', metrics.throughput_mbps.toFixed(1)],
    [`OpenSSH ssh -L -c ${CIPHER}`, metrics.openssh_throughput_mbps.toFixed(1)],
    ['ratio Drover / OpenSSH (goal >= 0.95)', `${metrics.throughput_ratio.toFixed(3)} (paired ${metrics.throughput_ratio_paired_median.toFixed(3)})`],
    ['bare ssh2 forwardOut (diagnostic)', `${metrics.ssh2_bare_throughput_mbps.toFixed(1)} (${metrics.ssh2_bare_ratio.toFixed(3)} x OpenSSH)`],
    ['no tunnel (ceiling)', metrics.direct_throughput_mbps.toFixed(1)],
    ['client CPU s/GiB Drover | ssh | bare ssh2', `${metrics.drover_cpu_s_per_gib} | ${metrics.openssh_cpu_s_per_gib} | ${metrics.ssh2_bare_cpu_s_per_gib}`],
    ['CPU ratio Drover / OpenSSH (goal <= 1.5)', `${metrics.cpu_ratio.toFixed(3)} (paired ${metrics.cpu_ratio_paired_median.toFixed(3)})`],
    ['GC in Drover process per GiB (Drover | bare ssh2)', `${metrics.drover_gc_ms_per_gib} ms, ${metrics.drover_major_gcs_per_gib} major | ${metrics.ssh2_bare_gc_ms_per_gib} ms`],
    ['sshd CPU s/GiB (Drover | OpenSSH runs)', `${metrics.sshd_cpu_s_per_gib_drover} | ${metrics.sshd_cpu_s_per_gib_openssh}`],
    [`connect-to-up p50/p95 (goal p95 < 150 ms, ${CONNECT_RUNS} runs)`, `${metrics.connect_p50_ms} / ${metrics.connect_p95_ms} ms`],
    ['OpenSSH start-to-listening p50/p95', `${metrics.openssh_connect_p50_ms} / ${metrics.openssh_connect_p95_ms} ms`],
    [`RSS / heapUsed growth, ${FORWARDS} forwards running`, `${metrics.rss_growth_50_forwards_mb} / ${metrics.heap_used_growth_50_forwards_mb} MB`],
    ['RSS / heapUsed growth after stop', `${metrics.rss_growth_after_stop_mb} / ${metrics.heap_used_growth_after_stop_mb} MB`],
    ['ssh2 native crypto (Drover | bare)', `${nativeCrypto} (${tp.droverCipherImpl} | ${tp.bareCipherImpl})`],
    ['ssh2 patched (patches/ssh2+*.patch: pooled packet buffers)', String(tp.ssh2Patched)],
  ];
  // Where the time goes: median CPU seconds per GiB of every process on the path, per variant.
  console.log('\nwhere the time goes (median CPU s per GiB moved; wall = elapsed s per GiB):');
  const cols = ['client user', 'client sys', 'client', 'sshd', 'sender+sink', 'all', 'wall'];
  console.log(`  ${'variant'.padEnd(8)} ${cols.map((c) => c.padStart(11)).join(' ')}`);
  for (const k of ['drover', 'openssh', 'ssh2']) {
    const vals = [
      perGib(k, (s) => s.clientUserS),
      perGib(k, (s) => s.clientSysS),
      perGib(k, (s) => s.clientCpuS),
      perGib(k, (s) => s.sshdCpuS),
      perGib(k, (s) => s.pumpCpuS),
      perGib(k, (s) => s.clientCpuS + s.sshdCpuS + s.pumpCpuS),
      perGib(k, (s) => s.seconds),
    ];
    console.log(`  ${k.padEnd(8)} ${vals.map((x) => x.toFixed(2).padStart(11)).join(' ')}`);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);

  const notes = [
    'loopback, one harness sshd (OpenSSH server), both tunnels to the same sshd and the same sink, alternating order per round',
    `MB = 10^6 bytes; MB/s = ${BYTES} bytes / seconds from the first write to the sink's byte-count reply (sender and sink in a separate node process)`,
    `cipher ${CIPHER} on both sides (Drover profile ciphers, ssh -c); ssh run with -F /dev/null -o IdentitiesOnly=yes; ${sshV}; ssh2 ${ssh2Version}`,
    `ssh2 cipher classes: Drover ${tp.droverCipherImpl}, bare ${tp.bareCipherImpl}`,
    `throughput: ${WARMUP_BYTES / 1024 / 1024} MiB warm-up per variant not counted; medians of ${RUNS}`,
    `connect: ${CONNECT_RUNS} runs (+1 warm-up not counted) of a fresh pool and profile from start() to state up; p95 nearest-rank; OpenSSH: spawn to its -L listener accepting (polled every 2 ms)`,
    `memory: after forced GC (${mem.gcOk ? 'gc exposed' : 'gc NOT exposed: figures unreliable'}), before vs. with one profile of ${FORWARDS} -L forwards up on ${mem.connections} connection(s), each having carried one 1 KiB round trip; MB = 10^6 bytes`,
    `1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (other work on the machine skews absolute figures; the same-run ratios less so)`,
    `cpu: user+system seconds per GiB of the tunnel client process (Drover: the whole bench process; ssh: /proc); ${os.cpus().length} cpus shared by sender+sink, tunnel client and sshd`,
  ].join('; ');
  const result = {
    bench: 'tunnel',
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    machine: { cpus: os.cpus().length, node: process.version, notes },
    runs: RUNS,
    metrics,
    samples: {
      throughput_mbps: Object.fromEntries(tp.variants.map((v) => [v.key, tp.samples.filter((s) => s.variant === v.key).map((s) => round(s.mbps))])),
      connect_ms: conn.drover.map((x) => round(x)),
      openssh_connect_ms: conn.openssh.map((x) => round(x)),
    },
  };
  const outDir = path.join(here, 'results');
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, 'tunnel.json');
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const watchdog = setTimeout(() => {
  console.error(`tunnel bench: still running after ${WATCHDOG_MS / 60_000} min: giving up`);
  pump?.stop();
  stopAllSync();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  console.error('tunnel bench failed:', err);
} finally {
  gcObserver.disconnect();
  pump?.stop();
  await sshd?.stop().catch(() => undefined);
  await tmp?.remove().catch(() => undefined);
  await stopAll().catch(() => undefined);
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
