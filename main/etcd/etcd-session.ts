import fs from 'node:fs/promises';
import { castGrpcError, Etcd3, type IOptions, type KVClient } from 'etcd3';
import { forwardAddress, type ForwardAddress, type TunnelForwardResolver } from '../tunnels/tunnel-endpoints';
import type { Clock } from '../contract/clock';
import {
  EtcdSessionConfigSchema,
  type ClusterStatus,
  type EtcdMember,
  type EtcdSessionConfig,
  type EtcdSessionConfigInput,
} from '../contract/etcd';
import { AppError } from '../contract/errors';
import type { Disposable } from '../contract/lifecycle';
import type { SecretStore } from '../settings/secret-store';
import { idToHex } from './etcd-kv';
import { etcdError } from './etcd-errors';

/** gRPC call options as etcd3 takes them (deadline, …). */
export type EtcdCallOptions = NonNullable<Parameters<KVClient['range']>[1]>;
type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

export interface EtcdSessionDeps {
  clock: Clock;
  /** Where auth.passwordSecretId is looked up. */
  secrets?: Pick<SecretStore, 'get'>;
  /** Needed for { kind: 'tunnel' } targets. */
  forwards?: TunnelForwardResolver;
  /** Reads the TLS files (default fs.readFile). */
  readFile?: (file: string) => Promise<Buffer>;
}

export interface OpenOptions {
  /** Ask the cluster for its status before returning (within dialTimeoutMs); default true. */
  verify?: boolean;
}

/**
 * A policy that runs the call once. etcd3's defaults (3 retries, and a per-host circuit breaker
 * that opens for 5 s after 3 "recoverable" errors, which include a compacted revision or a
 * too-large request) would make a console hang or fail for reasons unrelated to the call; Drover
 * reports failures at once and retries where it knows it is safe (the watch).
 */
const callOnce: Policy = {
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: (fn: (context: { signal: AbortSignal }) => unknown, signal?: AbortSignal) =>
    Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
} as unknown as Policy;

/** gRPC's own limit is 4 MiB; a keys-only page of long keys or one large value must not fail on it. Pages stay far below. */
export const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/**
 * One connection to one etcd cluster: endpoints given directly or a tunnel's local forward, TLS
 * with a CA and a client certificate, user/password auth with the password from the secret store.
 * Several sessions can be open at once (EtcdSessionRegistry). dispose() closes the client.
 */
export class EtcdSession implements Disposable {
  private disposed = false;

  private constructor(
    readonly config: EtcdSessionConfig,
    readonly client: Etcd3,
    /** The URLs dialled, e.g. ["http://127.0.0.1:2379"]. */
    readonly endpoints: readonly string[],
    private readonly clock: Clock,
  ) {}

