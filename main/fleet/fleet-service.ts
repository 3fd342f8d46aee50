import path from 'node:path';
import type { Clock } from '../contract/clock';
import type { Sink } from '../contract/define';
import { AppError } from '../contract/errors';
import {
  FLEET_SERVICE_KEY,
  type AddHostsResult,
  type Alert,
  type AlertRule,
  type EtcdImportInput,
  type FleetGroup,
  type FleetHost,
  type FleetHostDraft,
  type FleetHostState,
  type FleetLiveData,
  type FleetLookup,
  type FleetServiceState,
  type FleetSettings,
  type FleetSettingsPatch,
  type HostHistory,
  type HostMetrics,
  type ImportPreview,
  type SyslogFilter,
  type SyslogPage,
  type SyslogTailEvent,
  type TextImportInput,
} from '../contract/fleet';
import { DisposableBase, type Disposable, type Event } from '../contract/lifecycle';
import type { LiveUpdate } from '../contract/live';
import type { WorkerHardware } from '../contract/miners';
import type { Notice } from '../contract/system';
import type { SshConfigHost } from '../contract/tunnels';
import type { EnvRow, KeyPattern } from '../etcd/farm-keys';
import type { EtcdSession } from '../etcd/etcd-session';
import { LivePoller } from '../live/live-poller';
import { LivePublisher } from '../live/live-publisher';
import type { SshConnectionPool } from '../ssh/connection-pool';
import type { RouteOptions } from '../ssh/ssh-route';
import { importSshConfigHosts } from '../tunnels/tunnel-service';
import { AlertHistory, ALERT_HISTORY_FILE_NAME } from './alert-history';
import { etcdPreview, sshConfigPreview, textPreview, type ImportLogin } from './inventory/fleet-import';
import { FleetInventoryModel, type InventoryChange } from './inventory/fleet-inventory';
import { FleetInventoryStore, readInventoryExport, writeInventoryExport } from './inventory/fleet-inventory-store';
import { FleetMonitor } from './probe/fleet-monitor';
import { workerHardware } from './probe/host-summary';
import { SshProbeTransport, type ProbeTransport } from './probe/probe-transport';
import { outputPath, SyslogService, type SyslogServiceOptions } from './syslog/syslog-service';
import type { SyslogExportFormat } from './syslog/syslog-export';

/** The most hosts the inventory is built for (bounds the round's safety timeout). */
export const MAX_FLEET_HOSTS = 10_000;

export interface FleetServiceDeps {
  configDir: string;
  clock: Clock;
  notify(notice: Notice): void;
  log?: (line: string) => void;
  /** The shared SSH pool (probes). Required unless `transport` is given. */
  pool?: SshConnectionPool;
  /** How probes reach hosts (tests: a fake). Default: the pool. */
  transport?: ProbeTransport;
  /** Reads ~/.ssh/config (default: main/tunnels/tunnel-service importSshConfigHosts). */
  readSshConfig?: () => Promise<{ path: string; hosts: SshConfigHost[]; warnings: { option: string; message: string }[] }>;
  /** Reads the worker-env rows from etcd (default: a direct EtcdSession, or the named etcd page session, and listEnvTable). */
  readEtcdEnv?: (input: { endpoints: string[]; sessionId?: string | undefined; pattern: string }, signal?: AbortSignal) => Promise<{ rows: EnvRow[]; skipped: number; from: string }>;
  /** The etcd page's sessions, for an import through one of them. */
  etcdSessions?: EtcdSessionRunner;
  startSyslog?: SyslogServiceOptions['start'];
  /** Start probing and the syslog receiver (off for headless CLI commands that only read the inventory). */
  autostart?: boolean;
}

/**
 * Fleet, the service: the inventory (one identity per machine, in fleet-inventory.json), probes
 * of every host through one LivePoller round with bounded concurrency, heartbeats and alerts
 * (history on disk), per-host chart history in memory, and the syslog receiver. Everything the
 * UI sees goes through one LivePublisher (hosts, metrics, alerts, groups, rules, service).
 *
 * For other features (link-ups): lookup() finds a machine by MAC, host name, IP, SSH host or
 * lotus worker; hostState(), latestMetrics() and workerHardware() give what Fleet knows of it;
 * onDidChangeHosts tells when the inventory changed.
 */
