import { execFile } from 'node:child_process';

export interface EtcdctlResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface EtcdctlOptions {
  input?: Buffer | string;
  /** Flags before the command (e.g. --user). */
  extra?: string[];
}

/** etcdctl's environment without any ETCDCTL_* from the caller's shell (API v3). */
export function etcdctlEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL')));
  return { ...env, ETCDCTL_API: '3' };
}

/**
 * Runs the real etcdctl against one endpoint. Its own timeouts are generous (dial 10 s, command
 * 30 s; the defaults of 2 s and 5 s fail on a loaded 2-core machine), and it never rejects: the
 * exit code, output and time come back for the test to assert on.
 */
export function etcdctl(endpoint: string, args: string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, '--dial-timeout=10s', '--command-timeout=30s', ...(options.extra ?? []), ...args],
      { env: etcdctlEnv(), maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr, ms: performance.now() - t0 }),
    );
    child.stdin!.end(options.input ?? '');
  });
}
