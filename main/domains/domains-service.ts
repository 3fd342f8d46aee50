import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../contract/clock';
import type { Sink } from '../contract/define';
import {
  DomainHostSaveSchema,
  domainKey,
  DomainUuidSchema,
  type DomainAction,
  type DomainActionRequest,
  type DomainActionResult,
  type DomainBulkEvent,
  type DomainConsoleTarget,
  type DomainDetails,
  type DomainHostConfig,
  type DomainHostSave,
  type DomainHostStatus,
  type DomainLiveData,
  type DomainRow,
} from '../contract/domains';
import { AppError } from '../contract/errors';
import { DisposableBase, type Disposable } from '../contract/lifecycle';
import type { LiveUpdate } from '../contract/live';
import type { Notice } from '../contract/system';
import { LivePublisher } from '../live/live-publisher';
import { collectDomainDetails, runBulk, runDomainAction, type BulkTarget, type VirshExec } from './domain-collector';
import type { HostRunner } from './host-runner';
import { consoleArgv } from './virsh-argv';
import { WatchedHost, type PendingHostKeys } from './watched-host';

/** Where the hosts are kept (DomainHostStore: domains.json). */
export interface DomainHostFile {
  load(): Promise<{ items: DomainHostConfig[]; notices: Notice[] }>;
  save(hosts: readonly DomainHostConfig[]): Promise<void>;
}

export interface DomainsServiceDeps {
  store: DomainHostFile;
  runner: HostRunner;
  clock?: Clock;
  hostKeys?: PendingHostKeys;
  log?: (line: string) => void;
  /** Live frames at most this often (default 250 ms). */
  minIntervalMs?: number;
}

/** Actions that copy guest memory or disks: bounded by half an hour instead of two minutes. */
const LONG_ACTIONS: readonly DomainAction[] = ['save', 'restore', 'migrate', 'managedsave', 'snapshot-create', 'snapshot-revert', 'snapshot-delete'];
const SHORT_ACTION_TIMEOUT_MS = 2 * 60_000;
const LONG_ACTION_TIMEOUT_MS = 30 * 60_000;
const DETAILS_TIMEOUT_MS = 60_000;

export function actionTimeoutMs(action: DomainAction): number {
  return LONG_ACTIONS.includes(action) ? LONG_ACTION_TIMEOUT_MS : SHORT_ACTION_TIMEOUT_MS;
}

