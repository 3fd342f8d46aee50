// `npm run bench -- netboot`: the netboot responder (`drover netboot serve`, a real process, on one
// core) with 1,000 subnets configured. wrk on loopback measures requests per second and p99 for
// /api/v1/pxe and /api/v1/get-config (1,000 rigs: a MAC each and an address in its own subnet,
// through X-Forwarded-For from the trusted proxy on 127.0.0.1), next to nginx (Debian, one worker
// on the same core) serving a static file of the size of one pxe answer: the ceiling, in the same
// run. Then a boot storm: 1,000 simulated rigs, each making the three calls (pxe, get-config,
// get-initial-config with the env from a real etcd) on fresh connections, all within 10 s, on a
// freshly started responder (the goal's figure), again on the warm one, and the same storm against
// nginx on the same core (the storm's reference: what the machine allows at that moment). Each
// storm records the server's CPU per request and how long responder, client and etcd waited for a
// CPU (run queue): on this shared machine that wait, not the work, is where the latency goes.
// Goals: pxe_rps >= 10,000 on one core; storm p99 < 20 ms with no errors.
// Options: --duration 8 --connections 64 --runs 3 --subnets 1000 --clients 1000 --stormSec 8 --core 0
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinary, etcdKvReads, getFreePorts, listDescendants, makeTempDir, startEtcd, startProcess, stopAll, tcpProbe, type EtcdHandle, type ManagedProcess, type TempDir } from '../harness/index';
// The V8 flags bin/drover.mjs re-executes itself with: given directly, so the process measured is the one serving.
// @ts-expect-error -- a plain .mjs module without types, shared with bin/drover.mjs
import { TRAFFIC_V8_FLAGS } from '../../bin/traffic-v8-flags.mjs';
import { benchOptions, median, percentile, procCpu, procCpuS, procRunQueueWaitS, round, writeBenchResult } from './support/bench-stats';

const opt = benchOptions({ duration: 8, connections: 64, runs: 3, subnets: 1000, clients: 1000, stormSec: 8, core: 0 });
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DC_UUID = '8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80';
const WATCHDOG_MS = 15 * 60_000;
/** The other core: wrk, the storm clients and etcd run there. */
const LOAD_CORE = opt.core === 0 ? 1 : 0;

const macOf = (i: number) => `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
/** Rig i lives in subnet i % subnets: 10.(64 + s/256).(s%256).0/24, host .10 + i/subnets. */
const ipOf = (i: number) => {
  const s = i % opt.subnets;
  return `10.${64 + (s >> 8)}.${s & 255}.${10 + Math.floor(i / opt.subnets)}`;
};

function configFor(port: number, etcdEndpoint: string): object {
  const subnets = Array.from({ length: opt.subnets }, (_, s) => ({ name: `site-${s}`, cidr: `10.${64 + (s >> 8)}.${s & 255}.0/24` }));
  return {
    version: 1,
    listen: { host: '127.0.0.1', port },
    serverUrl: 'http://10.40.23.250',
    trustedProxies: ['127.0.0.1/32'],
    etcd: { endpoints: [etcdEndpoint], dialTimeoutMs: 3000, requestTimeoutMs: 3000 },
    limits: { maxConnections: 20_000 },
    defaults: {
      script: [
        '#!ipxe',
        'echo Drover netboot: {{subnetName}} {{ip}} {{mac}}',
        'kernel {{bootUrl}}/vmlinuz?mac={{mac}} initrd=initrd-zrt {{kernelArgs}} shepherd={{serverUrl}}',
        'initrd --name initrd-zrt {{bootUrl}}/initrd-zrt?mac={{mac}}',
        'boot',
      ],
      kernelArgs: 'console=tty0 console=ttyS0,115200n8 ip=dhcp quiet',
      datacenterUuid: DC_UUID,
      agentConfig: {
        supervisor: { images: [{ uri: 'http://10.40.23.250/boot/userland-nvidia.tar.zst', mountpoint: '/' }] },
        metrics: { input: { bminer: { device: 'http://127.0.0.1:1880/api/v1/status/device', solver: 'http://127.0.0.1:1880/api/v1/status/solver' } }, output: { influxdb: { url: 'http://10.40.23.250:8086', db: 'miners' } } },
      },
      etcdKeys: { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{mac}/env' },
    },
    subnets,
  };
}

/** wrk's Lua: every request a different rig of the 1,000 (its MAC and its address). */
function wrkScript(endpoint: string): string {
  return `local n = 0
