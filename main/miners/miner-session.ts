import { setMaxListeners } from 'node:events';
import type { Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableBase, Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { deriveCollection, jsonEqual, liveKeys, type SourceHealth, type ViaTunnel } from '../contract/live';
import type {
  LotusEndpointConfig,
  MinerAccess,
  MinerAlert,
  MinerCliSource,
  MinerJob,
  MinerLiveItem,
  MinerLiveJob,
  MinerLiveWorker,
  MinerRpcSource,
  MinerSessionConfig,
  MinerSnapshot,
  MinerWorker,
  WorkerHardware,
} from '../contract/miners';
import { hostPort } from '../contract/net-address';
import { routeLabel } from '../contract/ssh';
import { LivePoller } from '../live/live-poller';
import { LivePublisher } from '../live/live-publisher';
import type { SecretStore } from '../settings/secret-store';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { readyConnection } from '../ssh/run-on-hosts';
import { sshRoute } from '../ssh/ssh-route';
import type { ForwardAddress } from '../tunnels/tunnel-endpoints';
import { CliMinerSource, type CliExec } from './cli/cli-miner-source';
import { DEFAULT_CLI_COMMANDS } from './cli/lotus-cli-commands';
import { MinerAlertTracker } from './miner-alerts';
import { jobsByState, MinerHistoryRing } from './miner-history';
import type { MinerSource } from './miner-source';
import { LotusRpcClient } from './rpc/lotus-rpc-client';
import type { RpcSubscription } from './rpc/lotus-ws-connection';
import { RpcMinerSource } from './rpc/rpc-miner-source';

/** What a miner session needs of the tunnels feature (the TunnelManager has all of it). */
export interface MinerTunnelLink {
  resolveForward(tunnelId: string, forwardId: string): ForwardAddress | Promise<ForwardAddress>;
  via(tunnelId: string): ViaTunnel | undefined;
  readonly onDidChangeStatus: Event<{ profileId: string }>;
}

export interface MinerSessionDeps {
  clock: Clock;
  secrets: Pick<SecretStore, 'get'>;
  tunnels?: MinerTunnelLink | undefined;
  sshPool?: SshConnectionPool | undefined;
  log?: ((line: string) => void) | undefined;
  /** Wait before subscribing to ChainNotify again after it failed (default 30 s). */
  chainNotifyRetryMs?: number | undefined;
  /** Host readings for a worker lotus reports none for (Fleet's latest probe of the worker's host). */
  hardware?: ((worker: MinerWorker) => WorkerHardware | undefined) | undefined;
}

/** Tokens to use instead of the stored ones (the form's "Test"). */
export interface TokenOverride {
  minerToken?: string | undefined;
  fullNodeToken?: string | undefined;
}

/** The secret-store ids Drover uses for a session's tokens. */
export function minerTokenSecretId(sessionId: string): string {
  return `miners:${sessionId}:miner-token`;
}
export function fullNodeTokenSecretId(sessionId: string): string {
  return `miners:${sessionId}:full-node-token`;
}

/** One poll's result as the poller hands it over (the publisher below takes it apart). */
type SessionFrame = { snapshot: Readonly<Record<string, MinerSnapshot>> };

/** The poller's publisher: keeps the session's health (and says when it changes); data goes to the session, never diffed here. */
class SessionPublisher extends LivePublisher<SessionFrame> {
  private readonly healthEmitter = new Emitter<SourceHealth>();
  readonly onDidChangeHealth = this.healthEmitter.event;

  constructor(
    clock: Clock,
    private readonly onData: (snap: MinerSnapshot, atMs: number) => void,
  ) {
    super({ initial: { snapshot: {} }, clock, health: { state: 'connecting' } });
  }

  override set(data: SessionFrame, atMs?: number): void {
    const snap = data.snapshot.current;
    if (snap) this.onData(snap, atMs ?? snap.source.takenAtMs);
  }

  override setHealth(next: Parameters<LivePublisher<SessionFrame>['setHealth']>[0]): void {
    const before = this.currentHealth;
    super.setHealth(next);
    if (this.currentHealth !== before) this.healthEmitter.fire(this.currentHealth);
  }

  protected override onDispose(): void {
    super.onDispose();
    this.healthEmitter.dispose();
  }
}

function describeEndpoint(ep: LotusEndpointConfig): string {
  return `${ep.url}${ep.tunnel ? ` via tunnel ${ep.tunnel.tunnelId}` : ''}`;
}

export function sessionWhere(config: MinerSessionConfig): string {
  const s = config.source;
  return s.kind === 'rpc' ? `rpc ${describeEndpoint(s.miner)}` : `cli ${routeLabel(s.ssh.target, s.ssh.jumps)}`;
}

/** The URL with its host:port replaced by the tunnel forward's local address. */
async function resolveUrl(ep: LotusEndpointConfig, tunnels: MinerTunnelLink | undefined): Promise<string> {
  if (!ep.tunnel) return ep.url;
  if (!tunnels) throw new AppError('UNAVAILABLE', `tunnels are not available here, and ${ep.url} is to be reached through tunnel "${ep.tunnel.tunnelId}"`);
  const addr = await tunnels.resolveForward(ep.tunnel.tunnelId, ep.tunnel.forwardId);
  const u = new URL(ep.url);
  u.host = hostPort(addr.host, addr.port);
  return u.toString();
}

function accessOf(snap: MinerSnapshot, kind: 'rpc' | 'cli'): MinerAccess {
  if (snap.problems.some((p) => p.code === 'PERMISSION_DENIED')) return 'read';
  if (kind === 'cli') return 'admin';
  return Object.keys(snap.workers).length > 0 || snap.problems.every((p) => !/WorkerStats|WorkerJobs/.test(p.source)) ? 'admin' : 'unknown';
}

/** Same top-level fields with the same primitive values (live jobs hold primitives only). */
function shallowEqual(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] !== y[k]) return false;
    n++;
  }
  for (const _k in y) n--;
  return n === 0;
}

