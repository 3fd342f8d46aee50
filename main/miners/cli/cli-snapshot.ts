import type { ErrorCode } from '../../contract/errors';
import type { ByteQuantity, MinerJob, MinerProblem, MinerSnapshot, MinerWorker, ProvingInfo } from '../../contract/miners';
import { keyJobs } from '../job-key';
import { linkJobsToWorkers } from '../link-jobs';
import { clipText, problem } from '../miner-problem';
import { sectorCountsFromStates } from '../sector-states';
import { classifyCliFailure } from './classify-cli-failure';
import { cliCommandLabel, type CliCommandName } from './lotus-cli-commands';
import { parseMinerInfo } from './parse-miner-info';
import { parseProvingDeadlines } from './parse-proving-deadlines';
import { parseProvingInfo } from './parse-proving-info';
import { parseSealingJobs } from './parse-sealing-jobs';
import { parseSectorsList } from './parse-sectors-list';
import { parseStorageList } from './parse-storage-list';
import { parseWorkers } from './parse-workers';
import { stripAnsi } from './strip-ansi';

/** One command's result. */
export interface CliCommandOutput {
  stdout: string;
  stderr?: string;
  /** Exit code; null when killed by a signal. */
  code?: number | null;
  /** When the command finished (unix ms); job times are relative to it. */
  atMs?: number;
  /** The command could not be run at all (SSH down, timeout, cancelled). */
  error?: { code: ErrorCode; message: string; hint?: string };
}

export type CliOutputs = Partial<Record<CliCommandName, CliCommandOutput | string>>;

/** Longest raw output kept per command in the snapshot. */
export const RAW_OUTPUT_CHARS = 256 * 1024;

const MAINNET_GENESIS_MS = 1_598_306_400_000;

/**
 * Assembles one MinerSnapshot from lotus-miner command outputs (any subset). Never throws: what
 * cannot be read becomes problems, and a failed command keeps whatever it printed.
 */
