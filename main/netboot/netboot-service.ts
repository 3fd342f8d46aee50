import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { DisposableBase, DisposableStore } from '../contract/lifecycle';
import {
  NETBOOT_STATUS_KEY,
  NetbootDnsmasqRequestSchema,
  type MachineTimeline,
  type NetbootConfigText,
  type NetbootDnsmasq,
  type NetbootDnsmasqRequest,
  type NetbootEtcdPreview,
  type NetbootEtcdValue,
  type NetbootFeatureStatus,
  type NetbootLiveData,
  type NetbootLocatedProblem,
  type NetbootMachineRow,
  type NetbootSaveResult,
  type NetbootSteps,
  type NetbootTimelineCounts,
  type NetbootValidation,
  type SubnetCounts,
} from '../contract/netboot';
import type { Notice } from '../contract/system';
import { normalizeMac } from '../farm/mac-address';
import { parseEnv } from '../farm/env-file';
import { LivePublisher } from '../live/live-publisher';
import { writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { findPackageRoot } from '../host/package-root';
import { NetbootConfigFile, parseNetbootConfigText } from './config-file';
import type { ResolvedNetbootConfig, ResolvedSubnet } from './config-validation';
import { generateDnsmasqConfig } from './dnsmasq-config';
import type { EtcdReader } from './etcd-reader';
import { buildInitialEnv, initialEnvKeys } from './initial-env';
import { locateJsonPaths } from './json-locate';
import { NetbootPrefsFile } from './netboot-prefs';
import { NetbootServer, type NetbootServerOptions } from './netboot-server';

/**
 * The netboot feature's service: one NetbootServer on the config file the prefs name (default
 * netboot.json in the config dir), started and stopped from the UI; the config edited as text
 * (validated as typed, saved = written and reloaded, an invalid file refused with the last good
 * config kept); the dnsmasq companion; the etcd values a subnet reads; and one live stream:
 * machines keyed by MAC (or "ip:<address>"), subnet counts keyed by subnet, the status as one item.
 *
 * etcd values are read through the responder's own EtcdReader (the netboot config's "etcd"
 * endpoints: exactly what get-initial-config reads), or, when the page names one, through an
 * etcd page session (`etcdSessions`, given by netboot-feature.ts): see docs/netboot.md, "etcd values".
 * Env values are shown to the UI only; nothing here logs them.
 */

export interface NetbootServiceOptions {
  configDir: string;
  clock: Clock;
  log(line: string): void;
  /** Extra NetbootServer options (tests: neighbours, an etcd reader, a listen override). */
  server?: Omit<NetbootServerOptions, 'config' | 'configFile' | 'clock' | 'log'>;
  /** The live stream carries at most this many machines (the most recently seen). Default 5,000. */
  maxLiveMachines?: number;
  /** Minimum time between live frames. Default 250 ms. */
  liveIntervalMs?: number;
  /** Where the etcd values of the preview are read; default the responder's own reader. */
  etcdValuesReader?(server: NetbootServer): EtcdReader | undefined;
  /** The etcd page's sessions, for a preview read through one of them. */
  etcdSessions?: EtcdSessionReaders;
}

/** What the preview needs of the etcd feature: a session's name, and one key's text through it. */
export interface EtcdSessionReaders {
  name(sessionId: string): string | undefined;
  readText(sessionId: string, key: string): Promise<string | undefined>;
}

/** A value shown in the etcd preview is cut here. */
const MAX_PREVIEW_CHARS = 64 * 1024;
/** At most this many subnets are listed by validateConfig. */
const MAX_SUBNET_SUMMARIES = 5000;
/** Larger texts are validated but not searched for problem positions. */
const MAX_LOCATE_CHARS = 4 * 1024 * 1024;

/** The latest event of each step since the machine's latest script request. */
export function machineRow(m: MachineTimeline): NetbootMachineRow {
  const { events, ...rest } = m;
  let start = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.step === 'script') {
      start = i;
      break;
    }
  }
  const steps: NetbootSteps = {};
  for (let i = start; i < events.length; i++) steps[events[i]!.step] = events[i];
  return { ...rest, steps, eventCount: events.length };
}

function samplePath(): string | undefined {
  try {
    return path.join(findPackageRoot(), 'resources', 'netboot', 'sample-config.json');
  } catch {
    return undefined;
  }
}