/** A live job: times that move every poll left out when startMs says it all; CLI startMs kept steady. */
export function liveJob(sessionId: string, job: MinerJob, prev: MinerLiveJob | undefined, usualMs: number | undefined): MinerLiveJob {
  let startMs = job.startMs;
  // CLI start times are read back from rounded text: keep the previous one when it is within the rounding.
  if (startMs !== undefined && prev?.startMs !== undefined && Math.abs(prev.startMs - startMs) < 2_000) startMs = prev.startMs;
  // Built field by field (no delete): the objects stay in V8's fast mode, which the diff relies on.
  const out: Record<string, unknown> = {};
  const src = job as Record<string, unknown>;
  for (const k in src) {
    if (startMs !== undefined && (k === 'runningMs' || k === 'timeText')) continue;
    const v = k === 'startMs' ? startMs : src[k];
    if (v !== undefined) out[k] = v;
  }
  out.sessionId = sessionId;
  if (usualMs !== undefined) out.usualMs = usualMs;
  // Unchanged: the very same object, so the publisher's diff skips it by identity.
  return prev !== undefined && shallowEqual(prev, out) ? prev : (out as MinerLiveJob);
}

/**
 * Records that `next` was built from `prev`: only the `changed` keys (and prev's keys that next
 * lacks) hold another item (see deriveCollection). `still`: how many of next's keys prev has.
 */
function recordBuilt(next: Record<string, object>, prev: Readonly<Record<string, object>>, keys: string[], changed: string[], still: number): void {
  const prevKeys = liveKeys(prev);
  if (still !== prevKeys.length) for (const k of prevKeys) if (!Object.prototype.hasOwnProperty.call(next, k)) changed.push(k);
  deriveCollection(next, prev, changed, keys);
}

/**
 * A snapshot's workers and jobs as miners.live carries them: keyed `${sessionId}/…`, jobs without
 * the times that move every poll (see liveJob). prevJobs: the session's previous live jobs.
 */