export class FleetService extends DisposableBase {
  readonly publisher: LivePublisher<FleetLiveData>;
  readonly monitor: FleetMonitor;
  readonly syslog: SyslogService;
  private poller: LivePoller<FleetLiveData> | undefined;
  private pollerKey = '';
  private settingsSeen: FleetSettings;
  private groupsRecord: Record<string, FleetGroup> | undefined;
  private rulesRecord: Record<string, { rule: AlertRule }> | undefined;
  private serviceItem: FleetServiceState | undefined;
  private autostart: boolean;

  private constructor(
    private readonly deps: FleetServiceDeps,
    readonly inventory: FleetInventoryModel,
    readonly alertHistory: AlertHistory,
  ) {
    super();
    this.autostart = deps.autostart ?? true;
    this.settingsSeen = inventory.settings;
    const transport =
      deps.transport ??
      (deps.pool
        ? new SshProbeTransport(deps.pool, () => probeRouteOptions(this.inventory.settings.probe), deps.clock)
        : undefined);
    if (!transport) throw new Error('FleetService needs an SSH pool or a probe transport');
    this.monitor = new FleetMonitor({
      clock: deps.clock,
      transport,
      settings: () => this.inventory.settings.probe,
      rules: () => this.inventory.rules,
      record: (t) => this.alertHistory.record(t),
      log: deps.log,
    });
    this.syslog = new SyslogService({ clock: deps.clock, notify: deps.notify, log: deps.log, start: deps.startSyslog });
    this.publisher = new LivePublisher<FleetLiveData>({
      initial: { hosts: {}, metrics: {}, alerts: {}, groups: {}, rules: {}, service: {} },
      clock: deps.clock,
      compute: () => this.buildData(),
    });
    this.register(this.publisher);
    this.register(this.monitor.onDidChange(() => this.dirty()));
    this.register(this.syslog.onDidChange(() => this.dirty(true)));
    this.register(this.inventory.onDidChange((c) => this.onInventory(c)));
  }

  static async create(deps: FleetServiceDeps): Promise<FleetService> {
    const store = new FleetInventoryStore(deps.configDir, deps.clock);
    const { model, notices } = await FleetInventoryModel.load(store);
    for (const n of notices) deps.notify(n);
    const history = new AlertHistory({
      file: path.join(deps.configDir, ALERT_HISTORY_FILE_NAME),
      clock: deps.clock,
      onSaveError: (err) => deps.log?.(`fleet: alert history not saved: ${AppError.from(err).message}`),
    });
    for (const n of (await history.load()).notices) deps.notify(n);
    const service = new FleetService(deps, model, history);
    service.monitor.syncHosts(model.hosts);
    service.monitor.restoreFiring(history.list().filter((a) => a.state === 'firing'));
    service.applySettings(model.settings, undefined);
    return service;
  }

  // ---- the live data ----

  private dirty(service = false): void {
    if (service) this.serviceItem = undefined;
    if (!this.isDisposed) this.publisher.markDirty();
  }

  private buildService(): FleetServiceState {
    const s = this.monitor.roundStats;
    return {
      settings: this.inventory.settings,
      probe: { rounds: s.rounds, running: s.running, lastRoundAtMs: s.lastRoundAtMs, lastRoundMs: s.lastRoundMs, lastRoundHosts: s.lastRoundHosts, lastRoundFailed: s.lastRoundFailed },
      syslog: this.syslog.status(),
      inventory: { file: this.inventory.file, notPersistingReason: this.inventory.notPersistingReason ?? null },
    };
  }

  /** The whole live state; unchanged collections and items keep their identity. */
  buildData(): FleetLiveData {
    const stats = this.monitor.roundStats;
    if (this.serviceItem && (this.serviceItem.probe.rounds !== stats.rounds || this.serviceItem.probe.running !== stats.running)) this.serviceItem = undefined;
    this.serviceItem ??= this.buildService();
    this.groupsRecord ??= Object.fromEntries(this.inventory.groups.map((g) => [g.name, g]));
    this.rulesRecord ??= Object.fromEntries(this.inventory.rules.map((r) => [r.id, { rule: r }]));
    return {
      hosts: this.monitor.hosts,
      metrics: this.monitor.metrics,
      alerts: this.monitor.alerts,
      groups: this.groupsRecord,
      rules: this.rulesRecord,
      service: { [FLEET_SERVICE_KEY]: this.serviceItem },
    };
  }

