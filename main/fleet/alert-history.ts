import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../contract/clock';
import { AlertSchema, type Alert, type AlertTransition } from '../contract/fleet';
import type { Disposable } from '../contract/lifecycle';
import type { Notice } from '../contract/system';
import { ensurePrivateDir, writeFileAtomic } from '../settings/atomic-file';
import { writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';
import { loadVersionedJson, summarizeIssues } from '../settings/versioned-json-file';

export const ALERT_HISTORY_FILE_NAME = 'alert-history.json';
const FILE_VERSION = 1;
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const FileSchema = z.object({ version: z.literal(FILE_VERSION), alerts: z.array(AlertSchema) });

export interface AlertHistoryOptions {
  /** The JSON file (e.g. <configDir>/alert-history.json). */
  file: string;
  clock: Clock;
  /** Alert episodes kept; the oldest go first. Default 2000. */
  maxEntries?: number;
  /** Changes are written this long after the first unsaved one (batching a burst). Default 2000 ms. */
  saveDelayMs?: number;
  /** Failed background saves (the next change retries). */
  onSaveError?: (err: unknown) => void;
}

/**
 * Alert episodes (one per firing, updated when acknowledged or resolved), newest last in memory,
 * bounded, persisted to a versioned JSON file (loaded with main/settings/versioned-json-file.ts,
 * written with atomic writes). A corrupt or newer file is kept aside, never overwritten, and the
 * history starts empty.
 */
export class AlertHistory implements Disposable {
  readonly file: string;
  private readonly byId = new Map<string, Alert>();
  private readonly queue = new SerialQueue();
  private readonly maxEntries: number;
  private readonly saveDelayMs: number;
  private timer: Disposable | undefined;
  private dirty = false;
  private disposed = false;
  private readOnlyReason: string | undefined;

  constructor(private readonly options: AlertHistoryOptions) {
    this.file = options.file;
    this.maxEntries = Math.max(1, options.maxEntries ?? 2000);
    this.saveDelayMs = Math.max(0, options.saveDelayMs ?? 2000);
  }

  /**
   * Reads the file through main/settings/versioned-json-file.ts (missing: empty). A corrupt or newer
   * file is kept aside with a notice; one that cannot be read or moved aside is left alone and the
   * history is then kept in memory only this run (notPersistingReason says why).
   */
  async load(): Promise<{ notices: Notice[] }> {
    const loaded = await loadVersionedJson({
      file: this.file,
      what: 'alert history',
      noticeKey: 'fleet.alertHistory',
      version: FILE_VERSION,
      maxBytes: MAX_FILE_BYTES,
      clock: this.options.clock,
      parse: (raw) => {
        const parsed = FileSchema.safeParse(raw);
        return parsed.success ? { ok: true, value: parsed.data.alerts } : { ok: false, reason: summarizeIssues(parsed.error) };
      },
    });
    this.readOnlyReason = loaded.readOnlyReason;
    if (loaded.value) {
      this.byId.clear();
      for (const alert of loaded.value) this.byId.set(alert.id, alert);
      this.trim();
    }
    return { notices: loaded.notices };
  }

  /** Why changes are not written this run (the file was unreadable or could not be kept aside). */
  get notPersistingReason(): string | undefined {
    return this.readOnlyReason;
  }

  /** Records transitions (fired: a new episode; acked/resolved: its update) and schedules a save. */
  record(transitions: readonly AlertTransition[]): void {
    if (this.disposed || transitions.length === 0) return;
    for (const t of transitions) {
      const existing = this.byId.get(t.alert.id);
      // An ack that arrives after the resolution (or the reverse) keeps both facts.
      const merged: Alert = existing
        ? {
            ...t.alert,
            acked: existing.acked || t.alert.acked,
            ackedAtMs: existing.ackedAtMs ?? t.alert.ackedAtMs,
            state: existing.state === 'resolved' || t.alert.state === 'resolved' ? 'resolved' : 'firing',
            resolvedAtMs: t.alert.resolvedAtMs ?? existing.resolvedAtMs,
          }
        : t.alert;
      // Map.set on an existing id keeps its place: the episode stays ordered by when it fired.
      this.byId.set(t.alert.id, merged);
    }
    this.trim();
    this.dirty = true;
    this.timer ??= this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: unknown) => this.options.onSaveError?.(err));
    }, this.saveDelayMs);
  }

  private trim(): void {
    while (this.byId.size > this.maxEntries) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
  }

  /** Newest first; optionally one host's, at most `limit`. */
  list(options: { hostId?: string; limit?: number } = {}): Alert[] {
    const out: Alert[] = [];
    const limit = options.limit ?? Infinity;
    const all = [...this.byId.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const a = all[i]!;
      if (options.hostId === undefined || a.hostId === options.hostId) out.push(a);
    }
    return out;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Writes now if anything changed since the last write. */
  flush(): Promise<void> {
    this.timer?.dispose();
    this.timer = undefined;
    return this.queue.run(async () => {
      if (!this.dirty || this.readOnlyReason !== undefined) return;
      this.dirty = false;
      const data = `${JSON.stringify({ version: FILE_VERSION, alerts: [...this.byId.values()] })}\n`;
      try {
        await ensurePrivateDir(path.dirname(this.file));
        await writeFileAtomic(this.file, data);
      } catch (err) {
        this.dirty = true;
        throw writeError(this.file, err);
      }
    });
  }

  /** Flushes and stops. */
  async close(): Promise<void> {
    await this.flush();
    this.dispose();
  }

  /** Stops the pending save timer (unsaved changes are lost: call close() to keep them). */
  dispose(): void {
    this.disposed = true;
    this.timer?.dispose();
    this.timer = undefined;
  }
}