export function liveCollections(
  sessionId: string,
  snap: Pick<MinerSnapshot, 'workers' | 'jobs'>,
  prevJobs: Readonly<Record<string, MinerLiveJob>>,
  usualMs: (workerId: string | undefined, task: string) => number | undefined = () => undefined,
  prevWorkers?: Readonly<Record<string, MinerLiveWorker>>,
): { workers: Record<string, MinerLiveWorker>; jobs: Record<string, MinerLiveJob> } {
  // Keys hold a "/", so they can never be "__proto__": plain assignment is safe (and keeps the objects fast).
  const workers: Record<string, MinerLiveWorker> = {};
  const workerKeys: string[] = [];
  const workersChanged: string[] = [];
  let workersStill = 0;
  for (const wid in snap.workers) {
    const k = `${sessionId}/${wid}`;
    const item = { ...snap.workers[wid]!, sessionId };
    const before = prevWorkers && Object.prototype.hasOwnProperty.call(prevWorkers, k) ? prevWorkers[k] : undefined;
    const kept = before !== undefined && jsonEqual(before, item) ? before : item;
    workers[k] = kept;
    workerKeys.push(k);
    if (before !== undefined) workersStill++;
    if (kept !== before) workersChanged.push(k);
  }
  const jobs: Record<string, MinerLiveJob> = {};
  const jobKeys: string[] = [];
  const jobsChanged: string[] = [];
  let jobsStill = 0;
  for (const key in snap.jobs) {
    const k = `${sessionId}/${key}`;
    const j = snap.jobs[key]!;
    const before = Object.prototype.hasOwnProperty.call(prevJobs, k) ? prevJobs[k] : undefined;
    const item = liveJob(sessionId, j, before, usualMs(j.workerId, j.taskShort));
    jobs[k] = item;
    jobKeys.push(k);
    if (before !== undefined) jobsStill++;
    if (item !== before) jobsChanged.push(k);
  }
  // Which keys changed, for the publisher's diff (it then looks at these only, not at 20,000 jobs).
  recordBuilt(jobs, prevJobs, jobKeys, jobsChanged, jobsStill);
  if (prevWorkers) recordBuilt(workers, prevWorkers, workerKeys, workersChanged, workersStill);
  return { workers, jobs };
}

/**
 * One saved miner session: its MinerSource (JSON-RPC API, direct or through a tunnel forward, or
 * lotus-miner over SSH), one LivePoller (polls never overlap; ChainNotify over the WebSocket polls
 * early on a new head), the session's health, and what it turns each snapshot into: live workers,
 * jobs and the miner item, alerts, and chart history.
 */
