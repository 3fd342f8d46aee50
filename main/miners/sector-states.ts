import type { SectorCounts } from '../contract/miners';

/**
 * Sector FSM states (storage/pipeline/sector_state.go) in the order `lotus-miner info` prints them
 * (cli/spcli/statemeta.go), and the buckets Drover sums them into. Unknown states keep their count
 * in `states`; an unknown state ending in "Failed" counts as failed.
 */
export const SECTOR_STATE_ORDER: readonly string[] = [
  'Proving', 'Available', 'UpdateActivating', 'ReceiveSector',
  'Empty', 'WaitDeals', 'AddPiece', 'SnapDealsWaitDeals', 'SnapDealsAddPiece',
  '', 'Packing', 'GetTicket', 'PreCommit1', 'PreCommit2', 'PreCommitting', 'PreCommitWait', 'SubmitPreCommitBatch',
  'PreCommitBatchWait', 'WaitSeed', 'Committing', 'CommitFinalize', 'SubmitCommit', 'CommitWait', 'SubmitCommitAggregate',
  'CommitAggregateWait', 'FinalizeSector', 'SnapDealsPacking', 'UpdateReplica', 'ProveReplicaUpdate', 'SubmitReplicaUpdate',
  'ReplicaUpdateWait', 'WaitMutable', 'FinalizeReplicaUpdate', 'ReleaseSectorKey',
  'Terminating', 'TerminateWait', 'TerminateFinality', 'TerminateFailed', 'Removing', 'Removed', 'AbortUpgrade',
  'FailedUnrecoverable', 'AddPieceFailed', 'SealPreCommit1Failed', 'SealPreCommit2Failed', 'PreCommitFailed',
  'ComputeProofFailed', 'RemoteCommitFailed', 'CommitFailed', 'CommitFinalizeFailed', 'PackingFailed', 'FinalizeFailed',
  'Faulty', 'FaultReported', 'FaultedFinal', 'RemoveFailed', 'DealsExpired', 'RecoverDealIDs', 'SnapDealsAddPieceFailed',
  'SnapDealsDealsExpired', 'SnapDealsRecoverDealIDs', 'ReplicaUpdateFailed', 'ReleaseSectorKeyFailed', 'FinalizeReplicaUpdateFailed',
];

const PROVING = new Set(['Proving', 'Available', 'UpdateActivating']);
const FAULT = new Set(['Faulty', 'FaultReported', 'FaultedFinal']);
const TERMINATED = new Set(['Terminating', 'TerminateWait', 'TerminateFinality', 'TerminateFailed']);
const REMOVED = new Set(['Removing', 'Removed', 'RemoveFailed']);
const FAILED = new Set([
  'FailedUnrecoverable', 'AddPieceFailed', 'SealPreCommit1Failed', 'SealPreCommit2Failed', 'PreCommitFailed', 'ComputeProofFailed',
  'RemoteCommitFailed', 'CommitFailed', 'CommitFinalizeFailed', 'PackingFailed', 'FinalizeFailed', 'DealsExpired', 'RecoverDealIDs',
  'SnapDealsAddPieceFailed', 'SnapDealsDealsExpired', 'SnapDealsRecoverDealIDs', 'AbortUpgrade', 'ReplicaUpdateFailed',
  'ReleaseSectorKeyFailed', 'FinalizeReplicaUpdateFailed',
]);
const PRECOMMIT_WAITING = new Set(['PreCommitting', 'PreCommitWait', 'SubmitPreCommitBatch', 'PreCommitBatchWait']);
const COMMIT_WAITING = new Set(['SubmitCommit', 'CommitWait', 'SubmitCommitAggregate', 'CommitAggregateWait']);
const FINALIZING = new Set(['FinalizeSector', 'CommitFinalize']);
/** Between Empty and Proving: everything the sealing pipeline is working on. */
const IN_PROGRESS = new Set([
  'ReceiveSector', 'Empty', 'WaitDeals', 'AddPiece', 'SnapDealsWaitDeals', 'SnapDealsAddPiece', 'Packing', 'GetTicket', 'PreCommit1',
  'PreCommit2', 'PreCommitting', 'PreCommitWait', 'SubmitPreCommitBatch', 'PreCommitBatchWait', 'WaitSeed', 'Committing',
  'CommitFinalize', 'SubmitCommit', 'CommitWait', 'SubmitCommitAggregate', 'CommitAggregateWait', 'FinalizeSector',
  'SnapDealsPacking', 'UpdateReplica', 'ProveReplicaUpdate', 'SubmitReplicaUpdate', 'ReplicaUpdateWait', 'WaitMutable',
  'FinalizeReplicaUpdate', 'ReleaseSectorKey',
]);

export function isFailedState(state: string): boolean {
  return FAILED.has(state) || (!FAULT.has(state) && !TERMINATED.has(state) && !REMOVED.has(state) && /Failed$/.test(state));
}

export interface SectorCountExtras {
  onChain?: { live: number; active: number; faulty: number };
  faulty?: number;
  recovering?: number;
}

/** Sums a state → count map (SectorsSummary or the info `Sectors:` block) into Drover's buckets. */
export function sectorCountsFromStates(states: Readonly<Record<string, number>>, extras: SectorCountExtras = {}): SectorCounts {
  const clean: Record<string, number> = {};
  let total = 0;
  let proving = 0, faultStates = 0, failed = 0, terminated = 0, removed = 0;
  let precommitWaiting = 0, commitWaiting = 0, finalizing = 0, inProgress = 0;
  for (const [state, raw] of Object.entries(states)) {
    const n = Number.isSafeInteger(raw) && raw > 0 ? raw : 0;
    clean[state] = n;
    total += n;
    if (PROVING.has(state)) proving += n;
    if (FAULT.has(state)) faultStates += n;
    if (isFailedState(state)) failed += n;
    if (TERMINATED.has(state)) terminated += n;
    if (REMOVED.has(state)) removed += n;
    if (PRECOMMIT_WAITING.has(state)) precommitWaiting += n;
    if (COMMIT_WAITING.has(state)) commitWaiting += n;
    if (FINALIZING.has(state)) finalizing += n;
    if (IN_PROGRESS.has(state)) inProgress += n;
  }
  const at = (s: string) => clean[s] ?? 0;
  const counts: SectorCounts = {
    total,
    states: clean,
    proving,
    faultStates,
    failed,
    terminated,
    removed,
    sealing: {
      waitDeals: at('WaitDeals'),
      addPiece: at('AddPiece'),
      pc1: at('PreCommit1'),
      pc2: at('PreCommit2'),
      precommitWaiting,
      waitSeed: at('WaitSeed'),
      committing: at('Committing'),
      commitWaiting,
      waitingChain: precommitWaiting + commitWaiting,
      finalizing,
      inProgress,
    },
  };
  if (extras.onChain) counts.onChain = extras.onChain;
  if (extras.faulty !== undefined) counts.faulty = extras.faulty;
  if (extras.recovering !== undefined) counts.recovering = extras.recovering;
  return counts;
}
