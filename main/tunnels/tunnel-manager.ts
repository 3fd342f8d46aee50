import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableStore, Emitter, type Disposable } from '../contract/lifecycle';
import type { Notice } from '../contract/system';
import { TunnelProfileSchema, type TunnelHistory, type TunnelLiveData, type TunnelProfile, type TunnelProfileInput, type TunnelStatus } from '../contract/tunnels';
import type { ViaTunnel } from '../contract/live';
import { LivePublisher } from '../live/live-publisher';
import type { SshConnectionPool } from '../ssh/connection-pool';
import { forwardAddress, viaTunnel, type ForwardAddress } from './tunnel-endpoints';
import { TunnelHistoryRecorder } from './tunnel-history';
import type { TunnelProfileStore } from './tunnel-profile-store';
import { checkForwardsExposure, TunnelRunner } from './tunnel-runner';

export interface TunnelManagerDeps {
  pool: SshConnectionPool;
  /** Where profiles persist; undefined keeps them in memory (headless imports). */
  store?: TunnelProfileStore;
  log?: (line: string) => void;
  /** Minimum time between two live frames (counters change constantly). */
  statusIntervalMs?: number;
  clock?: Clock;
}

/** Whether a running tunnel must reconnect to apply the change (anything but name and autostart). */
export function connectionSettingsChanged(a: TunnelProfile, b: TunnelProfile): boolean {
  const strip = (p: TunnelProfile) => JSON.stringify({ ...p, name: '', autostart: false });
  return strip(a) !== strip(b);
}

/**
 * Owns the tunnel profiles and their runners. Publishes them as one live stream (profiles,
 * statuses with per-forward counters, per-profile history), and every real state change (not
 * counters) as onDidChangeStatus.
 */
export class TunnelManager implements Disposable {
  private profiles = new Map<string, TunnelProfile>();
  /** Profiles that live only as long as this process (never written to tunnels.json). */
  private readonly ephemeral = new Set<string>();
  /** Headless --accept-new: every tunnel of this process accepts and records unknown host keys. */
  private unknownHostKeyOverride: TunnelProfile['unknownHostKey'] | undefined;
  private readonly runners = new Map<string, { runner: TunnelRunner; sub: Disposable; lastSeq: number }>();
  private readonly histories = new Map<string, TunnelHistoryRecorder>();
  private readonly statusEmitter = new Emitter<TunnelStatus>();
  /** Every state change of a tunnel or one of its forwards (not counter updates). */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly disposables = new DisposableStore();
  private readonly clock: Clock;
  /** The live stream of the tunnels page. */
  readonly live: LivePublisher<TunnelLiveData>;

  constructor(private readonly deps: TunnelManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.live = this.disposables.add(
      new LivePublisher<TunnelLiveData>({
        initial: { list: {}, profiles: {}, status: {}, history: {} },
        clock: this.clock,
        minIntervalMs: deps.statusIntervalMs ?? 250,
        health: { state: 'live' },
        compute: () => this.liveData(),
      }),
    );
  }

  /** Loads saved profiles and (unless told not to, as headless runs are) starts those marked autostart. */
  async init(opts: { autostart?: boolean } = {}): Promise<Notice[]> {
    if (!this.deps.store) return [];
    const { items: profiles, notices } = await this.deps.store.load();
    for (const p of profiles) this.profiles.set(p.id, p);
    for (const p of profiles) {
      if (!p.autostart || opts.autostart === false) continue;
      this.start(p.id).catch((err: unknown) => this.deps.log?.(`autostart ${p.name}: ${AppError.from(err).message}`));
    }
    return notices;
  }

  list(): TunnelProfile[] {
    return [...this.profiles.values()];
  }

  get(id: string): TunnelProfile {
    const p = this.profiles.get(id);
    if (!p) throw new AppError('NOT_FOUND', `no tunnel profile with id ${id}`);
    return p;
  }

