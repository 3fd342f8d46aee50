import { symlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import type { Sink } from '../../main/contract/define';
import { isAppError } from '../../main/contract/errors';
import { applyLive, type LiveChanges, type LiveUpdate, type SourceHealth } from '../../main/contract/live';
import { MinersLiveSchema, type MinerSessionConfigInput, type MinersLiveData } from '../../main/contract/miners';
import { MinerSessionStore, MINER_SESSIONS_FILE_NAME } from '../../main/miners/miner-session-store';
import { minerTokenSecretId } from '../../main/miners/miner-session';
import { MinersService, type MinersServiceDeps } from '../../main/miners/miners-service';
import { main as droverCli } from '../../main/app/cli';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { startFakeLotus, type FakeLotus } from '../fixtures/lotus/fake-lotus-server';
import { makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

/**
 * The miners service end to end: against the fake lotus JSON-RPC servers (HTTP and WebSocket, the
 * farm changing over time with step()), lotus-miner over the harness's real sshd (the fake
 * lotus-miner on the PATH), and an API session routed through a real Drover tunnel. Frames are
 * read as the renderer reads them (snapshot, then diffs applied with the contract's applyLive).
 */

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A sink that applies frames like the renderer's live store, keeping every diff. */
function liveSink() {
  const ctrl = new AbortController();
  const state = { data: undefined as MinersLiveData | undefined, health: undefined as SourceHealth | undefined, diffs: [] as LiveChanges[], lastSeq: -1, gaps: 0 };
  const sink: Sink<LiveUpdate> = {
    next: (f) => {
      // Every frame must pass the contract's schema (what the transport checks).
      MinersLiveSchema.parse(f);
      if (f.t === 'snapshot') {
        state.data = f.data as MinersLiveData;
        state.health = f.health;
      } else {
        if (f.seq !== state.lastSeq + 1) state.gaps++;
        state.data = applyLive(state.data!, f.changes);
        state.diffs.push(f.changes);
        if (f.health) state.health = f.health;
      }
      state.lastSeq = f.seq;
    },
    end: () => undefined,
    signal: ctrl.signal,
    bufferedBytes: () => 0,
  };
  return { sink, state, close: () => ctrl.abort() };
}

let tmp: TempDir;
let fake: FakeLotus;
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.name);
const services: MinersService[] = [];
const sinks: { close(): void }[] = [];

function makeService(opts: { secrets?: MemorySecretStore; tunnels?: TunnelManager; stack?: SshStack; store?: boolean; fleet?: MinersServiceDeps['fleet'] } = {}): MinersService {
  const s = new MinersService({
    ...(opts.fleet ? { fleet: opts.fleet } : {}),
    clock: systemClock,
    secrets: opts.secrets ?? new MemorySecretStore(),
    ...(opts.tunnels ? { tunnels: opts.tunnels } : {}),
    ...(opts.stack ? { sshPool: opts.stack.pool } : {}),
    ...(opts.store ? { store: new MinerSessionStore(tmp.path, systemClock) } : {}),
    liveIntervalMs: 20,
  });
  services.push(s);
  return s;
}

function subscribe(service: MinersService) {
  const l = liveSink();
  service.live.subscribe(l.sink);
  sinks.push(l);
  return l;
}

function rpcConfig(id: string, extra: Partial<{ transport: 'http' | 'ws'; chainNotify: boolean; pollIntervalSec: number; worker: boolean }> = {}): MinerSessionConfigInput {
  return {
    id,
    name: `farm ${id}`,
    pollIntervalSec: extra.pollIntervalSec ?? 60,
    source: {
      kind: 'rpc',
      miner: { url: fake.miner.url },
      fullNode: { url: fake.fullNode.url },
      transport: extra.transport ?? 'http',
      chainNotify: extra.chainNotify ?? false,
      ...(extra.worker && fake.worker ? { workerApi: { urls: { 'fil-seal-01': fake.worker.url } } } : {}),
    },
    alerts: { balanceBelowFil: { worker: 1000 } },
  };
}

beforeAll(async () => {
  tmp = await makeTempDir('drover-miners-service-');
  process.on('warning', onWarning);
});

afterEach(async () => {
  for (const l of sinks.splice(0)) l.close();
  for (const s of services.splice(0)) s.dispose();
  await fake?.close();
});

afterAll(async () => {
  process.off('warning', onWarning);
  await tmp?.remove();
  // A poll's two dozen concurrent calls share one abort signal: no MaxListenersExceededWarning.
  expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
});

describe('an API session against the fake lotus (HTTP)', () => {
  it('snapshot first, then a job change sends only the keys that changed; a worker disappears and a sector errors raise alerts', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const secrets = new MemorySecretStore();
    const service = makeService({ secrets, store: true });
    const item = await service.save(rpcConfig('a'), { minerToken: fake.tokens.admin, fullNodeToken: fake.tokens.read });
    expect(item.hasMinerToken).toBe(true);
    expect(item.config.source.kind === 'rpc' && item.config.source.miner.tokenSecretId).toBe(minerTokenSecretId('a'));
    // The token is in the secret store, never in miners.json.
    const file = await fs.readFile(path.join(tmp.path, MINER_SESSIONS_FILE_NAME), 'utf8');
    expect(file).not.toContain(fake.tokens.admin);
    expect(await secrets.get(minerTokenSecretId('a'))).toBe(fake.tokens.admin);

    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.a?.health.state === 'live', 15_000, 'the miner live');
    const d0 = live.state.data!;
    expect(d0.miners.a!.overview?.minerId).toBe('f03150672');
    expect(d0.miners.a!.access).toBe('admin');
    const workers0 = Object.keys(d0.workers);
    const jobs0 = Object.keys(d0.jobs);
    expect(workers0.length).toBeGreaterThan(0);
    expect(jobs0.length).toBeGreaterThan(2);
    expect(workers0.every((k) => k.startsWith('a/'))).toBe(true);
    // Running jobs carry startMs, not a running time that would change every poll.
    const running = Object.values(d0.jobs).filter((j) => j.state === 'running');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((j) => j.startMs !== undefined && j.runningMs === undefined)).toBe(true);
    // balance below the threshold (worker < 1000 FIL)
    expect(Object.values(d0.alerts).map((a) => a.kind)).toContain('balance-low');

    // Nothing changed on the miner: another poll sends no job or worker change.
    live.state.diffs.length = 0;
    const rounds = service.sessionOf('a').rounds;
    service.pollNow('a');
    await waitFor(() => service.sessionOf('a').rounds > rounds, 10_000, 'a second poll');
    await sleep(100);
    for (const d of live.state.diffs) {
      expect(d.jobs).toBeUndefined();
      expect(d.workers).toBeUndefined();
    }

    // Step 1: a finalize finishes, an AddPiece starts, an assigned job starts running.
    const step1 = fake.step();
    live.state.diffs.length = 0;
    const before = live.state.data!;
    service.pollNow('a');
    await waitFor(() => live.state.diffs.some((d) => d.jobs), 10_000, 'the job diff');
    const jobDiffs = live.state.diffs.filter((d) => d.jobs).map((d) => d.jobs!);
    const touched = new Set(jobDiffs.flatMap((c) => [...Object.keys(c.put ?? {}), ...Object.keys(c.patch ?? {}), ...Object.keys(c.unset ?? {}), ...(c.remove ?? [])]));
    // Only the jobs step() changed: the finished one, the new one, the assigned job that got a call id (old key out, new key in).
    expect(step1.events.filter((e) => e.startsWith('job')).length).toBe(3);
    expect(touched.size).toBeLessThanOrEqual(4);
    expect(touched.size).toBeGreaterThanOrEqual(3);
    expect(jobDiffs.every((c) => !c.patch)).toBe(true);
    const after = live.state.data!;
    const newKeys = Object.keys(after.jobs).filter((k) => !(k in before.jobs));
    expect(newKeys.some((k) => k.startsWith('a/c0ffee'))).toBe(true);
    // Every job that did not change is the very same object (the renderer redraws only the changed rows).
    for (const k of Object.keys(after.jobs)) if (!touched.has(k)) expect(after.jobs[k]).toBe(before.jobs[k]);

    // Step 2: a worker disappears, a C2 fails into ComputeProofFailed.
    const gone = Object.keys(after.workers).sort()[0]!;
    fake.step();
    service.pollNow('a');
    await waitFor(() => !(gone in live.state.data!.workers), 10_000, 'the worker removed');
    await waitFor(() => Object.values(live.state.data!.alerts).some((a) => a.kind === 'sectors-error'), 10_000, 'the error-sector alert');
    const alerts = Object.values(live.state.data!.alerts);
    const goneAlert = alerts.find((a) => a.kind === 'worker-gone');
    expect(goneAlert?.workerId).toBe(gone.slice(2));
    expect(goneAlert?.id).toBe(`a/worker-gone/${gone.slice(2)}`);
    const sec = alerts.find((a) => a.kind === 'sectors-error')!;
    expect(sec.value).toBe(sec.previous! + 1);
    expect(live.state.gaps).toBe(0);

    // History for the charts: one point per poll.
    const h = service.history('a');
    expect(h.atMs.length).toBeGreaterThanOrEqual(4);
    expect(h.jobsByState.running?.length).toBe(h.atMs.length);
    expect(h.power.rawBytes.at(-1)).toBeGreaterThan(0);

    // Dismissing the gone worker forgets it.
    service.dismissAlert(goneAlert!.id);
    await waitFor(() => !(goneAlert!.id in live.state.data!.alerts), 5_000, 'the dismissed alert gone');
    const r2 = service.sessionOf('a').rounds;
    service.pollNow('a');
    await waitFor(() => service.sessionOf('a').rounds > r2, 10_000, 'a poll after the dismissal');
    await sleep(100);
    expect(goneAlert!.id in live.state.data!.alerts).toBe(false);

    // A new service reads the saved session back, token from the secret store.
    const again = makeService({ secrets, store: true });
    await again.init();
    const live2 = subscribe(again);
    await waitFor(() => live2.state.data?.miners.a?.health.state === 'live', 15_000, 'the reloaded session live');
    expect(live2.state.data!.miners.a!.access).toBe('admin');
  }, 60_000);

  it('abort needs the admin token: a read token is refused with a clear error, an admin token aborts the job', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const service = makeService();
    await service.save(rpcConfig('r'), { minerToken: fake.tokens.read });
    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.r?.health.state === 'live', 15_000, 'live with a read token');
    expect(live.state.data!.miners.r!.access).toBe('read');
    expect(live.state.data!.miners.r!.problems.some((p) => p.code === 'PERMISSION_DENIED')).toBe(true);
    const refused = await service.abortJob('r', 'anything').catch((e: unknown) => e);
    expect(isAppError(refused, 'PERMISSION_DENIED')).toBe(true);
    expect((refused as Error).message).toContain('admin');
    expect((refused as { hint?: string }).hint).toContain('admin token');

    await service.save(rpcConfig('r'), { minerToken: fake.tokens.admin });
    await waitFor(() => live.state.data?.miners.r?.access === 'admin' && Object.keys(live.state.data.jobs).length > 0, 15_000, 'admin: jobs listed');
    const job = Object.entries(live.state.data!.jobs).find(([, j]) => j.state === 'running' && j.callId)!;
    await service.abortJob('r', job[0]);
    expect(fake.calls.some((c) => c.method === 'Filecoin.SealingAbort' && c.perms.includes('admin'))).toBe(true);
    await waitFor(() => !(job[0] in live.state.data!.jobs), 10_000, 'the aborted job gone');
    const missing = await service.abortJob('r', 'r/deadbeef').catch((e: unknown) => e);
    expect(isAppError(missing, 'NOT_FOUND')).toBe(true);
  }, 60_000);

  it('a bad token: the source is down with UNAUTHENTICATED as the cause', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const service = makeService();
    await service.save(rpcConfig('bad'), { minerToken: 'not-a-token', fullNodeToken: 'not-a-token' });
    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.bad?.health.state === 'down', 15_000, 'down');
    const h = live.state.data!.miners.bad!.health;
    expect(h.cause?.code).toBe('UNAUTHENTICATED');
    expect(h.nextAttemptAtMs).toBeGreaterThan(Date.now() - 1000);
    // The stream's own health names the session.
    expect(live.state.health?.state).toBe('down');
    expect(live.state.health?.cause?.message).toContain('farm bad');
  }, 30_000);

  it('worker task types through the worker API; read token refused there too', async () => {
    fake = await startFakeLotus({ farm: 'A', worker: true });
    const service = makeService();
    await service.save(rpcConfig('w', { worker: true }), { minerToken: fake.tokens.admin });
    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.w?.health.state === 'live', 15_000, 'live');
    const r = await service.setWorkerTasks('w', fake.worker!.workerId, { disable: ['PC1'] });
    expect(r.tasks).not.toContain('seal/v0/precommit/1');
    expect(r.workerApi).toContain(String(fake.worker!.port));
    const r2 = await service.setWorkerTasks('w', `w/${fake.worker!.workerId}`, { enable: ['PC1'], enabled: false });
    expect(r2.tasks).toContain('seal/v0/precommit/1');
    expect(r2.enabled).toBe(false);
    const bad = await service.setWorkerTasks('w', fake.worker!.workerId, { enable: ['WINDOWPOST?'] }).catch((e: unknown) => e);
    // The sealing worker joined with its Fleet host: hardware from the latest probe, terminal through Fleet's login.
    const sealHost = { id: 'seal1', name: 'fil-seal-01', group: 'default', target: { host: '10.20.0.21', port: 22, user: 'ops' }, jumps: [{ host: 'gw', port: 2222, user: 'ops' }], lotusWorker: 'fil-seal-01', tags: [] };
    const withFleet = makeService({
      fleet: { lookup: (q) => (q.lotusWorker === 'fil-seal-01' ? sealHost : undefined), workerHardware: (id) => (id === 'seal1' ? { cpuTempC: 61, cpuLoadPercent: 35 } : undefined) },
    });
    await withFleet.save(rpcConfig('wf'), { minerToken: fake.tokens.admin });
    const liveF = subscribe(withFleet);
    await waitFor(() => liveF.state.data?.miners.wf?.health.state === 'live', 15_000, 'live (with Fleet)');
    const seal = Object.values(liveF.state.data!.workers).find((x) => x.hostname === 'fil-seal-01')!;
    expect(seal.hardware).toEqual({ cpuTempC: 61, cpuLoadPercent: 35 });
    expect(Object.values(liveF.state.data!.workers).filter((x) => x.hardware).length).toBe(1);
    const viaFleet = withFleet.workerTerminal('wf', seal.id);
    expect(viaFleet).toMatchObject({ how: 'fleet', target: { kind: 'ssh', target: { host: '10.20.0.21' }, jumps: [{ host: 'gw' }] } });
    expect(isAppError(bad, 'INVALID_INPUT')).toBe(true);
    // No Fleet host and an API session: Drover says it cannot tell where to log in.
    const term = (() => {
      try {
        return service.workerTerminal('w', fake.worker!.workerId);
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(term, 'NOT_FOUND')).toBe(true);
    expect((term as { hint?: string }).hint).toContain('Fleet');
  }, 30_000);
});

