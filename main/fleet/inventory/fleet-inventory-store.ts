import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../contract/clock';
import { FleetInventorySchema, FleetSettingsSchema, type FleetInventory, type FleetSettings } from '../../contract/fleet';
import type { Notice } from '../../contract/system';
import { AppError } from '../../contract/errors';
import { ensurePrivateDir, errnoCode, readFileLimited, writeFileAtomic } from '../../settings/atomic-file';
import { writeError } from '../../settings/file-errors';
import { SerialQueue } from '../../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../../settings/versioned-json-file';

export const FLEET_INVENTORY_FILE_NAME = 'fleet-inventory.json';
export const FLEET_INVENTORY_VERSION = 1;
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const FileSchema = FleetInventorySchema.extend({ version: z.literal(FLEET_INVENTORY_VERSION), settings: FleetSettingsSchema.prefault({}) });
/** An export: the inventory without the settings (which are about this machine: ports, bind address). */
const ExportSchema = FleetInventorySchema.extend({ version: z.literal(FLEET_INVENTORY_VERSION) });

export interface StoredFleet {
  inventory: FleetInventory;
  settings: FleetSettings;
}

/**
 * fleet-inventory.json in the config directory: groups, hosts, alert rules and the Fleet settings,
 * versioned and written atomically. A corrupt or newer file is kept aside (never overwritten); one
 * that cannot be read or moved aside is left alone and changes stay in memory this run.
 */
export class FleetInventoryStore {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readOnlyReason: string | undefined;

  constructor(
    configDir: string,
    private readonly clock: Clock,
  ) {
    this.file = path.join(configDir, FLEET_INVENTORY_FILE_NAME);
  }

  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  /** undefined inventory: the file was missing or unusable (the caller starts from defaults). */
  async load(): Promise<{ stored: StoredFleet | undefined; notices: Notice[] }> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'fleet inventory',
      noticeKey: 'fleet.inventory',
      version: FLEET_INVENTORY_VERSION,
      maxBytes: MAX_FILE_BYTES,
      clock: this.clock,
      parse: (raw) => {
        const parsed = FileSchema.safeParse(raw);
        return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: summarizeIssues(parsed.error) };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    const v = loaded.value;
    return { stored: v ? { inventory: { groups: v.groups, hosts: v.hosts, rules: v.rules }, settings: v.settings } : undefined, notices: loaded.notices };
  }

  /** Resolves when every write queued so far has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  save(stored: StoredFleet): Promise<void> {
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FLEET_INVENTORY_VERSION, ...stored.inventory, settings: stored.settings }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}

/** Writes an inventory export (groups, hosts, rules; no settings). */
export async function writeInventoryExport(file: string, inventory: FleetInventory): Promise<void> {
  try {
    await writeFileAtomic(file, `${JSON.stringify({ version: FLEET_INVENTORY_VERSION, ...inventory }, null, 2)}\n`);
  } catch (err) {
    throw writeError(file, err);
  }
}

/**
 * Reads an inventory export (or a whole fleet-inventory.json: its settings are ignored). Throws
 * AppError with what is wrong; never changes the file.
 */
export async function readInventoryExport(file: string): Promise<FleetInventory> {
  let text: string;
  try {
    text = (await readFileLimited(file, MAX_FILE_BYTES)).toString('utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `${file} does not exist`, { hint: 'Give the path of a file written by Export inventory.' });
    throw new AppError(code === 'EACCES' ? 'PERMISSION_DENIED' : 'INVALID_INPUT', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError('INVALID_INPUT', `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (typeof version === 'number' && version > FLEET_INVENTORY_VERSION) {
    throw new AppError('UNSUPPORTED', `${file} was written by a newer Drover (inventory version ${version}; this one reads ${FLEET_INVENTORY_VERSION})`, { hint: 'Update Drover on this machine.' });
  }
  const parsed = ExportSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('INVALID_INPUT', `${file} is not a Drover fleet inventory: ${summarizeIssues(parsed.error)}`);
  return { groups: parsed.data.groups, hosts: parsed.data.hosts, rules: parsed.data.rules };
}