  /** Creates or replaces a profile; `persist: false` keeps it in memory only (a headless --import). */
  async save(input: TunnelProfileInput, opts: { persist?: boolean } = {}): Promise<TunnelProfile> {
    const profile = TunnelProfileSchema.parse(input);
    const ids = new Set<string>();
    for (const f of profile.forwards) {
      if (ids.has(f.id)) throw new AppError('INVALID_INPUT', `two forwards share the id ${f.id}`);
      ids.add(f.id);
    }
    checkForwardsExposure(profile);
    // A headless --import runs on its own, beside whatever is saved: only saved profiles must be unique.
    if (opts.persist !== false) this.checkUnique(profile);
    const previous = this.profiles.get(profile.id);
    const existing = this.runners.get(profile.id)?.runner;
    const wasRunning = existing?.isRunning ?? false;
    const next = new Map(this.profiles);
    next.set(profile.id, profile);
    if (opts.persist === false) this.ephemeral.add(profile.id);
    else this.ephemeral.delete(profile.id);
    await this.persist(next);
    this.profiles = next;
    this.live.markDirty();
    if (existing) {
      if (previous && !connectionSettingsChanged(previous, profile)) {
        // A new name or autostart flag: nothing to reconnect, open connections stay.
        existing.rename(profile);
      } else {
        this.dropRunner(profile.id);
        if (wasRunning) await this.start(profile.id);
      }
    }
    this.live.markDirty();
    return profile;
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    const next = new Map(this.profiles);
    next.delete(id);
    this.ephemeral.delete(id);
    await this.persist(next);
    this.profiles = next;
    this.dropRunner(id);
    this.histories.delete(id);
    this.live.markDirty();
  }

  /**
   * Names are how people (and `drover tunnel up <name>`) tell profiles apart, and two forwards on
   * one listen address can never both run: both are refused, naming the other profile.
   */
  private checkUnique(profile: TunnelProfile): void {
    for (const other of this.profiles.values()) {
      if (other.id === profile.id) continue;
      if (other.name.trim().toLowerCase() === profile.name.trim().toLowerCase()) {
        throw new AppError('ALREADY_EXISTS', `a tunnel named "${other.name}" exists already`, { hint: 'Give this tunnel another name.' });
      }
      for (const f of profile.forwards) {
        if (f.kind === 'remote' || f.bindPort === 0) continue;
        const clash = other.forwards.find((g) => g.kind !== 'remote' && g.bindPort === f.bindPort && sameListenAddress(g.bindAddress, f.bindAddress));
        if (clash) {
          throw new AppError('ALREADY_EXISTS', `${f.bindAddress}:${f.bindPort} is already the listen address of tunnel "${other.name}"`, {
            hint: `Give this forward another port, or change "${other.name}".`,
            details: { forwardId: f.id, otherProfileId: other.id },
          });
        }
      }
    }
  }

  /** The name of another running tunnel of this manager that listens on address:port. */
  private runningHolder(exceptId: string, address: string, port: number): string | undefined {
    for (const [id, entry] of this.runners) {
      if (id === exceptId || !entry.runner.isRunning) continue;
      const p = entry.runner.profile;
      if (p.forwards.some((g) => g.kind !== 'remote' && g.bindPort === port && sameListenAddress(g.bindAddress, address))) return p.name;
    }
    return undefined;
  }

  /** For this process only (never saved): unknown host keys are accepted and recorded, as ssh's accept-new. */
  acceptNewHostKeys(): void {
    this.unknownHostKeyOverride = 'accept-new';
  }

  private async persist(profiles: Map<string, TunnelProfile>): Promise<void> {
    await this.deps.store?.save([...profiles.values()].filter((p) => !this.ephemeral.has(p.id)));
  }

  private runnerFor(id: string): TunnelRunner {
    const existing = this.runners.get(id);
    if (existing) return existing.runner;
    const profile = this.get(id);
    const runner = new TunnelRunner(this.unknownHostKeyOverride ? { ...profile, unknownHostKey: this.unknownHostKeyOverride } : profile, {
      pool: this.deps.pool,
      log: this.deps.log,
      clock: this.clock,
      holderOf: (address, port) => this.runningHolder(id, address, port),
    });
    const entry = { runner, sub: runner.onDidChange(() => this.onRunnerChange(id)), lastSeq: -1 };
    this.runners.set(id, entry);
    return runner;
  }

  private dropRunner(id: string): void {
    const r = this.runners.get(id);
    if (!r) return;
    r.sub.dispose();
    r.runner.dispose();
    this.runners.delete(id);
    this.live.markDirty();
  }