export function cliSnapshot(outputs: CliOutputs, nowMs: number, opts: { durationMs?: number } = {}): MinerSnapshot {
  const problems: MinerProblem[] = [];
  const raw: Record<string, string> = {};
  const out = (name: CliCommandName): CliCommandOutput | undefined => {
    const o = outputs[name];
    if (o === undefined) return undefined;
    return typeof o === 'string' ? { stdout: o, code: 0 } : o;
  };
  const ok = (name: CliCommandName) => {
    const o = out(name);
    return o !== undefined && !o.error && (o.code === 0 || o.code === undefined);
  };
  for (const name of Object.keys(outputs) as CliCommandName[]) {
    const o = out(name);
    if (!o) continue;
    const label = cliCommandLabel(name);
    if (o.stdout) raw[label] = clipText(stripAnsi(o.stdout), RAW_OUTPUT_CHARS);
    if (o.error) problems.push(problem(label, o.error.message, { code: o.error.code, ...(o.error.hint ? { hint: o.error.hint } : {}) }));
    else if (o.code !== 0 && o.code !== undefined) {
      const f = classifyCliFailure(label, o.code, o.stderr ?? '');
      problems.push(problem(label, f.message, { code: f.code, ...(f.hint ? { hint: f.hint } : {}), ...(o.stderr ? { raw: stripAnsi(o.stderr) } : {}) }));
    }
  }

  const snap: MinerSnapshot = {
    source: { kind: 'cli', takenAtMs: nowMs },
    overview: { balances: {}, power: {}, sectors: sectorCountsFromStates({}), messages: {} },
    workers: {},
    jobs: {},
    problems,
  };
  if (opts.durationMs !== undefined) snap.source.durationMs = Math.max(0, opts.durationMs);
  const ov = snap.overview;

  // info
  const infoOut = out('info');
  let states: Record<string, number> | undefined;
  let faultyBytes: ByteQuantity | undefined;
  if (infoOut?.stdout) {
    const info = parseMinerInfo(infoOut.stdout);
    problems.push(...info.problems);
    Object.assign(ov, info.overview);
    states = info.states;
    faultyBytes = info.overview.power.faulty;
    if (info.states && info.statesTotal !== undefined) {
      const sum = Object.values(info.states).reduce((a, b) => a + b, 0);
      if (sum !== info.statesTotal) problems.push(problem(cliCommandLabel('info'), `sector states add up to ${sum}, not the printed Total ${info.statesTotal}`));
    }
    const p = ov.power;
    if (p.hasMinPower !== undefined && p.qualityAdjusted) p.effective = p.hasMinPower ? p.qualityAdjusted : { bytes: '0', text: '0', exact: false };
  }

  // proving info / deadlines
  let proving: ProvingInfo | undefined;
  const piOut = out('provingInfo');
  if (piOut?.stdout) {
    const pi = parseProvingInfo(piOut.stdout);
    problems.push(...pi.problems);
    proving = pi.proving;
    ov.minerId ??= pi.minerId;
  }
  const pdOut = out('provingDeadlines');
  if (pdOut?.stdout) {
    const pd = parseProvingDeadlines(pdOut.stdout);
    problems.push(...pd.problems);
    proving = { ...proving, deadlines: pd.deadlines };
    ov.minerId ??= pd.minerId;
  }
  if (proving) {
    ov.proving = proving;
    if (proving.currentEpoch !== undefined) {
      ov.headEpoch = proving.currentEpoch;
      if (ov.minerId?.startsWith('f')) ov.headTimestampMs = MAINNET_GENESIS_MS + 30_000 * proving.currentEpoch;
    }
  }
  let faulty = proving?.faults;
  if (faulty === undefined && faultyBytes?.bytes !== undefined && ov.sectorSize?.bytes) {
    const n = Math.round(Number(faultyBytes.bytes) / Number(ov.sectorSize.bytes));
    if (Number.isSafeInteger(n) && n >= 0) faulty = n;
  }
  ov.sectors = sectorCountsFromStates(states ?? {}, {
    ...(faulty !== undefined ? { faulty } : {}),
    ...(proving?.recovering !== undefined ? { recovering: proving.recovering } : {}),
  });
  if (!states) delete ov.sectors.total;

  // workers
  const sealing = out('sealingWorkers');
  const post = out('provingWorkers');
  const sealingWorkers = sealing?.stdout ? parseWorkers(sealing.stdout, 'sealing') : undefined;
  const postWorkers = post?.stdout ? parseWorkers(post.stdout, 'post') : undefined;
  const bothListed = ok('sealingWorkers') && ok('provingWorkers');
  const workers: Record<string, MinerWorker> = {};
  for (const parsed of [sealingWorkers, postWorkers]) {
    if (!parsed) continue;
    problems.push(...parsed.problems);
    for (const [id, w] of Object.entries(parsed.workers)) {
      if (workers[id]) {
        // lotus lists a worker in both views only when its task list is empty: TaskTypes failed, the worker is unreachable.
        workers[id] = { ...workers[id]!, kind: 'unknown', state: 'unreachable', connection: 'unreachable' };
        continue;
      }
      workers[id] = { ...w, connection: bothListed ? 'connected' : 'unknown' };
    }
  }
  snap.workers = workers;

  // jobs
  const jobsOut = out('sealingJobs');
  if (jobsOut?.stdout) {
    const parsed = parseSealingJobs(jobsOut.stdout, jobsOut.atMs ?? nowMs);
    problems.push(...parsed.problems);
    const jobs: Record<string, MinerJob> = keyJobs(parsed.jobs);
    linkJobsToWorkers(workers, jobs);
    snap.jobs = jobs;
  }

  const storageOut = out('storageList');
  if (storageOut?.stdout || ok('storageList')) {
    const st = parseStorageList(storageOut?.stdout ?? '');
    problems.push(...st.problems);
    snap.storage = st.paths;
  }
  const sectorsOut = out('sectorsList');
  if (sectorsOut?.stdout || ok('sectorsList')) {
    const se = parseSectorsList(sectorsOut?.stdout ?? '');
    problems.push(...se.problems);
    snap.sectors = se.sectors;
  }

  if (Object.keys(raw).length) snap.raw = raw;
  if (problems.length > 1000) snap.problems = [...problems.slice(0, 999), problem('drover', `${problems.length - 999} more problems were dropped`)];
  return snap;
}
