import type { MinerProblem, MinerWorker } from '../../contract/miners';
import { formatSizeStr } from '../byte-size';
import { shortId } from '../job-key';
import { clipText, problem } from '../miner-problem';
import { taskKey, workerKindFromTasks } from '../../contract/miner-task-types';
import { bool, count, num, obj, str, strings } from './json-read';

/**
 * Filecoin.WorkerStats (map[uuid]WorkerStats) → workers, with the RAM/VMEM/GPU figures computed the
 * way `sealing workers` prints them (cli/miner/sealing.go), so API and CLI snapshots agree.
 */
export function mapWorkerStats(result: unknown, problems: MinerProblem[], source = 'Filecoin.WorkerStats'): Record<string, MinerWorker> {
  const out: Record<string, MinerWorker> = {};
  const map = obj(result);
  if (!map) {
    if (result !== null) problems.push(problem(source, 'WorkerStats did not return an object', { raw: JSON.stringify(result)?.slice(0, 500) ?? '' }));
    return out;
  }
  for (const [id, value] of Object.entries(map)) {
    const ws = obj(value);
    if (!ws) {
      problems.push(problem(source, `worker ${id}: not an object`));
      continue;
    }
    const info = obj(ws.Info) ?? {};
    const res = obj(info.Resources) ?? {};
    const tasks = ws.Tasks === null || ws.Tasks === undefined ? [] : strings(ws.Tasks, 64);
    const enabled = bool(ws.Enabled);
    const unreachable = tasks.length === 0;
    const gpus = strings(res.GPUs, 64).map((g) => clipText(g, 256));
    const w: MinerWorker = {
      id: clipText(id, 128),
      idShort: shortId(id),
      hostname: clipText(str(info.Hostname) ?? '', 253),
      kind: workerKindFromTasks(tasks),
      state: unreachable ? 'unreachable' : enabled === false ? 'disabled' : 'ok',
      connection: unreachable ? 'unreachable' : 'connected',
      tasks: tasks.map((t) => clipText(t, 128)),
      cpu: {},
      gpu: { count: gpus.length, names: gpus },
      memory: {},
      taskCounts: {},
    };
    if (enabled !== undefined) w.enabled = enabled;
    const cores = count(res.CPUs);
    const cpuUse = count(ws.CpuUse);
    if (cores !== undefined) w.cpu.cores = cores;
    if (cpuUse !== undefined) w.cpu.inUse = cpuUse;
    const gpuUsed = num(ws.GpuUsed);
    if (gpuUsed !== undefined && gpuUsed >= 0) {
      w.gpu.used = gpuUsed;
      if (gpus.length > 0) w.gpu.usedText = `${gpuUsed.toFixed(2)}/${gpus.length}`;
    }
    fillMemory(w, res, ws);
    fillTaskCounts(w, ws, res, problems, source);
    out[w.id] = w;
  }
  return out;
}

function fillMemory(w: MinerWorker, res: Record<string, unknown>, ws: Record<string, unknown>): void {
  const phys = count(res.MemPhysical);
  const used = count(res.MemUsed);
  const swap = count(res.MemSwap);
  const swapUsed = count(res.MemSwapUsed);
  const tmin = count(ws.MemUsedMin);
  const tmax = count(ws.MemUsedMax);
  const m = w.memory;
  if (phys !== undefined) m.physicalBytes = phys;
  if (used !== undefined) m.usedBytes = used;
  if (swap !== undefined) m.swapBytes = swap;
  if (swapUsed !== undefined) m.swapUsedBytes = swapUsed;
  if (tmin !== undefined) m.tasksMinBytes = tmin;
  if (tmax !== undefined) m.tasksMaxBytes = tmax;
  if (phys && used !== undefined && tmin !== undefined) {
    const reserved = used > tmin ? used - tmin : 0;
    m.ramPercent = Math.floor(((tmin + reserved) * 100) / phys);
    // lotus prints tasks + used here (not tasks + reserved): kept for agreement with the CLI.
    m.ramText = `${m.ramPercent}% ${formatSizeStr(tmin + used)}/${formatSizeStr(phys)}`;
  }
  if (phys && swap !== undefined && used !== undefined && swapUsed !== undefined && tmax !== undefined) {
    const total = phys + swap;
    const vused = used + swapUsed;
    const reserved = vused > tmax ? vused - tmax : 0;
    m.vmemPercent = Math.floor(((tmax + reserved) * 100) / total);
    m.vmemText = `${m.vmemPercent}% ${formatSizeStr(tmax + reserved)}/${formatSizeStr(total)}`;
  }
}

function fillTaskCounts(w: MinerWorker, ws: Record<string, unknown>, res: Record<string, unknown>, problems: MinerProblem[], source: string): void {
  const counts = obj(ws.TaskCounts);
  if (!counts) return;
  const table = obj(res.Resources);
  for (const [k, v] of Object.entries(counts)) {
    const n = count(v);
    const sep = k.indexOf(':');
    if (n === undefined || sep < 0) {
      problems.push(problem(source, `worker ${w.id}: unreadable task count "${clipText(k, 100)}"`));
      continue;
    }
    if (n === 0) continue;
    const proof = k.slice(0, sep);
    const task = k.slice(sep + 1);
    const key = clipText(taskKey(task), 128);
    const entry = (w.taskCounts[key] ??= { task: clipText(task, 128), short: key, running: 0, pending: 0 });
    entry.running += n;
    const max = count(obj(obj(table?.[task])?.[proof])?.MaxConcurrent);
    if (max !== undefined && max > 0) entry.max = max;
  }

}
