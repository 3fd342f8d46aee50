import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Directories searched after $PATH (sshd lives in /usr/sbin, which a user's PATH may lack). */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `binary` (an absolute path or a name looked up in $PATH and the sbin dirs), or null. */
export function findBinary(binary: string): string | null {
  if (binary.includes('/')) return isExecutable(binary) ? path.resolve(binary) : null;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The command a person should run to install `debianPackage`. */
export function aptInstallCommand(debianPackage: string): string {
  return `apt-get install -y --no-install-recommends ${debianPackage}`;
}

export interface EnsureBinaryOptions {
  /**
   * Install missing packages with apt-get when running as root. Default true, unless the
   * environment variable DROVER_TEST_NO_APT=1 is set.
   */
  autoInstall?: boolean;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`.trim()));
        else resolve();
      },
    );
  });
}

let aptUpdate: Promise<void> | null = null;
/** apt/dpkg take a lock: run one apt operation at a time within this process. */
let aptQueue: Promise<unknown> = Promise.resolve();

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = aptQueue.then(task, task);
  aptQueue = result.catch(() => {});
  return result;
}

async function aptInstall(aptGet: string, debianPackage: string): Promise<void> {
  aptUpdate ??= serialized(() => run(aptGet, ['update'])).catch((error: unknown) => {
    aptUpdate = null;
    throw error;
  });
  await aptUpdate;
  await serialized(() => run(aptGet, ['install', '-y', '--no-install-recommends', debianPackage]));
}

/**
 * Returns the absolute path of `binary`. When it is missing and this process runs as root on a
 * machine with apt-get, runs `apt-get update` (once per process) and
 * `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends <debianPackage>`;
 * otherwise throws an error whose message holds the exact apt-get command to run.
 */
export async function ensureBinary(binary: string, debianPackage: string, options: EnsureBinaryOptions = {}): Promise<string> {
  const found = findBinary(binary);
  if (found) return found;
  const command = aptInstallCommand(debianPackage);
  const autoInstall = options.autoInstall ?? process.env.DROVER_TEST_NO_APT !== '1';
  const aptGet = findBinary('apt-get');
  const isRoot = process.getuid?.() === 0;
  if (!autoInstall || !isRoot || !aptGet) {
    const why = !autoInstall ? 'automatic install is off' : !aptGet ? 'apt-get is not available' : 'not running as root';
    throw new Error(`${binary} is missing (Debian package ${debianPackage}; ${why}). Install it with: ${isRoot ? '' : 'sudo '}${command}`);
  }
  try {
    await aptInstall(aptGet, debianPackage);
  } catch (error) {
    throw new Error(`${binary} is missing and installing ${debianPackage} failed. Install it with: ${command}\n${String(error)}`, {
      cause: error,
    });
  }
  const installed = findBinary(binary);
  if (!installed) throw new Error(`${binary} is still missing after installing ${debianPackage}. Check: ${command}`);
  return installed;
}