describe('several miners in one service', () => {
  it('two farms side by side: keys by session, a change on one touches only its keys', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const other = await startFakeLotus({ farm: 'B' });
    try {
      const service = makeService();
      await service.save(rpcConfig('a'), { minerToken: fake.tokens.admin });
      await service.save({ id: 'b', name: 'farm B', pollIntervalSec: 60, source: { kind: 'rpc', miner: { url: other.miner.url }, fullNode: { url: other.fullNode.url } } }, { minerToken: other.tokens.admin });
      const live = subscribe(service);
      await waitFor(() => live.state.data?.miners.a?.health.state === 'live' && live.state.data.miners.b?.health.state === 'live', 15_000, 'both live');
      const d = live.state.data!;
      expect(d.miners.b!.overview?.minerId).toBe('f02099456');
      expect(Object.keys(d.workers).filter((k) => k.startsWith('b/')).length).toBe(13);
      expect(Object.keys(d.jobs).filter((k) => k.startsWith('b/')).length).toBe(d.miners.b!.jobCount);
      expect(Object.keys(d.jobs).filter((k) => k.startsWith('a/')).length).toBe(d.miners.a!.jobCount);
      // farm B has no chain state in the fake: its problems say so, farm A's health is unaffected.
      expect(d.miners.b!.problems.length).toBeGreaterThan(0);
      live.state.diffs.length = 0;
      fake.step();
      service.pollNow('a');
      await waitFor(() => live.state.diffs.some((x) => x.jobs), 10_000, 'farm A changed');
      const keys = live.state.diffs.flatMap((x) => [...Object.keys(x.jobs?.put ?? {}), ...Object.keys(x.jobs?.patch ?? {}), ...(x.jobs?.remove ?? [])]);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith('a/'))).toBe(true);
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe('drover miners (headless)', () => {
  it('list prints the saved sessions; snapshot reads one miner and prints its JSON', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const dir = path.join(tmp.path, 'cli-config');
    await fs.mkdir(dir, { recursive: true });
    // No token: lotus grants read (chain data; workers and jobs need admin).
    const session = { id: 'c1', name: 'farm-a', source: { kind: 'rpc', miner: { url: fake.miner.url }, fullNode: { url: fake.fullNode.url } } };
    await fs.writeFile(path.join(dir, MINER_SESSIONS_FILE_NAME), JSON.stringify({ version: 1, sessions: [session] }));
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await droverCli(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: { HOME: tmp.path }, handleSignals: false });
      return { code, out, err };
    };
    const list = await run(['miners', 'list', '--config-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out).toEqual([`c1\tfarm-a\trpc ${fake.miner.url}`]);
    const snap = await run(['miners', 'snapshot', 'farm-a', '--config-dir', dir, '--timeout', '30']);
    expect(snap.code).toBe(0);
    const parsed = JSON.parse(snap.out.join('\n')) as { overview: { minerId: string }; problems: { code?: string }[] };
    expect(parsed.overview.minerId).toBe('f03150672');
    expect(parsed.problems.some((p) => p.code === 'PERMISSION_DENIED')).toBe(true);
    const missing = await run(['miners', 'snapshot', 'nope', '--config-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain('no miner session "nope"');
  }, 60_000);
});

describe('an API session over WebSocket with ChainNotify', () => {
  it('a new head over ChainNotify triggers a poll before the interval', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    const service = makeService();
    await service.save(rpcConfig('ws', { transport: 'ws', chainNotify: true, pollIntervalSec: 600 }), { minerToken: fake.tokens.admin, fullNodeToken: fake.tokens.read });
    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.ws?.health.state === 'live' && live.state.data.miners.ws.chainNotify === 'live', 15_000, 'live with ChainNotify');
    expect(fake.calls.filter((c) => c.method === 'Filecoin.WorkerJobs').every((c) => c.transport === 'ws')).toBe(true);
    const epoch0 = live.state.data!.miners.ws!.overview!.headEpoch!;
    fake.step();
    await waitFor(() => (live.state.data!.miners.ws!.overview?.headEpoch ?? 0) > epoch0, 10_000, 'the new head read (no pollNow, interval 10 min)');
    await waitFor(() => Object.keys(live.state.data!.jobs).some((k) => k.startsWith('ws/c0ffee')), 10_000, 'the new job');
  }, 30_000);

  it('polls never overlap with a slow miner', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    fake.delays.set('WorkerJobs', 1_500);
    const service = makeService();
    await service.save(rpcConfig('slow', { pollIntervalSec: 2 }), { minerToken: fake.tokens.admin });
    const starts: number[] = [];
    let seen = 0;
    let maxInFlight = 0;
    const deadline = Date.now() + 7_000;
    while (Date.now() < deadline) {
      service.pollNow('slow'); // ignored while a poll runs
      const calls = fake.calls.filter((c) => c.method === 'Filecoin.WorkerJobs').length;
      for (; seen < calls; seen++) starts.push(Date.now());
      const s = service.sessionOf('slow');
      maxInFlight = Math.max(maxInFlight, s.isPolling ? 1 : 0);
      await sleep(10);
    }
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // Each poll waits 1.5 s for WorkerJobs: two starts are at least that far apart.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(1_400);
    expect(maxInFlight).toBe(1);
  }, 30_000);
});

