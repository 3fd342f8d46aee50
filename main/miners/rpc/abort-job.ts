import { AppError } from '../../contract/errors';
import { isZeroId } from '../job-key';
import type { AbortableJob } from '../miner-source';
import type { RpcCallOptions, RpcCaller } from './lotus-rpc-client';

/** Number of a miner address: "f03150672" → 3150672 (ID addresses only). */
export function actorIdOf(address: string | undefined): number | undefined {
  const m = /^[ft]0(\d{1,19})$/.exec(address ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The storiface.CallID Filecoin.SealingAbort takes: {Sector: {Miner, Number}, ID}. */
export function sealingAbortParams(job: AbortableJob, minerActorId?: number): [{ Sector: { Miner: number; Number: number }; ID: string }] {
  const callId = job.callId;
  if (!callId || isZeroId(callId) || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(callId)) {
    throw new AppError('INVALID_INPUT', `job ${job.id} has no call to abort${job.id === '00000000' ? ' yet (prepared or assigned)' : ' (its full call id is unknown)'}`, {
      hint: 'Only running or returned jobs have a call id. Jobs still in the scheduler queue are removed with `lotus-miner sealing abort --sched <SchedId>`.',
    });
  }
  const miner = job.minerActorId ?? minerActorId;
  if (miner === undefined) throw new AppError('INVALID_INPUT', `the miner actor of job ${job.id} is unknown`);
  return [{ Sector: { Miner: miner, Number: job.sector }, ID: callId.toLowerCase() }];
}

/** Filecoin.SealingAbort (miner API, admin): aborts the job's call. */
export async function abortJob(miner: RpcCaller, job: AbortableJob, opts: RpcCallOptions & { minerActorId?: number } = {}): Promise<void> {
  const { minerActorId, ...callOpts } = opts;
  await miner.call('SealingAbort', sealingAbortParams(job, minerActorId), callOpts);
}
