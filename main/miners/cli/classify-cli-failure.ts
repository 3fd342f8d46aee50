import type { ErrorCode } from '../../contract/errors';

export interface CliFailure {
  code: ErrorCode;
  message: string;
  hint?: string;
}

/** Turns a failed lotus-miner run (exit code + stderr) into an error code, a message and a hint. */
export function classifyCliFailure(command: string, exitCode: number | null | undefined, stderr: string): CliFailure {
  const err = stderr.trim();
  const firstLine = err.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  const what = `\`${command}\` ${exitCode === null || exitCode === undefined ? 'was killed' : `exited with ${exitCode}`}${firstLine ? `: ${firstLine.slice(0, 500)}` : ''}`;
  if (exitCode === 127 || /command not found|No such file or directory|executable file not found/i.test(err)) {
    return { code: 'NOT_FOUND', message: what, hint: 'lotus-miner is not installed on that host or not on the PATH of a non-interactive SSH session: set the program path or PATH in the miner profile.' };
  }
  if (/missing permission/i.test(err)) {
    return { code: 'PERMISSION_DENIED', message: what, hint: 'The API token lotus-miner uses lacks a permission this command needs (sealing and storage commands need admin).' };
  }
  if (/\b401\b|unauthori[sz]ed|token/i.test(err)) {
    return { code: 'UNAUTHENTICATED', message: what, hint: 'The miner API refused the token: check MINER_API_INFO or the token file in LOTUS_MINER_PATH.' };
  }
  if (/No help topic|flag provided but not defined|unknown command|not a subcommand/i.test(err)) {
    return { code: 'UNSUPPORTED', message: what, hint: 'This lotus-miner version does not have that command.' };
  }
  if (/connection refused|dial tcp|could not get API info|no such host|i\/o timeout|ECONNREFUSED|repo .* not found|lotus-miner (is not|not) running/i.test(err)) {
    return { code: 'UNAVAILABLE', message: what, hint: 'lotus-miner could not reach the miner (or full node) API: check that the daemons run and LOTUS_MINER_PATH / MINER_API_INFO / FULLNODE_API_INFO.' };
  }
  return { code: 'UNAVAILABLE', message: what };
}
