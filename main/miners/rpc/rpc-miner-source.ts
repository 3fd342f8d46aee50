import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from '../../contract/clock';
import { AppError } from '../../contract/errors';
import type { MinerSnapshot } from '../../contract/miners';
import type { AbortableJob, MinerSource } from '../miner-source';
import { abortJob, actorIdOf } from './abort-job';
import { LotusRpcClient, type RpcCaller } from './lotus-rpc-client';
import { rpcSnapshotWithStats, type RpcSnapshotOptions } from './rpc-snapshot';

export interface RpcMinerSourceOptions {
  miner: RpcCaller;
  fullNode?: RpcCaller;
  clock?: Clock;
  snapshot?: Omit<RpcSnapshotOptions, 'signal'>;
  /** Disposed with the source (clients the source made itself). */
  owned?: readonly { dispose(): void }[];
}

export interface RpcEndpointConfig {
  url: string;
  token?: string;
  transport?: 'http' | 'ws';
  timeoutMs?: number;
}

/** A MinerSource reading the lotus-miner API and the lotus full node API. */
export class RpcMinerSource implements MinerSource {
  readonly kind = 'rpc' as const;
  private readonly clock: Clock;
  private minerAddress: string | undefined;
  private readonly inflight = new Set<AbortController>();
  private disposed = false;

  constructor(private readonly opts: RpcMinerSourceOptions) {
    this.clock = opts.clock ?? systemClock;
    this.minerAddress = opts.snapshot?.minerAddress;
  }

  /** Makes (and owns) the JSON-RPC clients. */
  static connect(cfg: { miner: RpcEndpointConfig; fullNode?: RpcEndpointConfig; clock?: Clock; snapshot?: Omit<RpcSnapshotOptions, 'signal'> }): RpcMinerSource {
    const clock = cfg.clock ?? systemClock;
    const miner = new LotusRpcClient({ ...cfg.miner, clock, label: 'lotus-miner API' });
    const fullNode = cfg.fullNode ? new LotusRpcClient({ ...cfg.fullNode, clock, label: 'lotus full node API' }) : undefined;
    return new RpcMinerSource({ miner, ...(fullNode ? { fullNode } : {}), clock, ...(cfg.snapshot ? { snapshot: cfg.snapshot } : {}), owned: fullNode ? [miner, fullNode] : [miner] });
  }

  async poll(signal?: AbortSignal): Promise<MinerSnapshot> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'the miner source is closed');
    const ac = new AbortController();
    // Every call of the snapshot (two dozen, at once) listens to this signal: not a leak.
    setMaxListeners(200, ac.signal);
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) ac.abort();
    this.inflight.add(ac);
    const started = this.clock.now();
    try {
      const r = await rpcSnapshotWithStats(this.opts.miner, this.opts.fullNode, started, {
        ...this.opts.snapshot,
        ...(this.minerAddress ? { minerAddress: this.minerAddress } : {}),
        signal: ac.signal,
      });
      if (r.succeeded === 0 && r.firstError) throw r.firstError;
      r.snapshot.source.durationMs = Math.max(0, this.clock.now() - started);
      this.minerAddress ??= r.snapshot.overview.minerId;
      return r.snapshot;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ac);
    }
  }

  async abortJob(job: AbortableJob, signal?: AbortSignal): Promise<void> {
    const minerActorId = actorIdOf(this.minerAddress);
    await abortJob(this.opts.miner, job, { ...(signal ? { signal } : {}), ...(minerActorId !== undefined ? { minerActorId } : {}) });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ac of this.inflight) ac.abort();
    this.inflight.clear();
    for (const o of this.opts.owned ?? []) o.dispose();
  }
}
