import path from 'node:path';
import { z } from 'zod';
import type { Notice } from '../contract/system';
import { TunnelProfileSchema, type TunnelProfile } from '../contract/tunnels';
import { ensurePrivateDir, errnoCode, keepAside, readFileLimited, writeFileAtomic } from '../settings/atomic-file';
import { readError, writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';

export const TUNNELS_FILE_NAME = 'tunnels.json';
const FILE_VERSION = 1;
const MAX_FILE_BYTES = 8 * 1024 * 1024;

const FileSchema = z.object({ version: z.literal(FILE_VERSION), profiles: z.array(TunnelProfileSchema) });

/**
 * Tunnel profiles in their own versioned JSON file beside settings.json, written atomically.
 * A corrupt or newer file is kept aside (never overwritten) and Drover starts with no profiles.
 */
export class TunnelProfileStore {
  readonly file: string;
  private readonly queue = new SerialQueue();

  constructor(configDir: string) {
    this.file = path.join(configDir, TUNNELS_FILE_NAME);
  }

  async load(nowMs = Date.now()): Promise<{ profiles: TunnelProfile[]; notices: Notice[] }> {
    let text: string;
    try {
      text = (await readFileLimited(this.file, MAX_FILE_BYTES)).toString('utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { profiles: [], notices: [] };
      const appErr = readError(this.file, err);
      return { profiles: [], notices: [{ id: 'tunnels.unreadable', level: 'error', key: 'tunnels.unreadable', message: appErr.message, error: appErr.toData(), values: { file: this.file } }] };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
    const parsed = FileSchema.safeParse(raw);
    if (parsed.success) return { profiles: parsed.data.profiles, notices: [] };
    const newer = typeof version === 'number' && version > FILE_VERSION;
    const kept = await keepAside(this.file, newer ? 'newer' : 'corrupt', nowMs);
    const message = newer
      ? `${this.file} was written by a newer Drover (version ${version}); it was kept aside as ${kept} and Drover started with no tunnel profiles.`
      : `${this.file} could not be read (not valid tunnel profiles); it was kept aside as ${kept} and Drover started with no tunnel profiles.`;
    return { profiles: [], notices: [{ id: `tunnels.keptAside.${nowMs}`, level: 'warning', key: 'tunnels.keptAside', message, values: { file: this.file, keptAs: kept } }] };
  }

  save(profiles: TunnelProfile[]): Promise<void> {
    return this.queue.run(async () => {
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, profiles }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
