import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinerSnapshotSchema, type MinerSnapshot } from '../../main/contract/miners';
import { cliSnapshot } from '../../main/miners/cli/cli-snapshot';
import type { HeadChange } from '../../main/miners/rpc/chain-notify';
import { LotusRpcClient } from '../../main/miners/rpc/lotus-rpc-client';
import { RpcMinerSource } from '../../main/miners/rpc/rpc-miner-source';
import { rpcSnapshot } from '../../main/miners/rpc/rpc-snapshot';
import { setWorkerEnabled, setWorkerTask, workerTaskTypes } from '../../main/miners/rpc/worker-control';
import { startFakeLotus, type FakeLotus } from '../fixtures/lotus/fake-lotus-server';
import { snapshotDisagreements } from '../fixtures/lotus/snapshot-agreement';

// The lotus JSON-RPC client against the fixture lotus (HTTP and WebSocket on 127.0.0.1, random ports).

const RAW = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus/raw');
const raw = (name: string) => readFileSync(path.join(RAW, name), 'utf8');

let fake: FakeLotus;
const clients: LotusRpcClient[] = [];

function client(which: 'miner' | 'full' | 'worker', opts: { token?: string; transport?: 'http' | 'ws'; timeoutMs?: number } = {}): LotusRpcClient {
  const url = which === 'miner' ? fake.miner.url : which === 'full' ? fake.fullNode.url : fake.worker!.url;
  const c = new LotusRpcClient({ url, ...opts });
  clients.push(c);
  return c;
}

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - t0 > ms) reject(new Error('timed out waiting'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

function cliA(nowMs: number): MinerSnapshot {
  return cliSnapshot(
    { info: raw('info.A.txt'), sealingWorkers: raw('sealing-workers.A.txt'), provingWorkers: '', sealingJobs: raw('sealing-jobs.A.txt'), storageList: raw('storage-list.A.txt'), provingInfo: raw('proving-info.A.txt') },
    nowMs,
  );
}

beforeAll(async () => {
  fake = await startFakeLotus({ farm: 'A', worker: true });
});

afterAll(async () => {
  for (const c of clients) c.dispose();
  await fake?.close();
});

describe('snapshot over HTTP and WebSocket', () => {
  it('HTTP: the API snapshot of farm A agrees with the CLI snapshot of farm A', async () => {
    const miner = client('miner', { token: fake.tokens.admin });
    const full = client('full'); // no header: lotus grants read, enough for every full-node call here
    const t0 = performance.now();
    const api = await rpcSnapshot(miner, full, fake.nowMs);
    const ms = performance.now() - t0;
    expect(MinerSnapshotSchema.safeParse(api).success).toBe(true);
    expect(api.problems).toEqual([]);
    expect(snapshotDisagreements(api, cliA(fake.nowMs))).toEqual([]);
    const calls = fake.calls.filter((c) => c.transport === 'http');
    expect(calls.length).toBe(24); // 7 first, 9 once the address is known, 2 wallets, 2 + 2×2 storage
    expect(calls.find((c) => c.method === 'Filecoin.StateMinerPower')?.params).toEqual(['f03150672', null]);
    console.log(`rpcSnapshot over HTTP: ${calls.length} calls in ${ms.toFixed(0)} ms`);
  });

  it('WebSocket: the same snapshot, all calls on one socket', async () => {
    const before = fake.calls.length;
    const miner = client('miner', { token: fake.tokens.admin, transport: 'ws' });
    const full = client('full', { token: fake.tokens.read, transport: 'ws' });
    const wsSnap = await rpcSnapshot(miner, full, fake.nowMs);
    const httpSnap = await rpcSnapshot(client('miner', { token: fake.tokens.admin }), client('full'), fake.nowMs);
    expect(wsSnap).toEqual(httpSnap);
    expect(fake.calls.slice(before).filter((c) => c.transport === 'ws').length).toBe(24);
  });

  it('decodes the wire as go-jsonrpc writes it ("<empty>" HTML-escaped, trailing newline)', async () => {
    const res = await fetch(fake.fullNode.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'Filecoin.StateMinerInfo', params: ['f03150672', null], id: 1 }) });
    const text = await res.text();
    expect(text).toMatch(/^\{"id":1,"jsonrpc":"2.0","result":\{.*"NewWorker":"\\u003cempty\\u003e".*\}\}\n$/);
    const info = await client('full').call<{ NewWorker: string }>('StateMinerInfo', ['f03150672', null]);
    expect(info.NewWorker).toBe('<empty>');
  });
});

