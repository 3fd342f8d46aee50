import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConnectionPool } from '../../main/ssh/connection-pool';
import { readyConnection } from '../../main/ssh/run-on-hosts';
import type { SshHostConfig } from '../../main/ssh/ssh-types';
import { makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { passwordAuthSupport } from '../harness/sshd';
import { sshStack } from '../support/ssh-stack';

// Every way to log in, against a real sshd: agent, key files (encrypted ones with the passphrase
// from the secret store), password.

const run = promisify(execFile);
let sshd: SshdHandle;
let tmp: TempDir;
let agent: ChildProcess | undefined;
let agentSock: string;
const secrets = new Map<string, string>();

function pool(env: NodeJS.ProcessEnv = {}): SshConnectionPool {
  return sshStack(sshd, tmp.path, { env, credentials: { password: async (id) => secrets.get(id), keyPassphrase: async (p) => secrets.get(`ssh-key-passphrase:${p}`) } }).pool;
}

async function login(cfg: Partial<SshHostConfig>, env: NodeJS.ProcessEnv = {}) {
  const p = pool(env);
  const lease = p.acquire({ jumps: [], target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, useAgent: false, ...cfg } });
  try {
    const conn = await readyConnection(lease, AbortSignal.timeout(15_000));
    const r = await conn.exec(['id', '-un']);
    return r.stdout.trim();
  } finally {
    lease.dispose();
    p.dispose();
  }
}

beforeAll(async () => {
  tmp = await makeTempDir('drover-auth-');
  const support = await passwordAuthSupport();
  sshd = await startSshd({ clientKeyPassphrase: 'correct horse', ...(support.ok ? { password: 'pw-Drover-1' } : {}) });
  if (!support.ok) console.warn(`PASSWORD AUTH NOT TESTED: ${support.reason}`);
  agentSock = path.join(tmp.path, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      await run('ssh-add', [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  agent?.kill();
  await sshd?.stop();
  await tmp?.remove();
});

describe('SSH authentication', () => {
  it('logs in with a key from ssh-agent (SSH_AUTH_SOCK)', async () => {
    expect(await login({ useAgent: true, identityFiles: [] }, { SSH_AUTH_SOCK: agentSock })).toBe(sshd.user);
  });

  it('logs in with an encrypted key whose passphrase is in the secret store', async () => {
    const key = sshd.encryptedClientKey!;
    secrets.set(`ssh-key-passphrase:${key.path}`, key.passphrase);
    expect(await login({ identityFiles: [key.path] })).toBe(sshd.user);
    secrets.delete(`ssh-key-passphrase:${key.path}`);
  });

  it('says what is missing when an encrypted key has no stored passphrase, and does not retry', async () => {
    const key = sshd.encryptedClientKey!;
    await expect(login({ identityFiles: [key.path] })).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringMatching(/encrypted and no passphrase is stored/) });
  });

  it('logs in with a stored password, and refuses a wrong one as a permanent failure', async () => {
    if (!sshd.password) {
      console.warn('PASSWORD AUTH NOT TESTED: the harness could not enable password login on this machine');
      return;
    }
    secrets.set('pw:test', sshd.password);
    expect(await login({ identityFiles: [], passwordSecretId: 'pw:test' })).toBe(sshd.user);
    secrets.set('pw:test', 'wrong');
    await expect(login({ identityFiles: [], passwordSecretId: 'pw:test' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
