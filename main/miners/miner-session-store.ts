import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../contract/clock';
import { MinerSessionConfigSchema, type MinerSessionConfig } from '../contract/miners';
import type { Notice } from '../contract/system';
import { ensurePrivateDir, writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../settings/versioned-json-file';

export const MINER_SESSIONS_FILE_NAME = 'miners.json';
const FILE_VERSION = 1;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const FileSchema = z.object({ version: z.literal(FILE_VERSION), sessions: z.array(MinerSessionConfigSchema) });

/**
 * Saved miner sessions in miners.json beside settings.json (versioned, written atomically).
 * Tokens are never in this file: a session names their secret-store ids. A corrupt or newer file
 * is kept aside and Drover starts with no sessions; an unreadable one is left alone and changes
 * stay in memory this run (versioned-json-file.ts).
 */
export class MinerSessionStore {
  readonly file: string;
  private readonly queue = new SerialQueue();
  private readOnlyReason: string | undefined;

  constructor(
    configDir: string,
    private readonly clock: Clock,
  ) {
    this.file = path.join(configDir, MINER_SESSIONS_FILE_NAME);
  }

  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  async load(): Promise<{ sessions: MinerSessionConfig[]; notices: Notice[] }> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'miner sessions',
      noticeKey: 'minerSessions',
      version: FILE_VERSION,
      maxBytes: MAX_FILE_BYTES,
      clock: this.clock,
      parse: (raw) => {
        const parsed = FileSchema.safeParse(raw);
        if (!parsed.success) return { ok: false, reason: summarizeIssues(parsed.error) };
        const ids = new Set<string>();
        for (const s of parsed.data.sessions) {
          if (ids.has(s.id)) return { ok: false, reason: `two sessions share the id ${s.id}` };
          ids.add(s.id);
        }
        return { ok: true, value: parsed.data.sessions };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    return { sessions: loaded.value ?? [], notices: loaded.notices };
  }

  save(sessions: readonly MinerSessionConfig[]): Promise<void> {
    return this.queue.run(async () => {
      if (this.readOnlyReason !== undefined) return;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, `${JSON.stringify({ version: FILE_VERSION, sessions }, null, 2)}\n`);
      } catch (err) {
        throw writeError(this.file, err);
      }
    });
  }
}
