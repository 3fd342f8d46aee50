import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../contract/clock';
import type { Notice } from '../contract/system';
import { ensurePrivateDir, writeFileAtomic } from './atomic-file';
import { writeError } from './file-errors';
import { SerialQueue } from './serial-queue';
import { loadVersionedJson, summarizeIssues } from './versioned-json-file';

export interface RecordListFileOptions<T> {
  readonly configDir: string;
  /** e.g. 'domains.json', beside settings.json. */
  readonly fileName: string;
  /** The records' name in notices ("KVM hosts", "tunnel profiles"). */
  readonly what: string;
  /** The notice key the renderer translates (see versioned-json-file.ts). */
  readonly noticeKey: string;
  /** The array's property in the file: `{ "version": 1, "<listKey>": [...] }`. */
  readonly listKey: string;
  readonly itemSchema: z.ZodType<T>;
  readonly maxBytes: number;
  /** When given, a file holding two records with the same id is refused (kept aside) with this reason. */
  readonly idOf?: (item: T) => string;
  readonly clock?: Clock;
}

const FILE_VERSION = 1;

/**
 * A list of saved records (tunnel profiles, etcd sessions, KVM hosts, miner sessions) in its own
 * versioned JSON file, written atomically and one write at a time. A corrupt or newer file is kept
 * aside (never overwritten) and Drover starts with an empty list; one that cannot be read or moved
 * aside is left alone and saves stay in memory this run (versioned-json-file.ts).
 */
export class RecordListFile<T> {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readonly fileSchema: z.ZodType<Record<string, unknown>>;
  private readOnlyReason: string | undefined;

  constructor(private readonly opts: RecordListFileOptions<T>) {
    this.file = path.join(opts.configDir, opts.fileName);
    this.fileSchema = z.object({ version: z.literal(FILE_VERSION), [opts.listKey]: z.array(opts.itemSchema) });
  }

  /** Why saves stay in memory this run (the file was unreadable or could not be kept aside), if they do. */
  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  async load(): Promise<{ items: T[]; notices: Notice[] }> {
    const { idOf, listKey } = this.opts;
    const loaded = await loadVersionedJson({
      file: this.file,
      what: this.opts.what,
      noticeKey: this.opts.noticeKey,
      version: FILE_VERSION,
      maxBytes: this.opts.maxBytes,
      clock: this.opts.clock ?? systemClock,
      parse: (raw) => {
        const parsed = this.fileSchema.safeParse(raw);
        if (!parsed.success) return { ok: false, reason: summarizeIssues(parsed.error) };
        const items = parsed.data[listKey] as T[];
        if (idOf) {
          const ids = new Set<string>();
          for (const item of items) {
            const id = idOf(item);
            if (ids.has(id)) return { ok: false, reason: `the id ${id} appears twice` };
            ids.add(id);
          }
        }
        return { ok: true, value: items };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    return { items: loaded.value ?? [], notices: loaded.notices };
  }

  save(items: readonly T[]): Promise<void> {
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, [this.opts.listKey]: items }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