const FALLBACK_SAMPLE = `${JSON.stringify(
  {
    version: 1,
    listen: { host: '127.0.0.1', port: 8080 },
    serverUrl: 'http://127.0.0.1:8080',
    defaults: {
      script: ['#!ipxe', 'kernel {{bootUrl}}/vmlinuz?mac={{mac}} {{kernelArgs}}', 'initrd {{bootUrl}}/initrd.gz?mac={{mac}}', 'boot'],
      kernelArgs: 'console=ttyS0 quiet',
      datacenterUuid: '8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80',
      agentConfig: {
        supervisor: { images: [{ uri: 'http://127.0.0.1:8080/boot/userland.tar.zst', mountpoint: '/' }] },
        metrics: { input: { bminer: { device: '', solver: '' } }, output: { influxdb: { url: 'http://127.0.0.1:8086', db: 'miners' } } },
      },
      etcdKeys: { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{mac}/env' },
    },
    subnets: [{ name: 'lab', cidr: '10.40.24.0/24' }],
  },
  null,
  2,
)}\n`;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function envValue(key: string, text: string | undefined, reason?: string): NetbootEtcdValue {
  if (reason !== undefined) return { key, state: 'unavailable', reason };
  if (text === undefined) return { key, state: 'missing', reason: `etcd key ${key} does not exist` };
  const parsed = parseEnv(text);
  const shown = text.length > MAX_PREVIEW_CHARS ? { text: text.slice(0, MAX_PREVIEW_CHARS), truncated: true } : { text };
  if (parsed.problems.length > 0) {
    const lines = parsed.problems.slice(0, 10).map((p) => p.line);
    return { key, state: 'invalid', ...shown, entries: parsed.entries.length, reason: `not a valid env file (bad line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})` };
  }
  return { key, state: 'ok', ...shown, entries: parsed.entries.length };
}

export class NetbootService extends DisposableBase {
  readonly live: LivePublisher<NetbootLiveData>;
  private readonly prefs: NetbootPrefsFile;
  private readonly maxLiveMachines: number;
  private current: { server: NetbootServer; file: NetbootConfigFile; subs: DisposableStore } | undefined;
  private configExists = false;
  /** Least recently seen first (re-inserted on change). */
  private readonly rows = new Map<string, NetbootMachineRow>();
  private readonly dirty = new Set<string>();
  private rebuild = true;
  private switching: Promise<void> = Promise.resolve();

  constructor(private readonly options: NetbootServiceOptions) {
    super();
    this.prefs = new NetbootPrefsFile(options.configDir, options.clock);
    this.maxLiveMachines = options.maxLiveMachines ?? 5000;
    this.live = this.register(
      new LivePublisher<NetbootLiveData>({
        initial: { machines: {}, subnets: {}, status: {} },
        compute: () => this.compute(),
        clock: options.clock,
        minIntervalMs: options.liveIntervalMs ?? 250,
        health: { state: 'live' },
      }),
    );
  }

  /** Loads the prefs and the config file (a missing or invalid file is reported, not thrown). */
  async init(): Promise<Notice[]> {
    const notices = await this.prefs.load();
    await this.open(this.prefs.configPath);
    return notices;
  }

  get configPath(): string {
    return this.current?.file.path ?? this.prefs.configPath;
  }

  /** The responder (for the CLI and tests). */
  get server(): NetbootServer {
    if (!this.current) throw new AppError('UNAVAILABLE', 'the netboot service is not initialised');
    return this.current.server;
  }

  private async open(file: string): Promise<void> {
    const prev = this.current;
    this.current = undefined;
    if (prev) {
      prev.subs.dispose();
      await prev.server.disposeAsync();
    }
    const configFile = new NetbootConfigFile(file, { clock: this.options.clock });
    await configFile.load();
    this.configExists = await exists(configFile.path);
    const server = new NetbootServer({ ...this.options.server, configFile, clock: this.options.clock, log: this.options.log });
    const subs = new DisposableStore();
    subs.add(
      server.onDidRecord((r) => {
        this.dirty.add(r.key);
        this.live.markDirty();
      }),
    );
    subs.add(server.onDidChangeStatus(() => this.live.markDirty()));
    this.current = { server, file: configFile, subs };
    this.rows.clear();
    this.dirty.clear();
    this.rebuild = true;
    this.live.markDirty();
  }

  // ---- live ----