  static async open(input: EtcdSessionConfigInput, deps: EtcdSessionDeps, options: OpenOptions = {}): Promise<EtcdSession> {
    const parsed = EtcdSessionConfigSchema.safeParse(input);
    if (!parsed.success) {
      throw new AppError('INVALID_INPUT', `invalid etcd session: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
    }
    const config = parsed.data;
    const endpoints = await resolveEndpoints(config, deps);
    const clientOptions: IOptions = {
      hosts: [...endpoints],
      faultHandling: { host: () => callOnce, global: callOnce },
      grpcOptions: {
        'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
        // A restarted etcd (or tunnel) is found again within seconds, not after gRPC's 2 min backoff cap.
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 2_000,
        // Finds a dead connection (a tunnel that black-holes) while a watch is open. etcd's
        // --grpc-keepalive-min-time is 5 s by default; pinging more often gets the connection closed.
        'grpc.keepalive_time_ms': 15_000,
        'grpc.keepalive_timeout_ms': 5_000,
        ...(config.tls?.serverName ? { 'grpc.ssl_target_name_override': config.tls.serverName, 'grpc.default_authority': config.tls.serverName } : {}),
      },
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: deps.clock.now() + config.requestTimeoutMs }),
    };
    if (config.tls) clientOptions.credentials = await readTls(config, deps.readFile ?? ((f) => fs.readFile(f)));
    if (config.auth) clientOptions.auth = { username: config.auth.username, password: await readPassword(config, deps.secrets) };

    let client: Etcd3;
    try {
      client = new Etcd3(clientOptions);
    } catch (err) {
      throw new AppError('INVALID_INPUT', `cannot set up the etcd client for ${config.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (config.auth && config.tls?.serverName) authenticateOverSessionChannels(client);
    const session = new EtcdSession(config, client, endpoints, deps.clock);
    if (options.verify ?? true) {
      try {
        await client.maintenance.status({ deadline: deps.clock.now() + config.dialTimeoutMs });
      } catch (err) {
        session.dispose();
        throw etcdError(err, `cannot connect to etcd "${config.name}"`, endpoints.join(','));
      }
    }
    return session;
  }

  get id(): string {
    return this.config.id;
  }

  /** The endpoint(s) as one string, for messages and backup files. */
  get endpoint(): string {
    return this.endpoints.join(',');
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Call options with the session's request deadline (for calls made directly on client.kv etc.). */
  callOptions(timeoutMs = this.config.requestTimeoutMs): EtcdCallOptions {
    return { deadline: this.clock.now() + timeoutMs };
  }

  /** Wraps a failure of `what` into an AppError naming this session's endpoint. */
  error(err: unknown, what: string): AppError {
    return etcdError(err, what, this.endpoint);
  }

  /** Runs an etcd call, turning failures into AppErrors; refuses once disposed. */
  async call<T>(what: string, fn: (client: Etcd3) => Promise<T>): Promise<T> {
    if (this.disposed) throw new AppError('UNAVAILABLE', `${what}: the etcd session "${this.config.name}" is closed`);
    try {
      return await fn(this.client);
    } catch (err) {
      throw this.error(err, what);
    }
  }

  /** Members, leader, version, DB size, raft index and alarms, as the answering member sees them. */
  async status(): Promise<ClusterStatus> {
    return this.call('etcd status', async (c) => {
      const [st, ml, al] = await Promise.all([
        c.maintenance.status(this.callOptions()),
        c.cluster.memberList({}, this.callOptions()),
        c.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' }, this.callOptions()),
      ]);
      const members: EtcdMember[] = (ml.members ?? []).map((m) => ({
        id: String(m.ID),
        idHex: idToHex(String(m.ID)),
        name: m.name ?? '',
        peerUrls: m.peerURLs ?? [],
        clientUrls: m.clientURLs ?? [],
        isLearner: Boolean(m.isLearner),
        isLeader: String(m.ID) === String(st.leader),
      }));
      return {
        endpoint: this.endpoint,
        clusterId: String(st.header.cluster_id),
        memberId: String(st.header.member_id),
        leaderId: String(st.leader),
        version: st.version,
        dbSizeBytes: Number(st.dbSize),
        dbSizeInUseBytes: Number(st.dbSizeInUse ?? st.dbSize),
        raftIndex: Number(st.raftIndex),
        raftAppliedIndex: Number(st.raftAppliedIndex ?? st.raftIndex),
        raftTerm: Number(st.raftTerm),
        revision: Number(st.header.revision),
        members,
        alarms: (al.alarms ?? []).map((a) => ({ memberId: String(a.memberID), alarm: String(a.alarm).toUpperCase() })),
        errors: st.errors ?? [],
        atMs: this.clock.now(),
      };
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.client.close();
  }
}

interface AuthClientLike {
  authenticate(req: { name: string; password: string }, options: unknown, cb: (err: Error | null, res?: { token: string }) => void): void;
}
interface PoolInternals {
  hosts?: { host: string; getServiceClient(name: 'Auth'): AuthClientLike }[];
  authenticator?: { getCredentialsFromHost?: (address: string, name: string, password: string, callOptions: unknown) => Promise<string> };
}

/**
 * etcd3 fetches the auth token over a channel of its own, made without the session's gRPC
 * options, so a TLS server name override (the certificate names etcd.example, the dialled
 * address is a tunnel's 127.0.0.1) would fail there. Route the token request through the
 * session's own channel, which has the override. Left alone if etcd3's internals differ.
 */
function authenticateOverSessionChannels(client: Etcd3): void {
  const pool = (client as unknown as { pool?: PoolInternals }).pool;
  const hosts = pool?.hosts;
  const auth = pool?.authenticator;
  if (!hosts?.length || !auth || typeof auth.getCredentialsFromHost !== 'function') return;
  auth.getCredentialsFromHost = (address, name, password, callOptions) => {
    const host = hosts.find((h) => h.host === address) ?? hosts[0]!;
    return new Promise<string>((resolve, reject) => {
      host.getServiceClient('Auth').authenticate({ name, password }, callOptions ?? {}, (err, res) => {
        if (err) reject(castGrpcError(err));
        else resolve(res?.token ?? '');
      });
    });
  };
}

async function resolveEndpoints(config: EtcdSessionConfig, deps: EtcdSessionDeps): Promise<string[]> {
  const scheme = config.tls ? 'https' : 'http';
  let raw: string[];
  if (config.target.kind === 'direct') {
    raw = config.target.endpoints;
  } else {
    if (!deps.forwards) throw new AppError('UNSUPPORTED', `etcd "${config.name}" goes through a tunnel, but no tunnel service was given`);
    const { host, port } = await deps.forwards.resolveForward(config.target.tunnelId, config.target.forwardId);
    raw = [`${host.includes(':') ? `[${host}]` : host}:${port}`];
  }
  return raw.map((e) => {
    const m = /^(https?):\/\//.exec(e);
    if (!m) return `${scheme}://${e}`;
    if (m[1] !== scheme) {
      throw new AppError('INVALID_INPUT', `endpoint ${e} is ${m[1]}:// but TLS is ${config.tls ? 'configured' : 'not configured'} for "${config.name}"`, {
        hint: config.tls ? 'Use https:// endpoints (or a bare host:port) with TLS.' : 'Add the TLS settings, or use http://.',
      });
    }
    return e;
  });
}

async function readTls(config: EtcdSessionConfig, readFile: (f: string) => Promise<Buffer>): Promise<NonNullable<IOptions['credentials']>> {
  const tls = config.tls!;
  const read = async (file: string | undefined, what: string): Promise<Buffer | undefined> => {
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (err) {
      throw new AppError('NOT_FOUND', `cannot read the ${what} ${file} for etcd "${config.name}": ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const [ca, cert, key] = await Promise.all([read(tls.caFile, 'CA file'), read(tls.certFile, 'client certificate'), read(tls.keyFile, 'client key')]);
  // No caFile: gRPC uses the system roots (createSsl with a null root certificate).
  return { rootCertificate: ca as Buffer, certChain: cert, privateKey: key };
}

async function readPassword(config: EtcdSessionConfig, secrets: EtcdSessionDeps['secrets']): Promise<string> {
  const id = config.auth!.passwordSecretId;
  if (!secrets) throw new AppError('UNSUPPORTED', `etcd "${config.name}" needs a password, but no secret store was given`);
  const password = await secrets.get(id);
  if (password === undefined) {
    throw new AppError('NOT_FOUND', `the password for etcd user "${config.auth!.username}" is not in the secret store (${id})`, {
      hint: 'Store it under Settings → Secrets with that id.',
    });
  }
  return password;
}

/** Several sessions at once, by id. Opening an id that is open replaces (and closes) the old session. */
export { forwardAddress, type ForwardAddress, type TunnelForwardResolver };

export class EtcdSessionRegistry implements Disposable {
  private readonly sessions = new Map<string, EtcdSession>();

  constructor(private readonly deps: EtcdSessionDeps) {}

  async open(config: EtcdSessionConfigInput, options?: OpenOptions): Promise<EtcdSession> {
    const session = await EtcdSession.open(config, this.deps, options);
    this.sessions.get(session.id)?.dispose();
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): EtcdSession {
    const s = this.sessions.get(id);
    if (!s) throw new AppError('NOT_FOUND', `no open etcd session "${id}"`);
    return s;
  }

  list(): EtcdSession[] {
    return [...this.sessions.values()];
  }

  close(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    this.sessions.delete(id);
    s.dispose();
    return true;
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }
}
