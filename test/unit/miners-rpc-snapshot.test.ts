import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import { MinerSnapshotSchema } from '../../main/contract/miners';
import { formatDeciStr, formatGoUnitsBytes, formatSizeStr, parseByteSize } from '../../main/miners/byte-size';
import { cliSnapshot } from '../../main/miners/cli/cli-snapshot';
import { parseSealingJobs } from '../../main/miners/cli/parse-sealing-jobs';
import { formatFilFull, formatFilShort, parseFilAmount } from '../../main/miners/fil-amount';
import { formatGoDurationMs, formatGoG, parseGoDurationMs } from '../../main/miners/go-format';
import { actorIdOf, sealingAbortParams } from '../../main/miners/rpc/abort-job';
import { toHeadChanges } from '../../main/miners/rpc/chain-notify';
import { bitfieldCount, goTimeMs } from '../../main/miners/rpc/json-read';
import { parseLotusApiInfo } from '../../main/miners/rpc/lotus-api-info';
import { mapWorkerJobs } from '../../main/miners/rpc/map-jobs';
import { mapWorkerStats } from '../../main/miners/rpc/map-workers';
import { httpStatusError, redactUrl, rpcErrorToAppError } from '../../main/miners/rpc/rpc-errors';
import { RpcMinerSource } from '../../main/miners/rpc/rpc-miner-source';
import { rpcSnapshot, rpcSnapshotWithStats } from '../../main/miners/rpc/rpc-snapshot';
import { setWorkerTask, workerApiUrlFromStorageUrl } from '../../main/miners/rpc/worker-control';
import { sectorCountsFromStates } from '../../main/miners/sector-states';
import { winProjection } from '../../main/miners/win-projection';
import { fakeLotusCaller } from '../fixtures/lotus/fake-lotus-caller';
import { createFakeLotusFarm, FAKE_LOTUS_SAMPLE_NOW_MS } from '../fixtures/lotus/fake-lotus-server';
import { snapshotDisagreements } from '../fixtures/lotus/snapshot-agreement';
import { ManualClock } from '../support/manual-clock';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus');
const raw = (name: string) => readFileSync(path.join(FIX, 'raw', name), 'utf8');
const rpc = (name: string) => (JSON.parse(readFileSync(path.join(FIX, 'lotus-rpc', `${name}.json`), 'utf8')) as { response: { result: unknown } }).response.result;
const NOW = FAKE_LOTUS_SAMPLE_NOW_MS;
const ADMIN = ['read', 'write', 'sign', 'admin'] as const;

function cliA() {
  return cliSnapshot(
    {
      info: raw('info.A.txt'),
      sealingWorkers: raw('sealing-workers.A.txt'),
      provingWorkers: '',
      sealingJobs: raw('sealing-jobs.A.txt'),
      storageList: raw('storage-list.A.txt'),
      provingInfo: raw('proving-info.A.txt'),
    },
    NOW,
  );
}

