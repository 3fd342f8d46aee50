import type { EtcdKeyPattern } from '../farm/key-pattern';

/**
 * The values of some etcd prefixes at one revision, with a cap on keys and bytes: the store of
 * the responder's etcd copy (watched-etcd-reader.ts keeps it current). Pure: no etcd, no clock.
 * A key outside the prefixes is not covered (the caller reads etcd); a covered key that is not
 * here does not exist at the copy's revision.
 */

export interface EtcdCopyLimits {
  maxKeys: number;
  /** Keys plus values, in UTF-8 bytes. */
  maxBytes: number;
}

export const DEFAULT_ETCD_COPY_LIMITS: EtcdCopyLimits = { maxKeys: 100_000, maxBytes: 64 * 1024 * 1024 };

/** overCap: the prefixes hold more than the limits allow (not an error of etcd's). */
export type EtcdCopyResult = { ok: true } | { ok: false; reason: string; overCap?: boolean };

/**
 * The prefixes that hold every key the patterns can render: each pattern's text before its first
 * variable (the whole key when it has none), without prefixes that another one already covers.
 */
export function watchPrefixes(patterns: Iterable<EtcdKeyPattern>): string[] {
  const all = new Set<string>();
  for (const p of patterns) {
    let prefix = '';
    for (const part of p.parts) {
      if (!('text' in part)) break;
      prefix += part.text;
    }
    all.add(prefix);
  }
  const sorted = [...all].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(q)));
}

function entryBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(value);
}

export class EtcdCopy {
  private readonly values = new Map<string, string>();
  private bytesUsed = 0;
  private rev = 0;

  constructor(
    readonly prefixes: readonly string[],
    private readonly limits: EtcdCopyLimits = DEFAULT_ETCD_COPY_LIMITS,
  ) {}

  get size(): number {
    return this.values.size;
  }

  get bytes(): number {
    return this.bytesUsed;
  }

  /** The revision of the last range read or applied event. */
  get revision(): number {
    return this.rev;
  }

  covers(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Replaces everything with a range read at revision; over the cap the copy is left empty. */
  load(entries: Iterable<readonly [string, string]>, revision: number): EtcdCopyResult {
    this.clear();
    for (const [key, value] of entries) {
      this.values.set(key, value);
      this.bytesUsed += entryBytes(key, value);
      const over = this.overCap();
      if (over) {
        this.clear();
        return over;
      }
    }
    this.rev = revision;
    return { ok: true };
  }

  /** Applies a put at modRevision. Events come in revision order (one txn's share a revision); an older one is an error. */
  put(key: string, value: string, modRevision: number): EtcdCopyResult {
    if (modRevision < this.rev) return { ok: false, reason: `an etcd event at revision ${modRevision} came after revision ${this.rev}` };
    const old = this.values.get(key);
    if (old !== undefined) this.bytesUsed -= entryBytes(key, old);
    this.values.set(key, value);
    this.bytesUsed += entryBytes(key, value);
    this.rev = modRevision;
    return this.overCap() ?? { ok: true };
  }

  delete(key: string, modRevision: number): EtcdCopyResult {
    if (modRevision < this.rev) return { ok: false, reason: `an etcd event at revision ${modRevision} came after revision ${this.rev}` };
    const old = this.values.get(key);
    if (old !== undefined) {
      this.bytesUsed -= entryBytes(key, old);
      this.values.delete(key);
    }
    this.rev = modRevision;
    return { ok: true };
  }

  clear(): void {
    this.values.clear();
    this.bytesUsed = 0;
    this.rev = 0;
  }

  private overCap(): { ok: false; reason: string; overCap: true } | undefined {
    if (this.values.size > this.limits.maxKeys) return { ok: false, reason: `the watched prefixes hold more than ${this.limits.maxKeys} keys (etcd.cache.maxKeys)`, overCap: true };
    if (this.bytesUsed > this.limits.maxBytes) return { ok: false, reason: `the watched prefixes hold more than ${this.limits.maxBytes} bytes (etcd.cache.maxBytes)`, overCap: true };
    return undefined;
  }
}