local paths = {}
local xff = {}
for i = 0, ${opt.clients - 1} do
  local s = i % ${opt.subnets}
  paths[i] = string.format("${endpoint}?mac=52:54:00:%02x:%02x:%02x", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  xff[i] = string.format("10.%d.%d.%d", 64 + math.floor(s / 256), s % 256, 10 + math.floor(i / ${opt.subnets}))
end
request = function()
  local i = n % ${opt.clients}
  n = n + 1
  return wrk.format("GET", paths[i], { ["X-Forwarded-For"] = xff[i] })
end
`;
}

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : v;
}

export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const lat = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50Ms: lat('50'), p99Ms: lat('99'), requests, errors, non2xx };
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

function pin(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

async function wrk(wrkBin: string, url: string, script: string | undefined, seconds: number): Promise<WrkResult> {
  const args = ['-c', String(opt.connections), '-d', `${seconds}s`, '-t', '1', '--latency', '--timeout', '5s', ...(script ? ['-s', script] : []), url];
  const out = await run('taskset', ['-c', String(LOAD_CORE), wrkBin, ...args], (seconds + 30) * 1000);
  const r = parseWrk(out);
  if (!Number.isFinite(r.rps) || !Number.isFinite(r.p99Ms)) throw new Error(`cannot read wrk's output:\n${out}`);
  return r;
}

/** When a storm request's connection was made and its answer's headers came (performance.now()). */
interface Phases {
  connectedAt?: number;
  headersAt?: number;
}

function get(port: number, p: string, xff: string, phases?: Phases): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers: { 'X-Forwarded-For': xff }, agent: false }, (res) => {
      if (phases) phases.headersAt = performance.now();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out after 10 s')));
    if (phases) req.once('socket', (socket) => socket.once('connect', () => (phases.connectedAt = performance.now())));
    req.on('error', reject);
    req.end();
  });
}

interface StormResult {
  latenciesMs: number[];
  byEndpoint: Record<string, number[]>;
  errors: number;
  errorSamples: string[];
  durationMs: number;
  /** Request start to TCP connected, connected to the answer's headers (the server's part, plus loopback). */
  connectMs: number[];
  answerMs: number[];
  /** The storm client's own event-loop delay: time a request waited for the client, not the server. */
  clientLoopP99Ms: number;
  clientLoopMaxMs: number;
}

/** Client i starts at i * stormSec / clients and makes its three calls one after the other, each on a new connection. */
type StormCall = readonly [name: string, path: string, check: (body: string) => boolean];

/** The three calls of rig i (mac, its index) to the responder. */
const RIG_CALLS = (mac: string, i: number): readonly StormCall[] => [
  ['pxe', `/api/v1/pxe?mac=${mac}`, (b: string) => b.startsWith('#!ipxe\necho Drover netboot: site-')],
  ['config', `/api/v1/get-config?mac=${mac}`, (b: string) => b.startsWith('{"supervisor"')],
  ['env', `/api/v1/get-initial-config?mac=${mac}`, (b: string) => b.includes(`WORKER_NAME=rig-${i}\n`)],
];

