import { SecretPresence } from '../settings/secret-presence';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableBase, type Disposable } from '../contract/lifecycle';
import { setOwn, type SourceHealth, type SourceState } from '../contract/live';
import {
  MinerSessionConfigSchema,
  type MinerHistory,
  type MinerLiveItem,
  type MinerLiveJob,
  type MinerLiveWorker,
  type MinerAlert,
  type MinerSessionConfig,
  type MinerSessionItem,
  type MinerSnapshot,
  type MinerTestResult,
  type MinersLiveData,
  type MinerWorker,
  type WorkerHardware,
  type WorkerTasksResult,
  type WorkerTerminal,
} from '../contract/miners';
import { routeLabel } from '../contract/ssh';
import type { FleetHost, FleetLookup } from '../contract/fleet';
import type { Notice } from '../contract/system';
import { LivePublisher } from '../live/live-publisher';
import type { SecretStore } from '../settings/secret-store';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { fullNodeTokenSecretId, MinerSession, minerTokenSecretId, type MinerTunnelLink, type TokenOverride } from './miner-session';
import type { MinerSessionStore } from './miner-session-store';
import { LotusRpcClient } from './rpc/lotus-rpc-client';
import { setWorkerEnabled, setWorkerTask, workerTaskTypes } from './rpc/worker-control';

export interface MinersServiceDeps {
  clock?: Clock;
  secrets: SecretStore;
  tunnels?: MinerTunnelLink | undefined;
  sshPool?: SshConnectionPool | undefined;
  /** Fleet: a worker's host (its terminal) and the host's latest probe (hardware lotus does not report). */
  fleet?: { lookup(q: FleetLookup): FleetHost | undefined; workerHardware?(hostId: string): WorkerHardware | undefined } | undefined;
  store?: MinerSessionStore | undefined;
  log?: ((line: string) => void) | undefined;
  /** miners.live diff interval (default 250 ms). */
  liveIntervalMs?: number;
  chainNotifyRetryMs?: number;
}

const STATE_RANK: Record<SourceState, number> = { live: 0, connecting: 1, stale: 2, down: 3 };

function adminRefused(err: unknown, what: string, sessionName: string): AppError {
  const e = AppError.from(err);
  if (e.code === 'PERMISSION_DENIED') {
    return new AppError('PERMISSION_DENIED', `${what} needs admin permission, and the token of "${sessionName}" does not have it`, {
      hint: 'Save an admin token for this miner (lotus-miner auth create-token --perm admin), then try again.',
      details: { cause: e.message },
    });
  }
  return e;
}

/**
 * The miners feature's service: saved sessions (miners.json, tokens in the secret store), one
 * MinerSession per session (its own poller and source health), and the one miners.live publisher
 * that carries every session's miner item, workers, jobs and alerts (keyed `${sessionId}/…`).
 */
export class MinersService extends DisposableBase {
  readonly live: LivePublisher<MinersLiveData>;
  private readonly clock: Clock;
  private configs = new Map<string, MinerSessionConfig>();
  private readonly sessions = new Map<string, MinerSession>();
  private readonly secretPresence: SecretPresence;
  private readonly sessionSubs = new Map<string, Disposable>();

  constructor(private readonly deps: MinersServiceDeps) {
    super();
    this.clock = deps.clock ?? systemClock;
    this.live = this.register(
      new LivePublisher<MinersLiveData>({ initial: { miners: {}, workers: {}, jobs: {}, alerts: {} }, clock: this.clock, health: { state: 'live' }, minIntervalMs: deps.liveIntervalMs ?? 250 }),
    );
    this.secretPresence = new SecretPresence(deps.secrets);
    this.register(deps.secrets.onDidChange(() => void this.refreshSecrets()));
  }

  async init(): Promise<Notice[]> {
    let notices: Notice[] = [];
    if (this.deps.store) {
      const loaded = await this.deps.store.load();
      for (const s of loaded.items) this.configs.set(s.id, s);
      notices = loaded.notices;
    }
    await this.refreshSecrets();
    for (const c of this.configs.values()) this.openSession(c);
    this.publishAll();
    return notices;
  }

  private async refreshSecrets(): Promise<void> {
    await this.secretPresence.refresh();
  }

