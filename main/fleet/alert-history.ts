import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../contract/clock';
import { AlertSchema, type Alert, type AlertTransition } from '../contract/fleet';
import type { Disposable } from '../contract/lifecycle';
import type { Notice } from '../contract/system';
import { ensurePrivateDir, errnoCode, FileTooLargeError, keepAside, readFileLimited, writeFileAtomic } from '../settings/atomic-file';
import { readError, writeError } from '../settings/file-errors';
import { SerialQueue } from '../settings/serial-queue';

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
 * bounded, persisted to a versioned JSON file with atomic writes (main/settings/atomic-file.ts).
 * A corrupt or newer file is kept aside, never overwritten, and the history starts empty.
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

  constructor(private readonly options: AlertHistoryOptions) {
    this.file = options.file;
    this.maxEntries = Math.max(1, options.maxEntries ?? 2000);
    this.saveDelayMs = Math.max(0, options.saveDelayMs ?? 2000);
  }

  /** Reads the file (missing: empty). Returns notices for a file kept aside or unreadable. */
  async load(): Promise<{ notices: Notice[] }> {
    const nowMs = this.options.clock.now();
    let text: string;
    try {
      text = (await readFileLimited(this.file, MAX_FILE_BYTES)).toString('utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { notices: [] };
      if (err instanceof FileTooLargeError) return this.keepAsideNotice('corrupt', nowMs, 'is too large to be an alert history');
      const appErr = readError(this.file, err);
      return { notices: [{ id: 'fleet.alertHistory.unreadable', level: 'error', key: 'fleet.alertHistory.unreadable', message: appErr.message, error: appErr.toData(), values: { file: this.file } }] };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.keepAsideNotice('corrupt', nowMs, 'is not valid JSON');
    }
    const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
    if (typeof version === 'number' && version > FILE_VERSION) return this.keepAsideNotice('newer', nowMs, `was written by a newer Drover (version ${version})`);
    const parsed = FileSchema.safeParse(raw);
    if (!parsed.success) return this.keepAsideNotice('corrupt', nowMs, 'is not an alert history');
    this.byId.clear();
    for (const alert of parsed.data.alerts) this.byId.set(alert.id, alert);
    this.trim();
    return { notices: [] };
  }

  private async keepAsideNotice(tag: 'corrupt' | 'newer', nowMs: number, why: string): Promise<{ notices: Notice[] }> {
    const kept = await keepAside(this.file, tag, nowMs);
    return {
      notices: [
        {
          id: `fleet.alertHistory.keptAside.${nowMs}`,
          level: 'warning',
          key: 'fleet.alertHistory.keptAside',
          message: `${this.file} ${why}; it was kept aside as ${kept} and the alert history starts empty.`,
          values: { file: this.file, keptAs: kept },
        },
      ],
    };
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
      if (!this.dirty) return;
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