  private compute(): NetbootLiveData {
    const cur = this.current;
    if (!cur) return { machines: {}, subnets: {}, status: {} };
    const server = cur.server;
    if (this.rebuild) {
      this.rebuild = false;
      this.dirty.clear();
      this.rows.clear();
      const machines = server.timeline().machines.sort((a, b) => a.lastSeenMs - b.lastSeenMs);
      for (const m of machines.slice(-this.maxLiveMachines)) this.rows.set(m.key, machineRow(m));
    } else {
      for (const key of this.dirty) {
        const m = server.machine(key);
        this.rows.delete(key);
        if (m) this.rows.set(key, machineRow(m));
      }
      this.dirty.clear();
      while (this.rows.size > this.maxLiveMachines) this.rows.delete(this.rows.keys().next().value as string);
    }
    const counts = server.timelineCounts();
    const subnets: Record<string, SubnetCounts> = {};
    for (const c of counts.subnets) subnets[c.subnet] = c;
    return { machines: Object.fromEntries(this.rows), subnets, status: { [NETBOOT_STATUS_KEY]: this.statusOf(cur, counts) } };
  }

  private statusOf(cur: NonNullable<typeof this.current>, counts: NetbootTimelineCounts): NetbootFeatureStatus {
    const s = cur.server.status;
    const report = s.config ?? cur.file.report;
    return {
      ...s,
      ...(report ? { config: report } : {}),
      configPath: cur.file.path,
      configExists: this.configExists,
      machines: counts.machineCount,
      shownMachines: Math.min(this.rows.size, counts.machineCount),
      unknownClients: counts.unknownClients,
      evicted: counts.evicted,
      stuckAfterSec: Math.round((cur.server.config?.stuckAfterMs ?? 300_000) / 1000),
    };
  }

  status(): NetbootFeatureStatus {
    const cur = this.current;
    if (!cur) throw new AppError('UNAVAILABLE', 'the netboot service is not initialised');
    return this.statusOf(cur, cur.server.timelineCounts());
  }

  // ---- start / stop ----

  async start(): Promise<NetbootFeatureStatus> {
    await this.switching;
    const cur = this.current;
    if (!cur) throw new AppError('UNAVAILABLE', 'the netboot service is not initialised');
    this.configExists = await exists(cur.file.path);
    if (!this.configExists) {
      throw new AppError('NOT_FOUND', `there is no netboot config at ${cur.file.path} yet`, { hint: 'Write one in the config editor (it starts from the sample) and save it, then start.' });
    }
    await cur.server.start();
    return this.status();
  }

  async stop(): Promise<NetbootFeatureStatus> {
    await this.switching;
    await this.current?.server.stop();
    return this.status();
  }

  // ---- config ----

  async readConfig(): Promise<NetbootConfigText> {
    const cur = this.current;
    const file = this.configPath;
    const report = cur ? (cur.server.status.config ?? cur.file.report) : undefined;
    try {
      const text = await readFile(file, 'utf8');
      this.configExists = true;
      return { path: file, exists: true, text, ...(report ? { report } : {}) };
    } catch (err) {
      if (!isMissing(err)) throw new AppError('PERMISSION_DENIED', `cannot read ${file}: ${(err as Error).message}`);
      this.configExists = false;
      const sample0 = samplePath();
      const sample = sample0 ? await readFile(sample0, 'utf8').catch(() => undefined) : undefined;
      return { path: file, exists: false, text: sample ?? FALLBACK_SAMPLE };
    }
  }

  async validateConfig(text: string): Promise<NetbootValidation> {
    const parsed = await parseNetbootConfigText(text, { path: this.configPath });
    if ('problems' in parsed) {
      const found = text.length <= MAX_LOCATE_CHARS ? locateJsonPaths(text, parsed.problems.map((p) => p.path)) : new Map();
      const problems: NetbootLocatedProblem[] = parsed.problems.map((p) => {
        // A JSON syntax error names its own line and column.
        const syntax = p.path === '' ? /at line (\d+), column (\d+)/.exec(p.message) : null;
        const at = syntax ? { line: Number(syntax[1]), column: Number(syntax[2]) } : found.get(p.path);
        return at ? { ...p, ...at } : { ...p };
      });
      const n = problems.length;
      return { ok: false, message: `${n} problem${n === 1 ? '' : 's'}`, problems, subnets: [], subnetCount: 0, restartRequired: false };
    }
    const cfg = parsed.config;
    const v6 = cfg.subnets.filter((s) => s.cidr.family === 6).length;
    const n = cfg.subnets.length;
    return {
      ok: true,
      message: `valid: ${n} subnet${n === 1 ? '' : 's'} (${n - v6} IPv4, ${v6} IPv6)`,
      problems: [],
      subnets: cfg.subnets.slice(0, MAX_SUBNET_SUMMARIES).map((s) => ({
        name: s.name,
        cidr: s.cidr.text,
        family: s.cidr.family,
        datacenterUuid: s.datacenterUuid,
        dcConfigKey: initialEnvKeys(s, '00:00:00:00:00:00').dcKey,
        workerEnvKeyPattern: s.workerEnvKey.source,
      })),
      subnetCount: n,
      restartRequired: this.listenDiffers(cfg),
    };
  }