  private hasSecret(id: string | undefined): boolean {
    return this.secretPresence.has(id);
  }

  // ---------------------------------------------------------------- sessions

  private session(id: string): MinerSession {
    const s = this.sessions.get(id);
    if (!s) throw new AppError('NOT_FOUND', `no miner session "${id}"`, { hint: 'Add the miner on the Miners page first.' });
    return s;
  }

  private openSession(config: MinerSessionConfig): MinerSession {
    const s = new MinerSession(config, {
      clock: this.clock,
      secrets: this.deps.secrets,
      tunnels: this.deps.tunnels,
      sshPool: this.deps.sshPool,
      log: this.deps.log,
      chainNotifyRetryMs: this.deps.chainNotifyRetryMs,
      hardware: (w) => this.fleetHardware(w),
    });
    this.sessions.set(config.id, s);
    this.sessionSubs.set(config.id, s.onDidChange((what) => this.publishSession(s, what)));
    s.start();
    return s;
  }

  private closeSession(id: string): void {
    this.sessionSubs.get(id)?.dispose();
    this.sessionSubs.delete(id);
    this.sessions.get(id)?.dispose();
    this.sessions.delete(id);
  }

  private item(config: MinerSessionConfig): MinerSessionItem {
    const src = config.source;
    const s = this.sessions.get(config.id);
    return {
      config,
      hasMinerToken: src.kind === 'rpc' && this.hasSecret(src.miner.tokenSecretId),
      hasFullNodeToken: src.kind === 'rpc' && this.hasSecret(src.fullNode?.tokenSecretId),
      health: s?.health ?? { state: 'connecting', sinceMs: this.clock.now() },
    };
  }

  list(): MinerSessionItem[] {
    return [...this.configs.values()].map((c) => this.item(c));
  }

  getConfig(id: string): MinerSessionConfig {
    const c = this.configs.get(id);
    if (!c) throw new AppError('NOT_FOUND', `no miner session "${id}"`, { hint: 'Add the miner on the Miners page first.' });
    return c;
  }

  /** The session whose name or id this is (the CLI). */
  find(nameOrId: string): MinerSessionConfig | undefined {
    return this.configs.get(nameOrId) ?? [...this.configs.values()].find((c) => c.name === nameOrId);
  }

