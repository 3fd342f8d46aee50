import type { MinerJob, MinerWorker } from '../contract/miners';
import { isPendingJobState, isZeroId } from './job-key';
import { taskFullName } from '../contract/miner-task-types';

/**
 * Ties jobs to workers (full worker id from the 8-hex prefix, hostname when the job has none) and
 * counts each worker's pending (prepared and assigned) jobs per task. Mutates both maps.
 */
export function linkJobsToWorkers(workers: Record<string, MinerWorker>, jobs: Record<string, MinerJob>): void {
  const byShort = new Map<string, MinerWorker | null>();
  for (const w of Object.values(workers)) {
    const k = w.idShort.toLowerCase();
    byShort.set(k, byShort.has(k) ? null : w);
  }
  for (const job of Object.values(jobs)) {
    let worker = job.workerId !== undefined ? workers[job.workerId] : undefined;
    if (!worker && !isZeroId(job.workerShort)) {
      const hit = byShort.get(job.workerShort.toLowerCase());
      if (hit) {
        worker = hit;
        job.workerId = hit.id;
      }
    }
    if (!worker) continue;
    if (!job.hostname) job.hostname = worker.hostname;
    if (!isPendingJobState(job.state)) continue;
    const key = job.taskShort === 'UNK' && job.task ? job.task : job.taskShort;
    const entry = (worker.taskCounts[key] ??= { short: key, running: 0, pending: 0 });
    const full = job.task ?? taskFullName(job.taskShort);
    if (full && entry.task === undefined) entry.task = full;
    entry.pending++;
  }
}
