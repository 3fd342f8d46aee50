import { AppError } from '../../contract/errors';
import type { MinerProblem, MinerSnapshot } from '../../contract/miners';
import { keyJobs } from '../job-key';
import { linkJobsToWorkers } from '../link-jobs';
import { problem } from '../miner-problem';
import type { RpcCaller } from './lotus-rpc-client';
import { obj, str, strings } from './json-read';
import { mapWorkerJobs } from './map-jobs';
import { mapOverview, type OverviewInputs } from './map-overview';
import { mapStorage } from './map-storage';
import { mapWorkerStats } from './map-workers';

export interface RpcSnapshotOptions {
  signal?: AbortSignal;
  /** Per-call timeout (the clients' default when absent). */
  timeoutMs?: number;
  /** The miner actor address, when known: saves the ActorAddress round trip. */
  minerAddress?: string;
  /** Read storage paths (StorageList, StorageLocal, StorageStat + StorageInfo per path). Default true. */
  storage?: boolean;
  /** Count pending messages (MpoolPending: every pending message the node has, large on mainnet). Default true. */
  messages?: boolean;
  /** Keep ret-done jobs (the CLI hides them unless --show-ret-done). Default false. */
  includeRetDone?: boolean;
}

export interface RpcSnapshotResult {
  snapshot: MinerSnapshot;
  /** Calls that answered / failed. */
  succeeded: number;
  failed: number;
  /** The first failure, for a source's health when nothing answered. */
  firstError?: AppError;
}

/** Every method rpcSnapshot may call. */
export const RPC_SNAPSHOT_METHODS = {
  miner: ['ActorAddress', 'ActorSectorSize', 'ActorAddressConfig', 'WorkerStats', 'WorkerJobs', 'SectorsSummary', 'StorageList', 'StorageLocal', 'StorageStat', 'StorageInfo'],
  fullNode: [
    'ChainHead', 'MpoolPending', 'StateMinerPower', 'StateMinerInfo', 'StateMinerAvailableBalance', 'StateReadState', 'StateMinerSectorCount',
    'StateMarketBalance', 'StateMinerProvingDeadline', 'StateMinerRecoveries', 'WalletBalance',
  ],
} as const;

/**
 * One MinerSnapshot from the miner API and (optionally) the full node API, calling everything it
 * can in parallel. A failed call becomes a problem (with its error code and hint) and the rest is
 * kept; only cancellation throws.
 */
export async function rpcSnapshot(miner: RpcCaller, fullNode: RpcCaller | undefined, nowMs: number, opts: RpcSnapshotOptions = {}): Promise<MinerSnapshot> {
  return (await rpcSnapshotWithStats(miner, fullNode, nowMs, opts)).snapshot;
}