  async save(input: unknown, tokens: { minerToken?: string | undefined; fullNodeToken?: string | undefined; clearMinerToken?: boolean | undefined; clearFullNodeToken?: boolean | undefined } = {}): Promise<MinerSessionItem> {
    const parsed = MinerSessionConfigSchema.safeParse(input);
    if (!parsed.success) throw new AppError('INVALID_INPUT', `invalid miner session: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
    const config = parsed.data;
    const previous = this.configs.get(config.id);
    const src = config.source;
    if (src.kind !== 'rpc' && (tokens.minerToken !== undefined || tokens.fullNodeToken !== undefined)) {
      throw new AppError('INVALID_INPUT', 'tokens are for API sessions', { hint: 'A CLI session uses the token in the miner host\'s LOTUS_MINER_PATH.' });
    }
    if (src.kind === 'rpc') {
      const prevSrc = previous?.source.kind === 'rpc' ? previous.source : undefined;
      // The form sends the config back without secret ids: keep the stored ones unless cleared.
      src.miner.tokenSecretId ??= prevSrc?.miner.tokenSecretId;
      if (src.fullNode) src.fullNode.tokenSecretId ??= prevSrc?.fullNode?.tokenSecretId;
      if (tokens.minerToken !== undefined) {
        src.miner.tokenSecretId = minerTokenSecretId(config.id);
        await this.deps.secrets.set(src.miner.tokenSecretId, tokens.minerToken, `miner ${config.name}: lotus-miner API token`);
      } else if (tokens.clearMinerToken) {
        if (src.miner.tokenSecretId === minerTokenSecretId(config.id)) await this.deps.secrets.delete(src.miner.tokenSecretId).catch(() => false);
        delete src.miner.tokenSecretId;
      }
      if (tokens.fullNodeToken !== undefined) {
        if (!src.fullNode) throw new AppError('INVALID_INPUT', 'a full node token needs a full node URL');
        src.fullNode.tokenSecretId = fullNodeTokenSecretId(config.id);
        await this.deps.secrets.set(src.fullNode.tokenSecretId, tokens.fullNodeToken, `miner ${config.name}: lotus full node API token`);
      } else if (tokens.clearFullNodeToken && src.fullNode) {
        if (src.fullNode.tokenSecretId === fullNodeTokenSecretId(config.id)) await this.deps.secrets.delete(src.fullNode.tokenSecretId).catch(() => false);
        delete src.fullNode.tokenSecretId;
      }
    }
    const next = new Map(this.configs);
    next.set(config.id, config);
    await this.deps.store?.save([...next.values()]);
    this.configs = next;
    const existing = this.sessions.get(config.id);
    if (existing) existing.reconfigure(config);
    else this.openSession(config);
    await this.refreshSecrets();
    this.publishAll();
    return this.item(config);
  }

  async remove(id: string): Promise<void> {
    const config = this.getConfig(id);
    const next = new Map(this.configs);
    next.delete(id);
    await this.deps.store?.save([...next.values()]);
    this.configs = next;
    this.closeSession(id);
    if (config.source.kind === 'rpc') {
      for (const sid of [minerTokenSecretId(id), fullNodeTokenSecretId(id)]) if (this.secretPresence.has(sid)) await this.deps.secrets.delete(sid).catch(() => false);
    }
    await this.refreshSecrets();
    this.publishAll();
  }

  /** Reads the miner once with unsaved settings (the form's "Test"); typed tokens win over stored ones. */
  async testConnection(input: unknown, tokens: TokenOverride = {}): Promise<MinerTestResult> {
    const config = MinerSessionConfigSchema.parse(input);
    const src = config.source;
    if (src.kind === 'rpc') {
      if (tokens.minerToken !== undefined) src.miner.tokenSecretId = minerTokenSecretId(config.id);
      else src.miner.tokenSecretId ??= this.storedToken(config.id, 'miner');
      if (src.fullNode) {
        if (tokens.fullNodeToken !== undefined) src.fullNode.tokenSecretId = fullNodeTokenSecretId(config.id);
        else src.fullNode.tokenSecretId ??= this.storedToken(config.id, 'full');
      }
    }
    const probe = new MinerSession(
      { ...config, paused: true },
      {
        clock: this.clock,
        secrets: {
          get: (id) => {
            if (id === minerTokenSecretId(config.id) && tokens.minerToken !== undefined) return Promise.resolve(tokens.minerToken);
            if (id === fullNodeTokenSecretId(config.id) && tokens.fullNodeToken !== undefined) return Promise.resolve(tokens.fullNodeToken);
            return this.deps.secrets.get(id);
          },
        },
        tunnels: this.deps.tunnels,
        sshPool: this.deps.sshPool,
        log: this.deps.log,
      },
    );
    const started = this.clock.now();
    try {
      const snap = await (await probe.currentSource()).poll(AbortSignal.timeout(120_000));
      const access = snap.problems.some((p) => p.code === 'PERMISSION_DENIED') ? 'read' : src.kind === 'cli' || Object.keys(snap.workers).length > 0 ? 'admin' : 'unknown';
      return {
        kind: snap.source.kind,
        ...(snap.overview.minerId ? { minerId: snap.overview.minerId } : {}),
        access,
        workers: Object.keys(snap.workers).length,
        jobs: Object.keys(snap.jobs).length,
        durationMs: this.clock.now() - started,
        problems: snap.problems,
      };
    } finally {
      probe.dispose();
    }
  }

  private storedToken(sessionId: string, which: 'miner' | 'full'): string | undefined {
    const prev = this.configs.get(sessionId)?.source;
    if (prev?.kind !== 'rpc') return undefined;
    return which === 'miner' ? prev.miner.tokenSecretId : prev.fullNode?.tokenSecretId;
  }

  pollNow(id: string): void {
    this.session(id).pollNow();
  }

  snapshot(id: string): MinerSnapshot {
    const snap = this.session(id).snapshot;
    if (!snap) throw new AppError('NOT_FOUND', `miner "${this.getConfig(id).name}" has not been read yet`, { hint: 'Wait for the first poll (see the session\'s health).' });
    return snap;
  }

  history(id: string): MinerHistory {
    return this.session(id).historyRing.toHistory();
  }

  /** The session object (tests, CLI). */
  sessionOf(id: string): MinerSession {
    return this.session(id);
  }

  // ---------------------------------------------------------------- live

  private publishSession(s: MinerSession, what: 'data' | 'health'): void {
    if (this.sessions.get(s.id) !== s) return;
    this.live.put('miners', s.id, s.item());
    if (what === 'data') {
      this.live.setCollection('workers', this.merged((x) => x.workers));
      this.live.setCollection('jobs', this.merged((x) => x.jobs));
      this.live.setCollection('alerts', this.merged((x) => x.alerts as Record<string, MinerAlert>));
    }
    this.updateHealth();
  }

  private merged<T>(pick: (s: MinerSession) => Readonly<Record<string, T>>): Record<string, T> {
    if (this.sessions.size === 1) return pick([...this.sessions.values()][0]!) as Record<string, T>;
    const out: Record<string, T> = {};
    for (const s of this.sessions.values()) for (const [k, v] of Object.entries(pick(s))) setOwn(out, k, v);
    return out;
  }

  private publishAll(): void {
    const miners: Record<string, MinerLiveItem> = {};
    for (const s of this.sessions.values()) setOwn(miners, s.id, s.item());
    this.live.set({
      miners,
      workers: this.merged<MinerLiveWorker>((x) => x.workers),
      jobs: this.merged<MinerLiveJob>((x) => x.jobs),
      alerts: this.merged<MinerAlert>((x) => x.alerts),
    });
    this.updateHealth();
  }

  /** The stream's own health: the worst session's (live when there are none). */
  private updateHealth(): void {
    let worst: { s: MinerSession; h: SourceHealth } | undefined;
    for (const s of this.sessions.values()) {
      if (s.config.paused) continue;
      const h = s.health;
      if (!worst || STATE_RANK[h.state] > STATE_RANK[worst.h.state]) worst = { s, h };
    }
    if (!worst || worst.h.state === 'live') {
      this.live.setHealth({ state: 'live' });
      return;
    }
    const { s, h } = worst;
    this.live.setHealth({
      state: h.state,
      ...(h.cause ? { cause: { ...h.cause, message: `${s.config.name}: ${h.cause.message}` } } : {}),
      ...(h.via ? { via: h.via } : {}),
      ...(h.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: h.nextAttemptAtMs } : {}),
      ...(h.dataAtMs !== undefined ? { dataAtMs: h.dataAtMs } : {}),
    });
  }

  dismissAlert(alertId: string): void {
    const sessionId = alertId.split('/')[0] ?? '';
    const s = this.session(sessionId);
    if (!s.tracker.dismiss(alertId)) throw new AppError('NOT_FOUND', `no firing alert "${alertId}"`);
    this.publishSession(s, 'data');
  }

  // ---------------------------------------------------------------- actions

  async abortJob(sessionId: string, jobKey: string, signal?: AbortSignal): Promise<void> {
    const s = this.session(sessionId);
    const key = jobKey.startsWith(`${sessionId}/`) ? jobKey.slice(sessionId.length + 1) : jobKey;
    if (s.access === 'read') throw adminRefused(new AppError('PERMISSION_DENIED', 'read token'), `Aborting job ${key}`, s.config.name);
    const job = s.snapshot?.jobs[key];
    if (!job || !Object.prototype.hasOwnProperty.call(s.snapshot!.jobs, key)) {
      throw new AppError('NOT_FOUND', `miner "${s.config.name}" has no job ${key}`, { hint: 'It may have finished since the list was drawn.' });
    }
    try {
      await (await s.currentSource()).abortJob(job, signal);
    } catch (err) {
      throw adminRefused(err, `Aborting job ${job.id}`, s.config.name);
    }
    s.pollNow();
  }

  async setWorkerTasks(sessionId: string, workerId: string, change: { enable?: string[]; disable?: string[]; enabled?: boolean | undefined }, signal?: AbortSignal): Promise<WorkerTasksResult> {
    const s = this.session(sessionId);
    const src = s.config.source;
    if (src.kind !== 'rpc') {
      throw new AppError('UNSUPPORTED', 'task types can be changed only for miners read over the API', { hint: 'On the worker host: lotus-worker tasks enable|disable <TASK>.' });
    }
    const wid = workerId.startsWith(`${sessionId}/`) ? workerId.slice(sessionId.length + 1) : workerId;
    if (s.access === 'read') throw adminRefused(new AppError('PERMISSION_DENIED', 'read token'), `Changing the tasks of worker ${wid}`, s.config.name);
    const worker = s.snapshot?.workers[wid];
    if (!worker || !Object.prototype.hasOwnProperty.call(s.snapshot!.workers, wid)) throw new AppError('NOT_FOUND', `miner "${s.config.name}" has no worker ${wid}`);
    const urls = src.workerApi?.urls ?? {};
    const url = urls[worker.hostname] ?? urls[wid] ?? `http://${worker.hostname}:${src.workerApi?.port ?? 3456}/rpc/v0`;
    const token = await s.minerToken();
    const client = new LotusRpcClient({ url, ...(token ? { token } : {}), clock: this.clock, label: `lotus-worker API of ${worker.hostname}`, timeoutMs: 20_000 });
    const opts = signal ? { signal } : {};
    try {
      for (const t of change.enable ?? []) await setWorkerTask(client, t, true, opts);
      for (const t of change.disable ?? []) await setWorkerTask(client, t, false, opts);
      if (change.enabled !== undefined) await setWorkerEnabled(client, change.enabled, opts);
      const tasks = await workerTaskTypes(client, opts);
      const enabled = await client.call<boolean>('Enabled', [], opts).catch(() => undefined);
      return { tasks, ...(typeof enabled === 'boolean' ? { enabled } : {}), workerApi: client.endpoint };
    } catch (err) {
      throw adminRefused(err, `Changing the tasks of ${worker.hostname}`, s.config.name);
    } finally {
      client.dispose();
      s.pollNow();
    }
  }

  /** The Fleet host that names this worker: by lotus worker (hostname or id), else by hostname. */
  private fleetHost(worker: Pick<MinerWorker, 'id' | 'hostname'>): FleetHost | undefined {
    const fleet = this.deps.fleet;
    return fleet?.lookup({ lotusWorker: worker.hostname }) ?? fleet?.lookup({ lotusWorker: worker.id }) ?? fleet?.lookup({ hostname: worker.hostname });
  }

  private fleetHardware(worker: MinerWorker): WorkerHardware | undefined {
    if (!this.deps.fleet?.workerHardware) return undefined;
    const host = this.fleetHost(worker);
    return host ? this.deps.fleet.workerHardware(host.id) : undefined;
  }

  /**
   * Where a terminal on a worker's host goes: the Fleet host that names this worker (lotus worker
   * or hostname), else, for a CLI session, the worker's hostname reached through the miner host
   * (the miner login as the last jump, the same user on the worker).
   */
  workerTerminal(sessionId: string, workerId: string): WorkerTerminal {
    const s = this.session(sessionId);
    const wid = workerId.startsWith(`${sessionId}/`) ? workerId.slice(sessionId.length + 1) : workerId;
    const worker = s.snapshot && Object.prototype.hasOwnProperty.call(s.snapshot.workers, wid) ? s.snapshot.workers[wid] : undefined;
    if (!worker) throw new AppError('NOT_FOUND', `miner "${s.config.name}" has no worker ${wid}`);
    const host = this.fleetHost(worker);
    if (host) return { target: { kind: 'ssh', target: host.target, jumps: host.jumps }, how: 'fleet', label: routeLabel(host.target, host.jumps) };
    const src = s.config.source;
    if (src.kind === 'cli') {
      const target = { ...src.ssh.target, host: worker.hostname, port: 22 };
      const jumps = [...src.ssh.jumps, src.ssh.target];
      return { target: { kind: 'ssh', target, jumps }, how: 'miner-jump', label: routeLabel(target, jumps) };
    }
    throw new AppError('NOT_FOUND', `Drover does not know how to log in to ${worker.hostname}`, {
      hint: `Add the host to Fleet with lotus worker "${worker.hostname}", then open the terminal again.`,
    });
  }

  protected override onDispose(): void {
    for (const id of [...this.sessions.keys()]) this.closeSession(id);
  }
}
