import path from 'node:path';
import { z } from 'zod';
import type { Notice } from '../contract/system';
import { TunnelProfileSchema, type TunnelProfile } from '../contract/tunnels';
import { systemClock, type Clock } from '../contract/clock';
import { ensurePrivateDir, writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../settings/versioned-json-file';

export const TUNNELS_FILE_NAME = 'tunnels.json';
const FILE_VERSION = 1;
const MAX_FILE_BYTES = 8 * 1024 * 1024;

const FileSchema = z.object({ version: z.literal(FILE_VERSION), profiles: z.array(TunnelProfileSchema) });

/**
 * Tunnel profiles in their own versioned JSON file beside settings.json, written atomically.
 * A corrupt or newer file is kept aside (never overwritten) and Drover starts with no profiles;
 * one that cannot be read or moved aside is left alone and saves stay in memory this run.
 */
export class TunnelProfileStore {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readOnlyReason: string | undefined;

  constructor(
    configDir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.file = path.join(configDir, TUNNELS_FILE_NAME);
  }

  /** Why saves stay in memory this run (the file was unreadable or could not be kept aside), if they do. */
  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  async load(): Promise<{ profiles: TunnelProfile[]; notices: Notice[] }> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'tunnel profiles',
      noticeKey: 'tunnels',
      version: FILE_VERSION,
      maxBytes: MAX_FILE_BYTES,
      clock: this.clock,
      parse: (raw) => {
        const parsed = FileSchema.safeParse(raw);
        return parsed.success ? { ok: true, value: parsed.data.profiles } : { ok: false, reason: summarizeIssues(parsed.error) };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    return { profiles: loaded.value ?? [], notices: loaded.notices };
  }

  save(profiles: TunnelProfile[]): Promise<void> {
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, profiles }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
