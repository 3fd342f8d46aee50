import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type Client as Ssh2Client, type ClientChannel, type ConnectConfig, type NextAuthHandler, type TcpConnectionDetails, type ExecOptions } from 'ssh2';

// ssh2 is CommonJS: under Node's ESM loader only its default export is reliable.
const { Client, utils } = ssh2;
type Client = Ssh2Client;
import { systemClock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { hopLabel } from '../contract/ssh';
import { Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { classifySshError } from './ssh-errors';
import { DEFAULT_KEEPALIVE_COUNT_MAX, DEFAULT_KEEPALIVE_INTERVAL_MS, DEFAULT_READY_TIMEOUT_MS, type SshHostConfig } from './ssh-types';
import { buildCommand } from './shell-quote';

/** Checks a host key before any credential is sent; throws an AppError to refuse. */
export interface HostKeyCheck {
  verify(host: string, port: number, keyBlob: Buffer, policy: SshHostConfig['unknownHostKey'], signal: AbortSignal): Promise<void>;
  /** Key types already known for the host, to prefer in negotiation (like OpenSSH does). */
  knownKeyTypes(host: string, port: number): Promise<string[]>;
}

/** Where passwords and key passphrases come from (the secret store). */
export interface CredentialSource {
  password(secretId: string): Promise<string | undefined>;
  keyPassphrase(keyPath: string): Promise<string | undefined>;
}

export interface OpenOptions {
  hostKeys: HostKeyCheck;
  credentials: CredentialSource;
  /** A stream to the server instead of a TCP connection (a channel through a jump host). */
  sock?: Duplex;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Label for messages, e.g. the route. */
  label?: string;
}

export type RemoteConnectionHandler = (info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void) => void;

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_HOST_KEY_ORDER = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function keyTypeMatchesAlgo(keyType: string, algo: string): boolean {
  if (keyType === 'ssh-rsa') return algo === 'ssh-rsa' || algo.startsWith('rsa-sha2-');
  return keyType === algo;
}

/** One authenticated SSH connection to one hop, via ssh2. */
export class Ssh2Connection implements Disposable {
  private readonly closeEmitter = new Emitter<AppError | undefined>();
  private readonly remoteHandlers = new Map<number, RemoteConnectionHandler>();
  private closed = false;
  private lastError: AppError | undefined;

  /** Fires once when the connection is gone, with the cause (undefined when closed by us). */
  readonly onDidClose: Event<AppError | undefined> = this.closeEmitter.event;

  private constructor(
    readonly client: Client,
    readonly config: SshHostConfig,
  ) {
    client.on('error', (err) => {
      this.lastError ??= classifySshError(err, hopLabel(config));
    });
    // The transport was half-closed by the server (or, through a jump host, the channel got EOF).
    // SSH has no use for half a transport, and ssh2 stops its keepalives here and waits for a
    // close that a channel may never send: end it now.
    client.on('end', () => {
      this.lastError ??= new AppError('UNAVAILABLE', `${hopLabel(config)}: the server closed the connection`, { hint: 'Drover reconnects by itself.' });
      client.destroy();
    });
    client.on('close', () => this.markClosed(this.lastError));
    client.on('tcp connection', (info, accept, reject) => {
      const handler = this.remoteHandlers.get(info.destPort);
      if (!handler) reject();
      else handler(info, accept, reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  static async open(config: SshHostConfig, opts: OpenOptions): Promise<Ssh2Connection> {
    const env = opts.env ?? process.env;
    const where = opts.label ?? hopLabel(config);
    const client = new Client();
    const conn = new Ssh2Connection(client, config);
    const knownTypes = await opts.hostKeys.knownKeyTypes(config.host, config.port).catch(() => []);
    const hostKeyOrder = [
      ...DEFAULT_HOST_KEY_ORDER.filter((a) => knownTypes.some((t) => keyTypeMatchesAlgo(t, a))),
      ...DEFAULT_HOST_KEY_ORDER.filter((a) => !knownTypes.some((t) => keyTypeMatchesAlgo(t, a))),
    ];
    const auth = await buildAuthMethods(config, opts.credentials, env);
    const verifyAbort = new AbortController();
    let hostKeyError: AppError | undefined;

    return new Promise<Ssh2Connection>((resolve, reject) => {
      let settled = false;
      const fail = (err: AppError) => {
        if (settled) return;
        settled = true;
        verifyAbort.abort();
        opts.signal?.removeEventListener('abort', onAbort);
        client.end();
        client.destroy();
        reject(err);
      };
      const onAbort = () => fail(new AppError('CANCELLED', `${where}: connect cancelled`));
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      client.once('ready', () => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(conn);
      });
      client.on('error', (err) => {
        const classified = classifySshError(err, where);
        fail(hostKeyError ?? (classified.code === 'AUTH_FAILED' && auth.error ? auth.error : classified));
      });
      client.on('close', () => fail(hostKeyError ?? conn.lastError ?? new AppError('UNAVAILABLE', `${where}: connection closed during the handshake`)));

      const cfg: ConnectConfig = {
        host: config.host,
        port: config.port,
        username: config.user,
        keepaliveInterval: config.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: config.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
        readyTimeout: config.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        algorithms: {
          serverHostKey: hostKeyOrder as never,
          ...(config.ciphers?.length ? { cipher: config.ciphers as never } : {}),
        },
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          opts.hostKeys.verify(config.host, config.port, key, config.unknownHostKey, verifyAbort.signal).then(
            () => verify(true),
            (err: unknown) => {
              hostKeyError = err instanceof AppError ? err : classifySshError(err, where);
              verify(false);
            },
          );
        },
        authHandler: auth.handler,
      };
      if (opts.sock) {
        const sock = opts.sock;
        cfg.sock = sock as unknown as ConnectConfig['sock'];
        // ssh2 cannot destroy a channel it sees as no longer writable: do it here.
        client.on('end', () => sock.destroy());
        client.on('close', () => sock.destroy());
      }
      try {
        client.connect(cfg);
      } catch (err) {
        fail(classifySshError(err, where));
      }
    });
  }

  /** Opens a direct-tcpip channel to host:port as seen from the server. */
  forwardOut(dstHost: string, dstPort: number, srcIP = '127.0.0.1', srcPort = 0): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)}: connection is closed`));
        return;
      }
      this.client.forwardOut(srcIP, srcPort, dstHost, dstPort, (err, channel) => {
        if (err) reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)} could not open a channel to ${dstHost}:${dstPort}: ${err.message}`, { cause: err, details: { reason: err.message } }));
        else resolve(channel);
      });
    });
  }

  /** Asks the server to listen (ssh -R); resolves with the bound port. */
  forwardIn(bindAddress: string, bindPort: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.forwardIn(bindAddress, bindPort, (err, port) => {
        if (err) reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)} refused to listen on ${bindAddress}:${bindPort}: ${err.message}`, { cause: err }));
        else resolve(port || bindPort);
      });
    });
  }

  /** Routes incoming connections of a remote forward (by the port the server bound) to a handler. */
  handleRemote(boundPort: number, handler: RemoteConnectionHandler): Disposable {
    this.remoteHandlers.set(boundPort, handler);
    return { dispose: () => this.remoteHandlers.get(boundPort) === handler && this.remoteHandlers.delete(boundPort) };
  }

  unforwardIn(bindAddress: string, bindPort: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.client.unforwardIn(bindAddress, bindPort, () => resolve());
    });
  }

  /** An interactive shell channel with a pty of the given size. */
  /** The login shell in a pty; `env` is asked for (sshd sets only what its AcceptEnv allows). */
  shell(pty: { term: string; cols: number; rows: number }, env?: Record<string, string>): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)}: connection is closed`));
        return;
      }
      this.client.shell({ term: pty.term, cols: pty.cols, rows: pty.rows, width: 0, height: 0 }, env ? { env } : {}, (err, channel) => {
        if (err) reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)} refused a shell: ${err.message}`, { cause: err }));
        else resolve(channel);
      });
    });
  }

  /**
   * An interactive channel running a command (built from an argument array, POSIX-quoted) in a
   * pty of the given size, instead of the login shell: `virsh console` in a terminal tab.
   */
  execPty(argv: string[], pty: { term: string; cols: number; rows: number }): Promise<ClientChannel> {
    const command = buildCommand(argv);
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AppError('UNAVAILABLE', `${hopLabel(this.config)}: connection is closed`));
        return;
      }
      this.client.exec(command, { pty: { term: pty.term, cols: pty.cols, rows: pty.rows, width: 0, height: 0 } }, (err, channel) => {
        if (err) reject(classifySshError(err, hopLabel(this.config)));
        else resolve(channel);
      });
    });
  }

  /** Runs a remote command built from an argument array (POSIX-quoted, never concatenated). */
  exec(argv: string[], opts: { signal?: AbortSignal; stdin?: string; maxOutputBytes?: number; pty?: ExecOptions['pty'] } = {}): Promise<ExecResult> {
    const command = buildCommand(argv);
    const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      this.client.exec(command, opts.pty ? { pty: opts.pty } : {}, (err, channel) => {
        if (err) {
          reject(classifySshError(err, hopLabel(this.config)));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let code: number | null = null;
        let signal: string | null = null;
        const onAbort = () => channel.close();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const take = (list: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            channel.close();
            return;
          }
          list.push(chunk);
        };
        channel.on('data', take(out));
        channel.stderr.on('data', take(errOut));
        channel.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s ?? null;
        });
        channel.on('close', () => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (opts.signal?.aborted) {
            reject(new AppError('CANCELLED', 'remote command cancelled'));
            return;
          }
          if (size > max) {
            reject(new AppError('INTERNAL', `remote command output exceeded ${max} bytes`));
            return;
          }
          resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
        });
        if (opts.stdin !== undefined) channel.end(opts.stdin);
        else channel.end();
      });
    });
  }

  private markClosed(err: AppError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire(err);
    this.closeEmitter.dispose();
    this.remoteHandlers.clear();
  }

  dispose(): void {
    if (this.closed) return;
    this.client.end();
    // end() is polite; make sure the socket goes even if the peer is black-holed.
    systemClock.setTimeout(() => this.client.destroy(), 1000, { background: true });
    this.markClosed(undefined);
  }
}

interface AuthPlan {
  handler: (methodsLeft: AuthenticationType[], partial: boolean, next: NextAuthHandler) => void;
  /** Set when no method could even be tried (e.g. a key needs a passphrase we do not have). */
  error?: AppError;
}

async function buildAuthMethods(config: SshHostConfig, creds: CredentialSource, env: NodeJS.ProcessEnv): Promise<AuthPlan> {
  const username = config.user;
  const methods: AnyAuthMethod[] = [];
  const notes: string[] = [];
  const agent = env.SSH_AUTH_SOCK;
  if (agent && config.useAgent !== false) methods.push({ type: 'agent', username, agent });

  const identityFiles = config.identityFiles ?? defaultIdentityFiles();
  const explicit = config.identityFiles !== undefined;
  for (const file of identityFiles) {
    const path = file.startsWith('~/') ? `${os.homedir()}${file.slice(1)}` : file;
    let text: Buffer;
    try {
      text = await readFile(path);
    } catch (err) {
      if (explicit) notes.push(`key ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    let parsed = utils.parseKey(text);
    if (parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message)) {
      const passphrase = await creds.keyPassphrase(path).catch(() => undefined);
      if (passphrase === undefined) {
        notes.push(`key ${file} is encrypted and no passphrase is stored for it`);
        continue;
      }
      parsed = utils.parseKey(text, passphrase);
      if (parsed instanceof Error) {
        notes.push(`key ${file}: the stored passphrase does not open it`);
        continue;
      }
    }
    if (parsed instanceof Error) {
      notes.push(`key ${file} is not a private key ssh2 can read (${parsed.message})`);
      continue;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) methods.push({ type: 'publickey', username, key });
  }

  if (config.passwordSecretId) {
    const password = await creds.password(config.passwordSecretId).catch(() => undefined);
    if (password === undefined) notes.push('no password is stored for this host');
    else {
      methods.push({ type: 'password', username, password });
      methods.push({
        type: 'keyboard-interactive',
        username,
        prompt: (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => password)),
      });
    }
  }

  let i = 0;
  const plan: AuthPlan = {
    handler: (_left, _partial, next) => {
      const m = methods[i++];
      if (m) next(m);
      else next(false as unknown as AuthenticationType);
    },
  };
  if (methods.length === 0) {
    plan.error = new AppError('AUTH_FAILED', `${hopLabel(config)}: no way to log in${notes.length ? `: ${notes.join('; ')}` : ''}`, {
      hint: 'Add an identity file, start ssh-agent, or store a password or key passphrase for this host in Drover’s secret store.',
    });
  } else if (notes.length) {
    plan.error = new AppError('AUTH_FAILED', `${hopLabel(config)}: login rejected; also: ${notes.join('; ')}`, {
      hint: 'Store the key passphrase or password in Drover’s secret store, or fix the identity file path.',
    });
  }
  return plan;
}

function defaultIdentityFiles(): string[] {
  const dir = `${os.homedir()}/.ssh`;
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => `${dir}/${n}`);
}
