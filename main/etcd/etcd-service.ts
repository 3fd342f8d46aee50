import { SecretPresence } from '../settings/secret-presence';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../contract/clock';
import type { Sink } from '../contract/define';
import {
  DEFAULT_FARM_KEYS,
  EtcdSessionConfigSchema,
  type BackupSummary,
  type ClusterStatus,
  type DeletePlan,
  type EditResultData,
  type EnvCheck,
  type EnvTablePage,
  type EtcdSessionConfig,
  type EtcdSessionItem,
  type EtcdSessionsLiveData,
  type FarmTableKind,
  type HistoryPageData,
  type JsonStyle,
  type KeyValue,
  type MergedEnv,
  type RestoreResultData,
} from '../contract/etcd';
import { AppError } from '../contract/errors';
import { DisposableBase, toDisposable, type Disposable } from '../contract/lifecycle';
import { setOwn, type LiveUpdate } from '../contract/live';
import type { Notice } from '../contract/system';
import { parseEnv, serializeEnv } from '../farm/env-file';
import { normalizeMac } from '../farm/mac-address';
import { LivePublisher } from '../live/live-publisher';
import { ensurePrivateDir, exists, fileTimestamp } from '../settings/atomic-file';
import type { SecretStore } from '../settings/secret-store';
import { prefixOf, readBackupFile } from './backup-file';
import { EtcdConnection, type TunnelLink } from './etcd-connection';
import { toKeyEntry } from './etcd-kv';
import { EtcdSession } from './etcd-session';
import type { EtcdSessionStore } from './etcd-session-store';
import { exportPrefix, importFile, type ExportResult } from './export-import';
import { datacenterKey, isUuid, listEnvTable, mergedWorkerEnv, parseKeyPattern, validateEnvEdit, workerEnvKey, type KeyPattern } from './farm-keys';
import { readHistory, restoreRevision } from './history';
import { countPrefixes, listChildren } from './key-tree';
import { listKeys, listValues, readKey } from './key-pager';
import { listLeases } from './leases';
import { deletePrefix, planPrefixDelete, restoreBackup, type DeletePrefixResult } from './prefix-delete';
import { PrefixWatch, type PrefixWatchOptions } from './prefix-watch';
import { createKey, deleteKey, updateKey, type EditResult } from './safe-edit';
import { compactJson, decodeUtf8, describeValue, jsonProblem, keyDisplay, toBase64 } from './value-codec';

export interface EtcdServiceDeps {
  configDir: string;
  clock: Clock;
  secrets: SecretStore;
  tunnels?: TunnelLink;
  /** Where sessions persist; undefined keeps them in memory. */
  store?: EtcdSessionStore;
  log?: (line: string) => void;
  /** Where backups go by default (default <configDir>/etcd-backups). */
  backupDir?: string;
  statusIntervalMs?: number;
  watch?: Omit<PrefixWatchOptions, 'clock'>;
  /** How long a watch nobody subscribes to is kept open (default 30 s: a page switching back reuses it). */
  watchIdleMs?: number;
}

/** The secret-store id Drover uses for a session's password. */
export function passwordSecretId(sessionId: string): string {
  return `etcd:${sessionId}:password`;
}

interface WatchEntry {
  watch: PrefixWatch;
  sessionId: string;
  refs: number;
  idle: Disposable | undefined;
}

const b64 = (text: string): Buffer => Buffer.from(text, 'base64');

/**
 * The etcd feature's service: saved sessions (etcd-sessions.json, passwords in the secret store),
 * one EtcdConnection per session in use, one shared PrefixWatch per watched (session, prefix),
 * and every operation of the page on top of the core modules (paging, CAS edits, guarded prefix
 * delete with backup, restore, export/import, history, leases, farm tables).
 */
export class EtcdService extends DisposableBase {
  /** etcd.sessions: every saved session with its health. */
  readonly sessionsLive: LivePublisher<EtcdSessionsLiveData>;
  private configs = new Map<string, EtcdSessionConfig>();
  private readonly connections = new Map<string, EtcdConnection>();
  private readonly watches = new Map<string, WatchEntry>();
  private readonly secretPresence: SecretPresence;
  readonly backupDir: string;