  live(sink: Sink<LiveUpdate>): Disposable {
    return this.publisher.subscribe(sink);
  }

  // ---- inventory and settings ----

  private onInventory(c: InventoryChange): void {
    if (c.groups) this.groupsRecord = undefined;
    if (c.rules) this.rulesRecord = undefined;
    if (c.changedHosts.length || c.removedHosts.length) this.monitor.syncHosts(this.inventory.hosts);
    if (c.settings) {
      const prev = this.settingsSeen;
      this.settingsSeen = this.inventory.settings;
      this.applySettings(this.inventory.settings, prev);
    }
    this.dirty(true);
  }

  private applySettings(next: FleetSettings, prev: FleetSettings | undefined): void {
    this.monitor.configure();
    if (prev && (prev.probe.unknownHostKey !== next.probe.unknownHostKey || prev.probe.timeoutSec !== next.probe.timeoutSec)) this.monitor.rehold();
    if (this.autostart) {
      this.configurePoller(next);
      void this.syslog.apply(next.syslog);
    }
  }

  private configurePoller(s: FleetSettings): void {
    const p = s.probe;
    const key = p.enabled ? `${p.intervalSec}/${p.timeoutSec}/${p.concurrency}` : 'off';
    if (key === this.pollerKey && (this.poller || !p.enabled)) return;
    this.pollerKey = key;
    if (this.poller) this.release(this.poller);
    this.poller = undefined;
    this.monitor.setHolding(p.enabled);
    if (!p.enabled) {
      this.publisher.setHealth({ state: 'down', cause: new AppError('UNAVAILABLE', 'host probes are turned off', { hint: 'Turn them on in Fleet → Settings.' }).toData() });
      return;
    }
    const intervalMs = p.intervalSec * 1000;
    const perHostMs = p.timeoutSec * 1000;
    this.poller = this.register(
      new LivePoller<FleetLiveData>({
        publisher: this.publisher,
        clock: this.deps.clock,
        intervalMs,
        // Every host is bounded by its own timeout; this only guards the round as a whole.
        timeoutMs: perHostMs * Math.ceil(MAX_FLEET_HOSTS / p.concurrency) + 60_000,
        staleAfterMs: intervalMs * 3 + perHostMs * 2,
        poll: async (signal) => {
          await this.monitor.poll(signal);
          this.learning = this.learnHostnames();
          return this.buildData();
        },
      }),
    );
    // Hosts are shown from the inventory at once; their own heartbeats say what is known of them.
    this.publisher.markLive();
    this.poller.start();
  }

  private learning: Promise<void> | undefined;

  private async learnHostnames(): Promise<void> {
    const found = new Map<string, string>();
    for (const h of this.inventory.hosts) {
      if (h.hostname) continue;
      const name = this.monitor.latestMetrics(h.id)?.hostname;
      if (name) found.set(h.id, name);
    }
    if (found.size === 0) return;
    await this.inventory.learnHostnames(found).catch((err: unknown) => this.deps.log?.(`fleet: host names not saved: ${AppError.from(err).message}`));
  }

  saveHost(draft: FleetHostDraft): Promise<FleetHost> {
    return this.inventory.saveHost(draft);
  }

  removeHost(id: string): Promise<void> {
    return this.inventory.removeHost(id);
  }

  addHosts(drafts: readonly FleetHostDraft[]): Promise<AddHostsResult> {
    return this.inventory.addHosts(drafts);
  }

  saveGroup(g: FleetGroup): Promise<FleetGroup> {
    return this.inventory.saveGroup(g);
  }

  removeGroup(name: string): Promise<void> {
    return this.inventory.removeGroup(name);
  }

  saveRule(r: AlertRule): Promise<AlertRule> {
    return this.inventory.saveRule(r);
  }

  removeRule(id: string): Promise<void> {
    return this.inventory.removeRule(id);
  }