export class MinerSession extends DisposableBase {
  private configValue: MinerSessionConfig;
  private readonly publisher: SessionPublisher;
  private poller: LivePoller<SessionFrame> | undefined;
  private source: MinerSource | undefined;
  private sourceKey: string | undefined;
  private fullNodeClient: LotusRpcClient | undefined;
  private minerClient: LotusRpcClient | undefined;
  private chainSub: RpcSubscription | undefined;
  private chainRetry: Disposable | undefined;
  private chainGen = 0;
  private chainState: MinerLiveItem['chainNotify'] = 'off';
  private lease: { dispose(): void; key: string; exec: CliExec } | undefined;
  readonly tracker: MinerAlertTracker;
  readonly historyRing: MinerHistoryRing;
  private snapshotValue: MinerSnapshot | undefined;
  private accessValue: MinerAccess = 'unknown';
  workers: Record<string, MinerLiveWorker> = {};
  jobs: Record<string, MinerLiveJob> = {};
  private jobsByStateValue: Record<string, number> = {};
  private readonly changeEmitter = this.register(new Emitter<'data' | 'health'>());
  /** New data (workers, jobs, alerts, item) or a new health. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    config: MinerSessionConfig,
    private readonly deps: MinerSessionDeps,
  ) {
    super();
    this.configValue = config;
    this.tracker = new MinerAlertTracker(config.id, config.alerts);
    this.historyRing = new MinerHistoryRing(config.id, config.pollIntervalSec * 1000);
    this.publisher = this.register(new SessionPublisher(deps.clock, (snap, atMs) => this.apply(snap, atMs)));
    this.register(this.publisher.onDidChangeHealth(() => this.changeEmitter.fire('health')));
    if (deps.tunnels) this.register(deps.tunnels.onDidChangeStatus((s) => this.onTunnelChange(s.profileId)));
  }

  get id(): string {
    return this.configValue.id;
  }
  get config(): MinerSessionConfig {
    return this.configValue;
  }
  get health(): SourceHealth {
    return this.publisher.currentHealth;
  }
  get snapshot(): MinerSnapshot | undefined {
    return this.snapshotValue;
  }
  get access(): MinerAccess {
    return this.accessValue;
  }
  get alerts(): Readonly<Record<string, MinerAlert>> {
    return this.tracker.alerts;
  }
  get isPolling(): boolean {
    return this.poller?.isPolling ?? false;
  }
  get rounds(): number {
    return this.poller?.roundCount ?? 0;
  }

  start(): void {
    if (this.poller || this.isDisposed) return;
    if (this.configValue.paused) {
      this.publisher.setHealth({ state: 'down', cause: new AppError('CANCELLED', 'polling is paused', { hint: 'Resume the session to read the miner again.' }).toData() });
      return;
    }
    this.publisher.setHealth({ state: 'connecting' });
    const intervalMs = this.configValue.pollIntervalSec * 1000;
    this.poller = new LivePoller<SessionFrame>({
      publisher: this.publisher,
      clock: this.deps.clock,
      intervalMs,
      timeoutMs: Math.max(30_000, intervalMs * 3, this.configValue.source.kind === 'cli' ? this.configValue.source.commandTimeoutSec * 1000 + 5_000 : 0),
      via: () => this.viaIfTunnelDown(),
      poll: async (signal) => {
        // One poll makes a few dozen calls or commands, each listening to this signal.
        setMaxListeners(200, signal);
        return { snapshot: { current: await (await this.currentSource()).poll(signal) } };
      },
    });
    this.poller.start();
  }

  private stop(): void {
    this.poller?.dispose();
    this.poller = undefined;
    this.closeSource();
  }

  /** Applies edited settings: the poller and source start over, data and history are kept. */
  reconfigure(config: MinerSessionConfig): void {
    this.configValue = config;
    this.tracker.setThresholds(config.alerts);
    this.historyRing.setPollInterval(config.pollIntervalSec * 1000);
    this.stop();
    this.lease?.dispose();
    this.lease = undefined;
    this.start();
    this.changeEmitter.fire('data');
  }

  pollNow(): void {
    this.poller?.pollNow();
  }

  /** The tunnel, when an endpoint goes through one that is not up (it is then the cause). */
  viaIfTunnelDown(): ViaTunnel | undefined {
    const s = this.configValue.source;
    if (s.kind !== 'rpc') return undefined;
    for (const ep of [s.miner, s.fullNode]) {
      if (!ep?.tunnel) continue;
      const via = this.deps.tunnels?.via(ep.tunnel.tunnelId);
      if (!via) return { tunnelId: ep.tunnel.tunnelId, name: ep.tunnel.tunnelId, state: 'missing' };
      if (via.state !== 'up') return via;
    }
    return undefined;
  }