async function storm(port: number, calls: (mac: string, i: number) => readonly StormCall[] = RIG_CALLS): Promise<StormResult> {
  const latenciesMs: number[] = [];
  const byEndpoint: Record<string, number[]> = { pxe: [], config: [], env: [] };
  const errorSamples: string[] = [];
  let errors = 0;
  const connectMs: number[] = [];
  const answerMs: number[] = [];
  const LOOP_RESOLUTION_MS = 1;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const t0 = performance.now();
  const client = async (i: number) => {
    await new Promise((resolve) => setTimeout(resolve, (i * opt.stormSec * 1000) / opt.clients));
    const mac = macOf(i);
    const xff = ipOf(i);
    for (const [name, p, check] of calls(mac, i)) {
      const started = performance.now();
      const phases: Phases = {};
      try {
        const r = await get(port, p, xff, phases);
        const ms = performance.now() - started;
        if (phases.connectedAt !== undefined && phases.headersAt !== undefined) {
          connectMs.push(phases.connectedAt - started);
          answerMs.push(phases.headersAt - phases.connectedAt);
        }
        latenciesMs.push(ms);
        (byEndpoint[name] ??= []).push(ms);
        if (r.status !== 200 || !check(r.body)) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`${name} ${mac}: ${r.status} ${r.body.slice(0, 200)}`);
        }
      } catch (err) {
        errors++;
        latenciesMs.push(performance.now() - started);
        if (errorSamples.length < 5) errorSamples.push(`${name} ${mac}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opt.clients }, (_, i) => client(i)));
  const durationMs = performance.now() - t0;
  loop.disable();
  return { latenciesMs, byEndpoint, errors, errorSamples, durationMs, connectMs, answerMs, clientLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS), clientLoopMaxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS) };
}

interface MeasuredStorm extends StormResult {
  /** The responder's CPU seconds during the storm (user + system) and the system part. */
  serverCpuS: number;
  serverSysS: number;
  /** Seconds spent runnable but waiting for a CPU during the storm (see procRunQueueWaitS). */
  wait: { server: number; client: number; etcd: number };
}

/** A storm with the responder's CPU and everyone's run-queue wait measured around it. */
async function measuredStorm(port: number, serverPid: number, etcdPid: number, calls?: (mac: string, i: number) => readonly StormCall[]): Promise<MeasuredStorm> {
  const waits = () => ({ server: procRunQueueWaitS(serverPid), client: procRunQueueWaitS('self'), etcd: procRunQueueWaitS(etcdPid, 'all') });
  const cpu0 = procCpu(serverPid);
  const wait0 = waits();
  const r = await storm(port, calls);
  const cpu1 = procCpu(serverPid);
  const wait1 = waits();
  return {
    ...r,
    serverCpuS: cpu1.user + cpu1.sys - cpu0.user - cpu0.sys,
    serverSysS: cpu1.sys - cpu0.sys,
    wait: { server: wait1.server - wait0.server, client: wait1.client - wait0.client, etcd: wait1.etcd - wait0.etcd },
  };
}

let tmp: TempDir | undefined;
let etcd: EtcdHandle | undefined;
let responder: ManagedProcess | undefined;
let nginx: ManagedProcess | undefined;

async function startResponder(configFile: string, quiet: boolean): Promise<ManagedProcess> {
  const proc = await startProcess({
    name: 'drover netboot serve',
    command: 'taskset',
    args: ['-c', String(opt.core), process.execPath, ...(TRAFFIC_V8_FLAGS as string[]), path.join(REPO, 'bin/drover.mjs'), 'netboot', 'serve', '--config', configFile, ...(quiet ? ['--quiet'] : [])],
    cwd: REPO,
    env: { ...process.env },
    logLimitBytes: 256 * 1024,
  });
  const deadline = Date.now() + 30_000;
  while (!/responder listening on /.test(proc.logs())) {
    if (proc.exitStatus || Date.now() > deadline) throw new Error(`drover netboot serve did not start:\n${proc.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return proc;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0]!;
  if (os.cpus().length < 2) throw new Error('this benchmark needs 2 cores: the responder on one, the load on the other');
  const wrkBin = await ensureBinary('wrk', 'wrk');
  const nginxBin = await ensureBinary('nginx', 'nginx-light');
  await ensureBinary('taskset', 'util-linux');
  tmp = await makeTempDir('drover-bench-netboot-');
  pin(process.pid, LOAD_CORE);

  // ---- etcd with the datacenter config and 1,000 worker envs ----
  etcd = await startEtcd();
  pin(etcd.pid, LOAD_CORE);
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    await client.put(`/farm/dc/${DC_UUID}/config`).value('POOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=dc-default\n');
    for (let i = 0; i < opt.clients; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, opt.clients - i) }, (_, k) => client.put(`/farm/workers/${macOf(i + k)}/env`).value(`WORKER_NAME=rig-${i + k}\nWALLET=0x${(i + k).toString(16)}\n`)));
    }
  } finally {
    client.close();
  }

  // ---- the responder (a real `drover netboot serve`) on its own core ----
  const [port, nginxPort] = (await getFreePorts(2)) as [number, number];
  const configFile = path.join(tmp.path, 'netboot.json');
  fs.writeFileSync(configFile, JSON.stringify(configFor(port, etcd.endpoint)));
  responder = await startResponder(configFile, true);
  const sample = await get(port, `/api/v1/pxe?mac=${macOf(0)}`, ipOf(0));
  if (sample.status !== 200) throw new Error(`the responder answered ${sample.status}: ${sample.body}`);
  const pxeBytes = Buffer.byteLength(sample.body);
  const configBytes = Buffer.byteLength((await get(port, `/api/v1/get-config?mac=${macOf(0)}`, ipOf(0))).body);

  // ---- nginx: one worker on the same core, a static file of the same size ----
  const www = path.join(tmp.path, 'www');
  fs.mkdirSync(www);
  fs.mkdirSync(path.join(tmp.path, 'nginx-tmp'));
  fs.writeFileSync(path.join(www, 'pxe.txt'), 'x'.repeat(pxeBytes - 1) + '\n');
  const t = path.join(tmp.path, 'nginx-tmp');
  fs.writeFileSync(
    path.join(tmp.path, 'nginx.conf'),
    [
      'user root;',
      'worker_processes 1;',
      'daemon off;',
      'master_process on;',
      `pid ${tmp.path}/nginx.pid;`,
      `error_log ${tmp.path}/nginx-error.log warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      '  keepalive_requests 1000000;',
      '  default_type text/plain;',
      `  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi; uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;`,
      `  server { listen 127.0.0.1:${nginxPort}; root ${www}; location / { } }`,
      '}',
      '',
    ].join('\n'),
  );
  nginx = await startProcess({
    name: 'nginx',
    command: 'taskset',
    args: ['-c', String(opt.core), nginxBin, '-p', tmp.path, '-c', path.join(tmp.path, 'nginx.conf')],
    ready: tcpProbe('127.0.0.1', nginxPort),
    readyTimeoutMs: 10_000,
  });
  const nginxUrl = `http://127.0.0.1:${nginxPort}/pxe.txt`;
  const pxeScript = path.join(tmp.path, 'pxe.lua');
  const configScript = path.join(tmp.path, 'config.lua');
  fs.writeFileSync(pxeScript, wrkScript('/api/v1/pxe'));
  fs.writeFileSync(configScript, wrkScript('/api/v1/get-config'));
  const base = `http://127.0.0.1:${port}/`;

  // Warm-up (JIT, the timeline filling with the 1,000 rigs), not counted.
  await wrk(wrkBin, base, pxeScript, 2);
  await wrk(wrkBin, base, configScript, 2);
  await wrk(wrkBin, nginxUrl, undefined, 1);

  const samples = { pxe: [] as WrkResult[], config: [] as WrkResult[], nginx: [] as WrkResult[] };
  /** CPU seconds the server used per wrk run: requests per CPU second is what one whole core would serve. */
  const cpu = { pxe: [] as number[], config: [] as number[], nginx: [] as number[] };
  const nginxPids = () => [nginx!.pid, ...listDescendants(nginx!.pid)];
  for (let r = 0; r < opt.runs; r++) {
    // Alternating order, so that drift on the shared machine hits every variant alike.
    const order = r % 2 === 0 ? (['nginx', 'pxe', 'config'] as const) : (['config', 'pxe', 'nginx'] as const);
    for (const which of order) {
      const pids = which === 'nginx' ? nginxPids() : [responder.pid];
      const cpuNow = () => pids.reduce((a, p) => a + procCpuS(p), 0);
      const before = cpuNow();
      const res = which === 'nginx' ? await wrk(wrkBin, nginxUrl, undefined, opt.duration) : await wrk(wrkBin, base, which === 'pxe' ? pxeScript : configScript, opt.duration);
      cpu[which].push(res.requests / Math.max(0.01, cpuNow() - before));
      samples[which].push(res);
      console.log(`run ${r + 1} ${which.padEnd(6)} ${round(res.rps, 0)} req/s  p50 ${round(res.p50Ms, 2)} ms  p99 ${round(res.p99Ms, 2)} ms  errors ${res.errors + res.non2xx}`);
    }
  }

  // ---- the same responder logging every step to stderr (what `serve` does without --quiet) ----
  await responder.stop();
  responder = await startResponder(configFile, false);
  await wrk(wrkBin, base, pxeScript, 2);
  const logged = await wrk(wrkBin, base, pxeScript, opt.duration);
  console.log(`logged pxe ${round(logged.rps, 0)} req/s  p99 ${round(logged.p99Ms, 2)} ms`);

  // ---- boot storm on a fresh responder (empty timeline) ----
  await responder.stop();
  responder = await startResponder(configFile, true);
  await get(port, `/api/v1/get-initial-config?mac=${macOf(0)}`, ipOf(0)); // etcd client connected
  // The responder's etcd copy (docs/netboot.md, "The etcd copy"): in sync before the storm, so
  // the storm's get-initial-config calls make no etcd read; etcd's own metrics count them.
  const syncStarted = Date.now();
  while (!responder.logs().includes('netboot: etcd copy in sync') && Date.now() - syncStarted < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
  const copyInSync = responder.logs().includes('netboot: etcd copy in sync');
  const loadAtStorm = os.loadavg()[0]!;
  const kv0 = await etcdKvReads(etcd.endpoint);
  const s = await measuredStorm(port, responder.pid, etcd.pid);
  const kv1 = await etcdKvReads(etcd.endpoint);
  // The same 1,000 rigs booting again on the now warm responder (JIT done, timeline full).
  const w = await measuredStorm(port, responder.pid, etcd.pid);
  const kv2 = await etcdKvReads(etcd.endpoint);
  const stormLog = responder.logs();
  // The same storm against nginx on the same core (3 x the static file, each on its own
  // connection): what this machine allows at this moment; the storm's reference in the same run.
  const nginxBody = fs.readFileSync(path.join(www, 'pxe.txt'), 'utf8');
  const nginxCall: StormCall = ['nginx', '/pxe.txt', (b) => b === nginxBody];
  const n = await measuredStorm(nginxPort, listDescendants(nginx.pid)[0] ?? nginx.pid, etcd.pid, () => [nginxCall, nginxCall, nginxCall]);
  for (const [name, x] of [['fresh responder', s], ['warm responder', w], ['nginx', n]] as const) {
    console.log(`storm (${name}): ${opt.clients} rigs x 3 calls in ${round(x.durationMs / 1000, 2)} s, p99 ${round(percentile(x.latenciesMs, 99), 2)} ms (connect p99 ${round(percentile(x.connectMs, 99), 2)}, connected to headers p99 ${round(percentile(x.answerMs, 99), 2)}, client event-loop delay p99 ${round(x.clientLoopP99Ms, 2)} max ${round(x.clientLoopMaxMs, 2)}), errors ${x.errors}`);
    for (const e of x.errorSamples) console.log(`  error: ${e}`);
  }

  const pxeRps = median(samples.pxe.map((x) => x.rps));
  const nginxRps = median(samples.nginx.map((x) => x.rps));
  const metrics = {
    pxe_rps: round(pxeRps, 0),
    pxe_p99_ms: round(median(samples.pxe.map((x) => x.p99Ms)), 2),
    pxe_p50_ms: round(median(samples.pxe.map((x) => x.p50Ms)), 2),
    pxe_errors: samples.pxe.reduce((a, x) => a + x.errors + x.non2xx, 0),
    config_rps: round(median(samples.config.map((x) => x.rps)), 0),
    config_p99_ms: round(median(samples.config.map((x) => x.p99Ms)), 2),
    config_errors: samples.config.reduce((a, x) => a + x.errors + x.non2xx, 0),
    nginx_rps: round(nginxRps, 0),
    nginx_p99_ms: round(median(samples.nginx.map((x) => x.p99Ms)), 2),
    pxe_to_nginx_ratio: round(pxeRps / nginxRps, 3),
    pxe_requests_per_cpu_s: round(median(cpu.pxe), 0),
    config_requests_per_cpu_s: round(median(cpu.config), 0),
    nginx_requests_per_cpu_s: round(median(cpu.nginx), 0),
    pxe_cpu_us_per_request: round(1e6 / median(cpu.pxe), 1),
    pxe_logged_rps: round(logged.rps, 0),
    pxe_logged_p99_ms: round(logged.p99Ms, 2),
    storm_p99_ms: round(percentile(s.latenciesMs, 99), 2),
    storm_p50_ms: round(percentile(s.latenciesMs, 50), 2),
    storm_max_ms: round(Math.max(...s.latenciesMs), 2),
    storm_pxe_p99_ms: round(percentile(s.byEndpoint.pxe!, 99), 2),
    storm_config_p99_ms: round(percentile(s.byEndpoint.config!, 99), 2),
    storm_env_p99_ms: round(percentile(s.byEndpoint.env!, 99), 2),
    storm_connect_p99_ms: round(percentile(s.connectMs, 99), 2),
    storm_answer_p99_ms: round(percentile(s.answerMs, 99), 2),
    storm_client_loop_p99_ms: round(s.clientLoopP99Ms, 2),
    storm_client_loop_max_ms: round(s.clientLoopMaxMs, 2),
    storm_errors: s.errors,
    storm_requests: s.latenciesMs.length,
    storm_duration_s: round(s.durationMs / 1000, 2),
    storm_server_cpu_s: round(s.serverCpuS, 2),
    storm_cpu_us_per_request: round((s.serverCpuS * 1e6) / s.latenciesMs.length, 1),
    storm_server_core_share: round(s.serverCpuS / (s.durationMs / 1000), 3),
    storm_server_sys_share_of_cpu: round(s.serverSysS / Math.max(0.01, s.serverCpuS), 2),
    storm_server_runqueue_wait_s: round(s.wait.server, 2),
    storm_client_runqueue_wait_s: round(s.wait.client, 2),
    storm_etcd_runqueue_wait_s: round(s.wait.etcd, 2),
    storm_etcd_copy_in_sync: copyInSync,
    storm_etcd_kv_reads: kv1 - kv0,
    storm_warm_etcd_kv_reads: kv2 - kv1,
    storm_warm_p99_ms: round(percentile(w.latenciesMs, 99), 2),
    storm_warm_p50_ms: round(percentile(w.latenciesMs, 50), 2),
    storm_warm_errors: w.errors,
    storm_warm_cpu_us_per_request: round((w.serverCpuS * 1e6) / w.latenciesMs.length, 1),
    storm_warm_server_runqueue_wait_s: round(w.wait.server, 2),
    storm_nginx_p99_ms: round(percentile(n.latenciesMs, 99), 2),
    storm_nginx_p50_ms: round(percentile(n.latenciesMs, 50), 2),
    storm_nginx_errors: n.errors,
    storm_nginx_cpu_us_per_request: round((n.serverCpuS * 1e6) / n.latenciesMs.length, 1),
    storm_nginx_runqueue_wait_s: round(n.wait.server, 2),
    load_1min_start: round(loadAtStart, 1),
    load_1min_storm: round(loadAtStorm, 1),
    load_1min_end: round(os.loadavg()[0]!, 1),
    subnets: opt.subnets,
    pxe_bytes: pxeBytes,
    config_bytes: configBytes,
    goal_pxe_rps_met: pxeRps >= 10_000,
    goal_storm_met: percentile(s.latenciesMs, 99) < 20 && s.errors === 0 && s.durationMs <= 10_000,
  };
  if (!stormLog.includes('responder listening on')) throw new Error('the storm responder log is missing its start line');

  const rows: [string, string][] = [
    ['/api/v1/pxe (1,000 subnets, one core)', `${metrics.pxe_rps} req/s, p99 ${metrics.pxe_p99_ms} ms (goal >= 10,000 req/s: ${metrics.goal_pxe_rps_met ? 'met' : 'NOT met'})`],
    ['/api/v1/get-config', `${metrics.config_rps} req/s, p99 ${metrics.config_p99_ms} ms`],
    [`nginx static file of ${pxeBytes} bytes (ceiling)`, `${metrics.nginx_rps} req/s, p99 ${metrics.nginx_p99_ms} ms`],
    ['pxe / nginx', `${metrics.pxe_to_nginx_ratio}`],
    ['requests per CPU second (one whole core)', `pxe ${metrics.pxe_requests_per_cpu_s}, get-config ${metrics.config_requests_per_cpu_s}, nginx ${metrics.nginx_requests_per_cpu_s} (${metrics.pxe_cpu_us_per_request} µs of CPU per pxe request)`],
    ['pxe with every step logged to stderr', `${metrics.pxe_logged_rps} req/s, p99 ${metrics.pxe_logged_p99_ms} ms`],
    ['storm: responder CPU', `${metrics.storm_server_cpu_s} s (${metrics.storm_cpu_us_per_request} µs per request incl. its own TCP connection, ${round(metrics.storm_server_sys_share_of_cpu * 100, 0)}% of it in the kernel; ${round(metrics.storm_server_core_share * 100, 1)}% of one core)`],
    ['storm: waiting for a CPU (run queue)', `responder ${metrics.storm_server_runqueue_wait_s} s, storm client ${metrics.storm_client_runqueue_wait_s} s, etcd ${metrics.storm_etcd_runqueue_wait_s} s (etcd: all its threads; the others: the main (JS) thread; over ${metrics.storm_duration_s} s)`],
    ['storm: where a request waited (p99)', `connecting ${metrics.storm_connect_p99_ms} ms, connected to answer ${metrics.storm_answer_p99_ms} ms; storm client event-loop delay p99 ${metrics.storm_client_loop_p99_ms} ms, max ${metrics.storm_client_loop_max_ms} ms`],
    ['storm: etcd reads (etcd /metrics, KV Range+Txn)', `${metrics.storm_etcd_kv_reads} during the storm, ${metrics.storm_warm_etcd_kv_reads} during the warm one (etcd copy in sync at the storm: ${metrics.storm_etcd_copy_in_sync ? 'yes' : 'NO'})`],
    ['storm again, warm responder', `p99 ${metrics.storm_warm_p99_ms} ms, p50 ${metrics.storm_warm_p50_ms} ms, errors ${metrics.storm_warm_errors}; ${metrics.storm_warm_cpu_us_per_request} µs of CPU per request; waited for a CPU ${metrics.storm_warm_server_runqueue_wait_s} s`],
    ['storm against nginx (same core, static file)', `p99 ${metrics.storm_nginx_p99_ms} ms, p50 ${metrics.storm_nginx_p50_ms} ms, errors ${metrics.storm_nginx_errors}; ${metrics.storm_nginx_cpu_us_per_request} µs of CPU per request; waited for a CPU ${metrics.storm_nginx_runqueue_wait_s} s`],
    [`storm: ${opt.clients} rigs x 3 calls`, `p99 ${metrics.storm_p99_ms} ms (pxe ${metrics.storm_pxe_p99_ms} / config ${metrics.storm_config_p99_ms} / env ${metrics.storm_env_p99_ms}), errors ${metrics.storm_errors}, ${metrics.storm_duration_s} s (goal p99 < 20 ms, no errors, within 10 s: ${metrics.goal_storm_met ? 'met' : 'NOT met'})`],
  ];
  rows.push(['1-minute load average', `${metrics.load_1min_start} at start, ${metrics.load_1min_storm} at the storm, ${metrics.load_1min_end} at the end (2 cores, shared)`]);
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

  const notes = [
    `loopback; the responder is \`drover netboot serve --quiet\` (a real process, tsx, V8 flags of the CLI) pinned with taskset to core ${opt.core}; nginx ${spawnSync(nginxBin, ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '')} (Debian, 1 worker, access_log off) pinned to the same core; wrk (1 thread, ${opt.connections} keep-alive connections, --latency) and the storm clients and etcd on core ${LOAD_CORE}`,
    `${opt.subnets} IPv4 /24 subnets; every wrk request a different rig of ${opt.clients} (its ?mac= and an X-Forwarded-For address in its own subnet, from the trusted proxy 127.0.0.1); the timeline records every request`,
    `wrk runs of ${opt.duration} s after a warm-up, medians of ${opt.runs} runs, order alternating; p99 from wrk's latency distribution`,
    `storm: client i starts at i x ${opt.stormSec} s / ${opt.clients} and makes pxe, get-config, get-initial-config (env read from the harness etcd and merged) one after the other, each on a new TCP connection (node http, agent: false); an error is a failed request, a status other than 200 or an unexpected body; p99 over all ${s.latenciesMs.length} requests, measured by the client`,
    `*_requests_per_cpu_s: wrk's request count / the CPU seconds (user+system, /proc) the server process(es) used meanwhile: what one whole core would serve, less sensitive to other load on the machine than req/s`,
    `pxe_logged: the same responder without --quiet (one stderr line per step, read by the bench through a pipe)`,
    `storm_server_cpu_s: CPU seconds the responder used during the storm; storm_*_runqueue_wait_s: seconds the process's main thread (etcd: all its threads) was runnable but waiting for a CPU (/proc/PID/schedstat): where the storm latency goes on this shared machine (the responder's core share is what it got, not what it would have used); storm_connect/answer_p99_ms: request start to TCP connected, connected to the answer's headers; storm_client_loop_*: the storm client's own event-loop delay (monitorEventLoopDelay, 1 ms resolution subtracted), time a request waited for the client rather than the server`,
    `storm_etcd_kv_reads: KV Range and Txn calls etcd handled during the storm (its own /metrics): 0 when every get-initial-config was answered from the responder's etcd copy (in sync before the storm: the bench waits for its log line); the copy's liveness pings are maintenance Status calls, not counted`,
    `storm_nginx_*: the same storm (3 requests per rig for the static file, each on its own connection) against the nginx worker on the responder's core, right after: what the machine allowed at that moment`,
    `storm_warm_*: the same storm again right after, on the then warm responder (JIT done, the 1,000 rigs in its timeline); the goal is judged on the first storm, on a freshly started responder`,
    `1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (other work on this shared machine skews absolute figures; the same-run ratio to nginx less so)`,
  ].join('; ');
  await writeBenchResult('netboot', opt.runs, metrics, notes);
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const watchdog = setTimeout(() => {
  console.error(`netboot bench: still running after ${WATCHDOG_MS / 60_000} min: giving up`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  console.error('netboot bench failed:', err);
} finally {
  await responder?.stop().catch(() => undefined);
  await nginx?.stop().catch(() => undefined);
  await etcd?.stop().catch(() => undefined);
  await tmp?.remove().catch(() => undefined);
  await stopAll().catch(() => undefined);
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
