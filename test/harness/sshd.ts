import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getFreePort, LOOPBACK } from './ports';
import { bannerProbe, startProcess } from './proc';
import { ensureBinary } from './require-binary';
import { makeTempDir } from './tmp';
import { restartableServer, type RestartableServer } from './restartable-server';

export interface SshdOptions {
  /**
   * Turns on password authentication for the current user with this password. Needs root: sshd
   * (UsePAM no) checks the password against the shadow file, so the harness runs sshd in a private
   * mount namespace (`unshare --mount`) where a copy of /etc/shadow holding this password's hash is
   * bind-mounted over /etc/shadow. The real /etc/shadow is never written. PermitRootLogin becomes yes.
   * keyboard-interactive is not offered: without PAM, OpenSSH on Linux has no keyboard-interactive
   * device, so it always fails (verified with OpenSSH 9.2).
   */
  password?: string;
  /** Also generate an ed25519 client key encrypted with this passphrase (authorized too). */
  clientKeyPassphrase?: string;
  /** sshd ClientAliveInterval (seconds) and ClientAliveCountMax. */
  clientAliveIntervalSec?: number;
  clientAliveCountMax?: number;
  /**
   * Extra sshd_config lines. They go before the harness defaults, so they win (sshd uses the first
   * value it reads); lines from the first `Match` on go at the end.
   */
  extraConfig?: readonly string[];
  /** Extra authorized_keys lines (public keys, options allowed). */
  authorizedKeys?: readonly string[];
  readyTimeoutMs?: number;
  /** Default /usr/sbin/sshd (package openssh-server). */
  sshdPath?: string;
}

export interface SshClientKey {
  path: string;
  publicKey: string;
  passphrase: string;
}