function newHostId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'kvm'}-${randomBytes(3).toString('hex')}`;
}

/**
 * The Domains feature's service: the configured KVM hosts (domains.json), one WatchedHost (one
 * LivePoller) per host once somebody watches, and the one live stream of the page with two
 * collections: `hosts` (each host's own health, cause, data age and last round) and `domains`
 * (rows keyed `<hostId>/<uuid>`, so a host's rows never collide with another's and a reordered
 * list is no diff). Actions, bulk actions and details run over the same SSH layer; after an
 * action the host is polled at once, so its effect shows within a round.
 */
export class DomainsService extends DisposableBase {
  readonly live: LivePublisher<DomainLiveData>;
  private configs: DomainHostConfig[] = [];
  private readonly hosts = new Map<string, WatchedHost>();
  private watching = false;
  private readonly clock: Clock;

  constructor(private readonly deps: DomainsServiceDeps) {
    super();
    this.clock = deps.clock ?? systemClock;
    this.live = this.register(
      new LivePublisher<DomainLiveData>({
        initial: { hosts: {}, domains: {} },
        clock: this.clock,
        ...(deps.minIntervalMs !== undefined ? { minIntervalMs: deps.minIntervalMs } : {}),
        // The stream's own health is the service's (always there); each host has its own in `hosts`.
        health: { state: 'live' },
        compute: () => this.compute(),
      }),
    );
  }

  /** Loads domains.json; notices say what happened to a file that could not be used. */
  async init(): Promise<Notice[]> {
    const { items: hosts, notices } = await this.deps.store.load();
    this.configs = hosts;
    for (const c of hosts) this.addWatched(c);
    this.live.markDirty();
    return notices;
  }

  /**
   * Starts polling every host. The first live subscriber does it: an unknown host key is then
   * asked about in a UI that is there to answer (headless, nobody would).
   */
  watch(): void {
    if (this.watching || this.isDisposed) return;
    this.watching = true;
    for (const h of this.hosts.values()) h.start();
  }

  subscribe(sink: Sink<LiveUpdate>): Disposable {
    this.watch();
    return this.live.subscribe(sink);
  }

  listHosts(): DomainHostConfig[] {
    return [...this.configs];
  }

  host(id: string): DomainHostConfig {
    const c = this.configs.find((h) => h.id === id);
    if (!c) throw new AppError('NOT_FOUND', `no KVM host with id ${id}`, { hint: 'It was removed; refresh the page.' });
    return c;
  }

  /** The rows of one host as last polled (keyed by uuid). */
  rows(hostId: string): Readonly<Record<string, DomainRow>> {
    return this.hosts.get(hostId)?.rows ?? {};
  }

  async saveHost(input: DomainHostSave): Promise<DomainHostConfig> {
    const parsed = DomainHostSaveSchema.safeParse(input);
    if (!parsed.success) throw new AppError('INVALID_INPUT', parsed.error.issues.map((i) => `${i.path.join('.') || 'host'}: ${i.message}`).join('; '));
    const config: DomainHostConfig = { ...parsed.data, id: parsed.data.id ?? newHostId(parsed.data.name) };
    const at = this.configs.findIndex((h) => h.id === config.id);
    const next = at < 0 ? [...this.configs, config] : this.configs.map((h, i) => (i === at ? config : h));
    await this.deps.store.save(next);
    this.configs = next;
    // New settings (URI, login, interval): a new watcher; the old rows go with the old one.
    this.removeWatched(config.id);
    this.addWatched(config);
    this.live.markDirty();
    this.deps.log?.(`domains: saved host ${config.id} (${config.target.user}@${config.target.host}:${config.target.port}, ${config.uri})`);
    return config;
  }

  async removeHost(id: string): Promise<void> {
    this.host(id);
    const next = this.configs.filter((h) => h.id !== id);
    await this.deps.store.save(next);
    this.configs = next;
    this.removeWatched(id);
    this.live.markDirty();
  }

  /** Polls now: one host, or all. */
  refresh(hostId?: string): void {
    if (hostId !== undefined) {
      this.host(hostId);
      this.watched(hostId).refresh();
    } else for (const h of this.hosts.values()) h.refresh();
  }

  retryHost(id: string): void {
    this.host(id);
    this.watched(id).retry();
  }

  /** One action on one domain (uuid recommended, or name); never throws for virsh or SSH failures. */
  async act(hostId: string, domain: string, request: DomainActionRequest, signal?: AbortSignal): Promise<DomainActionResult> {
    const config = this.host(hostId);
    const { action, ...options } = request;
    const outcome = await runDomainAction(this.exec(config, actionTimeoutMs(action)), config.uri, action, domain, options as never, signal ? { signal } : {});
    this.afterAction(hostId, action, outcome.ok);
    return { ...outcome, host: hostId };
  }

  /**
   * One action on many domains (on one or many hosts), a few at a time per host; onEvent gets each
   * domain's result as it ends. Targets on hosts that are not configured fail on their own.
   */
  async bulk(targets: readonly { hostId: string; domain: string }[], request: DomainActionRequest, onEvent: (e: DomainBulkEvent) => void, signal?: AbortSignal): Promise<DomainActionResult[]> {
    const { action, ...options } = request;
    const results: DomainActionResult[] = new Array<DomainActionResult>(targets.length);
    const runnable: { index: number; target: BulkTarget }[] = [];
    targets.forEach((t, index) => {
      const config = this.configs.find((h) => h.id === t.hostId);
      if (!config) {
        const result: DomainActionResult = { domain: t.domain, host: t.hostId, ok: false, output: '', error: new AppError('NOT_FOUND', `no KVM host with id ${t.hostId}`).toData() };
        results[index] = result;
        onEvent({ index, result });
        return;
      }
      runnable.push({ index, target: { host: config.id, exec: this.exec(config, actionTimeoutMs(action)), uri: config.uri, domain: t.domain } });
    });
    const touched = new Set<string>();
    await runBulk(
      runnable.map((r) => r.target),
      action,
      options as never,
      {
        ...(signal ? { signal } : {}),
        onResult: (result, i) => {
          const index = runnable[i]!.index;
          results[index] = result;
          touched.add(result.host);
          onEvent({ index, result });
        },
      },
    );
    for (const hostId of touched) this.afterAction(hostId, action, true);
    return results;
  }

  async details(hostId: string, uuid: string, signal?: AbortSignal): Promise<DomainDetails> {
    const config = this.host(hostId);
    if (!DomainUuidSchema.safeParse(uuid).success) throw new AppError('INVALID_INPUT', `not a lower-case uuid: ${uuid}`);
    const outcome = await this.deps.runner.run(config, (exec, sig) => collectDomainDetails(exec, config, config.uri, uuid, { signal: sig }), { timeoutMs: DETAILS_TIMEOUT_MS, signal });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** The terminal target that runs `virsh console` for the domain on its host, in a pty. */
  consoleTarget(hostId: string, uuid: string, force = false): DomainConsoleTarget {
    const config = this.host(hostId);
    if (!DomainUuidSchema.safeParse(uuid).success) throw new AppError('INVALID_INPUT', `not a lower-case uuid: ${uuid}`);
    return { target: config.target, jumps: config.jumps, command: consoleArgv(config.uri, uuid, force ? { force: true } : {}) };
  }

  private exec(config: DomainHostConfig, timeoutMs: number): VirshExec {
    return async (argv, signal) => {
      const o = await this.deps.runner.run(config, (exec, sig) => exec(argv, sig), { timeoutMs, signal });
      if (!o.ok) throw o.error;
      return o.value;
    };
  }

  private afterAction(hostId: string, action: DomainAction, ok: boolean): void {
    // A migration (or a restore of another host's save file) changes another host too.
    if (action === 'migrate' && ok) this.refresh();
    else this.hosts.get(hostId)?.refresh();
  }

  private watched(id: string): WatchedHost {
    const h = this.hosts.get(id);
    if (!h) throw new AppError('NOT_FOUND', `no KVM host with id ${id}`);
    return h;
  }

  private addWatched(config: DomainHostConfig): void {
    const h = new WatchedHost(config, {
      runner: this.deps.runner,
      clock: this.clock,
      ...(this.deps.hostKeys ? { hostKeys: this.deps.hostKeys } : {}),
      onChange: () => {
        if (this.hosts.get(config.id) === h) this.live.markDirty();
      },
    });
    this.hosts.set(config.id, h);
    if (this.watching) h.start();
  }

  private removeWatched(id: string): void {
    const h = this.hosts.get(id);
    if (!h) return;
    this.hosts.delete(id);
    h.dispose();
  }

  /** The stream's state: every host's status, and every host's rows re-keyed (the row objects are shared). */
  private compute(): DomainLiveData {
    const hosts: Record<string, DomainHostStatus> = {};
    const domains: Record<string, DomainRow> = {};
    for (const h of this.hosts.values()) {
      hosts[h.id] = h.status;
      for (const [uuid, row] of Object.entries(h.rows)) domains[domainKey(h.id, uuid)] = row;
    }
    return { hosts, domains };
  }

  protected override onDispose(): void {
    for (const h of this.hosts.values()) h.dispose();
    this.hosts.clear();
  }
}
