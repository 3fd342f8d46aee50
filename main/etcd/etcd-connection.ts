import type { Clock } from '../contract/clock';
import type { EtcdSessionConfig, EtcdStatusLiveData } from '../contract/etcd';
import { AppError } from '../contract/errors';
import { DisposableBase, Emitter, type Event } from '../contract/lifecycle';
import type { SourceHealth, ViaTunnel } from '../contract/live';
import { LivePoller } from '../live/live-poller';
import { LivePublisher } from '../live/live-publisher';
import type { SecretStore } from '../settings/secret-store';
import type { ForwardAddress } from '../tunnels/tunnel-endpoints';
import { EtcdSession } from './etcd-session';

/** What an etcd connection needs of the tunnels feature (the TunnelManager has all of it). */
export interface TunnelLink {
  resolveForward(tunnelId: string, forwardId: string): ForwardAddress | Promise<ForwardAddress>;
  /** The tunnel as a source names it in its health; undefined when there is no such tunnel. */
  via(tunnelId: string): ViaTunnel | undefined;
  /** Every state change of a tunnel or one of its forwards. */
  readonly onDidChangeStatus: Event<{ profileId: string }>;
}

export interface EtcdConnectionDeps {
  clock: Clock;
  secrets?: Pick<SecretStore, 'get'>;
  tunnels?: TunnelLink;
  log?: (line: string) => void;
  /** How often the cluster status is read while the connection is open (default 5 s). */
  statusIntervalMs?: number;
}

/** A LivePublisher that says when its health changes (the session list shows every session's health). */
class HealthPublisher extends LivePublisher<EtcdStatusLiveData> {
  private readonly healthEmitter = new Emitter<SourceHealth>();
  readonly onDidChangeHealth = this.healthEmitter.event;

  override setHealth(next: Parameters<LivePublisher<EtcdStatusLiveData>['setHealth']>[0]): void {
    const before = this.currentHealth;
    super.setHealth(next);
    if (this.currentHealth !== before) this.healthEmitter.fire(this.currentHealth);
  }

  protected override onDispose(): void {
    super.onDispose();
    this.healthEmitter.dispose();
  }
}

/**
 * One saved etcd session, connected on first use: it opens the EtcdSession lazily, reads the
 * cluster status every few seconds through the one LivePoller (source health: live, down with the
 * cause, and the Drover tunnel when the target is a tunnel that is not up), and follows its tunnel:
 * when the tunnel comes back the status is read again at once and watches reconnect without
 * waiting for their backoff; when the tunnel's forward listens on another port, the session is
 * reopened there. reconfigure() applies edited settings; disconnect() closes until the next use.
 */
export class EtcdConnection extends DisposableBase {
  readonly status: HealthPublisher;
  private poller: LivePoller<EtcdStatusLiveData> | undefined;
  private current: EtcdSession | undefined;
  private opening: Promise<EtcdSession> | undefined;
  private generation = 0;
  private configValue: EtcdSessionConfig;
  private readonly changeEmitter = this.register(new Emitter<void>());
  private readonly tunnelUpEmitter = this.register(new Emitter<void>());
  /** Health, endpoints or config changed. */
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  /** The tunnel this session goes through is up again: watches reconnect now. */
  readonly onDidTunnelComeUp: Event<void> = this.tunnelUpEmitter.event;
  private lastTunnelState: string | undefined;

  constructor(
    config: EtcdSessionConfig,
    private readonly deps: EtcdConnectionDeps,
  ) {
    super();
    this.configValue = config;
    this.status = this.register(new HealthPublisher({ initial: { cluster: {} }, clock: deps.clock, health: { state: 'connecting' } }));
    this.register(this.status.onDidChangeHealth(() => this.changeEmitter.fire()));
    if (deps.tunnels) this.register(deps.tunnels.onDidChangeStatus((s) => this.onTunnelChange(s.profileId)));
  }

  get id(): string {
    return this.configValue.id;
  }

  get config(): EtcdSessionConfig {
    return this.configValue;
  }

  /** The connection is in use (opened, or trying to open). */
  get isOpen(): boolean {
    return this.poller !== undefined;
  }

  get health(): SourceHealth {
    return this.status.currentHealth;
  }

  /** The URLs dialled by the open session, if any. */
  get endpoints(): readonly string[] {
    return this.current && !this.current.isDisposed ? this.current.endpoints : [];
  }

  /** The tunnel, when the session goes through one that is not up (it is then the cause). */
  viaIfTunnelDown(): ViaTunnel | undefined {
    const t = this.configValue.target;
    if (t.kind !== 'tunnel' || !this.deps.tunnels) return undefined;
    const via = this.deps.tunnels.via(t.tunnelId);
    if (!via) return { tunnelId: t.tunnelId, name: t.tunnelId, state: 'missing' };
    return via.state === 'up' ? undefined : via;
  }