describe('tokens and errors', () => {
  it('a bad token gets 401 → UNAUTHENTICATED over HTTP and on the WebSocket upgrade', async () => {
    await expect(client('miner', { token: 'forged' }).call('ActorAddress')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', hint: expect.stringMatching(/MINER_API_INFO/) });
    await expect(client('miner', { token: 'forged', transport: 'ws' }).call('ActorAddress')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a read token (or none) reads, but admin methods are refused with lotus’ envelope → PERMISSION_DENIED', async () => {
    for (const c of [client('miner', { token: fake.tokens.read }), client('miner'), client('miner', { token: fake.tokens.read, transport: 'ws' })]) {
      expect(await c.call('ActorAddress')).toBe('f03150672');
      const err = await c.call('WorkerStats').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PERMISSION_DENIED', details: { need: 'admin', rpcCode: 1 }, hint: expect.stringMatching(/--perm admin/) });
    }
    const raw = await fetch(fake.miner.url, { method: 'POST', headers: { Authorization: `Bearer ${fake.tokens.read}` }, body: '{"jsonrpc":"2.0","method":"Filecoin.WorkerStats","params":[],"id":8}' });
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('{"error":{"code":1,"message":"missing permission to invoke \'WorkerStats\' (need \'admin\')"},"id":8,"jsonrpc":"2.0"}\n');
    await expect(client('miner', { token: fake.tokens.read }).call('SealingAbort', [{ Sector: { Miner: 3150672, Number: 410 }, ID: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598' }])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('unknown methods, wrong parameter counts, bad parameters, channel methods over HTTP', async () => {
    const full = client('full');
    await expect(full.call('NoSuchMethod')).rejects.toMatchObject({ code: 'UNSUPPORTED', details: { rpcCode: -32601 } });
    await expect(full.call('WorkerStats')).rejects.toMatchObject({ code: 'UNSUPPORTED' }); // a miner method on the node
    await expect(client('miner').call('ActorSectorSize', [])).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/0 != 1/) });
    await expect(full.call('WalletBalance', ['xyz'])).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { rpcCode: -32700 } });
    await expect(full.call('StateMinerInfo', ['f09999999999', null])).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/actor not found/) });
    await expect(full.call('ChainNotify')).rejects.toMatchObject({ code: 'UNSUPPORTED', hint: expect.stringMatching(/WebSocket/) });
  });

  it('timeouts → TIMEOUT, unreachable → UNAVAILABLE, a wrong path → UNAVAILABLE with the path hint', async () => {
    fake.delays.set('WorkerStats', 1500);
    try {
      const t0 = Date.now();
      await expect(client('miner', { token: fake.tokens.admin, timeoutMs: 200 }).call('WorkerStats')).rejects.toMatchObject({ code: 'TIMEOUT', hint: expect.stringMatching(/3 s for each worker/) });
      await expect(client('miner', { token: fake.tokens.admin, timeoutMs: 200, transport: 'ws' }).call('WorkerStats')).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - t0).toBeLessThan(1400);
    } finally {
      fake.delays.clear();
    }
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dead = new LotusRpcClient({ url: `http://127.0.0.1:${closed}/rpc/v0` });
    clients.push(dead);
    await expect(dead.call('ActorAddress')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'ECONNREFUSED' } });
    await expect(new LotusRpcClient({ url: `ws://127.0.0.1:${closed}/rpc/v0` }).call('ActorAddress')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(new LotusRpcClient({ url: fake.miner.url.replace('/rpc/v0', '/rpc/v9') }).call('ActorAddress')).rejects.toMatchObject({ code: 'UNAVAILABLE', hint: expect.stringMatching(/\/rpc\/v0/) });
  });

  it('cancelling a call through its signal', async () => {
    fake.delays.set('WorkerJobs', 1000);
    try {
      for (const transport of ['http', 'ws'] as const) {
        const ac = new AbortController();
        const p = client('miner', { token: fake.tokens.admin, transport }).call('WorkerJobs', [], { signal: ac.signal });
        setTimeout(() => ac.abort(), 50);
        await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
      }
    } finally {
      fake.delays.clear();
    }
  });
});