describe('over SSH and through a tunnel (harness sshd)', () => {
  let sshd: SshdHandle;
  let stack: SshStack;
  let PATH: string;
  let manager: TunnelManager;

  beforeAll(async () => {
    sshd = await startSshd();
    stack = sshStack(sshd, tmp.path);
    const bin = path.join(tmp.path, 'bin');
    await fs.mkdir(bin, { recursive: true });
    symlinkSync(path.join(FIX, 'fake-lotus-miner'), path.join(bin, 'lotus-miner'));
    PATH = [bin, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    manager = new TunnelManager({ pool: stack.pool, statusIntervalMs: 50, clock: systemClock });
  });

  afterAll(async () => {
    manager?.dispose();
    stack?.dispose();
    await sshd?.stop();
  });

  it('CLI mode: lotus-miner over SSH gives the miner, its workers and jobs; the worker terminal goes through the miner host', async () => {
    const service = makeService({ stack });
    await service.save({
      id: 'cli',
      name: 'farm A over SSH',
      pollIntervalSec: 60,
      source: { kind: 'cli', ssh: { target: stack.target, jumps: [] }, env: { PATH, FAKE_LOTUS_SAMPLE: 'A' }, minerPath: '/var/lib/lotus-miner' },
    });
    const live = subscribe(service);
    await waitFor(() => live.state.data?.miners.cli?.health.state === 'live', 20_000, 'the CLI session live');
    const d = live.state.data!;
    expect(d.miners.cli!.kind).toBe('cli');
    expect(d.miners.cli!.overview?.minerId).toBe('f03150672');
    expect(d.miners.cli!.where).toContain(`127.0.0.1:${sshd.port}`);
    expect(Object.keys(d.workers).length).toBe(2);
    expect(Object.keys(d.jobs).length).toBeGreaterThan(2);
    const snap = service.snapshot('cli');
    expect(snap.raw?.info ?? Object.values(snap.raw ?? {})[0]).toBeTruthy();

    // A second poll of the same text: no job is added or removed. (The fake prints fixed running
    // times while the clock moves on, so start times read back from them may move; a real
    // lotus-miner's times grow with the clock and the start times stay within the rounding.)
    live.state.diffs.length = 0;
    const rounds = service.sessionOf('cli').rounds;
    service.pollNow('cli');
    await waitFor(() => service.sessionOf('cli').rounds > rounds, 20_000, 'a second CLI poll');
    await sleep(100);
    for (const x of live.state.diffs) {
      expect(x.jobs?.put).toBeUndefined();
      expect(x.jobs?.remove).toBeUndefined();
      for (const p of Object.values(x.jobs?.patch ?? {})) expect(Object.keys(p)).toEqual(['startMs']);
      expect(x.workers).toBeUndefined();
    }

    const [wkey, worker] = Object.entries(d.workers)[0]!;
    const term = service.workerTerminal('cli', wkey);
    expect(term.how).toBe('miner-jump');
    expect(term.target.target.host).toBe(worker.hostname);
    expect(term.target.jumps.at(-1)?.port).toBe(sshd.port);
  }, 60_000);

  it('an API session through a Drover tunnel: live through the forward; the tunnel stopped is named as the cause', async () => {
    fake = await startFakeLotus({ farm: 'A' });
    await manager.save({
      id: 'edge',
      name: 'edge-gw',
      target: stack.target,
      forwards: [{ id: 'lotus', kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '127.0.0.1', destPort: fake.miner.port }],
      keepalive: { intervalSec: 1, countMax: 2 },
      unknownHostKey: 'refuse',
    });
    const service = makeService({ tunnels: manager });
    await service.save(
      {
        id: 'tun',
        name: 'farm via edge',
        pollIntervalSec: 2,
        source: { kind: 'rpc', miner: { url: 'http://10.20.0.11:2345/rpc/v0', tunnel: { tunnelId: 'edge', forwardId: 'lotus' } } },
      },
      { minerToken: fake.tokens.admin },
    );
    const live = subscribe(service);
    // Not started: down, and the tunnel is why.
    await waitFor(() => live.state.data?.miners.tun?.health.state === 'down', 10_000, 'down before the tunnel runs');
    expect(live.state.data!.miners.tun!.health.via?.name).toBe('edge-gw');

    await manager.start('edge');
    await waitFor(() => manager.status('edge').state === 'up', 15_000, 'the tunnel up');
    await waitFor(() => live.state.data?.miners.tun?.health.state === 'live', 15_000, 'live through the tunnel');
    expect(Object.keys(live.state.data!.jobs).length).toBeGreaterThan(0);
    expect(fake.calls.some((c) => c.method === 'Filecoin.WorkerJobs')).toBe(true);

    manager.stop('edge');
    await waitFor(() => live.state.data?.miners.tun?.health.state === 'down', 15_000, 'down after the tunnel stopped');
    const h = live.state.data!.miners.tun!.health;
    expect(h.via).toMatchObject({ tunnelId: 'edge', name: 'edge-gw' });
    expect(h.via?.state).not.toBe('up');
    // Data is kept (drawn stale by the UI), with its age.
    expect(Object.keys(live.state.data!.jobs).length).toBeGreaterThan(0);
    expect(h.dataAtMs).toBeGreaterThan(0);
  }, 60_000);
});