  /** Starts the status poller (idempotent): from now on the session's health is tracked. */
  activate(): void {
    if (this.poller || this.isDisposed) return;
    this.status.setHealth({ state: 'connecting' });
    this.poller = new LivePoller<EtcdStatusLiveData>({
      publisher: this.status,
      clock: this.deps.clock,
      intervalMs: this.deps.statusIntervalMs ?? 5_000,
      timeoutMs: Math.max(10_000, this.configValue.requestTimeoutMs + 1_000),
      via: () => this.viaIfTunnelDown(),
      poll: async () => {
        const session = await this.session();
        return { cluster: { status: await session.status() } };
      },
    });
    this.poller.start();
    this.changeEmitter.fire();
  }

  /** Reads the status now (after a change of the tunnel, or when the user asks to retry). */
  pollNow(): void {
    this.poller?.pollNow();
  }

  /** The open session (opening it, or reopening it when its tunnel forward moved). */
  async session(): Promise<EtcdSession> {
    if (this.isDisposed) throw new AppError('UNAVAILABLE', `the etcd session "${this.configValue.name}" was closed`);
    this.activate();
    const config = this.configValue;
    if (config.target.kind === 'tunnel' && this.deps.tunnels) {
      let address: ForwardAddress;
      try {
        address = await this.deps.tunnels.resolveForward(config.target.tunnelId, config.target.forwardId);
      } catch (err) {
        const e = AppError.from(err);
        const name = this.viaIfTunnelDown()?.name ?? config.target.tunnelId;
        // The tunnels feature's message names the tunnel already ("tunnel "edgegw01" is stopped; …").
        throw new AppError(e.code, e.message.includes(`"${name}"`) ? e.message : `etcd "${config.name}" goes through tunnel "${name}": ${e.message}`, {
          hint: e.hint ?? 'Start the tunnel on the Tunnels page.',
          details: { ...e.details, tunnelId: config.target.tunnelId },
        });
      }
      const hostPort = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
      const cur = this.current;
      if (cur && !cur.isDisposed && cur.endpoints[0]?.replace(/^https?:\/\//, '') !== hostPort) {
        this.deps.log?.(`etcd ${config.id}: tunnel forward moved to ${hostPort}, reopening`);
        this.closeSession();
      }
    }
    if (this.current && !this.current.isDisposed) return this.current;
    if (this.opening) return this.opening;
    const gen = this.generation;
    const opening = EtcdSession.open(config, { clock: this.deps.clock, secrets: this.deps.secrets, forwards: this.deps.tunnels }, { verify: false }).then(
      (session) => {
        if (gen !== this.generation || this.isDisposed) {
          session.dispose();
          throw new AppError('CANCELLED', `the etcd session "${config.name}" was reconfigured or closed while opening`);
        }
        this.current = session;
        this.changeEmitter.fire();
        return session;
      },
    );
    this.opening = opening;
    const clear = () => {
      if (this.opening === opening) this.opening = undefined;
    };
    opening.then(clear, clear);
    return opening;
  }

  /** Runs fn on the open session. */
  async run<T>(fn: (session: EtcdSession) => Promise<T>): Promise<T> {
    const session = await this.session();
    return fn(session);
  }

  /** New settings: the current session closes; the next use opens one with them. */
  reconfigure(config: EtcdSessionConfig): void {
    this.configValue = config;
    this.closeSession();
    this.lastTunnelState = undefined;
    if (this.poller) this.poller.pollNow();
    this.changeEmitter.fire();
  }

  /** Closes the session and stops tracking its health until the next use. */
  disconnect(): void {
    this.closeSession();
    this.poller?.dispose();
    this.poller = undefined;
    this.status.set({ cluster: {} });
    this.status.setHealth({ state: 'connecting' });
    this.changeEmitter.fire();
  }

  private closeSession(): void {
    this.generation++;
    this.opening = undefined;
    const s = this.current;
    this.current = undefined;
    s?.dispose();
  }

  private onTunnelChange(profileId: string): void {
    const t = this.configValue.target;
    if (t.kind !== 'tunnel' || t.tunnelId !== profileId || !this.poller) return;
    const state = this.deps.tunnels?.via(t.tunnelId)?.state;
    if (state === this.lastTunnelState) return;
    const was = this.lastTunnelState;
    this.lastTunnelState = state;
    this.deps.log?.(`etcd ${this.id}: tunnel ${t.tunnelId} ${was ?? '?'} -> ${state ?? 'gone'}`);
    this.poller.pollNow();
    if (state === 'up') this.tunnelUpEmitter.fire();
  }

  protected override onDispose(): void {
    this.poller?.dispose();
    this.poller = undefined;
    this.closeSession();
  }
}