describe('ChainNotify over the WebSocket', () => {
  it('gets "current", then "apply" on step(), and stops with xrpc.cancel on dispose', async () => {
    const full = client('full', { token: fake.tokens.read });
    const batches: HeadChange[][] = [];
    let ended: unknown = 'not yet';
    const sub = await full.chainNotify({ next: (b) => batches.push(b), end: (e) => (ended = e) });
    await until(() => batches.length === 1);
    expect(batches[0]).toEqual([expect.objectContaining({ type: 'current', height: fake.headEpoch })]);
    expect(fake.subscriptions).toBe(1);
    const before = fake.headEpoch;
    const report = fake.step();
    await until(() => batches.length === 2);
    expect(batches[1]).toEqual([expect.objectContaining({ type: 'apply', height: before + 1, timestampMs: expect.any(Number) })]);
    expect(report.headEpoch).toBe(before + 1);
    sub.dispose();
    expect(sub.closed).toBe(true);
    expect(ended).toBeUndefined();
    await until(() => fake.subscriptions === 0);
    // calls keep working on the same socket after the channel is gone
    expect(await full.call('ChainHead')).toMatchObject({ Height: before + 1 });
  });

  it('ends a subscription with UNAVAILABLE when the socket drops', async () => {
    const other = await startFakeLotus();
    try {
      const c = new LotusRpcClient({ url: other.fullNode.url });
      clients.push(c);
      let ended: unknown;
      const sub = await c.chainNotify({ next: () => undefined, end: (e) => (ended = e) });
      await other.close();
      await until(() => sub.closed);
      expect(ended).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await other.close();
    }
  });
});

describe('a farm that changes', () => {
  it('after step(): jobs finish and start, a worker disappears, a sector fails', async () => {
    const f = await startFakeLotus({ farm: 'A' });
    try {
      const miner = new LotusRpcClient({ url: f.miner.url, token: f.tokens.admin, transport: 'ws' });
      const full = new LotusRpcClient({ url: f.fullNode.url });
      clients.push(miner, full);
      const s0 = await rpcSnapshot(miner, full, f.nowMs);
      const r1 = f.step();
      const s1 = await rpcSnapshot(miner, full, f.nowMs);
      expect(r1.events).toEqual([`head ${s0.overview.headEpoch! + 1}`, 'job f7361298 (FIN sector 404) finished', expect.stringMatching(/^job c0ffee\w+ \(AP sector 417\) started$/), expect.stringMatching(/^job c0ffee\w+ \(sector 409\) started$/)]);
      expect(s1.overview.headEpoch).toBe(s0.overview.headEpoch! + 1);
      expect(s1.jobs.f7361298).toBeUndefined();
      expect(s1.jobs['d8e59e78:409:PC2']).toBeUndefined();
      const started = Object.values(s1.jobs).filter((j) => j.id.startsWith('c0ffee'));
      expect(started.map((j) => [j.sector, j.taskShort, j.state, j.runningMs])).toEqual(expect.arrayContaining([[417, 'AP', 'running', 0], [409, 'PC2', 'running', 0]]));
      const seal = s1.workers['d8e59e78-1fa5-4913-a50a-3a8e04700ccf']!;
      expect(seal.taskCounts.PC2).toMatchObject({ running: 1, pending: 0 });
      expect(seal.taskCounts.AP).toMatchObject({ running: 2 });
      expect(seal.taskCounts.FIN).toBeUndefined();
      expect(s1.overview.sectors.states).toMatchObject({ Proving: 401, AddPiece: 2, FinalizeSector: 1 });
      expect(s1.overview.sectors.total).toBe(418);
      // the running jobs are 30 s older
      expect(s1.jobs.a2144e70!.runningMs! - s0.jobs.a2144e70!.runningMs!).toBeCloseTo(30_000, 6);

      const r2 = f.step();
      const s2 = await rpcSnapshot(miner, full, f.nowMs);
      expect(r2.events).toEqual([expect.any(String), 'worker 7c64801e-e8e4-43e9-a572-7dbc4b835be0 disappeared', 'sector 408 → ComputeProofFailed']);
      expect(Object.keys(s2.workers)).toEqual(['d8e59e78-1fa5-4913-a50a-3a8e04700ccf']);
      expect(s2.jobs['96fc7869']).toBeUndefined(); // its GET job went with it
      expect(s2.jobs.b7d4fcf0).toBeUndefined();
      expect(s2.overview.sectors.states.ComputeProofFailed).toBe(1);
      expect(s2.overview.sectors.failed).toBe(1);
      expect(s2.overview.sectors.sealing.committing).toBe(0);
      expect(s2.overview.workerKinds).toEqual({ seal: 1, wdpost: 0, winpost: 0 });
      expect(MinerSnapshotSchema.safeParse(s2).success).toBe(true);
    } finally {
      await f.close();
    }
  });
});