export interface SshdHandle {
  readonly host: typeof LOOPBACK;
  readonly port: number;
  /** The user that may log in: the current user (root on CI). */
  readonly user: string;
  /** Temp dir holding the config, keys, authorized_keys and known_hosts. */
  readonly dir: string;
  readonly configPath: string;
  readonly hostKeyPath: string;
  /** OpenSSH public key line of the host key: "ssh-ed25519 AAAA... comment". */
  readonly hostPublicKey: string;
  /** As `ssh-keygen -lf` prints it: "SHA256:...". */
  readonly hostKeyFingerprintSha256: string;
  /** Unencrypted ed25519 client private key (authorized). */
  readonly clientKeyPath: string;
  readonly clientPublicKey: string;
  /** Present when `clientKeyPassphrase` was given. */
  readonly encryptedClientKey: SshClientKey | undefined;
  /** Present when password authentication is on. */
  readonly password: string | undefined;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA..." */
  readonly knownHostsLine: string;
  /** A known_hosts file holding only knownHostsLine. */
  readonly knownHostsPath: string;
  /** PID of the running sshd (changes on restart); -1 while down. */
  readonly pid: number;
  readonly running: boolean;
  /** Output (LogLevel VERBOSE, -e) of the current or last sshd process. */
  logs(): string;
  /** Stops sshd and its connection processes, keeping port, keys and files for up(). */
  down(): Promise<void>;
  /** Starts sshd again on the same port with the same host key. */
  up(): Promise<void>;
  /** down() then up(): existing connections are cut. */
  restart(): Promise<void>;
  /** Stops sshd and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function exec(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function keygen(sshKeygen: string, file: string, comment: string, passphrase = ''): Promise<string> {
  await exec(sshKeygen, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file]);
  return (await fsp.readFile(`${file}.pub`, 'utf8')).trim();
}

async function sshdVersion(sshd: string): Promise<[number, number] | null> {
  const output = await new Promise<string>((resolve) => {
    execFile(sshd, ['-V'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Copy of /etc/shadow with `user`'s password hash replaced (or a line added). */
async function shadowWithPassword(user: string, password: string, openssl: string): Promise<string> {
  const hash = (await exec(openssl, ['passwd', '-6', '-stdin'], `${password}\n`)).trim();
  const lines = (await fsp.readFile('/etc/shadow', 'utf8')).split('\n').filter((line) => line !== '');
  let found = false;
  const result = lines.map((line) => {
    const fields = line.split(':');
    if (fields[0] !== user) return line;
    found = true;
    fields[1] = hash;
    return fields.join(':');
  });
  if (!found) result.push(`${user}:${hash}:19000:0:99999:7:::`);
  return `${result.join('\n')}\n`;
}

let passwordSupport: Promise<{ ok: boolean; reason: string }> | null = null;

/**
 * Whether startSshd({ password }) can work here: it needs root and a private mount namespace
 * (unshare + bind mount; a container without CAP_SYS_ADMIN has neither). Probed once per process.
 */
export function passwordAuthSupport(): Promise<{ ok: boolean; reason: string }> {
  passwordSupport ??= (async () => {
    if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
    try {
      const unshare = await ensureBinary('unshare', 'util-linux');
      const tmp = await makeTempDir('drover-unshare-');
      try {
        const file = path.join(tmp.path, 'probe');
        await fsp.writeFile(file, '');
        await exec(unshare, ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount --bind "$0" "$0"', file]);
        return { ok: true, reason: '' };
      } finally {
        await tmp.remove();
      }
    } catch (error) {
      return { ok: false, reason: `no private mount namespace: ${String(error)}` };
    }
  })();
  return passwordSupport;
}

/**
 * Starts OpenSSH sshd on 127.0.0.1 (random port) with its own config, host key, client keys and
 * authorized_keys in a temp dir; never touches /etc/ssh. Ready once it answers with an "SSH-2.0-"
 * banner.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  const sshd = await ensureBinary(options.sshdPath ?? '/usr/sbin/sshd', 'openssh-server');
  const sshKeygen = await ensureBinary('ssh-keygen', 'openssh-client');
  const user = os.userInfo().username;
  const isRoot = process.getuid?.() === 0;
  const usePassword = options.password !== undefined;
  if (usePassword) {
    const support = await passwordAuthSupport();
    if (!support.ok) {
      throw new Error(
        `startSshd({ password }) is not possible here (${support.reason}): sshd without PAM checks /etc/shadow, which the harness replaces only inside a private mount namespace, as root. Check passwordAuthSupport() first.`,
      );
    }
  }
  const unshare = usePassword ? await ensureBinary('unshare', 'util-linux') : '';
  const openssl = usePassword ? await ensureBinary('openssl', 'openssl') : '';

  const tmp = await makeTempDir('drover-sshd-');
  const dir = tmp.path;
  // Until the server exists, a failure only has the temp dir to remove.
  let server: RestartableServer | undefined;
  const stop = async (): Promise<void> => {
    if (server) await server.stop();
    else await tmp.remove();
  };

  try {
    if (isRoot) await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeyPath = path.join(dir, 'host_ed25519');
    const clientKeyPath = path.join(dir, 'client_ed25519');
    const encryptedKeyPath = path.join(dir, 'client_ed25519_encrypted');
    const [hostPublicKey, clientPublicKey, encryptedPublicKey, version, port] = await Promise.all([
      keygen(sshKeygen, hostKeyPath, 'drover-test-host'),
      keygen(sshKeygen, clientKeyPath, 'drover-test-client'),
      options.clientKeyPassphrase !== undefined
        ? keygen(sshKeygen, encryptedKeyPath, 'drover-test-client-encrypted', options.clientKeyPassphrase)
        : Promise.resolve(undefined),
      sshdVersion(sshd),
      getFreePort(),
    ]);
    const fingerprintLine = await exec(sshKeygen, ['-l', '-E', 'sha256', '-f', `${hostKeyPath}.pub`]);
    const hostKeyFingerprintSha256 = /SHA256:\S+/.exec(fingerprintLine)?.[0];
    if (!hostKeyFingerprintSha256) throw new Error(`unexpected ssh-keygen -l output: ${fingerprintLine}`);
    const [keyType, keyBase64] = hostPublicKey.split(' ');
    const knownHostsLine = `[${LOOPBACK}]:${port} ${keyType} ${keyBase64}`;
    const knownHostsPath = path.join(dir, 'known_hosts');
    const authorizedKeysPath = path.join(dir, 'authorized_keys');
    const configPath = path.join(dir, 'sshd_config');
    const authorized = [clientPublicKey, ...(encryptedPublicKey ? [encryptedPublicKey] : []), ...(options.authorizedKeys ?? [])];
    await fsp.writeFile(knownHostsPath, `${knownHostsLine}\n`);
    await fsp.writeFile(authorizedKeysPath, `${authorized.join('\n')}\n`, { mode: 0o600 });

    const extra = [...(options.extraConfig ?? [])];
    const matchAt = extra.findIndex((line) => /^\s*Match\s/i.test(line));
    const extraHead = matchAt >= 0 ? extra.slice(0, matchAt) : extra;
    const extraTail = matchAt >= 0 ? extra.slice(matchAt) : [];
    const atLeast = (major: number, minor: number): boolean =>
      version !== null && (version[0] > major || (version[0] === major && version[1] >= minor));
    const config = [
      '# Written by the Drover test harness (test/harness/sshd.ts).',
      ...extraHead,
      `Port ${port}`,
      `ListenAddress ${LOOPBACK}`,
      `HostKey ${hostKeyPath}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeysPath}`,
      'StrictModes no',
      `PermitRootLogin ${usePassword ? 'yes' : 'prohibit-password'}`,
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${usePassword ? 'yes' : 'no'}`,
      'PermitEmptyPasswords no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'GatewayPorts no',
      'X11Forwarding no',
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      ...(options.clientAliveIntervalSec !== undefined ? [`ClientAliveInterval ${options.clientAliveIntervalSec}`] : []),
      ...(options.clientAliveCountMax !== undefined ? [`ClientAliveCountMax ${options.clientAliveCountMax}`] : []),
      // OpenSSH 9.8+ penalizes addresses whose connections fail; every test connects from 127.0.0.1.
      ...(atLeast(9, 8) ? ['PerSourcePenalties no'] : []),
      ...extraTail,
    ];
    await fsp.writeFile(configPath, `${config.join('\n')}\n`);

    let command = sshd;
    let args = ['-D', '-e', '-f', configPath];
    if (usePassword) {
      const shadowPath = path.join(dir, 'shadow');
      await fsp.writeFile(shadowPath, await shadowWithPassword(user, options.password!, openssl), { mode: 0o600 });
      command = unshare;
      // unshare and sh exec in place, so the PID is sshd's.
      args = ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount --bind "$0" /etc/shadow && exec "$@"', shadowPath, sshd, ...args];
    }

    server = restartableServer('sshd', tmp, () =>
      startProcess({
        name: 'sshd',
        command,
        args,
        ready: bannerProbe(LOOPBACK, port, 'SSH-2.0-'),
        readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
      }),
    );
    const running = server;
    await running.up();

    return {
      host: LOOPBACK,
      port,
      user,
      dir,
      configPath,
      hostKeyPath,
      hostPublicKey,
      hostKeyFingerprintSha256,
      clientKeyPath,
      clientPublicKey,
      encryptedClientKey:
        encryptedPublicKey !== undefined
          ? { path: encryptedKeyPath, publicKey: encryptedPublicKey, passphrase: options.clientKeyPassphrase! }
          : undefined,
      password: options.password,
      knownHostsLine,
      knownHostsPath,
      get pid() {
        return running.pid;
      },
      get running() {
        return running.running;
      },
      logs: running.logs,
      down: running.down,
      up: running.up,
      restart: running.restart,
      stop: running.stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