  async start(id: string): Promise<TunnelStatus> {
    const runner = this.runnerFor(id);
    await runner.start();
    this.onRunnerChange(id);
    return this.status(id);
  }

  stop(id: string): TunnelStatus {
    const runner = this.runnerFor(id);
    runner.stop();
    this.onRunnerChange(id);
    return this.status(id);
  }

  async retryNow(id: string): Promise<TunnelStatus> {
    const runner = this.runnerFor(id);
    await runner.retryNow();
    this.onRunnerChange(id);
    return this.status(id);
  }

  /** The tunnel's status, with the time its current error was first seen. */
  status(id: string): TunnelStatus {
    const r = this.runners.get(id)?.runner;
    const status = r ? r.status() : new TunnelRunner(this.get(id), { pool: this.deps.pool, clock: this.clock }).status();
    const errorAtMs = this.histories.get(id)?.currentErrorAtMs;
    return errorAtMs !== undefined && status.error ? { ...status, errorAtMs } : status;
  }

  /** For features that reach a server through a tunnel: where its forward listens (or why it does not). */
  resolveForward(tunnelId: string, forwardId: string): ForwardAddress {
    return forwardAddress(this.get(tunnelId), this.status(tunnelId), forwardId);
  }

  /** The tunnel as a live source names it in its health; undefined when there is no such tunnel. */
  via(tunnelId: string): ViaTunnel | undefined {
    const profile = this.profiles.get(tunnelId);
    return profile ? viaTunnel(profile, this.status(tunnelId)) : undefined;
  }

  history(id: string): TunnelHistory {
    return this.histories.get(id)?.value ?? { events: [], reconnects: 0, downMs: 0, outages: [] };
  }

  statuses(): TunnelStatus[] {
    return this.list().map((p) => this.status(p.id));
  }

  /** A runner changed: counters (cheap: the live frame is computed later) or its state (recorded, announced). */
  private onRunnerChange(id: string): void {
    const entry = this.runners.get(id);
    if (!entry) return;
    this.live.markDirty();
    const seq = entry.runner.statusSeq;
    if (seq === entry.lastSeq) return;
    entry.lastSeq = seq;
    let recorder = this.histories.get(id);
    if (!recorder) this.histories.set(id, (recorder = new TunnelHistoryRecorder()));
    recorder.record(entry.runner.status(), this.clock.now());
    this.statusEmitter.fire(this.status(id));
  }

  private liveData(): TunnelLiveData {
    const profiles: Record<string, TunnelProfile> = {};
    const status: Record<string, TunnelStatus> = {};
    const history: Record<string, TunnelHistory> = {};
    for (const p of this.profiles.values()) {
      profiles[p.id] = p;
      status[p.id] = this.status(p.id);
      history[p.id] = this.history(p.id);
    }
    return { list: { all: { ids: [...this.profiles.keys()] } }, profiles, status, history };
  }

  /** Resolves when the tunnel reaches one of the states (or rejects after timeoutMs). For the CLI and tests. */
  waitFor(id: string, states: TunnelStatus['state'][], timeoutMs: number): Promise<TunnelStatus> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const s = this.status(id);
        if (states.includes(s.state)) {
          cleanup();
          resolve(s);
        }
      };
      const timer = this.clock.setTimeout(() => {
        cleanup();
        reject(new AppError('TIMEOUT', `tunnel ${id} did not reach ${states.join('/')} within ${timeoutMs} ms (now ${this.status(id).state})`));
      }, timeoutMs);
      const sub = this.statusEmitter.event(check);
      const cleanup = () => {
        timer.dispose();
        sub.dispose();
      };
      check();
    });
  }

  dispose(): void {
    for (const id of [...this.runners.keys()]) this.dropRunner(id);
    this.statusEmitter.dispose();
    this.disposables.dispose();
  }
}

/** Whether two bind addresses conflict: the same address, or one of them all interfaces. */
function sameListenAddress(a: string, b: string): boolean {
  const norm = (x: string) => (x === 'localhost' ? '127.0.0.1' : x.toLowerCase());
  const any = (x: string) => x === '0.0.0.0' || x === '::' || x === '*';
  return norm(a) === norm(b) || any(a) || any(b);
}