describe('worker API and job abort', () => {
  it('TaskDisable/TaskEnable and SetEnabled on the worker API show up in the miner’s WorkerStats', async () => {
    const worker = client('worker', { token: fake.tokens.admin });
    const miner = client('miner', { token: fake.tokens.admin });
    const wid = fake.worker!.workerId;
    expect(await workerTaskTypes(worker)).toContain('seal/v0/precommit/1');
    await setWorkerTask(worker, 'PC1', false);
    let s = await rpcSnapshot(miner, undefined, fake.nowMs, { storage: false });
    expect(s.workers[wid]!.tasks).not.toContain('seal/v0/precommit/1');
    await setWorkerTask(worker, 'seal/v0/precommit/1', true);
    await setWorkerEnabled(worker, false);
    s = await rpcSnapshot(miner, undefined, fake.nowMs, { storage: false });
    expect(s.workers[wid]).toMatchObject({ enabled: false, state: 'disabled', tasks: expect.arrayContaining(['seal/v0/precommit/1']) });
    await setWorkerEnabled(worker, true);
    await expect(setWorkerTask(client('worker', { token: fake.tokens.read }), 'PC1', false)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('RpcMinerSource.connect polls and aborts a running job with SealingAbort (admin)', async () => {
    const f = await startFakeLotus();
    try {
      const src = RpcMinerSource.connect({ miner: { url: f.miner.url, token: f.tokens.admin }, fullNode: { url: f.fullNode.url, transport: 'ws' } });
      const s = await src.poll();
      expect(s.problems).toEqual([]);
      expect(s.source.durationMs).toBeGreaterThanOrEqual(0);
      const job = s.jobs.a2144e70!;
      await src.abortJob(job);
      expect(f.calls.find((c) => c.method === 'Filecoin.SealingAbort')?.params).toEqual([{ Sector: { Miner: 3150672, Number: 410 }, ID: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598' }]);
      expect((await src.poll()).jobs.a2144e70).toBeUndefined();
      await expect(src.abortJob(s.jobs['d8e59e78:409:PC2']!)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      src.dispose();

      const ro = RpcMinerSource.connect({ miner: { url: f.miner.url, token: f.tokens.read }, fullNode: { url: f.fullNode.url } });
      const partial = await ro.poll();
      expect(partial.workers).toEqual({});
      expect(partial.problems.some((p) => p.code === 'PERMISSION_DENIED')).toBe(true);
      await expect(ro.abortJob(s.jobs.e48e55df!)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      ro.dispose();

      const refused = RpcMinerSource.connect({ miner: { url: f.miner.url, token: 'bad' }, fullNode: { url: f.fullNode.url, token: 'bad' } });
      await expect(refused.poll()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      refused.dispose();
    } finally {
      await f.close();
    }
  });

  it('dispose closes the WebSocket and refuses further calls', async () => {
    const f = await startFakeLotus();
    try {
      const c = new LotusRpcClient({ url: f.fullNode.url, transport: 'ws' });
      await c.call('ChainHead');
      const sub = await c.chainNotify({ next: () => undefined });
      c.dispose();
      expect(sub.closed).toBe(true);
      await expect(c.call('ChainHead')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await until(() => f.subscriptions === 0);
    } finally {
      await f.close();
    }
  });
});