  updateSettings(patch: FleetSettingsPatch): Promise<FleetSettings> {
    return this.inventory.updateSettings(patch);
  }

  get settings(): FleetSettings {
    return this.inventory.settings;
  }

  // ---- what other features ask ----

  /** The inventory host a MAC / host name / IP / SSH host / lotus worker belongs to. */
  lookup(q: FleetLookup): FleetHost | undefined {
    return this.inventory.lookup(q);
  }

  get hosts(): readonly FleetHost[] {
    return this.inventory.hosts;
  }

  readonly onDidChangeHosts: Event<InventoryChange> = (listener) => this.inventory.onDidChange(listener);

  hostState(id: string): FleetHostState | undefined {
    return this.monitor.hostState(id);
  }

  latestMetrics(id: string): HostMetrics | undefined {
    return this.monitor.latestMetrics(id);
  }

  /** The latest probe of a host as Miners' WorkerHardware (seed 001), or undefined before the first one. */
  workerHardware(id: string): WorkerHardware | undefined {
    const m = this.monitor.latestMetrics(id);
    return m ? workerHardware(m) : undefined;
  }

  history(hostId: string): HostHistory {
    if (!this.inventory.host(hostId)) throw new AppError('NOT_FOUND', `no host with id ${hostId}`);
    return this.monitor.history.get(hostId);
  }

  // ---- probes and alerts ----

  probeNow(): void {
    if (!this.poller) throw new AppError('UNAVAILABLE', 'host probes are turned off', { hint: 'Turn them on in Fleet → Settings.' });
    this.poller.pollNow();
  }

  retryHost(id: string): void {
    this.monitor.retry(id);
  }

  acknowledge(alertId: string): Alert {
    return this.monitor.acknowledge(alertId);
  }

  alertHistoryList(options: { hostId?: string | undefined; limit: number }): Alert[] {
    return this.alertHistory.list({ ...(options.hostId !== undefined ? { hostId: options.hostId } : {}), limit: options.limit });
  }

  // ---- imports and exports ----

  async importSshConfig(login: ImportLogin): Promise<ImportPreview> {
    const read = this.deps.readSshConfig ?? (() => importSshConfigHosts());
    return sshConfigPreview(await read(), login, this.inventory.hosts);
  }

  async importEtcd(input: EtcdImportInput & ImportLogin, signal?: AbortSignal): Promise<ImportPreview> {
    const pattern = input.pattern ?? '/farm/workers/{mac}/env';
    const read = this.deps.readEtcdEnv ?? ((i: { endpoints: string[]; sessionId?: string | undefined; pattern: string }, s?: AbortSignal) => readWorkerEnvs(i, this.deps.clock, this.deps.etcdSessions, s));
    const { rows, skipped, from } = await read({ endpoints: input.endpoints ?? [], sessionId: input.sessionId, pattern }, signal);
    return etcdPreview(rows, skipped, { ...input, pattern }, from, this.inventory.hosts);
  }

  importText(input: TextImportInput & ImportLogin): ImportPreview {
    return textPreview(input, this.inventory.hosts);
  }

  async exportInventory(file: string): Promise<{ path: string; hosts: number; groups: number; rules: number }> {
    const target = outputPath(file);
    const inv = this.inventory.snapshot();
    await writeInventoryExport(target, inv);
    return { path: target, hosts: inv.hosts.length, groups: inv.groups.length, rules: inv.rules.length };
  }

  async importInventory(file: string): Promise<AddHostsResult & { groups: number; rules: number }> {
    const inv = await readInventoryExport(outputPath(file));
    return this.inventory.importInventory(inv);
  }

  // ---- syslog ----

  syslogTail(input: { filter: SyslogFilter; limit: number }, sink: Sink<SyslogTailEvent>): Disposable {
    return this.syslog.tail(input, sink);
  }

  syslogPage(input: { filter: SyslogFilter; beforeSeq: number; limit: number }): SyslogPage {
    return this.syslog.page(input);
  }

  syslogExport(input: { path: string; format: SyslogExportFormat; filter: SyslogFilter }): Promise<{ path: string; count: number; bytes: number }> {
    return this.syslog.export(input);
  }

