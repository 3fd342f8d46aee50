/**
 * lotus sealing task types (storage/sealer/sealtasks/task.go): full names, the short names the CLI
 * prints, the scheduler priority order (`sealing workers` sorts its TASK line by it) and the worker
 * kind a task list means. Unknown types are kept: their key is the full name.
 */

export const TASK_SHORT_NAMES: Readonly<Record<string, string>> = {
  'seal/v0/datacid': 'DC',
  'seal/v0/addpiece': 'AP',
  'seal/v0/precommit/1': 'PC1',
  'seal/v0/precommit/2': 'PC2',
  'seal/v0/commit/1': 'C1',
  'seal/v0/commit/2': 'C2',
  'seal/v0/finalize': 'FIN',
  'seal/v0/finalizeunsealed': 'FUS',
  'seal/v0/fetch': 'GET',
  'seal/v0/unseal': 'UNS',
  'seal/v0/replicaupdate': 'RU',
  'seal/v0/provereplicaupdate/1': 'PR1',
  'seal/v0/provereplicaupdate/2': 'PR2',
  'seal/v0/regensectorkey': 'GSK',
  'seal/v0/finalize/replicaupdate': 'FRU',
  'seal/v0/download/sector': 'DL',
  'post/v0/windowproof': 'WDP',
  'post/v0/winningproof': 'WNP',
};

const FULL_BY_SHORT: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(TASK_SHORT_NAMES).map(([full, short]) => [short, full]));

/** Scheduler order (lower = higher priority); types not in the table count as 0, like lotus. */
const ORDER: Readonly<Record<string, number>> = {
  'seal/v0/regensectorkey': 11,
  'seal/v0/datacid': 10,
  'seal/v0/addpiece': 9,
  'seal/v0/replicaupdate': 8,
  'seal/v0/provereplicaupdate/2': 7,
  'seal/v0/provereplicaupdate/1': 6,
  'seal/v0/precommit/1': 5,
  'seal/v0/precommit/2': 4,
  'seal/v0/commit/2': 3,
  'seal/v0/commit/1': 2,
  'seal/v0/unseal': 1,
  'seal/v0/fetch': -1,
  'seal/v0/download/sector': -2,
  'seal/v0/finalize': -3,
  'seal/v0/finalizeunsealed': -4,
  'post/v0/windowproof': -5,
  'post/v0/winningproof': -6,
};

/** The short name lotus prints ("UNK" for a type it does not know). */
export function taskShortName(task: string): string {
  return TASK_SHORT_NAMES[task] ?? 'UNK';
}

/** The full type for a short name, when known ("PC1" → "seal/v0/precommit/1"). */
export function taskFullName(short: string): string | undefined {
  return FULL_BY_SHORT[short];
}

/** Key for per-task counts: the short name for known types, the full name otherwise (never "UNK"). */
export function taskKey(task: string): string {
  return TASK_SHORT_NAMES[task] ?? task;
}

/** Compares two full task types in lotus' scheduler order. */
export function compareTaskOrder(a: string, b: string): number {
  return (ORDER[a] ?? 0) - (ORDER[b] ?? 0);
}

/** The worker kind its task list means (the first task decides, as in lotus). */
export function workerKindFromTasks(tasks: readonly string[] | undefined): 'sealing' | 'wdpost' | 'winpost' | 'unknown' {
  if (!tasks || tasks.length === 0) return 'unknown';
  for (const t of tasks) {
    if (t === 'post/v0/windowproof') return 'wdpost';
    if (t === 'post/v0/winningproof') return 'winpost';
  }
  return 'sealing';
}

/** Task types `lotus-worker tasks enable|disable` accepts (cmd/lotus-worker/tasks.go allowSetting). */
export const WORKER_SETTABLE_TASKS: readonly string[] = [
  'seal/v0/addpiece',
  'seal/v0/datacid',
  'seal/v0/precommit/1',
  'seal/v0/precommit/2',
  'seal/v0/commit/2',
  'seal/v0/unseal',
  'seal/v0/replicaupdate',
  'seal/v0/provereplicaupdate/2',
  'seal/v0/regensectorkey',
];
