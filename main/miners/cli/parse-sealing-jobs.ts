import type { MinerJob, MinerProblem } from '../../contract/miners';
import { parseGoDurationMs } from '../go-format';
import { jobStateFromText } from '../job-key';
import { clipText, ProblemList } from '../miner-problem';
import { taskFullName, taskShortName } from '../../contract/miner-task-types';
import { textLines } from './strip-ansi';
import { findColumn, headerColumns, splitRow } from './text-table';

export const SEALING_JOBS_SOURCE = 'lotus-miner sealing jobs';

export interface ParsedJobs {
  /** In output order; key them with keyJobs(). workerId is not resolved yet (see linkJobsToWorkers). */
  jobs: MinerJob[];
  problems: MinerProblem[];
}

/**
 * `lotus-miner sealing jobs` (tabwriter: ID Sector Worker Hostname Task State Time). Header-driven:
 * columns may be missing, reordered or new. With nowMs, a job's start is nowMs minus its Time.
 */
export function parseSealingJobs(text: string, nowMs?: number): ParsedJobs {
  const problems = new ProblemList(SEALING_JOBS_SOURCE);
  const jobs: MinerJob[] = [];
  const lines = textLines(text);
  const headerAt = lines.findIndex((l) => {
    const names = headerColumns(l).map((c) => c.name.toLowerCase());
    return names.includes('id') && (names.includes('sector') || names.includes('task'));
  });
  if (headerAt < 0) {
    if (lines.some((l) => l.trim() !== '')) problems.add('no `sealing jobs` header (ID  Sector  Worker …) found', { raw: clipText(lines.slice(0, 20).join('\n'), 2000) });
    return { jobs, problems: problems.list() };
  }
  for (let i = 0; i < headerAt; i++) if (lines[i]!.trim()) problems.add('unexpected line before the header', { raw: lines[i], line: i + 1 });
  const columns = headerColumns(lines[headerAt]!);
  const col = {
    id: findColumn(columns, 'ID'),
    sector: findColumn(columns, 'Sector'),
    worker: findColumn(columns, 'Worker'),
    host: findColumn(columns, 'Hostname', 'Host'),
    task: findColumn(columns, 'Task'),
    state: findColumn(columns, 'State'),
    time: findColumn(columns, 'Time'),
  };
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const row = splitRow(line, columns, i + 1);
    const cell = (name: string | undefined) => (name === undefined ? '' : (row.cells[name] ?? ''));
    const id = cell(col.id);
    const sectorText = cell(col.sector);
    if (!/^[0-9a-fA-F-]{1,36}$/.test(id) || !/^\d{1,19}$/.test(sectorText) || !Number.isSafeInteger(Number(sectorText))) {
      problems.add('not a job row', { raw: line, line: i + 1 });
      continue;
    }
    let taskShort = cell(col.task);
    let task: string | undefined;
    if (taskShort.includes('/')) {
      task = taskShort;
      taskShort = taskShortName(task);
    } else task = taskFullName(taskShort);
    const st = col.state === undefined ? { state: 'unknown', stateText: '' } : jobStateFromText(cell(col.state));
    const job: MinerJob = {
      id: clipText(id.toLowerCase(), 64),
      sector: Number(sectorText),
      workerShort: clipText(cell(col.worker).toLowerCase(), 64),
      hostname: clipText(cell(col.host), 253),
      taskShort: clipText(taskShort, 64),
      state: clipText(st.state, 64),
      stateText: clipText(st.stateText, 64),
    };
    if (task) job.task = task;
    if (st.assignedWindow !== undefined) job.assignedWindow = st.assignedWindow;
    if (st.runWait !== undefined) job.runWait = st.runWait;
    const timeText = cell(col.time);
    if (timeText) {
      job.timeText = clipText(timeText, 64);
      const ms = parseGoDurationMs(timeText);
      if (ms !== undefined && ms >= 0) {
        job.runningMs = ms;
        if (nowMs !== undefined) job.startMs = nowMs - ms;
      } else if (timeText !== 'n/a') problems.add(`unreadable job time "${clipText(timeText, 64)}"`, { raw: line, line: i + 1 });
    }
    if (row.extra.length) problems.add('extra cells in a job row', { raw: line, line: i + 1 });
    jobs.push(job);
  }
  return { jobs, problems: problems.list() };
}