  private listenDiffers(cfg: ResolvedNetbootConfig): boolean {
    const s = this.current?.server.status;
    if (!s || s.state !== 'running' || !s.listenUrl) return false;
    const url = new URL(s.listenUrl);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return host !== cfg.listen.host || (cfg.listen.port !== 0 && String(cfg.listen.port) !== url.port);
  }

  /** Writes the text and reloads: an invalid file is refused (last good config kept) and the report says why. */
  async saveConfig(text: string): Promise<NetbootSaveResult> {
    await this.switching;
    const cur = this.current;
    if (!cur) throw new AppError('UNAVAILABLE', 'the netboot service is not initialised');
    try {
      await writeFileAtomic(cur.file.path, text, 0o644);
    } catch (err) {
      throw writeError(cur.file.path, err);
    }
    this.configExists = true;
    const report = await cur.server.reloadConfig();
    this.live.markDirty();
    return { report, restartRequired: cur.server.status.restartRequired };
  }

  /** Uses another config file ("" = netboot.json in the config dir). Only while the responder is stopped. */
  async setConfigPath(file: string): Promise<NetbootFeatureStatus> {
    if (file !== '' && !path.isAbsolute(file)) {
      throw new AppError('INVALID_INPUT', `the config path must be absolute, not ${JSON.stringify(file)}`, { hint: 'Write the full path, e.g. /etc/drover/netboot.json, or leave it empty for netboot.json in the config folder.' });
    }
    const state = this.current?.server.status.state;
    if (state === 'running' || state === 'starting' || state === 'stopping') {
      throw new AppError('CONFLICT', 'the responder is running on the current config file', { hint: 'Stop it first, then choose another config file.' });
    }
    const run = async () => {
      await this.prefs.save({ configPath: file === '' ? '' : path.resolve(file) });
      await this.open(this.prefs.configPath);
    };
    const next = this.switching.then(run, run);
    this.switching = next.catch(() => undefined);
    await next;
    return this.status();
  }

  // ---- dnsmasq ----

  private goodConfig(what: string): ResolvedNetbootConfig {
    const cfg = this.current?.server.config;
    if (!cfg) {
      throw new AppError('INVALID_INPUT', `there is no valid netboot config to ${what} from`, { hint: 'Fix the config (see its problems) and save it first.' });
    }
    return cfg;
  }

  dnsmasq(input: NetbootDnsmasqRequest): NetbootDnsmasq {
    const req = NetbootDnsmasqRequestSchema.parse(input);
    const cfg = this.goodConfig('generate a dnsmasq config');
    try {
      const out = generateDnsmasqConfig(cfg, {
        mode: req.mode,
        interfaces: req.interfaces,
        tftp: req.tftp,
        ...(req.tftpRoot !== undefined ? { tftpRoot: req.tftpRoot } : {}),
        // A rig reaches dnsmasq on a LAN: no ping delay is only for test networks.
      });
      return { mode: req.mode, text: out.text, args: out.args, warnings: out.warnings, subnets: cfg.subnets.length, serverUrl: cfg.serverUrl };
    } catch (err) {
      throw new AppError('INVALID_INPUT', err instanceof Error ? err.message : String(err), { hint: 'Change the value named so that it holds no comma, quote or newline.' });
    }
  }

  async saveDnsmasq(input: NetbootDnsmasqRequest & { path: string; overwrite?: boolean }): Promise<{ path: string; bytes: number }> {
    if (!path.isAbsolute(input.path)) {
      throw new AppError('INVALID_INPUT', `the dnsmasq config path must be absolute, not ${JSON.stringify(input.path)}`, { hint: 'For example /etc/dnsmasq.d/drover-netboot.conf.' });
    }
    const out = this.dnsmasq(input);
    const file = path.resolve(input.path);
    if (!input.overwrite && (await exists(file))) {
      throw new AppError('ALREADY_EXISTS', `${file} already exists`, { hint: 'Choose another file, or confirm that it may be replaced.' });
    }
    try {
      await writeFileAtomic(file, out.text, 0o644);
    } catch (err) {
      throw writeError(file, err);
    }
    this.options.log(`netboot: wrote the ${out.mode} dnsmasq config for ${out.subnets} subnet(s) to ${file}`);
    return { path: file, bytes: Buffer.byteLength(out.text) };
  }

