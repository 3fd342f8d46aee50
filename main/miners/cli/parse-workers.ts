import type { MinerProblem, MinerWorker } from '../../contract/miners';
import { parseByteSize, quantityNumber } from '../byte-size';
import { shortId } from '../job-key';
import { clipText, ProblemList } from '../miner-problem';
import { taskFullName } from '../../contract/miner-task-types';
import { textLines } from './strip-ansi';

export const SEALING_WORKERS_SOURCE = 'lotus-miner sealing workers';
export const PROVING_WORKERS_SOURCE = 'lotus-miner proving workers';

export interface ParsedWorkers {
  workers: Record<string, MinerWorker>;
  problems: MinerProblem[];
}

const WORKER_LINE = /^Worker\s+(\S+?),\s+host\s+(.*?)(\s+\(disabled\))?\s*$/;
const TASK_ENTRY = /(\S+?)\((\d+)(?:\/(\d+))?\)/g;

/**
 * `lotus-miner sealing workers` / `proving workers`: one block per worker ("Worker <uuid>, host
 * <name>[ (disabled)]", then TASK/CPU/RAM/VMEM/GPU lines). Also reads the 2020 form ("Worker 0,
 * host …", "N core(s) in use", no TASK line). `kind` is what the command lists.
 */
export function parseWorkers(text: string, kind: 'sealing' | 'post' = 'sealing', source = kind === 'sealing' ? SEALING_WORKERS_SOURCE : PROVING_WORKERS_SOURCE): ParsedWorkers {
  const problems = new ProblemList(source);
  const workers: Record<string, MinerWorker> = {};
  let cur: MinerWorker | undefined;
  const lines = textLines(text);
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    const t = line.trim();
    if (t === '') return;
    const wm = WORKER_LINE.exec(t);
    if (wm) {
      const id = clipText(wm[1]!, 128);
      const disabled = wm[3] !== undefined;
      cur = {
        id,
        idShort: /^[0-9a-fA-F]{8}-/.test(id) ? shortId(id) : id,
        hostname: clipText(wm[2]!, 253),
        kind,
        enabled: !disabled,
        state: disabled ? 'disabled' : 'ok',
        connection: 'unknown',
        cpu: {},
        gpu: { count: 0, names: [] },
        memory: {},
        taskCounts: {},
      };
      if (workers[id]) problems.add(`worker ${id} is listed twice`, { raw: line, line: lineNo });
      workers[id] = cur;
      return;
    }
    if (!cur) {
      problems.add('line outside a worker block', { raw: line, line: lineNo });
      return;
    }
    if (!readWorkerLine(cur, t)) problems.add('unrecognised worker line', { raw: line, line: lineNo });
  });
  return { workers, problems: problems.list() };
}

function readWorkerLine(w: MinerWorker, t: string): boolean {
  if (t.startsWith('TASK:')) {
    for (const m of t.slice(5).matchAll(TASK_ENTRY)) {
      const short = clipText(m[1]!, 64);
      const running = Number(m[2]);
      const entry = (w.taskCounts[short] ??= { short, running: 0, pending: 0 });
      const full = taskFullName(short);
      if (full) entry.task = full;
      entry.running += Number.isSafeInteger(running) ? running : 0;
      if (m[3] !== undefined && Number.isSafeInteger(Number(m[3]))) entry.max = Number(m[3]);
    }
    return true;
  }
  const cpu = /^CPU:\s*\[[^\]]*\]\s*(\d+)(?:\/(\d+))?\s+core\(s\) in use/.exec(t);
  if (cpu) {
    w.cpu.inUse = safeInt(cpu[1]);
    if (cpu[2] !== undefined) w.cpu.cores = safeInt(cpu[2]);
    return true;
  }
  const mem = /^(RAM|VMEM):\s*\[[^\]]*\]\s*((\d+)%\s+(\S+(?:\s\S+)?)\/(\S+(?:\s\S+)?))\s*$/.exec(t);
  if (mem) {
    const pct = safeInt(mem[3]);
    const total = quantityNumber(parseByteSize(mem[5]!));
    if (mem[1] === 'RAM') {
      w.memory.ramText = clipText(mem[2]!, 128);
      if (pct !== undefined) w.memory.ramPercent = pct;
      if (total !== undefined) w.memory.physicalBytes = total;
    } else {
      w.memory.vmemText = clipText(mem[2]!, 128);
      if (pct !== undefined) w.memory.vmemPercent = pct;
      if (total !== undefined && w.memory.physicalBytes !== undefined) w.memory.swapBytes = Math.max(0, total - w.memory.physicalBytes);
    }
    return true;
  }
  const gbar = /^GPU:\s*\[[^\]]*\]\s*(\d+)%\s+(\d+(?:\.\d+)?)\/(\d+)\s+gpu\(s\) in use/.exec(t);
  if (gbar) {
    const used = Number(gbar[2]);
    if (Number.isFinite(used)) w.gpu.used = used;
    w.gpu.usedText = clipText(`${gbar[2]}/${gbar[3]}`, 64);
    const n = safeInt(gbar[3]);
    if (n !== undefined) w.gpu.count = Math.max(w.gpu.count, n);
    return true;
  }
  const gname = /^GPU:\s+(.*?),\s+(used|not used)\s*$/.exec(t);
  if (gname) {
    if (w.gpu.names.length < 64) w.gpu.names.push(clipText(gname[1]!, 256));
    w.gpu.count = Math.max(w.gpu.count, w.gpu.names.length);
    return true;
  }
  return false;
}

function safeInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
