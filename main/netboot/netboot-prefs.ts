import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../contract/clock';
import type { Notice } from '../contract/system';
import { writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../settings/versioned-json-file';

/**
 * What the netboot feature remembers besides the netboot config itself: which config file the
 * responder uses. Kept in netboot-settings.json beside settings.json (versioned, written
 * atomically; a corrupt or newer file is kept aside and never overwritten).
 */

export const NETBOOT_PREFS_FILE_NAME = 'netboot-settings.json';
/** The default netboot config: netboot.json in the config dir. */
export const NETBOOT_CONFIG_FILE_NAME = 'netboot.json';
const FILE_VERSION = 1;

const PrefsSchema = z.object({
  version: z.literal(FILE_VERSION),
  /** An absolute path; "" = netboot.json in the config dir. */
  configPath: z.string().max(4096).default(''),
});
export type NetbootPrefs = Omit<z.infer<typeof PrefsSchema>, 'version'>;

export class NetbootPrefsFile {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readOnlyReason: string | undefined;
  private prefs: NetbootPrefs = { configPath: '' };

  constructor(
    private readonly configDir: string,
    private readonly clock: Clock,
  ) {
    this.file = path.join(configDir, NETBOOT_PREFS_FILE_NAME);
  }

  get current(): NetbootPrefs {
    return this.prefs;
  }

  /** The config file these prefs name (absolute). */
  get configPath(): string {
    return this.prefs.configPath === '' ? path.join(this.configDir, NETBOOT_CONFIG_FILE_NAME) : this.prefs.configPath;
  }

  async load(): Promise<Notice[]> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'netboot settings',
      noticeKey: 'netboot',
      version: FILE_VERSION,
      maxBytes: 1024 * 1024,
      clock: this.clock,
      parse: (raw) => {
        const parsed = PrefsSchema.safeParse(raw);
        if (!parsed.success) return { ok: false, reason: summarizeIssues(parsed.error) };
        if (parsed.data.configPath !== '' && !path.isAbsolute(parsed.data.configPath)) return { ok: false, reason: 'configPath must be an absolute path' };
        return { ok: true, value: { configPath: parsed.data.configPath } };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    if (loaded.value) this.prefs = loaded.value;
    return loaded.notices;
  }

  /** Remembers the prefs (in memory at once; on disk unless the file could not be read this run). */
  save(prefs: NetbootPrefs): Promise<void> {
    this.prefs = prefs;
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, ...prefs }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