  constructor(private readonly deps: EtcdServiceDeps) {
    super();
    this.backupDir = deps.backupDir ?? path.join(deps.configDir, 'etcd-backups');
    this.sessionsLive = this.register(
      new LivePublisher<EtcdSessionsLiveData>({ initial: { sessions: {} }, clock: deps.clock, health: { state: 'live' }, compute: () => this.sessionsData() }),
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
    this.sessionsLive.markDirty();
    return notices;
  }

  private async refreshSecrets(): Promise<void> {
    await this.secretPresence.refresh();
    this.sessionsLive.markDirty();
  }

  private sessionsData(): EtcdSessionsLiveData {
    const sessions: Record<string, EtcdSessionItem> = {};
    for (const config of this.configs.values()) {
      const conn = this.connections.get(config.id);
      const secretId = config.auth?.passwordSecretId;
      setOwn(sessions, config.id, {
        config,
        hasPassword: this.secretPresence.has(secretId),
        open: conn?.isOpen ?? false,
        health: conn?.isOpen ? conn.health : { state: 'connecting', sinceMs: 0 },
        endpoints: [...(conn?.endpoints ?? [])],
      });
    }
    return { sessions };
  }

  // ---------------------------------------------------------------- sessions

  list(): EtcdSessionConfig[] {
    return [...this.configs.values()];
  }

  getConfig(id: string): EtcdSessionConfig {
    const c = this.configs.get(id);
    if (!c) throw new AppError('NOT_FOUND', `no etcd session "${id}"`, { hint: 'Create it on the etcd page first.' });
    return c;
  }

  async saveSession(input: unknown, options: { password?: string; clearPassword?: boolean } = {}): Promise<EtcdSessionConfig> {
    const parsed = EtcdSessionConfigSchema.safeParse(input);
    if (!parsed.success) throw new AppError('INVALID_INPUT', `invalid etcd session: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
    const config = parsed.data;
    if (config.farm) {
      parseKeyPattern(config.farm.workerEnvKey, 'mac');
      parseKeyPattern(config.farm.dcConfigKey, 'uuid');
    }
    if (options.password !== undefined && !config.auth) {
      throw new AppError('INVALID_INPUT', 'a password needs a user name', { hint: 'Fill in the etcd user, or leave the password empty.' });
    }
    const previous = this.configs.get(config.id);
    if (options.password !== undefined) await this.deps.secrets.set(config.auth!.passwordSecretId, options.password, `etcd ${config.name}: password of ${config.auth!.username}`);
    const ownSecret = passwordSecretId(config.id);
    const prevSecret = previous?.auth?.passwordSecretId;
    if ((options.clearPassword && config.auth?.passwordSecretId === ownSecret) || (prevSecret === ownSecret && config.auth?.passwordSecretId !== ownSecret)) {
      await this.deps.secrets.delete(ownSecret).catch(() => false);
    }
    const next = new Map(this.configs);
    next.set(config.id, config);
    await this.deps.store?.save([...next.values()]);
    this.configs = next;
    this.connections.get(config.id)?.reconfigure(config);
    await this.refreshSecrets();
    return config;
  }

  async removeSession(id: string): Promise<void> {
    const config = this.getConfig(id);
    const next = new Map(this.configs);
    next.delete(id);
    await this.deps.store?.save([...next.values()]);
    this.configs = next;
    this.closeConnection(id);
    if (config.auth?.passwordSecretId === passwordSecretId(id)) await this.deps.secrets.delete(passwordSecretId(id)).catch(() => false);
    await this.refreshSecrets();
  }

  /** Connects with unsaved settings (the form's "Test") and returns the status. */
  async testSession(input: unknown, password?: string): Promise<ClusterStatus> {
    const secrets = password !== undefined ? { get: () => Promise.resolve(password) } : this.deps.secrets;
    const session = await EtcdSession.open(input as EtcdSessionConfig, { clock: this.deps.clock, secrets, forwards: this.deps.tunnels });
    try {
      return await session.status();
    } finally {
      session.dispose();
    }
  }

  /** The connection of a saved session (created on first use). */
  connection(id: string): EtcdConnection {
    const existing = this.connections.get(id);
    if (existing) return existing;
    const conn = new EtcdConnection(this.getConfig(id), {
      clock: this.deps.clock,
      secrets: this.deps.secrets,
      tunnels: this.deps.tunnels,
      log: this.deps.log,
      statusIntervalMs: this.deps.statusIntervalMs,
    });
    conn.onDidChange(() => this.sessionsLive.markDirty());
    this.connections.set(id, conn);
    return conn;
  }

  async connect(id: string): Promise<ClusterStatus> {
    const conn = this.connection(id);
    const status = await this.use(id, 'connect', (s) => s.status());
    conn.pollNow();
    for (const w of this.watches.values()) if (w.sessionId === id) w.watch.retryNow();
    return status;
  }

  disconnect(id: string): void {
    for (const [key, w] of [...this.watches]) {
      if (w.sessionId !== id) continue;
      w.idle?.dispose();
      w.watch.dispose();
      this.watches.delete(key);
    }
    this.connections.get(id)?.disconnect();
  }

  private closeConnection(id: string): void {
    this.disconnect(id);
    this.connections.get(id)?.dispose();
    this.connections.delete(id);
    this.sessionsLive.markDirty();
  }

  /**
   * Runs an operation on a session. A failure while its tunnel is not up says so (the tunnel is
   * the cause); any failure or a success after one makes the health be read again now.
   */
  async use<T>(id: string, what: string, fn: (session: EtcdSession) => Promise<T>): Promise<T> {
    const conn = this.connection(id);
    try {
      const result = await conn.run(fn);
      if (conn.health.state !== 'live') conn.pollNow();
      return result;
    } catch (err) {
      const e = AppError.from(err);
      if (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT') {
        conn.pollNow();
        const via = conn.viaIfTunnelDown();
        if (via && !e.message.includes(`"${via.name}"`)) {
          throw new AppError(e.code, `${what}: the tunnel "${via.name}" is ${via.state}: ${e.message}`, {
            hint: 'The session reconnects by itself when the tunnel is up again (see the Tunnels page).',
            details: { ...e.details, via },
          });
        }
      }
      throw e;
    }
  }

  status(id: string): Promise<ClusterStatus> {
    return this.use(id, 'etcd status', (s) => s.status());
  }

  subscribeStatus(id: string, sink: Sink<LiveUpdate>): Disposable {
    const conn = this.connection(id);
    conn.activate();
    return conn.status.subscribe(sink);
  }

  // ---------------------------------------------------------------- live prefix

  subscribeWatch(id: string, prefixB64: string, sink: Sink<LiveUpdate>): Disposable {
    const conn = this.connection(id);
    const key = `${id}\u0000${prefixB64}`;
    let entry = this.watches.get(key);
    if (!entry) {
      const watch = new PrefixWatch(conn, b64(prefixB64), { clock: this.deps.clock, ...this.deps.watch }).start();
      entry = { watch, sessionId: id, refs: 0, idle: undefined };
      this.watches.set(key, entry);
    }
    const e = entry;
    e.refs++;
    e.idle?.dispose();
    e.idle = undefined;
    const sub = e.watch.publisher.subscribe(sink);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      sub.dispose();
      e.refs--;
      if (e.refs > 0 || this.watches.get(key) !== e) return;
      e.idle = this.deps.clock.setTimeout(() => {
        if (e.refs > 0 || this.watches.get(key) !== e) return;
        this.watches.delete(key);
        e.watch.dispose();
      }, this.deps.watchIdleMs ?? 30_000);
    };
    sink.signal.addEventListener('abort', release, { once: true });
    return toDisposable(release);
  }

  /** The watch of a (session, prefix), if one is open (tests, benchmarks). */
  watchOf(id: string, prefixB64: string): PrefixWatch | undefined {
    return this.watches.get(`${id}\u0000${prefixB64}`)?.watch;
  }

  // ---------------------------------------------------------------- reading

  treeChildren(id: string, parentB64: string, cursor?: string | null, limit?: number) {
    return this.use(id, 'list children', (s) => listChildren(s, b64(parentB64), { cursor: cursor ?? null, limit: limit ?? 500 }));
  }

  countPrefixes(id: string, prefixes: readonly string[], revision?: number) {
    return this.use(id, 'count keys', (s) => countPrefixes(s, prefixes.map(b64), revision ?? 0));
  }

  keys(id: string, prefixB64: string, cursor?: string | null, limit?: number) {
    return this.use(id, 'list keys', (s) => listKeys(s, { prefix: b64(prefixB64) }, { cursor: cursor ?? null, limit: limit ?? 1000 }));
  }

  values(id: string, prefixB64: string, options: { cursor?: string | null; budgetBytes?: number; maxCount?: number }) {
    // Displays cut short in a list (the full value is one get away): a page stays well inside the 4 Mi-character frame.
    return this.use(id, 'list values', (s) =>
      listValues(s, { prefix: b64(prefixB64) }, { cursor: options.cursor ?? null, budgetBytes: options.budgetBytes, maxCount: options.maxCount, describe: { maxDisplayChars: 16 * 1024, maxHexBytes: 4 * 1024 } }),
    );
  }

  get(id: string, keyB64: string, revision?: number): Promise<KeyValue | null> {
    return this.use(id, 'read key', async (s) => {
      const kv = await readKey(s, b64(keyB64), revision ?? 0);
      return kv ? { entry: toKeyEntry(kv, kv.value.length), value: describeValue(kv.value) } : null;
    });
  }

  /** One key's value as UTF-8 text (undefined when absent): what the netboot page reads through a session. */
  readText(id: string, key: string): Promise<string | undefined> {
    return this.use(id, 'read key', async (s) => {
      const kv = await readKey(s, Buffer.from(key, 'utf8'));
      return kv ? Buffer.from(kv.value).toString('utf8') : undefined;
    });
  }

  // ---------------------------------------------------------------- writing

  /** The bytes to write: JSON checked (and compacted when asked) before anything is sent. */
  private prepareValue(key: Buffer, value: Buffer, requireJson?: boolean, jsonStyle?: JsonStyle): Buffer {
    if (!requireJson) return value;
    const problem = jsonProblem(value);
    if (problem) {
      throw new AppError('INVALID_INPUT', `${keyDisplay(key).display} must hold JSON: ${problem.message}`, {
        hint: 'Fix the JSON and save again; nothing was written.',
        details: { json: problem },
      });
    }
    if (jsonStyle !== 'compact') return value;
    const c = compactJson(decodeUtf8(value));
    return c.ok ? Buffer.from(c.text, 'utf8') : value;
  }

  async update(id: string, req: { key: string; value: string; expectedModRevision: number; requireJson?: boolean; jsonStyle?: JsonStyle }): Promise<EditResultData> {
    const key = b64(req.key);
    const value = this.prepareValue(key, b64(req.value), req.requireJson, req.jsonStyle);
    return this.use(id, 'update key', (s) => updateKey(s, key, value, req.expectedModRevision)).then(editData);
  }

  async create(id: string, req: { key: string; value: string; requireJson?: boolean; jsonStyle?: JsonStyle }): Promise<EditResultData> {
    const key = b64(req.key);
    const value = this.prepareValue(key, b64(req.value), req.requireJson, req.jsonStyle);
    return this.use(id, 'create key', (s) => createKey(s, key, value)).then(editData);
  }

  deleteKey(id: string, keyB64: string, expectedModRevision: number): Promise<EditResultData> {
    return this.use(id, 'delete key', (s) => deleteKey(s, b64(keyB64), expectedModRevision)).then(editData);
  }

  // ---------------------------------------------------------------- prefix delete, backups, export/import

  /** A relative path is taken under the backup folder (created if needed); ~ is not expanded. */
  async resolveFile(file: string): Promise<string> {
    const resolved = path.isAbsolute(file) ? path.normalize(file) : path.join(this.backupDir, file);
    if (path.dirname(resolved) === this.backupDir) await ensurePrivateDir(this.backupDir);
    return resolved;
  }

  defaultBackupFile(id: string, prefix: Buffer, what: 'backup' | 'export'): string {
    const display = prefix.length === 0 ? 'all-keys' : keyDisplay(prefix).display;
    const slug = display.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'prefix';
    return path.join(this.backupDir, `${id}-${slug}-${what}-${fileTimestamp(this.deps.clock.now())}.json`);
  }

  async planDeletePrefix(id: string, prefixB64: string): Promise<DeletePlan> {
    const prefix = b64(prefixB64);
    const plan = await this.use(id, 'count keys to delete', (s) => planPrefixDelete(s, prefix));
    return { ...plan, backupFile: this.defaultBackupFile(id, prefix, 'backup') };
  }

  async deletePrefix(id: string, req: { prefix: string; confirmation: string; backupFile: string }): Promise<DeletePrefixResult> {
    const file = await this.resolveFile(req.backupFile);
    if (await exists(file)) {
      throw new AppError('ALREADY_EXISTS', `the backup file ${file} already exists; nothing was deleted`, { hint: 'Choose a new file name: an earlier backup is never overwritten.' });
    }
    return this.use(id, 'delete prefix', (s) => deletePrefix(s, { prefix: b64(req.prefix), confirmation: req.confirmation, backupFile: file, nowMs: this.deps.clock.now() }));
  }

  async inspectBackup(fileIn: string): Promise<BackupSummary> {
    const file = await this.resolveFile(fileIn);
    const backup = await readBackupFile(file);
    const prefix = prefixOf(backup);
    const st = await fs.stat(file);
    return {
      file,
      reason: backup.reason,
      endpoint: backup.endpoint,
      ...(backup.clusterId !== undefined ? { clusterId: backup.clusterId } : {}),
      prefix: toBase64(prefix),
      prefixDisplay: keyDisplay(prefix).display,
      revision: backup.revision,
      createdAt: backup.createdAt,
      count: backup.count,
      sizeBytes: st.size,
    };
  }

  async restoreBackup(id: string, fileIn: string): Promise<RestoreResultData> {
    const file = await this.resolveFile(fileIn);
    const backup = await readBackupFile(file);
    const result = await this.use(id, 'restore backup', (s) => restoreBackup(s, backup));
    return { file, ...result };
  }

  async exportPrefix(id: string, req: { prefix: string; file: string; overwrite?: boolean }): Promise<ExportResult> {
    const file = await this.resolveFile(req.file);
    if (!req.overwrite && (await exists(file))) {
      throw new AppError('ALREADY_EXISTS', `${file} already exists`, { hint: 'Choose another file name, or allow overwriting it.' });
    }
    return this.use(id, 'export prefix', (s) => exportPrefix(s, b64(req.prefix), file, this.deps.clock.now()));
  }

  async importFile(id: string, req: { file: string; rebaseTo?: string }): Promise<RestoreResultData> {
    const file = await this.resolveFile(req.file);
    return this.use(id, 'import file', (s) => importFile(s, file, req.rebaseTo !== undefined ? { rebase: { to: b64(req.rebaseTo) } } : {}));
  }

  // ---------------------------------------------------------------- history, leases

  history(id: string, keyB64: string, fromRevision?: number, limit?: number): Promise<HistoryPageData> {
    return this.use(id, 'read history', async (s) => {
      const page = await readHistory(s, b64(keyB64), { fromRevision: fromRevision ?? 0, limit: limit ?? 20, budgetBytes: 1024 * 1024 });
      return {
        entries: page.entries.map(({ value, ...entry }) => ({ entry, value: describeValue(b64(value), { maxDisplayChars: 64 * 1024, maxHexBytes: 16 * 1024 }) })),
        next: page.next,
        end: page.end,
      };
    });
  }

  restoreRevision(id: string, keyB64: string, revision: number, expectedModRevision: number): Promise<EditResultData> {
    return this.use(id, 'restore revision', (s) => restoreRevision(s, b64(keyB64), revision, expectedModRevision)).then(editData);
  }

  leases(id: string) {
    return this.use(id, 'list leases', (s) => listLeases(s, { limit: 500, maxKeys: 200 }));
  }

  // ---------------------------------------------------------------- farm views

  pattern(id: string, kind: FarmTableKind): KeyPattern {
    const farm = this.getConfig(id).farm ?? DEFAULT_FARM_KEYS;
    return kind === 'worker' ? parseKeyPattern(farm.workerEnvKey, 'mac') : parseKeyPattern(farm.dcConfigKey, 'uuid');
  }

  envTable(id: string, kind: FarmTableKind, after?: string | null): Promise<EnvTablePage> {
    const pattern = this.pattern(id, kind);
    const farm = this.getConfig(id).farm ?? DEFAULT_FARM_KEYS;
    return this.use(id, 'read the farm table', async (s) => {
      const page = await listEnvTable(s, pattern, { after: after ?? null, budgetBytes: 1024 * 1024, maxCount: 500 });
      return { kind, pattern: kind === 'worker' ? farm.workerEnvKey : farm.dcConfigKey, ...page };
    });
  }

  /** The key for a MAC / UUID under the session's pattern, or null when the id is not one. */
  private farmKey(pattern: KeyPattern, kind: FarmTableKind, id: string): Buffer | null {
    if (kind === 'worker') return normalizeMac(id) ? workerEnvKey(pattern, id) : null;
    return isUuid(id.trim()) ? datacenterKey(pattern, id.trim()) : null;
  }

  checkEnv(id: string, kind: FarmTableKind, macOrUuid: string, text: string): EnvCheck {
    const pattern = this.pattern(id, kind);
    const key = this.farmKey(pattern, kind, macOrUuid);
    const problems = validateEnvEdit(kind === 'worker' ? 'mac' : 'uuid', macOrUuid.trim(), text);
    const normalized = kind === 'worker' ? (normalizeMac(macOrUuid) ?? null) : isUuid(macOrUuid.trim()) ? macOrUuid.trim().toLowerCase() : null;
    return { key: key ? toBase64(key) : null, keyDisplay: key ? keyDisplay(key).display : null, normalized, problems, env: parseEnv(text).entries };
  }

  async saveEnv(id: string, req: { kind: FarmTableKind; id: string; text: string; expectedModRevision: number }): Promise<EditResultData> {
    const check = this.checkEnv(id, req.kind, req.id, req.text);
    if (check.problems.length > 0 || !check.key) {
      const first = check.problems[0];
      throw new AppError('INVALID_INPUT', `not saved: ${first ? (first.line > 0 ? `line ${first.line}: ${first.message}` : first.message) : 'no key for this id'}`, {
        hint: 'Fix the highlighted problems; nothing was written.',
        details: { problems: check.problems },
      });
    }
    const key = b64(check.key);
    const value = Buffer.from(req.text, 'utf8');
    return this.use(id, 'save the env', (s) => (req.expectedModRevision === 0 ? createKey(s, key, value) : updateKey(s, key, value, req.expectedModRevision))).then(editData);
  }

  async mergedEnv(id: string, uuid: string, mac: string): Promise<MergedEnv> {
    if (!isUuid(uuid.trim())) throw new AppError('INVALID_INPUT', `not a UUID: ${JSON.stringify(uuid)}`);
    if (!normalizeMac(mac)) throw new AppError('INVALID_INPUT', `not a MAC address: ${JSON.stringify(mac)}`, { hint: 'e.g. 52:54:00:a1:9c:ae, 52-54-00-a1-9c-ae or 525400a19cae' });
    const patterns = { datacenter: this.pattern(id, 'datacenter'), worker: this.pattern(id, 'worker') };
    return this.use(id, 'merge the worker env', async (s) => {
      const merged = await mergedWorkerEnv(s, patterns, { uuid: uuid.trim(), mac });
      return {
        dcKey: keyDisplay(datacenterKey(patterns.datacenter, uuid.trim())).display,
        workerKey: keyDisplay(workerEnvKey(patterns.worker, mac)).display,
        found: merged.found,
        env: merged.env,
        problems: merged.problems,
        text: serializeEnv(merged.env),
      };
    });
  }

  protected override onDispose(): void {
    for (const w of this.watches.values()) {
      w.idle?.dispose();
      w.watch.dispose();
    }
    this.watches.clear();
    for (const c of this.connections.values()) c.dispose();
    this.connections.clear();
  }
}

function editData(r: EditResult): EditResultData {
  return r.ok ? { ok: true, revision: r.revision } : { ok: false, conflict: r.conflict };
}
