import { SETTINGS_VERSION } from '../contract/settings';

/**
 * Upgrades of settings files written by older versions of Drover. Each step takes the raw JSON of
 * version `from` and returns the raw JSON of version `from + 1`; the result is schema-checked
 * after the last step. Add a step when SETTINGS_VERSION is bumped, e.g.
 *   { from: 1, migrate: (raw) => ({ ...raw, version: 2, tunnels: { profiles: raw.profiles ?? [] } }) }
 */
export interface SettingsMigration {
  readonly from: number;
  migrate(raw: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

export const SETTINGS_MIGRATIONS: readonly SettingsMigration[] = [];

export type MigrationResult = { ok: true; raw: Record<string, unknown>; from: number } | { ok: false; reason: string };

/** Runs the steps from `raw.version` up to `target`. Newer versions are the caller's business. */
export function migrateSettings(
  raw: Record<string, unknown>,
  migrations: readonly SettingsMigration[] = SETTINGS_MIGRATIONS,
  target: number = SETTINGS_VERSION,
): MigrationResult {
  const from = raw.version;
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
    return { ok: false, reason: 'the file has no valid "version" field' };
  }
  let current = raw;
  for (let v = from; v < target; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) return { ok: false, reason: `no migration from settings version ${v} to ${v + 1}` };
    try {
      current = step.migrate(current);
    } catch (err) {
      return { ok: false, reason: `migration from version ${v} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (current.version !== v + 1) return { ok: false, reason: `migration from version ${v} did not produce version ${v + 1}` };
  }
  return { ok: true, raw: current, from };
}