export async function rpcSnapshotWithStats(miner: RpcCaller, fullNode: RpcCaller | undefined, nowMs: number, opts: RpcSnapshotOptions = {}): Promise<RpcSnapshotResult> {
  const problems: MinerProblem[] = [];
  let succeeded = 0;
  let failed = 0;
  let firstError: AppError | undefined;
  const callOpts = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) };
  const throwIfCancelled = () => {
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'reading the miner was cancelled');
  };

  const safe = async (caller: RpcCaller | undefined, method: string, params: unknown[] = []): Promise<unknown> => {
    if (!caller) return undefined;
    try {
      const v = await caller.call(method, params, callOpts);
      succeeded++;
      return v;
    } catch (err) {
      throwIfCancelled();
      const e = AppError.from(err);
      failed++;
      firstError ??= e;
      problems.push(problem(`Filecoin.${method}`, e.message, { code: e.code, ...(e.hint ? { hint: e.hint } : {}) }));
      return undefined;
    }
  };

  if (!fullNode) {
    problems.push(problem('drover', 'no full node API is configured: balances, power, chain head and messages are missing', { hint: 'Add the lotus daemon endpoint (…:1234/rpc/v1) to the miner profile.' }));
  }

  const addressP = opts.minerAddress ? Promise.resolve(opts.minerAddress) : safe(miner, 'ActorAddress').then((v) => str(v));
  const workerStatsP = safe(miner, 'WorkerStats');
  const workerJobsP = safe(miner, 'WorkerJobs');
  const summaryP = safe(miner, 'SectorsSummary');
  const addressConfigP = safe(miner, 'ActorAddressConfig');
  const headP = safe(fullNode, 'ChainHead');
  const mpoolP = opts.messages === false ? Promise.resolve(undefined) : safe(fullNode, 'MpoolPending', [null]);

  const chainP = addressP.then(async (addr) => {
    if (!addr) return {} as Partial<OverviewInputs>;
    const [sectorSize, power, minerInfo, available, actorState, sectorCount, market, provingDeadline, recoveries] = await Promise.all([
      safe(miner, 'ActorSectorSize', [addr]),
      safe(fullNode, 'StateMinerPower', [addr, null]),
      safe(fullNode, 'StateMinerInfo', [addr, null]),
      safe(fullNode, 'StateMinerAvailableBalance', [addr, null]),
      safe(fullNode, 'StateReadState', [addr, null]),
      safe(fullNode, 'StateMinerSectorCount', [addr, null]),
      safe(fullNode, 'StateMarketBalance', [addr, null]),
      safe(fullNode, 'StateMinerProvingDeadline', [addr, null]),
      safe(fullNode, 'StateMinerRecoveries', [addr, null]),
    ]);
    const info = obj(minerInfo);
    const addresses = [...new Set([str(info?.Worker), ...strings(info?.ControlAddresses, 64)].filter((a): a is string => !!a))];
    const balances = await Promise.all(addresses.map((a) => safe(fullNode, 'WalletBalance', [a])));
    const walletBalances: Record<string, unknown> = {};
    addresses.forEach((a, i) => {
      if (balances[i] !== undefined) walletBalances[a] = balances[i];
    });
    return { minerAddress: addr, sectorSize, power, minerInfo, available, actorState, sectorCount, market, provingDeadline, recoveries, walletBalances };
  });

  const storageP =
    opts.storage === false
      ? Promise.resolve(undefined)
      : Promise.all([safe(miner, 'StorageList'), safe(miner, 'StorageLocal')]).then(async ([list, local]) => {
          if (list === undefined) return undefined;
          const ids = Object.keys(obj(list) ?? {});
          const stats: Record<string, unknown> = {};
          const infos: Record<string, unknown> = {};
          await Promise.all(
            ids.flatMap((id) => [
              safe(miner, 'StorageStat', [id]).then((v) => void (v !== undefined && (stats[id] = v))),
              safe(miner, 'StorageInfo', [id]).then((v) => void (v !== undefined && (infos[id] = v))),
            ]),
          );
          return mapStorage(list, local, stats, infos, problems);
        });

  const [workerStats, workerJobs, summary, addressConfig, head, mpool, chain, storage] = await Promise.all([
    workerStatsP, workerJobsP, summaryP, addressConfigP, headP, mpoolP, chainP, storageP,
  ]);
  throwIfCancelled();

  const workers = mapWorkerStats(workerStats, problems);
  const jobs = keyJobs(mapWorkerJobs(workerJobs, nowMs, problems, { includeRetDone: opts.includeRetDone ?? false }));
  linkJobsToWorkers(workers, jobs);
  const overview = mapOverview({ ...chain, summary, addressConfig, head, mpool, ...(workerStats !== undefined ? { workers } : {}) }, nowMs);
  if (summary === undefined) delete overview.sectors.total;

  const snapshot: MinerSnapshot = { source: { kind: 'rpc', takenAtMs: nowMs }, overview, workers, jobs, problems };
  if (storage) snapshot.storage = storage;
  if (problems.length > 1000) snapshot.problems = problems.slice(0, 1000);
  return { snapshot, succeeded, failed, ...(firstError ? { firstError } : {}) };
}
