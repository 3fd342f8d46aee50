import { AppError } from '../../contract/errors';

/** The lotus-miner commands CLI mode runs, by name. */
export type CliCommandName = 'info' | 'sealingWorkers' | 'provingWorkers' | 'sealingJobs' | 'storageList' | 'provingInfo' | 'provingDeadlines' | 'sectorsList';

/** Subcommand words of each command (after the program name). */
export const LOTUS_CLI_SUBCOMMANDS: Readonly<Record<CliCommandName, readonly string[]>> = {
  info: ['info'],
  sealingWorkers: ['sealing', 'workers'],
  provingWorkers: ['proving', 'workers'],
  sealingJobs: ['sealing', 'jobs'],
  storageList: ['storage', 'list'],
  provingInfo: ['proving', 'info'],
  provingDeadlines: ['proving', 'deadlines'],
  sectorsList: ['sectors', 'list'],
};

/** Run on every poll by default. `sectorsList` (slow on big miners) and `provingDeadlines` (48+ chain reads) are opt-in. */
export const DEFAULT_CLI_COMMANDS: readonly CliCommandName[] = ['info', 'sealingWorkers', 'provingWorkers', 'sealingJobs', 'storageList', 'provingInfo'];

export interface LotusCliOptions {
  /** The program: "lotus-miner" (default) or a path to it. */
  program?: string;
  /**
   * Environment for the command, passed as `env NAME=value … lotus-miner …` (e.g. LOTUS_MINER_PATH,
   * MINER_API_INFO, PATH). Values appear on the remote command line: do not put tokens here on shared hosts.
   */
  env?: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function prefix(opts: LotusCliOptions): string[] {
  const program = opts.program ?? 'lotus-miner';
  if (!program) throw new AppError('INVALID_INPUT', 'the lotus-miner program name is empty');
  const env = Object.entries(opts.env ?? {});
  if (env.length === 0) return [program];
  const words = ['env'];
  for (const [k, v] of env) {
    if (!ENV_NAME.test(k)) throw new AppError('INVALID_INPUT', `"${k}" is not a valid environment variable name`);
    words.push(`${k}=${v}`);
  }
  // A program name containing "=" would be read by env(1) as another assignment.
  if (program.includes('=')) throw new AppError('INVALID_INPUT', 'the lotus-miner program name cannot contain "="');
  words.push(program);
  return words;
}

/** The argv of one command, e.g. ['lotus-miner', 'sealing', 'jobs']. */
export function lotusCliArgv(name: CliCommandName, opts: LotusCliOptions = {}): string[] {
  return [...prefix(opts), ...LOTUS_CLI_SUBCOMMANDS[name]];
}

/** The argv of every command by name. */
export function lotusCliCommands(opts: LotusCliOptions = {}): Record<CliCommandName, string[]> {
  const out = {} as Record<CliCommandName, string[]>;
  for (const name of Object.keys(LOTUS_CLI_SUBCOMMANDS) as CliCommandName[]) out[name] = lotusCliArgv(name, opts);
  return out;
}

/** What the UI and problems call a command: "lotus-miner sealing jobs". */
export function cliCommandLabel(name: CliCommandName): string {
  return ['lotus-miner', ...LOTUS_CLI_SUBCOMMANDS[name]].join(' ');
}

/** 8 hex digits, or a longer prefix of the call UUID (never an option-like word). */
const CALL_ID_PREFIX = /^[0-9a-f]{8}(?:-[0-9a-f]{0,4}(?:-[0-9a-f]{0,4}(?:-[0-9a-f]{0,4}(?:-[0-9a-f]{0,12})?)?)?)?$/;

/**
 * `lotus-miner sealing abort <callid>`: lotus aborts the first job whose call UUID starts with the
 * argument, so it must be at least the 8 hex digits `sealing jobs` prints, and not the zero id of
 * prepared/assigned jobs (those have no call yet: `sealing abort --sched <SchedId>` removes a
 * request still in the scheduler queue).
 */
export function abortJobArgv(jobId: string, opts: LotusCliOptions = {}): string[] {
  const id = jobId.trim().toLowerCase();
  if (!CALL_ID_PREFIX.test(id)) {
    throw new AppError('INVALID_INPUT', `"${jobId.slice(0, 64)}" is not a job id: give the 8 hex digits \`sealing jobs\` prints, or the full call UUID`);
  }
  if (/^[0-]+$/.test(id)) {
    throw new AppError('INVALID_INPUT', 'this job has not started yet (prepared or assigned): lotus has no call to abort', {
      hint: 'Wait until it runs, or remove the request from the scheduler with `lotus-miner sealing abort --sched <SchedId>` (SchedId from `sealing sched-diag`).',
    });
  }
  return [...prefix(opts), 'sealing', 'abort', id];
}

/** Task types `lotus-worker tasks enable|disable` accepts, by short name (cmd/lotus-worker/tasks.go). */
export const WORKER_SETTABLE_SHORT_NAMES: readonly string[] = ['AP', 'DC', 'PC1', 'PC2', 'C2', 'UNS', 'RU', 'PR2', 'GSK'];

/**
 * `lotus-worker tasks enable|disable <TASK>` (or `--all`), run on the worker host (it talks to the
 * worker's own API: WORKER_API_INFO or ~/.lotusworker). The miner API has no way to change a worker's tasks.
 */
export function workerTasksArgv(action: 'enable' | 'disable', task: string | 'all', opts: LotusCliOptions = {}): string[] {
  const program = opts.program ?? 'lotus-worker';
  const base = prefix({ ...opts, program });
  if (task === 'all') return [...base, 'tasks', action, '--all'];
  if (!WORKER_SETTABLE_SHORT_NAMES.includes(task)) {
    throw new AppError('INVALID_INPUT', `lotus-worker cannot ${action} "${task.slice(0, 32)}"`, { hint: `Settable task types: ${WORKER_SETTABLE_SHORT_NAMES.join(', ')}.` });
  }
  return [...base, 'tasks', action, task];
}

/** `lotus-worker set --enabled=<bool>`: stop or resume taking new tasks (running ones finish). */
export function workerSetEnabledArgv(enabled: boolean, opts: LotusCliOptions = {}): string[] {
  return [...prefix({ ...opts, program: opts.program ?? 'lotus-worker' }), 'set', `--enabled=${enabled}`];
}
