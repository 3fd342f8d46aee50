import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableStore, Emitter, type Disposable } from '../contract/lifecycle';
import type { Notice } from '../contract/system';
import { TunnelProfileSchema, type TunnelEvent, type TunnelProfile, type TunnelProfileInput, type TunnelStatus } from '../contract/tunnels';
import type { SshConnectionPool } from '../ssh/connection-pool';
import type { TunnelProfileStore } from './tunnel-profile-store';
import { checkForwardsExposure, TunnelRunner } from './tunnel-runner';

export interface TunnelManagerDeps {
  pool: SshConnectionPool;
  /** Where profiles persist; undefined keeps them in memory (headless imports). */
  store?: TunnelProfileStore;
  log?: (line: string) => void;
  /** Minimum time between two status events of one tunnel (counters change constantly). */
  statusIntervalMs?: number;
  clock?: Clock;
}

/** Whether a running tunnel must reconnect to apply the change (anything but name and autostart). */
export function connectionSettingsChanged(a: TunnelProfile, b: TunnelProfile): boolean {
  const strip = (p: TunnelProfile) => JSON.stringify({ ...p, name: '', autostart: false });
  return strip(a) !== strip(b);
}

/** Owns the tunnel profiles and their runners; publishes throttled status events. */
export class TunnelManager implements Disposable {
  private profiles = new Map<string, TunnelProfile>();
  /** Profiles that live only as long as this process (never written to tunnels.json). */
  private readonly ephemeral = new Set<string>();
  /** Headless --accept-new: every tunnel of this process accepts and records unknown host keys. */
  private unknownHostKeyOverride: TunnelProfile['unknownHostKey'] | undefined;
  private readonly runners = new Map<string, { runner: TunnelRunner; sub: Disposable }>();
  private readonly eventEmitter = new Emitter<TunnelEvent>();
  readonly onDidEvent = this.eventEmitter.event;
  private readonly throttles = new Map<string, { last: number; timer?: Disposable }>();
  private readonly disposables = new DisposableStore();
  private readonly intervalMs: number;
  private readonly clock: Clock;

  constructor(private readonly deps: TunnelManagerDeps) {
    this.intervalMs = deps.statusIntervalMs ?? 250;
    this.clock = deps.clock ?? systemClock;
  }

  /** Loads saved profiles and (unless told not to, as headless runs are) starts those marked autostart. */
  async init(opts: { autostart?: boolean } = {}): Promise<Notice[]> {
    if (!this.deps.store) return [];
    const { profiles, notices } = await this.deps.store.load();
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
    const previous = this.profiles.get(profile.id);
    const existing = this.runners.get(profile.id)?.runner;
    const wasRunning = existing?.isRunning ?? false;
    const next = new Map(this.profiles);
    next.set(profile.id, profile);
    if (opts.persist === false) this.ephemeral.add(profile.id);
    else this.ephemeral.delete(profile.id);
    await this.persist(next);
    this.profiles = next;
    this.eventEmitter.fire({ kind: 'profile', profile });
    if (existing) {
      if (previous && !connectionSettingsChanged(previous, profile)) {
        // A new name or autostart flag: nothing to reconnect, open connections stay.
        existing.rename(profile);
      } else {
        this.dropRunner(profile.id);
        if (wasRunning) await this.start(profile.id);
      }
    }
    this.eventEmitter.fire({ kind: 'status', status: this.status(profile.id) });
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
    this.eventEmitter.fire({ kind: 'removed', profileId: id });
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
    });
    const sub = runner.onDidChange(() => this.emitStatus(id));
    this.runners.set(id, { runner, sub });
    return runner;
  }

  private dropRunner(id: string): void {
    const r = this.runners.get(id);
    if (!r) return;
    r.sub.dispose();
    r.runner.dispose();
    this.runners.delete(id);
    const t = this.throttles.get(id);
    t?.timer?.dispose();
    this.throttles.delete(id);
  }

  async start(id: string): Promise<TunnelStatus> {
    const runner = this.runnerFor(id);
    await runner.start();
    this.emitStatus(id, true);
    return runner.status();
  }

  stop(id: string): TunnelStatus {
    const runner = this.runnerFor(id);
    runner.stop();
    this.emitStatus(id, true);
    return runner.status();
  }

  async retryNow(id: string): Promise<TunnelStatus> {
    const runner = this.runnerFor(id);
    await runner.retryNow();
    this.emitStatus(id, true);
    return runner.status();
  }

  status(id: string): TunnelStatus {
    const r = this.runners.get(id)?.runner;
    if (r) return r.status();
    const p = this.get(id);
    return new TunnelRunner(p, { pool: this.deps.pool, clock: this.clock }).status();
  }

  statuses(): TunnelStatus[] {
    return this.list().map((p) => this.status(p.id));
  }

  snapshot(): TunnelEvent {
    return { kind: 'snapshot', profiles: this.list(), statuses: this.statuses() };
  }

  /** Leading and trailing throttle per tunnel: state changes go out at once, counters at most every intervalMs. */
  private emitStatus(id: string, force = false): void {
    const runner = this.runners.get(id)?.runner;
    if (!runner) return;
    const now = this.clock.now();
    let t = this.throttles.get(id);
    if (!t) {
      t = { last: 0 };
      this.throttles.set(id, t);
    }
    const th = t;
    const send = () => {
      th.last = this.clock.now();
      th.timer = undefined;
      const r = this.runners.get(id)?.runner;
      if (r) this.eventEmitter.fire({ kind: 'status', status: r.status() });
    };
    if (force || now - th.last >= this.intervalMs) {
      th.timer?.dispose();
      send();
    } else if (!th.timer) {
      th.timer = this.clock.setTimeout(send, this.intervalMs - (now - th.last));
    }
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
      const timer = setTimeout(() => {
        cleanup();
        reject(new AppError('TIMEOUT', `tunnel ${id} did not reach ${states.join('/')} within ${timeoutMs} ms (now ${this.status(id).state})`));
      }, timeoutMs);
      const sub = this.eventEmitter.event(check);
      const runnerSub = this.runners.get(id)?.runner.onDidChange(check);
      const cleanup = () => {
        clearTimeout(timer);
        sub.dispose();
        runnerSub?.dispose();
      };
      check();
    });
  }

  dispose(): void {
    for (const id of [...this.runners.keys()]) this.dropRunner(id);
    this.eventEmitter.dispose();
    this.disposables.dispose();
  }
}

