import http, { STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../contract/clock';
import { AppError, type ErrorData } from '../contract/errors';
import { Emitter, type Disposable, type Event } from '../contract/lifecycle';
import type {
  MachineTimeline,
  NetbootConfigReport,
  NetbootCounters,
  NetbootEtcd,
  NetbootEtcdHealth,
  NetbootRecord,
  NetbootServerState,
  NetbootStatus,
  NetbootTimelineCounts,
  NetbootTimelineSnapshot,
} from '../contract/netboot';
import type { NetbootConfigFile } from './config-file';
import { formatConfigProblem, type ResolvedNetbootConfig } from './config-validation';
import { Etcd3Reader } from './etcd3-reader';
import { DEFAULT_ETCD_COPY_LIMITS, watchPrefixes } from './etcd-copy';
import type { EtcdReader } from './etcd-reader';
import { WatchedEtcdReader } from './watched-etcd-reader';
import { NeighbourTable } from './neighbour-table';
import { NetbootResponder } from './responder';
import { TimelineRecorder } from './timeline-recorder';

/**
 * The netboot responder as a service: owns the HTTP server, the boot timeline, the config (and
 * its file, if given) and the etcd reader it makes from the config. start()/stop() can repeat;
 * stop() closes every connection and frees the port. The timeline survives stop/start and is
 * released by dispose().
 */

export interface NetbootServerOptions {
  /** A validated config. Either this or configFile. */
  config?: ResolvedNetbootConfig;
  /** A config file, loaded by start() and again by reloadConfig(). */
  configFile?: NetbootConfigFile;
  /** Overrides config.listen (the CLI's --host/--port; tests use port 0). */
  listen?: { host?: string; port?: number };
  /** An etcd reader to use instead of one made from config.etcd. Not disposed by the server. */
  etcd?: EtcdReader;
  /**
   * How a reader is made from config.etcd (default: an Etcd3Reader behind the watched copy of the
   * prefixes the subnets' key patterns read, unless config.etcd.cache.enabled is false).
   */
  createEtcdReader?: (etcd: NetbootEtcd, clock: Clock) => EtcdReader & Disposable;
  /** The neighbour table for MAC lookups; default the system's (/proc/net/arp, ip -6 neigh); false: none. */
  neighbours?: NeighbourTable | false;
  clock?: Clock;
  /** One line per lifecycle event, config reload, etcd health change or internal error. Never env values. */
  log?: (line: string) => void;
}

export interface ApplyConfigResult {
  /** The listen address or maxHeaderBytes changed: stop() and start() to use them. */
  restartRequired: boolean;
}

function zeroCounters(): NetbootCounters {
  return {
    requests: 0,
    scripts: 0,
    fallbacks: 0,
    configs: 0,
    envs: 0,
    files: 0,
    notFound: 0,
    unavailable: 0,
    badRequests: 0,
    headerTooLarge: 0,
    timeouts: 0,
    internalErrors: 0,
  };
}

export class NetbootServer implements Disposable {
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly configFile: NetbootConfigFile | undefined;
  private cfg: ResolvedNetbootConfig | undefined;
  private configReport: NetbootConfigReport | undefined;
  private readonly recorder: TimelineRecorder;
  private readonly neighbours: NeighbourTable | undefined;
  private readonly counters = zeroCounters();
  private readonly sockets = new Set<Socket>();
  private server: http.Server | undefined;
  private startedWith: { host: string; port: number; maxHeaderBytes: number } | undefined;
  private boundPort: number | undefined;
  private state: NetbootServerState = 'stopped';
  private lastError: ErrorData | undefined;
  private ownedEtcd: { reader: EtcdReader & Disposable; key: string } | undefined;
  private etcdHealth: NetbootEtcdHealth = { state: 'not-configured' };
  private transition: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly statusEmitter = new Emitter<NetbootStatus>();

  /** Every timeline change (a step, a machine turned stuck, a machine removed). */
  readonly onDidRecord: Event<NetbootRecord>;
  /** State, config, etcd health and error changes (not every request: poll status for counters). */
  readonly onDidChangeStatus: Event<NetbootStatus> = this.statusEmitter.event;

  constructor(private readonly options: NetbootServerOptions) {
    if (!options.config && !options.configFile) throw new AppError('INVALID_INPUT', 'NetbootServer needs a config or a config file');
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.configFile = options.configFile;
    this.cfg = options.config ?? options.configFile?.current;
    const t = this.cfg?.timeline ?? { maxMachines: 10_000, maxEventsPerMachine: 32 };
    this.recorder = new TimelineRecorder({
      clock: this.clock,
      stuckAfterMs: this.cfg?.stuckAfterMs ?? 300_000,
      maxMachines: t.maxMachines,
      maxEventsPerMachine: t.maxEventsPerMachine,
      subnets: this.cfg ? subnetList(this.cfg) : [],
    });
    this.onDidRecord = this.recorder.onDidRecord;
    this.neighbours = options.neighbours === false ? undefined : (options.neighbours ?? new NeighbourTable({ clock: this.clock }));
    if (this.cfg) this.updateEtcd(this.cfg);
  }

  get config(): ResolvedNetbootConfig | undefined {
    return this.cfg;
  }

  /** http://HOST:PORT while running. */
  get listenUrl(): string | undefined {
    if (this.boundPort === undefined || !this.startedWith) return undefined;
    const h = this.startedWith.host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.boundPort}`;
  }

  get status(): NetbootStatus {
    const s: NetbootStatus = {
      state: this.state,
      subnets: this.cfg?.subnets.length ?? 0,
      openConnections: this.sockets.size,
      restartRequired: this.restartRequired(),
      etcd: this.ownedEtcd?.reader instanceof WatchedEtcdReader ? { ...this.etcdHealth, copy: this.ownedEtcd.reader.status } : { ...this.etcdHealth },
      counters: { ...this.counters },
    };
    const url = this.listenUrl;
    if (url !== undefined) s.listenUrl = url;
    if (this.boundPort !== undefined) s.port = this.boundPort;
    if (this.cfg) s.serverUrl = this.cfg.serverUrl;
    if (this.configReport) s.config = { ...this.configReport, problems: [...this.configReport.problems] };
    if (this.lastError) s.error = this.lastError;
    return s;
  }

  timeline(): NetbootTimelineSnapshot {
    return this.recorder.snapshot();
  }

  machine(key: string): MachineTimeline | undefined {
    return this.recorder.get(key);
  }

  /** The counts of timeline() without the machines (cheap on a large timeline). */
  timelineCounts(): NetbootTimelineCounts {
    return this.recorder.counts();
  }

  /**
   * The etcd reader get-initial-config uses: the one given in the options, else the one made from
   * config.etcd (undefined when the config has no etcd). Owned by the server: do not dispose.
   */
  get etcdReader(): EtcdReader | undefined {
    return this.options.etcd ?? this.ownedEtcd?.reader;
  }

  /** Loads the config file (if any) and listens. Throws AppError: INVALID_INPUT, PORT_IN_USE, PERMISSION_DENIED, UNAVAILABLE. */
  start(): Promise<void> {
    return this.serialize(() => this.doStart());
  }

  /** Closes every connection and the listener; the port is free when this resolves. */
  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn, fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'the netboot server was disposed');
    if (this.state === 'running') return;
    this.setState('starting');
    this.lastError = undefined;
    if (this.configFile && (!this.cfg || !this.configReport)) {
      const report = await this.configFile.load();
      this.configReport = report;
      this.log(`netboot: ${report.message}`);
      if (report.ok && this.configFile.current) this.applyConfig(this.configFile.current);
    }
    const cfg = this.cfg;
    if (!cfg) {
      const problems = this.configReport?.problems ?? [];
      this.fail(
        new AppError('INVALID_INPUT', this.configReport?.message ?? 'no valid netboot config', {
          hint: 'Fix the problems listed and start again.',
          details: { problems: problems.map(formatConfigProblem) },
        }),
      );
    }
    const host = this.options.listen?.host ?? cfg.listen.host;
    const port = this.options.listen?.port ?? cfg.listen.port;
    const limits = cfg.limits;
    const server = http.createServer(
      {
        maxHeaderSize: limits.maxHeaderBytes,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
        requireHostHeader: true,
      },
      new NetbootResponder({
        config: () => this.cfg!,
        recorder: this.recorder,
        neighbours: this.neighbours,
        etcd: () => this.options.etcd ?? this.ownedEtcd?.reader,
        clock: this.clock,
        counters: this.counters,
        onEtcdResult: (ok, reason) => this.onEtcdResult(ok, reason),
        log: this.log,
      }).handle,
    );
    server.maxHeadersCount = 100;
    server.maxConnections = limits.maxConnections;
    server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => socket.destroy());
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          reject(err);
        };
        const onListening = () => {
          server.off('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ host, port, exclusive: true });
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE') this.fail(new AppError('PORT_IN_USE', `${where} is already in use`, { hint: 'Stop what listens there or choose another listen.port.' }));
      if (e.code === 'EACCES') this.fail(new AppError('PERMISSION_DENIED', `not allowed to listen on ${where}`, { hint: 'Ports below 1024 need root or CAP_NET_BIND_SERVICE.' }));
      if (e.code === 'EADDRNOTAVAIL') this.fail(new AppError('UNAVAILABLE', `${host} is not an address of this machine`, { hint: 'Check listen.host.' }));
      this.fail(new AppError('UNAVAILABLE', `cannot listen on ${where}: ${e.message}`, { cause: err }));
    }
    server.on('error', (err) => this.log(`netboot: server error: ${err.message}`));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.startedWith = { host, port, maxHeaderBytes: limits.maxHeaderBytes };
    this.setState('running');
    this.log(`netboot: responder listening on ${this.listenUrl} for ${cfg.subnets.length} subnet(s); scripts point at ${cfg.serverUrl}`);
  }

  private fail(error: AppError): never {
    this.lastError = error.toData();
    this.setState('failed');
    throw error;
  }

  private async doStop(): Promise<void> {
    const server = this.server;
    if (!server) {
      if (this.state !== 'failed') this.setState('stopped');
      return;
    }
    this.setState('stopping');
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
    this.sockets.clear();
    this.boundPort = undefined;
    this.setState('stopped');
    this.log('netboot: responder stopped');
  }

  /** Reads the config file again; a valid one is applied, an invalid one is refused and the running config kept. */
  async reloadConfig(): Promise<NetbootConfigReport> {
    if (!this.configFile) throw new AppError('UNSUPPORTED', 'this netboot server was given a config, not a config file');
    const report = await this.configFile.reload();
    this.configReport = report;
    this.log(`netboot: ${report.message}`);
    if (report.ok && this.configFile.current) this.applyConfig(this.configFile.current);
    else this.fireStatus();
    return report;
  }

  /** Uses a new validated config for every request from now on (timeouts too, on a running server). */
  applyConfig(config: ResolvedNetbootConfig): ApplyConfigResult {
    this.cfg = config;
    if (!this.configFile) {
      const n = config.subnets.length;
      this.configReport = { ok: true, atMs: this.clock.now(), message: `config applied: ${n} subnet${n === 1 ? '' : 's'}`, problems: [], keptPrevious: false };
    }
    this.recorder.configure({
      stuckAfterMs: config.stuckAfterMs,
      maxMachines: config.timeline.maxMachines,
      maxEventsPerMachine: config.timeline.maxEventsPerMachine,
      subnets: subnetList(config),
    });
    const server = this.server;
    if (server) {
      const l = config.limits;
      server.headersTimeout = l.headersTimeoutMs;
      server.requestTimeout = l.requestTimeoutMs;
      server.keepAliveTimeout = l.keepAliveTimeoutMs;
      server.maxConnections = l.maxConnections;
      server.setTimeout(l.idleTimeoutMs);
    }
    this.updateEtcd(config);
    this.fireStatus();
    return { restartRequired: this.restartRequired() };
  }

  private restartRequired(): boolean {
    const s = this.startedWith;
    const cfg = this.cfg;
    if (!s || !cfg || this.state !== 'running') return false;
    const host = this.options.listen?.host ?? cfg.listen.host;
    const port = this.options.listen?.port ?? cfg.listen.port;
    return host !== s.host || port !== s.port || cfg.limits.maxHeaderBytes !== s.maxHeaderBytes;
  }

  private updateEtcd(config: ResolvedNetbootConfig): void {
    if (this.options.etcd) {
      if (this.etcdHealth.state === 'not-configured') this.etcdHealth = { state: 'unknown', sinceMs: this.clock.now() };
      return;
    }
    const prefixes = watchPrefixes(config.subnets.flatMap((s) => [s.dcConfigKey, s.workerEnvKey]));
    const key = config.etcd === undefined ? '' : JSON.stringify({ etcd: config.etcd, prefixes });
    if (this.ownedEtcd?.key === key) return;
    this.ownedEtcd?.reader.dispose();
    this.ownedEtcd = undefined;
    if (config.etcd === undefined) {
      this.etcdHealth = { state: 'not-configured' };
      return;
    }
    const make = this.options.createEtcdReader ?? ((e: NetbootEtcd, clock: Clock) => this.makeEtcdReader(e, clock, prefixes));
    this.ownedEtcd = { reader: make(config.etcd, this.clock), key };
    this.etcdHealth = { state: 'unknown', sinceMs: this.clock.now() };
  }

  private makeEtcdReader(e: NetbootEtcd, clock: Clock, prefixes: string[]): EtcdReader & Disposable {
    const inner = new Etcd3Reader({ endpoints: e.endpoints, dialTimeoutMs: e.dialTimeoutMs, requestTimeoutMs: e.requestTimeoutMs, clock });
    if (e.cache?.enabled === false || prefixes.length === 0) return inner;
    return new WatchedEtcdReader({
      inner,
      prefixes,
      clock,
      limits: { maxKeys: e.cache?.maxKeys ?? DEFAULT_ETCD_COPY_LIMITS.maxKeys, maxBytes: e.cache?.maxBytes ?? DEFAULT_ETCD_COPY_LIMITS.maxBytes },
      requestTimeoutMs: e.requestTimeoutMs,
      log: (line) => this.log(line),
      onChange: () => this.fireStatus(),
    });
  }

  private onEtcdResult(ok: boolean, reason?: string): void {
    const prev = this.etcdHealth.state;
    if (ok) {
      if (prev === 'ok') return;
      this.etcdHealth = { state: 'ok', sinceMs: this.clock.now() };
      if (prev === 'down') this.log('netboot: etcd answers again');
    } else {
      if (prev === 'down' && this.etcdHealth.reason === reason) return;
      this.etcdHealth = { state: 'down', sinceMs: prev === 'down' ? (this.etcdHealth.sinceMs ?? this.clock.now()) : this.clock.now(), reason: reason ?? 'unknown' };
      if (prev !== 'down') this.log(`netboot: ${reason ?? 'etcd is down'}; get-initial-config answers 503 until it is back`);
    }
    this.fireStatus();
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const code = err.code;
    let status = 400;
    if (code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      this.counters.headerTooLarge++;
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      this.counters.timeouts++;
    } else if (code !== 'ECONNRESET') {
      this.counters.badRequests++;
    }
    const inFlight = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const body = `drover netboot: ${STATUS_CODES[status] ?? 'Bad Request'}\n`;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // A client that does not read its answer must not hold the socket.
    const timer = this.clock.setTimeout(() => socket.destroy(), 1000);
    socket.once('close', () => timer.dispose());
  }

  private setState(state: NetbootServerState): void {
    if (this.state === state) return;
    this.state = state;
    this.fireStatus();
  }

  private fireStatus(): void {
    if (this.statusEmitter.listenerCount > 0) this.statusEmitter.fire(this.status);
  }

  /** Stops the server and releases the timeline, the etcd reader and every listener. */
  async disposeAsync(): Promise<void> {
    if (this.disposed) return;
    await this.stop().catch(() => undefined);
    this.disposed = true;
    this.ownedEtcd?.reader.dispose();
    this.ownedEtcd = undefined;
    this.recorder.dispose();
    this.statusEmitter.dispose();
  }

  dispose(): void {
    void this.disposeAsync();
  }
}

function subnetList(cfg: ResolvedNetbootConfig): { name: string; cidr: string }[] {
  return cfg.subnets.map((s) => ({ name: s.name, cidr: s.cidr.text }));
}