describe('lotus number formats (the texts both sources must agree on)', () => {
  it('FIL.Short and FIL.String', () => {
    expect(formatFilShort(0n)).toBe('0');
    expect(formatFilShort(100n)).toBe('100 aFIL');
    expect(formatFilShort(999n)).toBe('999 aFIL');
    expect(formatFilShort(1000n)).toBe('1 fFIL');
    expect(formatFilShort(915202117000000000n)).toBe('915.202 mFIL');
    expect(formatFilShort(160797126542310000000n)).toBe('160.797 FIL');
    expect(formatFilShort(18925600000000000000000n)).toBe('18925.6 FIL');
    expect(formatFilShort(1999500000000000000n)).toBe('2 FIL'); // half away from zero
    expect(formatFilShort(-1500000000000000n)).toBe('-1.5 mFIL');
    expect(formatFilShort(12000000000000n)).toBe('12 μFIL');
    expect(formatFilFull(7243937889909999000n)).toBe('7.243937889909999 FIL');
    expect(formatFilFull(0n)).toBe('0 FIL');
    expect(parseFilAmount('244.058 mFIL')).toEqual({ atto: '244058000000000000', text: '244.058 mFIL', exact: false });
    expect(parseFilAmount('12 µFIL')?.atto).toBe('12000000000000');
    expect(parseFilAmount('12 uFIL')?.atto).toBe('12000000000000');
    expect(parseFilAmount('3 nFIL')?.atto).toBe('3000000000');
    expect(parseFilAmount('-0.5 FIL')?.atto).toBe('-500000000000000000');
    expect(parseFilAmount('7.243937889909999 FIL')?.atto).toBe('7243937889909999000');
    expect(parseFilAmount('1 attoFIL')?.atto).toBe('1');
    expect(parseFilAmount('0')?.atto).toBe('0');
    expect(parseFilAmount('5 kFIL')).toEqual({ text: '5 kFIL', exact: false });
    expect(parseFilAmount('lots')).toBeUndefined();
  });

  it('SizeStr, DeciStr, go-units and Go %g', () => {
    expect(formatSizeStr(0)).toBe('0 B');
    expect(formatSizeStr(34359738368)).toBe('32 GiB');
    expect(formatSizeStr(13675175870464n)).toBe('12.44 TiB');
    expect(formatSizeStr(3160157844127367680n)).toBe('2.741 EiB');
    expect(formatSizeStr(1015 * 2 ** 40)).toBe('1015 TiB');
    expect(formatSizeStr(1.0625 * 2 ** 50)).toBe('1.062 PiB'); // an exact tie: Go rounds to even
    expect(formatSizeStr(1.0635 * 2 ** 50)).toBe('1.063 PiB');
    expect(formatGoG(2.5, 1)).toBe('2');
    expect(formatGoG(3.5, 1)).toBe('4');
    expect(formatGoG(9.9996, 4)).toBe('10');
    expect(formatDeciStr(26044681682944n)).toBe('23.7 Ti');
    expect(formatDeciStr(1023.9 * 2 ** 40)).toBe('1.02e+03 Ti');
    expect(formatDeciStr(0)).toBe('0');
    expect(formatGoUnitsBytes(1897)).toBe('1.853KiB');
    expect(formatGoUnitsBytes(0)).toBe('0B');
    expect(formatGoG(100, 4)).toBe('100');
    expect(formatGoG(1000, 3)).toBe('1e+03');
    expect(formatGoG(0.5, 4)).toBe('0.5');
    expect(formatGoG(0.00001234, 3)).toBe('1.23e-05');
    expect(parseByteSize('1.02e+03 Ti')?.bytes).toBe(String(Math.round(1020 * 2 ** 40)));
    expect(parseByteSize('32GiB')?.bytes).toBe('34359738368');
    expect(parseByteSize('0 B')?.bytes).toBe('0');
    expect(parseByteSize('3 QiB')).toEqual({ text: '3 QiB', exact: false });
  });

  it('Go durations', () => {
    expect(formatGoDurationMs(0)).toBe('0s');
    expect(formatGoDurationMs((3 * 3600 + 2 * 60 + 41.3) * 1000)).toBe('3h2m41.3s');
    expect(formatGoDurationMs(3_600_000 + 5_500)).toBe('1h0m5.5s');
    expect(formatGoDurationMs(45 * 60_000)).toBe('45m0s');
    expect(formatGoDurationMs(800)).toBe('800ms');
    expect(formatGoDurationMs(1.1)).toBe('1.1ms');
    expect(formatGoDurationMs(0.7)).toBe('700µs');
    expect(formatGoDurationMs(72 * 3600_000 + 3 * 60_000 + 500)).toBe('72h3m0.5s');
    expect(parseGoDurationMs('3h2m41.3s')).toBeCloseTo(10961300, 6);
    expect(parseGoDurationMs('700µs')).toBeCloseTo(0.7, 9);
    expect(parseGoDurationMs('700μs')).toBeCloseTo(0.7, 9);
    expect(parseGoDurationMs('n/a')).toBeUndefined();
    expect(parseGoDurationMs('1x')).toBeUndefined();
  });

  it('block projections as `lotus-miner info` prints them', () => {
    expect(winProjection(26044681682944n, 25168276445567467520n)).toMatchObject({ winRateText: '0.10/week (every 1610h35m14s)', certainWithinText: '11125h30m53s' });
    expect(winProjection(0n, 1n)).toBeUndefined();
  });
});

