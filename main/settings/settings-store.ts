import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { SETTINGS_VERSION, SettingsPatchSchema, SettingsSchema, defaultSettings, type Settings, type SettingsPatch } from '../contract/settings';
import type { Notice } from '../contract/system';
import { writeFileAtomic } from './atomic-file';
import { writeError } from './file-errors';
import { deepFreeze, deepMerge } from './deep-merge';
import { SerialQueue } from './serial-queue';
import { loadVersionedJson, summarizeIssues as summarize } from './versioned-json-file';
import { migrateSettings, SETTINGS_MIGRATIONS, type SettingsMigration } from './settings-migrations';

export const SETTINGS_FILE_NAME = 'settings.json';

/** What the rest of main sees of settings: the current value, changes, and serialized updates. */
export interface SettingsStore extends Disposable {
  /** The current settings (deeply frozen). */
  readonly current: Settings;
  readonly onDidChange: Event<Settings>;
  /**
   * Deep-merges a patch (or the patch a function computes from the settings current at that
   * moment, for read-modify-write without lost updates), validates and persists it, then fires
   * onDidChange. Updates run one at a time. Invalid patches fail with INVALID_INPUT.
   */
  update(patch: SettingsPatch | ((current: Settings) => SettingsPatch)): Promise<Settings>;
}

export interface SettingsLoadResult {
  settings: Settings;
  /** What went wrong or was done while loading (file kept aside, migrated, unreadable). */
  notices: Notice[];
}

export interface JsonSettingsStoreOptions {
  /** The config directory (created with mode 0700 on the first write). */
  dir: string;
  fileName?: string;
  clock?: Clock;
  migrations?: readonly SettingsMigration[];
  /** Larger files are treated as corrupt. Default 4 MiB. */
  maxFileBytes?: number;
}

/**
 * Settings as versioned JSON in the config directory. A corrupt, schema-invalid or newer file is
 * kept aside (renamed with a timestamp) and never overwritten; an unreadable one is left alone and
 * nothing is written over it this run. Writes are atomic (temp file, fsync, rename, fsync dir).
 */
export class JsonSettingsStore implements SettingsStore {
  readonly file: string;
  private settings: Settings = deepFreeze(defaultSettings());
  /** Top-level sections this version does not know (written by a newer Drover): kept on write. */
  private extras: Record<string, unknown> = {};
  /** Set when the file must not be written this run; changes then live in memory only. */
  private readOnlyReason: string | undefined;
  private loading: Promise<SettingsLoadResult> | undefined;
  private readonly queue = new SerialQueue();
  private readonly changeEmitter = new Emitter<Settings>();
  private readonly clock: Clock;
  private readonly migrations: readonly SettingsMigration[];
  private readonly maxFileBytes: number;

  readonly onDidChange: Event<Settings> = this.changeEmitter.event;

  constructor(options: JsonSettingsStoreOptions) {
    this.file = path.join(options.dir, options.fileName ?? SETTINGS_FILE_NAME);
    this.clock = options.clock ?? systemClock;
    this.migrations = options.migrations ?? SETTINGS_MIGRATIONS;
    this.maxFileBytes = options.maxFileBytes ?? 4 * 1024 * 1024;
  }

  get current(): Settings {
    return this.settings;
  }

  /** Why changes are not being saved, if they are not. */
  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  /** Reads the file once (later calls return the same result). Never throws for file problems. */
  load(): Promise<SettingsLoadResult> {
    this.loading ??= this.queue.run(() => this.doLoad());
    return this.loading;
  }

  async update(patch: SettingsPatch | ((current: Settings) => SettingsPatch)): Promise<Settings> {
    await this.load();
    return this.queue.run(async () => {
      const raw = typeof patch === 'function' ? patch(this.settings) : patch;
      const parsed = SettingsPatchSchema.safeParse(raw);
      if (!parsed.success) throw invalid('invalid settings change', parsed.error);
      const merged = SettingsSchema.safeParse(deepMerge(this.settings, parsed.data));
      if (!merged.success) throw invalid('the settings would be invalid after this change', merged.error);
      const next = deepFreeze(merged.data);
      if (isDeepStrictEqual(next, this.settings)) return this.settings;
      if (this.readOnlyReason === undefined) await this.write(next);
      this.settings = next;
      this.changeEmitter.fire(next);
      return next;
    });
  }

  /** Resolves when queued updates have been written. */
  flush(): Promise<void> {
    return this.queue.idle();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  private async write(next: Settings): Promise<void> {
    const { version, ...sections } = next;
    const doc = { version, ...sections, ...this.extras };
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      throw writeError(this.file, err);
    }
  }

  private async doLoad(): Promise<SettingsLoadResult> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'settings',
      noticeKey: 'settings',
      version: SETTINGS_VERSION,
      maxBytes: this.maxFileBytes,
      clock: this.clock,
      migrate: (raw) => migrateSettings(raw, this.migrations, SETTINGS_VERSION),
      parse: (raw) => {
        const parsed = SettingsSchema.safeParse(raw);
        return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: summarize(parsed.error) };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    if (loaded.value && loaded.raw) {
      this.settings = deepFreeze(loaded.value);
      this.extras = unknownSections(loaded.raw);
    }
    return { settings: this.settings, notices: loaded.notices };
  }
}

const KNOWN_SECTIONS = new Set(Object.keys(SettingsSchema.shape));

function unknownSections(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (KNOWN_SECTIONS.has(key) || key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = value;
  }
  return out;
}

function invalid(message: string, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): AppError {
  return new AppError('INVALID_INPUT', `${message}: ${summarize(error)}`, {
    details: { issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
  });
}
