import { systemClock, type Clock } from '../contract/clock';
import type { DomainHostConfig, DomainHostStatus, DomainProblem, DomainRow, HostFailure } from '../contract/domains';
import { AppError } from '../contract/errors';
import { DisposableBase, type Disposable } from '../contract/lifecycle';
import type { Keyed } from '../contract/live';
import { hopLabel, routeLabel } from '../contract/ssh';
import { LivePoller } from '../live/live-poller';
import { LivePublisher } from '../live/live-publisher';
import { collectDomains, type DomainRound } from './domain-collector';
import type { HostRunner } from './host-runner';

/** One host's own live data: its domains keyed by uuid (the service re-keys them by host). */
export type HostLiveData = { domains: Keyed<DomainRow> };

type HealthChange = Parameters<LivePublisher<HostLiveData>['setHealth']>[0];

/**
 * The publisher a host's LivePoller writes to. It is a real LivePublisher (its data and health
 * are this host's), and it tells the service after every change, so the one domains stream
 * (which has one health of its own) carries each host's rows and each host's health.
 */
class HostFeed extends LivePublisher<HostLiveData> {
  constructor(
    clock: Clock,
    private readonly onChange: () => void,
  ) {
    super({ initial: { domains: {} }, clock });
  }

  override set(data: HostLiveData, atMs?: number): void {
    super.set(data, atMs);
    this.onChange();
  }

  override setHealth(next: HealthChange): void {
    super.setHealth(next);
    this.onChange();
  }
}

/** Open host key questions (HostKeyPrompts.pending), to name a wait for a person as the cause. */
export interface PendingHostKeys {
  pending(): readonly { host: string; port: number }[];
}

export interface WatchedHostDeps {
  runner: HostRunner;
  clock?: Clock;
  hostKeys?: PendingHostKeys;
  /** This host's rows, health or status changed. */
  onChange(): void;
}

const MAX_PROBLEMS = 50;

/**
 * One configured KVM host being watched: one LivePoller (rounds of collectDomains over the
 * shared SSH layer, never overlapping), its connection held open between rounds, and what the
 * page shows about it (health with the cause, where it fails, the last round's problems).
 */
export class WatchedHost extends DisposableBase {
  readonly feed: HostFeed;
  readonly poller: LivePoller<HostLiveData>;
  private readonly clock: Clock;
  private hold: Disposable & { retryNow(): void } | undefined;
  private lastRound: DomainRound | undefined;
  private failure: HostFailure | null = null;
  private problems: DomainProblem[] = [];
  private domainCount: number | null = null;
  private roundMs: number | null = null;
  private calls: number | null = null;
  private refreshAgain = false;
  private againTimer: Disposable | undefined;
  private started = false;
  private cached: DomainHostStatus | undefined;
  /** Per-round bound on connecting plus the virsh batches. */
  readonly roundTimeoutMs: number;

  constructor(
    readonly config: DomainHostConfig,
    private readonly deps: WatchedHostDeps,
  ) {
    super();
    this.clock = deps.clock ?? systemClock;
    const intervalMs = config.pollIntervalSec * 1000;
    // Generous: a loaded host (or hundreds of domains) can take many seconds for one domstats.
    this.roundTimeoutMs = Math.max(30_000, intervalMs * 3);
    this.feed = this.register(new HostFeed(this.clock, () => this.changed()));
    this.poller = this.register(
      new LivePoller<HostLiveData>({
        publisher: this.feed,
        intervalMs,
        // The SSH layer's own bound (onHost) fires first and says which host did not answer.
        timeoutMs: this.roundTimeoutMs + 5_000,
        // Stale when a round is clearly late: rounds of a few seconds on a busy host are normal.
        staleAfterMs: Math.max(intervalMs * 3, intervalMs + 10_000),
        clock: this.clock,
        poll: (signal) => this.round(signal),
      }),
    );
  }

  get id(): string {
    return this.config.id;
  }

  get rows(): Keyed<DomainRow> {
    return this.feed.data.domains;
  }