  protected override onDispose(): void {
    this.monitor.dispose();
    void this.syslog.close();
    void this.alertHistory.close().catch((err: unknown) => this.deps.log?.(`fleet: alert history not saved: ${AppError.from(err).message}`));
    this.inventory.dispose();
  }

  /** Disposes and waits for the syslog ports to close and the alert history to be written. */
  async close(): Promise<void> {
    await this.disposeAsync();
    await this.learning;
    await this.inventory.idle();
    await this.syslog.close();
    await this.alertHistory.close();
  }
}

/** A person may take this long to answer a host key question (HostKeyPrompts expires them after 120 s). */
export const HOST_KEY_QUESTION_MS = 130_000;

/**
 * SSH options of probe connections: the host key policy, and a handshake as long as the per-host
 * timeout allows (a loaded rig answers slowly). With "ask", the handshake waits while the question
 * is on screen (ssh2's ready timeout runs while the host key is being verified); a probe is still
 * bounded by its own timeout, so a host that does not answer is reported missed on time.
 */
export function probeRouteOptions(p: { unknownHostKey: 'ask' | 'accept-new' | 'refuse'; timeoutSec: number }): RouteOptions {
  const handshakeMs = Math.max(10_000, Math.min(60_000, p.timeoutSec * 1000));
  return { unknownHostKey: p.unknownHostKey, readyTimeoutMs: p.unknownHostKey === 'ask' ? Math.max(handshakeMs, HOST_KEY_QUESTION_MS) : handshakeMs };
}

/** What an import needs of the etcd feature: a session's name, and an operation run on it (opened on demand). */
export interface EtcdSessionRunner {
  name(sessionId: string): string | undefined;
  use<T>(sessionId: string, what: string, fn: (session: EtcdSession) => Promise<T>): Promise<T>;
}

/** Worker envs from etcd: through an etcd page session when one is named, else reached directly. */
async function readWorkerEnvs(
  input: { endpoints: string[]; sessionId?: string | undefined; pattern: string },
  clock: Clock,
  sessions: EtcdSessionRunner | undefined,
  signal?: AbortSignal,
): Promise<{ rows: EnvRow[]; skipped: number; from: string }> {
  const { parseKeyPattern } = await import('../etcd/farm-keys');
  const pattern = parseKeyPattern(input.pattern, 'mac');
  if (input.sessionId !== undefined) {
    const id = input.sessionId;
    const name = sessions?.name(id);
    if (!sessions || name === undefined) throw new AppError('NOT_FOUND', `there is no etcd session ${JSON.stringify(id)}`, { hint: 'Pick a session saved on the etcd page, or give endpoints.' });
    return sessions.use(id, 'import worker envs', async (session) => ({ ...(await walkWorkerEnvs(session, pattern, signal)), from: `etcd session "${name}" ${input.pattern}` }));
  }
  const { EtcdSession } = await import('../etcd/etcd-session');
  const session = await EtcdSession.open({ id: 'fleet-import', name: 'fleet import', target: { kind: 'direct', endpoints: input.endpoints } }, { clock });
  try {
    return { ...(await walkWorkerEnvs(session, pattern, signal)), from: `${session.endpoint} ${input.pattern}` };
  } finally {
    session.dispose();
  }
}

async function walkWorkerEnvs(session: EtcdSession, pattern: KeyPattern, signal?: AbortSignal): Promise<{ rows: EnvRow[]; skipped: number }> {
  const { listEnvTable } = await import('../etcd/farm-keys');
  const rows: EnvRow[] = [];
  let skipped = 0;
  let after: string | null = null;
  let revision: number | undefined;
  for (;;) {
    if (signal?.aborted) throw new AppError('CANCELLED', 'the etcd import was cancelled');
    const page = await listEnvTable(session, pattern, { after, ...(revision !== undefined ? { revision } : {}) });
    rows.push(...page.rows);
    skipped += page.skipped;
    revision = page.revision;
    if (!page.more || page.lastKey === null || rows.length >= MAX_FLEET_HOSTS) break;
    after = page.lastKey;
  }
  return { rows: rows.slice(0, MAX_FLEET_HOSTS), skipped };
}