describe('rpcSnapshot of farm A', () => {
  it('maps every reference response and agrees with the CLI snapshot on every shared field', async () => {
    const farm = createFakeLotusFarm('A');
    const miner = fakeLotusCaller(farm, 'miner');
    const full = fakeLotusCaller(farm, 'full');
    const api = await rpcSnapshot(miner, full, NOW);
    expect(MinerSnapshotSchema.parse(api)).toEqual(api);
    expect(api.problems).toEqual([]);
    expect(api.source).toEqual({ kind: 'rpc', takenAtMs: NOW });
    const o = api.overview;
    expect(o.minerId).toBe('f03150672');
    expect(o.balances.miner).toEqual({ atto: '160797126542310000000', text: '160.797 FIL', exact: true });
    expect(o.balances.available?.atto).toBe('1725876794310000000');
    expect(o.balances.worker).toEqual({ address: 'f03150671', balance: { atto: '4882110004000000000', text: '4.882 FIL', exact: true } });
    expect(o.balances.control).toEqual([{ address: 'f03150673', balance: { atto: '12506000000000000000', text: '12.506 FIL', exact: true } }]);
    expect(o.balances.owner).toEqual({ address: 'f03150670' });
    expect(o.balances.addressConfig?.precommit).toEqual(['f1dh5rdokgsefwwpb5te26kzl66beqkz6p6vmqyda']);
    expect(o.balances.feeDebt?.text).toBe('0');
    expect(o.power).toMatchObject({ raw: { bytes: '13675175870464', exact: true }, hasMinPower: true, effective: { text: '23.7 Ti' } });
    expect(o.sectors.onChain).toEqual({ live: 402, active: 398, faulty: 0 });
    expect(o.messages).toEqual({ poolSize: 6, pending: 3, pendingByMethod: { 5: 1, 28: 1, 34: 1 } });
    expect(o.headEpoch).toBe(5827620);
    expect(o.chain?.syncText).toBe('sync ok');
    expect(o.blocks?.expectedPerDay).toBeCloseTo(0.0149, 4);
    expect(api.workers['d8e59e78-1fa5-4913-a50a-3a8e04700ccf']).toMatchObject({
      state: 'ok', connection: 'connected', kind: 'sealing', tasks: expect.arrayContaining(['seal/v0/precommit/1']),
      memory: { physicalBytes: 1081809682432, usedBytes: 448215429120, swapBytes: 68719472640, swapUsedBytes: 1073741824, tasksMinBytes: 398358216704, tasksMaxBytes: 578746843136 },
    });
    expect(api.jobs.a2144e70).toMatchObject({ callId: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598', minerActorId: 3150672, workerId: 'd8e59e78-1fa5-4913-a50a-3a8e04700ccf', hostname: 'fil-seal-01', timeText: '3h2m41.3s' });
    expect(api.storage?.['4fe899a2-3ca2-43ca-9f23-e95cc15b93f2']).toMatchObject({ capacity: { bytes: '6999997874176', text: '6.366 TiB' }, usedPercent: 47, urls: ['http://10.20.0.21:3456/remote'] });

    const cli = cliA();
    expect(snapshotDisagreements(api, cli)).toEqual([]);
    // The agreement check itself notices a difference.
    const changed = structuredClone(cli);
    changed.jobs.a2144e70!.stateText = 'prepared';
    changed.overview.balances.miner!.text = '160.798 FIL';
    expect(snapshotDisagreements(api, changed)).toEqual([expect.stringContaining('balances.miner'), expect.stringContaining('job a2144e70 stateText')]);
  });

  it('calls everything in parallel where it can (the chain reads wait only for ActorAddress)', async () => {
    const farm = createFakeLotusFarm('A');
    const miner = fakeLotusCaller(farm, 'miner');
    const full = fakeLotusCaller(farm, 'full');
    await rpcSnapshot(miner, full, NOW);
    expect(new Set(miner.calls)).toEqual(new Set(['ActorAddress', 'WorkerStats', 'WorkerJobs', 'SectorsSummary', 'ActorAddressConfig', 'StorageList', 'StorageLocal', 'ActorSectorSize', 'StorageStat', 'StorageInfo'].map((m) => `Filecoin.${m}`)));
    expect(miner.calls.slice(0, 4)).toEqual(['Filecoin.ActorAddress', 'Filecoin.WorkerStats', 'Filecoin.WorkerJobs', 'Filecoin.SectorsSummary']);
    expect(full.calls.filter((c) => c === 'Filecoin.WalletBalance')).toHaveLength(2);
    expect(full.calls).toContain('Filecoin.MpoolPending');
    const lean = fakeLotusCaller(farm, 'full');
    await rpcSnapshot(fakeLotusCaller(farm, 'miner'), lean, NOW, { messages: false, storage: false, minerAddress: 'f03150672' });
    expect(lean.calls).not.toContain('Filecoin.MpoolPending');
  });

  it('with a read-only miner token keeps what it could read and says what needs admin', async () => {
    const farm = createFakeLotusFarm('A');
    const r = await rpcSnapshotWithStats(fakeLotusCaller(farm, 'miner', ['read']), fakeLotusCaller(farm, 'full', ['read']), NOW);
    const s = r.snapshot;
    expect(MinerSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.workers).toEqual({});
    expect(s.jobs).toEqual({});
    expect(s.storage).toBeUndefined();
    expect(s.overview.sectors.total).toBe(417);
    expect(s.overview.balances.miner?.text).toBe('160.797 FIL');
    const denied = s.problems.filter((p) => p.code === 'PERMISSION_DENIED').map((p) => p.source).sort();
    expect(denied).toEqual(['Filecoin.StorageList', 'Filecoin.StorageLocal', 'Filecoin.WorkerJobs', 'Filecoin.WorkerStats']);
    expect(s.problems.find((p) => p.source === 'Filecoin.WorkerStats')?.hint).toMatch(/auth create-token --perm admin/);
    expect(r.failed).toBe(4);
    expect(r.succeeded).toBeGreaterThan(10);
  });

  it('without a full node still reads the miner, with one problem saying what is missing', async () => {
    const farm = createFakeLotusFarm('A');
    const s = await rpcSnapshot(fakeLotusCaller(farm, 'miner'), undefined, NOW);
    expect(Object.keys(s.workers)).toHaveLength(2);
    expect(Object.keys(s.jobs)).toHaveLength(11);
    expect(s.overview.sectorSize?.text).toBe('32 GiB');
    expect(Object.keys(s.overview.balances)).toEqual(['addressConfig']); // a miner method
    expect(s.problems).toEqual([expect.objectContaining({ source: 'drover', message: expect.stringMatching(/no full node/) })]);
  });

  it('survives garbage answers without throwing', async () => {
    const garbage = { call: async (m: string) => (m.endsWith('WorkerStats') ? { x: 5, y: { Info: 7, Tasks: 'no', TaskCounts: { bad: 'x', '8:seal/v0/fetch': 1 } } } : m.endsWith('WorkerJobs') ? { w: [1, { RunWait: 'x' }, null] } : m.endsWith('ActorAddress') ? 'f01' : [null, 'x', { Message: 5 }]) as never };
    const s = await rpcSnapshot(garbage, garbage, NOW);
    expect(MinerSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.problems.length).toBeGreaterThan(2);
  });

  it('only cancellation throws', async () => {
    const farm = createFakeLotusFarm('A');
    const ac = new AbortController();
    ac.abort();
    const caller = { call: async () => Promise.reject(new AppError('CANCELLED', 'x')) };
    await expect(rpcSnapshot(caller, fakeLotusCaller(farm, 'full'), NOW, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('farm B mapping agrees with the CLI', () => {
  it('WorkerStats.B + WorkerJobs.B against sealing/proving workers and sealing jobs (57 jobs, PoSt and disabled workers)', async () => {
    const farm = createFakeLotusFarm('B');
    const api = await rpcSnapshot(fakeLotusCaller(farm, 'miner'), undefined, NOW, { storage: false });
    const cli = cliSnapshot({ sealingWorkers: raw('sealing-workers.B.txt'), provingWorkers: raw('proving-workers.B.txt'), sealingJobs: raw('sealing-jobs.B.txt') }, NOW);
    expect(Object.keys(api.jobs)).toHaveLength(57);
    expect(Object.keys(api.workers)).toHaveLength(13);
    expect(api.workers['17206d7c-d332-4d2b-bf25-b5a1da7e4602']?.kind).toBe('winpost');
    expect(api.workers['ae327227-fa1d-4740-9599-b1dcded205f3']?.state).toBe('disabled');
    const diffs = snapshotDisagreements(api, cli).filter((d) => !/^(minerId|sectorSize|headEpoch|sectors|workerKinds):/.test(d));
    // Reference discrepancy: lotus stores a returned call's start in whole seconds (time.Unix(StartTime, 0)),
    // as WorkerJobs.B has it, but sealing-jobs.B prints the two ret-wait jobs with tenths (3h41m9.4s, 28m16.4s).
    expect(diffs).toEqual([
      'job 5c296fc1 timeText: api "3h41m9s" ≠ cli "3h41m9.4s"',
      'job 5c296fc1 runningMs: api 13269000 ≠ cli 13269400',
      'job 96146ee6 timeText: api "28m16s" ≠ cli "28m16.4s"',
      'job 96146ee6 runningMs: api 1696000 ≠ cli 1696400',
    ]);
  });

  it('mapWorkerJobs keeps the CLI order, hides ret-done unless asked, and reads zero start times as n/a', () => {
    const problems: never[] = [];
    const jobs = mapWorkerJobs(rpc('WorkerJobs.B'), NOW, problems);
    expect(jobs.map((j) => j.id)).toEqual(parseSealingJobs(raw('sealing-jobs.B.txt')).jobs.map((j) => j.id));
    const extra = {
      '00000000-0000-0000-0000-000000000000': [
        { ID: { Sector: { Miner: 1, Number: 9 }, ID: 'abcdef01-0000-4000-8000-000000000000' }, Sector: { Miner: 1, Number: 9 }, Task: 'seal/v0/newthing', RunWait: -3, Start: '0001-01-01T00:00:00Z', Hostname: 'h' },
      ],
    };
    expect(mapWorkerJobs(extra, NOW, problems)).toEqual([]);
    expect(mapWorkerJobs(extra, NOW, problems, { includeRetDone: true })[0]).toMatchObject({ state: 'ret-done', taskShort: 'UNK', task: 'seal/v0/newthing', timeText: 'n/a' });
  });

  it('mapWorkerStats marks a worker with no task list as unreachable', () => {
    const stats = structuredClone(rpc('WorkerStats')) as Record<string, { Tasks: unknown; Enabled: boolean }>;
    stats['7c64801e-e8e4-43e9-a572-7dbc4b835be0']!.Tasks = null;
    stats['7c64801e-e8e4-43e9-a572-7dbc4b835be0']!.Enabled = false;
    const w = mapWorkerStats(stats, []);
    expect(w['7c64801e-e8e4-43e9-a572-7dbc4b835be0']).toMatchObject({ state: 'unreachable', connection: 'unreachable', kind: 'unknown', enabled: false });
  });
});

describe('rpc helpers', () => {
  it('maps lotus error envelopes to AppError codes with hints', () => {
    const errors = JSON.parse(readFileSync(path.join(FIX, 'lotus-rpc', '_errors.json'), 'utf8')) as { http_status: number; response: { error: { code: number; message: string } } | null }[];
    const codes = errors.map((e) => (e.response ? rpcErrorToAppError('Filecoin.X', 'lotus', e.response.error).code : httpStatusError('Filecoin.X', 'lotus', e.http_status, '').code));
    expect(codes).toEqual(['NOT_FOUND', 'PERMISSION_DENIED', 'UNSUPPORTED', 'UNSUPPORTED', 'INVALID_INPUT', 'UNAUTHENTICATED', 'NOT_FOUND']);
    const perm = rpcErrorToAppError('Filecoin.WorkerStats', 'miner', { code: 1, message: "missing permission to invoke 'WorkerStats' (need 'admin')" });
    expect(perm.details).toMatchObject({ need: 'admin', rpcCode: 1 });
    expect(rpcErrorToAppError('Filecoin.ChainNotify', 'node', { code: -32601, message: "method 'Filecoin.ChainNotify' not supported in this mode (no out channel support)" }).hint).toMatch(/WebSocket/);
    expect(redactUrl('http://u:p@h:1/rpc/v0?token=secret')).toBe('http://h:1/rpc/v0?token=%E2%80%A6');
  });

  it('reads API info strings', () => {
    expect(parseLotusApiInfo('eyJabc.def:/ip4/10.20.0.11/tcp/2345/http', 'v0')).toEqual({ url: 'http://10.20.0.11:2345/rpc/v0', token: 'eyJabc.def' });
    expect(parseLotusApiInfo('tok:/dns/miner.lan/tcp/1234/https', 'v1')).toEqual({ url: 'https://miner.lan:1234/rpc/v1', token: 'tok' });
    expect(parseLotusApiInfo('/ip6/::1/tcp/1234/http', 'v1')).toEqual({ url: 'http://[::1]:1234/rpc/v1' });
    expect(parseLotusApiInfo('tok:ws://127.0.0.1:2345/rpc/v0', 'v0')).toEqual({ url: 'http://127.0.0.1:2345/rpc/v0', token: 'tok' });
    expect(() => parseLotusApiInfo('tok:nonsense', 'v0')).toThrow(/not a lotus API address/);
  });

  it('reads head changes, go times and bitfields', () => {
    const t = JSON.parse(readFileSync(path.join(FIX, 'lotus-rpc', 'ChainNotify.ws.json'), 'utf8')) as { frames: { frame: string }[] };
    const vals = t.frames.map((f) => JSON.parse(f.frame) as { method?: string; params?: unknown[] }).filter((f) => f.method === 'xrpc.ch.val');
    expect(vals.map((v) => toHeadChanges(v.params![1]).map((h) => `${h.type}@${h.height}`))).toEqual([['current@5827620'], ['apply@5827621'], ['revert@5827621', 'apply@5827621', 'apply@5827622']]);
    expect(toHeadChanges(vals[0]!.params![1])[0]).toMatchObject({ cids: expect.arrayContaining(['bafy2bzacecuqf6womm5z4flzqhoyg54ppq6lkbbriyiwlnt7hix7gbmez3vey']), timestampMs: 1773135000000 });
    expect(goTimeMs('2026-03-10T06:27:30.68575537Z')).toBeCloseTo(Date.UTC(2026, 2, 10, 6, 27, 30) + 685.75537, 5);
    expect(goTimeMs('2026-03-10T13:49:03+08:00')).toBe(Date.UTC(2026, 2, 10, 5, 49, 3));
    expect(goTimeMs('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(bitfieldCount([0])).toBe(0);
    expect(bitfieldCount([3, 2, 1, 4])).toBe(6);
    expect(bitfieldCount('x')).toBeUndefined();
  });

  it('builds SealingAbort params only for jobs with a call', () => {
    expect(actorIdOf('f03150672')).toBe(3150672);
    expect(actorIdOf('f1abc')).toBeUndefined();
    expect(sealingAbortParams({ id: 'a2144e70', sector: 410, callId: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598', minerActorId: 3150672 })).toEqual([
      { Sector: { Miner: 3150672, Number: 410 }, ID: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598' },
    ]);
    expect(() => sealingAbortParams({ id: '00000000', sector: 409 })).toThrow(/no call to abort yet/);
    expect(() => sealingAbortParams({ id: 'a2144e70', sector: 410 })).toThrow(/full call id is unknown/);
  });

  it('worker task control validates the task type and the worker API URL comes from a storage URL', async () => {
    expect(workerApiUrlFromStorageUrl('http://10.20.0.21:3456/remote')).toBe('http://10.20.0.21:3456/rpc/v0');
    expect(workerApiUrlFromStorageUrl('file:///x')).toBeUndefined();
    const calls: unknown[] = [];
    const w = { call: async (m: string, p?: readonly unknown[]) => void calls.push([m, p]) as never };
    await setWorkerTask(w, 'PC1', false);
    await expect(setWorkerTask(w, 'GET', true)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(calls).toEqual([['TaskDisable', ['seal/v0/precommit/1']]]);
  });

  it('sector buckets', () => {
    const c = sectorCountsFromStates({ Proving: 10, Available: 1, SealPreCommit1Failed: 1, NewThingFailed: 2, Faulty: 1, TerminateWait: 1, Removed: 2, PreCommitWait: 3, CommitWait: 1, Unknown: 4 });
    expect(c).toMatchObject({ total: 26, proving: 11, failed: 3, faultStates: 1, terminated: 1, removed: 2, sealing: { precommitWaiting: 3, commitWaiting: 1, waitingChain: 4 } });
    expect(c.states.Unknown).toBe(4);
  });
});

describe('RpcMinerSource', () => {
  it('polls, remembers the miner address, times the poll and aborts jobs through SealingAbort', async () => {
    const farm = createFakeLotusFarm('A');
    const clock = new ManualClock(NOW);
    const miner = fakeLotusCaller(farm, 'miner', [...ADMIN]);
    const src = new RpcMinerSource({ miner, fullNode: fakeLotusCaller(farm, 'full'), clock });
    const s1 = await src.poll();
    expect(s1.source).toMatchObject({ kind: 'rpc', takenAtMs: NOW, durationMs: 0 });
    await src.poll();
    expect(miner.calls.filter((c) => c === 'Filecoin.ActorAddress')).toHaveLength(1);
    await src.abortJob({ id: 'a2144e70', sector: 410, callId: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598' });
    expect(Object.keys((await src.poll()).jobs)).not.toContain('a2144e70');
    await expect(src.abortJob({ id: 'a2144e70', sector: 410, callId: 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    src.dispose();
    await expect(src.poll()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('rejects with the first failure when nothing could be read (a refused token)', async () => {
    const farm = createFakeLotusFarm('A');
    const src = new RpcMinerSource({ miner: fakeLotusCaller(farm, 'miner', 'refused'), fullNode: fakeLotusCaller(farm, 'full', 'refused') });
    await expect(src.poll()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