  /** What the live `hosts` collection shows for this host (the same object until something changes). */
  get status(): DomainHostStatus {
    this.cached ??= {
      config: this.config,
      route: routeLabel(this.config.target, this.config.jumps),
      health: this.feed.currentHealth,
      failure: this.feed.currentHealth.state === 'live' ? null : this.failure,
      problems: this.problems,
      domainCount: this.domainCount,
      roundMs: this.roundMs,
      calls: this.calls,
    };
    return this.cached;
  }

  /** Starts watching: holds the connection open and polls. */
  start(): void {
    if (this.started || this.isDisposed) return;
    this.started = true;
    try {
      this.hold = this.deps.runner.hold(this.config);
    } catch {
      // The pool is shut down: every round fails and says so.
    }
    this.poller.start();
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Polls now; when a round is running, once more right after it (so an action's effect shows at once). */
  refresh(): void {
    if (!this.started || this.isDisposed) return;
    if (this.poller.isPolling) this.refreshAgain = true;
    else this.poller.pollNow();
  }

  /** Forgets the SSH backoff (or a refused host key) and polls now. */
  retry(): void {
    this.hold?.retryNow();
    this.refresh();
  }

  private changed(): void {
    this.cached = undefined;
    if (this.refreshAgain && !this.isDisposed) {
      // Called from inside the round (set / markLive / markDown); the poll runs once it has ended.
      this.refreshAgain = false;
      this.againTimer?.dispose();
      this.againTimer = this.clock.setTimeout(() => this.poller.pollNow(), 0);
    }
    this.deps.onChange();
  }

  private async round(signal: AbortSignal): Promise<HostLiveData> {
    const started = this.clock.now();
    const c = this.config;
    const outcome = await this.deps.runner.run(c, (exec, sig) => collectDomains(exec, c, c.uri, this.lastRound, this.clock.now(), { signal: sig }), {
      timeoutMs: this.roundTimeoutMs,
      signal,
    });
    this.roundMs = this.clock.now() - started;
    if (!outcome.ok) {
      this.problems = [];
      const waiting = this.waitingHostKey();
      if (waiting) {
        this.failure = 'hostkey';
        throw new AppError('HOST_KEY_UNKNOWN', `waiting for you to trust the host key of ${waiting}`, {
          hint: 'Answer the host key question in Drover’s dialog; the host is polled as soon as its key is trusted.',
        });
      }
      const code = outcome.error.code;
      this.failure = outcome.timedOut ? 'timeout' : code === 'HOST_KEY_UNKNOWN' || code === 'HOST_KEY_CHANGED' || code === 'HOST_KEY_REVOKED' ? 'hostkey' : 'ssh';
      throw outcome.error;
    }
    const r = outcome.value;
    // Also after a failed round: it carries the previous baseline, so an outage fakes no restart.
    this.lastRound = r;
    this.calls = r.calls;
    this.problems = r.problems.slice(0, MAX_PROBLEMS);
    if (!r.ok) {
      const error = r.error ?? new AppError('INTERNAL', 'the round failed without a cause').toData();
      // classifyVirshError keeps virsh's text and exit code in details. No exit code means the
      // channel closed before virsh ended: the SSH connection dropped, not libvirt.
      const d = error.details;
      if (d && 'virshMessage' in d && d.exitCode === null) {
        this.failure = 'ssh';
        throw new AppError('UNAVAILABLE', `${hopLabel(c.target)}: the SSH connection closed before virsh finished`, { hint: 'The host or the network went away; Drover reconnects by itself.' });
      }
      this.failure = d && 'virshMessage' in d ? 'libvirt' : 'ssh';
      throw AppError.fromData(error);
    }
    this.failure = null;
    this.domainCount = Object.keys(r.rows).length;
    return { domains: r.rows };
  }

  /** The hop of this host's route whose key waits for a person, if one does. */
  private waitingHostKey(): string | undefined {
    const open = this.deps.hostKeys?.pending() ?? [];
    for (const hop of [...this.config.jumps, this.config.target]) {
      if (open.some((p) => p.host === hop.host && p.port === hop.port)) return hopLabel(hop);
    }
    return undefined;
  }

  protected override onDispose(): void {
    this.againTimer?.dispose();
    this.hold?.dispose();
    this.hold = undefined;
  }
}
