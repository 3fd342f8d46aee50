import type { MinerJob, MinerProblem } from '../../contract/miners';
import { formatGoDurationMs } from '../go-format';
import { isZeroId, jobStateFromRunWait, shortId } from '../job-key';
import { clipText, problem } from '../miner-problem';
import { taskShortName } from '../../contract/miner-task-types';
import { arr, count, goTimeMs, int, obj, str } from './json-read';

/**
 * Filecoin.WorkerJobs (map[worker uuid][]WorkerJob) → jobs in `sealing jobs` order (RunWait, then
 * oldest first). ret-done jobs are left out unless asked for, as the CLI does.
 */
export function mapWorkerJobs(result: unknown, nowMs: number, problems: MinerProblem[], opts: { includeRetDone?: boolean } = {}, source = 'Filecoin.WorkerJobs'): MinerJob[] {
  const map = obj(result);
  const jobs: MinerJob[] = [];
  if (!map) {
    if (result !== null) problems.push(problem(source, 'WorkerJobs did not return an object', { raw: JSON.stringify(result)?.slice(0, 500) ?? '' }));
    return jobs;
  }
  for (const [wid, list] of Object.entries(map)) {
    for (const item of arr(list) ?? []) {
      const j = obj(item);
      const idObj = obj(j?.ID);
      const sectorObj = obj(j?.Sector) ?? obj(idObj?.Sector);
      const sector = count(sectorObj?.Number);
      const runWait = int(j?.RunWait);
      const callId = str(idObj?.ID) ?? '';
      if (!j || sector === undefined || runWait === undefined) {
        problems.push(problem(source, `unreadable job of worker ${clipText(wid, 64)}`, { raw: JSON.stringify(item)?.slice(0, 500) ?? '' }));
        continue;
      }
      if (runWait === -3 && !opts.includeRetDone) continue;
      const task = str(j.Task) ?? '';
      const st = jobStateFromRunWait(runWait);
      const job: MinerJob = {
        id: shortId(callId) || '00000000',
        sector,
        workerShort: shortId(wid),
        hostname: clipText(str(j.Hostname) ?? '', 253),
        task: clipText(task, 128),
        taskShort: taskShortName(task),
        state: st.state,
        stateText: st.stateText,
        runWait,
      };
      if (callId && !isZeroId(callId)) job.callId = clipText(callId, 64);
      const miner = count(sectorObj?.Miner);
      if (miner !== undefined) job.minerActorId = miner;
      if (!isZeroId(wid)) job.workerId = clipText(wid, 128);
      if (st.assignedWindow !== undefined) job.assignedWindow = st.assignedWindow;
      const start = goTimeMs(j.Start);
      if (start === undefined) job.timeText = 'n/a';
      else {
        job.startMs = start;
        const running = Math.max(0, nowMs - start);
        job.runningMs = running;
        job.timeText = formatGoDurationMs(Math.floor(running / 100) * 100);
      }
      jobs.push(job);
    }
  }
  jobs.sort((a, b) => (a.runWait ?? 0) - (b.runWait ?? 0) || (a.startMs ?? 0) - (b.startMs ?? 0) || (a.callId ?? '').localeCompare(b.callId ?? ''));
  return jobs;
}