  private onTunnelChange(profileId: string): void {
    const s = this.configValue.source;
    if (s.kind !== 'rpc' || ![s.miner, s.fullNode].some((ep) => ep?.tunnel?.tunnelId === profileId)) return;
    const via = this.deps.tunnels?.via(profileId);
    if (via?.state === 'up') this.pollNow();
    else if (this.publisher.currentHealth.state !== 'connecting' || this.snapshotValue) {
      // Say so at once rather than at the next failed poll.
      const h = this.publisher.currentHealth;
      this.publisher.setHealth({
        state: 'down',
        cause: new AppError('UNAVAILABLE', `tunnel "${via?.name ?? profileId}" is ${via?.state ?? 'missing'}`, { hint: `Start the tunnel "${via?.name ?? profileId}" on the Tunnels page.` }).toData(),
        ...(via ? { via } : { via: { tunnelId: profileId, name: profileId, state: 'missing' } }),
        ...(h.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: h.nextAttemptAtMs } : {}),
      });
    }
  }

  // ---------------------------------------------------------------- sources

  /** The source for the current settings (made again when a URL, a tunnel port or a token changed). */
  async currentSource(): Promise<MinerSource> {
    if (this.isDisposed) throw new AppError('UNAVAILABLE', `the miner session "${this.configValue.name}" was closed`);
    const s = this.configValue.source;
    if (s.kind === 'cli') {
      if (!this.source) this.source = this.makeCliSource(s);
      return this.source;
    }
    const made = await buildRpcParts(this.configValue.id, s, this.deps);
    if (this.source && made.key === this.sourceKey) return this.source;
    this.closeSource();
    const miner = new LotusRpcClient({ url: made.minerUrl, ...(made.minerToken ? { token: made.minerToken } : {}), transport: s.transport, clock: this.deps.clock, label: 'lotus-miner API' });
    const fullNode = made.fullUrl ? new LotusRpcClient({ url: made.fullUrl, ...(made.fullToken ? { token: made.fullToken } : {}), transport: s.transport, clock: this.deps.clock, label: 'lotus full node API' }) : undefined;
    this.minerClient = miner;
    this.fullNodeClient = fullNode;
    this.source = new RpcMinerSource({ miner, ...(fullNode ? { fullNode } : {}), clock: this.deps.clock, snapshot: { storage: s.storage }, owned: fullNode ? [miner, fullNode] : [miner] });
    this.sourceKey = made.key;
    if (fullNode && s.chainNotify) this.subscribeChain(fullNode);
    return this.source;
  }

  /** The miner API client of an rpc session (for the worker API's token and diagnostics). */
  async minerToken(): Promise<string | undefined> {
    const s = this.configValue.source;
    if (s.kind !== 'rpc') return undefined;
    return (await buildRpcParts(this.configValue.id, s, this.deps)).minerToken;
  }

  private makeCliSource(s: MinerCliSource): MinerSource {
    const pool = this.deps.sshPool;
    if (!pool) throw new AppError('UNAVAILABLE', 'SSH is not available here');
    const lease = pool.acquire(sshRoute(s.ssh));
    const exec: CliExec = async (argv, signal) => {
      const conn = await readyConnection(lease, signal);
      const r = await conn.exec(argv, { signal });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    };
    this.lease = { dispose: () => lease.dispose(), key: '', exec };
    const env: Record<string, string> = { ...s.env };
    if (s.minerPath) env.LOTUS_MINER_PATH = s.minerPath;
    return new CliMinerSource({
      exec,
      clock: this.deps.clock,
      ...(s.program ? { program: s.program } : {}),
      env,
      commands: s.sectorsList ? [...DEFAULT_CLI_COMMANDS, 'sectorsList'] : DEFAULT_CLI_COMMANDS,
      timeoutMs: s.commandTimeoutSec * 1000,
    });
  }

  private closeSource(): void {
    this.chainGen++;
    this.chainSub?.dispose();
    this.chainSub = undefined;
    this.chainRetry?.dispose();
    this.chainRetry = undefined;
    this.chainState = 'off';
    this.source?.dispose();
    this.source = undefined;
    this.sourceKey = undefined;
    this.minerClient = undefined;
    this.fullNodeClient = undefined;
    this.lease?.dispose();
    this.lease = undefined;
  }

  get chainNotifyState(): MinerLiveItem['chainNotify'] {
    return this.chainState;
  }

  private setChainState(state: MinerLiveItem['chainNotify']): void {
    if (state === this.chainState) return;
    this.chainState = state;
    this.changeEmitter.fire('data');
  }

  private subscribeChain(client: LotusRpcClient): void {
    const gen = ++this.chainGen;
    this.setChainState('connecting');
    const retry = () => {
      if (gen !== this.chainGen || this.isDisposed) return;
      this.setChainState('failed');
      this.chainRetry?.dispose();
      this.chainRetry = this.deps.clock.setTimeout(() => {
        this.chainRetry = undefined;
        if (gen === this.chainGen && this.fullNodeClient === client) this.subscribeChain(client);
      }, this.deps.chainNotifyRetryMs ?? 30_000);
    };
    client
      .chainNotify({
        next: (changes) => {
          if (gen !== this.chainGen) return;
          this.setChainState('live');
          if (changes.some((c) => c.type === 'apply')) this.pollNow();
        },
        end: (err) => {
          if (gen !== this.chainGen) return;
          this.chainSub = undefined;
          this.deps.log?.(`miners ${this.configValue.id}: ChainNotify ended${err ? `: ${err.message}` : ''}`);
          retry();
        },
      })
      .then(
        (sub) => {
          if (gen !== this.chainGen) sub.dispose();
          else this.chainSub = sub;
        },
        (err: unknown) => {
          this.deps.log?.(`miners ${this.configValue.id}: ChainNotify: ${AppError.from(err).message}`);
          retry();
        },
      );
  }

  // ---------------------------------------------------------------- data

  private apply(snap: MinerSnapshot, atMs: number): void {
    const id = this.configValue.id;
    this.snapshotValue = snap;
    this.accessValue = accessOf(snap, snap.source.kind);
    this.tracker.update(snap, atMs);
    const hardware = this.deps.hardware;
    let workers = snap.workers;
    if (hardware) {
      workers = {};
      for (const wid in snap.workers) {
        const w = snap.workers[wid]!;
        const hw = w.hardware ? undefined : hardware(w);
        workers[wid] = hw ? { ...w, hardware: hw } : w;
      }
    }
    const live = liveCollections(id, { workers, jobs: snap.jobs }, this.jobs, (w, t) => this.tracker.usualMs(w, t), this.workers);
    this.workers = live.workers;
    this.jobs = live.jobs;
    this.jobsByStateValue = jobsByState(snap.jobs);
    this.historyRing.add(snap, atMs, this.jobsByStateValue);
    this.changeEmitter.fire('data');
  }

  /** The session's item in miners.live "miners". */
  item(): MinerLiveItem {
    const c = this.configValue;
    const snap = this.snapshotValue;
    return {
      sessionId: c.id,
      name: c.name,
      kind: c.source.kind,
      where: sessionWhere(c),
      paused: c.paused,
      health: this.publisher.currentHealth,
      access: this.accessValue,
      chainNotify: this.chainState,
      ...(snap ? { overview: snap.overview, takenAtMs: snap.source.takenAtMs } : {}),
      ...(snap?.source.durationMs !== undefined ? { durationMs: snap.source.durationMs } : {}),
      pollIntervalMs: c.pollIntervalSec * 1000,
      workerCount: liveKeys(this.workers).length,
      jobCount: liveKeys(this.jobs).length,
      jobsByState: this.jobsByStateValue,
      problems: snap?.problems ?? [],
    };
  }

  protected override onDispose(): void {
    this.stop();
  }
}

/** URLs (tunnel forwards resolved) and tokens of an rpc source, and a key that changes when any of them does. */
export async function buildRpcParts(sessionId: string, s: MinerRpcSource, deps: Pick<MinerSessionDeps, 'secrets' | 'tunnels'>, override: TokenOverride = {}) {
  const minerUrl = await resolveUrl(s.miner, deps.tunnels);
  const fullUrl = s.fullNode ? await resolveUrl(s.fullNode, deps.tunnels) : undefined;
  const minerToken = override.minerToken ?? (s.miner.tokenSecretId ? await deps.secrets.get(s.miner.tokenSecretId) : undefined);
  const fullToken = override.fullNodeToken ?? (s.fullNode?.tokenSecretId ? await deps.secrets.get(s.fullNode.tokenSecretId) : undefined);
  void sessionId;
  return { minerUrl, fullUrl, minerToken, fullToken, key: JSON.stringify([minerUrl, fullUrl, minerToken, fullToken, s.transport, s.storage, s.chainNotify]) };
}
