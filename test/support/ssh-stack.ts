import path from 'node:path';
import type { Hop } from '../../main/contract/ssh';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { HostKeyPrompts, KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { readyConnection } from '../../main/ssh/run-on-hosts';
import type { CredentialSource, Ssh2Connection } from '../../main/ssh/ssh-connection';
import { sshRoute } from '../../main/ssh/ssh-route';
import type { SshdHandle } from '../harness/index';

/**
 * The SSH layer as the services build it, against a harness sshd: the pool verifies host keys
 * against the sshd's known_hosts (plus a Drover known_hosts in `dir`), logs in with the harness's
 * client key. One place for what tests used to assemble by hand.
 */
export interface SshStack {
  readonly pool: SshConnectionPool;
  /** Prompts for unknown keys (nobody answers unless a test does). */
  readonly prompts: HostKeyPrompts;
  /** The sshd as a Hop with the harness client key (no agent). */
  readonly target: Hop;
  /** A ready connection to the sshd through the pool (acquired once, released on dispose). */
  connection(signal?: AbortSignal): Promise<Ssh2Connection>;
  dispose(): void;
}

export function sshTarget(sshd: SshdHandle): Hop {
  return { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false };
}

export const NO_CREDENTIALS: CredentialSource = { password: async () => undefined, keyPassphrase: async () => undefined };

export function sshStack(sshd: SshdHandle, dir: string, options: { credentials?: CredentialSource; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): SshStack {
  const prompts = new HostKeyPrompts(5_000);
  const hostKeys = new KnownHostsVerifier({ userKnownHostsFiles: [sshd.knownHostsPath], droverKnownHostsFile: path.join(dir, 'drover_known_hosts'), approver: prompts });
  const pool = new SshConnectionPool({ hostKeys, credentials: options.credentials ?? NO_CREDENTIALS, env: options.env ?? {}, ...(options.log ? { log: options.log } : {}) });
  const target = sshTarget(sshd);
  let lease: ReturnType<SshConnectionPool['acquire']> | undefined;
  return {
    pool,
    prompts,
    target,
    connection(signal = AbortSignal.timeout(15_000)) {
      lease ??= pool.acquire(sshRoute({ target }));
      return readyConnection(lease, signal);
    },
    dispose() {
      lease?.dispose();
      pool.dispose();
      prompts.dispose();
    },
  };
}