  // ---- etcd values ----

  async etcdValues(input: { subnet: string; mac?: string | undefined; sessionId?: string | undefined }, signal?: AbortSignal): Promise<NetbootEtcdPreview> {
    const cfg = this.goodConfig('read etcd values');
    const subnet: ResolvedSubnet | undefined = cfg.subnets.find((s) => s.name === input.subnet);
    if (!subnet) throw new AppError('NOT_FOUND', `the running netboot config has no subnet named ${JSON.stringify(input.subnet)}`, { hint: 'Save the config first: values are read for the config in use.' });
    let mac: string | undefined;
    if (input.mac !== undefined && input.mac !== '') {
      mac = normalizeMac(input.mac);
      if (!mac) throw new AppError('INVALID_INPUT', `${JSON.stringify(input.mac.slice(0, 40))} is not a MAC address`, { hint: 'Write it as 52:54:00:a1:9c:ae (hyphens, dots or none also work).' });
    }
    const sessionId = input.sessionId;
    let sessionName: string | undefined;
    if (sessionId !== undefined) {
      sessionName = this.options.etcdSessions?.name(sessionId);
      if (sessionName === undefined) throw new AppError('NOT_FOUND', `there is no etcd session ${JSON.stringify(sessionId)}`, { hint: 'Pick a session saved on the etcd page, or read through the responder.' });
    }
    const base: NetbootEtcdPreview = {
      subnet: subnet.name,
      cidr: subnet.cidr.text,
      datacenterUuid: subnet.datacenterUuid,
      source: sessionId === undefined ? 'responder' : 'session',
      ...(sessionId !== undefined ? { sessionId, sessionName } : {}),
      endpoints: sessionId === undefined ? (cfg.etcd?.endpoints ?? []) : [],
      ...(mac ? { mac } : {}),
      atMs: this.options.clock.now(),
    };
    const server = this.server;
    const sessions = this.options.etcdSessions;
    const reader: EtcdReader | undefined =
      sessionId !== undefined && sessions
        ? { get: (key) => sessions.readText(sessionId, key) }
        : this.options.etcdValuesReader
          ? this.options.etcdValuesReader(server)
          : server.etcdReader;
    if (!reader) return { ...base, reason: 'etcd is not configured in the netboot config (add "etcd": { "endpoints": [...] })' };
    const keys = initialEnvKeys(subnet, mac ?? '00:00:00:00:00:00');
    const read = async (key: string): Promise<{ text: string | undefined } | { reason: string }> => {
      try {
        return { text: await reader.get(key, signal) };
      } catch (err) {
        return { reason: AppError.from(err).message };
      }
    };
    const [dcRead, workerRead] = await Promise.all([read(keys.dcKey), mac ? read(keys.workerKey) : Promise.resolve(undefined)]);
    const dc = 'reason' in dcRead ? envValue(keys.dcKey, undefined, dcRead.reason) : envValue(keys.dcKey, dcRead.text);
    const out: NetbootEtcdPreview = { ...base, dc };
    if (mac && workerRead) {
      out.worker = 'reason' in workerRead ? envValue(keys.workerKey, undefined, workerRead.reason) : envValue(keys.workerKey, workerRead.text);
      if (out.dc?.state === 'ok' && out.worker.state === 'ok' && 'text' in dcRead && 'text' in workerRead) {
        // The same merge get-initial-config does, on the values just read (no second read).
        const values = new Map([
          [keys.dcKey, dcRead.text],
          [keys.workerKey, workerRead.text],
        ]);
        const merged = await buildInitialEnv(subnet, mac, { get: async (k) => values.get(k) });
        if (merged.ok) out.merged = { text: merged.text, keyCount: merged.keyCount };
      }
    }
    return out;
  }

  machine(key: string): MachineTimeline {
    const m = this.current?.server.machine(key);
    if (!m) throw new AppError('NOT_FOUND', `no machine ${JSON.stringify(key)} in the boot timeline`, { hint: 'It may have been dropped to keep the timeline under its limit.' });
    return m;
  }

  protected override onDispose(): void {
    this.current?.subs.dispose();
  }

  override async disposeAsync(): Promise<void> {
    const cur = this.current;
    await super.disposeAsync();
    await cur?.server.disposeAsync();
  }
}
