import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../contract/clock';
import { DomainHostConfigSchema, type DomainHostConfig } from '../contract/domains';
import type { Notice } from '../contract/system';
import { ensurePrivateDir, writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../settings/versioned-json-file';

export const DOMAINS_FILE_NAME = 'domains.json';
const FILE_VERSION = 1;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const FileSchema = z.object({ version: z.literal(FILE_VERSION), hosts: z.array(DomainHostConfigSchema) });

/**
 * The KVM hosts of the Domains page in their own versioned JSON file (`domains.json` beside
 * settings.json), written atomically. A corrupt or newer file is kept aside and Drover starts
 * with no hosts; one that cannot be read or moved aside is left alone and saves stay in memory.
 */
export class DomainHostStore {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readOnlyReason: string | undefined;

  constructor(
    configDir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.file = path.join(configDir, DOMAINS_FILE_NAME);
  }

  /** Why saves stay in memory this run, if they do. */
  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  async load(): Promise<{ hosts: DomainHostConfig[]; notices: Notice[] }> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'KVM hosts',
      noticeKey: 'domains',
      version: FILE_VERSION,
      maxBytes: MAX_FILE_BYTES,
      clock: this.clock,
      parse: (raw) => {
        const parsed = FileSchema.safeParse(raw);
        if (!parsed.success) return { ok: false, reason: summarizeIssues(parsed.error) };
        const ids = new Set<string>();
        for (const h of parsed.data.hosts) {
          if (ids.has(h.id)) return { ok: false, reason: `host id ${h.id} appears twice` };
          ids.add(h.id);
        }
        return { ok: true, value: parsed.data.hosts };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    return { hosts: loaded.value ?? [], notices: loaded.notices };
  }

  save(hosts: readonly DomainHostConfig[]): Promise<void> {
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, hosts }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
