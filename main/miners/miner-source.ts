import type { Disposable } from '../contract/lifecycle';
import type { MinerJob, MinerSnapshot } from '../contract/miners';

/** The job fields an abort needs (the CLI needs only id; the API needs callId, sector and the miner actor). */
export type AbortableJob = Pick<MinerJob, 'id' | 'sector'> & Partial<Pick<MinerJob, 'callId' | 'minerActorId'>>;

/**
 * Where a MinerSnapshot comes from: the lotus JSON-RPC API (RpcMinerSource) or lotus-miner commands
 * run through some exec (CliMinerSource, e.g. over SSH). poll() keeps partial results: a failed
 * command or call becomes a problem in the snapshot. It rejects only when cancelled, or when nothing
 * at all could be read (then with the first failure, so the caller can report the source as down).
 */
export interface MinerSource extends Disposable {
  readonly kind: 'rpc' | 'cli';
  poll(signal?: AbortSignal): Promise<MinerSnapshot>;
  /** Aborts a running sealing job (SealingAbort, admin). Destructive: the UI must confirm first. */
  abortJob(job: AbortableJob, signal?: AbortSignal): Promise<void>;
}
